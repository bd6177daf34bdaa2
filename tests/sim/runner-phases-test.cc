// Cold-start phases on the shipped three-subnets topology (tests/sim/runner-counts-test.cc
// draws it): the time of the last CHILD SA counts new CHILD SAs only, so rekeys later in
// the run do not move it.
#include "runner.h"
#include "shipped-scenario-results.h"

#include <gtest/gtest.h>

namespace tunnelsim
{
namespace
{

TEST(ConvergencePhases, RekeysLeaveLastChildSa)
{
    Scenario scenario = LoadShipped("three-subnets");
    ASSERT_FALSE(scenario.designs.empty());
    scenario.designs.resize(1);
    // Short CHILD SA lifetimes make the SAs rekey several times before the first event.
    const double lifetimeS = 5;
    scenario.designs[0].ike.childSaLifetimeS = lifetimeS;
    scenario.events.clear();
    ASSERT_GT(scenario.durationS, 4 * lifetimeS);

    const Results results = RunScenario(scenario, RunOutputs{});
    ASSERT_EQ(results.designs.size(), 1u);
    const ConvergencePhases& phases = results.designs[0].convergence.phases;
    ASSERT_TRUE(phases.ikeEstablishedS.has_value());
    // The first negotiation finishes in well under a lifetime; a rekey would come later.
    EXPECT_LT(*phases.ikeEstablishedS, lifetimeS / 2);
    EXPECT_EQ(results.designs[0].reachability.ok, results.designs[0].reachability.total);
}

} // namespace
} // namespace tunnelsim
