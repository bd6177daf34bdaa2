// Static WAN routes of a Topology: every gateway and router gets a route to every WAN link
// prefix it is not attached to, along the path of least propagation delay.

#include "ns3/ipv4-static-routing-helper.h"
#include "ns3/ipv4.h"
#include "topology.h"
#include "wan-paths.h"

#include <limits>

namespace tunnelsim
{

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

    std::vector<WanPathLink> pathLinks;
    for (size_t l = 0; l < m_links.size(); ++l)
    {
        pathLinks.push_back({{vertexOf(m_links[l].ends[0].node), vertexOf(m_links[l].ends[1].node)},
                             scenario.links[l].delayS,
                             scenario.links[l].mtuBytes});
    }

    ns3::Ipv4StaticRoutingHelper routingHelper;
    m_pathMtu.assign(gatewayCount, std::vector<uint32_t>(m_links.size(), 0));
    for (size_t source = 0; source < vertices.size(); ++source)
    {
        const WanPathTree tree = ShortestWanPaths(vertices.size(), gatewayCount, pathLinks, source);
        ns3::Ptr<ns3::Ipv4StaticRouting> routing
            = routingHelper.GetStaticRouting(vertices[source]->GetObject<ns3::Ipv4>());
        for (size_t l = 0; l < m_links.size(); ++l)
        {
            const auto& ends = pathLinks[l].ends;
            if (ends[0] == source || ends[1] == source)
            {
                if (source < gatewayCount)
                {
                    m_pathMtu[source][l] = scenario.links[l].mtuBytes;
                }
                continue;
            }
            const std::optional<WanRouteToLink> route = RouteToWanLink(tree, pathLinks, l);
            if (!route)
            {
                continue; // unreachable, which validation rejects for gateways
            }
            if (source < gatewayCount)
            {
                m_pathMtu[source][l] = route->pathMtu;
            }
            const size_t firstHop = route->firstHop;
            // The cheapest link between the source and the first hop carries the route.
            const TopologyLink* via = nullptr;
            size_t viaEnd = 0;
            double viaCost = std::numeric_limits<double>::max();
            for (size_t k = 0; k < m_links.size(); ++k)
            {
                for (size_t end = 0; end < 2; ++end)
                {
                    const double cost = scenario.links[k].delayS;
                    if (pathLinks[k].ends[end] == source && pathLinks[k].ends[1 - end] == firstHop
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
