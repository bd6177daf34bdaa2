#include "security-policy-database.h"

#include "ipv4-header.h"
#include "ns3/log.h"

#include <algorithm>
#include <limits>
#include <map>
#include <stdexcept>

namespace tunnelsim
{

NS_LOG_COMPONENT_DEFINE("SecurityPolicyDatabase");
NS_OBJECT_ENSURE_REGISTERED(SecurityPolicyDatabase);

namespace
{

constexpr uint32_t kMaxAddress = std::numeric_limits<uint32_t>::max();

bool
SelectorIsWellFormed(const TrafficSelector& selector)
{
    return selector.startAddress <= selector.endAddress && selector.startPort <= selector.endPort;
}

bool
PortsAreAny(const TrafficSelector& selector)
{
    return selector.ipProtocol == kAnyIpProtocol
           || (selector.startPort == kMinPort && selector.endPort == kMaxPort);
}

/// One side of RFC 4301 s4.4.1.1 matching: address range, protocol, then ports.
bool
SideMatches(const TrafficSelector& selector, uint32_t address, uint8_t protocol, uint16_t port,
            PortAvailability ports)
{
    if (address < selector.startAddress || address > selector.endAddress)
    {
        return false;
    }
    if (selector.ipProtocol != kAnyIpProtocol && selector.ipProtocol != protocol)
    {
        return false;
    }
    if (PortsAreAny(selector))
    {
        return true;
    }
    if (!ProtocolHasPorts(protocol))
    {
        return false;
    }
    switch (ports)
    {
        case PortAvailability::Known:
            return port >= selector.startPort && port <= selector.endPort;
        case PortAvailability::Pending:
            return true;
        case PortAvailability::Absent:
            return false;
    }
    return false;
}

const TrafficSelector&
RemoteSide(const SecurityPolicy& policy)
{
    return policy.selectors.remote;
}

const TrafficSelector&
LocalSide(const SecurityPolicy& policy)
{
    return policy.selectors.local;
}

/**
 * Cut the address space at the range ends of the entries at @p positions (taken from
 * @p side) and list, for each piece, the entries whose range covers it, in the order of
 * @p positions. A piece's list is closed after an entry for which @p closes returns true,
 * because no later entry can match a packet in that piece.
 */
template<typename SideOf, typename Closes>
void
Partition(const std::vector<SecurityPolicy>& entries, const std::vector<uint32_t>& positions,
          SideOf side, Closes closes, std::vector<uint32_t>& starts,
          std::vector<std::vector<uint32_t>>& members)
{
    starts.assign(1, 0);
    for (uint32_t position : positions)
    {
        const TrafficSelector& range = side(entries[position]);
        starts.push_back(range.startAddress);
        if (range.endAddress != kMaxAddress)
        {
            starts.push_back(range.endAddress + 1);
        }
    }
    std::sort(starts.begin(), starts.end());
    starts.erase(std::unique(starts.begin(), starts.end()), starts.end());

    members.assign(starts.size(), {});
    std::vector<bool> closed(starts.size(), false);
    for (uint32_t position : positions)
    {
        const SecurityPolicy& policy = entries[position];
        const TrafficSelector& range = side(policy);
        const size_t begin
            = std::lower_bound(starts.begin(), starts.end(), range.startAddress) - starts.begin();
        const size_t end
            = range.endAddress == kMaxAddress
                  ? starts.size()
                  : std::lower_bound(starts.begin(), starts.end(), range.endAddress + 1)
                        - starts.begin();
        const bool closesPiece = closes(policy);
        for (size_t piece = begin; piece < end; ++piece)
        {
            if (closed[piece])
            {
                continue;
            }
            members[piece].push_back(position);
            closed[piece] = closesPiece;
        }
    }
}

/**
 * Index of the interval that contains @p address among the @p count intervals starting at
 * @p starts (sorted, starts[0] == 0). The halving has no branch on the data, so the
 * compiler emits conditional moves. With 10,000 entries a lookup makes about 16 steps, and
 * mispredicted branches would cost more than the steps themselves.
 */
size_t
FindInterval(const uint32_t* starts, size_t count, uint32_t address)
{
    const uint32_t* base = starts;
    size_t length = count;
    while (length > 1)
    {
        const size_t half = length / 2;
        base = base[half] <= address ? base + half : base;
        length -= half;
    }
    return static_cast<size_t>(base - starts);
}

} // namespace

std::string_view
ToString(PolicyAction action)
{
    switch (action)
    {
        case PolicyAction::Protect:
            return "protect";
        case PolicyAction::Bypass:
            return "bypass";
        case PolicyAction::Discard:
            return "discard";
    }
    return "unknown";
}

std::optional<PolicyAction>
ParsePolicyAction(std::string_view name)
{
    for (PolicyAction action : {PolicyAction::Protect, PolicyAction::Bypass, PolicyAction::Discard})
    {
        if (ToString(action) == name)
        {
            return action;
        }
    }
    return std::nullopt;
}

bool
SecurityPolicy::HasPortSelectors() const
{
    return !PortsAreAny(selectors.local) || !PortsAreAny(selectors.remote);
}

bool
SecurityPolicy::MatchesAllProtocols() const
{
    return selectors.local.ipProtocol == kAnyIpProtocol
           && selectors.remote.ipProtocol == kAnyIpProtocol;
}

bool
SecurityPolicy::AppliesTo(TrafficDirection traffic) const
{
    switch (direction)
    {
        case PolicyDirection::Both:
            return true;
        case PolicyDirection::Outbound:
            return traffic == TrafficDirection::Outbound;
        case PolicyDirection::Inbound:
            return traffic == TrafficDirection::Inbound;
    }
    return false;
}

bool
ProtocolHasPorts(uint8_t protocol)
{
    return protocol == kIpProtocolTcp || protocol == kIpProtocolUdp;
}

bool
PolicyMatches(const SecurityPolicy& policy, TrafficDirection direction,
              const PacketSelectorFields& packet)
{
    return policy.AppliesTo(direction) && SelectorsMatch(policy.selectors, direction, packet);
}

bool
SelectorsMatch(const SelectorPair& selectors, TrafficDirection direction,
               const PacketSelectorFields& packet)
{
    const bool outbound = direction == TrafficDirection::Outbound;
    const uint32_t localAddress = outbound ? packet.source : packet.destination;
    const uint32_t remoteAddress = outbound ? packet.destination : packet.source;
    const uint16_t localPort = outbound ? packet.sourcePort : packet.destinationPort;
    const uint16_t remotePort = outbound ? packet.destinationPort : packet.sourcePort;
    return SideMatches(selectors.local, localAddress, packet.protocol, localPort, packet.ports)
           && SideMatches(selectors.remote, remoteAddress, packet.protocol, remotePort,
                          packet.ports);
}

ns3::TypeId
SecurityPolicyDatabase::GetTypeId()
{
    static ns3::TypeId tid = ns3::TypeId("tunnelsim::SecurityPolicyDatabase")
                                 .SetParent<ns3::Object>()
                                 .SetGroupName("Ipsec")
                                 .AddConstructor<SecurityPolicyDatabase>();
    return tid;
}

SecurityPolicyDatabase::SecurityPolicyDatabase() = default;
SecurityPolicyDatabase::~SecurityPolicyDatabase() = default;

uint32_t
SecurityPolicyDatabase::Add(const SecurityPolicy& policy)
{
    return Insert(m_entries.size(), policy);
}

uint32_t
SecurityPolicyDatabase::Insert(size_t position, const SecurityPolicy& policy)
{
    if (!SelectorIsWellFormed(policy.selectors.local)
        || !SelectorIsWellFormed(policy.selectors.remote))
    {
        throw std::invalid_argument("SPD entry " + policy.selectors.ToString()
                                    + " has a start address or port above its end");
    }
    SecurityPolicy entry = policy;
    entry.id = m_nextId++;
    position = std::min(position, m_entries.size());
    m_entries.insert(m_entries.begin() + position, entry);
    m_indexValid = false;
    NS_LOG_LOGIC("SPD entry " << entry.id << " " << ToString(entry.action) << " "
                              << entry.selectors.ToString() << " at position " << position);
    return entry.id;
}

bool
SecurityPolicyDatabase::Remove(uint32_t id)
{
    auto it = std::find_if(m_entries.begin(), m_entries.end(),
                           [id](const SecurityPolicy& p)
                           {
                               return p.id == id;
                           });
    if (it == m_entries.end())
    {
        return false;
    }
    m_entries.erase(it);
    m_indexValid = false;
    return true;
}

void
SecurityPolicyDatabase::Clear()
{
    m_entries.clear();
    m_indexValid = false;
}

size_t
SecurityPolicyDatabase::GetN() const
{
    return m_entries.size();
}

const SecurityPolicy&
SecurityPolicyDatabase::Get(size_t position) const
{
    return m_entries[position];
}

const SecurityPolicy*
SecurityPolicyDatabase::Find(uint32_t id) const
{
    for (const SecurityPolicy& policy : m_entries)
    {
        if (policy.id == id)
        {
            return &policy;
        }
    }
    return nullptr;
}

size_t
SecurityPolicyDatabase::GetPosition(const SecurityPolicy& policy) const
{
    return static_cast<size_t>(&policy - m_entries.data());
}

size_t
SecurityPolicyDatabase::Count(PolicyAction action) const
{
    return std::count_if(m_entries.begin(), m_entries.end(),
                         [action](const SecurityPolicy& p)
                         {
                             return p.action == action;
                         });
}

const SecurityPolicy*
SecurityPolicyDatabase::Lookup(TrafficDirection direction, const PacketSelectorFields& packet) const
{
    if (!m_indexValid)
    {
        BuildIndex();
    }
    const DirectionIndex& index = direction == TrafficDirection::Outbound ? m_outbound : m_inbound;
    return LookupIndexed(index, direction, packet);
}

const SecurityPolicy*
SecurityPolicyDatabase::LookupLinear(TrafficDirection direction,
                                     const PacketSelectorFields& packet) const
{
    for (const SecurityPolicy& policy : m_entries)
    {
        if (PolicyMatches(policy, direction, packet))
        {
            return &policy;
        }
    }
    return nullptr;
}

const SecurityPolicy*
SecurityPolicyDatabase::LookupIndexed(const DirectionIndex& index, TrafficDirection direction,
                                      const PacketSelectorFields& packet) const
{
    const bool outbound = direction == TrafficDirection::Outbound;
    const uint32_t localAddress = outbound ? packet.source : packet.destination;
    const uint32_t remoteAddress = outbound ? packet.destination : packet.source;

    const RemoteInterval& interval = index.remoteIntervals[FindInterval(
        index.remoteStarts.data(), index.remoteStarts.size(), remoteAddress)];
    const size_t cell = interval.cellBase
                        + FindInterval(index.localStarts.data() + interval.startsOffset,
                                       interval.cellCount, localAddress);
    for (uint32_t slot = index.cellBegin[cell]; slot < index.cellBegin[cell + 1]; ++slot)
    {
        const uint32_t entry = index.cellEntries[slot];
        if (entry & kMatchesAllFlag)
        {
            return &m_entries[entry & ~kMatchesAllFlag];
        }
        // The cell guarantees addresses and direction; protocol and ports remain.
        if (PolicyMatches(m_entries[entry], direction, packet))
        {
            return &m_entries[entry];
        }
    }
    return nullptr;
}

void
SecurityPolicyDatabase::BuildIndex() const
{
    BuildDirection(TrafficDirection::Outbound, m_outbound);
    BuildDirection(TrafficDirection::Inbound, m_inbound);
    m_indexValid = true;
}

void
SecurityPolicyDatabase::BuildDirection(TrafficDirection direction, DirectionIndex& index) const
{
    std::vector<uint32_t> positions;
    for (uint32_t position = 0; position < m_entries.size(); ++position)
    {
        if (m_entries[position].AppliesTo(direction))
        {
            positions.push_back(position);
        }
    }

    // First level: remote address. An entry closes a remote interval only when it also
    // covers every local address and every protocol.
    std::vector<std::vector<uint32_t>> remoteMembers;
    Partition(
        m_entries, positions, RemoteSide,
        [](const SecurityPolicy& policy)
        {
            return policy.MatchesAllProtocols() && policy.selectors.local.startAddress == 0
                   && policy.selectors.local.endAddress == kMaxAddress;
        },
        index.remoteStarts, remoteMembers);

    // Second level: local address within each remote interval, appended to flat arrays.
    index.remoteIntervals.clear();
    index.localStarts.clear();
    index.cellBegin.assign(1, 0);
    index.cellEntries.clear();
    std::map<std::vector<uint32_t>, uint32_t> sharedStarts;
    std::vector<uint32_t> starts;
    std::vector<std::vector<uint32_t>> cells;
    for (const std::vector<uint32_t>& members : remoteMembers)
    {
        Partition(
            m_entries, members, LocalSide,
            [](const SecurityPolicy& policy)
            {
                return policy.MatchesAllProtocols();
            },
            starts, cells);
        RemoteInterval interval;
        interval.cellCount = static_cast<uint32_t>(starts.size());
        interval.cellBase = static_cast<uint32_t>(index.cellBegin.size() - 1);
        auto [shared, added]
            = sharedStarts.emplace(starts, static_cast<uint32_t>(index.localStarts.size()));
        if (added)
        {
            index.localStarts.insert(index.localStarts.end(), starts.begin(), starts.end());
        }
        interval.startsOffset = shared->second;
        index.remoteIntervals.push_back(interval);
        for (const std::vector<uint32_t>& cell : cells)
        {
            for (uint32_t position : cell)
            {
                const bool matchesAll = m_entries[position].MatchesAllProtocols();
                index.cellEntries.push_back(position | (matchesAll ? kMatchesAllFlag : 0));
            }
            index.cellBegin.push_back(static_cast<uint32_t>(index.cellEntries.size()));
        }
    }
}

} // namespace tunnelsim
