/*
 * Simulation cost of tunnels: wall and CPU time per packet of simulating the same UDP flow
 * through four designs built with the project's helpers.
 *
 *   hostA 10.1.1.2 -- gwA -- 192.0.2.0/30 -- wan -- 198.51.100.0/30 -- gwB -- 10.2.1.2 hostB
 *       10.1.1.0/24    .1               .2     .2                  .1    10.2.1.0/24
 *
 *   Plain   static routes; the WAN router has routes to 10.1.0.0/16 and 10.2.0.0/16.
 *   Gre     GRE tunnel 172.16.0.0/30 between the gateways, routes to the far site over it.
 *   Esp     policy-based ESP tunnel mode, 10.1.0.0/16 <-> 10.2.0.0/16, AES-GCM-128.
 *   GreEsp  the GRE tunnel, protected by an ESP tunnel-mode SA pair (AES-GCM-128) that
 *           matches GRE between the two public addresses.
 * In the three tunnel designs the WAN router has connected routes only.
 *
 * Each benchmark iteration builds the network, sends the packets hostA -> hostB, runs the
 * simulation and destroys it. The timed part includes all of that. An iteration fails
 * (SkipWithError) unless hostB received every packet and byte. Counters per run:
 *   wall_ns_per_packet, cpu_ns_per_packet  iteration time / packets sent
 *   ratio_to_plain      wall time per packet / median wall time per packet of Plain so far
 *   cpu_ratio_to_plain  the same for CPU time, which is steadier on a loaded machine
 * At exit the program prints, with fmt, the medians of all iterations of each design and
 * their ratios to Plain. Run Plain (registered first) in the same process for the ratios.
 *
 * TUNNEL_BENCH_PACKETS sets the packet count (default 100000), e.g. 2000 for a quick run.
 *
 * Run: BUILD/tests/bench/tunnel-cost-bench --benchmark_repetitions=3
 */
#include "gre-helper.h"
#include "gre-l4-protocol.h"
#include "ipsec-helper.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"

#include <algorithm>
#include <benchmark/benchmark.h>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <fmt/core.h>
#include <fmt/format.h>
#include <map>
#include <string>
#include <vector>

