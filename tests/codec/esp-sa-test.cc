/*
 * EspEncoder and EspDecoder: round trips for every suite, byte-for-byte agreement with an
 * independent sealer built on one-shot OpenSSL calls, padding and trailer checks, extended
 * sequence numbers and sequence exhaustion.
 */
#include "esp-sa.h"
#include "esp-test-support.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <set>
#include <string>
#include <tuple>

namespace tunnelsim
{
namespace
{

using test::CountingBytes;
using test::Hex;
using test::MakeConfig;

constexpr uint64_t k2To32 = uint64_t{1} << 32;
constexpr uint8_t kUdp = 17;

/// Every suite, including CBC without integrity.
std::vector<EspSuite>
EverySuite()
{
    std::vector<EspSuite> suites = AllEspSuites();
    suites.push_back({EspCipher::AesCbc128, EspIntegrity::None});
    suites.push_back({EspCipher::AesCbc256, EspIntegrity::None});
    return suites;
}

const char*
RawCipherName(EspCipher cipher)
{
    switch (cipher)
    {
        case EspCipher::AesCbc128:
            return "AES-128-CBC";
        case EspCipher::AesCbc256:
            return "AES-256-CBC";
        case EspCipher::AesGcm128:
            return "AES-128-GCM";
        case EspCipher::AesGcm256:
            return "AES-256-GCM";
        case EspCipher::ChaCha20Poly1305:
            return "ChaCha20-Poly1305";
        case EspCipher::Null:
            break;
    }
    return nullptr;
}

/**
 * Seal @p plaintext (payload, padding and trailer, laid out by the caller) with fresh
 * one-shot OpenSSL contexts, written from the RFCs independently of esp-sa.cc. Lets tests
 * compare bytes and craft packets with any trailer.
 */
Bytes
RawSeal(const EspSaConfig& config, uint64_t sequence, const Bytes& iv, const Bytes& plaintext)
{
    const EspSuite& suite = config.suite;
    const bool esn = config.extendedSequenceNumbers;
    Bytes packet;
    AppendU32(packet, config.spi);
    AppendU32(packet, static_cast<uint32_t>(sequence));
    packet.insert(packet.end(), iv.begin(), iv.end());

    Bytes ciphertext(plaintext.size());
    Bytes tag(16);
    if (suite.cipher == EspCipher::Null)
    {
        ciphertext = plaintext;
    }
    else
    {
        EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, RawCipherName(suite.cipher), nullptr);
        EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
        int n = 0;
        if (suite.IsCombined())
        {
            // RFC 4106 s4 and s5, RFC 7634 s2 and s2.1.
            Bytes nonce(config.encryptionKey.end() - 4, config.encryptionKey.end());
            nonce.insert(nonce.end(), iv.begin(), iv.end());
            Bytes aad;
            AppendU32(aad, config.spi);
            if (esn)
            {
                AppendU32(aad, static_cast<uint32_t>(sequence >> 32));
            }
            AppendU32(aad, static_cast<uint32_t>(sequence));
            EVP_EncryptInit_ex(ctx, cipher, nullptr, config.encryptionKey.data(), nonce.data());
            EVP_EncryptUpdate(ctx, nullptr, &n, aad.data(), int(aad.size()));
        }
        else
        {
            EVP_EncryptInit_ex(ctx, cipher, nullptr, config.encryptionKey.data(), iv.data());
            EVP_CIPHER_CTX_set_padding(ctx, 0);
        }
        EVP_EncryptUpdate(ctx, ciphertext.data(), &n, plaintext.data(), int(plaintext.size()));
        EVP_EncryptFinal_ex(ctx, ciphertext.data() + n, &n);
        if (suite.IsCombined())
        {
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, tag.data());
        }
        EVP_CIPHER_CTX_free(ctx);
        EVP_CIPHER_free(cipher);
    }
    packet.insert(packet.end(), ciphertext.begin(), ciphertext.end());

