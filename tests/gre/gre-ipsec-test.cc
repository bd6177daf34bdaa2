/*
 * GRE over IPsec, the route-based design: one GRE tunnel between the gateways, protected by
 * one ESP SA pair whose selectors cover only GRE between the public addresses. Three
 * subnets on each side reach each other over static routes through the tunnel, while the
 * WAN router has no route to any of them. tshark 4.0 then checks the bytes on the WAN link
 * on its own: every ESP frame must decrypt with a good ICV and carry GRE.
 *
 *  hostA1 10.1.1.2 --.                                                   .-- 10.2.1.2 hostB1
 *  hostA2 10.1.2.2 ---- gwA 192.0.2.1 -- router -- 198.51.100.1 gwB ---- 10.2.2.2 hostB2
 *  hostA3 10.1.3.2 --'    \                                  /           '-- 10.2.3.2 hostB3
 *                          `==== GRE 172.16.0.0/30 in ESP ==='
 *
 * SPD on gwA: 192.0.2.1/32 <-> 198.51.100.1/32 protocol 47, PROTECT (gwB: the mirror).
 * Routes: gwA 10.2.0.0/16 via the tunnel, gwB 10.1.0.0/16 via the tunnel, both default to
 * the router. The router has connected routes only. Links: point-to-point, 100 Mb/s, 2 ms.
 * The tests also check IpsecStack's direct path for GRE (no second IPv4 pass on either
 * gateway) and that transport mode never seals a fragment.
 */
#include "gre-drop-reason.h"
#include "gre-helper.h"
#include "gre-l4-protocol.h"
#include "gre-tunnel-net-device.h"
#include "ipsec-helper.h"
#include "ipsec-stack.h"
#include "ipv4-header.h"
#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"
#include "run-command.h"

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <gtest/gtest.h>
#include <map>
#include <optional>
#include <sstream>
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

const Ipv4Address kPublicA("192.0.2.1");
const Ipv4Address kRouterA("192.0.2.2");
const Ipv4Address kPublicB("198.51.100.1");
const Ipv4Address kRouterB("198.51.100.2");
constexpr uint32_t kSubnets = 3;
constexpr uint32_t kEchoes = 3;
constexpr uint8_t kEspProtocol = 50;

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

/// 10.<site>.<subnet>.<host>
Ipv4Address
SiteAddress(uint32_t site, uint32_t subnet, uint32_t host)
{
    return Ipv4Address((10u << 24) | (site << 16) | (subnet << 8) | host);
}

struct Network
{
    Ptr<ns3::Node> gwA;
    Ptr<ns3::Node> router;
    Ptr<ns3::Node> gwB;
    ns3::NodeContainer hostsA;
    ns3::NodeContainer hostsB;
    ns3::NetDeviceContainer wanA; ///< gwA, router
    Ptr<GreTunnelNetDevice> tunnelA;
    Ptr<GreTunnelNetDevice> tunnelB;
    IpsecHelper ipsec;
};

struct Design
{
    const char* name;
    EspSuite suite;
    GreEspMode mode;
    /// tshark's frame.protocols from the link layer to the inner IPv4 header.
    const char* protocols;
};

/// Print the case name in gtest messages instead of the bytes of the struct.
void
PrintTo(const Design& c, std::ostream* os)
{
    *os << c.name;
}

/// When GreHelper installs relative to IpsecHelper: both orders must give the same path.
enum class InstallOrder
{
    IpsecFirst,
    GreFirst,
};

