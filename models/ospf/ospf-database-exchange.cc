// RFC 2328 s10.6-s10.9: the Database Description exchange, its MTU check, and Link State
// Requests.
#include "ns3/log.h"
#include "ns3/simulator.h"
#include "ospf-routing-protocol.h"

#include <algorithm>

namespace tunnelsim
{

NS_LOG_COMPONENT_DEFINE("OspfDatabaseExchange");

namespace
{

uint32_t
NeighborKey(const OspfInterface& iface, const OspfNeighbor& neighbor)
{
    return iface.type == OspfNetworkType::PointToPoint ? neighbor.routerId : neighbor.address;
}

bool
IsKnownLsType(uint32_t type)
{
    return type == static_cast<uint32_t>(LsaType::Router)
           || type == static_cast<uint32_t>(LsaType::Network);
}

} // namespace

uint32_t
OspfRoutingProtocol::NeighborDestination(const OspfInterface& iface,
                                         const OspfNeighbor& neighbor) const
{
    // s8.1: on point-to-point links every packet goes to AllSPFRouters.
    return iface.type == OspfNetworkType::PointToPoint ? kAllSpfRouters : neighbor.address;
}

bool
OspfRoutingProtocol::IsDuplicateDbd(const OspfNeighbor& neighbor,
                                    const OspfDatabaseDescription& dbd) const
{
    // s10.6: same I, M and MS bits, Options and sequence number as the last one accepted.
    return neighbor.haveLastReceivedDbd && dbd.flags == neighbor.lastReceivedDbdFlags
           && dbd.options == neighbor.lastReceivedDbdOptions
           && dbd.sequenceNumber == neighbor.lastReceivedDbdSequence;
}

void
OspfRoutingProtocol::ReceiveDatabaseDescription(OspfInterface& iface, OspfNeighbor& neighbor,
                                                const OspfDatabaseDescription& dbd)
{
    NS_LOG_FUNCTION(this << iface.index << ns3::Ipv4Address(neighbor.routerId)
                         << dbd.sequenceNumber);

    // s10.6: a neighbour that can send larger datagrams than this interface accepts would
    // have its LS Updates fragmented or lost, so its DBD is rejected.
    if (!iface.mtuIgnore && dbd.interfaceMtu > iface.mtu)
    {
        RecordDrop(OspfDropReason::MtuMismatch, iface.index, neighbor.address, dbd.interfaceMtu,
                   iface.mtu);
        return;
    }

    if (neighbor.state == OspfNeighborState::Init)
    {
        TwoWayReceivedEvent(iface, neighbor);
    }

    switch (neighbor.state)
    {
        case OspfNeighborState::Down:
        case OspfNeighborState::Init:
        case OspfNeighborState::TwoWay:
            RecordDrop(OspfDropReason::NeighborStateTooLow, iface.index, neighbor.address,
                       static_cast<uint64_t>(neighbor.state));
            return;

        case OspfNeighborState::ExStart:
        {
            // s10.6 ExStart: the higher router ID is master. Either the neighbour's empty
            // initial packet makes us slave, or its reply to our sequence number makes us master.
            const bool neighborIsMaster = dbd.IsInit() && dbd.IsMore() && dbd.IsMaster()
                                          && dbd.lsaHeaders.empty()
                                          && neighbor.routerId > m_routerId;
            const bool weAreMaster = !dbd.IsInit() && !dbd.IsMaster()
                                     && dbd.sequenceNumber == neighbor.ddSequenceNumber
                                     && neighbor.routerId < m_routerId;
            if (!neighborIsMaster && !weAreMaster)
            {
                if (dbd.IsInit() && dbd.IsMaster() && neighbor.routerId < m_routerId)
                {
                    // Both sides start as master, and ours wins. Ignoring this packet is part of
                    // the negotiation, not an error.
                    NS_LOG_LOGIC("neighbour " << ns3::Ipv4Address(neighbor.routerId)
                                              << " also claims master; ignored");
                    return;
                }
                RecordDrop(OspfDropReason::DbdRejected, iface.index, neighbor.address,
                           dbd.sequenceNumber, neighbor.ddSequenceNumber);
                return;
            }
            neighbor.weAreMaster = weAreMaster;
            if (neighborIsMaster)
            {
                neighbor.ddSequenceNumber = dbd.sequenceNumber;
                neighbor.dbdRetransmitTimer.Cancel();
            }
            neighbor.options = dbd.options;
            NegotiationDoneEvent(iface, neighbor);
            AcceptDatabaseDescription(iface, neighbor, dbd);
            return;
        }

        case OspfNeighborState::Exchange:
        {
            if (IsDuplicateDbd(neighbor, dbd))
            {
                // The master ignores duplicates, and the slave resends its last packet (s10.6).
                if (!neighbor.weAreMaster)
                {
                    ResendDatabaseDescription(iface, neighbor);
                }
                return;
            }
            const uint32_t expected
                = neighbor.weAreMaster ? neighbor.ddSequenceNumber : neighbor.ddSequenceNumber + 1;
            if (dbd.IsMaster() == neighbor.weAreMaster || dbd.IsInit()
                || dbd.options != neighbor.options || dbd.sequenceNumber != expected)
            {
                RecordDrop(OspfDropReason::DbdRejected, iface.index, neighbor.address,
                           dbd.sequenceNumber, expected);
                RestartExchangeEvent(iface, neighbor); // SeqNumberMismatch
                return;
            }
            AcceptDatabaseDescription(iface, neighbor, dbd);
            return;
        }

        case OspfNeighborState::Loading:
        case OspfNeighborState::Full:
            if (IsDuplicateDbd(neighbor, dbd))
            {
                if (!neighbor.weAreMaster)
                {
                    ResendDatabaseDescription(iface, neighbor);
                }
                return;
            }
            RecordDrop(OspfDropReason::DbdRejected, iface.index, neighbor.address,
                       dbd.sequenceNumber, neighbor.ddSequenceNumber);
            RestartExchangeEvent(iface, neighbor); // SeqNumberMismatch
            return;
    }
}

void
OspfRoutingProtocol::AcceptDatabaseDescription(OspfInterface& iface, OspfNeighbor& neighbor,
                                               const OspfDatabaseDescription& dbd)
{
    neighbor.haveLastReceivedDbd = true;
    neighbor.lastReceivedDbdFlags = dbd.flags;
    neighbor.lastReceivedDbdOptions = dbd.options;
    neighbor.lastReceivedDbdSequence = dbd.sequenceNumber;

    // s10.6: request every LSA the neighbour has in a newer instance than ours.
    for (const LsaHeader& header : dbd.lsaHeaders)
    {
        if (!IsKnownLsType(header.type))
        {
            RecordDrop(OspfDropReason::UnknownLsType, iface.index, neighbor.address, header.type);
            RestartExchangeEvent(iface, neighbor); // SeqNumberMismatch
            return;
        }
        const LsaKey key = KeyOf(header);
        std::optional<LsaHeader> current = CurrentHeader(key);
        if (!current || CompareLsaInstances(header, *current) > 0)
        {
            neighbor.requestList[key] = header;
        }
    }

    // The packet accepted acknowledges the headers of the last one we sent.
    const size_t described = std::min(neighbor.lastSentDbdHeaders, neighbor.databaseSummary.size());
    neighbor.databaseSummary.erase(neighbor.databaseSummary.begin(),
                                   neighbor.databaseSummary.begin() + described);
    neighbor.lastSentDbdHeaders = 0;

    if (neighbor.weAreMaster)
    {
        ++neighbor.ddSequenceNumber;
        if (neighbor.sentLastDbd && !dbd.IsMore())
        {
            ExchangeDoneEvent(iface, neighbor);
        }
        else
        {
            SendNextDatabaseDescription(iface, neighbor);
        }
    }
    else
    {
        neighbor.ddSequenceNumber = dbd.sequenceNumber;
        SendNextDatabaseDescription(iface, neighbor);
        if (!dbd.IsMore() && neighbor.sentLastDbd)
        {
            ExchangeDoneEvent(iface, neighbor);
        }
    }

    // s10.9: requests may start while the exchange is still running.
    if (neighbor.state == OspfNeighborState::Exchange && !neighbor.requestList.empty()
        && neighbor.lastRequested.empty())
    {
        SendLinkStateRequest(iface, neighbor);
    }
}

void
OspfRoutingProtocol::SendNextDatabaseDescription(OspfInterface& iface, OspfNeighbor& neighbor)
{
    // s10.8: as many headers of the summary list as fit in one packet, with the M bit set
    // when more follow.
    const size_t room
        = MaxOspfPacketSize(iface) - kOspfHeaderSize - kOspfDatabaseDescriptionFixedSize;
    const size_t capacity = std::max<size_t>(1, room / kLsaHeaderSize);
    const size_t count = std::min(capacity, neighbor.databaseSummary.size());

    OspfDatabaseDescription dbd;
    dbd.interfaceMtu = iface.mtu;
    dbd.options = kOspfOptionE;
    dbd.flags = neighbor.weAreMaster ? kDbdFlagMasterSlave : 0;
    if (count < neighbor.databaseSummary.size())
    {
        dbd.flags |= kDbdFlagMore;
    }
    dbd.sequenceNumber = neighbor.ddSequenceNumber;
    dbd.lsaHeaders.assign(neighbor.databaseSummary.begin(),
                          neighbor.databaseSummary.begin() + count);
    neighbor.lastSentDbd = dbd;
    neighbor.lastSentDbdHeaders = count;
    neighbor.sentLastDbd = !dbd.IsMore();
    SendDatabaseDescription(iface, neighbor);
}

void
OspfRoutingProtocol::SendDatabaseDescription(OspfInterface& iface, OspfNeighbor& neighbor)
{
    SendPacket(iface, NeighborDestination(iface, neighbor), neighbor.lastSentDbd);
    // s10.8: only the master (and both sides in ExStart) retransmit on a timer. The slave
    // resends its last packet when the master's retransmission arrives.
    if (neighbor.weAreMaster || neighbor.state == OspfNeighborState::ExStart)
    {
        neighbor.dbdRetransmitTimer.Cancel();
        neighbor.dbdRetransmitTimer = ns3::Simulator::Schedule(
            m_rxmtInterval, &OspfRoutingProtocol::DbdRetransmitTimerExpired, this, iface.index,
            NeighborKey(iface, neighbor));
    }
}

void
OspfRoutingProtocol::ResendDatabaseDescription(OspfInterface& iface, OspfNeighbor& neighbor)
{
    SendPacket(iface, NeighborDestination(iface, neighbor), neighbor.lastSentDbd);
}

void
OspfRoutingProtocol::DbdRetransmitTimerExpired(uint32_t interface, uint32_t neighborKey)
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
    if (neighbor.state == OspfNeighborState::ExStart
        || (neighbor.state == OspfNeighborState::Exchange && neighbor.weAreMaster))
    {
        NS_LOG_LOGIC("neighbour " << ns3::Ipv4Address(neighbor.routerId) << ": DBD "
                                  << neighbor.lastSentDbd.sequenceNumber << " retransmitted");
        SendDatabaseDescription(*iface, neighbor);
    }
}

