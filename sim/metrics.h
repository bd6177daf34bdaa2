/*
 * Metrics computed from what a run recorded: convergence and reachability from the probe
 * flows, and the change cost of each event from the design's plan. Pure functions, so the
 * definitions can be tested without a simulation.
 *
 * Definitions (docs/running.md explains them for users):
 * - Cold-start convergence: the time from 0 until every probe flow present at the start
 *   delivered its first probe, if all did before @c untilS.
 * - Event convergence: the time from the event until every flow that exists after it
 *   delivered a probe sent at or after the event time, if all did before the next event
 *   (or the end of the run). A design that recovers only because a later event repairs
 *   the network does not converge from this one.
 * - Reachability: pairs whose flows exist at the end and all delivered a probe sent at or
 *   after the last event (or at any time without events).
 * - Change cost: configuration items an operator types on each gateway for an event, that
 *   is SPD selectors, static routes and OSPF interface statements added or removed.
 *   MeasureEventChanges counts them by comparing the gateway's state just before the event
 *   with the state right after its configuration was applied. Link failures and restarts
 *   type nothing, so they cost 0. EventChangeCost predicts the same counts from the plan.
 * - Effects: what the network did by itself from the event until the next one, or until
 *   the end of the run. They are connected routes that appeared or went, OSPF-learned
 *   routes added, removed or changed, static routes a tunnel withdrew or restored, and
 *   CHILD SAs negotiated and deleted.
 *
 * Limitations:
 * - Convergence is measured with the probes, so its resolution is the probe interval.
 * - Effects are counted up to the next event, so a later event that undoes a change (a
 *   link that fails and returns) shows the two halves separately. Of several events at the
 *   same time, the last one applied gets the effects that take simulated time.
 */
#ifndef TUNNELSIM_SIM_METRICS_H
#define TUNNELSIM_SIM_METRICS_H

#include "probe.h"
#include "results.h"
#include "runner-plan.h"
#include "scenario.h"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace tunnelsim
{

/** Seconds from 0 until every flow present at the start delivered a probe before @p untilS. */
std::optional<double> ColdStartConvergence(const std::vector<ProbeFlow>& flows, double untilS);

/**
 * Seconds from @p eventS until every flow that exists after the event delivered a probe
 * sent at or after @p eventS, arriving before @p windowEndS; nullopt if one never did.
 */
std::optional<double> EventRecoveryTime(const std::vector<ProbeFlow>& flows, double eventS,
                                        double windowEndS);

/**
 * Reachability at the end of a run of @p durationS: pairs whose flows all delivered a probe
 * sent at or after @p sinceS, out of the pairs whose flows exist at the end.
 */
Reachability PairReachability(const std::vector<ProbeFlow>& flows, double sinceS, double durationS);

/**
 * Configuration items per gateway that @p design needs for event @p eventIndex, predicted
 * from the plan (totals only, no items); the runner measures them instead.
 */
ChangeCost EventChangeCost(const Scenario& scenario, const Design& design, size_t eventIndex,
                           const std::vector<PlannedPrefix>& prefixes);

/** One routing table entry as the change counts compare it; addresses in host byte order. */
struct RouteEntry
{
    uint32_t network = 0;
    uint32_t mask = 0;
    uint32_t nextHop = 0; ///< 0.0.0.0 for a route out of an interface
    uint32_t interface = 0;
    uint32_t metric = 0; ///< static route metric, or OSPF cost

    bool operator<(const RouteEntry& other) const
    {
        return std::tie(network, mask, nextHop, interface, metric)
               < std::tie(other.network, other.mask, other.nextHop, other.interface, other.metric);
    }

    bool operator==(const RouteEntry& other) const { return !(*this < other) && !(other < *this); }
};

/** OSPF settings of one interface that runs OSPF. */
struct OspfInterfaceEntry
{
    bool passive = false;
    uint32_t cost = 0; ///< configured cost, 0 when the default applies

    bool operator==(const OspfInterfaceEntry& other) const
    {
        return passive == other.passive && cost == other.cost;
    }
};

/** The parts of one gateway that events change, read from its models at one instant. */
struct GatewayState
{
    std::set<uint32_t> protectPolicies; ///< SPD PROTECT entry ids (never reused by the SPD)
    std::set<RouteEntry> staticRoutes;  ///< static routing entries that are not connected
    /// Routes to a network that an address of the outgoing interface belongs to.
    std::set<RouteEntry> connectedRoutes;
    /// OSPF routes to networks that are not connected, keyed by (network, mask).
    std::map<std::pair<uint32_t, uint32_t>, RouteEntry> ospfRoutes;
    std::map<uint32_t, OspfInterfaceEntry> ospfInterfaces; ///< interface -> settings
    uint64_t childSasEstablished = 0; ///< the IKE endpoint's count of new CHILD SAs so far
    uint64_t activeChildSas = 0;      ///< installed CHILD SA pairs over its connections
};

/** The measured change cost and effects of one event. */
struct EventChanges
{
    ChangeCost changeCost;
    PerGatewayChanges effects;
};

/**
 * Count the change cost and effects of one event on gateways @p gateways. The states are
 * read just before the event (@p before), right after its configuration was applied
 * (@p configured), and just before the next event or at the end of the run (@p settled).
 * All four lists are in the same gateway order. Each gateway gets an entry in items and
 * effects, empty when nothing changed there. Throws std::invalid_argument when a list
 * has another length.
 */
EventChanges MeasureEventChanges(const std::vector<std::string>& gateways,
                                 const std::vector<GatewayState>& before,
                                 const std::vector<GatewayState>& configured,
                                 const std::vector<GatewayState>& settled);

/// The last of @p times that is at most @p untilS; nullopt when there is none.
std::optional<double> LastTimeUntil(const std::vector<double>& times, double untilS);

} // namespace tunnelsim

#endif