    if (suite.IsCombined())
    {
        packet.insert(packet.end(), tag.begin(), tag.end());
    }
    else if (suite.integrity != EspIntegrity::None)
    {
        // RFC 4303 s2.2.1 and s3.3.2.1: the high half of an ESN is appended for the ICV only.
        Bytes covered = packet;
        if (esn)
        {
            AppendU32(covered, static_cast<uint32_t>(sequence >> 32));
        }
        const EVP_MD* md = suite.integrity == EspIntegrity::HmacSha1_96 ? EVP_sha1() : EVP_sha256();
        uint8_t mac[EVP_MAX_MD_SIZE];
        unsigned int macSize = 0;
        HMAC(md, config.integrityKey.data(), int(config.integrityKey.size()), covered.data(),
             covered.size(), mac, &macSize);
        packet.insert(packet.end(), mac, mac + suite.IcvSize());
    }
    return packet;
}

/// Payload, then padding 1, 2, ... of @p padLength bytes, then the trailer.
Bytes
Plaintext(const Bytes& payload, size_t padLength, uint8_t nextHeader)
{
    Bytes plaintext = payload;
    for (size_t i = 0; i < padLength; ++i)
    {
        plaintext.push_back(static_cast<uint8_t>(i + 1));
    }
    plaintext.push_back(static_cast<uint8_t>(padLength));
    plaintext.push_back(nextHeader);
    return plaintext;
}

Bytes
IvOf(const EspSuite& suite, const Bytes& packet)
{
    return Bytes(packet.begin() + kEspHeaderSize, packet.begin() + kEspHeaderSize + suite.IvSize());
}

// ---------------------------------------------------------------------------------------
// Round trips over every suite, with and without ESN.

class EspSuiteEsn : public ::testing::TestWithParam<std::tuple<EspSuite, bool>>
{
  protected:
    EspSaConfig Config() const
    {
        return MakeConfig(std::get<0>(GetParam()), std::get<1>(GetParam()));
    }
};

TEST_P(EspSuiteEsn, RoundTripSizes)
{
    const EspSaConfig config = Config();
    const EspSuite& suite = config.suite;
    EspEncoder encoder(config);
    EspDecoder decoder(config);
    // 0 and sizes around the 4- and 16-byte alignment points, then typical packet sizes.
    const size_t sizes[] = {0,  1,  2,  3,  4,  12, 13, 14, 15, 16,  17,  18,  29,   30,   31,
                            32, 33, 34, 46, 47, 48, 63, 64, 65, 255, 256, 257, 1000, 1400, 1500};
    uint64_t expectedSequence = 0;
    for (size_t size : sizes)
    {
        SCOPED_TRACE("payload " + std::to_string(size));
        const Bytes payload = CountingBytes(size, static_cast<uint8_t>(size));
        Bytes packet;
        const Status sealed = encoder.Seal(kUdp, payload, packet);
        ASSERT_TRUE(sealed.Ok()) << ToString(sealed.Error());
        ++expectedSequence;

        EXPECT_EQ(packet.size(), size + suite.Overhead(size));
        const size_t encrypted = packet.size() - kEspHeaderSize - suite.IvSize() - suite.IcvSize();
        EXPECT_EQ(encrypted % suite.PadAlignment(), 0u);
        EXPECT_LT(encrypted - size - kEspTrailerSize, suite.PadAlignment());
        EXPECT_EQ(ReadU32(packet.data()), config.spi);
        EXPECT_EQ(ReadU32(packet.data() + 4), static_cast<uint32_t>(expectedSequence));

        Bytes opened;
        const Result<EspOpened> result = decoder.Open(packet, opened);
        ASSERT_TRUE(result.Ok()) << ToString(result.Error());
        EXPECT_EQ(result.Value().sequence, expectedSequence);
        EXPECT_EQ(result.Value().nextHeader, kUdp);
        EXPECT_EQ(result.Value().padLength, suite.PadLength(size));
        EXPECT_EQ(opened, payload);
    }
    EXPECT_EQ(encoder.LastSequence(), expectedSequence);
    EXPECT_EQ(decoder.Window().Highest(), expectedSequence);
}

