// `simrun compare`: metric-by-metric comparison of two results with tolerances, the table
// it prints, its exit codes and its command line.
#include "compare.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>

namespace tunnelsim
{
namespace
{

namespace fs = std::filesystem;

Results
MakeBaseline()
{
    Results results;
    results.scenario = "three-subnets";
    results.seed = 1;

    DesignResults policy;
    policy.name = "policy";
    policy.type = "policy-based";
    policy.selectors = {18, {{"gw-a", 9}, {"gw-b", 9}}};
    policy.sas = {9, 18};
    policy.reachability = {9, 9};
    policy.convergence.allPairsReachableS = 2.0;
    policy.throughput.goodputBps = 2000000;
    policy.throughput.wireBytesPerPayloadByte = 1.05;
    policy.throughput.flows.push_back({"video", 2000000});
    policy.drops = {{"no-policy", 3}};
    policy.cryptoCost.suite = "aes-gcm-128";

    DesignResults ospf;
    ospf.name = "gre-ospf";
    ospf.type = "gre-over-ipsec";
    ospf.selectors = {2, {{"gw-a", 1}, {"gw-b", 1}}};
    ospf.sas = {1, 2};
    ospf.routes = {6, {{"gw-a", 3}, {"gw-b", 3}}};
    ospf.reachability = {9, 9};
    ospf.convergence.allPairsReachableS = 0.02;
    ospf.throughput.goodputBps = 1900000;
    ospf.cryptoCost.suite = "aes-gcm-128";

    results.designs = {policy, ospf};
    return results;
}

const MetricComparison*
FindRow(const ComparisonReport& report, const std::string& design, const std::string& metric)
{
    auto found = std::find_if(report.rows.begin(), report.rows.end(),
                              [&](const MetricComparison& row)
                              {
                                  return row.design == design && row.metric == metric;
                              });
    return found == report.rows.end() ? nullptr : &*found;
}

ComparisonReport
CompareWithDefaults(const Results& baseline, const Results& result)
{
    return CompareResults(baseline, result, CompareTolerances{});
}

TEST(CompareResults, IdenticalPasses)
{
    ComparisonReport report = CompareWithDefaults(MakeBaseline(), MakeBaseline());
    EXPECT_FALSE(report.Regressed());
    EXPECT_FALSE(report.rows.empty());
    EXPECT_EQ(report.Count(Verdict::Equal), report.rows.size());
}

TEST(CompareResults, CountChangeFails)
{
    Results result = MakeBaseline();
    result.designs[0].sas.installed += 2;
    ComparisonReport report = CompareWithDefaults(MakeBaseline(), result);
    EXPECT_TRUE(report.Regressed());
    const MetricComparison* row = FindRow(report, "policy", "sas.installed");
    ASSERT_NE(row, nullptr);
    EXPECT_EQ(row->verdict, Verdict::Regression);
    EXPECT_EQ(row->difference, "+2");
    EXPECT_EQ(report.Count(Verdict::Regression), 1U);
}

TEST(CompareResults, CountDecreaseFails)
{
    Results result = MakeBaseline();
    result.designs[1].reachability.ok -= 1;
    ComparisonReport report = CompareWithDefaults(MakeBaseline(), result);
    const MetricComparison* row = FindRow(report, "gre-ospf", "reachability.ok");
    ASSERT_NE(row, nullptr);
    EXPECT_EQ(row->verdict, Verdict::Regression);
    EXPECT_EQ(row->difference, "-1");
}

TEST(CompareResults, TimeWithinTolerancePasses)
{
    Results baseline = MakeBaseline();
    Results result = MakeBaseline();
    double base = *baseline.designs[0].convergence.allPairsReachableS;
    result.designs[0].convergence.allPairsReachableS
        = base * (1 + kDefaultTimeRelativeTolerance / 2);
    ComparisonReport report = CompareWithDefaults(baseline, result);
    EXPECT_FALSE(report.Regressed());
    const MetricComparison* row = FindRow(report, "policy", "convergence.all_pairs_reachable_s");
    ASSERT_NE(row, nullptr);
    EXPECT_EQ(row->verdict, Verdict::WithinTolerance);
}

TEST(CompareResults, TimeOutsideToleranceFails)
{
    Results baseline = MakeBaseline();
    Results result = MakeBaseline();
    double base = *baseline.designs[0].convergence.allPairsReachableS;
    result.designs[0].convergence.allPairsReachableS
        = base * (1 + 2 * kDefaultTimeRelativeTolerance);
    ComparisonReport report = CompareWithDefaults(baseline, result);
    EXPECT_TRUE(report.Regressed());
    EXPECT_EQ(FindRow(report, "policy", "convergence.all_pairs_reachable_s")->verdict,
              Verdict::Regression);
}

TEST(CompareResults, FasterTimeOutsideToleranceFails)
{
    Results baseline = MakeBaseline();
    Results result = MakeBaseline();
    double base = *baseline.designs[0].convergence.allPairsReachableS;
    result.designs[0].convergence.allPairsReachableS
        = base * (1 - 2 * kDefaultTimeRelativeTolerance);
    EXPECT_TRUE(CompareWithDefaults(baseline, result).Regressed());
}

TEST(CompareResults, SmallTimeUsesAbsoluteTolerance)
{
    // 0.02 s -> 0.025 s is 25% but only 5 ms, inside the 10 ms absolute tolerance.
    Results baseline = MakeBaseline();
    Results result = MakeBaseline();
    double base = *baseline.designs[1].convergence.allPairsReachableS;
    result.designs[1].convergence.allPairsReachableS = base + kDefaultTimeAbsoluteToleranceS / 2;
    ComparisonReport report = CompareWithDefaults(baseline, result);
    EXPECT_EQ(FindRow(report, "gre-ospf", "convergence.all_pairs_reachable_s")->verdict,
              Verdict::WithinTolerance);
}

TEST(CompareResults, ToleranceOverride)
{
    Results baseline = MakeBaseline();
    Results result = MakeBaseline();
    double base = *baseline.designs[0].convergence.allPairsReachableS;
    result.designs[0].convergence.allPairsReachableS = base * 1.3;
    CompareTolerances loose;
    loose.timeRelative = 0.5;
    EXPECT_FALSE(CompareResults(baseline, result, loose).Regressed());
    EXPECT_TRUE(CompareWithDefaults(baseline, result).Regressed());
}

TEST(CompareResults, NeverConvergedFails)
{
    Results result = MakeBaseline();
    result.designs[0].convergence.allPairsReachableS.reset();
    ComparisonReport report = CompareWithDefaults(MakeBaseline(), result);
    const MetricComparison* row = FindRow(report, "policy", "convergence.all_pairs_reachable_s");
    ASSERT_NE(row, nullptr);
    EXPECT_EQ(row->verdict, Verdict::Regression);
    EXPECT_EQ(row->result, "null");
}

TEST(CompareResults, BothNullEqual)
{
    Results baseline = MakeBaseline();
    baseline.designs[0].convergence.allPairsReachableS.reset();
    ComparisonReport report = CompareWithDefaults(baseline, baseline);
    EXPECT_EQ(FindRow(report, "policy", "convergence.all_pairs_reachable_s")->verdict,
              Verdict::Equal);
}

TEST(CompareResults, RateTolerance)
{
    Results baseline = MakeBaseline();
    Results within = MakeBaseline();
    Results outside = MakeBaseline();
    double base = baseline.designs[0].throughput.goodputBps;
    within.designs[0].throughput.goodputBps = base * (1 - kDefaultRateRelativeTolerance / 2);
    outside.designs[0].throughput.goodputBps = base * (1 - 2 * kDefaultRateRelativeTolerance);
    EXPECT_FALSE(CompareWithDefaults(baseline, within).Regressed());
    EXPECT_TRUE(CompareWithDefaults(baseline, outside).Regressed());
}

TEST(CompareResults, MissingDesignFails)
{
    Results result = MakeBaseline();
    result.designs.erase(result.designs.begin() + 1);
    ComparisonReport report = CompareWithDefaults(MakeBaseline(), result);
    EXPECT_TRUE(report.Regressed());
    const MetricComparison* row = FindRow(report, "gre-ospf", "(design)");
    ASSERT_NE(row, nullptr);
    EXPECT_EQ(row->result, "missing");
}

TEST(CompareResults, AddedDesignPasses)
{
    Results result = MakeBaseline();
    DesignResults vti = result.designs[1];
    vti.name = "vti-ospf";
    result.designs.push_back(vti);
    ComparisonReport report = CompareWithDefaults(MakeBaseline(), result);
    EXPECT_FALSE(report.Regressed());
    EXPECT_EQ(report.Count(Verdict::Added), 1U);
}

TEST(CompareResults, MissingFlowFails)
{
    Results result = MakeBaseline();
    result.designs[0].throughput.flows.clear();
    EXPECT_TRUE(CompareWithDefaults(MakeBaseline(), result).Regressed());
}

TEST(CompareResults, NewDropReasonFails)
{
    Results result = MakeBaseline();
    result.designs[1].drops["replay"] = 3;
    ComparisonReport report = CompareWithDefaults(MakeBaseline(), result);
    const MetricComparison* row = FindRow(report, "gre-ospf", "drops.replay");
    ASSERT_NE(row, nullptr);
    EXPECT_EQ(row->baseline, "0");
    EXPECT_EQ(row->verdict, Verdict::Regression);
}

TEST(CompareResults, SuiteChangeFails)
{
    Results result = MakeBaseline();
    result.designs[0].cryptoCost.suite = "chacha20-poly1305";
    EXPECT_TRUE(CompareWithDefaults(MakeBaseline(), result).Regressed());
}

Results
WithCryptoEngine(Results results)
{
    CryptoEngineResult engine;
    engine.table = "data/crypto-costs/default.json";
    engine.scale = 20;
    engine.units = 1;
    engine.queuePackets = 100;
    engine.gateways = {{"gw-a", 0.5, 0}, {"gw-b", 0.25, 0}};
    results.designs[1].cryptoCost.model = "linear";
    results.designs[1].cryptoCost.engine = engine;
    return results;
}

TEST(CompareResults, CryptoQueueDropsChangeFails)
{
    Results result = WithCryptoEngine(MakeBaseline());
    result.designs[1].cryptoCost.engine->gateways[0].queueDrops = 7;
    ComparisonReport report = CompareWithDefaults(WithCryptoEngine(MakeBaseline()), result);
    const MetricComparison* row
        = FindRow(report, "gre-ospf", "crypto_cost.engine.gateways[gw-a].queue_drops");
    ASSERT_NE(row, nullptr);
    EXPECT_EQ(row->verdict, Verdict::Regression);
    EXPECT_EQ(report.Count(Verdict::Regression), 1U);
}

TEST(CompareResults, CryptoUtilisationUsesRateTolerance)
{
    const Results baseline = WithCryptoEngine(MakeBaseline());
    Results within = baseline;
    within.designs[1].cryptoCost.engine->gateways[0].utilisation = 0.51; // 2% above 0.5
    EXPECT_FALSE(CompareWithDefaults(baseline, within).Regressed());

    Results outside = baseline;
    outside.designs[1].cryptoCost.engine->gateways[0].utilisation = 0.6; // 20% above 0.5
    ComparisonReport report = CompareWithDefaults(baseline, outside);
    const MetricComparison* row
        = FindRow(report, "gre-ospf", "crypto_cost.engine.gateways[gw-a].utilisation");
    ASSERT_NE(row, nullptr);
    EXPECT_EQ(row->verdict, Verdict::Regression);
}

TEST(CompareResults, CryptoEngineRemovedFails)
{
    const ComparisonReport report
        = CompareWithDefaults(WithCryptoEngine(MakeBaseline()), MakeBaseline());
    const MetricComparison* row = FindRow(report, "gre-ospf", "crypto_cost.engine");
    ASSERT_NE(row, nullptr);
    EXPECT_EQ(row->verdict, Verdict::Regression);
}

TEST(CompareResults, ScenarioMismatchIsDifferentInput)
{
    Results result = MakeBaseline();
    result.scenario = "one-subnet";
    ComparisonReport report = CompareWithDefaults(MakeBaseline(), result);
    const MetricComparison* row = FindRow(report, "", "scenario");
    ASSERT_NE(row, nullptr);
    EXPECT_EQ(row->verdict, Verdict::DifferentInput);
    EXPECT_TRUE(report.InputsDiffer());
    EXPECT_FALSE(report.Regressed());
}

TEST(CompareResults, SeedMismatchIsDifferentInput)
{
    Results result = MakeBaseline();
    result.seed = 2;
    ComparisonReport report = CompareWithDefaults(MakeBaseline(), result);
    const MetricComparison* row = FindRow(report, "", "seed");
    ASSERT_NE(row, nullptr);
    EXPECT_EQ(row->verdict, Verdict::DifferentInput);
    EXPECT_EQ(row->baseline, "1");
    EXPECT_EQ(row->result, "2");
    EXPECT_TRUE(report.InputsDiffer());
}

TEST(CompareResults, EventCountChangeFails)
{
    Results baseline = MakeBaseline();
    EventConvergence event;
    event.type = "link-down";
    event.atS = 30;
    event.allPairsReachableS = 20;
    baseline.designs[1].convergence.events.push_back(event);
    Results result = baseline;
    result.designs[1].convergence.events.clear();
    ComparisonReport report = CompareWithDefaults(baseline, result);
    const MetricComparison* row = FindRow(report, "gre-ospf", "convergence.events[0]");
    ASSERT_NE(row, nullptr);
    EXPECT_EQ(row->verdict, Verdict::Regression);
}

/// MakeBaseline with a subnet-add event whose change cost and effects are itemised.
Results
WithAddSubnetEvent(Results results)
{
    EventConvergence event;
    event.type = "subnet-add";
    event.atS = 30;
    event.allPairsReachableS = 1.0;
    event.changeCost.total = 1;
    event.changeCost.perGateway = {{"gw-a", 0}, {"gw-b", 1}};
    event.changeCost.items = {{"gw-a", {}}, {"gw-b", {{"static_routes_added", 1}}}};
    event.effects = {{"gw-a", {{"connected_routes_added", 1}}}, {"gw-b", {}}};
    results.designs[1].convergence.events = {event};
    return results;
}

TEST(CompareResults, EqualChangeItemsPass)
{
    ComparisonReport report = CompareWithDefaults(WithAddSubnetEvent(MakeBaseline()),
                                                  WithAddSubnetEvent(MakeBaseline()));
    EXPECT_FALSE(report.Regressed());
    const MetricComparison* row = FindRow(
        report, "gre-ospf", "convergence.events[0].change_cost.items.gw-b.static_routes_added");
    ASSERT_NE(row, nullptr);
    EXPECT_EQ(row->kind, MetricKind::Count);
    EXPECT_EQ(row->verdict, Verdict::Equal);
}

TEST(CompareResults, ChangeItemCountFails)
{
    const Results baseline = WithAddSubnetEvent(MakeBaseline());
    Results result = baseline;
    result.designs[1].convergence.events[0].changeCost.items["gw-b"]["static_routes_added"] = 2;
    ComparisonReport report = CompareWithDefaults(baseline, result);
    const MetricComparison* row = FindRow(
        report, "gre-ospf", "convergence.events[0].change_cost.items.gw-b.static_routes_added");
    ASSERT_NE(row, nullptr);
    EXPECT_EQ(row->verdict, Verdict::Regression);
    EXPECT_EQ(row->difference, "+1");
}

TEST(CompareResults, NewEffectKindFails)
{
    // A kind only the results have counts as 0 in the baseline.
    const Results baseline = WithAddSubnetEvent(MakeBaseline());
    Results result = baseline;
    result.designs[1].convergence.events[0].effects["gw-b"]["ospf_routes_added"] = 1;
    ComparisonReport report = CompareWithDefaults(baseline, result);
    const MetricComparison* row
        = FindRow(report, "gre-ospf", "convergence.events[0].effects.gw-b.ospf_routes_added");
    ASSERT_NE(row, nullptr);
    EXPECT_EQ(row->baseline, "0");
    EXPECT_EQ(row->verdict, Verdict::Regression);
}

TEST(CompareResults, MissingEffectsGatewayFails)
{
    const Results baseline = WithAddSubnetEvent(MakeBaseline());
    Results result = baseline;
    result.designs[1].convergence.events[0].effects.erase("gw-a");
    ComparisonReport report = CompareWithDefaults(baseline, result);
    const MetricComparison* row
        = FindRow(report, "gre-ospf", "convergence.events[0].effects.gw-a.connected_routes_added");
    ASSERT_NE(row, nullptr);
    EXPECT_EQ(row->result, "0");
    EXPECT_EQ(row->verdict, Verdict::Regression);
}

TEST(FormatComparison, ListsOnlyDifferences)
{
    Results result = MakeBaseline();
    result.designs[0].sas.installed += 2;
    ComparisonReport report = CompareWithDefaults(MakeBaseline(), result);
    std::string table = FormatComparison(report, false);
    EXPECT_NE(table.find("metric"), std::string::npos);
    EXPECT_NE(table.find("sas.installed"), std::string::npos);
    EXPECT_NE(table.find("REGRESSION"), std::string::npos);
    EXPECT_EQ(table.find("selectors.total"), std::string::npos)
        << "equal rows are hidden by default";
    std::string summary = std::to_string(report.rows.size()) + " metric(s): "
                          + std::to_string(report.Count(Verdict::Equal)) + " equal";
    EXPECT_NE(table.find(summary), std::string::npos) << table;
}

TEST(FormatComparison, AllShowsEqualRows)
{
    ComparisonReport report = CompareWithDefaults(MakeBaseline(), MakeBaseline());
    EXPECT_NE(FormatComparison(report, true).find("selectors.total"), std::string::npos);
    EXPECT_NE(FormatComparison(report, false).find("no differences"), std::string::npos);
}

/** Writes results files into a fresh directory and runs RunCompare on them. */
class RunCompareTest : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        std::string pattern = (fs::path(TUNNELSIM_BINARY_DIR) / "compare-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        m_directory = pattern;
    }

