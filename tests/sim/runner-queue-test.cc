// Interface queues on the shipped two-site topology. A burst of probes larger than a
// device's own 100-packet queue must wait in the interface's queue disc instead of being
// lost. A flow faster than the WAN link must lose packets with a counted reason.
//
//   10.1.1.0/24 --.                                              .-- 10.2.2.0/24
//       ...       --- gw-a 192.0.2.1 --- isp --- 198.51.100.1 gw-b ---     ...
//   10.1.37.0/24 -'        (a-isp and b-isp, point to point)       '-- 10.2.38.0/24
//
// At the largest subnet-growth point gw-a has 11 LANs after the add at 40 s, so 110 probe
// flows leave each gateway in the same nanosecond every second.
#include "runner.h"
#include "scenario-loader.h"
#include "shipped-scenario-results.h"
#include "topology.h"

#include <filesystem>
#include <gtest/gtest.h>

namespace tunnelsim
{
namespace
{

uint64_t
DropsOf(const DesignResults& design, const std::string& reason)
{
    const auto found = design.drops.find(reason);
    return found == design.drops.end() ? 0 : found->second;
}

TEST(InterfaceQueue, ProbeBurstAtLargestGrowthPointIsQueued)
{
    Scenario scenario = LoadShipped("subnet-growth");
    ASSERT_TRUE(scenario.sweep.has_value());
    KeepOnlyDesign(scenario, "gre-static");
    scenario.sweep->min = scenario.sweep->max;
    const std::vector<Scenario> points = ExpandSweep(scenario);
    ASSERT_EQ(points.size(), 1u);
    const Scenario& point = points[0];
    const size_t pairsAfterAdd
        = (point.sites[0].subnets.size() + 1) * point.sites[1].subnets.size();
    // More probes in one burst than a device queue holds, or the test proves nothing.
    ASSERT_GT(pairsAfterAdd, 100u);

    const Results results = RunScenario(point, RunOutputs{});
    ASSERT_EQ(results.designs.size(), 1u);
    const DesignResults& gre = results.designs[0];
    // Event 0 adds the LAN: every pair, old and new, delivers again after it.
    ASSERT_FALSE(gre.convergence.events.empty());
    EXPECT_EQ(gre.convergence.events[0].type, "subnet-add");
    EXPECT_TRUE(gre.convergence.events[0].allPairsReachableS.has_value());
    // Reachability counts from the last event, which removes the LAN again.
    const size_t pairsAfterRemove = pairsAfterAdd - point.sites[1].subnets.size();
    EXPECT_EQ(gre.reachability.total, pairsAfterRemove);
    EXPECT_EQ(gre.reachability.ok, pairsAfterRemove);
    EXPECT_EQ(DropsOf(gre, "interface-queue-full"), 0u);
    EXPECT_EQ(DropsOf(gre, "device-queue-stopped"), 0u);
    EXPECT_EQ(DropsOf(gre, "device-tx-drop"), 0u);
}

TEST(InterfaceQueue, OverloadedWanLinkDropsAreCounted)
{
    Scenario scenario = LoadShipped("three-subnets");
    KeepOnlyDesign(scenario, "gre-static");
    ASSERT_EQ(scenario.traffic.udpCbr.size(), 1u);
    UdpCbrFlow& flow = scenario.traffic.udpCbr[0];
    // Offer ten times what the first WAN link carries, for long enough to fill its queue:
    // at 1 Mb/s, 1000 packets of about 1.3 kB take over 10 s to drain.
    for (WanLink& link : scenario.links)
    {
        link.rateBps = 1000000;
    }
    flow.rateBps = 10 * scenario.links[0].rateBps;
    flow.stopS = flow.startS + 20;
    ASSERT_LT(flow.stopS, scenario.durationS);

    const Results results = RunScenario(scenario, RunOutputs{});
    ASSERT_EQ(results.designs.size(), 1u);
    const DesignResults& gre = results.designs[0];
    const uint64_t sent = static_cast<uint64_t>((flow.stopS - flow.startS) * flow.rateBps
                                                / (8.0 * flow.packetSizeBytes));
    // The link carries about a tenth of the offer; the rest, less what the queue still
    // holds, is dropped at gw-a's WAN interface.
    EXPECT_GT(DropsOf(gre, "interface-queue-full"), sent / 2);
    EXPECT_LT(DropsOf(gre, "interface-queue-full"), sent);
    EXPECT_EQ(DropsOf(gre, "device-queue-stopped"), 0u);
    EXPECT_EQ(DropsOf(gre, "device-tx-drop"), 0u);
    // What the link delivered, not what was offered: no more than its rate, and WAN bytes
    // that leave out the dropped packets (counting them gave about 10 per payload byte).
    ASSERT_EQ(gre.throughput.flows.size(), 1u);
    EXPECT_LE(gre.throughput.flows[0].goodputBps, static_cast<double>(scenario.links[0].rateBps));
    ASSERT_TRUE(gre.throughput.wireBytesPerPayloadByte.has_value());
    EXPECT_LT(*gre.throughput.wireBytesPerPayloadByte, 2.0);
}

TEST(InterfaceQueue, TotalGoodputWithinSharedLink)
{
    // Two flows at the link's rate, one for 15 s and one for 45 s, share a 1 Mb/s link:
    // together they cannot receive more than the link carries.
    Scenario scenario = LoadShipped("three-subnets");
    KeepOnlyDesign(scenario, "gre-static");
    for (WanLink& link : scenario.links)
    {
        link.rateBps = 1000000;
    }
    ASSERT_EQ(scenario.traffic.udpCbr.size(), 1u);
    UdpCbrFlow& shorter = scenario.traffic.udpCbr[0];
    shorter.rateBps = scenario.links[0].rateBps;
    shorter.stopS = shorter.startS + 15;
    UdpCbrFlow longer = shorter;
    longer.name = "longer";
    longer.stopS = shorter.startS + 45;
    ASSERT_LT(longer.stopS, scenario.durationS);
    scenario.traffic.udpCbr.push_back(longer);

    const Results results = RunScenario(scenario, RunOutputs{});
    ASSERT_EQ(results.designs.size(), 1u);
    const Throughput& throughput = results.designs[0].throughput;
    ASSERT_EQ(throughput.flows.size(), 2u);
    EXPECT_GT(throughput.goodputBps, 0.5 * static_cast<double>(scenario.links[0].rateBps));
    EXPECT_LE(throughput.goodputBps, static_cast<double>(scenario.links[0].rateBps));
}

} // namespace
} // namespace tunnelsim
