// Two-gateway ns-3 topologies for the IKE tests, and lookups on what the endpoints count.
//
// IkeGatewayLink: two gateways on one link, each with a bare IkeEndpoint whose CHILD SAs go
// to a recording callback (no data path). IkeSiteNetwork: two sites whose gateways run the
// IPsec stack (IpsecHelper) and IKE (IkeHelper), so negotiated SAs carry real ESP between
// the hosts. Each class comment draws its network. Build one object per simulation: the
// destructor destroys the simulator and clears the ns-3 names.
#ifndef TUNNELSIM_TESTS_IKE_TEST_NETWORK_H
#define TUNNELSIM_TESTS_IKE_TEST_NETWORK_H

#include "helper/ike-helper.h"
#include "helper/ipsec-helper.h"
#include "ipsec/ike-endpoint.h"
#include "ipsec/ipsec-stack.h"
#include "traffic-selector.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <gtest/gtest.h>
#include <optional>
#include <string>
#include <vector>

namespace tunnelsim
{

/// Return the count that @p counts stores for @p key, or 0 when the key is absent.
template<typename CountMap>
uint64_t
CountOf(const CountMap& counts, const typename CountMap::key_type& key)
{
    auto it = counts.find(key);
    return it == counts.end() ? 0 : it->second;
}

/// Count the IKE messages of @p exchange that @p endpoint sent, retransmissions included.
inline uint64_t
SentCount(ns3::Ptr<IkeEndpoint> endpoint, IkeExchange exchange)
{
    return CountOf(endpoint->GetCounters().sentByExchange, exchange);
}

/// Count the IKE messages of @p exchange that @p endpoint received and decoded.
inline uint64_t
ReceivedCount(ns3::Ptr<IkeEndpoint> endpoint, IkeExchange exchange)
{
    return CountOf(endpoint->GetCounters().receivedByExchange, exchange);
}

/// Count the datagrams and acquired packets that @p endpoint dropped for @p reason.
inline uint64_t
DropCount(ns3::Ptr<IkeEndpoint> endpoint, IkeDropReason reason)
{
    return CountOf(endpoint->GetDrops(), reason);
}

/// Return the exchange that carries deletes and liveness checks in @p version.
inline IkeExchange
InformationalOf(IkeVersion version)
{
    return version == IkeVersion::V2 ? IkeExchange::Informational : IkeExchange::Informational1;
}

/// Return the exchange that negotiates a CHILD SA on an established IKE SA in @p version.
inline IkeExchange
ChildExchangeOf(IkeVersion version)
{
    return version == IkeVersion::V2 ? IkeExchange::CreateChildSa : IkeExchange::QuickMode;
}

/// Parse the selector pair @p local <-> @p remote, each in ParseTrafficSelector's syntax.
/// Invalid text fails the calling test and yields an empty selector.
inline SelectorPair
ParseSelectorPair(const std::string& local, const std::string& remote)
{
    const auto parsedLocal = ParseTrafficSelector(local);
    const auto parsedRemote = ParseTrafficSelector(remote);
    EXPECT_TRUE(parsedLocal.has_value()) << local;
    EXPECT_TRUE(parsedRemote.has_value()) << remote;
    return SelectorPair{parsedLocal.value_or(TrafficSelector{}),
                        parsedRemote.value_or(TrafficSelector{})};
}

/// Return the peer's copy of @p initiator: addresses swapped, selectors mirrored and start
/// action None, so the peer only responds.
inline IkeConnection
ResponderOf(const IkeConnection& initiator)
{
    IkeConnection responder = IkeHelper::Mirror(initiator);
    responder.startAction = IkeStartAction::None;
    return responder;
}

/** One CHILD SA half installed or removed, with the simulation time it happened. */
struct ChildSaEvent
{
    ChildSaAction action;
    ChildSaParameters parameters;
    ns3::Time time;
};

/**
 * Two gateways on one link, each with an IkeEndpoint application started at kStartTime.
 * Every CHILD SA action of endpoint i is recorded in childSaEvents[i] and goes nowhere
 * else, so there is no data path.
 *
 *   gwA 192.0.2.1 ------------------------------ gwB 192.0.2.2
 *   IkeEndpoint      point-to-point, 1 Gbit/s,      IkeEndpoint
 *   endpoints[0]     10 ms one way                  endpoints[1]
 */
class IkeGatewayLink
{
  public:
    static inline const ns3::Time kLinkDelay = ns3::MilliSeconds(10);
    static constexpr const char* kLinkRate = "1Gbps";
    static inline const ns3::Time kStartTime = ns3::Seconds(1);
    static inline const ns3::Ipv4Address kAddressA{"192.0.2.1"};
    static inline const ns3::Ipv4Address kAddressB{"192.0.2.2"};

