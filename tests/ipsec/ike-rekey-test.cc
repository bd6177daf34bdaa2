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
//
// IkeSiteNetwork (tests/common/ike-test-network.h) builds this network.
#include "ike-test-network.h"

#include <gtest/gtest.h>

namespace tunnelsim
{
namespace
{

using ns3::MilliSeconds;
using ns3::Seconds;

class Sites : public IkeSiteNetwork
{
  public:
    Sites()
      : IkeSiteNetwork(ParseSelectorPair("10.1.1.0/24", "10.2.1.0/24"), "rekey test key")
    {
    }

    /// Start IKE with @p queueSize acquired packets queued per selector pair.
    void StartIke(uint32_t queueSize = 0)
    {
        ike.SetAttribute("AcquireQueueSize", ns3::UintegerValue(queueSize));
        IkeSiteNetwork::StartIke(7, 10);
    }
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

        net.Run(Seconds(55));

        const std::string name(ToString(version));
        EXPECT_GE(net.endpointA->GetCounters().rekeys, 3u) << name;
        EXPECT_EQ(net.endpointB->GetCounters().rekeys, net.endpointA->GetCounters().rekeys) << name;
        EXPECT_EQ(net.receivedAtB.size(), count) << name;
        EXPECT_EQ(net.receivedAtA.size(), count) << name;
        EXPECT_EQ(net.EspDropTotal(net.gwA), 0u) << name << ": " << net.EspDropSummary(net.gwA);
        EXPECT_EQ(net.EspDropTotal(net.gwB), 0u) << name << ": " << net.EspDropSummary(net.gwB);
        // Old SAs are gone once their delete went through: one pair left on each side.
        EXPECT_EQ(net.gwA->GetObject<IpsecStack>()->GetSad()->GetNInbound(), 1u) << name;
        EXPECT_EQ(net.gwA->GetObject<IpsecStack>()->GetSad()->GetNOutbound(), 1u) << name;
        EXPECT_EQ(net.gwB->GetObject<IpsecStack>()->GetSad()->GetNInbound(), 1u) << name;
        EXPECT_EQ(net.gwB->GetObject<IpsecStack>()->GetSad()->GetNOutbound(), 1u) << name;
        EXPECT_TRUE(net.endpointA->GetFailures().empty()) << name;
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

    net.Run(Seconds(4));

    EXPECT_EQ(net.endpointA->GetCounters().acquires, 3u);
    EXPECT_EQ(net.endpointA->GetCounters().acquireDrops, 0u);
    EXPECT_EQ(net.endpointA->GetCounters().childSaNegotiations, 1u);
    EXPECT_EQ(net.receivedAtB.size(), 3u);
    EXPECT_EQ(net.EspDropTotal(net.gwA), 0u) << net.EspDropSummary(net.gwA);
}

TEST(IkeDataPath, AcquireWithoutQueueDropsFirstPackets)
{
    Sites net;
    net.connection.startAction = IkeStartAction::Trap;
    net.StartIke(0);
    net.SendProbes(net.hostA, net.hostAddressB, Seconds(2), MilliSeconds(100), 5);

    net.Run(Seconds(4));

    // The negotiation takes two round trips (about 45 ms). The packet that triggered it is
    // dropped, as Linux does with xfrm_larval_drop, and the later ones find the SA.
    EXPECT_EQ(net.endpointA->GetCounters().acquires, 1u);
    EXPECT_EQ(net.endpointA->GetCounters().acquireDrops, 1u);
    EXPECT_EQ(net.receivedAtB.size(), 4u);
}

} // namespace
} // namespace tunnelsim
