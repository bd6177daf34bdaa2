// LSA aging over hours of simulated time: self-originated LSAs are refreshed every
// LSRefreshTime (RFC 2328 s12.4), and the LSA of a router that nobody hears from any more
// reaches MaxAge and leaves the database (s14). A router whose own LSA reaches
// MaxSequenceNumber flushes it and starts again at InitialSequenceNumber (s12.1.6).
//
//   R1 ======================== R2 ------ 192.168.2.0/24 (passive)
//   1.1.1.1   10.0.0.0/30      2.2.2.2
//             5 Mb/s, 2 ms
#include "ns3/csma-helper.h"
#include "ns3/inet-socket-address.h"
#include "ns3/ipv4-address-helper.h"
#include "ns3/ipv4-raw-socket-factory.h"
#include "ns3/point-to-point-helper.h"
#include "ns3/string.h"
#include "ospf-packet.h"
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

// R2 sends R1 a copy of R1's own router-LSA with the largest sequence number, as a
// neighbour that still held an instance from before a restart could. R1 must take the
// sequence space back (s13.4, then s12.1.6): flush that instance, wait until it has left
// the database, and originate again at InitialSequenceNumber.
TEST(OspfAging, SequenceNumberWraps)
{
    OspfSimulation simulation;
    Network net = Build();
    ns3::Ptr<ns3::Node> r1 = net.routers.Get(0);
    ns3::Ptr<ns3::Node> r2 = net.routers.Get(1);
    // RFC 2328 A.1: OSPF runs directly over IP, protocol number 89.
    constexpr uint32_t kOspfProtocol = 89;
    const ns3::Ipv4Address r1Link("10.0.0.1");

    ns3::Simulator::Schedule(
        ns3::Seconds(30),
        [&]()
        {
            std::optional<Lsa> own = RouterLsaOf(r2, kRouter1Id);
            ASSERT_TRUE(own.has_value());
            own->header.sequenceNumber = kMaxSequenceNumber;
            own->header.age = 1;
            OspfPacket update;
            update.header.routerId = kRouter2Id.Get();
            update.body = OspfLinkStateUpdate{{*own}, {}};
            const Bytes bytes = EncodeOspfPacket(update);
            ns3::Ptr<ns3::Socket> socket
                = ns3::Socket::CreateSocket(r2, ns3::Ipv4RawSocketFactory::GetTypeId());
            socket->SetAttribute("Protocol", ns3::UintegerValue(kOspfProtocol));
            socket->SendTo(ns3::Create<ns3::Packet>(bytes.data(), bytes.size()), 0,
                           ns3::InetSocketAddress(r1Link, 0));
        });
    std::optional<int32_t> sequenceAt31;
    ns3::Simulator::Schedule(ns3::Seconds(31),
                             [&]()
                             {
                                 if (auto lsa = RouterLsaOf(r1, kRouter1Id))
                                 {
                                     sequenceAt31 = lsa->header.sequenceNumber;
                                 }
                             });
    ns3::Simulator::Stop(ns3::Seconds(60));
    ns3::Simulator::Run();

    // At 31 s R1 still has the flushed instance, or none once it has left the database.
    EXPECT_NE(sequenceAt31, std::optional<int32_t>(kInitialSequenceNumber));
    for (ns3::Ptr<ns3::Node> holder : {r1, r2})
    {
        std::optional<Lsa> lsa = RouterLsaOf(holder, kRouter1Id);
        ASSERT_TRUE(lsa.has_value()) << holder->GetId();
        EXPECT_EQ(lsa->header.sequenceNumber, kInitialSequenceNumber) << holder->GetId();
        EXPECT_LT(lsa->header.age, kMaxAge) << holder->GetId();
    }
    ASSERT_EQ(Ospf(r1)->GetRoutes().size(), 1u);
    EXPECT_EQ(Ospf(r1)->GetRoutes()[0].network, ns3::Ipv4Address("192.168.2.0"));
}

} // namespace
} // namespace tunnelsim::test
