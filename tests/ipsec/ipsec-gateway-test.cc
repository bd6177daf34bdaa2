// IPsec between two gateways: policy-based (reachability, drops with their reasons, the
// RFC 4301 s5.2 inbound checks, anti-replay, FlowMonitor, a capture that tshark decrypts),
// route-based over VTIs, and transport mode between the gateways themselves.
//
//  hostA1 10.1.1.0/24 --+                                               +-- 10.2.1.0/24 hostB1
//  hostA2 10.1.2.0/24 --+- gwA -- 192.0.2.0/30 -- wan -- 198.51.100.0/30 -- gwB -+-- hostB2
//  hostA3 10.1.3.0/24 --+     .1              .2     .1                 .2       +-- hostB3
//                                                          (10.2.2.0/24, 10.2.3.0/24)
//
// Each host is 10.x.k.2 on its own point-to-point link, its gateway is 10.x.k.1. Hosts
// and gateways use static default routes. The WAN router has routes to its two links only,
// so no private subnet is reachable except through IPsec.
#include "esp-sa.h"
#include "gre-header.h"
#include "helper/ipsec-helper.h"
#include "ipsec/ipsec-stack.h"
#include "ipv4-header.h"
#include "ns3/core-module.h"
#include "ns3/flow-monitor-helper.h"
#include "ns3/internet-module.h"
#include "ns3/ipv4-flow-classifier.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"
#include "run-command.h"
#include "sa-keys.h"

#include <cstdio>
#include <filesystem>
#include <gtest/gtest.h>
#include <map>
#include <sstream>
#include <vector>

namespace tunnelsim
{
namespace
{

using namespace ns3;
using test::Lines;
using test::RunCommand;

constexpr uint16_t kProbePort = 9;
constexpr uint32_t kProbeSize = 100;
constexpr int kSubnetsPerSite = 3;
constexpr uint64_t kKeySeed = 42;

/// UDP probes: every node listens on kProbePort and counts packets by source address.
class UdpProbes
{
  public:
    void Listen(Ptr<Node> node)
    {
        Ptr<Socket> socket = Socket::CreateSocket(node, UdpSocketFactory::GetTypeId());
        socket->Bind(InetSocketAddress(Ipv4Address::GetAny(), kProbePort));
        socket->SetRecvCallback(MakeCallback(&UdpProbes::Receive, this));
        m_nodeOf[PeekPointer(socket)] = node->GetId();
        m_sockets.push_back(socket);
    }

    /// Send one probe from @p node (from an unbound socket, so RouteOutput gets no source address).
    void Send(Ptr<Node> node, Ipv4Address destination, Time at, uint16_t port = kProbePort)
    {
        Simulator::Schedule(
            at,
            [node, destination, port]()
            {
                Ptr<Socket> socket = Socket::CreateSocket(node, UdpSocketFactory::GetTypeId());
                socket->SendTo(Create<Packet>(kProbeSize), 0, InetSocketAddress(destination, port));
                socket->Close();
            });
    }

    uint32_t Received(Ipv4Address source, Ptr<Node> at) const
    {
        auto it = m_counts.find({source.Get(), at->GetId()});
        return it == m_counts.end() ? 0 : it->second;
    }

    uint32_t Total() const
    {
        uint32_t total = 0;
        for (const auto& [key, count] : m_counts)
        {
            total += count;
        }
        return total;
    }

  private:
    void Receive(Ptr<Socket> socket)
    {
        Address from;
        while (Ptr<Packet> packet = socket->RecvFrom(from))
        {
            const Ipv4Address source = InetSocketAddress::ConvertFrom(from).GetIpv4();
            ++m_counts[{source.Get(), m_nodeOf[PeekPointer(socket)]}];
        }
    }

    std::vector<Ptr<Socket>> m_sockets;
    std::map<Socket*, uint32_t> m_nodeOf;
    std::map<std::pair<uint32_t, uint32_t>, uint32_t> m_counts;
};

/// IPv4 packets one node sends out of one interface, as bytes (from Ipv4L3Protocol "Tx").
class WireLog
{
  public:
    void Attach(Ptr<Node> node, uint32_t interface)
    {
        m_interface = interface;
        node->GetObject<Ipv4L3Protocol>()->TraceConnectWithoutContext(
            "Tx", MakeCallback(&WireLog::Sent, this));
    }

    std::vector<Bytes> packets;

  private:
    void Sent(Ptr<const Packet> packet, Ptr<Ipv4>, uint32_t interface)
    {
        if (interface != m_interface)
        {
            return;
        }
        Bytes bytes(packet->GetSize());
        packet->CopyData(bytes.data(), bytes.size());
        packets.push_back(bytes);
    }