TEST_P(EspSuiteEsn, MatchesIndependentSealer)
{
    // Packets 1 to 3 (the later ones reuse the keyed contexts with a new IV) against fresh
    // one-shot OpenSSL contexts: same IV and sequence must give the same bytes.
    const EspSaConfig config = Config();
    EspEncoder encoder(config);
    encoder.SetNextSequence(k2To32 - 2);
    for (int i = 0; i < 3; ++i)
    {
        const uint64_t sequence = k2To32 - 2 + i;
        if (!config.extendedSequenceNumbers && sequence > 0xffffffff)
        {
            break;
        }
        SCOPED_TRACE("sequence " + std::to_string(sequence));
        const Bytes payload = CountingBytes(37 + i * 16, 0x30);
        Bytes packet;
        ASSERT_TRUE(encoder.Seal(kUdp, payload, packet).Ok());
        const Bytes plaintext = Plaintext(payload, config.suite.PadLength(payload.size()), kUdp);
        const Bytes expected = RawSeal(config, sequence, IvOf(config.suite, packet), plaintext);
        EXPECT_EQ(ToHex(packet), ToHex(expected));
    }
}

TEST_P(EspSuiteEsn, OpensIndependentSealer)
{
    const EspSaConfig config = Config();
    EspDecoder decoder(config);
    const Bytes payload = CountingBytes(21, 0x90);
    const Bytes iv = CountingBytes(config.suite.IvSize(), 0xa0);
    const Bytes packet
        = RawSeal(config, 1, iv, Plaintext(payload, config.suite.PadLength(payload.size()), 6));
    Bytes opened;
    const Result<EspOpened> result = decoder.Open(packet, opened);
    ASSERT_TRUE(result.Ok()) << ToString(result.Error());
    EXPECT_EQ(result.Value().nextHeader, 6);
    EXPECT_EQ(opened, payload);
}

TEST_P(EspSuiteEsn, RejectsBadPadding)
{
    // A packet that authenticates but whose padding is 1, 2, 4 instead of 1, 2, 3.
    const EspSaConfig config = Config();
    EspDecoder decoder(config);
    Bytes plaintext = Plaintext(CountingBytes(11), 3, kUdp);
    plaintext[11 + 2] = 4;
    const Bytes packet = RawSeal(config, 1, CountingBytes(config.suite.IvSize()), plaintext);
    Bytes opened = CountingBytes(8);
    const Result<EspOpened> result = decoder.Open(packet, opened);
    ASSERT_FALSE(result.Ok());
    EXPECT_EQ(result.Error(), DecodeError::BadPadding);
    EXPECT_TRUE(opened.empty());
    EXPECT_EQ(decoder.Window().Highest(), 0u);
}

TEST_P(EspSuiteEsn, RejectsBadPadLength)
{
    // Pad Length 200 in a plaintext of 16 bytes points before the start of the payload.
    const EspSaConfig config = Config();
    EspDecoder decoder(config);
    Bytes plaintext = Plaintext(CountingBytes(14), 0, kUdp);
    plaintext[14] = 200;
    const Bytes packet = RawSeal(config, 1, CountingBytes(config.suite.IvSize()), plaintext);
    Bytes opened;
    const Result<EspOpened> result = decoder.Open(packet, opened);
    ASSERT_FALSE(result.Ok());
    EXPECT_EQ(result.Error(), DecodeError::BadPadLength);
    EXPECT_TRUE(opened.empty());
    EXPECT_EQ(decoder.Window().Highest(), 0u);
}

