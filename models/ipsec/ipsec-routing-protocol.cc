#include "ipsec-routing-protocol.h"

#include "esp-l4-protocol.h"
#include "ipsec-stack.h"
#include "ns3/ipv4-list-routing.h"
#include "ns3/ipv4-route.h"
#include "ns3/log.h"
#include "ns3/loopback-net-device.h"
#include "ns3/output-stream-wrapper.h"

namespace tunnelsim
{

NS_LOG_COMPONENT_DEFINE("IpsecRoutingProtocol");
NS_OBJECT_ENSURE_REGISTERED(IpsecRoutingProtocol);

namespace
{

/// Bytes of a TCP or UDP header that hold the two port numbers.
constexpr uint32_t kPortBytes = 4;

bool
IsUnicast(ns3::Ipv4Address destination)
{
    return !destination.IsMulticast() && !destination.IsBroadcast();
}

} // namespace

ns3::TypeId
IpsecRoutingProtocol::GetTypeId()
{
    static ns3::TypeId tid = ns3::TypeId("tunnelsim::IpsecRoutingProtocol")
                                 .SetParent<ns3::Ipv4RoutingProtocol>()
                                 .SetGroupName("Ipsec")
                                 .AddConstructor<IpsecRoutingProtocol>();
    return tid;
}

IpsecRoutingProtocol::IpsecRoutingProtocol() = default;
IpsecRoutingProtocol::~IpsecRoutingProtocol() = default;

void
IpsecRoutingProtocol::DoDispose()
{
    m_ipv4 = nullptr;
    m_list = nullptr;
    m_stack = nullptr;
    ns3::Ipv4RoutingProtocol::DoDispose();
}

void
IpsecRoutingProtocol::SetStack(ns3::Ptr<IpsecStack> stack)
{
    m_stack = stack;
}

void
IpsecRoutingProtocol::SetIpv4(ns3::Ptr<ns3::Ipv4> ipv4)
{
    m_ipv4 = ipv4;
}

ns3::Ptr<ns3::Ipv4Route>
IpsecRoutingProtocol::RouteOutput(ns3::Ptr<ns3::Packet> packet, const ns3::Ipv4Header& header,
                                  ns3::Ptr<ns3::NetDevice> outputDevice,
                                  ns3::Socket::SocketErrno& error)
{
    NS_LOG_FUNCTION(this << header.GetSource() << header.GetDestination()
                         << uint32_t(header.GetProtocol()));

    // Returning no route hands the packet to the protocols below; ListRouting sets the
    // error code when none of them finds a route either.
    error = ns3::Socket::ERROR_NOTERROR;
    const ns3::Ipv4Address destination = header.GetDestination();
    if (!m_stack || header.GetProtocol() == EspL4Protocol::PROT_NUMBER || !IsUnicast(destination)
        || (outputDevice && m_stack->IsIpsecDevice(outputDevice)))
    {
        return nullptr;
    }

    ns3::Ipv4Address source = header.GetSource();
    if (!source.IsInitialized() || source == ns3::Ipv4Address::GetAny())
    {
        // Sockets ask before they have a source (ns-3 3.37 UDP leaves the header's source
        // uninitialised, printed as 102.102.102.102; others pass 0.0.0.0): take the one the
        // lower protocols would use, so selectors on the local address see the real source.
        ns3::Ptr<ns3::Ipv4Route> below = RouteOutputBelow(packet, header, outputDevice);
        source = below ? below->GetSource() : FallbackSource();
    }

    // The transport header of socket traffic is added after this call, so ports are
    // pending for TCP and UDP.
    PacketSelectorFields fields;
    fields.source = source.Get();
    fields.destination = destination.Get();
    fields.protocol = header.GetProtocol();
    fields.ports
        = ProtocolHasPorts(fields.protocol) ? PortAvailability::Pending : PortAvailability::Absent;

    const SecurityPolicy* policy = m_stack->GetSpd()->Lookup(TrafficDirection::Outbound, fields);
    if (!policy)
    {
        if (!m_stack->GetDiscardUnmatched())
        {
            return nullptr;
        }
        NS_LOG_LOGIC("no SPD entry matches; the ipsec device will drop it");
    }
    else if (policy->action == PolicyAction::Bypass && !policy->HasPortSelectors())
    {
        NS_LOG_LOGIC("SPD entry " << policy->id << " bypasses");
        return nullptr;
    }
    NS_LOG_LOGIC("routing " << source << " -> " << destination << " into the ipsec device");
    return RouteThroughIpsecDevice(source, destination);
}

bool
IpsecRoutingProtocol::RouteInput(ns3::Ptr<const ns3::Packet> packet, const ns3::Ipv4Header& header,
                                 ns3::Ptr<const ns3::NetDevice> inputDevice,
                                 UnicastForwardCallback forward, MulticastForwardCallback,
                                 LocalDeliverCallback, ErrorCallback)
{
    NS_LOG_FUNCTION(this << header.GetSource() << header.GetDestination()
                         << uint32_t(header.GetProtocol()));

    // Ipv4ListRouting has already delivered packets addressed to this node, so everything
    // here is to be forwarded. Transit ESP of other gateways is not ours to protect.
    if (!m_stack || header.GetProtocol() == EspL4Protocol::PROT_NUMBER
        || !IsUnicast(header.GetDestination()))
    {
        return false;
    }

    uint8_t portBytes[kPortBytes] = {};
    const uint32_t copied = packet->CopyData(portBytes, kPortBytes);
    const bool initialFragment = header.GetFragmentOffset() == 0;
    const PacketSelectorFields fields = SelectorFieldsFromPacket(
        header.GetSource().Get(), header.GetDestination().Get(), header.GetProtocol(),
        initialFragment, ByteView(portBytes, copied));

    // RFC 4301 s5.1 step 3b: outbound SPD lookup, local side = source.
    ns3::Ptr<SecurityPolicyDatabase> spd = m_stack->GetSpd();
    const SecurityPolicy* outbound = spd->Lookup(TrafficDirection::Outbound, fields);
    const bool fromSa = m_stack->IsIpsecDevice(inputDevice);
    if (fromSa)
    {
        // The packet was opened by an SA and checked against its selectors already. It
        // heads into the protected network unless an entry sends it into another SA (hub
        // transit).
        if (outbound && outbound->action == PolicyAction::Protect)
        {
            forward(RouteThroughIpsecDevice(header.GetSource(), header.GetDestination()), packet,
                    header);
            return true;
        }
        return false;
    }

    // The model has no protected and unprotected interfaces, so a forwarded packet
    // is read both ways: as outbound (local = source) and as arriving inbound (local =
    // destination, RFC 4301 s5.2 step 3b). The entry first in SPD order under either
    // reading decides; on a tie the outbound reading wins.
    const SecurityPolicy* inbound = m_stack->GetInboundCleartextCheck()
                                        ? spd->Lookup(TrafficDirection::Inbound, fields)
                                        : nullptr;
    const bool inboundDecides
        = inbound && (!outbound || spd->GetPosition(*inbound) < spd->GetPosition(*outbound));
    const SecurityPolicy* decisive = inboundDecides ? inbound : outbound;
    if (!decisive)
    {
        if (!m_stack->GetDiscardUnmatched())
        {
            return false;
        }
        m_stack->Drop(packet, IpsecDropReason::NoPolicy);
        return true;
    }
    switch (decisive->action)
    {
        case PolicyAction::Bypass:
            return false;
        case PolicyAction::Discard:
            m_stack->Drop(packet, IpsecDropReason::DiscardPolicy);
            return true;
        case PolicyAction::Protect:
            if (inboundDecides)
            {
                // Traffic that must arrive through an SA came in the clear.
                m_stack->Drop(packet, IpsecDropReason::UnprotectedTraffic);
                return true;
            }
            NS_LOG_LOGIC("SPD entry " << decisive->id << " protects the forwarded packet");
            forward(RouteThroughIpsecDevice(header.GetSource(), header.GetDestination()), packet,
                    header);
            return true;
    }
    return false;
}

ns3::Ptr<ns3::Ipv4Route>
IpsecRoutingProtocol::RouteOutputBelow(ns3::Ptr<ns3::Packet> packet, const ns3::Ipv4Header& header,
                                       ns3::Ptr<ns3::NetDevice> outputDevice) const
{
    // Found once: IpsecStack::Setup checked that the node routes with a list, and the
    // cast on every sealed packet compared type names across shared libraries.
    if (!m_list)
    {
        m_list = ns3::DynamicCast<ns3::Ipv4ListRouting>(m_ipv4->GetRoutingProtocol());
    }
    ns3::Ptr<ns3::Ipv4ListRouting> list = m_list;
    if (!list)
    {
        return nullptr;
    }
    // GetRoutingProtocol lists the protocols by decreasing priority.
    for (uint32_t i = 0; i < list->GetNRoutingProtocols(); ++i)
    {
        int16_t priority = 0;
        ns3::Ptr<ns3::Ipv4RoutingProtocol> protocol = list->GetRoutingProtocol(i, priority);
        if (protocol == this)
        {
            continue;
        }
        ns3::Socket::SocketErrno error = ns3::Socket::ERROR_NOTERROR;
        ns3::Ptr<ns3::Ipv4Route> route = protocol->RouteOutput(packet, header, outputDevice, error);
        if (route)
        {
            return route;
        }
    }
    return nullptr;
}

ns3::Ptr<ns3::Ipv4Route>
IpsecRoutingProtocol::RouteThroughIpsecDevice(ns3::Ipv4Address source,
                                              ns3::Ipv4Address destination) const
{
    auto route = ns3::Create<ns3::Ipv4Route>();
    route->SetDestination(destination);
    route->SetSource(source);
    // Gateway 0.0.0.0: Ipv4L3Protocol addresses the device to the destination itself.
    route->SetGateway(ns3::Ipv4Address::GetAny());
    route->SetOutputDevice(m_stack->GetDevice());
    return route;
}

ns3::Ipv4Address
IpsecRoutingProtocol::FallbackSource() const
{
    for (uint32_t interface = 0; interface < m_ipv4->GetNInterfaces(); ++interface)
    {
        if (!m_ipv4->IsUp(interface)
            || ns3::DynamicCast<ns3::LoopbackNetDevice>(m_ipv4->GetNetDevice(interface)))
        {
            continue;
        }
        if (m_ipv4->GetNAddresses(interface) > 0)
        {
            return m_ipv4->GetAddress(interface, 0).GetLocal();
        }
    }
    return ns3::Ipv4Address::GetAny();
}

void
IpsecRoutingProtocol::NotifyInterfaceUp(uint32_t)
{
}

void
IpsecRoutingProtocol::NotifyInterfaceDown(uint32_t)
{
}

void
IpsecRoutingProtocol::NotifyAddAddress(uint32_t, ns3::Ipv4InterfaceAddress)
{
}

void
IpsecRoutingProtocol::NotifyRemoveAddress(uint32_t, ns3::Ipv4InterfaceAddress)
{
}

void
IpsecRoutingProtocol::PrintRoutingTable(ns3::Ptr<ns3::OutputStreamWrapper> stream,
                                        ns3::Time::Unit) const
{
    std::ostream& os = *stream->GetStream();
    if (!m_stack)
    {
        os << "IPsec SPD: not set up\n";
        return;
    }
    ns3::Ptr<SecurityPolicyDatabase> spd = m_stack->GetSpd();
    os << "IPsec SPD, " << spd->GetN() << " entries in precedence order\n";
    for (size_t position = 0; position < spd->GetN(); ++position)
    {
        const SecurityPolicy& policy = spd->Get(position);
        os << "  " << policy.id << " " << ToString(policy.action) << " "
           << policy.selectors.ToString() << "\n";
    }
}

} // namespace tunnelsim
