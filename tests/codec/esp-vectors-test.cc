/*
 * Published ESP and HMAC vectors (tests/data/published-vectors.json): each packet is
 * opened, and re-sealed byte for byte with the vector's IV and sequence number.
 */
#include "esp-framing.h"
#include "esp-sa.h"
#include "esp-test-support.h"
#include "ipv4-header.h"

#include <gtest/gtest.h>

namespace tunnelsim
{
namespace
{

using test::Hex;
using test::Vector;

/// Salt-less keys in the file: the SA key is the cipher key followed by the salt.
Bytes
AeadKey(const nlohmann::json& vector)
{
    Bytes key = Hex(vector.at("encryption_key"));
    const Bytes salt = Hex(vector.at("salt"));
    key.insert(key.end(), salt.begin(), salt.end());
    return key;
}

/// A dotted-quad field of @p vector in host order; 0 if it does not parse.
uint32_t
Address(const nlohmann::json& vector, const char* field)
{
    return Ipv4FromString(vector.at(field).get<std::string>()).value_or(0);
}

uint32_t
Spi(const nlohmann::json& vector)
{
    return ReadU32(Hex(vector.at("spi")).data());
}

// RFC 3602 case #5: AES-128-CBC without ICV, transport mode, ICMP inside.
class Rfc3602Case5 : public ::testing::Test
{
  protected:
    Rfc3602Case5()
      : m_vector(Vector("esp", "rfc3602-case5-aes128-cbc-transport"))
    {
        m_config.spi = Spi(m_vector);
        m_config.suite = EspSuite{EspCipher::AesCbc128, EspIntegrity::None};
        m_config.encryptionKey = Hex(m_vector.at("encryption_key"));
    }

    const nlohmann::json& m_vector;
    EspSaConfig m_config;
};

TEST_F(Rfc3602Case5, Decapsulates)
{
    EspDecoder decoder(m_config);
    Bytes original;
    const Result<EspDecapsulated> opened
        = DecapsulateEspTransport(decoder, Hex(m_vector.at("ipv4_packet")), original);
    ASSERT_TRUE(opened.Ok()) << ToString(opened.Error());

    EXPECT_EQ(opened.Value().esp.sequence, m_vector.at("sequence").get<uint64_t>());
    EXPECT_EQ(opened.Value().esp.nextHeader, m_vector.at("next_header").get<int>());
    EXPECT_EQ(opened.Value().esp.padLength, m_vector.at("pad_length").get<int>());
    EXPECT_EQ(opened.Value().outer.source, Address(m_vector, "source_address"));
    EXPECT_EQ(opened.Value().outer.destination, Address(m_vector, "destination_address"));

    const Result<Ipv4Header> header = DecodeIpv4Header(original);
    ASSERT_TRUE(header.Ok()) << ToString(header.Error());
    EXPECT_EQ(header.Value().protocol, m_vector.at("next_header").get<int>());
    EXPECT_EQ(header.Value().totalLength, original.size());
    const Bytes payload(original.begin() + kIpv4MinHeaderSize, original.end());
    EXPECT_EQ(ToHex(payload), m_vector.at("inner_payload"));
}

TEST_F(Rfc3602Case5, PaddingMatchesVector)
{
    const size_t payloadSize = Hex(m_vector.at("inner_payload")).size();
    EXPECT_EQ(m_config.suite.PadLength(payloadSize), m_vector.at("pad_length").get<size_t>());
    EXPECT_EQ(ToHex(test::CountingBytes(m_config.suite.PadLength(payloadSize), 1)),
              m_vector.at("padding"));
}

TEST_F(Rfc3602Case5, ResealsByteForByte)
{
    EspDecoder decoder(m_config);
    Bytes original;
    const Bytes packet = Hex(m_vector.at("ipv4_packet"));
    ASSERT_TRUE(DecapsulateEspTransport(decoder, packet, original).Ok());

    EspEncoder encoder(m_config);
    encoder.SetNextSequence(m_vector.at("sequence").get<uint64_t>());
    encoder.SetNextIv(Hex(m_vector.at("iv")));
    Bytes resealed;
    const Status sealed = EncapsulateEspTransport(encoder, original, resealed);
    ASSERT_TRUE(sealed.Ok()) << ToString(sealed.Error());
    EXPECT_EQ(ToHex(resealed), m_vector.at("ipv4_packet"));
}

// draft-mcgrew-gcm-test-01, AES-128-GCM with SPI 0000a5f8: ESP header to ICV, no IP header.
class GcmTestAes128 : public ::testing::Test
{
  protected:
    GcmTestAes128()
      : m_vector(Vector("esp", "gcm-test-aes128-gcm16"))
    {
        m_config.spi = Spi(m_vector);
        m_config.suite = EspSuite{EspCipher::AesGcm128, EspIntegrity::None};
        m_config.encryptionKey = AeadKey(m_vector);
    }