TEST_P(EspSuiteEsn, AcceptsLongestPadding)
{
    // Senders may pad more than alignment needs (RFC 4303 s2.4), up to 255 bytes. One byte
    // short of the alignment, plus 255 and the trailer, is aligned again for 4 and 16.
    const EspSaConfig config = Config();
    EspDecoder decoder(config);
    const Bytes payload = CountingBytes(config.suite.PadAlignment() - 1);
    const Bytes packet = RawSeal(config, 1, CountingBytes(config.suite.IvSize()),
                                 Plaintext(payload, kEspMaxPadLength, kUdp));
    Bytes opened;
    const Result<EspOpened> result = decoder.Open(packet, opened);
    ASSERT_TRUE(result.Ok()) << ToString(result.Error());
    EXPECT_EQ(result.Value().padLength, kEspMaxPadLength);
    EXPECT_EQ(opened, payload);
}

TEST_P(EspSuiteEsn, DuplicateRejected)
{
    const EspSaConfig config = Config();
    EspEncoder encoder(config);
    EspDecoder decoder(config);
    Bytes packet;
    ASSERT_TRUE(encoder.Seal(kUdp, CountingBytes(20), packet).Ok());
    Bytes opened;
    ASSERT_TRUE(decoder.Open(packet, opened).Ok());
    const Result<EspOpened> again = decoder.Open(packet, opened);
    ASSERT_FALSE(again.Ok());
    EXPECT_EQ(again.Error(), DecodeError::Replayed);

    decoder.SetReplayCheck(false);
    EXPECT_TRUE(decoder.Open(packet, opened).Ok());
}

TEST_P(EspSuiteEsn, DeterministicBytes)
{
    const EspSaConfig config = Config();
    EspEncoder first(config);
    EspEncoder second(config);
    Bytes a;
    Bytes b;
    for (int i = 0; i < 3; ++i)
    {
        ASSERT_TRUE(first.Seal(kUdp, CountingBytes(100), a).Ok());
        ASSERT_TRUE(second.Seal(kUdp, CountingBytes(100), b).Ok());
    }
    EXPECT_EQ(a, b);
}

TEST_P(EspSuiteEsn, EsnHighHalfNotOnWire)
{
    EspSaConfig config = Config();
    EspEncoder encoder(config);
    encoder.SetNextSequence(config.extendedSequenceNumbers ? 3 * k2To32 + 9 : 9);
    Bytes packet;
    ASSERT_TRUE(encoder.Seal(kUdp, CountingBytes(33), packet).Ok());
    EXPECT_EQ(ReadU32(packet.data() + 4), 9u);
    EXPECT_EQ(packet.size(), 33 + config.suite.Overhead(33));
}

std::string
SuiteEsnName(const ::testing::TestParamInfo<std::tuple<EspSuite, bool>>& info)
{
    return test::SuiteTestName(std::get<0>(info.param)) + (std::get<1>(info.param) ? "_esn" : "");
}

INSTANTIATE_TEST_SUITE_P(All, EspSuiteEsn,
                         ::testing::Combine(::testing::ValuesIn(EverySuite()), ::testing::Bool()),
                         SuiteEsnName);

// ---------------------------------------------------------------------------------------
// Extended sequence numbers across the 2^32 boundary.

class EspAuthenticatedSuite : public ::testing::TestWithParam<EspSuite>
{
};

TEST_P(EspAuthenticatedSuite, EsnCrossesLowWrap)
{
    const EspSaConfig config = MakeConfig(GetParam(), true);
    EspEncoder encoder(config);
    EspDecoder decoder(config);
    encoder.SetNextSequence(k2To32 - 100);
    for (uint64_t sequence = k2To32 - 100; sequence <= k2To32 + 100; ++sequence)
    {
        Bytes packet;
        ASSERT_TRUE(encoder.Seal(kUdp, CountingBytes(50), packet).Ok());
        Bytes opened;
        const Result<EspOpened> result = decoder.Open(packet, opened);
        ASSERT_TRUE(result.Ok()) << "sequence " << sequence << ": " << ToString(result.Error());
        ASSERT_EQ(result.Value().sequence, sequence);
    }
}

