#include "simrun-cli.h"

#include "calibrate.h"
#include "compare.h"
#include "decode.h"
#include "runner.h"

#include <CLI/CLI.hpp>
#include <iostream>
#include <string>

namespace tunnelsim
{

// Each subcommand lives in its own file behind a registration function (Add...Command)
// and a Run... function; this file only wires them to the command line.
int
RunSimrun(int argc, char** argv)
{
    CLI::App app{"tunnelsim: compare policy-based and route-based IPsec designs on ns-3"};
    app.set_version_flag("--version", "tunnelsim " + std::string(kTunnelsimVersion));
    app.require_subcommand(0, 1);

    DecodeOptions decodeOptions;
    CLI::App* decode = AddDecodeCommand(app, decodeOptions);

    CompareOptions compareOptions;
    CLI::App* compare = AddCompareSubcommand(app, compareOptions);

    CalibrateOptions calibrateOptions;
    CLI::App* calibrate = AddCalibrateCommand(app, calibrateOptions);

    // Without a subcommand: simrun SCENARIO.json [options].
    ScenarioRunOptions scenarioOptions;
    AddScenarioOptions(app, scenarioOptions);

    try
    {
        app.parse(argc, argv);
    }
    catch (const CLI::ParseError& e)
    {
        int code = app.exit(e);
        return code == 0 ? kExitOk : kExitInvalidInput;
    }

    if (decode->parsed())
    {
        return RunDecode(decodeOptions, std::cout, std::cerr);
    }
    if (compare->parsed())
    {
        return RunCompare(compareOptions, std::cout, std::cerr);
    }
    if (calibrate->parsed())
    {
        return RunCalibrate(calibrateOptions, std::cout, std::cerr);
    }
    if (!scenarioOptions.scenarioPath.empty())
    {
        return RunScenarioCommand(scenarioOptions, std::cout, std::cerr);
    }
    std::cerr << "simrun: missing a scenario file or a subcommand\n" << app.help();
    return kExitInvalidInput;
}

} // namespace tunnelsim
