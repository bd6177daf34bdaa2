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
const Time kLanDelay = MilliSeconds(2);
const Time kWanDelay = MilliSeconds(10);
/// Probes from hostA: one every kProbeInterval from kFirstProbe.
const Time kFirstProbe = Seconds(1.5);
const Time kProbeInterval = MilliSeconds(100);

struct ChildSaEvent
{
    ChildSaAction action;
    uint32_t inboundSpi;
    uint32_t outboundSpi;
    Time time;
};

class Sites
{
  public:
    explicit Sites(IkeVersion version)
    {
        hostA = ns3::CreateObject<ns3::Node>();
        gwA = ns3::CreateObject<ns3::Node>();
        gwB = ns3::CreateObject<ns3::Node>();
        hostB = ns3::CreateObject<ns3::Node>();
        ns3::InternetStackHelper internet;
        internet.Install(ns3::NodeContainer(hostA, gwA, gwB, hostB));

        ns3::PointToPointHelper lan;
        lan.SetDeviceAttribute("DataRate", ns3::StringValue("100Mbps"));
        lan.SetChannelAttribute("Delay", ns3::TimeValue(kLanDelay));
        ns3::PointToPointHelper wan;
        wan.SetDeviceAttribute("DataRate", ns3::StringValue("100Mbps"));
        wan.SetChannelAttribute("Delay", ns3::TimeValue(kWanDelay));
        ns3::Ipv4AddressHelper addresses;
        addresses.SetBase("10.1.1.0", "255.255.255.0", "0.0.0.1");
        auto lanA = addresses.Assign(lan.Install(gwA, hostA));
        addresses.SetBase("10.2.1.0", "255.255.255.0", "0.0.0.1");
        auto lanB = addresses.Assign(lan.Install(gwB, hostB));
        addresses.SetBase("192.0.2.0", "255.255.255.252");
        addresses.Assign(wan.Install(gwA, gwB));
        hostAddressB = lanB.GetAddress(1);

        ns3::Ipv4StaticRoutingHelper routing;
        routing.GetStaticRouting(hostA->GetObject<ns3::Ipv4>())
            ->SetDefaultRoute(lanA.GetAddress(0), 1);
        routing.GetStaticRouting(hostB->GetObject<ns3::Ipv4>())
            ->SetDefaultRoute(lanB.GetAddress(0), 1);

        ipsec.Install(gwA);
        ipsec.Install(gwB);
        const SelectorPair pair{*ParseTrafficSelector("10.1.1.0/24"),
                                *ParseTrafficSelector("10.2.1.0/24")};
        SecurityPolicy protect;
        protect.action = PolicyAction::Protect;
        protect.selectors = pair;
        ipsec.AddPolicy(gwA, protect);
        protect.selectors = pair.Mirrored();
        ipsec.AddPolicy(gwB, protect);

        connection.name = "site-a-site-b";
        connection.version = version;
        connection.matchStyle = SelectorMatchStyle::Ikev1Strict;
        connection.localAddress = ns3::Ipv4Address("192.0.2.1");
        connection.remoteAddress = ns3::Ipv4Address("192.0.2.2");
        connection.preSharedKey = "restart test key";
        connection.selectors = {pair};

        ns3::Ptr<ns3::Socket> socket
            = ns3::Socket::CreateSocket(hostB, ns3::UdpSocketFactory::GetTypeId());
        socket->Bind(ns3::InetSocketAddress(ns3::Ipv4Address::GetAny(), kProbePort));
        socket->SetRecvCallback(ns3::Callback<void, ns3::Ptr<ns3::Socket>>(
            [this](ns3::Ptr<ns3::Socket> s)
            {
                while (s->Recv())
                {
                    receivedByB.push_back(ns3::Simulator::Now());
                }
            }));
        m_sockets.push_back(socket);
    }

    ~Sites()
    {
        ns3::Simulator::Destroy();
        ns3::Names::Clear();
    }

