/*
 * One design of a scenario on one fresh simulation: build the topology and the design,
 * install probes and flows, schedule the events, run, and turn the counters into
 * DesignResults. Internal to the runner (runner.cc drives it); split over
 * runner-design.cc (build, run, collect), runner-traffic.cc and runner-events.cc.
 */
#ifndef TUNNELSIM_SIM_RUNNER_DESIGN_H
#define TUNNELSIM_SIM_RUNNER_DESIGN_H

#include "metrics.h"
#include "ns3/application.h"
#include "ns3/ptr.h"
#include "probe.h"
#include "results.h"
#include "runner-plan.h"
#include "runner.h"
#include "scenario.h"
#include "topology-design.h"
#include "topology.h"
#include "walk.h"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tunnelsim
{

/// UDP and TCP port of the first traffic flow; each further flow takes the next one
/// (5001 is iperf's default port).
constexpr uint16_t kFirstFlowPort = 5001;
/// TCP segment size of bulk flows, bytes: small enough for any tunnel MTU of the shipped
/// suites (GRE in ESP tunnel mode leaves about 1400 bytes of a 1500-byte link), so TCP
/// never depends on fragmentation.
constexpr uint32_t kTcpSegmentBytes = 1300;

/// Packets an ARP entry queues while it resolves: Linux's neighbour default unres_qlen
/// (101, Documentation/networking/ip-sysctl.rst). ns-3's default of 3 would drop part of
/// the first probe round, which reaches a host from every remote subnet at once.
constexpr uint32_t kArpPendingPackets = 101;

class DesignRun
{
  public:
    DesignRun(const Scenario& scenario, size_t designIndex, const RunOutputs& outputs);
    ~DesignRun();

    /// Build, run and measure the design. Throws RunError when a model rejects it.
    DesignResults Run();

  private:
    /// A UDP CBR or TCP bulk flow and its receiving sink.
    struct TrafficFlow
    {
        std::string name;
        ns3::Ptr<ns3::Application> sink;
        double startS = 0;
        double stopS = 0;
        /// Arrival times of the flow's first and latest packets, seconds; shared with the
        /// sink's trace. Unset until a packet arrives.
        std::shared_ptr<std::optional<double>> firstArrivalS
            = std::make_shared<std::optional<double>>();
        std::shared_ptr<double> lastArrivalS = std::make_shared<double>(0);
    };

    DesignSettings Settings() const;
    void Build();
    void InstallStaticRoutes();
    // runner-traffic.cc
    void InstallProbes();
    /// Record a flow whose payload @p sink receives, and trace its arrivals.
    void AddFlow(const std::string& name, ns3::Ptr<ns3::Application> sink, double startS,
                 double stopS);
    void InstallFlows();
    uint64_t DeliveredPayloadBytes() const;
    // runner-events.cc
    void ScheduleEvents();
    /// Run @p action, the change of scenario event @p index, reading the gateways' states
    /// before and after it.
    void ApplyEvent(size_t index, const std::function<void()>& action);
    /// Read the gateways' states as the end of the last applied event's window.
    void CloseEventWindow();
    std::vector<GatewayState> ReadGatewayStates() const;
    /// Change cost and effects of scenario event @p index; empty if it never applied.
    EventChanges MeasuredEventChanges(size_t index) const;
    void ApplySubnetAdd(size_t prefixIndex);
    void ApplySubnetRemove(size_t prefixIndex);
    void SchedulePcap();
    void ScheduleProgress();
    void ReportProgress();
    // runner-design.cc
    DesignResults Collect() const;
    Convergence CollectConvergence() const;
    Throughput CollectThroughput() const;
    /// Index of the prefix entry for @p prefix that exists at @p atS (or is added then).
    size_t PrefixIndex(const Ipv4Prefix& prefix, double atS) const;

    const Scenario& m_scenario;
    const Design& m_design;
    size_t m_designIndex;
    RunOutputs m_outputs;

    std::vector<PlannedPrefix> m_prefixes;
    std::vector<PlannedPair> m_pairs;
    std::vector<std::vector<std::vector<PlannedRoute>>> m_routes;
    std::unique_ptr<ns3::Ipv4RoutingHelper> m_gatewayRouting;
    std::unique_ptr<Topology> m_topology;
    std::unique_ptr<DesignNetwork> m_network;
    std::unique_ptr<WalkTracer> m_walk;
    ProbeRecorder m_probes;
    std::vector<TrafficFlow> m_flows;
    /// Gateway states around each scenario event, in scenario order (see MeasureEventChanges).
    struct EventStates
    {
        std::vector<GatewayState> before;
        std::vector<GatewayState> configured;
        std::vector<GatewayState> settled;
    };
    std::vector<EventStates> m_eventStates;
    /// Scenario index of the event applied last, whose window is still open.
    std::optional<size_t> m_openEvent;
    /// Characters of the progress line on screen; 0 when none is shown.
    size_t m_progressWidth = 0;
};

} // namespace tunnelsim

#endif
