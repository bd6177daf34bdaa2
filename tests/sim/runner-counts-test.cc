// State and reachability of every design on the shipped two-site scenarios, run in-process:
// selector and CHILD SA counts must follow from the scenario's prefixes, and every design
// must deliver probes both ways between every subnet pair.
//
//   10.1.1.0/24 --.                                            .-- 10.2.2.0/24
//   10.1.5.0/24 --- gw-a 192.0.2.1 --- isp --- 198.51.100.1 gw-b --- 10.2.6.0/24
//   10.1.9.0/24 --'       (100 Mb/s, 5 ms each link)           '-- 10.2.10.0/24
//
// three-subnets: policy-based (IKEv2 narrowing), GRE over IPsec with static routes, GRE
// over IPsec with OSPF. two-subnets keeps the first two LANs per site. individual-hosts
// replaces branch-b by a partner LAN whose 12 hosts are protected one by one.
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

/// Selector pairs a policy-based gateway needs: local prefixes times remote prefixes.
uint64_t
PolicySelectorsPerGateway(const Scenario& scenario)
{
    return ProtectedPrefixes(scenario.sites[0]).size()
           * ProtectedPrefixes(scenario.sites[1]).size();
}

TEST(RunThreeSubnets, PolicySelectors)
{
    const DesignResults& policy = DesignOf(ResultsOf("three-subnets"), "policy");
    EXPECT_EQ(policy.selectors.total, 18u);
    EXPECT_EQ(policy.selectors.perGateway.at("gw-a"), 9u);
    EXPECT_EQ(policy.selectors.perGateway.at("gw-b"), 9u);
}

TEST(RunThreeSubnets, PolicyChildSas)
{
    const DesignResults& policy = DesignOf(ResultsOf("three-subnets"), "policy");
    EXPECT_EQ(policy.sas.childSaPairs, 9u);
    // Each CHILD SA is an inbound and an outbound SA on both gateways.
    EXPECT_EQ(policy.sas.installed, 4 * policy.sas.childSaPairs);
}

TEST(RunThreeSubnets, GreSelectors)
{
    for (const char* name : {"gre-static", "gre-ospf"})
    {
        const DesignResults& gre = DesignOf(ResultsOf("three-subnets"), name);
        EXPECT_EQ(gre.selectors.total, 2u) << name;
        EXPECT_EQ(gre.sas.childSaPairs, 1u) << name;
    }
}

TEST(RunThreeSubnets, GreRoutesPerRemoteSubnet)
{
    for (const char* name : {"gre-static", "gre-ospf"})
    {
        const DesignResults& gre = DesignOf(ResultsOf("three-subnets"), name);
        EXPECT_EQ(gre.routes.perGateway.at("gw-a"), 3u) << name;
        EXPECT_EQ(gre.routes.perGateway.at("gw-b"), 3u) << name;
    }
}

TEST(RunThreeSubnets, EveryDesignReachesAllPairs)
{
    for (const DesignResults& design : ResultsOf("three-subnets").designs)
    {
        EXPECT_EQ(design.reachability.total, 9u) << design.name;
        EXPECT_EQ(design.reachability.ok, 9u) << design.name;
    }
}

TEST(RunThreeSubnets, ConvergenceReported)
{
    for (const DesignResults& design : ResultsOf("three-subnets").designs)
    {
        ASSERT_TRUE(design.convergence.allPairsReachableS.has_value()) << design.name;
        EXPECT_GT(*design.convergence.allPairsReachableS, 0) << design.name;
    }
}

TEST(RunThreeSubnets, GoodputReported)
{
    for (const DesignResults& design : ResultsOf("three-subnets").designs)
    {
        EXPECT_GT(design.throughput.goodputBps, 0) << design.name;
        ASSERT_EQ(design.throughput.flows.size(), 1u) << design.name;
        EXPECT_GT(design.throughput.flows[0].goodputBps, 0) << design.name;
    }
}