/// Build the network in the header comment with @p design's mode and suite.
void
BuildNetwork(Network& n, const Design& design, InstallOrder order = InstallOrder::IpsecFirst)
{
    n.gwA = ns3::CreateObject<ns3::Node>();
    n.router = ns3::CreateObject<ns3::Node>();
    n.gwB = ns3::CreateObject<ns3::Node>();
    n.hostsA.Create(kSubnets);
    n.hostsB.Create(kSubnets);

    // Static routing inside list routing: the IPsec interception joins the list.
    ns3::Ipv4ListRoutingHelper list;
    list.Add(ns3::Ipv4StaticRoutingHelper(), 0);
    ns3::InternetStackHelper stack;
    stack.SetRoutingHelper(list);
    stack.Install(ns3::NodeContainer(n.gwA, n.router, n.gwB));
    stack.Install(n.hostsA);
    stack.Install(n.hostsB);

    ns3::PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", ns3::StringValue("100Mbps"));
    p2p.SetChannelAttribute("Delay", ns3::StringValue("2ms"));
    ns3::Ipv4AddressHelper addresses;
    for (uint32_t site = 1; site <= 2; ++site)
    {
        Ptr<ns3::Node> gateway = site == 1 ? n.gwA : n.gwB;
        ns3::NodeContainer& hosts = site == 1 ? n.hostsA : n.hostsB;
        for (uint32_t subnet = 1; subnet <= kSubnets; ++subnet)
        {
            ns3::NetDeviceContainer lan = p2p.Install(gateway, hosts.Get(subnet - 1));
            addresses.SetBase(SiteAddress(site, subnet, 0), "255.255.255.0");
            addresses.Assign(lan);
            StaticRouting(hosts.Get(subnet - 1))
                ->SetDefaultRoute(SiteAddress(site, subnet, 1), InterfaceOf(lan.Get(1)));
        }
    }
    n.wanA = p2p.Install(n.gwA, n.router);
    ns3::NetDeviceContainer wanB = p2p.Install(n.gwB, n.router);
    addresses.SetBase("192.0.2.0", "255.255.255.252");
    addresses.Assign(n.wanA);
    addresses.SetBase("198.51.100.0", "255.255.255.252");
    addresses.Assign(wanB);
    StaticRouting(n.gwA)->SetDefaultRoute(kRouterA, InterfaceOf(n.wanA.Get(0)));
    StaticRouting(n.gwB)->SetDefaultRoute(kRouterB, InterfaceOf(wanB.Get(0)));

    auto installIpsec = [&n, &design]()
    {
        n.ipsec.SetSuite(design.suite);
        if (design.mode == GreEspMode::Tunnel)
        {
            SelectorPair selectors;
            selectors.local
                = TrafficSelector::FromAddress(kPublicA.Get(), GreL4Protocol::PROT_NUMBER);
            selectors.remote
                = TrafficSelector::FromAddress(kPublicB.Get(), GreL4Protocol::PROT_NUMBER);
            n.ipsec.AddTunnelSaPair(n.gwA, kPublicA, n.gwB, kPublicB, selectors);
        }
        else
        {
            n.ipsec.AddTransportSaPair(n.gwA, kPublicA, n.gwB, kPublicB,
                                       GreL4Protocol::PROT_NUMBER);
        }
    };
    auto installGre = [&n, &design]()
    {
        GreHelper gre;
        gre.SetEspProtection(design.suite, design.mode);
        ns3::NetDeviceContainer tunnels
            = gre.InstallPair(n.gwA, kPublicA, n.gwB, kPublicB, "172.16.0.0", "255.255.255.252");
        n.tunnelA = ns3::DynamicCast<GreTunnelNetDevice>(tunnels.Get(0));
        n.tunnelB = ns3::DynamicCast<GreTunnelNetDevice>(tunnels.Get(1));
        GreHelper::AddRoute(n.tunnelA, "10.2.0.0", "255.255.0.0");
        GreHelper::AddRoute(n.tunnelB, "10.1.0.0", "255.255.0.0");
    };
    // Both after the addresses, so their interfaces do not shift the indices above.
    if (order == InstallOrder::IpsecFirst)
    {
        installIpsec();
        installGre();
    }
    else
    {
        installGre();
        installIpsec();
    }
}

