// tools/compare run as a program, the way CI runs it against results/baseline: a copy of a
// shipped baseline with one value changed must make it exit non-zero and name the metric.
// The baseline comparisons of the shipped scenarios themselves are CTest tests
// (baseline-run-* and baseline-*, tests/CMakeLists.txt).
#include "compare.h"
#include "run-command.h"

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace tunnelsim
{
namespace
{

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kBaseline
    = fs::path(TUNNELSIM_SOURCE_DIR) / "results" / "baseline" / "three-subnets.json";

/// Run tools/compare on @p baseline and @p results with the simrun of this build tree;
/// the text is standard output and standard error together.
test::CommandOutput
RunCompareTool(const fs::path& baseline, const fs::path& results)
{
    const std::string command = "TUNNELSIM_SIMRUN='" + std::string(TUNNELSIM_BINARY_DIR)
                                + "/sim/simrun' '" + std::string(TUNNELSIM_SOURCE_DIR)
                                + "/tools/compare' '" + baseline.string() + "' '" + results.string()
                                + "' 2>&1";
    return test::RunShell(command);
}

/// A directory of its own under the system temporary directory, removed at the end.
class TempDir
{
  public:
    TempDir()
      : m_path(fs::temp_directory_path()
               / ("tunnelsim-compare-tool-" + std::to_string(::getpid()) + "-"
                  + ::testing::UnitTest::GetInstance()->current_test_info()->name()))
    {
        fs::create_directories(m_path);
    }

    ~TempDir()
    {
        std::error_code ignored;
        fs::remove_all(m_path, ignored);
    }

    fs::path File(const std::string& name) const { return m_path / name; }

  private:
    fs::path m_path;
};

json
ReadJson(const fs::path& path)
{
    std::ifstream in(path);
    return json::parse(in);
}

void
WriteJson(const fs::path& path, const json& document)
{
    std::ofstream out(path);
    out << document.dump(2) << '\n';
}

TEST(CompareTool, UnchangedCopyPasses)
{
    TempDir dir;
    const fs::path copy = dir.File("copy.json");
    WriteJson(copy, ReadJson(kBaseline));
    const test::CommandOutput output = RunCompareTool(kBaseline, copy);
    EXPECT_EQ(output.exitCode, kCompareExitNoRegression) << output.text;
    EXPECT_EQ(output.text.find("REGRESSION"), std::string::npos) << output.text;
}

struct ChangedBaselineCase
{
    const char* name;
    std::function<void(json&)> change;
    std::string metric; ///< dotted metric name the table must show
};

TEST(CompareTool, ChangedBaselineFails)
{
    const ChangedBaselineCase cases[] = {
        {"count one higher",
         [](json& d)
         {
             json& pairs = d["designs"][0]["sas"]["child_sa_pairs"];
             pairs = pairs.get<uint64_t>() + 1;
         },
         "sas.child_sa_pairs"},
        {"time doubled",
         [](json& d)
         {
             json& time = d["designs"][0]["convergence"]["all_pairs_reachable_s"];
             time = time.get<double>() * 2;
         },
         "convergence.all_pairs_reachable_s"},
    };
    TempDir dir;
    const json original = ReadJson(kBaseline);
    for (const ChangedBaselineCase& c : cases)
    {
        SCOPED_TRACE(c.name);
        json changed = original;
        c.change(changed);
        const fs::path path = dir.File("changed.json");
        WriteJson(path, changed);

        const test::CommandOutput output = RunCompareTool(path, kBaseline);
        EXPECT_EQ(output.exitCode, kCompareExitRegression) << output.text;
        EXPECT_NE(output.text.find(c.metric), std::string::npos) << output.text;
        EXPECT_NE(output.text.find("REGRESSION"), std::string::npos) << output.text;
    }
}

TEST(CompareTool, MissingResultsFileIsUnreadable)
{
    TempDir dir;
    const test::CommandOutput output = RunCompareTool(kBaseline, dir.File("absent.json"));
    EXPECT_EQ(output.exitCode, kCompareExitUnreadableInput) << output.text;
    EXPECT_NE(output.text.find("absent.json"), std::string::npos) << output.text;
}

TEST(CompareTool, MissingSimrunExitsTwo)
{
    TempDir dir;
    const fs::path absent = dir.File("no-such-simrun");
    const std::string command = "TUNNELSIM_SIMRUN='" + absent.string() + "' '"
                                + std::string(TUNNELSIM_SOURCE_DIR) + "/tools/compare' '"
                                + kBaseline.string() + "' '" + kBaseline.string() + "' 2>&1";
    const test::CommandOutput output = test::RunShell(command);

    EXPECT_EQ(output.exitCode, kCompareExitUnreadableInput) << output.text;
    EXPECT_NE(output.text.find(absent.string()), std::string::npos) << output.text;
    EXPECT_NE(output.text.find("TUNNELSIM_SIMRUN"), std::string::npos) << output.text;
}

} // namespace
} // namespace tunnelsim
