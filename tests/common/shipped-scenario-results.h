// Loads a shipped scenario and runs it once per test program, for the runner tests that
// read its results.
#ifndef TUNNELSIM_TESTS_SHIPPED_SCENARIO_RESULTS_H
#define TUNNELSIM_TESTS_SHIPPED_SCENARIO_RESULTS_H

#include "runner.h"
#include "scenario-loader.h"

#include <filesystem>
#include <gtest/gtest.h>
#include <map>
#include <string>
#include <vector>

namespace tunnelsim
{

/// Load scenarios/NAME.json; a load error fails the calling test and returns an empty scenario.
inline Scenario
LoadShipped(const std::string& name)
{
    const std::filesystem::path path
        = std::filesystem::path(TUNNELSIM_SOURCE_DIR) / "scenarios" / (name + ".json");
    ScenarioLoadResult loaded = LoadScenarioFile(path.string());
    EXPECT_TRUE(loaded.Ok()) << loaded.FormatErrors(path.string());
    return loaded.Ok() ? *loaded.scenario : Scenario{};
}

/// Remove every design of @p scenario but the one named @p name; a missing design fails the
/// calling test.
inline void
KeepOnlyDesign(Scenario& scenario, const std::string& name)
{
    std::vector<Design> selected;
    for (const Design& design : scenario.designs)
    {
        if (design.name == name)
        {
            selected.push_back(design);
        }
    }
    ASSERT_EQ(selected.size(), 1u) << "no single design " << name;
    scenario.designs = selected;
}

/// Run scenarios/NAME.json on first use and keep its results for the rest of the program.
inline const Results&
ResultsOf(const std::string& name)
{
    static std::map<std::string, Results> cache;
    auto found = cache.find(name);
    if (found == cache.end())
    {
        found = cache.emplace(name, RunScenario(LoadShipped(name), RunOutputs{})).first;
    }
    return found->second;
}

/// The results of design @p name; a missing design fails the calling test.
inline const DesignResults&
DesignOf(const Results& results, const std::string& name)
{
    for (const DesignResults& design : results.designs)
    {
        if (design.name == name)
        {
            return design;
        }
    }
    ADD_FAILURE() << "no design " << name;
    return results.designs.front();
}

} // namespace tunnelsim

#endif
