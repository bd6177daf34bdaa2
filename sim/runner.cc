#include "runner.h"

#include "runner-design.h"
#include "scenario-loader.h"
#include "simrun-cli.h"
#include "table.h"

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fmt/format.h>
#include <iostream>
#include <ostream>
#include <unistd.h>

namespace tunnelsim
{

namespace
{

/// Largest seed of a scenario: ns-3's MRG32k3a needs a seed below its second modulus
/// (docs/scenario-format.md); the loader enforces the same range on the file's "seed".
constexpr uint32_t kMaxScenarioSeed = 4294944442u;

/// A new RunOutputs::nextProgressWall: kProgressAfterWallS after @p started.
std::shared_ptr<std::chrono::steady_clock::time_point>
FirstProgressDue(std::chrono::steady_clock::time_point started)
{
    return std::make_shared<std::chrono::steady_clock::time_point>(
        started
        + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            std::chrono::duration<double>(kProgressAfterWallS)));
}

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
    RunOutputs designOutputs = outputs;
    if (!designOutputs.nextProgressWall)
    {
        designOutputs.nextProgressWall = FirstProgressDue(outputs.started);
    }
    for (size_t design = 0; design < scenario.designs.size(); ++design)
    {
        DesignRun run(scenario, design, designOutputs);
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
    // CLI::Range reports "abc" as out of range, so this validator states what a seed must be.
    CLI::Validator seedRange(
        [](std::string& text)
        {
            uint64_t value = 0;
            const bool digits
                = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
            if (digits && CLI::detail::lexical_cast(text, value) && value >= 1
                && value <= kMaxScenarioSeed)
            {
                return std::string();
            }
            return fmt::format("must be a whole number from 1 to {}, got {}", kMaxScenarioSeed,
                               text);
        },
        "SEED");
    app.add_option("--seed", options.seed, "Seed that replaces the scenario's own")
        ->check(seedRange);
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

    // A run can take minutes, so find unwritable output directories before it starts.
    const ResultsIoStatus outReady = PrepareOutputDirectory(options.outDirectory);
    if (!outReady.Ok())
    {
        err << "simrun: --out: " << outReady.error << "\n";
        return kExitInvalidInput;
    }
    if (!options.pcapDirectory.empty())
    {
        const ResultsIoStatus pcapReady = PrepareOutputDirectory(options.pcapDirectory);
        if (!pcapReady.Ok())
        {
            err << "simrun: --pcap: " << pcapReady.error << "\n";
            return kExitInvalidInput;
        }
    }

    RunOutputs outputs;
    outputs.progress = options.quiet ? nullptr : &err;
    // Tests pass string streams; only the process's own standard error can be a terminal.
    outputs.progressIsTerminal = &err == &std::cerr && ::isatty(STDERR_FILENO) == 1;
    outputs.walk = options.walk ? &out : nullptr;
    outputs.pcapDirectory = options.pcapDirectory;
    // Shared by all sweep points, so the progress interval also applies between them.
    outputs.nextProgressWall = FirstProgressDue(outputs.started);
    std::error_code error;

    for (const Scenario& run : ExpandSweep(scenario))
    {
        // Sweep points get the name of their results file in front of their pcap names.
        outputs.pcapFilePrefix = scenario.sweep ? run.name + "." : "";
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
            err << "simrun: cannot write results " << path << ": " << written.error << "\n";
            return kExitRunFailed;
        }
        out << FormatResultsTable(results) << "results: " << path << "\n\n";
    }
    return kExitOk;
}

} // namespace tunnelsim
