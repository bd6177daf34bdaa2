// OSPFv2 LSA codec (RFC 2328 A.4, s12.1.7): the published Fletcher vector, router- and
// network-LSAs byte for byte, and malformed LSAs rejected with their typed reason.
//
// The expected bytes were laid out by hand from RFC 2328 A.4.1-A.4.3; their Fletcher checksums
// were computed with a separate Python implementation of RFC 905 annex B and checked with
// tshark 4.0, which dissects them without errors.
#include "bytes.h"
#include "ospf-lsa.h"

#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tunnelsim
{
namespace
{

nlohmann::json
LoadOspfVectors()
{
    std::ifstream in(TUNNELSIM_TEST_DATA "/published-vectors.json");
    return nlohmann::json::parse(in).at("ospf");
}

Bytes
Hex(const std::string& hex)
{
    auto bytes = FromHex(hex);
    EXPECT_TRUE(bytes.has_value()) << hex;
    return bytes.value_or(Bytes{});
}

uint32_t
Address(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    return (uint32_t{a} << 24) | (uint32_t{b} << 16) | (uint32_t{c} << 8) | d;
}

/// Router 1.1.1.1: a point-to-point link to 2.2.2.2, its /30 and a LAN, as stub links.
const char* const kRouterLsaHex
    = "0000"             // LS age 0
      "02"               // options: E
      "01"               // LS type: router-LSA
      "01010101"         // Link State ID 1.1.1.1
      "01010101"         // Advertising Router 1.1.1.1
      "80000001"         // LS sequence number: InitialSequenceNumber
      "2e65"             // LS checksum
      "003c"             // length 60
      "00000003"         // flags 0, 0, # links 3
      "020202020a000001" // point-to-point: neighbour 2.2.2.2, our address 10.0.0.1
      "0100000a"         //   type 1, # TOS 0, metric 10
      "0a000000fffffffc" // stub: 10.0.0.0/30
      "0300000a"         //   type 3, # TOS 0, metric 10
      "c0a80100ffffff00" // stub: 192.168.1.0/24
      "03000001";        //   type 3, # TOS 0, metric 1

/// Network 192.168.5.0/24, DR 3.3.3.3 at 192.168.5.3, with 1.1.1.1 and 2.2.2.2 attached.
const char* const kNetworkLsaHex = "0007"     // LS age 7
                                   "02"       // options: E
                                   "02"       // LS type: network-LSA
                                   "c0a80503" // Link State ID: DR's address 192.168.5.3
                                   "03030303" // Advertising Router 3.3.3.3
                                   "80000002" // LS sequence number
                                   "437c"     // LS checksum
                                   "0024"     // length 36
                                   "ffffff00" // network mask
                                   "03030303" // attached routers
                                   "01010101"
                                   "02020202";

Lsa
MakeRouterLsa()
{
    Lsa lsa;
    lsa.header.age = 0;
    lsa.header.options = kOspfOptionE;
    lsa.header.linkStateId = Address(1, 1, 1, 1);
    lsa.header.advertisingRouter = Address(1, 1, 1, 1);
    lsa.header.sequenceNumber = kInitialSequenceNumber;
    RouterLsaBody body;
    body.links.push_back(
        {Address(2, 2, 2, 2), Address(10, 0, 0, 1), RouterLinkType::PointToPoint, 10, {}});
    body.links.push_back(
        {Address(10, 0, 0, 0), Address(255, 255, 255, 252), RouterLinkType::Stub, 10, {}});
    body.links.push_back(
        {Address(192, 168, 1, 0), Address(255, 255, 255, 0), RouterLinkType::Stub, 1, {}});
    lsa.body = body;
    return lsa;
}

Lsa
MakeNetworkLsa()
{
    Lsa lsa;
    lsa.header.age = 7;
    lsa.header.options = kOspfOptionE;
    lsa.header.linkStateId = Address(192, 168, 5, 3);
    lsa.header.advertisingRouter = Address(3, 3, 3, 3);
    lsa.header.sequenceNumber = static_cast<int32_t>(0x80000002u);
    lsa.body = NetworkLsaBody{Address(255, 255, 255, 0),
                              {Address(3, 3, 3, 3), Address(1, 1, 1, 1), Address(2, 2, 2, 2)}};
    return lsa;
}

/// Recompute the Fletcher checksum after a test changed the bytes it covers.
void
FixChecksum(Bytes& lsa)
{
    WriteU16(lsa.data() + kLsaChecksumOffset, ComputeLsaChecksum(lsa));
}

TEST(OspfLsaFletcher, PublishedVector)
{
    for (const auto& vector : LoadOspfVectors())
    {
        const Bytes lsa = Hex(vector.at("lsa"));
        const Bytes expected = Hex(vector.at("checksum"));
        ASSERT_EQ(expected.size(), 2u);
        EXPECT_EQ(ComputeLsaChecksum(lsa), ReadU16(expected.data())) << vector.at("name");
        EXPECT_TRUE(VerifyLsaChecksum(lsa)) << vector.at("name");
    }
}

TEST(OspfLsaFletcher, PublishedVectorDecodes)
{
    const Bytes lsa = Hex(LoadOspfVectors()[0].at("lsa"));
    auto decoded = DecodeLsa(lsa);
    ASSERT_TRUE(decoded.Ok()) << ToString(decoded.Error());
    const LsaHeader& header = decoded.Value().header;
    EXPECT_EQ(header.age, 1);
    EXPECT_EQ(header.type, static_cast<uint8_t>(LsaType::Router));
    EXPECT_EQ(header.linkStateId, Address(10, 0, 34, 3));
    EXPECT_EQ(header.advertisingRouter, Address(10, 0, 34, 3));
    EXPECT_EQ(header.sequenceNumber, static_cast<int32_t>(0x80000004u));
    EXPECT_EQ(header.length, lsa.size());
    const auto& body = std::get<RouterLsaBody>(decoded.Value().body);
    ASSERT_EQ(body.links.size(), 2u);
    EXPECT_EQ(body.links[0].type, RouterLinkType::PointToPoint);
    EXPECT_EQ(body.links[0].linkId, Address(10, 0, 34, 4));
    EXPECT_EQ(body.links[1].type, RouterLinkType::Stub);
    EXPECT_EQ(body.links[1].linkData, Address(255, 255, 255, 0));
    EXPECT_EQ(EncodeLsa(decoded.Value()), lsa);
}

TEST(OspfLsaFletcher, AgeNotCovered)
{
    Bytes lsa = Hex(kRouterLsaHex);
    const uint16_t checksum = ComputeLsaChecksum(lsa);
    WriteU16(lsa.data(), kMaxAge);
    EXPECT_EQ(ComputeLsaChecksum(lsa), checksum);
    EXPECT_TRUE(VerifyLsaChecksum(lsa));
}

TEST(OspfLsaFletcher, EveryCoveredByteMatters)
{
    const Bytes good = Hex(kRouterLsaHex);
    for (size_t i = kLsaChecksumStart; i < good.size(); ++i)
    {
        Bytes bad = good;
        bad[i] ^= 0x01;
        EXPECT_FALSE(VerifyLsaChecksum(bad)) << "byte " << i;
    }
}

TEST(OspfLsaCodec, RouterLsaBytes)
{
    EXPECT_EQ(ToHex(EncodeLsa(MakeRouterLsa())), kRouterLsaHex);
}

TEST(OspfLsaCodec, RouterLsaDecode)
{
    auto decoded = DecodeLsa(Hex(kRouterLsaHex));
    ASSERT_TRUE(decoded.Ok()) << ToString(decoded.Error());
    Lsa expected = MakeRouterLsa();
    expected.header.type = static_cast<uint8_t>(LsaType::Router);
    expected.header.checksum = 0x2e65;
    expected.header.length = 60;
    EXPECT_EQ(decoded.Value().header, expected.header);
    EXPECT_TRUE(decoded.Value().body == expected.body);
}

TEST(OspfLsaCodec, NetworkLsaBytes)
{
    EXPECT_EQ(ToHex(EncodeLsa(MakeNetworkLsa())), kNetworkLsaHex);
}

TEST(OspfLsaCodec, NetworkLsaDecode)
{
    auto decoded = DecodeLsa(Hex(kNetworkLsaHex));
    ASSERT_TRUE(decoded.Ok()) << ToString(decoded.Error());
    EXPECT_EQ(decoded.Value().header.checksum, 0x437c);
    EXPECT_TRUE(decoded.Value().body == MakeNetworkLsa().body);
}

TEST(OspfLsaCodec, TosMetricsRoundTrip)
{
    Lsa lsa = MakeRouterLsa();
    std::get<RouterLsaBody>(lsa.body).links[0].tosMetrics = {{2, 20}, {4, 40}};
    const Bytes encoded = EncodeLsa(lsa);
    EXPECT_EQ(encoded.size(), 60u + 2 * 4);
    auto decoded = DecodeLsa(encoded);
    ASSERT_TRUE(decoded.Ok()) << ToString(decoded.Error());
    EXPECT_TRUE(decoded.Value().body == lsa.body);
}

TEST(OspfLsaCodec, UnparsedTypeRoundTrip)
{
    Lsa lsa;
    lsa.header.type = static_cast<uint8_t>(LsaType::AsExternal);
    lsa.header.linkStateId = Address(172, 16, 0, 0);
    lsa.header.advertisingRouter = Address(9, 9, 9, 9);
    lsa.body = UnparsedLsaBody{Hex("ffff0000800000140000000000000000")};
    const Bytes encoded = EncodeLsa(lsa);
    auto decoded = DecodeLsa(encoded);
    ASSERT_TRUE(decoded.Ok()) << ToString(decoded.Error());
    EXPECT_EQ(decoded.Value().header.type, static_cast<uint8_t>(LsaType::AsExternal));
    EXPECT_TRUE(decoded.Value().body == lsa.body);
    EXPECT_EQ(EncodeLsa(decoded.Value()), encoded);
}

TEST(OspfLsaCodec, SameContentsIgnoresAgeAndSequence)
{
    Lsa a = MakeRouterLsa();
    Lsa b = a;
    b.header.age = 100;
    b.header.sequenceNumber = kInitialSequenceNumber + 5;
    EXPECT_TRUE(a.SameContents(b));
    std::get<RouterLsaBody>(b.body).links[2].metric = 2;
    EXPECT_FALSE(a.SameContents(b));
}

TEST(OspfLsaDecode, TruncatedAtEveryLength)
{
    const Bytes good = Hex(kRouterLsaHex);
    for (size_t size = 0; size < good.size(); ++size)
    {
        auto decoded = DecodeLsa(ByteView(good.data(), size));
        ASSERT_FALSE(decoded.Ok()) << "size " << size;
        EXPECT_EQ(decoded.Error(), OspfDecodeError::Truncated) << "size " << size;
    }
}

TEST(OspfLsaDecode, BadChecksum)
{
    Bytes lsa = Hex(kNetworkLsaHex);
    lsa[kLsaChecksumOffset + 1] ^= 0x10;
    auto decoded = DecodeLsa(lsa);
    ASSERT_FALSE(decoded.Ok());
    EXPECT_EQ(decoded.Error(), OspfDecodeError::BadLsaChecksum);
}

TEST(OspfLsaDecode, LengthBelowHeader)
{
    Bytes lsa = Hex(kNetworkLsaHex);
    WriteU16(lsa.data() + 18, kLsaHeaderSize - 1);
    auto decoded = DecodeLsa(lsa);
    ASSERT_FALSE(decoded.Ok());
    EXPECT_EQ(decoded.Error(), OspfDecodeError::BadLsaLength);
}

struct BadBodyCase
{
    const char* name;
    const char* hex;
};

// Each body has a valid Fletcher checksum (FixChecksum), so only its layout is wrong.
const BadBodyCase kBadBodies[] = {
    // # links is 4 but the body has 3 links.
    {"router-link-count-high",
     "00000201010101010101010180000001000000"
     "3c00000004020202020a0000010100000a0a000000fffffffc0300000ac0a80100ffffff0003000001"},
    // # links is 2 but the body has 3 links.
    {"router-link-count-low",
     "00000201010101010101010180000001000000"
     "3c00000002020202020a0000010100000a0a000000fffffffc0300000ac0a80100ffffff0003000001"},
    // The last link has # TOS 1 but no TOS entry follows.
    {"router-tos-missing",
     "00000201010101010101010180000001000000"
     "3c00000003020202020a0000010100000a0a000000fffffffc0300000ac0a80100ffffff0003010001"},
    // Flags and # links cut short.
    {"router-body-short", "0000020101010101010101018000000100000016"
                          "0000"},
    // Network mask and two bytes of an attached router.
    {"network-partial-router", "00000202c0a8050303030303800000020000001a"
                               "ffffff000303"},
    // No network mask at all.
    {"network-no-mask", "00000202c0a80503030303038000000200000014"},
};

TEST(OspfLsaDecode, BadBodyLayout)
{
    for (const BadBodyCase& c : kBadBodies)
    {
        Bytes lsa = Hex(c.hex);
        FixChecksum(lsa);
        auto decoded = DecodeLsa(lsa);
        ASSERT_FALSE(decoded.Ok()) << c.name;
        EXPECT_EQ(decoded.Error(), OspfDecodeError::BadLsaLength) << c.name;
    }
}

TEST(OspfLsaDecode, TrailingBytesIgnored)
{
    Bytes lsa = Hex(kNetworkLsaHex);
    lsa.push_back(0xaa);
    lsa.push_back(0xbb);
    auto decoded = DecodeLsa(lsa);
    ASSERT_TRUE(decoded.Ok()) << ToString(decoded.Error());
    EXPECT_EQ(decoded.Value().header.length, 36);
}

} // namespace
} // namespace tunnelsim
