// Events during a run, on the shipped scenarios run in-process.
//
// add-subnet: branch-a gains 10.1.13.0/24 at 30 s. The tests check, per design and per
// gateway, what an operator types and what the network does by itself.
//
//   10.1.1.0/24 --.                                        .-- 10.2.2.0/24
//   10.1.5.0/24 --- gw-a --- isp --- gw-b --------------------- 10.2.6.0/24
//   10.1.9.0/24 --'                                        '-- 10.2.10.0/24
//   10.1.13.0/24 -' (up at 30 s)
//
// ospf-failover: two tunnels over two ISPs; a-isp1 fails at 30 s and returns at 70 s.
//
//            a-isp1 (100 Mb/s, 5 ms)    b-isp1
//        .------------------- isp1 -------------------.
//   gw-a      tunnel "primary" (OSPF cost 10)           gw-b
//        '------------------- isp2 -------------------'
//            a-isp2 (50 Mb/s, 10 ms)    b-isp2
//                 tunnel "backup" (OSPF cost 20)
//
// The failure drops every packet on a-isp1 while both interfaces stay up, so only protocol
// timers notice it: OSPF's RouterDeadInterval, or GRE keepalives with a floating route.
//
// gateway-restart: one-subnet with gw-a, the IKE initiator of every tunnel, cut off and
// powered off at 12 s for 3 s, and its GRE design in ESP transport mode.
//
//   10.1.1.0/24 --- gw-a (restarts) --- isp --- gw-b --- 10.2.2.0/24
#include "metrics.h"
#include "runner-plan.h"
#include "runner.h"
#include "scenario-loader.h"
#include "shipped-scenario-results.h"

#include <filesystem>
#include <gtest/gtest.h>
#include <map>

