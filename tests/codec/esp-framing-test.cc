/*
 * ESP tunnel and transport framing of whole IPv4 packets (RFC 4303 s3.1): header fields of
 * the packet that goes out, the packet that comes back, and the inputs that are rejected.
 *
 *   host 10.1.1.10 -- gateway 198.51.100.1 ==ESP tunnel== 203.0.113.2 -- host 10.2.2.20
 *
 * Tunnel mode wraps the host-to-host packet in a gateway-to-gateway header; transport
 * mode protects the host-to-host packet in place.
 */
#include "esp-framing.h"
#include "esp-test-support.h"
#include "ipv4-header.h"

#include <gtest/gtest.h>
#include <random>

namespace tunnelsim
{
namespace
{

using test::CountingBytes;
using test::MakeConfig;

const uint32_t kHostA = *Ipv4FromString("10.1.1.10");
const uint32_t kHostB = *Ipv4FromString("10.2.2.20");
const uint32_t kGatewayA = *Ipv4FromString("198.51.100.1");
const uint32_t kGatewayB = *Ipv4FromString("203.0.113.2");

/// An IPv4 packet from host A to host B with @p payloadSize bytes of @p protocol.
Bytes
HostPacket(size_t payloadSize, uint8_t protocol = kIpProtocolUdp, Bytes options = {})
{
    Ipv4Header header;
    header.tos = 0xb8; // DSCP EF, ECN not-ECT
    header.identification = 0x1234;
    header.dontFragment = true;
    header.ttl = 63;
    header.protocol = protocol;
    header.source = kHostA;
    header.destination = kHostB;
    header.options = std::move(options);
    header.totalLength = static_cast<uint16_t>(header.HeaderSize() + payloadSize);
    Bytes packet;
    EncodeIpv4Header(header, packet);
    const Bytes payload = CountingBytes(payloadSize, 0x20);
    packet.insert(packet.end(), payload.begin(), payload.end());
    return packet;
}

class EspFraming : public ::testing::Test
{
  protected:
    EspFraming()
      : m_config(MakeConfig({EspCipher::AesCbc128, EspIntegrity::HmacSha256_128}))
      , m_encoder(m_config)
      , m_decoder(m_config)
    {
    }

