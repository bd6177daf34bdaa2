// A gateway that loses power and comes back (IkeEndpoint::PowerOff and PowerOn), with the
// real ESP data path (IpsecHelper + IkeHelper) under steady traffic from hostA to hostB:
// - the initiator gwA restarts: it sends nothing while it goes down, and the INITIAL_CONTACT
//   of its new IKE SA makes gwB drop the old SAs before it installs the new ones;
// - the responder gwB restarts: gwA keeps sealing with the old SA and gwB drops those
//   packets as unknown-spi, for good without dead peer detection, and until DPD replaces
//   the SA with it.
//
//   hostA 10.1.1.2 --- gwA --------- 192.0.2.0/30 --------- gwB --- hostB 10.2.1.2
//        10.1.1.0/24   .1  .1        100 Mbit/s, 10 ms       .2  .1   10.2.1.0/24
//                      IkeEndpoint + IPsec stack   IkeEndpoint + IPsec stack
//                      (initiator, start)          (responder)
//
// Both gateways have one PROTECT entry, 10.1.1.0/24 <-> 10.2.1.0/24 (mirrored on gwB), and
// no route to the other site: traffic crosses only through the negotiated SAs.
//
// IkeSiteNetwork (tests/common/ike-test-network.h) builds this network.
#include "ike-test-network.h"

#include <gtest/gtest.h>

namespace tunnelsim
{
namespace
{

using ns3::MilliSeconds;
using ns3::Seconds;
using ns3::Time;

const Time kLanDelay = IkeSiteNetwork::kLanDelay;
const Time kWanDelay = IkeSiteNetwork::kWanDelay;
/// Probes from hostA: one every kProbeInterval from kFirstProbe.
const Time kFirstProbe = Seconds(1.5);
const Time kProbeInterval = MilliSeconds(100);

/** The two sites, with the IKE messages gwA sends and each gateway's CHILD SA actions. */
class Sites : public IkeSiteNetwork
{
  public:
    explicit Sites(IkeVersion version)
      : IkeSiteNetwork(ParseSelectorPair("10.1.1.0/24", "10.2.1.0/24"), "restart test key")
    {
        connection.version = version;
        connection.matchStyle = SelectorMatchStyle::Ikev1Strict;
    }

    using IkeSiteNetwork::SendProbes;

    void StartIke()
    {
        IkeSiteNetwork::StartIke(7, 10);
        endpointA->TraceConnectWithoutContext("MessageSent",
                                              ns3::Callback<void, const IkeMessageRecord&>(
                                                  [this](const IkeMessageRecord&)
                                                  {
                                                      sentByA.push_back(ns3::Simulator::Now());
                                                  }));
        for (auto [endpoint, events] :
             {std::make_pair(endpointA, &childSaA), std::make_pair(endpointB, &childSaB)})
        {
            endpoint->TraceConnectWithoutContext(
                "ChildSa", ns3::Callback<void, ChildSaAction, const ChildSaParameters&>(
                               [events](ChildSaAction action, const ChildSaParameters& p)
                               {
                                   events->push_back({action, p, ns3::Simulator::Now()});
                               }));
        }
    }

    /// Schedule probes from hostA to hostB, one every kProbeInterval from kFirstProbe until
    /// @p end.
    void SendProbes(Time end)
    {
        // One probe for each whole or partial interval in [kFirstProbe, end).
        const int64_t span = (end - kFirstProbe).GetTimeStep();
        const int64_t step = kProbeInterval.GetTimeStep();
        const auto count = static_cast<uint32_t>((span + step - 1) / step);
        probeTimes = SendProbes(hostA, hostAddressB, kFirstProbe, kProbeInterval, count);
    }

    void Power(ns3::Ptr<IkeEndpoint> endpoint, Time off, Time on)
    {
        ns3::Simulator::Schedule(off, &IkeEndpoint::PowerOff, endpoint);
        ns3::Simulator::Schedule(on, &IkeEndpoint::PowerOn, endpoint);
    }

    /// Probes that reach gwA in [from, to): hostA sends each one kLanDelay earlier, plus
    /// its serialization, well below the 100 ms spacing.
    size_t ProbesReachingGatewayIn(Time from, Time to) const
    {
        return std::count_if(probeTimes.begin(), probeTimes.end(),
                             [&](Time sent)
                             {
                                 const Time atGateway = sent + kLanDelay;
                                 return atGateway >= from && atGateway < to;
                             });
    }

