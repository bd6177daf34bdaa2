// Two OSPF routers over a GRE tunnel (RFC 2784): OSPF runs on the tunnel interface as on a
// point-to-point link, stays off the WAN interface that carries the tunnel, and the LAN
// routes it learns send traffic through the tunnel.
//
//   H1 ---- R1 ========== GRE tunnel 172.16.0.0/30 ========== R2 ---- H2
//   192.168.1.0/24  \                                        /  192.168.2.0/24
//   (passive)        +---- WAN 203.0.113.0/30, 5 Mb/s, 2 ms --+  (passive)
//                          (PointToPoint, OSPF excluded)
//
//   R1: 1.1.1.1, tunnel 172.16.0.1, WAN 203.0.113.1
//   R2: 2.2.2.2, tunnel 172.16.0.2, WAN 203.0.113.2
#include "gre-helper.h"
#include "gre-tunnel-net-device.h"
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
const ns3::Time kWanDelay = ns3::MilliSeconds(2);
const ns3::DataRate kWanRate("5Mbps");

struct Network
{
    ns3::NodeContainer routers;
    ns3::NodeContainer hosts;
    ns3::NetDeviceContainer tunnels;
    ns3::Ptr<ns3::NetDevice> wan1;
    ns3::Ipv4Address host2Address;
};

Network
Build()
{
    Network net;
    net.routers.Create(2);
    net.hosts.Create(2);

    ns3::PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", ns3::DataRateValue(kWanRate));
    p2p.SetChannelAttribute("Delay", ns3::TimeValue(kWanDelay));
    ns3::NetDeviceContainer wan = p2p.Install(net.routers.Get(0), net.routers.Get(1));
    ns3::CsmaHelper csma;
    csma.SetChannelAttribute("DataRate", ns3::StringValue("100Mbps"));
    ns3::NetDeviceContainer lan1
        = csma.Install(ns3::NodeContainer(net.routers.Get(0), net.hosts.Get(0)));
    ns3::NetDeviceContainer lan2
        = csma.Install(ns3::NodeContainer(net.routers.Get(1), net.hosts.Get(1)));

    OspfHelper ospf;
    ospf.SetRouterId(net.routers.Get(0), kRouter1Id);
    ospf.SetRouterId(net.routers.Get(1), kRouter2Id);
    InstallRouterStack(net.routers, ospf);
    InstallHostStack(net.hosts);

    ns3::Ipv4AddressHelper addresses;
    addresses.SetBase("203.0.113.0", "255.255.255.252");
    addresses.Assign(wan);
    addresses.SetBase("192.168.1.0", "255.255.255.0");
    ns3::Ipv4InterfaceContainer lan1Addresses = addresses.Assign(lan1);
    addresses.SetBase("192.168.2.0", "255.255.255.0");
    ns3::Ipv4InterfaceContainer lan2Addresses = addresses.Assign(lan2);
    net.host2Address = lan2Addresses.GetAddress(1);
    SetDefaultRoute(net.hosts.Get(0), lan1Addresses.GetAddress(0));
    SetDefaultRoute(net.hosts.Get(1), lan2Addresses.GetAddress(0));

    GreHelper gre;
    net.tunnels = gre.InstallPair(net.routers.Get(0), "203.0.113.1", net.routers.Get(1),
                                  "203.0.113.2", "172.16.0.0", "255.255.255.252");
    net.wan1 = wan.Get(0);

    OspfInterfaceSettings passive;
    passive.passive = true;
    OspfInterfaceSettings excluded;
    excluded.excluded = true;
    Ospf(net.routers.Get(0))->SetInterfaceSettings(InterfaceOf(lan1.Get(0)), passive);
    Ospf(net.routers.Get(1))->SetInterfaceSettings(InterfaceOf(lan2.Get(0)), passive);
    Ospf(net.routers.Get(0))->SetInterfaceSettings(InterfaceOf(wan.Get(0)), excluded);
    Ospf(net.routers.Get(1))->SetInterfaceSettings(InterfaceOf(wan.Get(1)), excluded);
    return net;
}

