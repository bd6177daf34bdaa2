// The IKE model driving the real ESP data path (IpsecHelper + IkeHelper): CHILD SAs are
// rekeyed under steady traffic without losing a packet, and an acquire negotiates the SA
// for the first packet and delivers the queued packets once it exists.
//
//   hostA 10.1.1.2 --- gwA --------- 192.0.2.0/30 --------- gwB --- hostB 10.2.1.2
//        10.1.1.0/24   .1  .1        100 Mbit/s, 10 ms       .2  .1   10.2.1.0/24
//                      IkeEndpoint + IPsec stack   IkeEndpoint + IPsec stack
//
// Both gateways have one PROTECT entry, 10.1.1.0/24 <-> 10.2.1.0/24 (mirrored on gwB), and
// no route to the other site: traffic crosses only through the negotiated SAs.
#include "helper/ike-helper.h"
#include "helper/ipsec-helper.h"
#include "ipsec/ipsec-stack.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"

#include <gtest/gtest.h>

namespace tunnelsim
{
namespace
{

using ns3::MilliSeconds;
using ns3::Seconds;
using ns3::Time;

constexpr uint16_t kProbePort = 9;
constexpr uint32_t kProbeSize = 200;

class Sites
{
  public:
    Sites()
    {
        hostA = ns3::CreateObject<ns3::Node>();
        gwA = ns3::CreateObject<ns3::Node>();
        gwB = ns3::CreateObject<ns3::Node>();
        hostB = ns3::CreateObject<ns3::Node>();
        ns3::InternetStackHelper internet;
        internet.Install(ns3::NodeContainer(hostA, gwA, gwB, hostB));

        ns3::PointToPointHelper lan;
        lan.SetDeviceAttribute("DataRate", ns3::StringValue("100Mbps"));
        lan.SetChannelAttribute("Delay", ns3::StringValue("2ms"));
        ns3::PointToPointHelper wan;
        wan.SetDeviceAttribute("DataRate", ns3::StringValue("100Mbps"));
        wan.SetChannelAttribute("Delay", ns3::StringValue("10ms"));
        ns3::Ipv4AddressHelper addresses;
        addresses.SetBase("10.1.1.0", "255.255.255.0", "0.0.0.1");
        auto lanA = addresses.Assign(lan.Install(gwA, hostA));
        addresses.SetBase("10.2.1.0", "255.255.255.0", "0.0.0.1");
        auto lanB = addresses.Assign(lan.Install(gwB, hostB));
        addresses.SetBase("192.0.2.0", "255.255.255.252");
        addresses.Assign(wan.Install(gwA, gwB));
        hostAddressA = lanA.GetAddress(1);
        hostAddressB = lanB.GetAddress(1);

        ns3::Ipv4StaticRoutingHelper routing;
        routing.GetStaticRouting(hostA->GetObject<ns3::Ipv4>())
            ->SetDefaultRoute(lanA.GetAddress(0), 1);
        routing.GetStaticRouting(hostB->GetObject<ns3::Ipv4>())
            ->SetDefaultRoute(lanB.GetAddress(0), 1);

        ipsec.Install(gwA);
        ipsec.Install(gwB);
        const SelectorPair pair{*ParseTrafficSelector("10.1.1.0/24"),
                                *ParseTrafficSelector("10.2.1.0/24")};
        SecurityPolicy protect;
        protect.action = PolicyAction::Protect;
        protect.selectors = pair;
        ipsec.AddPolicy(gwA, protect);
        protect.selectors = pair.Mirrored();
        ipsec.AddPolicy(gwB, protect);

        connection.name = "site-a-site-b";
        connection.version = IkeVersion::V2;
        connection.localAddress = ns3::Ipv4Address("192.0.2.1");
        connection.remoteAddress = ns3::Ipv4Address("192.0.2.2");
        connection.preSharedKey = "rekey test key";
        connection.selectors = {pair};

        Listen(hostA, receivedByA);
        Listen(hostB, receivedByB);
    }

    ~Sites()
    {
        ns3::Simulator::Destroy();
        ns3::Names::Clear();
    }

    void StartIke(uint32_t queueSize = 0)
    {
        ike.SetAttribute("Seed", ns3::UintegerValue(7));
        ike.SetAttribute("AcquireQueueSize", ns3::UintegerValue(queueSize));
        ike.AddConnectionPair(gwA, gwB, connection);
        IkeHelper::AssignStreams(ns3::NodeContainer(gwA, gwB), 10);
    }

    /// Send @p count probes from @p from to @p to, one every @p interval from @p start.
    void SendProbes(ns3::Ptr<ns3::Node> from, ns3::Ipv4Address to, Time start, Time interval,
                    uint32_t count)
    {
        ns3::Ptr<ns3::Socket> socket
            = ns3::Socket::CreateSocket(from, ns3::UdpSocketFactory::GetTypeId());
        socket->Connect(ns3::InetSocketAddress(to, kProbePort));
        m_senders.push_back(socket);
        for (uint32_t i = 0; i < count; ++i)
        {
            ns3::Simulator::Schedule(start + interval * i,
                                     [socket]()
                                     {
                                         socket->Send(ns3::Create<ns3::Packet>(kProbeSize));
                                     });
        }
    }

    uint64_t Drops(ns3::Ptr<ns3::Node> node) const
    {
        uint64_t total = 0;
        for (const auto& [reason, count] : node->GetObject<IpsecStack>()->GetDropCounts())
        {
            ADD_FAILURE() << node->GetId() << " dropped " << count
                          << " packets: " << ToString(reason);
            total += count;
        }
        return total;
    }

