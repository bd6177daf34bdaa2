// `simrun SCENARIO.json --pcap DIR`: tshark 4.0, as an independent implementation, must
// decrypt every ESP frame of every WAN capture with the run's esp_sa file and find its ICV
// good, for policy-based, GRE over IPsec and VTI designs (one-subnet, IKE-negotiated SAs).
// If tshark is missing the test fails (tools/setup installs it). tshark 4.0 has no
// ChaCha20-Poly1305, so `simrun decode` checks the captures of that suite.
//
//   10.1.1.0/24 --- gw-a ==a-isp== isp ==b-isp== gw-b --- 10.2.2.0/24
//                        (both WAN links captured)
#include "decode.h"
#include "pcap-capture.h"
#include "runner.h"
#include "scenario-loader.h"
#include "shipped-scenario-results.h"
#include "simrun-capture.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

namespace tunnelsim
{
namespace
{

namespace fs = std::filesystem;

bool
TsharkAvailable()
{
    return std::system("command -v tshark >/dev/null 2>&1") == 0;
}

/// Counts of ESP frames in one capture, as tshark reports them.
struct EspVerdicts
{
    int exitCode = -1;
    size_t frames = 0;
    size_t icvGood = 0;
    size_t decrypted = 0; ///< frames where tshark shows the protected IPv4 packet inside
    std::string errors;
};

/// Run tshark on @p capture with the esp_sa file in @p configDirectory/esp_sa.
EspVerdicts
RunTshark(const fs::path& configDirectory, const fs::path& capture, const fs::path& scratch)
{
    const fs::path outPath = scratch / "tshark.out";
    const fs::path errPath = scratch / "tshark.err";
    // WIRESHARK_CONFIG_DIR points tshark at a personal configuration directory holding
    // only the esp_sa file. Each ESP frame prints its icv_good flag and the IP source
    // addresses of every IPv4 layer (outer, and inner once decrypted).
    const std::string command
        = "WIRESHARK_CONFIG_DIR='" + configDirectory.string() + "' tshark -n -r '"
          + capture.string()
          + "' -o esp.enable_encryption_decode:TRUE -o esp.enable_authentication_check:TRUE"
            " -Y esp -T fields -E separator=/t -E occurrence=a -E aggregator=,"
            " -e esp.icv_good -e ip.src >'"
          + outPath.string() + "' 2>'" + errPath.string() + "'";
    const int status = std::system(command.c_str());

    EspVerdicts verdicts;
    verdicts.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream out(outPath);
    std::string line;
    while (std::getline(out, line))
    {
        const size_t tab = line.find('\t');
        ++verdicts.frames;
        verdicts.icvGood += line.substr(0, tab) == "1";
        // More than one IPv4 source means tshark decrypted the payload.
        verdicts.decrypted += tab != std::string::npos && line.find(',', tab) != std::string::npos;
    }
    std::ifstream err(errPath);
    verdicts.errors.assign(std::istreambuf_iterator<char>(err), std::istreambuf_iterator<char>());
    return verdicts;
}

class RunnerPcapTest : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        std::string pattern = (fs::path(TUNNELSIM_BINARY_DIR) / "runner-pcap-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        m_dir = pattern;
    }

    void TearDown() override { fs::remove_all(m_dir); }

    /// Run one-subnet, with @p suite in every design when set, with its captures in
    /// PcapDirectory(), keeping the scenario.
    Results RunWithCaptures(std::string_view suite = {})
    {
        m_scenario = LoadShipped("one-subnet");
        if (!suite.empty())
        {
            for (Design& design : m_scenario.designs)
            {
                design.cryptoSuiteName = std::string(suite);
                design.cryptoSuite = CryptoSuiteByName(suite).value();
            }
        }
        RunOutputs outputs;
        outputs.pcapDirectory = PcapDirectory().string();
        fs::create_directories(outputs.pcapDirectory);
        return RunScenario(m_scenario, outputs);
    }

    fs::path PcapDirectory() const { return m_dir / "pcap"; }

