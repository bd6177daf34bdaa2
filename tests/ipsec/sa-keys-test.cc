// Deterministic SA key derivation (models/codec/sa-keys.h).
//
// Expected keys were computed independently of OpenSSL with Python's hmac and hashlib
// modules (RFC 5869 extract and expand written out), from the inputs documented in
// sa-keys.h: seed 0x0123456789abcdef as 8 bytes big endian, salt "tunnelsim sa-keys v1",
// info = suite name, 0x00, SPI big endian, direction byte.
#include "bytes.h"
#include "esp-suite.h"
#include "sa-keys.h"

#include <gtest/gtest.h>
#include <stdexcept>

namespace tunnelsim
{
namespace
{

constexpr uint64_t kSeed = 0x0123456789abcdefULL;
constexpr uint32_t kSpi = 0x1000;

Bytes
Hex(std::string_view text)
{
    return FromHex(text).value();
}

TEST(HkdfSha256, Rfc5869TestCase1)
{
    // RFC 5869 Appendix A.1.
    const Bytes key(22, 0x0b);
    const Bytes salt = Hex("000102030405060708090a0b0c");
    const Bytes info = Hex("f0f1f2f3f4f5f6f7f8f9");
    const Bytes expected = Hex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
                               "34007208d5b887185865");
    EXPECT_EQ(ToHex(HkdfSha256(key, salt, info, 42)), ToHex(expected));
}

TEST(HkdfSha256, RejectsZeroLength)
{
    const Bytes key(16, 1);
    EXPECT_THROW(HkdfSha256(key, Bytes{}, Bytes{}, 0), std::invalid_argument);
}

TEST(HkdfSha256, RejectsLengthAboveLimit)
{
    const Bytes key(16, 1);
    EXPECT_THROW(HkdfSha256(key, Bytes{}, Bytes{}, kHkdfSha256MaxOutput + 1),
                 std::invalid_argument);
}

TEST(DeriveSaKeys, AesGcm128Vector)
{
    const EspSuite suite{EspCipher::AesGcm128, EspIntegrity::None};
    ASSERT_EQ(suite.Name(), "aes-gcm-128");
    const SaKeys keys = DeriveSaKeys(kSeed, kSpi, SaKeyDirection::InitiatorToResponder, suite);
    EXPECT_EQ(ToHex(keys.encryptionKey), "e2af3a863b065b7b3be74eaecdf04095706ba10a");
    EXPECT_TRUE(keys.integrityKey.empty());
}

TEST(DeriveSaKeys, AesCbcHmacSha256Vector)
{
    const EspSuite suite{EspCipher::AesCbc128, EspIntegrity::HmacSha256_128};
    ASSERT_EQ(suite.Name(), "aes-cbc-128-hmac-sha256-128");
    const SaKeys keys = DeriveSaKeys(kSeed, kSpi, SaKeyDirection::ResponderToInitiator, suite);
    EXPECT_EQ(ToHex(keys.encryptionKey), "f0ba3cd45ad21575de119c37d62ce442");
    EXPECT_EQ(ToHex(keys.integrityKey),
              "a2b5225df464a95ff6e634889330d7e624db0a1d0ec817f09a6625ebdeca192e");
}

TEST(DeriveSaKeys, SizesFitEverySuite)
{
    for (const EspSuite& suite : AllEspSuites())
    {
        const SaKeys keys = DeriveSaKeys(kSeed, kSpi, SaKeyDirection::InitiatorToResponder, suite);
        EXPECT_EQ(keys.encryptionKey.size(), suite.EncryptionKeySize()) << suite.Name();
        EXPECT_EQ(keys.integrityKey.size(), suite.IntegrityKeySize()) << suite.Name();
    }
}

TEST(DeriveSaKeys, SameInputsSameKeys)
{
    const EspSuite suite{EspCipher::AesGcm256, EspIntegrity::None};
    const SaKeys first = DeriveSaKeys(kSeed, kSpi, SaKeyDirection::InitiatorToResponder, suite);
    const SaKeys second = DeriveSaKeys(kSeed, kSpi, SaKeyDirection::InitiatorToResponder, suite);
    EXPECT_EQ(first.encryptionKey, second.encryptionKey);
}

TEST(DeriveSaKeys, EachInputChangesTheKey)
{
    const EspSuite suite{EspCipher::AesGcm128, EspIntegrity::None};
    const Bytes base
        = DeriveSaKeys(kSeed, kSpi, SaKeyDirection::InitiatorToResponder, suite).encryptionKey;
    EXPECT_NE(
        DeriveSaKeys(kSeed + 1, kSpi, SaKeyDirection::InitiatorToResponder, suite).encryptionKey,
        base);
    EXPECT_NE(
        DeriveSaKeys(kSeed, kSpi + 1, SaKeyDirection::InitiatorToResponder, suite).encryptionKey,
        base);
    EXPECT_NE(DeriveSaKeys(kSeed, kSpi, SaKeyDirection::ResponderToInitiator, suite).encryptionKey,
              base);
    const EspSuite other{EspCipher::ChaCha20Poly1305, EspIntegrity::None};
    EXPECT_NE(DeriveSaKeys(kSeed, kSpi, SaKeyDirection::InitiatorToResponder, other).encryptionKey,
              base);
}

// Expected values from Python's hmac and hashlib as above, with the salt
// "tunnelsim label-seed v1", the label as info and the first 8 output bytes big endian.
TEST(DeriveLabelSeed, Vectors)
{
    EXPECT_EQ(DeriveLabelSeed(1, "design gre-static"), 0xcb0186d8f30edaf6ULL);
    EXPECT_EQ(DeriveLabelSeed(1, "design policy"), 0xdd944568b6ac3349ULL);
    EXPECT_EQ(DeriveLabelSeed(2, "design gre-static"), 0xd180788b50eea474ULL);
}

} // namespace
} // namespace tunnelsim
