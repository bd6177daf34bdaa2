// A broadcast LAN that loses packets while its DR restarts. After the loss stops, every
// router agrees on the DR and has a route to every other router's stub network. Every
// router also has the same instance of every LSA, which needs flooding with retransmission
// (RFC 2328 s13) and flushing (s14) to work.
//
//                  LAN 10.1.0.0/24 (CSMA 100 Mb/s, 30 % of received packets lost)
//      ----+--------------+--------------+--------------+----
//          |              |              |              |
//         R1             R2             R3             R4   <- highest router ID: DR;
//          |              |              |              |      its LAN interface is down
//   192.168.1.0/24 192.168.2.0/24 192.168.3.0/24 192.168.4.0/24  from 300 s to 400 s
//   (passive stub networks; router IDs are the stub addresses 192.168.N.1)
//
// Loss stops at 1000 s; the state is checked at 1200 s. Each seed gives a different loss
// pattern.
#include "ns3/csma-helper.h"
#include "ns3/double.h"
#include "ns3/error-model.h"
#include "ns3/ipv4-address-helper.h"
#include "ns3/pointer.h"
#include "ns3/rng-seed-manager.h"
#include "ns3/string.h"
#include "ospf-test-support.h"

#include <gtest/gtest.h>

namespace tunnelsim::test
{
namespace
{

constexpr uint32_t kRouters = 4;
constexpr double kLossRate = 0.3;

class OspfLossyLan : public ::testing::TestWithParam<uint32_t>
{
};

TEST_P(OspfLossyLan, ConvergesAfterDrRestart)
{
    OspfSimulation simulation;
    ns3::RngSeedManager::SetSeed(1);
    ns3::RngSeedManager::SetRun(GetParam());

    ns3::NodeContainer routers;
    routers.Create(kRouters);
    ns3::CsmaHelper csma;
    csma.SetChannelAttribute("DataRate", ns3::StringValue("100Mbps"));
    ns3::NetDeviceContainer lan = csma.Install(routers);
    std::vector<ns3::NetDeviceContainer> stubs;
    for (uint32_t r = 0; r < kRouters; ++r)
    {
        stubs.push_back(csma.Install(ns3::NodeContainer(routers.Get(r))));
    }
    InstallRouterStack(routers, OspfHelper());

    ns3::Ipv4AddressHelper addresses;
    addresses.SetBase("10.1.0.0", "255.255.255.0");
    addresses.Assign(lan);
    for (uint32_t r = 0; r < kRouters; ++r)
    {
        addresses.SetBase(ns3::Ipv4Address((192u << 24) | (168u << 16) | ((r + 1) << 8)),
                          "255.255.255.0");
        addresses.Assign(stubs[r]);
        OspfInterfaceSettings passive;
        passive.passive = true;
        Ospf(routers.Get(r))->SetInterfaceSettings(InterfaceOf(stubs[r].Get(0)), passive);

        auto errors = ns3::CreateObject<ns3::RateErrorModel>();
        errors->SetAttribute("ErrorRate", ns3::DoubleValue(kLossRate));
        errors->SetAttribute("ErrorUnit", ns3::StringValue("ERROR_UNIT_PACKET"));
        lan.Get(r)->SetAttribute("ReceiveErrorModel", ns3::PointerValue(errors));
        ns3::Simulator::Schedule(ns3::Seconds(1000), &ns3::ErrorModel::Disable, errors);
    }
    ns3::Ptr<ns3::Ipv4> dr = routers.Get(kRouters - 1)->GetObject<ns3::Ipv4>();
    const uint32_t drLan = InterfaceOf(lan.Get(kRouters - 1));
    ns3::Simulator::Schedule(ns3::Seconds(300), &ns3::Ipv4::SetDown, dr, drLan);
    ns3::Simulator::Schedule(ns3::Seconds(400), &ns3::Ipv4::SetUp, dr, drLan);
    ns3::Simulator::Stop(ns3::Seconds(1200));
    ns3::Simulator::Run();

    ns3::Ptr<OspfRoutingProtocol> reference = Ospf(routers.Get(0));
    const ns3::Ipv4Address designatedRouter
        = reference->GetDesignatedRouter(InterfaceOf(lan.Get(0)));
    const std::vector<LsaHeader> referenceLsas = reference->GetLsaHeaders();
    for (uint32_t r = 0; r < kRouters; ++r)
    {
        ns3::Ptr<OspfRoutingProtocol> ospf = Ospf(routers.Get(r));
        EXPECT_EQ(ospf->GetDesignatedRouter(InterfaceOf(lan.Get(r))), designatedRouter)
            << "R" << r + 1;
        EXPECT_EQ(ospf->GetRoutes().size(), kRouters - 1) << "R" << r + 1;
        for (const OspfNeighborInfo& neighbor : ospf->GetNeighbors())
        {
            EXPECT_TRUE(neighbor.state == OspfNeighborState::Full
                        || neighbor.state == OspfNeighborState::TwoWay)
                << "R" << r + 1 << " -> " << neighbor.routerId << ": " << ToString(neighbor.state);
        }
        const std::vector<LsaHeader> lsas = ospf->GetLsaHeaders();
        ASSERT_EQ(lsas.size(), referenceLsas.size()) << "R" << r + 1;
        for (size_t i = 0; i < lsas.size(); ++i)
        {
            EXPECT_TRUE(KeyOf(lsas[i]) == KeyOf(referenceLsas[i])) << "R" << r + 1;
            EXPECT_EQ(lsas[i].sequenceNumber, referenceLsas[i].sequenceNumber) << "R" << r + 1;
            EXPECT_EQ(lsas[i].checksum, referenceLsas[i].checksum) << "R" << r + 1;
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Seeds, OspfLossyLan, ::testing::Range(1u, 11u));

} // namespace
} // namespace tunnelsim::test
