// `simrun SCENARIO.json` through RunSimrun, in-process: exit codes, the results file, the
// same bytes for the same scenario and seed, and the packet walk built from the run's traces.
//
// The runs use two-subnets (two LANs per site, policy-based and GRE over IPsec with static
// routes, 30 s) and one-subnet (one LAN per site, adds a VTI design):
//
//   10.1.1.0/24 --.                                   .-- 10.2.2.0/24
//   10.1.5.0/24 --- gw-a --- isp --- gw-b ------------ 10.2.6.0/24
#include "results.h"
#include "runner.h"
#include "scenario-loader.h"
#include "simrun-capture.h"
#include "simrun-cli.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <iostream>
#include <nlohmann/json.hpp>
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
    EXPECT_NE(run.err.find("must be a whole number from 1 to"), std::string::npos) << run.err;
}

TEST_F(SimrunScenarioTest, SeedNotNumberRejected)
{
    const SimrunOutput run = RunSimrunCaptured({ShippedScenario("two-subnets"), "--seed", "abc"});
    EXPECT_EQ(run.exitCode, kExitInvalidInput);
    EXPECT_NE(run.err.find("must be a whole number from 1 to"), std::string::npos) << run.err;
    EXPECT_NE(run.err.find("got abc"), std::string::npos) << run.err;
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

/// subnet-growth with a sweep of 1 to 2 subnets per site, 5 s of run time and without its
/// events.
std::string
ShortSubnetGrowth()
{
    nlohmann::json scenario = nlohmann::json::parse(ReadFile(ShippedScenario("subnet-growth")));
    scenario["sweep"]["subnets_per_site"]["max"] = 2;
    scenario["duration_s"] = 5;
    scenario.erase("events");
    return scenario.dump(2);
}

TEST_F(SimrunScenarioTest, SweepWritesOneFilePerPoint)
{
    const std::string text = ShortSubnetGrowth();
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

TEST_F(SimrunScenarioTest, NoArgumentsPrintsUsage)
{
    const SimrunOutput run = RunSimrunCaptured({});
    EXPECT_EQ(run.exitCode, kExitInvalidInput);
    EXPECT_TRUE(run.out.empty()) << run.out;
    EXPECT_NE(run.err.find("Usage:"), std::string::npos) << run.err;
}

TEST_F(SimrunScenarioTest, OptionsWithoutScenarioPrintUsage)
{
    const SimrunOutput run = RunSimrunCaptured({"--quiet", "--out", (m_dir / "out").string()});
    EXPECT_EQ(run.exitCode, kExitInvalidInput);
    EXPECT_NE(run.err.find("missing a scenario file"), std::string::npos) << run.err;
    EXPECT_NE(run.err.find("Usage:"), std::string::npos) << run.err;
}

TEST_F(SimrunScenarioTest, UnwritableOutRejectedBeforeRun)
{
    // A directory cannot be created below a regular file, not even by root.
    const fs::path file = m_dir / "plain-file";
    std::ofstream(file) << "x";
    const fs::path out = file / "out";
    const SimrunOutput run
        = RunSimrunCaptured({ShippedScenario("two-subnets"), "--out", out.string()});

    EXPECT_EQ(run.exitCode, kExitInvalidInput);
    EXPECT_NE(run.err.find(out.string()), std::string::npos) << run.err;
    EXPECT_NE(run.err.find("Not a directory"), std::string::npos) << run.err;
    // No design ran, so no table was printed.
    EXPECT_TRUE(run.out.empty()) << run.out;
}

TEST_F(SimrunScenarioTest, UnwritablePcapRejectedBeforeRun)
{
    const fs::path file = m_dir / "plain-file";
    std::ofstream(file) << "x";
    const fs::path pcap = file / "pcap";
    const SimrunOutput run = RunSimrunCaptured({ShippedScenario("two-subnets"), "--out",
                                                (m_dir / "out").string(), "--pcap", pcap.string()});

    EXPECT_EQ(run.exitCode, kExitInvalidInput);
    EXPECT_NE(run.err.find(pcap.string()), std::string::npos) << run.err;
    EXPECT_TRUE(run.out.empty()) << run.out;
}

TEST_F(SimrunScenarioTest, SweepReportsChangeCostPerSize)
{
    // Each sweep point adds one LAN at branch-a and removes it. Policy-based needs a selector
    // per remote LAN on each gateway, and static GRE one route on the far gateway.
    nlohmann::json scenario = nlohmann::json::parse(ReadFile(ShippedScenario("subnet-growth")));
    scenario["sweep"]["subnets_per_site"]["max"] = 3;
    scenario["duration_s"] = 6;
    scenario["events"][0]["at_s"] = 3;
    scenario["events"][1]["at_s"] = 5;
    const fs::path out = m_dir / "out";
    const SimrunOutput run
        = RunSimrunCaptured({WriteScenario(scenario.dump(2)), "--out", out.string(), "--quiet"});
    ASSERT_EQ(run.exitCode, kExitOk) << run.err;

    for (uint32_t subnets : {1u, 2u, 3u})
    {
        const fs::path path = out / ("subnet-growth.subnets-" + std::to_string(subnets) + ".json");
        const ResultsReadResult read = ReadResultsFile(path.string());
        ASSERT_TRUE(read.results.has_value()) << read.error;
        const auto& designs = read.results->designs;
        ASSERT_EQ(designs.size(), 4u);
        ASSERT_EQ(designs[0].convergence.events.size(), 2u);
        ASSERT_EQ(designs[1].convergence.events.size(), 2u);
        EXPECT_EQ(designs[0].convergence.events[0].changeCost.total, 2u * subnets) << subnets;
        EXPECT_EQ(designs[1].convergence.events[0].changeCost.total, 1u) << subnets;
        // The LAN leaves again, so the end state is that of the size itself.
        EXPECT_EQ(designs[0].convergence.events[1].changeCost.total, 2u * subnets) << subnets;
        EXPECT_EQ(designs[0].selectors.total, 2u * subnets * subnets) << subnets;
    }
}

TEST_F(SimrunScenarioTest, SweepPcapsPerPoint)
{
    const std::string text = ShortSubnetGrowth();
    const fs::path pcap = m_dir / "pcap";
    const SimrunOutput run
        = RunSimrunCaptured({WriteScenario(text), "--out", (m_dir / "out").string(), "--quiet",
                             "--pcap", pcap.string()});
    ASSERT_EQ(run.exitCode, kExitOk) << run.err;

    const Scenario scenario = *LoadScenarioFile(ShippedScenario("subnet-growth")).scenario;
    for (const std::string point : {"subnet-growth.subnets-1", "subnet-growth.subnets-2"})
    {
        for (const Design& design : scenario.designs)
        {
            const fs::path saFile = pcap / (point + "." + design.name + ".esp_sa");
            EXPECT_TRUE(fs::is_regular_file(saFile)) << saFile;
            const fs::path wanPcap = pcap / (point + "." + design.name + "-a-isp.pcap");
            EXPECT_TRUE(fs::is_regular_file(wanPcap)) << wanPcap;
        }
    }
    // The names of a scenario without a sweep are not used by sweep points.
    EXPECT_FALSE(fs::exists(pcap / (scenario.designs.at(0).name + ".esp_sa")));
    // Two subnets per site make more SAs than one, so the two points' files differ.
    const std::string design = scenario.designs.at(0).name;
    EXPECT_NE(ReadFile(pcap / ("subnet-growth.subnets-1." + design + ".esp_sa")),
              ReadFile(pcap / ("subnet-growth.subnets-2." + design + ".esp_sa")));
}

/// Run one-subnet with its progress going to @p progress, as if the command had started an
/// hour ago, so the progress starts at once.
void
RunWithProgress(std::ostream& progress, bool terminal)
{
    const ScenarioLoadResult loaded = LoadScenarioFile(ShippedScenario("one-subnet"));
    ASSERT_TRUE(loaded.Ok());
    RunOutputs outputs;
    outputs.progress = &progress;
    outputs.progressIsTerminal = terminal;
    outputs.started = std::chrono::steady_clock::now() - std::chrono::hours(1);
    RunScenario(*loaded.scenario, outputs);
}

TEST_F(SimrunScenarioTest, ProgressPlainWithoutTerminal)
{
    std::ostringstream progress;
    const auto before = std::chrono::steady_clock::now();
    RunWithProgress(progress, false);
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - before;
    const std::string text = progress.str();

    EXPECT_EQ(text.find('\r'), std::string::npos) << text;
    ASSERT_FALSE(text.empty());
    EXPECT_EQ(text.back(), '\n') << text;
    EXPECT_EQ(text.find("design 1/3 policy: "), 0u) << text;
    // One line at once (the run counts as started an hour ago), then at most one per interval.
    const auto lines = std::count(text.begin(), text.end(), '\n');
    EXPECT_LE(lines, 1 + static_cast<long>(elapsed.count() / kProgressPlainIntervalWallS)) << text;
}

TEST_F(SimrunScenarioTest, ProgressRewritesTerminalLine)
{
    std::ostringstream progress;
    RunWithProgress(progress, true);
    const std::string text = progress.str();

    EXPECT_NE(text.find("\rdesign 1/3 policy: "), std::string::npos) << text;
    EXPECT_EQ(text.find('\n'), std::string::npos) << text;
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
    EXPECT_NE(policyWalk.find("added by if 3 (ipsec): IPv4 192.0.2.1 > 198.51.100.1 | ESP"),
              std::string::npos)
        << policyWalk;
    EXPECT_NE(policyWalk.find("host-10.2.2.2 receives on"), std::string::npos) << policyWalk;
    // Route-based: a route into the GRE interface, then GRE, then ESP.
    EXPECT_NE(greWalk.find("(gre)"), std::string::npos) << greWalk;
    // The GRE interface adds GRE, and the IPsec device ESP after it.
    EXPECT_NE(greWalk.find("added by if 4 (gre) 169.254.0.1: IPv4 192.0.2.1 > 198.51.100.1 | GRE"),
              std::string::npos)
        << greWalk;
    EXPECT_NE(greWalk.find("added by if 3 (ipsec): IPv4 192.0.2.1 > 198.51.100.1 | ESP"),
              std::string::npos)
        << greWalk;
    EXPECT_NE(greWalk.find("proto=47"), std::string::npos) << greWalk;
    EXPECT_NE(greWalk.find("removed: IPv4 192.0.2.1 > 198.51.100.1 | GRE"), std::string::npos)
        << greWalk;

    // Sizes from the headers. The 64-byte probe gets UDP (8) and IPv4 (20), and GRE adds 4
    // and an IPv4 header (20). ESP with AES-GCM adds an outer IPv4 header (20), SPI and
    // sequence (8), IV (8), padding to a multiple of 4 with the 2-byte trailer, and ICV (16).
    const size_t innerBytes = 20 + 8 + 64;
    const size_t greBytes = 20 + 4 + innerBytes;
    auto esp = [](size_t payload)
    {
        const size_t pad = (4 - (payload + 2) % 4) % 4;
        return 20 + 8 + 8 + payload + pad + 2 + 16;
    };
    auto packetLine = [](size_t bytes, const std::string& layers)
    {
        return "packet (" + std::to_string(bytes) + " bytes): " + layers;
    };
    EXPECT_NE(policyWalk.find(packetLine(innerBytes, "IPv4 10.1.1.2 > 10.2.2.2 | UDP")),
              std::string::npos)
        << policyWalk;
    // Every hop of the bare probe, on the LANs too, where frames carry padding and the FCS.
    std::istringstream lines(policyWalk);
    for (std::string line; std::getline(lines, line);)
    {
        if (line.find("): IPv4 10.1.1.2 > 10.2.2.2 | UDP") != std::string::npos)
        {
            EXPECT_NE(line.find(packetLine(innerBytes, "")), std::string::npos) << line;
        }
    }
    EXPECT_NE(policyWalk.find(packetLine(esp(innerBytes), "IPv4 192.0.2.1 > 198.51.100.1 | ESP")),
              std::string::npos)
        << policyWalk;
    EXPECT_NE(greWalk.find(packetLine(greBytes, "IPv4 192.0.2.1 > 198.51.100.1 | GRE")),
              std::string::npos)
        << greWalk;
    EXPECT_NE(greWalk.find(packetLine(esp(greBytes), "IPv4 192.0.2.1 > 198.51.100.1 | ESP")),
              std::string::npos)
        << greWalk;
}

} // namespace
} // namespace tunnelsim
