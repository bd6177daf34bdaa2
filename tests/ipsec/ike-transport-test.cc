// CHILD SAs in transport mode. IKEv2 requests it with USE_TRANSPORT_MODE (RFC 7296
// s1.3.1), and a responder that is not configured for it falls back to tunnel mode, which
// the initiator then deletes. IKEv1 carries the mode in the Encapsulation Mode attribute of
// each ESP transform (RFC 2407 s4.5), so a mode mismatch is NO_PROPOSAL_CHOSEN. The SAs
// land in the SAD in the negotiated mode, and GRE over IPsec in transport mode carries
// traffic between the sites.
//
//   hostA 10.1.1.2 --- gwA ====== GRE 169.254.0.0/30 ======= gwB --- hostB 10.2.1.2
//        10.1.1.0/24   .1  192.0.2.1 --- 100 Mbit/s, 10 ms --- 192.0.2.2   10.2.1.0/24
//                      IkeEndpoint + IPsec stack     IkeEndpoint + IPsec stack
//                      (initiator, start)            (responder)
//
// Each gateway protects GRE (IP protocol 47) between the two public addresses with one
// PROTECT entry, and routes the other site's LAN into its GRE tunnel.
#include "gre-helper.h"
#include "gre-l4-protocol.h"
#include "helper/ike-helper.h"
#include "helper/ipsec-helper.h"
#include "ipsec/ipsec-stack.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"

#include <gtest/gtest.h>

namespace tunnelsim
{
namespace
{

using ns3::MilliSeconds;
using ns3::Seconds;
using ns3::Time;

constexpr uint16_t kProbePort = 9;
constexpr uint32_t kProbeSize = 200;
const ns3::Ipv4Address kPublicA("192.0.2.1");
const ns3::Ipv4Address kPublicB("192.0.2.2");

class GreSites
{
  public:
    GreSites()
    {
        hostA = ns3::CreateObject<ns3::Node>();
        gwA = ns3::CreateObject<ns3::Node>();
        gwB = ns3::CreateObject<ns3::Node>();
        hostB = ns3::CreateObject<ns3::Node>();
        ns3::InternetStackHelper internet;
        internet.Install(ns3::NodeContainer(hostA, gwA, gwB, hostB));

        ns3::PointToPointHelper lan;
        lan.SetDeviceAttribute("DataRate", ns3::StringValue("100Mbps"));
        lan.SetChannelAttribute("Delay", ns3::StringValue("2ms"));
        ns3::PointToPointHelper wan;
        wan.SetDeviceAttribute("DataRate", ns3::StringValue("100Mbps"));
        wan.SetChannelAttribute("Delay", ns3::StringValue("10ms"));
        ns3::Ipv4AddressHelper addresses;
        addresses.SetBase("10.1.1.0", "255.255.255.0", "0.0.0.1");
        auto lanA = addresses.Assign(lan.Install(gwA, hostA));
        addresses.SetBase("10.2.1.0", "255.255.255.0", "0.0.0.1");
        auto lanB = addresses.Assign(lan.Install(gwB, hostB));
        addresses.SetBase("192.0.2.0", "255.255.255.252");
        addresses.Assign(wan.Install(gwA, gwB));
        hostAddressA = lanA.GetAddress(1);
        hostAddressB = lanB.GetAddress(1);

        ns3::Ipv4StaticRoutingHelper routing;
        routing.GetStaticRouting(hostA->GetObject<ns3::Ipv4>())
            ->SetDefaultRoute(lanA.GetAddress(0), 1);
        routing.GetStaticRouting(hostB->GetObject<ns3::Ipv4>())
            ->SetDefaultRoute(lanB.GetAddress(0), 1);

        ipsec.Install(gwA);
        ipsec.Install(gwB);
        const SelectorPair gre{
            TrafficSelector::FromAddress(kPublicA.Get(), GreL4Protocol::PROT_NUMBER),
            TrafficSelector::FromAddress(kPublicB.Get(), GreL4Protocol::PROT_NUMBER)};
        SecurityPolicy protect;
        protect.action = PolicyAction::Protect;
        protect.selectors = gre;
        ipsec.AddPolicy(gwA, protect);
        protect.selectors = gre.Mirrored();
        ipsec.AddPolicy(gwB, protect);

        connection.name = "gre-a-b";
        connection.localAddress = kPublicA;
        connection.remoteAddress = kPublicB;
        connection.preSharedKey = "transport test key";
        connection.selectors = {gre};
        connection.matchStyle = SelectorMatchStyle::Ikev1Strict;
        connection.mode = IpsecMode::Transport;

        Listen(hostA, receivedByA);
        Listen(hostB, receivedByB);
    }

