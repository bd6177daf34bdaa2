/*
 * The IKE daemon of one gateway, as an ns-3 Application: it owns the UDP sockets (port 500,
 * and 4500 with NAT traversal), the configured connections and their IKE SAs, and decides
 * when a CHILD SA pair exists, with which selectors, SPIs, suite and keys. It installs and
 * removes CHILD SAs through a callback, so it needs no particular SAD (the IkeHelper wires
 * the callback to the IPsec stack).
 *
 * What is modeled and what is not:
 * - Messages are real UDP datagrams with the real IKE header and payload layouts, so their
 *   sizes and exchange types match a real exchange (see docs/ike-model.md).
 * - No real Diffie-Hellman: the time one peer needs to compute the shared secret is the
 *   DhDelay attribute, charged once per peer per IKE SA (and per CHILD SA with PFS). IKE SA
 *   keys follow RFC 7296 s2.14 from a modeled shared secret; CHILD SA keys derive from the
 *   Seed attribute and the SPI (DeriveSaKeys in models/codec/sa-keys.h).
 *
 * Limitations:
 * - No cookies (RFC 7296 s2.6), no IKEv2 fragmentation, no MOBIKE, no Aggressive Mode.
 * - A peer is identified by its IKE address; several connections to one peer address on
 *   one endpoint are not distinguished, and INITIAL_CONTACT discards the IKE SAs of all of
 *   them.
 * - The endpoint sends no INVALID_SPI notification (RFC 7296 s3.10.1) for ESP with an unknown
 *   SPI, so the peer of a restarted responder recovers only by dead peer detection.
 * - When both gateways start a connection at the same time, each sets up its own IKE SA
 *   and CHILD SAs (duplicates are not reduced); configure one side with start action
 *   "start" or "trap" and the other with "none".
 */
#ifndef TUNNELSIM_IPSEC_IKE_ENDPOINT_H
#define TUNNELSIM_IPSEC_IKE_ENDPOINT_H

