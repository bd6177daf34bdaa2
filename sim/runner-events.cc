// Scenario events of a design run (what each design changes at the event time, and the
// gateway states read around it for the change cost and effects), pcap capture and the
// progress line.

#include "ike-helper.h"
#include "ipsec-helper.h"
#include "ns3/ipv4-routing-table-entry.h"
#include "ns3/ipv4-static-routing-helper.h"
#include "ns3/ipv4-static-routing.h"
#include "ns3/simulator.h"
#include "ospf-helper.h"
#include "runner-design.h"

#include <algorithm>
#include <chrono>
#include <fmt/format.h>
#include <functional>
#include <ostream>

namespace tunnelsim
{

namespace
{

/// Simulated time between two checks of the wall clock for a progress update, seconds. It is
/// short so that a run whose simulated seconds take long still updates on time.
constexpr double kProgressCheckIntervalS = 0.01;

/// True when @p route leads out of its interface (no next hop) to a network that one of
/// that interface's addresses belongs to: the route an address brings along.
bool
IsConnectedRoute(const ns3::Ptr<ns3::Ipv4>& ipv4, const RouteEntry& route)
{
    if (route.nextHop != 0 || route.interface >= ipv4->GetNInterfaces())
    {
        return false;
    }
    for (uint32_t a = 0; a < ipv4->GetNAddresses(route.interface); ++a)
    {
        const ns3::Ipv4InterfaceAddress address = ipv4->GetAddress(route.interface, a);
        if (address.GetMask().Get() == route.mask
            && (address.GetLocal().Get() & route.mask) == route.network)
        {
            return true;
        }
    }
    return false;
}

/// The SPD, routing tables, OSPF interfaces and IKE counters of gateway @p node.
GatewayState
ReadGatewayState(const ns3::Ptr<ns3::Node>& node)
{
    GatewayState state;
    const ns3::Ptr<SecurityPolicyDatabase> spd = IpsecHelper::GetStack(node)->GetSpd();
    for (size_t p = 0; p < spd->GetN(); ++p)
    {
        const SecurityPolicy& policy = spd->Get(p);
        if (policy.action == PolicyAction::Protect)
        {
            state.protectPolicies.insert(policy.id);
        }
    }

    const ns3::Ptr<ns3::Ipv4> ipv4 = node->GetObject<ns3::Ipv4>();
    const ns3::Ptr<ns3::Ipv4StaticRouting> routing
        = ns3::Ipv4StaticRoutingHelper().GetStaticRouting(ipv4);
    for (uint32_t r = 0; routing && r < routing->GetNRoutes(); ++r)
    {
        const ns3::Ipv4RoutingTableEntry route = routing->GetRoute(r);
        const RouteEntry entry{route.GetDestNetwork().Get(), route.GetDestNetworkMask().Get(),
                               route.GetGateway().Get(), route.GetInterface(),
                               routing->GetMetric(r)};
        (IsConnectedRoute(ipv4, entry) ? state.connectedRoutes : state.staticRoutes).insert(entry);
    }

    if (const ns3::Ptr<OspfRoutingProtocol> ospf = OspfHelper::GetOspf(node))
    {
        for (const OspfRouteInfo& route : ospf->GetRoutes())
        {
            const RouteEntry entry{route.network.Get(), route.mask.Get(), route.nextHop.Get(),
                                   route.interface, route.cost};
            if (!IsConnectedRoute(ipv4, entry))
            {
                state.ospfRoutes[{entry.network, entry.mask}] = entry;
            }
        }
        for (uint32_t i = 0; i < ipv4->GetNInterfaces(); ++i)
        {
            const OspfInterfaceSettings settings = ospf->GetInterfaceSettings(i);
            if (!settings.excluded)
            {
                state.ospfInterfaces[i]
                    = OspfInterfaceEntry{settings.passive, settings.cost.value_or(0)};
            }
        }
    }

    const ns3::Ptr<IkeEndpoint> ike = IkeHelper::GetEndpoint(node);
    state.childSasEstablished = ike->GetCounters().childSasEstablished;
    for (size_t c = 0; c < ike->GetNConnections(); ++c)
    {
        state.activeChildSas += ike->GetActiveChildSaCount(c);
    }
    return state;
}

} // namespace

void
DesignRun::ScheduleEvents()
{
    m_eventStates.assign(m_scenario.events.size(), EventStates{});
    for (size_t i = 0; i < m_scenario.events.size(); ++i)
    {
        const ScenarioEvent& event = m_scenario.events[i];
        const double at = event.atS;
        std::function<void()> action;
        if (const auto* down = std::get_if<LinkDownEvent>(&event.action))
        {
            action = [this, link = down->link]()
            {
                m_topology->SetLinkDown(link, true);
            };
        }
        else if (const auto* up = std::get_if<LinkUpEvent>(&event.action))
        {
            action = [this, link = up->link]()
            {
                m_topology->SetLinkDown(link, false);
            };
        }
        else if (const auto* added = std::get_if<SubnetAddEvent>(&event.action))
        {
            action = [this, index = PrefixIndex(added->subnet.prefix, at)]()
            {
                ApplySubnetAdd(index);
            };
        }
        else if (const auto* removed = std::get_if<SubnetRemoveEvent>(&event.action))
        {
            action = [this, index = PrefixIndex(removed->prefix, at)]()
            {
                ApplySubnetRemove(index);
            };
        }
        else if (const auto* restart = std::get_if<GatewayRestartEvent>(&event.action))
        {
            const size_t gateway = SiteOfGateway(m_scenario, restart->gateway);
            action = [this, gateway, name = restart->gateway]()
            {
                m_topology->SetGatewayIsolated(name, true);
                m_network->SetGatewayPower(gateway, false);
            };
        }
        ns3::Simulator::Schedule(ns3::Seconds(at),
                                 [this, i, action]()
                                 {
                                     ApplyEvent(i, action);
                                 });
        if (const auto* restart = std::get_if<GatewayRestartEvent>(&event.action))
        {
            // Powering on belongs to the same event, so its effects count with it. Scheduled
            // after the power-off, so a zero downtime still applies them in order.
            const size_t gateway = SiteOfGateway(m_scenario, restart->gateway);
            ns3::Simulator::Schedule(ns3::Seconds(at + restart->downS),
                                     [this, gateway, name = restart->gateway]()
                                     {
                                         m_topology->SetGatewayIsolated(name, false);
                                         m_network->SetGatewayPower(gateway, true);
                                     });
        }
    }
    // Scheduled before Run() sets the stop time, so this runs before the simulation stops.
    ns3::Simulator::Schedule(ns3::Seconds(m_scenario.durationS), &DesignRun::CloseEventWindow,
                             this);
}

void
DesignRun::ApplyEvent(size_t index, const std::function<void()>& action)
{
    // Reading the states before and after the action in one callback keeps every other
    // event of the same instant out of the difference.
    const std::vector<GatewayState> states = ReadGatewayStates();
    if (m_openEvent)
    {
        m_eventStates[*m_openEvent].settled = states;
    }
    EventStates& event = m_eventStates.at(index);
    event.before = states;
    if (action)
    {
        action();
    }
    event.configured = ReadGatewayStates();
    m_openEvent = index;
}

void
DesignRun::CloseEventWindow()
{
    if (m_openEvent)
    {
        m_eventStates[*m_openEvent].settled = ReadGatewayStates();
        m_openEvent.reset();
    }
}

std::vector<GatewayState>
DesignRun::ReadGatewayStates() const
{
    std::vector<GatewayState> states;
    for (const TopologyGateway& gateway : m_topology->Gateways())
    {
        states.push_back(ReadGatewayState(gateway.node));
    }
    return states;
}

EventChanges
DesignRun::MeasuredEventChanges(size_t index) const
{
    std::vector<std::string> names;
    for (const TopologyGateway& gateway : m_topology->Gateways())
    {
        names.push_back(gateway.name);
    }
    const EventStates& event = m_eventStates.at(index);
    if (event.before.empty())
    {
        // The event never applied (the run stopped first): nothing changed.
        const std::vector<GatewayState> unchanged(names.size());
        return MeasureEventChanges(names, unchanged, unchanged, unchanged);
    }
    return MeasureEventChanges(names, event.before, event.configured,
                               event.settled.empty() ? event.configured : event.settled);
}

void
DesignRun::ApplySubnetAdd(size_t prefixIndex)
{
    const PlannedPrefix& added = m_prefixes[prefixIndex];
    const double now = ns3::Simulator::Now().GetSeconds();

    if (m_design.type == DesignType::PolicyBased)
    {
        for (const PlannedSelector& selector :
             PlanSelectors(m_scenario, m_design, m_prefixes, false))
        {
            const bool involves = selector.local == prefixIndex || selector.remote == prefixIndex;
            const size_t other = selector.local == prefixIndex ? selector.remote : selector.local;
            if (involves && PrefixExistsAt(m_prefixes[other], now))
            {
                m_network->AddPolicySelector(PolicySelector{selector.tunnel,
                                                            m_prefixes[selector.local].prefix,
                                                            m_prefixes[selector.remote].prefix});
            }
        }
    }
    else if (m_design.routing && m_design.routing->protocol == RoutingProtocol::Ospf)
    {
        m_network->SetOspfLan(added.site, m_topology->FindLan(added.prefix)->gateway.interface,
                              true);
    }
    else
    {
        for (size_t gateway = 0; gateway < m_routes.size(); ++gateway)
        {
            for (const PlannedRoute& route : m_routes[gateway][added.site])
            {
                m_network->AddStaticRoute(gateway, added.prefix, route.tunnel, route.metric);
            }
        }
    }
    m_topology->SetLanUp(added.prefix, true);
}

void
DesignRun::ApplySubnetRemove(size_t prefixIndex)
{
    const PlannedPrefix& removed = m_prefixes[prefixIndex];
    if (m_design.type == DesignType::PolicyBased)
    {
        for (bool atStart : {true, false})
        {
            for (const PlannedSelector& selector :
                 PlanSelectors(m_scenario, m_design, m_prefixes, atStart))
            {
                if (selector.local == prefixIndex || selector.remote == prefixIndex)
                {
                    m_network->RemovePolicySelector(
                        PolicySelector{selector.tunnel, m_prefixes[selector.local].prefix,
                                       m_prefixes[selector.remote].prefix});
                }
            }
        }
    }
    else if (m_design.routing && m_design.routing->protocol == RoutingProtocol::Ospf)
    {
        m_network->SetOspfLan(removed.site, m_topology->FindLan(removed.prefix)->gateway.interface,
                              false);
    }
    else
    {
        for (size_t gateway = 0; gateway < m_routes.size(); ++gateway)
        {
            if (gateway != removed.site)
            {
                m_network->RemoveStaticRoute(gateway, removed.prefix);
            }
        }
    }
    m_topology->SetLanUp(removed.prefix, false);
}

void
DesignRun::SchedulePcap()
{
    if (!m_outputs.pcapDirectory.empty())
    {
        m_topology->EnableWanPcap(m_outputs.pcapDirectory,
                                  m_outputs.pcapFilePrefix + m_design.name + "-");
    }
}

void
DesignRun::ScheduleProgress()
{
    if (!m_outputs.progress)
    {
        return;
    }
    if (kProgressCheckIntervalS < m_scenario.durationS)
    {
        ns3::Simulator::Schedule(ns3::Seconds(kProgressCheckIntervalS), &DesignRun::ReportProgress,
                                 this);
    }
}

void
DesignRun::ReportProgress()
{
    const double nowS = ns3::Simulator::Now().GetSeconds();
    if (nowS + kProgressCheckIntervalS < m_scenario.durationS)
    {
        ns3::Simulator::Schedule(ns3::Seconds(kProgressCheckIntervalS), &DesignRun::ReportProgress,
                                 this);
    }
    const auto now = std::chrono::steady_clock::now();
    if (now < *m_outputs.nextProgressWall)
    {
        return;
    }

    const std::string line
        = fmt::format("design {}/{} {}: {:.0f} of {:.0f} s simulated", m_designIndex + 1,
                      m_scenario.designs.size(), m_design.name, nowS, m_scenario.durationS);
    const double intervalS = m_outputs.progressIsTerminal ? kProgressTerminalIntervalWallS
                                                          : kProgressPlainIntervalWallS;
    *m_outputs.nextProgressWall = now
                                  + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                      std::chrono::duration<double>(intervalS));
    if (!m_outputs.progressIsTerminal)
    {
        *m_outputs.progress << line << '\n' << std::flush;
        return;
    }
    // Pad with spaces to overwrite the rest of a longer previous line.
    *m_outputs.progress << '\r' << fmt::format("{:<{}}", line, m_progressWidth) << std::flush;
    m_progressWidth = std::max(m_progressWidth, line.size());
}

} // namespace tunnelsim
