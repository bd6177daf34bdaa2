// IKE negotiations between two gateways on one link: establishment times from the link
// delay and the DH delay, retransmission of a lost message, timeouts, suite, key and
// selector failures on both sides, CHILD SA counts for policy- and route-based designs,
// rekeying order, dead peer detection and acquires. CHILD SAs go to a recording callback,
// so no data path is needed here.
//
//   gwA 192.0.2.1 ------------------------------ gwB 192.0.2.2
//   IkeEndpoint      point-to-point, 1 Gbit/s,      IkeEndpoint
//   (initiator)      10 ms one way                  (responder)
//
// IkeGatewayLink (tests/common/ike-test-network.h) builds this network.
#include "ike-test-network.h"
#include "ipv4-header.h"
#include "ns3/error-model.h"

#include <cmath>
#include <gtest/gtest.h>

namespace tunnelsim
{
namespace
{

using ns3::MilliSeconds;
using ns3::Seconds;
using ns3::Time;

const Time kStart = IkeGatewayLink::kStartTime;
/// Bytes below the IKE message on the link: PPP (2), IPv4 (20), UDP (8).
constexpr uint32_t kLinkOverhead = 2 + 20 + 8;

SelectorPair
Pair(const std::string& local, const std::string& remote)
{
    return ParseSelectorPair(local, remote);
}

/** The two gateways, with link faults and the message timing the tests compare against. */
class IkePair : public IkeGatewayLink
{
  public:
    explicit IkePair(Time dhDelay = Seconds(0))
      : IkeGatewayLink(42, 100, dhDelay)
    {
    }

    using IkeGatewayLink::Connect;

    /// The usual pair of connections: same keys and suites, B mirrors A's selectors.
    void Connect(IkeVersion version, const std::vector<SelectorPair>& selectorsA)
    {
        Connect(BaseConnection(version, selectorsA));
    }

    static IkeConnection BaseConnection(IkeVersion version,
                                        const std::vector<SelectorPair>& selectors)
    {
        IkeConnection connection;
        connection.name = "a-b";
        connection.version = version;
        connection.preSharedKey = "correct horse battery staple";
        connection.selectors = selectors;
        connection.matchStyle = version == IkeVersion::V1 ? SelectorMatchStyle::Ikev1Strict
                                                          : SelectorMatchStyle::Ikev2Narrowing;
        return connection;
    }

    /// Drop the packets that arrive at gateway @p node with these reception indices.
    void DropReceived(uint32_t node, const std::list<uint32_t>& indices)
    {
        auto model = ns3::CreateObject<ns3::ReceiveListErrorModel>();
        model->SetList(indices);
        devices.Get(node)->SetAttribute("ReceiveErrorModel", ns3::PointerValue(model));
    }

    /// From @p at on, drop every packet arriving at either gateway.
    void CutLinkAt(Time at)
    {
        ns3::Simulator::Schedule(
            at,
            [this]()
            {
                for (uint32_t i = 0; i < 2; ++i)
                {
                    auto model = ns3::CreateObject<ns3::RateErrorModel>();
                    model->SetAttribute("ErrorRate", ns3::DoubleValue(1.0));
                    model->SetAttribute("ErrorUnit", ns3::StringValue("ERROR_UNIT_PACKET"));
                    devices.Get(i)->SetAttribute("ReceiveErrorModel", ns3::PointerValue(model));
                }
            });
    }

    /// Time for one message of @p size IKE bytes to cross the link.
    static Time OneWay(uint32_t size)
    {
        return ns3::DataRate(kLinkRate).CalculateBytesTxTime(size + kLinkOverhead) + kLinkDelay;
    }

    /// Sum of OneWay over the first transmissions of the messages sent, in order.
    Time SumOneWay(size_t count) const
    {
        Time total;
        for (size_t i = 0; i < count && i < sent.size(); ++i)
        {
            total += OneWay(sent[i].size);
        }
        return total;
    }

    std::vector<IkeFailure> Failures(size_t endpoint) const
    {
        return endpoints[endpoint]->GetFailures();
    }