    uint32_t m_interface = 0;
};

/// The two-site network drawn at the top of this file.
class TwoSiteNetwork
{
  public:
    TwoSiteNetwork()
    {
        gwA = CreateObject<Node>();
        wan = CreateObject<Node>();
        gwB = CreateObject<Node>();
        hostsA.Create(kSubnetsPerSite);
        hostsB.Create(kSubnetsPerSite);
        NodeContainer all(gwA, wan, gwB);
        all.Add(hostsA);
        all.Add(hostsB);
        InternetStackHelper internet;
        internet.Install(all);

        PointToPointHelper link;
        link.SetDeviceAttribute("DataRate", StringValue("100Mbps"));
        link.SetChannelAttribute("Delay", StringValue("1ms"));
        Ipv4AddressHelper addresses;

        addresses.SetBase("192.0.2.0", "255.255.255.252");
        Ipv4InterfaceContainer wanA = addresses.Assign(link.Install(gwA, wan));
        publicA = wanA.GetAddress(0);
        wanSideA = wanA.GetAddress(1);
        addresses.SetBase("198.51.100.0", "255.255.255.252");
        Ipv4InterfaceContainer wanB = addresses.Assign(link.Install(wan, gwB));
        wanSideB = wanB.GetAddress(0);
        publicB = wanB.GetAddress(1);

        Ipv4StaticRoutingHelper staticRouting;
        for (int k = 0; k < kSubnetsPerSite; ++k)
        {
            hostAddressesA.push_back(AttachHost(link, gwA, hostsA.Get(k), 1, k + 1));
            hostAddressesB.push_back(AttachHost(link, gwB, hostsB.Get(k), 2, k + 1));
        }
        wanInterfaceA = gwA->GetObject<Ipv4>()->GetInterfaceForAddress(publicA);
        wanInterfaceB = gwB->GetObject<Ipv4>()->GetInterfaceForAddress(publicB);
        staticRouting.GetStaticRouting(gwA->GetObject<Ipv4>())
            ->SetDefaultRoute(wanSideA, wanInterfaceA);
        staticRouting.GetStaticRouting(gwB->GetObject<Ipv4>())
            ->SetDefaultRoute(wanSideB, wanInterfaceB);

        for (Ptr<Node> host : {hostsA.Get(0), hostsA.Get(1), hostsA.Get(2)})
        {
            probes.Listen(host);
        }
        for (Ptr<Node> host : {hostsB.Get(0), hostsB.Get(1), hostsB.Get(2)})
        {
            probes.Listen(host);
        }
        ipsec.SetKeySeed(kKeySeed);
    }

    ~TwoSiteNetwork()
    {
        Simulator::Destroy();
        Names::Clear();
    }

    /// 10.@p site.@p subnet.0/24 between @p gateway (.1) and @p host (.2).
    Ipv4Address AttachHost(PointToPointHelper& link, Ptr<Node> gateway, Ptr<Node> host, int site,
                           int subnet)
    {
        Ipv4AddressHelper addresses;
        const std::string base = "10." + std::to_string(site) + "." + std::to_string(subnet) + ".0";
        addresses.SetBase(base.c_str(), "255.255.255.0");
        Ipv4InterfaceContainer interfaces = addresses.Assign(link.Install(gateway, host));
        Ipv4StaticRoutingHelper staticRouting;
        Ptr<Ipv4> hostIpv4 = host->GetObject<Ipv4>();
        staticRouting.GetStaticRouting(hostIpv4)->SetDefaultRoute(
            interfaces.GetAddress(0), hostIpv4->GetInterfaceForAddress(interfaces.GetAddress(1)));
        return interfaces.GetAddress(1);
    }

    static SelectorPair SubnetPair(int siteLocal, int subnetLocal, int siteRemote, int subnetRemote)
    {
        const auto prefix = [](int site, int subnet)
        {
            return TrafficSelector::FromPrefix(
                (10u << 24) | (uint32_t(site) << 16) | (uint32_t(subnet) << 8), 24);
        };
        return SelectorPair{prefix(siteLocal, subnetLocal), prefix(siteRemote, subnetRemote)};
    }

    /// PROTECT 10.1.i.0/24 <-> 10.2.j.0/24 with a tunnel-mode SA pair.
    IpsecSaPair ProtectPair(int i, int j)
    {
        return ipsec.AddTunnelSaPair(gwA, publicA, gwB, publicB, SubnetPair(1, i, 2, j));
    }

    /// Probe every host pair across the two sites once in each direction.
    void ProbeAllPairs()
    {
        for (int i = 0; i < kSubnetsPerSite; ++i)
        {
            for (int j = 0; j < kSubnetsPerSite; ++j)
            {
                probes.Send(hostsA.Get(i), hostAddressesB[j], Seconds(1.0 + 0.01 * (3 * i + j)));
                probes.Send(hostsB.Get(j), hostAddressesA[i], Seconds(2.0 + 0.01 * (3 * i + j)));
            }
        }
    }

    void Run(Time until = Seconds(5))
    {
        Simulator::Stop(until);
        Simulator::Run();
    }

    Ptr<IpsecStack> StackA() const { return IpsecHelper::GetStack(gwA); }

    Ptr<IpsecStack> StackB() const { return IpsecHelper::GetStack(gwB); }

