/*
 * OSPF over a GRE tunnel: the gateways learn each other's LAN from OSPF Hellos and LSAs
 * that cross the tunnel as multicast (224.0.0.5), so no static route to a LAN is needed.
 *
 *   LAN A 10.1.1.0/24        WAN A 192.0.2.0/30     WAN B 198.51.100.0/30     LAN B 10.2.1.0/24
 *  hostA .2 ---- .1 gwA .1 ------------ .2 router .2 ------------ .1 gwB .1 ---- .2 hostB
 *                    \                                                /
 *                     `======= GRE 172.16.0.1 <-> 172.16.0.2, OSPF ==='
 *
 * Gateways: interface 1 is the LAN (passive: advertised, no Hellos), 2 the WAN (no OSPF,
 * a static default route to the router), 3 the tunnel (OSPF with the defaults of a
 * point-to-point interface, Hellos every second). The router and hosts use static routing.
 */
#include "gre-helper.h"
#include "gre-tunnel-net-device.h"
#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"
#include "ospf-helper.h"

#include <gtest/gtest.h>

namespace tunnelsim
{
namespace
{

using ns3::Ipv4Address;
using ns3::Ptr;
using ns3::Seconds;

const Ipv4Address kPublicA("192.0.2.1");
const Ipv4Address kPublicB("198.51.100.1");
const Ipv4Address kHostA("10.1.1.2");
const Ipv4Address kHostB("10.2.1.2");
constexpr uint32_t kLanInterface = 1;
constexpr uint32_t kWanInterface = 2;
constexpr uint32_t kEchoes = 3;

class GreOspf : public ::testing::Test
{
  protected:
    void TearDown() override { ns3::Simulator::Destroy(); }
};

Ptr<ns3::Ipv4StaticRouting>
StaticRouting(Ptr<ns3::Node> node)
{
    return ns3::Ipv4StaticRoutingHelper().GetStaticRouting(node->GetObject<ns3::Ipv4>());
}

TEST_F(GreOspf, LearnsLanThroughTunnel)
{
    ns3::NodeContainer nodes;
    nodes.Create(5);
    Ptr<ns3::Node> hostA = nodes.Get(0);
    Ptr<ns3::Node> gwA = nodes.Get(1);
    Ptr<ns3::Node> router = nodes.Get(2);
    Ptr<ns3::Node> gwB = nodes.Get(3);
    Ptr<ns3::Node> hostB = nodes.Get(4);

    OspfHelper ospf;
    ospf.Set("HelloInterval", ns3::TimeValue(Seconds(1)));
    ospf.Set("RouterDeadInterval", ns3::TimeValue(Seconds(4)));
    ospf.SetRouterId(gwA, "1.1.1.1");
    ospf.SetRouterId(gwB, "2.2.2.2");
    for (Ptr<ns3::Node> gateway : {gwA, gwB})
    {
        ospf.SetPassiveInterface(gateway, kLanInterface);
        ospf.ExcludeInterface(gateway, kWanInterface);
    }
    ns3::Ipv4ListRoutingHelper list;
    list.Add(ns3::Ipv4StaticRoutingHelper(), 0);
    list.Add(ospf, kOspfRoutingPriority);
    ns3::InternetStackHelper gatewayStack;
    gatewayStack.SetRoutingHelper(list);
    gatewayStack.Install(ns3::NodeContainer(gwA, gwB));
    ns3::InternetStackHelper staticStack;
    staticStack.SetRoutingHelper(ns3::Ipv4StaticRoutingHelper());
    staticStack.Install(ns3::NodeContainer(hostA, router, hostB));

    ns3::PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", ns3::StringValue("100Mbps"));
    p2p.SetChannelAttribute("Delay", ns3::StringValue("2ms"));
    ns3::NetDeviceContainer lanA = p2p.Install(gwA, hostA);
    ns3::NetDeviceContainer lanB = p2p.Install(gwB, hostB);
    ns3::NetDeviceContainer wanA = p2p.Install(gwA, router);
    ns3::NetDeviceContainer wanB = p2p.Install(gwB, router);
    ns3::Ipv4AddressHelper addresses;
    addresses.SetBase("10.1.1.0", "255.255.255.0");
    addresses.Assign(lanA);
    addresses.SetBase("10.2.1.0", "255.255.255.0");
    addresses.Assign(lanB);
    addresses.SetBase("192.0.2.0", "255.255.255.252");
    addresses.Assign(wanA);
    addresses.SetBase("198.51.100.0", "255.255.255.252");
    addresses.Assign(wanB);
    StaticRouting(hostA)->SetDefaultRoute("10.1.1.1", 1);
    StaticRouting(hostB)->SetDefaultRoute("10.2.1.1", 1);
    StaticRouting(gwA)->SetDefaultRoute("192.0.2.2", kWanInterface);
    StaticRouting(gwB)->SetDefaultRoute("198.51.100.2", kWanInterface);

    GreHelper gre;
    ns3::NetDeviceContainer tunnels
        = gre.InstallPair(gwA, kPublicA, gwB, kPublicB, "172.16.0.0", "255.255.255.252");

    ns3::UdpEchoServerHelper server(9);
    server.Install(hostB).Start(Seconds(0));
    ns3::UdpEchoClientHelper client(kHostB, 9);
    client.SetAttribute("MaxPackets", ns3::UintegerValue(kEchoes));
    client.SetAttribute("Interval", ns3::TimeValue(ns3::MilliSeconds(200)));
    ns3::ApplicationContainer app = client.Install(hostA);
    app.Start(Seconds(20));
    uint32_t replies = 0;
    app.Get(0)->TraceConnectWithoutContext(
        "Rx", ns3::MakeCallback(+[](uint32_t* count, Ptr<const ns3::Packet>)
                                {
                                    ++*count;
                                })
                  .Bind(&replies));
    ns3::Simulator::Stop(Seconds(22));
    ns3::Simulator::Run();

    EXPECT_EQ(replies, kEchoes);
    ns3::Ipv4Header probe;
    probe.SetDestination(kHostB);
    ns3::Socket::SocketErrno error;
    Ptr<ns3::Ipv4Route> route = gwA->GetObject<ns3::Ipv4>()->GetRoutingProtocol()->RouteOutput(
        ns3::Create<ns3::Packet>(), probe, nullptr, error);
    ASSERT_TRUE(route);
    EXPECT_EQ(route->GetOutputDevice(), tunnels.Get(0));
    EXPECT_GT(ns3::DynamicCast<GreTunnelNetDevice>(tunnels.Get(1))->GetStatistics().decapsulated,
              kEchoes);
}

} // namespace
} // namespace tunnelsim