    /// Both endpoints get IkeEndpoint attributes "Seed" @p seed and "DhDelay" @p dhDelay.
    /// Endpoint i draws from random stream @p firstStream + i.
    IkeGatewayLink(uint64_t seed, int64_t firstStream, ns3::Time dhDelay = ns3::Seconds(0))
    {
        nodes.Create(2);
        ns3::PointToPointHelper link;
        link.SetDeviceAttribute("DataRate", ns3::StringValue(kLinkRate));
        link.SetChannelAttribute("Delay", ns3::TimeValue(kLinkDelay));
        devices = link.Install(nodes);
        ns3::InternetStackHelper internet;
        internet.Install(nodes);
        ns3::Ipv4AddressHelper addresses("192.0.2.0", "255.255.255.252");
        addresses.Assign(devices);

        for (uint32_t i = 0; i < 2; ++i)
        {
            auto endpoint = ns3::CreateObject<IkeEndpoint>();
            endpoint->SetAttribute("DhDelay", ns3::TimeValue(dhDelay));
            endpoint->SetAttribute("Seed", ns3::UintegerValue(seed));
            endpoint->AssignStreams(firstStream + i);
            endpoint->SetStartTime(kStartTime);
            nodes.Get(i)->AddApplication(endpoint);
            std::vector<ChildSaEvent>& events = childSaEvents[i];
            endpoint->SetChildSaCallback(IkeEndpoint::ChildSaCallback(
                [&events](ChildSaAction action, const ChildSaParameters& parameters)
                {
                    events.push_back({action, parameters, ns3::Simulator::Now()});
                }));
            endpoint->TraceConnectWithoutContext("MessageSent",
                                                 ns3::Callback<void, const IkeMessageRecord&>(
                                                     [this](const IkeMessageRecord& record)
                                                     {
                                                         if (record.retransmission == 0)
                                                         {
                                                             sent.push_back(record);
                                                         }
                                                     }));
            endpoints.push_back(endpoint);
        }
    }

    IkeGatewayLink(const IkeGatewayLink&) = delete;
    IkeGatewayLink& operator=(const IkeGatewayLink&) = delete;

    ~IkeGatewayLink()
    {
        ns3::Simulator::Destroy();
        ns3::Names::Clear();
    }

    /// Add @p initiator to gwA and @p responder to gwB, with the addresses set for each side.
    void Connect(IkeConnection initiator, IkeConnection responder)
    {
        initiator.localAddress = kAddressA;
        initiator.remoteAddress = kAddressB;
        responder.localAddress = kAddressB;
        responder.remoteAddress = kAddressA;
        endpoints[0]->AddConnection(initiator);
        endpoints[1]->AddConnection(responder);
    }

    /// Add @p initiator to gwA and ResponderOf(@p initiator) to gwB.
    void Connect(const IkeConnection& initiator) { Connect(initiator, ResponderOf(initiator)); }

    void Run(ns3::Time until)
    {
        ns3::Simulator::Stop(until);
        ns3::Simulator::Run();
    }

    /// Count the recorded CHILD SA events of @p action on endpoint @p endpoint.
    size_t CountChildSa(size_t endpoint, ChildSaAction action) const
    {
        const std::vector<ChildSaEvent>& events = childSaEvents[endpoint];
        return std::count_if(events.begin(), events.end(),
                             [action](const ChildSaEvent& event)
                             {
                                 return event.action == action;
                             });
    }

    /// Count the CHILD SA halves that endpoint @p endpoint has in place: installs minus removals.
    int64_t InstalledHalves(size_t endpoint) const
    {
        int64_t halves = 0;
        for (const ChildSaEvent& event : childSaEvents[endpoint])
        {
            const bool install = event.action == ChildSaAction::InstallInbound
                                 || event.action == ChildSaAction::InstallOutbound;
            halves += install ? 1 : -1;
        }
        return halves;
    }

    /// Return the finish time of the first successful negotiation of @p kind on endpoint @p
    /// endpoint, limited to @p selectors when given.
    std::optional<ns3::Time> Finished(size_t endpoint, IkeNegotiationKind kind,
                                      const std::optional<SelectorPair>& selectors
                                      = std::nullopt) const
    {
        for (const IkeNegotiationRecord& record : endpoints[endpoint]->GetNegotiations())
        {
            if (record.kind == kind && (!selectors || record.selectors == selectors))
            {
                return record.finished;
            }
        }
        return std::nullopt;
    }

