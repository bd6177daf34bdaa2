#include "ospf-spf.h"

#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/dijkstra_shortest_paths.hpp>
#include <limits>
#include <map>
#include <numeric>

namespace tunnelsim
{

namespace
{

struct Vertex
{
    bool isNetwork = false;
    uint32_t id = 0; ///< router ID, or the network-LSA's Link State ID (the DR's address)
    const Lsa* lsa = nullptr;
};

struct Edge
{
    uint64_t weight = 0;
    /// Link Data of the router-LSA link behind this edge (the source router's interface
    /// address on point-to-point and transit links); 0 for network-to-router edges.
    uint32_t linkData = 0;
};

using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS, Vertex, Edge>;
using VertexId = Graph::vertex_descriptor;

constexpr uint64_t kUnreachable = std::numeric_limits<uint64_t>::max();

const RouterLsaBody&
RouterBody(const Lsa* lsa)
{
    return std::get<RouterLsaBody>(lsa->body);
}

const NetworkLsaBody&
NetworkBody(const Lsa* lsa)
{
    return std::get<NetworkLsaBody>(lsa->body);
}

bool
HasLink(const Lsa* lsa, RouterLinkType type, uint32_t linkId)
{
    const auto& links = RouterBody(lsa).links;
    return std::any_of(links.begin(), links.end(),
                       [&](const RouterLink& link)
                       {
                           return link.type == type && link.linkId == linkId;
                       });
}

/// The router- and network-LSAs of the database, indexed as the graph needs them.
struct Database
{
    std::map<uint32_t, const Lsa*> routers;  ///< by router ID
    std::map<uint32_t, const Lsa*> networks; ///< by Link State ID
};

/**
 * A DR change can leave two network-LSAs with the same Link State ID for a while (the old
 * DR flushes its own, s12.4.2). Prefer the one whose originator's router-LSA lists the
 * network with its own address as Link Data, that is, the current DR.
 */
bool
IsCurrentDrNetworkLsa(const Database& db, const Lsa* network)
{
    auto router = db.routers.find(network->header.advertisingRouter);
    if (router == db.routers.end())
    {
        return false;
    }
    const auto& links = RouterBody(router->second).links;
    return std::any_of(links.begin(), links.end(),
                       [&](const RouterLink& link)
                       {
                           return link.type == RouterLinkType::Transit
                                  && link.linkId == network->header.linkStateId
                                  && link.linkData == network->header.linkStateId;
                       });
}

Database
IndexDatabase(const std::vector<const Lsa*>& lsas)
{
    Database db;
    for (const Lsa* lsa : lsas)
    {
        if (std::holds_alternative<RouterLsaBody>(lsa->body))
        {
            db.routers[lsa->header.linkStateId] = lsa;
        }
    }
    for (const Lsa* lsa : lsas)
    {
        if (!std::holds_alternative<NetworkLsaBody>(lsa->body))
        {
            continue;
        }
        auto [it, inserted] = db.networks.emplace(lsa->header.linkStateId, lsa);
        if (!inserted && !IsCurrentDrNetworkLsa(db, it->second) && IsCurrentDrNetworkLsa(db, lsa))
        {
            it->second = lsa;
        }
    }
    return db;
}

/// Build the graph of s16.1 step (2): an edge only where both ends list each other (2b).
Graph
BuildGraph(const Database& db, std::map<uint32_t, VertexId>& routerVertex,
           std::map<uint32_t, VertexId>& networkVertex)
{
    Graph graph;
    for (const auto& [id, lsa] : db.routers)
    {
        routerVertex[id] = boost::add_vertex(Vertex{false, id, lsa}, graph);
    }
    for (const auto& [id, lsa] : db.networks)
    {
        networkVertex[id] = boost::add_vertex(Vertex{true, id, lsa}, graph);
    }

    for (const auto& [id, lsa] : db.routers)
    {
        for (const RouterLink& link : RouterBody(lsa).links)
        {
            if (link.type == RouterLinkType::PointToPoint)
            {
                auto peer = db.routers.find(link.linkId);
                if (peer != db.routers.end()
                    && HasLink(peer->second, RouterLinkType::PointToPoint, id))
                {
                    boost::add_edge(routerVertex[id], routerVertex[link.linkId],
                                    Edge{link.metric, link.linkData}, graph);
                }
            }
            else if (link.type == RouterLinkType::Transit)
            {
                auto network = db.networks.find(link.linkId);
                if (network == db.networks.end())
                {
                    continue;
                }
                const auto& attached = NetworkBody(network->second).attachedRouters;
                if (std::find(attached.begin(), attached.end(), id) != attached.end())
                {
                    boost::add_edge(routerVertex[id], networkVertex[link.linkId],
                                    Edge{link.metric, link.linkData}, graph);
                }
            }
        }
    }

    for (const auto& [id, lsa] : db.networks)
    {
        for (uint32_t routerId : NetworkBody(lsa).attachedRouters)
        {
            auto router = db.routers.find(routerId);
            if (router != db.routers.end() && HasLink(router->second, RouterLinkType::Transit, id))
            {
                boost::add_edge(networkVertex[id], routerVertex[routerId], Edge{0, 0}, graph);
            }
        }
    }
    return graph;
}

const SpfInterface*
InterfaceWithAddress(const std::vector<SpfInterface>& interfaces, uint32_t address)
{
    for (const SpfInterface& candidate : interfaces)
    {
        if (candidate.address == address)
        {
            return &candidate;
        }
    }
    return nullptr;
}

/// Return the address @p router gives on its point-to-point link to @p root in the subnet of
/// @p interface. Unnumbered links share no subnet, so then the first such link's address.
uint32_t
PointToPointPeerAddress(const Lsa* router, uint32_t root, const SpfInterface& interface)
{
    uint32_t fallback = 0;
    bool found = false;
    for (const RouterLink& link : RouterBody(router).links)
    {
        if (link.type != RouterLinkType::PointToPoint || link.linkId != root)
        {
            continue;
        }
        if ((link.linkData & interface.mask) == (interface.address & interface.mask))
        {
            return link.linkData;
        }
        if (!found)
        {
            fallback = link.linkData;
            found = true;
        }
    }
    return fallback;
}

/// The address @p router gives on the transit network @p networkId.
uint32_t
TransitAddress(const Lsa* router, uint32_t networkId)
{
    for (const RouterLink& link : RouterBody(router).links)
    {
        if (link.type == RouterLinkType::Transit && link.linkId == networkId)
        {
            return link.linkData;
        }
    }
    return 0;
}

/**
 * The next hops that edge @p e contributes to its target (RFC 2328 s16.1.1). From the root:
 * the interface of the link, and on point-to-point links the neighbour's address. From a
 * network attached to the root: that interface and the router's address on the network.
 * Otherwise the parent's next hops are inherited.
 */
void
AddNextHops(const Graph& graph, Graph::edge_descriptor e, VertexId root,
            const std::vector<SpfInterface>& interfaces,
            const std::vector<std::set<SpfNextHop>>& nextHops, std::set<SpfNextHop>& out)
{
    const VertexId parent = boost::source(e, graph);
    const VertexId child = boost::target(e, graph);
    const Vertex& childVertex = graph[child];

    if (parent == root)
    {
        const SpfInterface* interface = InterfaceWithAddress(interfaces, graph[e].linkData);
        if (interface == nullptr)
        {
            return;
        }
        if (childVertex.isNetwork)
        {
            out.insert({interface->index, 0});
        }
        else
        {
            out.insert({interface->index,
                        PointToPointPeerAddress(childVertex.lsa, graph[root].id, *interface)});
        }
        return;
    }

    for (const SpfNextHop& hop : nextHops[parent])
    {
        if (graph[parent].isNetwork && hop.gateway == 0)
        {
            out.insert({hop.interface, TransitAddress(childVertex.lsa, graph[parent].id)});
        }
        else
        {
            out.insert(hop);
        }
    }
}

bool
IsConnected(const std::vector<SpfInterface>& interfaces, uint32_t network, uint32_t mask)
{
    return std::any_of(interfaces.begin(), interfaces.end(),
                       [&](const SpfInterface& i)
                       {
                           return i.mask == mask && (i.address & i.mask) == network;
                       });
}

} // namespace

SpfResult
ComputeShortestPathTree(const std::vector<const Lsa*>& lsas, uint32_t rootRouterId,
                        const std::vector<SpfInterface>& interfaces)
{
    SpfResult result;
    const Database db = IndexDatabase(lsas);
    if (db.routers.count(rootRouterId) == 0)
    {
        return result;
    }

    std::map<uint32_t, VertexId> routerVertex;
    std::map<uint32_t, VertexId> networkVertex;
    const Graph graph = BuildGraph(db, routerVertex, networkVertex);
    const VertexId root = routerVertex.at(rootRouterId);

    // s16.1 step (2): the shortest-path tree. Boost computes the distances; the next hops
    // below take every equal-cost parent into account, which a predecessor map cannot.
    const size_t vertexCount = boost::num_vertices(graph);
    std::vector<uint64_t> distance(vertexCount, kUnreachable);
    boost::dijkstra_shortest_paths(
        graph, root,
        boost::weight_map(boost::get(&Edge::weight, graph))
            .distance_map(boost::make_iterator_property_map(distance.begin(),
                                                            boost::get(boost::vertex_index, graph)))
            .distance_inf(kUnreachable));

    // Visit vertices nearest first. At equal distance networks go first, because the
    // zero-cost network-to-router edges make a router's next hops depend on the network's.
    std::vector<VertexId> order(vertexCount);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(),
              [&](VertexId a, VertexId b)
              {
                  if (distance[a] != distance[b])
                  {
                      return distance[a] < distance[b];
                  }
                  if (graph[a].isNetwork != graph[b].isNetwork)
                  {
                      return graph[a].isNetwork;
                  }
                  return graph[a].id < graph[b].id;
              });