    /// The plaintext without padding and trailer, from the vector's own Pad Length.
    Bytes ExpectedPayload() const
    {
        Bytes plaintext = Hex(m_vector.at("plaintext"));
        const size_t padLength = plaintext[plaintext.size() - 2];
        plaintext.resize(plaintext.size() - kEspTrailerSize - padLength);
        return plaintext;
    }

    const nlohmann::json& m_vector;
    EspSaConfig m_config;
};

TEST_F(GcmTestAes128, AadIsSpiAndSequence)
{
    Bytes aad;
    AppendU32(aad, m_config.spi);
    AppendU32(aad, m_vector.at("sequence").get<uint32_t>());
    EXPECT_EQ(ToHex(aad), m_vector.at("aad"));
}

TEST_F(GcmTestAes128, Opens)
{
    EspDecoder decoder(m_config);
    Bytes payload;
    const Result<EspOpened> opened = decoder.Open(Hex(m_vector.at("esp_packet")), payload);
    ASSERT_TRUE(opened.Ok()) << ToString(opened.Error());

    EXPECT_EQ(opened.Value().sequence, m_vector.at("sequence").get<uint64_t>());
    // The vector's trailer carries Next Header 1 although the payload is an IPv4 datagram.
    EXPECT_EQ(opened.Value().nextHeader, 1);
    EXPECT_EQ(ToHex(payload), ToHex(ExpectedPayload()));
}

TEST_F(GcmTestAes128, ResealsByteForByte)
{
    EspEncoder encoder(m_config);
    encoder.SetNextSequence(m_vector.at("sequence").get<uint64_t>());
    encoder.SetNextIv(Hex(m_vector.at("iv")));
    Bytes packet;
    const Status sealed = encoder.Seal(1, ExpectedPayload(), packet);
    ASSERT_TRUE(sealed.Ok()) << ToString(sealed.Error());
    EXPECT_EQ(ToHex(packet), m_vector.at("esp_packet"));
}

TEST_F(GcmTestAes128, RejectsWrongSalt)
{
    m_config.encryptionKey.back() ^= 0x01;
    EspDecoder decoder(m_config);
    Bytes payload;
    const Result<EspOpened> opened = decoder.Open(Hex(m_vector.at("esp_packet")), payload);
    ASSERT_FALSE(opened.Ok());
    EXPECT_EQ(opened.Error(), DecodeError::BadIcv);
    EXPECT_TRUE(payload.empty());
}

// RFC 7634 Appendix A: ChaCha20-Poly1305, tunnel mode with the outer IPv4 header.
class Rfc7634AppendixA : public ::testing::Test
{
  protected:
    Rfc7634AppendixA()
      : m_vector(Vector("esp", "rfc7634-chacha20-poly1305-tunnel"))
    {
        m_config.spi = Spi(m_vector);
        m_config.suite = EspSuite{EspCipher::ChaCha20Poly1305, EspIntegrity::None};
        m_config.encryptionKey = AeadKey(m_vector);
    }

