// IPv4 header codec: published packets decode, encode is byte-exact, and every malformed
// header is rejected with its typed reason.
#include "bytes.h"
#include "ipv4-header.h"

#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tunnelsim
{
namespace
{

nlohmann::json
LoadVectors()
{
    std::ifstream in(TUNNELSIM_TEST_DATA "/published-vectors.json");
    return nlohmann::json::parse(in);
}

Bytes
Hex(const std::string& hex)
{
    auto bytes = FromHex(hex);
    EXPECT_TRUE(bytes.has_value()) << hex;
    return bytes.value_or(Bytes{});
}

// The outer header of the captured GRE vector: 20.1.1.1 -> 30.1.1.2, protocol 47, TTL 254.
// The capture carries 2 bytes of link padding after the 92-byte datagram.
constexpr size_t kCapturedGreDatagramSize = 92;

TEST(Ipv4Header, DecodesCapturedGrePacket)
{
    const Bytes packet = Hex(LoadVectors()["gre"][0]["ipv4_packet"]);
    auto decoded = DecodeIpv4Header(packet);
    ASSERT_TRUE(decoded.Ok()) << ToString(decoded.Error());
    const Ipv4Header& h = decoded.Value();
    EXPECT_EQ(h.totalLength, kCapturedGreDatagramSize);
    EXPECT_EQ(h.tos, 0xc0);
    EXPECT_EQ(h.identification, 0x010d);
    EXPECT_FALSE(h.dontFragment);
    EXPECT_FALSE(h.moreFragments);
    EXPECT_EQ(h.fragmentOffset, 0);
    EXPECT_EQ(h.ttl, 254);
    EXPECT_EQ(h.protocol, kIpProtocolGre);
    EXPECT_EQ(Ipv4ToString(h.source), "20.1.1.1");
    EXPECT_EQ(Ipv4ToString(h.destination), "30.1.1.2");
    EXPECT_EQ(h.checksum, 0x86a1);
}

TEST(Ipv4Header, ReencodesCapturedHeaderByteExact)
{
    for (const auto& vector : LoadVectors()["esp"])
    {
        if (!vector.contains("ipv4_packet"))
        {
            continue;
        }
        const Bytes packet = Hex(vector["ipv4_packet"]);
        auto decoded = DecodeIpv4Header(packet);
        ASSERT_TRUE(decoded.Ok()) << vector["name"];
        Bytes encoded;
        EncodeIpv4Header(decoded.Value(), encoded);
        EXPECT_EQ(ToHex(encoded), ToHex(ByteView(packet).Sub(0, kIpv4MinHeaderSize)))
            << vector["name"];
    }
}

TEST(Ipv4Header, FlagsAndOffsetRoundTrip)
{
    struct Case
    {
        bool df;
        bool mf;
        uint16_t offset;
    };
    const Case cases[] = {{false, false, 0},  {true, false, 0},       {false, true, 0},
                          {false, true, 185}, {false, false, 0x1fff}, {true, true, 1}};
    for (const Case& c : cases)
    {
        Ipv4Header h;
        h.dontFragment = c.df;
        h.moreFragments = c.mf;
        h.fragmentOffset = c.offset;
        h.protocol = kIpProtocolUdp;
        h.source = 0x0a010101;
        h.destination = 0x0a020201;
        h.totalLength = kIpv4MinHeaderSize;
        Bytes bytes;
        EncodeIpv4Header(h, bytes);
        auto decoded = DecodeIpv4Header(bytes);
        ASSERT_TRUE(decoded.Ok());
        EXPECT_EQ(decoded.Value().dontFragment, c.df);
        EXPECT_EQ(decoded.Value().moreFragments, c.mf);
        EXPECT_EQ(decoded.Value().fragmentOffset, c.offset);
    }
}

TEST(Ipv4Header, OptionsRoundTrip)
{
    Ipv4Header h;
    h.options = {0x01, 0x01, 0x01, 0x00}; // NOP, NOP, NOP, end of options list
    h.totalLength = static_cast<uint16_t>(h.HeaderSize());
    Bytes bytes;
    EncodeIpv4Header(h, bytes);
    ASSERT_EQ(bytes.size(), 24u);
    EXPECT_EQ(bytes[0], 0x46);
    auto decoded = DecodeIpv4Header(bytes);
    ASSERT_TRUE(decoded.Ok());
    EXPECT_EQ(decoded.Value().options, h.options);
}

TEST(Ipv4Header, RejectsTruncationAtEveryLength)
{
    const Bytes packet = Hex(LoadVectors()["gre"][0]["ipv4_packet"]);
    for (size_t length = 0; length < kCapturedGreDatagramSize; ++length)
    {
        auto decoded = DecodeIpv4Header(ByteView(packet.data(), length));
        ASSERT_FALSE(decoded.Ok()) << "length " << length;
        EXPECT_EQ(decoded.Error(), DecodeError::Truncated) << "length " << length;
    }
}

TEST(Ipv4Header, RejectsMalformedFields)
{
    const Bytes good = Hex(LoadVectors()["gre"][0]["ipv4_packet"]);
    struct Case
    {
        const char* name;
        size_t offset;
        uint8_t value;
        DecodeError expected;
    };
    const Case cases[] = {
        {"version 6", 0, 0x65, DecodeError::UnsupportedVersion},
        {"IHL 4", 0, 0x44, DecodeError::BadLength},
        {"total length below header", 3, 0x10, DecodeError::BadLength},
        {"checksum flipped", 10, 0x00, DecodeError::BadHeaderChecksum},
        {"TTL changed", 8, 0x01, DecodeError::BadHeaderChecksum},
    };
    for (const Case& c : cases)
    {
        Bytes bad = good;
        if (c.offset == 3)
        {
            bad[2] = 0; // total length 0x0010 = 16 bytes
        }
        bad[c.offset] = c.value;
        auto decoded = DecodeIpv4Header(bad);
        ASSERT_FALSE(decoded.Ok()) << c.name;
        EXPECT_EQ(decoded.Error(), c.expected) << c.name;
    }
}

TEST(Ipv4Header, IgnoresLinkPaddingAfterTotalLength)
{
    Bytes padded = Hex(LoadVectors()["gre"][0]["ipv4_packet"]);
    padded.resize(padded.size() + 6, 0);
    auto decoded = DecodeIpv4Header(padded);
    ASSERT_TRUE(decoded.Ok());
    EXPECT_EQ(decoded.Value().totalLength, kCapturedGreDatagramSize);
}

TEST(Ipv4Address, ParsesAndFormats)
{
    EXPECT_EQ(Ipv4FromString("192.0.2.1"), std::optional<uint32_t>(0xc0000201));
    EXPECT_EQ(Ipv4ToString(0xc0000201), "192.0.2.1");
    for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "01.2.3.4", "1.2.3.4 ",
                            "-1.2.3.4", "a.b.c.d"})
    {
        EXPECT_FALSE(Ipv4FromString(bad).has_value()) << bad;
    }
}

} // namespace
} // namespace tunnelsim
