// The WAN path choice shared by the runner's static routes and the validator's tunnel MTU
// check. Vertices 0 and 1 are gateways, 2 to 4 routers:
//
//               L3 0 ms, 9000
//   gw0 (0) ------------------------ gw1 (1) ---- L5 0 ms, 1500 ---- r4 (4)
//      \ L0 1 ms, 1500            / L1 1 ms, 1400
//       '-------- r2 (2) --------'
//                  ||  L2 0 ms, 1300 and L4 0 ms, 1200, in parallel
//                 r3 (3)
#include "wan-paths.h"

#include <gtest/gtest.h>
#include <limits>

namespace tunnelsim
{
namespace
{

constexpr size_t kVertices = 5;
constexpr size_t kGateways = 2;

std::vector<WanPathLink>
Links()
{
    return {
        {{0, 2}, 0.001, 1500}, // L0
        {{2, 1}, 0.001, 1400}, // L1
        {{2, 3}, 0.0, 1300},   // L2
        {{0, 1}, 0.0, 9000},   // L3
        {{2, 3}, 0.0, 1200},   // L4
        {{1, 4}, 0.0, 1500},   // L5
    };
}

TEST(WanPaths, AttachedLinkHasNoRoute)
{
    const auto links = Links();
    const WanPathTree tree = ShortestWanPaths(kVertices, kGateways, links, 0);
    EXPECT_FALSE(RouteToWanLink(tree, links, 0).has_value());
    EXPECT_FALSE(RouteToWanLink(tree, links, 3).has_value());
}

TEST(WanPaths, SmallestMtuOnThePath)
{
    // gw0 reaches L2 over L0 (1500) and r2; L2 itself has 1300.
    const auto links = Links();
    const WanPathTree tree = ShortestWanPaths(kVertices, kGateways, links, 0);
    const auto route = RouteToWanLink(tree, links, 2);
    ASSERT_TRUE(route.has_value());
    EXPECT_EQ(route->firstHop, 2u);
    EXPECT_EQ(route->pathMtu, 1300u);
    EXPECT_EQ(route->mtuLink, 2u);
}

TEST(WanPaths, ParallelLinksTakeSmallestMtu)
{
    // r3 reaches L3 over r2 and gw0; between r3 and r2, L4 (1200) is smaller than L2.
    const auto links = Links();
    const WanPathTree tree = ShortestWanPaths(kVertices, kGateways, links, 3);
    const auto route = RouteToWanLink(tree, links, 3);
    ASSERT_TRUE(route.has_value());
    EXPECT_EQ(route->firstHop, 2u);
    EXPECT_EQ(route->pathMtu, 1200u);
    EXPECT_EQ(route->mtuLink, 4u);
}

TEST(WanPaths, GatewayIsNoTransit)
{
    // r4 hangs off gw1 only; reaching L0 would need gw1 to forward.
    const auto links = Links();
    const WanPathTree tree = ShortestWanPaths(kVertices, kGateways, links, 4);
    EXPECT_FALSE(RouteToWanLink(tree, links, 0).has_value());
    EXPECT_EQ(tree.distance[2], std::numeric_limits<double>::max());
}

TEST(WanPaths, SourceGatewaySendsOut)
{
    // gw0 itself may send over L3 to gw1, the near end of L5.
    const auto links = Links();
    const WanPathTree tree = ShortestWanPaths(kVertices, kGateways, links, 0);
    const auto route = RouteToWanLink(tree, links, 5);
    ASSERT_TRUE(route.has_value());
    EXPECT_EQ(route->firstHop, 1u);
    EXPECT_EQ(route->pathMtu, 1500u);
}

} // namespace
} // namespace tunnelsim
