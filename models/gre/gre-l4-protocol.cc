#include "gre-l4-protocol.h"

#include "gre-header.h"
#include "gre-tunnel-net-device.h"
#include "ns3/ipv4-interface.h"
#include "ns3/ipv4-l3-protocol.h"
#include "ns3/log.h"
#include "ns3/node.h"
#include "ns3/packet.h"

namespace tunnelsim
{

NS_LOG_COMPONENT_DEFINE("GreL4Protocol");

NS_OBJECT_ENSURE_REGISTERED(GreL4Protocol);

ns3::TypeId
GreL4Protocol::GetTypeId()
{
    static ns3::TypeId tid
        = ns3::TypeId("tunnelsim::GreL4Protocol")
              .SetParent<ns3::IpL4Protocol>()
              .SetGroupName("Gre")
              .AddConstructor<GreL4Protocol>()
              .AddTraceSource("Drop",
                              "A received GRE packet was dropped before it reached a tunnel: "
                              "no tunnel matched, or it did not decode.",
                              ns3::MakeTraceSourceAccessor(&GreL4Protocol::m_dropTrace),
                              "tunnelsim::GreL4Protocol::DropTracedCallback");
    return tid;
}

GreL4Protocol::GreL4Protocol()
{
    NS_LOG_FUNCTION(this);
}

GreL4Protocol::~GreL4Protocol()
{
    NS_LOG_FUNCTION(this);
}

void
GreL4Protocol::NotifyNewAggregate()
{
    NS_LOG_FUNCTION(this);
    ns3::Ptr<ns3::Node> node = GetObject<ns3::Node>();
    ns3::Ptr<ns3::Ipv4> ipv4 = GetObject<ns3::Ipv4>();
    if (!m_node && node)
    {
        m_node = node;
    }
    // The same steps as ns-3's UdpL4Protocol: register with IPv4 once both are aggregated.
    if (!m_ipv4 && ipv4 && m_node)
    {
        m_ipv4 = ipv4;
        m_ipv4->Insert(this);
        SetDownTarget(ns3::MakeCallback(&ns3::Ipv4::Send, m_ipv4));
        ns3::Ptr<ns3::Ipv4L3Protocol> l3 = m_ipv4->GetObject<ns3::Ipv4L3Protocol>();
        if (!l3
            || !l3->TraceConnectWithoutContext(
                "UnicastForward", ns3::MakeCallback(&GreL4Protocol::HandleUnicastForward, this)))
        {
            NS_LOG_ERROR("no UnicastForward trace on node "
                         << m_node->GetId()
                         << ": DF packets above a tunnel MTU will be fragmented, not rejected");
        }
    }
    ns3::IpL4Protocol::NotifyNewAggregate();
}

void
GreL4Protocol::DoDispose()
{
    NS_LOG_FUNCTION(this);
    m_tunnels.clear();
    m_node = nullptr;
    m_ipv4 = nullptr;
    m_downTarget.Nullify();
    m_downTarget6.Nullify();
    ns3::IpL4Protocol::DoDispose();
}

void
GreL4Protocol::AddTunnel(ns3::Ptr<GreTunnelNetDevice> tunnel)
{
    NS_LOG_FUNCTION(this << tunnel);
    m_tunnels.push_back(tunnel);
    tunnel->SetGreProtocol(this);
}

ns3::Ptr<GreTunnelNetDevice>
GreL4Protocol::FindTunnel(ns3::Ipv4Address outerSource, ns3::Ipv4Address outerDestination,
                          std::optional<uint32_t> key) const
{
    for (const ns3::Ptr<GreTunnelNetDevice>& tunnel : m_tunnels)
    {
        if (tunnel->Matches(outerSource, outerDestination, key))
        {
            return tunnel;
        }
    }
    return nullptr;
}

uint32_t
GreL4Protocol::GetNTunnels() const
{
    return static_cast<uint32_t>(m_tunnels.size());
}

void
GreL4Protocol::Send(ns3::Ptr<ns3::Packet> packet, ns3::Ipv4Address source,
                    ns3::Ipv4Address destination)
{
    NS_LOG_FUNCTION(this << packet << source << destination);
    // No route is passed, so Ipv4L3Protocol calls RouteOutput, where IPsec interception
    // sees the GRE packet like any other locally generated packet.
    m_downTarget(packet, source, destination, PROT_NUMBER, nullptr);
}

uint64_t
GreL4Protocol::GetDropCount(GreDropReason reason) const
{
    return m_drops[static_cast<size_t>(reason)];
}

int
GreL4Protocol::GetProtocolNumber() const
{
    return PROT_NUMBER;
}

ns3::IpL4Protocol::RxStatus
GreL4Protocol::Receive(ns3::Ptr<ns3::Packet> packet, const ns3::Ipv4Header& header,
                       ns3::Ptr<ns3::Ipv4Interface> incomingInterface)
{
    NS_LOG_FUNCTION(this << packet << header << incomingInterface);

    m_scratch.resize(packet->GetSize());
    packet->CopyData(m_scratch.data(), static_cast<uint32_t>(m_scratch.size()));
    const Result<GreDecoded> decoded = DecodeGre(m_scratch);
    if (!decoded)
    {
        NS_LOG_WARN("GRE packet from " << header.GetSource()
                                       << " does not decode: " << ToString(decoded.Error()));
        Drop(packet, GreDropReasonFromDecodeError(decoded.Error()));
        return decoded.Error() == DecodeError::BadHeaderChecksum ? RX_CSUM_FAILED
                                                                 : RX_ENDPOINT_CLOSED;
    }

    const GreHeader& gre = decoded.Value().header;
    const std::optional<uint32_t> key
        = gre.keyPresent ? std::optional<uint32_t>(gre.key) : std::nullopt;
    ns3::Ptr<GreTunnelNetDevice> tunnel
        = FindTunnel(header.GetSource(), header.GetDestination(), key);
    if (!tunnel)
    {
        NS_LOG_WARN("no tunnel for GRE from " << header.GetSource() << " to "
                                              << header.GetDestination() << " key "
                                              << (key ? std::to_string(*key) : "none"));
        Drop(packet, GreDropReason::NoTunnel);
        return RX_ENDPOINT_CLOSED;
    }

    tunnel->ReceiveGre(packet, decoded.Value());
    return RX_OK;
}

ns3::IpL4Protocol::RxStatus
GreL4Protocol::Receive(ns3::Ptr<ns3::Packet> packet, const ns3::Ipv6Header& header,
                       ns3::Ptr<ns3::Ipv6Interface> incomingInterface)
{
    NS_LOG_FUNCTION(this << packet << &header << incomingInterface);
    NS_LOG_WARN("GRE over IPv6 is not supported; packet dropped");
    return RX_ENDPOINT_UNREACH;
}

void
GreL4Protocol::SetDownTarget(ns3::IpL4Protocol::DownTargetCallback callback)
{
    m_downTarget = callback;
}

void
GreL4Protocol::SetDownTarget6(ns3::IpL4Protocol::DownTargetCallback6 callback)
{
    m_downTarget6 = callback;
}

ns3::IpL4Protocol::DownTargetCallback
GreL4Protocol::GetDownTarget() const
{
    return m_downTarget;
}

ns3::IpL4Protocol::DownTargetCallback6
GreL4Protocol::GetDownTarget6() const
{
    return m_downTarget6;
}

void
GreL4Protocol::HandleUnicastForward(const ns3::Ipv4Header& header,
                                    ns3::Ptr<const ns3::Packet> packet, uint32_t interface)
{
    // A pointer comparison with the few tunnels here, because a failed DynamicCast across
    // shared libraries compares type names with strcmp on every forwarded packet.
    const ns3::Ptr<ns3::NetDevice> device = m_ipv4->GetNetDevice(interface);
    for (const ns3::Ptr<GreTunnelNetDevice>& tunnel : m_tunnels)
    {
        if (ns3::PeekPointer(tunnel) == ns3::PeekPointer(device))
        {
            tunnel->CheckForwardedSize(header, packet);
            return;
        }
    }
}

void
GreL4Protocol::Drop(ns3::Ptr<const ns3::Packet> packet, GreDropReason reason)
{
    ++m_drops[static_cast<size_t>(reason)];
    m_dropTrace(packet, reason);
}

} // namespace tunnelsim
