#pragma once
// ipvsadm's command line, read into a Command. Pure: no I/O, no name
// resolution (addresses and ports are numeric; ipvsadm's host and service
// names are refused with a message saying so).
//
// Accepted like ipvsadm (popt): short options bundled ("-Ln", "-At1.2.3.4:80"),
// an option's value attached or in the next word, long options as
// "--name value" or "--name=value", options in any order, -p with an
// optional timeout (taken from the next word unless it starts with '-').
// Every refusal is a UsageError whose message names the problem
// ("-r needs a server address"); dvsadm prints it after "dvsadm: " and
// exits 2.

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "dvsadm/command.hpp"

namespace dvs::dvsadm {

class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// argv without the program name.
Command parse_command_line(const std::vector<std::string>& args);

// One line of -R input: blank lines and '#' comments give nothing; a leading
// "ipvsadm" or "dvsadm" word is dropped (ipvsadm -R accepts it too). Only
// the table-changing commands (-A -E -D -a -e -d -C -Z --set) are allowed.
std::optional<Command> parse_restore_line(std::string_view line);

// Splits a line into words at blanks; '...' and "..." group words.
std::vector<std::string> split_words(std::string_view line);

}  // namespace dvs::dvsadm