namespace tunnelsim
{
namespace
{

using ns3::Ipv4Address;
using ns3::Ptr;

const Ipv4Address kPublicA("192.0.2.1");
const Ipv4Address kWanSideA("192.0.2.2");
const Ipv4Address kPublicB("198.51.100.1");
const Ipv4Address kWanSideB("198.51.100.2");
const Ipv4Address kHostB("10.2.1.2");

constexpr uint32_t kDefaultPackets = 100000;
/// UDP payload per packet, bytes.
constexpr uint32_t kPayloadSize = 1000;
constexpr uint16_t kPort = 9;
/// Links: 1 Gb/s, so one 1000-byte packet every 20 us (about 450 Mb/s with GRE and ESP
/// headers) never queues.
const char* const kLinkRate = "1Gbps";
const char* const kLinkDelay = "1ms";
constexpr int64_t kSendIntervalNs = 20000;
/// Time after the last send before the simulation stops, so the last packet arrives.
constexpr int64_t kDrainNs = 100000000;

enum class Design
{
    Plain,
    Gre,
    Esp,
    GreEsp,
};

const char*
DesignName(Design design)
{
    switch (design)
    {
        case Design::Plain:
            return "Plain";
        case Design::Gre:
            return "Gre";
        case Design::Esp:
            return "Esp";
        case Design::GreEsp:
            return "GreEsp";
    }
    return "?";
}

uint32_t
ReadPacketCount()
{
    const char* text = std::getenv("TUNNEL_BENCH_PACKETS");
    if (text == nullptr)
    {
        return kDefaultPackets;
    }
    char* end = nullptr;
    const long value = std::strtol(text, &end, 10);
    if (*text == '\0' || *end != '\0' || value <= 0 || value > UINT32_MAX)
    {
        fmt::print(stderr,
                   "TUNNEL_BENCH_PACKETS={} is invalid, expected a positive integer; using {}\n",
                   text, kDefaultPackets);
        return kDefaultPackets;
    }
    return static_cast<uint32_t>(value);
}

uint32_t
PacketCount()
{
    static const uint32_t count = ReadPacketCount();
    return count;
}

Ptr<ns3::Ipv4StaticRouting>
StaticRouting(Ptr<ns3::Node> node)
{
    return ns3::Ipv4StaticRoutingHelper().GetStaticRouting(node->GetObject<ns3::Ipv4>());
}

uint32_t
InterfaceOf(Ptr<ns3::NetDevice> device)
{
    return static_cast<uint32_t>(
        device->GetNode()->GetObject<ns3::Ipv4>()->GetInterfaceForDevice(device));
}

/// Build the network at the top of this file for @p design. Returns the two hosts.
std::pair<Ptr<ns3::Node>, Ptr<ns3::Node>>
BuildNetwork(Design design, IpsecHelper& ipsec)
{
    // The same checksum setting in every design: GreHelper and IpsecHelper turn it on,
    // so plain routing computes checksums too.
    ns3::GlobalValue::Bind("ChecksumEnabled", ns3::BooleanValue(true));

    Ptr<ns3::Node> hostA = ns3::CreateObject<ns3::Node>();
    Ptr<ns3::Node> gwA = ns3::CreateObject<ns3::Node>();
    Ptr<ns3::Node> wan = ns3::CreateObject<ns3::Node>();
    Ptr<ns3::Node> gwB = ns3::CreateObject<ns3::Node>();
    Ptr<ns3::Node> hostB = ns3::CreateObject<ns3::Node>();

    // Static routing inside list routing, as the IPsec interception joins the list.
    ns3::Ipv4ListRoutingHelper list;
    list.Add(ns3::Ipv4StaticRoutingHelper(), 0);
    ns3::InternetStackHelper stack;
    stack.SetRoutingHelper(list);
    stack.Install(ns3::NodeContainer(hostA, gwA, wan, gwB, hostB));

    ns3::PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", ns3::StringValue(kLinkRate));
    p2p.SetChannelAttribute("Delay", ns3::StringValue(kLinkDelay));
    ns3::Ipv4AddressHelper addresses;

    ns3::NetDeviceContainer lanA = p2p.Install(gwA, hostA);
    addresses.SetBase("10.1.1.0", "255.255.255.0");
    addresses.Assign(lanA);
    ns3::NetDeviceContainer lanB = p2p.Install(gwB, hostB);
    addresses.SetBase("10.2.1.0", "255.255.255.0");
    addresses.Assign(lanB);
    ns3::NetDeviceContainer wanA = p2p.Install(gwA, wan);
    addresses.SetBase("192.0.2.0", "255.255.255.252");
    addresses.Assign(wanA);
    ns3::NetDeviceContainer wanB = p2p.Install(gwB, wan);
    addresses.SetBase("198.51.100.0", "255.255.255.252");
    addresses.Assign(wanB);

    StaticRouting(hostA)->SetDefaultRoute("10.1.1.1", InterfaceOf(lanA.Get(1)));
    StaticRouting(hostB)->SetDefaultRoute("10.2.1.1", InterfaceOf(lanB.Get(1)));
    StaticRouting(gwA)->SetDefaultRoute(kWanSideA, InterfaceOf(wanA.Get(0)));
    StaticRouting(gwB)->SetDefaultRoute(kWanSideB, InterfaceOf(wanB.Get(0)));

    // IPsec and GRE after the addresses, so their devices do not shift the interface indices.
    const EspSuite gcm{EspCipher::AesGcm128, EspIntegrity::None};
    if (design == Design::Plain)
    {
        StaticRouting(wan)->AddNetworkRouteTo("10.1.0.0", "255.255.0.0", kPublicA,
                                              InterfaceOf(wanA.Get(1)));
        StaticRouting(wan)->AddNetworkRouteTo("10.2.0.0", "255.255.0.0", kPublicB,
                                              InterfaceOf(wanB.Get(1)));
    }
    if (design == Design::Esp)
    {
        SelectorPair selectors;
        selectors.local = TrafficSelector::FromPrefix(Ipv4Address("10.1.0.0").Get(), 16);
        selectors.remote = TrafficSelector::FromPrefix(Ipv4Address("10.2.0.0").Get(), 16);
        ipsec.SetSuite(gcm);
        ipsec.AddTunnelSaPair(gwA, kPublicA, gwB, kPublicB, selectors);
    }
    if (design == Design::GreEsp)
    {
        SelectorPair selectors;
        selectors.local = TrafficSelector::FromAddress(kPublicA.Get(), GreL4Protocol::PROT_NUMBER);
        selectors.remote = TrafficSelector::FromAddress(kPublicB.Get(), GreL4Protocol::PROT_NUMBER);
        ipsec.SetSuite(gcm);
        ipsec.AddTunnelSaPair(gwA, kPublicA, gwB, kPublicB, selectors);
    }
    if (design == Design::Gre || design == Design::GreEsp)
    {
        GreHelper gre;
        if (design == Design::GreEsp)
        {
            gre.SetEspProtection(gcm, GreEspMode::Tunnel);
        }
        ns3::NetDeviceContainer tunnels
            = gre.InstallPair(gwA, kPublicA, gwB, kPublicB, "172.16.0.0", "255.255.255.252");
        GreHelper::AddRoute(tunnels.Get(0), "10.2.0.0", "255.255.0.0");
        GreHelper::AddRoute(tunnels.Get(1), "10.1.0.0", "255.255.0.0");
    }
    return {hostA, hostB};
}

/// Sends @p count UDP payloads from one socket at a fixed interval, one event at a time.
class PacedSender
{
  public:
    PacedSender(Ptr<ns3::Node> node, Ipv4Address destination, uint32_t count)
      : m_remaining(count)
    {
        m_socket = ns3::Socket::CreateSocket(node, ns3::UdpSocketFactory::GetTypeId());
        m_socket->Connect(ns3::InetSocketAddress(destination, kPort));
    }

