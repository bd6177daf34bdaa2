// Runs a shell command from a test and captures its standard output, for the tests that
// check our bytes with tshark and those that run the project's own tools.
#ifndef TUNNELSIM_TESTS_RUN_COMMAND_H
#define TUNNELSIM_TESTS_RUN_COMMAND_H

#include <array>
#include <cstdio>
#include <optional>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <vector>

namespace tunnelsim::test
{

struct CommandOutput
{
    /// The command's exit status, or -1 when it could not start or a signal ended it.
    int exitCode = -1;
    std::string text; ///< standard output (add 2>&1 to the command for standard error)
};

/// Run @p command through /bin/sh and capture its standard output and exit status.
inline CommandOutput
RunShell(const std::string& command)
{
    CommandOutput output;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr)
    {
        return output;
    }
    std::array<char, 4096> buffer{};
    size_t read = 0;
    while ((read = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    {
        output.text.append(buffer.data(), read);
    }
    const int status = ::pclose(pipe);
    output.exitCode = status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return output;
}

/// Standard output of @p command, or nullopt when it did not exit with status 0.
inline std::optional<std::string>
RunCommand(const std::string& command)
{
    CommandOutput output = RunShell(command);
    if (output.exitCode != 0)
    {
        return std::nullopt;
    }
    return std::move(output.text);
}

/// The non-empty lines of @p text, without their line ends: one per frame of tshark's
/// "-T fields" output.
inline std::vector<std::string>
Lines(const std::string& text)
{
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
    {
        if (!line.empty())
        {
            lines.push_back(line);
        }
    }
    return lines;
}

} // namespace tunnelsim::test

#endif