TEST(RunThreeSubnets, StaticGreCarriesWholeFlow)
{
    // The video flow starts 5 s in, long after the SA is up: every byte arrives.
    const Scenario scenario = LoadShipped("three-subnets");
    const UdpCbrFlow& video = scenario.traffic.udpCbr.at(0);
    const DesignResults& gre = DesignOf(ResultsOf("three-subnets"), "gre-static");
    EXPECT_NEAR(gre.throughput.flows.at(0).goodputBps, static_cast<double>(video.rateBps),
                0.01 * static_cast<double>(video.rateBps));
}

TEST(RunThreeSubnets, GoodputIgnoresPathDelay)
{
    // 250 ms on each WAN link puts half a second between send and arrival, about 1 % of
    // the flow's time. A flow that loses nothing must still show its own rate.
    Scenario scenario = LoadShipped("three-subnets");
    KeepOnlyDesign(scenario, "gre-static");
    for (WanLink& link : scenario.links)
    {
        link.delayS = 0.25;
    }
    const UdpCbrFlow& video = scenario.traffic.udpCbr.at(0);
    const Results results = RunScenario(scenario, RunOutputs{});
    ASSERT_EQ(results.designs.size(), 1u);
    const DesignResults& gre = results.designs[0];
    EXPECT_NEAR(gre.throughput.flows.at(0).goodputBps, static_cast<double>(video.rateBps),
                0.001 * static_cast<double>(video.rateBps));
}

TEST(RunThreeSubnets, EncapsulationCostsWireBytes)
{
    for (const DesignResults& design : ResultsOf("three-subnets").designs)
    {
        ASSERT_TRUE(design.throughput.wireBytesPerPayloadByte.has_value()) << design.name;
        EXPECT_GT(*design.throughput.wireBytesPerPayloadByte, 1.0) << design.name;
    }
    // GRE adds a 20-byte IPv4 header and a 4-byte GRE header to what ESP carries.
    EXPECT_GT(
        *DesignOf(ResultsOf("three-subnets"), "gre-static").throughput.wireBytesPerPayloadByte,
        *DesignOf(ResultsOf("three-subnets"), "policy").throughput.wireBytesPerPayloadByte);
}

TEST(RunTwoSubnets, PolicyAgainstGre)
{
    const Results& results = ResultsOf("two-subnets");
    EXPECT_EQ(DesignOf(results, "policy").selectors.total, 8u);
    EXPECT_EQ(DesignOf(results, "gre-static").selectors.total, 2u);
}

TEST(RunTwoSubnets, EveryDesignReachesAllPairs)
{
    for (const DesignResults& design : ResultsOf("two-subnets").designs)
    {
        EXPECT_EQ(design.reachability.ok, 4u) << design.name;
        EXPECT_EQ(design.reachability.total, 4u) << design.name;
    }
}

TEST(RunIndividualHosts, PolicySelectorsFromScenario)
{
    const Scenario scenario = LoadShipped("individual-hosts");
    const uint64_t perGateway = PolicySelectorsPerGateway(scenario);
    for (const char* name : {"policy-ikev1", "policy-ikev2"})
    {
        const DesignResults& policy = DesignOf(ResultsOf("individual-hosts"), name);
        EXPECT_EQ(policy.selectors.perGateway.at("gw-hq"), perGateway) << name;
        EXPECT_EQ(policy.selectors.perGateway.at("gw-partner"), perGateway) << name;
        EXPECT_EQ(policy.sas.childSaPairs, perGateway) << name;
    }
}

TEST(RunIndividualHosts, RouteBasedStaysAtOnePair)
{
    for (const char* name : {"gre-ospf", "vti-static"})
    {
        const DesignResults& design = DesignOf(ResultsOf("individual-hosts"), name);
        EXPECT_EQ(design.selectors.total, 2u) << name;
        EXPECT_EQ(design.sas.childSaPairs, 1u) << name;
    }
}

TEST(RunIndividualHosts, EveryDesignReachesEveryHost)
{
    const Scenario scenario = LoadShipped("individual-hosts");
    for (const DesignResults& design : ResultsOf("individual-hosts").designs)
    {
        EXPECT_EQ(design.reachability.total, PolicySelectorsPerGateway(scenario)) << design.name;
        EXPECT_EQ(design.reachability.ok, design.reachability.total) << design.name;
    }
}

} // namespace
} // namespace tunnelsim