    void TearDown() override
    {
        std::error_code ignored;
        fs::remove_all(m_directory, ignored);
    }

    std::string Write(const std::string& name, const std::string& text)
    {
        std::string path = (m_directory / name).string();
        std::ofstream(path, std::ios::binary) << text;
        return path;
    }

    int Run(const std::string& baseline, const std::string& result)
    {
        CompareOptions options;
        options.baselinePath = baseline;
        options.resultsPath = result;
        m_out.str("");
        m_err.str("");
        return RunCompare(options, m_out, m_err);
    }

    fs::path m_directory;
    std::ostringstream m_out;
    std::ostringstream m_err;
};

TEST_F(RunCompareTest, IdenticalExitZero)
{
    std::string text = SerializeResults(MakeBaseline());
    EXPECT_EQ(Run(Write("a.json", text), Write("b.json", text)), kCompareExitNoRegression);
    EXPECT_NE(m_out.str().find("no differences"), std::string::npos) << m_out.str();
}

TEST_F(RunCompareTest, RegressionExitOne)
{
    Results result = MakeBaseline();
    result.designs[1].routes.total = 5;
    EXPECT_EQ(Run(Write("a.json", SerializeResults(MakeBaseline())),
                  Write("b.json", SerializeResults(result))),
              kCompareExitRegression);
    EXPECT_NE(m_out.str().find("routes.total"), std::string::npos) << m_out.str();
}

TEST_F(RunCompareTest, DifferentSeedExitThree)
{
    Results result = MakeBaseline();
    result.seed = 7;
    result.designs[1].routes.total = 5; // a regression too: the input mismatch wins
    EXPECT_EQ(Run(Write("a.json", SerializeResults(MakeBaseline())),
                  Write("b.json", SerializeResults(result))),
              kCompareExitDifferentInput);
    EXPECT_NE(m_out.str().find("DIFFERENT INPUT"), std::string::npos) << m_out.str();
    EXPECT_NE(m_out.str().find("different inputs"), std::string::npos) << m_out.str();
}

TEST_F(RunCompareTest, MissingFileExitTwo)
{
    std::string baseline = Write("a.json", SerializeResults(MakeBaseline()));
    EXPECT_EQ(Run(baseline, (m_directory / "absent.json").string()), kCompareExitUnreadableInput);
    EXPECT_NE(m_err.str().find("absent.json"), std::string::npos) << m_err.str();
}

TEST_F(RunCompareTest, InvalidJsonExitTwo)
{
    std::string baseline = Write("a.json", SerializeResults(MakeBaseline()));
    EXPECT_EQ(Run(baseline, Write("b.json", "{not json")), kCompareExitUnreadableInput);
}

TEST_F(RunCompareTest, WrongFormatExitTwo)
{
    std::string baseline = Write("a.json", SerializeResults(MakeBaseline()));
    EXPECT_EQ(Run(baseline, Write("b.json", R"({"format_version": 99})")),
              kCompareExitUnreadableInput);
}

/// Return @p text with the first @p from replaced by @p to. The test fails if @p from is absent.
std::string
ReplaceOnce(std::string text, const std::string& from, const std::string& to)
{
    const size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos)
    {
        text.replace(at, from.size(), to);
    }
    return text;
}

