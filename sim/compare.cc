#include "compare.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <cmath>
#include <fmt/format.h>
#include <iostream>
#include <set>

namespace tunnelsim
{

namespace
{

std::string_view
VerdictText(Verdict verdict)
{
    switch (verdict)
    {
        case Verdict::Equal:
            return "equal";
        case Verdict::WithinTolerance:
            return "within tolerance";
        case Verdict::Regression:
            return "REGRESSION";
        case Verdict::Added:
            return "added";
        case Verdict::DifferentInput:
            return "DIFFERENT INPUT";
    }
    return "unknown";
}

std::string
FormatNumber(const std::optional<double>& value)
{
    return value ? fmt::format("{}", *value) : "null";
}

/** Collects the rows for one design (or the file level when @c m_design is empty). */
class RowBuilder
{
  public:
    RowBuilder(std::string design, const CompareTolerances& tolerances,
               std::vector<MetricComparison>& rows)
      : m_design(std::move(design))
      , m_tolerances(tolerances)
      , m_rows(rows)
    {
    }

    void Count(const std::string& metric, uint64_t baseline, uint64_t result)
    {
        MetricComparison row = Row(metric, MetricKind::Count);
        row.baseline = fmt::format("{}", baseline);
        row.result = fmt::format("{}", result);
        if (baseline == result)
        {
            row.difference = "0";
            row.verdict = Verdict::Equal;
        }
        else
        {
            // Counts are unsigned: compute the signed difference without wrapping.
            row.difference = result > baseline ? fmt::format("+{}", result - baseline)
                                               : fmt::format("-{}", baseline - result);
            row.verdict = Verdict::Regression;
        }
        m_rows.push_back(std::move(row));
    }

    /// Per-key counts; a key missing on one side counts as 0 there.
    void Counts(const std::string& metric, const std::map<std::string, uint64_t>& baseline,
                const std::map<std::string, uint64_t>& result)
    {
        std::set<std::string> keys;
        for (const auto& entry : baseline)
        {
            keys.insert(entry.first);
        }
        for (const auto& entry : result)
        {
            keys.insert(entry.first);
        }
        for (const std::string& key : keys)
        {
            auto inBaseline = baseline.find(key);
            auto inResult = result.find(key);
            Count(metric + "." + key, inBaseline == baseline.end() ? 0 : inBaseline->second,
                  inResult == result.end() ? 0 : inResult->second);
        }
    }

    /// Per-gateway counts by kind; a gateway or kind missing on one side counts as 0 there.
    void Changes(const std::string& metric, const PerGatewayChanges& baseline,
                 const PerGatewayChanges& result)
    {
        std::set<std::string> gateways;
        for (const auto& entry : baseline)
        {
            gateways.insert(entry.first);
        }
        for (const auto& entry : result)
        {
            gateways.insert(entry.first);
        }
        const ChangeCounts none;
        for (const std::string& gateway : gateways)
        {
            auto inBaseline = baseline.find(gateway);
            auto inResult = result.find(gateway);
            Counts(metric + "." + gateway, inBaseline == baseline.end() ? none : inBaseline->second,
                   inResult == result.end() ? none : inResult->second);
        }
    }

    void Exact(const std::string& metric, const std::string& baseline, const std::string& result)
    {
        MetricComparison row = Row(metric, MetricKind::Exact);
        row.baseline = baseline;
        row.result = result;
        row.difference = baseline == result ? "" : "changed";
        row.verdict = baseline == result ? Verdict::Equal : Verdict::Regression;
        m_rows.push_back(std::move(row));
    }

    /// A run input (scenario, seed, sweep point): a difference makes the files incomparable.
    void Input(const std::string& metric, const std::string& baseline, const std::string& result)
    {
        Exact(metric, baseline, result);
        if (baseline != result)
        {
            m_rows.back().verdict = Verdict::DifferentInput;
        }
    }

    void ExactNumber(const std::string& metric, const std::optional<double>& baseline,
                     const std::optional<double>& result)
    {
        Exact(metric, FormatNumber(baseline), FormatNumber(result));
    }