    uint64_t SentOf(size_t endpoint, IkeExchange exchange) const
    {
        return SentCount(endpoints[endpoint], exchange);
    }
};

const std::vector<SelectorPair> kOnePair = {Pair("10.1.1.0/24", "10.2.1.0/24")};

TEST(IkeEstablishment, Ikev2TwoRoundTripsAndDh)
{
    const Time dh = MilliSeconds(7);
    IkePair net(dh);
    net.Connect(IkeVersion::V2, kOnePair);

    net.Run(Seconds(5));

    // IKE_SA_INIT and IKE_AUTH: four messages in sequence, and each peer computes the DH
    // secret once on the way (the responder before its INIT response, the initiator before
    // IKE_AUTH).
    ASSERT_EQ(net.sent.size(), 4u);
    const Time expected = kStart + net.SumOneWay(4) + 2 * dh;
    EXPECT_EQ(net.Finished(0, IkeNegotiationKind::ChildSa), expected);
    EXPECT_EQ(net.Finished(0, IkeNegotiationKind::IkeSa), expected);
    // The responder is done when it sends its IKE_AUTH response, one message earlier.
    EXPECT_EQ(net.Finished(1, IkeNegotiationKind::ChildSa),
              expected - IkePair::OneWay(net.sent[3].size));
    EXPECT_EQ(net.endpoints[0]->GetIkeSaState(0), IkeSaState::Established);
    EXPECT_EQ(net.endpoints[1]->GetIkeSaState(0), IkeSaState::Established);
    EXPECT_EQ(net.endpoints[0]->GetActiveChildSaCount(0), 1u);
    EXPECT_EQ(net.endpoints[1]->GetActiveChildSaCount(0), 1u);
}

TEST(IkeEstablishment, Ikev1MainModeAndQuickMode)
{
    const Time dh = MilliSeconds(7);
    IkePair net(dh);
    net.Connect(IkeVersion::V1, kOnePair);

    net.Run(Seconds(5));

    // Main Mode: 6 messages (3 round trips) with a DH computation on each side; Quick
    // Mode: the initiator installs on message 2 (1 round trip), the responder on message 3
    // (1.5 round trips).
    ASSERT_EQ(net.sent.size(), 9u);
    const Time mainMode = kStart + net.SumOneWay(6) + 2 * dh;
    EXPECT_EQ(net.Finished(0, IkeNegotiationKind::IkeSa), mainMode);
    EXPECT_EQ(net.Finished(0, IkeNegotiationKind::ChildSa),
              mainMode + net.SumOneWay(8) - net.SumOneWay(6));
    EXPECT_EQ(net.Finished(1, IkeNegotiationKind::ChildSa),
              mainMode + net.SumOneWay(9) - net.SumOneWay(6));
    EXPECT_EQ(net.SentOf(0, IkeExchange::MainMode), 3u);
    EXPECT_EQ(net.SentOf(1, IkeExchange::MainMode), 3u);
    EXPECT_EQ(net.SentOf(0, IkeExchange::QuickMode), 2u);
    EXPECT_EQ(net.SentOf(1, IkeExchange::QuickMode), 1u);
}

TEST(IkeRetransmission, LostIkeAuthDelaysByTimeout)
{
    Time lossless;
    size_t losslessMessages = 0;
    {
        IkePair reference;
        reference.Connect(IkeVersion::V2, kOnePair);
        reference.Run(Seconds(20));
        lossless = reference.Finished(0, IkeNegotiationKind::ChildSa).value_or(Seconds(0));
        losslessMessages = reference.sent.size();
    }

    IkePair net;
    net.Connect(IkeVersion::V2, kOnePair);
    net.DropReceived(1, {1}); // gwB receives IKE_SA_INIT (0), then IKE_AUTH (1): lost

    net.Run(Seconds(20));

    const Time timeout = Seconds(4); // RetransmitTimeout default
    EXPECT_EQ(net.Finished(0, IkeNegotiationKind::ChildSa), lossless + timeout);
    EXPECT_EQ(net.endpoints[0]->GetCounters().retransmissions, 1u);
    EXPECT_EQ(net.sent.size(), losslessMessages);
    EXPECT_EQ(net.endpoints[1]->GetActiveChildSaCount(0), 1u);
}

TEST(IkeRetransmission, LostResponseAnsweredFromCache)
{
    IkePair net;
    net.Connect(IkeVersion::V2, kOnePair);
    net.DropReceived(0, {1}); // gwA receives the INIT response (0), then IKE_AUTH's (1): lost

    net.Run(Seconds(20));

    // The responder must not process the repeated IKE_AUTH again; it resends its response.
    EXPECT_EQ(net.endpoints[1]->GetCounters().responsesRetransmitted, 1u);
    EXPECT_EQ(net.CountChildSa(1, ChildSaAction::InstallInbound), 1u);
    EXPECT_EQ(net.endpoints[0]->GetActiveChildSaCount(0), 1u);
}

TEST(IkeRetransmission, LostQuickMode3SentAgain)
{
    IkePair net;
    net.Connect(IkeVersion::V1, kOnePair);
    std::vector<IkeMessageRecord> sentByA;
    net.endpoints[0]->TraceConnectWithoutContext("MessageSent",
                                                 ns3::Callback<void, const IkeMessageRecord&>(
                                                     [&sentByA](const IkeMessageRecord& record)
                                                     {
                                                         sentByA.push_back(record);
                                                     }));
    // gwB receives Main Mode 1, 3 and 5 (0 to 2), Quick Mode 1 (3), then message 3 (4): lost.
    net.DropReceived(1, {4});

    net.Run(Seconds(20));

    // gwB sends message 2 again, and gwA responds to the repeat with message 3 (RFC 2409 s5.5
    // has no acknowledgement of message 3), and the resend is traced like any other.
    EXPECT_EQ(net.endpoints[0]->GetCounters().responsesRetransmitted, 1u);
    std::vector<IkeMessageRecord> quickMode3;
    for (const IkeMessageRecord& record : sentByA)
    {
        if (record.exchange == IkeExchange::QuickMode && !record.response)
        {
            quickMode3.push_back(record);
        }
    }
    // Message 1 and message 3 as first transmissions, then message 3 once more.
    ASSERT_EQ(quickMode3.size(), 3u);
    EXPECT_EQ(quickMode3[2].retransmission, 1u);
    EXPECT_EQ(quickMode3[2].messageId, quickMode3[1].messageId);
    EXPECT_EQ(quickMode3[2].size, quickMode3[1].size);
    EXPECT_EQ(net.CountChildSa(1, ChildSaAction::InstallInbound), 1u);
}

TEST(IkeRetransmission, SilentPeerTimesOut)
{
    for (IkeVersion version : {IkeVersion::V1, IkeVersion::V2})
    {
        IkePair net;
        net.Connect(version, kOnePair);
        net.DropReceived(1, {0, 1, 2, 3, 4, 5, 6, 7});

        net.Run(Seconds(400));

        // strongSwan's schedule: the n-th wait is 4 s * 1.8^n, n = 0..5, then give up.
        double waited = 0;
        for (int n = 0; n <= 5; ++n)
        {
            waited += 4.0 * std::pow(1.8, n);
        }
        ASSERT_EQ(net.Failures(0).size(), 1u) << ToString(version);
        EXPECT_EQ(net.Failures(0)[0].reason, IkeFailureReason::TimedOut) << ToString(version);
        EXPECT_EQ(net.Failures(0)[0].time, kStart + Seconds(waited)) << ToString(version);
        EXPECT_EQ(net.endpoints[0]->GetCounters().retransmissions, 5u) << ToString(version);
        EXPECT_EQ(net.endpoints[0]->GetIkeSaState(0), IkeSaState::TimedOut) << ToString(version);
        EXPECT_EQ(net.CountChildSa(0, ChildSaAction::InstallInbound), 0u) << ToString(version);
    }
}

struct MismatchCase
{
    std::string name;
    IkeVersion version;
    std::string ikeSuiteB;
    std::string espSuiteB;
    std::string keyB;
    IkeFailureReason reason;
    bool ikeSaUp; ///< the IKE SA survives (only the CHILD SA failed)
};

TEST(IkeFailure, SuiteAndKeyMismatchOnBothSides)
{
    const std::string key = "correct horse battery staple";
    const MismatchCase cases[] = {
        {"ikev2 ike suite", IkeVersion::V2, "aes256-sha256-ecp384", "aes-gcm-128", key,
         IkeFailureReason::NoProposalChosen, false},
        {"ikev1 ike suite", IkeVersion::V1, "aes256-sha1-modp2048", "aes-gcm-128", key,
         IkeFailureReason::NoProposalChosen, false},
        {"ikev2 esp suite", IkeVersion::V2, "aes128-sha256-modp2048", "aes-cbc-256-hmac-sha256-128",
         key, IkeFailureReason::NoProposalChosen, true},
        {"ikev1 esp suite", IkeVersion::V1, "aes128-sha256-modp2048", "aes-cbc-256-hmac-sha256-128",
         key, IkeFailureReason::NoProposalChosen, true},
        {"ikev2 key", IkeVersion::V2, "aes128-sha256-modp2048", "aes-gcm-128", "another key",
         IkeFailureReason::AuthenticationFailed, false},
        {"ikev1 key", IkeVersion::V1, "aes128-sha256-modp2048", "aes-gcm-128", "another key",
         IkeFailureReason::AuthenticationFailed, false},
    };
    for (const auto& c : cases)
    {
        IkePair net;
        IkeConnection a = IkePair::BaseConnection(c.version, kOnePair);
        a.ikeProposals = {*ParseIkeSuite("aes128-sha256-modp2048")};
        a.espProposals = {*ParseEspSuite("aes-gcm-128")};
        IkeConnection b = ResponderOf(a);
        b.ikeProposals = {*ParseIkeSuite(c.ikeSuiteB)};
        b.espProposals = {*ParseEspSuite(c.espSuiteB)};
        b.preSharedKey = c.keyB;
        net.Connect(a, b);

        net.Run(Seconds(30));

        for (size_t side : {0u, 1u})
        {
            const auto failures = net.Failures(side);
            ASSERT_EQ(failures.size(), 1u) << c.name << " side " << side;
            EXPECT_EQ(ToString(failures[0].reason), ToString(c.reason))
                << c.name << " side " << side;
            EXPECT_EQ(failures[0].initiator, side == 0) << c.name << " side " << side;
            EXPECT_EQ(net.CountChildSa(side, ChildSaAction::InstallInbound), 0u) << c.name;
            EXPECT_EQ(net.CountChildSa(side, ChildSaAction::InstallOutbound), 0u) << c.name;
            EXPECT_EQ(net.endpoints[side]->GetIkeSaState(0),
                      c.ikeSaUp ? IkeSaState::Established : IkeSaState::Failed)
                << c.name << " side " << side;
        }
    }
}

TEST(IkeFailure, InvalidKePayloadRetriesGroup)
{
    IkePair net;
    IkeConnection a = IkePair::BaseConnection(IkeVersion::V2, kOnePair);
    a.ikeProposals
        = {*ParseIkeSuite("aes128-sha256-ecp256"), *ParseIkeSuite("aes128-sha256-modp2048")};
    IkeConnection b = ResponderOf(a);
    b.ikeProposals = {*ParseIkeSuite("aes128-sha256-modp2048")};
    net.Connect(a, b);

    net.Run(Seconds(5));

    // RFC 7296 s1.3: B picks the second proposal and requests its group with
    // INVALID_KE_PAYLOAD, and A sends IKE_SA_INIT again with a MODP-2048 KE.
    EXPECT_EQ(net.SentOf(0, IkeExchange::IkeSaInit), 2u);
    EXPECT_EQ(net.SentOf(1, IkeExchange::IkeSaInit), 2u);
    // The second request carries a 256-byte MODP-2048 value instead of 64 bytes of ECP-256.
    ASSERT_GE(net.sent.size(), 3u);
    EXPECT_EQ(net.sent[2].size - net.sent[0].size, 256u - 64u);
    EXPECT_EQ(net.endpoints[0]->GetIkeSaState(0), IkeSaState::Established);
    EXPECT_EQ(net.endpoints[0]->GetActiveChildSaCount(0), 1u);
    EXPECT_TRUE(net.Failures(0).empty());
    EXPECT_TRUE(net.Failures(1).empty());
}

struct SelectorCase
{
    std::string name;
    IkeVersion version;
    SelectorMatchStyle styleB;
    std::vector<SelectorPair> selectorsB; ///< B's view
    bool accepted;
    IkeFailureReason reason;
    std::vector<std::string> mustMention; ///< in both gateways' failure detail
};

TEST(IkeFailure, SelectorsRejectedOnBothSides)
{
    // A proposes 10.1.0.0/16 <-> 10.2.0.0/24; B splits 10.1.0.0/16 into two halves.
    const std::vector<SelectorPair> selectorsA = {Pair("10.1.0.0/16", "10.2.0.0/24")};
    const std::vector<SelectorPair> halvesB
        = {Pair("10.2.0.0/24", "10.1.0.0/17"), Pair("10.2.0.0/24", "10.1.128.0/17")};
    const SelectorCase cases[] = {
        {"ikev1 strict halves",
         IkeVersion::V1,
         SelectorMatchStyle::Ikev1Strict,
         halvesB,
         false,
         IkeFailureReason::InvalidIdInformation,
         {"TSi 10.1.0.0/16 TSr 10.2.0.0/24", "ikev1-strict", "no-exact-mirror",
          "TSi 10.1.0.0/17 TSr 10.2.0.0/24", "TSi 10.1.128.0/17 TSr 10.2.0.0/24"}},
        {"ikev2 strict halves",
         IkeVersion::V2,
         SelectorMatchStyle::Ikev1Strict,
         halvesB,
         false,
         IkeFailureReason::TsUnacceptable,
         {"TSi 10.1.0.0/16 TSr 10.2.0.0/24", "ikev1-strict", "TSi 10.1.0.0/17 TSr 10.2.0.0/24"}},
        {"ikev2 disjoint",
         IkeVersion::V2,
         SelectorMatchStyle::Ikev2Narrowing,
         {Pair("10.2.9.0/24", "10.9.0.0/16")},
         false,
         IkeFailureReason::TsUnacceptable,
         {"TSi 10.1.0.0/16 TSr 10.2.0.0/24", "ikev2-narrowing", "no-intersection",
          "TSi 10.9.0.0/16 TSr 10.2.9.0/24"}},
        {"ikev2 narrowed halves",
         IkeVersion::V2,
         SelectorMatchStyle::Ikev2Narrowing,
         halvesB,
         true,
         IkeFailureReason::TsUnacceptable,
         {}},
    };
    for (const auto& c : cases)
    {
        IkePair net;
        IkeConnection a = IkePair::BaseConnection(c.version, selectorsA);
        IkeConnection b = a;
        b.startAction = IkeStartAction::None;
        b.selectors = c.selectorsB;
        b.matchStyle = c.styleB;
        net.Connect(a, b);

        net.Run(Seconds(10));

        if (c.accepted)
        {
            ASSERT_EQ(net.childSaEvents[0].size(), 2u) << c.name;
            EXPECT_EQ(net.childSaEvents[0][0].parameters.selectors.size(), 2u) << c.name;
            EXPECT_EQ(net.childSaEvents[0][0].parameters.selectors[0].ToString(),
                      "10.1.0.0/17 <-> 10.2.0.0/24")
                << c.name;
            EXPECT_EQ(net.childSaEvents[0][0].parameters.selectors[1].ToString(),
                      "10.1.128.0/17 <-> 10.2.0.0/24")
                << c.name;
            EXPECT_EQ(net.childSaEvents[1][0].parameters.selectors[0].ToString(),
                      "10.2.0.0/24 <-> 10.1.0.0/17")
                << c.name;
            EXPECT_TRUE(net.Failures(0).empty()) << c.name;
            continue;
        }
        for (size_t side : {0u, 1u})
        {
            const auto failures = net.Failures(side);
            ASSERT_EQ(failures.size(), 1u) << c.name << " side " << side;
            EXPECT_EQ(failures[0].reason, c.reason) << c.name << " side " << side;
            EXPECT_EQ(failures[0].kind, IkeNegotiationKind::ChildSa) << c.name;
            for (const auto& text : c.mustMention)
            {
                EXPECT_NE(failures[0].detail.find(text), std::string::npos)
                    << c.name << " side " << side << ": " << failures[0].detail;
            }
            // Never up on one side only.
            EXPECT_EQ(net.CountChildSa(side, ChildSaAction::InstallInbound), 0u) << c.name;
            EXPECT_EQ(net.CountChildSa(side, ChildSaAction::InstallOutbound), 0u) << c.name;
        }
    }
}

std::vector<SelectorPair>
Mesh(size_t localCount, size_t remoteCount)
{
    std::vector<SelectorPair> pairs;
    for (size_t i = 1; i <= localCount; ++i)
    {
        for (size_t j = 1; j <= remoteCount; ++j)
        {
            pairs.push_back(
                Pair("10.1." + std::to_string(i) + ".0/24", "10.2." + std::to_string(j) + ".0/24"));
        }
    }
    return pairs;
}

TEST(IkeDesigns, PolicyBasedNeedsNineRouteBasedOne)
{
    struct DesignCase
    {
        std::string name;
        IkeVersion version;
        std::vector<SelectorPair> selectors;
        uint64_t childSas;
        IkeExchange childExchange;
        uint64_t childExchangeRequests; ///< by the initiator
    };
    const DesignCase cases[] = {
        {"ikev2 policy 3x3", IkeVersion::V2, Mesh(3, 3), 9, IkeExchange::CreateChildSa, 8},
        {"ikev1 policy 3x3", IkeVersion::V1, Mesh(3, 3), 9, IkeExchange::QuickMode, 2 * 9},
        {"ikev2 route any",
         IkeVersion::V2,
         {Pair("0.0.0.0/0", "0.0.0.0/0")},
         1,
         IkeExchange::CreateChildSa,
         0},
        {"ikev1 route gre",
         IkeVersion::V1,
         {Pair("192.0.2.1/proto=47", "192.0.2.2/proto=47")},
         1,
         IkeExchange::QuickMode,
         2},
    };
    for (const auto& c : cases)
    {
        IkePair net;
        net.Connect(c.version, c.selectors);

        net.Run(Seconds(20));

        EXPECT_EQ(net.endpoints[0]->GetCounters().childSaNegotiations, c.childSas) << c.name;
        EXPECT_EQ(net.endpoints[0]->GetCounters().childSasEstablished, c.childSas) << c.name;
        EXPECT_EQ(net.endpoints[1]->GetCounters().childSasEstablished, c.childSas) << c.name;
        EXPECT_EQ(net.endpoints[0]->GetActiveChildSaCount(0), c.childSas) << c.name;
        EXPECT_EQ(net.endpoints[1]->GetActiveChildSaCount(0), c.childSas) << c.name;
        EXPECT_EQ(net.CountChildSa(1, ChildSaAction::InstallOutbound), c.childSas) << c.name;
        EXPECT_EQ(net.SentOf(0, c.childExchange), c.childExchangeRequests) << c.name;
        EXPECT_EQ(net.endpoints[0]->GetCounters().ikeSasEstablished, 1u) << c.name;
    }
}

TEST(IkeRekey, MakeBeforeBreakOrder)
{
    for (IkeVersion version : {IkeVersion::V1, IkeVersion::V2})
    {
        IkePair net;
        IkeConnection a = IkePair::BaseConnection(version, kOnePair);
        a.childLifetime = Seconds(60);
        a.rekeyMargin = Seconds(10);
        a.rekeyFuzz = 0;
        net.Connect(a);

        net.Run(Seconds(75));

        // Rekeyed once at 50 s after installation; never without an outbound SA.
        EXPECT_EQ(net.endpoints[0]->GetCounters().rekeys, 1u) << ToString(version);
        EXPECT_EQ(net.endpoints[1]->GetCounters().rekeys, 1u) << ToString(version);
        for (size_t side : {0u, 1u})
        {
            const auto& events = net.childSaEvents[side];
            std::vector<std::string> actions;
            int outbound = 0;
            int inbound = 0;
            for (const auto& event : events)
            {
                actions.push_back(std::string(ToString(event.action)));
                outbound += event.action == ChildSaAction::InstallOutbound  ? 1
                            : event.action == ChildSaAction::RemoveOutbound ? -1
                                                                            : 0;
                inbound += event.action == ChildSaAction::InstallInbound  ? 1
                           : event.action == ChildSaAction::RemoveInbound ? -1
                                                                          : 0;
                if (event.time > kStart + Seconds(1))
                {
                    EXPECT_GE(outbound, 1) << ToString(version) << " side " << side;
                    EXPECT_GE(inbound, 1) << ToString(version) << " side " << side;
                }
            }
            // The new inbound SA comes before the old outbound goes; the old inbound goes last.
            const std::vector<std::string> expected
                = {"install-inbound",  "install-outbound", "install-inbound",
                   "install-outbound", "remove-outbound",  "remove-inbound"};
            EXPECT_EQ(actions, expected) << ToString(version) << " side " << side;
            EXPECT_EQ(outbound, 1) << ToString(version) << " side " << side;
            EXPECT_EQ(inbound, 1) << ToString(version) << " side " << side;
        }
    }
}

TEST(IkeRekey, JitterFromSeededStream)
{
    std::vector<Time> rekeyTimes;
    for (int run = 0; run < 2; ++run)
    {
        IkePair net;
        IkeConnection a = IkePair::BaseConnection(IkeVersion::V2, kOnePair);
        a.childLifetime = Seconds(100);
        a.rekeyMargin = Seconds(20);
        a.rekeyFuzz = 1.0;
        net.Connect(a);

        net.Run(Seconds(99));

        std::optional<Time> rekeyed;
        for (const auto& record : net.endpoints[0]->GetNegotiations())
        {
            if (record.kind == IkeNegotiationKind::Rekey)
            {
                rekeyed = record.started;
            }
        }
        ASSERT_TRUE(rekeyed.has_value()) << "run " << run;
        const Time installed = net.childSaEvents[0].front().time;
        // Rekey at lifetime - margin - U(0, margin * fuzz): between 60 s and 80 s.
        EXPECT_GE(*rekeyed - installed, Seconds(60));
        EXPECT_LE(*rekeyed - installed, Seconds(80));
        rekeyTimes.push_back(*rekeyed);
    }
    EXPECT_EQ(rekeyTimes[0], rekeyTimes[1]);
}

TEST(IkeDeterminism, SameSeedSameSpisAndKeys)
{
    std::vector<std::vector<ChildSaEvent>> runs;
    for (int run = 0; run < 2; ++run)
    {
        IkePair net;
        net.Connect(IkeVersion::V2, Mesh(1, 2));
        net.Run(Seconds(5));
        runs.push_back(net.childSaEvents[0]);
    }
    ASSERT_EQ(runs[0].size(), runs[1].size());
    for (size_t i = 0; i < runs[0].size(); ++i)
    {
        EXPECT_EQ(runs[0][i].parameters.inboundSpi, runs[1][i].parameters.inboundSpi);
        EXPECT_EQ(runs[0][i].parameters.outboundKeys.encryptionKey,
                  runs[1][i].parameters.outboundKeys.encryptionKey);
    }
}

TEST(IkeKeys, BothEndsDeriveSameKeys)
{
    IkePair net;
    net.Connect(IkeVersion::V2, kOnePair);

    net.Run(Seconds(5));

    ASSERT_FALSE(net.childSaEvents[0].empty());
    ASSERT_FALSE(net.childSaEvents[1].empty());
    const ChildSaParameters& a = net.childSaEvents[0].front().parameters;
    const ChildSaParameters& b = net.childSaEvents[1].front().parameters;
    EXPECT_EQ(a.outboundSpi, b.inboundSpi);
    EXPECT_EQ(a.inboundSpi, b.outboundSpi);
    EXPECT_EQ(a.outboundKeys.encryptionKey, b.inboundKeys.encryptionKey);
    EXPECT_EQ(a.inboundKeys.encryptionKey, b.outboundKeys.encryptionKey);
    EXPECT_NE(a.inboundKeys.encryptionKey, a.outboundKeys.encryptionKey);
    EXPECT_EQ(a.outboundKeys.encryptionKey.size(), a.suite.EncryptionKeySize());
}

TEST(IkeDeadPeer, ActionsAfterLinkCut)
{
    struct DpdCase
    {
        DpdAction action;
        uint64_t initsAfterCut;    ///< IKE_SA_INIT requests (first transmissions) after the cut
        uint64_t rejectedAcquires; ///< of the one acquire after the peer was declared dead
    };
    for (const DpdCase& c : {DpdCase{DpdAction::Clear, 0, 1}, DpdCase{DpdAction::Restart, 1, 0},
                             DpdCase{DpdAction::Hold, 1, 0}})
    {
        IkePair net;
        IkeConnection a = IkePair::BaseConnection(IkeVersion::V2, kOnePair);
        a.dpdDelay = Seconds(10);
        a.dpdTimeout = Seconds(30);
        a.dpdAction = c.action;
        IkeConnection b = ResponderOf(a);
        b.dpdDelay = Seconds(0);
        net.Connect(a, b);
        net.CutLinkAt(Seconds(15));
        // One packet for the protected pair after the peer was declared dead (at 51 s).
        ns3::Simulator::Schedule(Seconds(55),
                                 [&net]()
                                 {
                                     ns3::Ipv4Header header;
                                     header.SetSource(ns3::Ipv4Address("10.1.1.10"));
                                     header.SetDestination(ns3::Ipv4Address("10.2.1.10"));
                                     net.endpoints[0]->Acquire(ns3::Create<ns3::Packet>(100),
                                                               header);
                                 });

        net.Run(Seconds(60));

        const std::string name(ToString(c.action));
        // The check sent at 21 s (10 s after the response to the one at 11 s) goes
        // unanswered, and 30 s later the peer is declared dead.
        const auto failures = net.Failures(0);
        ASSERT_FALSE(failures.empty()) << name;
        EXPECT_EQ(failures[0].reason, IkeFailureReason::PeerDead) << name;
        EXPECT_EQ(failures[0].kind, IkeNegotiationKind::Liveness) << name;
        EXPECT_GT(failures[0].time, Seconds(51)) << name;
        EXPECT_LT(failures[0].time, Seconds(51.1)) << name;
        EXPECT_EQ(net.endpoints[0]->GetCounters().deadPeers, 1u) << name;
        EXPECT_EQ(net.CountChildSa(0, ChildSaAction::RemoveInbound), 1u) << name;
        EXPECT_EQ(net.CountChildSa(0, ChildSaAction::RemoveOutbound), 1u) << name;
        uint64_t inits = 0;
        for (const auto& record : net.sent)
        {
            inits += record.exchange == IkeExchange::IkeSaInit && !record.response ? 1 : 0;
        }
        EXPECT_EQ(inits - 1, c.initsAfterCut) << name;
        EXPECT_EQ(DropCount(net.endpoints[0], IkeDropReason::AcquireRejected), c.rejectedAcquires)
            << name;
    }
}

TEST(IkeAcquire, TrapQueuesAndReleases)
{
    IkePair net;
    IkeConnection a = IkePair::BaseConnection(IkeVersion::V2, kOnePair);
    a.startAction = IkeStartAction::Trap;
    net.Connect(a);
    net.endpoints[0]->SetAttribute("AcquireQueueSize", ns3::UintegerValue(1));
    std::vector<Time> released;
    net.endpoints[0]->SetReleaseCallback(IkeEndpoint::ReleaseCallback(
        [&released](ns3::Ptr<ns3::Packet>, const ns3::Ipv4Header&)
        {
            released.push_back(ns3::Simulator::Now());
        }));
    auto acquire = [&net](const char* source, const char* destination)
    {
        ns3::Ipv4Header header;
        header.SetSource(ns3::Ipv4Address(source));
        header.SetDestination(ns3::Ipv4Address(destination));
        header.SetProtocol(kIpProtocolUdp);
        return net.endpoints[0]->Acquire(ns3::Create<ns3::Packet>(100), header);
    };
    bool first = false;
    bool second = false;
    bool unrelated = true;
    ns3::Simulator::Schedule(Seconds(2),
                             [&]()
                             {
                                 first = acquire("10.1.1.10", "10.2.1.20");
                                 second = acquire("10.1.1.11", "10.2.1.20");
                                 unrelated = acquire("10.1.7.10", "10.2.1.20");
                             });

    net.Run(Seconds(5));

    EXPECT_TRUE(first);
    EXPECT_TRUE(second);
    EXPECT_FALSE(unrelated);
    EXPECT_EQ(net.endpoints[0]->GetCounters().acquires, 2u);
    EXPECT_EQ(net.endpoints[0]->GetCounters().acquireDrops, 1u);
    ASSERT_EQ(released.size(), 1u);
    EXPECT_EQ(released[0], net.Finished(0, IkeNegotiationKind::ChildSa));
    // No negotiation before the first packet (start action trap).
    ASSERT_FALSE(net.sent.empty());
    EXPECT_GE(net.endpoints[0]->GetNegotiations().front().started, Seconds(2));
}

TEST(IkeEndpointDrops, MalformedAndUnknownDatagrams)
{
    IkePair net;
    net.Connect(IkeVersion::V2, kOnePair);
    // Datagrams from gwA's address to gwB's IKE port, sent outside gwA's endpoint.
    ns3::Ptr<ns3::Socket> socket
        = ns3::Socket::CreateSocket(net.nodes.Get(0), ns3::UdpSocketFactory::GetTypeId());
    socket->Bind(ns3::InetSocketAddress(IkePair::kAddressA, 5000));
    auto send = [socket](const std::string& hex)
    {
        const Bytes bytes = FromHex(hex).value_or(Bytes{});
        socket->SendTo(ns3::Create<ns3::Packet>(bytes.data(), bytes.size()), 0,
                       ns3::InetSocketAddress(IkePair::kAddressB, kIkeUdpPort));
    };
    const std::string spis = "01020304050607081112131415161718";
    const std::string tail = "00000000"
                             "0000001c"; // message ID 0, length 28
    const std::vector<std::string> datagrams = {
        "0102030405",             // shorter than a header: malformed
        spis + "00202508" + tail, // INFORMATIONAL, no such SA: unknown SPI
        spis + "00206308" + tail, // exchange type 99: malformed
        spis + "00102208" + tail, // IKEv1 header, no such SA: unknown SPI
        spis.substr(0, 16) + std::string(16, '0') + "00100208" + tail, // Main Mode to an
                                                                       // IKEv2 connection
    };
    ns3::Simulator::Schedule(Seconds(3),
                             [&]()
                             {
                                 for (const std::string& datagram : datagrams)
                                 {
                                     send(datagram);
                                 }
                             });

    net.Run(Seconds(4));

    EXPECT_EQ(DropCount(net.endpoints[1], IkeDropReason::Malformed), 2u);
    EXPECT_EQ(DropCount(net.endpoints[1], IkeDropReason::UnknownSpi), 2u);
    // Main Mode for an IKEv2 connection.
    EXPECT_EQ(DropCount(net.endpoints[1], IkeDropReason::NoConnection), 1u);
    EXPECT_EQ(net.endpoints[1]->GetCounters().drops, 5u);
    EXPECT_EQ(net.endpoints[1]->GetActiveChildSaCount(0), 1u);
}

TEST(IkeConnectionConfig, RejectsInvalid)
{
    IkeConnection valid = IkePair::BaseConnection(IkeVersion::V1, kOnePair);
    valid.localAddress = ns3::Ipv4Address("192.0.2.1");
    valid.remoteAddress = ns3::Ipv4Address("192.0.2.2");
    EXPECT_EQ(valid.Validate(), "");

    IkeConnection noKey = valid;
    noKey.preSharedKey.clear();
    IkeConnection gcmV1 = valid;
    gcmV1.ikeProposals = {*ParseIkeSuite("aes128gcm16-prfsha256-modp2048")};
    IkeConnection fuzz = valid;
    fuzz.rekeyFuzz = 1.5;
    IkeConnection margin = valid;
    margin.rekeyMargin = valid.childLifetime;
    IkeConnection noSelectors = valid;
    noSelectors.selectors.clear();
    for (const auto& [name, connection] :
         {std::make_pair("no key", noKey), std::make_pair("gcm ikev1", gcmV1),
          std::make_pair("fuzz", fuzz), std::make_pair("margin", margin),
          std::make_pair("no selectors", noSelectors)})
    {
        EXPECT_NE(connection.Validate(), "") << name;
        auto endpoint = ns3::CreateObject<IkeEndpoint>();
        EXPECT_THROW(endpoint->AddConnection(connection), std::invalid_argument) << name;
    }
}

} // namespace
} // namespace tunnelsim
