// `simrun SCENARIO.json` through RunSimrun, in-process: exit codes, the results file, the
// same bytes for the same scenario and seed, and the packet walk built from the run's traces.
//
// The runs use two-subnets (two LANs per site, policy-based and GRE over IPsec with static
// routes, 30 s) and one-subnet (one LAN per site, adds a VTI design):
//
//   10.1.1.0/24 --.                                   .-- 10.2.2.0/24
//   10.1.5.0/24 --- gw-a --- isp --- gw-b ------------ 10.2.6.0/24
#include "results.h"
#include "simrun-capture.h"
#include "simrun-cli.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <iostream>
#include <sstream>
#include <unistd.h>

namespace tunnelsim
{
namespace
{

namespace fs = std::filesystem;

std::string
ShippedScenario(const std::string& name)
{
    return (fs::path(TUNNELSIM_SOURCE_DIR) / "scenarios" / (name + ".json")).string();
}

std::string
ReadFile(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

class SimrunScenarioTest : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        std::string pattern = (fs::path(TUNNELSIM_BINARY_DIR) / "runner-cli-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        m_dir = pattern;
    }

    void TearDown() override { fs::remove_all(m_dir); }

    /// Write @p text as a scenario file and return its path.
    std::string WriteScenario(const std::string& text) const
    {
        const fs::path path = m_dir / "scenario.json";
        std::ofstream(path) << text;
        return path.string();
    }

    fs::path m_dir;
};

TEST_F(SimrunScenarioTest, InvalidScenarioExitsTwo)
{
    // Two errors of the first pass: a format version and a prefix with host bits set.
    std::string text = ReadFile(ShippedScenario("two-subnets"));
    text.replace(text.find("\"format_version\": 1"), 19, "\"format_version\": 9");
    text.replace(text.find("10.1.5.0/24"), 11, "10.1.5.1/24");
    const SimrunOutput run
        = RunSimrunCaptured({WriteScenario(text), "--out", (m_dir / "out").string()});

    EXPECT_EQ(run.exitCode, kExitInvalidInput);
    EXPECT_NE(run.err.find("/format_version"), std::string::npos) << run.err;
    EXPECT_NE(run.err.find("/sites/0/subnets/1/prefix"), std::string::npos) << run.err;
    EXPECT_FALSE(fs::exists(m_dir / "out"));
}

TEST_F(SimrunScenarioTest, MissingFileExitsTwo)
{
    const SimrunOutput run = RunSimrunCaptured({(m_dir / "absent.json").string()});
    EXPECT_EQ(run.exitCode, kExitInvalidInput);
    EXPECT_NE(run.err.find("absent.json"), std::string::npos) << run.err;
}

TEST_F(SimrunScenarioTest, SeedZeroRejected)
{
    const SimrunOutput run = RunSimrunCaptured({ShippedScenario("two-subnets"), "--seed", "0"});
    EXPECT_EQ(run.exitCode, kExitInvalidInput);
}

TEST_F(SimrunScenarioTest, WritesResultsAndTable)
{
    const fs::path out = m_dir / "out";
    const SimrunOutput run
        = RunSimrunCaptured({ShippedScenario("two-subnets"), "--out", out.string(), "--quiet"});

    ASSERT_EQ(run.exitCode, kExitOk) << run.err;
    EXPECT_TRUE(run.err.empty()) << run.err;
    const ResultsReadResult read = ReadResultsFile((out / "two-subnets.json").string());
    ASSERT_TRUE(read.results.has_value()) << read.error;
    EXPECT_EQ(read.results->scenario, "two-subnets");
    ASSERT_EQ(read.results->designs.size(), 2u);
    // The table shows each design's selector count from the file's numbers.
    EXPECT_NE(run.out.find("selectors (SPD PROTECT)"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find(std::to_string(read.results->designs[0].selectors.total)),
              std::string::npos);
}

TEST_F(SimrunScenarioTest, SameSeedSameBytes)
{
    const fs::path first = m_dir / "first";
    const fs::path second = m_dir / "second";
    ASSERT_EQ(
        RunSimrunCaptured({ShippedScenario("two-subnets"), "--out", first.string(), "--quiet"})
            .exitCode,
        kExitOk);
    ASSERT_EQ(
        RunSimrunCaptured({ShippedScenario("two-subnets"), "--out", second.string(), "--quiet"})
            .exitCode,
        kExitOk);
    const std::string a = ReadFile(first / "two-subnets.json");
    EXPECT_FALSE(a.empty());
    EXPECT_EQ(a, ReadFile(second / "two-subnets.json"));
}

TEST_F(SimrunScenarioTest, SeedOverridesScenario)
{
    const fs::path out = m_dir / "out";
    ASSERT_EQ(RunSimrunCaptured(
                  {ShippedScenario("two-subnets"), "--out", out.string(), "--quiet", "--seed", "7"})
                  .exitCode,
              kExitOk);
    const ResultsReadResult read = ReadResultsFile((out / "two-subnets.json").string());
    ASSERT_TRUE(read.results.has_value()) << read.error;
    EXPECT_EQ(read.results->seed, 7u);
}

TEST_F(SimrunScenarioTest, SweepWritesOneFilePerPoint)
{
    // subnet-growth with a sweep of 1 to 2 subnets per site and 5 s of run time.
    std::string text = ReadFile(ShippedScenario("subnet-growth"));
    text.replace(text.find("\"max\": 10"), 9, "\"max\": 2");
    text.replace(text.find("\"duration_s\": 30"), 16, "\"duration_s\": 5");
    const fs::path out = m_dir / "out";
    const SimrunOutput run
        = RunSimrunCaptured({WriteScenario(text), "--out", out.string(), "--quiet"});

    ASSERT_EQ(run.exitCode, kExitOk) << run.err;
    for (uint32_t subnets : {1u, 2u})
    {
        const fs::path path = out / ("subnet-growth.subnets-" + std::to_string(subnets) + ".json");
        const ResultsReadResult read = ReadResultsFile(path.string());
        ASSERT_TRUE(read.results.has_value()) << read.error;
        ASSERT_TRUE(read.results->sweep.has_value());
        EXPECT_EQ(read.results->sweep->value, subnets);
        EXPECT_EQ(read.results->designs.at(0).selectors.total, 2u * subnets * subnets);
    }
}

TEST_F(SimrunScenarioTest, WalkShowsPolicyDecision)
{
    const SimrunOutput run = RunSimrunCaptured(
        {ShippedScenario("one-subnet"), "--out", (m_dir / "out").string(), "--quiet", "--walk"});
    ASSERT_EQ(run.exitCode, kExitOk) << run.err;

    const size_t policy = run.out.find("walk of one probe through design policy");
    const size_t gre = run.out.find("walk of one probe through design gre-static");
    const size_t vti = run.out.find("walk of one probe through design vti-static");
    ASSERT_NE(policy, std::string::npos) << run.out;
    ASSERT_NE(gre, std::string::npos) << run.out;
    ASSERT_NE(vti, std::string::npos) << run.out;
    const std::string policyWalk = run.out.substr(policy, gre - policy);
    const std::string greWalk = run.out.substr(gre, vti - gre);

    // Policy-based: the SPD entry of the LAN pair decides, ESP is added in tunnel mode.
    EXPECT_NE(policyWalk.find("decided by: SPD entry"), std::string::npos) << policyWalk;
    EXPECT_NE(policyWalk.find("10.1.1.0/24 <-> 10.2.2.0/24"), std::string::npos) << policyWalk;
    EXPECT_NE(policyWalk.find("added: IPv4 192.0.2.1 > 198.51.100.1 | ESP"), std::string::npos)
        << policyWalk;
    EXPECT_NE(policyWalk.find("host-10.2.2.2 receives on"), std::string::npos) << policyWalk;
    // Route-based: a route into the GRE interface, then GRE, then ESP.
    EXPECT_NE(greWalk.find("(gre)"), std::string::npos) << greWalk;
    EXPECT_NE(greWalk.find("added: IPv4 192.0.2.1 > 198.51.100.1 | GRE"), std::string::npos)
        << greWalk;
    EXPECT_NE(greWalk.find("proto=47"), std::string::npos) << greWalk;
    EXPECT_NE(greWalk.find("removed: IPv4 192.0.2.1 > 198.51.100.1 | GRE"), std::string::npos)
        << greWalk;
}

} // namespace
} // namespace tunnelsim
