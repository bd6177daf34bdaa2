#include "gre-tunnel-net-device.h"

#include "encoded-header.h"
#include "gre-l4-protocol.h"
#include "ns3/boolean.h"
#include "ns3/icmpv4-l4-protocol.h"
#include "ns3/ipv4-l3-protocol.h"
#include "ns3/log.h"
#include "ns3/node.h"
#include "ns3/packet.h"
#include "ns3/simulator.h"
#include "ns3/tag.h"
#include "ns3/uinteger.h"
#include "tcp-mss-clamp.h"

namespace tunnelsim
{

NS_LOG_COMPONENT_DEFINE("GreTunnelNetDevice");

NS_OBJECT_ENSURE_REGISTERED(GreTunnelNetDevice);

namespace
{

/// EtherType of IPv4, the protocol number the IPv4 stack hands to devices.
constexpr uint16_t kEtherTypeIpv4 = 0x0800;

/**
 * Marks a packet that CheckForwardedSize rejected as too large for DF. ns-3 still
 * fragments it, and the fragments carry the tag into HandleSend, which discards them.
 */
class GreMtuExceededTag : public ns3::Tag
{
  public:
    static ns3::TypeId GetTypeId()
    {
        static ns3::TypeId tid = ns3::TypeId("tunnelsim::GreMtuExceededTag")
                                     .SetParent<ns3::Tag>()
                                     .SetGroupName("Gre")
                                     .AddConstructor<GreMtuExceededTag>();
        return tid;
    }

    ns3::TypeId GetInstanceTypeId() const override { return GetTypeId(); }

    // One marker byte: the tag carries no data, but a zero-size tag is an odd case for
    // ns-3's tag lists.
    uint32_t GetSerializedSize() const override { return 1; }

    void Serialize(ns3::TagBuffer buffer) const override { buffer.WriteU8(1); }

    void Deserialize(ns3::TagBuffer buffer) override { buffer.ReadU8(); }

