/*
 * GRE tunnels on a small ns-3 network: reachability with and without the RFC 2890
 * options, key mismatch, multicast through the tunnel, DF and fragmentation at the tunnel
 * MTU, MSS clamping, recursive routing and keepalives.
 *
 *   LAN A 10.1.1.0/24        WAN A 192.0.2.0/30     WAN B 198.51.100.0/30     LAN B 10.2.1.0/24
 *  hostA .2 ---- .1 gwA .1 ------------ .2 router .2 ------------ .1 gwB .1 ---- .2 hostB
 *                    \                                                /
 *                     `========== GRE 172.16.0.1 <-> 172.16.0.2 ====='
 *
 * The router has only its connected routes, so LAN traffic can cross the WAN only inside
 * GRE. The gateways have a default route to the router and a static route to the other
 * LAN through the tunnel. Links are point-to-point, 100 Mb/s, 2 ms, MTU 1500 unless a test
 * sets another MTU.
 */
#include "gre-drop-reason.h"
#include "gre-helper.h"
#include "gre-l4-protocol.h"
#include "gre-tunnel-mtu.h"
#include "gre-tunnel-net-device.h"
#include "ipv4-header.h"
#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"

#include <cmath>
#include <gtest/gtest.h>
#include <optional>
#include <string>
#include <vector>

namespace tunnelsim
{
namespace
{

using ns3::Ipv4Address;
using ns3::Ipv4Mask;
using ns3::Ptr;
using ns3::Seconds;
using ns3::Time;

const Ipv4Address kPublicA("192.0.2.1");
const Ipv4Address kRouterA("192.0.2.2");
const Ipv4Address kPublicB("198.51.100.1");
const Ipv4Address kRouterB("198.51.100.2");
const Ipv4Address kHostA("10.1.1.2");
const Ipv4Address kHostB("10.2.1.2");
const Ipv4Address kLanA("10.1.1.0");
const Ipv4Address kLanB("10.2.1.0");
const Ipv4Mask kLanMask("255.255.255.0");
const Ipv4Address kTunnelNetwork("172.16.0.0");
const Ipv4Mask kTunnelMask("255.255.255.252");
constexpr uint16_t kWanMtu = 1500;
constexpr double kLinkDelaySeconds = 0.002;
constexpr const char* kLinkRate = "100Mbps";
constexpr uint32_t kKey = 42;
/// Protocol of the probes, which reach no transport protocol: RFC 3692 reserves 253 for
/// experiments.
constexpr uint8_t kProbeProtocol = 253;
constexpr uint8_t kOspfProtocol = 89;
/// ICMP destination unreachable, fragmentation needed and DF set (RFC 792, RFC 1191 s4).
constexpr uint8_t kIcmpDestUnreachable = 3;
constexpr uint8_t kIcmpFragNeeded = 4;

struct TopologyOptions
{
    uint16_t lanMtu = 1500;
};

struct Topology
{
    Ptr<ns3::Node> hostA;
    Ptr<ns3::Node> gwA;
    Ptr<ns3::Node> router;
    Ptr<ns3::Node> gwB;
    Ptr<ns3::Node> hostB;
    ns3::NetDeviceContainer wanA; ///< gwA, router
    ns3::NetDeviceContainer wanB; ///< gwB, router
    Ptr<GreTunnelNetDevice> tunnelA;
    Ptr<GreTunnelNetDevice> tunnelB;
};

Ptr<ns3::Ipv4StaticRouting>
StaticRouting(Ptr<ns3::Node> node)
{
    return ns3::Ipv4StaticRoutingHelper().GetStaticRouting(node->GetObject<ns3::Ipv4>());
}

uint32_t
InterfaceOf(Ptr<ns3::NetDevice> device)
{
    return static_cast<uint32_t>(
        device->GetNode()->GetObject<ns3::Ipv4>()->GetInterfaceForDevice(device));
}

/// Build the network in the header comment, with the tunnel made by @p gre.
Topology
BuildTopology(const GreHelper& gre, const TopologyOptions& options = {})
{
    ns3::NodeContainer nodes;
    nodes.Create(5);
    Topology t;
    t.hostA = nodes.Get(0);
    t.gwA = nodes.Get(1);
    t.router = nodes.Get(2);
    t.gwB = nodes.Get(3);
    t.hostB = nodes.Get(4);

    ns3::InternetStackHelper stack;
    stack.SetRoutingHelper(ns3::Ipv4StaticRoutingHelper());
    stack.Install(nodes);

    ns3::PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", ns3::StringValue(kLinkRate));
    p2p.SetChannelAttribute("Delay", ns3::TimeValue(Seconds(kLinkDelaySeconds)));
    p2p.SetDeviceAttribute("Mtu", ns3::UintegerValue(options.lanMtu));
    ns3::NetDeviceContainer lanA = p2p.Install(t.gwA, t.hostA);
    ns3::NetDeviceContainer lanB = p2p.Install(t.gwB, t.hostB);
    p2p.SetDeviceAttribute("Mtu", ns3::UintegerValue(kWanMtu));
    t.wanA = p2p.Install(t.gwA, t.router);
    t.wanB = p2p.Install(t.gwB, t.router);

    ns3::Ipv4AddressHelper addresses;
    addresses.SetBase(kLanA, kLanMask);
    addresses.Assign(lanA);
    addresses.SetBase(kLanB, kLanMask);
    addresses.Assign(lanB);
    addresses.SetBase("192.0.2.0", "255.255.255.252");
    addresses.Assign(t.wanA);
    addresses.SetBase("198.51.100.0", "255.255.255.252");
    addresses.Assign(t.wanB);

    StaticRouting(t.hostA)->SetDefaultRoute("10.1.1.1", InterfaceOf(lanA.Get(1)));
    StaticRouting(t.hostB)->SetDefaultRoute("10.2.1.1", InterfaceOf(lanB.Get(1)));
    StaticRouting(t.gwA)->SetDefaultRoute(kRouterA, InterfaceOf(t.wanA.Get(0)));
    StaticRouting(t.gwB)->SetDefaultRoute(kRouterB, InterfaceOf(t.wanB.Get(0)));

    ns3::NetDeviceContainer tunnels
        = gre.InstallPair(t.gwA, kPublicA, t.gwB, kPublicB, kTunnelNetwork, kTunnelMask);
    t.tunnelA = ns3::DynamicCast<GreTunnelNetDevice>(tunnels.Get(0));
    t.tunnelB = ns3::DynamicCast<GreTunnelNetDevice>(tunnels.Get(1));
    GreHelper::AddRoute(t.tunnelA, kLanB, kLanMask);
    GreHelper::AddRoute(t.tunnelB, kLanA, kLanMask);
    return t;
}

/// True when @p node has a static route to exactly @p network / @p mask through
/// @p device.
bool
HasRouteThrough(Ptr<ns3::Node> node, Ipv4Address network, Ipv4Mask mask, Ptr<ns3::NetDevice> device)
{
    Ptr<ns3::Ipv4StaticRouting> routing = StaticRouting(node);
    for (uint32_t i = 0; i < routing->GetNRoutes(); ++i)
    {
        const ns3::Ipv4RoutingTableEntry entry = routing->GetRoute(i);
        if (entry.GetDestNetwork() == network && entry.GetDestNetworkMask() == mask
            && entry.GetInterface() == InterfaceOf(device))
        {
            return true;
        }
    }
    return false;
}

/// UDP echo from @p client to @p server: @p count requests from @p start, 200 ms apart.
class Echo
{
  public:
    Echo(Ptr<ns3::Node> client, Ptr<ns3::Node> server, Ipv4Address serverAddress, uint16_t port,
         Time start, uint32_t count, uint32_t size = 100)
    {
        ns3::UdpEchoServerHelper serverHelper(port);
        serverHelper.Install(server).Start(Seconds(0));
        ns3::UdpEchoClientHelper clientHelper(serverAddress, port);
        clientHelper.SetAttribute("MaxPackets", ns3::UintegerValue(count));
        clientHelper.SetAttribute("Interval", ns3::TimeValue(ns3::MilliSeconds(200)));
        clientHelper.SetAttribute("PacketSize", ns3::UintegerValue(size));
        ns3::ApplicationContainer app = clientHelper.Install(client);
        app.Start(start);
        app.Get(0)->TraceConnectWithoutContext("Rx", ns3::MakeCallback(&Echo::HandleReply, this));
    }

