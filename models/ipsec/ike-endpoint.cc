#include "ike-endpoint.h"

#include "ike-v1-sa.h"
#include "ike-v2-sa.h"
#include "ns3/double.h"
#include "ns3/inet-socket-address.h"
#include "ns3/log.h"
#include "ns3/nstime.h"
#include "ns3/simulator.h"
#include "ns3/trace-source-accessor.h"
#include "ns3/udp-socket-factory.h"
#include "ns3/uinteger.h"

#include <algorithm>
#include <stdexcept>

namespace tunnelsim
{

NS_LOG_COMPONENT_DEFINE("IkeEndpoint");
NS_OBJECT_ENSURE_REGISTERED(IkeEndpoint);

namespace
{

/// strongSwan 5.9 charon defaults: retransmit_timeout 4.0 s, retransmit_base 1.8,
/// retransmit_tries 5.
constexpr double kDefaultRetransmitTimeoutSeconds = 4.0;
constexpr double kDefaultRetransmitBase = 1.8;
constexpr uint32_t kDefaultRetransmitTries = 5;
/// Nonce size in bytes: RFC 7296 s2.10 requires at least 16 and half the PRF key size;
/// strongSwan sends 32.
constexpr uint32_t kDefaultNonceSize = 32;
constexpr uint32_t kMinNonceSize = 16;
constexpr uint32_t kMaxNonceSize = 256;

} // namespace

std::string_view
ToString(IkeDropReason reason)
{
    switch (reason)
    {
        case IkeDropReason::Malformed:
            return "malformed";
        case IkeDropReason::BadIcv:
            return "bad-icv";
        case IkeDropReason::NoConnection:
            return "no-connection";
        case IkeDropReason::UnknownSpi:
            return "unknown-spi";
        case IkeDropReason::UnexpectedMessage:
            return "unexpected-message";
        case IkeDropReason::AcquireQueueFull:
            return "acquire-queue-full";
        case IkeDropReason::AcquireFailed:
            return "acquire-failed";
        case IkeDropReason::AcquireRejected:
            return "acquire-rejected";
        case IkeDropReason::PowerLoss:
            return "power-loss";
        case IkeDropReason::PairRemoved:
            return "pair-removed";
    }
    return "unknown";
}

ns3::TypeId
IkeEndpoint::GetTypeId()
{
    static ns3::TypeId tid
        = ns3::TypeId("tunnelsim::IkeEndpoint")
              .SetParent<ns3::Application>()
              .SetGroupName("Tunnelsim")
              .AddConstructor<IkeEndpoint>()
              .AddAttribute("Seed",
                            "Scenario seed from which CHILD SA keys and the modeled DH secret "
                            "derive; both gateways of a scenario must use the same value.",
                            ns3::UintegerValue(1), ns3::MakeUintegerAccessor(&IkeEndpoint::m_seed),
                            ns3::MakeUintegerChecker<uint64_t>())
              .AddAttribute("RetransmitTimeout",
                            "Wait before the first retransmission of an unanswered request.",
                            ns3::TimeValue(ns3::Seconds(kDefaultRetransmitTimeoutSeconds)),
                            ns3::MakeTimeAccessor(&IkeEndpoint::m_retransmitTimeout),
                            ns3::MakeTimeChecker(ns3::Seconds(0)))
              .AddAttribute("RetransmitBase",
                            "Factor by which each further wait grows (wait n = timeout * base^n).",
                            ns3::DoubleValue(kDefaultRetransmitBase),
                            ns3::MakeDoubleAccessor(&IkeEndpoint::m_retransmitBase),
                            ns3::MakeDoubleChecker<double>(1.0))
              .AddAttribute("RetransmitTries",
                            "Retransmissions of a request before the peer is given up.",
                            ns3::UintegerValue(kDefaultRetransmitTries),
                            ns3::MakeUintegerAccessor(&IkeEndpoint::m_retransmitTries),
                            ns3::MakeUintegerChecker<uint32_t>())
              .AddAttribute("DhDelay",
                            "Time one peer needs to compute a Diffie-Hellman shared secret; no "
                            "real DH is computed. Charged once per peer per IKE SA, and per "
                            "CHILD SA with PFS.",
                            ns3::TimeValue(ns3::Seconds(0)),
                            ns3::MakeTimeAccessor(&IkeEndpoint::m_dhDelay),
                            ns3::MakeTimeChecker(ns3::Seconds(0)))
              .AddAttribute("AcquireQueueSize",
                            "Acquired packets queued per selector pair while its CHILD SA is "
                            "negotiated; 0 drops them, as Linux does by default "
                            "(net.core.xfrm_larval_drop = 1).",
                            ns3::UintegerValue(0),
                            ns3::MakeUintegerAccessor(&IkeEndpoint::m_acquireQueueSize),
                            ns3::MakeUintegerChecker<uint32_t>())
              .AddAttribute("NonceSize",
                            "Bytes of each Ni and Nr nonce (RFC 7296 s2.10: 16 to 256).",
                            ns3::UintegerValue(kDefaultNonceSize),
                            ns3::MakeUintegerAccessor(&IkeEndpoint::m_nonceSize),
                            ns3::MakeUintegerChecker<uint32_t>(kMinNonceSize, kMaxNonceSize))
              .AddTraceSource("MessageSent", "An IKE message was sent (retransmissions included).",
                              ns3::MakeTraceSourceAccessor(&IkeEndpoint::m_sentTrace),
                              "tunnelsim::IkeEndpoint::MessageTracedCallback")
              .AddTraceSource("MessageReceived", "An IKE message was received and decoded.",
                              ns3::MakeTraceSourceAccessor(&IkeEndpoint::m_receivedTrace),
                              "tunnelsim::IkeEndpoint::MessageTracedCallback")
              .AddTraceSource("NegotiationStarted", "This gateway started a negotiation.",
                              ns3::MakeTraceSourceAccessor(&IkeEndpoint::m_startedTrace),
                              "tunnelsim::IkeEndpoint::NegotiationTracedCallback")
              .AddTraceSource("NegotiationFinished", "A negotiation succeeded on this gateway.",
                              ns3::MakeTraceSourceAccessor(&IkeEndpoint::m_finishedTrace),
                              "tunnelsim::IkeEndpoint::NegotiationTracedCallback")
              .AddTraceSource("NegotiationFailed",
                              "A negotiation failed on this gateway, with its reason.",
                              ns3::MakeTraceSourceAccessor(&IkeEndpoint::m_failedTrace),
                              "tunnelsim::IkeEndpoint::FailureTracedCallback")
              .AddTraceSource("ChildSa", "A CHILD SA half was installed or removed.",
                              ns3::MakeTraceSourceAccessor(&IkeEndpoint::m_childSaTrace),
                              "tunnelsim::IkeEndpoint::ChildSaTracedCallback")
              .AddTraceSource("Drop", "An IKE datagram or an acquired packet was dropped.",
                              ns3::MakeTraceSourceAccessor(&IkeEndpoint::m_dropTrace),
                              "tunnelsim::IkeEndpoint::DropTracedCallback");
    return tid;
}

IkeEndpoint::IkeEndpoint()
  : m_random(ns3::CreateObject<ns3::UniformRandomVariable>())
{
    NS_LOG_FUNCTION(this);
}

IkeEndpoint::~IkeEndpoint()
{
    NS_LOG_FUNCTION(this);
}

size_t
IkeEndpoint::AddConnection(const IkeConnection& connection)
{
    const std::string problem = connection.Validate();
    if (!problem.empty())
    {
        throw std::invalid_argument(problem);
    }
    m_connections.push_back(connection);
    m_acceptsAcquire.push_back(connection.startAction != IkeStartAction::None);
    return m_connections.size() - 1;
}

int64_t
IkeEndpoint::AssignStreams(int64_t stream)
{
    m_random->SetStream(stream);
    return 1;
}

void
IkeEndpoint::DoDispose()
{
    NS_LOG_FUNCTION(this);

    m_sas.clear();
    for (auto& [address, socket] : m_sockets)
    {
        socket->Close();
    }
    for (auto& [address, socket] : m_natSockets)
    {
        socket->Close();
    }
    m_sockets.clear();
    m_natSockets.clear();
    m_acquireQueues.clear();
    m_childSaCallback = ChildSaCallback();
    m_releaseCallback = ReleaseCallback();
    m_random = nullptr;
    ns3::Application::DoDispose();
}

ns3::Ptr<ns3::Socket>
IkeEndpoint::OpenSocket(ns3::Ipv4Address local, uint16_t port)
{
    ns3::Ptr<ns3::Socket> socket
        = ns3::Socket::CreateSocket(GetNode(), ns3::UdpSocketFactory::GetTypeId());
    if (socket->Bind(ns3::InetSocketAddress(local, port)) != 0)
    {
        throw std::runtime_error("IKE endpoint cannot bind UDP port " + std::to_string(port));
    }
    socket->SetRecvCallback(ns3::MakeCallback(&IkeEndpoint::HandleRead, this));
    return socket;
}

void
IkeEndpoint::OpenSockets()
{
    for (const IkeConnection& connection : m_connections)
    {
        if (m_sockets.count(connection.localAddress) == 0)
        {
            m_sockets[connection.localAddress] = OpenSocket(connection.localAddress, kIkeUdpPort);
            m_natSockets[connection.localAddress]
                = OpenSocket(connection.localAddress, kIkeNatTraversalUdpPort);
        }
    }
}

void
IkeEndpoint::CloseSockets()
{
    for (auto* sockets : {&m_sockets, &m_natSockets})
    {
        for (auto& [address, socket] : *sockets)
        {
            socket->SetRecvCallback(ns3::MakeNullCallback<void, ns3::Ptr<ns3::Socket>>());
            socket->Close();
        }
        sockets->clear();
    }
}

void
IkeEndpoint::InitiateStartConnections()
{
    for (size_t index = 0; index < m_connections.size(); ++index)
    {
        if (m_connections[index].startAction == IkeStartAction::Start)
        {
            Initiate(index);
        }
    }
}

void
IkeEndpoint::StartApplication()
{
    NS_LOG_FUNCTION(this);

    m_running = true;
    OpenSockets();
    InitiateStartConnections();
}

void
IkeEndpoint::StopApplication()
{
    NS_LOG_FUNCTION(this);

    // A stopped daemon takes its SAs with it, as a gateway restart does; the peer finds
    // out through dead peer detection.
    for (auto& sa : m_sas)
    {
        sa->Close(false);
    }
    CloseSockets();
    m_running = false;
}

void
IkeEndpoint::PowerOff()
{
    NS_LOG_FUNCTION(this);

    // Queued acquired packets are lost with the memory that held them.
    for (auto& [key, queue] : m_acquireQueues)
    {
        for (size_t i = 0; i < queue.size(); ++i)
        {
            m_counters.acquireDrops++;
            RecordDrop(IkeDropReason::PowerLoss);
        }
    }
    m_acquireQueues.clear();
    // Discard sends nothing, as a gateway without power cannot. The peer learns of the loss
    // by dead peer detection or by INITIAL_CONTACT (RFC 7296 s2.4).
    for (auto& sa : m_sas)
    {
        if (sa->GetState() == IkeSaState::Connecting || sa->GetState() == IkeSaState::Established)
        {
            sa->Discard();
        }
        m_lastState[sa->ConnectionIndex()] = sa->GetState();
    }
    // PowerOff runs from a scheduler event and never from inside an SA method, so the SAs
    // can go at once. Their destructors cancel what Discard left.
    m_sas.clear();
    CloseSockets();
    m_running = false;
}

void
IkeEndpoint::PowerOn()
{
    NS_LOG_FUNCTION(this);

    if (m_running)
    {
        return;
    }
    // The configuration survives the restart, but what dead peer detection changed does not.
    for (size_t index = 0; index < m_connections.size(); ++index)
    {
        m_acceptsAcquire[index] = m_connections[index].startAction != IkeStartAction::None;
    }
    m_running = true;
    OpenSockets();
    InitiateStartConnections();
}

Bytes
IkeEndpoint::RandomBytes(size_t count)
{
    Bytes out(count);
    for (uint8_t& byte : out)
    {
        byte = static_cast<uint8_t>(m_random->GetInteger(0, 255));
    }
    return out;
}

uint32_t
IkeEndpoint::RandomUint32()
{
    const uint32_t high = m_random->GetInteger(0, 0xffff);
    const uint32_t low = m_random->GetInteger(0, 0xffff);
    return (high << 16) | low;
}

double
IkeEndpoint::RandomUniform(double min, double max)
{
    return max > min ? m_random->GetValue(min, max) : min;
}

uint64_t
IkeEndpoint::NewIkeSpi()
{
    uint64_t spi = 0;
    while (spi == 0)
    {
        spi = (uint64_t{RandomUint32()} << 32) | RandomUint32();
    }
    return spi;
}

void
IkeEndpoint::SendDatagram(size_t index, const Bytes& bytes, bool natPort)
{
    const IkeConnection& connection = m_connections.at(index);
    auto& sockets = natPort ? m_natSockets : m_sockets;
    auto it = sockets.find(connection.localAddress);
    if (!m_running || it == sockets.end())
    {
        return;
    }
    Bytes payload;
    if (natPort)
    {
        // RFC 3948 s2.2: four zero octets tell IKE apart from ESP on port 4500.
        payload.assign(kNonEspMarkerSize, 0);
    }
    payload.insert(payload.end(), bytes.begin(), bytes.end());
    ns3::Ptr<ns3::Packet> packet
        = ns3::Create<ns3::Packet>(payload.data(), static_cast<uint32_t>(payload.size()));
    it->second->SendTo(packet, 0,
                       ns3::InetSocketAddress(connection.remoteAddress,
                                              natPort ? kIkeNatTraversalUdpPort : kIkeUdpPort));
}

void
IkeEndpoint::HandleRead(ns3::Ptr<ns3::Socket> socket)
{
    ns3::Address from;
    while (ns3::Ptr<ns3::Packet> packet = socket->RecvFrom(from))
    {
        if (!ns3::InetSocketAddress::IsMatchingType(from))
        {
            continue;
        }
        const ns3::InetSocketAddress source = ns3::InetSocketAddress::ConvertFrom(from);
        Bytes bytes(packet->GetSize());
        packet->CopyData(bytes.data(), bytes.size());
        const bool natPort = std::any_of(m_natSockets.begin(), m_natSockets.end(),
                                         [&socket](const auto& entry)
                                         {
                                             return entry.second == socket;
                                         });
        HandleDatagram(bytes, source.GetIpv4(), source.GetPort(), natPort);
    }
}

void
IkeEndpoint::HandleDatagram(const Bytes& datagram, ns3::Ipv4Address from, uint16_t port,
                            bool natPort)
{
    NS_LOG_FUNCTION(this << from << port << datagram.size());

    Bytes bytes = datagram;
    if (natPort)
    {
        // RFC 3948 s2.2: without the zero marker this is UDP-encapsulated ESP, which this
        // model does not carry.
        if (bytes.size() < kNonEspMarkerSize
            || !std::all_of(bytes.begin(), bytes.begin() + kNonEspMarkerSize,
                            [](uint8_t b)
                            {
                                return b == 0;
                            }))
        {
            RecordDrop(IkeDropReason::Malformed);
            return;
        }
        bytes.erase(bytes.begin(), bytes.begin() + kNonEspMarkerSize);
    }
    auto header = DecodeIkeHeader(bytes);
    if (!header || !IsKnownExchange(header.Value().exchangeType))
    {
        NS_LOG_WARN("dropping datagram from " << from << ": not an IKE message");
        RecordDrop(IkeDropReason::Malformed);
        return;
    }
    const IkeHeader& h = header.Value();
    if (IkeSa* sa = FindSa(h, from))
    {
        sa->Receive(h, bytes);
        return;
    }

    const bool v2Init = h.Version() == IkeVersion::V2
                        && h.exchangeType == static_cast<uint8_t>(IkeExchange::IkeSaInit)
                        && !h.IsResponse() && h.responderSpi == 0 && h.messageId == 0;
    const bool v1MainMode = h.Version() == IkeVersion::V1
                            && h.exchangeType == static_cast<uint8_t>(IkeExchange::MainMode)
                            && h.responderSpi == 0;
    if (!v2Init && !v1MainMode)
    {
        RecordDrop(IkeDropReason::UnknownSpi);
        return;
    }
    auto index = FindConnectionByPeer(from);
    if (!index || m_connections[*index].version != h.Version())
    {
        NS_LOG_WARN("no " << ToString(h.Version()) << " connection for peer " << from);
        RecordDrop(IkeDropReason::NoConnection);
        return;
    }
    IkeSa* sa = CreateSa(*index, false, h.initiatorSpi);
    sa->Receive(h, bytes);
}

IkeSa*
IkeEndpoint::FindSa(const IkeHeader& header, ns3::Ipv4Address from)
{
    for (auto& sa : m_sas)
    {
        if (m_connections[sa->ConnectionIndex()].remoteAddress != from
            || sa->InitiatorSpi() != header.initiatorSpi)
        {
            continue;
        }
        if (header.Version() == IkeVersion::V2)
        {
            // RFC 7296 s3.1: the I flag is set in messages from the original initiator.
            const bool fromInitiator = (header.flags & kFlagInitiator) != 0;
            if (sa->IsInitiator() != fromInitiator)
            {
                return sa.get();
            }
            continue;
        }
        if (sa->ResponderSpi() == 0 || header.responderSpi == 0
            || sa->ResponderSpi() == header.responderSpi)
        {
            return sa.get();
        }
    }
    return nullptr;
}

std::optional<size_t>
IkeEndpoint::FindConnectionByPeer(ns3::Ipv4Address peer) const
{
    for (size_t index = 0; index < m_connections.size(); ++index)
    {
        if (m_connections[index].remoteAddress == peer)
        {
            return index;
        }
    }
    return std::nullopt;
}

IkeSa*
IkeEndpoint::CreateSa(size_t index, bool initiator, uint64_t peerInitiatorSpi)
{
    const uint64_t initiatorSpi = initiator ? NewIkeSpi() : peerInitiatorSpi;
    std::unique_ptr<IkeSa> sa;
    if (m_connections[index].version == IkeVersion::V2)
    {
        sa = std::make_unique<IkeV2Sa>(*this, index, initiator, initiatorSpi);
    }
    else
    {
        sa = std::make_unique<IkeV1Sa>(*this, index, initiator, initiatorSpi);
    }
    m_sas.push_back(std::move(sa));
    return m_sas.back().get();
}

IkeSa*
IkeEndpoint::ActiveSa(size_t index) const
{
    for (auto it = m_sas.rbegin(); it != m_sas.rend(); ++it)
    {
        const IkeSa& sa = **it;
        if (sa.ConnectionIndex() == index
            && (sa.GetState() == IkeSaState::Connecting
                || sa.GetState() == IkeSaState::Established))
        {
            return it->get();
        }
    }
    return nullptr;
}

void
IkeEndpoint::Initiate(size_t index)
{
    NS_LOG_FUNCTION(this << index);

    if (!m_running)
    {
        return;
    }
    IkeSa* sa = ActiveSa(index);
    const bool created = sa == nullptr;
    if (created)
    {
        sa = CreateSa(index, true);
    }
    for (const SelectorPair& pair : m_connections[index].selectors)
    {
        sa->RequestChild(pair, std::nullopt);
    }
    if (created)
    {
        sa->Start();
    }
}

void
IkeEndpoint::Terminate(size_t index)
{
    NS_LOG_FUNCTION(this << index);

    if (IkeSa* sa = ActiveSa(index))
    {
        sa->Close(true);
    }
}

void
IkeEndpoint::AddSelectorPair(size_t index, const SelectorPair& pair)
{
    NS_LOG_FUNCTION(this << index << pair.ToString());

    IkeConnection& connection = m_connections.at(index);
    if (std::find(connection.selectors.begin(), connection.selectors.end(), pair)
        != connection.selectors.end())
    {
        return;
    }
    IkeConnection changed = connection;
    changed.selectors.push_back(pair);
    const std::string problem = changed.Validate();
    if (!problem.empty())
    {
        throw std::invalid_argument(problem);
    }
    // Appended, so the acquire queues keep their pair positions.
    connection.selectors.push_back(pair);
    if (!m_running || connection.startAction != IkeStartAction::Start)
    {
        return;
    }
    if (IkeSa* sa = ActiveSa(index))
    {
        sa->RequestChild(pair, std::nullopt);
        return;
    }
    Initiate(index);
}

bool
IkeEndpoint::RemoveSelectorPair(size_t index, const SelectorPair& pair)
{
    NS_LOG_FUNCTION(this << index << pair.ToString());

    auto& selectors = m_connections.at(index).selectors;
    auto position = std::find(selectors.begin(), selectors.end(), pair);
    if (position == selectors.end())
    {
        return false;
    }
    const size_t removed = static_cast<size_t>(position - selectors.begin());
    selectors.erase(position);

    // Queues of later pairs move down one position with their pairs.
    std::map<std::pair<size_t, size_t>, std::deque<QueuedPacket>> queues;
    for (auto& [key, queue] : m_acquireQueues)
    {
        if (key.first != index || key.second < removed)
        {
            queues[key] = std::move(queue);
        }
        else if (key.second > removed)
        {
            queues[{index, key.second - 1}] = std::move(queue);
        }
        else
        {
            for (size_t i = 0; i < queue.size(); ++i)
            {
                m_counters.acquireDrops++;
                RecordDrop(IkeDropReason::PairRemoved);
            }
        }
    }
    m_acquireQueues = std::move(queues);

    for (auto& sa : m_sas)
    {
        if (sa->ConnectionIndex() == index)
        {
            sa->DeleteChildrenOf(pair);
        }
    }
    return true;
}

bool
IkeEndpoint::Acquire(ns3::Ptr<ns3::Packet> packet, const ns3::Ipv4Header& header)
{
    NS_LOG_FUNCTION(this << header.GetSource() << header.GetDestination());

    const uint32_t source = header.GetSource().Get();
    const uint32_t destination = header.GetDestination().Get();
    const uint8_t protocol = header.GetProtocol();
    for (size_t index = 0; index < m_connections.size(); ++index)
    {
        const auto& selectors = m_connections[index].selectors;
        for (size_t pairIndex = 0; pairIndex < selectors.size(); ++pairIndex)
        {
            const SelectorPair& pair = selectors[pairIndex];
            // Ports are not known here; selectors with ports match on addresses and
            // protocol only.
            if (!pair.local.Contains(source, protocol, pair.local.startPort)
                || !pair.remote.Contains(destination, protocol, pair.remote.startPort))
            {
                continue;
            }
            m_counters.acquires++;
            if (!m_acceptsAcquire[index] || !m_running)
            {
                m_counters.acquireDrops++;
                RecordDrop(IkeDropReason::AcquireRejected);
                return true;
            }
            auto& queue = m_acquireQueues[{index, pairIndex}];
            if (queue.size() < m_acquireQueueSize)
            {
                queue.push_back(QueuedPacket{packet, header});
            }
            else
            {
                m_counters.acquireDrops++;
                RecordDrop(IkeDropReason::AcquireQueueFull);
            }
            IkeSa* sa = ActiveSa(index);
            const bool created = sa == nullptr;
            if (created)
            {
                sa = CreateSa(index, true);
            }
            SelectorPair trigger{TrafficSelector::FromAddress(source, pair.local.ipProtocol),
                                 TrafficSelector::FromAddress(destination, pair.remote.ipProtocol)};
            sa->RequestChild(pair, trigger);
            if (created)
            {
                sa->Start();
            }
            return true;
        }
    }
    return false;
}

void
IkeEndpoint::ChildUp(size_t index, const SelectorPair& pair,
                     const std::vector<SelectorPair>& negotiated)
{
    const auto& selectors = m_connections[index].selectors;
    for (size_t pairIndex = 0; pairIndex < selectors.size(); ++pairIndex)
    {
        auto it = m_acquireQueues.find({index, pairIndex});
        if (it == m_acquireQueues.end())
        {
            continue;
        }
        std::deque<QueuedPacket> keep;
        for (QueuedPacket& queued : it->second)
        {
            const uint32_t source = queued.header.GetSource().Get();
            const uint32_t destination = queued.header.GetDestination().Get();
            const uint8_t protocol = queued.header.GetProtocol();
            const bool covered
                = selectors[pairIndex] == pair
                  || std::any_of(negotiated.begin(), negotiated.end(),
                                 [&](const SelectorPair& p)
                                 {
                                     return p.local.Contains(source, protocol, p.local.startPort)
                                            && p.remote.Contains(destination, protocol,
                                                                 p.remote.startPort);
                                 });
            if (!covered)
            {
                keep.push_back(queued);
                continue;
            }
            if (!m_releaseCallback.IsNull())
            {
                m_releaseCallback(queued.packet, queued.header);
            }
        }
        it->second = keep;
    }
}

void
IkeEndpoint::ChildFailed(size_t index, const SelectorPair& pair)
{
    const auto& selectors = m_connections[index].selectors;
    for (size_t pairIndex = 0; pairIndex < selectors.size(); ++pairIndex)
    {
        if (!(selectors[pairIndex] == pair))
        {
            continue;
        }
        auto it = m_acquireQueues.find({index, pairIndex});
        if (it == m_acquireQueues.end())
        {
            continue;
        }
        for (size_t i = 0; i < it->second.size(); ++i)
        {
            m_counters.acquireDrops++;
            RecordDrop(IkeDropReason::AcquireFailed);
        }
        m_acquireQueues.erase(it);
    }
}

void
IkeEndpoint::PeerDead(size_t index)
{
    NS_LOG_FUNCTION(this << index);

    switch (m_connections[index].dpdAction)
    {
        case DpdAction::Clear:
            m_acceptsAcquire[index] = false;
            break;
        case DpdAction::Hold:
            m_acceptsAcquire[index] = true;
            break;
        case DpdAction::Restart:
            // After the dead SA is removed, so the new one does not find it active.
            ns3::Simulator::ScheduleNow(&IkeEndpoint::Initiate, this, index);
            break;
    }
}

void
IkeEndpoint::ScheduleRemoval(IkeSa* sa)
{
    ns3::Simulator::ScheduleNow(&IkeEndpoint::RemoveSa, this, sa);
}

bool
IkeEndpoint::HasOtherSaWithPeer(const IkeSa& sa) const
{
    const ns3::Ipv4Address peer = m_connections[sa.ConnectionIndex()].remoteAddress;
    return std::any_of(m_sas.begin(), m_sas.end(),
                       [&](const std::unique_ptr<IkeSa>& other)
                       {
                           return other.get() != &sa
                                  && m_connections[other->ConnectionIndex()].remoteAddress == peer
                                  && (other->GetState() == IkeSaState::Connecting
                                      || other->GetState() == IkeSaState::Established);
                       });
}

void
IkeEndpoint::DiscardOtherSasWithPeer(const IkeSa& sa)
{
    const ns3::Ipv4Address peer = m_connections[sa.ConnectionIndex()].remoteAddress;
    for (auto& other : m_sas)
    {
        if (other.get() == &sa || other->GetState() != IkeSaState::Established
            || m_connections[other->ConnectionIndex()].remoteAddress != peer)
        {
            continue;
        }
        NS_LOG_LOGIC(m_connections[other->ConnectionIndex()].name << ": discarding IKE SA "
                                                                  << other->InitiatorSpi()
                                                                  << " after INITIAL_CONTACT");
        other->Discard();
        ScheduleRemoval(other.get());
    }
}

void
IkeEndpoint::RemoveSa(IkeSa* sa)
{
    auto it = std::find_if(m_sas.begin(), m_sas.end(),
                           [sa](const std::unique_ptr<IkeSa>& entry)
                           {
                               return entry.get() == sa;
                           });
    if (it == m_sas.end())
    {
        return;
    }
    m_lastState[sa->ConnectionIndex()] = sa->GetState();
    m_sas.erase(it);
}

std::optional<IkeSaState>
IkeEndpoint::GetIkeSaState(size_t index) const
{
    if (IkeSa* sa = ActiveSa(index))
    {
        return sa->GetState();
    }
    for (auto it = m_sas.rbegin(); it != m_sas.rend(); ++it)
    {
        if ((*it)->ConnectionIndex() == index)
        {
            return (*it)->GetState();
        }
    }
    auto it = m_lastState.find(index);
    if (it == m_lastState.end())
    {
        return std::nullopt;
    }
    return it->second;
}

size_t
IkeEndpoint::GetActiveChildSaCount(size_t index) const
{
    size_t count = 0;
    for (const auto& sa : m_sas)
    {
        if (sa->ConnectionIndex() == index)
        {
            count += sa->ActiveChildCount();
        }
    }
    return count;
}

void
IkeEndpoint::RecordSent(const IkeMessageRecord& record)
{
    (record.response ? m_counters.responsesSent : m_counters.requestsSent)++;
    m_counters.sentByExchange[record.exchange]++;
    m_sentTrace(record);
}

void
IkeEndpoint::RecordReceived(const IkeMessageRecord& record)
{
    (record.response ? m_counters.responsesReceived : m_counters.requestsReceived)++;
    m_counters.receivedByExchange[record.exchange]++;
    m_receivedTrace(record);
}

void
IkeEndpoint::RecordDrop(IkeDropReason reason)
{
    if (reason != IkeDropReason::AcquireQueueFull && reason != IkeDropReason::AcquireFailed
        && reason != IkeDropReason::AcquireRejected && reason != IkeDropReason::PowerLoss
        && reason != IkeDropReason::PairRemoved)
    {
        m_counters.drops++;
    }
    m_drops[reason]++;
    m_dropTrace(reason);
}

void
IkeEndpoint::RecordFailure(const IkeFailure& failure)
{
    NS_LOG_WARN(failure.connection << ": " << ToString(failure.kind) << " negotiation failed ("
                                   << ToString(failure.reason) << "): " << failure.detail);
    m_counters.failures++;
    m_failures.push_back(failure);
    m_failedTrace(failure);
}

void
IkeEndpoint::RecordStarted(const IkeNegotiationRecord& record)
{
    m_startedTrace(record);
}

void
IkeEndpoint::RecordFinished(const IkeNegotiationRecord& record)
{
    NS_LOG_LOGIC(record.connection << ": " << ToString(record.kind) << " negotiation finished in "
                                   << (record.finished - record.started).As(ns3::Time::MS));
    m_negotiations.push_back(record);
    m_finishedTrace(record);
}

void
IkeEndpoint::InstallChild(ChildSaAction action, const ChildSaParameters& parameters)
{
    NS_LOG_LOGIC(parameters.connection << ": " << ToString(action) << " SPI in "
                                       << parameters.inboundSpi << " out "
                                       << parameters.outboundSpi);
    if (!m_childSaCallback.IsNull())
    {
        m_childSaCallback(action, parameters);
    }
    m_childSaTrace(action, parameters);
}

} // namespace tunnelsim
