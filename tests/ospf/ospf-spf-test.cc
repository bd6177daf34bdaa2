// The routing table calculation (RFC 2328 s16.1) on hand-built link state databases,
// without a simulation: next hops over point-to-point links and transit networks, the
// two-way check, stub networks, equal-cost paths and connected networks.
#include "ospf-spf.h"

#include <gtest/gtest.h>

namespace tunnelsim
{
namespace
{

uint32_t
Ip(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    return (uint32_t{a} << 24) | (uint32_t{b} << 16) | (uint32_t{c} << 8) | d;
}

constexpr uint32_t kMask24 = 0xffffff00;
constexpr uint32_t kMask30 = 0xfffffffc;

Lsa
RouterLsa(uint32_t routerId, std::vector<RouterLink> links)
{
    Lsa lsa;
    lsa.header.type = static_cast<uint8_t>(LsaType::Router);
    lsa.header.linkStateId = routerId;
    lsa.header.advertisingRouter = routerId;
    lsa.body = RouterLsaBody{0, std::move(links)};
    return lsa;
}

Lsa
NetworkLsa(uint32_t drAddress, uint32_t drId, uint32_t mask, std::vector<uint32_t> attached)
{
    Lsa lsa;
    lsa.header.type = static_cast<uint8_t>(LsaType::Network);
    lsa.header.linkStateId = drAddress;
    lsa.header.advertisingRouter = drId;
    lsa.body = NetworkLsaBody{mask, std::move(attached)};
    return lsa;
}

RouterLink
PointToPoint(uint32_t neighbor, uint32_t ownAddress, uint16_t cost)
{
    return {neighbor, ownAddress, RouterLinkType::PointToPoint, cost, {}};
}

RouterLink
Stub(uint32_t network, uint32_t mask, uint16_t cost)
{
    return {network, mask, RouterLinkType::Stub, cost, {}};
}

RouterLink
Transit(uint32_t drAddress, uint32_t ownAddress, uint16_t cost)
{
    return {drAddress, ownAddress, RouterLinkType::Transit, cost, {}};
}

std::vector<const Lsa*>
Pointers(const std::vector<Lsa>& lsas)
{
    std::vector<const Lsa*> out;
    for (const Lsa& lsa : lsas)
    {
        out.push_back(&lsa);
    }
    return out;
}

const SpfRoute*
Find(const SpfResult& result, uint32_t network, uint32_t mask)
{
    for (const SpfRoute& route : result.routes)
    {
        if (route.network == network && route.mask == mask)
        {
            return &route;
        }
    }
    return nullptr;
}

const uint32_t kR1 = Ip(1, 1, 1, 1);
const uint32_t kR2 = Ip(2, 2, 2, 2);
const uint32_t kR3 = Ip(3, 3, 3, 3);

//   R1 (if 1: 10.0.12.1) ---- cost 10 ---- R2 (10.0.12.2) ---- cost 5 ---- R3 (10.0.23.2)
//                                          192.168.2.0/24 (cost 1)         192.168.3.0/24 (1)
std::vector<Lsa>
Chain()
{
    return {
        RouterLsa(kR1,
                  {PointToPoint(kR2, Ip(10, 0, 12, 1), 10), Stub(Ip(10, 0, 12, 0), kMask30, 10)}),
        RouterLsa(kR2, {PointToPoint(kR1, Ip(10, 0, 12, 2), 10),
                        Stub(Ip(10, 0, 12, 0), kMask30, 10), PointToPoint(kR3, Ip(10, 0, 23, 1), 5),
                        Stub(Ip(10, 0, 23, 0), kMask30, 5), Stub(Ip(192, 168, 2, 0), kMask24, 1)}),
        RouterLsa(kR3, {PointToPoint(kR2, Ip(10, 0, 23, 2), 5), Stub(Ip(10, 0, 23, 0), kMask30, 5),
                        Stub(Ip(192, 168, 3, 0), kMask24, 1)}),
    };
}

const std::vector<SpfInterface> kR1Interfaces = {{1, Ip(10, 0, 12, 1), kMask30}};

TEST(OspfSpf, ChainCostsAndNextHops)
{
    const std::vector<Lsa> lsas = Chain();
    const SpfResult result = ComputeShortestPathTree(Pointers(lsas), kR1, kR1Interfaces);
    EXPECT_EQ(result.routers, 3u);

    struct Expected
    {
        uint32_t network;
        uint32_t mask;
        uint32_t cost;
    };
    const Expected expected[] = {
        {Ip(10, 0, 23, 0), kMask30, 15},
        {Ip(192, 168, 2, 0), kMask24, 11},
        {Ip(192, 168, 3, 0), kMask24, 16},
    };
    ASSERT_EQ(result.routes.size(), std::size(expected));
    for (const Expected& e : expected)
    {
        const SpfRoute* route = Find(result, e.network, e.mask);
        ASSERT_NE(route, nullptr) << e.network;
        EXPECT_EQ(route->cost, e.cost) << e.network;
        ASSERT_EQ(route->nextHops.size(), 1u) << e.network;
        EXPECT_EQ(route->SelectNextHop().interface, 1u) << e.network;
        EXPECT_EQ(route->SelectNextHop().gateway, Ip(10, 0, 12, 2)) << e.network;
    }
}

TEST(OspfSpf, ConnectedNetworkNotRouted)
{
    const std::vector<Lsa> lsas = Chain();
    const SpfResult result = ComputeShortestPathTree(Pointers(lsas), kR1, kR1Interfaces);
    EXPECT_EQ(Find(result, Ip(10, 0, 12, 0), kMask30), nullptr);
}

TEST(OspfSpf, OneWayLinkIgnored)
{
    // R3 no longer lists R2 (it lost the adjacency) while R2's LSA still lists R3: the link
    // fails the two-way check of s16.1 (2b), so R3 and its LAN become unreachable.
    std::vector<Lsa> lsas = Chain();
    lsas[2] = RouterLsa(kR3, {Stub(Ip(192, 168, 3, 0), kMask24, 1)});
    const SpfResult result = ComputeShortestPathTree(Pointers(lsas), kR1, kR1Interfaces);
    EXPECT_EQ(result.routers, 2u);
    EXPECT_EQ(Find(result, Ip(192, 168, 3, 0), kMask24), nullptr);
    EXPECT_NE(Find(result, Ip(192, 168, 2, 0), kMask24), nullptr);
}

TEST(OspfSpf, NoRouterLsaForRoot)
{
    const std::vector<Lsa> lsas = Chain();
    const SpfResult result = ComputeShortestPathTree(Pointers(lsas), Ip(9, 9, 9, 9), {});
    EXPECT_TRUE(result.routes.empty());
    EXPECT_EQ(result.routers, 0u);
}

//   Square with two equal paths from R1 to R4's LAN:
//        R1 --10-- R2 --10-- R4 -- 192.168.4.0/24 (1)
//         \                 /
//          10 -- R3 --10 --
//   R1's interfaces: 1 towards R2 (10.0.12.1), 2 towards R3 (10.0.13.1).
TEST(OspfSpf, EqualCostPathsKeepBothNextHops)
{
    const uint32_t r4 = Ip(4, 4, 4, 4);
    const std::vector<Lsa> lsas = {
        RouterLsa(kR1, {PointToPoint(kR2, Ip(10, 0, 12, 1), 10),
                        PointToPoint(kR3, Ip(10, 0, 13, 1), 10)}),
        RouterLsa(
            kR2, {PointToPoint(kR1, Ip(10, 0, 12, 2), 10), PointToPoint(r4, Ip(10, 0, 24, 1), 10)}),
        RouterLsa(
            kR3, {PointToPoint(kR1, Ip(10, 0, 13, 2), 10), PointToPoint(r4, Ip(10, 0, 34, 1), 10)}),
        RouterLsa(r4,
                  {PointToPoint(kR2, Ip(10, 0, 24, 2), 10), PointToPoint(kR3, Ip(10, 0, 34, 2), 10),
                   Stub(Ip(192, 168, 4, 0), kMask24, 1)}),
    };
    const std::vector<SpfInterface> interfaces
        = {{1, Ip(10, 0, 12, 1), kMask30}, {2, Ip(10, 0, 13, 1), kMask30}};
    const SpfResult result = ComputeShortestPathTree(Pointers(lsas), kR1, interfaces);
    const SpfRoute* route = Find(result, Ip(192, 168, 4, 0), kMask24);
    ASSERT_NE(route, nullptr);
    EXPECT_EQ(route->cost, 21u);
    const std::set<SpfNextHop> expected = {{1, Ip(10, 0, 12, 2)}, {2, Ip(10, 0, 13, 2)}};
    EXPECT_EQ(route->nextHops, expected);
    EXPECT_EQ(route->SelectNextHop(), (SpfNextHop{1, Ip(10, 0, 12, 2)}));
}

//   Broadcast LAN 10.1.0.0/24 with DR R3 (10.1.0.3); R1 (10.1.0.1) and R2 (10.1.0.2) attached.
//   R2 has a stub 192.168.2.0/24, R3 a stub 192.168.3.0/24.
std::vector<Lsa>
Lan(uint16_t r1Cost)
{
    const uint32_t dr = Ip(10, 1, 0, 3);
    return {
        RouterLsa(kR1, {Transit(dr, Ip(10, 1, 0, 1), r1Cost)}),
        RouterLsa(kR2, {Transit(dr, Ip(10, 1, 0, 2), 1), Stub(Ip(192, 168, 2, 0), kMask24, 1)}),
        RouterLsa(kR3, {Transit(dr, Ip(10, 1, 0, 3), 1), Stub(Ip(192, 168, 3, 0), kMask24, 1)}),
        NetworkLsa(dr, kR3, kMask24, {kR3, kR1, kR2}),
    };
}

TEST(OspfSpf, TransitNetworkNextHopsAreRouterAddresses)
{
    const std::vector<Lsa> lsas = Lan(4);
    const std::vector<SpfInterface> interfaces = {{3, Ip(10, 1, 0, 1), kMask24}};
    const SpfResult result = ComputeShortestPathTree(Pointers(lsas), kR1, interfaces);
    EXPECT_EQ(result.networks, 1u);
    EXPECT_EQ(result.routers, 3u);

    // Through the network, the next hop is the router's own address on it (s16.1.1), and
    // the network-to-router edge costs nothing: 4 (R1 to LAN) + 1 (stub).
    const SpfRoute* r2Lan = Find(result, Ip(192, 168, 2, 0), kMask24);
    ASSERT_NE(r2Lan, nullptr);
    EXPECT_EQ(r2Lan->cost, 5u);
    EXPECT_EQ(r2Lan->SelectNextHop(), (SpfNextHop{3, Ip(10, 1, 0, 2)}));
    const SpfRoute* r3Lan = Find(result, Ip(192, 168, 3, 0), kMask24);
    ASSERT_NE(r3Lan, nullptr);
    EXPECT_EQ(r3Lan->SelectNextHop(), (SpfNextHop{3, Ip(10, 1, 0, 3)}));
    // The LAN itself is connected.
    EXPECT_EQ(Find(result, Ip(10, 1, 0, 0), kMask24), nullptr);
}

TEST(OspfSpf, TransitNetworkRoutedFromBeyond)
{
    // R4 reaches the LAN through R2 over a point-to-point link: the LAN is a route.
    const uint32_t r4 = Ip(4, 4, 4, 4);
    std::vector<Lsa> lsas = Lan(1);
    std::get<RouterLsaBody>(lsas[1].body).links.push_back(PointToPoint(r4, Ip(10, 0, 24, 1), 7));
    lsas.push_back(RouterLsa(r4, {PointToPoint(kR2, Ip(10, 0, 24, 2), 7)}));
    const std::vector<SpfInterface> interfaces = {{1, Ip(10, 0, 24, 2), kMask30}};
    const SpfResult result = ComputeShortestPathTree(Pointers(lsas), r4, interfaces);
    const SpfRoute* lan = Find(result, Ip(10, 1, 0, 0), kMask24);
    ASSERT_NE(lan, nullptr);
    EXPECT_EQ(lan->cost, 8u);
    EXPECT_EQ(lan->SelectNextHop(), (SpfNextHop{1, Ip(10, 0, 24, 1)}));
    const SpfRoute* r3Lan = Find(result, Ip(192, 168, 3, 0), kMask24);
    ASSERT_NE(r3Lan, nullptr);
    EXPECT_EQ(r3Lan->cost, 9u);
    EXPECT_EQ(r3Lan->SelectNextHop(), (SpfNextHop{1, Ip(10, 0, 24, 1)}));
}

TEST(OspfSpf, RouterMissingFromNetworkLsaIgnored)
{
    // R2 lists the LAN, but the DR's network-LSA does not list R2: no edge either way.
    std::vector<Lsa> lsas = Lan(1);
    lsas[3] = NetworkLsa(Ip(10, 1, 0, 3), kR3, kMask24, {kR3, kR1});
    const std::vector<SpfInterface> interfaces = {{3, Ip(10, 1, 0, 1), kMask24}};
    const SpfResult result = ComputeShortestPathTree(Pointers(lsas), kR1, interfaces);
    EXPECT_EQ(Find(result, Ip(192, 168, 2, 0), kMask24), nullptr);
    EXPECT_NE(Find(result, Ip(192, 168, 3, 0), kMask24), nullptr);
}

TEST(OspfSpf, CheaperStubWins)
{
    // Two routers advertise the same stub network; the cheaper total cost wins.
    std::vector<Lsa> lsas = Chain();
    std::get<RouterLsaBody>(lsas[1].body).links.push_back(Stub(Ip(172, 16, 0, 0), kMask24, 50));
    std::get<RouterLsaBody>(lsas[2].body).links.push_back(Stub(Ip(172, 16, 0, 0), kMask24, 1));
    const SpfResult result = ComputeShortestPathTree(Pointers(lsas), kR1, kR1Interfaces);
    const SpfRoute* route = Find(result, Ip(172, 16, 0, 0), kMask24);
    ASSERT_NE(route, nullptr);
    EXPECT_EQ(route->cost, 16u);
}

} // namespace
} // namespace tunnelsim
