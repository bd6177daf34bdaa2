// The comparison table simrun prints, rendered from hand-made results: the per-gateway rows
// of an event list what was configured and what the network did by itself.
#include "table.h"

#include <gtest/gtest.h>
#include <string>

namespace tunnelsim
{
namespace
{

/// Two designs with one subnet-add event: policy-based and GRE with static routes.
Results
MakeAddSubnetResults()
{
    Results results;
    results.scenario = "add-subnet";
    results.seed = 1;

    DesignResults policy;
    policy.name = "policy";
    policy.type = "policy-based";
    EventConvergence policyEvent;
    policyEvent.type = "subnet-add";
    policyEvent.atS = 30;
    policyEvent.changeCost.total = 6;
    policyEvent.changeCost.perGateway = {{"gw-a", 3}, {"gw-b", 3}};
    policyEvent.changeCost.items
        = {{"gw-a", {{kSelectorsAdded, 3}}}, {"gw-b", {{kSelectorsAdded, 3}}}};
    policyEvent.effects = {{"gw-a", {{kConnectedRoutesAdded, 1}, {kChildSasNegotiated, 3}}},
                           {"gw-b", {{kChildSasNegotiated, 3}}}};
    policy.convergence.events = {policyEvent};

    DesignResults gre;
    gre.name = "gre-static";
    gre.type = "gre-over-ipsec";
    EventConvergence greEvent = policyEvent;
    greEvent.changeCost.total = 1;
    greEvent.changeCost.perGateway = {{"gw-a", 0}, {"gw-b", 1}};
    greEvent.changeCost.items = {{"gw-a", {}}, {"gw-b", {{kStaticRoutesAdded, 1}}}};
    greEvent.effects = {{"gw-a", {{kConnectedRoutesAdded, 1}}}, {"gw-b", {}}};
    gre.convergence.events = {greEvent};

    results.designs = {policy, gre};
    return results;
}

/// The line of @p table whose label (after leading spaces) is @p label, or "".
std::string
LineOf(const std::string& table, const std::string& label)
{
    size_t start = 0;
    while (start < table.size())
    {
        size_t end = table.find('\n', start);
        std::string line = table.substr(start, end - start);
        size_t text = line.find_first_not_of(' ');
        if (text != std::string::npos && line.compare(text, label.size(), label) == 0
            && (line.size() == text + label.size() || line[text + label.size()] == ' '))
        {
            return line;
        }
        start = end == std::string::npos ? table.size() : end + 1;
    }
    return "";
}

TEST(ResultsTable, NoProbesNotMeasured)
{
    // Without probes, reachability is 0 of 0 pairs and no convergence time exists.
    Results results = MakeAddSubnetResults();
    const std::string table = FormatResultsTable(results);
    EXPECT_NE(LineOf(table, "reachable subnet pairs").find("not measured"), std::string::npos)
        << table;
    EXPECT_EQ(LineOf(table, "reachable subnet pairs").find("0/0"), std::string::npos) << table;
    EXPECT_NE(LineOf(table, "convergence at start").find("not measured"), std::string::npos)
        << table;
    EXPECT_EQ(LineOf(table, "convergence at start").find("never"), std::string::npos) << table;
}

TEST(ResultsTable, ProbedRunShowsNever)
{
    Results results = MakeAddSubnetResults();
    for (DesignResults& design : results.designs)
    {
        design.reachability = {1, 2};
    }
    const std::string table = FormatResultsTable(results);
    EXPECT_NE(LineOf(table, "reachable subnet pairs").find("1/2"), std::string::npos) << table;
    EXPECT_NE(LineOf(table, "convergence at start").find("never"), std::string::npos) << table;
    EXPECT_EQ(table.find("not measured"), std::string::npos) << table;
}

TEST(ResultsTable, ConfiguredRowPerGateway)
{
    const std::string table = FormatResultsTable(MakeAddSubnetResults());
    const std::string far = LineOf(table, "gw-b configured");
    ASSERT_FALSE(far.empty()) << table;
    EXPECT_NE(far.find("+3 selectors"), std::string::npos) << far;
    EXPECT_NE(far.find("+1 static route"), std::string::npos) << far;
}

TEST(ResultsTable, NothingTypedShowsDash)
{
    const std::string local = LineOf(FormatResultsTable(MakeAddSubnetResults()), "gw-a configured");
    ASSERT_FALSE(local.empty());
    EXPECT_EQ(local.substr(local.find_last_not_of(' ') - 1), " -") << local;
}

TEST(ResultsTable, AutomaticRowListsKinds)
{
    const std::string local = LineOf(FormatResultsTable(MakeAddSubnetResults()), "gw-a automatic");
    ASSERT_FALSE(local.empty());
    EXPECT_NE(local.find("+1 connected route, +3 CHILD SAs"), std::string::npos) << local;
}

TEST(ResultsTable, UnknownKindPrintedByName)
{
    Results results = MakeAddSubnetResults();
    results.designs[1].convergence.events[0].effects["gw-b"]["future_kind"] = 2;
    const std::string far = LineOf(FormatResultsTable(results), "gw-b automatic");
    EXPECT_NE(far.find("future_kind 2"), std::string::npos) << far;
}

TEST(ResultsTable, EmptyGatewayRowsLeftOut)
{
    // A link event that changed nothing anywhere adds no per-gateway rows.
    Results results = MakeAddSubnetResults();
    for (DesignResults& design : results.designs)
    {
        EventConvergence& event = design.convergence.events[0];
        event.type = "link-down";
        event.changeCost = ChangeCost{0, {{"gw-a", 0}, {"gw-b", 0}}, {{"gw-a", {}}, {"gw-b", {}}}};
        event.effects = {{"gw-a", {}}, {"gw-b", {}}};
    }
    const std::string table = FormatResultsTable(results);
    EXPECT_EQ(LineOf(table, "gw-a configured"), "") << table;
    EXPECT_EQ(LineOf(table, "gw-b automatic"), "") << table;
}

} // namespace
} // namespace tunnelsim
