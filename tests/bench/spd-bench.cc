// SPD outbound lookup time against the number of entries (10 to 10,000 subnet pairs), with
// the linear scan as the baseline. After the run it prints the ratio of the 10,000-entry
// lookup CPU time to the 100-entry one, both measured in this same run. The target is a
// ratio of at most 2.
//
//   build/tests/bench/spd-bench [--benchmark_repetitions=N]
#include "ipsec/security-policy-database.h"
#include "ipv4-header.h"

#include <benchmark/benchmark.h>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace tunnelsim
{
namespace
{

/// Packets looked up in turn, so caches see a realistic spread of entries.
constexpr size_t kProbeCount = 4096;

/// Local and remote /24 counts whose product is the table size.
std::pair<uint32_t, uint32_t>
GridFor(int64_t entries)
{
    switch (entries)
    {
        case 10:
            return {2, 5};
        case 100:
            return {10, 10};
        case 1000:
            return {25, 40};
        default:
            return {100, 100};
    }
}

/**
 * A policy-based gateway's SPD: PROTECT for every pair of local /24 (10.1.x.0, 10.2.x.0, ...)
 * and remote /24 (172.16.y.0, ...), the usual N x M selector grid.
 */
struct SpdFixture
{
    explicit SpdFixture(int64_t entries)
    {
        const auto [locals, remotes] = GridFor(entries);
        spd = ns3::CreateObject<SecurityPolicyDatabase>();
        for (uint32_t l = 0; l < locals; ++l)
        {
            for (uint32_t r = 0; r < remotes; ++r)
            {
                SecurityPolicy policy;
                policy.action = PolicyAction::Protect;
                policy.selectors.local = TrafficSelector::FromPrefix(LocalSubnet(l), 24);
                policy.selectors.remote = TrafficSelector::FromPrefix(RemoteSubnet(r), 24);
                spd->Add(policy);
            }
        }

        // Nine probes in ten hit an entry; the rest go to a remote subnet with no entry.
        std::mt19937 random(12345);
        for (size_t i = 0; i < kProbeCount; ++i)
        {
            PacketSelectorFields packet;
            packet.source = LocalSubnet(random() % locals) | (1 + random() % 250);
            const uint32_t remote = random() % 10 == 0 ? remotes + 1 : random() % remotes;
            packet.destination = RemoteSubnet(remote) | (1 + random() % 250);
            packet.protocol = kIpProtocolUdp;
            packet.sourcePort = static_cast<uint16_t>(1024 + random() % 60000);
            packet.destinationPort = 443;
            packet.ports = PortAvailability::Known;
            probes.push_back(packet);
        }
        // Build the index outside the timed loop.
        spd->Lookup(TrafficDirection::Outbound, probes[0]);
    }

    static uint32_t LocalSubnet(uint32_t index)
    {
        return (10u << 24) | ((1 + index / 256) << 16) | ((index % 256) << 8);
    }

    static uint32_t RemoteSubnet(uint32_t index)
    {
        return (172u << 24) | ((16 + index / 256) << 16) | ((index % 256) << 8);
    }

    ns3::Ptr<SecurityPolicyDatabase> spd;
    std::vector<PacketSelectorFields> probes;
};

void
BM_SpdLookup(benchmark::State& state)
{
    SpdFixture fixture(state.range(0));
    size_t next = 0;
    for (auto _ : state)
    {
        const PacketSelectorFields& packet = fixture.probes[next++ % kProbeCount];
        benchmark::DoNotOptimize(fixture.spd->Lookup(TrafficDirection::Outbound, packet));
    }
    state.SetItemsProcessed(state.iterations());
}

void
BM_SpdLookupLinear(benchmark::State& state)
{
    SpdFixture fixture(state.range(0));
    size_t next = 0;
    for (auto _ : state)
    {
        const PacketSelectorFields& packet = fixture.probes[next++ % kProbeCount];
        benchmark::DoNotOptimize(fixture.spd->LookupLinear(TrafficDirection::Outbound, packet));
    }
    state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_SpdLookup)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000);
BENCHMARK(BM_SpdLookupLinear)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000);

/// Console output plus the mean CPU time of each benchmark, for the ratio printed at the end.
class RatioReporter : public benchmark::ConsoleReporter
{
  public:
    void ReportRuns(const std::vector<Run>& runs) override
    {
        for (const Run& run : runs)
        {
            if (run.run_type == Run::RT_Iteration || run.aggregate_name == "mean")
            {
                times[run.run_name.str()] = run.GetAdjustedCPUTime();
            }
        }
        ConsoleReporter::ReportRuns(runs);
    }

    std::map<std::string, double> times;
};

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
    tunnelsim::RatioReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();

    const auto ratio = [&reporter](const std::string& name)
    {
        const auto small = reporter.times.find(name + "/100");
        const auto large = reporter.times.find(name + "/10000");
        if (small == reporter.times.end() || large == reporter.times.end() || small->second <= 0)
        {
            return -1.0;
        }
        return large->second / small->second;
    };
    const double indexed = ratio("BM_SpdLookup");
    const double linear = ratio("BM_SpdLookupLinear");
    if (indexed >= 0)
    {
        std::printf("SPD lookup time, 10000 entries / 100 entries: %.2f (target <= 2.00)\n",
                    indexed);
    }
    if (linear >= 0)
    {
        std::printf("Linear scan time, 10000 entries / 100 entries: %.2f (baseline)\n", linear);
    }
    return 0;
}