    uint32_t Replies() const { return m_replies; }

  private:
    void HandleReply(Ptr<const ns3::Packet>) { ++m_replies; }

    uint32_t m_replies = 0;
};

/// A GRE packet seen on the router, outer header and GRE bytes.
struct WanGrePacket
{
    ns3::Ipv4Header outer;
    Bytes gre;
    Time at;
};

/// Records every GRE packet the router receives.
class WanGreRecorder
{
  public:
    explicit WanGreRecorder(Ptr<ns3::Node> router)
    {
        router->GetObject<ns3::Ipv4L3Protocol>()->TraceConnectWithoutContext(
            "Rx", ns3::MakeCallback(&WanGreRecorder::HandleRx, this));
    }

    const std::vector<WanGrePacket>& Packets() const { return m_packets; }

  private:
    void HandleRx(Ptr<const ns3::Packet> packet, Ptr<ns3::Ipv4>, uint32_t)
    {
        Ptr<ns3::Packet> copy = packet->Copy();
        WanGrePacket seen;
        copy->RemoveHeader(seen.outer);
        if (seen.outer.GetProtocol() != GreL4Protocol::PROT_NUMBER)
        {
            return;
        }
        seen.gre.resize(copy->GetSize());
        copy->CopyData(seen.gre.data(), static_cast<uint32_t>(seen.gre.size()));
        seen.at = ns3::Simulator::Now();
        m_packets.push_back(seen);
    }

    std::vector<WanGrePacket> m_packets;
};

/// Send one IPv4 packet of @p totalSize bytes with a header the test builds itself, so
/// that DF can be set (ns-3's own sockets never set it).
void
SendRawIpv4(Ptr<ns3::Node> node, Ipv4Address source, Ipv4Address destination, uint8_t protocol,
            uint32_t totalSize, bool dontFragment, Ptr<ns3::Packet> payload = nullptr)
{
    Ptr<ns3::Socket> socket
        = ns3::Socket::CreateSocket(node, ns3::Ipv4RawSocketFactory::GetTypeId());
    socket->SetAttribute("Protocol", ns3::UintegerValue(protocol));
    socket->SetAttribute("IpHeaderInclude", ns3::BooleanValue(true));
    Ptr<ns3::Packet> packet = payload ? payload : ns3::Create<ns3::Packet>(totalSize - 20);
    ns3::Ipv4Header header;
    header.SetSource(source);
    header.SetDestination(destination);
    header.SetProtocol(protocol);
    header.SetPayloadSize(packet->GetSize());
    header.SetTtl(64);
    header.SetIdentification(7);
    if (dontFragment)
    {
        header.SetDontFragment();
    }
    header.EnableChecksum();
    packet->AddHeader(header);
    socket->SendTo(packet, 0, ns3::InetSocketAddress(destination, 0));
    socket->Close();
}

/// Packets delivered to a node's transport layer, by protocol.
class LocalDeliveries
{
  public:
    explicit LocalDeliveries(Ptr<ns3::Node> node)
    {
        node->GetObject<ns3::Ipv4L3Protocol>()->TraceConnectWithoutContext(
            "LocalDeliver", ns3::MakeCallback(&LocalDeliveries::HandleDeliver, this));
    }

    struct Delivery
    {
        ns3::Ipv4Header header;
        Ptr<ns3::Packet> packet;
    };

    std::vector<Delivery> OfProtocol(uint8_t protocol) const
    {
        std::vector<Delivery> matching;
        for (const Delivery& delivery : m_deliveries)
        {
            if (delivery.header.GetProtocol() == protocol)
            {
                matching.push_back(delivery);
            }
        }
        return matching;
    }

  private:
    void HandleDeliver(const ns3::Ipv4Header& header, Ptr<const ns3::Packet> packet, uint32_t)
    {
        m_deliveries.push_back({header, packet->Copy()});
    }