    fs::path m_dir;
    Scenario m_scenario;
};

TEST_F(RunnerPcapTest, TsharkVerifiesEveryEspFrame)
{
    ASSERT_TRUE(TsharkAvailable()) << "tshark is not on the PATH; install it with tools/setup";
    const Results results = RunWithCaptures();

    for (const DesignResults& design : results.designs)
    {
        const fs::path config = m_dir / ("wireshark-" + design.name);
        fs::create_directories(config);
        fs::copy_file(PcapDirectory() / (design.name + ".esp_sa"), config / "esp_sa");
        for (const WanLink& link : m_scenario.links)
        {
            const fs::path capture = PcapDirectory() / (design.name + "-" + link.name + ".pcap");
            ASSERT_TRUE(fs::exists(capture)) << capture;
            const EspVerdicts verdicts = RunTshark(config, capture, m_dir);
            const std::string where = design.name + " " + link.name;
            EXPECT_EQ(verdicts.exitCode, 0) << where << ": " << verdicts.errors;
            EXPECT_GT(verdicts.frames, 0u) << where;
            EXPECT_EQ(verdicts.icvGood, verdicts.frames) << where;
            EXPECT_EQ(verdicts.decrypted, verdicts.frames) << where;
        }
    }
}

TEST_F(RunnerPcapTest, CapturesRunToTheEnd)
{
    const Results results = RunWithCaptures();
    ASSERT_TRUE(m_scenario.traffic.probes.has_value());
    // Probes cross every WAN link each interval, so the last record is in the last interval.
    const double lastIntervalS = m_scenario.durationS - m_scenario.traffic.probes->intervalS;

    for (const DesignResults& design : results.designs)
    {
        for (const WanLink& link : m_scenario.links)
        {
            const fs::path path = PcapDirectory() / (design.name + "-" + link.name + ".pcap");
            const std::string where = design.name + " " + link.name;
            const CaptureReadResult read = ReadCapture(path.string());
            ASSERT_TRUE(read.Ok()) << where << ": " << read.error->ToString();
            ASSERT_FALSE(read.capture.records.empty()) << where;
            const CaptureRecord& last = read.capture.records.back();
            EXPECT_GE(last.seconds + last.subseconds * 1e-6, lastIntervalS) << where;
        }
    }
}

TEST_F(RunnerPcapTest, OtherDesignsKeysOpenNothing)
{
    ASSERT_TRUE(TsharkAvailable()) << "tshark is not on the PATH; install it with tools/setup";
    const Results results = RunWithCaptures();
    ASSERT_GE(results.designs.size(), 2u);

    // Each design's keys against the next design's capture of the same run and seed.
    const std::string link = m_scenario.links.at(0).name;
    for (size_t i = 0; i < results.designs.size(); ++i)
    {
        const std::string& keys = results.designs[i].name;
        const std::string& captured = results.designs[(i + 1) % results.designs.size()].name;
        const fs::path config = m_dir / ("wireshark-" + keys + "-on-" + captured);
        fs::create_directories(config);
        fs::copy_file(PcapDirectory() / (keys + ".esp_sa"), config / "esp_sa");
        const fs::path capture = PcapDirectory() / (captured + "-" + link + ".pcap");
        const EspVerdicts verdicts = RunTshark(config, capture, m_dir);
        const std::string where = keys + " keys on " + captured;
        EXPECT_EQ(verdicts.exitCode, 0) << where << ": " << verdicts.errors;
        EXPECT_GT(verdicts.frames, 0u) << where;
        EXPECT_EQ(verdicts.icvGood, 0u) << where;
    }
}

TEST_F(RunnerPcapTest, SimrunDecodeOpensChaChaCaptures)
{
    ASSERT_TRUE(TsharkAvailable()) << "tshark is not on the PATH; install it with tools/setup";
    const Results results = RunWithCaptures("chacha20-poly1305");

    for (const DesignResults& design : results.designs)
    {
        const fs::path espSa = PcapDirectory() / (design.name + ".esp_sa");
        // Wireshark 4.0 must still load the file: the ChaCha20 SAs are comments for it.
        const fs::path config = m_dir / ("wireshark-" + design.name);
        fs::create_directories(config);
        fs::copy_file(espSa, config / "esp_sa");
        for (const WanLink& link : m_scenario.links)
        {
            const fs::path capture = PcapDirectory() / (design.name + "-" + link.name + ".pcap");
            const std::string where = design.name + " " + link.name;
            const EspVerdicts verdicts = RunTshark(config, capture, m_dir);
            EXPECT_EQ(verdicts.exitCode, 0) << where << ": " << verdicts.errors;
            // tshark exits 0 after "Error loading table 'ESP SAs': esp_sa:1: invalid value".
            EXPECT_EQ(verdicts.errors.find("Error loading table"), std::string::npos)
                << where << ": " << verdicts.errors;

            const SimrunOutput run = RunSimrunCaptured(
                {"decode", capture.string(), "--json", "--esp-sa", espSa.string()});
            ASSERT_EQ(run.exitCode, kExitOk) << where << ": " << run.err;
            size_t espPackets = 0;
            size_t opened = 0;
            std::istringstream lines(run.out);
            for (std::string line; std::getline(lines, line);)
            {
                const nlohmann::json packet = nlohmann::json::parse(line);
                if (packet.contains("esp"))
                {
                    ++espPackets;
                    opened += packet.at("esp").at("icv") == kIcvOk;
                }
            }
            EXPECT_GT(espPackets, 0u) << where;
            EXPECT_EQ(opened, espPackets) << where;
        }
    }
}

} // namespace
} // namespace tunnelsim