void
OspfRoutingProtocol::ReceiveLinkStateRequest(OspfInterface& iface, OspfNeighbor& neighbor,
                                             const OspfLinkStateRequest& request)
{
    NS_LOG_FUNCTION(this << iface.index << ns3::Ipv4Address(neighbor.routerId));

    if (neighbor.state < OspfNeighborState::Exchange)
    {
        RecordDrop(OspfDropReason::NeighborStateTooLow, iface.index, neighbor.address,
                   static_cast<uint64_t>(neighbor.state));
        return;
    }
    // s10.7: every requested LSA must be in the database, or the exchange restarts.
    const ns3::Time now = ns3::Simulator::Now();
    std::vector<Lsa> lsas;
    for (const LsaKey& key : request.requests)
    {
        const OspfLsdb::Entry* entry = m_lsdb.Find(key);
        if (entry == nullptr)
        {
            RecordDrop(OspfDropReason::LsrRejected, iface.index, neighbor.address, key.linkStateId,
                       key.advertisingRouter);
            RestartExchangeEvent(iface, neighbor); // BadLSReq
            return;
        }
        lsas.push_back(OspfLsdb::LsaAt(*entry, now));
    }
    SendLinkStateUpdate(iface, NeighborDestination(iface, neighbor), std::move(lsas));
}

