/*
 * Configuration of one IKE connection (a peer and the selector pairs to protect with it),
 * and the records the IKE model reports through its traces: messages, negotiations,
 * failures and CHILD SA installations.
 *
 * Limitations:
 * - Pre-shared key authentication only (no certificates, no EAP).
 * - One IKE SA per connection; IKE SA rekeying and reauthentication are not modeled.
 */
#ifndef TUNNELSIM_IPSEC_IKE_CONNECTION_H
#define TUNNELSIM_IPSEC_IKE_CONNECTION_H

#include "esp-suite.h"
#include "ike-message.h"
#include "ike-suite.h"
#include "ns3/ipv4-address.h"
#include "ns3/nstime.h"
#include "sa-keys.h"
#include "traffic-selector.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tunnelsim
{

/** When a connection negotiates (strongSwan's start_action / auto). */
enum class IkeStartAction : uint8_t
{
    None,  ///< respond only
    Start, ///< negotiate every selector pair when the endpoint starts
    Trap,  ///< negotiate a selector pair when its first packet is acquired
};

/** Action after dead peer detection declares the peer dead (RFC 3706, RFC 7296 s2.4). */
enum class DpdAction : uint8_t
{
    Clear,   ///< remove every SA of the connection
    Restart, ///< remove them and negotiate again at once
    Hold,    ///< remove them and negotiate again on the next acquired packet
};

std::string_view ToString(IkeStartAction action);
std::optional<IkeStartAction> ParseIkeStartAction(std::string_view name);
std::string_view ToString(DpdAction action);
std::optional<DpdAction> ParseDpdAction(std::string_view name);

/// strongSwan defaults (ipsec.conf, 5.9): CHILD SA lifetime 1 h, rekey margin 9 min, rekey
/// fuzz 100 % of the margin, and a DPD timeout of 150 s.
constexpr double kDefaultChildLifetimeSeconds = 3600;
constexpr double kDefaultRekeyMarginSeconds = 540;
constexpr double kDefaultRekeyFuzz = 1.0;
constexpr double kDefaultDpdTimeoutSeconds = 150;

/** One connection of an IKE endpoint. */
struct IkeConnection
{
    std::string name;
    IkeVersion version = IkeVersion::V2;
    ns3::Ipv4Address localAddress;  ///< this gateway's IKE address
    ns3::Ipv4Address remoteAddress; ///< the peer's IKE address
    /// Pre-shared key. Never logged or traced.
    std::string preSharedKey;
    /// IKE SA proposals, in preference order.
    std::vector<IkeSuite> ikeProposals{IkeSuite{}};
    /// CHILD SA (ESP) proposals, in preference order.
    std::vector<EspSuite> espProposals{EspSuite{}};
    /// Diffie-Hellman group for PFS in CREATE_CHILD_SA and Quick Mode; None = no PFS.
    DhGroup pfsGroup = DhGroup::None;
    /// Selector pairs, local side first. One CHILD SA (or Quick Mode) per pair.
    std::vector<SelectorPair> selectors;
    /// Matching rule of this gateway as responder for proposed selectors.
    SelectorMatchStyle matchStyle = SelectorMatchStyle::Ikev2Narrowing;
    IkeStartAction startAction = IkeStartAction::Start;
    /// Hard lifetime of a CHILD SA; rekeying starts RekeyTime() before it.
    ns3::Time childLifetime = ns3::Seconds(kDefaultChildLifetimeSeconds);
    /// Rekeying starts this long before the hard lifetime, plus a random part of it.
    ns3::Time rekeyMargin = ns3::Seconds(kDefaultRekeyMarginSeconds);
    /// Random share of the margin added before rekeying (0..1): strongSwan's rekeyfuzz.
    double rekeyFuzz = kDefaultRekeyFuzz;
    /// Interval of liveness checks; zero disables DPD.
    ns3::Time dpdDelay = ns3::Seconds(0);
    /// A liveness check unanswered this long declares the peer dead.
    ns3::Time dpdTimeout = ns3::Seconds(kDefaultDpdTimeoutSeconds);
    DpdAction dpdAction = DpdAction::Clear;
    /// Move to UDP 4500 with the non-ESP marker after the first exchange (RFC 7296 s2.23
    /// with forced encapsulation, strongSwan's encap=yes).
    bool natTraversal = false;
    /// Mode of the CHILD SAs. Transport mode protects only traffic between the two IKE
    /// addresses, so every selector pair must name exactly those two addresses.
    IpsecMode mode = IpsecMode::Tunnel;

    /**
     * Why the configuration cannot run, or an empty string when it can: a missing key or
     * address, no proposals, an invalid suite, an IKEv1 connection with an AES-GCM IKE
     * suite, a fuzz outside 0..1, a margin not below the lifetime, transport mode with
     * selectors other than the two IKE addresses.
     */
    std::string Validate() const;
};

/** Kind of negotiation a record is about. */
enum class IkeNegotiationKind : uint8_t
{
    IkeSa,    ///< IKE_SA_INIT + IKE_AUTH, or Main Mode
    ChildSa,  ///< a new CHILD SA (in IKE_AUTH or CREATE_CHILD_SA), or Quick Mode
    Rekey,    ///< CHILD SA rekeying
    Liveness, ///< dead peer detection
};

std::string_view ToString(IkeNegotiationKind kind);

/** Reason a negotiation failed. Stable names: they appear in results. */
enum class IkeFailureReason : uint8_t
{
    NoProposalChosen,     ///< no common IKE or ESP suite
    AuthenticationFailed, ///< pre-shared keys differ
    TsUnacceptable,       ///< selectors rejected (IKEv2 TS_UNACCEPTABLE)
    InvalidIdInformation, ///< selectors rejected (IKEv1 INVALID_ID_INFORMATION)
    TimedOut,             ///< no answer after every retransmission
    PeerDead,             ///< dead peer detection gave up
    InvalidResponse,      ///< a response that breaks the protocol (e.g. unoffered suite)
    /// The responder declined transport mode (RFC 7296 s1.3.1) and the initiator deleted
    /// the tunnel-mode CHILD SA it got instead.
    ModeUnacceptable,
};

std::string_view ToString(IkeFailureReason reason);

/** A failed negotiation, reported on the gateway where it was detected. */
struct IkeFailure
{
    std::string connection;
    IkeNegotiationKind kind = IkeNegotiationKind::IkeSa;
    IkeFailureReason reason = IkeFailureReason::TimedOut;
    bool initiator = false; ///< this gateway started the negotiation
    /// The selector pair concerned (local view), for CHILD SA negotiations.
    std::optional<SelectorPair> selectors;
    /// Proposal, rule and responder's closest pairs for selector failures; the suites
    /// for proposal failures. Never contains a key.
    std::string detail;
    ns3::Time time;
};

/** One IKE message sent or received. */
struct IkeMessageRecord
{
    std::string connection;
    IkeVersion version = IkeVersion::V2;
    IkeExchange exchange = IkeExchange::IkeSaInit;
    bool response = false;
    uint32_t messageId = 0;
    uint32_t size = 0;           ///< IKE message bytes (UDP payload without the marker)
    uint32_t retransmission = 0; ///< 0 for the first transmission
};

/** A negotiation that started or finished successfully. */
struct IkeNegotiationRecord
{
    std::string connection;
    IkeNegotiationKind kind = IkeNegotiationKind::IkeSa;
    bool initiator = false;
    std::optional<SelectorPair> selectors;
    ns3::Time started;
    ns3::Time finished; ///< zero in a "started" record
};

/** Change to apply to a CHILD SA half in the SAD. */
enum class ChildSaAction : uint8_t
{
    InstallInbound,
    InstallOutbound, ///< replaces the outbound SA of the same selectors, if any
    RemoveOutbound,
    RemoveInbound,
};

std::string_view ToString(ChildSaAction action);

/** Everything the data path needs to install one CHILD SA pair. */
struct ChildSaParameters
{
    std::string connection;
    uint32_t inboundSpi = 0;
    uint32_t outboundSpi = 0;
    EspSuite suite;
    bool extendedSequenceNumbers = false;
    SaKeys inboundKeys;
    SaKeys outboundKeys;
    /// Negotiated selector pairs, local side first (the cross product of TSi and TSr).
    std::vector<SelectorPair> selectors;
    IpsecMode mode = IpsecMode::Tunnel;
    ns3::Ipv4Address localAddress;  ///< tunnel mode outer source
    ns3::Ipv4Address remoteAddress; ///< tunnel mode outer destination
    ns3::Time lifetime;
    /// This gateway initiated the negotiation that created the SA.
    bool initiator = false;
};

/** Counters of one endpoint (all connections). */
struct IkeCounters
{
    uint64_t requestsSent = 0;
    uint64_t responsesSent = 0;
    uint64_t requestsReceived = 0;
    uint64_t responsesReceived = 0;
    uint64_t retransmissions = 0;        ///< requests sent again after a timeout
    uint64_t responsesRetransmitted = 0; ///< cached responses sent again for a repeat
    uint64_t ikeSasEstablished = 0;
    uint64_t childSasEstablished = 0; ///< new CHILD SAs, rekeys excluded
    uint64_t childSaNegotiations = 0; ///< new CHILD SA negotiations started here
    uint64_t rekeys = 0;
    uint64_t failures = 0;
    uint64_t deadPeers = 0;
    uint64_t acquires = 0;     ///< acquired packets (trap policies)
    uint64_t acquireDrops = 0; ///< acquired packets dropped (queue full, failure)
    uint64_t drops = 0;        ///< IKE datagrams dropped on receipt
    uint64_t initialContactsSent = 0;
    uint64_t initialContactsReceived = 0;
    /// IKE SAs forgotten without a delete: on INITIAL_CONTACT from their peer, or at a power
    /// loss of this gateway.
    uint64_t ikeSasDiscarded = 0;
    /// Messages (requests and responses, retransmissions included) by exchange type.
    std::map<IkeExchange, uint64_t> sentByExchange;
    std::map<IkeExchange, uint64_t> receivedByExchange;
};

} // namespace tunnelsim

#endif
