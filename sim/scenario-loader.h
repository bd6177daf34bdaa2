/*
 * Load a scenario file into the Scenario struct tree and validate all of it before anything
 * runs. docs/scenario-format.md describes the format and lists every rule.
 *
 * Validation runs in two passes. The first checks the structure of the whole file: JSON
 * syntax, duplicate and unknown keys, missing keys, types, ranges, names, addresses and
 * prefixes, and combinations of settings inside one design. When the structure is sound,
 * the second checks the network as a whole: duplicate names, undefined references, overlaps,
 * WAN and tunnel connectivity, traffic and event times. Each pass collects every error
 * it finds.
 *
 * Limitations:
 * - Errors of the second pass appear only once the first pass finds none.
 * - JSON syntax errors stop at the first one, since the parser cannot resynchronise.
 * - The tunnel MTU check runs only when the network and the design's tunnels have no other
 *   error, since it follows WAN paths.
 */
#ifndef TUNNELSIM_SIM_SCENARIO_LOADER_H
#define TUNNELSIM_SIM_SCENARIO_LOADER_H

#include "scenario-error.h"
#include "scenario.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tunnelsim
{

struct ScenarioLoadResult
{
    /// Set only when there are no errors.
    std::optional<Scenario> scenario;
    std::vector<ScenarioError> errors;

    bool Ok() const { return scenario.has_value(); }

    /// Every error, one per line, each prefixed with @p source (a file name) when given.
    std::string FormatErrors(std::string_view source = "") const;
};

/**
 * Parse and validate scenario JSON text. Relative paths in it (crypto_engine.table) are
 * resolved against @p baseDirectory, the scenario file's directory; empty means the
 * working directory.
 */
ScenarioLoadResult ParseScenario(std::string_view text, std::string_view baseDirectory = "");

/** Read and validate a scenario file; an unreadable file is one error at pointer "". */
ScenarioLoadResult LoadScenarioFile(const std::string& path);

/**
 * Run the second validation pass on a scenario built in code, or on one run of a sweep.
 * Pointers are computed from the vector indices, which match the file's array indices for
 * a scenario that ParseScenario returned.
 */
std::vector<ScenarioError> ValidateScenario(const Scenario& scenario);

} // namespace tunnelsim

#endif
