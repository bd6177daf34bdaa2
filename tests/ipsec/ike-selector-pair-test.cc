// Selector pairs added to and removed from a running connection (IkeEndpoint::
// AddSelectorPair and RemoveSelectorPair). A pair added to an established IKE SA is
// negotiated with CREATE_CHILD_SA or a new Quick Mode, at once with start action "start"
// and on its first acquired packet with "trap". A removed pair's CHILD SA is deleted with
// the peer. CHILD SAs go to a recording callback, so no data path is needed here.
//
//   gwA 192.0.2.1 ------------------------------ gwB 192.0.2.2
//   IkeEndpoint      point-to-point, 1 Gbit/s,      IkeEndpoint
//   (initiator)      10 ms one way                  (responder)
//
// IkeGatewayLink (tests/common/ike-test-network.h) builds this network.
#include "ike-test-network.h"
#include "ipv4-header.h"

#include <gtest/gtest.h>

namespace tunnelsim
{
namespace
{

using ns3::MilliSeconds;
using ns3::Seconds;
using ns3::Time;

const Time kLinkDelay = IkeGatewayLink::kLinkDelay;

const SelectorPair kFirst = ParseSelectorPair("10.1.1.0/24", "10.2.1.0/24");
const SelectorPair kSecond = ParseSelectorPair("10.1.2.0/24", "10.2.1.0/24");

/** The two gateways with one connection for kFirst, started with @p startAction on gwA. */
class Gateways : public IkeGatewayLink
{
  public:
    Gateways(IkeVersion version, IkeStartAction startAction)
      : IkeGatewayLink(5, 30)
    {
        IkeConnection connection;
        connection.name = "a-b";
        connection.version = version;
        connection.preSharedKey = "selector pair test key";
        connection.selectors = {kFirst};
        connection.matchStyle = SelectorMatchStyle::Ikev1Strict;
        connection.startAction = startAction;
        Connect(connection);
    }

    /// Add @p pair on both gateways at @p at, the responder first, as an operator would.
    void AddPairAt(Time at, const SelectorPair& pair)
    {
        ns3::Simulator::Schedule(at,
                                 [this, pair]()
                                 {
                                     endpoints[1]->AddSelectorPair(0, pair.Mirrored());
                                     endpoints[0]->AddSelectorPair(0, pair);
                                 });
    }

    /// Hand gwA's endpoint a packet from @p source to @p destination at @p at, as its IPsec
    /// stack does for a PROTECT entry without an SA.
    void AcquireAt(Time at, const std::string& source, const std::string& destination)
    {
        ns3::Simulator::Schedule(at,
                                 [this, source, destination]()
                                 {
                                     ns3::Ipv4Header header;
                                     header.SetSource(ns3::Ipv4Address(source.c_str()));
                                     header.SetDestination(ns3::Ipv4Address(destination.c_str()));
                                     header.SetProtocol(kIpProtocolUdp);
                                     endpoints[0]->Acquire(ns3::Create<ns3::Packet>(100), header);
                                 });
    }

    uint64_t Sent(size_t endpoint, IkeExchange exchange) const
    {
        return SentCount(endpoints[endpoint], exchange);
    }

