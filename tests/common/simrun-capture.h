// Runs the simrun command line in-process and captures what it prints, for the tests of
// its subcommands.
#ifndef TUNNELSIM_TESTS_SIMRUN_CAPTURE_H
#define TUNNELSIM_TESTS_SIMRUN_CAPTURE_H

#include "simrun-cli.h"

#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace tunnelsim
{

struct SimrunOutput
{
    int exitCode = -1;
    std::string out;
    std::string err;
};

/// Run simrun in-process with @p args (without the program name), capturing both streams.
inline SimrunOutput
RunSimrunCaptured(std::vector<std::string> args)
{
    args.insert(args.begin(), "simrun");
    std::vector<char*> argv;
    for (std::string& arg : args)
    {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    std::ostringstream out;
    std::ostringstream err;
    std::streambuf* oldOut = std::cout.rdbuf(out.rdbuf());
    std::streambuf* oldErr = std::cerr.rdbuf(err.rdbuf());
    SimrunOutput result;
    result.exitCode = RunSimrun(static_cast<int>(args.size()), argv.data());
    std::cout.rdbuf(oldOut);
    std::cerr.rdbuf(oldErr);
    result.out = out.str();
    result.err = err.str();
    return result;
}

} // namespace tunnelsim

#endif
