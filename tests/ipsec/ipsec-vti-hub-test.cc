// Route-based IPsec, hub and spokes: one gateway with two VTIs to two different peers.
//
//                    10.0.1.0/24
//                       hostH
//                         |
//                        hub  192.0.2.1
//                         |   192.0.2.0/30
//   hostS1 --- spoke1 ---wan--- spoke2 --- hostS2
//  10.1.1.0/24      198.51.100.0/30   203.0.113.0/30      10.2.1.0/24
//           198.51.100.2          203.0.113.2
//
//   VTIs: hub 172.16.0.1 <-> spoke1 172.16.0.2 (172.16.0.0/30)
//         hub 172.16.0.5 <-> spoke2 172.16.0.6 (172.16.0.4/30)
//
// Static routes only: the hub routes 10.1.0.0/16 and 10.2.0.0/16 over the matching VTI;
// each spoke routes 10.0.0.0/8 over its VTI, so spoke-to-spoke traffic transits the hub,
// opened from one SA and sealed again into the other. The WAN router has routes to its
// three links only.
#include "helper/ipsec-helper.h"
#include "ipsec/ipsec-stack.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"

#include <gtest/gtest.h>
#include <map>
#include <vector>

namespace tunnelsim
{
namespace
{

using namespace ns3;

constexpr uint16_t kProbePort = 9;
constexpr uint32_t kProbeSize = 200;

struct Site
{
    Ptr<Node> gateway;
    Ptr<Node> host;
    Ipv4Address hostAddress;
    Ipv4Address publicAddress;
    Ipv4Address wanNextHop;
    uint32_t wanInterface = 0;
};

class HubAndSpokes
{
  public:
    HubAndSpokes()
    {
        wan = CreateObject<Node>();
        InternetStackHelper internet;
        internet.Install(wan);
        link.SetDeviceAttribute("DataRate", StringValue("100Mbps"));
        link.SetChannelAttribute("Delay", StringValue("2ms"));

        hub = MakeSite(internet, "192.0.2.0", "10.0.1.0");
        spoke1 = MakeSite(internet, "198.51.100.0", "10.1.1.0");
        spoke2 = MakeSite(internet, "203.0.113.0", "10.2.1.0");

        ipsec.SetKeySeed(7);
        vtis1 = ipsec.CreateVti(hub.gateway, hub.publicAddress, spoke1.gateway,
                                spoke1.publicAddress, "172.16.0.0", "255.255.255.252", pair1);
        vtis2 = ipsec.CreateVti(hub.gateway, hub.publicAddress, spoke2.gateway,
                                spoke2.publicAddress, "172.16.0.4", "255.255.255.252", pair2);

        RouteOver(hub.gateway, "10.1.0.0", "255.255.0.0", vtis1.Get(0));
        RouteOver(hub.gateway, "10.2.0.0", "255.255.0.0", vtis2.Get(0));
        RouteOver(spoke1.gateway, "10.0.0.0", "255.0.0.0", vtis1.Get(1));
        RouteOver(spoke2.gateway, "10.0.0.0", "255.0.0.0", vtis2.Get(1));

        for (const Site* site : {&hub, &spoke1, &spoke2})
        {
            Listen(site->host);
        }
    }

    ~HubAndSpokes()
    {
        Simulator::Destroy();
        Names::Clear();
    }

    /// A gateway with a WAN link from @p wanNetwork/30 and a host on @p lanNetwork/24.
    Site MakeSite(InternetStackHelper& internet, const char* wanNetwork, const char* lanNetwork)
    {
        Site site;
        site.gateway = CreateObject<Node>();
        site.host = CreateObject<Node>();
        internet.Install(NodeContainer(site.gateway, site.host));
        Ipv4AddressHelper addresses;
        addresses.SetBase(wanNetwork, "255.255.255.252");
        Ipv4InterfaceContainer wanLink = addresses.Assign(link.Install(wan, site.gateway));
        site.wanNextHop = wanLink.GetAddress(0);
        site.publicAddress = wanLink.GetAddress(1);
        addresses.SetBase(lanNetwork, "255.255.255.0");
        Ipv4InterfaceContainer lan = addresses.Assign(link.Install(site.gateway, site.host));
        site.hostAddress = lan.GetAddress(1);

        Ipv4StaticRoutingHelper staticRouting;
        Ptr<Ipv4> gatewayIpv4 = site.gateway->GetObject<Ipv4>();
        site.wanInterface = gatewayIpv4->GetInterfaceForAddress(site.publicAddress);
        staticRouting.GetStaticRouting(gatewayIpv4)
            ->SetDefaultRoute(site.wanNextHop, site.wanInterface);
        Ptr<Ipv4> hostIpv4 = site.host->GetObject<Ipv4>();
        staticRouting.GetStaticRouting(hostIpv4)->SetDefaultRoute(
            lan.GetAddress(0), hostIpv4->GetInterfaceForAddress(site.hostAddress));
        return site;
    }

