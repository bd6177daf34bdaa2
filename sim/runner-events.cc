// Scenario events of a design run (what each design changes at the event time), pcap
// capture and the progress line.

#include "ns3/simulator.h"
#include "runner-design.h"

#include <fmt/format.h>
#include <ostream>

namespace tunnelsim
{

namespace
{

/// Simulated time between two progress checks, seconds.
constexpr double kProgressIntervalS = 1.0;

} // namespace

void
DesignRun::ScheduleEvents()
{
    for (const ScenarioEvent& event : m_scenario.events)
    {
        const double at = event.atS;
        const ns3::Time when = ns3::Seconds(at);
        if (const auto* down = std::get_if<LinkDownEvent>(&event.action))
        {
            ns3::Simulator::Schedule(when,
                                     [this, link = down->link]()
                                     {
                                         m_topology->SetLinkDown(link, true);
                                     });
        }
        else if (const auto* up = std::get_if<LinkUpEvent>(&event.action))
        {
            ns3::Simulator::Schedule(when,
                                     [this, link = up->link]()
                                     {
                                         m_topology->SetLinkDown(link, false);
                                     });
        }
        else if (const auto* added = std::get_if<SubnetAddEvent>(&event.action))
        {
            const size_t index = PrefixIndex(added->subnet.prefix, at);
            ns3::Simulator::Schedule(when,
                                     [this, index]()
                                     {
                                         ApplySubnetAdd(index);
                                     });
        }
        else if (const auto* removed = std::get_if<SubnetRemoveEvent>(&event.action))
        {
            const size_t index = PrefixIndex(removed->prefix, at);
            ns3::Simulator::Schedule(when,
                                     [this, index]()
                                     {
                                         ApplySubnetRemove(index);
                                     });
        }
        else if (const auto* restart = std::get_if<GatewayRestartEvent>(&event.action))
        {
            const size_t gateway = SiteOfGateway(m_scenario, restart->gateway);
            ns3::Simulator::Schedule(when,
                                     [this, gateway, name = restart->gateway]()
                                     {
                                         m_topology->SetGatewayIsolated(name, true);
                                         m_network->SetGatewayPower(gateway, false);
                                     });
            ns3::Simulator::Schedule(ns3::Seconds(at + restart->downS),
                                     [this, gateway, name = restart->gateway]()
                                     {
                                         m_topology->SetGatewayIsolated(name, false);
                                         m_network->SetGatewayPower(gateway, true);
                                     });
        }
    }
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
        m_topology->EnableWanPcap(m_outputs.pcapDirectory, m_design.name + "-");
    }
}

void
DesignRun::ScheduleProgress()
{
    if (!m_outputs.progress)
    {
        return;
    }
    for (double at = kProgressIntervalS; at < m_scenario.durationS; at += kProgressIntervalS)
    {
        ns3::Simulator::Schedule(ns3::Seconds(at), &DesignRun::ReportProgress, this);
    }
}

void
DesignRun::ReportProgress()
{
    const std::chrono::duration<double> elapsed
        = std::chrono::steady_clock::now() - m_outputs.started;
    if (elapsed.count() < kProgressAfterWallS)
    {
        return;
    }
    const std::string line
        = fmt::format("design {}/{} {}: {:.0f} of {:.0f} s simulated", m_designIndex + 1,
                      m_scenario.designs.size(), m_design.name, ns3::Simulator::Now().GetSeconds(),
                      m_scenario.durationS);
    *m_outputs.progress << '\r' << line << std::flush;
    m_progressWidth = line.size();
}

} // namespace tunnelsim