    ns3::Ptr<ns3::Node> hostA;
    ns3::Ptr<ns3::Node> gwA;
    ns3::Ptr<ns3::Node> gwB;
    ns3::Ptr<ns3::Node> hostB;
    ns3::Ipv4Address hostAddressA;
    ns3::Ipv4Address hostAddressB;
    IpsecHelper ipsec;
    IkeHelper ike;
    IkeConnection connection;
    uint64_t receivedByA = 0;
    uint64_t receivedByB = 0;

  private:
    void Listen(ns3::Ptr<ns3::Node> node, uint64_t& counter)
    {
        ns3::Ptr<ns3::Socket> socket
            = ns3::Socket::CreateSocket(node, ns3::UdpSocketFactory::GetTypeId());
        socket->Bind(ns3::InetSocketAddress(ns3::Ipv4Address::GetAny(), kProbePort));
        socket->SetRecvCallback(ns3::Callback<void, ns3::Ptr<ns3::Socket>>(
            [&counter](ns3::Ptr<ns3::Socket> s)
            {
                while (s->Recv())
                {
                    counter++;
                }
            }));
        m_listeners.push_back(socket);
    }

    std::vector<ns3::Ptr<ns3::Socket>> m_listeners;
    std::vector<ns3::Ptr<ns3::Socket>> m_senders;
};

TEST(IkeDataPath, RekeyUnderTrafficLosesNothing)
{
    for (IkeVersion version : {IkeVersion::V2, IkeVersion::V1})
    {
        Sites net;
        net.connection.version = version;
        net.connection.matchStyle = SelectorMatchStyle::Ikev1Strict;
        net.connection.childLifetime = Seconds(20);
        net.connection.rekeyMargin = Seconds(5);
        net.connection.rekeyFuzz = 0.2;
        net.StartIke();
        // 100 packets per second each way, from after establishment to past three rekeys.
        const uint32_t count = 5000;
        net.SendProbes(net.hostA, net.hostAddressB, Seconds(1), MilliSeconds(10), count);
        net.SendProbes(net.hostB, net.hostAddressA, Seconds(1.005), MilliSeconds(10), count);

        ns3::Simulator::Stop(Seconds(55));
        ns3::Simulator::Run();

        const std::string name(ToString(version));
        auto endpointA = IkeHelper::GetEndpoint(net.gwA);
        auto endpointB = IkeHelper::GetEndpoint(net.gwB);
        EXPECT_GE(endpointA->GetCounters().rekeys, 3u) << name;
        EXPECT_EQ(endpointB->GetCounters().rekeys, endpointA->GetCounters().rekeys) << name;
        EXPECT_EQ(net.receivedByB, count) << name;
        EXPECT_EQ(net.receivedByA, count) << name;
        EXPECT_EQ(net.Drops(net.gwA), 0u) << name;
        EXPECT_EQ(net.Drops(net.gwB), 0u) << name;
        // Old SAs are gone once their delete went through: one pair left on each side.
        EXPECT_EQ(net.gwA->GetObject<IpsecStack>()->GetSad()->GetNInbound(), 1u) << name;
        EXPECT_EQ(net.gwA->GetObject<IpsecStack>()->GetSad()->GetNOutbound(), 1u) << name;
        EXPECT_EQ(net.gwB->GetObject<IpsecStack>()->GetSad()->GetNInbound(), 1u) << name;
        EXPECT_EQ(net.gwB->GetObject<IpsecStack>()->GetSad()->GetNOutbound(), 1u) << name;
        EXPECT_TRUE(endpointA->GetFailures().empty()) << name;
    }
}

TEST(IkeDataPath, AcquireDeliversQueuedPackets)
{
    Sites net;
    net.connection.startAction = IkeStartAction::Trap;
    net.StartIke(4);
    // Three packets before any SA exists: the first triggers the negotiation, all three
    // wait in the queue (size 4) and are delivered once the CHILD SA is installed.
    net.SendProbes(net.hostA, net.hostAddressB, Seconds(2), MilliSeconds(1), 3);

    ns3::Simulator::Stop(Seconds(4));
    ns3::Simulator::Run();

    auto endpointA = IkeHelper::GetEndpoint(net.gwA);
    EXPECT_EQ(endpointA->GetCounters().acquires, 3u);
    EXPECT_EQ(endpointA->GetCounters().acquireDrops, 0u);
    EXPECT_EQ(endpointA->GetCounters().childSaNegotiations, 1u);
    EXPECT_EQ(net.receivedByB, 3u);
    EXPECT_EQ(net.Drops(net.gwA), 0u);
}

TEST(IkeDataPath, AcquireWithoutQueueDropsFirstPackets)
{
    Sites net;
    net.connection.startAction = IkeStartAction::Trap;
    net.StartIke(0);
    net.SendProbes(net.hostA, net.hostAddressB, Seconds(2), MilliSeconds(100), 5);

    ns3::Simulator::Stop(Seconds(4));
    ns3::Simulator::Run();

    // The negotiation takes two round trips (about 45 ms). The packet that triggered it is
    // dropped, as Linux does with xfrm_larval_drop, and the later ones find the SA.
    auto endpointA = IkeHelper::GetEndpoint(net.gwA);
    EXPECT_EQ(endpointA->GetCounters().acquires, 1u);
    EXPECT_EQ(endpointA->GetCounters().acquireDrops, 1u);
    EXPECT_EQ(net.receivedByB, 4u);
}

} // namespace
} // namespace tunnelsim