    std::vector<std::set<SpfNextHop>> nextHops(vertexCount);
    for (VertexId v : order)
    {
        if (distance[v] == kUnreachable)
        {
            break;
        }
        if (graph[v].isNetwork)
        {
            ++result.networks;
        }
        else
        {
            ++result.routers;
        }
        if (v == root)
        {
            continue;
        }
        for (auto [e, end] = boost::in_edges(v, graph); e != end; ++e)
        {
            const VertexId parent = boost::source(*e, graph);
            if (distance[parent] != kUnreachable
                && distance[parent] + graph[*e].weight == distance[v])
            {
                AddNextHops(graph, *e, root, interfaces, nextHops, nextHops[v]);
            }
        }
    }

    // Destinations: transit networks (s16.1 step (4)) and stub links (step (2) second stage).
    std::map<std::pair<uint32_t, uint32_t>, SpfRoute> best;
    auto offer
        = [&](uint32_t network, uint32_t mask, uint64_t cost, const std::set<SpfNextHop>& hops)
    {
        network &= mask;
        if (hops.empty() || cost >= kLsInfinity || IsConnected(interfaces, network, mask))
        {
            return;
        }
        auto [it, inserted] = best.try_emplace({network, mask});
        SpfRoute& route = it->second;
        if (inserted || cost < route.cost)
        {
            route = SpfRoute{network, mask, static_cast<uint32_t>(cost), hops};
        }
        else if (cost == route.cost)
        {
            route.nextHops.insert(hops.begin(), hops.end());
        }
    };

    for (VertexId v : order)
    {
        if (distance[v] == kUnreachable)
        {
            break;
        }
        const Vertex& vertex = graph[v];
        if (vertex.isNetwork)
        {
            offer(vertex.id, NetworkBody(vertex.lsa).networkMask, distance[v], nextHops[v]);
            continue;
        }
        if (v == root)
        {
            continue;
        }
        for (const RouterLink& link : RouterBody(vertex.lsa).links)
        {
            if (link.type == RouterLinkType::Stub)
            {
                offer(link.linkId, link.linkData, distance[v] + link.metric, nextHops[v]);
            }
        }
    }

    for (auto& [key, route] : best)
    {
        result.routes.push_back(std::move(route));
    }
    return result;
}

} // namespace tunnelsim
