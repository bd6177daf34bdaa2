/*
 * The WAN path choice shared by the runner, which installs static routes along it
 * (Topology::AddWanRoutes), and the scenario validator, which checks tunnel MTUs along it
 * before anything runs. Vertices are the gateways in site order, then the routers.
 * A path has the least propagation delay, with one unit per hop so that zero-delay links
 * still prefer fewer hops, and gateways are never transit: only the source gateway sends
 * packets out of a gateway.
 *
 * Limitations:
 * - Equal-cost paths are not balanced: the first one Boost.Graph's Dijkstra finds wins.
 */
#ifndef TUNNELSIM_SIM_WAN_PATHS_H
#define TUNNELSIM_SIM_WAN_PATHS_H

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace tunnelsim
{

/// A WAN link for the path search: its two end vertices, delay and MTU.
struct WanPathLink
{
    std::array<size_t, 2> ends{};
    double delayS = 0;
    uint32_t mtuBytes = 0;
};

/// Shortest paths from one source vertex to every other (Dijkstra).
struct WanPathTree
{
    size_t source = 0;
    std::vector<double> distance;
    std::vector<size_t> predecessor;
};

/// The route from a tree's source to a link it is not attached to.
struct WanRouteToLink
{
    size_t firstHop = 0;  ///< the neighbour of the source the route goes through
    uint32_t pathMtu = 0; ///< smallest MTU on the path, the target link included, bytes
    size_t mtuLink = 0;   ///< index of a link with that smallest MTU
};

/// Search the shortest paths from @p source over @p links; vertices below
/// @p gatewayCount are gateways.
WanPathTree ShortestWanPaths(size_t vertexCount, size_t gatewayCount,
                             const std::vector<WanPathLink>& links, size_t source);

/**
 * The route from @p tree's source to link @p target, reached at whichever of its ends is
 * nearer. Returns nullopt when the source is attached to the link or cannot reach it.
 */
std::optional<WanRouteToLink> RouteToWanLink(const WanPathTree& tree,
                                             const std::vector<WanPathLink>& links, size_t target);

} // namespace tunnelsim

#endif
