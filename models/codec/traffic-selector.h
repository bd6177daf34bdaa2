/*
 * Traffic selectors and the responder's selector matching for CHILD SA (IKEv2) and Quick
 * Mode (IKEv1) negotiations. Pure functions, no ns-3, so the rules can be table-tested.
 *
 * A selector is an IPv4 address range with an IP protocol and a port range, as in the
 * RFC 7296 s3.13.1 TS_IPV4_ADDR_RANGE substructure:
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |   TS Type     |IP Protocol ID*|       Selector Length         |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |           Start Port*         |           End Port*           |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                         Starting Address*                     |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                         Ending Address*                       |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Two matching styles, chosen per gateway:
 * - ikev1-strict: the proposed pair must mirror one configured pair exactly, as Cisco crypto
 *   maps and most IKEv1 responders require for Quick Mode proxy identities.
 * - ikev2-narrowing: RFC 7296 s2.9, the responder responds with the intersection of the
 *   proposal and its configured selectors, and rejects only when nothing remains.
 *
 * Limitations:
 * - IPv4 only (no TS_IPV6_ADDR_RANGE).
 * - Narrowing returns at most one TSi list and one TSr list whose cross product is covered
 *   by configured pairs; the uncovered rest is flagged with ADDITIONAL_TS_POSSIBLE
 *   (RFC 7296 s3.10.1) and not negotiated automatically.
 */
