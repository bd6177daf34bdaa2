#include "ike-sa.h"

#include "ike-crypto.h"
#include "ike-endpoint.h"
#include "ike-sa-common.h"
#include "ns3/log.h"
#include "ns3/simulator.h"

#include <algorithm>
#include <cmath>

namespace tunnelsim
{

NS_LOG_COMPONENT_DEFINE("IkeSa");

namespace
{

/// RFC 4303 s2.1: SPI values 1 to 255 are reserved by IANA, 0 is for local use.
constexpr uint32_t kMinEspSpi = 256;

/// The names of @p suites (IkeSuite or EspSuite), for failure details.
template<typename Suite>
std::string
DescribeSuites(const std::vector<Suite>& suites)
{
    std::vector<std::string> names;
    for (const Suite& suite : suites)
    {
        names.push_back(suite.Name());
    }
    return JoinProposalNames(names);
}

} // namespace

std::string_view
ToString(IkeSaState state)
{
    switch (state)
    {
        case IkeSaState::Connecting:
            return "connecting";
        case IkeSaState::Established:
            return "established";
        case IkeSaState::Closed:
            return "closed";
        case IkeSaState::Failed:
            return "failed";
        case IkeSaState::TimedOut:
            return "timed-out";
    }
    return "unknown";
}

IkeSa::IkeSa(IkeEndpoint& endpoint, size_t connectionIndex, bool initiator, uint64_t initiatorSpi)
  : m_endpoint(endpoint)
  , m_connectionIndex(connectionIndex)
  , m_initiator(initiator)
  , m_initiatorSpi(initiatorSpi)
  , m_started(ns3::Simulator::Now())
{
}

IkeSa::~IkeSa()
{
    if (m_outstanding)
    {
        CancelOutstanding();
    }
    for (ChildSa& child : m_children)
    {
        child.rekeyEvent.Cancel();
        child.expireEvent.Cancel();
    }
    m_livenessEvent.Cancel();
    for (ns3::EventId& event : m_ownedEvents)
    {
        event.Cancel();
    }
}

const IkeConnection&
IkeSa::Connection() const
{
    return m_endpoint.GetConnection(m_connectionIndex);
}

const std::string&
IkeSa::Name() const
{
    return Connection().name;
}

std::string
IkeSa::DescribeOwnIkeProposals() const
{
    return DescribeSuites(Connection().ikeProposals);
}

std::string
IkeSa::DescribeOwnEspProposals() const
{
    return DescribeSuites(Connection().espProposals);
}

bool
IkeSa::CoversPair(const SelectorPair& pair) const
{
    if (m_runningChild && m_runningChild->pair == pair)
    {
        return true;
    }
    for (const ChildTask& task : m_pendingChildren)
    {
        if (task.pair == pair)
        {
            return true;
        }
    }
    return std::any_of(m_children.begin(), m_children.end(),
                       [&pair](const ChildSa& child)
                       {
                           return !child.replaced && child.configuredPair == pair;
                       });
}

size_t
IkeSa::ActiveChildCount() const
{
    return std::count_if(m_children.begin(), m_children.end(),
                         [](const ChildSa& child)
                         {
                             return !child.replaced && child.inboundInstalled
                                    && child.outboundInstalled;
                         });
}

Bytes
IkeSa::RandomBytes(size_t count) const
{
    return m_endpoint.RandomBytes(count);
}

uint32_t
IkeSa::NewEspSpi() const
{
    uint32_t spi = 0;
    do
    {
        spi = m_endpoint.RandomUint32();
    } while (spi < kMinEspSpi);
    return spi;
}

void
IkeSa::RecordReceived(const IkeMessage& message, size_t size, bool isResponse)
{
    m_endpoint.RecordReceived(MessageRecord(message.header, isResponse, size));
}

IkeMessageRecord
IkeSa::MessageRecord(const IkeHeader& header, bool isResponse, size_t size) const
{
    IkeMessageRecord record;
    record.connection = Name();
    record.version = Connection().version;
    record.exchange = static_cast<IkeExchange>(header.exchangeType);
    record.response = isResponse;
    record.messageId = header.messageId;
    record.size = static_cast<uint32_t>(size);
    return record;
}

IkeNegotiationRecord
IkeSa::NegotiationRecord(IkeNegotiationKind kind, bool initiator,
                         const std::optional<SelectorPair>& selectors, ns3::Time started) const
{
    IkeNegotiationRecord record;
    record.connection = Name();
    record.kind = kind;
    record.initiator = initiator;
    record.selectors = selectors;
    record.started = started;
    return record;
}

void
IkeSa::RequestChild(const SelectorPair& pair, const std::optional<SelectorPair>& trigger)
{
    NS_LOG_FUNCTION(this << pair.ToString());

    if (CoversPair(pair))
    {
        return;
    }
    ChildTask task;
    task.pair = pair;
    task.trigger = trigger;
    task.started = ns3::Simulator::Now();
    QueueChildTask(task);
}

void
IkeSa::QueueChildTask(const ChildTask& task)
{
    m_pendingChildren.push_back(task);
    EnqueueTask(
        [this]()
        {
            if (m_pendingChildren.empty())
            {
                RunNextTask();
                return;
            }
            m_runningChild = m_pendingChildren.front();
            m_pendingChildren.pop_front();
            StartChildExchange(*m_runningChild);
        });
}

void
IkeSa::Close(bool notifyPeer)
{
    NS_LOG_FUNCTION(this << notifyPeer);

    auto finish = [this]()
    {
        while (!m_children.empty())
        {
            RemoveChild(m_children.front().id);
        }
        for (const ChildTask& task : m_pendingChildren)
        {
            m_endpoint.ChildFailed(m_connectionIndex, task.pair);
        }
        m_pendingChildren.clear();
        m_runningChild.reset();
        m_tasks.clear();
        if (m_state == IkeSaState::Established || m_state == IkeSaState::Connecting)
        {
            m_state = IkeSaState::Closed;
        }
        m_livenessEvent.Cancel();
        m_endpoint.ScheduleRemoval(this);
    };
    if (notifyPeer && m_state == IkeSaState::Established)
    {
        // Nothing else may start on this SA; the delete goes out after the current request.
        m_tasks.clear();
        m_pendingChildren.clear();
        EnqueueTask(
            [this, finish]()
            {
                SendIkeDelete(finish);
            });
        return;
    }
    finish();
}

void
IkeSa::Discard()
{
    NS_LOG_FUNCTION(this);

    m_tasks.clear();
    for (const ChildTask& task : m_pendingChildren)
    {
        m_endpoint.ChildFailed(m_connectionIndex, task.pair);
    }
    m_pendingChildren.clear();
    if (m_runningChild)
    {
        m_endpoint.ChildFailed(m_connectionIndex, m_runningChild->pair);
        m_runningChild.reset();
    }
    if (m_outstanding)
    {
        CancelOutstanding();
    }
    while (!m_children.empty())
    {
        RemoveChild(m_children.front().id);
    }
    m_livenessEvent.Cancel();
    for (ns3::EventId& event : m_ownedEvents)
    {
        event.Cancel();
    }
    m_ownedEvents.clear();
    m_state = IkeSaState::Closed;
    m_endpoint.Counters().ikeSasDiscarded++;
}

void
IkeSa::DeleteChildrenOf(const SelectorPair& pair)
{
    NS_LOG_FUNCTION(this << pair.ToString());

    m_pendingChildren.erase(std::remove_if(m_pendingChildren.begin(), m_pendingChildren.end(),
                                           [&pair](const ChildTask& task)
                                           {
                                               return task.pair == pair;
                                           }),
                            m_pendingChildren.end());
    for (ChildSa& child : m_children)
    {
        if (child.replaced || !(child.configuredPair == pair))
        {
            continue;
        }
        RetireChild(child);
    }
}

void
IkeSa::MarkReplaced(ChildSa& child)
{
    RemoveOutbound(child);
    child.replaced = true;
    child.rekeyEvent.Cancel();
}

void
IkeSa::RetireChild(ChildSa& child)
{
    MarkReplaced(child);
    const uint32_t id = child.id;
    const uint32_t inboundSpi = child.parameters.inboundSpi;
    EnqueueTask(
        [this, id, inboundSpi]()
        {
            SendChildDelete(inboundSpi,
                            [this, id]()
                            {
                                RemoveChild(id);
                            });
        });
}

void
IkeSa::QueueChildDelete(uint32_t inboundSpi)
{
    EnqueueTask(
        [this, inboundSpi]()
        {
            SendChildDelete(inboundSpi,
                            []()
                            {
                            });
        });
}

void
IkeSa::ScheduleOwned(ns3::Time delay, std::function<void()> callback)
{
    // Forget events that already ran, so a long-lived SA keeps a short list.
    m_ownedEvents.erase(std::remove_if(m_ownedEvents.begin(), m_ownedEvents.end(),
                                       [](const ns3::EventId& event)
                                       {
                                           return event.IsExpired();
                                       }),
                        m_ownedEvents.end());
    m_ownedEvents.push_back(ns3::Simulator::Schedule(delay, std::move(callback)));
}

bool
IkeSa::ShouldSendInitialContact() const
{
    return m_initiator && !m_endpoint.HasOtherSaWithPeer(*this);
}

void
IkeSa::HandleInitialContact()
{
    NS_LOG_LOGIC(Name() << ": INITIAL_CONTACT from the peer, forgetting its older IKE SAs");
    m_endpoint.Counters().initialContactsReceived++;
    m_endpoint.DiscardOtherSasWithPeer(*this);
}

const Bytes&
IkeSa::SendRequest(const IkeMessage& message, bool isResponse,
                   std::function<void(const IkeMessage&)> onAnswer, std::function<void()> onTimeout,
                   std::optional<ns3::Time> deadline)
{
    OutstandingRequest request;
    request.messageId = message.header.messageId;
    request.onAnswer = std::move(onAnswer);
    request.onTimeout = std::move(onTimeout);
    request.bytes = Transmit(message, isResponse, 0);
    request.record = MessageRecord(message.header, isResponse, request.bytes.size());
    request.transmissions = 1;
    m_outstanding = std::move(request);
    m_outstanding->retransmitEvent
        = ns3::Simulator::Schedule(m_endpoint.GetRetransmitTimeout(), &IkeSa::Retransmit, this);
    if (deadline)
    {
        m_outstanding->deadlineEvent = ns3::Simulator::Schedule(*deadline, &IkeSa::GiveUp, this);
    }
    return m_outstanding->bytes;
}

void
IkeSa::Retransmit()
{
    if (!m_outstanding)
    {
        return;
    }
    const uint32_t retransmitted = m_outstanding->transmissions - 1;
    if (retransmitted >= m_endpoint.GetRetransmitTries())
    {
        GiveUp();
        return;
    }
    NS_LOG_LOGIC(Name() << ": retransmission " << retransmitted + 1 << " of "
                        << ToString(m_outstanding->record.exchange) << " message ID "
                        << m_outstanding->messageId);
    SendEncoded(m_outstanding->bytes, m_outstanding->record, m_outstanding->transmissions);
    m_endpoint.Counters().retransmissions++;
    const ns3::Time wait = RetransmitDelay(m_outstanding->transmissions);
    m_outstanding->transmissions++;
    m_outstanding->retransmitEvent = ns3::Simulator::Schedule(wait, &IkeSa::Retransmit, this);
}

ns3::Time
IkeSa::RetransmitDelay(uint32_t transmissions) const
{
    const double factor = std::pow(m_endpoint.GetRetransmitBase(), transmissions);
    return m_endpoint.GetRetransmitTimeout() * factor;
}

IkeSa::OutstandingRequest
IkeSa::CancelOutstanding()
{
    m_outstanding->retransmitEvent.Cancel();
    m_outstanding->deadlineEvent.Cancel();
    OutstandingRequest request = std::move(*m_outstanding);
    m_outstanding.reset();
    return request;
}

void
IkeSa::GiveUp()
{
    if (!m_outstanding)
    {
        return;
    }
    NS_LOG_LOGIC(Name() << ": no answer to " << ToString(m_outstanding->record.exchange)
                        << " after " << m_outstanding->transmissions << " transmissions");
    auto onTimeout = std::move(CancelOutstanding().onTimeout);
    if (onTimeout)
    {
        onTimeout();
    }
}

bool
IkeSa::DeliverAnswer(const IkeMessage& message)
{
    if (!m_outstanding)
    {
        return false;
    }
    auto onAnswer = std::move(CancelOutstanding().onAnswer);
    if (onAnswer)
    {
        onAnswer(message);
    }
    RunNextTask();
    return true;
}

Bytes
IkeSa::Transmit(const IkeMessage& message, bool isResponse, uint32_t retransmission)
{
    const Bytes bytes = Encode(message);
    SendEncoded(bytes, MessageRecord(message.header, isResponse, bytes.size()), retransmission);
    return bytes;
}

Bytes
IkeSa::Encode(const IkeMessage& message) const
{
    std::optional<IkeProtection> protection;
    if (message.encrypted)
    {
        protection = OutboundProtection();
    }
    return EncodeIkeMessage(message, protection ? &*protection : nullptr);
}

void
IkeSa::SendEncoded(const Bytes& bytes, IkeMessageRecord record, uint32_t retransmission)
{
    m_endpoint.SendDatagram(m_connectionIndex, bytes, m_useNatPort);
    record.retransmission = retransmission;
    m_endpoint.RecordSent(record);
}

const Bytes&
IkeSa::SendResponse(const IkeMessage& message, const Bytes& requestBytes)
{
    m_lastRequest = requestBytes;
    m_lastResponse = Transmit(message, true, 0);
    m_lastResponseRecord = MessageRecord(message.header, true, m_lastResponse.size());
    return m_lastResponse;
}

bool
IkeSa::ResendCachedResponse(const Bytes& requestBytes)
{
    if (m_lastResponse.empty() || requestBytes != m_lastRequest)
    {
        return false;
    }
    // RFC 7296 s2.1: a retransmitted request gets the same response again.
    NS_LOG_LOGIC(Name() << ": repeated request, sending the cached response again");
    SendEncoded(m_lastResponse, m_lastResponseRecord, 1);
    m_endpoint.Counters().responsesRetransmitted++;
    return true;
}

void
IkeSa::SendOneWay(const IkeMessage& message, bool isResponse)
{
    Transmit(message, isResponse, 0);
}

std::optional<IkeMessage>
IkeSa::Decode(const Bytes& bytes, bool isResponse)
{
    const std::optional<IkeProtection> protection = InboundProtection();
    auto decoded = DecodeIkeMessage(bytes, protection ? &*protection : nullptr);
    if (!decoded)
    {
        NS_LOG_WARN(Name() << ": dropping IKE message: " << ToString(decoded.Error()));
        m_endpoint.RecordDrop(decoded.Error() == DecodeError::BadIcv ? IkeDropReason::BadIcv
                                                                     : IkeDropReason::Malformed);
        return std::nullopt;
    }
    RecordReceived(decoded.Value(), bytes.size(), isResponse);
    return std::move(decoded).Value();
}

void
IkeSa::EnqueueTask(std::function<void()> task)
{
    m_tasks.push_back(std::move(task));
    RunNextTask();
}

void
IkeSa::RunNextTask()
{
    if (m_state != IkeSaState::Established || m_outstanding || m_runningChild || m_tasks.empty())
    {
        return;
    }
    auto task = std::move(m_tasks.front());
    m_tasks.pop_front();
    task();
}

void
IkeSa::RecordPhase1Started()
{
    m_started = ns3::Simulator::Now();
    m_endpoint.RecordStarted(
        NegotiationRecord(IkeNegotiationKind::IkeSa, true, std::nullopt, m_started));
}

const Bytes&
IkeSa::SendPhase1Request(const IkeMessage& message, std::function<void(const IkeMessage&)> onAnswer,
                         const std::string& timeoutDetail)
{
    return SendRequest(message, false, std::move(onAnswer),
                       [this, timeoutDetail]()
                       {
                           Fail(IkeNegotiationKind::IkeSa, IkeFailureReason::TimedOut,
                                timeoutDetail, IkeSaState::TimedOut,
                                m_runningChild ? std::optional<SelectorPair>(m_runningChild->pair)
                                               : std::nullopt);
                       });
}

void
IkeSa::AfterPhase1KeyExchange(std::function<void()> step)
{
    ScheduleOwned(m_endpoint.GetDhDelay(),
                  [this, step]()
                  {
                      if (m_state != IkeSaState::Connecting)
                      {
                          return;
                      }
                      step();
                  });
}

Bytes
IkeSa::ModeledSharedSecret() const
{
    return ModelSharedSecret(m_endpoint.GetSeed(), m_keI, m_keR, KeyExchangeSize(m_suite.dhGroup));
}

void
IkeSa::SetEstablished()
{
    NS_LOG_FUNCTION(this);

    m_state = IkeSaState::Established;
    m_endpoint.Counters().ikeSasEstablished++;
    IkeNegotiationRecord record
        = NegotiationRecord(IkeNegotiationKind::IkeSa, m_initiator, std::nullopt, m_started);
    record.finished = ns3::Simulator::Now();
    m_endpoint.RecordFinished(record);
    if (Connection().dpdDelay.IsStrictlyPositive())
    {
        ScheduleLivenessCheck();
    }
}

void
IkeSa::Fail(IkeNegotiationKind kind, IkeFailureReason reason, const std::string& detail,
            IkeSaState state, const std::optional<SelectorPair>& selectors)
{
    NS_LOG_FUNCTION(this << ToString(reason));

    ReportFailure(kind, reason, m_initiator, selectors, detail);
    if (m_runningChild)
    {
        m_endpoint.ChildFailed(m_connectionIndex, m_runningChild->pair);
    }
    if (m_outstanding)
    {
        CancelOutstanding();
    }
    Close(false);
    m_state = state;
}

void
IkeSa::FailChild(const ChildTask& task, IkeFailureReason reason, const std::string& detail,
                 bool initiatedHere)
{
    NS_LOG_FUNCTION(this << task.pair.ToString() << ToString(reason));

    ReportFailure(task.rekeyChildId ? IkeNegotiationKind::Rekey : IkeNegotiationKind::ChildSa,
                  reason, initiatedHere, task.pair, detail);
    m_endpoint.ChildFailed(m_connectionIndex, task.pair);
    if (initiatedHere)
    {
        m_runningChild.reset();
    }
}

void
IkeSa::ReportFailure(IkeNegotiationKind kind, IkeFailureReason reason, bool initiator,
                     const std::optional<SelectorPair>& selectors, const std::string& detail)
{
    IkeFailure failure;
    failure.connection = Name();
    failure.kind = kind;
    failure.reason = reason;
    failure.initiator = initiator;
    failure.selectors = selectors;
    failure.detail = detail;
    failure.time = ns3::Simulator::Now();
    m_endpoint.RecordFailure(failure);
}

bool
IkeSa::BeginChildExchange(const ChildTask& task)
{
    if (task.rekeyChildId && !FindChild(*task.rekeyChildId))
    {
        m_runningChild.reset();
        RunNextTask();
        return false;
    }
    m_runningChild->started = ns3::Simulator::Now();
    if (!task.rekeyChildId)
    {
        RecordChildNegotiationStarted();
    }
    return true;
}

void
IkeSa::RecordChildNegotiationStarted()
{
    m_endpoint.Counters().childSaNegotiations++;
    m_endpoint.RecordStarted(NegotiationRecord(IkeNegotiationKind::ChildSa, true,
                                               m_runningChild->pair, m_runningChild->started));
}

void
IkeSa::SendChildRequest(const IkeMessage& message,
                        std::function<void(const IkeMessage&, const ChildTask&)> onResponse,
                        const std::string& timeoutDetail)
{
    const ChildTask running = *m_runningChild;
    SendRequest(
        message, false,
        [this, running, onResponse](const IkeMessage& response)
        {
            // With PFS the initiator computes a new shared secret before using the keys.
            if (Connection().pfsGroup == DhGroup::None)
            {
                onResponse(response, running);
                return;
            }
            ScheduleOwned(m_endpoint.GetDhDelay(),
                          [this, response, running, onResponse]()
                          {
                              if (m_state == IkeSaState::Established)
                              {
                                  onResponse(response, running);
                                  RunNextTask();
                              }
                          });
        },
        [this, running, timeoutDetail]()
        {
            Fail(IkeNegotiationKind::ChildSa, IkeFailureReason::TimedOut, timeoutDetail,
                 IkeSaState::TimedOut, running.pair);
        });
}

void
IkeSa::InstallInitiatedChild(const ChildSaParameters& parameters, const ChildTask& task,
                             RekeyDeletion deletion)
{
    const uint32_t childId = AddChild(parameters, task.pair, true).id;
    ChildSa* child = FindChild(childId);
    InstallInbound(*child);
    InstallOutbound(*child);
    if (task.rekeyChildId)
    {
        // Make before break: the new SA carries our traffic from now on, and the old inbound
        // SA stays until the delete exchange ends.
        if (ChildSa* old = FindChild(*task.rekeyChildId))
        {
            if (deletion == RekeyDeletion::Initiator)
            {
                RetireChild(*old);
            }
            else
            {
                MarkReplaced(*old);
            }
        }
    }
    ChildEstablished(*FindChild(childId), task);
    m_runningChild.reset();
}

std::string
IkeSa::DescribeSelectorRejection(ByteView rejectionData, SelectorRule fallbackRule) const
{
    SelectorMatchResult result;
    result.rule = fallbackRule;
    if (auto rejection = DecodeSelectorRejection(rejectionData))
    {
        result.rule = rejection.Value().rule;
        result.closest = rejection.Value().closest;
    }
    // Only strict matching rejects a proposal for not mirroring a configured pair exactly.
    const SelectorMatchStyle style = result.rule == SelectorRule::NoExactMirror
                                         ? SelectorMatchStyle::Ikev1Strict
                                         : SelectorMatchStyle::Ikev2Narrowing;
    return DescribeSelectorMatch(m_proposedSelectors, result, style);
}

IkeSa::ChildSa&
IkeSa::AddChild(const ChildSaParameters& parameters, const SelectorPair& configuredPair,
                bool initiatedHere)
{
    ChildSa child;
    child.id = m_nextChildId++;
    child.parameters = parameters;
    child.configuredPair = configuredPair;
    child.initiatedHere = initiatedHere;
    m_children.push_back(child);
    return m_children.back();
}

IkeSa::ChildSa*
IkeSa::FindChild(uint32_t id)
{
    return FindChildIf(
        [id](const ChildSa& child)
        {
            return child.id == id;
        });
}

IkeSa::ChildSa*
IkeSa::FindChildByInboundSpi(uint32_t spi)
{
    return FindChildIf(
        [spi](const ChildSa& child)
        {
            return child.parameters.inboundSpi == spi;
        });
}

IkeSa::ChildSa*
IkeSa::FindChildByOutboundSpi(uint32_t spi)
{
    return FindChildIf(
        [spi](const ChildSa& child)
        {
            return child.parameters.outboundSpi == spi;
        });
}

IkeSa::ChildSa*
IkeSa::FindChildIf(const std::function<bool(const ChildSa&)>& match)
{
    auto it = std::find_if(m_children.begin(), m_children.end(), match);
    return it == m_children.end() ? nullptr : &*it;
}

void
IkeSa::InstallInbound(ChildSa& child)
{
    if (!child.inboundInstalled)
    {
        child.inboundInstalled = true;
        m_endpoint.InstallChild(ChildSaAction::InstallInbound, child.parameters);
    }
}

void
IkeSa::InstallOutbound(ChildSa& child)
{
    if (!child.outboundInstalled)
    {
        child.outboundInstalled = true;
        m_endpoint.InstallChild(ChildSaAction::InstallOutbound, child.parameters);
    }
}

void
IkeSa::RemoveOutbound(ChildSa& child)
{
    if (child.outboundInstalled)
    {
        child.outboundInstalled = false;
        m_endpoint.InstallChild(ChildSaAction::RemoveOutbound, child.parameters);
    }
}

void
IkeSa::RemoveChild(uint32_t id)
{
    auto it = std::find_if(m_children.begin(), m_children.end(),
                           [id](const ChildSa& child)
                           {
                               return child.id == id;
                           });
    if (it == m_children.end())
    {
        return;
    }
    it->rekeyEvent.Cancel();
    it->expireEvent.Cancel();
    RemoveOutbound(*it);
    if (it->inboundInstalled)
    {
        it->inboundInstalled = false;
        m_endpoint.InstallChild(ChildSaAction::RemoveInbound, it->parameters);
    }
    m_children.erase(it);
}

ChildSaParameters
IkeSa::MakeChildParameters(const EspProposalTerms& terms, uint32_t inboundSpi, uint32_t outboundSpi,
                           const std::vector<SelectorPair>& localPairs,
                           bool exchangeInitiator) const
{
    const IkeConnection& connection = Connection();
    ChildSaParameters parameters;
    parameters.connection = connection.name;
    parameters.inboundSpi = inboundSpi;
    parameters.outboundSpi = outboundSpi;
    parameters.suite = terms.suite;
    parameters.extendedSequenceNumbers = terms.esn;
    // Both ends derive the same keys: the direction is named by the exchange's roles,
    // as KEYMAT is in RFC 7296 s2.17.
    const SaKeyDirection outbound = exchangeInitiator ? SaKeyDirection::InitiatorToResponder
                                                      : SaKeyDirection::ResponderToInitiator;
    const SaKeyDirection inbound = exchangeInitiator ? SaKeyDirection::ResponderToInitiator
                                                     : SaKeyDirection::InitiatorToResponder;
    parameters.outboundKeys
        = DeriveSaKeys(m_endpoint.GetSeed(), outboundSpi, outbound, terms.suite);
    parameters.inboundKeys = DeriveSaKeys(m_endpoint.GetSeed(), inboundSpi, inbound, terms.suite);
    parameters.selectors = localPairs;
    parameters.mode = terms.mode;
    parameters.localAddress = connection.localAddress;
    parameters.remoteAddress = connection.remoteAddress;
    parameters.lifetime = connection.childLifetime;
    parameters.initiator = exchangeInitiator;
    return parameters;
}

void
IkeSa::ChildEstablished(ChildSa& child, const ChildTask& task)
{
    NS_LOG_FUNCTION(this << child.parameters.inboundSpi << child.parameters.outboundSpi);

    IkeNegotiationRecord record = NegotiationRecord(task.rekeyChildId ? IkeNegotiationKind::Rekey
                                                                      : IkeNegotiationKind::ChildSa,
                                                    child.initiatedHere, task.pair, task.started);
    record.finished = ns3::Simulator::Now();
    m_endpoint.RecordFinished(record);
    if (task.rekeyChildId)
    {
        m_endpoint.Counters().rekeys++;
    }
    else
    {
        m_endpoint.Counters().childSasEstablished++;
    }
    ScheduleChildTimers(child);
    m_endpoint.ChildUp(m_connectionIndex, child.configuredPair, child.parameters.selectors);
    const auto& selectors = Connection().selectors;
    if (child.initiatedHere
        && std::find(selectors.begin(), selectors.end(), child.configuredPair) == selectors.end())
    {
        // Its pair was removed while the negotiation ran: delete it like the others.
        NS_LOG_LOGIC(Name() << ": CHILD SA for removed pair " << child.configuredPair.ToString());
        RetireChild(child);
    }
}

void
IkeSa::ScheduleChildTimers(ChildSa& child)
{
    const IkeConnection& connection = Connection();
    child.expireEvent
        = ns3::Simulator::Schedule(connection.childLifetime, &IkeSa::ExpireChild, this, child.id);
    if (!child.initiatedHere)
    {
        return;
    }
    // strongSwan: rekey at lifetime - margin - random(0, margin * fuzz).
    const double margin = connection.rekeyMargin.GetSeconds();
    const double jitter = m_endpoint.RandomUniform(0, margin * connection.rekeyFuzz);
    const ns3::Time rekeyAt = connection.childLifetime - ns3::Seconds(margin + jitter);
    if (rekeyAt.IsStrictlyPositive())
    {
        child.rekeyEvent = ns3::Simulator::Schedule(rekeyAt, &IkeSa::StartRekey, this, child.id);
    }
}

void
IkeSa::StartRekey(uint32_t childId)
{
    ChildSa* child = FindChild(childId);
    if (!child || child->replaced || m_state != IkeSaState::Established)
    {
        return;
    }
    NS_LOG_LOGIC(Name() << ": rekeying CHILD SA " << child->parameters.inboundSpi);
    ChildTask task;
    task.pair = child->configuredPair;
    task.rekeyChildId = childId;
    task.started = ns3::Simulator::Now();
    m_endpoint.RecordStarted(
        NegotiationRecord(IkeNegotiationKind::Rekey, true, task.pair, task.started));
    QueueChildTask(task);
}

void
IkeSa::ExpireChild(uint32_t childId)
{
    ChildSa* child = FindChild(childId);
    if (!child)
    {
        return;
    }
    NS_LOG_LOGIC(Name() << ": CHILD SA " << child->parameters.inboundSpi
                        << " reached its hard lifetime");
    const uint32_t inboundSpi = child->parameters.inboundSpi;
    const bool tellPeer = !child->replaced;
    RemoveChild(childId);
    if (tellPeer && m_state == IkeSaState::Established)
    {
        QueueChildDelete(inboundSpi);
    }
}

void
IkeSa::ScheduleLivenessCheck()
{
    m_livenessEvent
        = ns3::Simulator::Schedule(Connection().dpdDelay, &IkeSa::RunLivenessCheck, this);
}

void
IkeSa::RunLivenessCheck()
{
    if (m_state != IkeSaState::Established)
    {
        return;
    }
    EnqueueTask(
        [this]()
        {
            const ns3::Time started = ns3::Simulator::Now();
            SendRequest(
                NewLivenessCheck(), false,
                [this](const IkeMessage&)
                {
                    ScheduleLivenessCheck();
                },
                [this, started]()
                {
                    m_endpoint.Counters().deadPeers++;
                    const size_t index = m_connectionIndex;
                    IkeEndpoint& endpoint = m_endpoint;
                    Fail(IkeNegotiationKind::Liveness, IkeFailureReason::PeerDead,
                         "no answer to the liveness check sent at "
                             + std::to_string(started.GetSeconds()) + " s",
                         IkeSaState::Closed);
                    endpoint.PeerDead(index);
                },
                Connection().dpdTimeout);
        });
}

} // namespace tunnelsim
