// Every shipped scenario, run in-process, against its baseline in results/baseline with the
// comparison of `simrun compare` (CompareResults, default tolerances). A deliberate model
// change that moves a metric needs new baselines: see docs/running.md.
#include "compare.h"
#include "runner.h"
#include "scenario-loader.h"

#include <algorithm>
#include <filesystem>
#include <gtest/gtest.h>

namespace tunnelsim
{
namespace
{

namespace fs = std::filesystem;

std::vector<fs::path>
ShippedScenarios()
{
    std::vector<fs::path> files;
    for (const fs::directory_entry& entry :
         fs::directory_iterator(fs::path(TUNNELSIM_SOURCE_DIR) / "scenarios"))
    {
        if (entry.path().extension() == ".json"
            && entry.path().filename() != "scenario.schema.json")
        {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

class BaselineTest : public ::testing::TestWithParam<fs::path>
{
};

TEST_P(BaselineTest, MatchesBaseline)
{
    ScenarioLoadResult loaded = LoadScenarioFile(GetParam().string());
    ASSERT_TRUE(loaded.Ok()) << loaded.FormatErrors(GetParam().string());

    const std::string baselineDirectory
        = (fs::path(TUNNELSIM_SOURCE_DIR) / "results" / "baseline").string();
    for (const Scenario& run : ExpandSweep(*loaded.scenario))
    {
        const ResultsReadResult baseline
            = ReadResultsFile(ResultsPath(baselineDirectory, run.name));
        ASSERT_TRUE(baseline.results.has_value()) << run.name << ": " << baseline.error;

        const Results results = RunScenario(run, RunOutputs{});
        const ComparisonReport report
            = CompareResults(*baseline.results, results, CompareTolerances{});
        EXPECT_FALSE(report.Regressed()) << run.name << "\n" << FormatComparison(report, false);
        EXPECT_EQ(report.Count(Verdict::Added), 0u) << run.name << "\n"
                                                    << FormatComparison(report, false);
    }
}

std::string
ScenarioName(const ::testing::TestParamInfo<fs::path>& info)
{
    std::string name = info.param.stem().string();
    std::replace(name.begin(), name.end(), '-', '_');
    return name;
}

INSTANTIATE_TEST_SUITE_P(Shipped, BaselineTest, ::testing::ValuesIn(ShippedScenarios()),
                         ScenarioName);

} // namespace
} // namespace tunnelsim
