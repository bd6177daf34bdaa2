/*
 * The scenario runner behind `simrun SCENARIO.json`: runs every design of a scenario on a
 * fresh simulation of the same network, traffic and seed, and fills the results struct
 * (results.h) from the models' counters and the probes. docs/running.md describes the
 * command and how each metric is measured.
 *
 * Each design runs in its own ns-3 simulation: seed and run number are set from the
 * scenario, and Simulator::Destroy and Names::Clear end it, so designs are independent and
 * the same scenario and seed give byte-identical results.
 *
 * Limitations:
 * - One design runs at a time, in this process (no parallel runs: ns-3's simulator is a
 *   process-wide singleton).
 * - Throughput assumes that encryption takes no simulated time (crypto_cost model "none").
 */
#ifndef TUNNELSIM_SIM_RUNNER_H
#define TUNNELSIM_SIM_RUNNER_H

#include "results.h"
#include "scenario.h"

#include <chrono>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

namespace CLI
{
class App;
} // namespace CLI

namespace tunnelsim
{

/// Wall time after which a run starts printing its progress line, seconds.
constexpr double kProgressAfterWallS = 2.0;
/// Wall time between two updates of the progress line on a terminal, seconds.
constexpr double kProgressTerminalIntervalWallS = 0.5;
/// Wall time between two progress lines when the stream is not a terminal (a log file or a
/// pipe), seconds.
constexpr double kProgressPlainIntervalWallS = 10.0;

/** Outputs of a run besides the results. A null stream or an empty path turns one off. */
struct RunOutputs
{
    /// Progress of the run. On a terminal one line is rewritten with carriage returns and
    /// erased at the end of each design. Otherwise, newline-terminated lines are written
    /// at most every kProgressPlainIntervalWallS.
    std::ostream* progress = nullptr;
    /// True when @c progress is a terminal (isatty).
    bool progressIsTerminal = false;
    /// Packet walk of one probe per design.
    std::ostream* walk = nullptr;
    /// Directory for WAN pcaps and Wireshark esp_sa files, one set per design.
    std::string pcapDirectory;
    /// Start of the pcap and esp_sa file names: empty for a scenario without a sweep, and
    /// "<sweep point name>." for a sweep point, so the points do not overwrite each other.
    std::string pcapFilePrefix;
    /// Wall time the command started; the progress line appears kProgressAfterWallS later.
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    /// Wall time at which the next progress output is due. Every design of a command updates
    /// the same one, so the interval also applies from one design to the next. RunScenario
    /// creates it, due at @c started + kProgressAfterWallS, when it is null.
    std::shared_ptr<std::chrono::steady_clock::time_point> nextProgressWall;
};

/** A design run that could not complete, e.g. a model rejected its configuration. */
class RunError : public std::runtime_error
{
  public:
    using std::runtime_error::runtime_error;
};

/**
 * Run every design of @p scenario, which passed validation and is not a sweep (see
 * ExpandSweep), and return the results. Throws RunError when a design cannot run.
 */
Results RunScenario(const Scenario& scenario, const RunOutputs& outputs);

/** Options of `simrun SCENARIO.json`. */
struct ScenarioRunOptions
{
    std::string scenarioPath;
    std::string outDirectory = "out";
    std::optional<uint32_t> seed;
    std::string pcapDirectory;
    bool walk = false;
    bool quiet = false;
};

/**
 * Register the scenario positional argument and its options on the top-level @p app,
 * storing them in @p options (which must outlive the parse).
 */
void AddScenarioOptions(CLI::App& app, ScenarioRunOptions& options);

/**
 * `simrun SCENARIO.json`: load and validate (print every error and return
 * kExitInvalidInput), run each sweep point, write "<out>/<scenario name>.json" and print
 * the comparison table to @p out. Returns kExitOk, or kExitRunFailed after a failed run.
 */
int RunScenarioCommand(const ScenarioRunOptions& options, std::ostream& out, std::ostream& err);

/// Path of the results file of @p scenarioName in @p outDirectory: "<out>/<name>.json".
std::string ResultsPath(const std::string& outDirectory, const std::string& scenarioName);

} // namespace tunnelsim

#endif