    void Time(const std::string& metric, const std::optional<double>& baseline,
              const std::optional<double>& result)
    {
        double allowed = baseline ? std::max(m_tolerances.timeAbsoluteS,
                                             m_tolerances.timeRelative * std::fabs(*baseline))
                                  : 0;
        Number(metric, MetricKind::Time, baseline, result, allowed);
    }

    void Rate(const std::string& metric, const std::optional<double>& baseline,
              const std::optional<double>& result)
    {
        double allowed = baseline ? m_tolerances.rateRelative * std::fabs(*baseline) : 0;
        Number(metric, MetricKind::Rate, baseline, result, allowed);
    }

    /// A metric present on one side only: a regression when the results lack it.
    void Presence(const std::string& metric, bool inBaseline, bool inResult)
    {
        MetricComparison row = Row(metric, MetricKind::Exact);
        row.baseline = inBaseline ? "present" : "missing";
        row.result = inResult ? "present" : "missing";
        row.verdict = inResult ? Verdict::Added : Verdict::Regression;
        m_rows.push_back(std::move(row));
    }

  private:
    MetricComparison Row(const std::string& metric, MetricKind kind) const
    {
        MetricComparison row;
        row.design = m_design;
        row.metric = metric;
        row.kind = kind;
        return row;
    }

    void Number(const std::string& metric, MetricKind kind, const std::optional<double>& baseline,
                const std::optional<double>& result, double allowed)
    {
        MetricComparison row = Row(metric, kind);
        row.baseline = FormatNumber(baseline);
        row.result = FormatNumber(result);
        if (!baseline || !result)
        {
            // null means "never" (never converged, no payload): only null matches null.
            bool same = !baseline && !result;
            row.difference = same ? "" : "-";
            row.verdict = same ? Verdict::Equal : Verdict::Regression;
            m_rows.push_back(std::move(row));
            return;
        }

        double difference = *result - *baseline;
        row.difference = fmt::format("{:+.6g}", difference);
        if (*baseline != 0)
        {
            row.difference += fmt::format(" ({:+.2f}%)", 100 * difference / std::fabs(*baseline));
        }
        if (difference == 0)
        {
            row.verdict = Verdict::Equal;
        }
        else if (std::fabs(difference) <= allowed)
        {
            row.verdict = Verdict::WithinTolerance;
        }
        else
        {
            row.verdict = Verdict::Regression;
        }
        m_rows.push_back(std::move(row));
    }

