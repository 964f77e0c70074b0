#pragma once
// dvsadm from argv to exit code: parse -> request -> send -> format. main()
// is a thin wrapper so that tests can run the whole program in-process
// against a test server, with string streams for stdin/stdout/stderr.
//
// Exit codes: 0 done; 1 dvsd refused (its message is printed) or answered
// nonsense; 2 bad command line (or bad -R input); 3 cannot reach dvsd.

#include <iosfwd>
#include <string>
#include <vector>

namespace dvs::dvsadm {

inline constexpr int kExitOk = 0;
inline constexpr int kExitDaemonError = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitNoConnection = 3;

struct Environment {
    std::istream& in;  // -R reads it
    std::ostream& out;
    std::ostream& err;
    const char* socket_env = nullptr;  // value of $DVS_SOCKET, if set
};

// args: argv without the program name.
int run(const std::vector<std::string>& args, const Environment& env);

std::string usage_text();

}  // namespace dvs::dvsadm
