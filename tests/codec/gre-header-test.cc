// GRE codec (RFC 2784, RFC 2890): the published vectors, every combination of the C, K and S
// flags, the checksum, and every malformed header rejected with its typed reason.
#include "bytes.h"
#include "gre-header.h"
#include "ipv4-header.h"

#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tunnelsim
{
namespace
{

nlohmann::json
LoadGreVectors()
{
    std::ifstream in(TUNNELSIM_TEST_DATA "/published-vectors.json");
    return nlohmann::json::parse(in).at("gre");
}

Bytes
Hex(const std::string& hex)
{
    auto bytes = FromHex(hex);
    EXPECT_TRUE(bytes.has_value()) << hex;
    return bytes.value_or(Bytes{});
}

/// The GRE packet (header and payload) of an IPv4 datagram, without link padding.
Bytes
GreOfIpv4Packet(const Bytes& packet)
{
    auto ipv4 = DecodeIpv4Header(packet);
    EXPECT_TRUE(ipv4.Ok());
    if (!ipv4.Ok())
    {
        return {};
    }
    EXPECT_EQ(ipv4.Value().protocol, kIpProtocolGre);
    const size_t start = ipv4.Value().HeaderSize();
    return ByteView(packet).Sub(start, ipv4.Value().totalLength - start).ToBytes();
}

Bytes
InnerPacket()
{
    return Hex(LoadGreVectors()[1]["inner_ipv4_packet"]);
}

/// The inner datagram of the captured vector, cut at its IPv4 total length. The capture
/// carries 2 more bytes after it, outside the outer datagram's total length as well.
Bytes
CapturedInnerDatagram()
{
    const Bytes inner = InnerPacket();
    auto ipv4 = DecodeIpv4Header(inner);
    EXPECT_TRUE(ipv4.Ok());
    if (!ipv4.Ok())
    {
        return {};
    }
    return ByteView(inner).Sub(0, ipv4.Value().totalLength).ToBytes();
}

Bytes
Encode(const GreHeader& header, const Bytes& payload)
{
    Bytes out;
    EncodeGre(header, payload, out);
    return out;
}

GreHeader
MakeHeader(bool checksum, bool key, bool sequence)
{
    GreHeader header;
    header.checksumPresent = checksum;
    header.keyPresent = key;
    header.sequencePresent = sequence;
    header.key = 0x01020304;
    header.sequence = 0xfffffffe;
    return header;
}

TEST(GreVector, CapturedPacketDecodes)
{
    const Bytes gre = GreOfIpv4Packet(Hex(LoadGreVectors()[0]["ipv4_packet"]));
    auto decoded = DecodeGre(gre);
    ASSERT_TRUE(decoded.Ok()) << ToString(decoded.Error());
    const GreHeader& header = decoded.Value().header;
    EXPECT_FALSE(header.checksumPresent);
    EXPECT_FALSE(header.keyPresent);
    EXPECT_FALSE(header.sequencePresent);
    EXPECT_EQ(header.protocolType, kGreProtocolIpv4);
    EXPECT_EQ(header.HeaderSize(), kGreBaseHeaderSize);
    EXPECT_EQ(ToHex(decoded.Value().payload), ToHex(CapturedInnerDatagram()));
}

TEST(GreVector, CapturedPacketReencodes)
{
    const auto vectors = LoadGreVectors();
    const Bytes gre = GreOfIpv4Packet(Hex(vectors[0]["ipv4_packet"]));
    const Bytes encoded = Encode(GreHeader{}, CapturedInnerDatagram());
    EXPECT_EQ(ToHex(encoded), ToHex(gre));
    EXPECT_EQ(ToHex(ByteView(encoded).Sub(0, kGreBaseHeaderSize)),
              vectors[0]["gre_header"].get<std::string>());
}

TEST(GreVector, ChecksumOnlyHeader)
{
    GreHeader header;
    header.checksumPresent = true;
    const Bytes encoded = Encode(header, InnerPacket());
    EXPECT_EQ(ToHex(ByteView(encoded).Sub(0, header.HeaderSize())),
              LoadGreVectors()[1]["header_checksum_only"].get<std::string>());
}

TEST(GreVector, ChecksumKeySequenceHeader)
{
    GreHeader header;
    header.checksumPresent = true;
    header.keyPresent = true;
    header.sequencePresent = true;
    header.key = 0x28;
    header.sequence = 0xab;
    const Bytes encoded = Encode(header, InnerPacket());
    EXPECT_EQ(ToHex(ByteView(encoded).Sub(0, header.HeaderSize())),
              LoadGreVectors()[1]["header_checksum_key_0x28_sequence_0xab"].get<std::string>());
}

TEST(GreVector, ChecksumKeySequenceDecodes)
{
    const auto vector = LoadGreVectors()[1];
    Bytes packet = Hex(vector["header_checksum_key_0x28_sequence_0xab"]);
    const Bytes inner = InnerPacket();
    packet.insert(packet.end(), inner.begin(), inner.end());
    auto decoded = DecodeGre(packet);
    ASSERT_TRUE(decoded.Ok()) << ToString(decoded.Error());
    EXPECT_EQ(decoded.Value().header.checksum, 0x472c);
    EXPECT_EQ(decoded.Value().header.key, 0x28u);
    EXPECT_EQ(decoded.Value().header.sequence, 0xabu);
    EXPECT_EQ(ToHex(decoded.Value().payload), ToHex(inner));
}

// Every combination of the C, K and S flags, each with its expected header size and first
// byte (C is 0x80, K 0x20, S 0x10).
struct FlagCase
{
    bool checksum;
    bool key;
    bool sequence;
    size_t headerSize;
    uint8_t firstByte;
};

constexpr FlagCase kFlagCases[] = {
    {false, false, false, 4, 0x00}, {true, false, false, 8, 0x80}, {false, true, false, 8, 0x20},
    {false, false, true, 8, 0x10},  {true, true, false, 12, 0xa0}, {true, false, true, 12, 0x90},
    {false, true, true, 12, 0x30},  {true, true, true, 16, 0xb0},
};

std::string
CaseName(const FlagCase& c)
{
    return std::string(c.checksum ? "C" : "-") + (c.key ? "K" : "-") + (c.sequence ? "S" : "-");
}

TEST(GreFlags, EncodeLayout)
{
    const Bytes payload = InnerPacket();
    for (const FlagCase& c : kFlagCases)
    {
        const GreHeader header = MakeHeader(c.checksum, c.key, c.sequence);
        const Bytes encoded = Encode(header, payload);
        EXPECT_EQ(header.HeaderSize(), c.headerSize) << CaseName(c);
        EXPECT_EQ(encoded.size(), c.headerSize + payload.size()) << CaseName(c);
        EXPECT_EQ(encoded[0], c.firstByte) << CaseName(c);
        EXPECT_EQ(encoded[1], 0x00) << CaseName(c);
        EXPECT_EQ(ReadU16(encoded.data() + 2), kGreProtocolIpv4) << CaseName(c);
    }
}

TEST(GreFlags, RoundTrip)
{
    const Bytes payload = InnerPacket();
    for (const FlagCase& c : kFlagCases)
    {
        const GreHeader header = MakeHeader(c.checksum, c.key, c.sequence);
        const Bytes encoded = Encode(header, payload);
        auto decoded = DecodeGre(encoded);
        ASSERT_TRUE(decoded.Ok()) << CaseName(c) << ": " << ToString(decoded.Error());
        const GreHeader& got = decoded.Value().header;
        EXPECT_EQ(got.checksumPresent, c.checksum) << CaseName(c);
        EXPECT_EQ(got.keyPresent, c.key) << CaseName(c);
        EXPECT_EQ(got.sequencePresent, c.sequence) << CaseName(c);
        EXPECT_EQ(got.protocolType, kGreProtocolIpv4) << CaseName(c);
        EXPECT_EQ(got.key, c.key ? header.key : 0u) << CaseName(c);
        EXPECT_EQ(got.sequence, c.sequence ? header.sequence : 0u) << CaseName(c);
        EXPECT_EQ(ToHex(decoded.Value().payload), ToHex(payload)) << CaseName(c);
    }
}

TEST(GreFlags, EmptyPayloadRoundTrip)
{
    for (const FlagCase& c : kFlagCases)
    {
        const Bytes encoded = Encode(MakeHeader(c.checksum, c.key, c.sequence), Bytes{});
        auto decoded = DecodeGre(encoded);
        ASSERT_TRUE(decoded.Ok()) << CaseName(c) << ": " << ToString(decoded.Error());
        EXPECT_TRUE(decoded.Value().payload.empty()) << CaseName(c);
    }
}

TEST(GreFlags, KeyAndSequenceOrder)
{
    // RFC 2890 s2: the key comes before the sequence number.
    const Bytes encoded = Encode(MakeHeader(false, true, true), Bytes{});
    ASSERT_EQ(encoded.size(), 12u);
    EXPECT_EQ(ReadU32(encoded.data() + 4), 0x01020304u);
    EXPECT_EQ(ReadU32(encoded.data() + 8), 0xfffffffeu);
}

TEST(GreFlags, OtherProtocolTypeKept)
{
    GreHeader header;
    header.protocolType = 0x86dd; // IPv6 EtherType
    const Bytes packet = Encode(header, Bytes{0x60, 0, 0, 0});
    auto decoded = DecodeGre(packet);
    ASSERT_TRUE(decoded.Ok());
    EXPECT_EQ(decoded.Value().header.protocolType, 0x86dd);
}

TEST(GreChecksum, OddLengthPayloadVerifies)
{
    const Bytes payload = {0x01, 0x02, 0x03};
    const Bytes packet = Encode(MakeHeader(true, false, false), payload);
    auto decoded = DecodeGre(packet);
    ASSERT_TRUE(decoded.Ok()) << ToString(decoded.Error());
    EXPECT_EQ(ToHex(decoded.Value().payload), "010203");
}

TEST(GreChecksum, CorruptedChecksumRejected)
{
    Bytes packet = Encode(MakeHeader(true, true, true), InnerPacket());
    packet[4] ^= 0x01;
    auto decoded = DecodeGre(packet);
    ASSERT_FALSE(decoded.Ok());
    EXPECT_EQ(decoded.Error(), DecodeError::BadHeaderChecksum);
}

TEST(GreChecksum, EveryCorruptedByteRejected)
{
    // Flipping one bit anywhere after the flags word (which would change the layout) must
    // make the checksum fail, whether the bit is in an option, the payload or the checksum.
    const Bytes packet = Encode(MakeHeader(true, true, true), InnerPacket());
    for (size_t i = 2; i < packet.size(); ++i)
    {
        Bytes corrupted = packet;
        corrupted[i] ^= 0x10;
        auto decoded = DecodeGre(corrupted);
        ASSERT_FALSE(decoded.Ok()) << "byte " << i;
        EXPECT_EQ(decoded.Error(), DecodeError::BadHeaderChecksum) << "byte " << i;
    }
}

TEST(GreChecksum, NotCheckedWithoutCBit)
{
    // Without C there is no checksum field: a payload change cannot be detected by GRE.
    Bytes packet = Encode(MakeHeader(false, true, false), InnerPacket());
    packet.back() ^= 0xff;
    EXPECT_TRUE(DecodeGre(packet).Ok());
}

TEST(GreReject, EveryNonZeroVersion)
{
    const Bytes good = Encode(MakeHeader(true, true, true), InnerPacket());
    for (uint8_t version = 1; version <= 7; ++version)
    {
        Bytes packet = good;
        packet[1] |= version;
        auto decoded = DecodeGre(packet);
        ASSERT_FALSE(decoded.Ok()) << "version " << int{version};
        EXPECT_EQ(decoded.Error(), DecodeError::UnsupportedVersion) << "version " << int{version};
    }
}

TEST(GreReject, EveryReservedZeroBit)
{
    // Bit 1 (RFC 1701 routing present) and bits 4-12, numbered from the most significant
    // bit of the flags word as in RFC 2784 s2.
    const Bytes good = Encode(GreHeader{}, InnerPacket());
    const int reservedBits[] = {1, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    for (int bit : reservedBits)
    {
        Bytes packet = good;
        WriteU16(packet.data(), static_cast<uint16_t>(0x8000u >> bit));
        auto decoded = DecodeGre(packet);
        ASSERT_FALSE(decoded.Ok()) << "bit " << bit;
        EXPECT_EQ(decoded.Error(), DecodeError::ReservedBitsSet) << "bit " << bit;
    }
}

TEST(GreReject, TruncationAtEveryHeaderLength)
{
    for (const FlagCase& c : kFlagCases)
    {
        const Bytes packet = Encode(MakeHeader(c.checksum, c.key, c.sequence), InnerPacket());
        for (size_t length = 0; length < c.headerSize; ++length)
        {
            auto decoded = DecodeGre(ByteView(packet.data(), length));
            ASSERT_FALSE(decoded.Ok()) << CaseName(c) << " length " << length;
            EXPECT_EQ(decoded.Error(), DecodeError::Truncated)
                << CaseName(c) << " length " << length;
        }
    }
}

TEST(GreReject, ChecksummedPayloadTruncationAtEveryLength)
{
    // With C set, a cut inside the payload changes the sum unless the removed bytes sum to
    // zero (see the next test). No suffix of the bytes 1, 2, ..., 40 does.
    Bytes payload;
    for (uint8_t i = 1; i <= 40; ++i)
    {
        payload.push_back(i);
    }
    const GreHeader header = MakeHeader(true, false, true);
    const Bytes packet = Encode(header, payload);
    for (size_t length = header.HeaderSize(); length < packet.size(); ++length)
    {
        auto decoded = DecodeGre(ByteView(packet.data(), length));
        ASSERT_FALSE(decoded.Ok()) << "length " << length;
        EXPECT_EQ(decoded.Error(), DecodeError::BadHeaderChecksum) << "length " << length;
    }
}

TEST(GreChecksum, MissesRemovedZeroSumDatagram)
{
    // A limit of the RFC 1071 sum, not of the codec: the captured inner datagram has a
    // valid IPv4 and OSPF checksum, so its bytes sum to zero, and dropping all of them
    // leaves the GRE checksum valid. The outer IPv4 total length catches such a cut.
    const GreHeader header = MakeHeader(true, false, false);
    const Bytes packet = Encode(header, InnerPacket());
    EXPECT_TRUE(DecodeGre(ByteView(packet.data(), header.HeaderSize())).Ok());
}

} // namespace
} // namespace tunnelsim
