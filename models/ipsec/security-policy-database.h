/*
 * Security Policy Database (RFC 4301 s4.4.1): an ordered list of entries, each a selector
 * pair and an action (PROTECT, BYPASS or DISCARD). The first entry that matches a packet
 * decides its fate, outbound and inbound alike.
 *
 * Lookups go through an index and stay fast with 10,000 entries while keeping first-match
 * order. The remote address space is cut into intervals at every entry's range ends, and
 * each interval is cut again on the local side. Each resulting cell lists, in SPD order,
 * the entries whose address ranges cover the whole cell. A lookup is two branch-free binary
 * searches and a scan of one cell, which stops at the first entry whose protocol and ports also
 * match. A cell's list ends at its first entry that matches every protocol and port,
 * because no later entry can win there. The index is rebuilt on the first lookup after a
 * change. tests/bench/spd-bench.cc measures it against the linear scan.
 *
 * Limitations:
 * - IPv4 only.
 * - Port selectors apply to TCP and UDP only. Packets of other protocols, and non-initial
 *   fragments, match only entries whose ports are "any" (no ICMP type and code selectors,
 *   no OPAQUE handling of RFC 4301 s4.4.1.1).
 * - No name, data-sensitivity or PFP ("populate from packet") selectors.
 * - The index can grow quadratically with deeply nested overlapping ranges; subnet pairs and
 *   catch-all entries keep it linear in practice.
 * - At most 2^31 entries (the index keeps a flag in the top bit of each position).
 */
#ifndef TUNNELSIM_IPSEC_SECURITY_POLICY_DATABASE_H
#define TUNNELSIM_IPSEC_SECURITY_POLICY_DATABASE_H