TEST_F(RunCompareTest, HugeNumberExitTwo)
{
    // 1e400 is valid JSON but beyond the range of double, so the parser throws out_of_range.
    const std::string text = SerializeResults(MakeBaseline());
    const std::string huge
        = ReplaceOnce(text, "\"goodput_bps\": 2000000.0", "\"goodput_bps\": 1e400");
    const std::string path = Write("b.json", huge);
    EXPECT_EQ(Run(Write("a.json", text), path), kCompareExitUnreadableInput);
    EXPECT_NE(m_err.str().find(path), std::string::npos) << m_err.str();
    EXPECT_NE(m_err.str().find("1e400"), std::string::npos) << m_err.str();
    EXPECT_NE(m_err.str().find("/designs/0/throughput/goodput_bps: "), std::string::npos)
        << m_err.str();
}

TEST_F(RunCompareTest, UnknownKeyExitTwo)
{
    const std::string text = SerializeResults(MakeBaseline());
    const std::string typo = ReplaceOnce(text, "\"goodput_bps\": 2000000.0",
                                         "\"goodput_bps\": 2000000.0, \"goodput_bsp\": 1");
    EXPECT_EQ(Run(Write("a.json", text), Write("b.json", typo)), kCompareExitUnreadableInput);
    EXPECT_NE(m_err.str().find("/designs/0/throughput/goodput_bsp: unknown key"), std::string::npos)
        << m_err.str();
}

