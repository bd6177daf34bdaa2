#include "wan-paths.h"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/dijkstra_shortest_paths.hpp>
#include <limits>

namespace tunnelsim
{

namespace
{

/// Path cost of a link: its delay in microseconds plus one per hop.
constexpr double kCostPerSecond = 1e6;
constexpr double kCostPerHop = 1.0;

using WanGraph
    = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, boost::no_property,
                            boost::property<boost::edge_weight_t, double>>;

} // namespace

WanPathTree
ShortestWanPaths(size_t vertexCount, size_t gatewayCount, const std::vector<WanPathLink>& links,
                 size_t source)
{
    WanGraph graph(vertexCount);
    for (const WanPathLink& link : links)
    {
        const double cost = link.delayS * kCostPerSecond + kCostPerHop;
        for (size_t end = 0; end < 2; ++end)
        {
            const size_t from = link.ends[end];
            if (from == source || from >= gatewayCount)
            {
                boost::add_edge(from, link.ends[1 - end], cost, graph);
            }
        }
    }
    WanPathTree tree;
    tree.source = source;
    tree.distance.resize(vertexCount);
    tree.predecessor.resize(vertexCount);
    boost::dijkstra_shortest_paths(
        graph, source,
        boost::predecessor_map(tree.predecessor.data()).distance_map(tree.distance.data()));
    return tree;
}

std::optional<WanRouteToLink>
RouteToWanLink(const WanPathTree& tree, const std::vector<WanPathLink>& links, size_t target)
{
    const auto& ends = links.at(target).ends;
    if (ends[0] == tree.source || ends[1] == tree.source)
    {
        return std::nullopt;
    }
    size_t vertex = tree.distance[ends[0]] <= tree.distance[ends[1]] ? ends[0] : ends[1];
    if (tree.distance[vertex] == std::numeric_limits<double>::max())
    {
        return std::nullopt;
    }

    // Walk back from the target to the first hop, taking the smallest MTU on the way over
    // every parallel link between two consecutive vertices.
    WanRouteToLink route;
    route.pathMtu = links[target].mtuBytes;
    route.mtuLink = target;
    while (true)
    {
        const size_t previous = tree.predecessor[vertex];
        if (previous == vertex)
        {
            return std::nullopt;
        }
        for (size_t l = 0; l < links.size(); ++l)
        {
            const bool joins = (links[l].ends[0] == previous && links[l].ends[1] == vertex)
                               || (links[l].ends[0] == vertex && links[l].ends[1] == previous);
            if (joins && links[l].mtuBytes < route.pathMtu)
            {
                route.pathMtu = links[l].mtuBytes;
                route.mtuLink = l;
            }
        }
        if (previous == tree.source)
        {
            route.firstHop = vertex;
            return route;
        }
        vertex = previous;
    }
}

} // namespace tunnelsim