TEST_P(EspAuthenticatedSuite, EsnHighHalfInIcv)
{
    // The sender is in subspace 1 while the receiver infers subspace 0, so only the high
    // half differs, and that alone must make the ICV fail.
    const EspSaConfig config = MakeConfig(GetParam(), true);
    EspEncoder encoder(config);
    EspDecoder decoder(config);
    encoder.SetNextSequence(k2To32 + 5);
    Bytes packet;
    ASSERT_TRUE(encoder.Seal(kUdp, CountingBytes(50), packet).Ok());
    Bytes opened;
    const Result<EspOpened> result = decoder.Open(packet, opened);
    ASSERT_FALSE(result.Ok());
    EXPECT_EQ(result.Error(), DecodeError::BadIcv);
    EXPECT_TRUE(opened.empty());
}

TEST_P(EspAuthenticatedSuite, EsnMismatchRejected)
{
    // A sender with ESN and a receiver without it disagree on the ICV input.
    EspEncoder encoder(MakeConfig(GetParam(), true));
    EspDecoder decoder(MakeConfig(GetParam(), false));
    Bytes packet;
    ASSERT_TRUE(encoder.Seal(kUdp, CountingBytes(50), packet).Ok());
    Bytes opened;
    const Result<EspOpened> result = decoder.Open(packet, opened);
    ASSERT_FALSE(result.Ok());
    EXPECT_EQ(result.Error(), DecodeError::BadIcv);
}

INSTANTIATE_TEST_SUITE_P(All, EspAuthenticatedSuite,
                         ::testing::ValuesIn(test::AuthenticatedSuites()),
                         [](const ::testing::TestParamInfo<EspSuite>& info)
                         {
                             return test::SuiteTestName(info.param);
                         });

class EspSuiteWithIv : public ::testing::TestWithParam<EspSuite>
{
};

TEST_P(EspSuiteWithIv, IvsDoNotRepeat)
{
    const EspSaConfig config = MakeConfig(GetParam());
    EspEncoder encoder(config);
    std::set<Bytes> ivs;
    for (int i = 0; i < 1000; ++i)
    {
        Bytes packet;
        ASSERT_TRUE(encoder.Seal(kUdp, CountingBytes(10), packet).Ok());
        ivs.insert(IvOf(config.suite, packet));
    }
    EXPECT_EQ(ivs.size(), 1000u);
}

/// The suites that carry an explicit IV (all but NULL encryption).
std::vector<EspSuite>
SuitesWithIv()
{
    std::vector<EspSuite> suites;
    for (const EspSuite& suite : EverySuite())
    {
        if (suite.IvSize() > 0)
        {
            suites.push_back(suite);
        }
    }
    return suites;
}

INSTANTIATE_TEST_SUITE_P(All, EspSuiteWithIv, ::testing::ValuesIn(SuitesWithIv()),
                         [](const ::testing::TestParamInfo<EspSuite>& info)
                         {
                             return test::SuiteTestName(info.param);
                         });

// ---------------------------------------------------------------------------------------
// Sequence exhaustion (RFC 4303 s3.3.3).

TEST(EspSequence, ExhaustedWithoutEsn)
{
    EspEncoder encoder(MakeConfig({EspCipher::AesGcm128, EspIntegrity::None}));
    encoder.SetNextSequence(0xffffffff);
    Bytes packet;
    ASSERT_TRUE(encoder.Seal(kUdp, CountingBytes(10), packet).Ok());
    EXPECT_EQ(ReadU32(packet.data() + 4), 0xffffffffu);
    EXPECT_EQ(encoder.LastSequence(), 0xffffffffu);

    const Bytes before = packet;
    const Status exhausted = encoder.Seal(kUdp, CountingBytes(10), packet);
    ASSERT_FALSE(exhausted.Ok());
    EXPECT_EQ(exhausted.Error(), DecodeError::SequenceExhausted);
    EXPECT_EQ(packet, before);
    EXPECT_EQ(encoder.LastSequence(), 0xffffffffu);
}

