// Events during a run, on the shipped scenarios run in-process.
//
// add-subnet: branch-a gains 10.1.13.0/24 at 30 s.
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

TEST(RunAddSubnet, PolicyNeedsSelectorsOnBothGateways)
{
    const Scenario scenario = LoadShipped("add-subnet");
    const uint64_t remote = scenario.sites[1].subnets.size();
    const ChangeCost& cost = OnlyEvent(DesignOf(ResultsOf("add-subnet"), "policy")).changeCost;
    EXPECT_EQ(cost.perGateway.at("gw-a"), remote);
    EXPECT_EQ(cost.perGateway.at("gw-b"), remote);
}

TEST(RunAddSubnet, PolicyNegotiatesNewChildSas)
{
    const Scenario scenario = LoadShipped("add-subnet");
    const uint64_t before = scenario.sites[0].subnets.size() * scenario.sites[1].subnets.size();
    const uint64_t after
        = (scenario.sites[0].subnets.size() + 1) * scenario.sites[1].subnets.size();
    const DesignResults& policy = DesignOf(ResultsOf("add-subnet"), "policy");
    EXPECT_EQ(policy.sas.childSaPairs, after);
    EXPECT_GT(policy.sas.childSaPairs, before);
    EXPECT_EQ(policy.selectors.perGateway.at("gw-a"), after);
}

TEST(RunAddSubnet, StaticLocalSideConnectedRouteOnly)
{
    // gw-a reaches the new LAN through the connected route of its new interface, which
    // every design configures alike: no route to add, and its routes to gw-b's LANs stay.
    const Scenario scenario = LoadShipped("add-subnet");
    const DesignResults& design = DesignOf(ResultsOf("add-subnet"), "gre-static");
    EXPECT_EQ(OnlyEvent(design).changeCost.perGateway.at("gw-a"), 0u);
    EXPECT_EQ(design.routes.perGateway.at("gw-a"), scenario.sites[1].subnets.size());
}

TEST(RunAddSubnet, StaticFarSideNeedsStaticRoute)
{
    // gw-b needs one static route to the new LAN through its one tunnel to gw-a.
    const Scenario scenario = LoadShipped("add-subnet");
    const DesignResults& design = DesignOf(ResultsOf("add-subnet"), "gre-static");
    EXPECT_EQ(OnlyEvent(design).changeCost.perGateway.at("gw-b"), 1u);
    EXPECT_EQ(OnlyEvent(design).changeCost.total, 1u);
    EXPECT_EQ(design.routes.perGateway.at("gw-b"), scenario.sites[0].subnets.size() + 1);
}

TEST(RunAddSubnet, OspfNeedsNothingOnFarSide)
{
    const ChangeCost& cost = OnlyEvent(DesignOf(ResultsOf("add-subnet"), "gre-ospf")).changeCost;
    EXPECT_EQ(cost.perGateway.at("gw-b"), 0u);
    EXPECT_EQ(cost.perGateway.at("gw-a"), 1u);
    // gw-b learned the new LAN from gw-a's router-LSA.
    EXPECT_EQ(DesignOf(ResultsOf("add-subnet"), "gre-ospf").routes.perGateway.at("gw-b"), 4u);
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