/// UDP echo from every subnet of site A to every subnet of site B; replies per pair.
class AllPairsEcho
{
  public:
    explicit AllPairsEcho(Network& n)
    {
        for (uint32_t a = 0; a < kSubnets; ++a)
        {
            for (uint32_t b = 0; b < kSubnets; ++b)
            {
                const uint16_t port = static_cast<uint16_t>(1000 + 10 * a + b);
                ns3::UdpEchoServerHelper server(port);
                server.Install(n.hostsB.Get(b)).Start(Seconds(0));
                ns3::UdpEchoClientHelper client(SiteAddress(2, b + 1, 2), port);
                client.SetAttribute("MaxPackets", ns3::UintegerValue(kEchoes));
                client.SetAttribute("Interval", ns3::TimeValue(ns3::MilliSeconds(100)));
                client.SetAttribute("PacketSize", ns3::UintegerValue(200));
                ns3::ApplicationContainer app = client.Install(n.hostsA.Get(a));
                app.Start(Seconds(1 + 0.01 * (3 * a + b)));
                m_replies[{a, b}] = 0;
                app.Get(0)->TraceConnectWithoutContext(
                    "Rx", ns3::MakeCallback(&AllPairsEcho::HandleReply, this).Bind(a, b));
            }
        }
    }

    uint32_t Replies(uint32_t a, uint32_t b) const { return m_replies.at({a, b}); }

  private:
    void HandleReply(uint32_t a, uint32_t b, Ptr<const ns3::Packet>) { ++m_replies[{a, b}]; }

    std::map<std::pair<uint32_t, uint32_t>, uint32_t> m_replies;
};

/// Protocol numbers of the IPv4 packets the router receives, with counts.
class RouterProtocols
{
  public:
    explicit RouterProtocols(Ptr<ns3::Node> router)
    {
        router->GetObject<ns3::Ipv4L3Protocol>()->TraceConnectWithoutContext(
            "Rx", ns3::MakeCallback(&RouterProtocols::HandleRx, this));
    }

    uint32_t Count(uint8_t protocol) const
    {
        auto it = m_counts.find(protocol);
        return it == m_counts.end() ? 0 : it->second;
    }

    uint32_t Total() const
    {
        uint32_t total = 0;
        for (const auto& [protocol, count] : m_counts)
        {
            total += count;
        }
        return total;
    }

  private:
    void HandleRx(Ptr<const ns3::Packet> packet, Ptr<ns3::Ipv4>, uint32_t)
    {
        ns3::Ipv4Header header;
        packet->PeekHeader(header);
        ++m_counts[header.GetProtocol()];
    }

    std::map<uint8_t, uint32_t> m_counts;
};

const Design kGcmTunnel{"gcm128Tunnel", EspSuite{EspCipher::AesGcm128, EspIntegrity::None},
                        GreEspMode::Tunnel, "ppp:ip:esp:ip:gre:ip"};
const Design kCbcSha1Tunnel{"cbcSha1Tunnel",
                            EspSuite{EspCipher::AesCbc128, EspIntegrity::HmacSha1_96},
                            GreEspMode::Tunnel, "ppp:ip:esp:ip:gre:ip"};
const Design kGcmTransport{"gcm128Transport", EspSuite{EspCipher::AesGcm128, EspIntegrity::None},
                           GreEspMode::Transport, "ppp:ip:esp:gre:ip"};

class GreOverIpsec : public ::testing::TestWithParam<Design>
{
  protected:
    void TearDown() override { ns3::Simulator::Destroy(); }
};

TEST_P(GreOverIpsec, AllNinePairsReach)
{
    Network n;
    BuildNetwork(n, GetParam());
    AllPairsEcho echo(n);
    ns3::Simulator::Stop(Seconds(3));
    ns3::Simulator::Run();

    for (uint32_t a = 0; a < kSubnets; ++a)
    {
        for (uint32_t b = 0; b < kSubnets; ++b)
        {
            EXPECT_EQ(echo.Replies(a, b), kEchoes)
                << "10.1." << a + 1 << ".0 -> 10.2." << b + 1 << ".0";
        }
    }
}