    ~GreSites()
    {
        ns3::Simulator::Destroy();
        ns3::Names::Clear();
    }

    /// The connection on gwA as configured, its mirror on gwB in @p responderMode.
    void StartIke(IpsecMode responderMode)
    {
        ike.SetAttribute("Seed", ns3::UintegerValue(3));
        IkeConnection responder = IkeHelper::Mirror(connection);
        responder.startAction = IkeStartAction::None;
        responder.mode = responderMode;
        ike.Install(gwA)->AddConnection(connection);
        ike.Install(gwB)->AddConnection(responder);
        IkeHelper::AssignStreams(ns3::NodeContainer(gwA, gwB), 20);
    }

    void AddGreTunnel()
    {
        GreHelper gre;
        ns3::NetDeviceContainer tunnels = gre.InstallPair(
            gwA, kPublicA, gwB, kPublicB, ns3::Ipv4Address("169.254.0.0"), ns3::Ipv4Mask("/30"));
        GreHelper::AddRoute(tunnels.Get(0), ns3::Ipv4Address("10.2.1.0"), ns3::Ipv4Mask("/24"));
        GreHelper::AddRoute(tunnels.Get(1), ns3::Ipv4Address("10.1.1.0"), ns3::Ipv4Mask("/24"));
    }

    void SendProbes(ns3::Ptr<ns3::Node> from, ns3::Ipv4Address to, Time start, Time interval,
                    uint32_t count)
    {
        ns3::Ptr<ns3::Socket> socket
            = ns3::Socket::CreateSocket(from, ns3::UdpSocketFactory::GetTypeId());
        socket->Connect(ns3::InetSocketAddress(to, kProbePort));
        m_sockets.push_back(socket);
        for (uint32_t i = 0; i < count; ++i)
        {
            ns3::Simulator::Schedule(start + interval * i,
                                     [socket]()
                                     {
                                         socket->Send(ns3::Create<ns3::Packet>(kProbeSize));
                                     });
        }
    }

    void Run(Time until)
    {
        ns3::Simulator::Stop(until);
        ns3::Simulator::Run();
    }

    std::vector<ns3::Ptr<SecurityAssociation>> Sas(ns3::Ptr<ns3::Node> node) const
    {
        return node->GetObject<IpsecStack>()->GetSad()->GetAll();
    }

    ns3::Ptr<ns3::Node> hostA;
    ns3::Ptr<ns3::Node> gwA;
    ns3::Ptr<ns3::Node> gwB;
    ns3::Ptr<ns3::Node> hostB;
    ns3::Ipv4Address hostAddressA;
    ns3::Ipv4Address hostAddressB;
    IpsecHelper ipsec;
    IkeHelper ike;
    IkeConnection connection;
    uint64_t receivedByA = 0;
    uint64_t receivedByB = 0;

  private:
    void Listen(ns3::Ptr<ns3::Node> node, uint64_t& counter)
    {
        ns3::Ptr<ns3::Socket> socket
            = ns3::Socket::CreateSocket(node, ns3::UdpSocketFactory::GetTypeId());
        socket->Bind(ns3::InetSocketAddress(ns3::Ipv4Address::GetAny(), kProbePort));
        socket->SetRecvCallback(ns3::Callback<void, ns3::Ptr<ns3::Socket>>(
            [&counter](ns3::Ptr<ns3::Socket> s)
            {
                while (s->Recv())
                {
                    counter++;
                }
            }));
        m_sockets.push_back(socket);
    }

