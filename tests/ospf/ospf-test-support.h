// Shared pieces of the OSPF topology tests: the stack installation, trace recorders and a
// UDP probe that counts what arrives.
#ifndef TUNNELSIM_TESTS_OSPF_TEST_SUPPORT_H
#define TUNNELSIM_TESTS_OSPF_TEST_SUPPORT_H

#include "ns3/boolean.h"
#include "ns3/config.h"
#include "ns3/global-value.h"
#include "ns3/inet-socket-address.h"
#include "ns3/internet-stack-helper.h"
#include "ns3/ipv4-list-routing-helper.h"
#include "ns3/ipv4-static-routing-helper.h"
#include "ns3/ipv4.h"
#include "ns3/names.h"
#include "ns3/net-device.h"
#include "ns3/node.h"
#include "ns3/packet.h"
#include "ns3/simulator.h"
#include "ns3/socket.h"
#include "ns3/udp-socket-factory.h"
#include "ospf-helper.h"
#include "ospf-routing-protocol.h"

#include <optional>
#include <vector>

namespace tunnelsim::test
{

/// One simulation per test: real IPv4 checksums on, and the global state cleared after.
class OspfSimulation
{
  public:
    OspfSimulation() { ns3::GlobalValue::Bind("ChecksumEnabled", ns3::BooleanValue(true)); }

    ~OspfSimulation()
    {
        ns3::Simulator::Destroy();
        ns3::Names::Clear();
    }

    OspfSimulation(const OspfSimulation&) = delete;
    OspfSimulation& operator=(const OspfSimulation&) = delete;
};

/// Install IPv4 with static routing (priority 0) and @p ospf above it.
inline void
InstallRouterStack(const ns3::NodeContainer& routers, const OspfHelper& ospf)
{
    ns3::Ipv4ListRoutingHelper list;
    list.Add(ns3::Ipv4StaticRoutingHelper(), 0);
    list.Add(ospf, kOspfRoutingPriority);
    ns3::InternetStackHelper stack;
    stack.SetRoutingHelper(list);
    stack.Install(routers);
}

/// Install IPv4 with static routing only.
inline void
InstallHostStack(const ns3::NodeContainer& hosts)
{
    ns3::InternetStackHelper stack;
    stack.Install(hosts);
}

/// Make @p host send everything to @p gateway.
inline void
SetDefaultRoute(ns3::Ptr<ns3::Node> host, ns3::Ipv4Address gateway)
{
    ns3::Ipv4StaticRoutingHelper helper;
    helper.GetStaticRouting(host->GetObject<ns3::Ipv4>())->SetDefaultRoute(gateway, 1);
}

inline uint32_t
InterfaceOf(ns3::Ptr<ns3::NetDevice> device)
{
    return static_cast<uint32_t>(
        device->GetNode()->GetObject<ns3::Ipv4>()->GetInterfaceForDevice(device));
}

inline ns3::Ptr<OspfRoutingProtocol>
Ospf(ns3::Ptr<ns3::Node> node)
{
    return OspfHelper::GetOspf(node);
}

/// Every adjacency change of the routers it is attached to, with the router's ID.
class AdjacencyRecorder
{
  public:
    struct Record
    {
        ns3::Ipv4Address router;
        OspfAdjacencyChange change;
    };

    void Attach(ns3::Ptr<OspfRoutingProtocol> ospf)
    {
        ospf->TraceConnectWithoutContext("AdjacencyChange",
                                         ns3::Callback<void, const OspfAdjacencyChange&>(
                                             [this, ospf](const OspfAdjacencyChange& change)
                                             {
                                                 m_records.push_back({ospf->GetRouterId(), change});
                                             }));
    }

    /// First time @p router saw @p neighbor reach @p state, if ever.
    std::optional<ns3::Time> FirstTime(ns3::Ipv4Address router, ns3::Ipv4Address neighbor,
                                       OspfNeighborState state) const
    {
        for (const Record& r : m_records)
        {
            if (r.router == router && r.change.neighborId == neighbor && r.change.newState == state)
            {
                return r.change.time;
            }
        }
        return std::nullopt;
    }

