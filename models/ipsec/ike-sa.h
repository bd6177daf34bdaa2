/*
 * One IKE SA and its CHILD SAs: the parts IKEv1 and IKEv2 share. The version-specific
 * exchanges live in IkeV2Sa (ike-v2-sa.h) and IkeV1Sa (ike-v1-sa.h).
 *
 * Shared here:
 * - Reliable requests (RFC 7296 s2.1, RFC 2408 s5): one outstanding request at a time,
 *   retransmitted after timeout * base^n until the configured number of retransmissions
 *   has gone unanswered (strongSwan's retransmit_timeout, retransmit_base,
 *   retransmit_tries); requests that wait for it run in order afterwards.
 * - Repeated requests from the peer get the cached response again, byte for byte.
 * - CHILD SA bookkeeping: install and remove through the endpoint's callback, rekey and
 *   hard-expiry timers with seeded jitter, make-before-break replacement.
 * - Dead peer detection timers and failure reports.
 * - Steps both versions take the same way: phase 1 request timeouts, the start of a CHILD SA
 *   negotiation, the wait for the Diffie-Hellman secret and the install of a CHILD SA this
 *   side proposed. The phase 1 values that both key derivations start from are kept here.
 *
 * Limitations:
 * - Only the side that initiated the IKE SA negotiates and rekeys CHILD SAs, so rekey
 *   collisions (RFC 7296 s2.8.1) cannot happen; the responder only expires them.
 * - IKE SA lifetime, rekeying and reauthentication are not modeled.
 * - DPD probes are sent every DpdDelay whether or not ESP traffic arrived (the endpoint
 *   does not see the data path's inbound packets).
 */
#ifndef TUNNELSIM_IPSEC_IKE_SA_H
#define TUNNELSIM_IPSEC_IKE_SA_H

