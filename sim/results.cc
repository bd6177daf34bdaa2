#include "results.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <set>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace tunnelsim
{

namespace
{

/// Indent of results files, in spaces.
constexpr int kResultsIndent = 2;
/// Mode of a new results file (before the umask): readable by all, like other outputs.
constexpr mode_t kNewResultsFileMode = 0644;

// Writing. Each function takes the JSON Pointer of the value, to name a non-finite number.

double
Finite(double value, const std::string& pointer)
{
    if (!std::isfinite(value))
    {
        throw std::domain_error(
            fmt::format("results value at {} is {}; JSON has no NaN or infinity", pointer, value));
    }
    return value;
}

ResultsJson
Nullable(const std::optional<double>& value, const std::string& pointer)
{
    return value ? ResultsJson(Finite(*value, pointer)) : ResultsJson(nullptr);
}

/// Resolution of the crypto costs written: fixed costs in whole picoseconds, per-byte costs
/// in millionths of a nanosecond. A scaled cost is a product of doubles (261.1 ns x 200 is
/// 52220.00000000001), and rounding writes it as 52220. The table's own values are coarser.
constexpr double kFixedCostStepsPerNs = 1e3;
constexpr double kPerByteCostStepsPerNs = 1e6;

/// @p nanoseconds rounded to 1 / @p stepsPerNs. Dividing the rounded integer gives the double
/// nearest to the decimal value, so it prints without noise.
double
RoundCost(double nanoseconds, double stepsPerNs)
{
    return std::round(nanoseconds * stepsPerNs) / stepsPerNs;
}

std::optional<double>
RoundCost(const std::optional<double>& nanoseconds, double stepsPerNs)
{
    return nanoseconds ? std::optional<double>(RoundCost(*nanoseconds, stepsPerNs)) : std::nullopt;
}

ResultsJson
CountsJson(const std::map<std::string, uint64_t>& counts)
{
    ResultsJson json = ResultsJson::object();
    for (const auto& [key, count] : counts)
    {
        json[key] = count;
    }
    return json;
}

ResultsJson
ChangesJson(const PerGatewayChanges& changes)
{
    ResultsJson json = ResultsJson::object();
    for (const auto& [gateway, counts] : changes)
    {
        json[gateway] = CountsJson(counts);
    }
    return json;
}

ResultsJson
DesignJson(const DesignResults& design, const std::string& pointer)
{
    ResultsJson json;
    json["name"] = design.name;
    json["type"] = design.type;
    json["selectors"] = {{"total", design.selectors.total},
                         {"per_gateway", CountsJson(design.selectors.perGateway)}};
    json["sas"]
        = {{"child_sa_pairs", design.sas.childSaPairs}, {"installed", design.sas.installed}};
    json["routes"]
        = {{"total", design.routes.total}, {"per_gateway", CountsJson(design.routes.perGateway)}};
    json["reachability"] = {{"ok", design.reachability.ok}, {"total", design.reachability.total}};

    const Convergence& convergence = design.convergence;
    std::string convergencePointer = pointer + "/convergence";
    ResultsJson events = ResultsJson::array();
    for (size_t e = 0; e < convergence.events.size(); ++e)
    {
        const EventConvergence& event = convergence.events[e];
        std::string eventPointer = fmt::format("{}/events/{}", convergencePointer, e);
        ResultsJson eventJson;
        eventJson["index"] = event.index;
        eventJson["type"] = event.type;
        eventJson["at_s"] = Finite(event.atS, eventPointer + "/at_s");
        eventJson["all_pairs_reachable_s"]
            = Nullable(event.allPairsReachableS, eventPointer + "/all_pairs_reachable_s");
        eventJson["change_cost"] = {{"total", event.changeCost.total},
                                    {"per_gateway", CountsJson(event.changeCost.perGateway)},
                                    {"items", ChangesJson(event.changeCost.items)}};
        eventJson["effects"] = ChangesJson(event.effects);
        events.push_back(std::move(eventJson));
    }
    std::string phasesPointer = convergencePointer + "/phases";
    ResultsJson phases;
    phases["ike_established_s"]
        = Nullable(convergence.phases.ikeEstablishedS, phasesPointer + "/ike_established_s");
    phases["ospf_full_s"] = Nullable(convergence.phases.ospfFullS, phasesPointer + "/ospf_full_s");
    phases["spf_done_s"] = Nullable(convergence.phases.spfDoneS, phasesPointer + "/spf_done_s");
    ResultsJson convergenceJson;
    convergenceJson["all_pairs_reachable_s"]
        = Nullable(convergence.allPairsReachableS, convergencePointer + "/all_pairs_reachable_s");
    convergenceJson["phases"] = std::move(phases);
    convergenceJson["events"] = std::move(events);
    json["convergence"] = std::move(convergenceJson);

    std::string throughputPointer = pointer + "/throughput";
    ResultsJson flows = ResultsJson::array();
    for (size_t f = 0; f < design.throughput.flows.size(); ++f)
    {
        const FlowThroughput& flow = design.throughput.flows[f];
        ResultsJson flowJson;
        flowJson["name"] = flow.name;
        flowJson["goodput_bps"]
            = Finite(flow.goodputBps, fmt::format("{}/flows/{}/goodput_bps", throughputPointer, f));
        flows.push_back(std::move(flowJson));
    }
    ResultsJson throughput;
    throughput["goodput_bps"]
        = Finite(design.throughput.goodputBps, throughputPointer + "/goodput_bps");
    throughput["wire_bytes_per_payload_byte"]
        = Nullable(design.throughput.wireBytesPerPayloadByte,
                   throughputPointer + "/wire_bytes_per_payload_byte");
    throughput["flows"] = std::move(flows);
    json["throughput"] = std::move(throughput);

    json["drops"] = CountsJson(design.drops);

    std::string costPointer = pointer + "/crypto_cost";
    ResultsJson cost;
    cost["model"] = design.cryptoCost.model;
    cost["suite"] = design.cryptoCost.suite;
    cost["per_packet_ns"] = Nullable(RoundCost(design.cryptoCost.perPacketNs, kFixedCostStepsPerNs),
                                     costPointer + "/per_packet_ns");
    cost["per_byte_ns"] = Nullable(RoundCost(design.cryptoCost.perByteNs, kPerByteCostStepsPerNs),
                                   costPointer + "/per_byte_ns");
    if (design.cryptoCost.engine)
    {
        const CryptoEngineResult& engine = *design.cryptoCost.engine;
        ResultsJson engineJson;
        engineJson["table"] = engine.table;
        engineJson["scale"] = Finite(engine.scale, costPointer + "/engine/scale");
        engineJson["units"] = engine.units;
        engineJson["queue_packets"] = engine.queuePackets;
        auto direction = [&](const CryptoDirectionCost& c, const std::string& name)
        {
            ResultsJson d;
            d["fixed_ns"] = Finite(RoundCost(c.fixedNs, kFixedCostStepsPerNs),
                                   costPointer + "/engine/" + name + "/fixed_ns");
            d["per_byte_ns"] = Finite(RoundCost(c.perByteNs, kPerByteCostStepsPerNs),
                                      costPointer + "/engine/" + name + "/per_byte_ns");
            d["fixed_unit"] = "ns";
            d["per_byte_unit"] = "ns/byte";
            return d;
        };
        engineJson["seal"] = direction(engine.seal, "seal");
        engineJson["open"] = direction(engine.open, "open");
        ResultsJson gateways = ResultsJson::array();
        for (size_t g = 0; g < engine.gateways.size(); ++g)
        {
            ResultsJson gateway;
            gateway["gateway"] = engine.gateways[g].gateway;
            gateway["utilisation"] = Finite(engine.gateways[g].utilisation,
                                            fmt::format("{}/engine/gateways/{}", costPointer, g));
            gateway["queue_drops"] = engine.gateways[g].queueDrops;
            gateways.push_back(std::move(gateway));
        }
        engineJson["gateways"] = std::move(gateways);
        cost["engine"] = std::move(engineJson);
    }
    json["crypto_cost"] = std::move(cost);
    return json;
}

// Reading. Each accessor throws ResultsFormatError with the pointer of the bad value.

const ResultsJson&
Member(const ResultsJson& object, std::string_view key, const std::string& pointer)
{
    if (!object.is_object())
    {
        throw ResultsFormatError(
            fmt::format("{}: expected an object, got {}", pointer, object.type_name()));
    }
    auto found = object.find(std::string(key));
    if (found == object.end())
    {
        throw ResultsFormatError(fmt::format("{}/{}: required key is missing", pointer, key));
    }
    return *found;
}

[[noreturn]] void
ThrowWrongType(const ResultsJson& value, std::string_view expected, const std::string& pointer)
{
    throw ResultsFormatError(
        fmt::format("{}: expected {}, got {}", pointer, expected, value.type_name()));
}

uint64_t
ReadCount(const ResultsJson& object, std::string_view key, const std::string& pointer)
{
    const ResultsJson& value = Member(object, key, pointer);
    if (!value.is_number_unsigned())
    {
        ThrowWrongType(value, "a non-negative integer", fmt::format("{}/{}", pointer, key));
    }
    return value.get<uint64_t>();
}

double
ReadNumber(const ResultsJson& object, std::string_view key, const std::string& pointer)
{
    const ResultsJson& value = Member(object, key, pointer);
    if (!value.is_number())
    {
        ThrowWrongType(value, "a number", fmt::format("{}/{}", pointer, key));
    }
    return value.get<double>();
}

std::optional<double>
ReadNullableNumber(const ResultsJson& object, std::string_view key, const std::string& pointer)
{
    const ResultsJson& value = Member(object, key, pointer);
    if (value.is_null())
    {
        return std::nullopt;
    }
    if (!value.is_number())
    {
        ThrowWrongType(value, "a number or null", fmt::format("{}/{}", pointer, key));
    }
    return value.get<double>();
}

std::string
ReadString(const ResultsJson& object, std::string_view key, const std::string& pointer)
{
    const ResultsJson& value = Member(object, key, pointer);
    if (!value.is_string())
    {
        ThrowWrongType(value, "a string", fmt::format("{}/{}", pointer, key));
    }
    return value.get<std::string>();
}

std::map<std::string, uint64_t>
ReadCounts(const ResultsJson& object, std::string_view key, const std::string& pointer)
{
    const ResultsJson& value = Member(object, key, pointer);
    std::string valuePointer = fmt::format("{}/{}", pointer, key);
    if (!value.is_object())
    {
        ThrowWrongType(value, "an object of counts", valuePointer);
    }
    std::map<std::string, uint64_t> counts;
    for (const auto& [name, count] : value.items())
    {
        counts[name] = ReadCount(value, name, valuePointer);
    }
    return counts;
}

/// Per-gateway change counts under @p key. Files written before these keys existed lack
/// them, which reads as no gateway changed anything.
PerGatewayChanges
ReadChanges(const ResultsJson& object, std::string_view key, const std::string& pointer)
{
    if (object.find(std::string(key)) == object.end())
    {
        return {};
    }
    const ResultsJson& value = Member(object, key, pointer);
    const std::string valuePointer = fmt::format("{}/{}", pointer, key);
    if (!value.is_object())
    {
        ThrowWrongType(value, "an object of per-gateway counts", valuePointer);
    }
    PerGatewayChanges changes;
    for (const auto& [gateway, counts] : value.items())
    {
        changes[gateway] = ReadCounts(value, gateway, valuePointer);
    }
    return changes;
}

const ResultsJson&
ReadArray(const ResultsJson& object, std::string_view key, const std::string& pointer)
{
    const ResultsJson& value = Member(object, key, pointer);
    if (!value.is_array())
    {
        ThrowWrongType(value, "an array", fmt::format("{}/{}", pointer, key));
    }
    return value;
}

DesignResults
ReadDesign(const ResultsJson& json, const std::string& pointer)
{
    DesignResults design;
    design.name = ReadString(json, "name", pointer);
    design.type = ReadString(json, "type", pointer);

    const ResultsJson& selectors = Member(json, "selectors", pointer);
    design.selectors.total = ReadCount(selectors, "total", pointer + "/selectors");
    design.selectors.perGateway = ReadCounts(selectors, "per_gateway", pointer + "/selectors");

    const ResultsJson& sas = Member(json, "sas", pointer);
    design.sas.childSaPairs = ReadCount(sas, "child_sa_pairs", pointer + "/sas");
    design.sas.installed = ReadCount(sas, "installed", pointer + "/sas");

    const ResultsJson& routes = Member(json, "routes", pointer);
    design.routes.total = ReadCount(routes, "total", pointer + "/routes");
    design.routes.perGateway = ReadCounts(routes, "per_gateway", pointer + "/routes");

    const ResultsJson& reachability = Member(json, "reachability", pointer);
    design.reachability.ok = ReadCount(reachability, "ok", pointer + "/reachability");
    design.reachability.total = ReadCount(reachability, "total", pointer + "/reachability");

    std::string convergencePointer = pointer + "/convergence";
    const ResultsJson& convergence = Member(json, "convergence", pointer);
    design.convergence.allPairsReachableS
        = ReadNullableNumber(convergence, "all_pairs_reachable_s", convergencePointer);
    std::string phasesPointer = convergencePointer + "/phases";
    const ResultsJson& phases = Member(convergence, "phases", convergencePointer);
    design.convergence.phases.ikeEstablishedS
        = ReadNullableNumber(phases, "ike_established_s", phasesPointer);
    design.convergence.phases.ospfFullS = ReadNullableNumber(phases, "ospf_full_s", phasesPointer);
    design.convergence.phases.spfDoneS = ReadNullableNumber(phases, "spf_done_s", phasesPointer);
    const ResultsJson& events = ReadArray(convergence, "events", convergencePointer);
    for (size_t e = 0; e < events.size(); ++e)
    {
        std::string eventPointer = fmt::format("{}/events/{}", convergencePointer, e);
        const ResultsJson& eventJson = events[e];
        EventConvergence event;
        uint64_t index = ReadCount(eventJson, "index", eventPointer);
        if (index > std::numeric_limits<uint32_t>::max())
        {
            throw ResultsFormatError(fmt::format("{}/index: {} is too large", eventPointer, index));
        }
        event.index = static_cast<uint32_t>(index);
        event.type = ReadString(eventJson, "type", eventPointer);
        event.atS = ReadNumber(eventJson, "at_s", eventPointer);
        event.allPairsReachableS
            = ReadNullableNumber(eventJson, "all_pairs_reachable_s", eventPointer);
        const ResultsJson& cost = Member(eventJson, "change_cost", eventPointer);
        event.changeCost.total = ReadCount(cost, "total", eventPointer + "/change_cost");
        event.changeCost.perGateway
            = ReadCounts(cost, "per_gateway", eventPointer + "/change_cost");
        event.changeCost.items = ReadChanges(cost, "items", eventPointer + "/change_cost");
        event.effects = ReadChanges(eventJson, "effects", eventPointer);
        design.convergence.events.push_back(std::move(event));
    }

    std::string throughputPointer = pointer + "/throughput";
    const ResultsJson& throughput = Member(json, "throughput", pointer);
    design.throughput.goodputBps = ReadNumber(throughput, "goodput_bps", throughputPointer);
    design.throughput.wireBytesPerPayloadByte
        = ReadNullableNumber(throughput, "wire_bytes_per_payload_byte", throughputPointer);
    const ResultsJson& flows = ReadArray(throughput, "flows", throughputPointer);
    for (size_t f = 0; f < flows.size(); ++f)
    {
        std::string flowPointer = fmt::format("{}/flows/{}", throughputPointer, f);
        FlowThroughput flow;
        flow.name = ReadString(flows[f], "name", flowPointer);
        flow.goodputBps = ReadNumber(flows[f], "goodput_bps", flowPointer);
        design.throughput.flows.push_back(std::move(flow));
    }

    design.drops = ReadCounts(json, "drops", pointer);

    std::string costPointer = pointer + "/crypto_cost";
    const ResultsJson& cost = Member(json, "crypto_cost", pointer);
    design.cryptoCost.model = ReadString(cost, "model", costPointer);
    design.cryptoCost.suite = ReadString(cost, "suite", costPointer);
    design.cryptoCost.perPacketNs = ReadNullableNumber(cost, "per_packet_ns", costPointer);
    design.cryptoCost.perByteNs = ReadNullableNumber(cost, "per_byte_ns", costPointer);
    if (cost.is_object() && cost.contains("engine"))
    {
        std::string enginePointer = costPointer + "/engine";
        const ResultsJson& engineJson = Member(cost, "engine", costPointer);
        CryptoEngineResult engine;
        engine.table = ReadString(engineJson, "table", enginePointer);
        engine.scale = ReadNumber(engineJson, "scale", enginePointer);
        engine.units = static_cast<uint32_t>(ReadCount(engineJson, "units", enginePointer));
        engine.queuePackets
            = static_cast<uint32_t>(ReadCount(engineJson, "queue_packets", enginePointer));
        for (auto [name, target] :
             {std::pair<const char*, CryptoDirectionCost*>{"seal", &engine.seal},
              std::pair<const char*, CryptoDirectionCost*>{"open", &engine.open}})
        {
            std::string directionPointer = enginePointer + "/" + name;
            const ResultsJson& d = Member(engineJson, name, enginePointer);
            target->fixedNs = ReadNumber(d, "fixed_ns", directionPointer);
            target->perByteNs = ReadNumber(d, "per_byte_ns", directionPointer);
        }
        const ResultsJson& gateways = Member(engineJson, "gateways", enginePointer);
        if (gateways.is_array())
        {
            for (size_t g = 0; g < gateways.size(); ++g)
            {
                std::string gatewayPointer = fmt::format("{}/gateways/{}", enginePointer, g);
                GatewayCryptoLoad load;
                load.gateway = ReadString(gateways[g], "gateway", gatewayPointer);
                load.utilisation = ReadNumber(gateways[g], "utilisation", gatewayPointer);
                load.queueDrops = ReadCount(gateways[g], "queue_drops", gatewayPointer);
                engine.gateways.push_back(std::move(load));
            }
        }
        design.cryptoCost.engine = std::move(engine);
    }
    return design;
}

std::string
ErrnoText()
{
    return std::strerror(errno);
}

/** write() all of @p contents, retrying after EINTR and short writes. */
bool
WriteAll(int fd, std::string_view contents)
{
    size_t written = 0;
    while (written < contents.size())
    {
        ssize_t count = ::write(fd, contents.data() + written, contents.size() - written);
        if (count < 0 && errno == EINTR)
        {
            continue;
        }
        if (count <= 0)
        {
            return false;
        }
        written += static_cast<size_t>(count);
    }
    return true;
}

std::string_view
StepName(AtomicWriteStep step)
{
    switch (step)
    {
        case AtomicWriteStep::CreateTemporary:
            return "create the temporary file";
        case AtomicWriteStep::Write:
            return "write";
        case AtomicWriteStep::Sync:
            return "fsync";
        case AtomicWriteStep::Rename:
            return "rename";
    }
    return "unknown step";
}

} // namespace

void
to_json(ResultsJson& json, const Results& results)
{
    json = ResultsJson();
    json["format_version"] = results.formatVersion;
    json["scenario"] = results.scenario;
    json["seed"] = results.seed;
    if (results.sweep)
    {
        json["sweep"] = {{"parameter", results.sweep->parameter}, {"value", results.sweep->value}};
    }
    else
    {
        json["sweep"] = nullptr;
    }
    ResultsJson designs = ResultsJson::array();
    for (size_t d = 0; d < results.designs.size(); ++d)
    {
        designs.push_back(DesignJson(results.designs[d], fmt::format("/designs/{}", d)));
    }
    json["designs"] = std::move(designs);
}

void
from_json(const ResultsJson& json, Results& results)
{
    uint64_t version = ReadCount(json, "format_version", "");
    if (version != kResultsFormatVersion)
    {
        throw ResultsFormatError(fmt::format("/format_version: results format {} is not supported; "
                                             "this tunnelsim reads version {}",
                                             version, kResultsFormatVersion));
    }
    Results parsed;
    parsed.formatVersion = static_cast<uint32_t>(version);
    parsed.scenario = ReadString(json, "scenario", "");
    uint64_t seed = ReadCount(json, "seed", "");
    if (seed > std::numeric_limits<uint32_t>::max())
    {
        throw ResultsFormatError(fmt::format("/seed: {} does not fit in 32 bits", seed));
    }
    parsed.seed = static_cast<uint32_t>(seed);

    const ResultsJson& sweep = Member(json, "sweep", "");
    if (!sweep.is_null())
    {
        SweepPoint point;
        point.parameter = ReadString(sweep, "parameter", "/sweep");
        uint64_t value = ReadCount(sweep, "value", "/sweep");
        if (value > std::numeric_limits<uint32_t>::max())
        {
            throw ResultsFormatError(
                fmt::format("/sweep/value: {} does not fit in 32 bits", value));
        }
        point.value = static_cast<uint32_t>(value);
        parsed.sweep = point;
    }

    // compare matches designs by name, so a second design of the same name would hide one.
    const ResultsJson& designs = ReadArray(json, "designs", "");
    for (size_t d = 0; d < designs.size(); ++d)
    {
        const std::string pointer = fmt::format("/designs/{}", d);
        DesignResults design = ReadDesign(designs[d], pointer);
        for (size_t earlier = 0; earlier < parsed.designs.size(); ++earlier)
        {
            if (parsed.designs[earlier].name == design.name)
            {
                throw ResultsFormatError(
                    fmt::format("{}/name: design name \"{}\" is also used by /designs/{}; "
                                "design names must be unique",
                                pointer, design.name, earlier));
            }
        }
        parsed.designs.push_back(std::move(design));
    }
    results = std::move(parsed);
}

std::string
SerializeResults(const Results& results)
{
    ResultsJson json = results;
    return json.dump(kResultsIndent) + "\n";
}

namespace
{

/**
 * Finds the first key that appears twice in one object while nlohmann/json parses, because
 * the parsed value keeps only the last of the values (RFC 8259 section 4 leaves duplicate
 * names to the implementation).
 */
class DuplicateKeyDetector
{
  public:
    bool OnEvent(ResultsJson::parse_event_t event, const ResultsJson& parsed)
    {
        using Event = ResultsJson::parse_event_t;
        switch (event)
        {
            case Event::object_start:
            case Event::array_start:
                m_frames.push_back(Frame{StartValue(), event == Event::array_start, 0, {}, {}});
                break;
            case Event::object_end:
            case Event::array_end:
                if (!m_frames.empty())
                {
                    m_frames.pop_back();
                }
                break;
            case Event::key:
                OnKey(parsed.get<std::string>());
                break;
            case Event::value:
                StartValue();
                break;
        }
        return true;
    }

    /// JSON Pointer of the first duplicate key, if any.
    const std::optional<std::string>& FirstDuplicate() const { return m_firstDuplicate; }

    /// JSON Pointer of the value being parsed now, to name a value the parser rejects.
    std::string PendingValuePointer() const
    {
        if (m_frames.empty())
        {
            return "";
        }
        const Frame& parent = m_frames.back();
        const ResultsJson::json_pointer pointer
            = parent.isArray ? parent.pointer / parent.nextIndex : parent.pointer / parent.key;
        return pointer.to_string();
    }

  private:
    struct Frame
    {
        ResultsJson::json_pointer pointer;
        bool isArray;
        size_t nextIndex;
        std::string key;
        std::set<std::string> keys;
    };

    /// Return the pointer of the value that starts now, and advance the index of an enclosing
    /// array.
    ResultsJson::json_pointer StartValue()
    {
        if (m_frames.empty())
        {
            return ResultsJson::json_pointer();
        }
        Frame& parent = m_frames.back();
        return parent.isArray ? parent.pointer / parent.nextIndex++ : parent.pointer / parent.key;
    }

    void OnKey(const std::string& key)
    {
        if (m_frames.empty())
        {
            return;
        }
        Frame& frame = m_frames.back();
        frame.key = key;
        if (!frame.keys.insert(key).second && !m_firstDuplicate)
        {
            m_firstDuplicate = (frame.pointer / key).to_string();
        }
    }

    std::vector<Frame> m_frames;
    std::optional<std::string> m_firstDuplicate;
};

/**
 * Return the JSON Pointer of the first key of @p read that @p written, the same results
 * written back, does not have. The reader reads only the keys of the format, so an
 * unknown key (a typo in a hand-edited baseline) would otherwise pass unnoticed.
 */
std::optional<std::string>
FirstUnknownKey(const ResultsJson& read, const ResultsJson& written,
                const ResultsJson::json_pointer& pointer)
{
    if (read.is_object() && written.is_object())
    {
        for (const auto& [key, value] : read.items())
        {
            const auto found = written.find(key);
            if (found == written.end())
            {
                return (pointer / key).to_string();
            }
            if (auto unknown = FirstUnknownKey(value, *found, pointer / key))
            {
                return unknown;
            }
        }
    }
    else if (read.is_array() && written.is_array())
    {
        for (size_t i = 0; i < read.size() && i < written.size(); ++i)
        {
            if (auto unknown = FirstUnknownKey(read[i], written[i], pointer / i))
            {
                return unknown;
            }
        }
    }
    return std::nullopt;
}

} // namespace

ResultsReadResult
ParseResults(std::string_view text)
{
    ResultsReadResult result;
    DuplicateKeyDetector duplicates;
    try
    {
        ResultsJson json = ResultsJson::parse(
            text.begin(), text.end(),
            [&duplicates](int, ResultsJson::parse_event_t event, ResultsJson& parsed)
            {
                return duplicates.OnEvent(event, parsed);
            });
        if (duplicates.FirstDuplicate())
        {
            result.error = fmt::format("{}: key appears more than once in its object, but a "
                                       "results file must have unique keys",
                                       *duplicates.FirstDuplicate());
            return result;
        }
        Results parsed = json.get<Results>();
        if (auto unknown = FirstUnknownKey(json, ResultsJson(parsed), ResultsJson::json_pointer()))
        {
            result.error = fmt::format("{}: unknown key; results files of format version {} "
                                       "have only the keys docs/results-format.md lists",
                                       *unknown, parsed.formatVersion);
            return result;
        }
        result.results = std::move(parsed);
    }
    catch (const ResultsJson::parse_error& error)
    {
        result.error = fmt::format("invalid JSON: {}", error.what());
    }
    catch (const ResultsJson::out_of_range& error)
    {
        // The parser throws this for a number outside the range of double, e.g. 1e400.
        result.error
            = fmt::format("{}: invalid JSON: {}", duplicates.PendingValuePointer(), error.what());
    }
    catch (const ResultsJson::exception& error)
    {
        result.error = fmt::format("results JSON not readable: {}", error.what());
    }
    catch (const ResultsFormatError& error)
    {
        result.error = error.what();
    }
    return result;
}

ResultsReadResult
ReadResultsFile(const std::string& path)
{
    std::error_code code;
    if (!std::filesystem::is_regular_file(path, code))
    {
        ResultsReadResult result;
        result.error = fmt::format("cannot read results file \"{}\": {}", path,
                                   code ? code.message() : "not a regular file");
        return result;
    }
    std::ifstream file(path, std::ios::binary);
    std::ostringstream contents;
    contents << file.rdbuf();
    if (!file.is_open() || file.bad())
    {
        ResultsReadResult result;
        result.error = fmt::format("cannot read results file \"{}\"", path);
        return result;
    }
    ResultsReadResult result = ParseResults(contents.str());
    if (!result.error.empty())
    {
        result.error = fmt::format("{}: {}", path, result.error);
    }
    return result;
}

namespace
{

/// Create and remove a temporary file in @p directory; returns the reason when that fails.
std::optional<std::string>
TryCreateFileIn(const std::filesystem::path& directory)
{
    std::string probe = (directory / ".tunnelsim-write-test.XXXXXX").string();
    int fd = ::mkstemp(probe.data());
    if (fd < 0)
    {
        return ErrnoText();
    }
    ::close(fd);
    ::unlink(probe.c_str());
    return std::nullopt;
}

} // namespace

ResultsIoStatus
PrepareOutputDirectory(const std::string& directory)
{
    std::error_code error;
    if (std::filesystem::exists(directory, error) && !std::filesystem::is_directory(directory))
    {
        return ResultsIoStatus{fmt::format(
            "\"{}\" is a file, not a directory; name a directory or a path to create", directory)};
    }
    std::filesystem::create_directories(directory, error);
    if (error)
    {
        return ResultsIoStatus{
            fmt::format("cannot create directory \"{}\": {}", directory, error.message())};
    }
    if (auto reason = TryCreateFileIn(directory))
    {
        return ResultsIoStatus{
            fmt::format("cannot create a file in directory \"{}\": {}", directory, *reason)};
    }
    return {};
}

ResultsIoStatus
CheckFileCanBeCreated(const std::string& path)
{
    const std::filesystem::path target(path);
    const std::filesystem::path directory
        = target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
    std::error_code error;
    const std::filesystem::file_status status = std::filesystem::status(directory, error);
    std::string problem;
    if (status.type() == std::filesystem::file_type::not_found)
    {
        problem = "does not exist";
    }
    else if (error)
    {
        problem = error.message();
    }
    else if (!std::filesystem::is_directory(status))
    {
        problem = "is not a directory";
    }
    if (!problem.empty())
    {
        return ResultsIoStatus{fmt::format("cannot write \"{}\": directory \"{}\" {}", path,
                                           directory.string(), problem)};
    }
    if (auto reason = TryCreateFileIn(directory))
    {
        return ResultsIoStatus{
            fmt::format("cannot write \"{}\": cannot create a file in \"{}\": {}", path,
                        directory.string(), *reason)};
    }
    return {};
}

ResultsIoStatus
WriteFileAtomically(const std::string& path, std::string_view contents, const AtomicWriteHook& hook)
{
    namespace fs = std::filesystem;
    fs::path target(path);
    fs::path directory = target.has_parent_path() ? target.parent_path() : fs::path(".");
    std::string temporary
        = (directory / ("." + target.filename().string() + ".tmp.XXXXXX")).string();

    auto failed = [&path](AtomicWriteStep step, const std::string& reason)
    {
        return ResultsIoStatus{
            fmt::format("cannot write \"{}\": {} failed: {}", path, StepName(step), reason)};
    };
    auto allowed = [&hook](AtomicWriteStep step)
    {
        return !hook || hook(step);
    };

    if (!allowed(AtomicWriteStep::CreateTemporary))
    {
        return failed(AtomicWriteStep::CreateTemporary, "injected failure");
    }
    int fd = ::mkstemp(temporary.data());
    if (fd < 0)
    {
        return failed(AtomicWriteStep::CreateTemporary, ErrnoText());
    }

    // From here on, every failure removes the temporary file and keeps the old target.
    auto abandon = [&](AtomicWriteStep step, const std::string& reason)
    {
        if (fd >= 0)
        {
            ::close(fd);
        }
        ::unlink(temporary.c_str());
        return failed(step, reason);
    };

    // mkstemp creates mode 0600; keep the mode of the file being replaced, if any.
    struct stat existing;
    mode_t mode
        = ::stat(path.c_str(), &existing) == 0 ? existing.st_mode & 07777 : kNewResultsFileMode;
    if (::fchmod(fd, mode) != 0)
    {
        return abandon(AtomicWriteStep::CreateTemporary, ErrnoText());
    }

    if (!allowed(AtomicWriteStep::Write))
    {
        return abandon(AtomicWriteStep::Write, "injected failure");
    }
    if (!WriteAll(fd, contents))
    {
        return abandon(AtomicWriteStep::Write, ErrnoText());
    }

    if (!allowed(AtomicWriteStep::Sync))
    {
        return abandon(AtomicWriteStep::Sync, "injected failure");
    }
    if (::fsync(fd) != 0)
    {
        return abandon(AtomicWriteStep::Sync, ErrnoText());
    }
    int closed = ::close(fd);
    fd = -1;
    if (closed != 0)
    {
        return abandon(AtomicWriteStep::Sync, ErrnoText());
    }

    if (!allowed(AtomicWriteStep::Rename))
    {
        return abandon(AtomicWriteStep::Rename, "injected failure");
    }
    if (::rename(temporary.c_str(), path.c_str()) != 0)
    {
        return abandon(AtomicWriteStep::Rename, ErrnoText());
    }

    // Make the rename itself durable. The file is already complete, so a failure here is
    // not reported: the new contents are in place either way.
    int directoryFd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY);
    if (directoryFd >= 0)
    {
        ::fsync(directoryFd);
        ::close(directoryFd);
    }
    return ResultsIoStatus{};
}

ResultsIoStatus
WriteResultsFile(const std::string& path, const Results& results)
{
    std::string text;
    try
    {
        text = SerializeResults(results);
    }
    catch (const std::domain_error& error)
    {
        return ResultsIoStatus{fmt::format("cannot write \"{}\": {}", path, error.what())};
    }
    return WriteFileAtomically(path, text);
}

} // namespace tunnelsim
