// The second validation pass of scenario-loader.h: checks that need the whole scenario
// (names, references, overlaps, connectivity, times).

#include "gre-header.h"
#include "gre-tunnel-mtu.h"
#include "ipsec-helper.h"
#include "ipv4-header.h"
#include "scenario-json-reader.h"
#include "scenario-loader.h"
#include "wan-paths.h"

#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/connected_components.hpp>
#include <fmt/format.h>
#include <map>
#include <set>

namespace tunnelsim
{

namespace
{

using UndirectedGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS>;

/// How many candidate prefixes to try when suggesting one that overlaps nothing.
constexpr uint32_t kMaxFreePrefixCandidates = 4096;

/// Return the lowest usable address of @p prefix for which @p taken returns false, as an
/// example value. Only the first 1024 addresses are tried.
template<typename Taken>
std::optional<uint32_t>
FreeAddress(const Ipv4Prefix& prefix, const Taken& taken)
{
    constexpr uint32_t kMaxCandidates = 1024;
    for (uint32_t offset = 1; offset <= kMaxCandidates; ++offset)
    {
        const uint32_t address = prefix.network + offset;
        if (!IsUsableHostAddress(prefix, address))
        {
            break;
        }
        if (!taken(address))
        {
            return address;
        }
    }
    return std::nullopt;
}

/// Shortest gap between two packets of a UDP flow, seconds: 10 million packets a second,
/// several times the 1.49 million minimum-size frames a second of a 1 Gb/s LAN.
constexpr double kMinPacketIntervalS = 100e-9;

/** A named element and where it sits in the document. */
struct NamedAt
{
    std::string name;
    std::string pointer;
};

/// Smallest tunnel MTU an OSPF design accepts, bytes: the datagram every IPv4 host must
/// accept whole (RFC 791 s3.1, 576 octets). ns-3 3.37 hands a raw socket each IP fragment
/// before reassembly, so an OSPF packet the tunnel fragments never reaches OSPF whole.
constexpr uint32_t kMinOspfTunnelMtuBytes = 576;

/** Index of the connected component of each vertex. */
std::vector<int>
ConnectedComponents(const UndirectedGraph& graph)
{
    std::vector<int> component(boost::num_vertices(graph));
    if (!component.empty())
    {
        boost::connected_components(graph, component.data());
    }
    return component;
}

/** Longest prefix length whose LAN fits the gateway and @p hosts hosts. */
uint8_t
PrefixLengthFor(uint64_t hosts)
{
    for (uint8_t length = kIpv4MaxPrefixLength - 2; length > 0; --length)
    {
        if (UsableHostCount(Ipv4Prefix{0, length}) >= hosts + 1)
        {
            return length;
        }
    }
    return 0;
}

/** The names in first-seen order without repeats, comma-separated; "(none)" if empty. */
std::string
JoinNames(const std::vector<std::string>& names)
{
    std::vector<std::string> unique;
    for (const std::string& name : names)
    {
        if (std::find(unique.begin(), unique.end(), name) == unique.end())
        {
            unique.push_back(name);
        }
    }
    return unique.empty() ? "(none)" : fmt::format("{}", fmt::join(unique, ", "));
}

class ScenarioValidator
{
  public:
    ScenarioValidator(const Scenario& scenario, ScenarioErrorList& errors)
      : m_scenario(scenario)
      , m_errors(errors)
    {
    }

    void Run()
    {
        IndexNames();
        CheckDuplicateNames();
        CheckLinks();
        CheckWanInterfaces();
        CheckWanConnectivity();
        CheckLans();
        CheckOverlaps();
        // The tunnel MTU check follows paths over the WAN, so it needs a sound network.
        m_networkValid = m_errors.Empty();
        for (size_t d = 0; d < m_scenario.designs.size(); ++d)
        {
            CheckDesign(d);
        }
        CheckCaptureNames();
        CheckTraffic();
        CheckEvents();
        CheckSweep();
    }

  private:
    void IndexNames();
    void CheckDuplicateNames();
    void CheckDuplicates(const std::vector<NamedAt>& items, std::string_view kind);
    void CheckLinks();
    void CheckWanInterfaces();
    void CheckWanConnectivity();
    void CheckLans();
    void CheckSubnetSize(const LanSubnet& subnet, const std::string& pointer);
    void CheckOverlaps();
    void CheckCaptureNames();
    void CheckDesign(size_t d);
    void CheckTunnelEndpoints(const Design& design, size_t d);
    void CheckTunnelTopology(const Design& design, size_t d);
    void CheckTunnelMtu(const Design& design, size_t d);
    /**
     * Find the smallest MTU on the WAN path from gateway @p source to link @p target, as the
     * runner routes it, and the index of the link that has it. nullopt when a name is
     * undefined or the link is unreachable, which other checks report.
     */
    std::optional<std::pair<uint32_t, size_t>> PathMtu(const std::string& source,
                                                       size_t target) const;
    void CheckTraffic();
    void CheckFlow(const std::string& pointer, uint32_t from, uint32_t to, double start,
                   double stop);
    void CheckEvents();
    /// Find the subnet-remove event that removes @p prefix before subnet-add event @p add
    /// is applied. Returns its JSON Pointer, or nullopt.
    std::optional<std::string> EarlierRemoval(const Ipv4Prefix& prefix, size_t add) const;
    /// A change in the last probe interval of the run leaves reachability unmeasured.
    void CheckProbeAfterEvent(const std::string& pointer, const ScenarioEvent& event);
    void CheckSweep();

    /// Site index of the gateway named @p name, if any.
    std::optional<size_t> SiteOfGateway(const std::string& name) const;
    const WanLink* FindLink(const std::string& name) const;
    bool HasWanInterface(const Gateway& gateway, const std::string& link) const;
    std::string TunnelPointer(const Design& design, size_t d, size_t t) const;
    /// A prefix of @p length at or after @p start that overlaps none of the scenario's.
    std::optional<Ipv4Prefix> FreePrefix(Ipv4Prefix start) const;

    const Scenario& m_scenario;
    ScenarioErrorList& m_errors;