    void Start(ns3::Time at) { ns3::Simulator::Schedule(at, &PacedSender::SendNext, this); }

  private:
    void SendNext()
    {
        m_socket->Send(ns3::Create<ns3::Packet>(kPayloadSize));
        if (--m_remaining > 0)
        {
            ns3::Simulator::Schedule(ns3::NanoSeconds(kSendIntervalNs), &PacedSender::SendNext,
                                     this);
        }
    }

    Ptr<ns3::Socket> m_socket;
    uint32_t m_remaining;
};

/// Counts the UDP payloads and bytes that arrive on one port of one node.
class Receiver
{
  public:
    explicit Receiver(Ptr<ns3::Node> node)
    {
        m_socket = ns3::Socket::CreateSocket(node, ns3::UdpSocketFactory::GetTypeId());
        m_socket->Bind(ns3::InetSocketAddress(Ipv4Address::GetAny(), kPort));
        m_socket->SetRecvCallback(ns3::MakeCallback(&Receiver::Receive, this));
    }

    uint64_t packets = 0;
    uint64_t bytes = 0;

  private:
    void Receive(Ptr<ns3::Socket> socket)
    {
        while (Ptr<ns3::Packet> packet = socket->Recv())
        {
            ++packets;
            bytes += packet->GetSize();
        }
    }

    Ptr<ns3::Socket> m_socket;
};

struct PerPacket
{
    double wallNs;
    double cpuNs;
};

/// Per-packet times of every iteration, by design.
std::map<Design, std::vector<PerPacket>>&
Samples()
{
    static std::map<Design, std::vector<PerPacket>> samples;
    return samples;
}

double
Median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    const size_t n = values.size();
    return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

double
MedianOf(Design design, double PerPacket::*field)
{
    std::vector<double> values;
    for (const PerPacket& sample : Samples()[design])
    {
        values.push_back(sample.*field);
    }
    return values.empty() ? 0 : Median(values);
}

double
ProcessCpuNs()
{
    timespec now{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return 1e9 * static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec);
}

/// Simulate @p packets packets through @p design. Returns false unless all of them arrived.
bool
SimulateOnce(Design design, uint32_t packets, uint64_t& received)
{
    bool complete = false;
    {
        IpsecHelper ipsec;
        const auto [hostA, hostB] = BuildNetwork(design, ipsec);
        Receiver receiver(hostB);
        PacedSender sender(hostA, kHostB, packets);
        sender.Start(ns3::Seconds(1));
        ns3::Simulator::Stop(ns3::Seconds(1) + ns3::NanoSeconds(kSendIntervalNs * packets)
                             + ns3::NanoSeconds(kDrainNs));
        ns3::Simulator::Run();
        received = receiver.packets;
        complete = receiver.packets == packets
                   && receiver.bytes == static_cast<uint64_t>(packets) * kPayloadSize;
        ns3::Simulator::Destroy();
        ns3::Names::Clear();
    }
    return complete;
}

void
BM_Tunnel(benchmark::State& state, Design design)
{
    const uint32_t packets = PacketCount();
    for (auto _ : state)
    {
        const auto wallStart = std::chrono::steady_clock::now();
        const double cpuStart = ProcessCpuNs();
        uint64_t received = 0;
        const bool complete = SimulateOnce(design, packets, received);
        const double cpuNs = ProcessCpuNs() - cpuStart;
        const double wallNs
            = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - wallStart)
                  .count();
        if (!complete)
        {
            state.SkipWithError(
                fmt::format(
                    "{}: hostB received {} of {} packets, so the design drops or misroutes packets",
                    DesignName(design), received, packets)
                    .c_str());
            break;
        }
        Samples()[design].push_back(PerPacket{wallNs / packets, cpuNs / packets});
    }
    if (state.error_occurred())
    {
        return;
    }

