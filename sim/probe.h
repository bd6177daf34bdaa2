/*
 * All-pairs reachability probes: one ProbeApplication per host that sends or receives
 * probes, and one ProbeRecorder per run that keeps, for every probe flow (a subnet pair in
 * one direction), when each probe was sent and when it arrived.
 *
 * A probe is a UDP datagram to kProbeUdpPort whose payload starts with a 12-byte probe
 * header (magic, flow, sequence, all big-endian) followed by zeros up to the configured
 * size:
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                     Magic ("TSPB")                            |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                     Flow index                                |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                     Sequence number (0, 1, 2, ...)            |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Limitations:
 * - Probes are one-way: a flow's delivery is recorded at the receiver, no reply is sent.
 * - A probe whose header was damaged is ignored, not counted as a separate error.
 */
#ifndef TUNNELSIM_SIM_PROBE_H
#define TUNNELSIM_SIM_PROBE_H

#include "ns3/application.h"
#include "ns3/event-id.h"
#include "ns3/packet.h"
#include "ns3/socket.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace tunnelsim
{

/// UDP port of the probes: the Discard service (RFC 863), which consumes what it receives.
constexpr uint16_t kProbeUdpPort = 9;
/// Bytes of the probe header at the start of every probe payload.
constexpr uint32_t kProbeHeaderBytes = 12;
/// First word of every probe header: "TSPB" in ASCII.
constexpr uint32_t kProbeMagic = 0x54535042;

/** One direction of one subnet pair: probes from @c source to @c destination. */
struct ProbeFlow
{
    size_t pair = 0;          ///< index of the subnet pair
    bool reverse = false;     ///< false: from the pair's first site to its second
    uint32_t source = 0;      ///< sending host address
    uint32_t destination = 0; ///< receiving host address
    double startS = 0;        ///< first probe
    /// No probe is sent from this time on (the subnet was removed); unset: until the end.
    std::optional<double> stopS;
    /// False for the flows of subnets that an event adds.
    bool presentAtStart = true;
    /// Send time of probe n, seconds.
    std::vector<double> sentS;
    /// Arrival time of probe n, seconds; unset while it has not arrived.
    std::vector<std::optional<double>> deliveredS;
};

/** Keeps every probe flow and what happened to each of its probes. */
class ProbeRecorder
{
  public:
    /// Add @p flow and return its index.
    size_t AddFlow(const ProbeFlow& flow);

    const std::vector<ProbeFlow>& Flows() const { return m_flows; }

    ProbeFlow& Flow(size_t index) { return m_flows.at(index); }

    /// Record that probe @p sequence of @p flow left now; returns its sequence number.
    uint32_t RecordSent(size_t flow, double nowS);
    /// Record the arrival of probe @p sequence of @p flow; a duplicate keeps the first time.
    void RecordDelivered(size_t flow, uint32_t sequence, double nowS);

    /// Called with each probe packet just before it is sent, e.g. to tag one for a walk.
    using SendHook = std::function<void(size_t flow, uint32_t sequence, ns3::Ptr<ns3::Packet>)>;
    void SetSendHook(SendHook hook) { m_sendHook = std::move(hook); }

    const SendHook& GetSendHook() const { return m_sendHook; }

  private:
    std::vector<ProbeFlow> m_flows;
    SendHook m_sendHook;
};

/**
 * Sends the probes of the flows whose source is this host, every interval, and records
 * the probes that arrive for it. Start and stop times come from each flow.
 */
class ProbeApplication : public ns3::Application
{
  public:
    static ns3::TypeId GetTypeId();

    ProbeApplication();
    ~ProbeApplication() override;

    /// @p recorder must outlive the simulation run.
    void Setup(ProbeRecorder* recorder, double intervalS, uint32_t sizeBytes);
    /// Send the probes of flow @p flow (its source must be this host).
    void AddFlow(size_t flow);

  protected:
    void DoDispose() override;

  private:
    void StartApplication() override;
    void StopApplication() override;
    void SendProbe(size_t flow);
    void HandleRead(ns3::Ptr<ns3::Socket> socket);

    ProbeRecorder* m_recorder = nullptr;
    double m_intervalS = 1;
    uint32_t m_sizeBytes = kProbeHeaderBytes;
    std::vector<size_t> m_flows;
    std::vector<ns3::EventId> m_events;
    ns3::Ptr<ns3::Socket> m_socket;
};

} // namespace tunnelsim

#endif
