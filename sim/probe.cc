#include "probe.h"

#include "bytes.h"
#include "ns3/inet-socket-address.h"
#include "ns3/simulator.h"
#include "ns3/udp-socket-factory.h"

#include <algorithm>

namespace tunnelsim
{

size_t
ProbeRecorder::AddFlow(const ProbeFlow& flow)
{
    m_flows.push_back(flow);
    return m_flows.size() - 1;
}

uint32_t
ProbeRecorder::RecordSent(size_t flow, double nowS)
{
    ProbeFlow& recorded = m_flows.at(flow);
    recorded.sentS.push_back(nowS);
    recorded.deliveredS.emplace_back();
    return static_cast<uint32_t>(recorded.sentS.size() - 1);
}

void
ProbeRecorder::RecordDelivered(size_t flow, uint32_t sequence, double nowS)
{
    if (flow >= m_flows.size() || sequence >= m_flows[flow].deliveredS.size())
    {
        return;
    }
    std::optional<double>& delivered = m_flows[flow].deliveredS[sequence];
    if (!delivered)
    {
        delivered = nowS;
    }
}

ns3::TypeId
ProbeApplication::GetTypeId()
{
    static ns3::TypeId tid = ns3::TypeId("tunnelsim::ProbeApplication")
                                 .SetParent<ns3::Application>()
                                 .SetGroupName("Tunnelsim")
                                 .AddConstructor<ProbeApplication>();
    return tid;
}

ProbeApplication::ProbeApplication() = default;

ProbeApplication::~ProbeApplication() = default;

void
ProbeApplication::Setup(ProbeRecorder* recorder, double intervalS, uint32_t sizeBytes)
{
    m_recorder = recorder;
    m_intervalS = intervalS;
    m_sizeBytes = std::max(sizeBytes, kProbeHeaderBytes);
}

void
ProbeApplication::AddFlow(size_t flow)
{
    m_flows.push_back(flow);
}

void
ProbeApplication::DoDispose()
{
    m_socket = nullptr;
    m_recorder = nullptr;
    ns3::Application::DoDispose();
}

void
ProbeApplication::StartApplication()
{
    m_socket = ns3::Socket::CreateSocket(GetNode(), ns3::UdpSocketFactory::GetTypeId());
    m_socket->Bind(ns3::InetSocketAddress(ns3::Ipv4Address::GetAny(), kProbeUdpPort));
    m_socket->SetRecvCallback(ns3::MakeCallback(&ProbeApplication::HandleRead, this));

    const double now = ns3::Simulator::Now().GetSeconds();
    for (size_t flow : m_flows)
    {
        const double start = std::max(m_recorder->Flows()[flow].startS, now);
        m_events.push_back(ns3::Simulator::Schedule(ns3::Seconds(start - now),
                                                    &ProbeApplication::SendProbe, this, flow));
    }
}

void
ProbeApplication::StopApplication()
{
    for (ns3::EventId& event : m_events)
    {
        event.Cancel();
    }
    m_events.clear();
    if (m_socket)
    {
        m_socket->SetRecvCallback(ns3::MakeNullCallback<void, ns3::Ptr<ns3::Socket>>());
        m_socket->Close();
    }
}

void
ProbeApplication::SendProbe(size_t flow)
{
    const double now = ns3::Simulator::Now().GetSeconds();
    const ProbeFlow& described = m_recorder->Flows()[flow];
    if (described.stopS && now >= *described.stopS)
    {
        return;
    }

    const uint32_t sequence = m_recorder->RecordSent(flow, now);
    Bytes payload(m_sizeBytes, 0);
    WriteU32(payload.data(), kProbeMagic);
    WriteU32(payload.data() + 4, static_cast<uint32_t>(flow));
    WriteU32(payload.data() + 8, sequence);
    auto packet = ns3::Create<ns3::Packet>(payload.data(), static_cast<uint32_t>(payload.size()));
    if (m_recorder->GetSendHook())
    {
        m_recorder->GetSendHook()(flow, sequence, packet);
    }
    m_socket->SendTo(
        packet, 0, ns3::InetSocketAddress(ns3::Ipv4Address(described.destination), kProbeUdpPort));

    // Later probes keep the flow's own grid: start + n x interval.
    const double next = described.startS + (sequence + 1) * m_intervalS;
    m_events.push_back(ns3::Simulator::Schedule(ns3::Seconds(next - now),
                                                &ProbeApplication::SendProbe, this, flow));
}

void
ProbeApplication::HandleRead(ns3::Ptr<ns3::Socket> socket)
{
    ns3::Address from;
    while (ns3::Ptr<ns3::Packet> packet = socket->RecvFrom(from))
    {
        if (packet->GetSize() < kProbeHeaderBytes)
        {
            continue;
        }
        uint8_t header[kProbeHeaderBytes];
        packet->CopyData(header, kProbeHeaderBytes);
        if (ReadU32(header) != kProbeMagic)
        {
            continue;
        }
        m_recorder->RecordDelivered(ReadU32(header + 4), ReadU32(header + 8),
                                    ns3::Simulator::Now().GetSeconds());
    }
}

} // namespace tunnelsim