    std::string m_design;
    const CompareTolerances& m_tolerances;
    std::vector<MetricComparison>& m_rows;
};

void
CompareEvents(RowBuilder& rows, const Convergence& baseline, const Convergence& result)
{
    size_t count = std::max(baseline.events.size(), result.events.size());
    for (size_t e = 0; e < count; ++e)
    {
        std::string prefix = fmt::format("convergence.events[{}]", e);
        bool inBaseline = e < baseline.events.size();
        bool inResult = e < result.events.size();
        if (!inBaseline || !inResult)
        {
            rows.Presence(prefix, inBaseline, inResult);
            continue;
        }
        const EventConvergence& a = baseline.events[e];
        const EventConvergence& b = result.events[e];
        rows.Count(prefix + ".index", a.index, b.index);
        rows.Exact(prefix + ".type", a.type, b.type);
        rows.ExactNumber(prefix + ".at_s", a.atS, b.atS);
        rows.Time(prefix + ".all_pairs_reachable_s", a.allPairsReachableS, b.allPairsReachableS);
        rows.Count(prefix + ".change_cost.total", a.changeCost.total, b.changeCost.total);
        rows.Counts(prefix + ".change_cost.per_gateway", a.changeCost.perGateway,
                    b.changeCost.perGateway);
        rows.Changes(prefix + ".change_cost.items", a.changeCost.items, b.changeCost.items);
        rows.Changes(prefix + ".effects", a.effects, b.effects);
    }
}

void
CompareFlows(RowBuilder& rows, const Throughput& baseline, const Throughput& result)
{
    for (const FlowThroughput& flow : baseline.flows)
    {
        std::string metric = fmt::format("throughput.flows[{}].goodput_bps", flow.name);
        auto found = std::find_if(result.flows.begin(), result.flows.end(),
                                  [&flow](const FlowThroughput& other)
                                  {
                                      return other.name == flow.name;
                                  });
        if (found == result.flows.end())
        {
            rows.Presence(metric, true, false);
            continue;
        }
        rows.Rate(metric, flow.goodputBps, found->goodputBps);
    }
    for (const FlowThroughput& flow : result.flows)
    {
        bool known = std::any_of(baseline.flows.begin(), baseline.flows.end(),
                                 [&flow](const FlowThroughput& other)
                                 {
                                     return other.name == flow.name;
                                 });
        if (!known)
        {
            rows.Presence(fmt::format("throughput.flows[{}].goodput_bps", flow.name), false, true);
        }
    }
}

/// The engine settings are inputs (exact); utilisation is a rate and queue drops a count.
void
CompareCryptoEngine(RowBuilder& rows, const std::optional<CryptoEngineResult>& baseline,
                    const std::optional<CryptoEngineResult>& result)
{
    if (!baseline || !result)
    {
        if (baseline || result)
        {
            rows.Presence("crypto_cost.engine", baseline.has_value(), result.has_value());
        }
        return;
    }
    rows.Exact("crypto_cost.engine.table", baseline->table, result->table);
    rows.ExactNumber("crypto_cost.engine.scale", baseline->scale, result->scale);
    rows.Count("crypto_cost.engine.units", baseline->units, result->units);
    rows.Count("crypto_cost.engine.queue_packets", baseline->queuePackets, result->queuePackets);
    for (const GatewayCryptoLoad& load : baseline->gateways)
    {
        const std::string prefix = fmt::format("crypto_cost.engine.gateways[{}]", load.gateway);
        auto found = std::find_if(result->gateways.begin(), result->gateways.end(),
                                  [&load](const GatewayCryptoLoad& other)
                                  {
                                      return other.gateway == load.gateway;
                                  });
        if (found == result->gateways.end())
        {
            rows.Presence(prefix, true, false);
            continue;
        }
        rows.Rate(prefix + ".utilisation", load.utilisation, found->utilisation);
        rows.Count(prefix + ".queue_drops", load.queueDrops, found->queueDrops);
    }
    for (const GatewayCryptoLoad& load : result->gateways)
    {
        bool known = std::any_of(baseline->gateways.begin(), baseline->gateways.end(),
                                 [&load](const GatewayCryptoLoad& other)
                                 {
                                     return other.gateway == load.gateway;
                                 });
        if (!known)
        {
            rows.Presence(fmt::format("crypto_cost.engine.gateways[{}]", load.gateway), false,
                          true);
        }
    }
}

void
CompareDesign(RowBuilder& rows, const DesignResults& a, const DesignResults& b)
{
    rows.Exact("type", a.type, b.type);
    rows.Count("selectors.total", a.selectors.total, b.selectors.total);
    rows.Counts("selectors.per_gateway", a.selectors.perGateway, b.selectors.perGateway);
    rows.Count("sas.child_sa_pairs", a.sas.childSaPairs, b.sas.childSaPairs);
    rows.Count("sas.installed", a.sas.installed, b.sas.installed);
    rows.Count("routes.total", a.routes.total, b.routes.total);
    rows.Counts("routes.per_gateway", a.routes.perGateway, b.routes.perGateway);
    rows.Count("reachability.ok", a.reachability.ok, b.reachability.ok);
    rows.Count("reachability.total", a.reachability.total, b.reachability.total);

    rows.Time("convergence.all_pairs_reachable_s", a.convergence.allPairsReachableS,
              b.convergence.allPairsReachableS);
    rows.Time("convergence.phases.ike_established_s", a.convergence.phases.ikeEstablishedS,
              b.convergence.phases.ikeEstablishedS);
    rows.Time("convergence.phases.ospf_full_s", a.convergence.phases.ospfFullS,
              b.convergence.phases.ospfFullS);
    rows.Time("convergence.phases.spf_done_s", a.convergence.phases.spfDoneS,
              b.convergence.phases.spfDoneS);
    CompareEvents(rows, a.convergence, b.convergence);

    rows.Rate("throughput.goodput_bps", a.throughput.goodputBps, b.throughput.goodputBps);
    rows.Rate("throughput.wire_bytes_per_payload_byte", a.throughput.wireBytesPerPayloadByte,
              b.throughput.wireBytesPerPayloadByte);
    CompareFlows(rows, a.throughput, b.throughput);

    rows.Counts("drops", a.drops, b.drops);

    // The cost model is an input to the throughput figures: any change makes them incomparable.
    rows.Exact("crypto_cost.model", a.cryptoCost.model, b.cryptoCost.model);
    rows.Exact("crypto_cost.suite", a.cryptoCost.suite, b.cryptoCost.suite);
    rows.ExactNumber("crypto_cost.per_packet_ns", a.cryptoCost.perPacketNs,
                     b.cryptoCost.perPacketNs);
    rows.ExactNumber("crypto_cost.per_byte_ns", a.cryptoCost.perByteNs, b.cryptoCost.perByteNs);
    CompareCryptoEngine(rows, a.cryptoCost.engine, b.cryptoCost.engine);
}

} // namespace

size_t
ComparisonReport::Count(Verdict verdict) const
{
    return static_cast<size_t>(std::count_if(rows.begin(), rows.end(),
                                             [verdict](const MetricComparison& row)
                                             {
                                                 return row.verdict == verdict;
                                             }));
}

ComparisonReport
CompareResults(const Results& baseline, const Results& result, const CompareTolerances& tolerances)
{
    ComparisonReport report;
    RowBuilder file("", tolerances, report.rows);
    file.Input("scenario", baseline.scenario, result.scenario);
    file.Input("seed", std::to_string(baseline.seed), std::to_string(result.seed));
    file.Input("sweep.parameter", baseline.sweep ? baseline.sweep->parameter : "null",
               result.sweep ? result.sweep->parameter : "null");
    file.Input("sweep.value", baseline.sweep ? std::to_string(baseline.sweep->value) : "null",
               result.sweep ? std::to_string(result.sweep->value) : "null");

    for (const DesignResults& design : baseline.designs)
    {
        RowBuilder rows(design.name, tolerances, report.rows);
        auto found = std::find_if(result.designs.begin(), result.designs.end(),
                                  [&design](const DesignResults& other)
                                  {
                                      return other.name == design.name;
                                  });
        if (found == result.designs.end())
        {
            rows.Presence("(design)", true, false);
            continue;
        }
        CompareDesign(rows, design, *found);
    }
    for (const DesignResults& design : result.designs)
    {
        bool known = std::any_of(baseline.designs.begin(), baseline.designs.end(),
                                 [&design](const DesignResults& other)
                                 {
                                     return other.name == design.name;
                                 });
        if (!known)
        {
            RowBuilder(design.name, tolerances, report.rows).Presence("(design)", false, true);
        }
    }
    return report;
}

std::string
FormatComparison(const ComparisonReport& report, bool showAll)
{
    std::vector<std::array<std::string, 6>> lines;
    lines.push_back({"design", "metric", "baseline", "result", "difference", "verdict"});
    for (const MetricComparison& row : report.rows)
    {
        if (!showAll && row.verdict == Verdict::Equal)
        {
            continue;
        }
        lines.push_back({row.design.empty() ? "-" : row.design, row.metric, row.baseline,
                         row.result, row.difference, std::string(VerdictText(row.verdict))});
    }

    std::string text;
    if (lines.size() > 1)
    {
        std::array<size_t, 6> widths{};
        for (const auto& line : lines)
        {
            for (size_t c = 0; c < line.size(); ++c)
            {
                widths[c] = std::max(widths[c], line[c].size());
            }
        }
        for (size_t l = 0; l < lines.size(); ++l)
        {
            const auto& line = lines[l];
            text += fmt::format("{:<{}}  {:<{}}  {:>{}}  {:>{}}  {:>{}}  {}\n", line[0], widths[0],
                                line[1], widths[1], line[2], widths[2], line[3], widths[3], line[4],
                                widths[4], line[5]);
            if (l == 0)
            {
                size_t total
                    = widths[0] + widths[1] + widths[2] + widths[3] + widths[4] + widths[5] + 10;
                text += std::string(total, '-') + "\n";
            }
        }
    }
    else
    {
        text += "no differences\n";
    }

    text += fmt::format("{} metric(s): {} equal, {} within tolerance, {} regression(s), {} added\n",
                        report.rows.size(), report.Count(Verdict::Equal),
                        report.Count(Verdict::WithinTolerance), report.Count(Verdict::Regression),
                        report.Count(Verdict::Added));
    if (report.InputsDiffer())
    {
        text += "the files come from different inputs (scenario, seed or sweep point): their "
                "other differences are not a change of the model\n";
    }
    return text;
}

int
RunCompare(const CompareOptions& options, std::ostream& out, std::ostream& err)
{
    ResultsReadResult baseline = ReadResultsFile(options.baselinePath);
    ResultsReadResult result = ReadResultsFile(options.resultsPath);
    bool unreadable = false;
    for (const ResultsReadResult* input : {&baseline, &result})
    {
        if (!input->results)
        {
            err << "simrun compare: " << input->error << "\n";
            unreadable = true;
        }
    }
    if (unreadable)
    {
        return kCompareExitUnreadableInput;
    }

    ComparisonReport report
        = CompareResults(*baseline.results, *result.results, options.tolerances);
    out << FormatComparison(report, options.showAll);
    if (report.InputsDiffer())
    {
        return kCompareExitDifferentInput;
    }
    return report.Regressed() ? kCompareExitRegression : kCompareExitNoRegression;
}

int
RunCompare(const CompareOptions& options)
{
    return RunCompare(options, std::cout, std::cerr);
}

CLI::App*
AddCompareSubcommand(CLI::App& app, CompareOptions& options)
{
    // CLI::NonNegativeNumber's error message prints the largest double in full, so this
    // validator reports the rejected value instead.
    CLI::Validator nonNegative(
        [](std::string& text)
        {
            double value = 0;
            bool valid
                = CLI::detail::lexical_cast(text, value) && std::isfinite(value) && value >= 0;
            return valid ? std::string()
                         : fmt::format("must be a number of 0 or more, got {}", text);
        },
        "NONNEGATIVE");

    CLI::App* command = app.add_subcommand(
        "compare",
        "Compare a results file with a baseline metric by metric. Exit status: 0 no regression, "
        "1 regression, 2 unreadable input, 3 results of different inputs (scenario, seed or sweep "
        "point).");
    command->add_option("baseline", options.baselinePath, "Baseline results JSON file")->required();
    command->add_option("results", options.resultsPath, "Results JSON file to check")->required();
    command
        ->add_option("--time-tolerance", options.tolerances.timeRelative,
                     "Allowed relative change of a time, as a fraction of the baseline")
        ->check(nonNegative)
        ->capture_default_str();
    command
        ->add_option("--time-abs-tolerance", options.tolerances.timeAbsoluteS,
                     "Allowed change of a time in seconds, used when larger than the relative one")
        ->check(nonNegative)
        ->capture_default_str();
    command
        ->add_option("--rate-tolerance", options.tolerances.rateRelative,
                     "Allowed relative change of a rate or ratio, as a fraction of the baseline")
        ->check(nonNegative)
        ->capture_default_str();
    command->add_flag("--all", options.showAll, "List every metric, not only those that differ");
    return command;
}

} // namespace tunnelsim
