#ifndef TUNNELSIM_SIM_SIMRUN_CLI_H
#define TUNNELSIM_SIM_SIMRUN_CLI_H

namespace tunnelsim
{

/// Exit codes of simrun.
constexpr int kExitOk = 0;
constexpr int kExitRunFailed = 1;
constexpr int kExitInvalidInput = 2;

/** Parse the command line and run the requested subcommand; returns the exit code. */
int RunSimrun(int argc, char** argv);

} // namespace tunnelsim

#endif
