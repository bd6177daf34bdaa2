// Three routers in a triangle: when the direct link between R1 and R3 silently stops
// carrying packets, traffic from H1 to H3 moves to the path through R2 once R1's dead
// interval and SPF delay have passed, and comes back when the link returns.
//
//                          R2 (2.2.2.2)
//                         /            \  10.0.23.0/30
//         10.0.12.0/30   /              \  5 Mb/s, 2 ms
//         5 Mb/s, 2 ms  /                \  (detour: cost 41)
//   H1 ---- R1 (1.1.1.1) ------------------ R3 (3.3.3.3) ---- H3
//   192.168.1.0/24       10.0.13.0/30        192.168.3.0/24
//                        5 Mb/s, 2 ms
//                        (fails from 100 s to 205 s)
//
// Costs: 20 per 5 Mb/s link, 1 per LAN, so H1 -> H3 costs 21 direct and 41 through R2.
#include "ns3/csma-helper.h"
#include "ns3/double.h"
#include "ns3/error-model.h"
#include "ns3/ipv4-address-helper.h"
#include "ns3/ipv4-l3-protocol.h"
#include "ns3/point-to-point-helper.h"
#include "ns3/pointer.h"
#include "ns3/string.h"
#include "ospf-test-support.h"

#include <gtest/gtest.h>

namespace tunnelsim::test
{
namespace
{

const ns3::Time kHelloInterval = ns3::Seconds(10);
const ns3::Time kDeadInterval = ns3::Seconds(40);
const ns3::Time kRxmtInterval = ns3::Seconds(5);
const ns3::Time kSpfInitialDelay = ns3::Seconds(5);
const ns3::Time kSpfHold = ns3::Seconds(10);
const ns3::Time kFailure = ns3::Seconds(100);
const ns3::Time kRepair = ns3::Seconds(205);
const ns3::Time kEnd = ns3::Seconds(300);
const ns3::Time kProbePeriod = ns3::MilliSeconds(100);

struct Network
{
    ns3::NodeContainer routers;
    ns3::NodeContainer hosts;
    ns3::Ipv4Address host3Address;
    std::vector<ns3::Ptr<ns3::ErrorModel>> directLinkErrors; ///< on both ends of R1-R3
};

Network
Build()
{
    Network net;
    net.routers.Create(3);
    net.hosts.Create(2);

    ns3::PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", ns3::StringValue("5Mbps"));
    p2p.SetChannelAttribute("Delay", ns3::TimeValue(ns3::MilliSeconds(2)));
    ns3::NetDeviceContainer link12 = p2p.Install(net.routers.Get(0), net.routers.Get(1));
    ns3::NetDeviceContainer link23 = p2p.Install(net.routers.Get(1), net.routers.Get(2));
    ns3::NetDeviceContainer link13 = p2p.Install(net.routers.Get(0), net.routers.Get(2));

    ns3::CsmaHelper csma;
    csma.SetChannelAttribute("DataRate", ns3::StringValue("100Mbps"));
    ns3::NetDeviceContainer lan1
        = csma.Install(ns3::NodeContainer(net.routers.Get(0), net.hosts.Get(0)));
    ns3::NetDeviceContainer lan3
        = csma.Install(ns3::NodeContainer(net.routers.Get(2), net.hosts.Get(1)));

    OspfHelper ospf;
    ospf.SetRouterId(net.routers.Get(0), "1.1.1.1");
    ospf.SetRouterId(net.routers.Get(1), "2.2.2.2");
    ospf.SetRouterId(net.routers.Get(2), "3.3.3.3");
    InstallRouterStack(net.routers, ospf);
    InstallHostStack(net.hosts);

    ns3::Ipv4AddressHelper addresses;
    addresses.SetBase("10.0.12.0", "255.255.255.252");
    addresses.Assign(link12);
    addresses.SetBase("10.0.23.0", "255.255.255.252");
    addresses.Assign(link23);
    addresses.SetBase("10.0.13.0", "255.255.255.252");
    addresses.Assign(link13);
    addresses.SetBase("192.168.1.0", "255.255.255.0");
    ns3::Ipv4InterfaceContainer lan1Addresses = addresses.Assign(lan1);
    addresses.SetBase("192.168.3.0", "255.255.255.0");
    ns3::Ipv4InterfaceContainer lan3Addresses = addresses.Assign(lan3);
    net.host3Address = lan3Addresses.GetAddress(1);
    SetDefaultRoute(net.hosts.Get(0), lan1Addresses.GetAddress(0));
    SetDefaultRoute(net.hosts.Get(1), lan3Addresses.GetAddress(0));

    OspfInterfaceSettings passive;
    passive.passive = true;
    Ospf(net.routers.Get(0))->SetInterfaceSettings(InterfaceOf(lan1.Get(0)), passive);
    Ospf(net.routers.Get(2))->SetInterfaceSettings(InterfaceOf(lan3.Get(0)), passive);

    // The link fails silently: both ends drop everything they receive, so only the missing
    // Hellos tell the routers.
    for (uint32_t i = 0; i < 2; ++i)
    {
        auto errors = ns3::CreateObject<ns3::RateErrorModel>();
        errors->SetAttribute("ErrorRate", ns3::DoubleValue(1.0));
        errors->SetAttribute("ErrorUnit", ns3::StringValue("ERROR_UNIT_PACKET"));
        errors->Disable();
        link13.Get(i)->SetAttribute("ReceiveErrorModel", ns3::PointerValue(errors));
        net.directLinkErrors.push_back(errors);
    }
    return net;
}

/// Counts the UDP probes that R2 forwards.
class ForwardCounter
{
  public:
    explicit ForwardCounter(ns3::Ptr<ns3::Node> router)
    {
        router->GetObject<ns3::Ipv4L3Protocol>()->TraceConnectWithoutContext(
            "UnicastForward",
            ns3::Callback<void, const ns3::Ipv4Header&, ns3::Ptr<const ns3::Packet>, uint32_t>(
                [this](const ns3::Ipv4Header& header, ns3::Ptr<const ns3::Packet>, uint32_t)
                {
                    if (header.GetProtocol() == 17)
                    {
                        m_times.push_back(ns3::Simulator::Now());
                    }
                }));
    }