TEST(EspSequence, ExhaustedWithEsn)
{
    EspEncoder encoder(MakeConfig({EspCipher::Null, EspIntegrity::HmacSha256_128}, true));
    encoder.SetNextSequence(UINT64_MAX);
    Bytes packet;
    ASSERT_TRUE(encoder.Seal(kUdp, CountingBytes(10), packet).Ok());
    const Status exhausted = encoder.Seal(kUdp, CountingBytes(10), packet);
    ASSERT_FALSE(exhausted.Ok());
    EXPECT_EQ(exhausted.Error(), DecodeError::SequenceExhausted);
}

TEST(EspSequence, EsnGoesPast32Bits)
{
    EspEncoder encoder(MakeConfig({EspCipher::AesGcm256, EspIntegrity::None}, true));
    encoder.SetNextSequence(0xffffffff);
    Bytes packet;
    ASSERT_TRUE(encoder.Seal(kUdp, CountingBytes(10), packet).Ok());
    ASSERT_TRUE(encoder.Seal(kUdp, CountingBytes(10), packet).Ok());
    EXPECT_EQ(encoder.LastSequence(), k2To32);
}

TEST(EspSequence, FirstPacketCarriesOne)
{
    EspEncoder encoder(MakeConfig({EspCipher::ChaCha20Poly1305, EspIntegrity::None}));
    EXPECT_EQ(encoder.LastSequence(), 0u);
    Bytes packet;
    ASSERT_TRUE(encoder.Seal(kUdp, CountingBytes(10), packet).Ok());
    EXPECT_EQ(ReadU32(packet.data() + 4), 1u);
    EXPECT_THROW(encoder.SetNextSequence(0), std::invalid_argument);
}

// ---------------------------------------------------------------------------------------
// Layout details and configuration errors.

TEST(EspLayout, NullPaddingVisible)
{
    // NULL encryption shows the plaintext: payload, padding 01, Pad Length 1, Next Header.
    EspEncoder encoder(MakeConfig({EspCipher::Null, EspIntegrity::HmacSha1_96}));
    Bytes packet;
    ASSERT_TRUE(encoder.Seal(kUdp, Hex("aabbccddee"), packet).Ok());
    ASSERT_EQ(packet.size(), 8u + 5 + 1 + 2 + 12);
    EXPECT_EQ(ToHex(ByteView(packet).Sub(8, 8)), "aabbccddee010111");
}

TEST(EspLayout, NullPaddingSequence)
{
    // 1 payload byte with 4-byte alignment needs one pad byte; 3 bytes need three: 01 02 03.
    EspEncoder encoder(MakeConfig({EspCipher::Null, EspIntegrity::HmacSha256_128}));
    Bytes packet;
    ASSERT_TRUE(encoder.Seal(4, Hex("ff"), packet).Ok());
    EXPECT_EQ(ToHex(ByteView(packet).Sub(8, 4)), "ff010104");
    packet.clear();
    ASSERT_TRUE(encoder.Seal(4, Hex("ffffffffffffff"), packet).Ok());
    EXPECT_EQ(ToHex(ByteView(packet).Sub(8, 12)), "ffffffffffffff0102030304");
}

TEST(EspLayout, AppendsToExistingBytes)
{
    EspEncoder encoder(MakeConfig({EspCipher::AesGcm128, EspIntegrity::None}));
    Bytes out = Hex("4500");
    ASSERT_TRUE(encoder.Seal(kUdp, CountingBytes(10), out).Ok());
    EXPECT_EQ(out.size(), 2 + 10 + encoder.Config().suite.Overhead(10));
    EXPECT_EQ(out[0], 0x45);
    EXPECT_EQ(ReadU32(out.data() + 2), encoder.Config().spi);
}

