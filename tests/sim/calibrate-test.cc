// `simrun calibrate` run in-process with a reduced iteration count, the least-squares fit
// on exact lines, the shipped table, and the loader's errors on malformed tables. Each
// error must name the file, the JSON path of the offending value and the rule it breaks.
#include "calibrate.h"
#include "crypto-cost-json.h"
#include "simrun-capture.h"
#include "simrun-cli.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <gtest/gtest.h>
#include <iostream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace tunnelsim
{
namespace
{

namespace fs = std::filesystem;
using nlohmann::json;

/// The table shipped with the repository, measured by `simrun calibrate`.
const std::string kShippedTable
    = std::string(TUNNELSIM_SOURCE_DIR) + "/data/crypto-costs/default.json";

/// A directory of its own under the system temporary directory, removed at the end.
class TempDir
{
  public:
    TempDir()
      : m_path(fs::temp_directory_path()
               / ("tunnelsim-calibrate-" + std::to_string(::getpid()) + "-"
                  + ::testing::UnitTest::GetInstance()->current_test_info()->name()))
    {
        fs::create_directories(m_path);
    }

    ~TempDir()
    {
        std::error_code ignored;
        fs::remove_all(m_path, ignored);
    }

    std::string File(const std::string& name) const { return (m_path / name).string(); }

  private:
    fs::path m_path;
};

void
WriteText(const std::string& path, const std::string& text)
{
    std::ofstream out(path, std::ios::binary);
    out << text;
}

/// A valid table with round numbers, in memory.
CryptoCostTable
MakeValidTable()
{
    CryptoCostTable table;
    table.tunnelsimVersion = std::string(kTunnelsimVersion);
    table.date = "2026-01-01T00:00:00Z";
    table.opensslVersion = "OpenSSL test";
    table.machine.cpuModel = "test CPU";
    table.machine.logicalCpus = 2;
    double fixed = 100;
    for (const EspSuite& suite : AllEspSuites())
    {
        SuiteCryptoCost& cost = table.suites[suite.Name()];
        cost.seal = CryptoCostFit{fixed, 0.5, 0.99};
        cost.open = CryptoCostFit{fixed + 1, 0.25, 0.98};
        fixed += 10;
    }
    return table;
}

void
ExpectPositiveCosts(const CryptoCostTable& table)
{
    for (const EspSuite& suite : AllEspSuites())
    {
        SCOPED_TRACE(suite.Name());
        ASSERT_EQ(table.suites.count(suite.Name()), 1u);
        for (CryptoDirection direction : kAllCryptoDirections)
        {
            const CryptoCostFit& fit = table.Get(suite).Get(direction);
            EXPECT_GT(fit.fixedNs, 0) << ToString(direction);
            EXPECT_GT(fit.perByteNs, 0) << ToString(direction);
            EXPECT_GE(fit.rSquared, 0) << ToString(direction);
            EXPECT_LE(fit.rSquared, 1) << ToString(direction);
        }
    }
}

TEST(CalibrateCli, WritesLoadableTable)
{
    TempDir dir;
    const std::string path = dir.File("costs.json");
    const SimrunOutput run
        = RunSimrunCaptured({"calibrate", "--out", path, "--iterations", "300", "--rounds", "5"});
    ASSERT_EQ(run.exitCode, kExitOk) << run.err;
    EXPECT_NE(run.out.find("wrote " + path), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("aes-gcm-128"), std::string::npos) << run.out;

    CryptoCostTable table;
    ASSERT_NO_THROW(table = LoadCryptoCostTable(path));
    EXPECT_EQ(table.suites.size(), AllEspSuites().size());
    ExpectPositiveCosts(table);
    EXPECT_EQ(table.formatVersion, kCryptoCostTableFormatVersion);
    EXPECT_EQ(table.tunnelsimVersion, kTunnelsimVersion);
    EXPECT_EQ(table.opensslVersion, CurrentOpensslVersion());
    EXPECT_FALSE(table.machine.cpuModel.empty());
    EXPECT_GE(table.machine.logicalCpus, 1u);
    EXPECT_TRUE(std::regex_match(table.date, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")))
        << table.date;
    ASSERT_TRUE(table.method.has_value());
    EXPECT_EQ(table.method->iterations, 300u);
    EXPECT_EQ(table.method->rounds, 5u);
    EXPECT_EQ(table.method->payloadSizes, DefaultCalibratePayloadSizes());
    EXPECT_EQ(table.method->clock, "CLOCK_THREAD_CPUTIME_ID");
    EXPECT_NE(table.notes.find("other processes"), std::string::npos) << table.notes;
}

// Tests share the machine with parallel CTest jobs: five rounds of 300 operations keep the
// per-byte fit positive where one round of 50 was seen to go negative under load.
TEST(CalibrateCli, WritesJsonWithoutOut)
{
    const SimrunOutput run = RunSimrunCaptured({"calibrate", "--iterations", "300", "--rounds", "5",
                                                "--sizes", "64,1500", "--note", "test run"});
    ASSERT_EQ(run.exitCode, kExitOk) << run.err;
    CryptoCostTable table;
    ASSERT_NO_THROW(table = CryptoCostTableFromJson(json::parse(run.out), "stdout"));
    ExpectPositiveCosts(table);
    ASSERT_TRUE(table.method.has_value());
    EXPECT_EQ(table.method->payloadSizes, (std::vector<uint32_t>{64, 1500}));
    EXPECT_NE(table.notes.find("test run"), std::string::npos) << table.notes;
}

struct CliErrorCase
{
    const char* name;
    std::vector<std::string> args;
};

TEST(CalibrateCli, InvalidOptionsRejected)
{
    const std::vector<CliErrorCase> cases = {
        {"one size", {"calibrate", "--sizes", "100"}},
        {"repeated size", {"calibrate", "--sizes", "100,100"}},
        {"zero iterations", {"calibrate", "--iterations", "0"}},
        {"zero rounds", {"calibrate", "--rounds", "0"}},
        {"zero size", {"calibrate", "--sizes", "0,100"}},
        {"size too large", {"calibrate", "--sizes", "100,70000"}},
    };
    for (const CliErrorCase& c : cases)
    {
        SCOPED_TRACE(c.name);
        const SimrunOutput run = RunSimrunCaptured(c.args);
        EXPECT_EQ(run.exitCode, kExitInvalidInput);
        EXPECT_FALSE(run.err.empty());
    }
}

TEST(CalibrateCli, UnwritableOutRejectedFirst)
{
    const SimrunOutput run = RunSimrunCaptured({"calibrate", "--out", "/nonexistent-dir/costs.json",
                                                "--iterations", "300", "--rounds", "5"});
    EXPECT_EQ(run.exitCode, kExitInvalidInput);
    EXPECT_NE(run.err.find("/nonexistent-dir/costs.json"), std::string::npos) << run.err;
    EXPECT_NE(run.err.find("does not exist"), std::string::npos) << run.err;
    // The check comes before the measurement, which would log a line of its own.
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
}

TEST(CalibrateCli, OutUnderFileRejected)
{
    TempDir dir;
    const std::string file = dir.File("plain-file");
    std::ofstream(file) << "x";
    const SimrunOutput run = RunSimrunCaptured(
        {"calibrate", "--out", file + "/costs.json", "--iterations", "300", "--rounds", "5"});
    EXPECT_EQ(run.exitCode, kExitInvalidInput);
    EXPECT_NE(run.err.find(file), std::string::npos) << run.err;
}

TEST(CalibrateFit, ExactLine)
{
    const CryptoCostFit fit
        = FitCryptoCost({{64, 132}, {512, 356}, {1500, 850}}); // 100 + 0.5 x bytes
    EXPECT_NEAR(fit.fixedNs, 100, 1e-9);
    EXPECT_NEAR(fit.perByteNs, 0.5, 1e-12);
    EXPECT_NEAR(fit.rSquared, 1, 1e-12);
}

TEST(CalibrateFit, NoisyLineHasLowerRSquared)
{
    const CryptoCostFit fit = FitCryptoCost({{64, 140}, {512, 340}, {1024, 630}, {1500, 840}});
    EXPECT_LT(fit.rSquared, 1);
    EXPECT_GT(fit.rSquared, 0.99);
    EXPECT_GT(fit.perByteNs, 0.45);
    EXPECT_LT(fit.perByteNs, 0.55);
}

TEST(CalibrateFit, OneSizeRejected)
{
    EXPECT_THROW(FitCryptoCost({{64, 100}, {64, 110}}), std::invalid_argument);
    EXPECT_THROW(FitCryptoCost({}), std::invalid_argument);
}

/// The VERSION of project() in the top-level CMakeLists.txt, the only place it is written.
std::string
CMakeProjectVersion()
{
    std::ifstream in(std::string(TUNNELSIM_SOURCE_DIR) + "/CMakeLists.txt");
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::smatch match;
    if (!std::regex_search(text, match, std::regex(R"(project\(tunnelsim VERSION ([0-9.]+))")))
    {
        ADD_FAILURE() << "no project(tunnelsim VERSION ...) in CMakeLists.txt";
        return "";
    }
    return match[1].str();
}

TEST(CalibrateVersion, MatchesCMakeProject)
{
    EXPECT_EQ(CMakeProjectVersion(), kTunnelsimVersion);
}

TEST(CalibrateVersion, SimrunPrintsIt)
{
    const SimrunOutput run = RunSimrunCaptured({"--version"});
    EXPECT_EQ(run.exitCode, kExitOk) << run.err;
    EXPECT_EQ(run.out, "tunnelsim " + CMakeProjectVersion() + "\n");
}

TEST(CryptoCostTableFile, ShippedTableLoads)
{
    CryptoCostTable table;
    ASSERT_NO_THROW(table = LoadCryptoCostTable(kShippedTable));
    ExpectPositiveCosts(table);
    ASSERT_TRUE(table.method.has_value());
    EXPECT_FALSE(table.notes.empty());
}

TEST(CryptoCostTableFile, SaveThenLoadRoundTrips)
{
    TempDir dir;
    const std::string path = dir.File("table.json");
    CryptoCostTable table = MakeValidTable();
    table.method = CryptoCostMethod{"CLOCK_THREAD_CPUTIME_ID", {64, 1500}, 7, 3};
    table.machine.loadAverageBefore = 1.25;
    table.notes = "round trip";
    SaveCryptoCostTable(table, path);

    const CryptoCostTable loaded = LoadCryptoCostTable(path);
    EXPECT_EQ(CryptoCostTableToJson(loaded).dump(), CryptoCostTableToJson(table).dump());
    EXPECT_FALSE(fs::exists(path + ".tmp"));
}

TEST(CryptoCostTableFile, SaveRejectsInvalidTable)
{
    TempDir dir;
    const std::string path = dir.File("invalid.json");
    CryptoCostTable table = MakeValidTable();
    table.suites.erase("null-hmac-sha1-96");
    EXPECT_THROW(SaveCryptoCostTable(table, path), CryptoCostTableError);
    EXPECT_FALSE(fs::exists(path));
}

struct MalformedCase
{
    const char* name;
    std::function<void(json&)> mutate;
    std::string expectedPath; ///< JSON pointer the error must name
    std::string expectedText; ///< part of the message
};

TEST(CryptoCostTableFile, MalformedTablesNameTheField)
{
    const std::vector<MalformedCase> cases = {
        {"missing suite",
         [](json& t)
         {
             t["suites"].erase("aes-gcm-256");
         },
         "/suites/aes-gcm-256", "missing"},
        {"negative cost",
         [](json& t)
         {
             t["suites"]["aes-gcm-128"]["seal"]["fixed_ns"] = -5;
         },
         "/suites/aes-gcm-128/seal/fixed_ns", "positive"},
        {"zero per-byte cost",
         [](json& t)
         {
             t["suites"]["chacha20-poly1305"]["open"]["per_byte_ns"] = 0;
         },
         "/suites/chacha20-poly1305/open/per_byte_ns", "positive"},
        {"cost as string",
         [](json& t)
         {
             t["suites"]["aes-gcm-128"]["seal"]["fixed_ns"] = "250";
         },
         "/suites/aes-gcm-128/seal/fixed_ns", "expected a number, got string"},
        {"r squared above 1",
         [](json& t)
         {
             t["suites"]["aes-gcm-128"]["open"]["r_squared"] = 1.5;
         },
         "/suites/aes-gcm-128/open/r_squared", "0..1"},
        {"unknown suite",
         [](json& t)
         {
             t["suites"]["aes-gcm-512"] = t["suites"]["aes-gcm-128"];
         },
         "/suites/aes-gcm-512", "unknown suite"},
        {"encryption-only suite",
         [](json& t)
         {
             t["suites"]["aes-cbc-128"] = t["suites"]["aes-gcm-128"];
         },
         "/suites/aes-cbc-128", "unknown suite"},
        {"missing direction",
         [](json& t)
         {
             t["suites"]["aes-gcm-128"].erase("open");
         },
         "/suites/aes-gcm-128/open", "missing"},
        {"misspelt key",
         [](json& t)
         {
             t["suites"]["aes-gcm-128"]["seal"]["fixed_us"] = 1;
         },
         "/suites/aes-gcm-128/seal/fixed_us", "unknown key"},
        {"unsupported version",
         [](json& t)
         {
             t["format_version"] = 2;
         },
         "/format_version", "unsupported format version 2"},
        {"version as string",
         [](json& t)
         {
             t["format_version"] = "1";
         },
         "/format_version", "expected an unsigned 32-bit integer, got string"},
        {"missing version",
         [](json& t)
         {
             t.erase("format_version");
         },
         "/format_version", "missing"},
        {"missing OpenSSL version",
         [](json& t)
         {
             t.erase("openssl_version");
         },
         "/openssl_version", "missing"},
        {"machine not an object",
         [](json& t)
         {
             t["machine"] = 5;
         },
         "/machine", "expected an object, got number"},
        {"negative CPU count",
         [](json& t)
         {
             t["machine"]["logical_cpus"] = -2;
         },
         "/machine/logical_cpus", "got -2"},
        {"suites as array",
         [](json& t)
         {
             t["suites"] = json::array();
         },
         "/suites", "expected an object, got array"},
        {"document as array",
         [](json& t)
         {
             t = json::array();
         },
         "", "expected an object, got array"},
    };
    TempDir dir;
    const json valid = json::parse(CryptoCostTableToJson(MakeValidTable()).dump());
    for (const MalformedCase& c : cases)
    {
        SCOPED_TRACE(c.name);
        json document = valid;
        c.mutate(document);
        const std::string path = dir.File("malformed.json");
        WriteText(path, document.dump(2));
        try
        {
            LoadCryptoCostTable(path);
            ADD_FAILURE() << "the table loaded";
        }
        catch (const CryptoCostTableError& e)
        {
            const std::string message = e.what();
            EXPECT_EQ(e.JsonPath(), c.expectedPath);
            EXPECT_EQ(e.Source(), path);
            EXPECT_NE(message.find(path), std::string::npos) << message;
            EXPECT_NE(message.find(c.expectedText), std::string::npos) << message;
            if (!c.expectedPath.empty())
            {
                EXPECT_NE(message.find(c.expectedPath), std::string::npos) << message;
            }
        }
    }
}

TEST(CryptoCostTableFile, InvalidJsonNamesTheFile)
{
    TempDir dir;
    const std::string path = dir.File("broken.json");
    WriteText(path, "{\"format_version\": 1,");
    try
    {
        LoadCryptoCostTable(path);
        ADD_FAILURE() << "the table loaded";
    }
    catch (const CryptoCostTableError& e)
    {
        EXPECT_EQ(e.JsonPath(), "");
        EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("invalid JSON"), std::string::npos) << e.what();
    }
}

TEST(CryptoCostTableFile, MissingFileNamesTheFile)
{
    const std::string path = "/nonexistent-dir/costs.json";
    try
    {
        LoadCryptoCostTable(path);
        ADD_FAILURE() << "the table loaded";
    }
    catch (const CryptoCostTableError& e)
    {
        EXPECT_EQ(e.Source(), path);
        EXPECT_NE(std::string(e.what()).find("cannot open"), std::string::npos) << e.what();
    }
}

} // namespace
} // namespace tunnelsim