    ns3::NodeContainer nodes;
    ns3::NetDeviceContainer devices;
    std::vector<ns3::Ptr<IkeEndpoint>> endpoints;
    /// CHILD SA actions of endpoints[0] and endpoints[1], in order.
    std::array<std::vector<ChildSaEvent>, 2> childSaEvents;
    /// IKE messages of both gateways in sending order, first transmissions only.
    std::vector<IkeMessageRecord> sent;
};

/**
 * Two sites joined by IPsec gateways with the real ESP data path. Each gateway has an IPsec
 * stack with one PROTECT entry for the constructor's selector pair (mirrored on gwB), the
 * hosts route through their gateway, and neither gateway has a route to the other site's
 * LAN. StartIke installs the IKE endpoints with `connection`, which the constructor fills
 * for that same pair.
 *
 *   hostA 10.1.1.2 --- gwA --------- 192.0.2.0/30 --------- gwB --- hostB 10.2.1.2
 *        10.1.1.0/24   .1  .1        100 Mbit/s, 10 ms       .2  .1   10.2.1.0/24
 *    100 Mbit/s, 2 ms      IkeEndpoint + IPsec stack   IkeEndpoint + IPsec stack
 *
 * Both hosts listen on UDP port kProbePort and record the arrival time of every datagram.
 */
class IkeSiteNetwork
{
  public:
    static constexpr uint16_t kProbePort = 9;
    /// UDP payload of one probe, bytes.
    static constexpr uint32_t kProbeSize = 200;
    static inline const ns3::Time kLanDelay = ns3::MilliSeconds(2);
    static inline const ns3::Time kWanDelay = ns3::MilliSeconds(10);
    static inline const ns3::Ipv4Address kPublicA{"192.0.2.1"};
    static inline const ns3::Ipv4Address kPublicB{"192.0.2.2"};

    /// @p protectedPair is gwA's view. The connection is named "site-a-site-b" and
    /// authenticates with @p preSharedKey.
    IkeSiteNetwork(const SelectorPair& protectedPair, const std::string& preSharedKey)
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
        hostAddressA = lanA.GetAddress(1);
        hostAddressB = lanB.GetAddress(1);

        ns3::Ipv4StaticRoutingHelper routing;
        routing.GetStaticRouting(hostA->GetObject<ns3::Ipv4>())
            ->SetDefaultRoute(lanA.GetAddress(0), 1);
        routing.GetStaticRouting(hostB->GetObject<ns3::Ipv4>())
            ->SetDefaultRoute(lanB.GetAddress(0), 1);

        ipsec.Install(gwA);
        ipsec.Install(gwB);
        SecurityPolicy protect;
        protect.action = PolicyAction::Protect;
        protect.selectors = protectedPair;
        ipsec.AddPolicy(gwA, protect);
        protect.selectors = protectedPair.Mirrored();
        ipsec.AddPolicy(gwB, protect);

        connection.name = "site-a-site-b";
        connection.localAddress = kPublicA;
        connection.remoteAddress = kPublicB;
        connection.preSharedKey = preSharedKey;
        connection.selectors = {protectedPair};

        Listen(hostA, receivedAtA);
        Listen(hostB, receivedAtB);
    }

    IkeSiteNetwork(const IkeSiteNetwork&) = delete;
    IkeSiteNetwork& operator=(const IkeSiteNetwork&) = delete;

    ~IkeSiteNetwork()
    {
        ns3::Simulator::Destroy();
        ns3::Names::Clear();
    }

    /// Install `connection` on gwA and ResponderOf(connection) on gwB.
    void StartIke(uint64_t seed, int64_t firstStream)
    {
        StartIke(seed, firstStream, ResponderOf(connection));
    }

    /// Install `connection` on gwA and @p responder on gwB, with IkeEndpoint attribute
    /// "Seed" @p seed and random streams from @p firstStream. Set other endpoint attributes
    /// on `ike` before this call.
    void StartIke(uint64_t seed, int64_t firstStream, const IkeConnection& responder)
    {
        ike.SetAttribute("Seed", ns3::UintegerValue(seed));
        ike.Install(gwA)->AddConnection(connection);
        ike.Install(gwB)->AddConnection(responder);
        IkeHelper::AssignStreams(ns3::NodeContainer(gwA, gwB), firstStream);
        endpointA = IkeHelper::GetEndpoint(gwA);
        endpointB = IkeHelper::GetEndpoint(gwB);
    }