    Ptr<Node> gwA;
    Ptr<Node> wan;
    Ptr<Node> gwB;
    NodeContainer hostsA;
    NodeContainer hostsB;
    std::vector<Ipv4Address> hostAddressesA;
    std::vector<Ipv4Address> hostAddressesB;
    Ipv4Address publicA;
    Ipv4Address publicB;
    Ipv4Address wanSideA;
    Ipv4Address wanSideB;
    uint32_t wanInterfaceA = 0;
    uint32_t wanInterfaceB = 0;
    IpsecHelper ipsec;
    UdpProbes probes;
};

/// True when @p router's routing has a route to @p destination.
bool
HasRoute(Ptr<Node> router, Ipv4Address destination)
{
    Ptr<Ipv4> ipv4 = router->GetObject<Ipv4>();
    ns3::Ipv4Header header;
    header.SetDestination(destination);
    Socket::SocketErrno error;
    return ipv4->GetRoutingProtocol()->RouteOutput(Create<Packet>(), header, nullptr, error)
           != nullptr;
}

uint8_t
ProtocolOf(const Bytes& packet)
{
    Result<Ipv4Header> header = DecodeIpv4Header(packet);
    return header ? header.Value().protocol : 0;
}

TEST(PolicyBased, NineSubnetPairsBothWays)
{
    TwoSiteNetwork net;
    for (int i = 1; i <= kSubnetsPerSite; ++i)
    {
        for (int j = 1; j <= kSubnetsPerSite; ++j)
        {
            net.ProtectPair(i, j);
        }
    }
    net.ProbeAllPairs();
    net.Run();

    for (int i = 0; i < kSubnetsPerSite; ++i)
    {
        for (int j = 0; j < kSubnetsPerSite; ++j)
        {
            EXPECT_EQ(net.probes.Received(net.hostAddressesA[i], net.hostsB.Get(j)), 1u)
                << "10.1." << i + 1 << ".2 -> 10.2." << j + 1 << ".2";
            EXPECT_EQ(net.probes.Received(net.hostAddressesB[j], net.hostsA.Get(i)), 1u)
                << "10.2." << j + 1 << ".2 -> 10.1." << i + 1 << ".2";
        }
    }
    EXPECT_EQ(net.StackA()->GetSpd()->Count(PolicyAction::Protect), 9u);
    EXPECT_EQ(net.StackB()->GetSpd()->Count(PolicyAction::Protect), 9u);
    EXPECT_EQ(net.StackA()->GetSad()->GetNOutbound(), 9u);
    EXPECT_EQ(net.StackA()->GetSad()->GetNInbound(), 9u);
    EXPECT_EQ(net.StackA()->GetSealedCount(), 9u);
    EXPECT_EQ(net.StackB()->GetOpenedCount(), 9u);
    EXPECT_TRUE(net.StackA()->GetDropCounts().empty());
    EXPECT_TRUE(net.StackB()->GetDropCounts().empty());
}

TEST(PolicyBased, EverySuiteWithEsnDelivers)
{
    for (const EspSuite& suite : AllEspSuites())
    {
        TwoSiteNetwork net;
        net.ipsec.SetSuite(suite);
        net.ipsec.SetExtendedSequenceNumbers(true);
        net.ipsec.SetReplayWindow(kMaxReplayWindow);
        net.ProtectPair(1, 1);
        net.probes.Send(net.hostsA.Get(0), net.hostAddressesB[0], Seconds(1));
        net.probes.Send(net.hostsB.Get(0), net.hostAddressesA[0], Seconds(1.1));
        net.Run();

        EXPECT_EQ(net.probes.Received(net.hostAddressesA[0], net.hostsB.Get(0)), 1u)
            << suite.Name();
        EXPECT_EQ(net.probes.Received(net.hostAddressesB[0], net.hostsA.Get(0)), 1u)
            << suite.Name();
    }
}

TEST(PolicyBased, WanHasNoPrivateRoutes)
{
    TwoSiteNetwork net;
    for (const std::vector<Ipv4Address>* site : {&net.hostAddressesA, &net.hostAddressesB})
    {
        for (Ipv4Address host : *site)
        {
            EXPECT_FALSE(HasRoute(net.wan, host)) << host;
        }
    }
    EXPECT_TRUE(HasRoute(net.wan, net.publicA));
    EXPECT_TRUE(HasRoute(net.wan, net.publicB));
}

TEST(PolicyBased, WireCarriesOnlyEsp)
{
    TwoSiteNetwork net;
    net.ProtectPair(1, 1);
    WireLog wire;
    wire.Attach(net.gwA, net.wanInterfaceA);
    net.probes.Send(net.hostsA.Get(0), net.hostAddressesB[0], Seconds(1));
    net.Run();

    ASSERT_EQ(wire.packets.size(), 1u);
    Result<Ipv4Header> outer = DecodeIpv4Header(wire.packets[0]);
    ASSERT_TRUE(outer.Ok());
    EXPECT_EQ(outer.Value().protocol, kIpProtocolEsp);
    EXPECT_EQ(outer.Value().source, net.publicA.Get());
    EXPECT_EQ(outer.Value().destination, net.publicB.Get());
    // Inner packet: 20-byte IPv4 + 8-byte UDP + probe payload, sealed with the default
    // suite (AES-GCM-128), under a 20-byte outer header.
    const size_t inner = kIpv4MinHeaderSize + 8 + kProbeSize;
    const EspSuite suite{EspCipher::AesGcm128, EspIntegrity::None};
    EXPECT_EQ(wire.packets[0].size(), kIpv4MinHeaderSize + inner + suite.Overhead(inner));
}

TEST(PolicyBased, UnmatchedDropsWithNoPolicy)
{
    TwoSiteNetwork net;
    net.ipsec.SetStackAttribute("DiscardUnmatched", BooleanValue(true));
    net.ProtectPair(1, 1);
    net.probes.Send(net.hostsA.Get(1), net.hostAddressesB[1], Seconds(1));
    net.probes.Send(net.hostsA.Get(0), net.hostAddressesB[0], Seconds(1.1));
    net.Run();

    EXPECT_EQ(net.StackA()->GetDropCount(IpsecDropReason::NoPolicy), 1u);
    EXPECT_EQ(net.probes.Received(net.hostAddressesA[1], net.hostsB.Get(1)), 0u);
    EXPECT_EQ(net.probes.Received(net.hostAddressesA[0], net.hostsB.Get(0)), 1u);
}

TEST(PolicyBased, DiscardEntryDrops)
{
    TwoSiteNetwork net;
    net.ProtectPair(1, 1);
    SecurityPolicy discardAll;
    discardAll.action = PolicyAction::Discard;
    net.ipsec.AddPolicy(net.gwA, discardAll);
    net.probes.Send(net.hostsA.Get(1), net.hostAddressesB[1], Seconds(1));
    net.probes.Send(net.hostsA.Get(0), net.hostAddressesB[0], Seconds(1.1));
    net.Run();

    EXPECT_EQ(net.StackA()->GetDropCount(IpsecDropReason::DiscardPolicy), 1u);
    EXPECT_EQ(net.probes.Received(net.hostAddressesA[1], net.hostsB.Get(1)), 0u);
    EXPECT_EQ(net.probes.Received(net.hostAddressesA[0], net.hostsB.Get(0)), 1u);
    EXPECT_EQ(IpsecHelper::GetDropCounts(net.gwA).at("discard-policy"), 1u);
}

TEST(PolicyBased, BypassEntrySendsInClear)
{
    TwoSiteNetwork net;
    // This test only: the WAN may route the private subnets, so a bypassed packet arrives.
    Ipv4StaticRoutingHelper staticRouting;
    Ptr<Ipv4StaticRouting> wanRoutes = staticRouting.GetStaticRouting(net.wan->GetObject<Ipv4>());
    wanRoutes->AddNetworkRouteTo("10.1.0.0", "255.255.0.0", net.publicA, 1);
    wanRoutes->AddNetworkRouteTo("10.2.0.0", "255.255.0.0", net.publicB, 2);

    net.ipsec.SetStackAttribute("DiscardUnmatched", BooleanValue(true));
    net.ProtectPair(1, 1);
    SecurityPolicy bypass;
    bypass.action = PolicyAction::Bypass;
    bypass.selectors = TwoSiteNetwork::SubnetPair(1, 3, 2, 3);
    net.ipsec.AddPolicy(net.gwA, bypass);
    bypass.selectors = TwoSiteNetwork::SubnetPair(2, 3, 1, 3);
    net.ipsec.AddPolicy(net.gwB, bypass);
    WireLog wire;
    wire.Attach(net.gwA, net.wanInterfaceA);
    net.probes.Send(net.hostsA.Get(2), net.hostAddressesB[2], Seconds(1));
    net.Run();

    EXPECT_EQ(net.probes.Received(net.hostAddressesA[2], net.hostsB.Get(2)), 1u);
    ASSERT_EQ(wire.packets.size(), 1u);
    EXPECT_EQ(ProtocolOf(wire.packets[0]), kIpProtocolUdp);
    EXPECT_EQ(net.StackA()->GetSealedCount(), 0u);
    EXPECT_TRUE(net.StackB()->GetDropCounts().empty());
}

TEST(PolicyBased, ProtectWithoutSaDropsWithNoSa)
{
    TwoSiteNetwork net;
    SecurityPolicy protect;
    protect.action = PolicyAction::Protect;
    protect.selectors = TwoSiteNetwork::SubnetPair(1, 1, 2, 1);
    net.ipsec.AddPolicy(net.gwA, protect);
    net.probes.Send(net.hostsA.Get(0), net.hostAddressesB[0], Seconds(1));
    net.Run();

    EXPECT_EQ(net.StackA()->GetDropCount(IpsecDropReason::NoSa), 1u);
    EXPECT_EQ(net.probes.Received(net.hostAddressesA[0], net.hostsB.Get(0)), 0u);
}

TEST(PolicyBased, AcquireTakesPacketUntilSaExists)
{
    TwoSiteNetwork net;
    net.ipsec.Install(net.gwA);
    net.ipsec.Install(net.gwB);
    std::vector<std::pair<uint32_t, Ptr<Packet>>> acquired;
    net.StackA()->SetAcquireCallback(Callback<bool, uint32_t, Ptr<Packet>>(
        [&acquired](uint32_t policy, Ptr<Packet> packet)
        {
            acquired.emplace_back(policy, packet);
            return true;
        }));

    // The PROTECT entries exist from the start, the SAs only from t = 2 s, like after a
    // key exchange; the queued packet is then sent through ProcessOutbound.
    SecurityPolicy protect;
    protect.action = PolicyAction::Protect;
    protect.selectors = TwoSiteNetwork::SubnetPair(1, 1, 2, 1);
    const uint32_t policyA = net.ipsec.AddPolicy(net.gwA, protect);
    net.probes.Send(net.hostsA.Get(0), net.hostAddressesB[0], Seconds(1));
    Simulator::Schedule(Seconds(2),
                        [&net, &acquired, policyA]()
                        {
                            ASSERT_EQ(acquired.size(), 1u);
                            EXPECT_EQ(acquired[0].first, policyA);
                            // Replace the entry by a complete pair (entry and SAs on both
                            // gateways).
                            net.StackA()->GetSpd()->Remove(policyA);
                            net.ProtectPair(1, 1);
                            net.StackA()->ProcessOutbound(acquired[0].second);
                        });
    net.Run();

    EXPECT_EQ(net.StackA()->GetDropCount(IpsecDropReason::NoSa), 0u);
    EXPECT_EQ(net.probes.Received(net.hostAddressesA[0], net.hostsB.Get(0)), 1u);
}

/// An IPv4 + UDP packet with a valid UDP checksum (RFC 768 pseudo-header).
Bytes
MakeUdpPacket(Ipv4Address source, Ipv4Address destination, uint16_t port, size_t payloadSize)
{
    const size_t udpLength = 8 + payloadSize;
    Bytes udp(udpLength, 0);
    WriteU16(udp.data(), 40000);
    WriteU16(udp.data() + 2, port);
    WriteU16(udp.data() + 4, static_cast<uint16_t>(udpLength));
    Bytes pseudo;
    AppendU32(pseudo, source.Get());
    AppendU32(pseudo, destination.Get());
    AppendU16(pseudo, kIpProtocolUdp);
    AppendU16(pseudo, static_cast<uint16_t>(udpLength));
    pseudo.insert(pseudo.end(), udp.begin(), udp.end());
    WriteU16(udp.data() + 6, InternetChecksum(pseudo));

    Ipv4Header header;
    header.totalLength = static_cast<uint16_t>(kIpv4MinHeaderSize + udpLength);
    header.ttl = 63;
    header.protocol = kIpProtocolUdp;
    header.source = source.Get();
    header.destination = destination.Get();
    Bytes packet;
    EncodeIpv4Header(header, packet);
    packet.insert(packet.end(), udp.begin(), udp.end());
    return packet;
}

TEST(PolicyBased, InboundPolicyMismatchDrops)
{
    TwoSiteNetwork net;
    const IpsecSaPair pair11 = net.ProtectPair(1, 1);
    net.ProtectPair(2, 2);

    // Seal by hand with the keys of SA (1,1) from A to B, as a misbehaving peer would.
    EspSaConfig config;
    config.spi = pair11.spiAToB;
    config.suite = EspSuite{EspCipher::AesGcm128, EspIntegrity::None};
    const SaKeys keys
        = DeriveSaKeys(kKeySeed, config.spi, SaKeyDirection::InitiatorToResponder, config.suite);
    config.encryptionKey = keys.encryptionKey;
    EspEncoder encoder(config);

    const auto sendSealed = [&net, &encoder](Ipv4Address source, Ipv4Address destination)
    {
        Bytes esp;
        const Bytes inner = MakeUdpPacket(source, destination, kProbePort, kProbeSize);
        ASSERT_TRUE(encoder.Seal(kIpProtocolIpInIp, inner, esp).Ok());
        net.gwA->GetObject<Ipv4>()->Send(Create<Packet>(esp.data(), esp.size()), net.publicA,
                                         net.publicB, kIpProtocolEsp, nullptr);
    };
    // Inside SA (1,1)'s selectors: delivered, which shows the hand-made packet is valid.
    Simulator::Schedule(Seconds(1),
                        [&]()
                        {
                            sendSealed(net.hostAddressesA[0], net.hostAddressesB[0]);
                        });
    // Subnet pair (2,2) belongs to another SA: RFC 4301 s5.2 step 4 drops it.
    Simulator::Schedule(Seconds(1.1),
                        [&]()
                        {
                            sendSealed(net.hostAddressesA[1], net.hostAddressesB[1]);
                        });
    net.Run();

    EXPECT_EQ(net.probes.Received(net.hostAddressesA[0], net.hostsB.Get(0)), 1u);
    EXPECT_EQ(net.probes.Received(net.hostAddressesA[1], net.hostsB.Get(1)), 0u);
    EXPECT_EQ(net.StackB()->GetDropCount(IpsecDropReason::InboundPolicyMismatch), 1u);
    Ptr<SecurityAssociation> sa = net.StackB()->GetSad()->FindInbound(pair11.spiAToB);
    ASSERT_NE(sa, nullptr);
    EXPECT_EQ(sa->GetCounters().drops.at(IpsecDropReason::InboundPolicyMismatch), 1u);
}

TEST(PolicyBased, UnknownSpiDrops)
{
    TwoSiteNetwork net;
    const IpsecSaPair pair = net.ProtectPair(1, 1);
    Simulator::Schedule(Seconds(1),
                        [&net, &pair]()
                        {
                            Bytes esp(64, 0);
                            WriteU32(esp.data(), pair.spiAToB + 100);
                            WriteU32(esp.data() + 4, 1);
                            net.gwA->GetObject<Ipv4>()->Send(Create<Packet>(esp.data(), esp.size()),
                                                             net.publicA, net.publicB,
                                                             kIpProtocolEsp, nullptr);
                        });
    net.Run();

    EXPECT_EQ(net.StackB()->GetDropCount(IpsecDropReason::UnknownSpi), 1u);
}

TEST(PolicyBased, DuplicatedEspIsReplayed)
{
    TwoSiteNetwork net;
    net.ProtectPair(1, 1);
    WireLog wire;
    wire.Attach(net.gwA, net.wanInterfaceA);
    net.probes.Send(net.hostsA.Get(0), net.hostAddressesB[0], Seconds(1));
    // Put a copy of the first ESP packet on the wire again, as a duplicating network would.
    Simulator::Schedule(Seconds(1.5),
                        [&net, &wire]()
                        {
                            ASSERT_EQ(wire.packets.size(), 1u);
                            const Bytes& sent = wire.packets[0];
                            const Bytes esp(sent.begin() + kIpv4MinHeaderSize, sent.end());
                            net.gwA->GetObject<Ipv4>()->Send(Create<Packet>(esp.data(), esp.size()),
                                                             net.publicA, net.publicB,
                                                             kIpProtocolEsp, nullptr);
                        });
    net.Run();

    EXPECT_EQ(net.StackB()->GetDropCount(IpsecDropReason::Replayed), 1u);
    EXPECT_EQ(net.probes.Received(net.hostAddressesA[0], net.hostsB.Get(0)), 1u);
}

TEST(PolicyBased, FlowMonitorCountsTunnelFlows)
{
    TwoSiteNetwork net;
    for (int i = 1; i <= kSubnetsPerSite; ++i)
    {
        net.ProtectPair(i, i);
    }
    constexpr int kPacketsPerFlow = 10;
    for (int k = 0; k < kSubnetsPerSite; ++k)
    {
        for (int n = 0; n < kPacketsPerFlow; ++n)
        {
            net.probes.Send(net.hostsA.Get(k), net.hostAddressesB[k], Seconds(1 + 0.01 * n));
        }
    }
    FlowMonitorHelper flowmon;
    Ptr<FlowMonitor> monitor = flowmon.InstallAll();
    net.Run();
    monitor->CheckForLostPackets();

    const FlowMonitor::FlowStatsContainer stats = monitor->GetFlowStats();
    auto classifier = DynamicCast<Ipv4FlowClassifier>(flowmon.GetClassifier());
    // One probe socket per packet, so each packet is its own flow (own source port).
    EXPECT_EQ(stats.size(), size_t(kSubnetsPerSite * kPacketsPerFlow));
    for (const auto& [flowId, flow] : stats)
    {
        const Ipv4FlowClassifier::FiveTuple tuple = classifier->FindFlow(flowId);
        EXPECT_EQ(tuple.protocol, kIpProtocolUdp) << "flow " << flowId;
        EXPECT_EQ(flow.txPackets, 1u) << "flow " << flowId;
        EXPECT_EQ(flow.rxPackets, 1u) << "flow " << flowId;
        EXPECT_EQ(flow.lostPackets, 0u) << "flow " << flowId;
    }
}

/// A cleartext UDP packet from a remote-site host, injected at the WAN router towards site A.
void
InjectCleartextAtWan(TwoSiteNetwork& net, Ipv4Address source, Ipv4Address destination)
{
    Ipv4StaticRoutingHelper staticRouting;
    staticRouting.GetStaticRouting(net.wan->GetObject<Ipv4>())
        ->AddNetworkRouteTo("10.1.0.0", "255.255.0.0", net.publicA, 1);
    Simulator::Schedule(
        Seconds(1),
        [&net, source, destination]()
        {
            const Bytes packet = MakeUdpPacket(source, destination, kProbePort, kProbeSize);
            const Bytes udp(packet.begin() + kIpv4MinHeaderSize, packet.end());
            net.wan->GetObject<Ipv4>()->Send(Create<Packet>(udp.data(), udp.size()), source,
                                             destination, kIpProtocolUdp, nullptr);
        });
}

TEST(PolicyBased, CleartextForProtectedPairDrops)
{
    TwoSiteNetwork net;
    net.ProtectPair(1, 1);
    InjectCleartextAtWan(net, net.hostAddressesB[0], net.hostAddressesA[0]);
    net.Run();

    EXPECT_EQ(net.StackA()->GetDropCount(IpsecDropReason::UnprotectedTraffic), 1u);
    EXPECT_EQ(net.probes.Received(net.hostAddressesB[0], net.hostsA.Get(0)), 0u);
}

TEST(PolicyBased, CleartextPassesWithCheckOff)
{
    TwoSiteNetwork net;
    net.ipsec.SetStackAttribute("InboundCleartextCheck", BooleanValue(false));
    net.ProtectPair(1, 1);
    InjectCleartextAtWan(net, net.hostAddressesB[0], net.hostAddressesA[0]);
    net.Run();

    EXPECT_EQ(net.StackA()->GetDropCount(IpsecDropReason::UnprotectedTraffic), 0u);
    EXPECT_EQ(net.probes.Received(net.hostAddressesB[0], net.hostsA.Get(0)), 1u);
}
TEST(PolicyBased, CaptureDecryptsWithTshark)
{
    const std::filesystem::path dir
        = std::filesystem::path(TUNNELSIM_BINARY_DIR) / "ipsec-gateway-test" / "tshark";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);