    static void RouteOver(Ptr<Node> gateway, const char* network, const char* mask,
                          Ptr<NetDevice> vti)
    {
        Ipv4StaticRoutingHelper staticRouting;
        Ptr<Ipv4> ipv4 = gateway->GetObject<Ipv4>();
        staticRouting.GetStaticRouting(ipv4)->AddNetworkRouteTo(network, mask,
                                                                ipv4->GetInterfaceForDevice(vti));
    }

    void Listen(Ptr<Node> node)
    {
        Ptr<Socket> socket = Socket::CreateSocket(node, UdpSocketFactory::GetTypeId());
        socket->Bind(InetSocketAddress(Ipv4Address::GetAny(), kProbePort));
        const uint32_t nodeId = node->GetId();
        socket->SetRecvCallback(Callback<void, Ptr<Socket>>(
            [this, nodeId](Ptr<Socket> s)
            {
                Address from;
                while (s->RecvFrom(from))
                {
                    ++received[{InetSocketAddress::ConvertFrom(from).GetIpv4().Get(), nodeId}];
                }
            }));
        sockets.push_back(socket);
    }

    void Send(const Site& from, const Site& to, Time at)
    {
        Ptr<Node> node = from.host;
        const Ipv4Address destination = to.hostAddress;
        Simulator::Schedule(at,
                            [node, destination]()
                            {
                                Ptr<Socket> socket
                                    = Socket::CreateSocket(node, UdpSocketFactory::GetTypeId());
                                socket->SendTo(Create<Packet>(kProbeSize), 0,
                                               InetSocketAddress(destination, kProbePort));
                                socket->Close();
                            });
    }

    uint32_t Received(const Site& from, const Site& at) const
    {
        auto it = received.find({from.hostAddress.Get(), at.host->GetId()});
        return it == received.end() ? 0 : it->second;
    }

    Ptr<Node> wan;
    PointToPointHelper link;
    Site hub;
    Site spoke1;
    Site spoke2;
    IpsecHelper ipsec;
    IpsecSaPair pair1;
    IpsecSaPair pair2;
    NetDeviceContainer vtis1;
    NetDeviceContainer vtis2;
    std::vector<Ptr<Socket>> sockets;
    std::map<std::pair<uint32_t, uint32_t>, uint32_t> received;
};

TEST(VtiHub, EverySitePairBothWays)
{
    HubAndSpokes net;
    const Site* sites[] = {&net.hub, &net.spoke1, &net.spoke2};
    double at = 1.0;
    for (const Site* from : sites)
    {
        for (const Site* to : sites)
        {
            if (from != to)
            {
                net.Send(*from, *to, Seconds(at));
                at += 0.05;
            }
        }
    }
    Simulator::Stop(Seconds(5));
    Simulator::Run();

    for (const Site* from : sites)
    {
        for (const Site* to : sites)
        {
            if (from != to)
            {
                EXPECT_EQ(net.Received(*from, *to), 1u)
                    << from->hostAddress << " -> " << to->hostAddress;
            }
        }
    }
}

TEST(VtiHub, SpokeTrafficTransitsBothSas)
{
    HubAndSpokes net;
    net.Send(net.spoke1, net.spoke2, Seconds(1));
    net.Send(net.spoke2, net.spoke1, Seconds(1.5));
    Simulator::Stop(Seconds(3));
    Simulator::Run();

    EXPECT_EQ(net.Received(net.spoke1, net.spoke2), 1u);
    EXPECT_EQ(net.Received(net.spoke2, net.spoke1), 1u);
    // The hub opened each packet from one spoke's SA and sealed it into the other's.
    Ptr<IpsecStack> hub = IpsecHelper::GetStack(net.hub.gateway);
    Ptr<SecurityAssociationDatabase> sad = hub->GetSad();
    EXPECT_EQ(hub->GetOpenedCount(), 2u);
    EXPECT_EQ(hub->GetSealedCount(), 2u);
    EXPECT_EQ(sad->FindInbound(net.pair1.spiBToA)->GetCounters().packets, 1u);
    EXPECT_EQ(sad->FindInbound(net.pair2.spiBToA)->GetCounters().packets, 1u);
    EXPECT_EQ(sad->FindOutboundForDevice(net.vtis1.Get(0))->GetCounters().packets, 1u);
    EXPECT_EQ(sad->FindOutboundForDevice(net.vtis2.Get(0))->GetCounters().packets, 1u);
}

TEST(VtiHub, HubHasTwoVtisToDifferentPeers)
{
    HubAndSpokes net;
    Ptr<IpsecStack> hub = IpsecHelper::GetStack(net.hub.gateway);
    EXPECT_TRUE(hub->IsVti(net.vtis1.Get(0)));
    EXPECT_TRUE(hub->IsVti(net.vtis2.Get(0)));
    EXPECT_EQ(hub->GetSad()->GetNOutbound(), 2u);
    EXPECT_EQ(hub->GetSad()->GetNInbound(), 2u);
    EXPECT_EQ(hub->GetSad()->FindOutboundForDevice(net.vtis1.Get(0))->GetConfig().tunnelRemote,
              net.spoke1.publicAddress);
    EXPECT_EQ(hub->GetSad()->FindOutboundForDevice(net.vtis2.Get(0))->GetConfig().tunnelRemote,
              net.spoke2.publicAddress);
}

} // namespace
} // namespace tunnelsim