    void StartIke()
    {
        ike.SetAttribute("Seed", ns3::UintegerValue(7));
        ike.AddConnectionPair(gwA, gwB, connection);
        IkeHelper::AssignStreams(ns3::NodeContainer(gwA, gwB), 10);
        endpointA = IkeHelper::GetEndpoint(gwA);
        endpointB = IkeHelper::GetEndpoint(gwB);
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
                                   events->push_back({action, p.inboundSpi, p.outboundSpi,
                                                      ns3::Simulator::Now()});
                               }));
        }
    }

    /// Probes from hostA to hostB until @p end.
    void SendProbes(Time end)
    {
        ns3::Ptr<ns3::Socket> socket
            = ns3::Socket::CreateSocket(hostA, ns3::UdpSocketFactory::GetTypeId());
        socket->Connect(ns3::InetSocketAddress(hostAddressB, kProbePort));
        m_sockets.push_back(socket);
        for (Time at = kFirstProbe; at < end; at += kProbeInterval)
        {
            probeTimes.push_back(at);
            ns3::Simulator::Schedule(at,
                                     [socket]()
                                     {
                                         socket->Send(ns3::Create<ns3::Packet>(kProbeSize));
                                     });
        }
    }

    void Power(ns3::Ptr<IkeEndpoint> endpoint, Time off, Time on)
    {
        ns3::Simulator::Schedule(off, &IkeEndpoint::PowerOff, endpoint);
        ns3::Simulator::Schedule(on, &IkeEndpoint::PowerOn, endpoint);
    }

    void Run(Time until)
    {
        ns3::Simulator::Stop(until);
        ns3::Simulator::Run();
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

    uint64_t EspDrops(ns3::Ptr<ns3::Node> node, IpsecDropReason reason) const
    {
        const auto drops = node->GetObject<IpsecStack>()->GetDropCounts();
        auto it = drops.find(reason);
        return it == drops.end() ? 0 : it->second;
    }

    static uint64_t IkeDrops(ns3::Ptr<IkeEndpoint> endpoint, IkeDropReason reason)
    {
        auto it = endpoint->GetDrops().find(reason);
        return it == endpoint->GetDrops().end() ? 0 : it->second;
    }

    static uint64_t Received(ns3::Ptr<IkeEndpoint> endpoint, IkeExchange exchange)
    {
        const auto& counts = endpoint->GetCounters().receivedByExchange;
        auto it = counts.find(exchange);
        return it == counts.end() ? 0 : it->second;
    }

    static uint64_t Sent(ns3::Ptr<IkeEndpoint> endpoint, IkeExchange exchange)
    {
        const auto& counts = endpoint->GetCounters().sentByExchange;
        auto it = counts.find(exchange);
        return it == counts.end() ? 0 : it->second;
    }

    size_t SadSize(ns3::Ptr<ns3::Node> node) const
    {
        auto sad = node->GetObject<IpsecStack>()->GetSad();
        return sad->GetNInbound() + sad->GetNOutbound();
    }

    ns3::Ptr<ns3::Node> hostA;
    ns3::Ptr<ns3::Node> gwA;
    ns3::Ptr<ns3::Node> gwB;
    ns3::Ptr<ns3::Node> hostB;
    ns3::Ipv4Address hostAddressB;
    IpsecHelper ipsec;
    IkeHelper ike;
    IkeConnection connection;
    ns3::Ptr<IkeEndpoint> endpointA;
    ns3::Ptr<IkeEndpoint> endpointB;
    std::vector<Time> probeTimes;
    std::vector<Time> receivedByB;
    std::vector<Time> sentByA; ///< every IKE message gwA sent, retransmissions included
    std::vector<ChildSaEvent> childSaA;
    std::vector<ChildSaEvent> childSaB;

  private:
    std::vector<ns3::Ptr<ns3::Socket>> m_sockets;
};

IkeExchange
InformationalOf(IkeVersion version)
{
    return version == IkeVersion::V2 ? IkeExchange::Informational : IkeExchange::Informational1;
}

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
        EXPECT_EQ(Sites::Sent(net.endpointA, InformationalOf(version)), 0u) << name;
        EXPECT_EQ(Sites::Received(net.endpointB, InformationalOf(version)), 0u) << name;
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
        EXPECT_EQ(net.receivedByB.size(), net.probeTimes.size() - lost) << name;
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
    ns3::Ptr<ns3::Socket> socket
        = ns3::Socket::CreateSocket(net.hostA, ns3::UdpSocketFactory::GetTypeId());
    socket->Connect(ns3::InetSocketAddress(net.hostAddressB, kProbePort));
    for (int i = 0; i < 3; ++i)
    {
        ns3::Simulator::Schedule(Seconds(2) + MilliSeconds(i),
                                 [socket]()
                                 {
                                     socket->Send(ns3::Create<ns3::Packet>(kProbeSize));
                                 });
    }
    const Time off = Seconds(2.02);
    ns3::Simulator::Schedule(off, &IkeEndpoint::PowerOff, net.endpointA);

    net.Run(Seconds(4));

    EXPECT_EQ(Sites::IkeDrops(net.endpointA, IkeDropReason::PowerLoss), 3u);
    EXPECT_EQ(net.endpointA->GetCounters().acquireDrops, 3u);
    EXPECT_TRUE(net.receivedByB.empty());
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
        EXPECT_EQ(net.receivedByB.size(), net.probeTimes.size() - afterOff) << name;
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
        EXPECT_GE(Sites::IkeDrops(net.endpointB, IkeDropReason::UnknownSpi), 1u) << name;
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
        EXPECT_EQ(net.receivedByB.size(), net.probeTimes.size() - lost) << name;
        EXPECT_EQ(net.SadSize(net.gwB), 2u) << name;
    }
}

} // namespace
} // namespace tunnelsim