    TwoSiteNetwork net;
    net.ipsec.SetSuite(EspSuite{EspCipher::AesCbc128, EspIntegrity::HmacSha256_128});
    net.ProtectPair(1, 1);
    net.ipsec.SetSuite(EspSuite{EspCipher::AesGcm256, EspIntegrity::None});
    net.ProtectPair(2, 2);
    net.probes.Send(net.hostsA.Get(0), net.hostAddressesB[0], Seconds(1));
    net.probes.Send(net.hostsB.Get(1), net.hostAddressesA[1], Seconds(1.1));
    PointToPointHelper link;
    link.EnablePcapAll((dir / "capture").string());
    const uint32_t wanDevice
        = net.gwA->GetObject<Ipv4>()->GetNetDevice(net.wanInterfaceA)->GetIfIndex();
    const std::string wanCapture = (dir
                                    / ("capture-" + std::to_string(net.gwA->GetId()) + "-"
                                       + std::to_string(wanDevice) + ".pcap"))
                                       .string();
    net.Run();
    // The pcap writers flush when the simulator is destroyed.
    Simulator::Destroy();

    // Every point-to-point device has a capture; the hidden ipsec devices have none.
    size_t captures = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir))
    {
        captures += entry.path().extension() == ".pcap";
    }
    EXPECT_EQ(captures, 2u * (2 + 2 * kSubnetsPerSite));

    // Wireshark reads the SA table from esp_sa in its personal configuration directory.
    net.ipsec.WriteWiresharkSaFile((dir / "esp_sa").string());
    const std::optional<std::string> output
        = RunCommand("WIRESHARK_CONFIG_DIR='" + dir.string() + "' tshark -r '" + wanCapture
                     + "' -o esp.enable_encryption_decode:TRUE"
                       " -o esp.enable_authentication_check:TRUE -T fields -E separator=/t"
                       " -E occurrence=a -e frame.protocols -e esp.icv_good -e ip.src -e ip.dst"
                       " 2>/dev/null");
    ASSERT_TRUE(output.has_value()) << "tshark failed; is tshark 4.0 installed?";
    const std::vector<std::string> lines = Lines(*output);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0], "ppp:ip:esp:ip:udp:data\t1\t192.0.2.1,10.1.1.2\t198.51.100.2,10.2.1.2");
    EXPECT_EQ(lines[1], "ppp:ip:esp:ip:udp:data\t1\t198.51.100.2,10.2.2.2\t192.0.2.1,10.1.2.2");
}

