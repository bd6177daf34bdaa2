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
// IkeSiteNetwork (tests/common/ike-test-network.h) builds this network without the GRE
// tunnel, which AddGreTunnel adds. Each gateway protects GRE (IP protocol 47) between the two
// public addresses with one PROTECT entry, and routes the other site's LAN into its GRE
// tunnel.
#include "gre-helper.h"
#include "gre-l4-protocol.h"
#include "ike-test-network.h"

#include <gtest/gtest.h>

namespace tunnelsim
{
namespace
{

using ns3::MilliSeconds;
using ns3::Seconds;

const ns3::Ipv4Address kPublicA = IkeSiteNetwork::kPublicA;
const ns3::Ipv4Address kPublicB = IkeSiteNetwork::kPublicB;

/// GRE between the two public addresses, gwA's view.
SelectorPair
GrePair()
{
    return SelectorPair{TrafficSelector::FromAddress(kPublicA.Get(), GreL4Protocol::PROT_NUMBER),
                        TrafficSelector::FromAddress(kPublicB.Get(), GreL4Protocol::PROT_NUMBER)};
}

class GreSites : public IkeSiteNetwork
{
  public:
    GreSites()
      : IkeSiteNetwork(GrePair(), "transport test key")
    {
        connection.name = "gre-a-b";
        connection.matchStyle = SelectorMatchStyle::Ikev1Strict;
        connection.mode = IpsecMode::Transport;
    }

    /// The connection on gwA as configured, its mirror on gwB in @p responderMode.
    void StartIke(IpsecMode responderMode)
    {
        IkeConnection responder = ResponderOf(connection);
        responder.mode = responderMode;
        IkeSiteNetwork::StartIke(3, 20, responder);
    }

    void AddGreTunnel()
    {
        GreHelper gre;
        ns3::NetDeviceContainer tunnels = gre.InstallPair(
            gwA, kPublicA, gwB, kPublicB, ns3::Ipv4Address("169.254.0.0"), ns3::Ipv4Mask("/30"));
        GreHelper::AddRoute(tunnels.Get(0), ns3::Ipv4Address("10.2.1.0"), ns3::Ipv4Mask("/24"));
        GreHelper::AddRoute(tunnels.Get(1), ns3::Ipv4Address("10.1.1.0"), ns3::Ipv4Mask("/24"));
    }
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

        for (ns3::Ptr<ns3::Node> gateway : {net.gwA, net.gwB})
        {
            const auto sas = net.Sas(gateway);
            ASSERT_EQ(sas.size(), c.installed ? 2u : 0u) << c.name;
            for (const auto& sa : sas)
            {
                EXPECT_EQ(ToString(sa->GetMode()), ToString(*c.installed)) << c.name;
            }
        }
        EXPECT_EQ(net.endpointA->GetActiveChildSaCount(0), c.installed ? 1u : 0u) << c.name;
        EXPECT_EQ(net.endpointB->GetActiveChildSaCount(0), c.installed ? 1u : 0u) << c.name;
        if (c.initiatorFailure)
        {
            ASSERT_EQ(net.endpointA->GetFailures().size(), 1u) << c.name;
            EXPECT_EQ(ToString(net.endpointA->GetFailures()[0].reason),
                      ToString(*c.initiatorFailure))
                << c.name;
        }
        else
        {
            EXPECT_TRUE(net.endpointA->GetFailures().empty()) << c.name;
        }
        // The IKE SA survives a CHILD SA that failed on its mode.
        EXPECT_EQ(net.endpointA->GetIkeSaState(0), IkeSaState::Established) << c.name;
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

        EXPECT_EQ(net.receivedAtB.size(), count) << name;
        EXPECT_EQ(net.receivedAtA.size(), count) << name;
        for (ns3::Ptr<ns3::Node> gateway : {net.gwA, net.gwB})
        {
            for (const auto& sa : net.Sas(gateway))
            {
                EXPECT_EQ(sa->GetMode(), IpsecMode::Transport) << name;
                // Every probe crossed as GRE in ESP, one way on each SA.
                EXPECT_EQ(sa->GetCounters().packets, count) << name;
            }
            EXPECT_EQ(GreSites::EspDropTotal(gateway), 0u)
                << name << ": " << GreSites::EspDropSummary(gateway);
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
