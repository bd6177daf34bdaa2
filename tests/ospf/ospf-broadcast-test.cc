// OSPF routers on one broadcast LAN: DR and BDR election (RFC 2328 s9.4), adjacencies only
// with the DR and BDR (s10.4), the DR's network-LSA (s12.4.2) and routes across the LAN.
//
//                   LAN 10.1.0.0/24 (CSMA 100 Mb/s)
//      ----+----------------+----------------+----------------+----
//          |                |                |                |
//         R1               R2               R3              (R4, one test only)
//      1.1.1.1          2.2.2.2          3.3.3.3          4.4.4.4
//      10.1.0.1         10.1.0.2         10.1.0.3         10.1.0.4
//          |                |                |                |
//   192.168.1.0/24   192.168.2.0/24   192.168.3.0/24   192.168.4.0/24
//   (each a passive stub network on its own CSMA segment)
#include "ns3/csma-helper.h"
#include "ns3/ipv4-address-helper.h"
#include "ospf-test-support.h"

#include <gtest/gtest.h>

namespace tunnelsim::test
{
namespace
{

struct Network
{
    ns3::NodeContainer routers;
    std::vector<ns3::Ptr<ns3::NetDevice>> lanDevices; ///< each router's shared-LAN device
};

ns3::Ipv4Address
RouterId(uint32_t i)
{
    const uint32_t n = i + 1;
    return ns3::Ipv4Address((n << 24) | (n << 16) | (n << 8) | n);
}

ns3::Ipv4Address
LanAddress(uint32_t i)
{
    return ns3::Ipv4Address((10u << 24) | (1u << 16) | (i + 1));
}

/// @p priorities: one per router; the number of routers is its size.
Network
Build(const std::vector<uint8_t>& priorities)
{
    Network net;
    const uint32_t count = static_cast<uint32_t>(priorities.size());
    net.routers.Create(count);

    ns3::CsmaHelper csma;
    csma.SetChannelAttribute("DataRate", ns3::DataRateValue(ns3::DataRate("100Mbps")));
    csma.SetChannelAttribute("Delay", ns3::TimeValue(ns3::MicroSeconds(5)));
    ns3::NetDeviceContainer shared = csma.Install(net.routers);
    std::vector<ns3::NetDeviceContainer> stubs;
    for (uint32_t i = 0; i < count; ++i)
    {
        stubs.push_back(csma.Install(ns3::NodeContainer(net.routers.Get(i))));
    }

    OspfHelper ospf;
    for (uint32_t i = 0; i < count; ++i)
    {
        ospf.SetRouterId(net.routers.Get(i), RouterId(i));
    }
    InstallRouterStack(net.routers, ospf);

    ns3::Ipv4AddressHelper addresses;
    addresses.SetBase("10.1.0.0", "255.255.255.0");
    addresses.Assign(shared);
    for (uint32_t i = 0; i < count; ++i)
    {
        addresses.SetBase(ns3::Ipv4Address((192u << 24) | (168u << 16) | ((i + 1) << 8)),
                          "255.255.255.0");
        addresses.Assign(stubs[i]);
        net.lanDevices.push_back(shared.Get(i));

        OspfInterfaceSettings lan;
        lan.priority = priorities[i];
        OspfInterfaceSettings stub;
        stub.passive = true;
        Ospf(net.routers.Get(i))->SetInterfaceSettings(InterfaceOf(shared.Get(i)), lan);
        Ospf(net.routers.Get(i))->SetInterfaceSettings(InterfaceOf(stubs[i].Get(0)), stub);
    }
    return net;
}

struct ElectionCase
{
    const char* name;
    std::vector<uint8_t> priorities;
    uint32_t dr;  ///< router index
    uint32_t bdr; ///< router index
};

const ElectionCase kElectionCases[] = {
    {"equal-priority-highest-id", {1, 1, 1}, 2, 1},
    {"priority-beats-id", {10, 1, 1}, 0, 2},
    {"priority-zero-never-elected", {1, 1, 0}, 1, 0},
    {"id-breaks-priority-tie", {5, 5, 1}, 1, 0},
};

TEST(OspfBroadcast, ElectsDrAndBdr)
{
    for (const ElectionCase& c : kElectionCases)
    {
        OspfSimulation simulation;
        Network net = Build(c.priorities);
        ns3::Simulator::Stop(ns3::Seconds(120));
        ns3::Simulator::Run();

        for (uint32_t i = 0; i < net.routers.GetN(); ++i)
        {
            ns3::Ptr<OspfRoutingProtocol> ospf = Ospf(net.routers.Get(i));
            const uint32_t lan = InterfaceOf(net.lanDevices[i]);
            EXPECT_EQ(ospf->GetDesignatedRouter(lan), LanAddress(c.dr)) << c.name << " R" << i + 1;
            EXPECT_EQ(ospf->GetBackupDesignatedRouter(lan), LanAddress(c.bdr))
                << c.name << " R" << i + 1;
            OspfInterfaceState expected = OspfInterfaceState::DrOther;
            if (i == c.dr)
            {
                expected = OspfInterfaceState::DesignatedRouter;
            }
            else if (i == c.bdr)
            {
                expected = OspfInterfaceState::Backup;
            }
            EXPECT_EQ(ospf->GetInterfaceState(lan), expected) << c.name << " R" << i + 1;
        }
    }
}

TEST(OspfBroadcast, ElectionWaitsForWaitTimer)
{
    OspfSimulation simulation;
    Network net = Build({1, 1, 1});
    std::vector<OspfInterfaceStateChange> changes;
    Ospf(net.routers.Get(2))
        ->TraceConnectWithoutContext("InterfaceStateChange",
                                     ns3::Callback<void, const OspfInterfaceStateChange&>(
                                         [&changes](const OspfInterfaceStateChange& c)
                                         {
                                             changes.push_back(c);
                                         }));
    ns3::Simulator::Stop(ns3::Seconds(120));
    ns3::Simulator::Run();

    const uint32_t lan = InterfaceOf(net.lanDevices[2]);
    std::optional<ns3::Time> becameDr;
    for (const auto& c : changes)
    {
        if (c.interface == lan && c.newState == OspfInterfaceState::DesignatedRouter)
        {
            becameDr = c.time;
        }
    }
    ASSERT_TRUE(becameDr.has_value());
    // Nobody declares a DR at start, so no BackupSeen: every router waits the whole
    // RouterDeadInterval (s9.3) before electing.
    EXPECT_EQ(*becameDr, ns3::Seconds(40));
}

TEST(OspfBroadcast, AdjacentOnlyWithDrAndBdr)
{
    OspfSimulation simulation;
    Network net = Build({1, 1, 1, 1});
    ns3::Simulator::Stop(ns3::Seconds(150));
    ns3::Simulator::Run();

    // R4 is DR and R3 BDR: both are Full with everyone, R1 and R2 stay in 2-Way.
    struct Pair
    {
        uint32_t router;
        uint32_t neighbor;
        OspfNeighborState state;
    };
    const Pair cases[] = {
        {0, 1, OspfNeighborState::TwoWay}, {1, 0, OspfNeighborState::TwoWay},
        {0, 2, OspfNeighborState::Full},   {0, 3, OspfNeighborState::Full},
        {1, 2, OspfNeighborState::Full},   {1, 3, OspfNeighborState::Full},
        {2, 3, OspfNeighborState::Full},   {3, 0, OspfNeighborState::Full},
    };
    for (const Pair& p : cases)
    {
        EXPECT_EQ(Ospf(net.routers.Get(p.router))->GetNeighborState(RouterId(p.neighbor)), p.state)
            << "R" << p.router + 1 << " -> R" << p.neighbor + 1;
    }
}

TEST(OspfBroadcast, DrOriginatesNetworkLsa)
{
    OspfSimulation simulation;
    Network net = Build({1, 1, 1});
    ns3::Simulator::Stop(ns3::Seconds(120));
    ns3::Simulator::Run();

    // R3 is DR: its network-LSA is named after its LAN address and lists all three routers.
    for (uint32_t i = 0; i < net.routers.GetN(); ++i)
    {
        auto lsa = Ospf(net.routers.Get(i))->GetLsa(LsaType::Network, LanAddress(2), RouterId(2));
        ASSERT_TRUE(lsa.has_value()) << "R" << i + 1;
        const auto& body = std::get<NetworkLsaBody>(lsa->body);
        EXPECT_EQ(body.networkMask, 0xffffff00u) << "R" << i + 1;
        std::vector<uint32_t> attached = body.attachedRouters;
        std::sort(attached.begin(), attached.end());
        const std::vector<uint32_t> expected
            = {RouterId(0).Get(), RouterId(1).Get(), RouterId(2).Get()};
        EXPECT_EQ(attached, expected) << "R" << i + 1;
    }
    // Nobody else describes the LAN.
    EXPECT_FALSE(
        Ospf(net.routers.Get(0))->GetLsa(LsaType::Network, LanAddress(1), RouterId(1)).has_value());
}

TEST(OspfBroadcast, RoutesAcrossTransitNetwork)
{
    OspfSimulation simulation;
    Network net = Build({1, 1, 1});
    ns3::Simulator::Stop(ns3::Seconds(150));
    ns3::Simulator::Run();

    // Each router reaches the other two stub networks through the LAN: cost 1 for the
    // 100 Mb/s LAN plus 1 for the 100 Mb/s stub segment.
    for (uint32_t i = 0; i < net.routers.GetN(); ++i)
    {
        const std::vector<OspfRouteInfo> routes = Ospf(net.routers.Get(i))->GetRoutes();
        ASSERT_EQ(routes.size(), 2u) << "R" << i + 1;
        for (const OspfRouteInfo& route : routes)
        {
            const uint32_t owner = ((route.network.Get() >> 8) & 0xff) - 1;
            EXPECT_NE(owner, i) << "R" << i + 1;
            EXPECT_EQ(route.nextHop, LanAddress(owner)) << "R" << i + 1;
            EXPECT_EQ(route.interface, InterfaceOf(net.lanDevices[i])) << "R" << i + 1;
            EXPECT_EQ(route.cost, 2u) << "R" << i + 1;
        }
    }
}

TEST(OspfBroadcast, LaterRouterDoesNotPreempt)
{
    OspfSimulation simulation;
    Network net = Build({1, 1, 1});
    // R3, the highest router ID, joins after R1 and R2 have elected.
    ns3::Ptr<ns3::Ipv4> ipv4 = net.routers.Get(2)->GetObject<ns3::Ipv4>();
    const uint32_t lan = InterfaceOf(net.lanDevices[2]);
    ipv4->SetDown(lan);
    ns3::Simulator::Schedule(ns3::Seconds(60), &ns3::Ipv4::SetUp, ipv4, lan);
    ns3::Simulator::Stop(ns3::Seconds(200));
    ns3::Simulator::Run();

    for (uint32_t i = 0; i < net.routers.GetN(); ++i)
    {
        const uint32_t index = InterfaceOf(net.lanDevices[i]);
        EXPECT_EQ(Ospf(net.routers.Get(i))->GetDesignatedRouter(index), LanAddress(1))
            << "R" << i + 1;
        EXPECT_EQ(Ospf(net.routers.Get(i))->GetBackupDesignatedRouter(index), LanAddress(0))
            << "R" << i + 1;
    }
    EXPECT_EQ(Ospf(net.routers.Get(2))->GetInterfaceState(lan), OspfInterfaceState::DrOther);
    EXPECT_EQ(Ospf(net.routers.Get(2))->GetNeighborState(RouterId(1)), OspfNeighborState::Full);
}

TEST(OspfBroadcast, DrFailureElectsNewDr)
{
    OspfSimulation simulation;
    Network net = Build({1, 1, 1});
    // R3 (DR) loses its LAN interface: R1 and R2 notice after RouterDeadInterval, the BDR
    // R2 takes over and R1 becomes BDR.
    ns3::Ptr<ns3::Ipv4> ipv4 = net.routers.Get(2)->GetObject<ns3::Ipv4>();
    ns3::Simulator::Schedule(ns3::Seconds(100), &ns3::Ipv4::SetDown, ipv4,
                             InterfaceOf(net.lanDevices[2]));
    ns3::Simulator::Stop(ns3::Seconds(200));
    ns3::Simulator::Run();

    for (uint32_t i = 0; i < 2; ++i)
    {
        const uint32_t index = InterfaceOf(net.lanDevices[i]);
        EXPECT_EQ(Ospf(net.routers.Get(i))->GetDesignatedRouter(index), LanAddress(1))
            << "R" << i + 1;
        EXPECT_EQ(Ospf(net.routers.Get(i))->GetBackupDesignatedRouter(index), LanAddress(0))
            << "R" << i + 1;
        // R3's stub network is gone from the routing table, R1's or R2's is still there.
        const std::vector<OspfRouteInfo> routes = Ospf(net.routers.Get(i))->GetRoutes();
        ASSERT_EQ(routes.size(), 1u) << "R" << i + 1;
        EXPECT_EQ(routes[0].nextHop, LanAddress(1 - i)) << "R" << i + 1;
    }
}

TEST(OspfBroadcast, NetworkMaskMismatch)
{
    OspfSimulation simulation;
    Network net = Build({1, 1, 1});
    // R3 gets a /25 on the /24 LAN: s10.5 keeps it from becoming anybody's neighbour.
    ns3::Ptr<ns3::Ipv4> ipv4 = net.routers.Get(2)->GetObject<ns3::Ipv4>();
    const uint32_t lan = InterfaceOf(net.lanDevices[2]);
    ipv4->RemoveAddress(lan, 0u);
    ipv4->AddAddress(lan, ns3::Ipv4InterfaceAddress(LanAddress(2), "255.255.255.128"));
    DropRecorder drops;
    drops.Attach(Ospf(net.routers.Get(0)));
    drops.Attach(Ospf(net.routers.Get(2)));
    ns3::Simulator::Stop(ns3::Seconds(120));
    ns3::Simulator::Run();

    uint64_t seenByR1 = 0;
    uint64_t seenByR3 = 0;
    for (const OspfDrop& drop : drops.Drops())
    {
        // R3 also drops the updates R1 and R2 flood to AllSPFRouters (unknown neighbour).
        if (drop.reason != OspfDropReason::NetworkMaskMismatch)
        {
            continue;
        }
        if (drop.source == LanAddress(2))
        {
            ++seenByR1;
            EXPECT_EQ(drop.received, 0xffffff80u);
            EXPECT_EQ(drop.configured, 0xffffff00u);
        }
        else
        {
            ++seenByR3;
            EXPECT_EQ(drop.received, 0xffffff00u);
            EXPECT_EQ(drop.configured, 0xffffff80u);
        }
    }
    EXPECT_GT(seenByR1, 0u);
    EXPECT_GT(seenByR3, 0u);
    EXPECT_EQ(Ospf(net.routers.Get(0))->GetNeighborState(RouterId(2)), OspfNeighborState::Down);
    EXPECT_EQ(Ospf(net.routers.Get(2))->GetNeighborState(RouterId(0)), OspfNeighborState::Down);
    // R1 and R2 still elect between themselves.
    EXPECT_EQ(Ospf(net.routers.Get(0))->GetDesignatedRouter(InterfaceOf(net.lanDevices[0])),
              LanAddress(1));
}

} // namespace
} // namespace tunnelsim::test