namespace tunnelsim
{
namespace
{

namespace fs = std::filesystem;

/// Slack on convergence bounds, seconds: the probe path's delay (two 10 ms links and the
/// LANs) and the flooding of the new LSAs, rounded up generously.
constexpr double kPathMarginS = 0.5;

const Design&
ScenarioDesign(const Scenario& scenario, const std::string& name)
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

const EventConvergence&
OnlyEvent(const DesignResults& design)
{
    EXPECT_EQ(design.convergence.events.size(), 1u) << design.name;
    return design.convergence.events.at(0);
}

/// The add-subnet event's local and far gateway, and what the scenario file implies.
struct AddSubnetSides
{
    std::string local;    ///< gateway of the site that gains the subnet
    std::string far;      ///< the other site's gateway
    uint64_t farSubnets;  ///< subnets at the far site when the event happens
    uint64_t localBefore; ///< subnets at the local site before the event
};

AddSubnetSides
SidesOf(const Scenario& scenario)
{
    const auto& added = std::get<SubnetAddEvent>(scenario.events.at(0).action);
    const size_t local = added.site == scenario.sites[0].name ? 0 : 1;
    const size_t far = 1 - local;
    return AddSubnetSides{scenario.sites[local].gateway.name, scenario.sites[far].gateway.name,
                          scenario.sites[far].subnets.size(), scenario.sites[local].subnets.size()};
}

/// Tunnels of @p design between gateways @p a and @p b, in either direction.
uint64_t
TunnelsBetween(const Design& design, const std::string& a, const std::string& b)
{
    uint64_t count = 0;
    for (const Tunnel& tunnel : design.tunnels)
    {
        const std::string& first = tunnel.endpoints[0].gateway;
        const std::string& second = tunnel.endpoints[1].gateway;
        count += (first == a && second == b) || (first == b && second == a);
    }
    return count;
}

/// Count of @p kind in @p changes for @p gateway; 0 when absent, and a failure when the
/// gateway has no entry at all.
uint64_t
CountOf(const PerGatewayChanges& changes, const std::string& gateway, const char* kind)
{
    auto side = changes.find(gateway);
    if (side == changes.end())
    {
        ADD_FAILURE() << "no entry for " << gateway;
        return 0;
    }
    auto found = side->second.find(kind);
    return found == side->second.end() ? 0 : found->second;
}

uint64_t
Total(const ChangeCounts& counts)
{
    uint64_t total = 0;
    for (const auto& [kind, count] : counts)
    {
        total += count;
    }
    return total;
}

TEST(RunAddSubnet, PolicySelectorsOnBothGateways)
{
    const Scenario scenario = LoadShipped("add-subnet");
    const AddSubnetSides sides = SidesOf(scenario);
    const uint64_t pairs
        = sides.farSubnets
          * TunnelsBetween(ScenarioDesign(scenario, "policy"), sides.local, sides.far);
    const ChangeCost& cost = OnlyEvent(DesignOf(ResultsOf("add-subnet"), "policy")).changeCost;
    EXPECT_EQ(CountOf(cost.items, sides.local, kSelectorsAdded), pairs);
    EXPECT_EQ(CountOf(cost.items, sides.far, kSelectorsAdded), pairs);
    EXPECT_EQ(cost.perGateway.at(sides.local), pairs);
    EXPECT_EQ(cost.perGateway.at(sides.far), pairs);
    EXPECT_EQ(cost.total, 2 * pairs);
}

TEST(RunAddSubnet, PolicyNegotiatesOnBothGateways)
{
    const Scenario scenario = LoadShipped("add-subnet");
    const AddSubnetSides sides = SidesOf(scenario);
    const uint64_t pairs
        = sides.farSubnets
          * TunnelsBetween(ScenarioDesign(scenario, "policy"), sides.local, sides.far);
    const EventConvergence& event = OnlyEvent(DesignOf(ResultsOf("add-subnet"), "policy"));
    EXPECT_EQ(CountOf(event.effects, sides.local, kChildSasNegotiated), pairs);
    EXPECT_EQ(CountOf(event.effects, sides.far, kChildSasNegotiated), pairs);
    EXPECT_EQ(CountOf(event.effects, sides.local, kChildSasDeleted), 0u);
    EXPECT_EQ(CountOf(event.effects, sides.far, kChildSasDeleted), 0u);
}

TEST(RunAddSubnet, PolicyChildSaTotals)
{
    const Scenario scenario = LoadShipped("add-subnet");
    const AddSubnetSides sides = SidesOf(scenario);
    const DesignResults& policy = DesignOf(ResultsOf("add-subnet"), "policy");
    EXPECT_EQ(policy.sas.childSaPairs, (sides.localBefore + 1) * sides.farSubnets);
    EXPECT_EQ(policy.selectors.perGateway.at(sides.local),
              (sides.localBefore + 1) * sides.farSubnets);
}

TEST(RunAddSubnet, StaticLocalSideConnectedRoute)
{
    // The local gateway reaches the new LAN through the connected route of its new
    // interface: nothing typed, one connected route, and its routes to the far LANs stay.
    const Scenario scenario = LoadShipped("add-subnet");
    const AddSubnetSides sides = SidesOf(scenario);
    const DesignResults& design = DesignOf(ResultsOf("add-subnet"), "gre-static");
    const EventConvergence& event = OnlyEvent(design);
    EXPECT_EQ(Total(event.changeCost.items.at(sides.local)), 0u);
    EXPECT_EQ(event.changeCost.perGateway.at(sides.local), 0u);
    EXPECT_EQ(CountOf(event.effects, sides.local, kConnectedRoutesAdded), 1u);
    EXPECT_EQ(design.routes.perGateway.at(sides.local), sides.farSubnets);
}

TEST(RunAddSubnet, StaticFarSideStaticRoute)
{
    // One static route per tunnel path on the far gateway (add-subnet has no floating routes).
    const Scenario scenario = LoadShipped("add-subnet");
    const AddSubnetSides sides = SidesOf(scenario);
    const Design& planned = ScenarioDesign(scenario, "gre-static");
    ASSERT_FALSE(planned.routing->staticRouting.floatingRoutes);
    const uint64_t paths = TunnelsBetween(planned, sides.local, sides.far);
    const DesignResults& design = DesignOf(ResultsOf("add-subnet"), "gre-static");
    const EventConvergence& event = OnlyEvent(design);
    EXPECT_EQ(CountOf(event.changeCost.items, sides.far, kStaticRoutesAdded), paths);
    EXPECT_EQ(Total(event.changeCost.items.at(sides.far)), paths);
    EXPECT_EQ(event.changeCost.total, paths);
    EXPECT_EQ(Total(event.effects.at(sides.far)), 0u);
    EXPECT_EQ(design.routes.perGateway.at(sides.far), sides.localBefore + 1);
}

TEST(RunAddSubnet, OspfNothingTypedOnFarSide)
{
    const Scenario scenario = LoadShipped("add-subnet");
    const AddSubnetSides sides = SidesOf(scenario);
    const DesignResults& design = DesignOf(ResultsOf("add-subnet"), "gre-ospf");
    const EventConvergence& event = OnlyEvent(design);
    EXPECT_EQ(Total(event.changeCost.items.at(sides.far)), 0u);
    EXPECT_EQ(event.changeCost.perGateway.at(sides.far), 0u);
    // The far gateway learned the new LAN from the local gateway's router-LSA.
    EXPECT_EQ(CountOf(event.effects, sides.far, kOspfRoutesAdded), 1u);
    EXPECT_EQ(design.routes.perGateway.at(sides.far), sides.localBefore + 1);
}

TEST(RunAddSubnet, OspfLocalPassiveInterface)
{
    const Scenario scenario = LoadShipped("add-subnet");
    const AddSubnetSides sides = SidesOf(scenario);
    const EventConvergence& event = OnlyEvent(DesignOf(ResultsOf("add-subnet"), "gre-ospf"));
    EXPECT_EQ(CountOf(event.changeCost.items, sides.local, kOspfInterfacesAdded), 1u);
    EXPECT_EQ(event.changeCost.total, 1u);
    EXPECT_EQ(CountOf(event.effects, sides.local, kConnectedRoutesAdded), 1u);
    EXPECT_EQ(CountOf(event.effects, sides.local, kOspfRoutesAdded), 0u);
}

TEST(RunAddSubnet, MeasuredCostMatchesPlan)
{
    // The counts read from the gateways agree with the rule the plan predicts them by.
    const Scenario scenario = LoadShipped("add-subnet");
    const std::vector<PlannedPrefix> prefixes = PlanPrefixes(scenario);
    for (const Design& design : scenario.designs)
    {
        const ChangeCost planned = EventChangeCost(scenario, design, 0, prefixes);
        const ChangeCost& measured
            = OnlyEvent(DesignOf(ResultsOf("add-subnet"), design.name)).changeCost;
        EXPECT_EQ(measured.perGateway, planned.perGateway) << design.name;
    }
}

TEST(RunAddSubnet, EveryDesignReachesNewSubnet)
{
    for (const DesignResults& design : ResultsOf("add-subnet").designs)
    {
        const EventConvergence& event = OnlyEvent(design);
        ASSERT_TRUE(event.allPairsReachableS.has_value()) << design.name;
        EXPECT_GT(*event.allPairsReachableS, 0) << design.name;
        EXPECT_EQ(design.reachability.total, 12u) << design.name;
        EXPECT_EQ(design.reachability.ok, 12u) << design.name;
    }
}

/// one-subnet with a gateway-restart event for gw-a, and gre-static in transport mode.
const Results&
RestartResults()
{
    static const Results results = []()
    {
        Scenario scenario = LoadShipped("one-subnet");
        scenario.events.push_back(ScenarioEvent{12, GatewayRestartEvent{"gw-a", 3}});
        for (Design& design : scenario.designs)
        {
            if (design.name == "gre-static")
            {
                design.ipsecMode = IpsecMode::Transport;
            }
        }
        return RunScenario(scenario, RunOutputs{});
    }();
    return results;
}

TEST(RunGatewayRestart, EveryDesignRecovers)
{
    const Scenario scenario = LoadShipped("one-subnet");
    const double probeInterval = scenario.traffic.probes->intervalS;
    const double down = 3;
    for (const DesignResults& design : RestartResults().designs)
    {
        // Nothing crosses while gw-a is off. Once it is back, its IKE daemon negotiates
        // again: at once for the route-based designs, on the first dropped probe of each
        // pair for policy-based (trap); the probe after that crosses.
        const EventConvergence& restart = OnlyEvent(design);
        ASSERT_EQ(restart.type, "gateway-restart") << design.name;
        ASSERT_TRUE(restart.allPairsReachableS.has_value()) << design.name;
        EXPECT_GE(*restart.allPairsReachableS, down) << design.name;
        EXPECT_LE(*restart.allPairsReachableS, down + 2 * probeInterval + kPathMarginS)
            << design.name;
        EXPECT_EQ(design.reachability.ok, design.reachability.total) << design.name;
    }
}

TEST(RunGatewayRestart, PeerDropsOldSasOnInitialContact)
{
    for (const DesignResults& design : RestartResults().designs)
    {
        // gw-b discarded the SAs from before the restart: each gateway has one inbound
        // and one outbound SA per CHILD SA, no leftovers.
        EXPECT_GT(design.sas.childSaPairs, 0u) << design.name;
        EXPECT_EQ(design.sas.installed, 4 * design.sas.childSaPairs) << design.name;
    }
}

TEST(RunGatewayRestart, ChildSasDeletedAndNegotiatedAgain)
{
    // gw-a loses every CHILD SA at power-off and negotiates them again once it is back;
    // gw-b drops the old ones on INITIAL_CONTACT. Nothing is typed.
    for (const DesignResults& design : RestartResults().designs)
    {
        const EventConvergence& restart = OnlyEvent(design);
        EXPECT_EQ(restart.changeCost.total, 0u) << design.name;
        for (const char* gateway : {"gw-a", "gw-b"})
        {
            EXPECT_EQ(CountOf(restart.effects, gateway, kChildSasDeleted), design.sas.childSaPairs)
                << design.name << " " << gateway;
            EXPECT_EQ(CountOf(restart.effects, gateway, kChildSasNegotiated),
                      design.sas.childSaPairs)
                << design.name << " " << gateway;
        }
    }
}

TEST(RunGatewayRestart, TransportGreNegotiatedByIke)
{
    const DesignResults& gre = DesignOf(RestartResults(), "gre-static");
    EXPECT_TRUE(gre.convergence.phases.ikeEstablishedS.has_value());
    EXPECT_EQ(gre.sas.childSaPairs, 1u);
}

TEST(RunOspfFailover, OspfRecoversWithinDeadInterval)
{
    const Scenario scenario = LoadShipped("ospf-failover");
    const OspfTimers& timers = ScenarioDesign(scenario, "gre-ospf").routing->ospf;
    const double probeInterval = scenario.traffic.probes->intervalS;
    // The neighbour on the failed tunnel is declared down RouterDeadInterval after its last
    // Hello, which came at most one HelloInterval before the failure. SPF then runs after
    // its delay, and the next probe shows the new path.
    const double earliest = timers.routerDeadIntervalS - timers.helloIntervalS;
    const double latest
        = timers.routerDeadIntervalS + timers.spfDelayMs / 1000.0 + probeInterval + kPathMarginS;

    const EventConvergence& down
        = DesignOf(ResultsOf("ospf-failover"), "gre-ospf").convergence.events.at(0);
    ASSERT_EQ(down.type, "link-down");
    ASSERT_TRUE(down.allPairsReachableS.has_value());
    EXPECT_GE(*down.allPairsReachableS, earliest);
    EXPECT_LE(*down.allPairsReachableS, latest);
}

TEST(RunOspfFailover, StaticWithoutKeepalivesNeverRecovers)
{
    const EventConvergence& down
        = DesignOf(ResultsOf("ospf-failover"), "gre-static").convergence.events.at(0);
    ASSERT_EQ(down.type, "link-down");
    EXPECT_FALSE(down.allPairsReachableS.has_value());
}

TEST(RunOspfFailover, KeepaliveFloatingRouteTakesOver)
{
    const Scenario scenario = LoadShipped("ospf-failover");
    const GreKeepalive& keepalive
        = *ScenarioDesign(scenario, "gre-static-keepalive").routing->staticRouting.keepalive;
    const double probeInterval = scenario.traffic.probes->intervalS;
    const double timeout = static_cast<double>(keepalive.periodS) * keepalive.retries;
    // The first unanswered keepalive leaves up to one period after the failure.
    const double earliest = timeout - keepalive.periodS;
    const double latest = timeout + keepalive.periodS + probeInterval + kPathMarginS;

    const EventConvergence& down
        = DesignOf(ResultsOf("ospf-failover"), "gre-static-keepalive").convergence.events.at(0);
    ASSERT_TRUE(down.allPairsReachableS.has_value());
    EXPECT_GE(*down.allPairsReachableS, earliest);
    EXPECT_LE(*down.allPairsReachableS, latest);
}

TEST(RunOspfFailover, EveryDesignBackAfterLinkUp)
{
    for (const DesignResults& design : ResultsOf("ospf-failover").designs)
    {
        const EventConvergence& up = design.convergence.events.at(1);
        ASSERT_EQ(up.type, "link-up") << design.name;
        EXPECT_TRUE(up.allPairsReachableS.has_value()) << design.name;
        EXPECT_EQ(design.reachability.ok, design.reachability.total) << design.name;
    }
}

TEST(RunOspfFailover, OspfRoutesMoveOnBothSides)
{
    // Every OSPF route to the far LANs moves to the backup tunnel, then back.
    const Scenario scenario = LoadShipped("ospf-failover");
    const DesignResults& design = DesignOf(ResultsOf("ospf-failover"), "gre-ospf");
    for (size_t e = 0; e < 2; ++e)
    {
        const EventConvergence& event = design.convergence.events.at(e);
        EXPECT_EQ(event.changeCost.total, 0u) << event.type;
        EXPECT_EQ(CountOf(event.effects, "gw-a", kOspfRoutesChanged),
                  scenario.sites[1].subnets.size())
            << event.type;
        EXPECT_EQ(CountOf(event.effects, "gw-b", kOspfRoutesChanged),
                  scenario.sites[0].subnets.size())
            << event.type;
    }
}

TEST(RunOspfFailover, KeepaliveWithdrawsStaticRoutes)
{
    // Keepalives take the primary tunnel down, and its static routes leave the table with
    // its connected route; they come back after the link does.
    const Scenario scenario = LoadShipped("ospf-failover");
    const DesignResults& design = DesignOf(ResultsOf("ospf-failover"), "gre-static-keepalive");
    const EventConvergence& down = design.convergence.events.at(0);
    const EventConvergence& up = design.convergence.events.at(1);
    EXPECT_EQ(CountOf(down.effects, "gw-a", kStaticRoutesWithdrawn),
              scenario.sites[1].subnets.size());
    EXPECT_EQ(CountOf(down.effects, "gw-a", kConnectedRoutesRemoved), 1u);
    EXPECT_EQ(CountOf(up.effects, "gw-a", kStaticRoutesRestored), scenario.sites[1].subnets.size());
    EXPECT_EQ(CountOf(up.effects, "gw-a", kConnectedRoutesAdded), 1u);
}

TEST(RunOspfFailover, StaticWithoutKeepalivesChangesNothing)
{
    for (const EventConvergence& event :
         DesignOf(ResultsOf("ospf-failover"), "gre-static").convergence.events)
    {
        EXPECT_EQ(Total(event.effects.at("gw-a")), 0u) << event.type;
        EXPECT_EQ(Total(event.effects.at("gw-b")), 0u) << event.type;
    }
}

TEST(RunOspfFailover, LinkDownDropsCounted)
{
    for (const DesignResults& design : ResultsOf("ospf-failover").designs)
    {
        EXPECT_GT(design.drops.count("link-down") ? design.drops.at("link-down") : 0, 0u)
            << design.name;
    }
}

} // namespace
} // namespace tunnelsim
