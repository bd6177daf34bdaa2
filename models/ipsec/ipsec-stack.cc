#include "ipsec-stack.h"

#include "esp-l4-protocol.h"
#include "ipsec-routing-protocol.h"
#include "ns3/boolean.h"
#include "ns3/icmpv4-l4-protocol.h"
#include "ns3/ipv4-list-routing.h"
#include "ns3/ipv4-route.h"
#include "ns3/log.h"
#include "ns3/mac48-address.h"
#include "ns3/names.h"
#include "ns3/socket.h"
#include "ns3/tag.h"
#include "ns3/uinteger.h"

#include <memory>
#include <stdexcept>
#include <unordered_map>

namespace tunnelsim
{

NS_LOG_COMPONENT_DEFINE("IpsecStack");
NS_OBJECT_ENSURE_REGISTERED(IpsecStack);

namespace
{

/// EtherType of IPv4 (IEEE 802 numbers), the protocol ns-3 devices carry IPv4 under.
constexpr uint16_t kEtherTypeIpv4 = 0x0800;
/// Address of the hidden device: locally administered (IEEE 802 U/L bit), never on a wire.
constexpr char kIpsecDeviceAddress[] = "02:00:00:00:00:00";

/**
 * A default-constructed tag of @p type, made once and reused, or nullptr when the type has
 * no constructor. Building a tag through its TypeId for every copy cost about 1,500
 * instructions a tag (callgrind, tools/tunnel-cost-instructions).
 */
ns3::Tag*
TagOfType(ns3::TypeId type)
{
    struct CachedTag
    {
        std::unique_ptr<ns3::ObjectBase> object;
        /// The object as a Tag, cast once, because a dynamic_cast across the shared
        /// libraries compares type names.
        ns3::Tag* tag = nullptr;
    };
    static std::unordered_map<uint16_t, CachedTag> tags;
    auto it = tags.find(type.GetUid());
    if (it == tags.end())
    {
        CachedTag cached;
        if (type.HasConstructor())
        {
            cached.object.reset(type.GetConstructor()());
            cached.tag = dynamic_cast<ns3::Tag*>(cached.object.get());
        }
        it = tags.emplace(type.GetUid(), std::move(cached)).first;
    }
    return it->second.tag;
}

/// Run @p function on a copy of each tag @p iterator yields.
template<typename Iterator, typename Function>
void
ForEachTag(Iterator iterator, Function function)
{
    while (iterator.HasNext())
    {
        auto item = iterator.Next();
        ns3::Tag* tag = TagOfType(item.GetTypeId());
        if (!tag)
        {
            continue;
        }
        item.GetTag(*tag);
        function(*tag);
    }
}

/**
 * Copy the packet tags and byte tags of @p from to @p to. A packet rebuilt from bytes has
 * none, and FlowMonitor follows a flow across encapsulation through its byte tag.
 */
void
CopyTags(ns3::Ptr<const ns3::Packet> from, ns3::Ptr<ns3::Packet> to)
{
    ForEachTag(from->GetByteTagIterator(),
               [&to](const ns3::Tag& tag)
               {
                   to->AddByteTag(tag);
               });
    ForEachTag(from->GetPacketTagIterator(),
               [&to](const ns3::Tag& tag)
               {
                   to->AddPacketTag(tag);
               });
}

/// Copy the bytes of @p packet into @p bytes, reusing its storage.
void
CopyPacketBytes(ns3::Ptr<const ns3::Packet> packet, Bytes& bytes)
{
    bytes.resize(packet->GetSize());
    packet->CopyData(bytes.data(), static_cast<uint32_t>(bytes.size()));
}

/// True for the packets the stack itself produces or needs in the clear: ESP and IKE.
bool
IsIpsecControlTraffic(const PacketSelectorFields& fields)
{
    if (fields.protocol == kIpProtocolEsp)
    {
        return true;
    }
    if (fields.protocol != kIpProtocolUdp || fields.ports != PortAvailability::Known)
    {
        return false;
    }
    for (uint16_t port : {fields.sourcePort, fields.destinationPort})
    {
        if (port == kIkeUdpPort || port == kIkeNatTraversalUdpPort)
        {
            return true;
        }
    }
    return false;
}

PacketSelectorFields
FieldsFromCodecHeader(const Ipv4Header& header, const Bytes& packet)
{
    const bool initialFragment = header.fragmentOffset == 0;
    const size_t end = std::min<size_t>(header.totalLength, packet.size());
    const ByteView transport
        = end > header.HeaderSize()
              ? ByteView(packet).Sub(header.HeaderSize(), end - header.HeaderSize())
              : ByteView();
    return SelectorFieldsFromPacket(header.source, header.destination, header.protocol,
                                    initialFragment, transport);
}

} // namespace

PacketSelectorFields
SelectorFieldsFromPacket(uint32_t source, uint32_t destination, uint8_t protocol,
                         bool isInitialFragment, ByteView transportBytes)
{
    PacketSelectorFields fields;
    fields.source = source;
    fields.destination = destination;
    fields.protocol = protocol;
    // TCP (RFC 9293 s3.1) and UDP (RFC 768) both start with source and destination port.
    if (ProtocolHasPorts(protocol) && isInitialFragment && transportBytes.size >= 4)
    {
        fields.sourcePort = ReadU16(transportBytes.data);
        fields.destinationPort = ReadU16(transportBytes.data + 2);
        fields.ports = PortAvailability::Known;
    }
    return fields;
}

ns3::TypeId
IpsecStack::GetTypeId()
{
    static ns3::TypeId tid
        = ns3::TypeId("tunnelsim::IpsecStack")
              .SetParent<ns3::Object>()
              .SetGroupName("Ipsec")
              .AddConstructor<IpsecStack>()
              .AddAttribute("DiscardUnmatched",
                            "Drop packets that match no SPD entry (reason no-policy) instead of "
                            "passing them in the clear. RFC 4301 s5 makes discarding the "
                            "default; tunnelsim passes them so a gateway's own routing and "
                            "underlay traffic work without a catch-all entry.",
                            ns3::BooleanValue(false),
                            ns3::MakeBooleanAccessor(&IpsecStack::m_discardUnmatched),
                            ns3::MakeBooleanChecker())
              .AddAttribute("InboundCleartextCheck",
                            "Drop forwarded cleartext packets that match an inbound PROTECT "
                            "(unprotected-traffic) or DISCARD entry (RFC 4301 s5.2 step 3b).",
                            ns3::BooleanValue(true),
                            ns3::MakeBooleanAccessor(&IpsecStack::m_inboundCleartextCheck),
                            ns3::MakeBooleanChecker())
              .AddTraceSource("Drop", "A packet dropped by IPsec processing, with the reason.",
                              ns3::MakeTraceSourceAccessor(&IpsecStack::m_dropTrace),
                              "tunnelsim::IpsecStack::DropTracedCallback")
              .AddTraceSource("Opened",
                              "A packet opened from ESP and checked against its SA, whole "
                              "IPv4 packet, with the device it is delivered on.",
                              ns3::MakeTraceSourceAccessor(&IpsecStack::m_openedTrace),
                              "tunnelsim::IpsecStack::OpenedTracedCallback");
    return tid;
}

IpsecStack::IpsecStack()
  : m_spd(ns3::CreateObject<SecurityPolicyDatabase>())
  , m_sad(ns3::CreateObject<SecurityAssociationDatabase>())
{
}

IpsecStack::~IpsecStack() = default;

void
IpsecStack::DoDispose()
{
    if (m_device)
    {
        m_device->SetSendCallback(ns3::VirtualNetDevice::SendCallback());
    }
    m_sad->Dispose();
    m_spd->Dispose();
    m_node = nullptr;
    m_ipv4 = nullptr;
    m_device = nullptr;
    m_routing = nullptr;
    m_esp = nullptr;
    m_gre = nullptr;
    m_vtis.clear();
    m_acquire = AcquireCallback();
    if (m_cryptoEngine)
    {
        m_cryptoEngine->Dispose();
        m_cryptoEngine = nullptr;
    }
    ns3::Object::DoDispose();
}

void
IpsecStack::Setup(ns3::Ptr<ns3::Node> node)
{
    NS_LOG_FUNCTION(this << node->GetId());

    m_ipv4 = node->GetObject<ns3::Ipv4L3Protocol>();
    if (!m_ipv4)
    {
        throw std::runtime_error("node " + std::to_string(node->GetId())
                                 + " has no IPv4 stack: install InternetStackHelper before "
                                   "IpsecHelper");
    }
    auto list = ns3::DynamicCast<ns3::Ipv4ListRouting>(m_ipv4->GetRoutingProtocol());
    if (!list)
    {
        throw std::runtime_error("node " + std::to_string(node->GetId())
                                 + " does not use Ipv4ListRouting, which the IPsec "
                                   "interception needs (InternetStackHelper's default)");
    }
    m_node = node;

    m_device = ns3::CreateObject<ns3::VirtualNetDevice>();
    m_device->SetAddress(ns3::Mac48Address(kIpsecDeviceAddress));
    m_device->SetNeedsArp(false);
    m_device->SetIsPointToPoint(true);
    m_device->SetSupportsSendFrom(false);
    m_device->SetMtu(kIpsecDeviceMtu);
    m_device->SetSendCallback(ns3::MakeCallback(&IpsecStack::SendFromDevice, this));
    node->AddDevice(m_device);
    const uint32_t interface = m_ipv4->AddInterface(m_device);
    m_ipv4->SetForwarding(interface, true);
    m_ipv4->SetUp(interface);
    m_interface = interface;
    m_deviceBroadcast = m_device->GetBroadcast();
    ns3::UintegerValue ttl;
    m_ipv4->GetAttribute("DefaultTtl", ttl);
    m_defaultTtl = static_cast<uint8_t>(ttl.Get());
    if (!ns3::Names::FindName(node).empty())
    {
        ns3::Names::Add(node, "ipsec", m_device);
    }

    m_esp = ns3::CreateObject<EspL4Protocol>();
    m_esp->SetStack(this);
    m_ipv4->Insert(m_esp);

    m_routing = ns3::CreateObject<IpsecRoutingProtocol>();
    m_routing->SetStack(this);
    list->AddRoutingProtocol(m_routing, kIpsecRoutingPriority);

    // IP protocol numbers are 8 bits (RFC 791 s3.1).
    for (int number = 0; number <= 255; ++number)
    {
        ns3::Ptr<ns3::IpL4Protocol> protocol = m_ipv4->GetProtocol(number);
        if (protocol && number != EspL4Protocol::PROT_NUMBER)
        {
            InterceptLocalProtocol(protocol);
        }
    }
}

void
IpsecStack::InterceptLocalProtocol(ns3::Ptr<ns3::IpL4Protocol> protocol)
{
    protocol->SetDownTarget(ns3::MakeCallback(&IpsecStack::SendLocal, this));
}

void
IpsecStack::SendLocal(ns3::Ptr<ns3::Packet> packet, ns3::Ipv4Address source,
                      ns3::Ipv4Address destination, uint8_t protocol,
                      ns3::Ptr<ns3::Ipv4Route> route)
{
    bool protect = false;
    if (route)
    {
        // A socket asked RouteOutput first, and the interception chose the hidden device.
        protect = route->GetOutputDevice() == m_device;
    }
    else if (source.IsInitialized() && source != ns3::Ipv4Address::GetAny()
             && !destination.IsMulticast() && !destination.IsBroadcast())
    {
        // The packet starts with its transport header, so ports are known here.
        uint8_t portBytes[4] = {};
        const uint32_t copied = packet->CopyData(portBytes, sizeof(portBytes));
        const PacketSelectorFields fields = SelectorFieldsFromPacket(
            source.Get(), destination.Get(), protocol, true, ByteView(portBytes, copied));
        if (!IsIpsecControlTraffic(fields))
        {
            const SecurityPolicy* policy = m_spd->Lookup(TrafficDirection::Outbound, fields);
            protect = policy && policy->action == PolicyAction::Protect;
        }
    }
    if (!protect || packet->GetSize() + kIpv4MinHeaderSize > m_device->GetMtu())
    {
        m_ipv4->Send(packet, source, destination, protocol, route);
        return;
    }

    // The fields Ipv4L3Protocol::Send would write (ns-3 3.37 BuildHeader), from the TTL
    // and TOS socket tags, which it also removes.
    ns3::Ipv4Header header;
    header.SetSource(source);
    header.SetDestination(destination);
    header.SetProtocol(protocol);
    header.SetPayloadSize(packet->GetSize());
    header.SetIdentification(m_identification++);
    ns3::SocketIpTtlTag ttlTag;
    header.SetTtl(packet->RemovePacketTag(ttlTag) ? ttlTag.GetTtl() : m_defaultTtl);
    ns3::SocketIpTosTag tosTag;
    header.SetTos(packet->RemovePacketTag(tosTag) ? tosTag.GetTos() : 0);
    // DF clear, as Ipv4L3Protocol::Send writes it whatever the socket asked.
    header.SetMayFragment();
    if (ns3::Node::ChecksumEnabled())
    {
        header.EnableChecksum();
    }
    packet->AddHeader(header);
    // Through the device, so its MacTx trace and captures see the packet as on the routed
    // path. The device's send callback is SendFromDevice.
    m_device->Send(packet, m_deviceBroadcast, kEtherTypeIpv4);
}

ns3::Ptr<SecurityPolicyDatabase>
IpsecStack::GetSpd() const
{
    return m_spd;
}

ns3::Ptr<SecurityAssociationDatabase>
IpsecStack::GetSad() const
{
    return m_sad;
}

ns3::Ptr<ns3::VirtualNetDevice>
IpsecStack::GetDevice() const
{
    return m_device;
}

ns3::Ptr<IpsecRoutingProtocol>
IpsecStack::GetRoutingProtocol() const
{
    return m_routing;
}

ns3::Ptr<ns3::Node>
IpsecStack::GetNode() const
{
    return m_node;
}

void
IpsecStack::AddVti(ns3::Ptr<ns3::VirtualNetDevice> device)
{
    m_vtis.insert(ns3::PeekPointer(device));
    device->SetSendCallback(
        ns3::MakeCallback(&IpsecStack::SendFromVti, this, ns3::PeekPointer(device)));
}

bool
IpsecStack::IsIpsecDevice(ns3::Ptr<const ns3::NetDevice> device) const
{
    return device && (device == m_device || IsVti(device));
}

bool
IpsecStack::IsVti(ns3::Ptr<const ns3::NetDevice> device) const
{
    return m_vtis.count(ns3::PeekPointer(device)) != 0;
}

void
IpsecStack::SetCryptoEngine(ns3::Ptr<CryptoEngine> engine)
{
    m_cryptoEngine = engine;
}

ns3::Ptr<CryptoEngine>
IpsecStack::GetCryptoEngine() const
{
    return m_cryptoEngine;
}

bool
IpsecStack::GetDiscardUnmatched() const
{
    return m_discardUnmatched;
}

bool
IpsecStack::GetInboundCleartextCheck() const
{
    return m_inboundCleartextCheck;
}

void
IpsecStack::SetAcquireCallback(AcquireCallback callback)
{
    m_acquire = callback;
}

bool
IpsecStack::SendFromDevice(ns3::Ptr<ns3::Packet> packet, const ns3::Address&, const ns3::Address&,
                           uint16_t protocolNumber)
{
    if (protocolNumber != kEtherTypeIpv4)
    {
        return false;
    }
    ProcessOutbound(packet);
    return true;
}

void
IpsecStack::ProcessOutbound(ns3::Ptr<ns3::Packet> ipPacket)
{
    NS_LOG_FUNCTION(this << ipPacket);

    // The packet stays in m_plainScratch until SealNow hands the ESP packet to IPv4.
    Bytes& bytes = m_plainScratch;
    CopyPacketBytes(ipPacket, bytes);
    Result<Ipv4Header> decoded = DecodeIpv4Header(bytes);
    if (!decoded)
    {
        // Only this node's own IPv4 stack built the packet, so a failure here means its
        // header checksum was not written (GlobalValue ChecksumEnabled is false).
        NS_LOG_WARN("outbound packet has an invalid IPv4 header: " << ToString(decoded.Error()));
        Drop(ipPacket, IpsecDropReason::MalformedInner);
        return;
    }
    const Ipv4Header& header = decoded.Value();
    const PacketSelectorFields fields = FieldsFromCodecHeader(header, bytes);

    // ESP and IKE pass in the clear: matching them again would recurse or cut off the
    // negotiation that creates the SAs.
    if (IsIpsecControlTraffic(fields))
    {
        SendInClear(ipPacket);
        return;
    }

    // RFC 4301 s5.1 step 3b: the first matching entry decides.
    const SecurityPolicy* policy = m_spd->Lookup(TrafficDirection::Outbound, fields);
    if (!policy)
    {
        if (m_discardUnmatched)
        {
            Drop(ipPacket, IpsecDropReason::NoPolicy);
        }
        else
        {
            SendInClear(ipPacket);
        }
        return;
    }
    switch (policy->action)
    {
        case PolicyAction::Bypass:
            SendInClear(ipPacket);
            return;
        case PolicyAction::Discard:
            Drop(ipPacket, IpsecDropReason::DiscardPolicy);
            return;
        case PolicyAction::Protect:
            break;
    }

    // RFC 4301 s5.1 step 3b: PROTECT needs an SA, and without one the key manager is asked.
    ns3::Ptr<SecurityAssociation> sa = m_sad->FindOutboundForPolicy(policy->id);
    if (!sa)
    {
        if (!m_acquire.IsNull() && m_acquire(policy->id, ipPacket))
        {
            NS_LOG_LOGIC("acquire for SPD entry " << policy->id << " took the packet");
            return;
        }
        Drop(ipPacket, IpsecDropReason::NoSa);
        return;
    }
    Seal(sa, ipPacket, header, bytes);
}

bool
IpsecStack::SendFromVti(ns3::VirtualNetDevice* device, ns3::Ptr<ns3::Packet> packet,
                        const ns3::Address&, const ns3::Address&, uint16_t protocolNumber)
{
    NS_LOG_FUNCTION(this << device << packet);

    if (protocolNumber != kEtherTypeIpv4)
    {
        return false;
    }
    ns3::Ptr<SecurityAssociation> sa = m_sad->FindOutboundForDevice(device);
    if (!sa)
    {
        Drop(packet, IpsecDropReason::NoSa);
        return true;
    }
    Bytes& bytes = m_plainScratch;
    CopyPacketBytes(packet, bytes);
    Result<Ipv4Header> decoded = DecodeIpv4Header(bytes);
    if (!decoded)
    {
        NS_LOG_WARN(
            "packet routed into a VTI has an invalid IPv4 header: " << ToString(decoded.Error()));
        Drop(packet, IpsecDropReason::MalformedInner);
        return true;
    }
    Seal(sa, packet, decoded.Value(), bytes);
    return true;
}

void
IpsecStack::Seal(ns3::Ptr<SecurityAssociation> sa, ns3::Ptr<ns3::Packet> ipPacket,
                 const Ipv4Header& header, const Bytes& bytes)
{
    if (!m_cryptoEngine)
    {
        SealNow(sa, ipPacket, header, bytes);
        return;
    }

    // The engine charges the bytes EspEncoder::Seal takes, which SealNow passes it: the
    // whole packet in tunnel mode, the packet without its IPv4 header in transport mode.
    const SecurityAssociationConfig& config = sa->GetConfig();
    const size_t packetEnd = std::min<size_t>(header.totalLength, bytes.size());
    const size_t sealBytes
        = config.mode == IpsecMode::Tunnel ? packetEnd : packetEnd - header.HeaderSize();
    const bool admitted = m_cryptoEngine->Submit(config.esp.suite, CryptoDirection::Seal, sealBytes,
                                                 [this, sa, ipPacket, header, bytes]()
                                                 {
                                                     SealNow(sa, ipPacket, header, bytes);
                                                 });
    if (!admitted)
    {
        Drop(ipPacket, IpsecDropReason::CryptoQueueFull);
    }
}

void
IpsecStack::SealNow(ns3::Ptr<SecurityAssociation> sa, ns3::Ptr<ns3::Packet> ipPacket,
                    const Ipv4Header& header, const Bytes& bytes)
{
    const SecurityAssociationConfig& config = sa->GetConfig();
    const size_t packetEnd = std::min<size_t>(header.totalLength, bytes.size());

    // Tunnel mode (RFC 4301 s5.1.2.1): ESP carries the whole packet, next header 4
    // (IP-in-IP, RFC 4303 s2.6), under a new header between the SA's endpoints. Transport
    // mode (RFC 4303 s3.1.1): ESP carries the payload, next header = the packet's protocol,
    // under the packet's own addresses and TTL.
    ByteView payload;
    uint8_t nextHeader = 0;
    ns3::Ipv4Address outerSource;
    ns3::Ipv4Address outerDestination;
    if (config.mode == IpsecMode::Tunnel)
    {
        payload = ByteView(bytes).Sub(0, packetEnd);
        nextHeader = kIpProtocolIpInIp;
        outerSource = config.tunnelLocal;
        outerDestination = config.tunnelRemote;
    }
    else
    {
        // RFC 4303 s3.3: transport mode applies to whole datagrams, never to fragments.
        if (header.moreFragments || header.fragmentOffset != 0)
        {
            DropOnSa(sa, ipPacket, IpsecDropReason::TransportFragment);
            return;
        }
        payload = ByteView(bytes).Sub(header.HeaderSize(), packetEnd - header.HeaderSize());
        nextHeader = header.protocol;
        outerSource = ns3::Ipv4Address(header.source);
        outerDestination = ns3::Ipv4Address(header.destination);
    }

    if (!m_sad->ChargeBytes(sa, payload.size))
    {
        Drop(ipPacket, IpsecDropReason::SaExpired);
        return;
    }
    Bytes& esp = m_espScratch;
    esp.clear();
    esp.reserve(payload.size + kMaxEspTunnelOverhead);
    Status sealed = sa->GetEncoder()->Seal(nextHeader, payload, esp);
    if (!sealed)
    {
        DropOnSa(sa, ipPacket,
                 sealed.Error() == DecodeError::SequenceExhausted
                     ? IpsecDropReason::SequenceExhausted
                     : IpsecDropReason::CryptoFailure);
        return;
    }
    m_sad->CountPacket(sa, payload.size);
    ++m_sealed;

    ns3::Ptr<ns3::Packet> espPacket = ns3::Create<ns3::Packet>(esp.data(), esp.size());
    CopyTags(ipPacket, espPacket);
    NS_LOG_LOGIC("sealed " << payload.size << " bytes with SPI " << sa->GetSpi() << ", "
                           << outerSource << " -> " << outerDestination);
    SendEsp(espPacket, outerSource, outerDestination, header, config.mode);
}

void
IpsecStack::SendEsp(ns3::Ptr<ns3::Packet> espPacket, ns3::Ipv4Address source,
                    ns3::Ipv4Address destination, const Ipv4Header& inner, IpsecMode mode)
{
    ns3::Ipv4Header header;
    header.SetSource(source);
    header.SetDestination(destination);
    header.SetProtocol(EspL4Protocol::PROT_NUMBER);
    header.SetPayloadSize(espPacket->GetSize());
    header.SetIdentification(m_identification++);
    // RFC 4301 s5.1.2.1: a tunnel-mode outer header copies DSCP and ECN from the inner one
    // (RFC 6040 s4.1 normal mode) and gets its own TTL. Transport mode keeps the packet's
    // TTL, TOS and DF.
    header.SetTos(inner.tos);
    if (mode == IpsecMode::Transport)
    {
        header.SetTtl(inner.ttl);
        if (inner.dontFragment)
        {
            header.SetDontFragment();
        }
        else
        {
            header.SetMayFragment();
        }
    }
    else
    {
        // DF clear is the "clear" choice of RFC 4301 s8.1, so IPv4 fragments a sealed
        // packet over the link MTU after ESP processing (RFC 4303 s3.3).
        header.SetTtl(m_defaultTtl);
        header.SetMayFragment();
    }

    // Routed by the protocols below the interception, as Ipv4L3Protocol::Send would route
    // it, without Send's search for broadcast destinations among all interfaces.
    ns3::Ptr<ns3::Ipv4Route> route = m_routing->RouteOutputBelow(espPacket, header, nullptr);
    if (!route)
    {
        Drop(espPacket, IpsecDropReason::NoRoute);
        return;
    }
    m_ipv4->SendWithHeader(espPacket, header, route);
}

void
IpsecStack::SendInClear(ns3::Ptr<ns3::Packet> ipPacket)
{
    ns3::Ipv4Header header;
    ipPacket->RemoveHeader(header);
    ns3::Ptr<ns3::Ipv4Route> route = m_routing->RouteOutputBelow(ipPacket, header, nullptr);
    if (!route)
    {
        ipPacket->AddHeader(header);
        Drop(ipPacket, IpsecDropReason::NoRoute);
        return;
    }
    m_ipv4->SendWithHeader(ipPacket, header, route);
}

void
IpsecStack::ProcessEsp(ns3::Ptr<ns3::Packet> esp, const ns3::Ipv4Header& outer,
                       ns3::Ptr<ns3::Ipv4Interface>)
{
    NS_LOG_FUNCTION(this << esp << outer.GetSource() << outer.GetDestination());

    // The packet stays in m_openScratch until OpenNow has copied the inner packet out.
    Bytes& bytes = m_openScratch;
    CopyPacketBytes(esp, bytes);
    Result<uint32_t> spi = PeekEspSpi(bytes);
    if (!spi)
    {
        Drop(esp, IpsecDropReason::Truncated);
        return;
    }
    // RFC 4303 s3.4.2: the SA is found by SPI; RFC 4301 s5.2 step 3a: none means drop.
    ns3::Ptr<SecurityAssociation> sa = m_sad->FindInbound(spi.Value());
    if (!sa)
    {
        Drop(esp, IpsecDropReason::UnknownSpi);
        return;
    }
    if (!m_cryptoEngine)
    {
        OpenNow(sa, esp, outer, bytes);
        return;
    }

    // The engine charges the whole ESP packet, SPI to ICV, which OpenNow gives the decoder.
    const size_t openBytes = bytes.size();
    const bool admitted
        = m_cryptoEngine->Submit(sa->GetConfig().esp.suite, CryptoDirection::Open, openBytes,
                                 [this, sa, esp, outer, bytes = Bytes(bytes)]()
                                 {
                                     OpenNow(sa, esp, outer, bytes);
                                 });
    if (!admitted)
    {
        Drop(esp, IpsecDropReason::CryptoQueueFull);
    }
}

void
IpsecStack::OpenNow(ns3::Ptr<SecurityAssociation> sa, ns3::Ptr<ns3::Packet> esp,
                    const ns3::Ipv4Header& outer, const Bytes& bytes)
{
    // RFC 4303 s3.4.3 and s3.4.4: replay check, ICV, decryption, then padding. The
    // payload lands in m_plainScratch, free again since SealNow sends before it returns.
    Bytes& payload = m_plainScratch;
    payload.clear();
    Result<EspOpened> opened = sa->GetDecoder()->Open(bytes, payload);
    if (!opened)
    {
        DropOnSa(sa, esp, DropReasonFromDecodeError(opened.Error()));
        return;
    }
    const uint8_t nextHeader = opened.Value().nextHeader;
    if (nextHeader == kEspNextHeaderNoNext)
    {
        // RFC 4303 s2.6: a dummy packet, discarded silently after it verified.
        return;
    }

    // In tunnel mode the payload is the inner packet, and transport mode rebuilds it below.
    const SecurityAssociationConfig& config = sa->GetConfig();
    Bytes transportInner;
    if (config.mode == IpsecMode::Tunnel && nextHeader != kIpProtocolIpInIp)
    {
        DropOnSa(sa, esp, IpsecDropReason::UnsupportedNextHeader);
        return;
    }
    if (config.mode == IpsecMode::Transport)
    {
        // Transport mode: rebuild the packet the peer sealed, with the ESP packet's
        // addresses, TTL and TOS and the next header as protocol.
        Ipv4Header header;
        header.tos = outer.GetTos();
        header.totalLength = static_cast<uint16_t>(kIpv4MinHeaderSize + payload.size());
        header.identification = outer.GetIdentification();
        header.dontFragment = outer.IsDontFragment();
        header.ttl = outer.GetTtl();
        header.protocol = nextHeader;
        header.source = outer.GetSource().Get();
        header.destination = outer.GetDestination().Get();
        if (payload.size() > kIpv4MaxPacketSize - kIpv4MinHeaderSize)
        {
            DropOnSa(sa, esp, IpsecDropReason::MalformedInner);
            return;
        }
        EncodeIpv4Header(header, transportInner);
        transportInner.insert(transportInner.end(), payload.begin(), payload.end());
    }
    const Bytes& inner = config.mode == IpsecMode::Tunnel ? payload : transportInner;

    Result<Ipv4Header> innerHeader = DecodeIpv4Header(inner);
    if (!innerHeader)
    {
        DropOnSa(sa, esp,
                 innerHeader.Error() == DecodeError::Truncated ? IpsecDropReason::Truncated
                                                               : IpsecDropReason::MalformedInner);
        return;
    }

    // RFC 4301 s5.2 step 4: the packet must fall inside the selectors of the SA it came on.
    const PacketSelectorFields fields = FieldsFromCodecHeader(innerHeader.Value(), inner);
    if (!SelectorsMatch(config.selectors, TrafficDirection::Inbound, fields))
    {
        DropOnSa(sa, esp, IpsecDropReason::InboundPolicyMismatch);
        return;
    }
    const uint16_t innerLength = innerHeader.Value().totalLength;
    if (!m_sad->ChargeBytes(sa, innerLength))
    {
        Drop(esp, IpsecDropReason::SaExpired);
        return;
    }
    m_sad->CountPacket(sa, innerLength);
    ++m_opened;

    ns3::Ptr<ns3::Packet> packet = ns3::Create<ns3::Packet>(inner.data(), innerLength);
    CopyTags(esp, packet);
    ns3::Ptr<ns3::NetDevice> bound = sa->GetBoundDevice();
    ns3::Ptr<ns3::NetDevice> device = bound ? bound : ns3::Ptr<ns3::NetDevice>(m_device);
    m_openedTrace(packet, device);

    // GRE to the ESP packet's own destination, the usual GRE over IPsec case, is for this
    // node, so it skips the second receive on the hidden device (see the header).
    const Ipv4Header& innerFields = innerHeader.Value();
    if (!bound && innerFields.protocol == kIpProtocolGre
        && innerFields.destination == outer.GetDestination().Get() && !innerFields.moreFragments
        && innerFields.fragmentOffset == 0 && DeliverLocalGre(packet))
    {
        return;
    }
    Deliver(device, packet);
}

bool
IpsecStack::DeliverLocalGre(ns3::Ptr<ns3::Packet> ipPacket)
{
    // Looked up once: GreHelper may add GRE after Setup, but no helper removes it.
    if (!m_gre)
    {
        m_gre = m_ipv4->GetProtocol(kIpProtocolGre, m_interface);
    }
    ns3::Ptr<ns3::IpL4Protocol> gre = m_gre;
    if (!gre)
    {
        return false;
    }
    ns3::Ipv4Header header;
    ipPacket->RemoveHeader(header);
    // Ipv4L3Protocol::LocalDeliver keeps a copy for the ICMP error, and so does this.
    ns3::Ptr<ns3::Packet> copy = ipPacket->Copy();
    const ns3::IpL4Protocol::RxStatus status
        = gre->Receive(ipPacket, header, m_ipv4->GetInterface(m_interface));
    if (status == ns3::IpL4Protocol::RX_ENDPOINT_UNREACH)
    {
        // ns-3 3.37 LocalDeliver sends this ICMP error for a unicast packet that no endpoint takes.
        if (auto icmp = m_ipv4->GetObject<ns3::Icmpv4L4Protocol>())
        {
            icmp->SendDestUnreachPort(header, copy);
        }
    }
    return true;
}

void
IpsecStack::Deliver(ns3::Ptr<ns3::NetDevice> device, ns3::Ptr<ns3::Packet> ipPacket)
{
    auto virtualDevice = ns3::DynamicCast<ns3::VirtualNetDevice>(device);
    virtualDevice->Receive(ipPacket, kEtherTypeIpv4, virtualDevice->GetAddress(),
                           virtualDevice->GetAddress(), ns3::NetDevice::PACKET_HOST);
}

void
IpsecStack::DropOnSa(ns3::Ptr<SecurityAssociation> sa, ns3::Ptr<const ns3::Packet> packet,
                     IpsecDropReason reason)
{
    m_sad->CountDrop(sa, reason);
    Drop(packet, reason);
}

void
IpsecStack::Drop(ns3::Ptr<const ns3::Packet> packet, IpsecDropReason reason)
{
    const uint64_t count = ++m_drops[reason];
    // Log the 1st, 2nd, 4th, 8th, ... drop of each reason, so a flood stays readable.
    if ((count & (count - 1)) == 0)
    {
        NS_LOG_WARN("node " << (m_node ? m_node->GetId() : 0) << " dropped a packet ("
                            << ToString(reason) << "), " << count << " so far");
    }
    m_dropTrace(packet, reason);
}

uint64_t
IpsecStack::GetDropCount(IpsecDropReason reason) const
{
    auto it = m_drops.find(reason);
    return it == m_drops.end() ? 0 : it->second;
}

std::map<IpsecDropReason, uint64_t>
IpsecStack::GetDropCounts() const
{
    return m_drops;
}

uint64_t
IpsecStack::GetSealedCount() const
{
    return m_sealed;
}

uint64_t
IpsecStack::GetOpenedCount() const
{
    return m_opened;
}

} // namespace tunnelsim
