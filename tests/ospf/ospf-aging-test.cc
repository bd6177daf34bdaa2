// LSA aging over hours of simulated time: self-originated LSAs are refreshed every
// LSRefreshTime (RFC 2328 s12.4), and the LSA of a router that nobody hears from any more
// reaches MaxAge and leaves the database (s14).
//
//   R1 ======================== R2 ------ 192.168.2.0/24 (passive)
//   1.1.1.1   10.0.0.0/30      2.2.2.2
//             5 Mb/s, 2 ms
#include "ns3/csma-helper.h"
#include "ns3/ipv4-address-helper.h"
#include "ns3/point-to-point-helper.h"
#include "ns3/string.h"
#include "ospf-test-support.h"

#include <gtest/gtest.h>

namespace tunnelsim::test
{
namespace
{

const ns3::Ipv4Address kRouter1Id("1.1.1.1");
const ns3::Ipv4Address kRouter2Id("2.2.2.2");

struct Network
{
    ns3::NodeContainer routers;
    ns3::Ptr<ns3::NetDevice> link2; ///< R2's serial device
};

Network
Build()
{
    Network net;
    net.routers.Create(2);
    ns3::PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", ns3::StringValue("5Mbps"));
    p2p.SetChannelAttribute("Delay", ns3::TimeValue(ns3::MilliSeconds(2)));
    ns3::NetDeviceContainer link = p2p.Install(net.routers.Get(0), net.routers.Get(1));
    ns3::CsmaHelper csma;
    ns3::NetDeviceContainer lan = csma.Install(ns3::NodeContainer(net.routers.Get(1)));

    OspfHelper ospf;
    ospf.SetRouterId(net.routers.Get(0), kRouter1Id);
    ospf.SetRouterId(net.routers.Get(1), kRouter2Id);
    InstallRouterStack(net.routers, ospf);
    ns3::Ipv4AddressHelper addresses;
    addresses.SetBase("10.0.0.0", "255.255.255.252");
    addresses.Assign(link);
    addresses.SetBase("192.168.2.0", "255.255.255.0");
    addresses.Assign(lan);
    OspfInterfaceSettings passive;
    passive.passive = true;
    Ospf(net.routers.Get(1))->SetInterfaceSettings(InterfaceOf(lan.Get(0)), passive);
    net.link2 = link.Get(1);
    return net;
}

std::optional<Lsa>
RouterLsaOf(ns3::Ptr<ns3::Node> holder, ns3::Ipv4Address origin)
{
    return Ospf(holder)->GetLsa(LsaType::Router, origin, origin);
}

TEST(OspfAging, RefreshKeepsLsasAlive)
{
    OspfSimulation simulation;
    Network net = Build();
    const ns3::Time end = ns3::Seconds(9000);
    ns3::Simulator::Stop(end);
    ns3::Simulator::Run();

    // Originations: at start, at Full (about 10 s), then every LSRefreshTime (1800 s):
    // about 1810 s, 3610 s, 5410 s and 7210 s. That is six instances by 9000 s.
    for (ns3::Ipv4Address origin : {kRouter1Id, kRouter2Id})
    {
        auto own
            = RouterLsaOf(origin == kRouter1Id ? net.routers.Get(0) : net.routers.Get(1), origin);
        ASSERT_TRUE(own.has_value()) << origin;
        EXPECT_EQ(own->header.sequenceNumber, kInitialSequenceNumber + 5) << origin;
        EXPECT_LT(own->header.age, kLsRefreshTime) << origin;
    }
    // R1 has R2's current instance and still routes to R2's LAN.
    auto copy = RouterLsaOf(net.routers.Get(0), kRouter2Id);
    auto original = RouterLsaOf(net.routers.Get(1), kRouter2Id);
    ASSERT_TRUE(copy.has_value());
    ASSERT_TRUE(original.has_value());
    EXPECT_EQ(copy->header.sequenceNumber, original->header.sequenceNumber);
    EXPECT_EQ(copy->header.checksum, original->header.checksum);
    ASSERT_EQ(Ospf(net.routers.Get(0))->GetRoutes().size(), 1u);
    EXPECT_EQ(Ospf(net.routers.Get(0))->GetRoutes()[0].network, ns3::Ipv4Address("192.168.2.0"));
}

TEST(OspfAging, UnreachableLsaAgesOut)
{
    OspfSimulation simulation;
    Network net = Build();
    // R2 loses its only link at 100 s. Its last router-LSA, from about 10 s, stays in R1's
    // database until it reaches MaxAge (3600 s) at about 3610 s.
    ns3::Ptr<ns3::Ipv4> ipv4 = net.routers.Get(1)->GetObject<ns3::Ipv4>();
    ns3::Simulator::Schedule(ns3::Seconds(100), &ns3::Ipv4::SetDown, ipv4, InterfaceOf(net.link2));
    std::optional<bool> presentAt3000;
    std::optional<bool> presentAt3700;
    ns3::Simulator::Schedule(ns3::Seconds(3000),
                             [&]()
                             {
                                 presentAt3000
                                     = RouterLsaOf(net.routers.Get(0), kRouter2Id).has_value();
                             });
    ns3::Simulator::Schedule(ns3::Seconds(3700),
                             [&]()
                             {
                                 presentAt3700
                                     = RouterLsaOf(net.routers.Get(0), kRouter2Id).has_value();
                             });
    ns3::Simulator::Stop(ns3::Seconds(3800));
    ns3::Simulator::Run();

    ASSERT_TRUE(presentAt3000.has_value());
    ASSERT_TRUE(presentAt3700.has_value());
    EXPECT_TRUE(*presentAt3000);
    EXPECT_FALSE(*presentAt3700);
    EXPECT_EQ(Ospf(net.routers.Get(0))->GetLsdbSize(), 1u);
    EXPECT_TRUE(Ospf(net.routers.Get(0))->GetRoutes().empty());
}

} // namespace
} // namespace tunnelsim::test