TEST_F(RunCompareTest, DuplicateKeyExitTwo)
{
    const std::string text = SerializeResults(MakeBaseline());
    const std::string duplicate = ReplaceOnce(text, "\"seed\": 1,", "\"seed\": 1, \"seed\": 2,");
    EXPECT_EQ(Run(Write("a.json", text), Write("b.json", duplicate)), kCompareExitUnreadableInput);
    EXPECT_NE(m_err.str().find("/seed: key appears more than once"), std::string::npos)
        << m_err.str();
}

TEST_F(RunCompareTest, NestedDuplicateKeyNamesPointer)
{
    const std::string text = SerializeResults(MakeBaseline());
    const std::string duplicate = ReplaceOnce(text, "\"gw-a\": 9,", "\"gw-a\": 9, \"gw-a\": 10,");
    EXPECT_EQ(Run(Write("a.json", text), Write("b.json", duplicate)), kCompareExitUnreadableInput);
    EXPECT_NE(m_err.str().find("/designs/0/selectors/per_gateway/gw-a:"), std::string::npos)
        << m_err.str();
}

TEST_F(RunCompareTest, DuplicateDesignNameExitTwo)
{
    Results result = MakeBaseline();
    result.designs.push_back(result.designs[0]);
    EXPECT_EQ(Run(Write("a.json", SerializeResults(MakeBaseline())),
                  Write("b.json", SerializeResults(result))),
              kCompareExitUnreadableInput);
    EXPECT_NE(m_err.str().find("/designs/2/name"), std::string::npos) << m_err.str();
    EXPECT_NE(m_err.str().find("/designs/0"), std::string::npos) << m_err.str();
}

