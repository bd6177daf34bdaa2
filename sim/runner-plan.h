/*
 * What a design configures on the scenario's network, computed from the scenario alone: the
 * LAN prefixes each site has over time, the probe pairs, the policy-based selector pairs and
 * the static routes of a route-based design. The runner installs these plans, and the
 * change cost counts them. No ns-3 here.
 *
 * Limitations:
 * - Static routes between sites without a direct tunnel follow the path with the fewest
 *   tunnels; floating routes exist only for site pairs with more than one direct tunnel.
 */
#ifndef TUNNELSIM_SIM_RUNNER_PLAN_H
#define TUNNELSIM_SIM_RUNNER_PLAN_H

#include "scenario.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace tunnelsim
{

/**
 * A protected prefix of a site (a subnet or one host of a host LAN) and when it exists:
 * from @c addedS (0 at the start) until @c removedS (unset: the end of the run).
 */
struct PlannedPrefix
{
    size_t site = 0;
    Ipv4Prefix prefix;
    uint32_t probeHost = 0; ///< the host that sends and receives this prefix's probes
    double addedS = 0;
    std::optional<double> removedS;
    bool presentAtStart = true;
};

/** Every protected prefix that exists at some time of the run, in a stable order. */
std::vector<PlannedPrefix> PlanPrefixes(const Scenario& scenario);

/// True when @p prefix exists at @p timeS (added at or before it, not yet removed).
bool PrefixExistsAt(const PlannedPrefix& prefix, double timeS);

/**
 * A subnet pair for probes: two protected prefixes of different sites (first's site lower),
 * probed while both exist.
 */
struct PlannedPair
{
    size_t first = 0;  ///< index into the PlanPrefixes list
    size_t second = 0; ///< index into the PlanPrefixes list
    double startS = 0;
    std::optional<double> stopS;
    bool presentAtStart = true;
};

/** Every pair of prefixes of different sites that coexist for a while, in a stable order. */
std::vector<PlannedPair> PlanPairs(const Scenario& scenario,
                                   const std::vector<PlannedPrefix>& prefixes);

/**
 * Prefixes that route-based designs route to site @p site at @p timeS: its subnets, and its
 * host LAN's whole prefix (routes cover the LAN, selectors the single hosts).
 */
std::vector<Ipv4Prefix> RoutedPrefixes(const Scenario& scenario, size_t site, double timeS);

/// Index of the site whose gateway is named @p gateway.
size_t SiteOfGateway(const Scenario& scenario, const std::string& gateway);

/** One static route of a route-based design: through @p tunnel with @p metric. */
struct PlannedRoute
{
    size_t tunnel = 0;
    uint32_t metric = 0; ///< 0 primary, 1, 2, ... floating routes
};

/**
 * Static routes of @p design: element [g][s] lists the routes gateway g (site order)
 * installs towards every routed prefix of site s; empty for g's own site.
 */
std::vector<std::vector<std::vector<PlannedRoute>>> PlanStaticRoutes(const Scenario& scenario,
                                                                     const Design& design);

/**
 * Policy-based selector pairs of @p design, from each tunnel's first gateway: one per local
 * and remote protected prefix. @p atStart true gives the pairs whose prefixes both exist at
 * the start, false the pairs that involve a prefix added later.
 */
struct PlannedSelector
{
    size_t tunnel = 0;
    size_t local = 0;  ///< index into the PlanPrefixes list
    size_t remote = 0; ///< index into the PlanPrefixes list
};

std::vector<PlannedSelector> PlanSelectors(const Scenario& scenario, const Design& design,
                                           const std::vector<PlannedPrefix>& prefixes,
                                           bool atStart);

} // namespace tunnelsim

#endif
