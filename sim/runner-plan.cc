#include "runner-plan.h"

#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/breadth_first_search.hpp>
#include <numeric>
#include <stdexcept>

namespace tunnelsim
{

namespace
{

/// Event indices in the order they apply: by time, file order for equal times.
std::vector<size_t>
EventOrder(const Scenario& scenario)
{
    std::vector<size_t> order(scenario.events.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&scenario](size_t a, size_t b)
                     {
                         return scenario.events[a].atS < scenario.events[b].atS;
                     });
    return order;
}

size_t
SiteByName(const Scenario& scenario, const std::string& name)
{
    for (size_t site = 0; site < scenario.sites.size(); ++site)
    {
        if (scenario.sites[site].name == name)
        {
            return site;
        }
    }
    throw std::logic_error("no site named \"" + name + "\"");
}

/// Sites a tunnel joins, in endpoint order.
std::array<size_t, 2>
TunnelSites(const Scenario& scenario, const Tunnel& tunnel)
{
    return {SiteOfGateway(scenario, tunnel.endpoints[0].gateway),
            SiteOfGateway(scenario, tunnel.endpoints[1].gateway)};
}

/// Time both prefixes exist together: [start, stop); nullopt when never.
std::optional<std::pair<double, std::optional<double>>>
Overlap(const PlannedPrefix& a, const PlannedPrefix& b, double notBeforeS)
{
    const double start = std::max({a.addedS, b.addedS, notBeforeS});
    std::optional<double> stop = a.removedS;
    if (b.removedS && (!stop || *b.removedS < *stop))
    {
        stop = b.removedS;
    }
    if (stop && *stop <= start)
    {
        return std::nullopt;
    }
    return std::make_pair(start, stop);
}

} // namespace

size_t
SiteOfGateway(const Scenario& scenario, const std::string& gateway)
{
    for (size_t site = 0; site < scenario.sites.size(); ++site)
    {
        if (scenario.sites[site].gateway.name == gateway)
        {
            return site;
        }
    }
    throw std::logic_error("no gateway named \"" + gateway + "\"");
}

std::vector<PlannedPrefix>
PlanPrefixes(const Scenario& scenario)
{
    std::vector<PlannedPrefix> prefixes;
    for (size_t site = 0; site < scenario.sites.size(); ++site)
    {
        const Site& described = scenario.sites[site];
        for (const LanSubnet& subnet : described.subnets)
        {
            prefixes.push_back(
                PlannedPrefix{site, subnet.prefix, LanHostAddress(subnet.prefix, 0), 0, {}, true});
        }
        if (described.hostLan)
        {
            for (uint32_t host : described.hostLan->hosts)
            {
                prefixes.push_back(
                    PlannedPrefix{site, Ipv4Prefix{host, kIpv4MaxPrefixLength}, host, 0, {}, true});
            }
        }
    }

    for (size_t index : EventOrder(scenario))
    {
        const ScenarioEvent& event = scenario.events[index];
        if (const auto* added = std::get_if<SubnetAddEvent>(&event.action))
        {
            prefixes.push_back(PlannedPrefix{SiteByName(scenario, added->site),
                                             added->subnet.prefix,
                                             LanHostAddress(added->subnet.prefix, 0),
                                             event.atS,
                                             {},
                                             false});
        }
        else if (const auto* removed = std::get_if<SubnetRemoveEvent>(&event.action))
        {
            for (PlannedPrefix& prefix : prefixes)
            {
                if (prefix.prefix == removed->prefix && !prefix.removedS)
                {
                    prefix.removedS = event.atS;
                }
            }
        }
    }
    return prefixes;
}

bool
PrefixExistsAt(const PlannedPrefix& prefix, double timeS)
{
    return prefix.addedS <= timeS && (!prefix.removedS || timeS < *prefix.removedS);
}

std::vector<PlannedPair>
PlanPairs(const Scenario& scenario, const std::vector<PlannedPrefix>& prefixes)
{
    const double probeStart = scenario.traffic.probes ? scenario.traffic.probes->startS : 0;
    std::vector<PlannedPair> pairs;
    for (size_t a = 0; a < prefixes.size(); ++a)
    {
        for (size_t b = 0; b < prefixes.size(); ++b)
        {
            if (prefixes[a].site >= prefixes[b].site)
            {
                continue;
            }
            auto overlap = Overlap(prefixes[a], prefixes[b], probeStart);
            if (!overlap)
            {
                continue;
            }
            pairs.push_back(PlannedPair{a, b, overlap->first, overlap->second,
                                        prefixes[a].presentAtStart && prefixes[b].presentAtStart});
        }
    }
    return pairs;
}

