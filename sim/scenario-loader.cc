#include "scenario-loader.h"

#include "crypto-cost-json.h"
#include "scenario-json-reader.h"
#include "topology-design.h"
#include "topology.h"

#include <cmath>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace tunnelsim
{

namespace
{

using nlohmann::json;

/// Maximum duration_s, in seconds (one week of simulated time).
constexpr double kMaxDurationS = 7 * 24 * 3600;
/// ns-3 seeds MRG32k3a with the same value in all six state words, so 0 (an all-zero state)
/// is invalid and the value must stay below the second modulus, 4294944443 (L'Ecuyer 1999).
constexpr uint64_t kMaxSeed = 4294944442;
/// Largest UDP payload in one IPv4 datagram: 65535 - 20 (IPv4) - 8 (UDP), in bytes.
constexpr uint32_t kMaxUdpPayloadBytes = 65507;
/// Smallest probe payload: ns-3's SeqTsHeader (32-bit sequence, 64-bit timestamp), bytes.
constexpr uint32_t kMinProbeSizeBytes = 12;
/// OSPF HelloInterval is a 16-bit field in seconds (RFC 2328 A.3.2).
constexpr uint64_t kMaxOspfHelloIntervalS = 65535;
/// OSPF RouterDeadInterval is a 32-bit field in seconds (RFC 2328 A.3.2).
constexpr uint64_t kMaxOspfRouterDeadIntervalS = 4294967295;
/// OSPF interface output cost is a 16-bit value (RFC 2328 C.3), 1 to 65535.
constexpr uint64_t kMaxOspfCost = 65535;
/// SPF throttle timers above 10 minutes are taken for a unit mistake, in ms.
constexpr uint64_t kMaxSpfTimerMs = 600000;
/// GRE keepalive period range in seconds (Cisco IOS "keepalive" accepts 1 to 32767).
constexpr uint64_t kMaxGreKeepalivePeriodS = 32767;
/// GRE keepalive retries range (Cisco IOS accepts 1 to 255).
constexpr uint64_t kMaxGreKeepaliveRetries = 255;
/// Hosts generated per subnet at most: enough for a /22 and small enough to simulate.
constexpr uint64_t kMaxHostsPerSubnet = 1022;
/// Largest subnet sweep, in subnets per site.
constexpr uint64_t kMaxSweepSubnets = 256;

// Examples shown with errors. Each is valid JSON for the place it is shown.
const char* const kExampleSubnet = R"({"prefix": "10.1.1.0/24", "hosts": 2})";
const char* const kExampleSite
    = R"({"name": "branch-a", "gateway": {"name": "gw-a", "wan_interfaces": )"
      R"([{"link": "a-isp", "address": "192.0.2.1"}]}, "subnets": [{"prefix": "10.1.1.0/24"}]})";
const char* const kExampleWanInterface = R"({"link": "a-isp", "address": "192.0.2.1"})";
const char* const kExampleLink
    = R"({"name": "a-isp", "endpoints": ["gw-a", "isp"], "prefix": "192.0.2.0/30", )"
      R"("rate_bps": 100000000, "delay_ms": 5})";
const char* const kExampleDesign
    = R"({"name": "gre-ospf", "type": "gre-over-ipsec", "routing": {"protocol": "ospf"}, )"
      R"("crypto": {"suite": "aes-gcm-128"}})";
const char* const kExampleTunnel
    = R"({"name": "a-b", "endpoints": [{"gateway": "gw-a", "link": "a-isp"}, )"
      R"({"gateway": "gw-b", "link": "b-isp"}]})";
const char* const kExampleUdpFlow
    = R"({"name": "video", "from": "10.1.1.2", "to": "10.2.2.2", "rate_bps": 2000000, )"
      R"("packet_size_bytes": 1200, "start_s": 5, "stop_s": 55})";
const char* const kExampleTcpFlow
    = R"({"name": "backup", "from": "10.1.1.2", "to": "10.2.2.2", "start_s": 5, "stop_s": 55})";
const char* const kExampleEvent = R"({"at_s": 30, "type": "link-down", "link": "a-isp"})";

const std::vector<std::pair<std::string_view, DesignType>> kDesignTypes = {
    {"policy-based", DesignType::PolicyBased},
    {"gre-over-ipsec", DesignType::GreOverIpsec},
    {"vti", DesignType::Vti},
};
const std::vector<std::pair<std::string_view, SelectorMatching>> kMatchings = {
    {"ikev1-strict", SelectorMatching::Ikev1Strict},
    {"ikev2-narrowing", SelectorMatching::Ikev2Narrowing},
};
const std::vector<std::pair<std::string_view, RoutingProtocol>> kRoutingProtocols = {
    {"static", RoutingProtocol::Static},
    {"ospf", RoutingProtocol::Ospf},
};
const std::vector<std::pair<std::string_view, IpsecMode>> kIpsecModes = {
    {"tunnel", IpsecMode::Tunnel},
    {"transport", IpsecMode::Transport},
};
const std::vector<std::string_view> kEventTypes
    = {"link-down", "link-up", "subnet-add", "subnet-remove", "gateway-restart"};

/// The block the runner takes the tunnel inside addresses from (kTunnelAddressBase), the
/// IPv4 link-local block 169.254.0.0/16 (RFC 3927 s2.1).
constexpr Ipv4Prefix kTunnelAddressBlock{kTunnelAddressBase, 16};

/**
 * Report @p prefix at @p field when it is not unicast host space (FindReservedIpv4Block) or
 * overlaps the tunnel inside address block. True when the prefix may be used.
 */
bool
CheckUnicastPrefix(const JsonField& field, const Ipv4Prefix& prefix)
{
    if (std::optional<ReservedIpv4Block> block = FindReservedIpv4Block(prefix))
    {
        field.Report(rule::kReservedPrefix,
                     fmt::format("{} overlaps {}, which is {}: hosts and links need unicast "
                                 "addresses",
                                 prefix.ToString(), block->prefix.ToString(), block->description));
        return false;
    }
    if (kTunnelAddressBlock.Overlaps(prefix))
    {
        field.Report(rule::kReservedPrefix,
                     fmt::format("{} overlaps {}, from which the runner takes the tunnel inside "
                                 "addresses",
                                 prefix.ToString(), kTunnelAddressBlock.ToString()));
        return false;
    }
    return true;
}

/// Deepest nesting of arrays and objects accepted. A scenario needs 7 levels (the root object
/// down to /designs/0/tunnels/0/endpoints/0), so deeper text is a mistake or an attack.
constexpr size_t kMaxScenarioJsonDepth = 64;

/// Largest crypto engine time for one packet, in ns: a packet that takes longer than the
/// longest run (kMaxDurationS) to seal is a mistake, and ns-3 Time must not overflow.
constexpr double kMaxScaledCryptoCostNs = kMaxDurationS * 1e9;

/**
 * Report @p scale when it makes the seal or open time of the largest IPv4 datagram
 * (kMaxIpv4DatagramBytes) in @p cost infinite or longer than kMaxScaledCryptoCostNs.
 */
bool
CheckScaledCosts(const JsonField& scale, const SuiteCryptoCost& cost, double factor)
{
    for (const CryptoCostFit* fit : {&cost.seal, &cost.open})
    {
        double largest = fit->NanosecondsFor(kMaxIpv4DatagramBytes) * factor;
        if (std::isfinite(largest) && largest <= kMaxScaledCryptoCostNs)
        {
            continue;
        }
        scale.Report(rule::kOutOfRange,
                     fmt::format("scale {} makes one {}-byte packet take {} ns in the crypto "
                                 "engine; the scaled cost must be finite and at most {} ns (one "
                                 "week)",
                                 factor, kMaxIpv4DatagramBytes, largest, kMaxScaledCryptoCostNs));
        return false;
    }
    return true;
}

/// Shortest probe interval, in seconds. The results measure convergence in probe intervals,
/// and the failure detections modelled (OSPF dead interval, DPD, keepalives) take seconds.
/// So 1 ms resolves them finely, and a shorter interval only multiplies the events.
constexpr double kMinProbeIntervalS = 0.001;
/// Largest UDP flow rate, in bits per second: the rate of the host's LAN (kLanRateBps),
/// which is as fast as a host can send.
constexpr uint64_t kMaxFlowRateBps = kLanRateBps;
/// Largest WAN link rate, in bits per second (10 Tb/s). In ns-3 3.37 a rate near 2^64 b/s
/// gave a link that carried nothing, and 10 Tb/s is above any WAN link a scenario needs.
constexpr uint64_t kMaxLinkRateBps = 10000000000000;

/// Seconds from a value given in milliseconds.
constexpr double kSecondsPerMillisecond = 1e-3;

/**
 * Records where each duplicate key of every object is while nlohmann/json parses, since the
 * parsed value keeps only the last of them.
 */
class DuplicateKeyFinder
{
  public:
    explicit DuplicateKeyFinder(ScenarioErrorList& errors)
      : m_errors(errors)
    {
    }

    /// Thrown from OnEvent to stop the parser when arrays and objects nest too deep.
    struct TooDeep
    {
    };

    bool OnEvent(json::parse_event_t event, const json& parsed)
    {
        switch (event)
        {
            case json::parse_event_t::object_start:
            case json::parse_event_t::array_start:
                // Each frame stores its full pointer, so the frames of a deep document take
                // memory quadratic in its depth. Stop well before that matters.
                if (m_frames.size() >= kMaxScenarioJsonDepth)
                {
                    throw TooDeep{};
                }
                m_frames.push_back(
                    Frame{ChildPointer(), event == json::parse_event_t::array_start, 0, {}, {}});
                break;
            case json::parse_event_t::object_end:
            case json::parse_event_t::array_end:
                if (!m_frames.empty())
                {
                    m_frames.pop_back();
                }
                break;
            case json::parse_event_t::key:
                OnKey(parsed.get<std::string>());
                break;
            case json::parse_event_t::value:
                ChildPointer();
                break;
        }
        return true;
    }

  private:
    struct Frame
    {
        std::string pointer;
        bool isArray;
        size_t nextIndex;
        std::string pendingKey;
        std::set<std::string> keys;
    };

    /// Pointer of the value that starts now, advancing the enclosing array's index.
    std::string ChildPointer()
    {
        if (m_frames.empty())
        {
            return "";
        }
        Frame& parent = m_frames.back();
        if (parent.isArray)
        {
            return parent.pointer + "/" + std::to_string(parent.nextIndex++);
        }
        return parent.pointer + "/" + EscapePointerToken(parent.pendingKey);
    }

    void OnKey(const std::string& key)
    {
        if (m_frames.empty())
        {
            return;
        }
        Frame& frame = m_frames.back();
        frame.pendingKey = key;
        if (!frame.keys.insert(key).second)
        {
            m_errors.Add(frame.pointer + "/" + EscapePointerToken(key), rule::kDuplicateKey,
                         fmt::format("key {} appears more than once in this object; JSON parsers "
                                     "keep only one of the values",
                                     Quote(key)),
                         "");
        }
    }

    ScenarioErrorList& m_errors;
    std::vector<Frame> m_frames;
};

/** Line and column (both from 1) of the byte at 1-based position @p byte of @p text. */
std::pair<size_t, size_t>
LineAndColumn(std::string_view text, size_t byte)
{
    size_t line = 1;
    size_t column = 1;
    size_t end = std::min(text.size(), byte > 0 ? byte - 1 : 0);
    for (size_t i = 0; i < end; ++i)
    {
        if (text[i] == '\n')
        {
            ++line;
            column = 1;
        }
        else
        {
            ++column;
        }
    }
    return {line, column};
}

/** nlohmann's reason without its "[json.exception...] parse error at line, column:" prefix. */
std::string
ParseErrorReason(const json::parse_error& error)
{
    std::string text = error.what();
    size_t column = text.find("column ");
    size_t colon = column == std::string::npos ? std::string::npos : text.find(": ", column);
    return colon == std::string::npos ? text : text.substr(colon + 2);
}

/** nlohmann's message without its "[json.exception.<kind>.<id>] " prefix. */
std::string
ExceptionReason(const json::exception& error)
{
    std::string text = error.what();
    size_t end = text.rfind("] ", text.find(' '));
    return text.rfind("[json.exception", 0) == 0 && end != std::string::npos ? text.substr(end + 2)
                                                                             : text;
}

/**
 * " at line L, column C" for the first occurrence in @p text of the token that @p message
 * quotes in single quotes (nlohmann's "number overflow parsing '1e400'"); "" if not found.
 */
std::string
QuotedTokenPosition(std::string_view text, std::string_view message)
{
    size_t open = message.find('\'');
    size_t close = open == std::string_view::npos ? open : message.find('\'', open + 1);
    if (close == std::string_view::npos || close == open + 1)
    {
        return "";
    }
    size_t found = text.find(message.substr(open + 1, close - open - 1));
    if (found == std::string_view::npos)
    {
        return "";
    }
    auto [line, column] = LineAndColumn(text, found + 1);
    return fmt::format(" at line {}, column {}", line, column);
}

/// The shipped measured cost table, relative to the repository root (docs/crypto-cost-model.md).
constexpr std::string_view kDefaultCryptoTableFile = "data/crypto-costs/default.json";
/// The same table under the data directory of the source tree this program was built from
/// (sim/CMakeLists.txt defines it).
constexpr std::string_view kSourceTreeDataDirectory = TUNNELSIM_SOURCE_DATA_DIR;

/**
 * Candidate paths of the shipped cost table, in the order they are tried: relative to the
 * working directory (the repository root), relative to the parent of @p scenarioDirectory
 * (scenarios/ in the repository), then in the source tree's data directory.
 */
std::vector<std::filesystem::path>
DefaultCryptoTableCandidates(const std::string& scenarioDirectory)
{
    namespace fs = std::filesystem;
    std::vector<fs::path> candidates{fs::path(kDefaultCryptoTableFile)};
    if (!scenarioDirectory.empty())
    {
        candidates.push_back(
            (fs::path(scenarioDirectory) / ".." / kDefaultCryptoTableFile).lexically_normal());
    }
    const fs::path dataRelative = fs::path(kDefaultCryptoTableFile).lexically_relative("data");
    candidates.push_back(fs::path(kSourceTreeDataDirectory) / dataRelative);
    return candidates;
}

/** Reads one scenario document; each method reads one part and records its errors. */
class ScenarioReader
{
  public:
    ScenarioReader(ScenarioErrorList& errors, std::string baseDirectory)
      : m_errors(errors)
      , m_baseDirectory(std::move(baseDirectory))
    {
    }

    Scenario Read(const json& document);

  private:
    void ReadSite(const JsonField& field, Site& site);
    void ReadGateway(const JsonField& field, Gateway& gateway);
    void ReadSubnet(const JsonField& field, LanSubnet& subnet);
    void ReadHostLan(const JsonField& field, HostLan& hostLan);
    void ReadWan(const JsonField& field, Scenario& scenario);
    void ReadLink(const JsonField& field, WanLink& link);
    void ReadDesign(const JsonField& field, Design& design);
    void ReadRouting(const JsonField& field, Design& design);
    void ReadIke(const JsonField& field, Design& design);
    void ReadCryptoEngine(const JsonField& field, Design& design);
    void ReadTunnel(const JsonField& field, Tunnel& tunnel);
    void ReadTraffic(const JsonField& field, Traffic& traffic);
    void ReadUdpFlow(const JsonField& field, UdpCbrFlow& flow);
    void ReadTcpFlow(const JsonField& field, TcpBulkFlow& flow);
    void ReadEvent(const JsonField& field, ScenarioEvent& event);
    void ReadSweep(const JsonField& field, Scenario& scenario);

    ScenarioErrorList& m_errors;
    /// Directory of the scenario file; relative table paths are resolved against it.
    std::string m_baseDirectory;
};

Scenario
ScenarioReader::Read(const json& document)
{
    Scenario scenario;
    JsonField rootField(&document, "", "{\"format_version\": 1, ...}", &m_errors);
    ObjectReader root = rootField.Object();
    if (!root.Valid())
    {
        return scenario;
    }

    JsonField version = root.Required("format_version", "1");
    uint64_t formatVersion = 0;
    if (version.Unsigned(0, std::numeric_limits<uint32_t>::max(), formatVersion)
        && formatVersion != kScenarioFormatVersion)
    {
        version.Report(rule::kFormatVersion,
                       fmt::format("format version {} is not supported: this tunnelsim reads "
                                   "version {}",
                                   formatVersion, kScenarioFormatVersion));
    }

    root.Required("name", "\"three-subnets\"").Name(scenario.name);
    root.Required("description", "\"Two sites with three subnets each.\"")
        .String(scenario.description);
    root.Required("duration_s", "60").Number({0, kMaxDurationS, true}, scenario.durationS);
    root.Required("seed", "1").Integer<uint32_t>(1, kMaxSeed, scenario.seed);

    for (const JsonField& element :
         root.Required("sites", "[" + std::string(kExampleSite) + "]").Array(2, kExampleSite))
    {
        scenario.sites.emplace_back();
        ReadSite(element, scenario.sites.back());
    }

    ReadWan(root.Required("wan", R"({"routers": [{"name": "isp"}], "links": [...]})"), scenario);

    for (const JsonField& element :
         root.Required("designs", "[" + std::string(kExampleDesign) + "]").Array(1, kExampleDesign))
    {
        scenario.designs.emplace_back();
        ReadDesign(element, scenario.designs.back());
    }

    ReadTraffic(root.Required("traffic", R"({"probes": {"interval_s": 1}})"), scenario.traffic);

    for (const JsonField& element :
         root.Optional("events", "[" + std::string(kExampleEvent) + "]").Array(0, kExampleEvent))
    {
        scenario.events.emplace_back();
        ReadEvent(element, scenario.events.back());
    }

    ReadSweep(root.Optional("sweep", R"({"subnets_per_site": {"min": 1, "max": 10}})"), scenario);

    root.ReportUnknownKeys();
    return scenario;
}

void
ScenarioReader::ReadSite(const JsonField& field, Site& site)
{
    ObjectReader object = field.Object();
    object.Required("name", "\"branch-a\"").Name(site.name);
    ReadGateway(object.Required("gateway", R"({"name": "gw-a", "wan_interfaces": [)"
                                               + std::string(kExampleWanInterface) + "]}"),
                site.gateway);

    for (const JsonField& element :
         object.Optional("subnets", "[" + std::string(kExampleSubnet) + "]")
             .Array(0, kExampleSubnet))
    {
        site.subnets.emplace_back();
        ReadSubnet(element, site.subnets.back());
    }

    JsonField hostLan
        = object.Optional("host_lan", R"({"prefix": "10.2.0.0/24", "hosts": ["10.2.0.11"]})");
    if (hostLan.Present())
    {
        site.hostLan.emplace();
        ReadHostLan(hostLan, *site.hostLan);
    }

    if (object.Valid() && !object.Has("subnets") && !object.Has("host_lan"))
    {
        m_errors.Add(object.Pointer(), rule::kMissingKey,
                     "a site needs \"subnets\", \"host_lan\" or both",
                     "\"subnets\": [" + std::string(kExampleSubnet) + "]");
    }
    else if (object.Valid() && !object.Has("host_lan") && object.Has("subnets")
             && object.Optional("subnets", "").Value()->is_array()
             && object.Optional("subnets", "").Value()->empty())
    {
        // An empty list leaves the site nothing to protect or probe.
        m_errors.Add(object.Pointer() + "/subnets", rule::kTooFewItems,
                     "the list has 0 item(s): a site without \"host_lan\" needs at least 1 subnet",
                     "[" + std::string(kExampleSubnet) + "]");
    }
    object.ReportUnknownKeys();
}

void
ScenarioReader::ReadGateway(const JsonField& field, Gateway& gateway)
{
    ObjectReader object = field.Object();
    object.Required("name", "\"gw-a\"").Name(gateway.name);
    for (const JsonField& element :
         object.Required("wan_interfaces", "[" + std::string(kExampleWanInterface) + "]")
             .Array(1, kExampleWanInterface))
    {
        ObjectReader wan = element.Object();
        WanInterface interface;
        wan.Required("link", "\"a-isp\"").Name(interface.link);
        wan.Required("address", "\"192.0.2.1\"").Address(interface.address);
        wan.ReportUnknownKeys();
        gateway.wanInterfaces.push_back(interface);
    }
    object.ReportUnknownKeys();
}

void
ScenarioReader::ReadSubnet(const JsonField& field, LanSubnet& subnet)
{
    ObjectReader object = field.Object();
    JsonField prefix = object.Required("prefix", "\"10.1.1.0/24\"");
    if (prefix.Prefix(subnet.prefix))
    {
        CheckUnicastPrefix(prefix, subnet.prefix);
    }
    object.Optional("hosts", "2").Integer<uint32_t>(1, kMaxHostsPerSubnet, subnet.hosts);
    object.ReportUnknownKeys();
}

void
ScenarioReader::ReadHostLan(const JsonField& field, HostLan& hostLan)
{
    ObjectReader object = field.Object();
    JsonField prefix = object.Required("prefix", "\"10.2.0.0/24\"");
    if (prefix.Prefix(hostLan.prefix))
    {
        CheckUnicastPrefix(prefix, hostLan.prefix);
    }
    for (const JsonField& element :
         object.Required("hosts", R"(["10.2.0.11", "10.2.0.12"])").Array(1, "\"10.2.0.11\""))
    {
        uint32_t address = 0;
        if (element.Address(address))
        {
            hostLan.hosts.push_back(address);
        }
    }
    object.ReportUnknownKeys();
}

void
ScenarioReader::ReadWan(const JsonField& field, Scenario& scenario)
{
    ObjectReader object = field.Object();
    for (const JsonField& element :
         object.Optional("routers", R"([{"name": "isp"}])").Array(0, R"({"name": "isp"})"))
    {
        ObjectReader router = element.Object();
        WanRouter wanRouter;
        router.Required("name", "\"isp\"").Name(wanRouter.name);
        router.ReportUnknownKeys();
        scenario.routers.push_back(wanRouter);
    }
    for (const JsonField& element :
         object.Required("links", "[" + std::string(kExampleLink) + "]").Array(1, kExampleLink))
    {
        scenario.links.emplace_back();
        ReadLink(element, scenario.links.back());
    }
    object.ReportUnknownKeys();
}

void
ScenarioReader::ReadLink(const JsonField& field, WanLink& link)
{
    ObjectReader object = field.Object();
    object.Required("name", "\"a-isp\"").Name(link.name);

    JsonField endpoints = object.Required("endpoints", R"(["gw-a", "isp"])");
    std::vector<JsonField> names = endpoints.Array(2, "\"gw-a\"");
    if (names.size() > 2)
    {
        endpoints.Report(
            rule::kOutOfRange,
            fmt::format("a point-to-point link has exactly 2 endpoints, got {}", names.size()));
    }
    for (size_t i = 0; i < names.size() && i < 2; ++i)
    {
        names[i].Name(link.endpoints[i]);
    }

    JsonField prefix = object.Required("prefix", "\"192.0.2.0/30\"");
    if (prefix.Prefix(link.prefix))
    {
        CheckUnicastPrefix(prefix, link.prefix);
    }
    object.Required("rate_bps", "100000000").Integer<uint64_t>(1, kMaxLinkRateBps, link.rateBps);
    double delayMs = 0;
    if (object.Required("delay_ms", "5").Number({0, 60000}, delayMs))
    {
        link.delayS = delayMs * kSecondsPerMillisecond;
    }
    object.Optional("loss_rate", "0.001").Number({0, 1}, link.lossRate);
    object.Optional("mtu_bytes", "1500")
        .Integer<uint32_t>(kMinIpv4MtuBytes, kMaxIpv4DatagramBytes, link.mtuBytes);
    object.ReportUnknownKeys();
}

void
ScenarioReader::ReadDesign(const JsonField& field, Design& design)
{
    ObjectReader object = field.Object();
    object.Required("name", "\"gre-ospf\"").Name(design.name);
    bool typeKnown = object.Required("type", "\"gre-over-ipsec\"").Enum(kDesignTypes, design.type);
    bool policyBased = design.type == DesignType::PolicyBased;

    // Settings that exist only for one family of designs. With an unreadable type, no
    // combination can be judged, so only the values themselves are checked.
    JsonField matching = object.Optional("matching", "\"ikev2-narrowing\"");
    SelectorMatching matchingValue = SelectorMatching::Ikev2Narrowing;
    if (matching.Enum(kMatchings, matchingValue))
    {
        design.matching = matchingValue;
    }
    if (typeKnown && policyBased && !matching.Present())
    {
        m_errors.Add(matching.Pointer(), rule::kMissingKey,
                     "a policy-based design needs \"matching\": \"ikev1-strict\" or "
                     "\"ikev2-narrowing\"",
                     matching.Example());
    }
    if (typeKnown && !policyBased && matching.Present())
    {
        matching.Report(rule::kUnsupportedCombination,
                        fmt::format("\"matching\" applies to policy-based designs only; a {} "
                                    "design routes over one SA and has no selectors to match",
                                    ToString(design.type)));
    }

    JsonField routing = object.Optional("routing", R"({"protocol": "ospf"})");
    if (typeKnown && !policyBased && !routing.Present())
    {
        m_errors.Add(
            routing.Pointer(), rule::kMissingKey,
            fmt::format("a {} design needs \"routing\" (static or ospf)", ToString(design.type)),
            routing.Example());
    }
    if (typeKnown && policyBased && routing.Present())
    {
        routing.Report(rule::kUnsupportedCombination,
                       "\"routing\" applies to route-based designs only; in a policy-based design "
                       "the selectors decide what enters the tunnel");
    }
    if (routing.Present() && !(typeKnown && policyBased))
    {
        ReadRouting(routing, design);
    }

    ObjectReader crypto = object.Required("crypto", R"({"suite": "aes-gcm-128"})").Object();
    size_t suiteIndex = 0;
    JsonField suite = crypto.Required("suite", "\"aes-gcm-128\"");
    if (suite.Choice(CryptoSuiteNames(), suiteIndex))
    {
        design.cryptoSuiteName = std::string(CryptoSuiteNames()[suiteIndex]);
        std::optional<EspSuite> transforms = CryptoSuiteByName(design.cryptoSuiteName);
        if (transforms)
        {
            design.cryptoSuite = *transforms;
        }
        else
        {
            // Only reachable if the codec stops knowing a name this list offers.
            suite.Report(rule::kInvalidValue, fmt::format("the ESP codec does not know suite {}",
                                                          Quote(design.cryptoSuiteName)));
        }
    }
    crypto.ReportUnknownKeys();

    JsonField mode = object.Optional("ipsec_mode", "\"tunnel\"");
    if (mode.Enum(kIpsecModes, design.ipsecMode) && typeKnown
        && design.ipsecMode == IpsecMode::Transport && design.type != DesignType::GreOverIpsec)
    {
        // RFC 4301 s4.1: a gateway protects transit traffic with tunnel mode. Only GRE over
        // IPsec makes the gateway the source of what it protects (the GRE packets).
        mode.Report(rule::kUnsupportedCombination,
                    fmt::format("transport mode protects only traffic the gateway itself "
                                "sends, so a {} design must use tunnel mode; transport mode "
                                "is for gre-over-ipsec",
                                ToString(design.type)));
    }

    JsonField mtu = object.Optional("tunnel_mtu", "\"auto\"");
    if (mtu.Present())
    {
        if (mtu.Value()->is_string() && mtu.Value()->get<std::string>() == "auto")
        {
            design.tunnelMtuBytes.reset();
        }
        else if (mtu.Value()->is_number())
        {
            uint32_t bytes = 0;
            if (mtu.Integer<uint32_t>(kMinIpv4MtuBytes, kMaxIpv4DatagramBytes, bytes))
            {
                design.tunnelMtuBytes = bytes;
            }
        }
        else
        {
            mtu.Report(rule::kWrongType,
                       fmt::format("expected \"auto\" or an integer number of bytes, got {}",
                                   DescribeJsonValue(*mtu.Value())));
        }
        if (typeKnown && policyBased)
        {
            mtu.Report(rule::kUnsupportedCombination,
                       "\"tunnel_mtu\" applies to route-based designs only: a policy-based "
                       "design has no tunnel interface");
        }
    }

    JsonField engine = object.Optional("crypto_engine", R"({"scale": 20})");
    if (engine.Present())
    {
        ReadCryptoEngine(engine, design);
    }

    // IKE version defaults to what the matching mode implies.
    design.ike.version = design.matching == SelectorMatching::Ikev1Strict ? 1 : 2;
    ReadIke(object.Optional("ike", R"({"version": 2, "dpd": {"interval_s": 10, "timeout_s": 30}})"),
            design);

    for (const JsonField& element :
         object.Optional("tunnels", "[" + std::string(kExampleTunnel) + "]")
             .Array(1, kExampleTunnel))
    {
        design.tunnels.emplace_back();
        ReadTunnel(element, design.tunnels.back());
    }
    object.ReportUnknownKeys();
}

void
ScenarioReader::ReadRouting(const JsonField& field, Design& design)
{
    ObjectReader object = field.Object();
    Routing routing;
    bool protocolKnown
        = object.Required("protocol", "\"ospf\"").Enum(kRoutingProtocols, routing.protocol);
    bool isStatic = routing.protocol == RoutingProtocol::Static;

    // Static settings.
    JsonField keepalive = object.Optional("keepalive", R"({"period_s": 10, "retries": 3})");
    if (keepalive.Present())
    {
        ObjectReader keepaliveObject = keepalive.Object();
        GreKeepalive value;
        keepaliveObject.Optional("period_s", "10")
            .Integer<uint32_t>(1, kMaxGreKeepalivePeriodS, value.periodS);
        keepaliveObject.Optional("retries", "3")
            .Integer<uint32_t>(1, kMaxGreKeepaliveRetries, value.retries);
        keepaliveObject.ReportUnknownKeys();
        routing.staticRouting.keepalive = value;
    }
    JsonField floating = object.Optional("floating_routes", "true");
    floating.Boolean(routing.staticRouting.floatingRoutes);

    // OSPF settings.
    JsonField hello = object.Optional("hello_interval_s", "10");
    hello.Integer<uint32_t>(1, kMaxOspfHelloIntervalS, routing.ospf.helloIntervalS);
    JsonField dead = object.Optional("router_dead_interval_s", "40");
    dead.Integer<uint32_t>(1, kMaxOspfRouterDeadIntervalS, routing.ospf.routerDeadIntervalS);
    JsonField spfDelay = object.Optional("spf_delay_ms", "0");
    spfDelay.Integer<uint32_t>(0, kMaxSpfTimerMs, routing.ospf.spfDelayMs);
    JsonField spfHold = object.Optional("spf_hold_ms", "50");
    spfHold.Integer<uint32_t>(0, kMaxSpfTimerMs, routing.ospf.spfHoldMs);
    JsonField maxHold = object.Optional("spf_max_hold_ms", "5000");
    maxHold.Integer<uint32_t>(0, kMaxSpfTimerMs, routing.ospf.spfMaxHoldMs);
    const JsonField* ospfFields[] = {&hello, &dead, &spfDelay, &spfHold, &maxHold};

    if (protocolKnown && !isStatic)
    {
        // RFC 2328 s10.5: a neighbour is declared down after RouterDeadInterval without a
        // Hello, so it must exceed HelloInterval or adjacencies flap.
        if (routing.ospf.routerDeadIntervalS <= routing.ospf.helloIntervalS)
        {
            dead.Report(rule::kOutOfRange,
                        fmt::format("router_dead_interval_s {} must be greater than "
                                    "hello_interval_s {}",
                                    routing.ospf.routerDeadIntervalS, routing.ospf.helloIntervalS),
                        fmt::format("{}", uint64_t{routing.ospf.helloIntervalS} * 4));
        }
        if (routing.ospf.spfMaxHoldMs < routing.ospf.spfHoldMs)
        {
            maxHold.Report(rule::kOutOfRange,
                           fmt::format("spf_max_hold_ms {} must be at least spf_hold_ms {}",
                                       routing.ospf.spfMaxHoldMs, routing.ospf.spfHoldMs),
                           fmt::format("{}", routing.ospf.spfHoldMs));
        }
        if (keepalive.Present())
        {
            keepalive.Report(rule::kUnsupportedCombination,
                             "GRE keepalives apply to static routing only: with ospf, OSPF "
                             "hellos already detect a dead tunnel");
        }
        if (floating.Present())
        {
            floating.Report(rule::kUnsupportedCombination,
                            "floating static routes apply to static routing only: OSPF picks "
                            "the backup tunnel by itself");
        }
    }
    if (protocolKnown && isStatic)
    {
        for (const JsonField* ospfField : ospfFields)
        {
            if (ospfField->Present())
            {
                ospfField->Report(rule::kUnsupportedCombination,
                                  "OSPF timers apply to ospf routing only, and this design's "
                                  "routing protocol is static");
            }
        }
        if (keepalive.Present() && design.type == DesignType::Vti)
        {
            keepalive.Report(rule::kUnsupportedCombination,
                             "GRE keepalives need a GRE tunnel; a vti design has none (use "
                             "\"ike\": {\"dpd\": ...} to detect a dead peer)");
        }
    }
    object.ReportUnknownKeys();
    design.routing = routing;
}

void
ScenarioReader::ReadCryptoEngine(const JsonField& field, Design& design)
{
    ObjectReader object = field.Object();
    CryptoEngineConfig config;
    JsonField table = object.Optional("table", "\"../data/crypto-costs/default.json\"");
    bool tableRead = !table.Present() || table.String(config.tableName);
    if (tableRead && table.Present() && config.tableName.empty())
    {
        table.Report(rule::kInvalidValue, "the table path is empty; omit \"table\" for the "
                                          "shipped data/crypto-costs/default.json");
        tableRead = false;
    }
    JsonField scale = object.Optional("scale", "20");
    scale.Number({0, std::numeric_limits<double>::max(), true}, config.scale);
    object.Optional("units", "1").Integer<uint32_t>(1, kMaxCryptoUnits, config.units);
    object.Optional("queue_packets", "1000")
        .Integer<uint32_t>(1, kMaxCryptoQueuePackets, config.queuePackets);
    object.ReportUnknownKeys();
    if (!tableRead)
    {
        return;
    }

    namespace fs = std::filesystem;
    if (config.tableName.empty())
    {
        const std::vector<fs::path> candidates = DefaultCryptoTableCandidates(m_baseDirectory);
        std::string tried;
        for (const fs::path& candidate : candidates)
        {
            std::error_code error;
            if (fs::is_regular_file(candidate, error))
            {
                config.tablePath = candidate.string();
                break;
            }
            tried += (tried.empty() ? "" : ", ") + Quote(candidate.string());
        }
        if (config.tablePath.empty())
        {
            m_errors.Add(field.Pointer(), rule::kInvalidValue,
                         fmt::format("the shipped crypto cost table {} was not found (tried {}); "
                                     "set \"table\" to the path of a cost table",
                                     Quote(std::string(kDefaultCryptoTableFile)), tried),
                         table.Example());
            return;
        }
    }
    else
    {
        fs::path path(config.tableName);
        if (path.is_relative() && !m_baseDirectory.empty())
        {
            path = fs::path(m_baseDirectory) / path;
        }
        config.tablePath = path.lexically_normal().string();
    }
    try
    {
        auto loaded = std::make_shared<CryptoCostTable>(LoadCryptoCostTable(config.tablePath));
        if (!design.cryptoSuiteName.empty()
            && loaded->suites.find(design.cryptoSuiteName) == loaded->suites.end())
        {
            table.Report(rule::kInvalidValue,
                         fmt::format("crypto cost table {} has no costs for suite {}",
                                     Quote(config.tablePath), Quote(design.cryptoSuiteName)));
            return;
        }
        if (!design.cryptoSuiteName.empty() && scale.Present()
            && !CheckScaledCosts(scale, loaded->suites.at(design.cryptoSuiteName), config.scale))
        {
            return;
        }
        config.table = std::move(loaded);
    }
    catch (const std::exception& error)
    {
        // CryptoCostTableError names the table file and the field; a read failure names the file.
        const JsonField& at = table.Present() ? table : field;
        m_errors.Add(at.Pointer(), rule::kInvalidValue,
                     fmt::format("crypto cost table {}: {}", Quote(config.tablePath), error.what()),
                     at.Example());
        return;
    }
    design.cryptoEngine = std::move(config);
}

void
ScenarioReader::ReadIke(const JsonField& field, Design& design)
{
    ObjectReader object = field.Object();
    JsonField version = object.Optional("version", "2");
    if (version.Integer<uint32_t>(1, 2, design.ike.version) && design.ike.version == 1
        && design.matching == SelectorMatching::Ikev2Narrowing)
    {
        // Narrowing is an IKEv2 responder's right (RFC 7296 s2.9); IKEv1 quick mode has none.
        version.Report(rule::kUnsupportedCombination,
                       "IKEv1 cannot narrow traffic selectors: use version 2 with "
                       "\"ikev2-narrowing\", or \"matching\": \"ikev1-strict\" with version 1");
    }
    object.Optional("ike_lifetime_s", "86400")
        .Number({0, kMaxDurationS * 52, true}, design.ike.ikeLifetimeS);
    object.Optional("child_sa_lifetime_s", "3600")
        .Number({0, kMaxDurationS * 52, true}, design.ike.childSaLifetimeS);

    JsonField dpd = object.Optional("dpd", R"({"interval_s": 10, "timeout_s": 30})");
    if (dpd.Present())
    {
        ObjectReader dpdObject = dpd.Object();
        DeadPeerDetection value;
        dpdObject.Required("interval_s", "10").Number({0, kMaxDurationS, true}, value.intervalS);
        dpdObject.Required("timeout_s", "30").Number({0, kMaxDurationS, true}, value.timeoutS);
        dpdObject.ReportUnknownKeys();
        design.ike.dpd = value;
    }
    object.ReportUnknownKeys();
}

void
ScenarioReader::ReadTunnel(const JsonField& field, Tunnel& tunnel)
{
    ObjectReader object = field.Object();
    object.Required("name", "\"a-b\"").Name(tunnel.name);
    const std::string endpointExample = R"({"gateway": "gw-a", "link": "a-isp"})";
    JsonField endpoints
        = object.Required("endpoints", "[" + endpointExample + ", " + endpointExample + "]");
    std::vector<JsonField> elements = endpoints.Array(2, endpointExample);
    if (elements.size() > 2)
    {
        endpoints.Report(rule::kOutOfRange,
                         fmt::format("a tunnel has exactly 2 endpoints, got {}", elements.size()));
    }
    for (size_t i = 0; i < elements.size() && i < 2; ++i)
    {
        ObjectReader endpoint = elements[i].Object();
        endpoint.Required("gateway", "\"gw-a\"").Name(tunnel.endpoints[i].gateway);
        endpoint.Required("link", "\"a-isp\"").Name(tunnel.endpoints[i].link);
        endpoint.ReportUnknownKeys();
    }
    object.Optional("ospf_cost", "10").Integer<uint32_t>(1, kMaxOspfCost, tunnel.ospfCost);
    object.ReportUnknownKeys();
}

void
ScenarioReader::ReadTraffic(const JsonField& field, Traffic& traffic)
{
    ObjectReader object = field.Object();
    JsonField probes = object.Optional("probes", R"({"interval_s": 1, "size_bytes": 64})");
    if (probes.Present())
    {
        ObjectReader probeObject = probes.Object();
        ProbeTraffic value;
        probeObject.Optional("interval_s", "1")
            .Number({kMinProbeIntervalS, kMaxDurationS}, value.intervalS);
        probeObject.Optional("start_s", "0").Number({0, kMaxDurationS}, value.startS);
        probeObject.Optional("size_bytes", "64")
            .Integer<uint32_t>(kMinProbeSizeBytes, kMaxUdpPayloadBytes, value.sizeBytes);
        probeObject.ReportUnknownKeys();
        traffic.probes = value;
    }
    for (const JsonField& element :
         object.Optional("udp_cbr", "[" + std::string(kExampleUdpFlow) + "]")
             .Array(0, kExampleUdpFlow))
    {
        traffic.udpCbr.emplace_back();
        ReadUdpFlow(element, traffic.udpCbr.back());
    }
    for (const JsonField& element :
         object.Optional("tcp_bulk", "[" + std::string(kExampleTcpFlow) + "]")
             .Array(0, kExampleTcpFlow))
    {
        traffic.tcpBulk.emplace_back();
        ReadTcpFlow(element, traffic.tcpBulk.back());
    }
    object.ReportUnknownKeys();
}

void
ScenarioReader::ReadUdpFlow(const JsonField& field, UdpCbrFlow& flow)
{
    ObjectReader object = field.Object();
    object.Required("name", "\"video\"").Name(flow.name);
    object.Required("from", "\"10.1.1.2\"").Address(flow.from);
    object.Required("to", "\"10.2.2.2\"").Address(flow.to);
    object.Required("rate_bps", "2000000").Integer<uint64_t>(1, kMaxFlowRateBps, flow.rateBps);
    object.Required("packet_size_bytes", "1200")
        .Integer<uint32_t>(1, kMaxUdpPayloadBytes, flow.packetSizeBytes);
    object.Required("start_s", "5").Number({0, kMaxDurationS}, flow.startS);
    object.Required("stop_s", "55").Number({0, kMaxDurationS}, flow.stopS);
    object.ReportUnknownKeys();
}

void
ScenarioReader::ReadTcpFlow(const JsonField& field, TcpBulkFlow& flow)
{
    ObjectReader object = field.Object();
    object.Required("name", "\"backup\"").Name(flow.name);
    object.Required("from", "\"10.1.1.2\"").Address(flow.from);
    object.Required("to", "\"10.2.2.2\"").Address(flow.to);
    object.Optional("max_bytes", "0")
        .Integer<uint64_t>(0, std::numeric_limits<uint64_t>::max(), flow.maxBytes);
    object.Required("start_s", "5").Number({0, kMaxDurationS}, flow.startS);
    object.Required("stop_s", "55").Number({0, kMaxDurationS}, flow.stopS);
    object.ReportUnknownKeys();
}

void
ScenarioReader::ReadEvent(const JsonField& field, ScenarioEvent& event)
{
    ObjectReader object = field.Object();
    // The semantic pass checks the time against duration_s, with the event's own message.
    object.Required("at_s", "30").Number({}, event.atS);
    size_t type = 0;
    if (!object.Required("type", "\"link-down\"").Choice(kEventTypes, type))
    {
        // Without a type the other keys cannot be judged: accept them all unread.
        return;
    }

    std::string_view typeName = kEventTypes[type];
    if (typeName == "link-down" || typeName == "link-up")
    {
        std::string link;
        object.Required("link", "\"a-isp\"").Name(link);
        if (typeName == "link-down")
        {
            event.action = LinkDownEvent{link};
        }
        else
        {
            event.action = LinkUpEvent{link};
        }
    }
    else if (typeName == "subnet-add")
    {
        SubnetAddEvent add;
        object.Required("site", "\"branch-a\"").Name(add.site);
        ReadSubnet(object.Required("subnet", kExampleSubnet), add.subnet);
        event.action = add;
    }
    else if (typeName == "subnet-remove")
    {
        SubnetRemoveEvent remove;
        object.Required("site", "\"branch-a\"").Name(remove.site);
        object.Required("prefix", "\"10.1.5.0/24\"").Prefix(remove.prefix);
        event.action = remove;
    }
    else
    {
        GatewayRestartEvent restart;
        object.Required("gateway", "\"gw-a\"").Name(restart.gateway);
        object.Required("down_s", "5").Number({0, kMaxDurationS, true}, restart.downS);
        event.action = restart;
    }
    object.ReportUnknownKeys();
}

void
ScenarioReader::ReadSweep(const JsonField& field, Scenario& scenario)
{
    if (!field.Present())
    {
        return;
    }
    ObjectReader object = field.Object();
    ObjectReader range = object.Required("subnets_per_site", R"({"min": 1, "max": 10})").Object();
    SubnetSweep sweep;
    range.Required("min", "1").Integer<uint32_t>(1, kMaxSweepSubnets, sweep.min);
    JsonField max = range.Required("max", "10");
    if (max.Integer<uint32_t>(1, kMaxSweepSubnets, sweep.max) && sweep.max < sweep.min)
    {
        max.Report(rule::kOutOfRange,
                   fmt::format("max {} is less than min {}", sweep.max, sweep.min),
                   fmt::format("{}", sweep.min));
    }
    range.ReportUnknownKeys();
    object.ReportUnknownKeys();
    scenario.sweep = sweep;
}

/** One tunnel between each pair of sites, between their gateways' first WAN interfaces. */
void
AddDefaultTunnels(Scenario& scenario)
{
    for (Design& design : scenario.designs)
    {
        if (!design.tunnels.empty())
        {
            continue;
        }
        design.tunnelsDefaulted = true;
        for (size_t i = 0; i < scenario.sites.size(); ++i)
        {
            for (size_t j = i + 1; j < scenario.sites.size(); ++j)
            {
                const Gateway& a = scenario.sites[i].gateway;
                const Gateway& b = scenario.sites[j].gateway;
                if (a.wanInterfaces.empty() || b.wanInterfaces.empty())
                {
                    continue;
                }
                Tunnel tunnel;
                tunnel.name = scenario.sites[i].name + "-" + scenario.sites[j].name;
                tunnel.endpoints[0] = TunnelEndpoint{a.name, a.wanInterfaces[0].link};
                tunnel.endpoints[1] = TunnelEndpoint{b.name, b.wanInterfaces[0].link};
                design.tunnels.push_back(tunnel);
            }
        }
    }
}

} // namespace

std::string
ScenarioLoadResult::FormatErrors(std::string_view source) const
{
    std::string text;
    for (const ScenarioError& error : errors)
    {
        if (!source.empty())
        {
            text += fmt::format("{}: ", source);
        }
        text += error.ToString();
        text += '\n';
    }
    return text;
}

ScenarioLoadResult
ParseScenario(std::string_view text, std::string_view baseDirectory)
{
    ScenarioErrorList errors;
    DuplicateKeyFinder duplicates(errors);
    json document;
    try
    {
        document = json::parse(text.begin(), text.end(),
                               [&duplicates](int, json::parse_event_t event, json& parsed)
                               {
                                   return duplicates.OnEvent(event, parsed);
                               });
    }
    catch (const json::parse_error& error)
    {
        auto [line, column] = LineAndColumn(text, error.byte);
        ScenarioLoadResult result;
        result.errors.push_back(ScenarioError{"", std::string(rule::kJsonSyntax),
                                              fmt::format("invalid JSON at line {}, column {}: {}",
                                                          line, column, ParseErrorReason(error)),
                                              ""});
        return result;
    }
    catch (const json::exception& error)
    {
        // out_of_range 406: a number such as 1e400 that a double cannot hold. nlohmann gives
        // no position for it, so look for the token it quotes.
        ScenarioLoadResult result;
        result.errors.push_back(
            ScenarioError{"", std::string(rule::kJsonSyntax),
                          fmt::format("invalid JSON{}: {}", QuotedTokenPosition(text, error.what()),
                                      ExceptionReason(error)),
                          ""});
        return result;
    }
    catch (const DuplicateKeyFinder::TooDeep&)
    {
        ScenarioLoadResult result;
        result.errors.push_back(ScenarioError{
            "", std::string(rule::kTooDeep),
            fmt::format("arrays and objects nest more than {} levels deep; a scenario needs "
                        "7",
                        kMaxScenarioJsonDepth),
            ""});
        return result;
    }

    ScenarioReader reader(errors, std::string(baseDirectory));
    Scenario scenario = reader.Read(document);
    AddDefaultTunnels(scenario);

    ScenarioLoadResult result;
    if (errors.Empty())
    {
        result.errors = ValidateScenario(scenario);
    }
    else
    {
        result.errors = errors.Take();
    }
    if (result.errors.empty())
    {
        result.scenario = std::move(scenario);
    }
    return result;
}

ScenarioLoadResult
LoadScenarioFile(const std::string& path)
{
    std::error_code error;
    bool regular = std::filesystem::is_regular_file(path, error);
    std::ifstream file;
    if (regular)
    {
        file.open(path, std::ios::binary);
    }
    std::ostringstream contents;
    if (file.is_open())
    {
        contents << file.rdbuf();
    }
    if (!regular || !file.is_open() || file.bad())
    {
        std::string reason = error     ? error.message()
                             : regular ? "read failed"
                                       : "not a regular file";
        ScenarioLoadResult result;
        result.errors.push_back(ScenarioError{
            "", std::string(rule::kUnreadableFile),
            fmt::format("cannot read scenario file {}: {}", Quote(path), reason), ""});
        return result;
    }
    return ParseScenario(contents.str(), std::filesystem::path(path).parent_path().string());
}

} // namespace tunnelsim