TEST(Vti, NineSubnetPairsBothWays)
{
    TwoSiteNetwork net;
    NetDeviceContainer vtis = net.ipsec.CreateVti(net.gwA, net.publicA, net.gwB, net.publicB,
                                                  "172.16.0.0", "255.255.255.252");
    Ipv4StaticRoutingHelper staticRouting;
    Ptr<Ipv4> ipv4A = net.gwA->GetObject<Ipv4>();
    Ptr<Ipv4> ipv4B = net.gwB->GetObject<Ipv4>();
    staticRouting.GetStaticRouting(ipv4A)->AddNetworkRouteTo(
        "10.2.0.0", "255.255.0.0", ipv4A->GetInterfaceForDevice(vtis.Get(0)));
    staticRouting.GetStaticRouting(ipv4B)->AddNetworkRouteTo(
        "10.1.0.0", "255.255.0.0", ipv4B->GetInterfaceForDevice(vtis.Get(1)));
    WireLog wire;
    wire.Attach(net.gwA, net.wanInterfaceA);
    uint32_t receivedOnVtiB = 0;
    vtis.Get(1)->TraceConnectWithoutContext("MacRx", Callback<void, Ptr<const Packet>>(
                                                         [&receivedOnVtiB](Ptr<const Packet>)
                                                         {
                                                             ++receivedOnVtiB;
                                                         }));
    net.ProbeAllPairs();
    net.Run();

    // Packets opened by the VTI-bound SA come out of the VTI device.
    EXPECT_EQ(receivedOnVtiB, 9u);
    for (int i = 0; i < kSubnetsPerSite; ++i)
    {
        for (int j = 0; j < kSubnetsPerSite; ++j)
        {
            EXPECT_EQ(net.probes.Received(net.hostAddressesA[i], net.hostsB.Get(j)), 1u)
                << "10.1." << i + 1 << ".2 -> 10.2." << j + 1 << ".2";
            EXPECT_EQ(net.probes.Received(net.hostAddressesB[j], net.hostsA.Get(i)), 1u)
                << "10.2." << j + 1 << ".2 -> 10.1." << i + 1 << ".2";
        }
    }
    // Route-based: no SPD entries, one SA pair, every packet on the WAN is ESP.
    EXPECT_EQ(net.StackA()->GetSpd()->GetN(), 0u);
    EXPECT_EQ(net.StackA()->GetSad()->GetNOutbound(), 1u);
    EXPECT_EQ(net.StackA()->GetSad()->GetNInbound(), 1u);
    EXPECT_EQ(wire.packets.size(), 9u);
    for (const Bytes& packet : wire.packets)
    {
        EXPECT_EQ(ProtocolOf(packet), kIpProtocolEsp);
    }
    EXPECT_EQ(ipv4A->GetAddress(ipv4A->GetInterfaceForDevice(vtis.Get(0)), 0).GetLocal(),
              Ipv4Address("172.16.0.1"));
    EXPECT_EQ(vtis.Get(0)->GetMtu(),
              IpsecHelper::ComputeVtiMtu(EspSuite{EspCipher::AesGcm128, EspIntegrity::None}));
}

