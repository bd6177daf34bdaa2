// The link state database: which of two LSA instances is more recent (RFC 2328 s13.1) and
// how LS age advances with simulation time (s12.1.1).
#include "ospf-lsdb.h"

#include <gtest/gtest.h>

namespace tunnelsim
{
namespace
{

LsaHeader
Header(int32_t sequence, uint16_t checksum, uint16_t age)
{
    LsaHeader header;
    header.type = static_cast<uint8_t>(LsaType::Router);
    header.linkStateId = 0x01010101;
    header.advertisingRouter = 0x01010101;
    header.sequenceNumber = sequence;
    header.checksum = checksum;
    header.age = age;
    return header;
}

struct CompareCase
{
    const char* name;
    LsaHeader a;
    LsaHeader b;
    int expected; ///< sign of CompareLsaInstances(a, b)
};

const int32_t kSeq = kInitialSequenceNumber + 10;

const CompareCase kCompareCases[] = {
    {"higher-sequence", Header(kSeq + 1, 1, 100), Header(kSeq, 9, 0), 1},
    {"lower-sequence", Header(kSeq, 9, 0), Header(kSeq + 1, 1, 100), -1},
    {"sequence-is-signed", Header(kInitialSequenceNumber, 1, 0), Header(kMaxSequenceNumber, 1, 0),
     -1},
    {"higher-checksum", Header(kSeq, 0x2000, 50), Header(kSeq, 0x1000, 0), 1},
    {"max-age-wins", Header(kSeq, 5, kMaxAge), Header(kSeq, 5, 10), 1},
    {"younger-beyond-max-age-diff", Header(kSeq, 5, 10), Header(kSeq, 5, 10 + kMaxAgeDiff + 1), 1},
    {"older-beyond-max-age-diff", Header(kSeq, 5, 2000), Header(kSeq, 5, 10), -1},
    {"ages-within-max-age-diff", Header(kSeq, 5, 10), Header(kSeq, 5, 10 + kMaxAgeDiff), 0},
    {"identical", Header(kSeq, 5, 300), Header(kSeq, 5, 300), 0},
};

TEST(OspfLsdb, CompareInstances)
{
    for (const CompareCase& c : kCompareCases)
    {
        const int result = CompareLsaInstances(c.a, c.b);
        EXPECT_EQ((result > 0) - (result < 0), c.expected) << c.name;
    }
}

TEST(OspfLsdb, AgeAdvancesWithTime)
{
    OspfLsdb lsdb;
    Lsa lsa;
    lsa.header = Header(kSeq, 5, 7);
    lsa.body = RouterLsaBody{};
    const OspfLsdb::Entry& entry = lsdb.Install(lsa, ns3::Seconds(100));
    EXPECT_EQ(OspfLsdb::AgeAt(entry, ns3::Seconds(100)), 7);
    EXPECT_EQ(OspfLsdb::AgeAt(entry, ns3::Seconds(100.9)), 7);
    EXPECT_EQ(OspfLsdb::AgeAt(entry, ns3::Seconds(101)), 8);
    EXPECT_EQ(OspfLsdb::AgeAt(entry, ns3::Seconds(100 + 600)), 607);
}

TEST(OspfLsdb, AgeStopsAtMaxAge)
{
    OspfLsdb lsdb;
    Lsa lsa;
    lsa.header = Header(kSeq, 5, kMaxAge - 2);
    lsa.body = RouterLsaBody{};
    const OspfLsdb::Entry& entry = lsdb.Install(lsa, ns3::Seconds(0));
    EXPECT_EQ(OspfLsdb::AgeAt(entry, ns3::Seconds(10)), kMaxAge);
    EXPECT_EQ(OspfLsdb::HeaderAt(entry, ns3::Seconds(10)).age, kMaxAge);
}

TEST(OspfLsdb, InstallReplacesInstance)
{
    OspfLsdb lsdb;
    Lsa first;
    first.header = Header(kSeq, 5, 0);
    first.body = RouterLsaBody{};
    Lsa second = first;
    second.header.sequenceNumber = kSeq + 1;
    lsdb.Install(first, ns3::Seconds(0));
    lsdb.Install(second, ns3::Seconds(3));
    ASSERT_EQ(lsdb.Size(), 1u);
    const OspfLsdb::Entry* entry = lsdb.Find(KeyOf(first.header));
    ASSERT_NE(entry, nullptr);
    EXPECT_EQ(entry->lsa.header.sequenceNumber, kSeq + 1);
    EXPECT_EQ(entry->installedAt, ns3::Seconds(3));
    lsdb.Remove(KeyOf(first.header));
    EXPECT_EQ(lsdb.Size(), 0u);
}

} // namespace
} // namespace tunnelsim
