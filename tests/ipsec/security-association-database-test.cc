// SecurityAssociationDatabase: lookup by SPI, policy and device, and the soft and hard
// lifetimes of RFC 4301 s4.4.2.1, in bytes and in simulated seconds.
#include "ipsec/security-association-database.h"
#include "ns3/simulator.h"
#include "sa-keys.h"

#include <gtest/gtest.h>
#include <stdexcept>
#include <vector>

namespace tunnelsim
{
namespace
{

using ns3::Seconds;

SecurityAssociationConfig
Config(uint32_t spi, SaLifetime lifetime = {})
{
    SecurityAssociationConfig config;
    config.esp.spi = spi;
    config.esp.suite = EspSuite{EspCipher::AesGcm128, EspIntegrity::None};
    config.esp.encryptionKey
        = DeriveSaKeys(7, spi, SaKeyDirection::InitiatorToResponder, config.esp.suite)
              .encryptionKey;
    config.lifetime = lifetime;
    return config;
}

/// Records the SoftExpired and HardExpired traces with their times.
struct ExpiryLog
{
    void Soft(ns3::Ptr<const SecurityAssociation> sa)
    {
        soft.emplace_back(sa->GetSpi(), ns3::Simulator::Now());
    }

    void Hard(ns3::Ptr<const SecurityAssociation> sa)
    {
        hard.emplace_back(sa->GetSpi(), ns3::Simulator::Now());
    }

    void Attach(ns3::Ptr<SecurityAssociationDatabase> sad)
    {
        sad->TraceConnectWithoutContext("SoftExpired", ns3::MakeCallback(&ExpiryLog::Soft, this));
        sad->TraceConnectWithoutContext("HardExpired", ns3::MakeCallback(&ExpiryLog::Hard, this));
    }

    std::vector<std::pair<uint32_t, ns3::Time>> soft;
    std::vector<std::pair<uint32_t, ns3::Time>> hard;
};

class SadTest : public ::testing::Test
{
  protected:
    void TearDown() override
    {
        sad->Dispose();
        ns3::Simulator::Destroy();
    }

    ns3::Ptr<SecurityAssociationDatabase> sad = ns3::CreateObject<SecurityAssociationDatabase>();
};

TEST_F(SadTest, FindsInboundBySpi)
{
    auto sa = sad->AddInbound(Config(0x1001));
    EXPECT_EQ(sad->FindInbound(0x1001), sa);
    EXPECT_EQ(sad->FindInbound(0x1002), nullptr);
    EXPECT_EQ(sa->GetDirection(), SaDirection::Inbound);
    EXPECT_NE(sa->GetDecoder(), nullptr);
    EXPECT_EQ(sa->GetEncoder(), nullptr);
}

TEST_F(SadTest, RejectsDuplicateInboundSpi)
{
    sad->AddInbound(Config(0x1001));
    EXPECT_THROW(sad->AddInbound(Config(0x1001)), std::invalid_argument);
}

TEST_F(SadTest, RejectsSpiZero)
{
    EXPECT_THROW(sad->AddInbound(Config(0)), std::invalid_argument);
}

TEST_F(SadTest, NewerOutboundSaReplacesBinding)
{
    auto older = sad->AddOutboundForPolicy(Config(0x2001), 5);
    auto newer = sad->AddOutboundForPolicy(Config(0x2002), 5);
    EXPECT_EQ(sad->FindOutboundForPolicy(5), newer);
    EXPECT_EQ(sad->GetNOutbound(), 2u);
    EXPECT_TRUE(sad->Remove(older));
    EXPECT_EQ(sad->FindOutboundForPolicy(5), newer);
    EXPECT_TRUE(sad->Remove(newer));
    EXPECT_EQ(sad->FindOutboundForPolicy(5), nullptr);
}

TEST_F(SadTest, RemoveTwiceFails)
{
    auto sa = sad->AddInbound(Config(0x1001));
    EXPECT_TRUE(sad->Remove(sa));
    EXPECT_FALSE(sad->Remove(sa));
    EXPECT_EQ(sad->FindInbound(0x1001), nullptr);
}

TEST_F(SadTest, TimeLifetimesFireAtTheirTimes)
{
    ExpiryLog log;
    log.Attach(sad);
    SaLifetime lifetime;
    lifetime.softTime = Seconds(30);
    lifetime.hardTime = Seconds(40);
    ns3::Simulator::Schedule(Seconds(5),
                             [this, lifetime]()
                             {
                                 sad->AddOutboundForPolicy(Config(0x3001, lifetime), 1);
                             });
    ns3::Simulator::Stop(Seconds(100));
    ns3::Simulator::Run();

    ASSERT_EQ(log.soft.size(), 1u);
    EXPECT_EQ(log.soft[0].second, Seconds(35));
    ASSERT_EQ(log.hard.size(), 1u);
    EXPECT_EQ(log.hard[0].second, Seconds(45));
    EXPECT_EQ(sad->FindOutboundForPolicy(1), nullptr);
    EXPECT_EQ(sad->GetHardExpiredCount(), 1u);
}

TEST_F(SadTest, RemovedSaNeverExpires)
{
    ExpiryLog log;
    log.Attach(sad);
    SaLifetime lifetime;
    lifetime.softTime = Seconds(10);
    lifetime.hardTime = Seconds(20);
    auto sa = sad->AddInbound(Config(0x3002, lifetime));
    ns3::Simulator::Schedule(Seconds(5),
                             [this, sa]()
                             {
                                 sad->Remove(sa);
                             });
    ns3::Simulator::Stop(Seconds(30));
    ns3::Simulator::Run();

    EXPECT_TRUE(log.soft.empty());
    EXPECT_TRUE(log.hard.empty());
    EXPECT_EQ(sad->GetHardExpiredCount(), 0u);
}

TEST_F(SadTest, ByteLifetimes)
{
    ExpiryLog log;
    log.Attach(sad);
    SaLifetime lifetime;
    lifetime.softBytes = 1000;
    lifetime.hardBytes = 1500;
    auto sa = sad->AddOutboundForPolicy(Config(0x4001, lifetime), 1);

    // 999 bytes: below both limits.
    ASSERT_TRUE(sad->ChargeBytes(sa, 999));
    sad->CountPacket(sa, 999);
    EXPECT_TRUE(log.soft.empty());
    // 1000 bytes reaches the soft limit; the SA keeps working.
    ASSERT_TRUE(sad->ChargeBytes(sa, 1));
    sad->CountPacket(sa, 1);
    EXPECT_EQ(log.soft.size(), 1u);
    EXPECT_TRUE(sa->IsSoftExpired());
    // Exactly the hard limit is still allowed.
    ASSERT_TRUE(sad->ChargeBytes(sa, 500));
    sad->CountPacket(sa, 500);
    EXPECT_EQ(log.soft.size(), 1u);
    // One more byte would pass it: refused, and the SA is gone.
    EXPECT_FALSE(sad->ChargeBytes(sa, 1));
    EXPECT_EQ(log.hard.size(), 1u);
    EXPECT_EQ(sad->FindOutboundForPolicy(1), nullptr);
    EXPECT_EQ(sa->GetCounters().bytes, 1500u);
    EXPECT_EQ(sa->GetCounters().packets, 3u);
}

} // namespace
} // namespace tunnelsim
