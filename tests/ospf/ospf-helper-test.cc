// OspfHelper: per-node router IDs and per-interface settings given before installation
// reach the routers, and GetOspf finds the protocol inside Ipv4ListRouting.
//
//   R1 ==================== R2 ---- 192.168.2.0/24
//   if 1: 10.0.0.1/30        if 1: 10.0.0.2/30, if 2: 192.168.2.1/24
//   PointToPoint 5 Mb/s      if 2: passive (set through the helper)
//   R1 if 2: 172.16.0.1/24 on its own CSMA segment, excluded (set through the helper)
#include "ns3/csma-helper.h"
#include "ns3/ipv4-address-helper.h"
#include "ns3/point-to-point-helper.h"
#include "ns3/string.h"
#include "ospf-test-support.h"

#include <gtest/gtest.h>

namespace tunnelsim::test
{
namespace
{

// Interface numbers follow the order of Ipv4AddressHelper::Assign below (0 is loopback).
constexpr uint32_t kSerial = 1;
constexpr uint32_t kSecond = 2;

struct Network
{
    ns3::NodeContainer routers;
};

void
Build(Network& net, const OspfHelper& ospf)
{
    ns3::PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", ns3::StringValue("5Mbps"));
    ns3::NetDeviceContainer link = p2p.Install(net.routers.Get(0), net.routers.Get(1));
    ns3::CsmaHelper csma;
    ns3::NetDeviceContainer other1 = csma.Install(ns3::NodeContainer(net.routers.Get(0)));
    ns3::NetDeviceContainer other2 = csma.Install(ns3::NodeContainer(net.routers.Get(1)));
    InstallRouterStack(net.routers, ospf);
    ns3::Ipv4AddressHelper addresses;
    addresses.SetBase("10.0.0.0", "255.255.255.252");
    addresses.Assign(link);
    addresses.SetBase("172.16.0.0", "255.255.255.0");
    addresses.Assign(other1);
    addresses.SetBase("192.168.2.0", "255.255.255.0");
    addresses.Assign(other2);
}

class OspfHelperSettings : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        m_net.routers.Create(2);
        OspfHelper ospf;
        ospf.Set("RouterDeadInterval", ns3::TimeValue(ns3::Seconds(20)));
        ospf.SetRouterId(m_net.routers.Get(0), "10.10.10.1");
        ospf.SetRouterId(m_net.routers.Get(1), "10.10.10.2");
        ospf.SetInterfaceCost(m_net.routers.Get(0), kSerial, 7);
        ospf.SetInterfaceTimers(m_net.routers.Get(1), kSerial, ns3::Seconds(5), ns3::Seconds(20));
        ospf.SetInterfaceTimers(m_net.routers.Get(0), kSerial, ns3::Seconds(5), ns3::Seconds(20));
        ospf.SetMtuIgnore(m_net.routers.Get(1), kSerial, true);
        ospf.ExcludeInterface(m_net.routers.Get(0), kSecond);
        ospf.SetPassiveInterface(m_net.routers.Get(1), kSecond);
        ospf.SetInterfacePriority(m_net.routers.Get(1), kSecond, 0);
        Build(m_net, ospf);
        ns3::Simulator::Stop(ns3::Seconds(60));
        ns3::Simulator::Run();
    }

    OspfSimulation m_simulation;
    Network m_net;
};

TEST_F(OspfHelperSettings, RouterIds)
{
    EXPECT_EQ(Ospf(m_net.routers.Get(0))->GetRouterId(), ns3::Ipv4Address("10.10.10.1"));
    EXPECT_EQ(Ospf(m_net.routers.Get(1))->GetRouterId(), ns3::Ipv4Address("10.10.10.2"));
}

TEST_F(OspfHelperSettings, InterfaceSettingsReachRouters)
{
    const OspfInterfaceSettings r1Serial
        = Ospf(m_net.routers.Get(0))->GetInterfaceSettings(kSerial);
    ASSERT_TRUE(r1Serial.cost.has_value());
    EXPECT_EQ(*r1Serial.cost, 7);
    ASSERT_TRUE(r1Serial.helloInterval.has_value());
    EXPECT_EQ(*r1Serial.helloInterval, ns3::Seconds(5));
    const OspfInterfaceSettings r2Serial
        = Ospf(m_net.routers.Get(1))->GetInterfaceSettings(kSerial);
    ASSERT_TRUE(r2Serial.mtuIgnore.has_value());
    EXPECT_TRUE(*r2Serial.mtuIgnore);
    const OspfInterfaceSettings r2Second
        = Ospf(m_net.routers.Get(1))->GetInterfaceSettings(kSecond);
    EXPECT_TRUE(r2Second.passive);
    ASSERT_TRUE(r2Second.priority.has_value());
    EXPECT_EQ(*r2Second.priority, 0);
    EXPECT_TRUE(Ospf(m_net.routers.Get(0))->GetInterfaceSettings(kSecond).excluded);
}

TEST_F(OspfHelperSettings, CostAndAdjacency)
{
    EXPECT_EQ(Ospf(m_net.routers.Get(0))->GetInterfaceCost(kSerial), 7);
    // Not set: 100 Mb/s reference over 5 Mb/s.
    EXPECT_EQ(Ospf(m_net.routers.Get(1))->GetInterfaceCost(kSerial), 20);
    EXPECT_EQ(Ospf(m_net.routers.Get(0))->GetNeighborState("10.10.10.2"), OspfNeighborState::Full);
}

TEST_F(OspfHelperSettings, ExcludedAndPassive)
{
    // R1's excluded segment is neither running nor advertised; R2's passive LAN is both.
    EXPECT_EQ(Ospf(m_net.routers.Get(0))->GetInterfaceState(kSecond), OspfInterfaceState::Down);
    EXPECT_EQ(Ospf(m_net.routers.Get(1))->GetInterfaceState(kSecond), OspfInterfaceState::DrOther);
    const std::vector<OspfRouteInfo> r1Routes = Ospf(m_net.routers.Get(0))->GetRoutes();
    ASSERT_EQ(r1Routes.size(), 1u);
    EXPECT_EQ(r1Routes[0].network, ns3::Ipv4Address("192.168.2.0"));
    EXPECT_TRUE(Ospf(m_net.routers.Get(1))->GetRoutes().empty());
}

TEST_F(OspfHelperSettings, GetOspfFindsProtocol)
{
    ns3::Ptr<OspfRoutingProtocol> ospf = OspfHelper::GetOspf(m_net.routers.Get(0));
    ASSERT_TRUE(ospf);
    EXPECT_EQ(ospf->GetRouterId(), ns3::Ipv4Address("10.10.10.1"));
}

} // namespace
} // namespace tunnelsim::test
