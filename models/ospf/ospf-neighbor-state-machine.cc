// RFC 2328 s10.3-s10.5: the neighbour state machine, the adjacency decision and the
// processing of received Hellos.
#include "ns3/log.h"
#include "ns3/simulator.h"
#include "ospf-routing-protocol.h"

#include <algorithm>

namespace tunnelsim
{

NS_LOG_COMPONENT_DEFINE("OspfNeighborStateMachine");

namespace
{

uint32_t
NeighborKey(const OspfInterface& iface, const OspfNeighbor& neighbor)
{
    return iface.type == OspfNetworkType::PointToPoint ? neighbor.routerId : neighbor.address;
}

uint32_t
WholeSeconds(ns3::Time time)
{
    return static_cast<uint32_t>(time.GetSeconds());
}

} // namespace

OspfNeighbor*
OspfRoutingProtocol::FindNeighbor(OspfInterface& iface, uint32_t source, uint32_t routerId)
{
    // s8.2: on point-to-point links the Router ID identifies the neighbour, on broadcast
    // networks the IP source address does.
    const uint32_t key = iface.type == OspfNetworkType::PointToPoint ? routerId : source;
    auto it = iface.neighbors.find(key);
    return it == iface.neighbors.end() ? nullptr : it->second.get();
}

void
OspfRoutingProtocol::ReceiveHello(OspfInterface& iface, uint32_t source, const OspfHeader& header,
                                  const OspfHello& hello)
{
    NS_LOG_FUNCTION(this << iface.index << ns3::Ipv4Address(source));

    // s10.5: parameters that must match before the sender can become a neighbour. The mask
    // is checked on broadcast networks only.
    if (iface.type == OspfNetworkType::Broadcast && hello.networkMask != iface.mask)
    {
        RecordDrop(OspfDropReason::NetworkMaskMismatch, iface.index, source, hello.networkMask,
                   iface.mask);
        return;
    }
    if (hello.helloInterval != WholeSeconds(iface.helloInterval))
    {
        RecordDrop(OspfDropReason::HelloIntervalMismatch, iface.index, source, hello.helloInterval,
                   WholeSeconds(iface.helloInterval));
        return;
    }
    if (hello.routerDeadInterval != WholeSeconds(iface.routerDeadInterval))
    {
        RecordDrop(OspfDropReason::DeadIntervalMismatch, iface.index, source,
                   hello.routerDeadInterval, WholeSeconds(iface.routerDeadInterval));
        return;
    }
    if ((hello.options & kOspfOptionE) != kOspfOptionE)
    {
        RecordDrop(OspfDropReason::OptionsMismatch, iface.index, source, hello.options,
                   kOspfOptionE);
        return;
    }

    const uint32_t key = iface.type == OspfNetworkType::PointToPoint ? header.routerId : source;
    auto& slot = iface.neighbors[key];
    if (!slot)
    {
        slot = std::make_unique<OspfNeighbor>();
    }
    OspfNeighbor& neighbor = *slot;
    const uint8_t oldPriority = neighbor.priority;
    const bool wasDeclaringDr = neighbor.designatedRouter == neighbor.address;
    const bool wasDeclaringBdr = neighbor.backupDesignatedRouter == neighbor.address;
    const bool known = neighbor.state != OspfNeighborState::Down;
    neighbor.routerId = header.routerId;
    neighbor.address = source;
    neighbor.priority = hello.routerPriority;
    neighbor.designatedRouter = hello.designatedRouter;
    neighbor.backupDesignatedRouter = hello.backupDesignatedRouter;

    HelloReceivedEvent(iface, neighbor);

    const bool listsUs = std::find(hello.neighbors.begin(), hello.neighbors.end(), m_routerId)
                         != hello.neighbors.end();
    if (!listsUs)
    {
        OneWayReceivedEvent(iface, neighbor);
        // The neighbour has not heard us yet, so send it our Hello before the periodic one.
        ScheduleHelloReply(iface);
        return;
    }
    TwoWayReceivedEvent(iface, neighbor);

    if (iface.type != OspfNetworkType::Broadcast)
    {
        return;
    }
    // s10.5: changes of priority or of the DR/BDR the neighbour declares.
    const bool declaresDr = hello.designatedRouter == source;
    const bool declaresBdr = hello.backupDesignatedRouter == source;
    bool neighborChange = known && oldPriority != hello.routerPriority;
    bool backupSeen = false;
    if (declaresDr && hello.backupDesignatedRouter == 0
        && iface.state == OspfInterfaceState::Waiting)
    {
        backupSeen = true;
    }
    else if (declaresDr != (known && wasDeclaringDr))
    {
        neighborChange = true;
    }
    if (declaresBdr && iface.state == OspfInterfaceState::Waiting)
    {
        backupSeen = true;
    }
    else if (declaresBdr != (known && wasDeclaringBdr))
    {
        neighborChange = true;
    }
    if (backupSeen)
    {
        BackupSeen(iface);
    }
    if (neighborChange)
    {
        NeighborChange(iface);
    }
}

void
OspfRoutingProtocol::SetNeighborState(OspfInterface& iface, OspfNeighbor& neighbor,
                                      OspfNeighborState state)
{
    const OspfNeighborState old = neighbor.state;
    if (old == state)
    {
        return;
    }
    neighbor.state = state;
    NS_LOG_INFO("router " << ns3::Ipv4Address(m_routerId) << " interface " << iface.index
                          << " neighbour " << ns3::Ipv4Address(neighbor.routerId) << " "
                          << ToString(old) << " -> " << ToString(state));

    OspfAdjacencyChange change;
    change.time = ns3::Simulator::Now();
    change.interface = iface.index;
    change.neighborId = ns3::Ipv4Address(neighbor.routerId);
    change.neighborAddress = ns3::Ipv4Address(neighbor.address);
    change.oldState = old;
    change.newState = state;
    m_adjacencyTrace(change);

    // s9.2 NeighborChange: bidirectional communication established or lost.
    if ((old >= OspfNeighborState::TwoWay) != (state >= OspfNeighborState::TwoWay))
    {
        NeighborChange(iface);
    }
    // s12.4: the router-LSA lists full adjacencies, the DR's network-LSA lists full
    // neighbours.
    if ((old == OspfNeighborState::Full) != (state == OspfNeighborState::Full))
    {
        ScheduleRouterLsa();
        if (iface.state == OspfInterfaceState::DesignatedRouter)
        {
            ScheduleNetworkLsa(iface.index);
        }
    }
}

bool
OspfRoutingProtocol::ShouldBeAdjacent(const OspfInterface& iface,
                                      const OspfNeighbor& neighbor) const
{
    // s10.4: always on point-to-point links; on broadcast networks only with the DR and BDR.
    if (iface.type == OspfNetworkType::PointToPoint)
    {
        return true;
    }
    return iface.IsDrOrBackup() || neighbor.address == iface.designatedRouter
           || neighbor.address == iface.backupDesignatedRouter;
}

void
OspfRoutingProtocol::HelloReceivedEvent(OspfInterface& iface, OspfNeighbor& neighbor)
{
    if (neighbor.state == OspfNeighborState::Down)
    {
        SetNeighborState(iface, neighbor, OspfNeighborState::Init);
    }
    neighbor.inactivityTimer.Cancel();
    neighbor.inactivityTimer = ns3::Simulator::Schedule(
        iface.routerDeadInterval, &OspfRoutingProtocol::InactivityTimerExpired, this, iface.index,
        NeighborKey(iface, neighbor));
}

void
OspfRoutingProtocol::TwoWayReceivedEvent(OspfInterface& iface, OspfNeighbor& neighbor)
{
    if (neighbor.state != OspfNeighborState::Init)
    {
        return;
    }
    if (ShouldBeAdjacent(iface, neighbor))
    {
        EnterExStart(iface, neighbor);
    }
    else
    {
        SetNeighborState(iface, neighbor, OspfNeighborState::TwoWay);
    }
}

void
OspfRoutingProtocol::OneWayReceivedEvent(OspfInterface& iface, OspfNeighbor& neighbor)
{
    if (neighbor.state >= OspfNeighborState::TwoWay)
    {
        neighbor.ClearLists();
        SetNeighborState(iface, neighbor, OspfNeighborState::Init);
    }
}

void
OspfRoutingProtocol::EnterExStart(OspfInterface& iface, OspfNeighbor& neighbor)
{
    neighbor.ClearLists();
    SetNeighborState(iface, neighbor, OspfNeighborState::ExStart);

    // s10.8: on the first attempt the DD sequence number starts from a clock value; on later
    // ones it is incremented. The simulation clock keeps runs reproducible.
    if (neighbor.ddSequenceNumber == 0)
    {
        neighbor.ddSequenceNumber
            = static_cast<uint32_t>(ns3::Simulator::Now().GetMilliSeconds()) + 1;
    }
    else
    {
        ++neighbor.ddSequenceNumber;
    }
    neighbor.weAreMaster = true;
    neighbor.sentLastDbd = false;
    neighbor.haveLastReceivedDbd = false;

    OspfDatabaseDescription dbd;
    dbd.interfaceMtu = iface.mtu;
    dbd.options = kOspfOptionE;
    dbd.flags = kDbdFlagInit | kDbdFlagMore | kDbdFlagMasterSlave;
    dbd.sequenceNumber = neighbor.ddSequenceNumber;
    neighbor.lastSentDbd = dbd;
    neighbor.lastSentDbdHeaders = 0;
    SendDatabaseDescription(iface, neighbor);
}

void
OspfRoutingProtocol::NegotiationDoneEvent(OspfInterface& iface, OspfNeighbor& neighbor)
{
    if (neighbor.state != OspfNeighborState::ExStart)
    {
        return;
    }
    // s10.3 NegotiationDone: describe the whole database; LSAs at MaxAge go on the
    // retransmission list instead.
    const ns3::Time now = ns3::Simulator::Now();
    neighbor.databaseSummary.clear();
    for (const auto& [key, entry] : m_lsdb.Entries())
    {
        if (OspfLsdb::AgeAt(entry, now) >= kMaxAge)
        {
            neighbor.retransmissionList[key] = OspfLsdb::LsaAt(entry, now);
            StartRetransmitTimer(iface, neighbor);
        }
        else
        {
            neighbor.databaseSummary.push_back(OspfLsdb::HeaderAt(entry, now));
        }
    }
    SetNeighborState(iface, neighbor, OspfNeighborState::Exchange);
}

void
OspfRoutingProtocol::ExchangeDoneEvent(OspfInterface& iface, OspfNeighbor& neighbor)
{
    if (neighbor.state != OspfNeighborState::Exchange)
    {
        return;
    }
    neighbor.dbdRetransmitTimer.Cancel();
    if (neighbor.requestList.empty())
    {
        SetNeighborState(iface, neighbor, OspfNeighborState::Full);
        return;
    }
    SetNeighborState(iface, neighbor, OspfNeighborState::Loading);
    if (neighbor.lastRequested.empty())
    {
        SendLinkStateRequest(iface, neighbor);
    }
}

void
OspfRoutingProtocol::LoadingDoneEvent(OspfInterface& iface, OspfNeighbor& neighbor)
{
    if (neighbor.state == OspfNeighborState::Loading)
    {
        neighbor.lsrRetransmitTimer.Cancel();
        neighbor.lastRequested.clear();
        SetNeighborState(iface, neighbor, OspfNeighborState::Full);
    }
}

void
OspfRoutingProtocol::AdjOkEvent(OspfInterface& iface, OspfNeighbor& neighbor)
{
    if (neighbor.state == OspfNeighborState::TwoWay && ShouldBeAdjacent(iface, neighbor))
    {
        EnterExStart(iface, neighbor);
    }
    else if (neighbor.state >= OspfNeighborState::ExStart && !ShouldBeAdjacent(iface, neighbor))
    {
        neighbor.ClearLists();
        SetNeighborState(iface, neighbor, OspfNeighborState::TwoWay);
    }
}

void
OspfRoutingProtocol::RestartExchangeEvent(OspfInterface& iface, OspfNeighbor& neighbor)
{
    if (neighbor.state >= OspfNeighborState::Exchange)
    {
        NS_LOG_LOGIC("neighbour " << ns3::Ipv4Address(neighbor.routerId)
                                  << ": database exchange restarts");
        EnterExStart(iface, neighbor);
    }
}

void
OspfRoutingProtocol::KillNeighborEvent(OspfInterface& iface, OspfNeighbor& neighbor)
{
    neighbor.CancelTimers();
    neighbor.ClearLists();
    neighbor.haveLastReceivedDbd = false;
    SetNeighborState(iface, neighbor, OspfNeighborState::Down);
}

void
OspfRoutingProtocol::InactivityTimerExpired(uint32_t interface, uint32_t neighborKey)
{
    // A Hello that arrives at the very instant the timer expires still counts: check again
    // after the events already queued for this instant, the packet receptions among them.
    ns3::Simulator::ScheduleNow(&OspfRoutingProtocol::ConfirmInactivity, this, interface,
                                neighborKey);
}

void
OspfRoutingProtocol::ConfirmInactivity(uint32_t interface, uint32_t neighborKey)
{
    OspfInterface* iface = FindInterface(interface);
    if (iface == nullptr)
    {
        return;
    }
    auto it = iface->neighbors.find(neighborKey);
    if (it == iface->neighbors.end() || it->second->inactivityTimer.IsRunning()
        || it->second->state == OspfNeighborState::Down)
    {
        return;
    }
    NS_LOG_INFO("router " << ns3::Ipv4Address(m_routerId) << " interface "
                          << interface << ": neighbour " << ns3::Ipv4Address(it->second->routerId)
                          << " dead (no Hello for " << iface->routerDeadInterval.As(ns3::Time::S)
                          << ")");
    KillNeighborEvent(*iface, *it->second);
}

} // namespace tunnelsim