TEST_P(GreOverIpsec, RouterKnowsNoSubnet)
{
    Network n;
    BuildNetwork(n, GetParam());
    for (uint32_t site = 1; site <= 2; ++site)
    {
        for (uint32_t subnet = 1; subnet <= kSubnets; ++subnet)
        {
            ns3::Ipv4Header probe;
            probe.SetDestination(SiteAddress(site, subnet, 2));
            ns3::Socket::SocketErrno error;
            EXPECT_FALSE(n.router->GetObject<ns3::Ipv4>()->GetRoutingProtocol()->RouteOutput(
                ns3::Create<ns3::Packet>(), probe, nullptr, error))
                << SiteAddress(site, subnet, 2);
        }
    }
}

TEST_P(GreOverIpsec, WanCarriesOnlyEsp)
{
    Network n;
    BuildNetwork(n, GetParam());
    AllPairsEcho echo(n);
    RouterProtocols router(n.router);
    ns3::Simulator::Stop(Seconds(3));
    ns3::Simulator::Run();

    // Every request and reply crosses the router once.
    EXPECT_EQ(router.Count(kEspProtocol), 2 * kSubnets * kSubnets * kEchoes);
    EXPECT_EQ(router.Total(), router.Count(kEspProtocol));
}

TEST_P(GreOverIpsec, NothingDropped)
{
    Network n;
    BuildNetwork(n, GetParam());
    AllPairsEcho echo(n);
    ns3::Simulator::Stop(Seconds(3));
    ns3::Simulator::Run();

    for (Ptr<ns3::Node> gateway : {n.gwA, n.gwB})
    {
        EXPECT_TRUE(IpsecHelper::GetDropCounts(gateway).empty()) << "node " << gateway->GetId();
        for (GreDropReason reason : kAllGreDropReasons)
        {
            EXPECT_EQ(gateway->GetObject<GreL4Protocol>()->GetDropCount(reason), 0u)
                << ToString(reason);
        }
    }
    for (Ptr<GreTunnelNetDevice> tunnel : {n.tunnelA, n.tunnelB})
    {
        for (GreDropReason reason : kAllGreDropReasons)
        {
            EXPECT_EQ(tunnel->GetDropCount(reason), 0u) << ToString(reason);
        }
    }
}

/// IP protocol numbers a node's Ipv4L3Protocol originates (Send, SendOutgoing trace),
/// transmits on an interface (Tx) and delivers locally (LocalDeliver).
class StackProtocols
{
  public:
    explicit StackProtocols(Ptr<ns3::Node> node)
    {
        auto ipv4 = node->GetObject<ns3::Ipv4L3Protocol>();
        ipv4->TraceConnectWithoutContext("SendOutgoing",
                                         ns3::MakeCallback(&StackProtocols::HandleSend, this));
        ipv4->TraceConnectWithoutContext("Tx", ns3::MakeCallback(&StackProtocols::HandleTx, this));
        ipv4->TraceConnectWithoutContext("LocalDeliver",
                                         ns3::MakeCallback(&StackProtocols::HandleDeliver, this));
    }

    uint32_t Sent(uint8_t protocol) const { return Get(m_sent, protocol); }
    uint32_t Transmitted(uint8_t protocol) const { return Get(m_transmitted, protocol); }
    uint32_t Delivered(uint8_t protocol) const { return Get(m_delivered, protocol); }

  private:
    static uint32_t Get(const std::map<uint8_t, uint32_t>& counts, uint8_t protocol)
    {
        auto it = counts.find(protocol);
        return it == counts.end() ? 0 : it->second;
    }

    void HandleSend(const ns3::Ipv4Header& header, Ptr<const ns3::Packet>, uint32_t)
    {
        ++m_sent[header.GetProtocol()];
    }

    void HandleTx(Ptr<const ns3::Packet> packet, Ptr<ns3::Ipv4>, uint32_t)
    {
        ns3::Ipv4Header header;
        packet->PeekHeader(header);
        ++m_transmitted[header.GetProtocol()];
    }