void
OspfRoutingProtocol::SendLinkStateRequest(OspfInterface& iface, OspfNeighbor& neighbor)
{
    if (neighbor.requestList.empty())
    {
        return;
    }
    // s10.9: the first entries of the request list that fit in one packet.
    const size_t capacity = std::max<size_t>(1, (MaxOspfPacketSize(iface) - kOspfHeaderSize)
                                                    / kOspfLinkStateRequestEntrySize);
    OspfLinkStateRequest request;
    for (const auto& [key, header] : neighbor.requestList)
    {
        if (request.requests.size() == capacity)
        {
            break;
        }
        request.requests.push_back(key);
    }
    neighbor.lastRequested = request.requests;
    SendPacket(iface, NeighborDestination(iface, neighbor), request);

    neighbor.lsrRetransmitTimer.Cancel();
    neighbor.lsrRetransmitTimer
        = ns3::Simulator::Schedule(m_rxmtInterval, &OspfRoutingProtocol::LsrRetransmitTimerExpired,
                                   this, iface.index, NeighborKey(iface, neighbor));
}

void
OspfRoutingProtocol::LsrRetransmitTimerExpired(uint32_t interface, uint32_t neighborKey)
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
    if (neighbor.state == OspfNeighborState::Exchange
        || neighbor.state == OspfNeighborState::Loading)
    {
        SendLinkStateRequest(*iface, neighbor);
    }
}

} // namespace tunnelsim
