// Six routers in a partial mesh with one shared LAN: twelve random interface failures and
// 10 % packet loss for 2000 s, then quiet. At the end every router has the same instance
// of every LSA, every adjacency is Full (or 2-Way between DR Others), and every router
// routes to every other router's stub network.
//
//   R1 ----------- R2 ----------- R3
//   |  '--.         |              |
//   |      '--.     |              |
//   |          '----|---------.    |
//   |               |          '-- |
//   R6 ----------- R5 ----------- R4
//
//   Serial links (5 Mb/s, 2 ms): the ring R1-R2-R3-R4-R5-R6-R1, the chord R1-R4 drawn
//   across, and R2-R5 in the middle. A CSMA LAN 10.200.0.0/24 joins R3, R4 and R6.
//   Each router Rn also has a passive stub network 192.168.n.0/24.
#include "ns3/csma-helper.h"
#include "ns3/double.h"
#include "ns3/error-model.h"
#include "ns3/ipv4-address-helper.h"
#include "ns3/point-to-point-helper.h"
#include "ns3/pointer.h"
#include "ns3/random-variable-stream.h"
#include "ns3/rng-seed-manager.h"
#include "ns3/string.h"
#include "ospf-test-support.h"

#include <gtest/gtest.h>
#include <set>

namespace tunnelsim::test
{
namespace
{

constexpr uint32_t kRouters = 6;
constexpr double kLossRate = 0.1;
constexpr uint32_t kFailures = 12;
const ns3::Time kQuiet = ns3::Seconds(2000);
const ns3::Time kEnd = ns3::Seconds(2300);

uint32_t
StubNetwork(uint32_t router)
{
    return (192u << 24) | (168u << 16) | ((router + 1) << 8);
}

class OspfRandomFailures : public ::testing::TestWithParam<uint32_t>
{
};

TEST_P(OspfRandomFailures, ConvergeWhenQuiet)
{
    OspfSimulation simulation;
    ns3::RngSeedManager::SetSeed(7);
    ns3::RngSeedManager::SetRun(GetParam());

    ns3::NodeContainer routers;
    routers.Create(kRouters);
    ns3::PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", ns3::StringValue("5Mbps"));
    p2p.SetChannelAttribute("Delay", ns3::TimeValue(ns3::MilliSeconds(2)));
    const std::pair<uint32_t, uint32_t> edges[]
        = {{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 5}, {5, 0}, {0, 3}, {1, 4}};
    std::vector<ns3::NetDeviceContainer> links;
    for (auto [a, b] : edges)
    {
        links.push_back(p2p.Install(routers.Get(a), routers.Get(b)));
    }
    ns3::CsmaHelper csma;
    ns3::NetDeviceContainer lan
        = csma.Install(ns3::NodeContainer(routers.Get(2), routers.Get(3), routers.Get(5)));
    std::vector<ns3::NetDeviceContainer> stubs;
    for (uint32_t r = 0; r < kRouters; ++r)
    {
        stubs.push_back(csma.Install(ns3::NodeContainer(routers.Get(r))));
    }
    InstallRouterStack(routers, OspfHelper());

    ns3::Ipv4AddressHelper addresses;
    for (uint32_t i = 0; i < links.size(); ++i)
    {
        addresses.SetBase(ns3::Ipv4Address((10u << 24) | (i << 8)), "255.255.255.252");
        addresses.Assign(links[i]);
    }
    addresses.SetBase("10.200.0.0", "255.255.255.0");
    addresses.Assign(lan);
    for (uint32_t r = 0; r < kRouters; ++r)
    {
        addresses.SetBase(ns3::Ipv4Address(StubNetwork(r)), "255.255.255.0");
        addresses.Assign(stubs[r]);
        OspfInterfaceSettings passive;
        passive.passive = true;
        Ospf(routers.Get(r))->SetInterfaceSettings(InterfaceOf(stubs[r].Get(0)), passive);
    }

    ns3::NetDeviceContainer lossy(lan);
    for (const auto& link : links)
    {
        lossy.Add(link);
    }
    for (uint32_t i = 0; i < lossy.GetN(); ++i)
    {
        auto errors = ns3::CreateObject<ns3::RateErrorModel>();
        errors->SetAttribute("ErrorRate", ns3::DoubleValue(kLossRate));
        errors->SetAttribute("ErrorUnit", ns3::StringValue("ERROR_UNIT_PACKET"));
        lossy.Get(i)->SetAttribute("ReceiveErrorModel", ns3::PointerValue(errors));
        ns3::Simulator::Schedule(kQuiet, &ns3::ErrorModel::Disable, errors);
    }
    // Each failure takes one end of a serial link down for 1 to 200 s, between 50 s and
    // 1500 s, so everything is up again well before the quiet period.
    auto random = ns3::CreateObject<ns3::UniformRandomVariable>();
    for (uint32_t e = 0; e < kFailures; ++e)
    {
        const auto& link = links[random->GetInteger(0, links.size() - 1)];
        ns3::Ptr<ns3::NetDevice> device = link.Get(random->GetInteger(0, 1));
        const ns3::Time down = ns3::Seconds(random->GetValue(50, 1500));
        const ns3::Time up = down + ns3::Seconds(random->GetValue(1, 200));
        ns3::Ptr<ns3::Ipv4> ipv4 = device->GetNode()->GetObject<ns3::Ipv4>();
        ns3::Simulator::Schedule(down, &ns3::Ipv4::SetDown, ipv4, InterfaceOf(device));
        ns3::Simulator::Schedule(up, &ns3::Ipv4::SetUp, ipv4, InterfaceOf(device));
    }
    ns3::Simulator::Stop(kEnd);
    ns3::Simulator::Run();

    const std::vector<LsaHeader> reference = Ospf(routers.Get(0))->GetLsaHeaders();
    for (uint32_t r = 0; r < kRouters; ++r)
    {
        ns3::Ptr<OspfRoutingProtocol> ospf = Ospf(routers.Get(r));
        for (const OspfNeighborInfo& neighbor : ospf->GetNeighbors())
        {
            EXPECT_TRUE(neighbor.state == OspfNeighborState::Full
                        || neighbor.state == OspfNeighborState::TwoWay)
                << "R" << r + 1 << " -> " << neighbor.routerId << ": " << ToString(neighbor.state);
        }
        const std::vector<LsaHeader> lsas = ospf->GetLsaHeaders();
        ASSERT_EQ(lsas.size(), reference.size()) << "R" << r + 1;
        for (size_t i = 0; i < lsas.size(); ++i)
        {
            EXPECT_TRUE(KeyOf(lsas[i]) == KeyOf(reference[i])) << "R" << r + 1;
            EXPECT_EQ(lsas[i].sequenceNumber, reference[i].sequenceNumber) << "R" << r + 1;
            EXPECT_EQ(lsas[i].checksum, reference[i].checksum) << "R" << r + 1;
        }
        std::set<uint32_t> networks;
        for (const OspfRouteInfo& route : ospf->GetRoutes())
        {
            networks.insert(route.network.Get());
        }
        for (uint32_t other = 0; other < kRouters; ++other)
        {
            if (other != r)
            {
                EXPECT_EQ(networks.count(StubNetwork(other)), 1u)
                    << "R" << r + 1 << " has no route to R" << other + 1 << "'s stub";
            }
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Seeds, OspfRandomFailures, ::testing::Range(1u, 6u));

} // namespace
} // namespace tunnelsim::test
