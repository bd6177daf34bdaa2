/*
 * `simrun compare BASELINE RESULTS`: compares two results files metric by metric and
 * reports regressions. Counts must match exactly, times and rates within a relative
 * tolerance, labels (scenario, suite, cost model) exactly. Any change outside tolerance is
 * a regression, whichever its direction: a baseline describes what a run must produce.
 *
 * Limitations:
 * - Events are matched by position and flows by name; a reordered event list is reported
 *   as changed events.
 * - A gateway, kind of change or drop reason missing from one file counts as 0 there.
 */
#ifndef TUNNELSIM_SIM_COMPARE_H
#define TUNNELSIM_SIM_COMPARE_H

#include "results.h"

#include <iosfwd>
#include <string>
#include <vector>

namespace CLI
{
class App;
} // namespace CLI

namespace tunnelsim
{

/// Exit codes of `simrun compare`, as documented in docs/results-format.md.
constexpr int kCompareExitNoRegression = 0;
constexpr int kCompareExitRegression = 1;
constexpr int kCompareExitUnreadableInput = 2;
/// The files come from different scenarios, seeds or sweep points, so nothing compares.
constexpr int kCompareExitDifferentInput = 3;

/// Default tolerances: a time may differ by 10% or 10 ms, whichever is larger, and a rate
/// by 5%. Runs are deterministic, so these absorb only deliberate model changes.
constexpr double kDefaultTimeRelativeTolerance = 0.10;
constexpr double kDefaultTimeAbsoluteToleranceS = 0.010;
constexpr double kDefaultRateRelativeTolerance = 0.05;

struct CompareTolerances
{
    double timeRelative = kDefaultTimeRelativeTolerance;   ///< fraction of the baseline
    double timeAbsoluteS = kDefaultTimeAbsoluteToleranceS; ///< seconds
    double rateRelative = kDefaultRateRelativeTolerance;   ///< fraction of the baseline
};

struct CompareOptions
{
    std::string baselinePath;
    std::string resultsPath;
    CompareTolerances tolerances;
    /// Print every metric, not only the ones that differ.
    bool showAll = false;
};

enum class MetricKind : uint8_t
{
    Count, ///< integer, must match exactly
    Exact, ///< label or configured number, must match exactly
    Time,  ///< seconds, relative or absolute tolerance
    Rate,  ///< rate or ratio, relative tolerance
};

enum class Verdict : uint8_t
{
    Equal,
    WithinTolerance,
    Regression,
    Added,          ///< only in the results file: reported, not a regression
    DifferentInput, ///< scenario, seed or sweep point differ: the files are not comparable
};

/** One row of the comparison table. Values are already formatted for printing. */
struct MetricComparison
{
    std::string design; ///< "" for file-level metrics
    std::string metric; ///< dotted path, e.g. "sas.installed"
    MetricKind kind = MetricKind::Count;
    std::string baseline;
    std::string result;
    std::string difference;
    Verdict verdict = Verdict::Equal;
};

struct ComparisonReport
{
    std::vector<MetricComparison> rows;

    size_t Count(Verdict verdict) const;

    bool Regressed() const { return Count(Verdict::Regression) > 0; }

    bool InputsDiffer() const { return Count(Verdict::DifferentInput) > 0; }
};

/** Compare every metric of @p result against @p baseline. */
ComparisonReport CompareResults(const Results& baseline, const Results& result,
                                const CompareTolerances& tolerances);

/**
 * The table (design, metric, baseline, result, difference, verdict) and a summary line.
 * Without @p showAll only rows that are not Equal are listed.
 */
std::string FormatComparison(const ComparisonReport& report, bool showAll);

/** Read both files, compare and print to @p out (errors to @p err); returns the exit code. */
int RunCompare(const CompareOptions& options, std::ostream& out, std::ostream& err);

/** RunCompare printing to standard output and standard error. */
int RunCompare(const CompareOptions& options);

/**
 * Register the `compare` subcommand on @p app, storing its arguments in @p options (which
 * must outlive the parse). After app.parse(), call RunCompare(options) if the returned
 * subcommand's parsed() is true.
 */
CLI::App* AddCompareSubcommand(CLI::App& app, CompareOptions& options);

} // namespace tunnelsim

#endif
