// Loading scenario files: every shipped scenario validates, the loaded tree matches the
// file, and syntax errors, duplicate keys and unreadable files come back as typed errors.
#include "ipv4-header.h"
#include "scenario-loader.h"
#include "security-association.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <type_traits>
#include <unistd.h>

namespace tunnelsim
{
namespace
{

namespace fs = std::filesystem;

const fs::path kScenarioDir = fs::path(TUNNELSIM_SOURCE_DIR) / "scenarios";

std::vector<fs::path>
ShippedScenarios()
{
    std::vector<fs::path> files;
    for (const fs::directory_entry& entry : fs::directory_iterator(kScenarioDir))
    {
        std::string name = entry.path().filename().string();
        if (entry.path().extension() == ".json" && name != "scenario.schema.json")
        {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

Scenario
LoadShipped(const std::string& name)
{
    ScenarioLoadResult loaded = LoadScenarioFile((kScenarioDir / name).string());
    EXPECT_TRUE(loaded.Ok()) << loaded.FormatErrors(name);
    return loaded.Ok() ? *loaded.scenario : Scenario{};
}

uint32_t
Address(const char* text)
{
    return *Ipv4FromString(text);
}

size_t
PolicySelectorsPerGateway(const Scenario& scenario)
{
    return ProtectedPrefixes(scenario.sites[0]).size()
           * ProtectedPrefixes(scenario.sites[1]).size();
}

TEST(ShippedScenarios, AllValidate)
{
    std::vector<fs::path> files = ShippedScenarios();
    ASSERT_FALSE(files.empty());
    for (const fs::path& file : files)
    {
        ScenarioLoadResult loaded = LoadScenarioFile(file.string());
        EXPECT_TRUE(loaded.Ok()) << loaded.FormatErrors(file.filename().string());
    }
}

TEST(ShippedScenarios, NamedSetPresent)
{
    std::set<std::string> names;
    for (const fs::path& file : ShippedScenarios())
    {
        names.insert(file.stem().string());
    }
    for (const char* expected : {"three-subnets", "one-subnet", "two-subnets", "individual-hosts",
                                 "subnet-growth", "add-subnet", "ospf-failover"})
    {
        EXPECT_EQ(names.count(expected), 1U) << expected;
    }
}

TEST(ShippedScenarios, NameMatchesFileName)
{
    for (const fs::path& file : ShippedScenarios())
    {
        ScenarioLoadResult loaded = LoadScenarioFile(file.string());
        ASSERT_TRUE(loaded.Ok()) << file;
        EXPECT_EQ(loaded.scenario->name, file.stem().string());
        EXPECT_FALSE(loaded.scenario->description.empty()) << file;
    }
}

TEST(ShippedScenarios, WanUsesDocumentationAddresses)
{
    // RFC 5737 s3: the three blocks reserved for documentation.
    const Ipv4Prefix documentation[]
        = {{Address("192.0.2.0"), 24}, {Address("198.51.100.0"), 24}, {Address("203.0.113.0"), 24}};
    for (const fs::path& file : ShippedScenarios())
    {
        Scenario scenario = LoadShipped(file.filename().string());
        for (const WanLink& link : scenario.links)
        {
            bool inside = std::any_of(std::begin(documentation), std::end(documentation),
                                      [&link](const Ipv4Prefix& block)
                                      {
                                          return block.Contains(link.prefix.network);
                                      });
            EXPECT_TRUE(inside) << file.filename() << " link " << link.name;
        }
    }
}

TEST(ThreeSubnets, SitesAndSelectors)
{
    Scenario scenario = LoadShipped("three-subnets.json");
    ASSERT_EQ(scenario.sites.size(), 2U);
    EXPECT_EQ(scenario.sites[0].subnets.size(), 3U);
    EXPECT_EQ(scenario.sites[1].subnets.size(), 3U);
    EXPECT_EQ(PolicySelectorsPerGateway(scenario), 9U);
    EXPECT_EQ(scenario.sites[0].subnets[1].prefix, (Ipv4Prefix{Address("10.1.5.0"), 24}));
}

TEST(ThreeSubnets, DesignsAndDefaults)
{
    Scenario scenario = LoadShipped("three-subnets.json");
    ASSERT_EQ(scenario.designs.size(), 3U);
    const Design& policy = scenario.designs[0];
    EXPECT_EQ(policy.type, DesignType::PolicyBased);
    EXPECT_EQ(policy.matching, SelectorMatching::Ikev2Narrowing);
    EXPECT_EQ(policy.ike.version, 2U);
    EXPECT_FALSE(policy.routing.has_value());

    const Design& ospf = scenario.designs[2];
    ASSERT_TRUE(ospf.routing.has_value());
    EXPECT_EQ(ospf.routing->protocol, RoutingProtocol::Ospf);
    EXPECT_EQ(ospf.routing->ospf.helloIntervalS, kDefaultOspfHelloIntervalS);
    EXPECT_EQ(ospf.routing->ospf.routerDeadIntervalS, kDefaultOspfRouterDeadIntervalS);
    EXPECT_EQ(ospf.ipsecMode, IpsecMode::Tunnel);
    EXPECT_FALSE(ospf.tunnelMtuBytes.has_value());
    EXPECT_EQ(ospf.cryptoSuiteName, "aes-gcm-128");
    EXPECT_EQ(ospf.cryptoSuite, (EspSuite{EspCipher::AesGcm128, EspIntegrity::None}));
}

TEST(ThreeSubnets, DefaultTunnelJoinsFirstInterfaces)
{
    Scenario scenario = LoadShipped("three-subnets.json");
    for (const Design& design : scenario.designs)
    {
        EXPECT_TRUE(design.tunnelsDefaulted) << design.name;
        ASSERT_EQ(design.tunnels.size(), 1U) << design.name;
        const Tunnel& tunnel = design.tunnels[0];
        EXPECT_EQ(tunnel.name, scenario.sites[0].name + "-" + scenario.sites[1].name);
        EXPECT_EQ(tunnel.endpoints[0].gateway, scenario.sites[0].gateway.name);
        EXPECT_EQ(tunnel.endpoints[0].link, scenario.sites[0].gateway.wanInterfaces[0].link);
        EXPECT_EQ(tunnel.endpoints[1].gateway, scenario.sites[1].gateway.name);
    }
}

TEST(ThreeSubnets, LinkAndFlowValues)
{
    Scenario scenario = LoadShipped("three-subnets.json");
    ASSERT_EQ(scenario.links.size(), 2U);
    const WanLink& link = scenario.links[0];
    EXPECT_EQ(link.rateBps, 100000000U);
    EXPECT_DOUBLE_EQ(link.delayS, 0.005);
    EXPECT_EQ(link.mtuBytes, kDefaultLinkMtuBytes);
    EXPECT_DOUBLE_EQ(link.lossRate, 0.0);

    ASSERT_EQ(scenario.traffic.udpCbr.size(), 1U);
    const UdpCbrFlow& flow = scenario.traffic.udpCbr[0];
    EXPECT_EQ(flow.from, LanHostAddress(scenario.sites[0].subnets[0].prefix, 0));
    EXPECT_EQ(flow.to, LanHostAddress(scenario.sites[1].subnets[0].prefix, 0));
    ASSERT_TRUE(scenario.traffic.probes.has_value());
    EXPECT_DOUBLE_EQ(scenario.traffic.probes->intervalS, 1.0);
}

TEST(ThreeSubnets, LinkEndpointAddresses)
{
    Scenario scenario = LoadShipped("three-subnets.json");
    const WanLink& link = scenario.links[0];
    std::array<uint32_t, 2> addresses = LinkEndpointAddresses(scenario, link);
    // gw-a keeps its configured .1, so the router takes the next usable address.
    EXPECT_EQ(addresses[0], Address("192.0.2.1"));
    EXPECT_EQ(addresses[1], Address("192.0.2.2"));
}

TEST(TwoSubnets, EightSelectorsAgainstTwo)
{
    Scenario scenario = LoadShipped("two-subnets.json");
    EXPECT_EQ(2 * PolicySelectorsPerGateway(scenario), 8U);
    ASSERT_EQ(scenario.designs.size(), 2U);
    EXPECT_EQ(scenario.designs[1].tunnels.size(), 1U);
}

TEST(IndividualHosts, TwelveHostSelectors)
{
    Scenario scenario = LoadShipped("individual-hosts.json");
    const Site& partner = scenario.sites[1];
    ASSERT_TRUE(partner.hostLan.has_value());
    EXPECT_EQ(partner.hostLan->hosts.size(), 12U);
    std::vector<Ipv4Prefix> prefixes = ProtectedPrefixes(partner);
    ASSERT_EQ(prefixes.size(), 12U);
    for (const Ipv4Prefix& prefix : prefixes)
    {
        EXPECT_EQ(prefix.length, 32);
    }
    EXPECT_EQ(scenario.designs[0].ike.version, 1U);
    EXPECT_EQ(scenario.designs[0].matching, SelectorMatching::Ikev1Strict);
}

TEST(SubnetGrowth, SweepExpandsOneToTen)
{
    Scenario scenario = LoadShipped("subnet-growth.json");
    ASSERT_TRUE(scenario.sweep.has_value());
    std::vector<Scenario> runs = ExpandSweep(scenario);
    ASSERT_EQ(runs.size(), 10U);
    for (size_t i = 0; i < runs.size(); ++i)
    {
        uint32_t count = static_cast<uint32_t>(i + 1);
        EXPECT_EQ(runs[i].subnetsPerSite, count);
        EXPECT_FALSE(runs[i].sweep.has_value());
        EXPECT_EQ(runs[i].sites[0].subnets.size(), count);
        EXPECT_EQ(runs[i].sites[1].subnets.size(), count);
        EXPECT_EQ(runs[i].name, "subnet-growth.subnets-" + std::to_string(count));
        EXPECT_TRUE(ValidateScenario(runs[i]).empty()) << runs[i].name;
    }
}

TEST(SubnetGrowth, NoSweepIsOneRun)
{
    Scenario scenario = LoadShipped("three-subnets.json");
    std::vector<Scenario> runs = ExpandSweep(scenario);
    ASSERT_EQ(runs.size(), 1U);
    EXPECT_EQ(runs[0].name, scenario.name);
    EXPECT_FALSE(runs[0].subnetsPerSite.has_value());
}

TEST(AddSubnet, EventLoaded)
{
    Scenario scenario = LoadShipped("add-subnet.json");
    ASSERT_EQ(scenario.events.size(), 1U);
    const ScenarioEvent& event = scenario.events[0];
    EXPECT_DOUBLE_EQ(event.atS, 30.0);
    EXPECT_EQ(EventTypeName(event.action), "subnet-add");
    const auto* add = std::get_if<SubnetAddEvent>(&event.action);
    ASSERT_NE(add, nullptr);
    EXPECT_EQ(add->site, "branch-a");
    EXPECT_EQ(add->subnet.prefix, (Ipv4Prefix{Address("10.1.13.0"), 24}));
}

TEST(OspfFailover, TwoTunnelsAndFloatingRoute)
{
    Scenario scenario = LoadShipped("ospf-failover.json");
    EXPECT_EQ(scenario.routers.size(), 2U);
    ASSERT_EQ(scenario.designs.size(), 3U);
    for (const Design& design : scenario.designs)
    {
        EXPECT_EQ(design.tunnels.size(), 2U) << design.name;
        EXPECT_FALSE(design.tunnelsDefaulted) << design.name;
    }
    EXPECT_EQ(scenario.designs[0].tunnels[1].ospfCost, 20U);
    const Routing& keepalive = *scenario.designs[2].routing;
    ASSERT_TRUE(keepalive.staticRouting.keepalive.has_value());
    EXPECT_EQ(keepalive.staticRouting.keepalive->periodS, 5U);
    EXPECT_TRUE(keepalive.staticRouting.floatingRoutes);
    EXPECT_FALSE(scenario.designs[1].routing->staticRouting.keepalive.has_value());
    ASSERT_EQ(scenario.events.size(), 2U);
    EXPECT_EQ(EventTypeName(scenario.events[0].action), "link-down");
    EXPECT_EQ(EventTypeName(scenario.events[1].action), "link-up");
}

TEST(ScenarioSyntax, LineAndColumn)
{
    // The stray comma ends line 3, so nlohmann reports the '}' at line 4, column 1.
    const std::string text = "{\n  \"name\": \"x\",\n  \"seed\": 1,\n}\n";
    ScenarioLoadResult loaded = ParseScenario(text);
    ASSERT_EQ(loaded.errors.size(), 1U);
    EXPECT_EQ(loaded.errors[0].rule, "json-syntax");
    EXPECT_EQ(loaded.errors[0].pointer, "");
    EXPECT_NE(loaded.errors[0].message.find("line 4, column 1"), std::string::npos)
        << loaded.errors[0].message;
}

TEST(ScenarioSyntax, EmptyText)
{
    ScenarioLoadResult loaded = ParseScenario("");
    ASSERT_EQ(loaded.errors.size(), 1U);
    EXPECT_EQ(loaded.errors[0].rule, "json-syntax");
}

TEST(ScenarioSyntax, DuplicateKeyPointer)
{
    const std::string text = R"({"sites": [{"name": "a"}, {"name": "b", "name": "c"}]})";
    ScenarioLoadResult loaded = ParseScenario(text);
    auto found = std::find_if(loaded.errors.begin(), loaded.errors.end(),
                              [](const ScenarioError& e)
                              {
                                  return e.rule == "duplicate-key";
                              });
    ASSERT_NE(found, loaded.errors.end()) << loaded.FormatErrors();
    EXPECT_EQ(found->pointer, "/sites/1/name");
}

TEST(ScenarioSyntax, RootNotObject)
{
    ScenarioLoadResult loaded = ParseScenario("[1, 2]");
    ASSERT_EQ(loaded.errors.size(), 1U);
    EXPECT_EQ(loaded.errors[0].rule, "wrong-type");
    EXPECT_EQ(loaded.errors[0].pointer, "");
}

TEST(ScenarioFile, MissingFile)
{
    ScenarioLoadResult loaded = LoadScenarioFile((kScenarioDir / "no-such-scenario.json").string());
    ASSERT_EQ(loaded.errors.size(), 1U);
    EXPECT_EQ(loaded.errors[0].rule, "unreadable-file");
    EXPECT_FALSE(loaded.Ok());
}

TEST(ScenarioFile, DirectoryIsUnreadable)
{
    ScenarioLoadResult loaded = LoadScenarioFile(kScenarioDir.string());
    ASSERT_EQ(loaded.errors.size(), 1U);
    EXPECT_EQ(loaded.errors[0].rule, "unreadable-file");
}

TEST(ScenarioErrorText, ContainsAllParts)
{
    ScenarioError error{"/sites/1/subnets/2/prefix", "prefix-host-bits", "bad value",
                        "\"10.1.5.0/24\""};
    std::string text = error.ToString();
    EXPECT_NE(text.find("/sites/1/subnets/2/prefix"), std::string::npos);
    EXPECT_NE(text.find("[prefix-host-bits]"), std::string::npos);
    EXPECT_NE(text.find("valid example: \"10.1.5.0/24\""), std::string::npos);
}

TEST(ScenarioErrorText, PointerTokensEscaped)
{
    EXPECT_EQ(EscapePointerToken("a/b~c"), "a~1b~0c");
}

/** The first ```json block after @p heading in a Markdown file; "" if there is none. */
std::string
JsonBlockAfter(const fs::path& markdown, const std::string& heading)
{
    std::ifstream file(markdown);
    std::stringstream text;
    text << file.rdbuf();
    std::string content = text.str();
    size_t section = content.find("\n" + heading + "\n");
    size_t open = section == std::string::npos ? section : content.find("```json\n", section);
    size_t close = open == std::string::npos ? open : content.find("\n```", open);
    if (close == std::string::npos)
    {
        return "";
    }
    size_t start = open + std::string("```json\n").size();
    return content.substr(start, close + 1 - start);
}

TEST(FormatDocument, FullExampleValidates)
{
    std::string example = JsonBlockAfter(
        fs::path(TUNNELSIM_SOURCE_DIR) / "docs" / "scenario-format.md", "## Full example");
    ASSERT_FALSE(example.empty());
    ScenarioLoadResult loaded = ParseScenario(example);
    ASSERT_TRUE(loaded.Ok()) << loaded.FormatErrors("docs/scenario-format.md");
    const Scenario& scenario = *loaded.scenario;
    EXPECT_EQ(scenario.designs.size(), 3U);
    EXPECT_EQ(scenario.events.size(), 5U);
    EXPECT_EQ(scenario.designs[1].ipsecMode, IpsecMode::Transport);
    EXPECT_EQ(scenario.designs[1].tunnelMtuBytes, 1400U);
    ASSERT_TRUE(scenario.designs[2].ike.dpd.has_value());
    EXPECT_DOUBLE_EQ(scenario.designs[2].ike.dpd->timeoutS, 15.0);
    EXPECT_EQ(scenario.traffic.tcpBulk.size(), 1U);
}

TEST(CryptoSuites, NamesMatchCodec)
{
    for (std::string_view name : CryptoSuiteNames())
    {
        std::optional<EspSuite> suite = CryptoSuiteByName(name);
        ASSERT_TRUE(suite.has_value()) << name;
        EXPECT_EQ(suite->Name(), name);
    }
    EXPECT_EQ(CryptoSuiteNames().size(), 9U);
    EXPECT_FALSE(CryptoSuiteByName("aes-ctr-128").has_value());
}

/// A directory of its own under the system temporary directory, removed at the end.
class TempDir
{
  public:
    TempDir()
      : m_path(fs::temp_directory_path()
               / ("tunnelsim-scenario-load-" + std::to_string(::getpid()) + "-"
                  + ::testing::UnitTest::GetInstance()->current_test_info()->name()))
    {
        fs::create_directories(m_path);
    }

    ~TempDir()
    {
        std::error_code ignored;
        fs::remove_all(m_path, ignored);
    }

    const fs::path& Path() const { return m_path; }

  private:
    fs::path m_path;
};

/// Changes the working directory for the lifetime of the object.
class WorkingDirectory
{
  public:
    explicit WorkingDirectory(const fs::path& directory)
      : m_previous(fs::current_path())
    {
        fs::current_path(directory);
    }

    ~WorkingDirectory()
    {
        std::error_code ignored;
        fs::current_path(m_previous, ignored);
    }

  private:
    fs::path m_previous;
};

const fs::path kShippedTable = fs::path(TUNNELSIM_SOURCE_DIR) / "data/crypto-costs/default.json";

/// scenarios/cipher-suites.json without its "table" keys, written to @p directory.
fs::path
WriteScenarioWithDefaultTable(const fs::path& directory)
{
    std::ifstream in(kScenarioDir / "cipher-suites.json");
    nlohmann::json document = nlohmann::json::parse(in);
    for (nlohmann::json& design : document["designs"])
    {
        design["crypto_engine"].erase("table");
    }
    fs::create_directories(directory);
    const fs::path path = directory / "default-table.json";
    std::ofstream(path) << document.dump(2);
    return path;
}

/// Every design's engine was loaded from @p expected; returns the count of such designs.
size_t
ExpectTablesFrom(const ScenarioLoadResult& loaded, const fs::path& expected)
{
    size_t engines = 0;
    for (const Design& design : loaded.scenario->designs)
    {
        SCOPED_TRACE(design.name);
        if (!design.cryptoEngine)
        {
            continue;
        }
        ++engines;
        EXPECT_TRUE(design.cryptoEngine->tableName.empty());
        EXPECT_EQ(fs::path(design.cryptoEngine->tablePath), expected);
        EXPECT_NE(design.cryptoEngine->table, nullptr);
    }
    return engines;
}

// Neither relative lookup works: the working directory and the scenario's parent directory
// have no data/crypto-costs/default.json, so the source tree's copy is used.
TEST(DefaultCryptoTable, SourceTreeFallback)
{
    TempDir dir;
    const fs::path scenario = WriteScenarioWithDefaultTable(dir.Path() / "scenarios");
    fs::create_directories(dir.Path() / "elsewhere");
    WorkingDirectory cwd(dir.Path() / "elsewhere");

    const ScenarioLoadResult loaded = LoadScenarioFile(scenario.string());
    ASSERT_TRUE(loaded.Ok()) << loaded.FormatErrors(scenario.string());
    EXPECT_EQ(ExpectTablesFrom(loaded, kShippedTable), 6U);
}

TEST(DefaultCryptoTable, ScenarioParentBeforeSourceTree)
{
    TempDir dir;
    const fs::path scenario = WriteScenarioWithDefaultTable(dir.Path() / "scenarios");
    const fs::path table = dir.Path() / "data/crypto-costs/default.json";
    fs::create_directories(table.parent_path());
    fs::copy_file(kShippedTable, table);
    WorkingDirectory cwd(dir.Path() / "scenarios");

    const ScenarioLoadResult loaded = LoadScenarioFile(scenario.string());
    ASSERT_TRUE(loaded.Ok()) << loaded.FormatErrors(scenario.string());
    EXPECT_EQ(ExpectTablesFrom(loaded, table), 6U);
}

TEST(DefaultCryptoTable, WorkingDirectoryFirst)
{
    TempDir dir;
    const fs::path scenario = WriteScenarioWithDefaultTable(dir.Path() / "scenarios");
    const fs::path table = dir.Path() / "data/crypto-costs/default.json";
    fs::create_directories(table.parent_path());
    fs::copy_file(kShippedTable, table);
    WorkingDirectory cwd(dir.Path());

    const ScenarioLoadResult loaded = LoadScenarioFile(scenario.string());
    ASSERT_TRUE(loaded.Ok()) << loaded.FormatErrors(scenario.string());
    EXPECT_EQ(ExpectTablesFrom(loaded, "data/crypto-costs/default.json"), 6U);
}

// scenario.h and the SA model include the same enum, so a file can use both.
TEST(IpsecModeEnum, SharedWithSaModel)
{
    static_assert(
        std::is_same_v<decltype(Design::ipsecMode), decltype(SecurityAssociationConfig::mode)>);
    EXPECT_EQ(ToString(IpsecMode::Tunnel), "tunnel");
    EXPECT_EQ(ToString(IpsecMode::Transport), "transport");
}

} // namespace
} // namespace tunnelsim
