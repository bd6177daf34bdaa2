// The gateway crypto engine: service times from a cost table, the FIFO queue, parallel
// units and utilisation on the engine alone, then UDP constant-bit-rate flows through two
// gateways whose engines limit the throughput to what the cost table implies.
//
//   hostA -------- gwA ======== ESP tunnel ======== gwB -------- hostB
//   10.1.1.2  10.1.1.1  192.0.2.1          192.0.2.2  10.2.1.1  10.2.1.2
//                  (VTI cases: 172.16.0.1/30 <-> 172.16.0.2/30 over the same link)
//
// Every link is 1 Gbit/s with 100 us delay, far above what the test cost tables let the
// engines carry, so the engines are the only bottleneck. The flows use AES-GCM-128.
#include "crypto-cost-table.h"
#include "helper/ipsec-helper.h"
#include "ipsec/crypto-engine.h"
#include "ipsec/ipsec-stack.h"
#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"

#include <cmath>
#include <gtest/gtest.h>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace tunnelsim
{
namespace
{

using namespace ns3;

constexpr uint16_t kFlowPort = 9;
/// UDP payload of every flow packet, bytes; the inner IPv4 packet is 28 bytes more.
constexpr uint32_t kUdpPayload = 972;
/// IPv4 (20) and UDP (8) header bytes in front of the payload.
constexpr uint32_t kIpUdpHeaders = 28;
/// Relative tolerance of a measured rate against the capacity the table implies. The
/// measurement window contains at least 1,300 packets, so one packet is under 0.08 %.
constexpr double kRateTolerance = 0.02;

const EspSuite kFlowSuite{EspCipher::AesGcm128, EspIntegrity::None};

/// A test-made table: every suite gets the same costs, per direction.
CryptoCostTable
MakeTable(double sealFixedNs, double sealPerByteNs, double openFixedNs, double openPerByteNs)
{
    CryptoCostTable table;
    table.tunnelsimVersion = "test";
    table.date = "2026-01-01T00:00:00Z";
    table.opensslVersion = "test";
    table.machine.cpuModel = "test";
    table.machine.logicalCpus = 1;
    for (const EspSuite& suite : AllEspSuites())
    {
        SuiteCryptoCost& cost = table.suites[suite.Name()];
        cost.seal = CryptoCostFit{sealFixedNs, sealPerByteNs, 1.0};
        cost.open = CryptoCostFit{openFixedNs, openPerByteNs, 1.0};
    }
    return table;
}

/// Seal 200 us + 100 ns/byte (300 us for the flow's 1000-byte inner packet), open cheap.
const CryptoCostTable kSealLimited = MakeTable(200000, 100, 10000, 5);
/// The reverse: open is the expensive direction.
const CryptoCostTable kOpenLimited = MakeTable(10000, 5, 200000, 100);

CryptoEngineSettings
Settings(uint32_t units, uint32_t queuePackets, double scale = 1.0)
{
    CryptoEngineSettings settings;
    settings.units = units;
    settings.queuePackets = queuePackets;
    settings.scale = scale;
    settings.tableName = "test-table";
    return settings;
}

/// Bytes the engine charges for one flow packet: seal charges the inner packet, open the
/// ESP packet (inner packet plus ESP overhead).
size_t
InputBytes(CryptoDirection direction)
{
    const size_t inner = kUdpPayload + kIpUdpHeaders;
    return direction == CryptoDirection::Seal ? inner : inner + kFlowSuite.Overhead(inner);
}

/// Service time of one flow packet in @p direction, ns, before rounding.
double
ServiceNs(const CryptoCostTable& table, CryptoDirection direction, double scale)
{
    return table.Get(kFlowSuite).Get(direction).NanosecondsFor(InputBytes(direction)) * scale;
}

/// Packets per second the slower of the two engines carries: units / service time.
double
CapacityPps(const CryptoCostTable& table, const CryptoEngineSettings& settings)
{
    const double slowest = std::max(ServiceNs(table, CryptoDirection::Seal, settings.scale),
                                    ServiceNs(table, CryptoDirection::Open, settings.scale));
    return settings.units / (slowest * 1e-9);
}

// ---------------------------------------------------------------------------------------
// The engine alone

class EngineTest : public ::testing::Test
{
  protected:
    void TearDown() override
    {
        if (engine)
        {
            engine->Dispose();
        }
        Simulator::Destroy();
    }

    Ptr<CryptoEngine> MakeEngine(const CryptoEngineSettings& settings,
                                 const CryptoCostTable& table = kSealLimited)
    {
        engine = CreateObject<CryptoEngine>();
        engine->SetCostTable(table, settings.tableName);
        engine->Configure(settings);
        return engine;
    }

    Ptr<CryptoEngine> engine;
};

/// One seal of 1000 bytes under kSealLimited: 200 us + 100 ns x 1000 = 300 us.
constexpr size_t kJobBytes = 1000;
const Time kJobTime = MicroSeconds(300);

struct BurstCase
{
    const char* name;
    uint32_t units;
    uint32_t queuePackets;
    uint32_t jobs;
    std::vector<Time> expectedEnds; ///< completion times of the admitted jobs, in order
};

TEST_F(EngineTest, BurstServedInFifoOrder)
{
    const std::vector<BurstCase> cases = {
        {"one unit", 1, 2, 5, {kJobTime, 2 * kJobTime, 3 * kJobTime}},
        {"two units", 2, 2, 5, {kJobTime, kJobTime, 2 * kJobTime, 2 * kJobTime}},
        {"no queue", 3, 0, 5, {kJobTime, kJobTime, kJobTime}},
        {"queue large", 1, 10, 3, {kJobTime, 2 * kJobTime, 3 * kJobTime}},
    };
    for (const BurstCase& c : cases)
    {
        SCOPED_TRACE(c.name);
        MakeEngine(Settings(c.units, c.queuePackets));
        std::vector<Time> ends;
        std::vector<uint32_t> order;
        uint32_t admitted = 0;
        for (uint32_t i = 0; i < c.jobs; ++i)
        {
            admitted += engine->Submit(kFlowSuite, CryptoDirection::Seal, kJobBytes,
                                       [&ends, &order, i]()
                                       {
                                           ends.push_back(Simulator::Now());
                                           order.push_back(i);
                                       });
        }
        Simulator::Run();

        EXPECT_EQ(admitted, c.expectedEnds.size());
        EXPECT_EQ(engine->GetQueueDropCount(), c.jobs - c.expectedEnds.size());
        EXPECT_EQ(engine->GetProcessedCount(), c.expectedEnds.size());
        EXPECT_EQ(ends, c.expectedEnds);
        for (uint32_t i = 0; i < order.size(); ++i)
        {
            EXPECT_EQ(order[i], i) << "job " << i << " ended out of FIFO order";
        }
        engine->Dispose();
        engine = nullptr;
        Simulator::Destroy();
    }
}

struct ServiceTimeCase
{
    const char* name;
    CryptoDirection direction;
    size_t bytes;
    double scale;
    Time expected;
};

TEST_F(EngineTest, ServiceTimeFromTable)
{
    // kSealLimited: seal 200000 + 100 x bytes ns, open 10000 + 5 x bytes ns.
    const std::vector<ServiceTimeCase> cases = {
        {"seal 1000 bytes", CryptoDirection::Seal, 1000, 1.0, NanoSeconds(300000)},
        {"seal 64 bytes", CryptoDirection::Seal, 64, 1.0, NanoSeconds(206400)},
        {"open 1036 bytes", CryptoDirection::Open, 1036, 1.0, NanoSeconds(15180)},
        {"seal scale 2", CryptoDirection::Seal, 1000, 2.0, NanoSeconds(600000)},
        {"open scale 0.5", CryptoDirection::Open, 1036, 0.5, NanoSeconds(7590)},
    };
    for (const ServiceTimeCase& c : cases)
    {
        SCOPED_TRACE(c.name);
        MakeEngine(Settings(1, 0, c.scale));
        EXPECT_EQ(engine->GetServiceTime(kFlowSuite, c.direction, c.bytes), c.expected);
    }
}

TEST_F(EngineTest, ServiceTimeRoundsToNanosecond)
{
    MakeEngine(Settings(1, 0), MakeTable(100.4, 0.25, 100.6, 0.25));
    EXPECT_EQ(engine->GetServiceTime(kFlowSuite, CryptoDirection::Seal, 0), NanoSeconds(100));
    EXPECT_EQ(engine->GetServiceTime(kFlowSuite, CryptoDirection::Open, 0), NanoSeconds(101));
    EXPECT_EQ(engine->GetServiceTime(kFlowSuite, CryptoDirection::Seal, 2), NanoSeconds(101));
}

TEST_F(EngineTest, UtilisationOneUnit)
{
    MakeEngine(Settings(1, 10));
    for (int i = 0; i < 4; ++i)
    {
        engine->Submit(kFlowSuite, CryptoDirection::Seal, kJobBytes,
                       []()
                       {
                       });
    }
    std::vector<double> utilisation;
    std::vector<Time> busy;
    for (Time at : {kJobTime / 2, 4 * kJobTime, 8 * kJobTime})
    {
        Simulator::Schedule(at,
                            [this, &utilisation, &busy]()
                            {
                                utilisation.push_back(engine->GetUtilisation());
                                busy.push_back(engine->GetBusyTime());
                            });
    }
    Simulator::Run();

    ASSERT_EQ(utilisation.size(), 3u);
    EXPECT_DOUBLE_EQ(utilisation[0], 1.0) << "busy since the start";
    EXPECT_DOUBLE_EQ(utilisation[1], 1.0) << "four jobs back to back";
    EXPECT_DOUBLE_EQ(utilisation[2], 0.5) << "idle for the second half";
    EXPECT_EQ(busy[0], kJobTime / 2) << "half of the first service";
    EXPECT_EQ(busy[2], 4 * kJobTime);
}

TEST_F(EngineTest, UtilisationTwoUnits)
{
    MakeEngine(Settings(2, 10));
    for (int i = 0; i < 2; ++i)
    {
        engine->Submit(kFlowSuite, CryptoDirection::Seal, kJobBytes,
                       []()
                       {
                       });
    }
    double atEnd = -1;
    double later = -1;
    Simulator::Schedule(kJobTime,
                        [this, &atEnd]()
                        {
                            atEnd = engine->GetUtilisation();
                        });
    Simulator::Schedule(2 * kJobTime,
                        [this, &later]()
                        {
                            later = engine->GetUtilisation();
                        });
    Simulator::Run();

    EXPECT_DOUBLE_EQ(atEnd, 1.0);
    EXPECT_DOUBLE_EQ(later, 0.5);
    EXPECT_EQ(engine->GetStatus().busyTime, 2 * kJobTime);
}

TEST_F(EngineTest, UtilisationZeroAtStart)
{
    MakeEngine(Settings(1, 10));
    EXPECT_EQ(engine->GetUtilisation(), 0.0);
}

TEST_F(EngineTest, JobMaySubmitAgain)
{
    MakeEngine(Settings(1, 0));
    Time secondEnd;
    engine->Submit(kFlowSuite, CryptoDirection::Seal, kJobBytes,
                   [this, &secondEnd]()
                   {
                       // The unit is free again when the job runs, so this is admitted
                       // even with no queue.
                       const bool admitted
                           = engine->Submit(kFlowSuite, CryptoDirection::Seal, kJobBytes,
                                            [&secondEnd]()
                                            {
                                                secondEnd = Simulator::Now();
                                            });
                       EXPECT_TRUE(admitted);
                   });
    Simulator::Run();
    EXPECT_EQ(secondEnd, 2 * kJobTime);
}

TEST_F(EngineTest, StatusReportsSettings)
{
    MakeEngine(Settings(3, 17, 1.5));
    const CryptoEngineStatus status = engine->GetStatus();
    EXPECT_EQ(status.settings.units, 3u);
    EXPECT_EQ(status.settings.queuePackets, 17u);
    EXPECT_DOUBLE_EQ(status.settings.scale, 1.5);
    EXPECT_EQ(status.settings.tableName, "test-table");
    EXPECT_DOUBLE_EQ(engine->GetScaledCost(kFlowSuite, CryptoDirection::Seal).fixedNs, 300000);
}

TEST_F(EngineTest, EncryptionOnlySuiteHasNoCost)
{
    MakeEngine(Settings(1, 0));
    const EspSuite encryptionOnly{EspCipher::AesCbc128, EspIntegrity::None};
    EXPECT_THROW(engine->GetServiceTime(encryptionOnly, CryptoDirection::Seal, 100),
                 std::invalid_argument);
}

TEST_F(EngineTest, InvalidTableRejected)
{
    engine = CreateObject<CryptoEngine>();
    CryptoCostTable table = kSealLimited;
    table.suites.erase("aes-gcm-256");
    EXPECT_THROW(engine->SetCostTable(table, "partial"), CryptoCostTableError);
}

struct InvalidSettingsCase
{
    const char* name;
    CryptoEngineSettings settings;
};

TEST(CryptoEngineConfig, OutOfRangeRejected)
{
    const std::vector<InvalidSettingsCase> cases = {
        {"zero units", Settings(0, 10)},
        {"too many units", Settings(kMaxCryptoUnits + 1, 10)},
        {"queue too large", Settings(1, kMaxCryptoQueuePackets + 1)},
        {"zero scale", Settings(1, 10, 0.0)},
        {"negative scale", Settings(1, 10, -1.0)},
        {"infinite scale", Settings(1, 10, std::numeric_limits<double>::infinity())},
        {"NaN scale", Settings(1, 10, std::numeric_limits<double>::quiet_NaN())},
    };
    for (const InvalidSettingsCase& c : cases)
    {
        SCOPED_TRACE(c.name);
        EXPECT_THROW(c.settings.Validate(), std::invalid_argument);
        IpsecHelper helper;
        EXPECT_THROW(helper.SetCryptoEngine(kSealLimited, c.settings), std::invalid_argument);
    }
}

TEST(CryptoEngineConfig, LimitsAccepted)
{
    EXPECT_NO_THROW(Settings(1, 0).Validate());
    EXPECT_NO_THROW(Settings(kMaxCryptoUnits, kMaxCryptoQueuePackets, 1e-6).Validate());
}

// ---------------------------------------------------------------------------------------
// Flows through two gateways

enum class Design
{
    PolicyBased,
    Vti,
};

/** Counts of one flow run, read after every queue has drained. */
struct FlowOutcome
{
    uint64_t sent = 0;
    uint64_t delivered = 0;
    /// Packets delivered inside the measurement window, and the window's length.
    uint64_t windowDelivered = 0;
    double windowSeconds = 0;
    uint64_t queueDropsA = 0; ///< engine counters
    uint64_t queueDropsB = 0;
    uint64_t stackDropsA = 0; ///< crypto-queue-full drops counted by the IPsec stacks
    uint64_t stackDropsB = 0;
    uint64_t tracedDrops = 0; ///< crypto-queue-full drops seen on the Drop traces
    std::optional<CryptoEngineStatus> statusA;
    std::optional<CryptoEngineStatus> statusB;
    std::vector<Time> arrivals; ///< receive times at hostB
};

/** The network drawn at the top of this file. */
class GatewayPair
{
  public:
    /// @p settings null: no engine, crypto takes no simulated time.
    GatewayPair(Design design, const CryptoCostTable* table, const CryptoEngineSettings* settings)
    {
        hostA = CreateObject<Node>();
        gwA = CreateObject<Node>();
        gwB = CreateObject<Node>();
        hostB = CreateObject<Node>();
        InternetStackHelper internet;
        internet.Install(NodeContainer(hostA, gwA, gwB, hostB));

        PointToPointHelper link;
        link.SetDeviceAttribute("DataRate", StringValue("1Gbps"));
        link.SetChannelAttribute("Delay", StringValue("100us"));
        Ipv4AddressHelper addresses;
        addresses.SetBase("10.1.1.0", "255.255.255.0");
        Ipv4InterfaceContainer lanA = addresses.Assign(link.Install(gwA, hostA));
        addresses.SetBase("192.0.2.0", "255.255.255.252");
        Ipv4InterfaceContainer wan = addresses.Assign(link.Install(gwA, gwB));
        addresses.SetBase("10.2.1.0", "255.255.255.0");
        Ipv4InterfaceContainer lanB = addresses.Assign(link.Install(gwB, hostB));
        hostBAddress = lanB.GetAddress(1);

        Ipv4StaticRoutingHelper routing;
        routing.GetStaticRouting(hostA->GetObject<Ipv4>())->SetDefaultRoute(lanA.GetAddress(0), 1);
        routing.GetStaticRouting(hostB->GetObject<Ipv4>())->SetDefaultRoute(lanB.GetAddress(0), 1);

        if (settings)
        {
            ipsec.SetCryptoEngine(*table, *settings);
        }
        const Ipv4Address publicA = wan.GetAddress(0);
        const Ipv4Address publicB = wan.GetAddress(1);
        ipsec.SetSuite(kFlowSuite);
        if (design == Design::PolicyBased)
        {
            const SelectorPair selectors{TrafficSelector::FromPrefix(0x0a010100, 24),
                                         TrafficSelector::FromPrefix(0x0a020100, 24)};
            ipsec.AddTunnelSaPair(gwA, publicA, gwB, publicB, selectors);
            routing.GetStaticRouting(gwA->GetObject<Ipv4>())->SetDefaultRoute(publicB, 2);
            routing.GetStaticRouting(gwB->GetObject<Ipv4>())->SetDefaultRoute(publicA, 1);
        }
        else
        {
            NetDeviceContainer vtis = ipsec.CreateVti(
                gwA, publicA, gwB, publicB, Ipv4Address("172.16.0.0"), Ipv4Mask("255.255.255.252"));
            AddRouteVia(gwA, "10.2.1.0", "172.16.0.2", vtis.Get(0));
            AddRouteVia(gwB, "10.1.1.0", "172.16.0.1", vtis.Get(1));
        }
        for (Ptr<Node> gateway : {gwA, gwB})
        {
            IpsecHelper::GetStack(gateway)->TraceConnectWithoutContext(
                "Drop", MakeCallback(&GatewayPair::CountDrop, this));
        }

        Ptr<Socket> sink = Socket::CreateSocket(hostB, UdpSocketFactory::GetTypeId());
        sink->Bind(InetSocketAddress(Ipv4Address::GetAny(), kFlowPort));
        sink->SetRecvCallback(MakeCallback(&GatewayPair::Receive, this));
        m_sink = sink;
    }

    ~GatewayPair()
    {
        Simulator::Destroy();
        Names::Clear();
    }

    /// Send @p count packets at @p packetsPerSecond from @p start, and run until every
    /// queue has drained. Packets delivered within [@p windowStart, @p windowEnd] are
    /// counted apart.
    FlowOutcome Run(double packetsPerSecond, uint32_t count, Time start, Time windowStart,
                    Time windowEnd)
    {
        UdpClientHelper client(hostBAddress, kFlowPort);
        client.SetAttribute("MaxPackets", UintegerValue(count));
        client.SetAttribute("Interval", TimeValue(Seconds(1.0 / packetsPerSecond)));
        client.SetAttribute("PacketSize", UintegerValue(kUdpPayload));
        ApplicationContainer apps = client.Install(hostA);
        apps.Start(start);
        m_windowStart = windowStart;
        m_windowEnd = windowEnd;

        // Long enough to send everything, then drain every queue at the slowest rate
        // any case uses (queues of at most 100 packets of at most 1.2 ms each).
        const Time sendTime = Seconds(count / packetsPerSecond);
        Simulator::Stop(start + sendTime + Seconds(1));
        Simulator::Run();

        FlowOutcome outcome;
        outcome.sent = DynamicCast<UdpClient>(apps.Get(0))->GetTotalTx() / kUdpPayload;
        outcome.delivered = m_arrivals.size();
        outcome.windowSeconds = (windowEnd - windowStart).GetSeconds();
        for (Time at : m_arrivals)
        {
            outcome.windowDelivered += at >= windowStart && at < windowEnd;
        }
        outcome.arrivals = m_arrivals;
        outcome.stackDropsA
            = IpsecHelper::GetStack(gwA)->GetDropCount(IpsecDropReason::CryptoQueueFull);
        outcome.stackDropsB
            = IpsecHelper::GetStack(gwB)->GetDropCount(IpsecDropReason::CryptoQueueFull);
        outcome.tracedDrops = m_tracedQueueDrops;
        outcome.statusA = IpsecHelper::GetCryptoEngineStatus(gwA);
        outcome.statusB = IpsecHelper::GetCryptoEngineStatus(gwB);
        if (outcome.statusA)
        {
            outcome.queueDropsA = outcome.statusA->queueDrops;
        }
        if (outcome.statusB)
        {
            outcome.queueDropsB = outcome.statusB->queueDrops;
        }
        return outcome;
    }

    Ptr<Node> hostA;
    Ptr<Node> gwA;
    Ptr<Node> gwB;
    Ptr<Node> hostB;
    Ipv4Address hostBAddress;
    IpsecHelper ipsec;

  private:
    static void AddRouteVia(Ptr<Node> gateway, const char* network, const char* nextHop,
                            Ptr<NetDevice> vti)
    {
        Ptr<Ipv4> ipv4 = gateway->GetObject<Ipv4>();
        Ipv4StaticRoutingHelper routing;
        routing.GetStaticRouting(ipv4)->AddNetworkRouteTo(
            Ipv4Address(network), Ipv4Mask("255.255.255.0"), Ipv4Address(nextHop),
            ipv4->GetInterfaceForDevice(vti));
    }

    void Receive(Ptr<Socket> socket)
    {
        while (socket->Recv())
        {
            m_arrivals.push_back(Simulator::Now());
        }
    }

    void CountDrop(Ptr<const Packet>, IpsecDropReason reason)
    {
        m_tracedQueueDrops += reason == IpsecDropReason::CryptoQueueFull;
    }

    Ptr<Socket> m_sink;
    std::vector<Time> m_arrivals;
    Time m_windowStart;
    Time m_windowEnd;
    uint64_t m_tracedQueueDrops = 0;
};

/// Flow timing: start at 0.1 s, one second of traffic, measure from 0.3 s to 1.1 s.
const Time kFlowStart = Seconds(0.1);
const Time kWindowStart = Seconds(0.3);
const Time kWindowEnd = Seconds(1.1);

FlowOutcome
RunFlow(const CryptoCostTable& table, const CryptoEngineSettings& settings, double rate,
        Design design = Design::PolicyBased)
{
    GatewayPair network(design, &table, &settings);
    return network.Run(rate, static_cast<uint32_t>(std::lround(rate)), kFlowStart, kWindowStart,
                       kWindowEnd);
}

TEST(CryptoEngineFlow, BelowCapacityLosesNothing)
{
    const CryptoEngineSettings settings = Settings(1, 50);
    const double capacity = CapacityPps(kSealLimited, settings);
    const FlowOutcome outcome = RunFlow(kSealLimited, settings, 0.5 * capacity);

    EXPECT_GT(outcome.sent, 0u);
    EXPECT_EQ(outcome.delivered, outcome.sent);
    EXPECT_EQ(outcome.queueDropsA, 0u);
    EXPECT_EQ(outcome.queueDropsB, 0u);
    EXPECT_EQ(outcome.stackDropsA, 0u);
    ASSERT_TRUE(outcome.statusA.has_value());
    EXPECT_EQ(outcome.statusA->processed, outcome.sent);
    // Busy time is the sum of whole services once every queue is empty.
    EXPECT_EQ(outcome.statusA->busyTime,
              outcome.sent
                  * NanoSeconds(std::llround(ServiceNs(kSealLimited, CryptoDirection::Seal, 1.0))));
    EXPECT_NEAR(outcome.statusA->utilisation,
                outcome.statusA->busyTime.GetSeconds() / outcome.statusA->elapsed.GetSeconds(),
                1e-12);
}

struct SaturationCase
{
    const char* name;
    const CryptoCostTable* table;
    CryptoEngineSettings settings;
    Design design;
    bool sealLimits; ///< which gateway's engine is the bottleneck (A seals, B opens)
};

TEST(CryptoEngineFlow, AboveCapacityCarriesCapacity)
{
    const std::vector<SaturationCase> cases = {
        {"seal limits", &kSealLimited, Settings(1, 50), Design::PolicyBased, true},
        {"open limits", &kOpenLimited, Settings(1, 50), Design::PolicyBased, false},
        {"two units", &kSealLimited, Settings(2, 50), Design::PolicyBased, true},
        {"scale 2", &kSealLimited, Settings(1, 50, 2.0), Design::PolicyBased, true},
        {"vti seal limits", &kSealLimited, Settings(1, 50), Design::Vti, true},
    };
    for (const SaturationCase& c : cases)
    {
        SCOPED_TRACE(c.name);
        const double capacity = CapacityPps(*c.table, c.settings);
        const FlowOutcome outcome = RunFlow(*c.table, c.settings, 1.5 * capacity, c.design);

        const double measured = outcome.windowDelivered / outcome.windowSeconds;
        EXPECT_NEAR(measured, capacity, kRateTolerance * capacity);
        const uint64_t bottleneckDrops = c.sealLimits ? outcome.queueDropsA : outcome.queueDropsB;
        const uint64_t otherDrops = c.sealLimits ? outcome.queueDropsB : outcome.queueDropsA;
        EXPECT_GT(bottleneckDrops, 0u);
        EXPECT_EQ(otherDrops, 0u);
        EXPECT_EQ(outcome.stackDropsA, outcome.queueDropsA);
        EXPECT_EQ(outcome.stackDropsB, outcome.queueDropsB);
        EXPECT_EQ(outcome.tracedDrops, outcome.queueDropsA + outcome.queueDropsB);
        // Every queue has drained, so each packet was delivered or dropped by an engine.
        EXPECT_EQ(outcome.sent, outcome.delivered + outcome.queueDropsA + outcome.queueDropsB);
        ASSERT_TRUE(outcome.statusA.has_value());
        ASSERT_TRUE(outcome.statusB.has_value());
        const CryptoEngineStatus& bottleneck = c.sealLimits ? *outcome.statusA : *outcome.statusB;
        EXPECT_EQ(bottleneck.maxQueueLength, c.settings.queuePackets);
    }
}

TEST(CryptoEngineFlow, TwoUnitsCarryTwice)
{
    // The same offered load, three times what one unit carries, against one and two units.
    const double rate = 3 * CapacityPps(kSealLimited, Settings(1, 50));
    const FlowOutcome oneUnit = RunFlow(kSealLimited, Settings(1, 50), rate);
    const FlowOutcome twoUnits = RunFlow(kSealLimited, Settings(2, 50), rate);

    ASSERT_GT(oneUnit.windowDelivered, 0u);
    const double ratio = static_cast<double>(twoUnits.windowDelivered) / oneUnit.windowDelivered;
    EXPECT_NEAR(ratio, 2.0, 2.0 * kRateTolerance);
}

TEST(CryptoEngineFlow, BurstFillsQueueExactly)
{
    // 30 packets sent 1 ns apart reach gwA 8.2 us apart (1028 bytes at 1 Gbit/s), all
    // within the first 300 us seal. One unit and a 10-packet queue admit 11 of them.
    constexpr uint32_t kBurst = 30;
    constexpr uint32_t kQueue = 10;
    const CryptoEngineSettings settings = Settings(1, kQueue);
    GatewayPair limited(Design::PolicyBased, &kSealLimited, &settings);
    const FlowOutcome outcome
        = limited.Run(1e9, kBurst, kFlowStart, kFlowStart, kFlowStart + Seconds(1));

    EXPECT_EQ(outcome.sent, kBurst);
    EXPECT_EQ(outcome.delivered, 1 + kQueue);
    EXPECT_EQ(outcome.queueDropsA, kBurst - 1 - kQueue);
    EXPECT_EQ(outcome.stackDropsA, kBurst - 1 - kQueue);
}

struct DelayCase
{
    const char* name;
    Design design;
    double scale;
};

TEST(CryptoEngineFlow, SinglePacketDelayedByService)
{
    const std::vector<DelayCase> cases = {
        {"policy-based", Design::PolicyBased, 1.0},
        {"vti", Design::Vti, 1.0},
        {"policy-based scale 3", Design::PolicyBased, 3.0},
    };
    for (const DelayCase& c : cases)
    {
        SCOPED_TRACE(c.name);
        Time instant;
        {
            GatewayPair network(c.design, nullptr, nullptr);
            const FlowOutcome outcome
                = network.Run(1, 1, kFlowStart, kFlowStart, kFlowStart + Seconds(1));
            ASSERT_EQ(outcome.arrivals.size(), 1u);
            EXPECT_FALSE(IpsecHelper::GetCryptoEngineStatus(network.gwA).has_value());
            instant = outcome.arrivals[0];
        }
        const CryptoEngineSettings settings = Settings(1, 10, c.scale);
        GatewayPair network(c.design, &kSealLimited, &settings);
        const FlowOutcome outcome
            = network.Run(1, 1, kFlowStart, kFlowStart, kFlowStart + Seconds(1));
        ASSERT_EQ(outcome.arrivals.size(), 1u);

        const Time expected
            = NanoSeconds(std::llround(ServiceNs(kSealLimited, CryptoDirection::Seal, c.scale)))
              + NanoSeconds(std::llround(ServiceNs(kSealLimited, CryptoDirection::Open, c.scale)));
        EXPECT_EQ(outcome.arrivals[0] - instant, expected);
    }
}

TEST(CryptoEngineHelper, InstallAddsEngineToExistingStack)
{
    Ptr<Node> node = CreateObject<Node>();
    InternetStackHelper internet;
    internet.Install(node);
    IpsecHelper helper;
    Ptr<IpsecStack> stack = helper.Install(node);
    EXPECT_FALSE(stack->GetCryptoEngine());
    EXPECT_FALSE(helper.GetCryptoEngineSettings().has_value());

    helper.SetCryptoEngine(kSealLimited, Settings(4, 20, 2.5));
    EXPECT_EQ(helper.Install(node), stack);
    ASSERT_TRUE(stack->GetCryptoEngine());
    const std::optional<CryptoEngineStatus> status = IpsecHelper::GetCryptoEngineStatus(node);
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(status->settings.units, 4u);
    EXPECT_EQ(status->settings.queuePackets, 20u);
    EXPECT_DOUBLE_EQ(status->settings.scale, 2.5);
    EXPECT_EQ(status->settings.tableName, "test-table");
    ASSERT_NE(helper.GetCryptoCostTable(), nullptr);
    EXPECT_EQ(helper.GetCryptoCostTable()->suites.size(), AllEspSuites().size());
    Simulator::Destroy();
}

TEST(CryptoEngineHelper, InvalidTableRejected)
{
    IpsecHelper helper;
    CryptoCostTable table = kSealLimited;
    table.suites["aes-gcm-128"].open.perByteNs = -1;
    EXPECT_THROW(helper.SetCryptoEngine(table, Settings(1, 10)), CryptoCostTableError);
    EXPECT_FALSE(helper.GetCryptoEngineSettings().has_value());
}

TEST(CryptoEngineDropReason, StableName)
{
    EXPECT_EQ(ToString(IpsecDropReason::CryptoQueueFull), "crypto-queue-full");
    EXPECT_EQ(ParseIpsecDropReason("crypto-queue-full"), IpsecDropReason::CryptoQueueFull);
}

} // namespace
} // namespace tunnelsim
