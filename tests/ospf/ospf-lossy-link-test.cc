// Reliable exchange over a link that loses packets: the DBD, LS Request and LS Update
// retransmissions (RFC 2328 s10.8, s10.9, s13.6) still bring both routers to identical
// databases and complete routing tables.
//
//   192.168.1.0/24 ---+                                  +--- 192.168.101.0/24
//   192.168.2.0/24 ---+-- R1 ======================== R2 --+--- 192.168.102.0/24
//   ...               |   1.1.1.1  10.0.0.0/30    2.2.2.2  |    ...
//   192.168.8.0/24 ---+            5 Mb/s, 2 ms            +--- 192.168.108.0/24
//                                  10 % of packets lost
//                                  in each direction
#include "ns3/csma-helper.h"
#include "ns3/double.h"
#include "ns3/error-model.h"
#include "ns3/ipv4-address-helper.h"
#include "ns3/point-to-point-helper.h"
#include "ns3/pointer.h"
#include "ns3/rng-seed-manager.h"
#include "ns3/string.h"
#include "ospf-test-support.h"

#include <gtest/gtest.h>

namespace tunnelsim::test
{
namespace
{

constexpr uint32_t kStubsPerRouter = 8;

TEST(OspfLossyLink, ConvergesDespiteLoss)
{
    OspfSimulation simulation;
    ns3::RngSeedManager::SetSeed(1);
    ns3::RngSeedManager::SetRun(1);

    ns3::NodeContainer routers;
    routers.Create(2);
    ns3::PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", ns3::StringValue("5Mbps"));
    p2p.SetChannelAttribute("Delay", ns3::TimeValue(ns3::MilliSeconds(2)));
    ns3::NetDeviceContainer link = p2p.Install(routers.Get(0), routers.Get(1));
    ns3::CsmaHelper csma;
    std::vector<ns3::NetDeviceContainer> stubs;
    for (uint32_t r = 0; r < 2; ++r)
    {
        for (uint32_t i = 0; i < kStubsPerRouter; ++i)
        {
            stubs.push_back(csma.Install(ns3::NodeContainer(routers.Get(r))));
        }
    }

    OspfHelper ospf;
    ospf.SetRouterId(routers.Get(0), "1.1.1.1");
    ospf.SetRouterId(routers.Get(1), "2.2.2.2");
    InstallRouterStack(routers, ospf);
    ns3::Ipv4AddressHelper addresses;
    addresses.SetBase("10.0.0.0", "255.255.255.252");
    addresses.Assign(link);
    for (uint32_t s = 0; s < stubs.size(); ++s)
    {
        const uint32_t third = s < kStubsPerRouter ? s + 1 : 100 + s - kStubsPerRouter + 1;
        addresses.SetBase(ns3::Ipv4Address((192u << 24) | (168u << 16) | (third << 8)),
                          "255.255.255.0");
        addresses.Assign(stubs[s]);
        OspfInterfaceSettings passive;
        passive.passive = true;
        Ospf(stubs[s].Get(0)->GetNode())
            ->SetInterfaceSettings(InterfaceOf(stubs[s].Get(0)), passive);
    }

    uint64_t lost = 0;
    for (uint32_t i = 0; i < 2; ++i)
    {
        auto errors = ns3::CreateObject<ns3::RateErrorModel>();
        errors->SetAttribute("ErrorRate", ns3::DoubleValue(0.1));
        errors->SetAttribute("ErrorUnit", ns3::StringValue("ERROR_UNIT_PACKET"));
        link.Get(i)->SetAttribute("ReceiveErrorModel", ns3::PointerValue(errors));
        link.Get(i)->TraceConnectWithoutContext("PhyRxDrop",
                                                ns3::Callback<void, ns3::Ptr<const ns3::Packet>>(
                                                    [&lost](ns3::Ptr<const ns3::Packet>)
                                                    {
                                                        ++lost;
                                                    }));
    }

    ns3::Simulator::Stop(ns3::Seconds(600));
    ns3::Simulator::Run();

    ns3::Ptr<OspfRoutingProtocol> r1 = Ospf(routers.Get(0));
    ns3::Ptr<OspfRoutingProtocol> r2 = Ospf(routers.Get(1));
    EXPECT_GT(lost, 0u);
    EXPECT_EQ(r1->GetNeighborState("2.2.2.2"), OspfNeighborState::Full);
    EXPECT_EQ(r2->GetNeighborState("1.1.1.1"), OspfNeighborState::Full);
    EXPECT_EQ(r1->GetRoutes().size(), kStubsPerRouter);
    EXPECT_EQ(r2->GetRoutes().size(), kStubsPerRouter);
    // Both databases hold the same instance of both router-LSAs.
    for (ns3::Ipv4Address origin : {ns3::Ipv4Address("1.1.1.1"), ns3::Ipv4Address("2.2.2.2")})
    {
        auto a = r1->GetLsa(LsaType::Router, origin, origin);
        auto b = r2->GetLsa(LsaType::Router, origin, origin);
        ASSERT_TRUE(a.has_value()) << origin;
        ASSERT_TRUE(b.has_value()) << origin;
        EXPECT_EQ(a->header.sequenceNumber, b->header.sequenceNumber) << origin;
        EXPECT_EQ(a->header.checksum, b->header.checksum) << origin;
    }
}

} // namespace
} // namespace tunnelsim::test