    /// First time at or after @p after that @p router saw @p neighbor reach @p state.
    std::optional<ns3::Time> FirstTimeAfter(ns3::Ipv4Address router, ns3::Ipv4Address neighbor,
                                            OspfNeighborState state, ns3::Time after) const
    {
        for (const Record& r : m_records)
        {
            if (r.router == router && r.change.neighborId == neighbor && r.change.newState == state
                && r.change.time >= after)
            {
                return r.change.time;
            }
        }
        return std::nullopt;
    }

    const std::vector<Record>& Records() const { return m_records; }

  private:
    std::vector<Record> m_records;
};

/// Every drop of the routers it is attached to.
class DropRecorder
{
  public:
    void Attach(ns3::Ptr<OspfRoutingProtocol> ospf)
    {
        ospf->TraceConnectWithoutContext("Drop", ns3::Callback<void, const OspfDrop&>(
                                                     [this](const OspfDrop& drop)
                                                     {
                                                         m_drops.push_back(drop);
                                                     }));
    }

    const std::vector<OspfDrop>& Drops() const { return m_drops; }

  private:
    std::vector<OspfDrop> m_drops;
};

/**
 * Sends a small UDP datagram from @p source to @p destination every @p period between
 * @p start and @p stop, and records the arrival time of each at the destination.
 */
class UdpProbe
{
  public:
    static constexpr uint16_t kPort = 9000;
    static constexpr uint32_t kPayloadSize = 64;

    UdpProbe(ns3::Ptr<ns3::Node> source, ns3::Ptr<ns3::Node> destination,
             ns3::Ipv4Address destinationAddress, ns3::Time start, ns3::Time stop, ns3::Time period)
      : m_destinationAddress(destinationAddress)
      , m_stop(stop)
      , m_period(period)
    {
        m_receiver = ns3::Socket::CreateSocket(destination, ns3::UdpSocketFactory::GetTypeId());
        m_receiver->Bind(ns3::InetSocketAddress(ns3::Ipv4Address::GetAny(), kPort));
        m_receiver->SetRecvCallback(ns3::MakeCallback(&UdpProbe::Receive, this));
        m_sender = ns3::Socket::CreateSocket(source, ns3::UdpSocketFactory::GetTypeId());
        m_sender->Bind();
        ns3::Simulator::Schedule(start, &UdpProbe::Send, this);
    }

    const std::vector<ns3::Time>& Arrivals() const { return m_arrivals; }

    uint32_t Sent() const { return m_sent; }

    /// Arrivals in [from, to).
    size_t ArrivalsBetween(ns3::Time from, ns3::Time to) const
    {
        size_t count = 0;
        for (ns3::Time t : m_arrivals)
        {
            count += (t >= from && t < to) ? 1 : 0;
        }
        return count;
    }

  private:
    void Send()
    {
        ++m_sent;
        m_sender->SendTo(ns3::Create<ns3::Packet>(kPayloadSize), 0,
                         ns3::InetSocketAddress(m_destinationAddress, kPort));
        if (ns3::Simulator::Now() + m_period < m_stop)
        {
            ns3::Simulator::Schedule(m_period, &UdpProbe::Send, this);
        }
    }

    void Receive(ns3::Ptr<ns3::Socket> socket)
    {
        while (socket->Recv())
        {
            m_arrivals.push_back(ns3::Simulator::Now());
        }
    }

    ns3::Ipv4Address m_destinationAddress;
    ns3::Time m_stop;
    ns3::Time m_period;
    ns3::Ptr<ns3::Socket> m_sender;
    ns3::Ptr<ns3::Socket> m_receiver;
    std::vector<ns3::Time> m_arrivals;
    uint32_t m_sent = 0;
};

} // namespace tunnelsim::test

#endif
