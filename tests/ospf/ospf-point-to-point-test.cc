// Two OSPF routers over a serial link: adjacency timing, LAN routes, traffic, interface
// down, the DBD MTU check and the Hello parameter checks.
//
//   H1 ------ R1 ======================== R2 ------ H2
//   192.168.1.0/24     10.0.0.0/30          192.168.2.0/24
//   CSMA 100 Mb/s      PointToPoint         CSMA 100 Mb/s
//   (passive)          5 Mb/s, 2 ms         (passive)
//
//   R1: router ID 1.1.1.1, 10.0.0.1     R2: router ID 2.2.2.2, 10.0.0.2
#include "ns3/csma-helper.h"
#include "ns3/ipv4-address-helper.h"
#include "ns3/ipv4-l3-protocol.h"
#include "ns3/point-to-point-helper.h"
#include "ns3/point-to-point-net-device.h"
#include "ns3/uinteger.h"
#include "ospf-test-support.h"

#include <gtest/gtest.h>

namespace tunnelsim::test
{
namespace
{

const ns3::Ipv4Address kRouter1Id("1.1.1.1");
const ns3::Ipv4Address kRouter2Id("2.2.2.2");
const ns3::Time kLinkDelay = ns3::MilliSeconds(2);
const ns3::DataRate kLinkRate("5Mbps");
const ns3::DataRate kLanRate("100Mbps");

struct Options
{
    uint16_t mtu1 = 1500;
    uint16_t mtu2 = 1500;
    OspfInterfaceSettings link1;
    OspfInterfaceSettings link2;
};

struct Network
{
    ns3::NodeContainer routers;
    ns3::NodeContainer hosts;
    ns3::Ptr<ns3::NetDevice> link1; ///< R1's serial device
    ns3::Ptr<ns3::NetDevice> link2; ///< R2's serial device
    ns3::Ptr<ns3::NetDevice> lan1;  ///< R1's LAN device
    ns3::Ptr<ns3::NetDevice> lan2;  ///< R2's LAN device
    ns3::Ipv4Address host2Address;
};

Network
Build(const Options& options)
{
    Network net;
    net.routers.Create(2);
    net.hosts.Create(2);

    ns3::PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", ns3::DataRateValue(kLinkRate));
    p2p.SetChannelAttribute("Delay", ns3::TimeValue(kLinkDelay));
    ns3::NetDeviceContainer link = p2p.Install(net.routers.Get(0), net.routers.Get(1));
    link.Get(0)->SetMtu(options.mtu1);
    link.Get(1)->SetMtu(options.mtu2);

    ns3::CsmaHelper csma;
    csma.SetChannelAttribute("DataRate", ns3::DataRateValue(kLanRate));
    csma.SetChannelAttribute("Delay", ns3::TimeValue(ns3::MicroSeconds(1)));
    ns3::NetDeviceContainer lan1
        = csma.Install(ns3::NodeContainer(net.routers.Get(0), net.hosts.Get(0)));
    ns3::NetDeviceContainer lan2
        = csma.Install(ns3::NodeContainer(net.routers.Get(1), net.hosts.Get(1)));

    OspfHelper ospf;
    ospf.SetRouterId(net.routers.Get(0), kRouter1Id);
    ospf.SetRouterId(net.routers.Get(1), kRouter2Id);
    InstallRouterStack(net.routers, ospf);
    InstallHostStack(net.hosts);

    ns3::Ipv4AddressHelper addresses;
    addresses.SetBase("10.0.0.0", "255.255.255.252");
    addresses.Assign(link);
    addresses.SetBase("192.168.1.0", "255.255.255.0");
    ns3::Ipv4InterfaceContainer lan1Addresses = addresses.Assign(lan1);
    addresses.SetBase("192.168.2.0", "255.255.255.0");
    ns3::Ipv4InterfaceContainer lan2Addresses = addresses.Assign(lan2);

    net.link1 = link.Get(0);
    net.link2 = link.Get(1);
    net.lan1 = lan1.Get(0);
    net.lan2 = lan2.Get(0);
    net.host2Address = lan2Addresses.GetAddress(1);
    SetDefaultRoute(net.hosts.Get(0), lan1Addresses.GetAddress(0));
    SetDefaultRoute(net.hosts.Get(1), lan2Addresses.GetAddress(0));

    OspfInterfaceSettings passive;
    passive.passive = true;
    Ospf(net.routers.Get(0))->SetInterfaceSettings(InterfaceOf(net.lan1), passive);
    Ospf(net.routers.Get(1))->SetInterfaceSettings(InterfaceOf(net.lan2), passive);
    Ospf(net.routers.Get(0))->SetInterfaceSettings(InterfaceOf(net.link1), options.link1);
    Ospf(net.routers.Get(1))->SetInterfaceSettings(InterfaceOf(net.link2), options.link2);
    return net;
}

/// Time to send @p bytes at @p rate.
ns3::Time
TransmissionTime(uint32_t bytes, ns3::DataRate rate)
{
    return rate.CalculateBytesTxTime(bytes);
}

TEST(OspfPointToPoint, FullAfterHelloReply)
{
    OspfSimulation simulation;
    Network net = Build(Options{});
    AdjacencyRecorder adjacencies;
    adjacencies.Attach(Ospf(net.routers.Get(0)));
    adjacencies.Attach(Ospf(net.routers.Get(1)));
    ns3::Simulator::Stop(ns3::Seconds(60));
    ns3::Simulator::Run();

    // Both routers start at 0 s and their first Hellos cross, listing no neighbour. Each
    // router replies to the other's Hello after HelloReplyDelay, and the replies bring 2-Way.
    // At least five one-way trips (Hello, reply, DBD, DBD, DBD) separate the start from Full,
    // plus the reply delay. Twelve trips of a full-size packet bound the two Hellos, the DBD
    // negotiation, exchange and the LS Request / Update round.
    ns3::TimeValue replyDelay;
    Ospf(net.routers.Get(0))->GetAttribute("HelloReplyDelay", replyDelay);
    const ns3::Time oneWay = kLinkDelay + TransmissionTime(1500 + 2, kLinkRate);
    const ns3::Time earliest = replyDelay.Get() + 5 * kLinkDelay;
    const ns3::Time latest = replyDelay.Get() + 12 * oneWay;

    for (auto [router, neighbor] : {std::pair{kRouter1Id, kRouter2Id}, {kRouter2Id, kRouter1Id}})
    {
        auto full = adjacencies.FirstTime(router, neighbor, OspfNeighborState::Full);
        ASSERT_TRUE(full.has_value()) << router;
        EXPECT_GE(*full, earliest) << router;
        EXPECT_LE(*full, latest) << router;
    }
    EXPECT_EQ(Ospf(net.routers.Get(0))->GetNeighborState(kRouter2Id), OspfNeighborState::Full);
    EXPECT_EQ(Ospf(net.routers.Get(1))->GetNeighborState(kRouter1Id), OspfNeighborState::Full);
}

TEST(OspfPointToPoint, PassesThroughEveryState)
{
    OspfSimulation simulation;
    Network net = Build(Options{});
    AdjacencyRecorder adjacencies;
    adjacencies.Attach(Ospf(net.routers.Get(0)));
    ns3::Simulator::Stop(ns3::Seconds(60));
    ns3::Simulator::Run();

    std::vector<OspfNeighborState> states;
    for (const auto& record : adjacencies.Records())
    {
        states.push_back(record.change.newState);
    }
    // R1 has the lower router ID: it becomes slave and requests R2's router-LSA, so it
    // passes through Loading.
    const std::vector<OspfNeighborState> expected
        = {OspfNeighborState::Init, OspfNeighborState::ExStart, OspfNeighborState::Exchange,
           OspfNeighborState::Loading, OspfNeighborState::Full};
    EXPECT_EQ(states, expected);
}

TEST(OspfPointToPoint, ExchangesLanRoutes)
{
    OspfSimulation simulation;
    Network net = Build(Options{});
    ns3::Simulator::Stop(ns3::Seconds(60));
    ns3::Simulator::Run();

    // Cost: 100 Mb/s reference over 5 Mb/s is 20 for the link, 1 for the 100 Mb/s LAN.
    const uint32_t linkCost = 100 / 5;
    const uint32_t lanCost = 1;
    struct Expected
    {
        ns3::Ptr<ns3::Node> router;
        ns3::Ipv4Address network;
        ns3::Ipv4Address nextHop;
        ns3::Ptr<ns3::NetDevice> device;
    };
    const Expected cases[] = {
        {net.routers.Get(0), "192.168.2.0", "10.0.0.2", net.link1},
        {net.routers.Get(1), "192.168.1.0", "10.0.0.1", net.link2},
    };
    for (const Expected& c : cases)
    {
        const std::vector<OspfRouteInfo> routes = Ospf(c.router)->GetRoutes();
        ASSERT_EQ(routes.size(), 1u) << c.network;
        EXPECT_EQ(routes[0].network, c.network);
        EXPECT_EQ(routes[0].mask, ns3::Ipv4Mask("255.255.255.0"));
        EXPECT_EQ(routes[0].nextHop, c.nextHop);
        EXPECT_EQ(routes[0].interface, InterfaceOf(c.device));
        EXPECT_EQ(routes[0].cost, linkCost + lanCost);
    }
}

TEST(OspfPointToPoint, RoutesAfterFullAndSpfDelay)
{
    OspfSimulation simulation;
    Network net = Build(Options{});
    AdjacencyRecorder adjacencies;
    adjacencies.Attach(Ospf(net.routers.Get(0)));
    std::vector<OspfRouteChange> changes;
    Ospf(net.routers.Get(0))
        ->TraceConnectWithoutContext("RouteChange", ns3::Callback<void, const OspfRouteChange&>(
                                                        [&changes](const OspfRouteChange& c)
                                                        {
                                                            changes.push_back(c);
                                                        }));
    ns3::Simulator::Stop(ns3::Seconds(60));
    ns3::Simulator::Run();

    auto full = adjacencies.FirstTime(kRouter1Id, kRouter2Id, OspfNeighborState::Full);
    ASSERT_TRUE(full.has_value());
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(changes[0].kind, OspfRouteChangeKind::Added);
    EXPECT_EQ(changes[0].network, ns3::Ipv4Address("192.168.2.0"));
    // The route needs both router-LSAs to list the link (s16.1 (2b)). R2 originates its
    // new router-LSA when it reaches Full, a few milliseconds after its first one reached
    // R1, so R1 drops it (MinLSArrival, s13 (5a)) and takes R2's retransmission one
    // RxmtInterval later. SPF then runs within its initial delay plus one hold time.
    const ns3::Time rxmtInterval = ns3::Seconds(5);
    const ns3::Time spfInitialDelay = ns3::Seconds(5);
    const ns3::Time spfHold = ns3::Seconds(10);
    EXPECT_GE(changes[0].time, *full);
    EXPECT_LE(changes[0].time, *full + rxmtInterval + spfInitialDelay + spfHold);
}

TEST(OspfPointToPoint, DeliversTrafficOnlyAfterConvergence)
{
    OspfSimulation simulation;
    Network net = Build(Options{});
    std::optional<ns3::Time> routeAt;
    Ospf(net.routers.Get(0))
        ->TraceConnectWithoutContext("RouteChange",
                                     ns3::Callback<void, const OspfRouteChange&>(
                                         [&routeAt](const OspfRouteChange& c)
                                         {
                                             if (!routeAt && c.kind == OspfRouteChangeKind::Added)
                                             {
                                                 routeAt = c.time;
                                             }
                                         }));
    UdpProbe probe(net.hosts.Get(0), net.hosts.Get(1), net.host2Address, ns3::Seconds(1),
                   ns3::Seconds(59), ns3::MilliSeconds(500));
    ns3::Simulator::Stop(ns3::Seconds(60));
    ns3::Simulator::Run();

    ASSERT_TRUE(routeAt.has_value());
    EXPECT_EQ(probe.ArrivalsBetween(ns3::Seconds(0), *routeAt), 0u);
    ASSERT_FALSE(probe.Arrivals().empty());
    // Every probe sent after R1 and R2 both have their routes arrives: allow one period
    // for R2's route, which its own SPF installs at the same time or a little later.
    const ns3::Time settled = *routeAt + ns3::Seconds(10);
    const size_t expected
        = static_cast<size_t>((ns3::Seconds(59) - settled).GetMilliSeconds() / 500);
    EXPECT_GE(probe.ArrivalsBetween(settled, ns3::Seconds(60)), expected);
}

TEST(OspfPointToPoint, InterfaceDownWithdrawsRoutesAtOnce)
{
    OspfSimulation simulation;
    Network net = Build(Options{});
    std::vector<OspfRouteChange> changes;
    Ospf(net.routers.Get(0))
        ->TraceConnectWithoutContext("RouteChange", ns3::Callback<void, const OspfRouteChange&>(
                                                        [&changes](const OspfRouteChange& c)
                                                        {
                                                            changes.push_back(c);
                                                        }));
    const ns3::Time down = ns3::Seconds(60);
    ns3::Ptr<ns3::Ipv4> ipv4 = net.routers.Get(0)->GetObject<ns3::Ipv4>();
    ns3::Simulator::Schedule(down, &ns3::Ipv4::SetDown, ipv4, InterfaceOf(net.link1));
    ns3::Simulator::Stop(ns3::Seconds(100));
    ns3::Simulator::Run();

    ASSERT_EQ(changes.size(), 2u);
    EXPECT_EQ(changes[1].kind, OspfRouteChangeKind::Removed);
    EXPECT_EQ(changes[1].network, ns3::Ipv4Address("192.168.2.0"));
    EXPECT_EQ(changes[1].time, down);
    EXPECT_TRUE(Ospf(net.routers.Get(0))->GetRoutes().empty());
    EXPECT_EQ(Ospf(net.routers.Get(0))->GetNeighborState(kRouter2Id), OspfNeighborState::Down);
}

TEST(OspfPointToPoint, NeighborDeadWithdrawsRoutes)
{
    OspfSimulation simulation;
    Network net = Build(Options{});
    AdjacencyRecorder adjacencies;
    adjacencies.Attach(Ospf(net.routers.Get(1)));
    const ns3::Time down = ns3::Seconds(60);
    // R1's side goes down: R2 hears no more Hellos and must find out by itself.
    ns3::Ptr<ns3::Ipv4> ipv4 = net.routers.Get(0)->GetObject<ns3::Ipv4>();
    ns3::Simulator::Schedule(down, &ns3::Ipv4::SetDown, ipv4, InterfaceOf(net.link1));
    ns3::Simulator::Stop(ns3::Seconds(150));
    ns3::Simulator::Run();

    auto dead = adjacencies.FirstTimeAfter(kRouter2Id, kRouter1Id, OspfNeighborState::Down, down);
    ASSERT_TRUE(dead.has_value());
    // The last Hello arrived at most one HelloInterval before the link went down.
    EXPECT_GE(*dead, down + ns3::Seconds(40) - ns3::Seconds(10));
    EXPECT_LE(*dead, down + ns3::Seconds(40));
    EXPECT_TRUE(Ospf(net.routers.Get(1))->GetRoutes().empty());
}

struct MtuCase
{
    const char* name;
    uint16_t mtu1;
    uint16_t mtu2;
    bool ignore1; ///< mtu-ignore on R1, the side with the smaller MTU
    bool expectFull;
};

const MtuCase kMtuCases[] = {
    {"equal", 1500, 1500, false, true},
    {"smaller-on-slave", 1400, 1500, false, false},
    {"smaller-on-slave-ignored", 1400, 1500, true, true},
    {"smaller-on-master", 1500, 1400, false, false},
};

TEST(OspfPointToPoint, DbdMtuCheck)
{
    for (const MtuCase& c : kMtuCases)
    {
        OspfSimulation simulation;
        Options options;
        options.mtu1 = c.mtu1;
        options.mtu2 = c.mtu2;
        options.link1.mtuIgnore = c.ignore1;
        Network net = Build(options);
        DropRecorder drops;
        drops.Attach(Ospf(net.routers.Get(0)));
        drops.Attach(Ospf(net.routers.Get(1)));
        ns3::Simulator::Stop(ns3::Seconds(120));
        ns3::Simulator::Run();

        const OspfNeighborState state1 = Ospf(net.routers.Get(0))->GetNeighborState(kRouter2Id);
        const OspfNeighborState state2 = Ospf(net.routers.Get(1))->GetNeighborState(kRouter1Id);
        uint64_t mtuDrops = 0;
        for (const OspfDrop& drop : drops.Drops())
        {
            if (drop.reason != OspfDropReason::MtuMismatch)
            {
                continue;
            }
            ++mtuDrops;
            // The router with the smaller MTU rejects the other's DBDs, with both values.
            EXPECT_EQ(drop.received, std::max(c.mtu1, c.mtu2)) << c.name;
            EXPECT_EQ(drop.configured, std::min(c.mtu1, c.mtu2)) << c.name;
        }
        if (c.expectFull)
        {
            EXPECT_EQ(state1, OspfNeighborState::Full) << c.name;
            EXPECT_EQ(state2, OspfNeighborState::Full) << c.name;
            EXPECT_EQ(mtuDrops, 0u) << c.name;
        }
        else
        {
            // Stuck where the RFC leaves it: ExStart, or Exchange on the side that accepted.
            EXPECT_TRUE(state1 == OspfNeighborState::ExStart
                        || state1 == OspfNeighborState::Exchange)
                << c.name << ": " << ToString(state1);
            EXPECT_TRUE(state2 == OspfNeighborState::ExStart
                        || state2 == OspfNeighborState::Exchange)
                << c.name << ": " << ToString(state2);
            EXPECT_GT(mtuDrops, 0u) << c.name;
            EXPECT_TRUE(Ospf(net.routers.Get(0))->GetRoutes().empty()) << c.name;
        }
    }
}

struct HelloMismatchCase
{
    const char* name;
    OspfInterfaceSettings link2;
    OspfDropReason reason;
    uint64_t receivedByR1; ///< the value R2 sends
    uint64_t configuredOnR1;
    ns3::Ipv4Address area2 = ns3::Ipv4Address::GetZero(); ///< R2's AreaId attribute
};

std::vector<HelloMismatchCase>
HelloMismatchCases()
{
    OspfInterfaceSettings hello;
    hello.helloInterval = ns3::Seconds(5);
    OspfInterfaceSettings dead;
    dead.routerDeadInterval = ns3::Seconds(30);
    return {
        {"hello-interval", hello, OspfDropReason::HelloIntervalMismatch, 5, 10},
        {"dead-interval", dead, OspfDropReason::DeadIntervalMismatch, 30, 40},
        // The area is checked for every packet (s8.2), before the Hello's own checks.
        {"area", {}, OspfDropReason::AreaMismatch, 1, 0, ns3::Ipv4Address("0.0.0.1")},
    };
}

TEST(OspfPointToPoint, HelloParameterMismatch)
{
    for (const HelloMismatchCase& c : HelloMismatchCases())
    {
        OspfSimulation simulation;
        Options options;
        options.link2 = c.link2;
        Network net = Build(options);
        Ospf(net.routers.Get(1))->SetAttribute("AreaId", ns3::Ipv4AddressValue(c.area2));
        DropRecorder drops;
        drops.Attach(Ospf(net.routers.Get(0)));
        ns3::Simulator::Stop(ns3::Seconds(120));
        ns3::Simulator::Run();

        ns3::Ptr<OspfRoutingProtocol> r1 = Ospf(net.routers.Get(0));
        ns3::Ptr<OspfRoutingProtocol> r2 = Ospf(net.routers.Get(1));
        EXPECT_EQ(r1->GetNeighborState(kRouter2Id), OspfNeighborState::Down) << c.name;
        EXPECT_EQ(r2->GetNeighborState(kRouter1Id), OspfNeighborState::Down) << c.name;
        EXPECT_GT(r1->GetDropCount(c.reason), 0u) << c.name;
        EXPECT_GT(r2->GetDropCount(c.reason), 0u) << c.name;
        ASSERT_FALSE(drops.Drops().empty()) << c.name;
        const OspfDrop& drop = drops.Drops().front();
        EXPECT_EQ(drop.reason, c.reason) << c.name;
        EXPECT_EQ(drop.received, c.receivedByR1) << c.name;
        EXPECT_EQ(drop.configured, c.configuredOnR1) << c.name;
        EXPECT_EQ(drop.source, ns3::Ipv4Address("10.0.0.2")) << c.name;
        EXPECT_TRUE(r1->GetRoutes().empty()) << c.name;
    }
}

/// Every OSPF packet R1 sends in 60 s, as bytes with its send time.
std::vector<std::pair<ns3::Time, Bytes>>
RecordRouter1Packets()
{
    OspfSimulation simulation;
    Network net = Build(Options{});
    std::vector<std::pair<ns3::Time, Bytes>> packets;
    Ospf(net.routers.Get(0))
        ->TraceConnectWithoutContext(
            "Tx", ns3::Callback<void, OspfPacketType, uint32_t, ns3::Ptr<const ns3::Packet>>(
                      [&packets](OspfPacketType, uint32_t, ns3::Ptr<const ns3::Packet> packet)
                      {
                          Bytes bytes(packet->GetSize());
                          packet->CopyData(bytes.data(), bytes.size());
                          packets.emplace_back(ns3::Simulator::Now(), std::move(bytes));
                      }));
    ns3::Simulator::Stop(ns3::Seconds(60));
    ns3::Simulator::Run();
    return packets;
}

TEST(OspfPointToPoint, RepeatedRunSendsSameBytes)
{
    const auto first = RecordRouter1Packets();
    const auto second = RecordRouter1Packets();
    ASSERT_GT(first.size(), 10u);
    EXPECT_EQ(first, second);
}

TEST(OspfPointToPoint, NoIpLayerDrops)
{
    // OSPF's multicast packets are delivered to the raw sockets; the IPv4 layer must not
    // count them as dropped (no route, TTL expired), or the drop statistics of a scenario
    // would include them.
    OspfSimulation simulation;
    Network net = Build(Options{});
    std::vector<ns3::Ipv4L3Protocol::DropReason> drops;
    for (uint32_t i = 0; i < 2; ++i)
    {
        net.routers.Get(i)->GetObject<ns3::Ipv4L3Protocol>()->TraceConnectWithoutContext(
            "Drop",
            ns3::Callback<void, const ns3::Ipv4Header&, ns3::Ptr<const ns3::Packet>,
                          ns3::Ipv4L3Protocol::DropReason, ns3::Ptr<ns3::Ipv4>, uint32_t>(
                [&drops](const ns3::Ipv4Header&, ns3::Ptr<const ns3::Packet>,
                         ns3::Ipv4L3Protocol::DropReason reason, ns3::Ptr<ns3::Ipv4>, uint32_t)
                {
                    drops.push_back(reason);
                }));
    }
    ns3::Simulator::Stop(ns3::Seconds(60));
    ns3::Simulator::Run();
    EXPECT_TRUE(drops.empty()) << drops.size() << " drops, first reason " << drops.front();
    EXPECT_GT(Ospf(net.routers.Get(0))->GetRxCount(OspfPacketType::Hello), 0u);
}

} // namespace
} // namespace tunnelsim::test