TEST(OspfGre, FullOverTunnelAfterHelloReply)
{
    OspfSimulation simulation;
    Network net = Build();
    AdjacencyRecorder adjacencies;
    adjacencies.Attach(Ospf(net.routers.Get(0)));
    adjacencies.Attach(Ospf(net.routers.Get(1)));
    ns3::Simulator::Stop(ns3::Seconds(60));
    ns3::Simulator::Run();

    // As on a serial link: the first Hellos cross and list no neighbour, each router replies
    // to the other's after HelloReplyDelay, and the replies bring 2-Way. At least five one-way
    // trips (Hello, reply, three DBDs) and at most twelve, each a full-size GRE packet at
    // most, separate the start from Full, plus the reply delay.
    ns3::TimeValue replyDelay;
    Ospf(net.routers.Get(0))->GetAttribute("HelloReplyDelay", replyDelay);
    const ns3::Time oneWay = kWanDelay + kWanRate.CalculateBytesTxTime(1500 + 2);
    for (auto [router, neighbor] : {std::pair{kRouter1Id, kRouter2Id}, {kRouter2Id, kRouter1Id}})
    {
        auto full = adjacencies.FirstTime(router, neighbor, OspfNeighborState::Full);
        ASSERT_TRUE(full.has_value()) << router;
        EXPECT_GE(*full, replyDelay.Get() + 5 * kWanDelay) << router;
        EXPECT_LE(*full, replyDelay.Get() + 12 * oneWay) << router;
    }
    // Every adjacency change happened on the tunnel interface.
    for (const auto& record : adjacencies.Records())
    {
        const uint32_t tunnel = record.router == kRouter1Id ? InterfaceOf(net.tunnels.Get(0))
                                                            : InterfaceOf(net.tunnels.Get(1));
        EXPECT_EQ(record.change.interface, tunnel);
    }
}

TEST(OspfGre, TunnelIsPointToPoint)
{
    OspfSimulation simulation;
    Network net = Build();
    ns3::Simulator::Stop(ns3::Seconds(1));
    ns3::Simulator::Run();

    ns3::Ptr<OspfRoutingProtocol> r1 = Ospf(net.routers.Get(0));
    EXPECT_EQ(r1->GetInterfaceState(InterfaceOf(net.tunnels.Get(0))),
              OspfInterfaceState::PointToPoint);
    EXPECT_EQ(r1->GetInterfaceState(InterfaceOf(net.wan1)), OspfInterfaceState::Down);
}

TEST(OspfGre, LanRoutesThroughTunnel)
{
    OspfSimulation simulation;
    Network net = Build();
    ns3::Simulator::Stop(ns3::Seconds(60));
    ns3::Simulator::Run();

    const std::vector<OspfRouteInfo> routes = Ospf(net.routers.Get(0))->GetRoutes();
    ASSERT_EQ(routes.size(), 1u);
    EXPECT_EQ(routes[0].network, ns3::Ipv4Address("192.168.2.0"));
    EXPECT_EQ(routes[0].interface, InterfaceOf(net.tunnels.Get(0)));
    EXPECT_EQ(routes[0].nextHop, ns3::Ipv4Address("172.16.0.2"));
    // The tunnel has no data rate, so it costs UnknownRateCost (10); the LAN costs 1.
    EXPECT_EQ(routes[0].cost, 11u);
}

TEST(OspfGre, NoOspfOnWan)
{
    OspfSimulation simulation;
    Network net = Build();
    std::vector<uint32_t> interfaces;
    Ospf(net.routers.Get(0))
        ->TraceConnectWithoutContext(
            "Tx", ns3::Callback<void, OspfPacketType, uint32_t, ns3::Ptr<const ns3::Packet>>(
                      [&interfaces](OspfPacketType, uint32_t interface, ns3::Ptr<const ns3::Packet>)
                      {
                          interfaces.push_back(interface);
                      }));
    ns3::Simulator::Stop(ns3::Seconds(60));
    ns3::Simulator::Run();

    ASSERT_FALSE(interfaces.empty());
    for (uint32_t interface : interfaces)
    {
        EXPECT_EQ(interface, InterfaceOf(net.tunnels.Get(0)));
    }
}

TEST(OspfGre, TrafficCrossesTunnel)
{
    OspfSimulation simulation;
    Network net = Build();
    UdpProbe probe(net.hosts.Get(0), net.hosts.Get(1), net.host2Address, ns3::Seconds(40),
                   ns3::Seconds(59), ns3::MilliSeconds(500));
    auto tunnel = ns3::DynamicCast<GreTunnelNetDevice>(net.tunnels.Get(0));
    ASSERT_TRUE(tunnel);
    ns3::Simulator::Stop(ns3::Seconds(60));
    ns3::Simulator::Run();

    // Converged by 40 s (Full near 10 s, SPF within 25 s): every probe arrives, and each
    // went into R1's tunnel, on top of the OSPF packets it carried.
    EXPECT_EQ(probe.Arrivals().size(), probe.Sent());
    EXPECT_GT(probe.Sent(), 30u);
    EXPECT_GE(tunnel->GetStatistics().encapsulated,
              probe.Sent() + Ospf(net.routers.Get(0))->GetTxCount(OspfPacketType::Hello));
}

} // namespace
} // namespace tunnelsim::test