    /// Time of the first @p action on @p events at or after @p from.
    static std::optional<Time> FirstAfter(const std::vector<ChildSaEvent>& events,
                                          ChildSaAction action, Time from)
    {
        for (const ChildSaEvent& event : events)
        {
            if (event.action == action && event.time >= from)
            {
                return event.time;
            }
        }
        return std::nullopt;
    }

    std::vector<Time> probeTimes;
    std::vector<Time> sentByA; ///< every IKE message gwA sent, retransmissions included
    std::vector<ChildSaEvent> childSaA;
    std::vector<ChildSaEvent> childSaB;
};

TEST(IkeRestart, InitiatorRestartSendsNoDelete)
{
    for (IkeVersion version : {IkeVersion::V2, IkeVersion::V1})
    {
        const std::string name(ToString(version));
        Sites net(version);
        net.StartIke();
        net.SendProbes(Seconds(8));
        const Time off = Seconds(3.05);
        const Time on = Seconds(5.05);
        net.Power(net.endpointA, off, on);
        size_t sadSizeWhileOff = 99;
        ns3::Simulator::Schedule(off + MilliSeconds(1),
                                 [&net, &sadSizeWhileOff]()
                                 {
                                     sadSizeWhileOff = net.SadSize(net.gwA);
                                 });

        net.Run(Seconds(9));

        // Silent: nothing at power off, and no delete at any time.
        EXPECT_EQ(std::count_if(net.sentByA.begin(), net.sentByA.end(),
                                [&](Time t)
                                {
                                    return t >= off && t < on;
                                }),
                  0)
            << name;
        EXPECT_EQ(SentCount(net.endpointA, InformationalOf(version)), 0u) << name;
        EXPECT_EQ(ReceivedCount(net.endpointB, InformationalOf(version)), 0u) << name;
        // The power loss released gwA's CHILD SA halves from its SAD.
        EXPECT_EQ(sadSizeWhileOff, 0u) << name;

        // The new IKE SA carried INITIAL_CONTACT (so did the first one, at cold start), and
        // gwB discarded its old IKE SA and CHILD SA before installing the new ones.
        EXPECT_EQ(net.endpointA->GetCounters().initialContactsSent, 2u) << name;
        EXPECT_EQ(net.endpointB->GetCounters().initialContactsReceived, 2u) << name;
        EXPECT_EQ(net.endpointB->GetCounters().ikeSasDiscarded, 1u) << name;
        const auto oldRemoved = Sites::FirstAfter(net.childSaB, ChildSaAction::RemoveInbound, on);
        const auto newInstalled
            = Sites::FirstAfter(net.childSaB, ChildSaAction::InstallInbound, on);
        ASSERT_TRUE(oldRemoved.has_value()) << name;
        ASSERT_TRUE(newInstalled.has_value()) << name;
        EXPECT_LE(*oldRemoved, *newInstalled) << name;
        EXPECT_EQ(net.endpointB->GetActiveChildSaCount(0), 1u) << name;
        EXPECT_EQ(net.SadSize(net.gwB), 2u) << name;
        EXPECT_EQ(net.SadSize(net.gwA), 2u) << name;

        // Traffic flows again once gwA's new outbound SA exists: every probe that reached
        // gwA while it had no outbound SA is lost, every other one arrives.
        const auto outboundAgain
            = Sites::FirstAfter(net.childSaA, ChildSaAction::InstallOutbound, on);
        ASSERT_TRUE(outboundAgain.has_value()) << name;
        // IKEv2: 2 round trips; IKEv1: Main Mode (3) and Quick Mode up to message 2 (1).
        const int roundTrips = version == IkeVersion::V2 ? 2 : 4;
        EXPECT_GT(*outboundAgain, on + 2 * roundTrips * kWanDelay) << name;
        EXPECT_LT(*outboundAgain, on + 2 * roundTrips * kWanDelay + MilliSeconds(1)) << name;
        const size_t lost = net.ProbesReachingGatewayIn(off, *outboundAgain);
        EXPECT_GT(lost, 0u) << name;
        EXPECT_EQ(net.receivedAtB.size(), net.probeTimes.size() - lost) << name;
    }
}

TEST(IkeRestart, PowerOffDropsQueuedPackets)
{
    Sites net(IkeVersion::V2);
    net.connection.startAction = IkeStartAction::Trap;
    net.ike.SetAttribute("AcquireQueueSize", ns3::UintegerValue(8));
    net.StartIke();
    // Three packets wait for the CHILD SA that the first one triggered; the gateway loses
    // power before the negotiation (two 10 ms round trips) ends.
    net.SendProbes(net.hostA, net.hostAddressB, Seconds(2), MilliSeconds(1), 3);
    const Time off = Seconds(2.02);
    ns3::Simulator::Schedule(off, &IkeEndpoint::PowerOff, net.endpointA);

    net.Run(Seconds(4));

    EXPECT_EQ(DropCount(net.endpointA, IkeDropReason::PowerLoss), 3u);
    EXPECT_EQ(net.endpointA->GetCounters().acquireDrops, 3u);
    EXPECT_TRUE(net.receivedAtB.empty());
    EXPECT_FALSE(net.endpointA->IsRunning());
    EXPECT_EQ(std::count_if(net.sentByA.begin(), net.sentByA.end(),
                            [off](Time t)
                            {
                                return t >= off;
                            }),
              0);
    // gwB responded to IKE_SA_INIT and waits for an IKE_AUTH that never comes.
    EXPECT_EQ(net.endpointB->GetActiveChildSaCount(0), 0u);
}

TEST(IkeRestart, ResponderRestartWithoutDpdDropsForGood)
{
    for (IkeVersion version : {IkeVersion::V2, IkeVersion::V1})
    {
        const std::string name(ToString(version));
        Sites net(version);
        net.StartIke();
        net.SendProbes(Seconds(8));
        const Time off = Seconds(3.05);
        net.Power(net.endpointB, off, Seconds(3.55));

        net.Run(Seconds(9));

        // gwA never learns of the restart and seals every later probe with the old SA,
        // whose SPI gwB no longer has.
        const size_t afterOff = net.ProbesReachingGatewayIn(off, Seconds(9));
        EXPECT_EQ(net.EspDrops(net.gwB, IpsecDropReason::UnknownSpi), afterOff) << name;
        EXPECT_EQ(net.receivedAtB.size(), net.probeTimes.size() - afterOff) << name;
        EXPECT_EQ(net.endpointA->GetIkeSaState(0), IkeSaState::Established) << name;
        EXPECT_EQ(net.endpointA->GetCounters().ikeSasEstablished, 1u) << name;
        EXPECT_EQ(net.SadSize(net.gwB), 0u) << name;
    }
}

TEST(IkeRestart, ResponderRestartRecoversByDpd)
{
    for (IkeVersion version : {IkeVersion::V2, IkeVersion::V1})
    {
        const std::string name(ToString(version));
        Sites net(version);
        net.connection.dpdDelay = Seconds(1);
        net.connection.dpdTimeout = Seconds(3);
        net.connection.dpdAction = DpdAction::Restart;
        net.StartIke();
        net.SendProbes(Seconds(12));
        const Time off = Seconds(3.25);
        const Time on = Seconds(3.55);
        net.Power(net.endpointB, off, on);

        net.Run(Seconds(13));

        // The first liveness check after the restart reaches gwB with SPIs it no longer
        // has. Unanswered, it makes gwA declare gwB dead after the DPD timeout and negotiate
        // a new IKE SA.
        EXPECT_GE(DropCount(net.endpointB, IkeDropReason::UnknownSpi), 1u) << name;
        EXPECT_EQ(net.endpointA->GetCounters().deadPeers, 1u) << name;
        ASSERT_EQ(net.endpointA->GetFailures().size(), 1u) << name;
        EXPECT_EQ(net.endpointA->GetFailures()[0].reason, IkeFailureReason::PeerDead) << name;
        const Time deadAt = net.endpointA->GetFailures()[0].time;
        // The last check that got a response went out before `off`, the next one within a DPD delay
        // after it, and the timeout follows that one.
        EXPECT_GT(deadAt, off + net.connection.dpdTimeout) << name;
        EXPECT_LT(deadAt, off + net.connection.dpdDelay + net.connection.dpdTimeout) << name;
        EXPECT_EQ(net.endpointA->GetCounters().ikeSasEstablished, 2u) << name;

        // Until DPD removes the old SA, gwB drops gwA's ESP as unknown-spi. Then gwA has
        // no outbound SA until the new one, and after it traffic flows.
        EXPECT_EQ(net.EspDrops(net.gwB, IpsecDropReason::UnknownSpi),
                  net.ProbesReachingGatewayIn(off, deadAt))
            << name;
        const auto outboundAgain
            = Sites::FirstAfter(net.childSaA, ChildSaAction::InstallOutbound, deadAt);
        ASSERT_TRUE(outboundAgain.has_value()) << name;
        const size_t lost = net.ProbesReachingGatewayIn(off, *outboundAgain);
        EXPECT_EQ(net.receivedAtB.size(), net.probeTimes.size() - lost) << name;
        EXPECT_EQ(net.SadSize(net.gwB), 2u) << name;
    }
}

} // namespace
} // namespace tunnelsim
