/*
 * The comparison table that `simrun SCENARIO.json` prints: one column per design, one row per
 * metric, rendered from the results struct alone (never from a run's own bookkeeping).
 */
#ifndef TUNNELSIM_SIM_TABLE_H
#define TUNNELSIM_SIM_TABLE_H

#include "results.h"

#include <string>

namespace tunnelsim
{

/**
 * The table of @p results: selectors per gateway and in total, CHILD SAs, SAs and routes,
 * reachability, convergence at the start and after each event with its change cost and,
 * per gateway, what was configured and what the network did by itself, goodput, wire bytes per
 * payload byte, drops by reason and the crypto cost model.
 */
std::string FormatResultsTable(const Results& results);

} // namespace tunnelsim

#endif
