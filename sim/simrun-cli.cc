#include "simrun-cli.h"

#include <CLI/CLI.hpp>

namespace tunnelsim
{

int
RunSimrun(int argc, char** argv)
{
    CLI::App app{"tunnelsim: compare policy-based and route-based IPsec designs on ns-3"};
    app.set_version_flag("--version", "tunnelsim 0.1.0");
    app.require_subcommand(0, 1);

    try
    {
        app.parse(argc, argv);
    }
    catch (const CLI::ParseError& e)
    {
        int code = app.exit(e);
        return code == 0 ? kExitOk : kExitInvalidInput;
    }
    return kExitOk;
}

} // namespace tunnelsim
