/*
 * The intra-area routing table calculation of RFC 2328 s16.1: Dijkstra's algorithm (Boost
 * Graph's dijkstra_shortest_paths) over router and transit network vertices, next hops by
 * s16.1.1, then the stub networks of s16.1 step (2). A pure function of the database, so it
 * can be tested without a simulation.
 *
 * Limitations:
 * - One area, no summary or AS-external routes (s16.2-s16.4), no virtual links.
 * - Equal-cost paths are all computed, but SelectNextHop picks one of them: ns-3's
 *   Ipv4Route carries a single gateway.
 * - TOS metrics other than TOS 0 are ignored (RFC 2328 dropped TOS routing, s1.3).
 */
#ifndef TUNNELSIM_OSPF_SPF_H
#define TUNNELSIM_OSPF_SPF_H

#include "ospf-lsa.h"

#include <cstdint>
#include <set>
#include <vector>

namespace tunnelsim
{

/// An interface of the calculating router that has an address and is up.
struct SpfInterface
{
    uint32_t index = 0;   ///< Ipv4 interface index
    uint32_t address = 0; ///< host byte order
    uint32_t mask = 0;
};

/// A next hop (s16.1.1): the outgoing interface and the neighbour's address, or 0 when the
/// destination is on the outgoing interface's own network.
struct SpfNextHop
{
    uint32_t interface = 0;
    uint32_t gateway = 0;

    bool operator<(const SpfNextHop& other) const
    {
        return interface != other.interface ? interface < other.interface : gateway < other.gateway;
    }

    bool operator==(const SpfNextHop& other) const
    {
        return interface == other.interface && gateway == other.gateway;
    }
};

struct SpfRoute
{
    uint32_t network = 0; ///< masked destination address
    uint32_t mask = 0;
    uint32_t cost = 0;
    std::set<SpfNextHop> nextHops; ///< equal-cost next hops, never empty

    /// The next hop to install: the lowest interface index, then the lowest gateway, so the
    /// choice does not depend on the order LSAs arrived in.
    SpfNextHop SelectNextHop() const { return *nextHops.begin(); }
};

struct SpfResult
{
    std::vector<SpfRoute> routes; ///< sorted by (network, mask)
    uint32_t routers = 0;         ///< router vertices reached, the root included
    uint32_t networks = 0;        ///< transit network vertices reached
};

/**
 * Compute the routes of router @p rootRouterId from @p lsas, the area's router- and
 * network-LSAs without those at MaxAge (s14). @p interfaces are the root's up interfaces
 * with addresses. They resolve next hops, and a network one of them is attached to gets no
 * route because it belongs to the connected routes. A link counts only when both ends
 * advertise each other (s16.1 step (2b)).
 */
SpfResult ComputeShortestPathTree(const std::vector<const Lsa*>& lsas, uint32_t rootRouterId,
                                  const std::vector<SpfInterface>& interfaces);

} // namespace tunnelsim

#endif