    std::vector<Delivery> m_deliveries;
};

class GreTopologyTest : public ::testing::Test
{
  protected:
    void TearDown() override { ns3::Simulator::Destroy(); }
};

// --- Reachability -------------------------------------------------------------------------

TEST_F(GreTopologyTest, RouterHasNoLanRoutes)
{
    GreHelper gre;
    Topology t = BuildTopology(gre);
    ns3::Ipv4Header probe;
    probe.SetDestination(kHostB);
    ns3::Socket::SocketErrno error;
    Ptr<ns3::Ipv4Route> route = t.router->GetObject<ns3::Ipv4>()->GetRoutingProtocol()->RouteOutput(
        ns3::Create<ns3::Packet>(), probe, nullptr, error);
    EXPECT_FALSE(route);
}

TEST_F(GreTopologyTest, PlainReachesBothWays)
{
    GreHelper gre;
    Topology t = BuildTopology(gre);
    Echo aToB(t.hostA, t.hostB, kHostB, 9, Seconds(1), 5);
    Echo bToA(t.hostB, t.hostA, kHostA, 10, Seconds(1), 5);
    WanGreRecorder wan(t.router);
    ns3::Simulator::Stop(Seconds(5));
    ns3::Simulator::Run();

    EXPECT_EQ(aToB.Replies(), 5u);
    EXPECT_EQ(bToA.Replies(), 5u);
    // The router receives each echo request and reply once, always inside GRE.
    EXPECT_EQ(wan.Packets().size(), 20u);
    EXPECT_EQ(t.tunnelA->GetStatistics().encapsulated, 10u);
    EXPECT_EQ(t.tunnelA->GetStatistics().decapsulated, 10u);
}

TEST_F(GreTopologyTest, OptionsReachBothWays)
{
    GreHelper gre;
    gre.SetTunnelAttribute("KeyEnabled", ns3::BooleanValue(true));
    gre.SetTunnelAttribute("Key", ns3::UintegerValue(kKey));
    gre.SetTunnelAttribute("Sequence", ns3::BooleanValue(true));
    gre.SetTunnelAttribute("Checksum", ns3::BooleanValue(true));
    Topology t = BuildTopology(gre);
    Echo aToB(t.hostA, t.hostB, kHostB, 9, Seconds(1), 5);
    Echo bToA(t.hostB, t.hostA, kHostA, 10, Seconds(1), 5);
    ns3::Simulator::Stop(Seconds(5));
    ns3::Simulator::Run();

    EXPECT_EQ(aToB.Replies(), 5u);
    EXPECT_EQ(bToA.Replies(), 5u);
    EXPECT_EQ(t.tunnelB->GetDropCount(GreDropReason::OutOfOrder), 0u);
}

TEST_F(GreTopologyTest, OptionsOnTheWire)
{
    GreHelper gre;
    gre.SetTunnelAttribute("KeyEnabled", ns3::BooleanValue(true));
    gre.SetTunnelAttribute("Key", ns3::UintegerValue(kKey));
    gre.SetTunnelAttribute("Sequence", ns3::BooleanValue(true));
    gre.SetTunnelAttribute("Checksum", ns3::BooleanValue(true));
    Topology t = BuildTopology(gre);
    Echo aToB(t.hostA, t.hostB, kHostB, 9, Seconds(1), 3);
    WanGreRecorder wan(t.router);
    ns3::Simulator::Stop(Seconds(5));
    ns3::Simulator::Run();

    std::vector<uint32_t> sequencesFromA;
    for (const WanGrePacket& packet : wan.Packets())
    {
        const Result<GreDecoded> decoded = DecodeGre(packet.gre);
        ASSERT_TRUE(decoded.Ok()) << ToString(decoded.Error());
        EXPECT_TRUE(decoded.Value().header.checksumPresent);
        EXPECT_TRUE(decoded.Value().header.keyPresent);
        EXPECT_TRUE(decoded.Value().header.sequencePresent);
        EXPECT_EQ(decoded.Value().header.key, kKey);
        EXPECT_EQ(decoded.Value().header.protocolType, kGreProtocolIpv4);
        if (packet.outer.GetSource() == kPublicA)
        {
            sequencesFromA.push_back(decoded.Value().header.sequence);
        }
    }
    // RFC 2890 s2.2: the first packet carries 0, then the counter counts up.
    EXPECT_EQ(sequencesFromA, (std::vector<uint32_t>{0, 1, 2}));
}

TEST_F(GreTopologyTest, KeyMismatchDropsNoTunnel)
{
    GreHelper gre;
    gre.SetTunnelAttribute("KeyEnabled", ns3::BooleanValue(true));
    gre.SetTunnelAttribute("Key", ns3::UintegerValue(kKey));
    Topology t = BuildTopology(gre);
    t.tunnelB->SetAttribute("Key", ns3::UintegerValue(kKey + 1));
    Echo aToB(t.hostA, t.hostB, kHostB, 9, Seconds(1), 5);
    std::vector<GreDropReason> drops;
    Ptr<GreL4Protocol> greB = t.gwB->GetObject<GreL4Protocol>();
    greB->TraceConnectWithoutContext(
        "Drop", ns3::MakeCallback(+[](std::vector<GreDropReason>* out, Ptr<const ns3::Packet>,
                                      GreDropReason reason)
                                  {
                                      out->push_back(reason);
                                  })
                    .Bind(&drops));
    ns3::Simulator::Stop(Seconds(5));
    ns3::Simulator::Run();

    EXPECT_EQ(aToB.Replies(), 0u);
    EXPECT_EQ(greB->GetDropCount(GreDropReason::NoTunnel), 5u);
    EXPECT_EQ(drops, std::vector<GreDropReason>(5, GreDropReason::NoTunnel));
    EXPECT_EQ(t.tunnelB->GetStatistics().decapsulated, 0u);
}

// OSPF sends to 224.0.0.5 out of each interface (RFC 2328 A.1): out of a tunnel it must be
// encapsulated to the tunnel destination, and arrive at the peer through its tunnel.
TEST_F(GreTopologyTest, MulticastCrossesTunnel)
{
    GreHelper gre;
    Topology t = BuildTopology(gre);
    WanGreRecorder wan(t.router);

    std::vector<ns3::Ipv4Header> received;
    Ptr<ns3::Socket> receiver
        = ns3::Socket::CreateSocket(t.gwB, ns3::Ipv4RawSocketFactory::GetTypeId());
    receiver->SetAttribute("Protocol", ns3::UintegerValue(kOspfProtocol));
    receiver->SetRecvCallback(
        ns3::MakeCallback(+[](std::vector<ns3::Ipv4Header>* out, Ptr<ns3::Socket> socket)
                          {
                              while (Ptr<ns3::Packet> packet = socket->Recv())
                              {
                                  ns3::Ipv4Header header;
                                  packet->RemoveHeader(header);
                                  out->push_back(header);
                              }
                          })
            .Bind(&received));

    Ptr<ns3::Socket> sender
        = ns3::Socket::CreateSocket(t.gwA, ns3::Ipv4RawSocketFactory::GetTypeId());
    sender->SetAttribute("Protocol", ns3::UintegerValue(kOspfProtocol));
    sender->BindToNetDevice(t.tunnelA);
    ns3::Simulator::Schedule(Seconds(1),
                             [sender]()
                             {
                                 sender->SendTo(ns3::Create<ns3::Packet>(44), 0,
                                                ns3::InetSocketAddress("224.0.0.5", 0));
                             });
    ns3::Simulator::Stop(Seconds(2));
    ns3::Simulator::Run();

    ASSERT_EQ(received.size(), 1u);
    EXPECT_EQ(received[0].GetDestination(), Ipv4Address("224.0.0.5"));
    EXPECT_EQ(received[0].GetSource(), Ipv4Address("172.16.0.1"));
    ASSERT_EQ(wan.Packets().size(), 1u);
    EXPECT_EQ(wan.Packets()[0].outer.GetDestination(), kPublicB);
}

// --- MTU, DF and fragmentation ------------------------------------------------------------

struct DfCase
{
    const char* name;
    size_t greOptions; ///< key, sequence, checksum: in that order, this many switched on
    /// ESP sizes for the MTU: IV, ICV, pad alignment; nullopt for plain GRE.
    std::optional<std::array<size_t, 3>> esp;
    EspSuite suite;
    GreEspMode mode;
};

/// Print the case name in gtest messages instead of the bytes of the struct.
void
PrintTo(const DfCase& c, std::ostream* os)
{
    *os << c.name;
}

/// The tunnel MTU from header sizes (RFC 791, RFC 2784, RFC 2890, RFC 4303). Plain GRE adds
/// a 20-byte IPv4 header and 4 GRE bytes plus 4 per option. ESP adds an 8-byte header, the
/// IV, padding to the alignment with the 2 trailer bytes, the ICV, and in tunnel mode
/// another 20-byte IPv4 header.
uint16_t
ExpectedMtu(const DfCase& c)
{
    const size_t gre = 4 + 4 * c.greOptions;
    if (!c.esp)
    {
        return static_cast<uint16_t>(kWanMtu - 20 - gre);
    }
    const auto [iv, icv, alignment] = *c.esp;
    const size_t room = kWanMtu - 20 - 8 - iv - icv;
    const size_t extra = c.mode == GreEspMode::Tunnel ? 20 : 0;
    return static_cast<uint16_t>(room / alignment * alignment - 2 - extra - gre);
}

GreHelper
HelperFor(const DfCase& c)
{
    GreHelper gre;
    gre.SetTunnelAttribute("KeyEnabled", ns3::BooleanValue(c.greOptions >= 1));
    gre.SetTunnelAttribute("Sequence", ns3::BooleanValue(c.greOptions >= 2));
    gre.SetTunnelAttribute("Checksum", ns3::BooleanValue(c.greOptions >= 3));
    if (c.esp)
    {
        gre.SetEspProtection(c.suite, c.mode);
    }
    return gre;
}

/// ICMP destination-unreachable messages that reached @p deliveries' node: (code, MTU).
std::vector<std::pair<uint8_t, uint16_t>>
IcmpUnreachables(const LocalDeliveries& deliveries)
{
    std::vector<std::pair<uint8_t, uint16_t>> found;
    for (const LocalDeliveries::Delivery& delivery : deliveries.OfProtocol(1))
    {
        Ptr<ns3::Packet> copy = delivery.packet->Copy();
        ns3::Icmpv4Header icmp;
        copy->RemoveHeader(icmp);
        if (icmp.GetType() != kIcmpDestUnreachable)
        {
            continue;
        }
        ns3::Icmpv4DestinationUnreachable unreachable;
        copy->RemoveHeader(unreachable);
        found.emplace_back(icmp.GetCode(), unreachable.GetNextHopMtu());
    }
    return found;
}

class GreDf : public ::testing::TestWithParam<DfCase>
{
  protected:
    void TearDown() override { ns3::Simulator::Destroy(); }
};

TEST_P(GreDf, DeviceMtuMatchesHeaders)
{
    Topology t = BuildTopology(HelperFor(GetParam()));
    EXPECT_EQ(t.tunnelA->GetMtu(), ExpectedMtu(GetParam()));
    EXPECT_EQ(t.tunnelB->GetMtu(), ExpectedMtu(GetParam()));
}

TEST_P(GreDf, OneByteOverGetsFragNeeded)
{
    Topology t = BuildTopology(HelperFor(GetParam()));
    const uint16_t mtu = ExpectedMtu(GetParam());
    LocalDeliveries atHostA(t.hostA);
    LocalDeliveries atHostB(t.hostB);
    ns3::Simulator::Schedule(Seconds(1),
                             [=]()
                             {
                                 SendRawIpv4(t.hostA, kHostA, kHostB, kProbeProtocol, mtu + 1u,
                                             true, nullptr);
                             });
    ns3::Simulator::Stop(Seconds(2));
    ns3::Simulator::Run();

    const auto unreachables = IcmpUnreachables(atHostA);
    ASSERT_EQ(unreachables.size(), 1u);
    EXPECT_EQ(unreachables[0].first, kIcmpFragNeeded);
    EXPECT_EQ(unreachables[0].second, mtu);
    EXPECT_TRUE(atHostB.OfProtocol(kProbeProtocol).empty());
    EXPECT_EQ(t.tunnelA->GetDropCount(GreDropReason::MtuExceeded), 1u);
    EXPECT_EQ(t.tunnelA->GetStatistics().encapsulated, 0u);
}

TEST_P(GreDf, AtMtuDelivered)
{
    Topology t = BuildTopology(HelperFor(GetParam()));
    const uint16_t mtu = ExpectedMtu(GetParam());
    LocalDeliveries atHostA(t.hostA);
    LocalDeliveries atHostB(t.hostB);
    ns3::Simulator::Schedule(Seconds(1),
                             [=]()
                             {
                                 SendRawIpv4(t.hostA, kHostA, kHostB, kProbeProtocol, mtu, true,
                                             nullptr);
                             });
    ns3::Simulator::Stop(Seconds(2));
    ns3::Simulator::Run();

    EXPECT_TRUE(IcmpUnreachables(atHostA).empty());
    const auto delivered = atHostB.OfProtocol(kProbeProtocol);
    ASSERT_EQ(delivered.size(), 1u);
    EXPECT_EQ(delivered[0].packet->GetSize() + 20u, mtu);
    EXPECT_TRUE(delivered[0].header.IsDontFragment());
}

TEST_P(GreDf, OneByteUnderDelivered)
{
    Topology t = BuildTopology(HelperFor(GetParam()));
    const uint16_t mtu = ExpectedMtu(GetParam());
    LocalDeliveries atHostB(t.hostB);
    ns3::Simulator::Schedule(Seconds(1),
                             [=]()
                             {
                                 SendRawIpv4(t.hostA, kHostA, kHostB, kProbeProtocol, mtu - 1u,
                                             true, nullptr);
                             });
    ns3::Simulator::Stop(Seconds(2));
    ns3::Simulator::Run();

    EXPECT_EQ(atHostB.OfProtocol(kProbeProtocol).size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(
    Gre, GreDf,
    ::testing::Values(DfCase{"plain", 0, std::nullopt, EspSuite{}, GreEspMode::Tunnel},
                      DfCase{"allOptions", 3, std::nullopt, EspSuite{}, GreEspMode::Tunnel},
                      // RFC 4106: 8-byte IV, 16-byte ICV; padding to 4 bytes (RFC 4303 s2.4).
                      DfCase{"gcm128Tunnel", 0, std::array<size_t, 3>{8, 16, 4},
                             EspSuite{EspCipher::AesGcm128, EspIntegrity::None},
                             GreEspMode::Tunnel},
                      // RFC 3602: 16-byte IV and block; RFC 2404: 12-byte ICV.
                      DfCase{"cbcSha1Transport", 1, std::array<size_t, 3>{16, 12, 16},
                             EspSuite{EspCipher::AesCbc128, EspIntegrity::HmacSha1_96},
                             GreEspMode::Transport}),
    [](const ::testing::TestParamInfo<DfCase>& info)
    {
        return std::string(info.param.name);
    });

// Without DF the inner packet is fragmented before encapsulation (RFC 791 s3.2), so no
// outer packet exceeds the WAN MTU and none is itself a fragment.
TEST_F(GreTopologyTest, FragmentsBeforeEncapsulation)
{
    constexpr uint32_t kDatagram = 3000;
    GreHelper gre;
    TopologyOptions options;
    options.lanMtu = 9000;
    Topology t = BuildTopology(gre, options);

    std::vector<uint32_t> sinkSizes;
    ns3::PacketSinkHelper sinkHelper("ns3::UdpSocketFactory",
                                     ns3::InetSocketAddress(Ipv4Address::GetAny(), 9));
    ns3::ApplicationContainer sink = sinkHelper.Install(t.hostB);
    sink.Get(0)->TraceConnectWithoutContext(
        "Rx", ns3::MakeCallback(+[](std::vector<uint32_t>* out, Ptr<const ns3::Packet> packet,
                                    const ns3::Address&)
                                {
                                    out->push_back(packet->GetSize());
                                })
                  .Bind(&sinkSizes));
    Ptr<ns3::Socket> sender
        = ns3::Socket::CreateSocket(t.hostA, ns3::UdpSocketFactory::GetTypeId());
    ns3::Simulator::Schedule(Seconds(1),
                             [sender, size = kDatagram]()
                             {
                                 sender->SendTo(ns3::Create<ns3::Packet>(size), 0,
                                                ns3::InetSocketAddress(kHostB, 9));
                             });

    struct OuterPacket
    {
        uint32_t size;
        bool fragment;
    };
    std::vector<OuterPacket> outer;
    const uint32_t wanInterface = InterfaceOf(t.wanA.Get(0));
    t.gwA->GetObject<ns3::Ipv4L3Protocol>()->TraceConnectWithoutContext(
        "Tx",
        ns3::MakeCallback(
            +[](std::vector<OuterPacket>* out, uint32_t wan, Ptr<const ns3::Packet> packet,
                Ptr<ns3::Ipv4>, uint32_t interface)
            {
                ns3::Ipv4Header header;
                packet->PeekHeader(header);
                if (interface == wan && header.GetProtocol() == GreL4Protocol::PROT_NUMBER)
                {
                    out->push_back({packet->GetSize(),
                                    !header.IsLastFragment() || header.GetFragmentOffset() != 0});
                }
            })
            .Bind(&outer, wanInterface));
    ns3::Simulator::Stop(Seconds(2));
    ns3::Simulator::Run();

    // The inner datagram (IPv4 + UDP headers + data) is cut into pieces of the tunnel MTU
    // minus the IPv4 header, rounded down to 8 bytes (RFC 791 s3.2).
    const uint32_t innerPayload = 8 + kDatagram;
    const uint32_t fragmentPayload
        = (ExpectedMtu(DfCase{"plain", 0, std::nullopt, {}, {}}) - 20) / 8 * 8;
    const size_t expectedFragments = (innerPayload + fragmentPayload - 1) / fragmentPayload;
    EXPECT_EQ(outer.size(), expectedFragments);
    for (const OuterPacket& packet : outer)
    {
        EXPECT_LE(packet.size, kWanMtu);
        EXPECT_FALSE(packet.fragment);
    }
    EXPECT_EQ(sinkSizes, std::vector<uint32_t>{kDatagram});
}

// --- MSS clamping -------------------------------------------------------------------------

/// A TCP SYN with an MSS option from @p source to @p destination, checksummed by ns-3.
Ptr<ns3::Packet>
MakeSyn(Ipv4Address source, Ipv4Address destination, uint16_t mss)
{
    ns3::TcpHeader tcp;
    tcp.SetSourcePort(40000);
    tcp.SetDestinationPort(80);
    tcp.SetSequenceNumber(ns3::SequenceNumber32(1000));
    tcp.SetFlags(ns3::TcpHeader::SYN);
    tcp.SetWindowSize(65535);
    Ptr<ns3::TcpOptionMSS> option = ns3::CreateObject<ns3::TcpOptionMSS>();
    option->SetMSS(mss);
    tcp.AppendOption(option);
    tcp.EnableChecksums();
    tcp.InitializeChecksum(source, destination, kIpProtocolTcp);
    Ptr<ns3::Packet> packet = ns3::Create<ns3::Packet>();
    packet->AddHeader(tcp);
    return packet;
}

struct MssCase
{
    const char* name;
    bool fromA;
    uint16_t sentMss;
    bool clamped;
};

/// Print the case name in gtest messages instead of the bytes of the struct.
void
PrintTo(const MssCase& c, std::ostream* os)
{
    *os << c.name;
}

class GreMss : public ::testing::TestWithParam<MssCase>
{
  protected:
    void TearDown() override { ns3::Simulator::Destroy(); }

    /// Send the case's SYN through the tunnel; returns the TCP header the other host got.
    std::optional<ns3::TcpHeader> SendSyn(Topology& t)
    {
        const MssCase& c = GetParam();
        Ptr<ns3::Node> sender = c.fromA ? t.hostA : t.hostB;
        Ptr<ns3::Node> receiver = c.fromA ? t.hostB : t.hostA;
        const Ipv4Address source = c.fromA ? kHostA : kHostB;
        const Ipv4Address destination = c.fromA ? kHostB : kHostA;
        LocalDeliveries deliveries(receiver);
        Ptr<ns3::Packet> syn = MakeSyn(source, destination, c.sentMss);
        ns3::Simulator::Schedule(Seconds(1),
                                 [=]()
                                 {
                                     SendRawIpv4(sender, source, destination, kIpProtocolTcp, 0,
                                                 false, syn);
                                 });
        ns3::Simulator::Stop(Seconds(2));
        ns3::Simulator::Run();

        for (const LocalDeliveries::Delivery& delivery : deliveries.OfProtocol(kIpProtocolTcp))
        {
            ns3::TcpHeader tcp;
            tcp.EnableChecksums();
            tcp.InitializeChecksum(source, destination, kIpProtocolTcp);
            Ptr<ns3::Packet> copy = delivery.packet->Copy();
            copy->RemoveHeader(tcp);
            if (tcp.GetFlags() == ns3::TcpHeader::SYN)
            {
                return tcp;
            }
        }
        return std::nullopt;
    }
};

TEST_P(GreMss, OptionValue)
{
    GreHelper gre;
    gre.SetTunnelAttribute("MssClamping", ns3::BooleanValue(true));
    Topology t = BuildTopology(gre);
    const std::optional<ns3::TcpHeader> syn = SendSyn(t);
    ASSERT_TRUE(syn.has_value());
    Ptr<const ns3::TcpOptionMSS> mss
        = ns3::DynamicCast<const ns3::TcpOptionMSS>(syn->GetOption(ns3::TcpOption::MSS));
    ASSERT_TRUE(mss);
    // RFC 9293 s3.7.1: MSS = MTU - 20 (IPv4) - 20 (TCP); plain GRE MTU = 1500 - 24.
    const uint16_t clampedMss = kWanMtu - 24 - 40;
    EXPECT_EQ(mss->GetMSS(), GetParam().clamped ? clampedMss : GetParam().sentMss);
}

TEST_P(GreMss, ChecksumValid)
{
    GreHelper gre;
    gre.SetTunnelAttribute("MssClamping", ns3::BooleanValue(true));
    Topology t = BuildTopology(gre);
    const std::optional<ns3::TcpHeader> syn = SendSyn(t);
    ASSERT_TRUE(syn.has_value());
    EXPECT_TRUE(syn->IsChecksumOk());
}

TEST_P(GreMss, CountedOncePerClamp)
{
    GreHelper gre;
    gre.SetTunnelAttribute("MssClamping", ns3::BooleanValue(true));
    Topology t = BuildTopology(gre);
    SendSyn(t);
    const uint64_t clamped
        = t.tunnelA->GetStatistics().mssClamped + t.tunnelB->GetStatistics().mssClamped;
    // The sending gateway clamps; the receiving one then finds the MSS within the limit.
    EXPECT_EQ(clamped, GetParam().clamped ? 1u : 0u);
}

INSTANTIATE_TEST_SUITE_P(Gre, GreMss,
                         ::testing::Values(MssCase{"aToBAbove", true, 1460, true},
                                           MssCase{"bToAAbove", false, 8960, true},
                                           MssCase{"aToBBelow", true, 1200, false},
                                           MssCase{"bToAAtLimit", false, 1436, false}),
                         [](const ::testing::TestParamInfo<MssCase>& info)
                         {
                             return std::string(info.param.name);
                         });

TEST_F(GreTopologyTest, MssLeftAloneWhenOff)
{
    GreHelper gre;
    Topology t = BuildTopology(gre);
    LocalDeliveries atHostB(t.hostB);
    ns3::Simulator::Schedule(Seconds(1),
                             [=]()
                             {
                                 SendRawIpv4(t.hostA, kHostA, kHostB, kIpProtocolTcp, 0, false,
                                             MakeSyn(kHostA, kHostB, 1460));
                             });
    ns3::Simulator::Stop(Seconds(2));
    ns3::Simulator::Run();

    const auto delivered = atHostB.OfProtocol(kIpProtocolTcp);
    ASSERT_FALSE(delivered.empty());
    ns3::TcpHeader tcp;
    delivered[0].packet->Copy()->RemoveHeader(tcp);
    Ptr<const ns3::TcpOptionMSS> mss
        = ns3::DynamicCast<const ns3::TcpOptionMSS>(tcp.GetOption(ns3::TcpOption::MSS));
    ASSERT_TRUE(mss);
    EXPECT_EQ(mss->GetMSS(), 1460);
}

// --- Recursive routing --------------------------------------------------------------------

struct StateChange
{
    Time at;
    bool up;
    GreDownCause cause;
};

void
RecordStateChange(std::vector<StateChange>* out, bool up, GreDownCause cause)
{
    out->push_back({ns3::Simulator::Now(), up, cause});
}

struct RecursionCase
{
    const char* name;
    double checkIntervalSeconds; ///< 0: detected only when a packet is sent
};

/// Print the case name in gtest messages instead of the bytes of the struct.
void
PrintTo(const RecursionCase& c, std::ostream* os)
{
    *os << c.name;
}

class GreRecursion : public ::testing::TestWithParam<RecursionCase>
{
  protected:
    void TearDown() override { ns3::Simulator::Destroy(); }
};

// gwA learns a host route to gwB's public address through the tunnel at 1.5 s: the GRE
// packets would have to cross the tunnel they build. A probe from hostA follows at 2.2 s.
TEST_P(GreRecursion, TunnelGoesDownInsteadOfLooping)
{
    constexpr double kRouteAt = 1.5;
    constexpr double kProbeAt = 2.2;
    constexpr double kHoldSeconds = 5;
    GreHelper gre;
    gre.SetTunnelAttribute("RecursionCheckInterval",
                           ns3::TimeValue(Seconds(GetParam().checkIntervalSeconds)));
    gre.SetTunnelAttribute("RecursionHoldTime", ns3::TimeValue(Seconds(kHoldSeconds)));
    Topology t = BuildTopology(gre);
    std::vector<StateChange> changes;
    t.tunnelA->TraceConnectWithoutContext("StateChange",
                                          ns3::MakeBoundCallback(&RecordStateChange, &changes));
    WanGreRecorder wan(t.router);
    ns3::Simulator::Schedule(Seconds(kRouteAt),
                             [&t]()
                             {
                                 StaticRouting(t.gwA)->AddHostRouteTo(kPublicB,
                                                                      InterfaceOf(t.tunnelA));
                             });
    ns3::Simulator::Schedule(Seconds(kProbeAt),
                             [=]()
                             {
                                 SendRawIpv4(t.hostA, kHostA, kHostB, kProbeProtocol, 100, false,
                                             nullptr);
                             });
    ns3::Simulator::Stop(Seconds(kRouteAt + kHoldSeconds - 0.5));
    ns3::Simulator::Run();

    // With periodic checks the first check after the route change finds the loop. Without
    // them the probe does when it reaches gwA: one link delay plus the transmission of its
    // 100 bytes and the 2-byte PPP header.
    const double interval = GetParam().checkIntervalSeconds;
    const Time probeAtGateway = Seconds(kProbeAt + kLinkDelaySeconds)
                                + ns3::DataRate(kLinkRate).CalculateBytesTxTime(100 + 2);
    const Time expectedDown
        = interval > 0 ? Seconds(std::ceil(kRouteAt / interval) * interval) : probeAtGateway;
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_FALSE(changes[0].up);
    EXPECT_EQ(changes[0].cause, GreDownCause::RecursiveRouting);
    EXPECT_EQ(changes[0].at, expectedDown);
    EXPECT_EQ(t.tunnelA->GetStatistics().recursionEvents, 1u);
    EXPECT_FALSE(t.tunnelA->IsTunnelUp());
    // No GRE packet crossed the WAN after the route change: nothing looped.
    for (const WanGrePacket& packet : wan.Packets())
    {
        EXPECT_LT(packet.at, Seconds(kRouteAt));
    }
}

TEST_P(GreRecursion, RetriedAfterHoldTime)
{
    constexpr double kRouteAt = 1.5;
    constexpr double kProbeAt = 2.2;
    constexpr double kHoldSeconds = 5;
    GreHelper gre;
    gre.SetTunnelAttribute("RecursionCheckInterval",
                           ns3::TimeValue(Seconds(GetParam().checkIntervalSeconds)));
    gre.SetTunnelAttribute("RecursionHoldTime", ns3::TimeValue(Seconds(kHoldSeconds)));
    Topology t = BuildTopology(gre);
    std::vector<StateChange> changes;
    t.tunnelA->TraceConnectWithoutContext("StateChange",
                                          ns3::MakeBoundCallback(&RecordStateChange, &changes));
    ns3::Simulator::Schedule(Seconds(kRouteAt),
                             [&t]()
                             {
                                 StaticRouting(t.gwA)->AddHostRouteTo(kPublicB,
                                                                      InterfaceOf(t.tunnelA));
                             });
    ns3::Simulator::Schedule(Seconds(kProbeAt),
                             [=]()
                             {
                                 SendRawIpv4(t.hostA, kHostA, kHostB, kProbeProtocol, 100, false,
                                             nullptr);
                             });
    // The saved routes come back with the interface, the recursive one included. They are
    // looked at when the tunnel reports it is up, before a check can take it down again.
    struct RoutesAtUp
    {
        Topology* topology;
        bool lan = false;
        bool recursive = false;
    } routesAtUp{&t};
    t.tunnelA->TraceConnectWithoutContext(
        "StateChange",
        ns3::MakeCallback(+[](RoutesAtUp* routes, bool up, GreDownCause)
                          {
                              if (up)
                              {
                                  const Topology& topology = *routes->topology;
                                  routes->lan = HasRouteThrough(topology.gwA, kLanB, kLanMask,
                                                                topology.tunnelA);
                                  routes->recursive
                                      = HasRouteThrough(topology.gwA, kPublicB, Ipv4Mask::GetOnes(),
                                                        topology.tunnelA);
                              }
                          })
            .Bind(&routesAtUp));
    ns3::Simulator::Stop(Seconds(kRouteAt + kHoldSeconds + 2.5));
    ns3::Simulator::Run();

    ASSERT_GE(changes.size(), 2u);
    EXPECT_TRUE(changes[1].up);
    EXPECT_EQ(changes[1].at, changes[0].at + Seconds(kHoldSeconds));
    EXPECT_TRUE(routesAtUp.lan);
    EXPECT_TRUE(routesAtUp.recursive);
    if (GetParam().checkIntervalSeconds > 0)
    {
        // The periodic check finds the loop again within one interval.
        ASSERT_EQ(changes.size(), 3u);
        EXPECT_FALSE(changes[2].up);
        EXPECT_LE(changes[2].at - changes[1].at, Seconds(GetParam().checkIntervalSeconds));
        EXPECT_EQ(t.tunnelA->GetStatistics().recursionEvents, 2u);
    }
}

INSTANTIATE_TEST_SUITE_P(Gre, GreRecursion,
                         ::testing::Values(RecursionCase{"periodicCheck", 1.0},
                                           RecursionCase{"onSend", 0.0}),
                         [](const ::testing::TestParamInfo<RecursionCase>& info)
                         {
                             return std::string(info.param.name);
                         });

TEST_F(GreTopologyTest, RecursionOnSendCountsDrop)
{
    GreHelper gre;
    gre.SetTunnelAttribute("RecursionCheckInterval", ns3::TimeValue(Seconds(0)));
    Topology t = BuildTopology(gre);
    ns3::Simulator::Schedule(Seconds(1),
                             [&t]()
                             {
                                 StaticRouting(t.gwA)->AddHostRouteTo(kPublicB,
                                                                      InterfaceOf(t.tunnelA));
                             });
    ns3::Simulator::Schedule(Seconds(2),
                             [=]()
                             {
                                 SendRawIpv4(t.hostA, kHostA, kHostB, kProbeProtocol, 100, false,
                                             nullptr);
                             });
    ns3::Simulator::Stop(Seconds(3));
    ns3::Simulator::Run();

    EXPECT_EQ(t.tunnelA->GetDropCount(GreDropReason::RecursiveRouting), 1u);
    EXPECT_EQ(t.tunnelA->GetStatistics().encapsulated, 1u);
}

// --- Keepalives ---------------------------------------------------------------------------

// Keepalives every 2 s from t = 0 on both gateways, 3 retries. The WAN link of gwB fails
// at 10.5 s and comes back at 20.5 s.
TEST_F(GreTopologyTest, KeepaliveDownAndUp)
{
    constexpr double kPeriod = 2;
    constexpr uint32_t kRetries = 3;
    constexpr double kFailAt = 10.5;
    constexpr double kRestoreAt = 20.5;
    GreHelper gre;
    gre.SetTunnelAttribute("KeepalivePeriod", ns3::TimeValue(Seconds(kPeriod)));
    gre.SetTunnelAttribute("KeepaliveRetries", ns3::UintegerValue(kRetries));
    Topology t = BuildTopology(gre);

    std::vector<StateChange> changesA;
    std::vector<StateChange> changesB;
    t.tunnelA->TraceConnectWithoutContext("StateChange",
                                          ns3::MakeBoundCallback(&RecordStateChange, &changesA));
    t.tunnelB->TraceConnectWithoutContext("StateChange",
                                          ns3::MakeBoundCallback(&RecordStateChange, &changesB));
    std::vector<Ptr<ns3::RateErrorModel>> errorModels;
    for (uint32_t i = 0; i < 2; ++i)
    {
        Ptr<ns3::RateErrorModel> model = ns3::CreateObject<ns3::RateErrorModel>();
        model->SetRate(1.0);
        model->SetUnit(ns3::RateErrorModel::ERROR_UNIT_PACKET);
        model->Disable();
        t.wanB.Get(i)->SetAttribute("ReceiveErrorModel", ns3::PointerValue(model));
        ns3::Simulator::Schedule(Seconds(kFailAt), &ns3::ErrorModel::Enable, model);
        ns3::Simulator::Schedule(Seconds(kRestoreAt), &ns3::ErrorModel::Disable, model);
        errorModels.push_back(model);
    }
    Echo whileDown(t.hostA, t.hostB, kHostB, 9, Seconds(19), 3);
    Echo afterRestore(t.hostA, t.hostB, kHostB, 10, Seconds(25), 3);
    bool routeGoneWhileDown = false;
    ns3::Simulator::Schedule(Seconds(19),
                             [&]()
                             {
                                 routeGoneWhileDown
                                     = !HasRouteThrough(t.gwA, kLanB, kLanMask, t.tunnelA);
                             });
    ns3::Simulator::Stop(Seconds(27));
    ns3::Simulator::Run();

    // Keepalives go out at k * period. The first one lost is the first after the failure;
    // the tunnel goes down when the one `retries` periods later finds them all unanswered.
    const double firstLost = (std::floor(kFailAt / kPeriod) + 1) * kPeriod;
    const Time expectedDown = Seconds(firstLost + kRetries * kPeriod);
    // The first keepalive after the restore comes back after a round trip over four links.
    const double firstAfterRestore = (std::floor(kRestoreAt / kPeriod) + 1) * kPeriod;
    const Time roundTrip = Seconds(4 * kLinkDelaySeconds);
    for (const std::vector<StateChange>* changes : {&changesA, &changesB})
    {
        ASSERT_EQ(changes->size(), 2u);
        EXPECT_FALSE((*changes)[0].up);
        EXPECT_EQ((*changes)[0].cause, GreDownCause::KeepaliveTimeout);
        EXPECT_EQ((*changes)[0].at, expectedDown);
        EXPECT_TRUE((*changes)[1].up);
        EXPECT_GE((*changes)[1].at, Seconds(firstAfterRestore) + roundTrip);
        EXPECT_LT((*changes)[1].at, Seconds(firstAfterRestore) + roundTrip + ns3::MilliSeconds(1));
    }
    EXPECT_TRUE(routeGoneWhileDown);
    EXPECT_EQ(whileDown.Replies(), 0u);
    EXPECT_EQ(afterRestore.Replies(), 3u);
    EXPECT_TRUE(HasRouteThrough(t.gwA, kLanB, kLanMask, t.tunnelA));
    EXPECT_GE(t.tunnelA->GetStatistics().keepalivesReturned, 1u);
}

TEST_F(GreTopologyTest, KeepaliveOneSidedStaysUp)
{
    GreHelper gre;
    Topology t = BuildTopology(gre);
    t.tunnelA->SetAttribute("KeepalivePeriod", ns3::TimeValue(Seconds(1)));
    std::vector<StateChange> changes;
    t.tunnelA->TraceConnectWithoutContext("StateChange",
                                          ns3::MakeBoundCallback(&RecordStateChange, &changes));
    ns3::Simulator::Stop(Seconds(10.5));
    ns3::Simulator::Run();

    // gwB runs no keepalives of its own: its ordinary forwarding returns gwA's.
    EXPECT_TRUE(changes.empty());
    EXPECT_EQ(t.tunnelA->GetStatistics().keepalivesSent, 11u);
    EXPECT_EQ(t.tunnelA->GetStatistics().keepaliveRepliesReceived, 11u);
    EXPECT_EQ(t.tunnelB->GetStatistics().keepalivesReturned, 0u);
}

// --- Packet tags --------------------------------------------------------------------------

/// A packet tag the test attaches at hostA and looks for at hostB.
class ProbeTag : public ns3::Tag
{
  public:
    static ns3::TypeId GetTypeId()
    {
        static ns3::TypeId tid = ns3::TypeId("tunnelsim::test::ProbeTag")
                                     .SetParent<ns3::Tag>()
                                     .AddConstructor<ProbeTag>();
        return tid;
    }

    ns3::TypeId GetInstanceTypeId() const override { return GetTypeId(); }

    uint32_t GetSerializedSize() const override { return 4; }

    void Serialize(ns3::TagBuffer buffer) const override { buffer.WriteU32(value); }

    void Deserialize(ns3::TagBuffer buffer) override { value = buffer.ReadU32(); }

    void Print(std::ostream& os) const override { os << value; }

    uint32_t value = 0;
};

TEST_F(GreTopologyTest, TagsSurviveTunnel)
{
    GreHelper gre;
    gre.SetTunnelAttribute("Checksum", ns3::BooleanValue(true));
    Topology t = BuildTopology(gre);
    LocalDeliveries atHostB(t.hostB);
    Ptr<ns3::Packet> payload = ns3::Create<ns3::Packet>(300);
    ProbeTag packetTag;
    packetTag.value = 0xfeed;
    payload->AddPacketTag(packetTag);
    ProbeTag byteTag;
    byteTag.value = 0xbeef;
    payload->AddByteTag(byteTag);
    ns3::Simulator::Schedule(Seconds(1),
                             [=]()
                             {
                                 SendRawIpv4(t.hostA, kHostA, kHostB, kProbeProtocol, 0, false,
                                             payload);
                             });
    ns3::Simulator::Stop(Seconds(2));
    ns3::Simulator::Run();

    const auto delivered = atHostB.OfProtocol(kProbeProtocol);
    ASSERT_EQ(delivered.size(), 1u);
    ProbeTag found;
    ASSERT_TRUE(delivered[0].packet->PeekPacketTag(found));
    EXPECT_EQ(found.value, 0xfeedu);
    ProbeTag foundByte;
    ASSERT_TRUE(delivered[0].packet->FindFirstMatchingByteTag(foundByte));
    EXPECT_EQ(foundByte.value, 0xbeefu);
}

} // namespace
} // namespace tunnelsim
