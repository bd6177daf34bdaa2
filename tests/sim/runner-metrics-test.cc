// The runner's metric definitions on hand-made records (no simulation): cold-start and
// event convergence, reachability, the change counts of an event from gateway states, and
// the change cost and plans computed from the shipped scenarios.
#include "metrics.h"
#include "runner-plan.h"
#include "scenario-loader.h"
#include "shipped-scenario-results.h"

#include <filesystem>
#include <gtest/gtest.h>

namespace tunnelsim
{
namespace
{

/// A flow of pair @p pair with one probe per second from @p startS; @p delivery[i] is the
/// one-way time of probe i, or a negative number for a lost probe.
ProbeFlow
MakeFlow(size_t pair, double startS, const std::vector<double>& delivery)
{
    ProbeFlow flow;
    flow.pair = pair;
    flow.startS = startS;
    for (size_t i = 0; i < delivery.size(); ++i)
    {
        const double sent = startS + static_cast<double>(i);
        flow.sentS.push_back(sent);
        flow.deliveredS.push_back(delivery[i] < 0 ? std::nullopt
                                                  : std::optional<double>(sent + delivery[i]));
    }
    return flow;
}

constexpr double kLost = -1;

TEST(ColdStartConvergence, LatestFirstDelivery)
{
    const std::vector<ProbeFlow> flows
        = {MakeFlow(0, 0, {0.01, 0.01}), MakeFlow(0, 0, {kLost, 0.02})};
    EXPECT_DOUBLE_EQ(ColdStartConvergence(flows, 10).value_or(-1), 1.02);
}

TEST(ColdStartConvergence, NeverWhenOneFlowSilent)
{
    const std::vector<ProbeFlow> flows = {MakeFlow(0, 0, {0.01}), MakeFlow(1, 0, {kLost, kLost})};
    EXPECT_FALSE(ColdStartConvergence(flows, 10).has_value());
}

TEST(ColdStartConvergence, IgnoresDeliveryAfterCutoff)
{
    const std::vector<ProbeFlow> flows = {MakeFlow(0, 0, {kLost, kLost, 0.01})};
    EXPECT_FALSE(ColdStartConvergence(flows, 1.5).has_value());
}

TEST(ColdStartConvergence, IgnoresFlowsAddedLater)
{
    ProbeFlow added = MakeFlow(1, 5, {kLost});
    added.presentAtStart = false;
    const std::vector<ProbeFlow> flows = {MakeFlow(0, 0, {0.01}), added};
    EXPECT_DOUBLE_EQ(ColdStartConvergence(flows, 10).value_or(-1), 0.01);
}

struct RecoveryCase
{
    std::string name;
    std::vector<double> delivery; ///< one-way time per probe, probes at 0, 1, 2, ...
    double eventS;
    double windowEndS;
    std::optional<double> expected;
};

TEST(EventRecoveryTime, Table)
{
    const RecoveryCase cases[] = {
        {"unaffected", {0.01, 0.01, 0.01, 0.01}, 2, 10, 0.01},
        {"three lost", {0.01, 0.01, kLost, kLost, kLost, 0.01}, 2, 10, 3.01},
        {"event between probes", {0.01, 0.01, kLost, 0.01}, 1.5, 10, 1.51},
        {"recovers after window", {0.01, kLost, kLost, kLost, 0.01}, 1, 3.5, std::nullopt},
        {"probe before event ignored", {0.01, kLost, kLost}, 0.5, 10, std::nullopt},
    };
    for (const RecoveryCase& c : cases)
    {
        const std::vector<ProbeFlow> flows = {MakeFlow(0, 0, c.delivery)};
        const std::optional<double> measured = EventRecoveryTime(flows, c.eventS, c.windowEndS);
        ASSERT_EQ(measured.has_value(), c.expected.has_value()) << c.name;
        if (c.expected)
        {
            EXPECT_NEAR(*measured, *c.expected, 1e-9) << c.name;
        }
    }
}

TEST(EventRecoveryTime, CountsFlowsStartingAtEvent)
{
    ProbeFlow added = MakeFlow(1, 5, {kLost, 0.02});
    added.presentAtStart = false;
    const std::vector<ProbeFlow> flows = {MakeFlow(0, 0, std::vector<double>(8, 0.01)), added};
    EXPECT_NEAR(EventRecoveryTime(flows, 5, 10).value_or(-1), 1.02, 1e-9);
}

TEST(EventRecoveryTime, SkipsStoppedFlows)
{
    ProbeFlow removed = MakeFlow(1, 0, {0.01, kLost, kLost, kLost});
    removed.stopS = 1;
    const std::vector<ProbeFlow> flows = {MakeFlow(0, 0, {0.01, 0.01, 0.01}), removed};
    EXPECT_NEAR(EventRecoveryTime(flows, 1, 10).value_or(-1), 0.01, 1e-9);
}

TEST(PairReachability, BothDirectionsNeeded)
{
    const std::vector<ProbeFlow> flows = {
        MakeFlow(0, 0, {0.01, 0.01}), MakeFlow(0, 0, {0.01, 0.01}),   // pair 0 both ways
        MakeFlow(1, 0, {0.01, 0.01}), MakeFlow(1, 0, {kLost, kLost}), // pair 1 one way
    };
    const Reachability reachability = PairReachability(flows, 0, 10);
    EXPECT_EQ(reachability.total, 2u);
    EXPECT_EQ(reachability.ok, 1u);
}

TEST(PairReachability, OnlyProbesSinceLastEventCount)
{
    const std::vector<ProbeFlow> flows
        = {MakeFlow(0, 0, {0.01, kLost, kLost}), MakeFlow(0, 0, {0.01, 0.01, 0.01})};
    EXPECT_EQ(PairReachability(flows, 1, 10).ok, 0u);
}

TEST(LastTimeUntil, LatestNotAfterCutoff)
{
    EXPECT_DOUBLE_EQ(LastTimeUntil({3, 1, 7, 5}, 6).value_or(-1), 5);
    EXPECT_FALSE(LastTimeUntil({7}, 6).has_value());
}

/// The design named @p name.
const Design&
DesignNamed(const Scenario& scenario, const std::string& name)
{
    for (const Design& design : scenario.designs)
    {
        if (design.name == name)
        {
            return design;
        }
    }
    ADD_FAILURE() << "no design " << name;
    return scenario.designs.front();
}

TEST(EventChangeCost, SubnetAddPerDesign)
{
    const Scenario scenario = LoadShipped("add-subnet");
    const std::vector<PlannedPrefix> prefixes = PlanPrefixes(scenario);
    // The new subnet at branch-a meets every subnet of branch-b present at the event.
    const uint64_t remoteSubnets = scenario.sites[1].subnets.size();

    const ChangeCost policy
        = EventChangeCost(scenario, DesignNamed(scenario, "policy"), 0, prefixes);
    EXPECT_EQ(policy.perGateway.at("gw-a"), remoteSubnets);
    EXPECT_EQ(policy.perGateway.at("gw-b"), remoteSubnets);

    const ChangeCost staticRoutes
        = EventChangeCost(scenario, DesignNamed(scenario, "gre-static"), 0, prefixes);
    EXPECT_EQ(staticRoutes.perGateway.at("gw-a"), 0u);
    EXPECT_EQ(staticRoutes.perGateway.at("gw-b"), 1u);

    const ChangeCost ospf
        = EventChangeCost(scenario, DesignNamed(scenario, "gre-ospf"), 0, prefixes);
    EXPECT_EQ(ospf.perGateway.at("gw-a"), 1u);
    EXPECT_EQ(ospf.perGateway.at("gw-b"), 0u);
    EXPECT_EQ(ospf.total, 1u);
}

TEST(EventChangeCost, LinkEventsCostNothing)
{
    const Scenario scenario = LoadShipped("ospf-failover");
    const std::vector<PlannedPrefix> prefixes = PlanPrefixes(scenario);
    for (const Design& design : scenario.designs)
    {
        for (size_t event = 0; event < scenario.events.size(); ++event)
        {
            EXPECT_EQ(EventChangeCost(scenario, design, event, prefixes).total, 0u)
                << design.name << " event " << event;
        }
    }
}

/// A route out of interface @p interface to 10.0.@p third.0/24.
RouteEntry
Route24(uint32_t third, uint32_t interface, uint32_t nextHop = 0, uint32_t metric = 0)
{
    constexpr uint32_t kTenSlash8 = 0x0a000000;
    constexpr uint32_t kMask24 = 0xffffff00;
    return RouteEntry{kTenSlash8 | (third << 8), kMask24, nextHop, interface, metric};
}

struct ChangeCase
{
    std::string name;
    GatewayState before;
    GatewayState configured;
    GatewayState settled;
    ChangeCounts items;
    ChangeCounts effects;
};

std::vector<ChangeCase>
ChangeCases()
{
    std::vector<ChangeCase> cases;

    ChangeCase unchanged{"unchanged", {}, {}, {}, {}, {}};
    unchanged.before.protectPolicies = {1, 2};
    unchanged.before.staticRoutes = {Route24(2, 3)};
    unchanged.configured = unchanged.before;
    unchanged.settled = unchanged.before;
    cases.push_back(unchanged);

    ChangeCase selectors{"selectors typed", {}, {}, {}, {}, {}};
    selectors.before.protectPolicies = {1, 2, 3};
    selectors.configured.protectPolicies = {2, 3, 7, 8};
    selectors.settled = selectors.configured;
    selectors.items = {{kSelectorsAdded, 2}, {kSelectorsRemoved, 1}};
    cases.push_back(selectors);

    ChangeCase staticRoute{"static route typed", {}, {}, {}, {}, {}};
    staticRoute.configured.staticRoutes = {Route24(13, 4)};
    staticRoute.settled = staticRoute.configured;
    staticRoute.items = {{kStaticRoutesAdded, 1}};
    cases.push_back(staticRoute);

    ChangeCase metric{"static metric retyped", {}, {}, {}, {}, {}};
    metric.before.staticRoutes = {Route24(13, 4, 0, 0)};
    metric.configured.staticRoutes = {Route24(13, 4, 0, 5)};
    metric.settled = metric.configured;
    metric.items = {{kStaticRoutesAdded, 1}, {kStaticRoutesRemoved, 1}};
    cases.push_back(metric);

    ChangeCase ospfLan{"OSPF passive LAN", {}, {}, {}, {}, {}};
    ospfLan.before.ospfInterfaces = {{1, {false, 10}}};
    ospfLan.configured.ospfInterfaces = {{1, {false, 10}}, {5, {true, 0}}};
    ospfLan.configured.connectedRoutes = {Route24(13, 5)};
    ospfLan.settled = ospfLan.configured;
    ospfLan.items = {{kOspfInterfacesAdded, 1}};
    ospfLan.effects = {{kConnectedRoutesAdded, 1}};
    cases.push_back(ospfLan);

    ChangeCase ospfCost{"OSPF cost changed", {}, {}, {}, {}, {}};
    ospfCost.before.ospfInterfaces = {{1, {false, 10}}, {2, {true, 0}}};
    ospfCost.configured.ospfInterfaces = {{1, {false, 20}}};
    ospfCost.settled = ospfCost.configured;
    ospfCost.items = {{kOspfInterfacesChanged, 1}, {kOspfInterfacesRemoved, 1}};
    cases.push_back(ospfCost);

    ChangeCase learned{"OSPF routes learned and moved", {}, {}, {}, {}, {}};
    learned.before.ospfRoutes = {{{0x0a000100, 0xffffff00}, Route24(1, 2, 7, 10)},
                                 {{0x0a000200, 0xffffff00}, Route24(2, 2, 7, 10)}};
    learned.configured = learned.before;
    learned.settled.ospfRoutes = {{{0x0a000100, 0xffffff00}, Route24(1, 3, 9, 20)},
                                  {{0x0a000d00, 0xffffff00}, Route24(13, 3, 9, 20)}};
    learned.effects = {{kOspfRoutesAdded, 1}, {kOspfRoutesRemoved, 1}, {kOspfRoutesChanged, 1}};
    cases.push_back(learned);

    ChangeCase keepalive{"keepalive withdraws and restores", {}, {}, {}, {}, {}};
    keepalive.before.staticRoutes = {Route24(2, 4), Route24(6, 4)};
    keepalive.before.connectedRoutes = {Route24(200, 4)};
    keepalive.configured = keepalive.before;
    keepalive.effects = {{kStaticRoutesWithdrawn, 2}, {kConnectedRoutesRemoved, 1}};
    cases.push_back(keepalive);

    ChangeCase negotiated{"CHILD SAs negotiated", {}, {}, {}, {}, {}};
    negotiated.before.childSasEstablished = 9;
    negotiated.before.activeChildSas = 9;
    negotiated.configured = negotiated.before;
    negotiated.settled.childSasEstablished = 12;
    negotiated.settled.activeChildSas = 12;
    negotiated.effects = {{kChildSasNegotiated, 3}};
    cases.push_back(negotiated);

    ChangeCase restart{"restart deletes and renegotiates", {}, {}, {}, {}, {}};
    restart.before.childSasEstablished = 1;
    restart.before.activeChildSas = 1;
    restart.configured.childSasEstablished = 1;
    restart.settled.childSasEstablished = 2;
    restart.settled.activeChildSas = 1;
    restart.effects = {{kChildSasNegotiated, 1}, {kChildSasDeleted, 1}};
    cases.push_back(restart);

    ChangeCase removed{"pairs removed", {}, {}, {}, {}, {}};
    removed.before.protectPolicies = {4, 5, 6};
    removed.before.childSasEstablished = 3;
    removed.before.activeChildSas = 3;
    removed.configured.childSasEstablished = 3;
    removed.configured.activeChildSas = 3;
    removed.settled = removed.configured;
    removed.settled.activeChildSas = 0;
    removed.items = {{kSelectorsRemoved, 3}};
    removed.effects = {{kChildSasDeleted, 3}};
    cases.push_back(removed);
    return cases;
}

TEST(MeasureEventChanges, Table)
{
    for (const ChangeCase& c : ChangeCases())
    {
        const EventChanges changes
            = MeasureEventChanges({"gw"}, {c.before}, {c.configured}, {c.settled});
        EXPECT_EQ(changes.changeCost.items.at("gw"), c.items) << c.name;
        EXPECT_EQ(changes.effects.at("gw"), c.effects) << c.name;
        uint64_t typed = 0;
        for (const auto& [kind, count] : c.items)
        {
            typed += count;
        }
        EXPECT_EQ(changes.changeCost.perGateway.at("gw"), typed) << c.name;
        EXPECT_EQ(changes.changeCost.total, typed) << c.name;
    }
}

TEST(MeasureEventChanges, EveryGatewayListed)
{
    GatewayState typed;
    typed.protectPolicies = {1};
    const EventChanges changes
        = MeasureEventChanges({"gw-a", "gw-b"}, {GatewayState{}, GatewayState{}},
                              {typed, GatewayState{}}, {typed, GatewayState{}});
    EXPECT_EQ(changes.changeCost.perGateway.at("gw-a"), 1u);
    EXPECT_EQ(changes.changeCost.perGateway.at("gw-b"), 0u);
    EXPECT_TRUE(changes.changeCost.items.at("gw-b").empty());
    EXPECT_TRUE(changes.effects.at("gw-b").empty());
    EXPECT_EQ(changes.changeCost.total, 1u);
}

TEST(MeasureEventChanges, StateCountMismatchThrows)
{
    EXPECT_THROW(
        MeasureEventChanges({"gw-a", "gw-b"}, {GatewayState{}}, {GatewayState{}}, {GatewayState{}}),
        std::invalid_argument);
}

TEST(PlanStaticRoutes, FloatingRouteOnSecondTunnel)
{
    const Scenario scenario = LoadShipped("ospf-failover");
    const auto plan = PlanStaticRoutes(scenario, DesignNamed(scenario, "gre-static-keepalive"));
    ASSERT_EQ(plan[0][1].size(), 2u);
    EXPECT_EQ(plan[0][1][0].tunnel, 0u);
    EXPECT_EQ(plan[0][1][0].metric, 0u);
    EXPECT_EQ(plan[0][1][1].tunnel, 1u);
    EXPECT_GT(plan[0][1][1].metric, plan[0][1][0].metric);
}

TEST(PlanStaticRoutes, NoFloatingRouteWithoutOption)
{
    const Scenario scenario = LoadShipped("ospf-failover");
    const auto plan = PlanStaticRoutes(scenario, DesignNamed(scenario, "gre-static"));
    ASSERT_EQ(plan[0][1].size(), 1u);
    EXPECT_EQ(plan[0][1][0].tunnel, 0u);
}

TEST(PlanSelectors, AddedSubnetOnlyInLaterPairs)
{
    const Scenario scenario = LoadShipped("add-subnet");
    const std::vector<PlannedPrefix> prefixes = PlanPrefixes(scenario);
    const Design& policy = DesignNamed(scenario, "policy");
    const size_t a = scenario.sites[0].subnets.size();
    const size_t b = scenario.sites[1].subnets.size();
    EXPECT_EQ(PlanSelectors(scenario, policy, prefixes, true).size(), a * b);
    EXPECT_EQ(PlanSelectors(scenario, policy, prefixes, false).size(), b);
}

TEST(PlanPairs, HostLanHostsArePairs)
{
    const Scenario scenario = LoadShipped("individual-hosts");
    const std::vector<PlannedPrefix> prefixes = PlanPrefixes(scenario);
    EXPECT_EQ(PlanPairs(scenario, prefixes).size(),
              ProtectedPrefixes(scenario.sites[0]).size()
                  * ProtectedPrefixes(scenario.sites[1]).size());
}

} // namespace
} // namespace tunnelsim