TEST(CompareCommandLine, ParsesOptions)
{
    CLI::App app;
    CompareOptions options;
    CLI::App* command = AddCompareSubcommand(app, options);
    app.parse("compare base.json new.json --time-tolerance 0.2 --time-abs-tolerance 0.5 "
              "--rate-tolerance 0.01 --all",
              false);
    EXPECT_TRUE(command->parsed());
    EXPECT_EQ(options.baselinePath, "base.json");
    EXPECT_EQ(options.resultsPath, "new.json");
    EXPECT_DOUBLE_EQ(options.tolerances.timeRelative, 0.2);
    EXPECT_DOUBLE_EQ(options.tolerances.timeAbsoluteS, 0.5);
    EXPECT_DOUBLE_EQ(options.tolerances.rateRelative, 0.01);
    EXPECT_TRUE(options.showAll);
}

TEST(CompareCommandLine, DefaultsWithoutOptions)
{
    CLI::App app;
    CompareOptions options;
    AddCompareSubcommand(app, options);
    app.parse("compare base.json new.json", false);
    EXPECT_DOUBLE_EQ(options.tolerances.timeRelative, kDefaultTimeRelativeTolerance);
    EXPECT_DOUBLE_EQ(options.tolerances.rateRelative, kDefaultRateRelativeTolerance);
    EXPECT_FALSE(options.showAll);
}

TEST(CompareCommandLine, RejectsNegativeTolerance)
{
    CLI::App app;
    CompareOptions options;
    AddCompareSubcommand(app, options);
    EXPECT_THROW(app.parse("compare a.json b.json --rate-tolerance -1", false), CLI::ParseError);
}

TEST(CompareCommandLine, RequiresBothFiles)
{
    CLI::App app;
    CompareOptions options;
    AddCompareSubcommand(app, options);
    EXPECT_THROW(app.parse("compare a.json", false), CLI::ParseError);
}

} // namespace
} // namespace tunnelsim