TEST(Vti, MissingSaDropsWithNoSa)
{
    TwoSiteNetwork net;
    IpsecSaPair pair;
    NetDeviceContainer vtis = net.ipsec.CreateVti(net.gwA, net.publicA, net.gwB, net.publicB,
                                                  "172.16.0.0", "255.255.255.252", pair);
    Ptr<IpsecStack> stackA = net.StackA();
    stackA->GetSad()->Remove(stackA->GetSad()->FindOutboundForDevice(vtis.Get(0)));
    Ipv4StaticRoutingHelper staticRouting;
    Ptr<Ipv4> ipv4A = net.gwA->GetObject<Ipv4>();
    staticRouting.GetStaticRouting(ipv4A)->AddNetworkRouteTo(
        "10.2.0.0", "255.255.0.0", ipv4A->GetInterfaceForDevice(vtis.Get(0)));
    net.probes.Send(net.hostsA.Get(0), net.hostAddressesB[0], Seconds(1));
    net.Run();

    EXPECT_EQ(stackA->GetDropCount(IpsecDropReason::NoSa), 1u);
    EXPECT_EQ(net.probes.Received(net.hostAddressesA[0], net.hostsB.Get(0)), 0u);
}

TEST(Vti, MtuFitsEthernetForEachSuite)
{
    // Largest inner packet whose ESP packet, with a 20-byte outer header, fits 1500 bytes.
    for (const EspSuite& suite : AllEspSuites())
    {
        const uint16_t mtu = IpsecHelper::ComputeVtiMtu(suite);
        EXPECT_LE(kIpv4MinHeaderSize + mtu + suite.Overhead(mtu), kEthernetMtu) << suite.Name();
        EXPECT_GT(kIpv4MinHeaderSize + (mtu + 1) + suite.Overhead(mtu + 1), kEthernetMtu)
            << suite.Name();
    }
}

