#include "metrics.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <map>
#include <stdexcept>

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

/// Adds @p count under @p kind, leaving out zeros so that absent means 0.
void
AddCount(ChangeCounts& counts, const char* kind, uint64_t count)
{
    if (count > 0)
    {
        counts[kind] += count;
    }
}

/// Number of elements of @p from that @p to lacks.
template<typename Set>
uint64_t
CountMissing(const Set& from, const Set& to)
{
    uint64_t missing = 0;
    for (const auto& element : from)
    {
        missing += to.count(element) == 0;
    }
    return missing;
}

/// Keys of @p from that @p to lacks, and keys of both whose values differ.
template<typename Map>
std::pair<uint64_t, uint64_t>
CountMissingAndChanged(const Map& from, const Map& to)
{
    uint64_t missing = 0;
    uint64_t changed = 0;
    for (const auto& [key, value] : from)
    {
        auto found = to.find(key);
        if (found == to.end())
        {
            ++missing;
        }
        else if (!(found->second == value))
        {
            ++changed;
        }
    }
    return {missing, changed};
}

/// Items an operator typed: the difference between before the event and right after it.
ChangeCounts
TypedItems(const GatewayState& before, const GatewayState& configured)
{
    ChangeCounts items;
    AddCount(items, kSelectorsAdded,
             CountMissing(configured.protectPolicies, before.protectPolicies));
    AddCount(items, kSelectorsRemoved,
             CountMissing(before.protectPolicies, configured.protectPolicies));
    AddCount(items, kStaticRoutesAdded, CountMissing(configured.staticRoutes, before.staticRoutes));
    AddCount(items, kStaticRoutesRemoved,
             CountMissing(before.staticRoutes, configured.staticRoutes));
    const auto [ospfAdded, ospfChanged]
        = CountMissingAndChanged(configured.ospfInterfaces, before.ospfInterfaces);
    AddCount(items, kOspfInterfacesAdded, ospfAdded);
    AddCount(items, kOspfInterfacesChanged, ospfChanged);
    AddCount(items, kOspfInterfacesRemoved,
             CountMissingAndChanged(before.ospfInterfaces, configured.ospfInterfaces).first);
    return items;
}

/// Changes the network made by itself: connected and OSPF routes and CHILD SAs over the
/// whole window, static routes only after the configuration step (the rest were typed).
ChangeCounts
NetworkEffects(const GatewayState& before, const GatewayState& configured,
               const GatewayState& settled)
{
    ChangeCounts effects;
    AddCount(effects, kConnectedRoutesAdded,
             CountMissing(settled.connectedRoutes, before.connectedRoutes));
    AddCount(effects, kConnectedRoutesRemoved,
             CountMissing(before.connectedRoutes, settled.connectedRoutes));
    const auto [ospfAdded, ospfChanged]
        = CountMissingAndChanged(settled.ospfRoutes, before.ospfRoutes);
    AddCount(effects, kOspfRoutesAdded, ospfAdded);
    AddCount(effects, kOspfRoutesChanged, ospfChanged);
    AddCount(effects, kOspfRoutesRemoved,
             CountMissingAndChanged(before.ospfRoutes, settled.ospfRoutes).first);
    AddCount(effects, kStaticRoutesWithdrawn,
             CountMissing(configured.staticRoutes, settled.staticRoutes));
    AddCount(effects, kStaticRoutesRestored,
             CountMissing(settled.staticRoutes, configured.staticRoutes));

    // A rekey replaces a CHILD SA without changing the active count, so whatever is active
    // neither from before nor newly negotiated was deleted.
    const uint64_t negotiated = settled.childSasEstablished >= before.childSasEstablished
                                    ? settled.childSasEstablished - before.childSasEstablished
                                    : 0;
    const uint64_t present = before.activeChildSas + negotiated;
    AddCount(effects, kChildSasNegotiated, negotiated);
    AddCount(effects, kChildSasDeleted,
             present > settled.activeChildSas ? present - settled.activeChildSas : 0);
    return effects;
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

EventChanges
MeasureEventChanges(const std::vector<std::string>& gateways,
                    const std::vector<GatewayState>& before,
                    const std::vector<GatewayState>& configured,
                    const std::vector<GatewayState>& settled)
{
    if (before.size() != gateways.size() || configured.size() != gateways.size()
        || settled.size() != gateways.size())
    {
        throw std::invalid_argument(fmt::format(
            "MeasureEventChanges: expected {} gateway states in each list, got {}, {} and {}",
            gateways.size(), before.size(), configured.size(), settled.size()));
    }
    EventChanges changes;
    for (size_t g = 0; g < gateways.size(); ++g)
    {
        const ChangeCounts items = TypedItems(before[g], configured[g]);
        uint64_t typed = 0;
        for (const auto& [kind, count] : items)
        {
            typed += count;
        }
        changes.changeCost.items[gateways[g]] = items;
        changes.changeCost.perGateway[gateways[g]] = typed;
        changes.changeCost.total += typed;
        changes.effects[gateways[g]] = NetworkEffects(before[g], configured[g], settled[g]);
    }
    return changes;
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
