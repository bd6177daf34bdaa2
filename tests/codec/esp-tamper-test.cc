/*
 * Tampering and truncation, for every authenticated suite with and without ESN. Each
 * single-byte change and each shorter length of a sealed packet must be rejected with the
 * reason that the RFC 4303 s3.4 processing order gives. The decoder's replay window must
 * stay as it was.
 *
 * The decoder under test stands for the SA that the SAD already chose by SPI. A flipped
 * SPI would normally match no SA, and the SAD would report UnknownSpi. Handed to this
 * decoder anyway, the SPI is still covered by the ICV (HMAC input, RFC 4303 s3.3.2.1) or
 * the AAD (RFC 4106 s5, RFC 7634 s2.1), so it fails as BadIcv. A flipped sequence number is checked
 * against the window first: one that becomes 0 is Replayed, any other fails the ICV.
 */
#include "esp-sa.h"
#include "esp-test-support.h"

#include <gtest/gtest.h>
#include <random>
#include <string>
#include <tuple>

namespace tunnelsim
{
namespace
{

using test::CountingBytes;
using test::MakeConfig;

/// Payload size of the tampered packet: not a multiple of any block, so padding is present.
constexpr size_t kPayloadSize = 41;
/// Bit patterns XORed into each byte: the lowest and the highest bit.
constexpr uint8_t kFlipMasks[] = {0x01, 0x80};
/// Offset of the sequence number in the ESP header (RFC 4303 s2).
constexpr size_t kSequenceOffset = 4;

class EspTamper : public ::testing::TestWithParam<std::tuple<EspSuite, bool>>
{
  protected:
    EspTamper()
      : m_config(MakeConfig(std::get<0>(GetParam()), std::get<1>(GetParam())))
      , m_encoder(m_config)
      , m_decoder(m_config)
    {
    }

    void SetUp() override
    {
        ASSERT_TRUE(m_encoder.Seal(17, CountingBytes(kPayloadSize), m_packet).Ok());
    }

    /// The reason a packet cut to @p length bytes must be rejected with.
    DecodeError ExpectedTruncationError(size_t length) const
    {
        const EspSuite& suite = m_config.suite;
        const bool cbc = suite.PadAlignment() == kAesBlockSize;
        const size_t minCiphertext = cbc ? kAesBlockSize : kEspTrailerSize;
        const size_t fixed = kEspHeaderSize + suite.IvSize() + suite.IcvSize();
        if (length < fixed + minCiphertext)
        {
            return DecodeError::Truncated;
        }
        if (cbc && (length - fixed) % kAesBlockSize != 0)
        {
            return DecodeError::BadBlockSize;
        }
        return DecodeError::BadIcv;
    }