    /// Schedule @p count probes from @p from to @p to, one every @p interval from @p start,
    /// and return their send times.
    std::vector<ns3::Time> SendProbes(ns3::Ptr<ns3::Node> from, ns3::Ipv4Address to,
                                      ns3::Time start, ns3::Time interval, uint32_t count)
    {
        ns3::Ptr<ns3::Socket> socket
            = ns3::Socket::CreateSocket(from, ns3::UdpSocketFactory::GetTypeId());
        socket->Connect(ns3::InetSocketAddress(to, kProbePort));
        m_sockets.push_back(socket);
        std::vector<ns3::Time> sendTimes;
        for (uint32_t i = 0; i < count; ++i)
        {
            sendTimes.push_back(start + interval * i);
            ns3::Simulator::Schedule(sendTimes.back(),
                                     [socket]()
                                     {
                                         socket->Send(ns3::Create<ns3::Packet>(kProbeSize));
                                     });
        }
        return sendTimes;
    }

    void Run(ns3::Time until)
    {
        ns3::Simulator::Stop(until);
        ns3::Simulator::Run();
    }

    /// Return both halves of every SA in @p node's SAD.
    static std::vector<ns3::Ptr<SecurityAssociation>> Sas(ns3::Ptr<ns3::Node> node)
    {
        return node->GetObject<IpsecStack>()->GetSad()->GetAll();
    }

    /// Count the inbound plus outbound SAs in @p node's SAD.
    static size_t SadSize(ns3::Ptr<ns3::Node> node)
    {
        auto sad = node->GetObject<IpsecStack>()->GetSad();
        return sad->GetNInbound() + sad->GetNOutbound();
    }

    /// Count the packets that the IPsec stack of @p node dropped for @p reason.
    static uint64_t EspDrops(ns3::Ptr<ns3::Node> node, IpsecDropReason reason)
    {
        return CountOf(node->GetObject<IpsecStack>()->GetDropCounts(), reason);
    }

    /// Count the packets that the IPsec stack of @p node dropped, for any reason.
    static uint64_t EspDropTotal(ns3::Ptr<ns3::Node> node)
    {
        uint64_t total = 0;
        for (const auto& [reason, count] : node->GetObject<IpsecStack>()->GetDropCounts())
        {
            total += count;
        }
        return total;
    }

    /// Describe the IPsec stack drops of @p node by reason, e.g. "3 unknown-spi", for failure
    /// messages.
    static std::string EspDropSummary(ns3::Ptr<ns3::Node> node)
    {
        std::string summary;
        for (const auto& [reason, count] : node->GetObject<IpsecStack>()->GetDropCounts())
        {
            summary += (summary.empty() ? "" : ", ") + std::to_string(count) + " "
                       + std::string(ToString(reason));
        }
        return summary;
    }

    ns3::Ptr<ns3::Node> hostA;
    ns3::Ptr<ns3::Node> gwA;
    ns3::Ptr<ns3::Node> gwB;
    ns3::Ptr<ns3::Node> hostB;
    ns3::Ipv4Address hostAddressA;
    ns3::Ipv4Address hostAddressB;
    IpsecHelper ipsec;
    IkeHelper ike;
    /// gwA's connection; StartIke installs it.
    IkeConnection connection;
    /// Set by StartIke.
    ns3::Ptr<IkeEndpoint> endpointA;
    ns3::Ptr<IkeEndpoint> endpointB;
    /// Arrival times of the probes each host received.
    std::vector<ns3::Time> receivedAtA;
    std::vector<ns3::Time> receivedAtB;

  private:
    void Listen(ns3::Ptr<ns3::Node> node, std::vector<ns3::Time>& arrivals)
    {
        ns3::Ptr<ns3::Socket> socket
            = ns3::Socket::CreateSocket(node, ns3::UdpSocketFactory::GetTypeId());
        socket->Bind(ns3::InetSocketAddress(ns3::Ipv4Address::GetAny(), kProbePort));
        socket->SetRecvCallback(ns3::Callback<void, ns3::Ptr<ns3::Socket>>(
            [&arrivals](ns3::Ptr<ns3::Socket> s)
            {
                while (s->Recv())
                {
                    arrivals.push_back(ns3::Simulator::Now());
                }
            }));
        m_sockets.push_back(socket);
    }

    std::vector<ns3::Ptr<ns3::Socket>> m_sockets;
};

} // namespace tunnelsim

#endif