    std::vector<ns3::Ptr<ns3::Socket>> m_sockets;
};

struct ModeCase
{
    std::string name;
    IkeVersion version;
    IpsecMode initiatorMode;
    IpsecMode responderMode;
    /// Mode of the SAs both gateways end with; nullopt: none are left.
    std::optional<IpsecMode> installed;
    /// Failure reported by the initiator, if any.
    std::optional<IkeFailureReason> initiatorFailure;
};

TEST(IkeTransport, ModeNegotiation)
{
    const ModeCase cases[] = {
        {"ikev2 transport", IkeVersion::V2, IpsecMode::Transport, IpsecMode::Transport,
         IpsecMode::Transport, std::nullopt},
        {"ikev2 responder declines", IkeVersion::V2, IpsecMode::Transport, IpsecMode::Tunnel,
         std::nullopt, IkeFailureReason::ModeUnacceptable},
        {"ikev2 tunnel requested", IkeVersion::V2, IpsecMode::Tunnel, IpsecMode::Transport,
         IpsecMode::Tunnel, std::nullopt},
        {"ikev1 transport", IkeVersion::V1, IpsecMode::Transport, IpsecMode::Transport,
         IpsecMode::Transport, std::nullopt},
        {"ikev1 responder tunnel", IkeVersion::V1, IpsecMode::Transport, IpsecMode::Tunnel,
         std::nullopt, IkeFailureReason::NoProposalChosen},
        {"ikev1 responder transport", IkeVersion::V1, IpsecMode::Tunnel, IpsecMode::Transport,
         std::nullopt, IkeFailureReason::NoProposalChosen},
    };
    for (const ModeCase& c : cases)
    {
        GreSites net;
        net.connection.version = c.version;
        net.connection.mode = c.initiatorMode;
        net.StartIke(c.responderMode);

        net.Run(Seconds(5));

        auto endpointA = IkeHelper::GetEndpoint(net.gwA);
        auto endpointB = IkeHelper::GetEndpoint(net.gwB);
        for (ns3::Ptr<ns3::Node> gateway : {net.gwA, net.gwB})
        {
            const auto sas = net.Sas(gateway);
            ASSERT_EQ(sas.size(), c.installed ? 2u : 0u) << c.name;
            for (const auto& sa : sas)
            {
                EXPECT_EQ(ToString(sa->GetMode()), ToString(*c.installed)) << c.name;
            }
        }
        EXPECT_EQ(endpointA->GetActiveChildSaCount(0), c.installed ? 1u : 0u) << c.name;
        EXPECT_EQ(endpointB->GetActiveChildSaCount(0), c.installed ? 1u : 0u) << c.name;
        if (c.initiatorFailure)
        {
            ASSERT_EQ(endpointA->GetFailures().size(), 1u) << c.name;
            EXPECT_EQ(ToString(endpointA->GetFailures()[0].reason), ToString(*c.initiatorFailure))
                << c.name;
        }
        else
        {
            EXPECT_TRUE(endpointA->GetFailures().empty()) << c.name;
        }
        // The IKE SA survives a CHILD SA that failed on its mode.
        EXPECT_EQ(endpointA->GetIkeSaState(0), IkeSaState::Established) << c.name;
    }
}

TEST(IkeTransport, GreCarriesTrafficEndToEnd)
{
    for (IkeVersion version : {IkeVersion::V2, IkeVersion::V1})
    {
        const std::string name(ToString(version));
        GreSites net;
        net.connection.version = version;
        net.AddGreTunnel();
        net.StartIke(IpsecMode::Transport);
        // The SA is up within 100 ms of the endpoints' start at 0 s.
        const uint32_t count = 50;
        net.SendProbes(net.hostA, net.hostAddressB, Seconds(1), MilliSeconds(20), count);
        net.SendProbes(net.hostB, net.hostAddressA, Seconds(1.01), MilliSeconds(20), count);

        net.Run(Seconds(3));

        EXPECT_EQ(net.receivedByB, count) << name;
        EXPECT_EQ(net.receivedByA, count) << name;
        for (ns3::Ptr<ns3::Node> gateway : {net.gwA, net.gwB})
        {
            for (const auto& sa : net.Sas(gateway))
            {
                EXPECT_EQ(sa->GetMode(), IpsecMode::Transport) << name;
                // Every probe crossed as GRE in ESP, one way on each SA.
                EXPECT_EQ(sa->GetCounters().packets, count) << name;
            }
            for (const auto& [reason, drops] : gateway->GetObject<IpsecStack>()->GetDropCounts())
            {
                ADD_FAILURE() << name << ": " << drops << " drops: " << ToString(reason);
            }
        }
    }
}

TEST(IkeTransport, ValidateRejectsSubnetSelectors)
{
    IkeConnection connection;
    connection.name = "transport";
    connection.localAddress = kPublicA;
    connection.remoteAddress = kPublicB;
    connection.preSharedKey = "key";
    connection.mode = IpsecMode::Transport;
    connection.selectors = {
        SelectorPair{*ParseTrafficSelector("10.1.1.0/24"), *ParseTrafficSelector("10.2.1.0/24")}};
    EXPECT_NE(connection.Validate().find("transport mode"), std::string::npos);
    connection.selectors = {SelectorPair{TrafficSelector::FromAddress(kPublicA.Get()),
                                         TrafficSelector::FromAddress(kPublicB.Get())}};
    EXPECT_EQ(connection.Validate(), "");
}

} // namespace
} // namespace tunnelsim
