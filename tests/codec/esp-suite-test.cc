/*
 * EspSuite: sizes and overhead from the defining RFCs, stable names, and the Wireshark 4.0
 * algorithm names listed in tests/data/published-vectors.json.
 */
#include "esp-suite.h"
#include "esp-test-support.h"

#include <algorithm>
#include <gtest/gtest.h>
#include <string>

namespace tunnelsim
{
namespace
{

struct SuiteRow
{
    std::string name;
    EspSuite suite;
    size_t encryptionKey; ///< bytes, with the 4-byte salt for AEAD (RFC 4106 s8.1)
    size_t integrityKey;  ///< bytes (RFC 2404 s3, RFC 4868 s2.1.1)
    size_t iv;
    size_t icv;
    size_t alignment;
    size_t overhead0;    ///< Overhead(0): header, IV, pad to alignment, trailer, ICV
    size_t overhead1400; ///< Overhead(1400)
    std::string wiresharkCipher;
    std::string wiresharkIntegrity;
};

// Worked by hand: GCM 8 + 8 + 2 pad + 2 + 16 = 36 at 0 and 1400 (1402 % 4 = 2 -> 2 pad).
// CBC at 0: 8 + 16 + 14 pad + 2 + ICV; at 1400: 1402 % 16 = 10 -> 6 pad.
// NULL: 8 + 2 pad + 2 + ICV at 0 and 1400.
const SuiteRow kSuites[] = {
    {"aes-gcm-128",
     {EspCipher::AesGcm128, EspIntegrity::None},
     20,
     0,
     8,
     16,
     4,
     36,
     36,
     "AES-GCM with 16 octet ICV [RFC4106]",
     "NULL"},
    {"aes-gcm-256",
     {EspCipher::AesGcm256, EspIntegrity::None},
     36,
     0,
     8,
     16,
     4,
     36,
     36,
     "AES-GCM with 16 octet ICV [RFC4106]",
     "NULL"},
    {"chacha20-poly1305",
     {EspCipher::ChaCha20Poly1305, EspIntegrity::None},
     36,
     0,
     8,
     16,
     4,
     36,
     36,
     "",
     "NULL"},
    {"aes-cbc-128-hmac-sha1-96",
     {EspCipher::AesCbc128, EspIntegrity::HmacSha1_96},
     16,
     20,
     16,
     12,
     16,
     52,
     44,
     "AES-CBC [RFC3602]",
     "HMAC-SHA-1-96 [RFC2404]"},
    {"aes-cbc-128-hmac-sha256-128",
     {EspCipher::AesCbc128, EspIntegrity::HmacSha256_128},
     16,
     32,
     16,
     16,
     16,
     56,
     48,
     "AES-CBC [RFC3602]",
     "HMAC-SHA-256-128 [RFC4868]"},
    {"aes-cbc-256-hmac-sha1-96",
     {EspCipher::AesCbc256, EspIntegrity::HmacSha1_96},
     32,
     20,
     16,
     12,
     16,
     52,
     44,
     "AES-CBC [RFC3602]",
     "HMAC-SHA-1-96 [RFC2404]"},
    {"aes-cbc-256-hmac-sha256-128",
     {EspCipher::AesCbc256, EspIntegrity::HmacSha256_128},
     32,
     32,
     16,
     16,
     16,
     56,
     48,
     "AES-CBC [RFC3602]",
     "HMAC-SHA-256-128 [RFC4868]"},
    {"null-hmac-sha1-96",
     {EspCipher::Null, EspIntegrity::HmacSha1_96},
     0,
     20,
     0,
     12,
     4,
     24,
     24,
     "NULL",
     "HMAC-SHA-1-96 [RFC2404]"},
    {"null-hmac-sha256-128",
     {EspCipher::Null, EspIntegrity::HmacSha256_128},
     0,
     32,
     0,
     16,
     4,
     28,
     28,
     "NULL",
     "HMAC-SHA-256-128 [RFC4868]"},
};

TEST(EspSuiteTable, Sizes)
{
    for (const SuiteRow& row : kSuites)
    {
        SCOPED_TRACE(row.name);
        EXPECT_TRUE(row.suite.IsValid());
        EXPECT_EQ(row.suite.EncryptionKeySize(), row.encryptionKey);
        EXPECT_EQ(row.suite.IntegrityKeySize(), row.integrityKey);
        EXPECT_EQ(row.suite.IvSize(), row.iv);
        EXPECT_EQ(row.suite.IcvSize(), row.icv);
        EXPECT_EQ(row.suite.PadAlignment(), row.alignment);
        EXPECT_EQ(row.suite.Overhead(0), row.overhead0);
        EXPECT_EQ(row.suite.Overhead(1400), row.overhead1400);
    }
}

TEST(EspSuiteTable, Names)
{
    for (const SuiteRow& row : kSuites)
    {
        SCOPED_TRACE(row.name);
        EXPECT_EQ(row.suite.Name(), row.name);
        const std::optional<EspSuite> parsed = ParseEspSuite(row.name);
        ASSERT_TRUE(parsed.has_value());
        EXPECT_EQ(*parsed, row.suite);
    }
}

TEST(EspSuiteTable, WiresharkNames)
{
    for (const SuiteRow& row : kSuites)
    {
        SCOPED_TRACE(row.name);
        EXPECT_EQ(WiresharkCipherName(row.suite.cipher), row.wiresharkCipher);
        EXPECT_EQ(WiresharkIntegrityName(row.suite.integrity), row.wiresharkIntegrity);
    }
}

TEST(EspSuiteTable, WiresharkNamesInVectorFile)
{
    // Every name tunnelsim writes must be one of the Wireshark 4.0 menu strings.
    const std::vector<std::string> known = test::PublishedVectors()
                                               .at("tshark")
                                               .at("algorithm_names_4_0")
                                               .get<std::vector<std::string>>();
    for (const EspSuite& suite : AllEspSuites())
    {
        SCOPED_TRACE(suite.Name());
        const std::string cipher(WiresharkCipherName(suite.cipher));
        if (!cipher.empty())
        {
            EXPECT_NE(std::find(known.begin(), known.end(), cipher), known.end()) << cipher;
        }
        const std::string integrity(WiresharkIntegrityName(suite.integrity));
        EXPECT_NE(std::find(known.begin(), known.end(), integrity), known.end()) << integrity;
    }
}

TEST(EspSuite, AllSuitesListed)
{
    const std::vector<EspSuite> all = AllEspSuites();
    EXPECT_EQ(all.size(), std::size(kSuites));
    for (const SuiteRow& row : kSuites)
    {
        EXPECT_NE(std::find(all.begin(), all.end(), row.suite), all.end()) << row.name;
    }
}

TEST(EspSuite, EncryptionOnlyNotParsed)
{
    const EspSuite cbcOnly{EspCipher::AesCbc128, EspIntegrity::None};
    EXPECT_TRUE(cbcOnly.IsValid());
    EXPECT_EQ(cbcOnly.Name(), "aes-cbc-128");
    EXPECT_EQ(cbcOnly.IcvSize(), 0u);
    EXPECT_FALSE(ParseEspSuite("aes-cbc-128").has_value());
    EXPECT_FALSE(ParseEspSuite("aes-cbc-256").has_value());
}

TEST(EspSuite, InvalidPairs)
{
    const EspSuite nullNull{EspCipher::Null, EspIntegrity::None};
    const EspSuite gcmHmac{EspCipher::AesGcm128, EspIntegrity::HmacSha1_96};
    EXPECT_FALSE(nullNull.IsValid());
    EXPECT_FALSE(gcmHmac.IsValid());
    EXPECT_EQ(nullNull.Name(), "invalid");
    EXPECT_EQ(gcmHmac.Name(), "invalid");
}

TEST(EspSuite, UnknownNames)
{
    for (const char* name : {"", "aes-gcm", "AES-GCM-128", "aes-gcm-128 ", "null", "invalid"})
    {
        EXPECT_FALSE(ParseEspSuite(name).has_value()) << "'" << name << "'";
    }
}

TEST(EspSuite, PadLengthAlignment)
{
    // RFC 4303 s2.4: payload + padding + 2 fills whole alignment units, with the least pad.
    const EspSuite gcm{EspCipher::AesGcm128, EspIntegrity::None};
    const EspSuite cbc{EspCipher::AesCbc128, EspIntegrity::HmacSha1_96};
    for (size_t size = 0; size < 64; ++size)
    {
        SCOPED_TRACE("payload " + std::to_string(size));
        EXPECT_EQ((size + gcm.PadLength(size) + 2) % 4, 0u);
        EXPECT_LT(gcm.PadLength(size), 4u);
        EXPECT_EQ((size + cbc.PadLength(size) + 2) % 16, 0u);
        EXPECT_LT(cbc.PadLength(size), 16u);
    }
}

} // namespace
} // namespace tunnelsim