    /// Finish time of the CHILD SA negotiation for @p pair on @p endpoint.
    std::optional<Time> ChildFinished(size_t endpoint, const SelectorPair& pair) const
    {
        return Finished(endpoint, IkeNegotiationKind::ChildSa, pair);
    }
};

TEST(IkeAddPair, StartNegotiatesOnRunningSa)
{
    for (IkeVersion version : {IkeVersion::V2, IkeVersion::V1})
    {
        const std::string name(ToString(version));
        Gateways net(version, IkeStartAction::Start);
        const Time added = Seconds(3);
        net.AddPairAt(added, kSecond);

        net.Run(Seconds(5));

        // One IKE SA carries both; the new pair took one exchange on it.
        EXPECT_EQ(net.endpoints[0]->GetCounters().ikeSasEstablished, 1u) << name;
        EXPECT_EQ(net.endpoints[0]->GetCounters().childSaNegotiations, 2u) << name;
        EXPECT_EQ(net.endpoints[0]->GetActiveChildSaCount(0), 2u) << name;
        EXPECT_EQ(net.endpoints[1]->GetActiveChildSaCount(0), 2u) << name;
        EXPECT_EQ(net.InstalledHalves(0), 4) << name;
        EXPECT_EQ(net.InstalledHalves(1), 4) << name;
        // IKEv2: the CREATE_CHILD_SA request and response. IKEv1: Quick Mode messages 1 and
        // 2 on top of the first Quick Mode's three.
        if (version == IkeVersion::V2)
        {
            EXPECT_EQ(net.Sent(0, IkeExchange::CreateChildSa), 1u) << name;
            EXPECT_EQ(net.Sent(1, IkeExchange::CreateChildSa), 1u) << name;
        }
        else
        {
            EXPECT_EQ(net.Sent(0, IkeExchange::QuickMode), 4u) << name;
            EXPECT_EQ(net.Sent(1, IkeExchange::QuickMode), 2u) << name;
        }
        // One round trip after the event, plus serialization at 1 Gbit/s.
        const auto done = net.ChildFinished(0, kSecond);
        ASSERT_TRUE(done.has_value()) << name;
        EXPECT_GE(*done, added + 2 * kLinkDelay) << name;
        EXPECT_LT(*done, added + 2 * kLinkDelay + MilliSeconds(1)) << name;
    }
}

TEST(IkeAddPair, TrapWaitsForAcquire)
{
    for (IkeVersion version : {IkeVersion::V2, IkeVersion::V1})
    {
        const std::string name(ToString(version));
        Gateways net(version, IkeStartAction::Trap);
        net.AcquireAt(Seconds(2), "10.1.1.5", "10.2.1.5");
        net.AddPairAt(Seconds(3), kSecond);
        uint64_t negotiationsBeforeAcquire = 0;
        ns3::Simulator::Schedule(Seconds(3.9),
                                 [&net, &negotiationsBeforeAcquire]()
                                 {
                                     negotiationsBeforeAcquire
                                         = net.endpoints[0]->GetCounters().childSaNegotiations;
                                 });
        net.AcquireAt(Seconds(4), "10.1.2.7", "10.2.1.5");

        net.Run(Seconds(5));

        EXPECT_EQ(negotiationsBeforeAcquire, 1u) << name;
        EXPECT_EQ(net.endpoints[0]->GetCounters().childSaNegotiations, 2u) << name;
        EXPECT_EQ(net.Sent(0, ChildExchangeOf(version)), version == IkeVersion::V2 ? 1u : 4u)
            << name;
        EXPECT_EQ(net.endpoints[0]->GetCounters().ikeSasEstablished, 1u) << name;
        EXPECT_EQ(net.endpoints[0]->GetActiveChildSaCount(0), 2u) << name;
        EXPECT_EQ(net.endpoints[1]->GetActiveChildSaCount(0), 2u) << name;
    }
}

TEST(IkeRemovePair, DeletesItsChildSa)
{
    for (IkeVersion version : {IkeVersion::V2, IkeVersion::V1})
    {
        const std::string name(ToString(version));
        Gateways net(version, IkeStartAction::Start);
        net.AddPairAt(Seconds(2), kSecond);
        bool removed = false;
        ns3::Simulator::Schedule(Seconds(4),
                                 [&net, &removed]()
                                 {
                                     removed = net.endpoints[0]->RemoveSelectorPair(0, kSecond);
                                 });

        net.Run(Seconds(6));

        EXPECT_TRUE(removed) << name;
        EXPECT_EQ(net.Sent(0, InformationalOf(version)), 1u) << name;
        // The peer removed its half of the pair on the delete.
        EXPECT_EQ(net.endpoints[0]->GetActiveChildSaCount(0), 1u) << name;
        EXPECT_EQ(net.endpoints[1]->GetActiveChildSaCount(0), 1u) << name;
        EXPECT_EQ(net.InstalledHalves(0), 2) << name;
        EXPECT_EQ(net.InstalledHalves(1), 2) << name;
        EXPECT_EQ(net.endpoints[0]->GetConnection(0).selectors.size(), 1u) << name;
        EXPECT_FALSE(net.endpoints[0]->RemoveSelectorPair(0, kSecond)) << name;
        EXPECT_TRUE(net.endpoints[0]->GetFailures().empty()) << name;
    }
}

TEST(IkeAddPair, RejectsInvalidPair)
{
    Gateways net(IkeVersion::V2, IkeStartAction::Start);
    SelectorPair invalid = kSecond;
    invalid.local.startAddress = invalid.local.endAddress + 1;
    EXPECT_THROW(net.endpoints[0]->AddSelectorPair(0, invalid), std::invalid_argument);
    EXPECT_EQ(net.endpoints[0]->GetConnection(0).selectors.size(), 1u);
}

} // namespace
} // namespace tunnelsim