    const nlohmann::json& m_vector;
    EspSaConfig m_config;
};

TEST_F(Rfc7634AppendixA, PacketEndsWithIcv)
{
    const Bytes packet = Hex(m_vector.at("ipv4_packet"));
    const Bytes icv = Hex(m_vector.at("icv"));
    ASSERT_GE(packet.size(), icv.size());
    EXPECT_EQ(ToHex(ByteView(packet).From(packet.size() - icv.size())), ToHex(icv));
}

TEST_F(Rfc7634AppendixA, Decapsulates)
{
    EspDecoder decoder(m_config);
    Bytes inner;
    const Result<EspDecapsulated> opened
        = DecapsulateEspTunnel(decoder, Hex(m_vector.at("ipv4_packet")), inner);
    ASSERT_TRUE(opened.Ok()) << ToString(opened.Error());

    const Bytes trailer = Hex(m_vector.at("trailer"));
    EXPECT_EQ(opened.Value().esp.sequence, m_vector.at("sequence").get<uint64_t>());
    EXPECT_EQ(opened.Value().esp.nextHeader, trailer.back());
    EXPECT_EQ(opened.Value().esp.nextHeader, kIpProtocolIpInIp);
    EXPECT_EQ(opened.Value().esp.padLength, trailer[trailer.size() - 2]);
    EXPECT_EQ(opened.Value().outer.source, Address(m_vector, "source_address"));
    EXPECT_EQ(opened.Value().outer.destination, Address(m_vector, "destination_address"));

    const Result<Ipv4Header> innerHeader = DecodeIpv4Header(inner);
    ASSERT_TRUE(innerHeader.Ok()) << ToString(innerHeader.Error());
    EXPECT_EQ(innerHeader.Value().totalLength, inner.size());
}

TEST_F(Rfc7634AppendixA, ResealsByteForByte)
{
    EspDecoder decoder(m_config);
    Bytes inner;
    const Bytes packet = Hex(m_vector.at("ipv4_packet"));
    const Result<EspDecapsulated> opened = DecapsulateEspTunnel(decoder, packet, inner);
    ASSERT_TRUE(opened.Ok()) << ToString(opened.Error());

    // The outer header's identification and flags are the vector's choice, so the received
    // outer header is the template.
    EspEncoder encoder(m_config);
    encoder.SetNextSequence(m_vector.at("sequence").get<uint64_t>());
    encoder.SetNextIv(Hex(m_vector.at("iv")));
    Bytes resealed;
    const Status sealed = EncapsulateEspTunnel(encoder, opened.Value().outer, inner, resealed);
    ASSERT_TRUE(sealed.Ok()) << ToString(sealed.Error());
    EXPECT_EQ(ToHex(resealed), m_vector.at("ipv4_packet"));
}

// RFC 2202 and RFC 4868 HMAC vectors, through the MAC class the SAs use for their ICVs.
TEST(EspHmacVectors, TruncatedMacs)
{
    const nlohmann::json& vectors = test::PublishedVectors().at("hmac");
    ASSERT_FALSE(vectors.empty());
    for (const nlohmann::json& vector : vectors)
    {
        SCOPED_TRACE(vector.at("name").get<std::string>());
        const std::string algorithm = vector.at("algorithm");
        const EspIntegrity integrity = algorithm == "hmac-sha1-96" ? EspIntegrity::HmacSha1_96
                                                                   : EspIntegrity::HmacSha256_128;
        ASSERT_TRUE(algorithm == "hmac-sha1-96" || algorithm == "hmac-sha256-128");
        EspIntegrityMac mac(integrity, Hex(vector.at("key")));
        const std::string data = vector.at("data_ascii");
        const Result<Bytes> icv
            = mac.Compute(ByteView(reinterpret_cast<const uint8_t*>(data.data()), data.size()));
        ASSERT_TRUE(icv.Ok());
        EXPECT_EQ(ToHex(icv.Value()), vector.at("truncated"));
    }
}

TEST(EspHmacVectors, SecondMacSameKey)
{
    // Re-initialising without re-keying must give the same MAC as the first computation.
    const nlohmann::json& vector = Vector("hmac", "rfc4868-auth256-2");
    EspIntegrityMac mac(EspIntegrity::HmacSha256_128, Hex(vector.at("key")));
    const std::string data = vector.at("data_ascii");
    const ByteView view(reinterpret_cast<const uint8_t*>(data.data()), data.size());
    ASSERT_TRUE(mac.Compute(ByteView(Hex("00ff"))).Ok());
    const Result<Bytes> icv = mac.Compute(view);
    ASSERT_TRUE(icv.Ok());
    EXPECT_EQ(ToHex(icv.Value()), vector.at("truncated"));
}

TEST(EspHmacVectors, RejectsWrongKeySize)
{
    EXPECT_THROW(EspIntegrityMac(EspIntegrity::HmacSha1_96, Bytes(19)), std::invalid_argument);
    EXPECT_THROW(EspIntegrityMac(EspIntegrity::HmacSha256_128, Bytes(20)), std::invalid_argument);
    EXPECT_THROW(EspIntegrityMac(EspIntegrity::None, Bytes()), std::invalid_argument);
}

} // namespace
} // namespace tunnelsim