    void Print(std::ostream& os) const override { os << "gre-mtu-exceeded"; }
};

NS_OBJECT_ENSURE_REGISTERED(GreMtuExceededTag);

} // namespace

ns3::TypeId
GreTunnelNetDevice::GetTypeId()
{
    static ns3::TypeId tid
        = ns3::TypeId("tunnelsim::GreTunnelNetDevice")
              .SetParent<ns3::VirtualNetDevice>()
              .SetGroupName("Gre")
              .AddConstructor<GreTunnelNetDevice>()
              .AddAttribute("TunnelSource",
                            "Outer source address of the GRE packets (a local address).",
                            ns3::Ipv4AddressValue(),
                            ns3::MakeIpv4AddressAccessor(&GreTunnelNetDevice::m_source),
                            ns3::MakeIpv4AddressChecker())
              .AddAttribute("TunnelDestination",
                            "Outer destination address of the GRE packets (the peer).",
                            ns3::Ipv4AddressValue(),
                            ns3::MakeIpv4AddressAccessor(&GreTunnelNetDevice::m_destination),
                            ns3::MakeIpv4AddressChecker())
              .AddAttribute("KeyEnabled",
                            "Send the Key field and accept only packets with the same key "
                            "(RFC 2890 s2.1).",
                            ns3::BooleanValue(false),
                            ns3::MakeBooleanAccessor(&GreTunnelNetDevice::m_keyEnabled),
                            ns3::MakeBooleanChecker())
              .AddAttribute("Key", "Key value, used when KeyEnabled is true.",
                            ns3::UintegerValue(0),
                            ns3::MakeUintegerAccessor(&GreTunnelNetDevice::m_key),
                            ns3::MakeUintegerChecker<uint32_t>())
              .AddAttribute("Sequence",
                            "Send sequence numbers, require them on receive and drop packets "
                            "that arrive out of order (RFC 2890 s2.2).",
                            ns3::BooleanValue(false),
                            ns3::MakeBooleanAccessor(&GreTunnelNetDevice::m_sequenceEnabled),
                            ns3::MakeBooleanChecker())
              .AddAttribute("Checksum",
                            "Send the GRE checksum and require it on receive (RFC 2784 s2.5).",
                            ns3::BooleanValue(false),
                            ns3::MakeBooleanAccessor(&GreTunnelNetDevice::m_checksumEnabled),
                            ns3::MakeBooleanChecker())
              .AddAttribute("MssClamping",
                            "Lower the MSS option of TCP SYNs crossing the tunnel, in both "
                            "directions, to the tunnel MTU minus 40 bytes.",
                            ns3::BooleanValue(false),
                            ns3::MakeBooleanAccessor(&GreTunnelNetDevice::m_mssClamping),
                            ns3::MakeBooleanChecker())
              .AddAttribute("KeepalivePeriod",
                            "Interval between keepalives, or 0 (the default) for none. Cisco "
                            "IOS uses 10 s when keepalives are turned on without a period.",
                            ns3::TimeValue(ns3::Seconds(0)),
                            ns3::MakeTimeAccessor(&GreTunnelNetDevice::m_keepalivePeriod),
                            ns3::MakeTimeChecker(ns3::Seconds(0)))
              .AddAttribute("KeepaliveRetries",
                            "Unanswered keepalives in a row that take the interface down.",
                            ns3::UintegerValue(kDefaultKeepaliveRetries),
                            ns3::MakeUintegerAccessor(&GreTunnelNetDevice::m_keepaliveRetries),
                            ns3::MakeUintegerChecker<uint32_t>(1))
              .AddAttribute("RecursionCheckInterval",
                            "Interval between checks that the route to the tunnel destination "
                            "does not lead into the tunnel; 0 checks only when sending.",
                            ns3::TimeValue(ns3::Seconds(1)),
                            ns3::MakeTimeAccessor(&GreTunnelNetDevice::m_recursionCheckInterval),
                            ns3::MakeTimeChecker(ns3::Seconds(0)))
              .AddAttribute("RecursionHoldTime",
                            "How long the interface stays down after recursive routing was "
                            "detected, before it is tried again.",
                            ns3::TimeValue(ns3::Seconds(10)),
                            ns3::MakeTimeAccessor(&GreTunnelNetDevice::m_recursionHoldTime),
                            ns3::MakeTimeChecker(ns3::Seconds(0)))
              .AddTraceSource("Drop", "The tunnel dropped a packet.",
                              ns3::MakeTraceSourceAccessor(&GreTunnelNetDevice::m_dropTrace),
                              "tunnelsim::GreTunnelNetDevice::DropTracedCallback")
              .AddTraceSource("StateChange",
                              "The tunnel took its IPv4 interface down or brought it up.",
                              ns3::MakeTraceSourceAccessor(&GreTunnelNetDevice::m_stateTrace),
                              "tunnelsim::GreTunnelNetDevice::StateTracedCallback");
    return tid;
}

GreTunnelNetDevice::GreTunnelNetDevice()
{
    NS_LOG_FUNCTION(this);
    SetSendCallback(ns3::MakeCallback(&GreTunnelNetDevice::HandleSend, this));
    SetNeedsArp(false);
    SetIsPointToPoint(true);
    SetSupportsSendFrom(false);
}

GreTunnelNetDevice::~GreTunnelNetDevice()
{
    NS_LOG_FUNCTION(this);
}

void
GreTunnelNetDevice::SetTunnelSource(ns3::Ipv4Address source)
{
    m_source = source;
}

ns3::Ipv4Address
GreTunnelNetDevice::GetTunnelSource() const
{
    return m_source;
}

void
GreTunnelNetDevice::SetTunnelDestination(ns3::Ipv4Address destination)
{
    m_destination = destination;
}

ns3::Ipv4Address
GreTunnelNetDevice::GetTunnelDestination() const
{
    return m_destination;
}

std::optional<uint32_t>
GreTunnelNetDevice::GetKey() const
{
    return m_keyEnabled ? std::optional<uint32_t>(m_key) : std::nullopt;
}

size_t
GreTunnelNetDevice::GetGreHeaderSize() const
{
    GreHeader header;
    header.checksumPresent = m_checksumEnabled;
    header.keyPresent = m_keyEnabled;
    header.sequencePresent = m_sequenceEnabled;
    return header.HeaderSize();
}

bool
GreTunnelNetDevice::SetMtuFromUnderlay(uint16_t underlayMtu, std::optional<GreEspProtection> esp)
{
    const uint16_t mtu = ComputeGreTunnelMtu(underlayMtu, GetGreHeaderSize(), esp);
    if (mtu < kIpv4MinimumMtu)
    {
        NS_LOG_ERROR("an underlay MTU of " << underlayMtu << " leaves " << mtu
                                           << " bytes, below the IPv4 minimum of "
                                           << kIpv4MinimumMtu);
        return false;
    }
    return SetMtu(mtu);
}

bool
GreTunnelNetDevice::IsTunnelUp() const
{
    return !m_interfaceHeldDown;
}

const GreTunnelStatistics&
GreTunnelNetDevice::GetStatistics() const
{
    return m_statistics;
}

uint64_t
GreTunnelNetDevice::GetDropCount(GreDropReason reason) const
{
    return m_drops[static_cast<size_t>(reason)];
}

void
GreTunnelNetDevice::SetGreProtocol(ns3::Ptr<GreL4Protocol> protocol)
{
    m_gre = protocol;
}

bool
GreTunnelNetDevice::Matches(ns3::Ipv4Address outerSource, ns3::Ipv4Address outerDestination,
                            std::optional<uint32_t> key) const
{
    return outerSource == m_destination && outerDestination == m_source && key == GetKey();
}

void
GreTunnelNetDevice::DoInitialize()
{
    NS_LOG_FUNCTION(this);
    if (m_keepalivePeriod.IsStrictlyPositive())
    {
        m_keepaliveEvent = ns3::Simulator::ScheduleNow(&GreTunnelNetDevice::SendKeepalive, this);
    }
    if (m_recursionCheckInterval.IsStrictlyPositive())
    {
        m_recursionCheckEvent = ns3::Simulator::Schedule(m_recursionCheckInterval,
                                                         &GreTunnelNetDevice::CheckRecursion, this);
    }
    ns3::VirtualNetDevice::DoInitialize();
}

void
GreTunnelNetDevice::DoDispose()
{
    NS_LOG_FUNCTION(this);
    m_keepaliveEvent.Cancel();
    m_recursionCheckEvent.Cancel();
    m_recursionHoldEvent.Cancel();
    m_gre = nullptr;
    ns3::VirtualNetDevice::DoDispose();
}

// --- Sending ------------------------------------------------------------------------------

bool
GreTunnelNetDevice::HandleSend(ns3::Ptr<ns3::Packet> packet, const ns3::Address& source,
                               const ns3::Address& destination, uint16_t protocolNumber)
{
    NS_LOG_FUNCTION(this << packet << source << destination << protocolNumber);

    if (protocolNumber != kEtherTypeIpv4)
    {
        NS_LOG_WARN("cannot carry protocol " << protocolNumber << "; only IPv4");
        Drop(packet, GreDropReason::UnsupportedProtocol);
        return false;
    }
    // The GRE packet this device sent came back to it: the route to the tunnel
    // destination leads into the tunnel.
    if (m_sendDepth > 0)
    {
        NS_LOG_WARN("recursive routing: the route to " << m_destination
                                                       << " leads into the tunnel itself");
        Drop(packet, GreDropReason::RecursiveRouting);
        EnterRecursionDown();
        return false;
    }
    if (m_downForRecursion)
    {
        Drop(packet, GreDropReason::RecursiveRouting);
        return false;
    }
    GreMtuExceededTag mtuTag;
    if (packet->PeekPacketTag(mtuTag))
    {
        NS_LOG_LOGIC("fragment of a DF packet already answered with ICMP; discarded");
        return false;
    }

    ns3::Ipv4Header inner;
    if (packet->GetSize() < kIpv4MinHeaderSize || packet->PeekHeader(inner) == 0)
    {
        Drop(packet, GreDropReason::MalformedInner);
        return false;
    }
    // RFC 791 s3.2 forbids fragmenting a DF datagram, so a fragment with DF set was cut by
    // this node's own stack, which ignores DF. CheckForwardedSize stops forwarded packets
    // before that, so this catches the ones the node sent itself.
    if (inner.IsDontFragment() && (!inner.IsLastFragment() || inner.GetFragmentOffset() != 0))
    {
        NS_LOG_WARN("DF fragment from " << inner.GetSource() << " exceeds MTU " << GetMtu());
        Drop(packet, GreDropReason::MtuExceeded);
        return false;
    }

    if (m_mssClamping)
    {
        ClampMss(packet);
    }
    Encapsulate(packet, kGreProtocolIpv4);
    return true;
}

// RFC 2784 s2 with the RFC 2890 s2 options. The codec builds and checksums the header.
void
GreTunnelNetDevice::Encapsulate(ns3::Ptr<ns3::Packet> inner, uint16_t protocolType)
{
    NS_LOG_FUNCTION(this << inner << protocolType);
    if (!m_gre)
    {
        NS_FATAL_ERROR("GRE tunnel " << m_source << " -> " << m_destination
                                     << " has no GreL4Protocol; install it with GreHelper");
    }

    GreHeader header;
    header.protocolType = protocolType;
    header.checksumPresent = m_checksumEnabled;
    header.keyPresent = m_keyEnabled;
    header.key = m_key;
    header.sequencePresent = m_sequenceEnabled;
    header.sequence = m_txSequence;

    m_encoded.clear();
    if (m_checksumEnabled)
    {
        // The checksum covers the payload too (RFC 2784 s2.5).
        m_scratch.resize(inner->GetSize());
        inner->CopyData(m_scratch.data(), static_cast<uint32_t>(m_scratch.size()));
        EncodeGre(header, m_scratch, m_encoded);
    }
    else
    {
        EncodeGre(header, ByteView(), m_encoded);
    }
    inner->AddHeader(EncodedHeader(ByteView(m_encoded.data(), header.HeaderSize())));
    if (m_sequenceEnabled)
    {
        // A free-running counter modulo 2**32 (RFC 2890 s2.2).
        ++m_txSequence;
    }
    ++m_statistics.encapsulated;

    ++m_sendDepth;
    m_gre->Send(inner, m_source, m_destination);
    --m_sendDepth;
}

void
GreTunnelNetDevice::ClampMss(ns3::Ptr<ns3::Packet> packet)
{
    ns3::Ipv4Header ip;
    packet->PeekHeader(ip);
    if (ip.GetProtocol() != kIpProtocolTcp || ip.GetFragmentOffset() != 0)
    {
        return;
    }

    m_scratch.resize(packet->GetSize());
    packet->CopyData(m_scratch.data(), static_cast<uint32_t>(m_scratch.size()));
    const uint16_t maxMss = GetMtu() - kTcpIpv4HeadersSize;
    const MssClampResult result = ClampTcpMss(m_scratch, maxMss);
    if (result.outcome != MssClampOutcome::Clamped)
    {
        return;
    }
    // Only the IPv4 and TCP headers changed: swap them and keep the payload and the tags.
    packet->RemoveAtStart(static_cast<uint32_t>(result.headersSize));
    packet->AddHeader(EncodedHeader(ByteView(m_scratch.data(), result.headersSize)));
    ++m_statistics.mssClamped;
    NS_LOG_LOGIC("MSS " << result.originalMss << " clamped to " << maxMss);
}

// RFC 1191 s4: a router that cannot forward a DF datagram without fragmenting it returns
// Destination Unreachable, fragmentation needed, with the next-hop MTU in the low 16 bits.
void
GreTunnelNetDevice::CheckForwardedSize(const ns3::Ipv4Header& header,
                                       ns3::Ptr<const ns3::Packet> packet)
{
    if (!header.IsDontFragment())
    {
        return;
    }
    const uint32_t size = packet->GetSize() + header.GetSerializedSize();
    if (size <= GetMtu())
    {
        return;
    }

    NS_LOG_WARN("DF packet of " << size << " bytes from " << header.GetSource()
                                << " exceeds tunnel MTU " << GetMtu());
    packet->AddPacketTag(GreMtuExceededTag());
    ns3::Ptr<ns3::Ipv4> ipv4 = GetIpv4();
    ns3::Ptr<ns3::Icmpv4L4Protocol> icmp
        = ipv4 ? ns3::DynamicCast<ns3::Icmpv4L4Protocol>(
              ipv4->GetProtocol(ns3::Icmpv4L4Protocol::PROT_NUMBER))
               : nullptr;
    if (icmp)
    {
        icmp->SendDestUnreachFragNeeded(header, packet, GetMtu());
        ++m_statistics.fragNeededSent;
    }
    Drop(packet, GreDropReason::MtuExceeded);
}

// --- Receiving ----------------------------------------------------------------------------

void
GreTunnelNetDevice::ReceiveGre(ns3::Ptr<ns3::Packet> packet, const GreDecoded& decoded)
{
    NS_LOG_FUNCTION(this << packet);
    const GreHeader& gre = decoded.header;

    if (m_checksumEnabled && !gre.checksumPresent)
    {
        NS_LOG_WARN("GRE packet from " << m_destination << " has no checksum");
        Drop(packet, GreDropReason::MissingChecksum);
        return;
    }
    if (gre.protocolType == kGreProtocolKeepalive)
    {
        HandleKeepaliveReply();
        return;
    }
    if (gre.protocolType != kGreProtocolIpv4)
    {
        NS_LOG_WARN("GRE protocol type " << gre.protocolType << " is not IPv4");
        Drop(packet, GreDropReason::UnsupportedProtocol);
        return;
    }
    if (m_sequenceEnabled && !gre.sequencePresent)
    {
        NS_LOG_WARN("GRE packet from " << m_destination << " has no sequence number");
        Drop(packet, GreDropReason::MissingSequence);
        return;
    }
    // The codec verifies the IPv4 header checksum, which ns-3 writes only with the global
    // value ChecksumEnabled set (GreHelper::Install sets it).
    const Result<Ipv4Header> inner = DecodeIpv4Header(decoded.payload);
    if (!inner)
    {
        NS_LOG_WARN("inner packet from " << m_destination
                                         << " is not valid IPv4: " << ToString(inner.Error()));
        Drop(packet, GreDropReason::MalformedInner);
        return;
    }
    if (m_sequenceEnabled && IsOutOfOrder(gre.sequence))
    {
        NS_LOG_WARN("sequence " << gre.sequence << " is not after " << m_rxSequence);
        Drop(packet, GreDropReason::OutOfOrder);
        return;
    }

    if (m_sequenceEnabled)
    {
        m_rxSequence = gre.sequence;
    }
    packet->RemoveAtStart(static_cast<uint32_t>(gre.HeaderSize()));

    // A keepalive from the peer is an inner packet from us to the peer. While the interface
    // is down the IPv4 stack would drop it, so return it here, or the peer's tunnel could
    // not come back up while ours is down.
    const bool peerKeepalive = inner.Value().protocol == kIpProtocolGre
                               && inner.Value().source == m_source.Get()
                               && inner.Value().destination == m_destination.Get();
    if (peerKeepalive && m_interfaceHeldDown)
    {
        ReturnPeerKeepalive(packet, inner.Value());
        return;
    }

    if (m_mssClamping)
    {
        ClampMss(packet);
    }
    ++m_statistics.decapsulated;
    const bool multicast = ns3::Ipv4Address(inner.Value().destination).IsMulticast();
    Receive(packet, kEtherTypeIpv4, GetAddress(), GetAddress(),
            multicast ? ns3::NetDevice::PACKET_MULTICAST : ns3::NetDevice::PACKET_HOST);
}

// RFC 2890 s2.2: a packet is out of order when its sequence number lies in the range of
// the last accepted number and the 2**31 - 1 numbers before it, modulo 2**32.
bool
GreTunnelNetDevice::IsOutOfOrder(uint32_t sequence) const
{
    constexpr uint32_t kHalfSequenceSpace = 0x80000000u;
    return static_cast<uint32_t>(m_rxSequence - sequence) < kHalfSequenceSpace;
}

void
GreTunnelNetDevice::Drop(ns3::Ptr<const ns3::Packet> packet, GreDropReason reason)
{
    ++m_drops[static_cast<size_t>(reason)];
    m_dropTrace(packet, reason);
}

ns3::Ptr<ns3::Ipv4>
GreTunnelNetDevice::GetIpv4() const
{
    ns3::Ptr<ns3::Node> node = GetNode();
    return node ? node->GetObject<ns3::Ipv4>() : nullptr;
}

} // namespace tunnelsim