TEST(Transport, GatewayUdpIsSealed)
{
    TwoSiteNetwork net;
    net.ipsec.AddTransportSaPair(net.gwA, net.publicA, net.gwB, net.publicB, kIpProtocolUdp);
    net.probes.Listen(net.gwB);
    WireLog wire;
    wire.Attach(net.gwA, net.wanInterfaceA);
    net.probes.Send(net.gwA, net.publicB, Seconds(1));
    net.Run();

    EXPECT_EQ(net.probes.Received(net.publicA, net.gwB), 1u);
    ASSERT_EQ(wire.packets.size(), 1u);
    Result<Ipv4Header> outer = DecodeIpv4Header(wire.packets[0]);
    ASSERT_TRUE(outer.Ok());
    EXPECT_EQ(outer.Value().protocol, kIpProtocolEsp);
    EXPECT_EQ(outer.Value().source, net.publicA.Get());
    EXPECT_EQ(outer.Value().destination, net.publicB.Get());
    // Transport mode: the packet's own header, then ESP around the UDP datagram only.
    const size_t udp = 8 + kProbeSize;
    const EspSuite suite{EspCipher::AesGcm128, EspIntegrity::None};
    EXPECT_EQ(wire.packets[0].size(), kIpv4MinHeaderSize + udp + suite.Overhead(udp));
    EXPECT_EQ(net.StackB()->GetOpenedCount(), 1u);
}