TEST(EspLayout, DummyPacketNextHeader)
{
    const EspSaConfig config = MakeConfig({EspCipher::AesGcm128, EspIntegrity::None});
    EspEncoder encoder(config);
    EspDecoder decoder(config);
    Bytes packet;
    ASSERT_TRUE(encoder.Seal(kEspNextHeaderNoNext, Bytes(), packet).Ok());
    Bytes opened;
    const Result<EspOpened> result = decoder.Open(packet, opened);
    ASSERT_TRUE(result.Ok());
    EXPECT_EQ(result.Value().nextHeader, kEspNextHeaderNoNext);
    EXPECT_TRUE(opened.empty());
}

TEST(EspLayout, CbcIvDependsOnSeed)
{
    EspSaConfig config = MakeConfig({EspCipher::AesCbc128, EspIntegrity::HmacSha1_96});
    EspEncoder first(config);
    config.ivSeed += 1;
    EspEncoder second(config);
    Bytes a;
    Bytes b;
    ASSERT_TRUE(first.Seal(kUdp, CountingBytes(10), a).Ok());
    ASSERT_TRUE(second.Seal(kUdp, CountingBytes(10), b).Ok());
    EXPECT_NE(IvOf(config.suite, a), IvOf(config.suite, b));
}

TEST(EspLayout, PeekSpi)
{
    const Result<uint32_t> spi = PeekEspSpi(Hex("0102030400000001"));
    ASSERT_TRUE(spi.Ok());
    EXPECT_EQ(spi.Value(), 0x01020304u);
    const Result<uint32_t> shortPacket = PeekEspSpi(Hex("01020304000000"));
    ASSERT_FALSE(shortPacket.Ok());
    EXPECT_EQ(shortPacket.Error(), DecodeError::Truncated);
}

TEST(EspConfigErrors, InvalidSuites)
{
    const EspSuite invalid[] = {
        {EspCipher::Null, EspIntegrity::None},
        {EspCipher::AesGcm128, EspIntegrity::HmacSha1_96},
        {EspCipher::ChaCha20Poly1305, EspIntegrity::HmacSha256_128},
    };
    for (const EspSuite& suite : invalid)
    {
        SCOPED_TRACE(std::to_string(int(suite.cipher)) + "/"
                     + std::to_string(int(suite.integrity)));
        EspSaConfig config = MakeConfig(suite);
        EXPECT_THROW(EspEncoder{config}, std::invalid_argument);
        EXPECT_THROW(EspDecoder{config}, std::invalid_argument);
    }
}

TEST(EspConfigErrors, WrongKeySizes)
{
    EspSaConfig config = MakeConfig({EspCipher::AesGcm128, EspIntegrity::None});
    config.encryptionKey.pop_back(); // the salt is missing a byte
    EXPECT_THROW(EspEncoder{config}, std::invalid_argument);
    EXPECT_THROW(EspDecoder{config}, std::invalid_argument);

    config = MakeConfig({EspCipher::AesCbc256, EspIntegrity::HmacSha256_128});
    config.integrityKey.push_back(0);
    EXPECT_THROW(EspEncoder{config}, std::invalid_argument);
}

TEST(EspConfigErrors, WindowSize)
{
    EspSaConfig config = MakeConfig({EspCipher::AesGcm128, EspIntegrity::None});
    config.replayWindowSize = 16;
    EXPECT_THROW(EspDecoder{config}, std::invalid_argument);
    config.replayWindowSize = 4096;
    EXPECT_NO_THROW(EspDecoder{config});
}

TEST(EspConfigErrors, WrongIvSize)
{
    EspEncoder encoder(MakeConfig({EspCipher::AesCbc128, EspIntegrity::HmacSha1_96}));
    EXPECT_THROW(encoder.SetNextIv(CountingBytes(8)), std::invalid_argument);
    EXPECT_NO_THROW(encoder.SetNextIv(CountingBytes(16)));
}

} // namespace
} // namespace tunnelsim
