// RFC 2328 s16: when the routing table is calculated (an SPF throttle in the style of
// Cisco IOS "timers throttle spf") and how its result becomes routes.
#include "ns3/log.h"
#include "ns3/loopback-net-device.h"
#include "ns3/simulator.h"
#include "ospf-routing-protocol.h"

#include <chrono>

namespace tunnelsim
{

NS_LOG_COMPONENT_DEFINE("OspfRouteCalculation");

void
OspfRoutingProtocol::ScheduleSpf()
{
    if (!m_initialized || m_spfTimer.IsRunning())
    {
        return;
    }
    // After a quiet hold time the first change waits only the initial delay, and the hold
    // starts over. A change within the hold waits for its end, and the hold doubles up to
    // the maximum.
    const ns3::Time now = ns3::Simulator::Now();
    ns3::Time delay;
    if (!m_spfHasRun || now - m_lastSpfRun >= m_spfCurrentHold)
    {
        delay = m_spfInitialDelay;
        m_spfCurrentHold = m_spfHold;
    }
    else
    {
        delay = m_lastSpfRun + m_spfCurrentHold - now;
        m_spfCurrentHold = std::min(m_spfCurrentHold * 2, m_spfMaxHold);
    }
    m_spfTriggeredAt = now;
    NS_LOG_LOGIC("router " << ns3::Ipv4Address(m_routerId) << ": SPF in "
                           << delay.As(ns3::Time::MS));
    m_spfTimer = ns3::Simulator::Schedule(delay, &OspfRoutingProtocol::RunSpf, this);
}

std::vector<SpfInterface>
OspfRoutingProtocol::UpInterfaces() const
{
    std::vector<SpfInterface> interfaces;
    for (uint32_t i = 0; i < m_ipv4->GetNInterfaces(); ++i)
    {
        if (!m_ipv4->IsUp(i) || ns3::DynamicCast<ns3::LoopbackNetDevice>(m_ipv4->GetNetDevice(i)))
        {
            continue;
        }
        for (uint32_t j = 0; j < m_ipv4->GetNAddresses(i); ++j)
        {
            const ns3::Ipv4InterfaceAddress address = m_ipv4->GetAddress(i, j);
            interfaces.push_back({i, address.GetLocal().Get(), address.GetMask().Get()});
        }
    }
    return interfaces;
}

void
OspfRoutingProtocol::RunSpf()
{
    NS_LOG_FUNCTION(this);

    const ns3::Time now = ns3::Simulator::Now();
    const auto start = std::chrono::steady_clock::now();

    // s14: LSAs at MaxAge take no part in the calculation.
    std::vector<const Lsa*> lsas;
    for (const auto& [key, entry] : m_lsdb.Entries())
    {
        if (OspfLsdb::AgeAt(entry, now) < kMaxAge)
        {
            lsas.push_back(&entry.lsa);
        }
    }
    const SpfResult result = ComputeShortestPathTree(lsas, m_routerId, UpInterfaces());
    const auto hostDuration = std::chrono::steady_clock::now() - start;

    ++m_spfRuns;
    m_lastSpfRun = now;
    m_spfHasRun = true;
    InstallRoutes(result);

    OspfSpfRun run;
    run.time = now;
    run.triggeredAt = m_spfTriggeredAt;
    run.hostDuration = std::chrono::duration_cast<std::chrono::nanoseconds>(hostDuration);
    run.routers = result.routers;
    run.networks = result.networks;
    run.routes = static_cast<uint32_t>(m_routes.size());
    NS_LOG_INFO("router " << ns3::Ipv4Address(m_routerId) << " SPF run " << m_spfRuns << ": "
                          << run.routers << " routers, " << run.networks << " networks, "
                          << run.routes << " routes");
    m_spfTrace(run);
}

void
OspfRoutingProtocol::InstallRoutes(const SpfResult& result)
{
    std::map<std::pair<uint32_t, uint32_t>, RouteEntry> routes;
    for (const SpfRoute& spfRoute : result.routes)
    {
        const SpfNextHop hop = spfRoute.SelectNextHop();
        routes[{spfRoute.network, spfRoute.mask}] = RouteEntry{
            spfRoute.network, spfRoute.mask, spfRoute.cost, hop.interface, hop.gateway};
    }

    for (const auto& [key, old] : m_routes)
    {
        if (routes.count(key) == 0)
        {
            FireRouteChange(OspfRouteChangeKind::Removed, old);
        }
    }
    for (const auto& [key, route] : routes)
    {
        auto old = m_routes.find(key);
        if (old == m_routes.end())
        {
            FireRouteChange(OspfRouteChangeKind::Added, route);
        }
        else if (old->second.cost != route.cost
                 || old->second
                            .interface != route.interface || old->second.gateway != route.gateway)
        {
            FireRouteChange(OspfRouteChangeKind::Changed, route);
        }
    }
    m_routes = std::move(routes);
}

void
OspfRoutingProtocol::RemoveRoutesThrough(uint32_t interface)
{
    for (auto it = m_routes.begin(); it != m_routes.end();)
    {
        if (it->second.interface == interface)
        {
            FireRouteChange(OspfRouteChangeKind::Removed, it->second);
            it = m_routes.erase(it);
        }
        else
        {
            ++it;
        }
    }
}

void
OspfRoutingProtocol::FireRouteChange(OspfRouteChangeKind kind, const RouteEntry& route)
{
    NS_LOG_INFO("router " << ns3::Ipv4Address(m_routerId) << " route " << ToString(kind) << ": "
                          << ns3::Ipv4Address(route.network) << "/"
                          << ns3::Ipv4Mask(route.mask).GetPrefixLength() << " via "
                          << ns3::Ipv4Address(route.gateway) << " interface "
                          << route.interface << " cost " << route.cost);
    OspfRouteChange change;
    change.time = ns3::Simulator::Now();
    change.kind = kind;
    change.network = ns3::Ipv4Address(route.network);
    change.mask = ns3::Ipv4Mask(route.mask);
    change.nextHop = ns3::Ipv4Address(route.gateway);
    change.interface = route.interface;
    change.cost = route.cost;
    m_routeTrace(change);
}

} // namespace tunnelsim