    void HandleDeliver(const ns3::Ipv4Header& header, Ptr<const ns3::Packet>, uint32_t)
    {
        ++m_delivered[header.GetProtocol()];
    }

    std::map<uint8_t, uint32_t> m_sent;
    std::map<uint8_t, uint32_t> m_transmitted;
    std::map<uint8_t, uint32_t> m_delivered;
};

// IpsecStack's direct path: GRE reaches the SPD and ESP leaves without Ipv4L3Protocol::Send
// at gwA, and opened GRE reaches GRE without a second LocalDeliver at gwB, in either
// install order.
TEST_P(GreOverIpsec, GreSkipsSecondStackPass)
{
    for (InstallOrder order : {InstallOrder::IpsecFirst, InstallOrder::GreFirst})
    {
        Network n;
        BuildNetwork(n, GetParam(), order);
        AllPairsEcho echo(n);
        StackProtocols sender(n.gwA);
        StackProtocols receiver(n.gwB);
        uint32_t openedOnHiddenDevice = 0;
        Ptr<ns3::NetDevice> hiddenB = IpsecHelper::GetStack(n.gwB)->GetDevice();
        IpsecHelper::GetStack(n.gwB)->TraceConnectWithoutContext(
            "Opened",
            ns3::Callback<void, Ptr<const ns3::Packet>, Ptr<ns3::NetDevice>>(
                [&openedOnHiddenDevice, hiddenB](Ptr<const ns3::Packet>, Ptr<ns3::NetDevice> device)
                {
                    openedOnHiddenDevice += device == hiddenB;
                }));
        ns3::Simulator::Stop(Seconds(3));
        ns3::Simulator::Run();

        const uint32_t requests = kSubnets * kSubnets * kEchoes;
        const bool ipsecFirst = order == InstallOrder::IpsecFirst;
        EXPECT_EQ(echo.Replies(0, 0), kEchoes) << ipsecFirst;
        EXPECT_EQ(sender.Sent(GreL4Protocol::PROT_NUMBER), 0u) << ipsecFirst;
        EXPECT_EQ(sender.Sent(kEspProtocol), 0u) << ipsecFirst;
        EXPECT_EQ(sender.Transmitted(GreL4Protocol::PROT_NUMBER), 0u) << ipsecFirst;
        EXPECT_EQ(sender.Transmitted(kEspProtocol), requests) << ipsecFirst;
        EXPECT_EQ(receiver.Delivered(kEspProtocol), requests) << ipsecFirst;
        EXPECT_EQ(receiver.Delivered(GreL4Protocol::PROT_NUMBER), 0u) << ipsecFirst;
        EXPECT_EQ(openedOnHiddenDevice, requests) << ipsecFirst;
        EXPECT_EQ(IpsecHelper::GetStack(n.gwB)->GetOpenedCount(), requests) << ipsecFirst;
        ns3::Simulator::Destroy();
    }
}

// RFC 4303 s3.3: transport mode protects whole datagrams only, so a GRE fragment that
// matches the transport SA is dropped, never sealed as if it were whole.
TEST(GreOverIpsecTransport, FragmentDropped)
{
    Network n;
    BuildNetwork(n, kGcmTransport);
    Ipv4Header header;
    header.totalLength = static_cast<uint16_t>(kIpv4MinHeaderSize + 16);
    header.moreFragments = true;
    header.ttl = 64;
    header.protocol = GreL4Protocol::PROT_NUMBER;
    header.source = kPublicA.Get();
    header.destination = kPublicB.Get();
    Bytes fragment;
    EncodeIpv4Header(header, fragment);
    fragment.resize(header.totalLength, 0);
    Ptr<IpsecStack> stack = IpsecHelper::GetStack(n.gwA);
    stack->ProcessOutbound(ns3::Create<ns3::Packet>(fragment.data(), fragment.size()));

    EXPECT_EQ(stack->GetDropCount(IpsecDropReason::TransportFragment), 1u);
    EXPECT_EQ(stack->GetSealedCount(), 0u);
    ns3::Simulator::Destroy();
}