#ifndef TUNNELSIM_IPSEC_TRAFFIC_SELECTOR_H
#define TUNNELSIM_IPSEC_TRAFFIC_SELECTOR_H

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tunnelsim
{

/// IP protocol value that matches every protocol (RFC 7296 s3.13.1: "zero means any").
constexpr uint8_t kAnyIpProtocol = 0;
/// Port range that matches every port (RFC 7296 s3.13.1).
constexpr uint16_t kMinPort = 0;
constexpr uint16_t kMaxPort = 65535;

/** One side of a selector pair: address range, IP protocol and port range. */
struct TrafficSelector
{
    uint32_t startAddress = 0;        ///< host byte order, inclusive
    uint32_t endAddress = 0xffffffff; ///< host byte order, inclusive
    uint8_t ipProtocol = kAnyIpProtocol;
    uint16_t startPort = kMinPort; ///< inclusive
    uint16_t endPort = kMaxPort;   ///< inclusive

    /// The selector for prefix @p network/@p length (host bits of @p network are cleared).
    static TrafficSelector FromPrefix(uint32_t network, uint8_t length,
                                      uint8_t ipProtocol = kAnyIpProtocol);
    /// The selector for one host address.
    static TrafficSelector FromAddress(uint32_t address, uint8_t ipProtocol = kAnyIpProtocol);

    /// True when the address range is non-empty and well ordered (start <= end everywhere).
    bool IsValid() const;
    /// True when every packet this selector matches is matched by @p other as well.
    bool IsSubsetOf(const TrafficSelector& other) const;
    /// True when @p address, @p protocol and @p port fall inside (port ignored for protocol 0).
    bool Contains(uint32_t address, uint8_t protocol, uint16_t port) const;
    /// Prefix length when the address range is exactly one CIDR block, else nullopt.
    std::optional<uint8_t> PrefixLength() const;

    /**
     * Text form: "10.1.0.0/24", a range "10.1.0.5-10.1.0.9", then "/proto=47" and
     * "/ports=500-500" when those are not "any".
     */
    std::string ToString() const;

    bool operator==(const TrafficSelector& other) const;
    bool operator!=(const TrafficSelector& other) const { return !(*this == other); }
};

/** Parse "10.1.0.0/24", "10.1.0.5-10.1.0.9" or "0.0.0.0/0" with an optional "/proto=N". */
std::optional<TrafficSelector> ParseTrafficSelector(std::string_view text);

/** The intersection of @p a and @p b, or nullopt when they share no packet. */
std::optional<TrafficSelector> Intersect(const TrafficSelector& a, const TrafficSelector& b);

/**
 * A selector pair seen from one gateway: traffic from @p local to @p remote is protected.
 * In a negotiation the initiator's local side is TSi and its remote side is TSr.
 */
struct SelectorPair
{
    TrafficSelector local;
    TrafficSelector remote;

    /// The same pair seen from the peer (local and remote swapped).
    SelectorPair Mirrored() const { return SelectorPair{remote, local}; }
    /// "local <-> remote".
    std::string ToString() const;

    bool operator==(const SelectorPair& other) const
    {
        return local == other.local && remote == other.remote;
    }
};

/** How a responder decides whether a proposed selector pair is acceptable. */
enum class SelectorMatchStyle : uint8_t
{
    Ikev1Strict,    ///< exact mirror of one configured pair
    Ikev2Narrowing, ///< RFC 7296 s2.9 narrowing to the intersection
};

/** Stable names "ikev1-strict" and "ikev2-narrowing". */
std::string_view ToString(SelectorMatchStyle style);
std::optional<SelectorMatchStyle> ParseSelectorMatchStyle(std::string_view name);

/** Rule that accepted or rejected a proposal. Stable names: they appear in results. */
enum class SelectorRule : uint8_t
{
    ExactMirror,    ///< accepted unchanged: one configured pair mirrors it exactly
    Contained,      ///< narrowing: the proposal lies inside the configured selectors
    Narrowed,       ///< narrowing: the responder answered with a strict subset
    NoExactMirror,  ///< strict: no configured pair mirrors it exactly
    NoIntersection, ///< narrowing: every configured pair is disjoint on at least one side
};

std::string_view ToString(SelectorRule rule);

/**
 * A proposal as the initiator sends it (RFC 7296 s2.9): lists of TSi and TSr whose cross
 * product is the traffic to protect. @p trigger, when present, is the packet that started
 * the negotiation; RFC 7296 s2.9 recommends that the initiator send it as the first TSi and TSr.
 */
struct SelectorProposal
{
    std::vector<TrafficSelector> initiator; ///< TSi
    std::vector<TrafficSelector> responder; ///< TSr
    std::optional<SelectorPair> trigger;    ///< from the initiator's view

    /// The proposal for a single configured pair of the initiator.
    static SelectorProposal FromPair(const SelectorPair& initiatorPair);
};

/** The responder's decision, with the facts a failure report needs. */
struct SelectorMatchResult
{
    bool accepted = false;
    SelectorRule rule = SelectorRule::NoIntersection;
    /// Accepted TSi and TSr (initiator's view); empty when rejected.
    std::vector<TrafficSelector> initiator;
    std::vector<TrafficSelector> responder;
    /// Narrowing left part of the proposal out: RFC 7296 s3.10.1 ADDITIONAL_TS_POSSIBLE.
    bool additionalTsPossible = false;
    /// Responder's configured pairs nearest to the proposal, in the initiator's view
    /// (local = TSi side), best first; filled on rejection.
    std::vector<SelectorPair> closest;

    /// Every (TSi, TSr) combination of the accepted lists, from the initiator's view.
    std::vector<SelectorPair> AcceptedPairs() const;
};

/// At most this many closest configured pairs are reported with a rejection.
constexpr size_t kMaxClosestPairs = 3;

/**
 * Decide what the responder accepts of @p proposal (initiator's view), given the
 * responder's configured pairs @p configured (responder's view: local is its own side).
 * Strict: the first configured pair that mirrors the proposal's first TSi and TSr exactly.
 * Narrowing: RFC 7296 s2.9, intersect with each configured pair in order, preferring one
 * that contains the trigger packet.
 */
SelectorMatchResult MatchSelectors(const SelectorProposal& proposal,
                                   const std::vector<SelectorPair>& configured,
                                   SelectorMatchStyle style);

/**
 * One-line diagnostic naming the proposal, the rule and the closest configured pairs, e.g.
 * "proposed TSi 10.1.0.0/16 TSr 10.2.0.0/24 rejected by ikev1-strict (no-exact-mirror);
 * responder's closest: TSi 10.1.0.0/17 TSr 10.2.0.0/24".
 */
std::string DescribeSelectorMatch(const SelectorProposal& proposal,
                                  const SelectorMatchResult& result, SelectorMatchStyle style);

} // namespace tunnelsim

#endif
