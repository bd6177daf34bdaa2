// scenarios/scenario.schema.json: a valid draft 2020-12 schema that every shipped scenario
// satisfies, whose enumerations match the loader's, and that rejects what the loader
// rejects for structural reasons. The schema checks run Python's jsonschema package, an
// implementation independent of the loader.
#include "scenario-loader.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

namespace tunnelsim
{
namespace
{

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kScenarioDir = fs::path(TUNNELSIM_SOURCE_DIR) / "scenarios";
const fs::path kSchemaPath = kScenarioDir / "scenario.schema.json";

// Prints "<path> ok" or "<path> invalid" for each document argument after the schema.
const char* const kValidatorScript = R"(
import json, sys
from jsonschema import Draft202012Validator
schema = json.load(open(sys.argv[1]))
Draft202012Validator.check_schema(schema)
validator = Draft202012Validator(schema)
for path in sys.argv[2:]:
    errors = list(validator.iter_errors(json.load(open(path))))
    print(path, "ok" if not errors else "invalid")
)";

json
ReadJson(const fs::path& path)
{
    std::ifstream file(path);
    return json::parse(file);
}

std::string
ShellQuote(const std::string& text)
{
    std::string quoted = "'";
    for (char c : text)
    {
        quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return quoted + "'";
}

bool
HasPythonJsonSchema()
{
    return std::system("python3 -c 'import jsonschema' >/dev/null 2>&1") == 0;
}

/** Run the validator script; returns path -> "ok" / "invalid", empty if the script failed. */
std::map<std::string, std::string>
ValidateWithSchema(const std::vector<std::string>& paths)
{
    std::string command
        = "python3 -c " + ShellQuote(kValidatorScript) + " " + ShellQuote(kSchemaPath.string());
    for (const std::string& path : paths)
    {
        command += " " + ShellQuote(path);
    }
    std::map<std::string, std::string> verdicts;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (!pipe)
    {
        return verdicts;
    }
    char line[4096];
    while (std::fgets(line, sizeof(line), pipe))
    {
        std::istringstream words(line);
        std::string path;
        std::string verdict;
        words >> path >> verdict;
        verdicts[path] = verdict;
    }
    int status = ::pclose(pipe);
    if (status != 0)
    {
        verdicts.clear();
    }
    return verdicts;
}

std::vector<std::string>
EnumOf(const json& schema)
{
    return schema.at("enum").get<std::vector<std::string>>();
}

TEST(ScenarioSchema, Draft202012)
{
    json schema = ReadJson(kSchemaPath);
    EXPECT_EQ(schema.at("$schema"), "https://json-schema.org/draft/2020-12/schema");
    EXPECT_EQ(schema.at("properties").at("format_version").at("const"), kScenarioFormatVersion);
}

TEST(ScenarioSchema, CryptoSuitesMatchLoader)
{
    json schema = ReadJson(kSchemaPath);
    std::vector<std::string> fromSchema = EnumOf(
        schema.at("$defs").at("design").at("properties").at("crypto").at("properties").at("suite"));
    std::vector<std::string> fromLoader(CryptoSuiteNames().begin(), CryptoSuiteNames().end());
    EXPECT_EQ(fromSchema, fromLoader);
}

TEST(ScenarioSchema, DesignTypesMatchLoader)
{
    json schema = ReadJson(kSchemaPath);
    std::vector<std::string> fromSchema
        = EnumOf(schema.at("$defs").at("design").at("properties").at("type"));
    std::vector<std::string> fromLoader;
    for (DesignType type : {DesignType::PolicyBased, DesignType::GreOverIpsec, DesignType::Vti})
    {
        fromLoader.emplace_back(ToString(type));
    }
    EXPECT_EQ(fromSchema, fromLoader);
}

TEST(ScenarioSchema, EventTypesMatchLoader)
{
    json schema = ReadJson(kSchemaPath);
    std::vector<std::string> fromSchema
        = EnumOf(schema.at("$defs").at("event").at("properties").at("type"));
    std::vector<std::string> fromLoader;
    for (const EventAction& action :
         {EventAction{LinkDownEvent{}}, EventAction{LinkUpEvent{}}, EventAction{SubnetAddEvent{}},
          EventAction{SubnetRemoveEvent{}}, EventAction{GatewayRestartEvent{}}})
    {
        fromLoader.emplace_back(EventTypeName(action));
    }
    EXPECT_EQ(fromSchema, fromLoader);
}

TEST(ScenarioSchema, ShippedScenariosValidate)
{
    if (!HasPythonJsonSchema())
    {
        GTEST_SKIP() << "python3 with the jsonschema package is not installed";
    }
    std::vector<std::string> paths;
    for (const fs::directory_entry& entry : fs::directory_iterator(kScenarioDir))
    {
        if (entry.path().extension() == ".json" && entry.path() != kSchemaPath)
        {
            paths.push_back(entry.path().string());
        }
    }
    ASSERT_FALSE(paths.empty());
    std::map<std::string, std::string> verdicts = ValidateWithSchema(paths);
    ASSERT_EQ(verdicts.size(), paths.size()) << "the jsonschema check failed to run";
    for (const std::string& path : paths)
    {
        EXPECT_EQ(verdicts[path], "ok") << path;
    }
}

struct StructuralCase
{
    const char* name;
    const char* patch; ///< RFC 6902 operations applied to scenarios/three-subnets.json
};

// Mistakes both the schema and the loader's first pass must reject.
const StructuralCase kStructuralCases[] = {
    {"unknown key", R"([{"op": "add", "path": "/colour", "value": "red"}])"},
    {"wrong type", R"([{"op": "replace", "path": "/duration_s", "value": "60"}])"},
    {"missing key", R"([{"op": "remove", "path": "/wan/links/0/delay_ms"}])"},
    {"unknown suite", R"([{"op": "replace", "path": "/designs/0/crypto/suite", "value": "des"}])"},
    {"bad address",
     R"([{"op": "replace", "path": "/sites/0/gateway/wan_interfaces/0/address", "value": "192.0.2"}])"},
    {"bad prefix",
     R"([{"op": "replace", "path": "/sites/0/subnets/0/prefix", "value": "10.1.1.0/40"}])"},
    {"keepalive with ospf",
     R"([{"op": "add", "path": "/designs/2/routing/keepalive", "value": {}}])"},
    {"ospf timer with static",
     R"([{"op": "add", "path": "/designs/1/routing/spf_delay_ms", "value": 5}])"},
    {"vti with transport",
     R"([{"op": "replace", "path": "/designs/1/type", "value": "vti"}, {"op": "add", "path": "/designs/1/ipsec_mode", "value": "transport"}])"},
    {"ikev1 with narrowing",
     R"([{"op": "add", "path": "/designs/0/ike", "value": {"version": 1}}])"},
    {"policy with routing",
     R"([{"op": "add", "path": "/designs/0/routing", "value": {"protocol": "static"}}])"},
    {"gre without routing", R"([{"op": "remove", "path": "/designs/1/routing"}])"},
    {"event with foreign key",
     R"([{"op": "add", "path": "/events", "value": [{"at_s": 1, "type": "link-down", "link": "a-isp", "site": "branch-a"}]}])"},
    {"one site", R"([{"op": "remove", "path": "/sites/1"}])"},
    {"multicast prefix",
     R"([{"op": "replace", "path": "/sites/0/subnets/0/prefix", "value": "224.0.0.0/24"}])"},
    {"tunnel block prefix",
     R"([{"op": "replace", "path": "/wan/links/0/prefix", "value": "169.254.0.0/30"}])"},
    {"empty subnets", R"([{"op": "replace", "path": "/sites/0/subnets", "value": []}])"},
    {"probe interval 1 us",
     R"([{"op": "replace", "path": "/traffic/probes/interval_s", "value": 1e-6}])"},
    {"flow rate 1 Tb/s",
     R"([{"op": "replace", "path": "/traffic/udp_cbr/0/rate_bps", "value": 1000000000000}])"},
};

TEST(ScenarioSchema, RejectsWhatLoaderRejects)
{
    if (!HasPythonJsonSchema())
    {
        GTEST_SKIP() << "python3 with the jsonschema package is not installed";
    }
    std::string pattern = (fs::path(TUNNELSIM_BINARY_DIR) / "schema-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    fs::path directory = pattern;

    json base = ReadJson(kScenarioDir / "three-subnets.json");
    std::vector<std::string> paths;
    for (size_t i = 0; i < std::size(kStructuralCases); ++i)
    {
        json document = base.patch(json::parse(kStructuralCases[i].patch));
        EXPECT_FALSE(ParseScenario(document.dump()).Ok()) << kStructuralCases[i].name;
        std::string path = (directory / (std::to_string(i) + ".json")).string();
        std::ofstream(path) << document.dump(2);
        paths.push_back(path);
    }

    std::map<std::string, std::string> verdicts = ValidateWithSchema(paths);
    EXPECT_EQ(verdicts.size(), paths.size()) << "the jsonschema check failed to run";
    for (size_t i = 0; i < paths.size(); ++i)
    {
        EXPECT_EQ(verdicts[paths[i]], "invalid") << kStructuralCases[i].name;
    }
    std::error_code ignored;
    fs::remove_all(directory, ignored);
}

} // namespace
} // namespace tunnelsim
