#include "runner.h"

#include "runner-design.h"
#include "scenario-loader.h"
#include "simrun-cli.h"
#include "table.h"

#include <CLI/CLI.hpp>
#include <filesystem>
#include <ostream>

namespace tunnelsim
{

namespace
{

/// Largest seed of a scenario: ns-3's MRG32k3a needs a seed below its second modulus
/// (docs/scenario-format.md); the loader enforces the same range on the file's "seed".
constexpr uint32_t kMaxScenarioSeed = 4294944442u;

} // namespace

Results
RunScenario(const Scenario& scenario, const RunOutputs& outputs)
{
    Results results;
    results.scenario = scenario.name;
    results.seed = scenario.seed;
    if (scenario.subnetsPerSite)
    {
        results.sweep = SweepPoint{"subnets_per_site", *scenario.subnetsPerSite};
    }
    for (size_t design = 0; design < scenario.designs.size(); ++design)
    {
        DesignRun run(scenario, design, outputs);
        results.designs.push_back(run.Run());
    }
    return results;
}

std::string
ResultsPath(const std::string& outDirectory, const std::string& scenarioName)
{
    return (std::filesystem::path(outDirectory) / (scenarioName + ".json")).string();
}

void
AddScenarioOptions(CLI::App& app, ScenarioRunOptions& options)
{
    app.add_option("scenario", options.scenarioPath,
                   "Scenario file to run (see docs/scenario-format.md)");
    app.add_option("--out", options.outDirectory,
                   "Directory for the results file <scenario name>.json")
        ->capture_default_str();
    app.add_option("--seed", options.seed, "Seed that replaces the scenario's own")
        ->check(CLI::Range(1u, kMaxScenarioSeed));
    app.add_option("--pcap", options.pcapDirectory,
                   "Directory for pcaps of the WAN links and a Wireshark esp_sa file per design");
    app.add_flag("--walk", options.walk, "Print the journey of one probe through each design");
    app.add_flag("--quiet", options.quiet, "No progress line on standard error");
}

int
RunScenarioCommand(const ScenarioRunOptions& options, std::ostream& out, std::ostream& err)
{
    ScenarioLoadResult loaded = LoadScenarioFile(options.scenarioPath);
    if (!loaded.Ok())
    {
        err << loaded.FormatErrors(options.scenarioPath);
        return kExitInvalidInput;
    }
    Scenario scenario = *loaded.scenario;
    if (options.seed)
    {
        scenario.seed = *options.seed;
    }

    RunOutputs outputs;
    outputs.progress = options.quiet ? nullptr : &err;
    outputs.walk = options.walk ? &out : nullptr;
    outputs.pcapDirectory = options.pcapDirectory;
    std::error_code error;
    if (!options.pcapDirectory.empty())
    {
        std::filesystem::create_directories(options.pcapDirectory, error);
        if (error)
        {
            err << "cannot create pcap directory " << options.pcapDirectory << ": "
                << error.message() << "\n";
            return kExitRunFailed;
        }
    }

    for (const Scenario& run : ExpandSweep(scenario))
    {
        Results results;
        try
        {
            results = RunScenario(run, outputs);
        }
        catch (const RunError& e)
        {
            err << run.name << ": run failed: " << e.what() << "\n";
            return kExitRunFailed;
        }

        const std::string path = ResultsPath(options.outDirectory, results.scenario);
        const std::filesystem::path parent = std::filesystem::path(path).parent_path();
        if (!parent.empty())
        {
            std::filesystem::create_directories(parent, error);
        }
        const ResultsIoStatus written
            = error ? ResultsIoStatus{error.message()} : WriteResultsFile(path, results);
        if (!written.Ok())
        {
            err << "cannot write results " << path << ": " << written.error << "\n";
            return kExitRunFailed;
        }
        out << FormatResultsTable(results) << "results: " << path << "\n\n";
    }
    return kExitOk;
}

} // namespace tunnelsim
