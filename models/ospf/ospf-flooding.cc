// RFC 2328 s13 and s14: receiving Link State Updates, flooding, acknowledgments,
// retransmission, and LSA aging.
#include "ns3/log.h"
#include "ns3/simulator.h"
#include "ospf-routing-protocol.h"

#include <algorithm>

namespace tunnelsim
{

NS_LOG_COMPONENT_DEFINE("OspfFlooding");

namespace
{

uint32_t
NeighborKey(const OspfInterface& iface, const OspfNeighbor& neighbor)
{
    return iface.type == OspfNetworkType::PointToPoint ? neighbor.routerId : neighbor.address;
}

bool
IsKnownLsType(uint8_t type)
{
    return type == static_cast<uint8_t>(LsaType::Router)
           || type == static_cast<uint8_t>(LsaType::Network);
}

/// Same instance for acknowledgment purposes: sequence number, checksum and MaxAge status
/// match (s13.7 refers to the s13.1 comparison, whose age rule needs both ages current).
bool
SameInstance(const LsaHeader& a, const LsaHeader& b)
{
    return a.sequenceNumber == b.sequenceNumber && a.checksum == b.checksum
           && (a.age >= kMaxAge) == (b.age >= kMaxAge);
}

/// Destination of multicast updates and delayed acks on @p iface (s13.3 (5), s13.5).
uint32_t
FloodDestination(const OspfInterface& iface)
{
    if (iface.type == OspfNetworkType::PointToPoint || iface.IsDrOrBackup())
    {
        return kAllSpfRouters;
    }
    return kAllDRouters;
}

} // namespace

std::optional<LsaHeader>
OspfRoutingProtocol::CurrentHeader(const LsaKey& key) const
{
    const OspfLsdb::Entry* entry = m_lsdb.Find(key);
    if (entry == nullptr)
    {
        return std::nullopt;
    }
    return OspfLsdb::HeaderAt(*entry, ns3::Simulator::Now());
}

Lsa
OspfRoutingProtocol::AgedForTransmission(const Lsa& lsa) const
{
    Lsa aged = lsa;
    const int64_t age
        = int64_t{lsa.header.age} + static_cast<int64_t>(m_infTransDelay.GetSeconds());
    aged.header.age = static_cast<uint16_t>(std::min<int64_t>(age, kMaxAge));
    return aged;
}

bool
OspfRoutingProtocol::AnyNeighborExchanging() const
{
    for (const auto& [index, iface] : m_interfaces)
    {
        if (iface->HasExchangingNeighbor())
        {
            return true;
        }
    }
    return false;
}

void
OspfRoutingProtocol::ReceiveLinkStateUpdate(OspfInterface& iface, OspfNeighbor& neighbor,
                                            const OspfLinkStateUpdate& update)
{
    NS_LOG_FUNCTION(this << iface.index << ns3::Ipv4Address(neighbor.routerId)
                         << update.lsas.size());

    if (neighbor.state < OspfNeighborState::Exchange)
    {
        RecordDrop(OspfDropReason::NeighborStateTooLow, iface.index, neighbor.address,
                   static_cast<uint64_t>(neighbor.state));
        return;
    }
    // s13 (1): LSAs the codec rejected were left out of the update.
    for (OspfDecodeError error : update.rejectedLsas)
    {
        RecordDrop(OspfDropReason::BadLsa, iface.index, neighbor.address, 0, 0, error);
    }

    const ns3::Time now = ns3::Simulator::Now();
    for (const Lsa& received : update.lsas)
    {
        const LsaKey key = KeyOf(received.header);

        // (2) LS types this model does not handle.
        if (!IsKnownLsType(received.header.type))
        {
            RecordDrop(OspfDropReason::UnknownLsType, iface.index, neighbor.address,
                       received.header.type);
            continue;
        }

        const OspfLsdb::Entry* entry = m_lsdb.Find(key);
        const std::optional<LsaHeader> current = CurrentHeader(key);

        // (4) A MaxAge LSA we do not have, while no database exchange is running: just
        // acknowledge it.
        if (received.header.age >= kMaxAge && !current && !AnyNeighborExchanging())
        {
            SendDirectAck(iface, neighbor, received.header);
            continue;
        }

        const int comparison = current ? CompareLsaInstances(received.header, *current) : 1;

        // (5) A new LSA, or newer than the database copy.
        if (comparison > 0)
        {
            // (5a) Flooded copies may replace each other only once per MinLSArrival.
            if (entry != nullptr && entry->receivedByFlooding
                && now - entry->installedAt < ns3::Seconds(kMinLsArrival))
            {
                RecordDrop(OspfDropReason::LsaArrivedTooSoon, iface.index, neighbor.address,
                           static_cast<uint32_t>(received.header.sequenceNumber),
                           static_cast<uint32_t>(current->sequenceNumber));
                continue;
            }
            // (5c) before (5b): the lists hold one instance per LSA, so removing the old
            // database copy after the flood would also remove the new instance it listed.
            RemoveFromRetransmissionLists(key);                             // (5c)
            const bool floodedBack = FloodLsa(received, &iface, &neighbor); // (5b)
            InstallLsa(received, true);                                     // (5d)
            // (5e) s13.5: acknowledge unless the flood back out this interface serves as
            // the acknowledgment. A BDR acknowledges only what the DR sent.
            if (!floodedBack
                && (iface.state != OspfInterfaceState::Backup
                    || neighbor.address == iface.designatedRouter))
            {
                QueueDelayedAck(iface, received.header);
            }
            if (IsSelfOriginated(received.header)) // (5f)
            {
                HandleSelfOriginated(received);
            }
            continue;
        }

        // (6) The neighbour sent an instance it should not have, given what we requested.
        if (neighbor.requestList.count(key) != 0)
        {
            RecordDrop(OspfDropReason::LsrRejected, iface.index, neighbor.address, key.linkStateId,
                       key.advertisingRouter);
            RestartExchangeEvent(iface, neighbor); // BadLSReq
            return;
        }

        // (7) The same instance as ours.
        if (comparison == 0)
        {
            auto listed = neighbor.retransmissionList.find(key);
            if (listed != neighbor.retransmissionList.end())
            {
                // (7a) An implied acknowledgment.
                neighbor.retransmissionList.erase(listed);
                if (iface.state == OspfInterfaceState::Backup
                    && neighbor.address == iface.designatedRouter)
                {
                    QueueDelayedAck(iface, received.header);
                }
            }
            else
            {
                SendDirectAck(iface, neighbor, received.header); // (7b)
            }
            continue;
        }

        // (8) Our copy is newer: send it back, at most once per MinLSArrival.
        if (current->age >= kMaxAge && current->sequenceNumber == kMaxSequenceNumber)
        {
            continue;
        }
        auto last = neighbor.lastDirectUpdate.find(key);
        if (last == neighbor.lastDirectUpdate.end()
            || now - last->second >= ns3::Seconds(kMinLsArrival))
        {
            neighbor.lastDirectUpdate[key] = now;
            SendLinkStateUpdate(iface, NeighborDestination(iface, neighbor),
                                {OspfLsdb::LsaAt(*entry, now)});
        }
    }
    ContinueLoading();
}

bool
OspfRoutingProtocol::FloodLsa(const Lsa& lsa, const OspfInterface* receivedOn,
                              const OspfNeighbor* from)
{
    const LsaKey key = KeyOf(lsa.header);
    bool floodedBack = false;
    for (auto& [index, ifacePtr] : m_interfaces)
    {
        OspfInterface& iface = *ifacePtr;
        if (iface.state == OspfInterfaceState::Down || iface.passive)
        {
            continue;
        }
        // s13.3 (1): every adjacent neighbour that does not already have it gets it on its
        // retransmission list.
        bool added = false;
        for (auto& [neighborKey, neighborPtr] : iface.neighbors)
        {
            OspfNeighbor& neighbor = *neighborPtr;
            if (neighbor.state < OspfNeighborState::Exchange) // (1a)
            {
                continue;
            }
            if (neighbor.state != OspfNeighborState::Full) // (1b)
            {
                auto requested = neighbor.requestList.find(key);
                if (requested != neighbor.requestList.end())
                {
                    const int comparison = CompareLsaInstances(lsa.header, requested->second);
                    if (comparison < 0)
                    {
                        continue;
                    }
                    neighbor.requestList.erase(requested);
                    if (comparison == 0)
                    {
                        continue;
                    }
                }
            }
            if (&neighbor == from) // (1c)
            {
                continue;
            }
            neighbor.retransmissionList[key] = lsa; // (1d)
            StartRetransmitTimer(iface, neighbor);
            added = true;
        }
        if (!added) // (2)
        {
            continue;
        }
        if (&iface == receivedOn && from != nullptr
            && (from->address == iface.designatedRouter
                || from->address == iface.backupDesignatedRouter)) // (3)
        {
            continue;
        }
        if (&iface == receivedOn && iface.state == OspfInterfaceState::Backup) // (4)
        {
            continue;
        }
        SendLinkStateUpdate(iface, FloodDestination(iface), {lsa}); // (5)
        if (&iface == receivedOn)
        {
            floodedBack = true;
        }
    }
    return floodedBack;
}

void
OspfRoutingProtocol::InstallLsa(const Lsa& lsa, bool receivedByFlooding)
{
    const LsaKey key = KeyOf(lsa.header);
    const ns3::Time now = ns3::Simulator::Now();
    const OspfLsdb::Entry* old = m_lsdb.Find(key);

    // s13.2: the routing table changes only when the contents, or the MaxAge status, did.
    const bool maxAge = lsa.header.age >= kMaxAge;
    const bool changed = old == nullptr || !old->lsa.SameContents(lsa)
                         || (OspfLsdb::AgeAt(*old, now) >= kMaxAge) != maxAge;

    OspfLsdb::Entry& entry = m_lsdb.Install(lsa, now);
    entry.receivedByFlooding = receivedByFlooding;
    // A MaxAge LSA was flooded on receipt already (s14 requires one flood only).
    entry.maxAgeFlooded = maxAge;
    NS_LOG_LOGIC("router " << ns3::Ipv4Address(m_routerId) << " installs LSA type "
                           << int{lsa.header.type} << " " << ns3::Ipv4Address(key.linkStateId)
                           << " from " << ns3::Ipv4Address(key.advertisingRouter) << " seq 0x"
                           << std::hex << static_cast<uint32_t>(lsa.header.sequenceNumber)
                           << std::dec << " age " << lsa.header.age);
    if (changed)
    {
        ScheduleSpf();
    }
}

void
OspfRoutingProtocol::RemoveFromRetransmissionLists(const LsaKey& key)
{
    for (auto& [index, iface] : m_interfaces)
    {
        for (auto& [neighborKey, neighbor] : iface->neighbors)
        {
            neighbor->retransmissionList.erase(key);
        }
    }
}

void
OspfRoutingProtocol::SendLinkStateUpdate(OspfInterface& iface, uint32_t destination,
                                         std::vector<Lsa> lsas)
{
    // As many LSAs per packet as the MTU allows, at least one (s13.3 (5), A.3.5).
    const size_t maxSize = MaxOspfPacketSize(iface);
    OspfLinkStateUpdate update;
    size_t size = kOspfHeaderSize + kOspfLinkStateUpdateFixedSize;
    for (Lsa& lsa : lsas)
    {
        const size_t length = lsa.header.length;
        if (!update.lsas.empty() && size + length > maxSize)
        {
            SendPacket(iface, destination, std::move(update));
            update = OspfLinkStateUpdate{};
            size = kOspfHeaderSize + kOspfLinkStateUpdateFixedSize;
        }
        update.lsas.push_back(AgedForTransmission(lsa));
        size += length;
    }
    if (!update.lsas.empty())
    {
        SendPacket(iface, destination, std::move(update));
    }
}

void
OspfRoutingProtocol::SendDirectAck(OspfInterface& iface, OspfNeighbor& neighbor,
                                   const LsaHeader& header)
{
    OspfLinkStateAck ack;
    ack.lsaHeaders.push_back(header);
    SendPacket(iface, NeighborDestination(iface, neighbor), ack);
}

void
OspfRoutingProtocol::QueueDelayedAck(OspfInterface& iface, const LsaHeader& header)
{
    iface.delayedAcks.push_back(header);
    if (!iface.delayedAckTimer.IsRunning())
    {
        iface.delayedAckTimer = ns3::Simulator::Schedule(
            m_delayedAckInterval, &OspfRoutingProtocol::DelayedAckTimerExpired, this, iface.index);
    }
}

void
OspfRoutingProtocol::DelayedAckTimerExpired(uint32_t interface)
{
    OspfInterface* iface = FindInterface(interface);
    if (iface == nullptr || iface->state == OspfInterfaceState::Down)
    {
        return;
    }
    const size_t capacity
        = std::max<size_t>(1, (MaxOspfPacketSize(*iface) - kOspfHeaderSize) / kLsaHeaderSize);
    std::vector<LsaHeader> pending;
    pending.swap(iface->delayedAcks);
    for (size_t start = 0; start < pending.size(); start += capacity)
    {
        OspfLinkStateAck ack;
        const size_t end = std::min(pending.size(), start + capacity);
        ack.lsaHeaders.assign(pending.begin() + start, pending.begin() + end);
        SendPacket(*iface, FloodDestination(*iface), ack);
    }
}

void
OspfRoutingProtocol::ReceiveLinkStateAck(OspfInterface& iface, OspfNeighbor& neighbor,
                                         const OspfLinkStateAck& ack)
{
    NS_LOG_FUNCTION(this << iface.index << ns3::Ipv4Address(neighbor.routerId));

    // s13.7: acknowledgments count only from neighbours in Exchange or above.
    if (neighbor.state < OspfNeighborState::Exchange)
    {
        RecordDrop(OspfDropReason::NeighborStateTooLow, iface.index, neighbor.address,
                   static_cast<uint64_t>(neighbor.state));
        return;
    }
    for (const LsaHeader& header : ack.lsaHeaders)
    {
        auto listed = neighbor.retransmissionList.find(KeyOf(header));
        if (listed == neighbor.retransmissionList.end())
        {
            continue;
        }
        if (SameInstance(header, listed->second.header))
        {
            neighbor.retransmissionList.erase(listed);
        }
        else
        {
            NS_LOG_LOGIC("questionable acknowledgment from " << ns3::Ipv4Address(neighbor.routerId)
                                                             << " ignored");
        }
    }
    if (neighbor.retransmissionList.empty())
    {
        neighbor.lsuRetransmitTimer.Cancel();
    }
}

void
OspfRoutingProtocol::StartRetransmitTimer(OspfInterface& iface, OspfNeighbor& neighbor)
{
    if (!neighbor.lsuRetransmitTimer.IsRunning())
    {
        neighbor.lsuRetransmitTimer = ns3::Simulator::Schedule(
            m_rxmtInterval, &OspfRoutingProtocol::LsuRetransmitTimerExpired, this, iface.index,
            NeighborKey(iface, neighbor));
    }
}

void
OspfRoutingProtocol::LsuRetransmitTimerExpired(uint32_t interface, uint32_t neighborKey)
{
    OspfInterface* iface = FindInterface(interface);
    if (iface == nullptr)
    {
        return;
    }
    auto it = iface->neighbors.find(neighborKey);
    if (it == iface->neighbors.end())
    {
        return;
    }
    OspfNeighbor& neighbor = *it->second;
    if (neighbor.state < OspfNeighborState::Exchange || neighbor.retransmissionList.empty())
    {
        return;
    }
    // s13.6: resend, directly to the neighbour, what it has not acknowledged; the database
    // gives the current age of each instance.
    const ns3::Time now = ns3::Simulator::Now();
    std::vector<Lsa> lsas;
    size_t size = kOspfHeaderSize + kOspfLinkStateUpdateFixedSize;
    for (const auto& [key, lsa] : neighbor.retransmissionList)
    {
        if (!lsas.empty() && size + lsa.header.length > MaxOspfPacketSize(*iface))
        {
            break;
        }
        const OspfLsdb::Entry* entry = m_lsdb.Find(key);
        if (entry != nullptr && SameInstance(entry->lsa.header, lsa.header))
        {
            lsas.push_back(OspfLsdb::LsaAt(*entry, now));
        }
        else
        {
            lsas.push_back(lsa);
        }
        size += lsa.header.length;
    }
    NS_LOG_LOGIC("retransmit " << lsas.size() << " LSAs to "
                               << ns3::Ipv4Address(neighbor.routerId));
    SendLinkStateUpdate(*iface, NeighborDestination(*iface, neighbor), std::move(lsas));
    neighbor.lsuRetransmitTimer
        = ns3::Simulator::Schedule(m_rxmtInterval, &OspfRoutingProtocol::LsuRetransmitTimerExpired,
                                   this, interface, neighborKey);
}

void
OspfRoutingProtocol::ContinueLoading()
{
    for (auto& [index, ifacePtr] : m_interfaces)
    {
        OspfInterface& iface = *ifacePtr;
        for (auto& [key, neighborPtr] : iface.neighbors)
        {
            OspfNeighbor& neighbor = *neighborPtr;
            if (neighbor.state != OspfNeighborState::Exchange
                && neighbor.state != OspfNeighborState::Loading)
            {
                continue;
            }
            const bool answered
                = std::none_of(neighbor.lastRequested.begin(), neighbor.lastRequested.end(),
                               [&](const LsaKey& k)
                               {
                                   return neighbor.requestList.count(k) != 0;
                               });
            if (!neighbor.lastRequested.empty() && answered)
            {
                neighbor.lastRequested.clear();
                neighbor.lsrRetransmitTimer.Cancel();
                SendLinkStateRequest(iface, neighbor);
            }
            if (neighbor.state == OspfNeighborState::Loading && neighbor.requestList.empty())
            {
                LoadingDoneEvent(iface, neighbor);
            }
        }
    }
}

void
OspfRoutingProtocol::AgeDatabase()
{
    const ns3::Time now = ns3::Simulator::Now();
    std::vector<LsaKey> toRemove;
    std::vector<Lsa> toFlood;
    bool refreshRouterLsa = false;
    std::vector<uint32_t> refreshNetworkLsas;

    for (const auto& [key, entry] : m_lsdb.Entries())
    {
        const uint16_t age = OspfLsdb::AgeAt(entry, now);
        if (age >= kMaxAge)
        {
            if (!entry.maxAgeFlooded)
            {
                toFlood.push_back(OspfLsdb::LsaAt(entry, now));
                continue;
            }
            // s14: a MaxAge LSA leaves the database once no neighbour still needs it.
            bool listed = false;
            for (const auto& [index, iface] : m_interfaces)
            {
                for (const auto& [neighborKey, neighbor] : iface->neighbors)
                {
                    listed = listed || neighbor->retransmissionList.count(key) != 0;
                }
            }
            if (!listed && !AnyNeighborExchanging())
            {
                toRemove.push_back(key);
            }
            continue;
        }
        // s12.4: self-originated LSAs are refreshed every LSRefreshTime.
        if (age >= kLsRefreshTime && IsSelfOriginated(entry.lsa.header)
            && key.advertisingRouter == m_routerId)
        {
            if (key.type == static_cast<uint32_t>(LsaType::Router))
            {
                refreshRouterLsa = true;
            }
            else
            {
                for (const auto& [index, iface] : m_interfaces)
                {
                    if (iface->address == key.linkStateId)
                    {
                        refreshNetworkLsas.push_back(index);
                    }
                }
            }
        }
    }

    for (const Lsa& lsa : toFlood)
    {
        // s14: an LSA that reaches MaxAge is flooded once and leaves the routing table.
        m_lsdb.Find(KeyOf(lsa.header))->maxAgeFlooded = true;
        NS_LOG_LOGIC("LSA " << ns3::Ipv4Address(lsa.header.linkStateId) << " reached MaxAge");
        FloodLsa(lsa, nullptr, nullptr);
        ScheduleSpf();
    }
    for (const LsaKey& key : toRemove)
    {
        m_lsdb.Remove(key);
        auto wrap = m_sequenceWrapPending.find(key);
        if (wrap != m_sequenceWrapPending.end())
        {
            Lsa lsa = std::move(wrap->second);
            m_sequenceWrapPending.erase(wrap);
            OriginateLsa(std::move(lsa), true);
        }
    }
    if (refreshRouterLsa)
    {
        OriginateRouterLsa(true);
    }
    for (uint32_t index : refreshNetworkLsas)
    {
        OriginateNetworkLsa(index, true);
    }
    m_agingTimer = ns3::Simulator::Schedule(ns3::Seconds(kLsdbAgingPeriodSeconds),
                                            &OspfRoutingProtocol::AgeDatabase, this);
}

} // namespace tunnelsim