#include "ike-connection.h"
#include "ike-message.h"
#include "ns3/event-id.h"
#include "ns3/nstime.h"

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace tunnelsim
{

class IkeEndpoint;

/** Lifecycle of an IKE SA. Stable names: they appear in results. */
enum class IkeSaState : uint8_t
{
    Connecting,  ///< phase 1 (IKE_SA_INIT + IKE_AUTH, or Main Mode) in progress
    Established, ///< authenticated; CHILD SAs can be negotiated
    Closed,      ///< deleted normally or after dead peer detection
    Failed,      ///< rejected by the peer (suite, key) or protocol error
    TimedOut,    ///< the peer never answered
};

std::string_view ToString(IkeSaState state);

class IkeSa
{
  public:
    IkeSa(IkeEndpoint& endpoint, size_t connectionIndex, bool initiator, uint64_t initiatorSpi);
    virtual ~IkeSa();
    IkeSa(const IkeSa&) = delete;
    IkeSa& operator=(const IkeSa&) = delete;

    /// Initiator: send the first message of phase 1.
    virtual void Start() = 0;
    /// Handle a datagram addressed to this SA; @p header is already decoded.
    virtual void Receive(const IkeHeader& header, const Bytes& bytes) = 0;

    /**
     * Queue the negotiation of a CHILD SA for the configured pair @p pair (local view);
     * @p trigger is the acquired packet, if any. Runs once phase 1 is done.
     */
    void RequestChild(const SelectorPair& pair, const std::optional<SelectorPair>& trigger);
    /// Remove every CHILD SA; with @p notifyPeer, send a delete for the IKE SA first.
    void Close(bool notifyPeer);
    /**
     * Forget this SA without sending anything, as a power loss does, or as a peer does on
     * INITIAL_CONTACT (RFC 7296 s2.4): the installed CHILD SA halves are removed through the
     * endpoint, and every pending negotiation, retransmission and timer is dropped. The SA
     * ends in state Closed; the endpoint still has to delete it.
     */
    void Discard();
    /**
     * Delete the CHILD SAs booked under the configured pair @p pair and drop its queued
     * negotiations: the outbound halves go at once, and each inbound half once the peer
     * responds to the delete (RFC 7296 s1.4.1) or, in IKEv1, once the Delete is sent.
     */
    void DeleteChildrenOf(const SelectorPair& pair);

    uint64_t InitiatorSpi() const { return m_initiatorSpi; }
    uint64_t ResponderSpi() const { return m_responderSpi; }
    bool IsInitiator() const { return m_initiator; }
    IkeSaState GetState() const { return m_state; }
    size_t ConnectionIndex() const { return m_connectionIndex; }
    const IkeConnection& Connection() const;
    /// True when an installed CHILD SA or a queued or running negotiation covers @p pair.
    bool CoversPair(const SelectorPair& pair) const;
    /// Installed CHILD SAs that are not being replaced.
    size_t ActiveChildCount() const;
    /// Time phase 1 started and, once established, finished.
    ns3::Time StartedAt() const { return m_started; }

  protected:
    /** A CHILD SA known to this IKE SA. */
    struct ChildSa
    {
        uint32_t id = 0;
        ChildSaParameters parameters;
        SelectorPair configuredPair; ///< the configured pair it was negotiated for
        bool initiatedHere = false;
        bool inboundInstalled = false;
        bool outboundInstalled = false;
        bool replaced = false; ///< a newer CHILD SA took over; waiting for its delete
        /// Responder side of a rekey: the outbound half waits for the old SA's delete.
        std::optional<uint32_t> replacesChildId;
        ns3::EventId rekeyEvent;
        ns3::EventId expireEvent;
    };

    /** A CHILD SA negotiation waiting to run or running. */
    struct ChildTask
    {
        SelectorPair pair; ///< configured pair, local view
        std::optional<SelectorPair> trigger;
        std::optional<uint32_t> rekeyChildId;
        ns3::Time started;
    };

    /** The request waiting for its response. */
    struct OutstandingRequest
    {
        Bytes bytes;
        IkeMessageRecord record;
        uint32_t messageId = 0;
        uint32_t transmissions = 0;
        std::function<void(const IkeMessage&)> onAnswer;
        std::function<void()> onTimeout;
        ns3::EventId retransmitEvent;
        ns3::EventId deadlineEvent;
    };

    // Transport.
    /**
     * Send @p message and keep it until the subclass passes its response to DeliverAnswer.
     * Retransmit with exponential backoff, and call @p onTimeout after the last try, or at
     * @p deadline (relative) if that comes first.
     */
    const Bytes& SendRequest(const IkeMessage& message, bool isResponse,
                             std::function<void(const IkeMessage&)> onAnswer,
                             std::function<void()> onTimeout,
                             std::optional<ns3::Time> deadline = std::nullopt);
    /// Pass @p message, the response to the outstanding request, to its handler; false when
    /// no request is outstanding.
    bool DeliverAnswer(const IkeMessage& message);
    /// Send @p message once (a response or a one-way message) and cache it for repeats of
    /// the request whose bytes are @p requestBytes.
    const Bytes& SendResponse(const IkeMessage& message, const Bytes& requestBytes);
    /// Send the cached response again when @p requestBytes repeats the last request.
    bool ResendCachedResponse(const Bytes& requestBytes);
    /// Send @p message once without caching it.
    void SendOneWay(const IkeMessage& message, bool isResponse);
    /// Encode with the outbound framing and send to the peer.
    Bytes Transmit(const IkeMessage& message, bool isResponse, uint32_t retransmission);
    /// Encode @p message with the outbound framing when it is encrypted.
    Bytes Encode(const IkeMessage& message) const;
    /// Send the encoded message @p bytes to the peer and trace it as @p record, marked as
    /// transmission number @p retransmission (0 for the first).
    void SendEncoded(const Bytes& bytes, IkeMessageRecord record, uint32_t retransmission);
    /// The trace record of a message with @p header and @p size bytes.
    IkeMessageRecord MessageRecord(const IkeHeader& header, bool isResponse, size_t size) const;
    /// Wait before the next retransmission after @p transmissions sends: strongSwan's
    /// timeout * base^n, where n = 0 for the first send.
    ns3::Time RetransmitDelay(uint32_t transmissions) const;
    /// Decode @p bytes with the inbound framing; counts and traces a failure, and records
    /// the message as a response or a request.
    std::optional<IkeMessage> Decode(const Bytes& bytes, bool isResponse);
    bool HasOutstandingRequest() const { return m_outstanding.has_value(); }
    /// Message ID of the outstanding request; meaningful only while there is one.
    uint32_t OutstandingMessageId() const { return m_outstanding ? m_outstanding->messageId : 0; }

    // Tasks that send requests, run one at a time.
    void EnqueueTask(std::function<void()> task);
    /// Run the next queued task when nothing is outstanding and phase 1 is done.
    void RunNextTask();

    // Phase 1.
    /// Initiator: take now as the start of phase 1 and trace it.
    void RecordPhase1Started();
    /**
     * Send the phase 1 request @p message. When it goes unanswered, fail the IKE SA as timed
     * out with @p timeoutDetail, naming the CHILD SA negotiated inside it (IKEv2 IKE_AUTH,
     * RFC 7296 s1.2), if any.
     */
    const Bytes& SendPhase1Request(const IkeMessage& message,
                                   std::function<void(const IkeMessage&)> onAnswer,
                                   const std::string& timeoutDetail);
    /// Run @p step once this side has computed the Diffie-Hellman secret (the endpoint's
    /// DhDelay), unless phase 1 ended in the meantime.
    void AfterPhase1KeyExchange(std::function<void()> step);
    /// The modeled Diffie-Hellman secret (g^xy in RFC 2409, g^ir in RFC 7296) of m_keI and
    /// m_keR, which both ends derive alike.
    Bytes ModeledSharedSecret() const;
    void SetEstablished();
    /// Report @p reason, remove every CHILD SA and end in @p state.
    void Fail(IkeNegotiationKind kind, IkeFailureReason reason, const std::string& detail,
              IkeSaState state, const std::optional<SelectorPair>& selectors = std::nullopt);
    /// Report a CHILD SA failure; the IKE SA stays up. @p initiatedHere: this side proposed.
    void FailChild(const ChildTask& task, IkeFailureReason reason, const std::string& detail,
                   bool initiatedHere);

    // CHILD SAs.
    /** The end that deletes the CHILD SA a rekey replaces. */
    enum class RekeyDeletion : uint8_t
    {
        Initiator, ///< IKEv2 (RFC 7296 s2.8): the rekey's initiator, after the new SA is up
        Responder, ///< IKEv1 (no REKEY_SA): the Quick Mode responder, with an Informational
    };

    /**
     * Start the initiator's negotiation of @p task, the running child task, and trace it
     * unless it is a rekey (traced when queued). Returns false when the CHILD SA to rekey is
     * gone, after dropping the task and running the next one.
     */
    bool BeginChildExchange(const ChildTask& task);
    /// Count and trace the start of the negotiation of the running child task.
    void RecordChildNegotiationStarted();
    /**
     * Send the CHILD SA request @p message for the running child task and pass its response
     * to @p onResponse. With PFS the response waits for the Diffie-Hellman delay. Without a
     * response, the IKE SA fails as timed out with @p timeoutDetail.
     */
    void SendChildRequest(const IkeMessage& message,
                          std::function<void(const IkeMessage&, const ChildTask&)> onResponse,
                          const std::string& timeoutDetail);
    /**
     * Install both halves of the CHILD SA this side proposed for @p task, stop sending on
     * the SA it rekeys and, when @p deletion is Initiator, delete that SA with the peer.
     * Ends the running child task.
     */
    void InstallInitiatedChild(const ChildSaParameters& parameters, const ChildTask& task,
                               RekeyDeletion deletion);
    /// The failure detail for the selector rejection @p rejectionData (EncodeSelectorRejection)
    /// of m_proposedSelectors. @p fallbackRule is the rule when the data does not decode.
    std::string DescribeSelectorRejection(ByteView rejectionData, SelectorRule fallbackRule) const;
    ChildSa& AddChild(const ChildSaParameters& parameters, const SelectorPair& configuredPair,
                      bool initiatedHere);
    ChildSa* FindChild(uint32_t id);
    ChildSa* FindChildByInboundSpi(uint32_t spi);
    ChildSa* FindChildByOutboundSpi(uint32_t spi);
    void InstallInbound(ChildSa& child);
    void InstallOutbound(ChildSa& child);
    void RemoveOutbound(ChildSa& child);
    /// Stop sending on @p child: it is no longer counted, covered or rekeyed, and
    /// RemoveChild ends it.
    void MarkReplaced(ChildSa& child);
    /// Queue a delete of the CHILD SA with @p inboundSpi, with nothing to do on its response.
    void QueueChildDelete(uint32_t inboundSpi);
    /// Remove both halves and forget @p child.
    void RemoveChild(uint32_t id);
    /// The new CHILD SA is in place (both halves, or inbound only while the old one waits
    /// for its delete): trace it, count it, start its timers.
    void ChildEstablished(ChildSa& child, const ChildTask& task);
    /// Build the install parameters of a new CHILD SA negotiated by this IKE SA.
    ChildSaParameters MakeChildParameters(const EspProposalTerms& terms, uint32_t inboundSpi,
                                          uint32_t outboundSpi,
                                          const std::vector<SelectorPair>& localPairs,
                                          bool exchangeInitiator) const;

    // Version hooks.
    virtual void StartChildExchange(const ChildTask& task) = 0;
    /// Tell the peer that this side deleted the CHILD SA with @p inboundSpi.
    virtual void SendChildDelete(uint32_t inboundSpi, std::function<void()> onDone) = 0;
    /// Tell the peer that the IKE SA is deleted; @p onDone runs on its answer or timeout.
    virtual void SendIkeDelete(std::function<void()> onDone) = 0;
    /// Build a liveness check request for dead peer detection. The caller sends it and
    /// handles its response or the timeout.
    virtual IkeMessage NewLivenessCheck() = 0;
    /// Framing of encrypted messages; nullopt before the keys exist.
    virtual std::optional<IkeProtection> OutboundProtection() const = 0;
    virtual std::optional<IkeProtection> InboundProtection() const = 0;

    /// Run @p callback after @p delay unless this SA is discarded or deleted first.
    void ScheduleOwned(ns3::Time delay, std::function<void()> callback);
    /// True when this side starts the first IKE SA with its peer, so its IKE_AUTH (IKEv2)
    /// or Main Mode message 5 (IKEv1) carries INITIAL_CONTACT.
    bool ShouldSendInitialContact() const;
    /// The peer sent INITIAL_CONTACT on this SA: forget every other IKE SA with it.
    void HandleInitialContact();

    /// Random bytes and SPIs from the endpoint's seeded stream.
    Bytes RandomBytes(size_t count) const;
    /// A new inbound ESP SPI, above the reserved 1..255 (RFC 4303 s2.1).
    uint32_t NewEspSpi() const;
    /// The connection's name, for records.
    const std::string& Name() const;
    /// This gateway's IKE or ESP suites, for failure details.
    std::string DescribeOwnIkeProposals() const;
    std::string DescribeOwnEspProposals() const;
    /// Trace and count a received message.
    void RecordReceived(const IkeMessage& message, size_t size, bool isResponse);

    IkeEndpoint& m_endpoint;
    size_t m_connectionIndex;
    bool m_initiator;
    IkeSaState m_state = IkeSaState::Connecting;
    uint64_t m_initiatorSpi = 0;
    uint64_t m_responderSpi = 0;
    ns3::Time m_started;
    /// Send on UDP 4500 with the non-ESP marker (NAT traversal, after the first exchange).
    bool m_useNatPort = false;
    /// Bytes of the datagram being handled, for computations over the real message.
    Bytes m_lastReceived;

    // Phase 1 values: Ni, Nr, KEi and KEr in RFC 7296, or Ni_b, Nr_b, g^xi and g^xr in RFC 2409.
    IkeSuite m_suite;
    Bytes m_nonceI;
    Bytes m_nonceR;
    Bytes m_keI;
    Bytes m_keR;
    bool m_keysReady = false;
    /// A request is being processed (DH delay), so its repeats are ignored until the response.
    bool m_processing = false;

    /// Inbound SPI proposed in the running CHILD SA request.
    uint32_t m_proposedSpi = 0;
    /// Selectors proposed in the running CHILD SA request, for checking the response.
    SelectorProposal m_proposedSelectors;

    std::deque<ChildTask> m_pendingChildren;
    std::optional<ChildTask> m_runningChild;
    std::vector<ChildSa> m_children;

  private:
    void Retransmit();
    void GiveUp();
    /// Cancel the timers of the outstanding request, which must exist, and return it.
    OutstandingRequest CancelOutstanding();
    /// Append @p task to the pending CHILD SA negotiations and queue a task that starts the
    /// first of them.
    void QueueChildTask(const ChildTask& task);
    IkeNegotiationRecord NegotiationRecord(IkeNegotiationKind kind, bool initiator,
                                           const std::optional<SelectorPair>& selectors,
                                           ns3::Time started) const;
    void ReportFailure(IkeNegotiationKind kind, IkeFailureReason reason, bool initiator,
                       const std::optional<SelectorPair>& selectors, const std::string& detail);
    /// The first CHILD SA that @p match takes, or nullptr.
    ChildSa* FindChildIf(const std::function<bool(const ChildSa&)>& match);
    void ScheduleChildTimers(ChildSa& child);
    /// Stop using @p child at once and delete it with the peer.
    void RetireChild(ChildSa& child);
    void StartRekey(uint32_t childId);
    void ExpireChild(uint32_t childId);
    void ScheduleLivenessCheck();
    void RunLivenessCheck();

    std::optional<OutstandingRequest> m_outstanding;
    std::deque<std::function<void()>> m_tasks;
    Bytes m_lastRequest;
    Bytes m_lastResponse;
    IkeMessageRecord m_lastResponseRecord;
    uint32_t m_nextChildId = 1;
    ns3::EventId m_livenessEvent;
    /// Events of ScheduleOwned, cancelled with the SA.
    std::vector<ns3::EventId> m_ownedEvents;
};

} // namespace tunnelsim

#endif