    EspSaConfig m_config;
    EspEncoder m_encoder;
    EspDecoder m_decoder;
};

TEST_F(EspFraming, TunnelOuterHeader)
{
    const Bytes inner = HostPacket(100);
    const Ipv4Header innerHeader = DecodeIpv4Header(inner).Value();
    Bytes packet;
    ASSERT_TRUE(EncapsulateEspTunnel(m_encoder,
                                     MakeEspTunnelOuterHeader(innerHeader, kGatewayA, kGatewayB),
                                     inner, packet)
                    .Ok());

    const Result<Ipv4Header> outer = DecodeIpv4Header(packet); // verifies the checksum
    ASSERT_TRUE(outer.Ok()) << ToString(outer.Error());
    EXPECT_EQ(outer.Value().protocol, kIpProtocolEsp);
    EXPECT_EQ(outer.Value().totalLength, packet.size());
    EXPECT_EQ(packet.size(), 20 + inner.size() + m_config.suite.Overhead(inner.size()));
    EXPECT_EQ(outer.Value().source, kGatewayA);
    EXPECT_EQ(outer.Value().destination, kGatewayB);
    EXPECT_EQ(outer.Value().ttl, kEspTunnelTtl);
    EXPECT_EQ(outer.Value().tos, 0xb8);
    EXPECT_TRUE(outer.Value().dontFragment);
    EXPECT_EQ(ReadU32(packet.data() + 20), m_config.spi);
}

TEST_F(EspFraming, TunnelRoundTrip)
{
    const Bytes inner = HostPacket(333);
    Ipv4Header outer
        = MakeEspTunnelOuterHeader(DecodeIpv4Header(inner).Value(), kGatewayA, kGatewayB);
    Bytes packet;
    ASSERT_TRUE(EncapsulateEspTunnel(m_encoder, outer, inner, packet).Ok());

    Bytes opened;
    const Result<EspDecapsulated> result = DecapsulateEspTunnel(m_decoder, packet, opened);
    ASSERT_TRUE(result.Ok()) << ToString(result.Error());
    EXPECT_EQ(result.Value().esp.nextHeader, kIpProtocolIpInIp);
    EXPECT_EQ(result.Value().esp.sequence, 1u);
    EXPECT_EQ(result.Value().outer.source, kGatewayA);
    EXPECT_EQ(opened, inner);
}

TEST_F(EspFraming, TunnelDropsLinkPadding)
{
    // Bytes after the inner total length (Ethernet minimum-frame padding) stay out of ESP.
    Bytes inner = HostPacket(6);
    const Bytes datagram = inner;
    inner.resize(inner.size() + 20, 0);
    Bytes packet;
    ASSERT_TRUE(EncapsulateEspTunnel(m_encoder,
                                     MakeEspTunnelOuterHeader(Ipv4Header{}, kGatewayA, kGatewayB),
                                     inner, packet)
                    .Ok());
    Bytes opened;
    ASSERT_TRUE(DecapsulateEspTunnel(m_decoder, packet, opened).Ok());
    EXPECT_EQ(opened, datagram);
}

TEST_F(EspFraming, TunnelRejectsBadInner)
{
    Bytes inner = HostPacket(10);
    inner[10] ^= 0xff; // header checksum
    Bytes packet = CountingBytes(3);
    const Status sealed = EncapsulateEspTunnel(
        m_encoder, MakeEspTunnelOuterHeader(Ipv4Header{}, kGatewayA, kGatewayB), inner, packet);
    ASSERT_FALSE(sealed.Ok());
    EXPECT_EQ(sealed.Error(), DecodeError::BadHeaderChecksum);
    EXPECT_EQ(packet, CountingBytes(3));
    EXPECT_EQ(m_encoder.LastSequence(), 0u);
}

TEST_F(EspFraming, TunnelRejectsOversize)
{
    // 65500 bytes inside plus outer header and ESP overhead pass 65535.
    const Bytes inner = HostPacket(65500 - 20);
    Bytes packet;
    const Status sealed = EncapsulateEspTunnel(
        m_encoder, MakeEspTunnelOuterHeader(Ipv4Header{}, kGatewayA, kGatewayB), inner, packet);
    ASSERT_FALSE(sealed.Ok());
    EXPECT_EQ(sealed.Error(), DecodeError::BadLength);
    EXPECT_TRUE(packet.empty());
}

TEST_F(EspFraming, TransportHeaderRewritten)
{
    const Bytes options = {0x01, 0x01, 0x01, 0x00}; // NOP, NOP, NOP, End of Option List
    const Bytes original = HostPacket(77, kIpProtocolTcp, options);
    Bytes packet;
    ASSERT_TRUE(EncapsulateEspTransport(m_encoder, original, packet).Ok());

    const Result<Ipv4Header> header = DecodeIpv4Header(packet);
    ASSERT_TRUE(header.Ok()) << ToString(header.Error());
    EXPECT_EQ(header.Value().protocol, kIpProtocolEsp);
    EXPECT_EQ(header.Value().totalLength, packet.size());
    EXPECT_EQ(packet.size(), 24 + 77 + m_config.suite.Overhead(77));
    EXPECT_EQ(header.Value().options, options);
    EXPECT_EQ(header.Value().source, kHostA);
    EXPECT_EQ(header.Value().identification, 0x1234);
    EXPECT_EQ(header.Value().ttl, 63);
    EXPECT_EQ(ReadU32(packet.data() + 24), m_config.spi);
}

TEST_F(EspFraming, TransportRoundTrip)
{
    const Bytes original = HostPacket(77, kIpProtocolTcp, {0x01, 0x01, 0x01, 0x00});
    Bytes packet;
    ASSERT_TRUE(EncapsulateEspTransport(m_encoder, original, packet).Ok());
    Bytes rebuilt;
    const Result<EspDecapsulated> result = DecapsulateEspTransport(m_decoder, packet, rebuilt);
    ASSERT_TRUE(result.Ok()) << ToString(result.Error());
    EXPECT_EQ(result.Value().esp.nextHeader, kIpProtocolTcp);
    EXPECT_EQ(ToHex(rebuilt), ToHex(original));
}

TEST_F(EspFraming, TransportRejectsFragment)
{
    const Bytes original = HostPacket(40);
    Ipv4Header header = DecodeIpv4Header(original).Value();
    header.moreFragments = true;
    Bytes fragment;
    EncodeIpv4Header(header, fragment);
    fragment.insert(fragment.end(), original.begin() + 20, original.end());

    Bytes packet;
    const Status sealed = EncapsulateEspTransport(m_encoder, fragment, packet);
    ASSERT_FALSE(sealed.Ok());
    EXPECT_EQ(sealed.Error(), DecodeError::Fragment);
    EXPECT_TRUE(packet.empty());
}

TEST_F(EspFraming, DecapsulateRejects)
{
    const Bytes inner = HostPacket(50);
    Bytes good;
    ASSERT_TRUE(EncapsulateEspTunnel(m_encoder,
                                     MakeEspTunnelOuterHeader(Ipv4Header{}, kGatewayA, kGatewayB),
                                     inner, good)
                    .Ok());
    Ipv4Header outer = DecodeIpv4Header(good).Value();
    const Bytes esp(good.begin() + 20, good.end());

    // Rebuilds the packet with a changed outer header, so only that header is wrong.
    auto withOuter = [&esp](const Ipv4Header& header)
    {
        Bytes packet;
        EncodeIpv4Header(header, packet);
        packet.insert(packet.end(), esp.begin(), esp.end());
        return packet;
    };
    Ipv4Header notEsp = outer;
    notEsp.protocol = kIpProtocolUdp;
    Ipv4Header fragment = outer;
    fragment.fragmentOffset = 8;
    Bytes tampered = good;
    tampered[40] ^= 0x10;

    const struct
    {
        const char* label;
        Bytes packet;
        DecodeError expected;
    } cases[] = {
        {"outer truncated", Bytes(good.begin(), good.begin() + 19), DecodeError::Truncated},
        {"total length past the end", Bytes(good.begin(), good.end() - 1), DecodeError::Truncated},
        {"protocol not 50", withOuter(notEsp), DecodeError::NotEsp},
        {"fragment", withOuter(fragment), DecodeError::Fragment},
        {"ciphertext changed", tampered, DecodeError::BadIcv},
    };
    for (const auto& testCase : cases)
    {
        Bytes opened = CountingBytes(5);
        const Result<EspDecapsulated> result
            = DecapsulateEspTunnel(m_decoder, testCase.packet, opened);
        ASSERT_FALSE(result.Ok()) << testCase.label;
        EXPECT_EQ(result.Error(), testCase.expected)
            << testCase.label << ": got " << ToString(result.Error());
        EXPECT_TRUE(opened.empty()) << testCase.label;
    }

    // None of the rejections moved the window, so the good packet still opens.
    Bytes opened;
    EXPECT_TRUE(DecapsulateEspTunnel(m_decoder, good, opened).Ok());
    EXPECT_EQ(opened, inner);
}

TEST_F(EspFraming, RandomBytesRejected)
{
    // Random bytes behind a valid outer header, and random bytes alone: a typed error
    // every time, never a crash (this test also runs under AddressSanitizer).
    std::mt19937 random(791);
    for (int i = 0; i < 2000; ++i)
    {
        Bytes body(random() % 120);
        for (uint8_t& b : body)
        {
            b = static_cast<uint8_t>(random());
        }
        Bytes packet;
        if (i % 2 == 0)
        {
            Ipv4Header header = MakeEspTunnelOuterHeader(Ipv4Header{}, kGatewayA, kGatewayB);
            header.totalLength = static_cast<uint16_t>(20 + body.size());
            EncodeIpv4Header(header, packet);
        }
        packet.insert(packet.end(), body.begin(), body.end());

        Bytes inner;
        EXPECT_FALSE(DecapsulateEspTunnel(m_decoder, packet, inner).Ok()) << ToHex(packet);
        EXPECT_TRUE(inner.empty());
        Bytes original;
        EXPECT_FALSE(DecapsulateEspTransport(m_decoder, packet, original).Ok()) << ToHex(packet);
        EXPECT_TRUE(original.empty());
    }
}

} // namespace
} // namespace tunnelsim
