#include "metrics.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace tunnelsim
{

namespace
{

/// @p seconds rounded to whole nanoseconds, ns-3's time resolution, so that differences
/// of two times print without binary rounding noise.
double
RoundToNanoseconds(double seconds)
{
    constexpr double kNanosecondsPerSecond = 1e9;
    return std::round(seconds * kNanosecondsPerSecond) / kNanosecondsPerSecond;
}

bool
ExistsAfter(const ProbeFlow& flow, double timeS)
{
    return flow.startS <= timeS && (!flow.stopS || *flow.stopS > timeS);
}

/// Arrival time of the first probe of @p flow sent at or after @p sinceS that arrived
/// before @p untilS.
std::optional<double>
FirstDeliverySince(const ProbeFlow& flow, double sinceS, double untilS)
{
    for (size_t sequence = 0; sequence < flow.sentS.size(); ++sequence)
    {
        const std::optional<double>& delivered = flow.deliveredS[sequence];
        if (flow.sentS[sequence] >= sinceS && delivered && *delivered < untilS)
        {
            return delivered;
        }
    }
    return std::nullopt;
}

} // namespace

std::optional<double>
ColdStartConvergence(const std::vector<ProbeFlow>& flows, double untilS)
{
    double latest = 0;
    bool any = false;
    for (const ProbeFlow& flow : flows)
    {
        if (!flow.presentAtStart)
        {
            continue;
        }
        const std::optional<double> delivered = FirstDeliverySince(flow, 0, untilS);
        if (!delivered)
        {
            return std::nullopt;
        }
        latest = std::max(latest, *delivered);
        any = true;
    }
    return any ? std::optional<double>(latest) : std::nullopt;
}

std::optional<double>
EventRecoveryTime(const std::vector<ProbeFlow>& flows, double eventS, double windowEndS)
{
    double latest = 0;
    bool any = false;
    for (const ProbeFlow& flow : flows)
    {
        if (!ExistsAfter(flow, eventS))
        {
            continue;
        }
        const std::optional<double> delivered = FirstDeliverySince(flow, eventS, windowEndS);
        if (!delivered)
        {
            return std::nullopt;
        }
        latest = std::max(latest, RoundToNanoseconds(*delivered - eventS));
        any = true;
    }
    return any ? std::optional<double>(latest) : std::nullopt;
}

Reachability
PairReachability(const std::vector<ProbeFlow>& flows, double sinceS, double durationS)
{
    // A pair counts once, and only as reachable when every one of its flows delivered.
    std::map<size_t, bool> pairs;
    for (const ProbeFlow& flow : flows)
    {
        if (flow.stopS && *flow.stopS <= durationS)
        {
            continue;
        }
        const bool delivered = FirstDeliverySince(flow, sinceS, durationS).has_value();
        auto [entry, inserted] = pairs.emplace(flow.pair, delivered);
        if (!inserted)
        {
            entry->second = entry->second && delivered;
        }
    }
    Reachability reachability;
    reachability.total = pairs.size();
    reachability.ok = std::count_if(pairs.begin(), pairs.end(),
                                    [](const auto& pair)
                                    {
                                        return pair.second;
                                    });
    return reachability;
}

ChangeCost
EventChangeCost(const Scenario& scenario, const Design& design, size_t eventIndex,
                const std::vector<PlannedPrefix>& prefixes)
{
    ChangeCost cost;
    for (const Site& site : scenario.sites)
    {
        cost.perGateway[site.gateway.name] = 0;
    }

    const ScenarioEvent& event = scenario.events.at(eventIndex);
    std::optional<Ipv4Prefix> changed;
    std::string siteName;
    if (const auto* added = std::get_if<SubnetAddEvent>(&event.action))
    {
        changed = added->subnet.prefix;
        siteName = added->site;
    }
    else if (const auto* removed = std::get_if<SubnetRemoveEvent>(&event.action))
    {
        changed = removed->prefix;
        siteName = removed->site;
    }
    if (!changed)
    {
        return cost; // link and gateway events change no configuration
    }

    size_t site = 0;
    while (scenario.sites[site].name != siteName)
    {
        ++site;
    }
    auto prefixesAt = [&prefixes, &event, &changed](size_t atSite)
    {
        uint64_t count = 0;
        for (const PlannedPrefix& prefix : prefixes)
        {
            count += prefix.site == atSite && prefix.prefix != *changed
                     && PrefixExistsAt(prefix, event.atS);
        }
        return count;
    };

    const std::string& gatewayName = scenario.sites[site].gateway.name;
    if (design.type == DesignType::PolicyBased)
    {
        // RFC 4301 s4.4.1: one selector pair per local and remote prefix, on both gateways.
        for (const Tunnel& tunnel : design.tunnels)
        {
            const size_t a = SiteOfGateway(scenario, tunnel.endpoints[0].gateway);
            const size_t b = SiteOfGateway(scenario, tunnel.endpoints[1].gateway);
            if (a != site && b != site)
            {
                continue;
            }
            const size_t remote = a == site ? b : a;
            const uint64_t pairs = prefixesAt(remote);
            cost.perGateway[gatewayName] += pairs;
            cost.perGateway[scenario.sites[remote].gateway.name] += pairs;
        }
    }
    else if (design.routing && design.routing->protocol == RoutingProtocol::Ospf)
    {
        // The new LAN interface joins OSPF as a passive interface; the peers learn it.
        cost.perGateway[gatewayName] = 1;
    }
    else
    {
        // Every other gateway routes the prefix through its tunnels to this site.
        const auto plan = PlanStaticRoutes(scenario, design);
        for (size_t other = 0; other < scenario.sites.size(); ++other)
        {
            if (other != site)
            {
                cost.perGateway[scenario.sites[other].gateway.name] += plan[other][site].size();
            }
        }
    }

    for (const auto& [gateway, count] : cost.perGateway)
    {
        cost.total += count;
    }
    return cost;
}

std::optional<double>
LastTimeUntil(const std::vector<double>& times, double untilS)
{
    std::optional<double> last;
    for (double time : times)
    {
        if (time <= untilS && (!last || time > *last))
        {
            last = time;
        }
    }
    return last;
}

} // namespace tunnelsim