    state.counters["packets"] = packets;
    // Per-packet time of this run: the mean over its iterations.
    const std::vector<PerPacket>& samples = Samples()[design];
    double wallSum = 0;
    double cpuSum = 0;
    const size_t iterations = static_cast<size_t>(state.iterations());
    for (size_t i = samples.size() - iterations; i < samples.size(); ++i)
    {
        wallSum += samples[i].wallNs;
        cpuSum += samples[i].cpuNs;
    }
    const double wallNs = wallSum / static_cast<double>(iterations);
    const double cpuNs = cpuSum / static_cast<double>(iterations);
    state.counters["wall_ns_per_packet"] = wallNs;
    state.counters["cpu_ns_per_packet"] = cpuNs;
    const double plainWallNs = MedianOf(Design::Plain, &PerPacket::wallNs);
    const double plainCpuNs = MedianOf(Design::Plain, &PerPacket::cpuNs);
    if (plainWallNs > 0 && plainCpuNs > 0)
    {
        state.counters["ratio_to_plain"] = wallNs / plainWallNs;
        state.counters["cpu_ratio_to_plain"] = cpuNs / plainCpuNs;
    }
}

BENCHMARK_CAPTURE(BM_Tunnel, Plain, Design::Plain)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Tunnel, Gre, Design::Gre)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Tunnel, Esp, Design::Esp)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Tunnel, GreEsp, Design::GreEsp)->Unit(benchmark::kMillisecond)->UseRealTime();

/// Print the medians of all iterations per design and their ratios to Plain.
void
PrintSummary()
{
    const double plainWall = MedianOf(Design::Plain, &PerPacket::wallNs);
    const double plainCpu = MedianOf(Design::Plain, &PerPacket::cpuNs);
    fmt::print("\nMedians over all iterations, {} packets of {} bytes per simulation:\n",
               PacketCount(), kPayloadSize);
    fmt::print("{:<8} {:>10} {:>18} {:>17} {:>16} {:>15}\n", "design", "iterations",
               "wall ns/packet", "wall / plain", "cpu ns/packet", "cpu / plain");
    for (Design design : {Design::Plain, Design::Gre, Design::Esp, Design::GreEsp})
    {
        const size_t n = Samples()[design].size();
        if (n == 0)
        {
            continue;
        }
        const double wall = MedianOf(design, &PerPacket::wallNs);
        const double cpu = MedianOf(design, &PerPacket::cpuNs);
        const std::string wallRatio = plainWall > 0 ? fmt::format("{:.2f}", wall / plainWall) : "-";
        const std::string cpuRatio = plainCpu > 0 ? fmt::format("{:.2f}", cpu / plainCpu) : "-";
        fmt::print("{:<8} {:>10} {:>18.0f} {:>17} {:>16.0f} {:>15}\n", DesignName(design), n, wall,
                   wallRatio, cpu, cpuRatio);
    }
}

} // namespace
} // namespace tunnelsim

int
main(int argc, char** argv)
{
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
    {
        return 1;
    }
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    tunnelsim::PrintSummary();
    return 0;
}