// A host route to gwB's public address through the tunnel makes the ESP packet that
// carries GRE come back into the tunnel. The periodic check cannot see it (RouteOutput
// returns the IPsec device for GRE), so the send path must.
TEST_P(GreOverIpsec, RecursionBehindEspDetected)
{
    Network n;
    BuildNetwork(n, GetParam());
    n.tunnelA->SetAttribute("RecursionCheckInterval", ns3::TimeValue(Seconds(0.1)));
    ns3::Simulator::Schedule(Seconds(0.5),
                             [&n]()
                             {
                                 StaticRouting(n.gwA)->AddHostRouteTo(kPublicB,
                                                                      InterfaceOf(n.tunnelA));
                             });
    AllPairsEcho echo(n);
    ns3::Simulator::Stop(Seconds(3));
    ns3::Simulator::Run();

    EXPECT_EQ(n.tunnelA->GetStatistics().recursionEvents, 1u);
    EXPECT_FALSE(n.tunnelA->IsTunnelUp());
    EXPECT_GE(n.tunnelA->GetDropCount(GreDropReason::RecursiveRouting), 1u);
}

/// tshark's "frame.protocols <tab> esp.icv_good" for every frame of @p capture, with the
/// SA table in @p configDir/esp_sa.
std::vector<std::string>
DissectCapture(const std::filesystem::path& capture, const std::filesystem::path& configDir)
{
    const std::optional<std::string> output = test::RunCommand(
        "WIRESHARK_CONFIG_DIR='" + configDir.string() + "' tshark -r '" + capture.string()
        + "' -o esp.enable_encryption_decode:TRUE"
          " -o esp.enable_authentication_check:TRUE"
          " -T fields -E separator=/t -e frame.protocols -e esp.icv_good 2>/dev/null");
    EXPECT_TRUE(output.has_value()) << "tshark failed; is tshark 4.0 installed?";
    return test::Lines(output.value_or(""));
}

TEST_P(GreOverIpsec, TsharkDecryptsWan)
{
    const std::filesystem::path dir
        = std::filesystem::path(TUNNELSIM_BINARY_DIR) / "gre-ipsec-test" / GetParam().name;
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);

    {
        Network n;
        BuildNetwork(n, GetParam());
        AllPairsEcho echo(n);
        ns3::PointToPointHelper p2p;
        p2p.EnablePcap((dir / "wan.pcap").string(), n.wanA.Get(0), false, true);
        ns3::Simulator::Stop(Seconds(3));
        ns3::Simulator::Run();
        n.ipsec.WriteWiresharkSaFile((dir / "esp_sa").string());
        // The capture file is closed only when the last reference to the devices goes,
        // with the simulator and this scope.
        ns3::Simulator::Destroy();
    }

    const std::filesystem::path capture = dir / "wan.pcap";
    ASSERT_TRUE(std::filesystem::exists(capture)) << capture;
    const std::vector<std::string> lines = DissectCapture(capture, dir);

    // Requests leave gwA and replies arrive on this link: one ESP frame each.
    EXPECT_EQ(lines.size(), 2 * kSubnets * kSubnets * kEchoes);
    const std::string prefix = std::string(GetParam().protocols) + ":";
    for (const std::string& line : lines)
    {
        const size_t tab = line.find('\t');
        ASSERT_NE(tab, std::string::npos) << line;
        EXPECT_EQ(line.substr(0, prefix.size()), prefix) << line;
        EXPECT_EQ(line.substr(tab + 1), "1") << line;
    }
}

INSTANTIATE_TEST_SUITE_P(Gre, GreOverIpsec,
                         ::testing::Values(kGcmTunnel, kCbcSha1Tunnel, kGcmTransport),
                         [](const ::testing::TestParamInfo<Design>& info)
                         {
                             return std::string(info.param.name);
                         });

} // namespace
} // namespace tunnelsim