#include "ike-connection.h"
#include "ike-sa.h"
#include "ns3/application.h"
#include "ns3/callback.h"
#include "ns3/ipv4-header.h"
#include "ns3/packet.h"
#include "ns3/random-variable-stream.h"
#include "ns3/socket.h"
#include "ns3/traced-callback.h"

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace tunnelsim
{

/** Reason the endpoint dropped an IKE datagram or an acquired packet. Stable names. */
enum class IkeDropReason : uint8_t
{
    Malformed,         ///< header or payloads do not decode
    BadIcv,            ///< SK checksum does not verify
    NoConnection,      ///< first message from an address with no configured connection
    UnknownSpi,        ///< no IKE SA with these SPIs
    UnexpectedMessage, ///< valid but not expected in the SA's state (e.g. old message ID)
    AcquireQueueFull,  ///< acquired packet found the queue of its selector pair full
    AcquireFailed,     ///< the negotiation for a queued packet failed
    AcquireRejected,   ///< acquire for a connection that does not negotiate on demand
    PowerLoss,         ///< acquired packet waiting in a queue when the gateway lost power
    PairRemoved,       ///< acquired packet queued for a selector pair that was removed
};

std::string_view ToString(IkeDropReason reason);

class IkeEndpoint : public ns3::Application
{
  public:
    static ns3::TypeId GetTypeId();

    IkeEndpoint();
    ~IkeEndpoint() override;

    /**
     * Add @p connection and return its index. Throws std::invalid_argument with the reason
     * when IkeConnection::Validate rejects it.
     */
    size_t AddConnection(const IkeConnection& connection);
    size_t GetNConnections() const { return m_connections.size(); }
    const IkeConnection& GetConnection(size_t index) const { return m_connections.at(index); }

    /// Called for every CHILD SA half to install or remove, in make-before-break order.
    using ChildSaCallback = ns3::Callback<void, ChildSaAction, const ChildSaParameters&>;
    void SetChildSaCallback(ChildSaCallback callback) { m_childSaCallback = callback; }
    /// Called for each queued acquired packet once its CHILD SA is installed.
    using ReleaseCallback = ns3::Callback<void, ns3::Ptr<ns3::Packet>, const ns3::Ipv4Header&>;
    void SetReleaseCallback(ReleaseCallback callback) { m_releaseCallback = callback; }

    /**
     * Acquire (RFC 4301 s5.1, "no SA yet" for a PROTECT policy): @p packet matched a
     * PROTECT policy without an SA. Starts the negotiation of the configured pair that
     * covers it and queues the packet, up to AcquireQueueSize per pair (zero drops it).
     * Returns false when no connection that negotiates on demand covers the packet, so
     * the caller drops it with its own reason.
     */
    bool Acquire(ns3::Ptr<ns3::Packet> packet, const ns3::Ipv4Header& header);

    /// Negotiate every configured pair of connection @p index now.
    void Initiate(size_t index);
    /// Delete the IKE SA of connection @p index, telling the peer.
    void Terminate(size_t index);

    /**
     * Add @p pair (local side first) to connection @p index. With start action Start, a
     * running endpoint negotiates it at once: with CREATE_CHILD_SA or a new Quick Mode on
     * the connection's IKE SA, or with a new IKE SA when there is none. With Trap, the
     * first acquired packet negotiates it; with None, the pair only widens what this
     * gateway accepts as responder. Nothing happens when the connection has the pair
     * already. Throws std::invalid_argument when the connection with the pair is invalid.
     */
    void AddSelectorPair(size_t index, const SelectorPair& pair);
    /**
     * Remove @p pair from connection @p index and delete the CHILD SAs booked under it,
     * telling the peer (an INFORMATIONAL Delete, or an IKEv1 Delete payload). Packets
     * queued for the pair are dropped. Returns false when the connection has no such pair.
     */
    bool RemoveSelectorPair(size_t index, const SelectorPair& pair);

    /**
     * Lose power: forget every IKE SA, CHILD SA, pending negotiation, retransmission, timer
     * and queued acquired packet without sending anything, and close the sockets. The
     * installed CHILD SA halves are removed through the CHILD SA callback, so the SAD
     * entries go too. The peer finds out by dead peer detection, or by the INITIAL_CONTACT
     * of the next IKE SA that this endpoint initiates (RFC 7296 s2.4).
     */
    void PowerOff();
    /// Come back after PowerOff with the configuration only: open the sockets and negotiate
    /// the connections whose start action is Start, as a daemon does at boot.
    void PowerOn();
    /// False between PowerOff and PowerOn, and before the application starts.
    bool IsRunning() const { return m_running; }

    /// State of the newest IKE SA of connection @p index; nullopt if none was created.
    std::optional<IkeSaState> GetIkeSaState(size_t index) const;
    /// Installed CHILD SA pairs of connection @p index, not counting ones being replaced.
    size_t GetActiveChildSaCount(size_t index) const;
    const IkeCounters& GetCounters() const { return m_counters; }
    const std::vector<IkeFailure>& GetFailures() const { return m_failures; }
    /// Finished negotiations (start and finish times), in order of finishing.
    const std::vector<IkeNegotiationRecord>& GetNegotiations() const { return m_negotiations; }
    /// Drops by reason.
    const std::map<IkeDropReason, uint64_t>& GetDrops() const { return m_drops; }

    /// Signatures of the trace sources.
    typedef void (*MessageTracedCallback)(const IkeMessageRecord& record);
    typedef void (*NegotiationTracedCallback)(const IkeNegotiationRecord& record);
    typedef void (*FailureTracedCallback)(const IkeFailure& failure);
    typedef void (*ChildSaTracedCallback)(ChildSaAction action,
                                          const ChildSaParameters& parameters);
    typedef void (*DropTracedCallback)(IkeDropReason reason);
    /// Callback types to connect to the MessageSent and MessageReceived traces.
    using MessageCallback = ns3::Callback<void, const IkeMessageRecord&>;

    /// Use @p stream for the random variables; returns the number of streams used (1).
    int64_t AssignStreams(int64_t stream);

    // Used by IkeSa and its subclasses.
    ns3::Time GetRetransmitTimeout() const { return m_retransmitTimeout; }
    double GetRetransmitBase() const { return m_retransmitBase; }
    uint32_t GetRetransmitTries() const { return m_retransmitTries; }
    ns3::Time GetDhDelay() const { return m_dhDelay; }
    uint64_t GetSeed() const { return m_seed; }
    uint32_t GetNonceSize() const { return m_nonceSize; }
    Bytes RandomBytes(size_t count);
    uint32_t RandomUint32();
    double RandomUniform(double min, double max);
    /// A new IKE SPI (nonzero, RFC 7296 s3.1).
    uint64_t NewIkeSpi();
    /// Send @p bytes from connection @p index's local address to its peer, on UDP 4500
    /// with the non-ESP marker when @p natPort (RFC 3948 s2.2), else on UDP 500.
    void SendDatagram(size_t index, const Bytes& bytes, bool natPort);
    void RecordSent(const IkeMessageRecord& record);
    void RecordReceived(const IkeMessageRecord& record);
    void RecordDrop(IkeDropReason reason);
    void RecordFailure(const IkeFailure& failure);
    void RecordStarted(const IkeNegotiationRecord& record);
    void RecordFinished(const IkeNegotiationRecord& record);
    void InstallChild(ChildSaAction action, const ChildSaParameters& parameters);
    /// A CHILD SA for configured pair @p pair is installed: release its queued packets.
    void ChildUp(size_t index, const SelectorPair& pair,
                 const std::vector<SelectorPair>& negotiated);
    /// Negotiation for @p pair failed: drop its queued packets.
    void ChildFailed(size_t index, const SelectorPair& pair);
    /// The IKE SA gave up on a dead peer: apply the connection's DPD action.
    void PeerDead(size_t index);
    /// Delete @p sa at the next scheduler step (never from inside its own method).
    void ScheduleRemoval(IkeSa* sa);
    /// True when another connecting or established IKE SA has the peer of @p sa.
    bool HasOtherSaWithPeer(const IkeSa& sa) const;
    /// Discard every established IKE SA with the peer of @p sa except @p sa itself.
    void DiscardOtherSasWithPeer(const IkeSa& sa);
    IkeCounters& Counters() { return m_counters; }

  private:
    void StartApplication() override;
    void StopApplication() override;
    void DoDispose() override;

    void HandleRead(ns3::Ptr<ns3::Socket> socket);
    void HandleDatagram(const Bytes& bytes, ns3::Ipv4Address from, uint16_t port, bool natPort);
    IkeSa* FindSa(const IkeHeader& header, ns3::Ipv4Address from);
    std::optional<size_t> FindConnectionByPeer(ns3::Ipv4Address peer) const;
    /// A new IKE SA; a responder takes the SPI (cookie) of the peer's first message.
    IkeSa* CreateSa(size_t index, bool initiator, uint64_t peerInitiatorSpi = 0);
    /// The IKE SA of connection @p index that is connecting or established, if any.
    IkeSa* ActiveSa(size_t index) const;
    void RemoveSa(IkeSa* sa);
    ns3::Ptr<ns3::Socket> OpenSocket(ns3::Ipv4Address local, uint16_t port);
    void OpenSockets();
    void CloseSockets();
    /// Negotiate the connections whose start action is Start.
    void InitiateStartConnections();

    struct QueuedPacket
    {
        ns3::Ptr<ns3::Packet> packet;
        ns3::Ipv4Header header;
    };

    std::vector<IkeConnection> m_connections;
    /// Connection accepts acquires (start action start or trap, or DPD action hold).
    std::vector<bool> m_acceptsAcquire;
    std::vector<std::unique_ptr<IkeSa>> m_sas;
    /// Newest IKE SA state per connection, kept after the SA is gone.
    std::map<size_t, IkeSaState> m_lastState;
    std::map<std::pair<size_t, size_t>, std::deque<QueuedPacket>> m_acquireQueues;
    std::map<ns3::Ipv4Address, ns3::Ptr<ns3::Socket>> m_sockets;
    std::map<ns3::Ipv4Address, ns3::Ptr<ns3::Socket>> m_natSockets;
    bool m_running = false;

    uint64_t m_seed;
    ns3::Time m_retransmitTimeout;
    double m_retransmitBase;
    uint32_t m_retransmitTries;
    ns3::Time m_dhDelay;
    uint32_t m_acquireQueueSize;
    uint32_t m_nonceSize;
    ns3::Ptr<ns3::UniformRandomVariable> m_random;

    ChildSaCallback m_childSaCallback;
    ReleaseCallback m_releaseCallback;
    IkeCounters m_counters;
    std::vector<IkeFailure> m_failures;
    std::vector<IkeNegotiationRecord> m_negotiations;
    std::map<IkeDropReason, uint64_t> m_drops;

    ns3::TracedCallback<const IkeMessageRecord&> m_sentTrace;
    ns3::TracedCallback<const IkeMessageRecord&> m_receivedTrace;
    ns3::TracedCallback<const IkeNegotiationRecord&> m_startedTrace;
    ns3::TracedCallback<const IkeNegotiationRecord&> m_finishedTrace;
    ns3::TracedCallback<const IkeFailure&> m_failedTrace;
    ns3::TracedCallback<ChildSaAction, const ChildSaParameters&> m_childSaTrace;
    ns3::TracedCallback<IkeDropReason> m_dropTrace;
};

} // namespace tunnelsim

#endif