    std::map<std::string, size_t> m_siteByName;
    std::map<std::string, size_t> m_gatewaySite;
    std::set<std::string> m_routers;
    std::map<std::string, size_t> m_linkByName;
    /// Every LAN, link and added prefix with its pointer, for overlap checks.
    std::vector<std::pair<Ipv4Prefix, std::string>> m_prefixes;
    /// Host address -> site index, for the hosts present at the start.
    std::map<uint32_t, size_t> m_hostSite;
    /// True when the checks before the designs found no error.
    bool m_networkValid = false;
};

void
ScenarioValidator::IndexNames()
{
    for (size_t i = 0; i < m_scenario.sites.size(); ++i)
    {
        const Site& site = m_scenario.sites[i];
        m_siteByName.emplace(site.name, i);
        m_gatewaySite.emplace(site.gateway.name, i);
        for (uint32_t host : HostAddresses(site))
        {
            m_hostSite.emplace(host, i);
        }
    }
    for (const WanRouter& router : m_scenario.routers)
    {
        m_routers.insert(router.name);
    }
    for (size_t k = 0; k < m_scenario.links.size(); ++k)
    {
        m_linkByName.emplace(m_scenario.links[k].name, k);
    }
}

void
ScenarioValidator::CheckDuplicates(const std::vector<NamedAt>& items, std::string_view kind)
{
    std::map<std::string, std::string> first;
    for (const NamedAt& item : items)
    {
        auto [found, inserted] = first.emplace(item.name, item.pointer);
        if (!inserted)
        {
            m_errors.Add(item.pointer, rule::kDuplicateName,
                         fmt::format("{} name {} is already used at {}; {} names must be unique",
                                     kind, Quote(item.name), found->second, kind),
                         Quote(item.name + "-2"));
        }
    }
}

void
ScenarioValidator::CheckDuplicateNames()
{
    std::vector<NamedAt> sites;
    std::vector<NamedAt> nodes;
    for (size_t i = 0; i < m_scenario.sites.size(); ++i)
    {
        sites.push_back({m_scenario.sites[i].name, fmt::format("/sites/{}/name", i)});
        nodes.push_back(
            {m_scenario.sites[i].gateway.name, fmt::format("/sites/{}/gateway/name", i)});
    }
    // Gateways and routers are both WAN nodes, and link endpoints name either.
    for (size_t r = 0; r < m_scenario.routers.size(); ++r)
    {
        nodes.push_back({m_scenario.routers[r].name, fmt::format("/wan/routers/{}/name", r)});
    }
    CheckDuplicates(sites, "site");
    CheckDuplicates(nodes, "gateway or router");

    std::vector<NamedAt> links;
    for (size_t k = 0; k < m_scenario.links.size(); ++k)
    {
        links.push_back({m_scenario.links[k].name, fmt::format("/wan/links/{}/name", k)});
    }
    CheckDuplicates(links, "link");

    std::vector<NamedAt> designs;
    for (size_t d = 0; d < m_scenario.designs.size(); ++d)
    {
        const Design& design = m_scenario.designs[d];
        designs.push_back({design.name, fmt::format("/designs/{}/name", d)});
        if (design.tunnelsDefaulted)
        {
            continue;
        }
        std::vector<NamedAt> tunnels;
        for (size_t t = 0; t < design.tunnels.size(); ++t)
        {
            tunnels.push_back(
                {design.tunnels[t].name, fmt::format("/designs/{}/tunnels/{}/name", d, t)});
        }
        CheckDuplicates(tunnels, "tunnel");
    }
    CheckDuplicates(designs, "design");

    // Flows of both kinds share one namespace: results list them together.
    std::vector<NamedAt> flows;
    for (size_t f = 0; f < m_scenario.traffic.udpCbr.size(); ++f)
    {
        flows.push_back(
            {m_scenario.traffic.udpCbr[f].name, fmt::format("/traffic/udp_cbr/{}/name", f)});
    }
    for (size_t f = 0; f < m_scenario.traffic.tcpBulk.size(); ++f)
    {
        flows.push_back(
            {m_scenario.traffic.tcpBulk[f].name, fmt::format("/traffic/tcp_bulk/{}/name", f)});
    }
    CheckDuplicates(flows, "flow");
}

std::optional<size_t>
ScenarioValidator::SiteOfGateway(const std::string& name) const
{
    auto found = m_gatewaySite.find(name);
    if (found == m_gatewaySite.end())
    {
        return std::nullopt;
    }
    return found->second;
}

const WanLink*
ScenarioValidator::FindLink(const std::string& name) const
{
    auto found = m_linkByName.find(name);
    return found == m_linkByName.end() ? nullptr : &m_scenario.links[found->second];
}

bool
ScenarioValidator::HasWanInterface(const Gateway& gateway, const std::string& link) const
{
    return std::any_of(gateway.wanInterfaces.begin(), gateway.wanInterfaces.end(),
                       [&link](const WanInterface& wan)
                       {
                           return wan.link == link;
                       });
}

void
ScenarioValidator::CheckLinks()
{
    std::vector<std::string> nodeNames;
    for (const Site& site : m_scenario.sites)
    {
        nodeNames.push_back(site.gateway.name);
    }
    nodeNames.insert(nodeNames.end(), m_routers.begin(), m_routers.end());

    for (size_t k = 0; k < m_scenario.links.size(); ++k)
    {
        const WanLink& link = m_scenario.links[k];
        std::string pointer = fmt::format("/wan/links/{}", k);
        for (size_t e = 0; e < link.endpoints.size(); ++e)
        {
            const std::string& endpoint = link.endpoints[e];
            std::optional<size_t> site = SiteOfGateway(endpoint);
            if (!site && m_routers.count(endpoint) == 0)
            {
                m_errors.Add(fmt::format("{}/endpoints/{}", pointer, e), rule::kUndefinedReference,
                             fmt::format("endpoint {} is not a defined gateway or router; defined "
                                         "are {}",
                                         Quote(endpoint), JoinNames(nodeNames)),
                             Quote(nodeNames.empty() ? "gw-a" : nodeNames.front()));
                continue;
            }
            if (site && !HasWanInterface(m_scenario.sites[*site].gateway, link.name))
            {
                m_errors.Add(
                    fmt::format("{}/endpoints/{}", pointer, e), rule::kLinkMismatch,
                    fmt::format("gateway {} is an endpoint of link {} but lists no WAN "
                                "interface on it, so it has no address there",
                                Quote(endpoint), Quote(link.name)),
                    fmt::format(
                        R"({{"link": {}, "address": {}}} in /sites/{}/gateway/wan_interfaces)",
                        Quote(link.name), Quote(Ipv4ToString(LanGatewayAddress(link.prefix))),
                        *site));
            }
        }
        if (link.endpoints[0] == link.endpoints[1])
        {
            m_errors.Add(pointer + "/endpoints", rule::kInvalidValue,
                         fmt::format("link {} connects {} to itself; a link joins two different "
                                     "nodes",
                                     Quote(link.name), Quote(link.endpoints[0])),
                         R"(["gw-a", "isp"])");
        }
        const std::string slash30
            = Quote(Ipv4Prefix{link.prefix.network & Ipv4Prefix{0, 30}.Mask(), 30}.ToString());
        if (link.prefix.length == 31)
        {
            // Seen in ns-3 3.37: the router on a /31 delivers packets for the second address
            // to itself, as for a subnet broadcast, and returns ICMP port unreachable for IKE.
            m_errors.Add(pointer + "/prefix", rule::kUnsupportedPrefix,
                         fmt::format("{} is a /31 (RFC 3021), which ns-3 3.37 does not support: "
                                     "it takes the second address for the broadcast address; "
                                     "use a /30",
                                     Quote(link.prefix.ToString())),
                         slash30);
        }
        else if (UsableHostCount(link.prefix) < link.endpoints.size())
        {
            m_errors.Add(pointer + "/prefix", rule::kSubnetTooSmall,
                         fmt::format("{} has {} usable address(es), and a link needs one per "
                                     "endpoint; use a /30",
                                     Quote(link.prefix.ToString()), UsableHostCount(link.prefix)),
                         slash30);
        }
    }
}

void
ScenarioValidator::CheckWanInterfaces()
{
    std::map<uint32_t, std::string> addressOwner;
    for (size_t i = 0; i < m_scenario.sites.size(); ++i)
    {
        const Gateway& gateway = m_scenario.sites[i].gateway;
        std::set<std::string> seenLinks;
        for (size_t w = 0; w < gateway.wanInterfaces.size(); ++w)
        {
            const WanInterface& wan = gateway.wanInterfaces[w];
            std::string pointer = fmt::format("/sites/{}/gateway/wan_interfaces/{}", i, w);
            if (!seenLinks.insert(wan.link).second)
            {
                m_errors.Add(pointer + "/link", rule::kDuplicateName,
                             fmt::format("gateway {} lists link {} twice; one interface per link",
                                         Quote(gateway.name), Quote(wan.link)),
                             "");
            }

            auto [owner, inserted] = addressOwner.emplace(wan.address, pointer);
            if (!inserted)
            {
                const WanLink* link = FindLink(wan.link);
                const std::optional<uint32_t> free
                    = link ? FreeAddress(link->prefix,
                                         [&addressOwner](uint32_t address)
                                         {
                                             return addressOwner.count(address) != 0;
                                         })
                           : std::nullopt;
                m_errors.Add(pointer + "/address", rule::kDuplicateAddress,
                             fmt::format("address {} is already used at {}",
                                         Quote(Ipv4ToString(wan.address)), owner->second),
                             free ? Quote(Ipv4ToString(*free)) : "");
            }

            const WanLink* link = FindLink(wan.link);
            if (!link)
            {
                std::vector<std::string> names;
                for (const WanLink& candidate : m_scenario.links)
                {
                    names.push_back(candidate.name);
                }
                m_errors.Add(pointer + "/link", rule::kUndefinedReference,
                             fmt::format("link {} is not defined in /wan/links; defined are {}",
                                         Quote(wan.link), JoinNames(names)),
                             Quote(names.empty() ? "a-isp" : names.front()));
                continue;
            }
            if (link->endpoints[0] != gateway.name && link->endpoints[1] != gateway.name)
            {
                m_errors.Add(pointer + "/link", rule::kLinkMismatch,
                             fmt::format("link {} connects {} and {}, not gateway {}",
                                         Quote(link->name), Quote(link->endpoints[0]),
                                         Quote(link->endpoints[1]), Quote(gateway.name)),
                             "");
            }
            if (!IsUsableHostAddress(link->prefix, wan.address))
            {
                m_errors.Add(pointer + "/address", rule::kAddressOutsidePrefix,
                             fmt::format("{} is not a usable address of link {} ({}): it must lie "
                                         "in the prefix and not be its network or broadcast "
                                         "address",
                                         Quote(Ipv4ToString(wan.address)), Quote(link->name),
                                         link->prefix.ToString()),
                             Quote(Ipv4ToString(LanGatewayAddress(link->prefix))));
            }
        }
    }
}

void
ScenarioValidator::CheckWanConnectivity()
{
    // Vertices: gateways in site order, then routers.
    std::map<std::string, size_t> vertex;
    for (const Site& site : m_scenario.sites)
    {
        vertex.emplace(site.gateway.name, vertex.size());
    }
    for (const WanRouter& router : m_scenario.routers)
    {
        vertex.emplace(router.name, vertex.size());
    }
    UndirectedGraph graph(vertex.size());
    for (const WanLink& link : m_scenario.links)
    {
        auto a = vertex.find(link.endpoints[0]);
        auto b = vertex.find(link.endpoints[1]);
        if (a != vertex.end() && b != vertex.end())
        {
            boost::add_edge(a->second, b->second, graph);
        }
    }

    std::vector<int> component = ConnectedComponents(graph);
    if (m_scenario.sites.empty())
    {
        return;
    }
    const std::string& first = m_scenario.sites[0].gateway.name;
    int firstComponent = component[vertex.at(first)];
    for (size_t i = 1; i < m_scenario.sites.size(); ++i)
    {
        const std::string& name = m_scenario.sites[i].gateway.name;
        if (component[vertex.at(name)] != firstComponent)
        {
            m_errors.Add(fmt::format("/sites/{}/gateway", i), rule::kWanDisconnected,
                         fmt::format("gateway {} has no path over the WAN links to gateway {}; "
                                     "add a link between their networks",
                                     Quote(name), Quote(first)),
                         "");
        }
    }
}

void
ScenarioValidator::CheckSubnetSize(const LanSubnet& subnet, const std::string& pointer)
{
    uint64_t usable = UsableHostCount(subnet.prefix);
    if (usable >= uint64_t{subnet.hosts} + 1)
    {
        return;
    }
    uint8_t length = PrefixLengthFor(subnet.hosts);
    Ipv4Prefix larger{subnet.prefix.network & Ipv4Prefix{0, length}.Mask(), length};
    m_errors.Add(
        pointer, rule::kSubnetTooSmall,
        fmt::format("{} has {} usable address(es), but the gateway and {} host(s) need {}",
                    subnet.prefix.ToString(), usable, subnet.hosts, uint64_t{subnet.hosts} + 1),
        fmt::format(R"({{"prefix": {}, "hosts": {}}})", Quote(larger.ToString()), subnet.hosts));
}

void
ScenarioValidator::CheckLans()
{
    for (size_t i = 0; i < m_scenario.sites.size(); ++i)
    {
        const Site& site = m_scenario.sites[i];
        for (size_t j = 0; j < site.subnets.size(); ++j)
        {
            CheckSubnetSize(site.subnets[j], fmt::format("/sites/{}/subnets/{}", i, j));
        }
        if (!site.hostLan)
        {
            continue;
        }

        const HostLan& lan = *site.hostLan;
        std::set<uint32_t> seen;
        for (size_t h = 0; h < lan.hosts.size(); ++h)
        {
            uint32_t host = lan.hosts[h];
            std::string pointer = fmt::format("/sites/{}/host_lan/hosts/{}", i, h);
            std::string example = Quote(Ipv4ToString(LanGatewayAddress(lan.prefix) + 1));
            if (!IsUsableHostAddress(lan.prefix, host))
            {
                m_errors.Add(pointer, rule::kAddressOutsidePrefix,
                             fmt::format("{} is not a usable address of the host LAN {}",
                                         Quote(Ipv4ToString(host)), lan.prefix.ToString()),
                             example);
            }
            else if (host == LanGatewayAddress(lan.prefix))
            {
                m_errors.Add(pointer, rule::kAddressOutsidePrefix,
                             fmt::format("{} is the gateway's address on {} (the first usable "
                                         "address)",
                                         Quote(Ipv4ToString(host)), lan.prefix.ToString()),
                             example);
            }
            if (!seen.insert(host).second)
            {
                const std::optional<uint32_t> free = FreeAddress(
                    lan.prefix,
                    [&lan](uint32_t address)
                    {
                        return address == LanGatewayAddress(lan.prefix)
                               || std::find(lan.hosts.begin(), lan.hosts.end(), address)
                                      != lan.hosts.end();
                    });
                m_errors.Add(pointer, rule::kDuplicateAddress,
                             fmt::format("host {} is listed twice", Quote(Ipv4ToString(host))),
                             free ? Quote(Ipv4ToString(*free)) : "");
            }
        }
    }
}

std::optional<Ipv4Prefix>
ScenarioValidator::FreePrefix(Ipv4Prefix start) const
{
    Ipv4Prefix candidate = start;
    for (uint32_t attempt = 0; attempt < kMaxFreePrefixCandidates; ++attempt)
    {
        bool free = std::none_of(m_prefixes.begin(), m_prefixes.end(),
                                 [&candidate](const auto& entry)
                                 {
                                     return entry.first.Overlaps(candidate);
                                 });
        if (free)
        {
            return candidate;
        }
        uint64_t next = uint64_t{candidate.network} + candidate.Size();
        if (next > std::numeric_limits<uint32_t>::max())
        {
            return std::nullopt;
        }
        candidate.network = static_cast<uint32_t>(next);
    }
    return std::nullopt;
}

std::optional<std::string>
ScenarioValidator::EarlierRemoval(const Ipv4Prefix& prefix, size_t add) const
{
    const double addS = m_scenario.events[add].atS;
    for (size_t e = 0; e < m_scenario.events.size(); ++e)
    {
        // Events apply in time order, and in file order for equal times.
        const double removeS = m_scenario.events[e].atS;
        const auto* remove = std::get_if<SubnetRemoveEvent>(&m_scenario.events[e].action);
        if (remove != nullptr && remove->prefix == prefix
            && (removeS < addS || (removeS == addS && e < add)))
        {
            return fmt::format("/events/{}", e);
        }
    }
    return std::nullopt;
}

void
ScenarioValidator::CheckOverlaps()
{
    for (size_t i = 0; i < m_scenario.sites.size(); ++i)
    {
        const Site& site = m_scenario.sites[i];
        for (size_t j = 0; j < site.subnets.size(); ++j)
        {
            m_prefixes.emplace_back(site.subnets[j].prefix,
                                    fmt::format("/sites/{}/subnets/{}/prefix", i, j));
        }
        if (site.hostLan)
        {
            m_prefixes.emplace_back(site.hostLan->prefix,
                                    fmt::format("/sites/{}/host_lan/prefix", i));
        }
    }
    for (size_t k = 0; k < m_scenario.links.size(); ++k)
    {
        m_prefixes.emplace_back(m_scenario.links[k].prefix, fmt::format("/wan/links/{}/prefix", k));
    }
    std::map<size_t, size_t> addEventOf; // index in m_prefixes -> subnet-add event
    for (size_t e = 0; e < m_scenario.events.size(); ++e)
    {
        if (const auto* add = std::get_if<SubnetAddEvent>(&m_scenario.events[e].action))
        {
            addEventOf[m_prefixes.size()] = e;
            m_prefixes.emplace_back(add->subnet.prefix, fmt::format("/events/{}/subnet/prefix", e));
        }
    }

    // Report each overlap once, at the later of the two prefixes.
    for (size_t b = 0; b < m_prefixes.size(); ++b)
    {
        for (size_t a = 0; a < b; ++a)
        {
            const auto& [prefixA, pointerA] = m_prefixes[a];
            const auto& [prefixB, pointerB] = m_prefixes[b];
            if (!prefixA.Overlaps(prefixB))
            {
                continue;
            }
            std::optional<Ipv4Prefix> free = FreePrefix(prefixB);
            const auto addEvent = addEventOf.find(b);
            const std::optional<std::string> removal
                = addEvent == addEventOf.end() ? std::nullopt
                                               : EarlierRemoval(prefixA, addEvent->second);
            if (removal)
            {
                // TODO: model adding a removed subnet again (reuse its LAN, hosts and probes).
                m_errors.Add(pointerB, rule::kUnmodelled,
                             fmt::format("{} {} before this event; adding addresses of a "
                                         "removed subnet again is not modelled, so give the new "
                                         "subnet a prefix of its own",
                                         prefixA == prefixB
                                             ? prefixB.ToString() + " was removed by"
                                             : prefixB.ToString() + " overlaps "
                                                   + prefixA.ToString() + ", which was removed by",
                                         *removal),
                             free ? Quote(free->ToString()) : "");
                break;
            }
            m_errors.Add(pointerB, rule::kOverlap,
                         fmt::format("{} overlaps {} at {}; every LAN, host LAN, link and added "
                                     "subnet needs its own address range",
                                     prefixB.ToString(), prefixA.ToString(), pointerA),
                         free ? Quote(free->ToString()) : "");
            break;
        }
    }
}

std::string
ScenarioValidator::TunnelPointer(const Design& design, size_t d, size_t t) const
{
    // Generated tunnels are not in the file: point at the design instead.
    return design.tunnelsDefaulted ? fmt::format("/designs/{}", d)
                                   : fmt::format("/designs/{}/tunnels/{}", d, t);
}

void
ScenarioValidator::CheckTunnelEndpoints(const Design& design, size_t d)
{
    for (size_t t = 0; t < design.tunnels.size(); ++t)
    {
        const Tunnel& tunnel = design.tunnels[t];
        std::string pointer = TunnelPointer(design, d, t);
        std::array<std::optional<size_t>, 2> sites;
        for (size_t e = 0; e < tunnel.endpoints.size(); ++e)
        {
            const TunnelEndpoint& endpoint = tunnel.endpoints[e];
            std::string endpointPointer
                = design.tunnelsDefaulted ? pointer : fmt::format("{}/endpoints/{}", pointer, e);
            sites[e] = SiteOfGateway(endpoint.gateway);
            if (!sites[e])
            {
                m_errors.Add(
                    endpointPointer + (design.tunnelsDefaulted ? "" : "/gateway"),
                    rule::kUndefinedReference,
                    fmt::format("tunnel {} names gateway {}, which no site has", Quote(tunnel.name),
                                Quote(endpoint.gateway)),
                    Quote(m_scenario.sites.empty() ? "gw-a" : m_scenario.sites[0].gateway.name));
                continue;
            }
            const Gateway& gateway = m_scenario.sites[*sites[e]].gateway;
            if (!HasWanInterface(gateway, endpoint.link))
            {
                std::vector<std::string> links;
                for (const WanInterface& wan : gateway.wanInterfaces)
                {
                    links.push_back(wan.link);
                }
                m_errors.Add(endpointPointer + (design.tunnelsDefaulted ? "" : "/link"),
                             rule::kLinkMismatch,
                             fmt::format("tunnel {} uses link {} on gateway {}, which has WAN "
                                         "interfaces on {} only",
                                         Quote(tunnel.name), Quote(endpoint.link),
                                         Quote(gateway.name), JoinNames(links)),
                             Quote(links.empty() ? "a-isp" : links.front()));
            }
        }
        if (sites[0] && sites[1] && *sites[0] == *sites[1])
        {
            m_errors.Add(
                pointer + (design.tunnelsDefaulted ? "" : "/endpoints"), rule::kInvalidValue,
                fmt::format("tunnel {} joins gateway {} to its own site; a tunnel "
                            "connects two sites",
                            Quote(tunnel.name), Quote(m_scenario.sites[*sites[0]].gateway.name)),
                "");
        }
    }
}

void
ScenarioValidator::CheckTunnelTopology(const Design& design, size_t d)
{
    // Tunnels per unordered site pair, counted over the tunnels whose endpoints resolved.
    std::map<std::pair<size_t, size_t>, size_t> tunnelsPerPair;
    UndirectedGraph graph(m_scenario.sites.size());
    for (size_t t = 0; t < design.tunnels.size(); ++t)
    {
        std::optional<size_t> a = SiteOfGateway(design.tunnels[t].endpoints[0].gateway);
        std::optional<size_t> b = SiteOfGateway(design.tunnels[t].endpoints[1].gateway);
        if (!a || !b || *a == *b)
        {
            continue;
        }
        auto pair = std::minmax(*a, *b);
        size_t count = ++tunnelsPerPair[{pair.first, pair.second}];
        boost::add_edge(*a, *b, graph);
        if (design.type == DesignType::PolicyBased && count > 1)
        {
            m_errors.Add(
                TunnelPointer(design, d, t), rule::kUnsupportedCombination,
                fmt::format("a policy-based design supports one tunnel per pair of sites, "
                            "and sites {} and {} already have one; for a backup path use a "
                            "route-based design",
                            Quote(m_scenario.sites[pair.first].name),
                            Quote(m_scenario.sites[pair.second].name)),
                "");
        }
    }

    std::string tunnelsPointer = design.tunnelsDefaulted ? fmt::format("/designs/{}", d)
                                                         : fmt::format("/designs/{}/tunnels", d);
    if (design.type == DesignType::PolicyBased)
    {
        // Policy-based traffic cannot transit a third site: each pair needs its own SA.
        for (size_t a = 0; a < m_scenario.sites.size(); ++a)
        {
            for (size_t b = a + 1; b < m_scenario.sites.size(); ++b)
            {
                if (tunnelsPerPair.count({a, b}) == 0)
                {
                    m_errors.Add(tunnelsPointer, rule::kSitesUnreachable,
                                 fmt::format("no tunnel joins sites {} and {}; a policy-based "
                                             "design needs a direct tunnel between every pair",
                                             Quote(m_scenario.sites[a].name),
                                             Quote(m_scenario.sites[b].name)),
                                 "");
                }
            }
        }
    }
    else
    {
        std::vector<int> component = ConnectedComponents(graph);
        for (size_t i = 1; i < component.size(); ++i)
        {
            if (component[i] != component[0])
            {
                m_errors.Add(tunnelsPointer, rule::kSitesUnreachable,
                             fmt::format("site {} has no chain of tunnels to site {}",
                                         Quote(m_scenario.sites[i].name),
                                         Quote(m_scenario.sites[0].name)),
                             "");
            }
        }
    }

    bool floating = design.routing && design.routing->protocol == RoutingProtocol::Static
                    && design.routing->staticRouting.floatingRoutes;
    bool hasBackup = std::any_of(tunnelsPerPair.begin(), tunnelsPerPair.end(),
                                 [](const auto& entry)
                                 {
                                     return entry.second > 1;
                                 });
    if (floating && !hasBackup)
    {
        m_errors.Add(fmt::format("/designs/{}/routing/floating_routes", d),
                     rule::kUnsupportedCombination,
                     "floating routes need a second tunnel between the same two sites to point "
                     "at, and this design has one tunnel per site pair",
                     "false");
    }
}

void
ScenarioValidator::CheckCaptureNames()
{
    // simrun --pcap names each capture <design>-<link>.pcap (docs/running.md).
    std::map<std::string, std::pair<size_t, size_t>> seen;
    for (size_t d = 0; d < m_scenario.designs.size(); ++d)
    {
        for (size_t k = 0; k < m_scenario.links.size(); ++k)
        {
            const std::string file
                = m_scenario.designs[d].name + "-" + m_scenario.links[k].name + ".pcap";
            auto [entry, inserted] = seen.emplace(file, std::make_pair(d, k));
            // Two designs of one name are a duplicate-name error already.
            if (!inserted && entry->second.first != d
                && m_scenario.designs[entry->second.first].name != m_scenario.designs[d].name)
            {
                const Design& other = m_scenario.designs[entry->second.first];
                m_errors.Add(fmt::format("/designs/{}/name", d), rule::kFileNameCollision,
                             fmt::format("design {} on link {} and design {} on link {} would "
                                         "both write the capture {}; rename a design or a link",
                                         Quote(m_scenario.designs[d].name),
                                         Quote(m_scenario.links[k].name), Quote(other.name),
                                         Quote(m_scenario.links[entry->second.second].name),
                                         Quote(file)),
                             Quote(m_scenario.designs[d].name + "-2"));
            }
        }
    }
}

void
ScenarioValidator::CheckDesign(size_t d)
{
    const Design& design = m_scenario.designs[d];
    if (design.ike.ikeLifetimeS < m_scenario.durationS)
    {
        // TODO: model IKE SA rekeying (RFC 7296 s2.18, RFC 2409 s5.5 new Main Mode).
        m_errors.Add(fmt::format("/designs/{}/ike/ike_lifetime_s", d), rule::kUnmodelled,
                     fmt::format("ike_lifetime_s {} is shorter than the run (duration_s {}), "
                                 "and IKE SA rekeying is not modelled: the IKE SA must last "
                                 "the whole run",
                                 design.ike.ikeLifetimeS, m_scenario.durationS),
                     fmt::format("{}", std::max(86400.0, m_scenario.durationS)));
    }
    const size_t before = m_errors.Size();
    CheckTunnelEndpoints(design, d);
    CheckTunnelTopology(design, d);
    if (m_networkValid && m_errors.Size() == before)
    {
        CheckTunnelMtu(design, d);
    }
}

std::optional<std::pair<uint32_t, size_t>>
ScenarioValidator::PathMtu(const std::string& source, size_t target) const
{
    // Vertices: gateways in site order, then routers in file order, as the runner has them.
    const auto& sites = m_scenario.sites;
    const auto& links = m_scenario.links;
    auto vertexOf = [&](const std::string& name) -> std::optional<size_t>
    {
        for (size_t i = 0; i < sites.size(); ++i)
        {
            if (sites[i].gateway.name == name)
            {
                return i;
            }
        }
        for (size_t r = 0; r < m_scenario.routers.size(); ++r)
        {
            if (m_scenario.routers[r].name == name)
            {
                return sites.size() + r;
            }
        }
        return std::nullopt;
    };
    std::optional<size_t> from = vertexOf(source);
    std::vector<WanPathLink> pathLinks;
    for (const WanLink& link : links)
    {
        std::optional<size_t> a = vertexOf(link.endpoints[0]);
        std::optional<size_t> b = vertexOf(link.endpoints[1]);
        if (!a || !b)
        {
            return std::nullopt;
        }
        pathLinks.push_back({{*a, *b}, link.delayS, link.mtuBytes});
    }
    if (!from || target >= links.size())
    {
        return std::nullopt;
    }
    const auto& ends = pathLinks[target].ends;
    if (ends[0] == *from || ends[1] == *from)
    {
        return std::make_pair(links[target].mtuBytes, target);
    }

    // The same path choice as the runner's static WAN routes (sim/wan-paths.h).
    const WanPathTree tree = ShortestWanPaths(sites.size() + m_scenario.routers.size(),
                                              sites.size(), pathLinks, *from);
    const std::optional<WanRouteToLink> route = RouteToWanLink(tree, pathLinks, target);
    if (!route)
    {
        return std::nullopt;
    }
    return std::make_pair(route->pathMtu, route->mtuLink);
}

void
ScenarioValidator::CheckTunnelMtu(const Design& design, size_t d)
{
    if (design.type == DesignType::PolicyBased)
    {
        return;
    }
    const bool ospf = design.routing && design.routing->protocol == RoutingProtocol::Ospf;
    const uint32_t minimum = ospf ? kMinOspfTunnelMtuBytes : kIpv4MinimumMtu;
    const std::string why
        = ospf ? fmt::format("OSPF needs at least {} bytes, because ns-3 3.37 hands OSPF each IP "
                             "fragment before reassembly and drops what the tunnel fragments",
                             kMinOspfTunnelMtuBytes)
               : fmt::format("an IPv4 link must carry {} bytes (RFC 791 s3.2)", kIpv4MinimumMtu);
    const std::string designPointer = fmt::format("/designs/{}", d);

    if (design.tunnelMtuBytes)
    {
        if (*design.tunnelMtuBytes < minimum)
        {
            m_errors.Add(designPointer + "/tunnel_mtu", rule::kTunnelMtuTooSmall,
                         fmt::format("tunnel MTU {} is too small: {}", *design.tunnelMtuBytes, why),
                         fmt::format("{}", minimum));
        }
        return;
    }

    const GreEspProtection protection{design.cryptoSuite, design.ipsecMode == IpsecMode::Transport
                                                              ? GreEspMode::Transport
                                                              : GreEspMode::Tunnel};
    for (size_t t = 0; t < design.tunnels.size(); ++t)
    {
        const Tunnel& tunnel = design.tunnels[t];
        std::optional<std::pair<uint32_t, size_t>> worst;
        for (size_t end = 0; end < 2; ++end)
        {
            auto link = m_linkByName.find(tunnel.endpoints[1 - end].link);
            if (link == m_linkByName.end())
            {
                return;
            }
            auto path = PathMtu(tunnel.endpoints[end].gateway, link->second);
            if (!path)
            {
                return;
            }
            if (!worst || path->first < worst->first)
            {
                worst = path;
            }
        }
        const uint16_t pathMtu = static_cast<uint16_t>(worst->first);
        const uint32_t tunnelMtu
            = design.type == DesignType::Vti
                  ? IpsecHelper::ComputeVtiMtu(design.cryptoSuite, pathMtu)
                  : ComputeGreTunnelMtu(pathMtu, kGreBaseHeaderSize, protection);
        if (tunnelMtu >= minimum)
        {
            continue;
        }
        m_errors.Add(fmt::format("/wan/links/{}/mtu_bytes", worst->second),
                     rule::kTunnelMtuTooSmall,
                     fmt::format("mtu_bytes {} of link {} leaves tunnel {} of design {} an MTU of "
                                 "{} (\"auto\": path MTU minus the {} overhead), too small: {}",
                                 pathMtu, Quote(m_scenario.links[worst->second].name),
                                 Quote(tunnel.name), Quote(design.name), tunnelMtu,
                                 design.type == DesignType::Vti ? "ESP" : "GRE and ESP", why),
                     "1500");
        return;
    }
}

void
ScenarioValidator::CheckFlow(const std::string& pointer, uint32_t from, uint32_t to, double start,
                             double stop)
{
    std::string example = "\"10.1.1.2\"";
    for (const Site& site : m_scenario.sites)
    {
        std::vector<uint32_t> hosts = HostAddresses(site);
        if (!hosts.empty())
        {
            example = Quote(Ipv4ToString(hosts.front()));
            break;
        }
    }

    auto fromSite = m_hostSite.find(from);
    auto toSite = m_hostSite.find(to);
    for (auto [key, address, found] : {std::make_tuple("from", from, fromSite != m_hostSite.end()),
                                       std::make_tuple("to", to, toSite != m_hostSite.end())})
    {
        if (!found)
        {
            m_errors.Add(
                fmt::format("{}/{}", pointer, key), rule::kUndefinedReference,
                fmt::format("{} is not a host of any site: hosts are numbered from the "
                            "second usable address of each subnet, or listed in a host_lan",
                            Quote(Ipv4ToString(address))),
                example);
        }
    }
    if (fromSite != m_hostSite.end() && toSite != m_hostSite.end()
        && fromSite->second == toSite->second)
    {
        // A host of another site is a valid destination.
        const auto other = std::find_if(m_hostSite.begin(), m_hostSite.end(),
                                        [&fromSite](const auto& host)
                                        {
                                            return host.second != fromSite->second;
                                        });
        m_errors.Add(pointer + "/to", rule::kInvalidValue,
                     fmt::format("{} and {} are both in site {}; a flow must cross a tunnel",
                                 Quote(Ipv4ToString(from)), Quote(Ipv4ToString(to)),
                                 Quote(m_scenario.sites[fromSite->second].name)),
                     other == m_hostSite.end() ? std::string() : Quote(Ipv4ToString(other->first)));
    }

    if (stop <= start)
    {
        m_errors.Add(pointer + "/stop_s", rule::kOutOfRange,
                     fmt::format("stop_s {} must be after start_s {}", stop, start),
                     fmt::format("{}", std::min(start + 1, m_scenario.durationS)));
    }
    if (stop > m_scenario.durationS)
    {
        m_errors.Add(pointer + "/stop_s", rule::kTimeOutsideRun,
                     fmt::format("stop_s {} is after the end of the run (duration_s {})", stop,
                                 m_scenario.durationS),
                     fmt::format("{}", m_scenario.durationS));
    }
}

void
ScenarioValidator::CheckTraffic()
{
    const Traffic& traffic = m_scenario.traffic;
    if (traffic.probes && traffic.probes->startS >= m_scenario.durationS)
    {
        m_errors.Add("/traffic/probes/start_s", rule::kTimeOutsideRun,
                     fmt::format("probes start at {} s, at or after the end of the run "
                                 "(duration_s {})",
                                 traffic.probes->startS, m_scenario.durationS),
                     "0");
    }
    for (size_t f = 0; f < traffic.udpCbr.size(); ++f)
    {
        const UdpCbrFlow& flow = traffic.udpCbr[f];
        CheckFlow(fmt::format("/traffic/udp_cbr/{}", f), flow.from, flow.to, flow.startS,
                  flow.stopS);
        const double intervalS = 8.0 * flow.packetSizeBytes / static_cast<double>(flow.rateBps);
        if (intervalS < kMinPacketIntervalS)
        {
            // Below ns-3's 1 ns clock step the sender's next packet is due at the same
            // instant, and simulated time stops.
            m_errors.Add(fmt::format("/traffic/udp_cbr/{}/rate_bps", f), rule::kRateTooHigh,
                         fmt::format("rate_bps {} with packet_size_bytes {} sends a packet every "
                                     "{:.3g} ns; the limit is one packet every {:.0f} ns, far "
                                     "above what a 1 Gb/s LAN carries",
                                     flow.rateBps, flow.packetSizeBytes, intervalS * 1e9,
                                     kMinPacketIntervalS * 1e9),
                         fmt::format("{}", static_cast<uint64_t>(8.0 * flow.packetSizeBytes
                                                                 / kMinPacketIntervalS)));
        }
    }
    for (size_t f = 0; f < traffic.tcpBulk.size(); ++f)
    {
        const TcpBulkFlow& flow = traffic.tcpBulk[f];
        CheckFlow(fmt::format("/traffic/tcp_bulk/{}", f), flow.from, flow.to, flow.startS,
                  flow.stopS);
    }
}

namespace
{

/// Return a valid value for a too-late event. For a restart it is the longest down_s that
/// still ends in time ("" if none fits), otherwise an event time a probe interval earlier.
std::string
ValidExample(const GatewayRestartEvent* restart, double atS, double latestS, double intervalS)
{
    if (restart)
    {
        return latestS > atS ? fmt::format("{}", latestS - atS) : "";
    }
    return fmt::format("{}", std::max(0.0, latestS - intervalS));
}

} // namespace

void
ScenarioValidator::CheckProbeAfterEvent(const std::string& pointer, const ScenarioEvent& event)
{
    // Reachability at the end counts the probes delivered after the last change, so a
    // change needs a probe interval after it: one that leaves none reports every pair down.
    const std::optional<ProbeTraffic>& probes = m_scenario.traffic.probes;
    if (!probes)
    {
        return;
    }
    const auto* restart = std::get_if<GatewayRestartEvent>(&event.action);
    const double changeEndS = event.atS + (restart ? restart->downS : 0);
    const double latestS = m_scenario.durationS - probes->intervalS;
    // The tolerance keeps 10 - 8.8 (1.1999999999999993 in binary) from rejecting 1.2.
    constexpr double kRoundingS = 1e-9;
    if (changeEndS <= latestS + kRoundingS || changeEndS > m_scenario.durationS)
    {
        return;
    }
    const std::string change = restart ? fmt::format("the gateway comes back at {} s", changeEndS)
                                       : fmt::format("the event is at {} s", changeEndS);
    m_errors.Add(restart ? pointer + "/down_s" : pointer + "/at_s", rule::kTooLateToMeasure,
                 fmt::format("{}, less than one probe interval ({} s) before the end of the run "
                             "(duration_s {}), so no probe could measure reachability after it; "
                             "move it earlier or lengthen the run",
                             change, probes->intervalS, m_scenario.durationS),
                 ValidExample(restart, event.atS, latestS, probes->intervalS));
}

void
ScenarioValidator::CheckEvents()
{
    // Replay the events in time order (file order for equal times) to check each one against
    // the state the earlier ones leave: links down, subnets present, gateways restarting.
    std::vector<size_t> order(m_scenario.events.size());
    for (size_t e = 0; e < order.size(); ++e)
    {
        order[e] = e;
    }
    std::stable_sort(order.begin(), order.end(),
                     [this](size_t a, size_t b)
                     {
                         return m_scenario.events[a].atS < m_scenario.events[b].atS;
                     });

    std::set<std::string> linksDown;
    std::map<size_t, std::set<std::pair<uint32_t, uint8_t>>> subnets;
    for (size_t i = 0; i < m_scenario.sites.size(); ++i)
    {
        for (const LanSubnet& subnet : m_scenario.sites[i].subnets)
        {
            subnets[i].insert({subnet.prefix.network, subnet.prefix.length});
        }
    }
    std::map<std::string, double> restartEnds;
    std::string midRun = fmt::format("{}", m_scenario.durationS / 2);

    for (size_t e : order)
    {
        const ScenarioEvent& event = m_scenario.events[e];
        std::string pointer = fmt::format("/events/{}", e);
        if (event.atS < 0 || event.atS > m_scenario.durationS)
        {
            m_errors.Add(pointer + "/at_s", rule::kTimeOutsideRun,
                         fmt::format("event time {} s is outside the run [0, {}] s", event.atS,
                                     m_scenario.durationS),
                         midRun);
        }
        else
        {
            CheckProbeAfterEvent(pointer, event);
        }

        if (const auto* down = std::get_if<LinkDownEvent>(&event.action))
        {
            if (!FindLink(down->link))
            {
                m_errors.Add(pointer + "/link", rule::kUndefinedReference,
                             fmt::format("link {} is not defined in /wan/links", Quote(down->link)),
                             Quote(m_scenario.links.empty() ? "a-isp" : m_scenario.links[0].name));
            }
            else if (!linksDown.insert(down->link).second)
            {
                m_errors.Add(
                    pointer, rule::kEventState,
                    fmt::format("link {} is already down at {} s", Quote(down->link), event.atS),
                    fmt::format(R"({{"at_s": {}, "type": "link-up", "link": {}}})", event.atS,
                                Quote(down->link)));
            }
        }
        else if (const auto* up = std::get_if<LinkUpEvent>(&event.action))
        {
            if (!FindLink(up->link))
            {
                m_errors.Add(pointer + "/link", rule::kUndefinedReference,
                             fmt::format("link {} is not defined in /wan/links", Quote(up->link)),
                             Quote(m_scenario.links.empty() ? "a-isp" : m_scenario.links[0].name));
            }
            else if (linksDown.erase(up->link) == 0)
            {
                m_errors.Add(
                    pointer, rule::kEventState,
                    fmt::format("link {} is up at {} s: link-up needs an earlier link-down",
                                Quote(up->link), event.atS),
                    fmt::format(R"({{"at_s": {}, "type": "link-down", "link": {}}})", event.atS,
                                Quote(up->link)));
            }
        }
        else if (const auto* add = std::get_if<SubnetAddEvent>(&event.action))
        {
            auto site = m_siteByName.find(add->site);
            if (site == m_siteByName.end())
            {
                m_errors.Add(
                    pointer + "/site", rule::kUndefinedReference,
                    fmt::format("site {} is not defined in /sites", Quote(add->site)),
                    Quote(m_scenario.sites.empty() ? "branch-a" : m_scenario.sites[0].name));
            }
            else
            {
                subnets[site->second].insert(
                    {add->subnet.prefix.network, add->subnet.prefix.length});
            }
            CheckSubnetSize(add->subnet, pointer + "/subnet");
        }
        else if (const auto* remove = std::get_if<SubnetRemoveEvent>(&event.action))
        {
            auto site = m_siteByName.find(remove->site);
            if (site == m_siteByName.end())
            {
                m_errors.Add(
                    pointer + "/site", rule::kUndefinedReference,
                    fmt::format("site {} is not defined in /sites", Quote(remove->site)),
                    Quote(m_scenario.sites.empty() ? "branch-a" : m_scenario.sites[0].name));
            }
            else if (subnets[site->second].erase({remove->prefix.network, remove->prefix.length})
                     == 0)
            {
                const auto& present = subnets[site->second];
                m_errors.Add(pointer + "/prefix", rule::kEventState,
                             fmt::format("site {} has no subnet {} at {} s to remove",
                                         Quote(remove->site), remove->prefix.ToString(), event.atS),
                             present.empty()
                                 ? std::string()
                                 : Quote(Ipv4Prefix{present.begin()->first, present.begin()->second}
                                             .ToString()));
            }
        }
        else if (const auto* restart = std::get_if<GatewayRestartEvent>(&event.action))
        {
            if (!SiteOfGateway(restart->gateway))
            {
                m_errors.Add(
                    pointer + "/gateway", rule::kUndefinedReference,
                    fmt::format("gateway {} is not the gateway of any site",
                                Quote(restart->gateway)),
                    Quote(m_scenario.sites.empty() ? "gw-a" : m_scenario.sites[0].gateway.name));
                continue;
            }
            if (event.atS + restart->downS > m_scenario.durationS)
            {
                m_errors.Add(pointer + "/down_s", rule::kTimeOutsideRun,
                             fmt::format("the gateway would come back at {} s, after the end of "
                                         "the run (duration_s {})",
                                         event.atS + restart->downS, m_scenario.durationS),
                             fmt::format("{}", std::max(0.0, m_scenario.durationS - event.atS)));
            }
            auto previous = restartEnds.find(restart->gateway);
            if (previous != restartEnds.end() && event.atS < previous->second)
            {
                m_errors.Add(pointer, rule::kEventState,
                             fmt::format("gateway {} is still down from an earlier restart until "
                                         "{} s",
                                         Quote(restart->gateway), previous->second),
                             fmt::format(R"({{"at_s": {}, "type": "gateway-restart", )"
                                         R"("gateway": {}, "down_s": {}}})",
                                         previous->second, Quote(restart->gateway),
                                         restart->downS));
            }
            restartEnds[restart->gateway] = event.atS + restart->downS;
        }
    }
}

void
ScenarioValidator::CheckSweep()
{
    if (!m_scenario.sweep)
    {
        return;
    }
    for (size_t i = 0; i < m_scenario.sites.size(); ++i)
    {
        const Site& site = m_scenario.sites[i];
        if (site.subnets.size() < m_scenario.sweep->max)
        {
            m_errors.Add("/sweep/subnets_per_site/max", rule::kOutOfRange,
                         fmt::format("site {} lists {} subnet(s), fewer than the sweep's max {}; "
                                     "each site needs at least max subnets",
                                     Quote(site.name), site.subnets.size(), m_scenario.sweep->max),
                         fmt::format("{}", site.subnets.size()));
        }
    }
}

} // namespace

std::vector<ScenarioError>
ValidateScenario(const Scenario& scenario)
{
    ScenarioErrorList errors;
    ScenarioValidator(scenario, errors).Run();
    std::vector<ScenarioError> result = errors.Take();

    // Flows and events must also hold in the smallest run of a sweep, where sites keep
    // only their first subnets. Report what only that run breaks, once.
    if (scenario.sweep && scenario.sweep->min <= scenario.sweep->max)
    {
        Scenario smallest = ExpandSweep(scenario).front();
        ScenarioErrorList sweepErrors;
        ScenarioValidator(smallest, sweepErrors).Run();
        for (ScenarioError& error : sweepErrors.Take())
        {
            bool known
                = std::any_of(result.begin(), result.end(),
                              [&error](const ScenarioError& seen)
                              {
                                  return seen.pointer == error.pointer && seen.rule == error.rule;
                              });
            if (!known)
            {
                error.message = fmt::format("in the sweep run with {} subnet(s) per site: {}",
                                            scenario.sweep->min, error.message);
                result.push_back(std::move(error));
            }
        }
    }
    return result;
}

} // namespace tunnelsim
