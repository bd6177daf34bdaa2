#include "ospf-lsdb.h"

#include <algorithm>
#include <cstdlib>

namespace tunnelsim
{

int
CompareLsaInstances(const LsaHeader& a, const LsaHeader& b)
{
    // s13.1: LS sequence numbers are signed, so 0x80000001 is the smallest.
    if (a.sequenceNumber != b.sequenceNumber)
    {
        return a.sequenceNumber > b.sequenceNumber ? 1 : -1;
    }
    if (a.checksum != b.checksum)
    {
        return a.checksum > b.checksum ? 1 : -1;
    }
    const bool aMaxAge = a.age >= kMaxAge;
    const bool bMaxAge = b.age >= kMaxAge;
    if (aMaxAge != bMaxAge)
    {
        return aMaxAge ? 1 : -1;
    }
    if (std::abs(int{a.age} - int{b.age}) > kMaxAgeDiff)
    {
        return a.age < b.age ? 1 : -1;
    }
    return 0;
}

const OspfLsdb::Entry*
OspfLsdb::Find(const LsaKey& key) const
{
    auto it = m_entries.find(key);
    return it == m_entries.end() ? nullptr : &it->second;
}

OspfLsdb::Entry*
OspfLsdb::Find(const LsaKey& key)
{
    auto it = m_entries.find(key);
    return it == m_entries.end() ? nullptr : &it->second;
}

OspfLsdb::Entry&
OspfLsdb::Install(Lsa lsa, ns3::Time now)
{
    const LsaKey key = KeyOf(lsa.header);
    Entry& entry = m_entries[key];
    entry.lsa = std::move(lsa);
    entry.installedAt = now;
    entry.maxAgeFlooded = false;
    entry.receivedByFlooding = false;
    return entry;
}

void
OspfLsdb::Remove(const LsaKey& key)
{
    m_entries.erase(key);
}

uint16_t
OspfLsdb::AgeAt(const Entry& entry, ns3::Time now)
{
    const int64_t elapsed
        = std::max<int64_t>(0, static_cast<int64_t>((now - entry.installedAt).GetSeconds()));
    const int64_t age = int64_t{entry.lsa.header.age} + elapsed;
    return static_cast<uint16_t>(std::min<int64_t>(age, kMaxAge));
}

LsaHeader
OspfLsdb::HeaderAt(const Entry& entry, ns3::Time now)
{
    LsaHeader header = entry.lsa.header;
    header.age = AgeAt(entry, now);
    return header;
}

Lsa
OspfLsdb::LsaAt(const Entry& entry, ns3::Time now)
{
    Lsa lsa = entry.lsa;
    lsa.header.age = AgeAt(entry, now);
    return lsa;
}

} // namespace tunnelsim
