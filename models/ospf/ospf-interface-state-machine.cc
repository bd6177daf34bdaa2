// RFC 2328 s9: the interface state machine, the Hellos it sends (s9.5) and the Designated
// Router election (s9.4).
#include "ns3/log.h"
#include "ns3/loopback-net-device.h"
#include "ns3/simulator.h"
#include "ospf-routing-protocol.h"

#include <algorithm>

namespace tunnelsim
{

NS_LOG_COMPONENT_DEFINE("OspfInterfaceStateMachine");

namespace
{

/// Whole seconds of @p time, as Hello packets carry intervals.
uint32_t
WholeSeconds(ns3::Time time)
{
    return static_cast<uint32_t>(time.GetSeconds());
}

/// A router taking part in the election of s9.4, as its Hellos (or our interface) declare.
struct Candidate
{
    uint32_t routerId = 0;
    uint32_t address = 0;
    uint8_t priority = 0;
    uint32_t declaredDr = 0;
    uint32_t declaredBdr = 0;
};

/// Highest priority, then highest router ID (s9.4 steps 2 and 3). nullptr when empty.
const Candidate*
Best(const std::vector<const Candidate*>& pool)
{
    const Candidate* best = nullptr;
    for (const Candidate* c : pool)
    {
        if (best == nullptr || c->priority > best->priority
            || (c->priority == best->priority && c->routerId > best->routerId))
        {
            best = c;
        }
    }
    return best;
}

/// s9.4 steps 2 and 3 once: returns (DR, BDR) interface addresses, 0 for none.
std::pair<uint32_t, uint32_t>
ElectOnce(const std::vector<Candidate>& candidates)
{
    // Step 2: the BDR comes from the routers that do not declare themselves DR, and those
    // that declare themselves BDR go first.
    std::vector<const Candidate*> notDr;
    std::vector<const Candidate*> declaringBdr;
    for (const Candidate& c : candidates)
    {
        if (c.declaredDr == c.address)
        {
            continue;
        }
        notDr.push_back(&c);
        if (c.declaredBdr == c.address)
        {
            declaringBdr.push_back(&c);
        }
    }
    const Candidate* bdr = Best(declaringBdr.empty() ? notDr : declaringBdr);

    // Step 3: the DR comes from the routers that declare themselves DR. When none does, the
    // new BDR becomes DR.
    std::vector<const Candidate*> declaringDr;
    for (const Candidate& c : candidates)
    {
        if (c.declaredDr == c.address)
        {
            declaringDr.push_back(&c);
        }
    }
    const Candidate* dr = declaringDr.empty() ? bdr : Best(declaringDr);
    return {dr ? dr->address : 0, bdr ? bdr->address : 0};
}

} // namespace

void
OspfRoutingProtocol::InterfaceUp(uint32_t interface)
{
    NS_LOG_FUNCTION(this << interface);

    if (IsRunning(interface) || !m_ipv4->IsUp(interface) || m_ipv4->GetNAddresses(interface) == 0)
    {
        return;
    }
    if (ns3::DynamicCast<ns3::LoopbackNetDevice>(m_ipv4->GetNetDevice(interface)))
    {
        return;
    }
    const OspfInterfaceSettings settings = GetInterfaceSettings(interface);
    if (settings.excluded)
    {
        return;
    }

    auto& slot = m_interfaces[interface];
    slot = std::make_unique<OspfInterface>();
    OspfInterface& iface = *slot;
    const ns3::Ipv4InterfaceAddress address = m_ipv4->GetAddress(interface, 0);
    iface.index = interface;
    iface.type = settings.networkType.value_or(DefaultNetworkType(interface));
    iface.passive = settings.passive;
    iface.address = address.GetLocal().Get();
    iface.mask = address.GetMask().Get();
    iface.mtu = m_ipv4->GetMtu(interface);
    iface.cost = settings.cost.value_or(DefaultCost(interface));
    iface.helloInterval = settings.helloInterval.value_or(m_helloInterval);
    iface.routerDeadInterval = settings.routerDeadInterval.value_or(m_routerDeadInterval);
    iface.priority = settings.priority.value_or(m_routerPriority);
    iface.mtuIgnore = settings.mtuIgnore.value_or(m_mtuIgnore);

    // s9.3 InterfaceUp. A passive interface has no neighbours, so it never waits for a DR.
    OspfInterfaceState state = OspfInterfaceState::PointToPoint;
    if (iface.type == OspfNetworkType::Broadcast)
    {
        state = iface.passive || iface.priority == 0 ? OspfInterfaceState::DrOther
                                                     : OspfInterfaceState::Waiting;
    }
    NS_LOG_INFO("router " << ns3::Ipv4Address(m_routerId) << " interface " << interface << " "
                          << address.GetLocal() << " up, " << ToString(iface.type) << ", cost "
                          << iface.cost << (iface.passive ? ", passive" : ""));
    SetInterfaceState(iface, state);

    if (!iface.passive)
    {
        OpenSocket(iface);
        if (state == OspfInterfaceState::Waiting)
        {
            iface.waitTimer = ns3::Simulator::Schedule(
                iface.routerDeadInterval, &OspfRoutingProtocol::WaitTimerExpired, this, interface);
        }
        SendHello(iface);
        iface.helloTimer = ns3::Simulator::Schedule(
            iface.helloInterval, &OspfRoutingProtocol::HelloTimerExpired, this, interface);
    }
    ScheduleRouterLsa();
    // The new connected network replaces any OSPF route to it.
    ScheduleSpf();
}

void
OspfRoutingProtocol::InterfaceDown(uint32_t interface)
{
    NS_LOG_FUNCTION(this << interface);

    OspfInterface* iface = FindInterface(interface);
    if (iface == nullptr || iface->state == OspfInterfaceState::Down)
    {
        return;
    }
    NS_LOG_INFO("router " << ns3::Ipv4Address(m_routerId) << " interface " << interface << " down");
    // s9.3 InterfaceDown: the interface goes Down first, so that the neighbour events below
    // do not start a DR election on it, then every neighbour gets KillNbr.
    SetInterfaceState(*iface, OspfInterfaceState::Down);
    for (auto& [key, neighbor] : iface->neighbors)
    {
        KillNeighborEvent(*iface, *neighbor);
    }
    iface->helloTimer.Cancel();
    iface->helloReplyTimer.Cancel();
    iface->waitTimer.Cancel();
    iface->delayedAckTimer.Cancel();
    iface->neighborChangeEvent.Cancel();
    iface->delayedAcks.clear();
    iface->designatedRouter = 0;
    iface->backupDesignatedRouter = 0;
    if (iface->socket)
    {
        iface->socket->Close();
        iface->socket = nullptr;
    }

    // Routes through a dead interface cannot carry traffic; withdraw them now rather than
    // after the SPF delay, as routers do when a link goes down.
    RemoveRoutesThrough(interface);
    ScheduleRouterLsa();
    ScheduleSpf();
}

void
OspfRoutingProtocol::SetInterfaceState(OspfInterface& iface, OspfInterfaceState state)
{
    const OspfInterfaceState old = iface.state;
    if (old == state)
    {
        return;
    }
    iface.state = state;
    NS_LOG_INFO("router " << ns3::Ipv4Address(m_routerId) << " interface " << iface.index << " "
                          << ToString(old) << " -> " << ToString(state));

    OspfInterfaceStateChange change;
    change.time = ns3::Simulator::Now();
    change.interface = iface.index;
    change.oldState = old;
    change.newState = state;
    change.designatedRouter = ns3::Ipv4Address(iface.designatedRouter);
    change.backupDesignatedRouter = ns3::Ipv4Address(iface.backupDesignatedRouter);
    m_interfaceStateTrace(change);

    // s12.4: the router-LSA describes interface states; the network-LSA exists only while
    // this router is DR.
    ScheduleRouterLsa();
    if (old == OspfInterfaceState::DesignatedRouter
        || state == OspfInterfaceState::DesignatedRouter)
    {
        ScheduleNetworkLsa(iface.index);
    }
}

void
OspfRoutingProtocol::SendHello(OspfInterface& iface)
{
    // s9.5: the Hello lists every router heard from recently, that is, in state Init or up.
    OspfHello hello;
    hello.networkMask = iface.mask;
    hello.helloInterval = static_cast<uint16_t>(WholeSeconds(iface.helloInterval));
    hello.options = kOspfOptionE;
    hello.routerPriority = iface.type == OspfNetworkType::Broadcast ? iface.priority : 0;
    hello.routerDeadInterval = WholeSeconds(iface.routerDeadInterval);
    hello.designatedRouter = iface.designatedRouter;
    hello.backupDesignatedRouter = iface.backupDesignatedRouter;
    for (const auto& [key, neighbor] : iface.neighbors)
    {
        if (neighbor->state >= OspfNeighborState::Init)
        {
            hello.neighbors.push_back(neighbor->routerId);
        }
    }
    SendPacket(iface, kAllSpfRouters, hello);
}

void
OspfRoutingProtocol::HelloTimerExpired(uint32_t interface)
{
    OspfInterface* iface = FindInterface(interface);
    if (iface == nullptr || iface->state == OspfInterfaceState::Down || iface->passive)
    {
        return;
    }
    // The periodic Hello lists the same neighbours as a pending reply would.
    iface->helloReplyTimer.Cancel();
    SendHello(*iface);
    iface->helloTimer = ns3::Simulator::Schedule(
        iface->helloInterval, &OspfRoutingProtocol::HelloTimerExpired, this, interface);
}

void
OspfRoutingProtocol::ScheduleHelloReply(OspfInterface& iface)
{
    // RFC 2328 s9.5 sends Hellos every HelloInterval on point-to-point and broadcast
    // networks. Two routers whose first Hellos cross, each listing no neighbour, therefore
    // reach 2-Way only with the second round, one HelloInterval later. s9.5 does not forbid
    // other Hellos, and s9.5.1 already has routers on NBMA networks reply to Hellos. Here
    // every interface replies to a Hello that does not list this router (1-WayReceived or a
    // new neighbour, s10.5) with its own Hello after HelloReplyDelay. The Internet-Draft
    // draft-kou-ospf-immediately-replying-hello (expired 2007) proposes the same reply. FRR
    // and Quagga ospfd send their reply OSPF_HELLO_REPLY_DELAY (1 s) later, but only where
    // s9.5.1 requires it: on NBMA networks, from a router of priority 0.
    //
    // One reply at most is pending per interface, and Hellos that list this router get none,
    // so a steady state sends only the periodic Hellos.
    if (iface.helloReplyTimer.IsRunning())
    {
        return;
    }
    // A reply due no earlier than the periodic Hello would only repeat it.
    if (iface.helloTimer.IsRunning()
        && ns3::Simulator::GetDelayLeft(iface.helloTimer) <= m_helloReplyDelay)
    {
        return;
    }
    iface.helloReplyTimer = ns3::Simulator::Schedule(
        m_helloReplyDelay, &OspfRoutingProtocol::HelloReplyTimerExpired, this, iface.index);
}

void
OspfRoutingProtocol::HelloReplyTimerExpired(uint32_t interface)
{
    OspfInterface* iface = FindInterface(interface);
    if (iface == nullptr || iface->state == OspfInterfaceState::Down || iface->passive)
    {
        return;
    }
    NS_LOG_LOGIC("interface " << interface << ": Hello in reply to a one-way Hello");
    ++m_helloReplies;
    SendHello(*iface);
}

void
OspfRoutingProtocol::WaitTimerExpired(uint32_t interface)
{
    OspfInterface* iface = FindInterface(interface);
    if (iface != nullptr && iface->state == OspfInterfaceState::Waiting)
    {
        NS_LOG_LOGIC("interface " << interface << ": wait timer expired");
        ElectDesignatedRouter(*iface);
    }
}

void
OspfRoutingProtocol::BackupSeen(OspfInterface& iface)
{
    if (iface.state == OspfInterfaceState::Waiting)
    {
        NS_LOG_LOGIC("interface " << iface.index << ": backup seen");
        iface.waitTimer.Cancel();
        ElectDesignatedRouter(iface);
    }
}

void
OspfRoutingProtocol::NeighborChange(OspfInterface& iface)
{
    if (iface.type != OspfNetworkType::Broadcast || iface.neighborChangeEvent.IsRunning())
    {
        return;
    }
    iface.neighborChangeEvent
        = ns3::Simulator::ScheduleNow(&OspfRoutingProtocol::RunNeighborChange, this, iface.index);
}

void
OspfRoutingProtocol::RunNeighborChange(uint32_t interface)
{
    OspfInterface* iface = FindInterface(interface);
    if (iface == nullptr)
    {
        return;
    }
    // s9.3: NeighborChange recalculates the DR only in states DR Other, Backup and DR.
    if (iface->state == OspfInterfaceState::DrOther || iface->state == OspfInterfaceState::Backup
        || iface->state == OspfInterfaceState::DesignatedRouter)
    {
        ElectDesignatedRouter(*iface);
    }
}

void
OspfRoutingProtocol::ElectDesignatedRouter(OspfInterface& iface)
{
    NS_LOG_FUNCTION(this << iface.index);

    // s9.4 step 1: the eligible routers are this one and every neighbour in state 2-Way or
    // higher, all with a priority above 0.
    std::vector<Candidate> candidates;
    const uint32_t oldDr = iface.designatedRouter;
    const uint32_t oldBdr = iface.backupDesignatedRouter;
    size_t self = candidates.size();
    if (iface.priority > 0)
    {
        candidates.push_back({m_routerId, iface.address, iface.priority, oldDr, oldBdr});
    }
    else
    {
        self = SIZE_MAX;
    }
    for (const auto& [key, neighbor] : iface.neighbors)
    {
        if (neighbor->state >= OspfNeighborState::TwoWay && neighbor->priority > 0)
        {
            candidates.push_back({neighbor->routerId, neighbor->address, neighbor->priority,
                                  neighbor->designatedRouter, neighbor->backupDesignatedRouter});
        }
    }

    auto [dr, bdr] = ElectOnce(candidates);

    // Step 4: when this router became or stopped being DR or BDR, elect again with its new
    // declarations, so that it cannot be DR and BDR at once.
    const bool wasDr = oldDr == iface.address;
    const bool wasBdr = oldBdr == iface.address;
    const bool isDr = dr == iface.address;
    const bool isBdr = bdr == iface.address;
    if (self != SIZE_MAX && (wasDr != isDr || wasBdr != isBdr))
    {
        candidates[self].declaredDr = dr;
        candidates[self].declaredBdr = bdr;
        std::tie(dr, bdr) = ElectOnce(candidates);
    }

    iface.designatedRouter = dr;
    iface.backupDesignatedRouter = bdr;
    NS_LOG_INFO("router " << ns3::Ipv4Address(m_routerId) << " interface " << iface.index << ": DR "
                          << ns3::Ipv4Address(dr) << ", BDR " << ns3::Ipv4Address(bdr));

    // Step 5: the interface state follows from the result.
    OspfInterfaceState state = OspfInterfaceState::DrOther;
    if (dr == iface.address)
    {
        state = OspfInterfaceState::DesignatedRouter;
    }
    else if (bdr == iface.address)
    {
        state = OspfInterfaceState::Backup;
    }
    SetInterfaceState(iface, state);

    // Step 7: a new DR or BDR changes which neighbours should be adjacent (AdjOK?).
    if (dr != oldDr || bdr != oldBdr)
    {
        for (auto& [key, neighbor] : iface.neighbors)
        {
            if (neighbor->state >= OspfNeighborState::TwoWay)
            {
                AdjOkEvent(iface, *neighbor);
            }
        }
        // The transit link of the router-LSA names the DR.
        ScheduleRouterLsa();
    }
}

} // namespace tunnelsim
