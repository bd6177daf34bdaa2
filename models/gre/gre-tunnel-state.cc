// Liveness of a GreTunnelNetDevice: keepalives, recursive-routing detection, and taking
// the IPv4 interface down and up with the static routes through it. The sending and
// receiving paths are in gre-tunnel-net-device.cc.
#include "gre-l4-protocol.h"
#include "gre-tunnel-net-device.h"
#include "ns3/ipv4-route.h"
#include "ns3/ipv4-routing-protocol.h"
#include "ns3/ipv4-routing-table-entry.h"
#include "ns3/ipv4-static-routing-helper.h"
#include "ns3/ipv4-static-routing.h"
#include "ns3/log.h"
#include "ns3/node.h"
#include "ns3/packet.h"
#include "ns3/simulator.h"

namespace tunnelsim
{

NS_LOG_COMPONENT_DEFINE("GreTunnelState");

namespace
{

/// TTL of the inner packet of a keepalive: the largest, so that the peer can forward it
/// back over any path.
constexpr uint8_t kKeepaliveInnerTtl = 255;

} // namespace

// --- Keepalives ---------------------------------------------------------------------------

// Cisco IOS GRE keepalive: a GRE packet to the peer whose inner packet is a GRE packet from
// the peer back to us with protocol type 0. The peer decapsulates it and its ordinary
// forwarding sends the inner packet back, so no keepalive support is needed on that side.
void
GreTunnelNetDevice::SendKeepalive()
{
    NS_LOG_FUNCTION(this);
    m_keepaliveEvent
        = ns3::Simulator::Schedule(m_keepalivePeriod, &GreTunnelNetDevice::SendKeepalive, this);

    if (m_keepalivesMissed >= m_keepaliveRetries && !m_downForKeepalive)
    {
        NS_LOG_WARN("tunnel to " << m_destination << ": " << m_keepalivesMissed
                                 << " keepalives unanswered, interface down");
        m_downForKeepalive = true;
        UpdateInterfaceState(GreDownCause::KeepaliveTimeout);
    }
    if (m_downForRecursion)
    {
        // The keepalive would loop like any other packet.
        return;
    }

    GreHeader reply;
    reply.protocolType = kGreProtocolKeepalive;
    reply.checksumPresent = m_checksumEnabled;
    reply.keyPresent = m_keyEnabled;
    reply.key = m_key;
    Bytes greBytes;
    EncodeGre(reply, ByteView(), greBytes);

    Ipv4Header ip;
    ip.ttl = kKeepaliveInnerTtl;
    ip.protocol = kIpProtocolGre;
    ip.source = m_destination.Get();
    ip.destination = m_source.Get();
    ip.totalLength = static_cast<uint16_t>(ip.HeaderSize() + greBytes.size());
    Bytes bytes;
    EncodeIpv4Header(ip, bytes);
    bytes.insert(bytes.end(), greBytes.begin(), greBytes.end());

    ++m_statistics.keepalivesSent;
    ++m_keepalivesMissed;
    Encapsulate(ns3::Create<ns3::Packet>(bytes.data(), static_cast<uint32_t>(bytes.size())),
                kGreProtocolIpv4);
}

void
GreTunnelNetDevice::HandleKeepaliveReply()
{
    NS_LOG_FUNCTION(this);
    ++m_statistics.keepaliveRepliesReceived;
    m_keepalivesMissed = 0;
    if (m_downForKeepalive)
    {
        NS_LOG_INFO("tunnel to " << m_destination << ": keepalive answered, interface up");
        m_downForKeepalive = false;
        UpdateInterfaceState(GreDownCause::KeepaliveTimeout);
    }
}

void
GreTunnelNetDevice::ReturnPeerKeepalive(ns3::Ptr<ns3::Packet> inner, const Ipv4Header& innerHeader)
{
    NS_LOG_FUNCTION(this << inner);
    ++m_statistics.keepalivesReturned;
    inner->RemoveAtStart(static_cast<uint32_t>(innerHeader.HeaderSize()));
    const uint32_t payloadSize = innerHeader.totalLength - innerHeader.HeaderSize();
    if (inner->GetSize() > payloadSize)
    {
        inner->RemoveAtEnd(inner->GetSize() - payloadSize);
    }
    m_gre->Send(inner, ns3::Ipv4Address(innerHeader.source),
                ns3::Ipv4Address(innerHeader.destination));
}

// --- Recursive routing --------------------------------------------------------------------

void
GreTunnelNetDevice::CheckRecursion()
{
    m_recursionCheckEvent = ns3::Simulator::Schedule(m_recursionCheckInterval,
                                                     &GreTunnelNetDevice::CheckRecursion, this);
    if (!m_downForRecursion && RoutesThroughSelf())
    {
        NS_LOG_WARN("recursive routing: the route to " << m_destination
                                                       << " leads into the tunnel itself");
        EnterRecursionDown();
    }
}

// NOTE: with IPsec interception above static routing, RouteOutput returns the IPsec device
// for GRE packets, so this check cannot see a loop behind ESP. The check in HandleSend
// still does, because the sealed packet comes back into the device.
bool
GreTunnelNetDevice::RoutesThroughSelf() const
{
    ns3::Ptr<ns3::Ipv4> ipv4 = GetIpv4();
    if (!ipv4 || !ipv4->GetRoutingProtocol())
    {
        return false;
    }
    ns3::Ipv4Header probe;
    probe.SetSource(m_source);
    probe.SetDestination(m_destination);
    probe.SetProtocol(GreL4Protocol::PROT_NUMBER);
    ns3::Socket::SocketErrno error = ns3::Socket::ERROR_NOTERROR;
    ns3::Ptr<ns3::Ipv4Route> route = ipv4->GetRoutingProtocol()->RouteOutput(
        ns3::Create<ns3::Packet>(), probe, nullptr, error);
    return route && ns3::PeekPointer(route->GetOutputDevice()) == this;
}

void
GreTunnelNetDevice::EnterRecursionDown()
{
    if (m_downForRecursion)
    {
        return;
    }
    m_downForRecursion = true;
    ++m_statistics.recursionEvents;
    // The interface goes down once the send that detected the loop has unwound.
    ns3::Simulator::ScheduleNow(&GreTunnelNetDevice::UpdateInterfaceState, this,
                                GreDownCause::RecursiveRouting);
    m_recursionHoldEvent = ns3::Simulator::Schedule(m_recursionHoldTime,
                                                    &GreTunnelNetDevice::LeaveRecursionDown, this);
}

void
GreTunnelNetDevice::LeaveRecursionDown()
{
    NS_LOG_INFO("tunnel to " << m_destination << ": recursion hold time over, trying again");
    m_downForRecursion = false;
    UpdateInterfaceState(GreDownCause::RecursiveRouting);
}

// --- Interface state ----------------------------------------------------------------------

void
GreTunnelNetDevice::UpdateInterfaceState(GreDownCause cause)
{
    const bool holdDown = m_downForKeepalive || m_downForRecursion;
    if (holdDown == m_interfaceHeldDown)
    {
        return;
    }
    const std::optional<uint32_t> interface = GetInterfaceIndex();
    if (holdDown)
    {
        if (interface)
        {
            SaveRoutesAndSetDown(*interface);
        }
        m_interfaceHeldDown = true;
        ++m_statistics.downTransitions;
        NS_LOG_INFO("tunnel to " << m_destination << " down: " << ToString(cause));
        m_stateTrace(false, cause);
    }
    else
    {
        if (interface)
        {
            SetUpAndRestoreRoutes(*interface);
        }
        m_interfaceHeldDown = false;
        ++m_statistics.upTransitions;
        NS_LOG_INFO("tunnel to " << m_destination << " up: " << ToString(cause) << " cleared");
        m_stateTrace(true, cause);
    }
}

void
GreTunnelNetDevice::SaveRoutesAndSetDown(uint32_t interface)
{
    ns3::Ptr<ns3::Ipv4> ipv4 = GetIpv4();
    ns3::Ptr<ns3::Ipv4StaticRouting> routing
        = ns3::Ipv4StaticRoutingHelper().GetStaticRouting(ipv4);
    m_savedRoutes.clear();
    if (routing)
    {
        for (uint32_t i = 0; i < routing->GetNRoutes(); ++i)
        {
            const ns3::Ipv4RoutingTableEntry entry = routing->GetRoute(i);
            if (entry.GetInterface() != interface)
            {
                continue;
            }
            // The connected route comes back by itself when the interface goes up.
            bool connected = false;
            for (uint32_t a = 0; a < ipv4->GetNAddresses(interface); ++a)
            {
                const ns3::Ipv4InterfaceAddress address = ipv4->GetAddress(interface, a);
                connected = connected
                            || (entry.GetGateway() == ns3::Ipv4Address::GetZero()
                                && entry.GetDestNetworkMask() == address.GetMask()
                                && entry.GetDestNetwork()
                                       == address.GetLocal().CombineMask(address.GetMask()));
            }
            if (!connected)
            {
                m_savedRoutes.push_back({entry.GetDestNetwork(), entry.GetDestNetworkMask(),
                                         entry.GetGateway(), routing->GetMetric(i)});
            }
        }
    }
    ipv4->SetDown(interface);
}

void
GreTunnelNetDevice::SetUpAndRestoreRoutes(uint32_t interface)
{
    ns3::Ptr<ns3::Ipv4> ipv4 = GetIpv4();
    ipv4->SetUp(interface);
    ns3::Ptr<ns3::Ipv4StaticRouting> routing
        = ns3::Ipv4StaticRoutingHelper().GetStaticRouting(ipv4);
    if (routing)
    {
        for (const SavedRoute& route : m_savedRoutes)
        {
            if (route.gateway == ns3::Ipv4Address::GetZero())
            {
                routing->AddNetworkRouteTo(route.network, route.mask, interface, route.metric);
            }
            else
            {
                routing->AddNetworkRouteTo(route.network, route.mask, route.gateway, interface,
                                           route.metric);
            }
        }
    }
    m_savedRoutes.clear();
}

std::optional<uint32_t>
GreTunnelNetDevice::GetInterfaceIndex() const
{
    ns3::Ptr<ns3::Ipv4> ipv4 = GetIpv4();
    if (!ipv4)
    {
        return std::nullopt;
    }
    const int32_t interface = ipv4->GetInterfaceForDevice(this);
    if (interface < 0)
    {
        return std::nullopt;
    }
    return static_cast<uint32_t>(interface);
}

} // namespace tunnelsim
