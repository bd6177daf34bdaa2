#include "ospf-routing-protocol.h"

#include "ipv4-header.h"
#include "ns3/boolean.h"
#include "ns3/channel.h"
#include "ns3/inet-socket-address.h"
#include "ns3/ipv4-header.h"
#include "ns3/ipv4-route.h"
#include "ns3/log.h"
#include "ns3/loopback-net-device.h"
#include "ns3/node.h"
#include "ns3/output-stream-wrapper.h"
#include "ns3/packet.h"
#include "ns3/simulator.h"
#include "ns3/uinteger.h"

#include <bitset>
#include <iomanip>

namespace tunnelsim
{

NS_LOG_COMPONENT_DEFINE("OspfRoutingProtocol");

NS_OBJECT_ENSURE_REGISTERED(OspfRoutingProtocol);

namespace
{

/// Drops of one reason are logged the first 10 times, then at every power of ten.
bool
ShouldLogOccurrence(uint64_t count)
{
    if (count <= 10)
    {
        return true;
    }
    while (count % 10 == 0)
    {
        count /= 10;
    }
    return count == 1;
}

int
PrefixLength(uint32_t mask)
{
    return static_cast<int>(std::bitset<32>(mask).count());
}

} // namespace

ns3::TypeId
OspfRoutingProtocol::GetTypeId()
{
    static ns3::TypeId tid
        = ns3::TypeId("tunnelsim::OspfRoutingProtocol")
              .SetParent<ns3::Ipv4RoutingProtocol>()
              .SetGroupName("Tunnelsim")
              .AddConstructor<OspfRoutingProtocol>()
              .AddAttribute(
                  "RouterId",
                  "Router ID (RFC 2328 s1.2). 0.0.0.0: the highest interface address "
                  "at initialization.",
                  ns3::Ipv4AddressValue(ns3::Ipv4Address::GetZero()),
                  ns3::MakeIpv4AddressAccessor(&OspfRoutingProtocol::m_configuredRouterId),
                  ns3::MakeIpv4AddressChecker())
              .AddAttribute("AreaId",
                            "The one area every OSPF interface of this router belongs to.",
                            ns3::Ipv4AddressValue(ns3::Ipv4Address::GetZero()),
                            ns3::MakeIpv4AddressAccessor(&OspfRoutingProtocol::m_areaId),
                            ns3::MakeIpv4AddressChecker())
              .AddAttribute("HelloInterval",
                            "Time between Hellos, whole seconds (RFC 2328 C.3; Cisco IOS 10 s).",
                            ns3::TimeValue(ns3::Seconds(10)),
                            ns3::MakeTimeAccessor(&OspfRoutingProtocol::m_helloInterval),
                            ns3::MakeTimeChecker(ns3::Seconds(1), ns3::Seconds(65535)))
              .AddAttribute("HelloReplyDelay",
                            "Delay from a Hello that does not list this router to this router's "
                            "Hello in reply on that interface (FRR and Quagga ospfd "
                            "OSPF_HELLO_REPLY_DELAY, 1 s). No reply is sent when the periodic "
                            "Hello is due first.",
                            ns3::TimeValue(ns3::Seconds(kHelloReplyDelaySeconds)),
                            ns3::MakeTimeAccessor(&OspfRoutingProtocol::m_helloReplyDelay),
                            ns3::MakeTimeChecker(ns3::Seconds(0)))
              .AddAttribute("RouterDeadInterval",
                            "Time without a Hello after which a neighbour is declared down, "
                            "whole seconds (RFC 2328 C.3: 4 x HelloInterval; Cisco IOS 40 s).",
                            ns3::TimeValue(ns3::Seconds(40)),
                            ns3::MakeTimeAccessor(&OspfRoutingProtocol::m_routerDeadInterval),
                            ns3::MakeTimeChecker(ns3::Seconds(1)))
              .AddAttribute("RxmtInterval",
                            "Time between retransmissions of DBD, LS Request and LS Update "
                            "packets (RFC 2328 C.3; Cisco IOS 5 s).",
                            ns3::TimeValue(ns3::Seconds(5)),
                            ns3::MakeTimeAccessor(&OspfRoutingProtocol::m_rxmtInterval),
                            ns3::MakeTimeChecker(ns3::Seconds(1)))
              .AddAttribute("InfTransDelay",
                            "Added to the LS age of every LSA sent, whole seconds (RFC 2328 "
                            "C.3; Cisco IOS transmit-delay 1 s).",
                            ns3::TimeValue(ns3::Seconds(1)),
                            ns3::MakeTimeAccessor(&OspfRoutingProtocol::m_infTransDelay),
                            ns3::MakeTimeChecker(ns3::Seconds(0)))
              .AddAttribute("DelayedAckInterval",
                            "Delayed acknowledgments are collected for this long before they are "
                            "sent. RFC 2328 s13.5 only asks for less than RxmtInterval.",
                            ns3::TimeValue(ns3::Seconds(1)),
                            ns3::MakeTimeAccessor(&OspfRoutingProtocol::m_delayedAckInterval),
                            ns3::MakeTimeChecker(ns3::Seconds(0)))
              .AddAttribute("RouterPriority",
                            "Priority in the DR election on broadcast networks; 0 never "
                            "becomes DR or BDR (RFC 2328 s9; Cisco IOS default 1).",
                            ns3::UintegerValue(1),
                            ns3::MakeUintegerAccessor(&OspfRoutingProtocol::m_routerPriority),
                            ns3::MakeUintegerChecker<uint8_t>())
              .AddAttribute("ReferenceBandwidth",
                            "Interface cost = ReferenceBandwidth / link data rate, at least 1 "
                            "(Cisco IOS auto-cost reference-bandwidth, 100 Mb/s).",
                            ns3::DataRateValue(ns3::DataRate("100Mbps")),
                            ns3::MakeDataRateAccessor(&OspfRoutingProtocol::m_referenceBandwidth),
                            ns3::MakeDataRateChecker())
              .AddAttribute("UnknownRateCost",
                            "Cost of an interface whose device and channel have no DataRate "
                            "attribute, such as tunnels. 10 is the cost of a 10 Mb/s link; a "
                            "tunnelsim choice, not a standard value.",
                            ns3::UintegerValue(10),
                            ns3::MakeUintegerAccessor(&OspfRoutingProtocol::m_unknownRateCost),
                            ns3::MakeUintegerChecker<uint16_t>(1))
              .AddAttribute("MtuIgnore",
                            "Accept Database Description packets whose Interface MTU exceeds "
                            "ours (Cisco IOS ip ospf mtu-ignore); default off as in RFC 2328 "
                            "s10.6.",
                            ns3::BooleanValue(false),
                            ns3::MakeBooleanAccessor(&OspfRoutingProtocol::m_mtuIgnore),
                            ns3::MakeBooleanChecker())
              .AddAttribute("SpfInitialDelay",
                            "Delay from the first change to the SPF run when no run happened "
                            "for a hold time (Cisco IOS timers throttle spf: 5000 ms).",
                            ns3::TimeValue(ns3::Seconds(5)),
                            ns3::MakeTimeAccessor(&OspfRoutingProtocol::m_spfInitialDelay),
                            ns3::MakeTimeChecker(ns3::Seconds(0)))
              .AddAttribute("SpfHold",
                            "Minimum time between two SPF runs; doubles while changes keep "
                            "arriving (Cisco IOS timers throttle spf: 10000 ms).",
                            ns3::TimeValue(ns3::Seconds(10)),
                            ns3::MakeTimeAccessor(&OspfRoutingProtocol::m_spfHold),
                            ns3::MakeTimeChecker(ns3::Seconds(0)))
              .AddAttribute("SpfMaxHold",
                            "Largest hold time between two SPF runs (Cisco IOS timers throttle "
                            "spf: 10000 ms).",
                            ns3::TimeValue(ns3::Seconds(10)),
                            ns3::MakeTimeAccessor(&OspfRoutingProtocol::m_spfMaxHold),
                            ns3::MakeTimeChecker(ns3::Seconds(0)))
              .AddTraceSource("Drop",
                              "A received packet or LSA was dropped, with the reason and the "
                              "received and configured values.",
                              ns3::MakeTraceSourceAccessor(&OspfRoutingProtocol::m_dropTrace),
                              "tunnelsim::OspfRoutingProtocol::DropTracedCallback")
              .AddTraceSource("AdjacencyChange", "A neighbour changed state (RFC 2328 s10.3).",
                              ns3::MakeTraceSourceAccessor(&OspfRoutingProtocol::m_adjacencyTrace),
                              "tunnelsim::OspfRoutingProtocol::AdjacencyChangeTracedCallback")
              .AddTraceSource(
                  "InterfaceStateChange", "An interface changed state (RFC 2328 s9.3).",
                  ns3::MakeTraceSourceAccessor(&OspfRoutingProtocol::m_interfaceStateTrace),
                  "tunnelsim::OspfRoutingProtocol::InterfaceStateChangeTracedCallback")
              .AddTraceSource("SpfRun", "The routing table was calculated (RFC 2328 s16).",
                              ns3::MakeTraceSourceAccessor(&OspfRoutingProtocol::m_spfTrace),
                              "tunnelsim::OspfRoutingProtocol::SpfRunTracedCallback")
              .AddTraceSource("RouteChange", "A route was added, removed or changed.",
                              ns3::MakeTraceSourceAccessor(&OspfRoutingProtocol::m_routeTrace),
                              "tunnelsim::OspfRoutingProtocol::RouteChangeTracedCallback")
              .AddTraceSource("Tx", "An OSPF packet was sent.",
                              ns3::MakeTraceSourceAccessor(&OspfRoutingProtocol::m_txTrace),
                              "tunnelsim::OspfRoutingProtocol::PacketTracedCallback")
              .AddTraceSource("Rx", "A valid OSPF packet was received, before the s8.2 checks.",
                              ns3::MakeTraceSourceAccessor(&OspfRoutingProtocol::m_rxTrace),
                              "tunnelsim::OspfRoutingProtocol::PacketTracedCallback");
    return tid;
}

OspfRoutingProtocol::OspfRoutingProtocol()
{
    NS_LOG_FUNCTION(this);
}

OspfRoutingProtocol::~OspfRoutingProtocol()
{
    NS_LOG_FUNCTION(this);
}

void
OspfRoutingProtocol::DoInitialize()
{
    NS_LOG_FUNCTION(this);

    m_routerId = ChooseRouterId();
    m_spfCurrentHold = m_spfHold;
    m_initialized = true;
    NS_LOG_INFO("router " << ns3::Ipv4Address(m_routerId) << " starts");
    for (uint32_t i = 0; i < m_ipv4->GetNInterfaces(); ++i)
    {
        if (m_ipv4->IsUp(i))
        {
            InterfaceUp(i);
        }
    }
    // s12.4: every router originates a router-LSA, even with no interface up.
    ScheduleRouterLsa();
    m_agingTimer = ns3::Simulator::Schedule(ns3::Seconds(kLsdbAgingPeriodSeconds),
                                            &OspfRoutingProtocol::AgeDatabase, this);
    ns3::Ipv4RoutingProtocol::DoInitialize();
}

void
OspfRoutingProtocol::DoDispose()
{
    NS_LOG_FUNCTION(this);

    for (auto& [index, iface] : m_interfaces)
    {
        iface->helloTimer.Cancel();
        iface->helloReplyTimer.Cancel();
        iface->waitTimer.Cancel();
        iface->delayedAckTimer.Cancel();
        iface->neighbors.clear();
        if (iface->socket)
        {
            iface->socket->Close();
            iface->socket = nullptr;
        }
    }
    m_interfaces.clear();
    for (auto& [key, event] : m_pendingOrigination)
    {
        event.Cancel();
    }
    m_pendingOrigination.clear();
    m_sequenceWrapPending.clear();
    m_agingTimer.Cancel();
    m_spfTimer.Cancel();
    m_lsdb.Clear();
    m_routes.clear();
    m_ipv4 = nullptr;
    ns3::Ipv4RoutingProtocol::DoDispose();
}

void
OspfRoutingProtocol::SetIpv4(ns3::Ptr<ns3::Ipv4> ipv4)
{
    NS_LOG_FUNCTION(this << ipv4);
    m_ipv4 = ipv4;
}

uint32_t
OspfRoutingProtocol::ChooseRouterId() const
{
    if (m_configuredRouterId != ns3::Ipv4Address::GetZero())
    {
        return m_configuredRouterId.Get();
    }
    uint32_t highest = 0;
    for (uint32_t i = 0; i < m_ipv4->GetNInterfaces(); ++i)
    {
        for (uint32_t j = 0; j < m_ipv4->GetNAddresses(i); ++j)
        {
            const ns3::Ipv4Address address = m_ipv4->GetAddress(i, j).GetLocal();
            if (!address.IsLocalhost())
            {
                highest = std::max(highest, address.Get());
            }
        }
    }
    if (highest == 0)
    {
        // No address at all: 0.0.0.0 is not a valid router ID, so take the node number.
        ns3::Ptr<ns3::Node> node = m_ipv4->GetObject<ns3::Node>();
        highest = node ? node->GetId() + 1 : 1;
        NS_LOG_WARN("no interface address to take the router ID from; using "
                    << ns3::Ipv4Address(highest));
    }
    return highest;
}

// ---------------------------------------------------------------------------------------
// Settings and queries

void
OspfRoutingProtocol::SetInterfaceSettings(uint32_t interface, const OspfInterfaceSettings& settings)
{
    NS_LOG_FUNCTION(this << interface);
    m_settings[interface] = settings;
    if (!m_initialized)
    {
        return;
    }
    if (IsRunning(interface))
    {
        InterfaceDown(interface);
    }
    if (m_ipv4->IsUp(interface))
    {
        InterfaceUp(interface);
    }
}

OspfInterfaceSettings
OspfRoutingProtocol::GetInterfaceSettings(uint32_t interface) const
{
    auto it = m_settings.find(interface);
    return it == m_settings.end() ? OspfInterfaceSettings{} : it->second;
}

ns3::Ipv4Address
OspfRoutingProtocol::GetRouterId() const
{
    return ns3::Ipv4Address(m_routerId);
}

OspfInterfaceState
OspfRoutingProtocol::GetInterfaceState(uint32_t interface) const
{
    const OspfInterface* iface = FindInterface(interface);
    return iface ? iface->state : OspfInterfaceState::Down;
}

ns3::Ipv4Address
OspfRoutingProtocol::GetDesignatedRouter(uint32_t interface) const
{
    const OspfInterface* iface = FindInterface(interface);
    return ns3::Ipv4Address(iface ? iface->designatedRouter : 0);
}

ns3::Ipv4Address
OspfRoutingProtocol::GetBackupDesignatedRouter(uint32_t interface) const
{
    const OspfInterface* iface = FindInterface(interface);
    return ns3::Ipv4Address(iface ? iface->backupDesignatedRouter : 0);
}

uint16_t
OspfRoutingProtocol::GetInterfaceCost(uint32_t interface) const
{
    const OspfInterface* iface = FindInterface(interface);
    return iface && iface->state != OspfInterfaceState::Down ? iface->cost : 0;
}

std::vector<OspfNeighborInfo>
OspfRoutingProtocol::GetNeighbors() const
{
    std::vector<OspfNeighborInfo> out;
    for (const auto& [index, iface] : m_interfaces)
    {
        for (const auto& [key, neighbor] : iface->neighbors)
        {
            out.push_back({index, ns3::Ipv4Address(neighbor->routerId),
                           ns3::Ipv4Address(neighbor->address), neighbor->priority,
                           neighbor->state});
        }
    }
    return out;
}

OspfNeighborState
OspfRoutingProtocol::GetNeighborState(ns3::Ipv4Address routerId) const
{
    OspfNeighborState highest = OspfNeighborState::Down;
    for (const auto& [index, iface] : m_interfaces)
    {
        for (const auto& [key, neighbor] : iface->neighbors)
        {
            if (neighbor->routerId == routerId.Get() && neighbor->state > highest)
            {
                highest = neighbor->state;
            }
        }
    }
    return highest;
}

std::vector<OspfRouteInfo>
OspfRoutingProtocol::GetRoutes() const
{
    std::vector<OspfRouteInfo> out;
    for (const auto& [key, route] : m_routes)
    {
        out.push_back({ns3::Ipv4Address(route.network), ns3::Ipv4Mask(route.mask),
                       ns3::Ipv4Address(route.gateway), route.interface, route.cost});
    }
    return out;
}

size_t
OspfRoutingProtocol::GetLsdbSize() const
{
    return m_lsdb.Size();
}

std::vector<LsaHeader>
OspfRoutingProtocol::GetLsaHeaders() const
{
    std::vector<LsaHeader> headers;
    for (const auto& [key, entry] : m_lsdb.Entries())
    {
        headers.push_back(OspfLsdb::HeaderAt(entry, ns3::Simulator::Now()));
    }
    return headers;
}

std::optional<Lsa>
OspfRoutingProtocol::GetLsa(LsaType type, ns3::Ipv4Address linkStateId,
                            ns3::Ipv4Address advertisingRouter) const
{
    const OspfLsdb::Entry* entry = m_lsdb.Find(
        LsaKey{static_cast<uint32_t>(type), linkStateId.Get(), advertisingRouter.Get()});
    if (entry == nullptr)
    {
        return std::nullopt;
    }
    return OspfLsdb::LsaAt(*entry, ns3::Simulator::Now());
}

uint64_t
OspfRoutingProtocol::GetDropCount(OspfDropReason reason) const
{
    return m_dropCounts[static_cast<size_t>(reason)];
}

uint64_t
OspfRoutingProtocol::GetTxCount(OspfPacketType type) const
{
    return m_txCounts[static_cast<size_t>(type) - 1];
}

uint64_t
OspfRoutingProtocol::GetRxCount(OspfPacketType type) const
{
    return m_rxCounts[static_cast<size_t>(type) - 1];
}

// ---------------------------------------------------------------------------------------
// Interfaces

bool
OspfRoutingProtocol::IsRunning(uint32_t interface) const
{
    const OspfInterface* iface = FindInterface(interface);
    return iface != nullptr && iface->state != OspfInterfaceState::Down;
}

OspfInterface*
OspfRoutingProtocol::FindInterface(uint32_t interface)
{
    auto it = m_interfaces.find(interface);
    return it == m_interfaces.end() ? nullptr : it->second.get();
}

const OspfInterface*
OspfRoutingProtocol::FindInterface(uint32_t interface) const
{
    auto it = m_interfaces.find(interface);
    return it == m_interfaces.end() ? nullptr : it->second.get();
}

uint16_t
OspfRoutingProtocol::DefaultCost(uint32_t interface) const
{
    ns3::Ptr<ns3::NetDevice> device = m_ipv4->GetNetDevice(interface);
    ns3::DataRateValue rate;
    bool found = device->GetAttributeFailSafe("DataRate", rate);
    if (!found && device->GetChannel())
    {
        // CSMA keeps its data rate on the channel.
        found = device->GetChannel()->GetAttributeFailSafe("DataRate", rate);
    }
    if (!found || rate.Get().GetBitRate() == 0)
    {
        return m_unknownRateCost;
    }
    const uint64_t cost = m_referenceBandwidth.GetBitRate() / rate.Get().GetBitRate();
    return static_cast<uint16_t>(std::clamp<uint64_t>(cost, 1, 0xffff));
}

OspfNetworkType
OspfRoutingProtocol::DefaultNetworkType(uint32_t interface) const
{
    ns3::Ptr<ns3::NetDevice> device = m_ipv4->GetNetDevice(interface);
    if (!device->IsPointToPoint() && device->IsBroadcast())
    {
        return OspfNetworkType::Broadcast;
    }
    return OspfNetworkType::PointToPoint;
}

void
OspfRoutingProtocol::OpenSocket(OspfInterface& iface)
{
    ns3::Ptr<ns3::Node> node = m_ipv4->GetObject<ns3::Node>();
    ns3::Ptr<ns3::Socket> socket
        = ns3::Socket::CreateSocket(node, ns3::TypeId::LookupByName("ns3::Ipv4RawSocketFactory"));
    socket->SetAttribute("Protocol", ns3::UintegerValue(kIpProtocolOspf));
    socket->BindToNetDevice(m_ipv4->GetNetDevice(iface.index));
    socket->SetRecvCallback(ns3::MakeCallback(&OspfRoutingProtocol::HandleRead, this));
    iface.socket = socket;
}

bool
OspfRoutingProtocol::IsOwnAddress(uint32_t address) const
{
    for (uint32_t i = 0; i < m_ipv4->GetNInterfaces(); ++i)
    {
        for (uint32_t j = 0; j < m_ipv4->GetNAddresses(i); ++j)
        {
            if (m_ipv4->GetAddress(i, j).GetLocal().Get() == address)
            {
                return true;
            }
        }
    }
    return false;
}

void
OspfRoutingProtocol::NotifyInterfaceUp(uint32_t interface)
{
    NS_LOG_FUNCTION(this << interface);
    if (m_initialized)
    {
        InterfaceUp(interface);
    }
}

void
OspfRoutingProtocol::NotifyInterfaceDown(uint32_t interface)
{
    NS_LOG_FUNCTION(this << interface);
    if (m_initialized)
    {
        InterfaceDown(interface);
    }
}

void
OspfRoutingProtocol::NotifyAddAddress(uint32_t interface, ns3::Ipv4InterfaceAddress address)
{
    NS_LOG_FUNCTION(this << interface << address);
    if (!m_initialized || !m_ipv4->IsUp(interface))
    {
        return;
    }
    const OspfInterface* iface = FindInterface(interface);
    const bool running = IsRunning(interface);
    if (running && iface->address == m_ipv4->GetAddress(interface, 0).GetLocal().Get())
    {
        return; // a secondary address: OSPF keeps using the primary one
    }
    if (running)
    {
        InterfaceDown(interface);
    }
    InterfaceUp(interface);
}

void
OspfRoutingProtocol::NotifyRemoveAddress(uint32_t interface, ns3::Ipv4InterfaceAddress address)
{
    NS_LOG_FUNCTION(this << interface << address);
    if (!m_initialized || !IsRunning(interface)
        || FindInterface(interface)->address != address.GetLocal().Get())
    {
        return;
    }
    InterfaceDown(interface);
    if (m_ipv4->IsUp(interface))
    {
        InterfaceUp(interface);
    }
}

// ---------------------------------------------------------------------------------------
// Sending and receiving (RFC 2328 s8)

size_t
OspfRoutingProtocol::MaxOspfPacketSize(const OspfInterface& iface) const
{
    return iface.mtu > kIpv4MinHeaderSize + kOspfHeaderSize ? iface.mtu - kIpv4MinHeaderSize
                                                            : kOspfHeaderSize;
}

void
OspfRoutingProtocol::SendPacket(OspfInterface& iface, uint32_t destination, OspfBody body)
{
    if (!iface.socket)
    {
        return;
    }
    OspfPacket packet;
    packet.header.routerId = m_routerId;
    packet.header.areaId = m_areaId.Get();
    packet.header.authType = kOspfAuthNull;
    packet.body = std::move(body);
    const OspfPacketType type = TypeOf(packet.body);
    const Bytes bytes = EncodeOspfPacket(packet);

    ns3::Ptr<ns3::Packet> p = ns3::Create<ns3::Packet>(bytes.data(), bytes.size());
    // A raw socket sets its TTL only on unicast packets, so tag every packet with TTL 1.
    ns3::SocketIpTtlTag ttl;
    ttl.SetTtl(kOspfIpTtl);
    p->ReplacePacketTag(ttl);
    ns3::InetSocketAddress to(ns3::Ipv4Address(destination), kIpProtocolOspf);
    to.SetTos(kOspfIpTos);

    NS_LOG_LOGIC("send " << ToString(type) << " on interface " << iface.index << " to "
                         << ns3::Ipv4Address(destination) << ", " << bytes.size() << " bytes");
    ++m_txCounts[static_cast<size_t>(type) - 1];
    m_txTrace(type, iface.index, p);
    iface.socket->SendTo(p, 0, to);
}

void
OspfRoutingProtocol::HandleRead(ns3::Ptr<ns3::Socket> socket)
{
    ns3::Ptr<ns3::Packet> packet;
    ns3::Address from;
    while ((packet = socket->RecvFrom(from)))
    {
        OspfInterface* iface = nullptr;
        for (auto& [index, candidate] : m_interfaces)
        {
            if (candidate->socket == socket)
            {
                iface = candidate.get();
            }
        }
        if (iface == nullptr)
        {
            continue; // the interface stopped while the packet was queued
        }
        // Raw sockets deliver the IPv4 header that ns-3 itself serialized in front of the
        // payload; ns-3's header class reads it back.
        ns3::Ipv4Header ipHeader;
        packet->RemoveHeader(ipHeader);
        Bytes bytes(packet->GetSize());
        packet->CopyData(bytes.data(), bytes.size());
        ReceivePacket(*iface, ipHeader, bytes);
    }
}

void
OspfRoutingProtocol::ReceivePacket(OspfInterface& iface, const ns3::Ipv4Header& ipHeader,
                                   const Bytes& bytes)
{
    const uint32_t source = ipHeader.GetSource().Get();
    const uint32_t destination = ipHeader.GetDestination().Get();
    NS_LOG_FUNCTION(this << iface.index << ipHeader.GetSource() << ipHeader.GetDestination());

    if (iface.passive || iface.state == OspfInterfaceState::Down)
    {
        RecordDrop(OspfDropReason::NotOspfInterface, iface.index, source);
        return;
    }
    // ns-3 3.37 delivers IPv4 fragments to raw sockets before reassembly, so a fragment
    // contains only part of an OSPF packet. Count it as a fragment, not as malformed.
    if (!ipHeader.IsLastFragment() || ipHeader.GetFragmentOffset() != 0)
    {
        RecordDrop(OspfDropReason::Fragment, iface.index, source, ipHeader.GetFragmentOffset());
        return;
    }
    OspfResult<OspfPacket> decoded = DecodeOspfPacket(bytes);
    if (!decoded)
    {
        RecordDrop(OspfDropReason::Malformed, iface.index, source, 0, 0, decoded.Error());
        return;
    }
    const OspfPacket& packet = decoded.Value();
    const OspfHeader& header = packet.header;
    ++m_rxCounts[static_cast<size_t>(header.type) - 1];
    m_rxTrace(header.type, iface.index, ns3::Create<ns3::Packet>(bytes.data(), bytes.size()));

    // RFC 2328 s8.2: the generic checks, each with its own drop reason.
    if (destination != kAllSpfRouters && destination != iface.address
        && !(destination == kAllDRouters && iface.IsDrOrBackup()))
    {
        RecordDrop(OspfDropReason::WrongDestination, iface.index, source, destination);
        return;
    }
    if (IsOwnAddress(source) || header.routerId == m_routerId)
    {
        RecordDrop(OspfDropReason::OwnPacket, iface.index, source, header.routerId, m_routerId);
        return;
    }
    if (header.areaId != m_areaId.Get())
    {
        RecordDrop(OspfDropReason::AreaMismatch, iface.index, source, header.areaId,
                   m_areaId.Get());
        return;
    }
    if (iface.type == OspfNetworkType::Broadcast && (source & iface.mask) != iface.Network())
    {
        RecordDrop(OspfDropReason::SourceNotOnSubnet, iface.index, source, source, iface.Network());
        return;
    }
    if (header.authType != kOspfAuthNull)
    {
        RecordDrop(OspfDropReason::AuthTypeMismatch, iface.index, source, header.authType,
                   kOspfAuthNull);
        return;
    }

    if (const auto* hello = std::get_if<OspfHello>(&packet.body))
    {
        ReceiveHello(iface, source, header, *hello);
        return;
    }
    OspfNeighbor* neighbor = FindNeighbor(iface, source, header.routerId);
    if (neighbor == nullptr || neighbor->state == OspfNeighborState::Down)
    {
        RecordDrop(OspfDropReason::UnknownNeighbor, iface.index, source, header.routerId);
        return;
    }
    if (const auto* dbd = std::get_if<OspfDatabaseDescription>(&packet.body))
    {
        ReceiveDatabaseDescription(iface, *neighbor, *dbd);
    }
    else if (const auto* request = std::get_if<OspfLinkStateRequest>(&packet.body))
    {
        ReceiveLinkStateRequest(iface, *neighbor, *request);
    }
    else if (const auto* update = std::get_if<OspfLinkStateUpdate>(&packet.body))
    {
        ReceiveLinkStateUpdate(iface, *neighbor, *update);
    }
    else
    {
        ReceiveLinkStateAck(iface, *neighbor, std::get<OspfLinkStateAck>(packet.body));
    }
}

void
OspfRoutingProtocol::RecordDrop(OspfDropReason reason, uint32_t interface, uint32_t source,
                                uint64_t received, uint64_t configured,
                                std::optional<OspfDecodeError> decodeError)
{
    const uint64_t count = ++m_dropCounts[static_cast<size_t>(reason)];
    if (ShouldLogOccurrence(count))
    {
        NS_LOG_WARN("router " << ns3::Ipv4Address(m_routerId) << " interface "
                              << interface << ": dropped packet from " << ns3::Ipv4Address(source)
                              << ": " << ToString(reason) << " (received " << received
                              << ", configured " << configured << ")"
                              << (decodeError ? " " + std::string(ToString(*decodeError)) : "")
                              << ", occurrence " << count);
    }
    OspfDrop drop;
    drop.time = ns3::Simulator::Now();
    drop.reason = reason;
    drop.interface = interface;
    drop.source = ns3::Ipv4Address(source);
    drop.received = received;
    drop.configured = configured;
    drop.decodeError = decodeError;
    m_dropTrace(drop);
}

// ---------------------------------------------------------------------------------------
// Routing table lookups

const OspfRoutingProtocol::RouteEntry*
OspfRoutingProtocol::Lookup(uint32_t destination, std::optional<uint32_t> interface) const
{
    const RouteEntry* best = nullptr;
    for (const auto& [key, route] : m_routes)
    {
        if ((destination & route.mask) != route.network)
        {
            continue;
        }
        if (interface && *interface != route.interface)
        {
            continue;
        }
        if (!m_ipv4->IsUp(route.interface))
        {
            continue;
        }
        if (best == nullptr || PrefixLength(route.mask) > PrefixLength(best->mask))
        {
            best = &route;
        }
    }
    return best;
}

ns3::Ptr<ns3::Ipv4Route>
OspfRoutingProtocol::RouteOutput(ns3::Ptr<ns3::Packet> /* packet */, const ns3::Ipv4Header& header,
                                 ns3::Ptr<ns3::NetDevice> outputDevice,
                                 ns3::Socket::SocketErrno& error)
{
    const ns3::Ipv4Address destination = header.GetDestination();
    NS_LOG_FUNCTION(this << destination << outputDevice);

    std::optional<uint32_t> outputInterface;
    if (outputDevice)
    {
        const int32_t index = m_ipv4->GetInterfaceForDevice(outputDevice);
        if (index < 0)
        {
            error = ns3::Socket::ERROR_NOROUTETOHOST;
            return nullptr;
        }
        outputInterface = static_cast<uint32_t>(index);
    }

    // Our own packets to AllSPFRouters and AllDRouters leave through the socket's device.
    if (destination.Get() == kAllSpfRouters || destination.Get() == kAllDRouters)
    {
        if (!outputInterface || !IsRunning(*outputInterface))
        {
            error = ns3::Socket::ERROR_NOROUTETOHOST;
            return nullptr;
        }
        auto route = ns3::Create<ns3::Ipv4Route>();
        route->SetDestination(destination);
        route->SetSource(m_ipv4->SourceAddressSelection(*outputInterface, destination));
        route->SetGateway(ns3::Ipv4Address::GetZero());
        route->SetOutputDevice(outputDevice);
        error = ns3::Socket::ERROR_NOTERROR;
        return route;
    }
    if (destination.IsMulticast() || destination.IsBroadcast())
    {
        error = ns3::Socket::ERROR_NOROUTETOHOST;
        return nullptr;
    }

    const RouteEntry* entry = Lookup(destination.Get(), outputInterface);
    if (entry == nullptr)
    {
        error = ns3::Socket::ERROR_NOROUTETOHOST;
        return nullptr;
    }
    auto route = ns3::Create<ns3::Ipv4Route>();
    route->SetDestination(destination);
    route->SetSource(m_ipv4->SourceAddressSelection(entry->interface, destination));
    route->SetGateway(ns3::Ipv4Address(entry->gateway));
    route->SetOutputDevice(m_ipv4->GetNetDevice(entry->interface));
    error = ns3::Socket::ERROR_NOTERROR;
    return route;
}

bool
OspfRoutingProtocol::RouteInput(ns3::Ptr<const ns3::Packet> packet, const ns3::Ipv4Header& header,
                                ns3::Ptr<const ns3::NetDevice> inputDevice,
                                UnicastForwardCallback forward,
                                MulticastForwardCallback /* multicastForward */,
                                LocalDeliverCallback /* localDeliver */, ErrorCallback /* error */)
{
    const ns3::Ipv4Address destination = header.GetDestination();
    NS_LOG_FUNCTION(this << destination << inputDevice);

    if (destination.IsMulticast() || destination.IsBroadcast())
    {
        return false;
    }
    const int32_t inputInterface = m_ipv4->GetInterfaceForDevice(inputDevice);
    if (inputInterface < 0 || m_ipv4->IsDestinationAddress(destination, inputInterface))
    {
        return false; // local delivery belongs to Ipv4ListRouting and static routing
    }
    if (!m_ipv4->IsForwarding(inputInterface))
    {
        return false;
    }
    const RouteEntry* entry = Lookup(destination.Get(), std::nullopt);
    if (entry == nullptr)
    {
        return false;
    }
    auto route = ns3::Create<ns3::Ipv4Route>();
    route->SetDestination(destination);
    route->SetSource(m_ipv4->SourceAddressSelection(entry->interface, destination));
    route->SetGateway(ns3::Ipv4Address(entry->gateway));
    route->SetOutputDevice(m_ipv4->GetNetDevice(entry->interface));
    forward(route, packet, header);
    return true;
}

void
OspfRoutingProtocol::PrintRoutingTable(ns3::Ptr<ns3::OutputStreamWrapper> stream,
                                       ns3::Time::Unit unit) const
{
    std::ostream& os = *stream->GetStream();
    os << "OSPF router " << ns3::Ipv4Address(m_routerId) << ", time "
       << ns3::Simulator::Now().As(unit) << "\n";
    os << std::left << std::setw(18) << "Destination" << std::setw(18) << "Mask" << std::setw(18)
       << "Next hop" << std::setw(10) << "Interface"
       << "Cost\n";
    for (const auto& [key, route] : m_routes)
    {
        std::ostringstream network;
        std::ostringstream mask;
        std::ostringstream gateway;
        network << ns3::Ipv4Address(route.network);
        mask << ns3::Ipv4Mask(route.mask);
        gateway << ns3::Ipv4Address(route.gateway);
        os << std::setw(18) << network.str() << std::setw(18) << mask.str() << std::setw(18)
           << gateway.str() << std::setw(10) << route.interface << route.cost << "\n";
    }
}

} // namespace tunnelsim
