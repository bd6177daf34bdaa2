// RFC 2328 s12.4: originating router-LSAs and network-LSAs, MinLSInterval, premature aging
// (s14.1) and newer instances of our own LSAs received from others (s13.4).
#include "ns3/log.h"
#include "ns3/simulator.h"
#include "ospf-routing-protocol.h"

namespace tunnelsim
{

NS_LOG_COMPONENT_DEFINE("OspfLsaOrigination");

namespace
{

/// Fill in LS type, length and checksum as they will appear on the wire.
void
Finalize(Lsa& lsa)
{
    lsa.header = DecodeLsaHeader(EncodeLsa(lsa)).Value();
}

} // namespace

ns3::Time
OspfRoutingProtocol::OriginationDelay(const LsaKey& key) const
{
    auto last = m_lastOrigination.find(key);
    if (last == m_lastOrigination.end())
    {
        return ns3::Seconds(0);
    }
    const ns3::Time earliest = last->second + ns3::Seconds(kMinLsInterval);
    const ns3::Time now = ns3::Simulator::Now();
    return earliest > now ? earliest - now : ns3::Seconds(0);
}

void
OspfRoutingProtocol::ScheduleRouterLsa()
{
    if (!m_initialized)
    {
        return;
    }
    const LsaKey key{static_cast<uint32_t>(LsaType::Router), m_routerId, m_routerId};
    ns3::EventId& pending = m_pendingOrigination[key];
    if (pending.IsRunning())
    {
        return;
    }
    // A zero delay still runs after the current event, so that several changes at the same
    // instant produce one new instance.
    pending = ns3::Simulator::Schedule(OriginationDelay(key),
                                       &OspfRoutingProtocol::OriginateRouterLsa, this, false);
}

void
OspfRoutingProtocol::OriginateRouterLsa(bool force)
{
    const LsaKey key{static_cast<uint32_t>(LsaType::Router), m_routerId, m_routerId};
    m_pendingOrigination[key].Cancel();

    Lsa lsa;
    lsa.header.options = kOspfOptionE;
    lsa.header.linkStateId = m_routerId;
    lsa.header.advertisingRouter = m_routerId;
    lsa.body = BuildRouterLsaBody();
    OriginateLsa(std::move(lsa), force);
}

RouterLsaBody
OspfRoutingProtocol::BuildRouterLsaBody() const
{
    RouterLsaBody body;
    for (const auto& [index, ifacePtr] : m_interfaces)
    {
        const OspfInterface& iface = *ifacePtr;
        if (iface.state == OspfInterfaceState::Down)
        {
            continue;
        }
        const RouterLink stub{iface.Network(), iface.mask, RouterLinkType::Stub, iface.cost, {}};
        if (iface.passive)
        {
            body.links.push_back(stub);
            continue;
        }
        if (iface.type == OspfNetworkType::PointToPoint)
        {
            // s12.4.1.1: a link per full neighbour, plus the link's subnet as a stub network
            // (option 1, for numbered links).
            for (const auto& [key, neighbor] : iface.neighbors)
            {
                if (neighbor->state == OspfNeighborState::Full)
                {
                    body.links.push_back({neighbor->routerId,
                                          iface.address,
                                          RouterLinkType::PointToPoint,
                                          iface.cost,
                                          {}});
                }
            }
            body.links.push_back(stub);
            continue;
        }
        // s12.4.1.2: a transit link once fully adjacent to the DR (or, as DR, to anyone);
        // a stub link otherwise, and while waiting.
        bool transit = false;
        if (iface.state != OspfInterfaceState::Waiting)
        {
            for (const auto& [key, neighbor] : iface.neighbors)
            {
                if (neighbor->state != OspfNeighborState::Full)
                {
                    continue;
                }
                if (iface.state == OspfInterfaceState::DesignatedRouter
                    || neighbor->address == iface.designatedRouter)
                {
                    transit = true;
                }
            }
        }
        if (transit)
        {
            body.links.push_back(
                {iface.designatedRouter, iface.address, RouterLinkType::Transit, iface.cost, {}});
        }
        else
        {
            body.links.push_back(stub);
        }
    }
    return body;
}

void
OspfRoutingProtocol::ScheduleNetworkLsa(uint32_t interface)
{
    const OspfInterface* iface = FindInterface(interface);
    if (!m_initialized || iface == nullptr)
    {
        return;
    }
    const LsaKey key{static_cast<uint32_t>(LsaType::Network), iface->address, m_routerId};
    ns3::EventId& pending = m_pendingOrigination[key];
    if (pending.IsRunning())
    {
        return;
    }
    pending = ns3::Simulator::Schedule(
        OriginationDelay(key), &OspfRoutingProtocol::OriginateNetworkLsa, this, interface, false);
}

void
OspfRoutingProtocol::OriginateNetworkLsa(uint32_t interface, bool force)
{
    const OspfInterface* iface = FindInterface(interface);
    if (iface == nullptr)
    {
        return;
    }
    const LsaKey key{static_cast<uint32_t>(LsaType::Network), iface->address, m_routerId};
    m_pendingOrigination[key].Cancel();

    // s12.4.2: the DR describes the network while it is fully adjacent to at least one
    // other router; otherwise its network-LSA is flushed.
    NetworkLsaBody body;
    body.networkMask = iface->mask;
    body.attachedRouters.push_back(m_routerId);
    if (iface->state == OspfInterfaceState::DesignatedRouter)
    {
        for (const auto& [neighborKey, neighbor] : iface->neighbors)
        {
            if (neighbor->state == OspfNeighborState::Full)
            {
                body.attachedRouters.push_back(neighbor->routerId);
            }
        }
    }
    if (body.attachedRouters.size() < 2)
    {
        const OspfLsdb::Entry* entry = m_lsdb.Find(key);
        if (entry != nullptr && OspfLsdb::AgeAt(*entry, ns3::Simulator::Now()) < kMaxAge)
        {
            FlushOwnLsa(key);
        }
        return;
    }

    Lsa lsa;
    lsa.header.options = kOspfOptionE;
    lsa.header.linkStateId = iface->address;
    lsa.header.advertisingRouter = m_routerId;
    lsa.body = std::move(body);
    OriginateLsa(std::move(lsa), force);
}

void
OspfRoutingProtocol::OriginateLsa(Lsa lsa, bool force)
{
    const LsaKey key = KeyOf(DecodeLsaHeader(EncodeLsa(lsa)).Value());
    const ns3::Time now = ns3::Simulator::Now();
    const OspfLsdb::Entry* current = m_lsdb.Find(key);
    const bool currentLive = current != nullptr && OspfLsdb::AgeAt(*current, now) < kMaxAge;
    if (!force && currentLive && current->lsa.SameContents(lsa))
    {
        return;
    }

    // s12.1.6: one above the database copy, even when an earlier run of this router made it.
    int32_t sequence = kInitialSequenceNumber;
    if (current != nullptr)
    {
        if (current->lsa.header.sequenceNumber == kMaxSequenceNumber)
        {
            // s12.1.6: the instance at MaxSequenceNumber is flushed first, and the new one
            // starts again at InitialSequenceNumber once every neighbour has acknowledged
            // the flush and the LSA has left the database (AgeDatabase).
            NS_LOG_INFO("LS sequence number of " << ns3::Ipv4Address(key.linkStateId)
                                                 << " wraps; flushing it first");
            if (OspfLsdb::AgeAt(*current, now) < kMaxAge)
            {
                FlushOwnLsa(key);
            }
            m_sequenceWrapPending[key] = std::move(lsa);
            return;
        }
        sequence = current->lsa.header.sequenceNumber + 1;
    }
    lsa.header.age = 0;
    lsa.header.sequenceNumber = sequence;
    Finalize(lsa);

    NS_LOG_INFO("router " << ns3::Ipv4Address(m_routerId) << " originates LSA type "
                          << int{lsa.header.type} << " " << ns3::Ipv4Address(key.linkStateId)
                          << " seq 0x" << std::hex << static_cast<uint32_t>(sequence) << std::dec);
    m_lastOrigination[key] = now;
    RemoveFromRetransmissionLists(key);
    InstallLsa(lsa, false);
    FloodLsa(lsa, nullptr, nullptr);
}

void
OspfRoutingProtocol::FlushOwnLsa(const LsaKey& key)
{
    OspfLsdb::Entry* entry = m_lsdb.Find(key);
    if (entry == nullptr)
    {
        return;
    }
    // s14.1: premature aging. The LSA is set to MaxAge and flooded; it leaves the database
    // once every neighbour has acknowledged it.
    NS_LOG_INFO("router " << ns3::Ipv4Address(m_routerId) << " flushes LSA type " << key.type << " "
                          << ns3::Ipv4Address(key.linkStateId));
    Lsa lsa = entry->lsa;
    lsa.header.age = kMaxAge;
    RemoveFromRetransmissionLists(key);
    InstallLsa(lsa, false);
    FloodLsa(lsa, nullptr, nullptr);
}

bool
OspfRoutingProtocol::IsSelfOriginated(const LsaHeader& header) const
{
    // s13.4: our router ID as advertising router, or a network-LSA named after one of our
    // interface addresses.
    if (header.advertisingRouter == m_routerId)
    {
        return true;
    }
    return header.type == static_cast<uint8_t>(LsaType::Network)
           && IsOwnAddress(header.linkStateId);
}

void
OspfRoutingProtocol::HandleSelfOriginated(const Lsa& received)
{
    const LsaKey key = KeyOf(received.header);
    NS_LOG_INFO("router " << ns3::Ipv4Address(m_routerId)
                          << " received a newer instance of its own LSA type " << key.type << " "
                          << ns3::Ipv4Address(key.linkStateId));

    // s13.4: an LSA we still want gets a new instance above the received sequence number;
    // any other is flushed.
    if (received.header.type == static_cast<uint8_t>(LsaType::Router)
        && key.linkStateId == m_routerId && key.advertisingRouter == m_routerId)
    {
        OriginateRouterLsa(true);
        return;
    }
    if (received.header.type == static_cast<uint8_t>(LsaType::Network)
        && key.advertisingRouter == m_routerId)
    {
        for (const auto& [index, iface] : m_interfaces)
        {
            if (iface->address == key.linkStateId
                && iface->state == OspfInterfaceState::DesignatedRouter)
            {
                OriginateNetworkLsa(index, true);
                return;
            }
        }
    }
    if (received.header.age < kMaxAge)
    {
        FlushOwnLsa(key);
    }
}

} // namespace tunnelsim
