// Results JSON: to_json/from_json round trips byte for byte, keys keep the documented
// order, and documents that do not match the format are rejected with the field's pointer.
#include "results.h"

#include <cmath>
#include <fstream>
#include <gtest/gtest.h>
#include <limits>
#include <sstream>

namespace tunnelsim
{
namespace
{

/** Results with every field set, including nulls, several map keys and awkward doubles. */
Results
MakeSample()
{
    Results results;
    results.scenario = "three-subnets";
    results.seed = 4294944442;
    results.sweep = SweepPoint{"subnets_per_site", 3};

    DesignResults policy;
    policy.name = "policy";
    policy.type = "policy-based";
    policy.selectors.perGateway = {{"gw-b", 9}, {"gw-a", 9}};
    policy.selectors.total = 18;
    policy.sas.childSaPairs = 9;
    policy.sas.installed = 36;
    policy.routes.total = 0;
    policy.reachability = {9, 9};
    policy.convergence.allPairsReachableS = 1.0 / 3.0;
    policy.convergence.phases.ikeEstablishedS = 0.125;
    EventConvergence added;
    added.index = 0;
    added.type = "subnet-add";
    added.atS = 30;
    added.allPairsReachableS = 2.5e-3;
    added.changeCost.perGateway = {{"gw-a", 3}, {"gw-b", 3}};
    added.changeCost.total = 6;
    added.changeCost.items
        = {{"gw-b", {{"selectors_added", 3}}}, {"gw-a", {{"selectors_added", 3}}}};
    added.effects
        = {{"gw-a", {{"connected_routes_added", 1}, {"child_sas_negotiated", 3}}}, {"gw-b", {}}};
    policy.convergence.events.push_back(added);
    policy.throughput.goodputBps = 1999872.5;
    policy.throughput.wireBytesPerPayloadByte = 1.0 + 57.0 / 1200.0;
    policy.throughput.flows.push_back({"video", 1999872.5});
    policy.drops = {{"no-policy", 4}, {"mtu-exceeded", 0}};
    policy.cryptoCost.suite = "aes-gcm-128";

    DesignResults ospf;
    ospf.name = "gre-ospf";
    ospf.type = "gre-over-ipsec";
    ospf.selectors = {2, {{"gw-a", 1}, {"gw-b", 1}}};
    ospf.sas = {1, 2};
    ospf.routes = {6, {{"gw-a", 3}, {"gw-b", 3}}};
    ospf.reachability = {8, 9};
    ospf.convergence.phases.ospfFullS = 40.000000001;
    ospf.convergence.phases.spfDoneS = 1e21;
    ospf.throughput.goodputBps = 0;
    ospf.cryptoCost.model = "linear";
    ospf.cryptoCost.suite = "aes-cbc-128-hmac-sha1-96";
    ospf.cryptoCost.perPacketNs = 850.0;
    ospf.cryptoCost.perByteNs = 0.75;
    CryptoEngineResult engine;
    engine.table = "../data/crypto-costs/default.json";
    engine.scale = 20;
    engine.units = 2;
    engine.queuePackets = 100;
    engine.seal = {7696.0, 24.674};
    engine.open = {7046.0, 12.542};
    engine.gateways = {{"gw-a", 0.625, 17}, {"gw-b", 0.375, 0}};
    ospf.cryptoCost.engine = engine;

    results.designs = {policy, ospf};
    return results;
}

TEST(ResultsJson, RoundTripByteIdentical)
{
    std::string first = SerializeResults(MakeSample());
    ResultsReadResult parsed = ParseResults(first);
    ASSERT_TRUE(parsed.results.has_value()) << parsed.error;
    EXPECT_EQ(SerializeResults(*parsed.results), first);
}

TEST(ResultsJson, RoundTripValues)
{
    Results sample = MakeSample();
    ResultsReadResult parsed = ParseResults(SerializeResults(sample));
    ASSERT_TRUE(parsed.results.has_value()) << parsed.error;
    const Results& back = *parsed.results;
    EXPECT_EQ(back.seed, sample.seed);
    ASSERT_TRUE(back.sweep.has_value());
    EXPECT_EQ(back.sweep->value, 3U);
    ASSERT_EQ(back.designs.size(), 2U);
    const DesignResults& policy = back.designs[0];
    EXPECT_EQ(policy.convergence.allPairsReachableS,
              sample.designs[0].convergence.allPairsReachableS);
    EXPECT_EQ(policy.throughput.wireBytesPerPayloadByte,
              sample.designs[0].throughput.wireBytesPerPayloadByte);
    EXPECT_EQ(policy.selectors.perGateway, sample.designs[0].selectors.perGateway);
    EXPECT_EQ(policy.drops, sample.designs[0].drops);
    ASSERT_EQ(policy.convergence.events.size(), 1U);
    EXPECT_EQ(policy.convergence.events[0].changeCost.total, 6U);
    EXPECT_EQ(policy.convergence.events[0].changeCost.items,
              sample.designs[0].convergence.events[0].changeCost.items);
    EXPECT_EQ(policy.convergence.events[0].effects,
              sample.designs[0].convergence.events[0].effects);
    EXPECT_FALSE(policy.convergence.phases.ospfFullS.has_value());
    EXPECT_FALSE(back.designs[1].convergence.allPairsReachableS.has_value());
    EXPECT_EQ(back.designs[1].cryptoCost.perPacketNs, 850.0);
    EXPECT_FALSE(back.designs[0].cryptoCost.engine.has_value());
    ASSERT_TRUE(back.designs[1].cryptoCost.engine.has_value());
    EXPECT_EQ(back.designs[1].cryptoCost.engine->units, 2U);
    EXPECT_EQ(back.designs[1].cryptoCost.engine->open.perByteNs, 12.542);
    ASSERT_EQ(back.designs[1].cryptoCost.engine->gateways.size(), 2U);
    EXPECT_EQ(back.designs[1].cryptoCost.engine->gateways[0].queueDrops, 17U);
}

TEST(ResultsJson, NoSweepIsNull)
{
    Results sample = MakeSample();
    sample.sweep.reset();
    ResultsJson json = sample;
    EXPECT_TRUE(json.at("sweep").is_null());
    ResultsReadResult parsed = ParseResults(SerializeResults(sample));
    ASSERT_TRUE(parsed.results.has_value()) << parsed.error;
    EXPECT_FALSE(parsed.results->sweep.has_value());
}

TEST(ResultsJson, TopLevelKeyOrder)
{
    ResultsJson json = MakeSample();
    std::vector<std::string> keys;
    for (const auto& item : json.items())
    {
        keys.push_back(item.key());
    }
    EXPECT_EQ(keys,
              (std::vector<std::string>{"format_version", "scenario", "seed", "sweep", "designs"}));
}

TEST(ResultsJson, DesignKeyOrder)
{
    ResultsJson json = MakeSample();
    std::vector<std::string> keys;
    for (const auto& item : json.at("designs").at(0).items())
    {
        keys.push_back(item.key());
    }
    EXPECT_EQ(keys, (std::vector<std::string>{"name", "type", "selectors", "sas", "routes",
                                              "reachability", "convergence", "throughput", "drops",
                                              "crypto_cost"}));
}

TEST(ResultsJson, EventKeyOrder)
{
    ResultsJson json = MakeSample();
    const ResultsJson& event = json.at("designs").at(0).at("convergence").at("events").at(0);
    std::vector<std::string> keys;
    for (const auto& item : event.items())
    {
        keys.push_back(item.key());
    }
    EXPECT_EQ(keys, (std::vector<std::string>{"index", "type", "at_s", "all_pairs_reachable_s",
                                              "change_cost", "effects"}));
    std::vector<std::string> costKeys;
    for (const auto& item : event.at("change_cost").items())
    {
        costKeys.push_back(item.key());
    }
    EXPECT_EQ(costKeys, (std::vector<std::string>{"total", "per_gateway", "items"}));
}

TEST(ResultsJson, EmptyGatewayChangesWritten)
{
    // A gateway where nothing changed is listed with an empty object, not left out.
    ResultsJson json = MakeSample();
    const ResultsJson& effects
        = json.at("designs").at(0).at("convergence").at("events").at(0).at("effects");
    ASSERT_TRUE(effects.contains("gw-b"));
    EXPECT_TRUE(effects.at("gw-b").is_object());
    EXPECT_TRUE(effects.at("gw-b").empty());
}

TEST(ResultsJson, MissingChangesReadAsEmpty)
{
    // Files written before items and effects existed still read.
    ResultsJson json = MakeSample();
    ResultsJson& event = json["designs"][0]["convergence"]["events"][0];
    event["change_cost"].erase("items");
    event.erase("effects");
    ResultsReadResult parsed = ParseResults(json.dump());
    ASSERT_TRUE(parsed.results.has_value()) << parsed.error;
    const EventConvergence& read = parsed.results->designs[0].convergence.events[0];
    EXPECT_TRUE(read.changeCost.items.empty());
    EXPECT_TRUE(read.effects.empty());
    EXPECT_EQ(read.changeCost.total, 6U);
}

TEST(ResultsJson, MapOrderIndependent)
{
    // Gateway maps are sorted by name whatever order the counts were recorded in.
    Results forward = MakeSample();
    Results backward = MakeSample();
    forward.designs[0].drops = {{"a-reason", 1}, {"z-reason", 2}};
    backward.designs[0].drops.clear();
    backward.designs[0].drops["z-reason"] = 2;
    backward.designs[0].drops["a-reason"] = 1;
    EXPECT_EQ(SerializeResults(forward), SerializeResults(backward));
}

TEST(ResultsJson, TextLayout)
{
    std::string text = SerializeResults(MakeSample());
    ASSERT_FALSE(text.empty());
    EXPECT_EQ(text.back(), '\n');
    EXPECT_EQ(text.rfind("{\n  \"format_version\": 1,\n", 0), 0U) << text.substr(0, 40);
}

TEST(ResultsJson, NanRejectedWithPointer)
{
    Results sample = MakeSample();
    sample.designs[1].throughput.goodputBps = std::numeric_limits<double>::quiet_NaN();
    try
    {
        SerializeResults(sample);
        FAIL() << "NaN was serialized";
    }
    catch (const std::domain_error& error)
    {
        EXPECT_NE(std::string(error.what()).find("/designs/1/throughput/goodput_bps"),
                  std::string::npos)
            << error.what();
    }
}

TEST(ResultsJson, InfinityInNullableRejected)
{
    Results sample = MakeSample();
    sample.designs[0].convergence.allPairsReachableS = std::numeric_limits<double>::infinity();
    EXPECT_THROW(SerializeResults(sample), std::domain_error);
}

/** Parse error for @p json after applying @p edit to a serialized sample. */
template<typename Edit>
std::string
ErrorAfterEdit(Edit edit)
{
    ResultsJson json = MakeSample();
    edit(json);
    ResultsReadResult parsed = ParseResults(json.dump());
    EXPECT_FALSE(parsed.results.has_value());
    return parsed.error;
}

TEST(ResultsJson, MissingKeyNamed)
{
    std::string error = ErrorAfterEdit(
        [](ResultsJson& json)
        {
            json["designs"][0]["sas"].erase("installed");
        });
    EXPECT_NE(error.find("/designs/0/sas/installed"), std::string::npos) << error;
}

TEST(ResultsJson, WrongTypeNamed)
{
    std::string error = ErrorAfterEdit(
        [](ResultsJson& json)
        {
            json["seed"] = "1";
        });
    EXPECT_NE(error.find("/seed"), std::string::npos) << error;
}

TEST(ResultsJson, NegativeCountRejected)
{
    std::string error = ErrorAfterEdit(
        [](ResultsJson& json)
        {
            json["designs"][1]["selectors"]["per_gateway"]["gw-a"] = -1;
        });
    EXPECT_NE(error.find("/designs/1/selectors/per_gateway/gw-a"), std::string::npos) << error;
}

TEST(ResultsJson, NumberForNullableAccepted)
{
    ResultsJson json = MakeSample();
    json["designs"][1]["convergence"]["all_pairs_reachable_s"] = 12;
    ResultsReadResult parsed = ParseResults(json.dump());
    ASSERT_TRUE(parsed.results.has_value()) << parsed.error;
    EXPECT_EQ(parsed.results->designs[1].convergence.allPairsReachableS, 12.0);
}

TEST(ResultsJson, UnsupportedVersion)
{
    std::string error = ErrorAfterEdit(
        [](ResultsJson& json)
        {
            json["format_version"] = kResultsFormatVersion + 1;
        });
    EXPECT_NE(error.find("/format_version"), std::string::npos) << error;
}

TEST(ResultsJson, InvalidJson)
{
    ResultsReadResult parsed = ParseResults("{\"format_version\": 1,");
    EXPECT_FALSE(parsed.results.has_value());
    EXPECT_NE(parsed.error.find("invalid JSON"), std::string::npos) << parsed.error;
}

TEST(ResultsJson, BadChangeCountNamed)
{
    std::string error = ErrorAfterEdit(
        [](ResultsJson& json)
        {
            json["designs"][0]["convergence"]["events"][0]["effects"]["gw-a"]
                ["connected_routes_added"]
                = "one";
        });
    EXPECT_NE(error.find("/designs/0/convergence/events/0/effects/gw-a/connected_routes_added"),
              std::string::npos)
        << error;
}

TEST(ResultsJson, ItemsNotObjectRejected)
{
    std::string error = ErrorAfterEdit(
        [](ResultsJson& json)
        {
            json["designs"][0]["convergence"]["events"][0]["change_cost"]["items"] = 3;
        });
    EXPECT_NE(error.find("/designs/0/convergence/events/0/change_cost/items"), std::string::npos)
        << error;
}

TEST(ResultsJson, DocumentExampleIsCanonical)
{
    // The example in docs/results-format.md must be exactly what the writer produces.
    std::ifstream file(std::string(TUNNELSIM_SOURCE_DIR) + "/docs/results-format.md");
    std::stringstream text;
    text << file.rdbuf();
    std::string content = text.str();
    size_t section = content.find("\n## Example\n");
    ASSERT_NE(section, std::string::npos);
    size_t open = content.find("```json\n", section);
    ASSERT_NE(open, std::string::npos);
    size_t start = open + std::string("```json\n").size();
    size_t close = content.find("\n```", start);
    ASSERT_NE(close, std::string::npos);
    std::string example = content.substr(start, close + 1 - start);

    ResultsReadResult parsed = ParseResults(example);
    ASSERT_TRUE(parsed.results.has_value()) << parsed.error;
    EXPECT_EQ(SerializeResults(*parsed.results), example);
}

} // namespace
} // namespace tunnelsim
