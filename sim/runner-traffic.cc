// Probes, UDP CBR and TCP bulk flows of a design run, and the throughput they measure.

#include "ns3/bulk-send-helper.h"
#include "ns3/inet-socket-address.h"
#include "ns3/on-off-helper.h"
#include "ns3/packet-sink-helper.h"
#include "ns3/packet-sink.h"
#include "ns3/simulator.h"
#include "ns3/uinteger.h"
#include "runner-design.h"

#include <algorithm>
#include <map>

namespace tunnelsim
{

void
DesignRun::InstallProbes()
{
    if (!m_scenario.traffic.probes)
    {
        return;
    }
    const ProbeTraffic& probes = *m_scenario.traffic.probes;

    // Flows in pair order, the forward direction of each pair first.
    for (size_t p = 0; p < m_pairs.size(); ++p)
    {
        const PlannedPair& pair = m_pairs[p];
        for (bool reverse : {false, true})
        {
            ProbeFlow flow;
            flow.pair = p;
            flow.reverse = reverse;
            flow.source = m_prefixes[reverse ? pair.second : pair.first].probeHost;
            flow.destination = m_prefixes[reverse ? pair.first : pair.second].probeHost;
            flow.startS = pair.startS;
            flow.stopS = pair.stopS;
            flow.presentAtStart = pair.presentAtStart;
            m_probes.AddFlow(flow);
        }
    }

    // One application per probe host, which also receives that host's probes.
    std::map<uint32_t, ns3::Ptr<ProbeApplication>> applications;
    auto applicationOf = [&](uint32_t host)
    {
        auto found = applications.find(host);
        if (found != applications.end())
        {
            return found->second;
        }
        auto application = ns3::CreateObject<ProbeApplication>();
        application->Setup(&m_probes, probes.intervalS, probes.sizeBytes);
        m_topology->FindHost(host)->AddApplication(application);
        application->SetStartTime(ns3::Seconds(0));
        application->SetStopTime(ns3::Seconds(m_scenario.durationS));
        applications[host] = application;
        return application;
    };
    for (size_t f = 0; f < m_probes.Flows().size(); ++f)
    {
        const ProbeFlow& flow = m_probes.Flows()[f];
        applicationOf(flow.source)->AddFlow(f);
        applicationOf(flow.destination);
    }

    if (m_walk && !m_probes.Flows().empty())
    {
        m_walk->Follow(m_probes, 0);
    }
}

void
DesignRun::AddFlow(const std::string& name, ns3::Ptr<ns3::Application> sink, double startS,
                   double stopS)
{
    TrafficFlow flow{name, sink, startS, stopS};
    std::shared_ptr<std::optional<double>> firstArrivalS = flow.firstArrivalS;
    std::shared_ptr<double> lastArrivalS = flow.lastArrivalS;
    sink->TraceConnectWithoutContext(
        "Rx", ns3::Callback<void, ns3::Ptr<const ns3::Packet>, const ns3::Address&>(
                  [firstArrivalS, lastArrivalS](ns3::Ptr<const ns3::Packet>, const ns3::Address&)
                  {
                      const double now = ns3::Simulator::Now().GetSeconds();
                      if (!*firstArrivalS)
                      {
                          *firstArrivalS = now;
                      }
                      *lastArrivalS = now;
                  }));
    m_flows.push_back(flow);
}

void
DesignRun::InstallFlows()
{
    uint16_t port = kFirstFlowPort;
    for (const UdpCbrFlow& described : m_scenario.traffic.udpCbr)
    {
        const ns3::InetSocketAddress destination(ns3::Ipv4Address(described.to), port);
        ns3::PacketSinkHelper sink("ns3::UdpSocketFactory",
                                   ns3::InetSocketAddress(ns3::Ipv4Address::GetAny(), port));
        ns3::ApplicationContainer sinks = sink.Install(m_topology->FindHost(described.to));
        sinks.Start(ns3::Seconds(0));

        ns3::OnOffHelper source("ns3::UdpSocketFactory", destination);
        source.SetConstantRate(ns3::DataRate(described.rateBps), described.packetSizeBytes);
        ns3::ApplicationContainer sources = source.Install(m_topology->FindHost(described.from));
        sources.Start(ns3::Seconds(described.startS));
        sources.Stop(ns3::Seconds(described.stopS));

        AddFlow(described.name, sinks.Get(0), described.startS, described.stopS);
        ++port;
    }
    for (const TcpBulkFlow& described : m_scenario.traffic.tcpBulk)
    {
        const ns3::InetSocketAddress destination(ns3::Ipv4Address(described.to), port);
        ns3::PacketSinkHelper sink("ns3::TcpSocketFactory",
                                   ns3::InetSocketAddress(ns3::Ipv4Address::GetAny(), port));
        ns3::ApplicationContainer sinks = sink.Install(m_topology->FindHost(described.to));
        sinks.Start(ns3::Seconds(0));

        ns3::BulkSendHelper source("ns3::TcpSocketFactory", destination);
        source.SetAttribute("MaxBytes", ns3::UintegerValue(described.maxBytes));
        ns3::ApplicationContainer sources = source.Install(m_topology->FindHost(described.from));
        sources.Start(ns3::Seconds(described.startS));
        sources.Stop(ns3::Seconds(described.stopS));

        AddFlow(described.name, sinks.Get(0), described.startS, described.stopS);
        ++port;
    }
}

uint64_t
DesignRun::DeliveredPayloadBytes() const
{
    uint64_t bytes = 0;
    for (const TrafficFlow& flow : m_flows)
    {
        bytes += ns3::DynamicCast<ns3::PacketSink>(flow.sink)->GetTotalRx();
    }
    if (m_scenario.traffic.probes)
    {
        for (const ProbeFlow& flow : m_probes.Flows())
        {
            for (const auto& delivered : flow.deliveredS)
            {
                bytes += delivered ? m_scenario.traffic.probes->sizeBytes : 0;
            }
        }
    }
    return bytes;
}

Throughput
DesignRun::CollectThroughput() const
{
    Throughput throughput;
    // The total is all flows' bits over the time at least one flow's window was open: a
    // sum of per-flow rates would count a link twice where flows of different lengths
    // shared it.
    uint64_t totalReceived = 0;
    std::vector<std::pair<double, double>> windows;
    for (const TrafficFlow& flow : m_flows)
    {
        FlowThroughput measured;
        measured.name = flow.name;
        const uint64_t received = ns3::DynamicCast<ns3::PacketSink>(flow.sink)->GetTotalRx();
        // Over the flow's configured time, seen at the receiver: from the first arrival to
        // the last, when that is longer, so what queues held at stop_s and delivered later
        // does not count as if it had arrived before the stop. The path delay cancels out.
        const double arrivalSpanS
            = *flow.firstArrivalS ? *flow.lastArrivalS - **flow.firstArrivalS : 0;
        const double windowS = std::max(flow.stopS - flow.startS, arrivalSpanS);
        measured.goodputBps = received * 8.0 / windowS;
        throughput.flows.push_back(measured);
        totalReceived += received;
        windows.emplace_back(flow.startS, flow.startS + windowS);
    }
    std::sort(windows.begin(), windows.end());
    double activeS = 0;
    double coveredUntilS = 0;
    for (const auto& [startS, endS] : windows)
    {
        const double fromS = std::max(startS, coveredUntilS);
        activeS += std::max(0.0, endS - fromS);
        coveredUntilS = std::max(coveredUntilS, endS);
    }
    if (activeS > 0)
    {
        throughput.goodputBps = totalReceived * 8.0 / activeS;
    }
    const uint64_t payload = DeliveredPayloadBytes();
    if (payload > 0)
    {
        throughput.wireBytesPerPayloadByte
            = static_cast<double>(m_topology->GetWanBytesSent()) / static_cast<double>(payload);
    }
    return throughput;
}

} // namespace tunnelsim