/// GRE packets that gwA itself emits (protocol 47, from its public address), received
/// whole by a raw socket on gwB.
class GreFromGateway
{
  public:
    explicit GreFromGateway(TwoSiteNetwork& net)
      : m_net(net)
    {
        Ptr<Socket> raw = Socket::CreateSocket(net.gwB, Ipv4RawSocketFactory::GetTypeId());
        raw->SetAttribute("Protocol", UintegerValue(kIpProtocolGre));
        raw->SetRecvCallback(MakeCallback(&GreFromGateway::Receive, this));
        m_socket = raw;
        const Bytes inner = MakeUdpPacket("10.1.1.2", "10.2.1.2", kProbePort, kProbeSize);
        EncodeGre(GreHeader{}, inner, sent);
    }

    void SendAt(Time at)
    {
        Simulator::Schedule(at,
                            [this]()
                            {
                                m_net.gwA->GetObject<Ipv4>()->Send(
                                    Create<Packet>(sent.data(), sent.size()), m_net.publicA,
                                    m_net.publicB, kIpProtocolGre, nullptr);
                            });
    }

    Bytes sent;
    std::vector<Bytes> received; ///< GRE header and payload, outer IPv4 header removed

  private:
    void Receive(Ptr<Socket> socket)
    {
        while (Ptr<Packet> packet = socket->Recv())
        {
            Bytes bytes(packet->GetSize());
            packet->CopyData(bytes.data(), bytes.size());
            received.emplace_back(bytes.begin() + kIpv4MinHeaderSize, bytes.end());
        }
    }

    TwoSiteNetwork& m_net;
    Ptr<Socket> m_socket;
};

TEST(Transport, GreFromGatewayIsSealed)
{
    TwoSiteNetwork net;
    net.ipsec.AddTransportSaPair(net.gwA, net.publicA, net.gwB, net.publicB, kIpProtocolGre);
    GreFromGateway gre(net);
    WireLog wire;
    wire.Attach(net.gwA, net.wanInterfaceA);
    gre.SendAt(Seconds(1));
    net.Run();

    ASSERT_EQ(wire.packets.size(), 1u);
    EXPECT_EQ(ProtocolOf(wire.packets[0]), kIpProtocolEsp);
    const EspSuite suite{EspCipher::AesGcm128, EspIntegrity::None};
    EXPECT_EQ(wire.packets[0].size(),
              kIpv4MinHeaderSize + gre.sent.size() + suite.Overhead(gre.sent.size()));
    ASSERT_EQ(gre.received.size(), 1u);
    EXPECT_EQ(ToHex(gre.received[0]), ToHex(gre.sent));
}

TEST(Tunnel, GreFromGatewayIsSealed)
{
    TwoSiteNetwork net;
    TrafficSelector local = TrafficSelector::FromAddress(net.publicA.Get(), kIpProtocolGre);
    TrafficSelector remote = TrafficSelector::FromAddress(net.publicB.Get(), kIpProtocolGre);
    net.ipsec.AddTunnelSaPair(net.gwA, net.publicA, net.gwB, net.publicB, {local, remote});
    GreFromGateway gre(net);
    WireLog wire;
    wire.Attach(net.gwA, net.wanInterfaceA);
    gre.SendAt(Seconds(1));
    net.Run();

    ASSERT_EQ(wire.packets.size(), 1u);
    EXPECT_EQ(ProtocolOf(wire.packets[0]), kIpProtocolEsp);
    // Tunnel mode: ESP around the whole GRE packet, its IPv4 header included.
    const size_t inner = kIpv4MinHeaderSize + gre.sent.size();
    const EspSuite suite{EspCipher::AesGcm128, EspIntegrity::None};
    EXPECT_EQ(wire.packets[0].size(), kIpv4MinHeaderSize + inner + suite.Overhead(inner));
    ASSERT_EQ(gre.received.size(), 1u);
    EXPECT_EQ(ToHex(gre.received[0]), ToHex(gre.sent));
}

TEST(Transport, IkePortsBypass)
{
    TwoSiteNetwork net;
    net.ipsec.AddTransportSaPair(net.gwA, net.publicA, net.gwB, net.publicB, kIpProtocolUdp);
    WireLog wire;
    wire.Attach(net.gwA, net.wanInterfaceA);
    net.probes.Send(net.gwA, net.publicB, Seconds(1), kIkeUdpPort);
    net.probes.Send(net.gwA, net.publicB, Seconds(1.1), kIkeNatTraversalUdpPort);
    net.Run();

    ASSERT_EQ(wire.packets.size(), 2u);
    EXPECT_EQ(ProtocolOf(wire.packets[0]), kIpProtocolUdp);
    EXPECT_EQ(ProtocolOf(wire.packets[1]), kIpProtocolUdp);
    EXPECT_EQ(net.StackA()->GetSealedCount(), 0u);
}

} // namespace
} // namespace tunnelsim
