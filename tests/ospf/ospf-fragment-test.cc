// OSPF packets that IPv4 fragments: ns-3 3.37 hands the raw socket each fragment before
// reassembly, so OSPF must count them as fragments, not as malformed packets.
//
//   R1 ============================ R2
//   10.0.0.1      10.0.0.0/30       10.0.0.2
//                 PointToPoint, 5 Mb/s, 2 ms, MTU 80 bytes on both ends
//
//   R1: router ID 1.1.1.1     R2: router ID 2.2.2.2
//
// With an 80-byte MTU a Hello (68 bytes with one neighbour) and a DBD with one LSA header
// (72 bytes) fit, but the LS Update carrying a router-LSA with two links (96 bytes) does
// not: IPv4 sends it as two fragments, which the receiver drops.
#include "ns3/ipv4-address-helper.h"
#include "ns3/point-to-point-helper.h"
#include "ns3/string.h"
#include "ospf-test-support.h"

#include <array>
#include <gtest/gtest.h>

namespace tunnelsim::test
{
namespace
{

const ns3::Ipv4Address kRouter1Id("1.1.1.1");
const ns3::Ipv4Address kRouter2Id("2.2.2.2");
const ns3::Ipv4Address kRouter1Address("10.0.0.1");
const ns3::Ipv4Address kRouter2Address("10.0.0.2");
/// Link MTU in bytes: above the largest Hello and DBD here, below the LS Update.
constexpr uint16_t kSmallMtu = 80;
constexpr uint16_t kEthernetMtu = 1500;
const ns3::Time kRunTime = ns3::Seconds(60);

struct Recorded
{
    DropRecorder drops;
    AdjacencyRecorder adjacency;
    std::array<ns3::Ptr<OspfRoutingProtocol>, 2> ospf;
};

void
BuildAndRun(uint16_t mtu, Recorded& run)
{
    ns3::NodeContainer routers;
    routers.Create(2);
    ns3::PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", ns3::StringValue("5Mbps"));
    p2p.SetChannelAttribute("Delay", ns3::TimeValue(ns3::MilliSeconds(2)));
    ns3::NetDeviceContainer link = p2p.Install(routers.Get(0), routers.Get(1));
    link.Get(0)->SetMtu(mtu);
    link.Get(1)->SetMtu(mtu);

    OspfHelper ospf;
    ospf.SetRouterId(routers.Get(0), kRouter1Id);
    ospf.SetRouterId(routers.Get(1), kRouter2Id);
    InstallRouterStack(routers, ospf);
    ns3::Ipv4AddressHelper addresses;
    addresses.SetBase("10.0.0.0", "255.255.255.252");
    addresses.Assign(link);

    for (size_t r = 0; r < 2; ++r)
    {
        run.ospf[r] = Ospf(routers.Get(static_cast<uint32_t>(r)));
        run.drops.Attach(run.ospf[r]);
        run.adjacency.Attach(run.ospf[r]);
    }
    ns3::Simulator::Stop(kRunTime);
    ns3::Simulator::Run();
}

TEST(OspfFragment, DroppedAsFragment)
{
    OspfSimulation simulation;
    Recorded run;
    BuildAndRun(kSmallMtu, run);

    for (size_t r = 0; r < 2; ++r)
    {
        SCOPED_TRACE(r);
        EXPECT_GT(run.ospf[r]->GetDropCount(OspfDropReason::Fragment), 0U);
        EXPECT_EQ(run.ospf[r]->GetDropCount(OspfDropReason::Malformed), 0U);
    }
    // Each LS Update arrives as two fragments: offset 0 (MF set), then offset 56 (the first
    // fragment's 76 bytes minus the 20-byte header, rounded down to 8, RFC 791 s3.2). The
    // sender retransmits the update every RxmtInterval (5 s) while it stays unacknowledged.
    // The first update may wait behind a DBD on the 5 Mb/s link, hence the tolerance.
    const ns3::Time rxmtInterval = ns3::Seconds(5);
    const ns3::Time kQueueingTolerance = ns3::MilliSeconds(1);
    constexpr uint64_t kSecondFragmentOffset = 56;
    for (ns3::Ipv4Address source : {kRouter1Address, kRouter2Address})
    {
        SCOPED_TRACE(source);
        std::vector<OspfDrop> fromSource;
        for (const OspfDrop& drop : run.drops.Drops())
        {
            ASSERT_EQ(drop.reason, OspfDropReason::Fragment);
            if (drop.source == source)
            {
                fromSource.push_back(drop);
            }
        }
        ASSERT_GE(fromSource.size(), 4U);
        ASSERT_EQ(fromSource.size() % 2, 0U);
        for (size_t i = 0; i < fromSource.size(); i += 2)
        {
            EXPECT_EQ(fromSource[i].received, 0U);
            EXPECT_EQ(fromSource[i + 1].received, kSecondFragmentOffset);
            if (i >= 2)
            {
                ns3::Time gap = fromSource[i].time - fromSource[i - 2].time;
                EXPECT_LE(ns3::Abs(gap - rxmtInterval), kQueueingTolerance) << gap;
            }
        }
    }
}

TEST(OspfFragment, UpdateLostSoNoFullAdjacency)
{
    OspfSimulation simulation;
    Recorded run;
    BuildAndRun(kSmallMtu, run);
    EXPECT_FALSE(run.adjacency.FirstTime(kRouter1Id, kRouter2Id, OspfNeighborState::Full));
}

TEST(OspfFragment, NoneAtEthernetMtu)
{
    OspfSimulation simulation;
    Recorded run;
    BuildAndRun(kEthernetMtu, run);
    for (size_t r = 0; r < 2; ++r)
    {
        EXPECT_EQ(run.ospf[r]->GetDropCount(OspfDropReason::Fragment), 0U);
    }

    EXPECT_TRUE(run.adjacency.FirstTime(kRouter1Id, kRouter2Id, OspfNeighborState::Full));
}

TEST(OspfFragment, ReasonName)
{
    EXPECT_EQ(ToString(OspfDropReason::Fragment), "fragment");
}

} // namespace
} // namespace tunnelsim::test