    size_t Between(ns3::Time from, ns3::Time to) const
    {
        size_t count = 0;
        for (ns3::Time t : m_times)
        {
            count += (t >= from && t < to) ? 1 : 0;
        }
        return count;
    }

    std::optional<ns3::Time> FirstAfter(ns3::Time after) const
    {
        for (ns3::Time t : m_times)
        {
            if (t >= after)
            {
                return t;
            }
        }
        return std::nullopt;
    }

  private:
    std::vector<ns3::Time> m_times;
};

class OspfTriangle : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        m_net = Build();
        for (const auto& errors : m_net.directLinkErrors)
        {
            ns3::Simulator::Schedule(kFailure, &ns3::ErrorModel::Enable, errors);
            ns3::Simulator::Schedule(kRepair, &ns3::ErrorModel::Disable, errors);
        }
        m_forwards = std::make_unique<ForwardCounter>(m_net.routers.Get(1));
        m_probe
            = std::make_unique<UdpProbe>(m_net.hosts.Get(0), m_net.hosts.Get(1), m_net.host3Address,
                                         ns3::Seconds(1), kEnd, kProbePeriod);
        ns3::Simulator::Stop(kEnd);
        ns3::Simulator::Run();
    }

    OspfSimulation m_simulation;
    Network m_net;
    std::unique_ptr<ForwardCounter> m_forwards;
    std::unique_ptr<UdpProbe> m_probe;
};

TEST_F(OspfTriangle, DirectPathBeforeFailure)
{
    // Converged well before the failure: every probe takes the direct link.
    EXPECT_GT(m_probe->ArrivalsBetween(ns3::Seconds(50), kFailure), 0u);
    EXPECT_EQ(m_forwards->Between(ns3::Seconds(0), kFailure), 0u);
}

TEST_F(OspfTriangle, FailoverWithinDeadIntervalAndSpfDelay)
{
    auto firstDetour = m_forwards->FirstAfter(kFailure);
    ASSERT_TRUE(firstDetour.has_value());
    // R1 heard its last Hello from R3 at most one HelloInterval before the failure. So it
    // declares R3 dead between RouterDeadInterval - HelloInterval and RouterDeadInterval
    // after it, and its new router-LSA then waits SpfInitialDelay for the SPF run.
    EXPECT_GE(*firstDetour, kFailure + kDeadInterval - kHelloInterval);
    EXPECT_LE(*firstDetour, kFailure + kDeadInterval + kSpfInitialDelay + ns3::MilliSeconds(50));
    // From then on every probe arrives, through R2.
    const size_t expected = static_cast<size_t>((kRepair - *firstDetour).GetMilliSeconds()
                                                / kProbePeriod.GetMilliSeconds())
                            - 1;
    EXPECT_GE(m_probe->ArrivalsBetween(*firstDetour, kRepair), expected);
    EXPECT_GE(m_forwards->Between(*firstDetour, kRepair), expected);
}

TEST_F(OspfTriangle, NoDeliveryBeforeDetection)
{
    // Until R1 declares R3 dead it keeps sending into the broken link.
    EXPECT_EQ(m_probe->ArrivalsBetween(kFailure + ns3::MilliSeconds(50),
                                       kFailure + kDeadInterval - kHelloInterval),
              0u);
}

TEST_F(OspfTriangle, ReturnsToDirectPathAfterRepair)
{
    // After the repair the routers need two Hello rounds (Init, then 2-Way), the database
    // exchange, possibly one retransmission of an LSA dropped by MinLSArrival, and an SPF
    // run within its initial delay plus one hold time.
    const ns3::Time back = kRepair + 2 * kHelloInterval + kRxmtInterval + kSpfInitialDelay
                           + kSpfHold + ns3::Seconds(1);
    ASSERT_LT(back, kEnd);
    EXPECT_EQ(m_forwards->Between(back, kEnd), 0u);
    const size_t expected
        = static_cast<size_t>((kEnd - back).GetMilliSeconds() / kProbePeriod.GetMilliSeconds()) - 1;
    EXPECT_GE(m_probe->ArrivalsBetween(back, kEnd), expected);
    EXPECT_EQ(Ospf(m_net.routers.Get(0))->GetNeighborState("3.3.3.3"), OspfNeighborState::Full);
}

TEST_F(OspfTriangle, DirectRouteRestored)
{
    std::optional<OspfRouteInfo> direct;
    for (const OspfRouteInfo& route : Ospf(m_net.routers.Get(0))->GetRoutes())
    {
        if (route.network == ns3::Ipv4Address("192.168.3.0"))
        {
            direct = route;
        }
    }
    ASSERT_TRUE(direct.has_value());
    EXPECT_EQ(direct->cost, 21u);
    EXPECT_EQ(direct->nextHop, ns3::Ipv4Address("10.0.13.2"));
}

} // namespace
} // namespace tunnelsim::test