#include "ns3/object.h"
#include "traffic-selector.h"

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace tunnelsim
{

/** Action of an SPD entry on the packets it matches first (RFC 4301 s4.4.1). */
enum class PolicyAction : uint8_t
{
    Protect, ///< apply IPsec with the SA bound to the entry
    Bypass,  ///< pass in the clear
    Discard, ///< drop
};

std::string_view ToString(PolicyAction action);
std::optional<PolicyAction> ParsePolicyAction(std::string_view name);

/** Direction of a packet relative to the gateway. */
enum class TrafficDirection : uint8_t
{
    Outbound, ///< leaving through IPsec processing: local side = source
    Inbound,  ///< arriving: local side = destination
};

/** Lookups an entry takes part in (RFC 4301 s4.4.1: SPD-O, SPD-I, or both as SPD-S). */
enum class PolicyDirection : uint8_t
{
    Outbound,
    Inbound,
    Both,
};

/** One SPD entry. */
struct SecurityPolicy
{
    /// Assigned by SecurityPolicyDatabase::Add, unique within the SPD and never reused.
    uint32_t id = 0;
    /// Local side = this gateway's side (source of outbound packets).
    SelectorPair selectors;
    PolicyAction action = PolicyAction::Discard;
    PolicyDirection direction = PolicyDirection::Both;

    /// True when either side restricts ports, so a lookup without ports cannot decide.
    bool HasPortSelectors() const;
    /// True when the entry matches every protocol and port (only addresses restrict it).
    bool MatchesAllProtocols() const;
    bool AppliesTo(TrafficDirection traffic) const;
};

/** Whether a packet's port numbers are available to the lookup. */
enum class PortAvailability : uint8_t
{
    Known,   ///< ports read from the TCP or UDP header
    Pending, ///< a locally generated packet before its transport header exists
    Absent,  ///< protocol without ports, or a non-initial fragment
};

/** The header fields of a packet that the SPD matches (RFC 4301 s4.4.1.1). */
struct PacketSelectorFields
{
    uint32_t source = 0;      ///< host byte order
    uint32_t destination = 0; ///< host byte order
    uint8_t protocol = 0;
    uint16_t sourcePort = 0;
    uint16_t destinationPort = 0;
    PortAvailability ports = PortAvailability::Absent;
};

/** True for the IP protocols whose selectors carry port ranges here (TCP and UDP). */
bool ProtocolHasPorts(uint8_t protocol);

/**
 * True when @p selectors (local = this gateway's side) match @p packet travelling in
 * @p direction. With Pending ports, a selector that restricts ports counts as a match (the
 * caller must decide again once the ports are known).
 */
bool SelectorsMatch(const SelectorPair& selectors, TrafficDirection direction,
                    const PacketSelectorFields& packet);

/// SelectorsMatch on the entry's selectors, for entries that apply to @p direction.
bool PolicyMatches(const SecurityPolicy& policy, TrafficDirection direction,
                   const PacketSelectorFields& packet);

class SecurityPolicyDatabase : public ns3::Object
{
  public:
    static ns3::TypeId GetTypeId();

    SecurityPolicyDatabase();
    ~SecurityPolicyDatabase() override;

    /**
     * Append @p policy (lowest precedence so far) and return its new id. The id field of
     * @p policy is ignored. Throws std::invalid_argument for an invalid selector.
     */
    uint32_t Add(const SecurityPolicy& policy);
    /// Insert @p policy before position @p position (0 = highest precedence); returns its id.
    uint32_t Insert(size_t position, const SecurityPolicy& policy);
    /// Remove the entry with @p id; false if there is none.
    bool Remove(uint32_t id);
    void Clear();

    /// Number of entries.
    size_t GetN() const;
    /// Entry at @p position in precedence order; the caller checks position < GetN().
    const SecurityPolicy& Get(size_t position) const;
    /// Entry with @p id, or nullptr.
    const SecurityPolicy* Find(uint32_t id) const;
    /// Position of @p policy, an entry returned by Lookup, Find or Get, in precedence order.
    size_t GetPosition(const SecurityPolicy& policy) const;
    /// Number of entries with @p action.
    size_t Count(PolicyAction action) const;

    /**
     * The first entry in precedence order that applies to @p direction and matches @p packet,
     * or nullptr. Uses the index.
     */
    const SecurityPolicy* Lookup(TrafficDirection direction,
                                 const PacketSelectorFields& packet) const;
    /// Same result as Lookup by scanning every entry; the reference for tests.
    const SecurityPolicy* LookupLinear(TrafficDirection direction,
                                       const PacketSelectorFields& packet) const;

  private:
    /// Location of the local cells of one remote interval.
    struct RemoteInterval
    {
        uint32_t startsOffset = 0; ///< first of its cell starts in localStarts
        uint32_t cellCount = 0;    ///< number of local cells
        uint32_t cellBase = 0;     ///< index of its first cell in cellBegin
    };

    /**
     * The index of one direction, in flat arrays so a lookup touches few cache lines.
     * Remote interval i has cells cellBase .. cellBase + cellCount - 1, which start at the
     * local addresses localStarts[startsOffset ...]. Intervals with the same cut share one
     * copy of those starts. Cell c lists the SPD positions cellEntries[cellBegin[c]] ..
     * cellEntries[cellBegin[c + 1] - 1] in precedence order, each with kMatchesAllFlag set
     * when the entry matches every packet of the cell (no protocol or port selector).
     */
    struct DirectionIndex
    {
        std::vector<uint32_t> remoteStarts;          ///< first address of each interval
        std::vector<RemoteInterval> remoteIntervals; ///< one per remote interval
        std::vector<uint32_t> localStarts;           ///< shared cell start addresses
        std::vector<uint32_t> cellBegin;             ///< per cell, first slot in cellEntries
        std::vector<uint32_t> cellEntries;           ///< SPD positions, maybe flagged
    };

    /// Set in cellEntries when the entry needs no check beyond its cell.
    static constexpr uint32_t kMatchesAllFlag = 0x80000000u;

    void BuildIndex() const;
    void BuildDirection(TrafficDirection direction, DirectionIndex& index) const;
    const SecurityPolicy* LookupIndexed(const DirectionIndex& index, TrafficDirection direction,
                                        const PacketSelectorFields& packet) const;

    std::vector<SecurityPolicy> m_entries;
    uint32_t m_nextId = 1;

    mutable bool m_indexValid = false;
    mutable DirectionIndex m_outbound;
    mutable DirectionIndex m_inbound;
};

} // namespace tunnelsim

#endif
