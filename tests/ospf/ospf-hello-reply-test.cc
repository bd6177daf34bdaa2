// The Hello reply: a router that receives a Hello which does not list it sends its own Hello
// in reply after HelloReplyDelay, so Hellos that cross do not cost a whole HelloInterval.
//
// Point-to-point pair (the crossing case and the steady-state count):
//
//   R1 ======================== R2
//   10.0.0.1      10.0.0.0/30     10.0.0.2
//         PointToPoint 5 Mb/s, 2 ms
//
//   R1: router ID 1.1.1.1     R2: router ID 2.2.2.2
//
// Broadcast LAN (one pending reply per interface, and the steady-state count):
//
//   R1 (10.1.0.1)   R2 (10.1.0.2)   R3 (10.1.0.3)
//     |               |               |
//   ==+===============+===============+==  10.1.0.0/24, CSMA 100 Mb/s, 1 us
//
//   Rn: router ID n.n.n.n, priority 1
#include "ns3/csma-helper.h"
#include "ns3/ipv4-address-helper.h"
#include "ns3/point-to-point-helper.h"
#include "ospf-test-support.h"

#include <gtest/gtest.h>
#include <map>
#include <optional>
#include <string>

namespace tunnelsim::test
{
namespace
{

const ns3::Time kLinkDelay = ns3::MilliSeconds(2);
const ns3::DataRate kLinkRate("5Mbps");
const ns3::DataRate kLanRate("100Mbps");
const ns3::Time kLanDelay = ns3::MicroSeconds(1);
const ns3::Time kHelloInterval = ns3::Seconds(10);

ns3::Ipv4Address
RouterId(uint32_t index)
{
    const uint32_t n = index + 1;
    return ns3::Ipv4Address((n << 24) | (n << 16) | (n << 8) | n);
}

struct Network
{
    ns3::NodeContainer routers;
    ns3::NetDeviceContainer devices; ///< the OSPF device of each router, in router order
};

/// The routers' HelloReplyDelay: @p replyDelay, or the attribute's default when empty.
using ReplyDelay = std::optional<ns3::Time>;

OspfHelper
MakeHelper(const Network& net, ReplyDelay replyDelay)
{
    OspfHelper ospf;
    ospf.Set("HelloInterval", ns3::TimeValue(kHelloInterval));
    if (replyDelay)
    {
        ospf.Set("HelloReplyDelay", ns3::TimeValue(*replyDelay));
    }
    for (uint32_t i = 0; i < net.routers.GetN(); ++i)
    {
        ospf.SetRouterId(net.routers.Get(i), RouterId(i));
    }
    return ospf;
}

Network
BuildPointToPoint(ReplyDelay replyDelay)
{
    Network net;
    net.routers.Create(2);
    ns3::PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", ns3::DataRateValue(kLinkRate));
    p2p.SetChannelAttribute("Delay", ns3::TimeValue(kLinkDelay));
    net.devices = p2p.Install(net.routers.Get(0), net.routers.Get(1));

    InstallRouterStack(net.routers, MakeHelper(net, replyDelay));
    ns3::Ipv4AddressHelper addresses;
    addresses.SetBase("10.0.0.0", "255.255.255.252");
    addresses.Assign(net.devices);
    return net;
}

Network
BuildLan(ReplyDelay replyDelay)
{
    Network net;
    net.routers.Create(3);
    ns3::CsmaHelper csma;
    csma.SetChannelAttribute("DataRate", ns3::DataRateValue(kLanRate));
    csma.SetChannelAttribute("Delay", ns3::TimeValue(kLanDelay));
    net.devices = csma.Install(net.routers);

    InstallRouterStack(net.routers, MakeHelper(net, replyDelay));
    ns3::Ipv4AddressHelper addresses;
    addresses.SetBase("10.1.0.0", "255.255.255.0");
    addresses.Assign(net.devices);
    return net;
}

/// Send times of the Hellos each router sends out its OSPF device, by router index.
class HelloTxRecorder
{
  public:
    void Attach(const Network& net)
    {
        for (uint32_t i = 0; i < net.routers.GetN(); ++i)
        {
            const uint32_t device = InterfaceOf(net.devices.Get(i));
            Ospf(net.routers.Get(i))
                ->TraceConnectWithoutContext(
                    "Tx",
                    ns3::Callback<void, OspfPacketType, uint32_t, ns3::Ptr<const ns3::Packet>>(
                        [this, i, device](OspfPacketType type, uint32_t interface,
                                          ns3::Ptr<const ns3::Packet>)
                        {
                            if (type == OspfPacketType::Hello && interface == device)
                            {
                                m_times[i].push_back(ns3::Simulator::Now());
                            }
                        }));
        }
    }

