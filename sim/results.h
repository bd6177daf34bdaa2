/*
 * The results of one scenario run as a plain C++ struct tree, its JSON form (nlohmann
 * ordered_json, so keys keep the documented order) and an atomic file writer.
 * docs/results-format.md describes every field.
 *
 * Limitations:
 * - Reading accepts exactly format version kResultsFormatVersion; there is no migration.
 * - Keys the format does not define are ignored on reading and lost on writing again.
 */
#ifndef TUNNELSIM_SIM_RESULTS_H
#define TUNNELSIM_SIM_RESULTS_H

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tunnelsim
{

/// Version of the results format this code writes and reads (the "format_version" key).
constexpr uint32_t kResultsFormatVersion = 1;

/// Counts keyed by gateway name, sorted by name.
using PerGatewayCounts = std::map<std::string, uint64_t>;

struct SelectorCounts
{
    uint64_t total = 0; ///< SPD PROTECT entries on all gateways
    PerGatewayCounts perGateway;
};

struct SaCounts
{
    uint64_t childSaPairs = 0; ///< negotiated CHILD SAs (each an inbound/outbound pair)
    uint64_t installed = 0;    ///< unidirectional SAs installed in all SADs
};

struct RouteCounts
{
    uint64_t total = 0; ///< static entries or OSPF-learned routes towards remote LANs
    PerGatewayCounts perGateway;
};

struct Reachability
{
    uint64_t ok = 0;    ///< subnet pairs that delivered probes both ways
    uint64_t total = 0; ///< all subnet pairs across sites
};

/// Counts of one gateway keyed by kind of change (the constants below), sorted by kind. A
/// kind that counted 0 is absent.
using ChangeCounts = std::map<std::string, uint64_t>;

// Kinds of change counted per gateway (keys of ChangeCounts). Typed by an operator:
constexpr const char* kSelectorsAdded = "selectors_added"; ///< SPD PROTECT entries
constexpr const char* kSelectorsRemoved = "selectors_removed";
constexpr const char* kStaticRoutesAdded = "static_routes_added";
constexpr const char* kStaticRoutesRemoved = "static_routes_removed";
/// Interfaces on which OSPF starts or stops running (an "ip ospf" or "network" statement).
constexpr const char* kOspfInterfacesAdded = "ospf_interfaces_added";
constexpr const char* kOspfInterfacesRemoved = "ospf_interfaces_removed";
/// Interfaces that keep running OSPF with other settings (passive, cost).
constexpr const char* kOspfInterfacesChanged = "ospf_interfaces_changed";
// Done by the network itself:
constexpr const char* kConnectedRoutesAdded = "connected_routes_added";
constexpr const char* kConnectedRoutesRemoved = "connected_routes_removed";
constexpr const char* kOspfRoutesAdded = "ospf_routes_added";
constexpr const char* kOspfRoutesRemoved = "ospf_routes_removed";
/// Same destination, other next hop, interface or cost.
constexpr const char* kOspfRoutesChanged = "ospf_routes_changed";
/// Static routes taken out of the table while their tunnel is down (GRE keepalives).
constexpr const char* kStaticRoutesWithdrawn = "static_routes_withdrawn";
constexpr const char* kStaticRoutesRestored = "static_routes_restored";
/// New CHILD SAs (rekeys excluded); one negotiation counts on both of its gateways.
constexpr const char* kChildSasNegotiated = "child_sas_negotiated";
constexpr const char* kChildSasDeleted = "child_sas_deleted";

/// Change counts keyed by gateway name, sorted by name; every gateway of the scenario has an
/// entry, empty when nothing changed there.
using PerGatewayChanges = std::map<std::string, ChangeCounts>;

/** Configuration items an operator types for one event, measured on the gateways. */
struct ChangeCost
{
    uint64_t total = 0;          ///< sum of perGateway
    PerGatewayCounts perGateway; ///< per gateway: sum of its items
    /// Items typed on each gateway by kind: SPD selectors, static routes, OSPF interfaces.
    PerGatewayChanges items;
};

/** Times inside the cold-start convergence, in seconds from the start; null if never. */
struct ConvergencePhases
{
    std::optional<double> ikeEstablishedS; ///< last CHILD SA installed
    std::optional<double> ospfFullS;       ///< last OSPF adjacency Full
    std::optional<double> spfDoneS;        ///< last SPF run that changed a route
};

struct EventConvergence
{
    uint32_t index = 0; ///< position in the scenario's "events" list
    std::string type;   ///< "link-down", "subnet-add", ...
    double atS = 0;
    /// Seconds from the event until every subnet pair delivered probes both ways again.
    std::optional<double> allPairsReachableS;
    ChangeCost changeCost;
    /// Changes the network made by itself on each gateway between this event and the next
    /// one: connected routes, OSPF-learned routes, static routes a tunnel took down or
    /// brought back, CHILD SAs negotiated and deleted.
    PerGatewayChanges effects;
};

struct Convergence
{
    /// Seconds from the start until every subnet pair delivered probes both ways.
    std::optional<double> allPairsReachableS;
    ConvergencePhases phases;
    std::vector<EventConvergence> events;
};

struct FlowThroughput
{
    std::string name;
    double goodputBps = 0; ///< application payload bits per second received
};

struct Throughput
{
    double goodputBps = 0; ///< all flows' bits over the time a flow's window was open
    /// Bytes on the WAN per application payload byte delivered; null without payload.
    std::optional<double> wireBytesPerPayloadByte;
    std::vector<FlowThroughput> flows;
};

/**
 * The gateway crypto cost model behind the throughput figures. @c model is "none" (crypto
 * takes no simulated time) or "linear" (perPacketNs + perByteNs x bytes per packet).
 */
/** One direction's cost after scaling: fixedNs (ns per packet) + perByteNs (ns per byte). */
struct CryptoDirectionCost
{
    double fixedNs = 0;
    double perByteNs = 0;
};

/** One gateway's crypto engine over the run (simulated time only). */
struct GatewayCryptoLoad
{
    std::string gateway;
    double utilisation = 0;  ///< busy unit-time / (units x elapsed), 0..1
    uint64_t queueDrops = 0; ///< packets dropped with reason crypto-queue-full
};

/** The engine settings behind a "linear" model; unset for "none". */
struct CryptoEngineResult
{
    std::string table; ///< the table path as the scenario wrote it (or the default path)
    double scale = 1;
    uint32_t units = 1;
    uint32_t queuePackets = 0;
    CryptoDirectionCost seal;
    CryptoDirectionCost open;
    std::vector<GatewayCryptoLoad> gateways;
};

struct CryptoCost
{
    std::string model = "none";
    std::string suite;
    std::optional<double> perPacketNs;
    std::optional<double> perByteNs;
    std::optional<CryptoEngineResult> engine;
};

struct DesignResults
{
    std::string name;
    std::string type; ///< "policy-based", "gre-over-ipsec" or "vti"
    SelectorCounts selectors;
    SaCounts sas;
    RouteCounts routes;
    Reachability reachability;
    Convergence convergence;
    Throughput throughput;
    std::map<std::string, uint64_t> drops; ///< reason -> packets dropped
    CryptoCost cryptoCost;
};

/** The sweep value of this run when the scenario sweeps. */
struct SweepPoint
{
    std::string parameter; ///< "subnets_per_site"
    uint32_t value = 0;
};

struct Results
{
    uint32_t formatVersion = kResultsFormatVersion;
    std::string scenario;
    uint32_t seed = 0;
    std::optional<SweepPoint> sweep;
    std::vector<DesignResults> designs;
};

using ResultsJson = nlohmann::ordered_json;

/**
 * Convert to JSON. Throws std::domain_error naming the field when a number is NaN or
 * infinite, since JSON cannot represent it.
 */
void to_json(ResultsJson& json, const Results& results);
/**
 * Convert from JSON. Throws ResultsFormatError naming the JSON Pointer of a missing key, a
 * value of the wrong type or an unsupported format version.
 */
void from_json(const ResultsJson& json, Results& results);

/** A results document that does not match the format. */
class ResultsFormatError : public std::runtime_error
{
  public:
    using std::runtime_error::runtime_error;
};

/** The JSON text written to a results file: 2-space indent and a final newline. */
std::string SerializeResults(const Results& results);

/** Outcome of reading or writing a results file; @c error is empty on success. */
struct ResultsIoStatus
{
    std::string error;

    bool Ok() const { return error.empty(); }
};

struct ResultsReadResult
{
    std::optional<Results> results;
    std::string error;
};

/** Parse results JSON text. */
ResultsReadResult ParseResults(std::string_view text);

/** Read a results file. */
ResultsReadResult ReadResultsFile(const std::string& path);

/// Steps of WriteFileAtomically, for tests that inject a failure at one of them.
enum class AtomicWriteStep : uint8_t
{
    CreateTemporary,
    Write,
    Sync,
    Rename,
};

/** Test hook called before each step; returning false makes that step fail. */
using AtomicWriteHook = std::function<bool(AtomicWriteStep)>;

/**
 * Write @p contents to @p path whole or not at all: write a temporary file in the same
 * directory, fsync it, rename it over @p path (atomic on POSIX file systems) and fsync the
 * directory. On failure the temporary file is removed and @p path is left as it was.
 */
ResultsIoStatus WriteFileAtomically(const std::string& path, std::string_view contents,
                                    const AtomicWriteHook& hook = nullptr);

/**
 * Create @p directory and its parents when missing, then create and remove a temporary file
 * in it, so an unwritable output directory is found before a long run instead of after it.
 * The error names the directory and the reason.
 */
ResultsIoStatus PrepareOutputDirectory(const std::string& directory);

/**
 * Check that the directory of the file @p path exists and that a file can be created in it,
 * by creating and removing a temporary file there. Creates no directories.
 */
ResultsIoStatus CheckFileCanBeCreated(const std::string& path);

/** Serialize @p results and write them with WriteFileAtomically. */
ResultsIoStatus WriteResultsFile(const std::string& path, const Results& results);

} // namespace tunnelsim

#endif
