// scenarios/cipher-suites.json run in-process: goodput per ESP suite against the capacity
// the loaded cost table predicts for a gateway with one crypto unit.
//
//   10.1.1.2 --- gw-a ==== GRE over IPsec (static) ==== gw-b --- 10.2.2.2
//                 |  seal                          open  |
//                 +---- a-isp ---- isp ---- b-isp -------+
//                       100 Mbit/s, 5 ms each
//
// One UDP CBR flow of 1200-byte payloads from site A to site B. gw-a seals each packet and
// gw-b opens it, each on its own engine, so a suite's capacity is the smaller of the two.
#include "results.h"
#include "runner.h"
#include "scenario-loader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace tunnelsim
{
namespace
{

namespace fs = std::filesystem;

/// Bytes IPv4 (RFC 791, no options), GRE (RFC 2784, no optional fields) and UDP (RFC 768)
/// headers add to a datagram's payload.
constexpr size_t kIpv4HeaderBytes = 20;
constexpr size_t kGreHeaderBytes = 4;
constexpr size_t kUdpHeaderBytes = 8;
constexpr double kBitsPerByte = 8;
constexpr double kNanosecondsPerSecond = 1e9;
/// Allowed gap between the slowest suite's goodput and its computed capacity.
constexpr double kCapacityTolerance = 0.03;

struct SuiteRun
{
    const Design* design = nullptr;
    const DesignResults* results = nullptr;
    double capacityPps = 0;
};

class CryptoRunTest : public ::testing::Test
{
  protected:
    static void SetUpTestSuite()
    {
        const std::string path
            = (fs::path(TUNNELSIM_SOURCE_DIR) / "scenarios" / "cipher-suites.json").string();
        ScenarioLoadResult loaded = LoadScenarioFile(path);
        ASSERT_TRUE(loaded.Ok()) << loaded.FormatErrors(path);
        s_scenario = new Scenario(*loaded.scenario);
        s_results = new Results(RunScenario(*s_scenario, RunOutputs{}));
    }

    static void TearDownTestSuite()
    {
        delete s_results;
        delete s_scenario;
        s_results = nullptr;
        s_scenario = nullptr;
    }

    /// Each design with the packets per second its gateways can seal and open.
    static std::vector<SuiteRun> Runs()
    {
        std::vector<SuiteRun> runs;
        const UdpCbrFlow& flow = s_scenario->traffic.udpCbr.at(0);
        // Tunnel mode seals the whole GRE packet; gw-b opens the ESP packet SPI to ICV.
        const size_t sealBytes = flow.packetSizeBytes + kUdpHeaderBytes + kIpv4HeaderBytes
                                 + kGreHeaderBytes + kIpv4HeaderBytes;
        for (const Design& design : s_scenario->designs)
        {
            const CryptoEngineConfig& engine = design.cryptoEngine.value();
            const SuiteCryptoCost& cost = engine.table->Get(design.cryptoSuite);
            const size_t openBytes = sealBytes + design.cryptoSuite.Overhead(sealBytes);
            const double sealNs = cost.seal.NanosecondsFor(sealBytes) * engine.scale;
            const double openNs = cost.open.NanosecondsFor(openBytes) * engine.scale;
            SuiteRun run;
            run.design = &design;
            run.capacityPps = engine.units * kNanosecondsPerSecond / std::max(sealNs, openNs);
            for (const DesignResults& results : s_results->designs)
            {
                if (results.name == design.name)
                {
                    run.results = &results;
                }
            }
            runs.push_back(run);
        }
        return runs;
    }

    static double OfferedPps()
    {
        const UdpCbrFlow& flow = s_scenario->traffic.udpCbr.at(0);
        return flow.rateBps / (flow.packetSizeBytes * kBitsPerByte);
    }

    static uint64_t QueueDrops(const DesignResults& results)
    {
        auto it = results.drops.find("crypto-queue-full");
        return it == results.drops.end() ? 0 : it->second;
    }

    static Scenario* s_scenario;
    static Results* s_results;
};

Scenario* CryptoRunTest::s_scenario = nullptr;
Results* CryptoRunTest::s_results = nullptr;

TEST_F(CryptoRunTest, EveryDesignHasResults)
{
    for (const SuiteRun& run : Runs())
    {
        EXPECT_NE(run.results, nullptr) << run.design->name;
    }
}

TEST_F(CryptoRunTest, SlowestSuiteIsBelowOfferedRate)
{
    const std::vector<SuiteRun> runs = Runs();
    auto slowest = std::min_element(runs.begin(), runs.end(),
                                    [](const SuiteRun& a, const SuiteRun& b)
                                    {
                                        return a.capacityPps < b.capacityPps;
                                    });
    ASSERT_NE(slowest, runs.end());
    EXPECT_LT(slowest->capacityPps, OfferedPps());
}

TEST_F(CryptoRunTest, GoodputFollowsCapacity)
{
    std::vector<SuiteRun> runs = Runs();
    std::sort(runs.begin(), runs.end(),
              [](const SuiteRun& a, const SuiteRun& b)
              {
                  return a.capacityPps < b.capacityPps;
              });
    for (size_t i = 1; i < runs.size(); ++i)
    {
        ASSERT_NE(runs[i].results, nullptr);
        ASSERT_NE(runs[i - 1].results, nullptr);
        // Suites above the offered rate all carry it; allow rounding of equal goodputs.
        EXPECT_GE(runs[i].results->throughput.goodputBps * (1 + 1e-6),
                  runs[i - 1].results->throughput.goodputBps)
            << runs[i].design->name << " vs " << runs[i - 1].design->name;
    }
}

TEST_F(CryptoRunTest, FastSuitesLoseNothingToCrypto)
{
    for (const SuiteRun& run : Runs())
    {
        ASSERT_NE(run.results, nullptr);
        if (run.capacityPps > OfferedPps())
        {
            EXPECT_EQ(QueueDrops(*run.results), 0u) << run.design->name;
        }
    }
}

TEST_F(CryptoRunTest, SlowestSuiteRunsAtCapacity)
{
    const std::vector<SuiteRun> runs = Runs();
    auto slowest = std::min_element(runs.begin(), runs.end(),
                                    [](const SuiteRun& a, const SuiteRun& b)
                                    {
                                        return a.capacityPps < b.capacityPps;
                                    });
    ASSERT_NE(slowest, runs.end());
    ASSERT_NE(slowest->results, nullptr);
    const double payloadBits = s_scenario->traffic.udpCbr.at(0).packetSizeBytes * kBitsPerByte;
    const double capacityBps = slowest->capacityPps * payloadBits;
    EXPECT_NEAR(slowest->results->throughput.goodputBps, capacityBps,
                capacityBps * kCapacityTolerance);
    EXPECT_GT(QueueDrops(*slowest->results), 0u);
}

TEST_F(CryptoRunTest, ResultsCarryEngine)
{
    for (const SuiteRun& run : Runs())
    {
        ASSERT_NE(run.results, nullptr);
        ASSERT_TRUE(run.results->cryptoCost.engine.has_value()) << run.design->name;
        EXPECT_EQ(run.results->cryptoCost.model, "linear");
        EXPECT_EQ(run.results->cryptoCost.engine->gateways.size(), 2u) << run.design->name;
    }
}

/** A crypto_engine object that must fail to load, with the pointer and rule expected. */
struct InvalidEngineCase
{
    const char* name;
    const char* engine; ///< JSON text of design 0's crypto_engine
    const char* pointer;
    const char* rule;
};

/// Print only the case name, so test names stay the same from one build to the next.
void
PrintTo(const InvalidEngineCase& c, std::ostream* out)
{
    *out << c.name;
}

class CryptoEngineLoadTest : public ::testing::TestWithParam<InvalidEngineCase>
{
};

TEST_P(CryptoEngineLoadTest, Rejected)
{
    const fs::path path = fs::path(TUNNELSIM_SOURCE_DIR) / "scenarios" / "cipher-suites.json";
    std::ifstream file(path);
    std::stringstream text;
    text << file.rdbuf();
    nlohmann::json document = nlohmann::json::parse(text.str());
    document["designs"][0]["crypto_engine"] = nlohmann::json::parse(GetParam().engine);

    ScenarioLoadResult loaded = ParseScenario(document.dump(), path.parent_path().string());
    ASSERT_FALSE(loaded.Ok());
    ASSERT_EQ(loaded.errors.size(), 1U) << loaded.FormatErrors();
    EXPECT_EQ(loaded.errors[0].pointer, GetParam().pointer) << loaded.FormatErrors();
    EXPECT_EQ(loaded.errors[0].rule, GetParam().rule) << loaded.FormatErrors();
}

const InvalidEngineCase kInvalidEngines[] = {
    {"UnknownKey", R"({"cores": 2})", "/designs/0/crypto_engine/cores", "unknown-key"},
    {"ScaleZero", R"({"scale": 0})", "/designs/0/crypto_engine/scale", "out-of-range"},
    {"ScaleString", R"({"scale": "20"})", "/designs/0/crypto_engine/scale", "wrong-type"},
    {"UnitsZero", R"({"units": 0})", "/designs/0/crypto_engine/units", "out-of-range"},
    {"QueueZero", R"({"queue_packets": 0})", "/designs/0/crypto_engine/queue_packets",
     "out-of-range"},
    {"EmptyTable", R"({"table": ""})", "/designs/0/crypto_engine/table", "invalid-value"},
    {"MissingTable", R"({"table": "no-such-table.json"})", "/designs/0/crypto_engine/table",
     "invalid-value"},
    {"TableNotCostTable", R"({"table": "one-subnet.json"})", "/designs/0/crypto_engine/table",
     "invalid-value"},
};

INSTANTIATE_TEST_SUITE_P(Engine, CryptoEngineLoadTest, ::testing::ValuesIn(kInvalidEngines),
                         [](const ::testing::TestParamInfo<InvalidEngineCase>& info)
                         {
                             return std::string(info.param.name);
                         });

TEST(CryptoEngineLoad, DefaultsApply)
{
    const fs::path path = fs::path(TUNNELSIM_SOURCE_DIR) / "scenarios" / "cipher-suites.json";
    std::ifstream file(path);
    std::stringstream text;
    text << file.rdbuf();
    nlohmann::json document = nlohmann::json::parse(text.str());
    document["designs"][0]["crypto_engine"] = nlohmann::json::object();

    ScenarioLoadResult loaded = ParseScenario(document.dump(), path.parent_path().string());
    ASSERT_TRUE(loaded.Ok()) << loaded.FormatErrors();
    const std::optional<CryptoEngineConfig>& engine = loaded.scenario->designs[0].cryptoEngine;
    ASSERT_TRUE(engine.has_value());
    EXPECT_EQ(engine->scale, kDefaultCryptoScale);
    EXPECT_EQ(engine->units, kDefaultCryptoUnits);
    EXPECT_EQ(engine->queuePackets, kDefaultCryptoQueuePackets);
    EXPECT_NE(engine->table, nullptr);
}

} // namespace
} // namespace tunnelsim
