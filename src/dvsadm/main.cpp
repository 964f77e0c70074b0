// dvsadm: ipvsadm's command line for dvsd's management socket.

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "dvsadm/app.hpp"

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    const dvs::dvsadm::Environment env{std::cin, std::cout, std::cerr, std::getenv("DVS_SOCKET")};
    return dvs::dvsadm::run(args, env);
}
