#include "runner-design.h"

#include "metrics.h"
#include "ns3/config.h"
#include "ns3/mac48-address.h"
#include "ns3/names.h"
#include "ns3/rng-seed-manager.h"
#include "ns3/simulator.h"
#include "ns3/uinteger.h"
#include "sa-keys.h"

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <numeric>
#include <stdexcept>

namespace tunnelsim
{

namespace
{

/// ns-3 run number of every design: the scenario seed alone varies the streams.
constexpr uint64_t kRunNumber = 1;

/// Event times in the order the events apply, followed by the end of the run.
std::vector<double>
SortedEventTimes(const Scenario& scenario)
{
    std::vector<double> times;
    for (const ScenarioEvent& event : scenario.events)
    {
        times.push_back(event.atS);
    }
    std::sort(times.begin(), times.end());
    return times;
}

} // namespace

DesignRun::DesignRun(const Scenario& scenario, size_t designIndex, const RunOutputs& outputs)
  : m_scenario(scenario)
  , m_design(scenario.designs.at(designIndex))
  , m_designIndex(designIndex)
  , m_outputs(outputs)
{
}

DesignRun::~DesignRun()
{
    // Ends the simulation even when the run threw, so the next design starts clean.
    ns3::Simulator::Destroy();
    ns3::Names::Clear();
}

DesignSettings
DesignRun::Settings() const
{
    DesignSettings settings;
    switch (m_design.type)
    {
        case DesignType::PolicyBased:
            settings.family = DesignFamily::PolicyBased;
            break;
        case DesignType::GreOverIpsec:
            settings.family = DesignFamily::GreOverIpsec;
            break;
        case DesignType::Vti:
            settings.family = DesignFamily::Vti;
            break;
    }
    settings.transportMode = m_design.ipsecMode == IpsecMode::Transport;
    settings.suite = m_design.cryptoSuite;
    if (m_design.cryptoEngine)
    {
        const CryptoEngineConfig& engine = *m_design.cryptoEngine;
        CryptoEngineSettings crypto;
        crypto.units = engine.units;
        crypto.queuePackets = engine.queuePackets;
        crypto.scale = engine.scale;
        crypto.tableName = engine.tableName.empty() ? engine.tablePath : engine.tableName;
        settings.cryptoTable = engine.table;
        settings.cryptoEngine = crypto;
    }
    settings.ikeVersion = m_design.ike.version;
    // IKEv1 has no narrowing (RFC 7296 s2.9 is IKEv2), so it always matches strictly.
    settings.strictMatching
        = m_design.ike.version == 1 || m_design.matching == SelectorMatching::Ikev1Strict;
    settings.childSaLifetimeS = m_design.ike.childSaLifetimeS;
    if (m_design.ike.dpd)
    {
        settings.dpd
            = std::array<double, 2>{m_design.ike.dpd->intervalS, m_design.ike.dpd->timeoutS};
    }
    if (m_design.tunnelMtuBytes)
    {
        settings.tunnelMtu = static_cast<uint16_t>(*m_design.tunnelMtuBytes);
    }
    if (m_design.routing)
    {
        const Routing& routing = *m_design.routing;
        settings.ospf = routing.protocol == RoutingProtocol::Ospf;
        settings.helloIntervalS = routing.ospf.helloIntervalS;
        settings.routerDeadIntervalS = routing.ospf.routerDeadIntervalS;
        settings.spfDelayMs = routing.ospf.spfDelayMs;
        settings.spfHoldMs = routing.ospf.spfHoldMs;
        settings.spfMaxHoldMs = routing.ospf.spfMaxHoldMs;
        if (routing.protocol == RoutingProtocol::Static && routing.staticRouting.keepalive)
        {
            settings.keepalive = std::array<uint32_t, 2>{routing.staticRouting.keepalive->periodS,
                                                         routing.staticRouting.keepalive->retries};
        }
    }
    // SA keys and the IKE model's secrets differ per design and sweep point, so one design's
    // esp_sa file cannot decrypt another design's capture of the same run.
    std::string keyLabel = "design " + m_design.name;
    if (m_scenario.subnetsPerSite)
    {
        keyLabel += " subnets " + std::to_string(*m_scenario.subnetsPerSite);
    }
    settings.seed = DeriveLabelSeed(m_scenario.seed, keyLabel);
    return settings;
}

void
DesignRun::Build()
{
    ns3::RngSeedManager::SetSeed(m_scenario.seed);
    ns3::RngSeedManager::SetRun(kRunNumber);
    ns3::Mac48Address::ResetAllocationIndex();
    ns3::Config::SetDefault("ns3::TcpSocket::SegmentSize", ns3::UintegerValue(kTcpSegmentBytes));
    ns3::Config::SetDefault("ns3::ArpCache::PendingQueueSize",
                            ns3::UintegerValue(kArpPendingPackets));

    m_prefixes = PlanPrefixes(m_scenario);
    m_pairs = PlanPairs(m_scenario, m_prefixes);
    m_routes = PlanStaticRoutes(m_scenario, m_design);

    DesignSettings settings = Settings();
    m_gatewayRouting = MakeGatewayRouting(settings);
    m_topology
        = std::make_unique<Topology>(m_scenario, m_gatewayRouting.get(), GatewayOspfPriority(), 0);
    settings.firstStream = m_topology->GetNextStream();

    std::vector<DesignGateway> gateways;
    for (const TopologyGateway& gateway : m_topology->Gateways())
    {
        DesignGateway described{gateway.name, gateway.node, {}, {}, {}};
        for (const auto& [link, wan] : gateway.wan)
        {
            described.wanInterfaces.push_back(wan.interface);
        }
        for (const TopologyLan& lan : m_topology->Lans())
        {
            if (lan.site == gateway.site)
            {
                (lan.addedAtS ? described.laterLanInterfaces : described.lanInterfaces)
                    .push_back(lan.gateway.interface);
            }
        }
        gateways.push_back(described);
    }
    std::vector<DesignTunnel> tunnels;
    for (const Tunnel& tunnel : m_design.tunnels)
    {
        DesignTunnel described;
        described.name = tunnel.name;
        described.ospfCost = static_cast<uint16_t>(tunnel.ospfCost);
        for (size_t end = 0; end < 2; ++end)
        {
            const size_t site = SiteOfGateway(m_scenario, tunnel.endpoints[end].gateway);
            described.gateways[end] = site;
            described.publicAddresses[end]
                = m_topology->GatewayOfSite(site).wan.at(tunnel.endpoints[end].link).address;
        }
        // The path MTU is the smallest MTU of the hops (RFC 1191 s1), in either direction.
        described.pathMtu = std::min(
            m_topology->PathMtu(tunnel.endpoints[0].gateway, described.publicAddresses[1]),
            m_topology->PathMtu(tunnel.endpoints[1].gateway, described.publicAddresses[0]));
        tunnels.push_back(described);
    }
    m_network = std::make_unique<DesignNetwork>(settings, gateways, tunnels);

    auto toPolicy = [this](const std::vector<PlannedSelector>& planned)
    {
        std::vector<PolicySelector> selectors;
        for (const PlannedSelector& selector : planned)
        {
            selectors.push_back(PolicySelector{selector.tunnel, m_prefixes[selector.local].prefix,
                                               m_prefixes[selector.remote].prefix});
        }
        return selectors;
    };
    if (m_design.type == DesignType::PolicyBased)
    {
        m_network->Install(toPolicy(PlanSelectors(m_scenario, m_design, m_prefixes, true)));
    }
    else
    {
        m_network->Install({});
        InstallStaticRoutes();
    }

    if (m_outputs.walk)
    {
        std::vector<WalkNode> nodes;
        for (const auto& node : m_topology->AllNodes())
        {
            nodes.push_back(WalkNode{node, m_topology->NodeName(node)});
        }
        m_walk = std::make_unique<WalkTracer>(nodes);
    }
    InstallProbes();
    InstallFlows();
    ScheduleEvents();
    SchedulePcap();
    ScheduleProgress();
}

void
DesignRun::InstallStaticRoutes()
{
    if (!m_design.routing || m_design.routing->protocol != RoutingProtocol::Static)
    {
        return;
    }
    for (size_t gateway = 0; gateway < m_routes.size(); ++gateway)
    {
        for (size_t site = 0; site < m_routes[gateway].size(); ++site)
        {
            for (const PlannedRoute& route : m_routes[gateway][site])
            {
                for (const Ipv4Prefix& prefix : RoutedPrefixes(m_scenario, site, 0))
                {
                    m_network->AddStaticRoute(gateway, prefix, route.tunnel, route.metric);
                }
            }
        }
    }
}

DesignResults
DesignRun::Run()
{
    try
    {
        Build();
        ns3::Simulator::Stop(ns3::Seconds(m_scenario.durationS));
        ns3::Simulator::Run();
    }
    catch (const std::exception& e)
    {
        throw RunError("design \"" + m_design.name + "\": " + e.what());
    }
    if (m_progressWidth > 0)
    {
        *m_outputs.progress << '\r' << std::string(m_progressWidth, ' ') << '\r' << std::flush;
    }

    m_topology->CloseWanPcap();
    DesignResults results = Collect();
    const std::vector<EspSaFileEntry> sas = m_network->WiresharkSaEntries();
    if (!m_outputs.pcapDirectory.empty())
    {
        const std::filesystem::path path = std::filesystem::path(m_outputs.pcapDirectory)
                                           / (m_outputs.pcapFilePrefix + m_design.name + ".esp_sa");
        const ResultsIoStatus written = WriteFileAtomically(path.string(), FormatEspSaFile(sas));
        if (!written.Ok())
        {
            throw RunError("design \"" + m_design.name + "\": cannot write " + path.string() + ": "
                           + written.error);
        }
    }
    if (m_walk)
    {
        *m_outputs.walk << m_walk->Render(m_design.name, sas, m_probes);
    }
    return results;
}

size_t
DesignRun::PrefixIndex(const Ipv4Prefix& prefix, double atS) const
{
    for (size_t i = 0; i < m_prefixes.size(); ++i)
    {
        const PlannedPrefix& planned = m_prefixes[i];
        if (planned.prefix == prefix && planned.addedS <= atS
            && (!planned.removedS || *planned.removedS >= atS))
        {
            return i;
        }
    }
    throw RunError("no LAN " + prefix.ToString() + " at " + std::to_string(atS) + " s");
}

DesignResults
DesignRun::Collect() const
{
    DesignResults results;
    results.name = m_design.name;
    results.type = std::string(ToString(m_design.type));

    results.selectors.perGateway = m_network->SelectorsPerGateway();
    for (const auto& [gateway, count] : results.selectors.perGateway)
    {
        results.selectors.total += count;
    }
    results.sas.childSaPairs = m_network->ChildSaPairs();
    for (const auto& [gateway, count] : m_network->SasPerGateway())
    {
        results.sas.installed += count;
    }

    std::vector<std::vector<Ipv4Prefix>> remote(m_scenario.sites.size());
    for (size_t gateway = 0; gateway < remote.size(); ++gateway)
    {
        for (size_t site = 0; site < m_scenario.sites.size(); ++site)
        {
            if (site != gateway)
            {
                for (const Ipv4Prefix& prefix :
                     RoutedPrefixes(m_scenario, site, m_scenario.durationS))
                {
                    remote[gateway].push_back(prefix);
                }
            }
        }
    }
    results.routes.perGateway = m_network->RoutesPerGateway(remote);
    for (const auto& [gateway, count] : results.routes.perGateway)
    {
        results.routes.total += count;
    }

    const std::vector<double> events = SortedEventTimes(m_scenario);
    const double lastEvent = events.empty() ? 0 : events.back();
    results.reachability = PairReachability(m_probes.Flows(), lastEvent, m_scenario.durationS);
    results.convergence = CollectConvergence();
    results.throughput = CollectThroughput();

    results.drops = m_topology->GetDropCounts();
    for (const auto& [reason, count] : m_network->DropCounts())
    {
        results.drops[reason] += count;
    }
    results.cryptoCost.model = "none";
    results.cryptoCost.suite = m_design.cryptoSuiteName;
    if (m_design.cryptoEngine && m_design.cryptoEngine->table)
    {
        // docs/crypto-cost-model.md: service time = (fixed + per byte x bytes) x scale.
        const CryptoEngineConfig& config = *m_design.cryptoEngine;
        const SuiteCryptoCost& cost = config.table->Get(m_design.cryptoSuite);
        CryptoEngineResult engine;
        engine.table = config.tableName.empty() ? config.tablePath : config.tableName;
        engine.scale = config.scale;
        engine.units = config.units;
        engine.queuePackets = config.queuePackets;
        engine.seal = {cost.seal.fixedNs * config.scale, cost.seal.perByteNs * config.scale};
        engine.open = {cost.open.fixedNs * config.scale, cost.open.perByteNs * config.scale};
        for (const auto& [gateway, status] : m_network->CryptoEngineStatuses())
        {
            engine.gateways.push_back(
                GatewayCryptoLoad{gateway, status.utilisation, status.queueDrops});
        }
        // The flat fields carry the seal direction, the one a sending gateway pays.
        results.cryptoCost.perPacketNs = engine.seal.fixedNs;
        results.cryptoCost.perByteNs = engine.seal.perByteNs;
        results.cryptoCost.model = "linear";
        results.cryptoCost.engine = std::move(engine);
    }
    return results;
}

Convergence
DesignRun::CollectConvergence() const
{
    const std::vector<double> events = SortedEventTimes(m_scenario);
    const double coldEnd = events.empty() ? m_scenario.durationS : events.front();

    Convergence convergence;
    convergence.allPairsReachableS = ColdStartConvergence(m_probes.Flows(), coldEnd);
    const DesignPhaseTimes& phases = m_network->PhaseTimes();
    convergence.phases.ikeEstablishedS = LastTimeUntil(phases.childSaInstalled, coldEnd);
    convergence.phases.ospfFullS = LastTimeUntil(phases.ospfFull, coldEnd);
    convergence.phases.spfDoneS = LastTimeUntil(phases.ospfRouteChanged, coldEnd);

    for (size_t i = 0; i < m_scenario.events.size(); ++i)
    {
        const ScenarioEvent& event = m_scenario.events[i];
        double windowEnd = m_scenario.durationS;
        for (double time : events)
        {
            if (time > event.atS)
            {
                windowEnd = time;
                break;
            }
        }
        EventConvergence measured;
        measured.index = static_cast<uint32_t>(i);
        measured.type = std::string(EventTypeName(event.action));
        measured.atS = event.atS;
        measured.allPairsReachableS = EventRecoveryTime(m_probes.Flows(), event.atS, windowEnd);
        EventChanges changes = MeasuredEventChanges(i);
        measured.changeCost = std::move(changes.changeCost);
        measured.effects = std::move(changes.effects);
        convergence.events.push_back(measured);
    }
    return convergence;
}

} // namespace tunnelsim
