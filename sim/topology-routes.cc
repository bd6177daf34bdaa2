// Static WAN routes of a Topology: every gateway and router gets a route to every WAN link
// prefix it is not attached to, along the path of least propagation delay.

#include "ns3/ipv4-static-routing-helper.h"
#include "ns3/ipv4.h"
#include "topology.h"

#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/dijkstra_shortest_paths.hpp>
#include <limits>

namespace tunnelsim
{

namespace
{

/// Path cost of a link: its delay in microseconds plus one per hop, so that zero-delay
/// links still prefer the path with fewer hops.
constexpr double kMicrosecondsPerSecond = 1e6;
constexpr double kHopCost = 1.0;

using WanGraph
    = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, boost::no_property,
                            boost::property<boost::edge_weight_t, double>>;

/// Smallest MTU of the links between vertices @p a and @p b, in either direction.
uint32_t
SmallestMtuBetween(const Scenario& scenario, const std::vector<std::array<size_t, 2>>& linkVertices,
                   size_t a, size_t b)
{
    uint32_t mtu = std::numeric_limits<uint32_t>::max();
    for (size_t k = 0; k < linkVertices.size(); ++k)
    {
        if ((linkVertices[k][0] == a && linkVertices[k][1] == b)
            || (linkVertices[k][0] == b && linkVertices[k][1] == a))
        {
            mtu = std::min(mtu, scenario.links[k].mtuBytes);
        }
    }
    return mtu;
}

} // namespace

uint32_t
Topology::PathMtu(const std::string& gateway, uint32_t destination) const
{
    for (size_t g = 0; g < m_gateways.size(); ++g)
    {
        if (m_gateways[g].name != gateway)
        {
            continue;
        }
        for (size_t l = 0; l < m_links.size(); ++l)
        {
            if (m_links[l].prefix.Contains(destination))
            {
                return m_pathMtu[g][l];
            }
        }
    }
    return 0;
}

void
Topology::AddWanRoutes(const Scenario& scenario)
{
    // Vertices: gateways in site order, then routers in scenario order.
    std::vector<ns3::Ptr<ns3::Node>> vertices;
    for (const TopologyGateway& gateway : m_gateways)
    {
        vertices.push_back(gateway.node);
    }
    vertices.insert(vertices.end(), m_routerOrder.begin(), m_routerOrder.end());
    const size_t gatewayCount = m_gateways.size();
    auto vertexOf = [&vertices](ns3::Ptr<ns3::Node> node)
    {
        for (size_t v = 0; v < vertices.size(); ++v)
        {
            if (vertices[v] == node)
            {
                return v;
            }
        }
        throw std::logic_error("WAN link endpoint is not a gateway or router");
    };

    std::vector<std::array<size_t, 2>> linkVertices;
    for (const TopologyLink& link : m_links)
    {
        linkVertices.push_back({vertexOf(link.ends[0].node), vertexOf(link.ends[1].node)});
    }

    ns3::Ipv4StaticRoutingHelper routingHelper;
    m_pathMtu.assign(gatewayCount, std::vector<uint32_t>(m_links.size(), 0));
    for (size_t source = 0; source < vertices.size(); ++source)
    {
        // Packets may leave a gateway only when it is the source: gateways are no transit.
        WanGraph graph(vertices.size());
        for (size_t l = 0; l < m_links.size(); ++l)
        {
            const double cost = scenario.links[l].delayS * kMicrosecondsPerSecond + kHopCost;
            for (size_t end = 0; end < 2; ++end)
            {
                const size_t from = linkVertices[l][end];
                const size_t to = linkVertices[l][1 - end];
                if (from == source || from >= gatewayCount)
                {
                    boost::add_edge(from, to, cost, graph);
                }
            }
        }
        std::vector<double> distance(vertices.size());
        std::vector<size_t> predecessor(vertices.size());
        boost::dijkstra_shortest_paths(
            graph, source,
            boost::predecessor_map(predecessor.data()).distance_map(distance.data()));

        ns3::Ptr<ns3::Ipv4StaticRouting> routing
            = routingHelper.GetStaticRouting(vertices[source]->GetObject<ns3::Ipv4>());
        for (size_t l = 0; l < m_links.size(); ++l)
        {
            const auto& ends = linkVertices[l];
            if (ends[0] == source || ends[1] == source)
            {
                if (source < gatewayCount)
                {
                    m_pathMtu[source][l] = scenario.links[l].mtuBytes;
                }
                continue;
            }
            const size_t target = distance[ends[0]] <= distance[ends[1]] ? ends[0] : ends[1];
            if (distance[target] == std::numeric_limits<double>::max())
            {
                continue; // unreachable, which validation rejects for gateways
            }
            // Walk back from the target to the first hop, taking the smallest MTU on the way.
            uint32_t pathMtu = scenario.links[l].mtuBytes;
            size_t firstHop = target;
            while (true)
            {
                pathMtu = std::min(pathMtu, SmallestMtuBetween(scenario, linkVertices,
                                                               predecessor[firstHop], firstHop));
                if (predecessor[firstHop] == source)
                {
                    break;
                }
                firstHop = predecessor[firstHop];
            }
            if (source < gatewayCount)
            {
                m_pathMtu[source][l] = pathMtu;
            }
            // The cheapest link between the source and the first hop carries the route.
            const TopologyLink* via = nullptr;
            size_t viaEnd = 0;
            double viaCost = std::numeric_limits<double>::max();
            for (size_t k = 0; k < m_links.size(); ++k)
            {
                for (size_t end = 0; end < 2; ++end)
                {
                    const double cost = scenario.links[k].delayS;
                    if (linkVertices[k][end] == source && linkVertices[k][1 - end] == firstHop
                        && cost < viaCost)
                    {
                        via = &m_links[k];
                        viaEnd = end;
                        viaCost = cost;
                    }
                }
            }
            routing->AddNetworkRouteTo(ns3::Ipv4Address(m_links[l].prefix.network),
                                       ns3::Ipv4Mask(m_links[l].prefix.Mask()),
                                       ns3::Ipv4Address(via->ends[1 - viaEnd].address),
                                       via->ends[viaEnd].interface);
        }
    }
}

} // namespace tunnelsim
