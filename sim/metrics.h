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
 * - Change cost: configuration items an operator touches on each gateway: selectors
 *   (policy-based), static routes, or OSPF interface statements. Link failures and
 *   restarts need no configuration, so they cost 0.
 *
 * Limitations:
 * - Convergence is measured with the probes, so its resolution is the probe interval.
 */
#ifndef TUNNELSIM_SIM_METRICS_H
#define TUNNELSIM_SIM_METRICS_H

#include "probe.h"
#include "results.h"
#include "runner-plan.h"
#include "scenario.h"

#include <optional>
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

/** Configuration items per gateway that @p design needs for event @p eventIndex. */
ChangeCost EventChangeCost(const Scenario& scenario, const Design& design, size_t eventIndex,
                           const std::vector<PlannedPrefix>& prefixes);

/// The last of @p times that is at most @p untilS; nullopt when there is none.
std::optional<double> LastTimeUntil(const std::vector<double>& times, double untilS);

} // namespace tunnelsim

#endif