    /// Hellos router @p index sent in [from, to).
    size_t CountBetween(uint32_t index, ns3::Time from, ns3::Time to) const
    {
        auto it = m_times.find(index);
        if (it == m_times.end())
        {
            return 0;
        }
        size_t count = 0;
        for (ns3::Time t : it->second)
        {
            count += (t >= from && t < to) ? 1 : 0;
        }
        return count;
    }

  private:
    std::map<uint32_t, std::vector<ns3::Time>> m_times;
};

/// The HelloReplyDelay attribute of @p node's OSPF.
ns3::Time
HelloReplyDelayOf(ns3::Ptr<ns3::Node> node)
{
    ns3::TimeValue value;
    Ospf(node)->GetAttribute("HelloReplyDelay", value);
    return value.Get();
}

/// Time to send @p bytes of IP packet over the point-to-point link (2 bytes of PPP header).
ns3::Time
OneWayTime(uint32_t bytes)
{
    return kLinkDelay + kLinkRate.CalculateBytesTxTime(bytes + 2);
}

struct CrossingCase
{
    std::string name;
    ReplyDelay replyDelay;
};

void
PrintTo(const CrossingCase& c, std::ostream* os)
{
    *os << c.name;
}

class OspfHelloReplyCrossing : public ::testing::TestWithParam<CrossingCase>
{
};

TEST_P(OspfHelloReplyCrossing, FullWithinReplyDelay)
{
    OspfSimulation simulation;
    Network net = BuildPointToPoint(GetParam().replyDelay);
    const ns3::Time replyDelay = HelloReplyDelayOf(net.routers.Get(0));
    AdjacencyRecorder adjacencies;
    adjacencies.Attach(Ospf(net.routers.Get(0)));
    adjacencies.Attach(Ospf(net.routers.Get(1)));
    ns3::Simulator::Stop(kHelloInterval);
    ns3::Simulator::Run();

    // Both routers send their first Hello at 0 s, listing no neighbour, and the two cross.
    // Each replies to the other's one-way Hello HelloReplyDelay after it arrives, and the
    // replies list the neighbour, so both reach ExStart one reply delay and two trips after
    // 0 s. From there at least three DBD trips (negotiation, and the exchange of the one
    // router-LSA each) separate ExStart from Full. Ten trips of a full-size packet bound the
    // negotiation, the exchange and the LS Request / Update round, as in the point-to-point
    // adjacency test.
    const ns3::Time earliest = replyDelay + 5 * kLinkDelay;
    const ns3::Time latest = replyDelay + 2 * OneWayTime(1500) + 10 * OneWayTime(1500);
    ASSERT_LT(latest, kHelloInterval);

    for (auto [router, neighbor] :
         {std::pair{RouterId(0), RouterId(1)}, {RouterId(1), RouterId(0)}})
    {
        auto full = adjacencies.FirstTime(router, neighbor, OspfNeighborState::Full);
        ASSERT_TRUE(full.has_value()) << router;
        EXPECT_GE(*full, earliest) << router;
        EXPECT_LE(*full, latest) << router;
    }
}

INSTANTIATE_TEST_SUITE_P(Delays, OspfHelloReplyCrossing,
                         ::testing::Values(CrossingCase{"Default", std::nullopt},
                                           CrossingCase{"Short", ns3::MilliSeconds(250)},
                                           CrossingCase{"Immediate", ns3::Seconds(0)}),
                         [](const ::testing::TestParamInfo<CrossingCase>& info)
                         {
                             return info.param.name;
                         });

TEST(OspfHelloReply, DefaultDelayIsFrrs)
{
    // FRR and Quagga ospfd reply after OSPF_HELLO_REPLY_DELAY, 1 s.
    OspfSimulation simulation;
    Network net = BuildPointToPoint(std::nullopt);
    EXPECT_EQ(HelloReplyDelayOf(net.routers.Get(0)), ns3::Seconds(1));
}

TEST(OspfHelloReply, DelayAboveIntervalWaitsForPeriodic)
{
    // A reply that would go out after the next periodic Hello is not sent: the periodic one
    // lists the neighbour too, so 2-Way waits for the second round of Hellos.
    OspfSimulation simulation;
    Network net = BuildPointToPoint(kHelloInterval + ns3::Seconds(1));
    AdjacencyRecorder adjacencies;
    adjacencies.Attach(Ospf(net.routers.Get(0)));
    HelloTxRecorder hellos;
    hellos.Attach(net);
    ns3::Simulator::Stop(2 * kHelloInterval);
    ns3::Simulator::Run();

    auto full = adjacencies.FirstTime(RouterId(0), RouterId(1), OspfNeighborState::Full);
    ASSERT_TRUE(full.has_value());
    EXPECT_GE(*full, kHelloInterval);
    EXPECT_EQ(hellos.CountBetween(0, ns3::Seconds(0), kHelloInterval), 1u);
    EXPECT_EQ(Ospf(net.routers.Get(0))->GetHelloReplyCount(), 0u);
}

TEST(OspfHelloReply, OnePendingReplyPerInterface)
{
    // On the LAN every router receives two one-way Hellos at start, one from each other
    // router, and replies to both with a single Hello.
    OspfSimulation simulation;
    Network net = BuildLan(std::nullopt);
    const ns3::Time replyDelay = HelloReplyDelayOf(net.routers.Get(0));
    HelloTxRecorder hellos;
    hellos.Attach(net);
    AdjacencyRecorder adjacencies;
    for (uint32_t i = 0; i < net.routers.GetN(); ++i)
    {
        adjacencies.Attach(Ospf(net.routers.Get(i)));
    }
    ns3::Simulator::Stop(kHelloInterval);
    ns3::Simulator::Run();

    for (uint32_t i = 0; i < net.routers.GetN(); ++i)
    {
        EXPECT_EQ(hellos.CountBetween(i, ns3::Seconds(0), kHelloInterval), 2u) << RouterId(i);
        EXPECT_EQ(Ospf(net.routers.Get(i))->GetHelloReplyCount(), 1u) << RouterId(i);
        for (uint32_t j = 0; j < net.routers.GetN(); ++j)
        {
            if (i == j)
            {
                continue;
            }
            auto twoWay
                = adjacencies.FirstTime(RouterId(i), RouterId(j), OspfNeighborState::TwoWay);
            auto exStart
                = adjacencies.FirstTime(RouterId(i), RouterId(j), OspfNeighborState::ExStart);
            // Bidirectional communication is 2-Way, or ExStart where an adjacency forms.
            std::optional<ns3::Time> bidirectional = twoWay ? twoWay : exStart;
            ASSERT_TRUE(bidirectional.has_value()) << RouterId(i) << " " << RouterId(j);
            EXPECT_LT(*bidirectional, replyDelay + ns3::MilliSeconds(1))
                << RouterId(i) << " " << RouterId(j);
        }
    }
}

struct SteadyStateCase
{
    std::string name;
    Network (*build)(ReplyDelay replyDelay);
};

void
PrintTo(const SteadyStateCase& c, std::ostream* os)
{
    *os << c.name;
}

class OspfHelloReplySteadyState : public ::testing::TestWithParam<SteadyStateCase>
{
};

TEST_P(OspfHelloReplySteadyState, OneHelloPerInterval)
{
    OspfSimulation simulation;
    Network net = GetParam().build(std::nullopt);
    HelloTxRecorder hellos;
    hellos.Attach(net);

    // Every adjacency is Full well before 60 s (the LAN's Wait timer is RouterDeadInterval,
    // 40 s). The window starts between two periodic Hellos so that it contains exactly one
    // Hello per interval of each router when no reply is sent.
    constexpr uint32_t kIntervals = 6;
    const ns3::Time windowStart = ns3::Seconds(60) + kHelloInterval / 2;
    const ns3::Time windowEnd = windowStart + kIntervals * kHelloInterval;
    std::vector<uint64_t> repliesAtStart(net.routers.GetN());
    ns3::Simulator::Schedule(windowStart,
                             [&net, &repliesAtStart]()
                             {
                                 for (uint32_t i = 0; i < net.routers.GetN(); ++i)
                                 {
                                     repliesAtStart[i]
                                         = Ospf(net.routers.Get(i))->GetHelloReplyCount();
                                 }
                             });
    ns3::Simulator::Stop(windowEnd + ns3::Seconds(1));
    ns3::Simulator::Run();

    for (uint32_t i = 0; i < net.routers.GetN(); ++i)
    {
        ns3::Ptr<OspfRoutingProtocol> ospf = Ospf(net.routers.Get(i));
        for (uint32_t j = 0; j < net.routers.GetN(); ++j)
        {
            if (i != j)
            {
                // On the LAN the two DR Others stay in 2-Way with each other (s10.4).
                EXPECT_GE(ospf->GetNeighborState(RouterId(j)), OspfNeighborState::TwoWay)
                    << RouterId(i) << " " << RouterId(j);
            }
        }
        EXPECT_EQ(hellos.CountBetween(i, windowStart, windowEnd), kIntervals) << RouterId(i);
        EXPECT_EQ(ospf->GetHelloReplyCount(), repliesAtStart[i]) << RouterId(i);
    }
}

INSTANTIATE_TEST_SUITE_P(Networks, OspfHelloReplySteadyState,
                         ::testing::Values(SteadyStateCase{"PointToPoint", &BuildPointToPoint},
                                           SteadyStateCase{"Broadcast", &BuildLan}),
                         [](const ::testing::TestParamInfo<SteadyStateCase>& info)
                         {
                             return info.param.name;
                         });

} // namespace
} // namespace tunnelsim::test
