#include "table.h"

#include <algorithm>
#include <fmt/format.h>
#include <iterator>
#include <set>
#include <vector>

namespace tunnelsim
{

namespace
{

/// Columns are separated by this many spaces.
constexpr size_t kColumnGap = 2;

struct Row
{
    std::string label;
    std::vector<std::string> cells; ///< one per design
};

std::string
FormatSeconds(const std::optional<double>& seconds)
{
    return seconds ? fmt::format("{:.3f} s", *seconds) : "never";
}

/// Cell text of a reachability or convergence value of a run without probes.
constexpr const char* kNotMeasured = "not measured";

/**
 * True when the design's run had probes. Results carry no probe count, so this uses the
 * number of subnet pairs the probes covered.
 * NOTE: a run with probes whose subnet pairs were all removed by events also counts as none.
 */
bool
HasProbes(const DesignResults& design)
{
    return design.reachability.total > 0;
}

/// FormatSeconds, or "not measured" for a time that is null because the run had no probes.
std::string
FormatProbeSeconds(const DesignResults& design, const std::optional<double>& seconds)
{
    return !seconds && !HasProbes(design) ? kNotMeasured : FormatSeconds(seconds);
}

std::string
FormatRate(double bitsPerSecond)
{
    if (bitsPerSecond >= 1e6)
    {
        return fmt::format("{:.3f} Mb/s", bitsPerSecond / 1e6);
    }
    if (bitsPerSecond >= 1e3)
    {
        return fmt::format("{:.3f} kb/s", bitsPerSecond / 1e3);
    }
    return fmt::format("{:.0f} b/s", bitsPerSecond);
}

std::string
FormatPerGateway(const PerGatewayCounts& counts)
{
    std::string text;
    for (const auto& [gateway, count] : counts)
    {
        text += fmt::format("{}{} {}", text.empty() ? "" : ", ", gateway, count);
    }
    return text.empty() ? "-" : text;
}

/** Table wording of one kind of change, as in "+3 selectors" or "2 static routes withdrawn". */
struct ChangeLabel
{
    const char* kind;
    const char* sign; ///< "+", "-" or "" before the count
    const char* singular;
    const char* plural;
};

/// Kinds in the order the cells list them: typed items first, then what the network did.
constexpr ChangeLabel kChangeLabels[] = {
    {kSelectorsAdded, "+", "selector", "selectors"},
    {kSelectorsRemoved, "-", "selector", "selectors"},
    {kStaticRoutesAdded, "+", "static route", "static routes"},
    {kStaticRoutesRemoved, "-", "static route", "static routes"},
    {kOspfInterfacesAdded, "+", "OSPF interface", "OSPF interfaces"},
    {kOspfInterfacesRemoved, "-", "OSPF interface", "OSPF interfaces"},
    {kOspfInterfacesChanged, "", "OSPF interface changed", "OSPF interfaces changed"},
    {kConnectedRoutesAdded, "+", "connected route", "connected routes"},
    {kConnectedRoutesRemoved, "-", "connected route", "connected routes"},
    {kOspfRoutesAdded, "+", "OSPF route", "OSPF routes"},
    {kOspfRoutesRemoved, "-", "OSPF route", "OSPF routes"},
    {kOspfRoutesChanged, "", "OSPF route changed", "OSPF routes changed"},
    {kStaticRoutesWithdrawn, "", "static route withdrawn", "static routes withdrawn"},
    {kStaticRoutesRestored, "", "static route restored", "static routes restored"},
    {kChildSasNegotiated, "+", "CHILD SA", "CHILD SAs"},
    {kChildSasDeleted, "-", "CHILD SA", "CHILD SAs"},
};

/// The changes of one gateway in one cell, "-" when there are none. Kinds this version
/// does not name (from a newer file) follow as "kind N".
std::string
FormatChanges(const ChangeCounts& counts)
{
    std::vector<std::string> parts;
    for (const ChangeLabel& label : kChangeLabels)
    {
        auto found = counts.find(label.kind);
        if (found != counts.end() && found->second > 0)
        {
            parts.push_back(fmt::format("{}{} {}", label.sign, found->second,
                                        found->second == 1 ? label.singular : label.plural));
        }
    }
    for (const auto& [kind, count] : counts)
    {
        const bool named = std::any_of(std::begin(kChangeLabels), std::end(kChangeLabels),
                                       [&kind](const ChangeLabel& label)
                                       {
                                           return kind == label.kind;
                                       });
        if (!named && count > 0)
        {
            parts.push_back(fmt::format("{} {}", kind, count));
        }
    }
    return parts.empty() ? "-" : fmt::format("{}", fmt::join(parts, ", "));
}

/// A row with one cell per design, from @p cell.
template<typename Function>
Row
MakeRow(const std::string& label, const Results& results, Function cell)
{
    Row row{label, {}};
    for (const DesignResults& design : results.designs)
    {
        row.cells.push_back(cell(design));
    }
    return row;
}

/// Keys of a per-gateway or per-reason map over every design, sorted.
template<typename Function>
std::set<std::string>
KeysOf(const Results& results, Function map)
{
    std::set<std::string> keys;
    for (const DesignResults& design : results.designs)
    {
        for (const auto& [key, value] : map(design))
        {
            keys.insert(key);
        }
    }
    return keys;
}

template<typename Map>
uint64_t
CountOf(const Map& map, const std::string& key)
{
    auto found = map.find(key);
    return found == map.end() ? 0 : found->second;
}

std::vector<Row>
CountRows(const Results& results)
{
    std::vector<Row> rows;
    rows.push_back(MakeRow("type", results,
                           [](const DesignResults& d)
                           {
                               return d.type;
                           }));
    rows.push_back(MakeRow("selectors (SPD PROTECT)", results,
                           [](const DesignResults& d)
                           {
                               return std::to_string(d.selectors.total);
                           }));
    for (const std::string& gateway : KeysOf(results,
                                             [](const DesignResults& d)
                                             {
                                                 return d.selectors.perGateway;
                                             }))
    {
        rows.push_back(MakeRow("  " + gateway, results,
                               [&gateway](const DesignResults& d)
                               {
                                   return std::to_string(CountOf(d.selectors.perGateway, gateway));
                               }));
    }
    rows.push_back(MakeRow("CHILD SAs", results,
                           [](const DesignResults& d)
                           {
                               return std::to_string(d.sas.childSaPairs);
                           }));
    rows.push_back(MakeRow("SAs installed (all SADs)", results,
                           [](const DesignResults& d)
                           {
                               return std::to_string(d.sas.installed);
                           }));
    rows.push_back(MakeRow("routes to remote LANs", results,
                           [](const DesignResults& d)
                           {
                               return std::to_string(d.routes.total);
                           }));
    for (const std::string& gateway : KeysOf(results,
                                             [](const DesignResults& d)
                                             {
                                                 return d.routes.perGateway;
                                             }))
    {
        rows.push_back(MakeRow("  " + gateway, results,
                               [&gateway](const DesignResults& d)
                               {
                                   return std::to_string(CountOf(d.routes.perGateway, gateway));
                               }));
    }
    rows.push_back(MakeRow("reachable subnet pairs", results,
                           [](const DesignResults& d)
                           {
                               return HasProbes(d) ? fmt::format("{}/{}", d.reachability.ok,
                                                                 d.reachability.total)
                                                   : std::string(kNotMeasured);
                           }));
    return rows;
}

std::vector<Row>
ConvergenceRows(const Results& results)
{
    std::vector<Row> rows;
    rows.push_back(MakeRow("convergence at start", results,
                           [](const DesignResults& d)
                           {
                               return FormatProbeSeconds(d, d.convergence.allPairsReachableS);
                           }));
    rows.push_back(MakeRow("  last CHILD SA", results,
                           [](const DesignResults& d)
                           {
                               return d.convergence.phases.ikeEstablishedS
                                          ? FormatSeconds(d.convergence.phases.ikeEstablishedS)
                                          : "-";
                           }));
    rows.push_back(MakeRow("  last OSPF Full", results,
                           [](const DesignResults& d)
                           {
                               return d.convergence.phases.ospfFullS
                                          ? FormatSeconds(d.convergence.phases.ospfFullS)
                                          : "-";
                           }));
    rows.push_back(MakeRow("  last SPF route change", results,
                           [](const DesignResults& d)
                           {
                               return d.convergence.phases.spfDoneS
                                          ? FormatSeconds(d.convergence.phases.spfDoneS)
                                          : "-";
                           }));

    size_t events = 0;
    for (const DesignResults& design : results.designs)
    {
        events = std::max(events, design.convergence.events.size());
    }
    for (size_t i = 0; i < events; ++i)
    {
        auto event = [i](const DesignResults& d) -> const EventConvergence*
        {
            return i < d.convergence.events.size() ? &d.convergence.events[i] : nullptr;
        };
        const EventConvergence* first = nullptr;
        for (const DesignResults& design : results.designs)
        {
            first = first ? first : event(design);
        }
        rows.push_back(MakeRow(fmt::format("event {}: {} at {} s", i, first->type, first->atS),
                               results,
                               [](const DesignResults&)
                               {
                                   return std::string();
                               }));
        rows.push_back(MakeRow("  change cost", results,
                               [&event](const DesignResults& d)
                               {
                                   const EventConvergence* e = event(d);
                                   return e ? fmt::format(
                                              "{} ({})", e->changeCost.total,
                                              FormatPerGateway(e->changeCost.perGateway))
                                            : "-";
                               }));
        // One row per gateway and side (typed by an operator, done by the network), left
        // out when no design changed anything there.
        std::set<std::string> gateways;
        for (const DesignResults& design : results.designs)
        {
            if (const EventConvergence* e = event(design))
            {
                for (const auto& [gateway, counts] : e->changeCost.items)
                {
                    gateways.insert(gateway);
                }
                for (const auto& [gateway, counts] : e->effects)
                {
                    gateways.insert(gateway);
                }
            }
        }
        for (bool typed : {true, false})
        {
            for (const std::string& gateway : gateways)
            {
                Row row = MakeRow(
                    fmt::format("    {} {}", gateway, typed ? "configured" : "automatic"), results,
                    [&event, &gateway, typed](const DesignResults& d)
                    {
                        const EventConvergence* e = event(d);
                        if (!e)
                        {
                            return std::string("-");
                        }
                        const PerGatewayChanges& changes = typed ? e->changeCost.items : e->effects;
                        auto found = changes.find(gateway);
                        return found == changes.end() ? std::string("-")
                                                      : FormatChanges(found->second);
                    });
                if (std::any_of(row.cells.begin(), row.cells.end(),
                                [](const std::string& cell)
                                {
                                    return cell != "-";
                                }))
                {
                    rows.push_back(std::move(row));
                }
            }
        }
        rows.push_back(MakeRow("  convergence", results,
                               [&event](const DesignResults& d)
                               {
                                   const EventConvergence* e = event(d);
                                   return e ? FormatProbeSeconds(d, e->allPairsReachableS) : "-";
                               }));
    }
    return rows;
}

std::vector<Row>
ThroughputRows(const Results& results)
{
    std::vector<Row> rows;
    rows.push_back(MakeRow("goodput (all flows)", results,
                           [](const DesignResults& d)
                           {
                               return FormatRate(d.throughput.goodputBps);
                           }));
    std::set<std::string> flows;
    for (const DesignResults& design : results.designs)
    {
        for (const FlowThroughput& flow : design.throughput.flows)
        {
            flows.insert(flow.name);
        }
    }
    for (const std::string& name : flows)
    {
        rows.push_back(MakeRow("  " + name, results,
                               [&name](const DesignResults& d)
                               {
                                   for (const FlowThroughput& flow : d.throughput.flows)
                                   {
                                       if (flow.name == name)
                                       {
                                           return FormatRate(flow.goodputBps);
                                       }
                                   }
                                   return std::string("-");
                               }));
    }
    rows.push_back(MakeRow("WAN bytes per payload byte", results,
                           [](const DesignResults& d)
                           {
                               return d.throughput.wireBytesPerPayloadByte ? fmt::format(
                                          "{:.4f}", *d.throughput.wireBytesPerPayloadByte)
                                                                           : "-";
                           }));

    // The crypto rows appear only when some design models a finite crypto capacity, so
    // tables of scenarios without an engine keep their shape.
    std::set<std::string> cryptoGateways;
    for (const DesignResults& design : results.designs)
    {
        if (design.cryptoCost.engine)
        {
            for (const GatewayCryptoLoad& load : design.cryptoCost.engine->gateways)
            {
                cryptoGateways.insert(load.gateway);
            }
        }
    }
    bool anyEngine = std::any_of(results.designs.begin(), results.designs.end(),
                                 [](const DesignResults& d)
                                 {
                                     return d.cryptoCost.engine.has_value();
                                 });
    if (anyEngine)
    {
        rows.push_back(MakeRow("crypto cost (suite, scale, units)", results,
                               [](const DesignResults& d)
                               {
                                   if (!d.cryptoCost.engine)
                                   {
                                       return std::string("none");
                                   }
                                   const CryptoEngineResult& e = *d.cryptoCost.engine;
                                   return fmt::format("{} x{:g}, {} unit{}", d.cryptoCost.suite,
                                                      e.scale, e.units, e.units == 1 ? "" : "s");
                               }));
    }
    for (const std::string& name : cryptoGateways)
    {
        rows.push_back(
            MakeRow("  crypto " + name + " (busy, queue drops)", results,
                    [&name](const DesignResults& d)
                    {
                        if (d.cryptoCost.engine)
                        {
                            for (const GatewayCryptoLoad& load : d.cryptoCost.engine->gateways)
                            {
                                if (load.gateway == name)
                                {
                                    return fmt::format("{:.1f}%, {}", load.utilisation * 100,
                                                       load.queueDrops);
                                }
                            }
                        }
                        return std::string("-");
                    }));
    }

    const std::set<std::string> reasons = KeysOf(results,
                                                 [](const DesignResults& d)
                                                 {
                                                     return d.drops;
                                                 });
    rows.push_back(MakeRow("drops", results,
                           [](const DesignResults& d)
                           {
                               uint64_t total = 0;
                               for (const auto& [reason, count] : d.drops)
                               {
                                   total += count;
                               }
                               return std::to_string(total);
                           }));
    for (const std::string& reason : reasons)
    {
        rows.push_back(MakeRow("  " + reason, results,
                               [&reason](const DesignResults& d)
                               {
                                   return std::to_string(CountOf(d.drops, reason));
                               }));
    }
    rows.push_back(MakeRow("crypto cost model", results,
                           [](const DesignResults& d)
                           {
                               return d.cryptoCost.model + " (" + d.cryptoCost.suite + ")";
                           }));
    return rows;
}

} // namespace

std::string
FormatResultsTable(const Results& results)
{
    std::vector<Row> rows;
    rows.push_back(MakeRow("design", results,
                           [](const DesignResults& d)
                           {
                               return d.name;
                           }));
    for (auto part : {CountRows(results), ConvergenceRows(results), ThroughputRows(results)})
    {
        rows.insert(rows.end(), part.begin(), part.end());
    }

    std::vector<size_t> widths(results.designs.size() + 1, 0);
    for (const Row& row : rows)
    {
        widths[0] = std::max(widths[0], row.label.size());
        for (size_t c = 0; c < row.cells.size(); ++c)
        {
            widths[c + 1] = std::max(widths[c + 1], row.cells[c].size());
        }
    }

    std::string text = fmt::format("scenario {} (seed {})\n", results.scenario, results.seed);
    for (const Row& row : rows)
    {
        std::string line = fmt::format("{:<{}}", row.label, widths[0]);
        for (size_t c = 0; c < row.cells.size(); ++c)
        {
            line += std::string(kColumnGap, ' ')
                    + fmt::format("{:>{}}", row.cells[c], widths[c + 1]);
        }
        line.erase(line.find_last_not_of(' ') + 1);
        text += line + "\n";
    }
    return text;
}

} // namespace tunnelsim
