/*
 * The area's link state database (RFC 2328 s12): one instance of each LSA, with the time it
 * was installed so that its LS age advances with simulation time (s12.1.1).
 */
#ifndef TUNNELSIM_OSPF_LSDB_H
#define TUNNELSIM_OSPF_LSDB_H

#include "ns3/nstime.h"
#include "ospf-lsa.h"

#include <map>

namespace tunnelsim
{

/**
 * Compare two instances of the same LSA by RFC 2328 s13.1: the higher sequence number, then
 * the higher checksum, then the one at MaxAge, then the younger by more than MaxAgeDiff is
 * more recent. Ages must be current. Returns > 0 when @p a is more recent, < 0 when @p b is,
 * and 0 when they are the same instance.
 */
int CompareLsaInstances(const LsaHeader& a, const LsaHeader& b);

class OspfLsdb
{
  public:
    struct Entry
    {
        Lsa lsa;                         ///< header.age is the age when installed
        ns3::Time installedAt;           ///< simulation time of installation
        bool maxAgeFlooded = false;      ///< reflooded after reaching MaxAge (s14)
        bool receivedByFlooding = false; ///< from a neighbour, not originated here (s13 (5a))
    };

    const Entry* Find(const LsaKey& key) const;
    Entry* Find(const LsaKey& key);

    /// Install @p lsa, replacing any instance with the same key (s13.2). Returns the entry.
    Entry& Install(Lsa lsa, ns3::Time now);

    void Remove(const LsaKey& key);

    /// LS age of @p entry at @p now in seconds: installed age plus elapsed time, at most
    /// MaxAge (s12.1.1, s14).
    static uint16_t AgeAt(const Entry& entry, ns3::Time now);

    /// The entry's header with its LS age at @p now.
    static LsaHeader HeaderAt(const Entry& entry, ns3::Time now);

    /// The entry's LSA with its LS age at @p now.
    static Lsa LsaAt(const Entry& entry, ns3::Time now);

    const std::map<LsaKey, Entry>& Entries() const { return m_entries; }

    size_t Size() const { return m_entries.size(); }

    void Clear() { m_entries.clear(); }

  private:
    std::map<LsaKey, Entry> m_entries;
};

} // namespace tunnelsim

#endif