    EspSaConfig m_config;
    EspEncoder m_encoder;
    EspDecoder m_decoder;
    Bytes m_packet;
};

TEST_P(EspTamper, EveryByteFlip)
{
    for (size_t position = 0; position < m_packet.size(); ++position)
    {
        for (uint8_t mask : kFlipMasks)
        {
            Bytes tampered = m_packet;
            tampered[position] ^= mask;
            const bool inSequence = position >= kSequenceOffset && position < kSequenceOffset + 4;
            const DecodeError expected = inSequence && ReadU32(tampered.data() + 4) == 0
                                             ? DecodeError::Replayed
                                             : DecodeError::BadIcv;

            Bytes payload = CountingBytes(4);
            const Result<EspOpened> opened = m_decoder.Open(tampered, payload);
            ASSERT_FALSE(opened.Ok()) << "position " << position << " mask " << int(mask);
            EXPECT_EQ(opened.Error(), expected) << "position " << position << " mask " << int(mask)
                                                << ": got " << ToString(opened.Error());
            EXPECT_TRUE(payload.empty()) << "position " << position;
        }
    }
    EXPECT_EQ(m_decoder.Window().Highest(), 0u);

    // Nothing above moved the window or marked a number, so the genuine packet opens.
    Bytes payload;
    const Result<EspOpened> genuine = m_decoder.Open(m_packet, payload);
    ASSERT_TRUE(genuine.Ok()) << ToString(genuine.Error());
    EXPECT_EQ(payload, CountingBytes(kPayloadSize));
}

TEST_P(EspTamper, EveryTruncation)
{
    for (size_t length = 0; length < m_packet.size(); ++length)
    {
        Bytes payload;
        const Result<EspOpened> opened = m_decoder.Open(ByteView(m_packet.data(), length), payload);
        ASSERT_FALSE(opened.Ok()) << "length " << length;
        EXPECT_EQ(opened.Error(), ExpectedTruncationError(length))
            << "length " << length << ": got " << ToString(opened.Error());
        EXPECT_TRUE(payload.empty()) << "length " << length;
    }
    EXPECT_EQ(m_decoder.Window().Highest(), 0u);
}

TEST_P(EspTamper, AppendedBytes)
{
    for (size_t extra = 1; extra <= 2 * kAesBlockSize; ++extra)
    {
        Bytes longer = m_packet;
        longer.resize(m_packet.size() + extra, 0);
        Bytes payload;
        const Result<EspOpened> opened = m_decoder.Open(longer, payload);
        ASSERT_FALSE(opened.Ok()) << "extra " << extra;
        EXPECT_EQ(opened.Error(), ExpectedTruncationError(longer.size())) << "extra " << extra;
    }
}

TEST_P(EspTamper, WrongKey)
{
    EspSaConfig other = m_config;
    if (!other.encryptionKey.empty())
    {
        other.encryptionKey[0] ^= 0x01;
    }
    if (!other.integrityKey.empty())
    {
        other.integrityKey[0] ^= 0x01;
    }
    EspDecoder decoder(other);
    Bytes payload;
    const Result<EspOpened> opened = decoder.Open(m_packet, payload);
    ASSERT_FALSE(opened.Ok());
    EXPECT_EQ(opened.Error(), DecodeError::BadIcv);
    EXPECT_TRUE(payload.empty());
}

std::string
TamperName(const ::testing::TestParamInfo<std::tuple<EspSuite, bool>>& info)
{
    return test::SuiteTestName(std::get<0>(info.param)) + (std::get<1>(info.param) ? "_esn" : "");
}

INSTANTIATE_TEST_SUITE_P(Authenticated, EspTamper,
                         ::testing::Combine(::testing::ValuesIn(test::AuthenticatedSuites()),
                                            ::testing::Bool()),
                         TamperName);

TEST_P(EspTamper, RandomBytes)
{
    // Arbitrary byte strings, and sealed packets with several random bytes changed, must
    // come back as a typed error. Under AddressSanitizer this also checks every read.
    std::mt19937 random(4303);
    for (int i = 0; i < 2000; ++i)
    {
        Bytes input;
        if (i % 2 == 0)
        {
            input.resize(random() % 200);
            for (uint8_t& b : input)
            {
                b = static_cast<uint8_t>(random());
            }
        }
        else
        {
            input = m_packet;
            for (int changes = 1 + random() % 4; changes > 0; --changes)
            {
                input[random() % input.size()] ^= static_cast<uint8_t>(1 + random() % 255);
            }
            if (input == m_packet)
            {
                continue; // two changes cancelled out
            }
        }
        Bytes payload;
        const Result<EspOpened> opened = m_decoder.Open(input, payload);
        ASSERT_FALSE(opened.Ok()) << "input " << i << ": " << ToHex(input);
        EXPECT_TRUE(payload.empty()) << "input " << i;
    }
    EXPECT_EQ(m_decoder.Window().Highest(), 0u);
}

TEST(EspTamperUnauthenticated, CbcWithoutIntegrityDecryptsGarbage)
{
    // The encryption-only suite cannot detect a flipped ciphertext bit in the first block:
    // the packet opens with a changed payload. This is why AllEspSuites() leaves it out.
    const EspSaConfig config = MakeConfig({EspCipher::AesCbc128, EspIntegrity::None});
    EspEncoder encoder(config);
    EspDecoder decoder(config);
    Bytes packet;
    ASSERT_TRUE(encoder.Seal(17, CountingBytes(46), packet).Ok());
    packet[kEspHeaderSize] ^= 0x01; // IV byte 0: flips payload bit 0 after CBC decryption
    Bytes payload;
    const Result<EspOpened> opened = decoder.Open(packet, payload);
    ASSERT_TRUE(opened.Ok()) << ToString(opened.Error());
    EXPECT_EQ(payload[0], 0x01);
}

} // namespace
} // namespace tunnelsim