std::vector<Ipv4Prefix>
RoutedPrefixes(const Scenario& scenario, size_t site, double timeS)
{
    std::vector<Ipv4Prefix> routed;
    for (const PlannedPrefix& prefix : PlanPrefixes(scenario))
    {
        if (prefix.site == site && prefix.prefix.length < kIpv4MaxPrefixLength
            && PrefixExistsAt(prefix, timeS))
        {
            routed.push_back(prefix.prefix);
        }
    }
    if (scenario.sites[site].hostLan)
    {
        routed.push_back(scenario.sites[site].hostLan->prefix);
    }
    return routed;
}

std::vector<std::vector<std::vector<PlannedRoute>>>
PlanStaticRoutes(const Scenario& scenario, const Design& design)
{
    const size_t sites = scenario.sites.size();
    std::vector<std::vector<std::vector<PlannedRoute>>> plan(
        sites, std::vector<std::vector<PlannedRoute>>(sites));

    // Direct tunnels of each site pair, in design order: the first carries the primary route.
    std::vector<std::vector<std::vector<size_t>>> direct(sites,
                                                         std::vector<std::vector<size_t>>(sites));
    using SiteGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS>;
    SiteGraph graph(sites);
    for (size_t t = 0; t < design.tunnels.size(); ++t)
    {
        const auto ends = TunnelSites(scenario, design.tunnels[t]);
        direct[ends[0]][ends[1]].push_back(t);
        direct[ends[1]][ends[0]].push_back(t);
        if (direct[ends[0]][ends[1]].size() == 1)
        {
            boost::add_edge(ends[0], ends[1], graph);
        }
    }
    const bool floating = design.routing && design.routing->staticRouting.floatingRoutes;

    for (size_t from = 0; from < sites; ++from)
    {
        // Fewest tunnels to every other site, for sites without a direct tunnel.
        std::vector<size_t> predecessor(sites);
        for (size_t site = 0; site < sites; ++site)
        {
            predecessor[site] = site;
        }
        boost::breadth_first_search(
            graph, from,
            boost::visitor(boost::make_bfs_visitor(
                boost::record_predecessors(predecessor.data(), boost::on_tree_edge()))));

        for (size_t to = 0; to < sites; ++to)
        {
            if (to == from)
            {
                continue;
            }
            if (!direct[from][to].empty())
            {
                const auto& tunnels = direct[from][to];
                const size_t count = floating ? tunnels.size() : 1;
                for (size_t i = 0; i < count; ++i)
                {
                    plan[from][to].push_back(PlannedRoute{tunnels[i], static_cast<uint32_t>(i)});
                }
                continue;
            }
            if (predecessor[to] == to)
            {
                continue; // unreachable, which validation rejects
            }
            size_t hop = to;
            while (predecessor[hop] != from)
            {
                hop = predecessor[hop];
            }
            plan[from][to].push_back(PlannedRoute{direct[from][hop].front(), 0});
        }
    }
    return plan;
}

std::vector<PlannedSelector>
PlanSelectors(const Scenario& scenario, const Design& design,
              const std::vector<PlannedPrefix>& prefixes, bool atStart)
{
    std::vector<PlannedSelector> selectors;
    for (size_t t = 0; t < design.tunnels.size(); ++t)
    {
        const auto ends = TunnelSites(scenario, design.tunnels[t]);
        for (size_t local = 0; local < prefixes.size(); ++local)
        {
            for (size_t remote = 0; remote < prefixes.size(); ++remote)
            {
                if (prefixes[local].site != ends[0] || prefixes[remote].site != ends[1])
                {
                    continue;
                }
                const bool bothAtStart
                    = prefixes[local].presentAtStart && prefixes[remote].presentAtStart;
                if (bothAtStart != atStart || !Overlap(prefixes[local], prefixes[remote], 0))
                {
                    continue;
                }
                selectors.push_back(PlannedSelector{t, local, remote});
            }
        }
    }
    return selectors;
}

} // namespace tunnelsim
