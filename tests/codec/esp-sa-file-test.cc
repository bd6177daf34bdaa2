// Wireshark esp_sa file: reading the published example, every rejected line with its line
// number and reason, and writing files that read back unchanged.
#include "esp-sa-file.h"
#include "ipv4-header.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

namespace tunnelsim
{
namespace
{

// Keys of the right length for each algorithm; the values only need to be recognisable.
const std::string kCbc128Key = "0x000102030405060708090a0b0c0d0e0f";
const std::string kCbc256Key = "0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const std::string kGcm128Key = "0x000102030405060708090a0b0c0d0e0f10111213";
const std::string kSha1Key = "0x2021222324252627282930313233343536373839";
const std::string kSha256Key = "0x404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f";

const std::string kCbc = "AES-CBC [RFC3602]";
const std::string kGcm = "AES-GCM with 16 octet ICV [RFC4106]";
const std::string kSha1 = "HMAC-SHA-1-96 [RFC2404]";
const std::string kSha256 = "HMAC-SHA-256-128 [RFC4868]";

std::string
Line(const std::string& protocol, const std::string& source, const std::string& destination,
     const std::string& spi, const std::string& cipher, const std::string& cipherKey,
     const std::string& integrity, const std::string& integrityKey)
{
    std::string line;
    for (const std::string* field :
         {&protocol, &source, &destination, &spi, &cipher, &cipherKey, &integrity, &integrityKey})
    {
        line += (line.empty() ? "\"" : ",\"") + *field + "\"";
    }
    return line;
}

/// The esp_sa line inside the published tshark example command (after "uat:esp_sa:").
std::string
PublishedExampleLine()
{
    std::ifstream in(TUNNELSIM_TEST_DATA "/published-vectors.json");
    const std::string command = nlohmann::json::parse(in).at("tshark").at("example");
    const std::string marker = "uat:esp_sa:";
    const size_t start = command.find(marker);
    EXPECT_NE(start, std::string::npos);
    if (start == std::string::npos)
    {
        return "";
    }
    const size_t end = command.rfind('\'');
    return command.substr(start + marker.size(), end - start - marker.size());
}

uint32_t
Address(const char* text)
{
    return Ipv4FromString(text).value_or(0);
}

TEST(EspSaFile, ParsesPublishedExample)
{
    const auto result = ParseEspSaFile(PublishedExampleLine());
    ASSERT_TRUE(result.Ok()) << result.error->ToString();
    ASSERT_EQ(result.entries.size(), 1u);
    const EspSaFileEntry& entry = result.entries[0];
    EXPECT_FALSE(entry.source.has_value());
    EXPECT_FALSE(entry.destination.has_value());
    EXPECT_EQ(entry.spi, 0x0000a5f8u);
    EXPECT_EQ(entry.suite, (EspSuite{EspCipher::AesGcm128, EspIntegrity::None}));
    EXPECT_EQ(ToHex(entry.encryptionKey), "feffe9928665731c6d6a8f9467308308cafebabe");
    EXPECT_TRUE(entry.integrityKey.empty());
}

TEST(EspSaFile, ParsesEveryColumn)
{
    const auto result = ParseEspSaFile(
        Line("IPv4", "192.0.2.1", "198.51.100.7", "0x1001", kCbc, kCbc256Key, kSha256, kSha256Key));
    ASSERT_TRUE(result.Ok()) << result.error->ToString();
    ASSERT_EQ(result.entries.size(), 1u);
    const EspSaFileEntry& entry = result.entries[0];
    EXPECT_EQ(entry.source, std::optional<uint32_t>(Address("192.0.2.1")));
    EXPECT_EQ(entry.destination, std::optional<uint32_t>(Address("198.51.100.7")));
    EXPECT_EQ(entry.spi, 0x1001u);
    EXPECT_EQ(entry.suite, (EspSuite{EspCipher::AesCbc256, EspIntegrity::HmacSha256_128}));
    EXPECT_EQ("0x" + ToHex(entry.encryptionKey), kCbc256Key);
    EXPECT_EQ("0x" + ToHex(entry.integrityKey), kSha256Key);
}

TEST(EspSaFile, KeyLengthSelectsCipher)
{
    struct Case
    {
        std::string cipher;
        std::string key;
        std::string integrity;
        std::string integrityKey;
        EspSuite expected;
    };
    const Case cases[] = {
        {kCbc, kCbc128Key, kSha1, kSha1Key, {EspCipher::AesCbc128, EspIntegrity::HmacSha1_96}},
        {kCbc, kCbc256Key, kSha1, kSha1Key, {EspCipher::AesCbc256, EspIntegrity::HmacSha1_96}},
        {kGcm, kGcm128Key, "NULL", "", {EspCipher::AesGcm128, EspIntegrity::None}},
        {kGcm, kCbc256Key + "a0a1a2a3", "NULL", "", {EspCipher::AesGcm256, EspIntegrity::None}},
        {"NULL", "", kSha256, kSha256Key, {EspCipher::Null, EspIntegrity::HmacSha256_128}},
    };
    for (const Case& c : cases)
    {
        const auto result = ParseEspSaFile(
            Line("IPv4", "*", "*", "0x00000100", c.cipher, c.key, c.integrity, c.integrityKey));
        ASSERT_TRUE(result.Ok()) << c.expected.Name() << ": " << result.error->ToString();
        EXPECT_EQ(result.entries[0].suite, c.expected) << c.expected.Name();
    }
}

TEST(EspSaFile, CommentsAndBlankLinesSkipped)
{
    const std::string text = "# Wireshark esp_sa\n\n   \n  # indented comment\n"
                             + Line("IPv4", "*", "*", "0x1", kGcm, kGcm128Key, "NULL", "") + "\r\n"
                             + Line("IPv4", "*", "*", "0x2", kGcm, kGcm128Key, "NULL", "");
    const auto result = ParseEspSaFile(text);
    ASSERT_TRUE(result.Ok()) << result.error->ToString();
    ASSERT_EQ(result.entries.size(), 2u);
    EXPECT_EQ(result.entries[0].spi, 1u);
    EXPECT_EQ(result.entries[1].spi, 2u);
}

TEST(EspSaFile, EscapesAndSpacesAccepted)
{
    // \x2a is '*': Wireshark's UAT writer escapes bytes this way.
    const std::string line = " \"IPv4\" , \"\\x2a\",\"*\",\"0x00000a01\", \"" + kGcm + "\",\""
                             + kGcm128Key + "\",\"NULL\",\"\" ";
    const auto result = ParseEspSaFile(line);
    ASSERT_TRUE(result.Ok()) << result.error->ToString();
    EXPECT_FALSE(result.entries[0].source.has_value());
    EXPECT_EQ(result.entries[0].spi, 0xa01u);
}

TEST(EspSaFile, EmptyTextHasNoEntries)
{
    const auto result = ParseEspSaFile("");
    EXPECT_TRUE(result.Ok());
    EXPECT_TRUE(result.entries.empty());
}

// Each bad line is placed on line 3, after a comment and a good line, so the reported line
// number is checked as well as the reason.
struct BadLineCase
{
    const char* name;
    std::string line;
    std::string messagePart;
};

std::vector<BadLineCase>
BadLines()
{
    const std::string good[] = {"IPv4", "*", "*", "0x1001", kCbc, kCbc128Key, kSha1, kSha1Key};
    auto with = [&](size_t column, const std::string& value)
    {
        std::string fields[8];
        std::copy(std::begin(good), std::end(good), fields);
        fields[column] = value;
        return Line(fields[0], fields[1], fields[2], fields[3], fields[4], fields[5], fields[6],
                    fields[7]);
    };
    return {
        {"unknown cipher", with(4, "TripleDES-CBC [RFC2451]"), "unknown encryption algorithm"},
        {"chacha cipher", with(4, "ChaCha20-Poly1305"), "unknown encryption algorithm"},
        {"unknown integrity", with(6, "HMAC-MD5-96 [RFC2403]"), "unknown authentication algorithm"},
        {"key without 0x", with(5, "000102030405060708090a0b0c0d0e0f"), "malformed encryption key"},
        {"key not hex", with(5, "0x0g0102030405060708090a0b0c0d0e0f"), "malformed encryption key"},
        {"odd key digits", with(5, "0x000102030405060708090a0b0c0d0e0"),
         "malformed encryption key"},
        {"ascii integrity key", with(7, "secret"), "malformed authentication key"},
        {"cbc key length", with(5, "0x0001020304"), "wrong encryption key length"},
        {"aes-192 key", with(5, kCbc128Key + "1011121314151617"), "AES-192 is not implemented"},
        {"sha1 key length", with(7, kSha256Key), "wrong authentication key length"},
        {"null with key", with(4, "NULL"), "wrong encryption key length"},
        {"spi not hex", with(3, "0x10zz"), "invalid SPI"},
        {"spi decimal", with(3, "4097"), "invalid SPI"},
        {"spi too long", with(3, "0x100000000"), "invalid SPI"},
        {"spi zero", with(3, "0x0"), "SPI 0 is reserved"},
        {"spi wildcard", with(3, "*"), "wildcard SPIs are not supported"},
        {"bad source", with(1, "192.0.2"), "invalid source address"},
        {"bad destination", with(2, "10.1.*.*"), "invalid destination address"},
        {"ipv6", with(0, "IPv6"), "IPv4 only"},
        {"unknown protocol", with(0, "IPX"), "unknown protocol"},
        {"gcm with hmac", Line("IPv4", "*", "*", "0x1", kGcm, kGcm128Key, kSha1, kSha1Key),
         "must be \"NULL\""},
        {"null null", Line("IPv4", "*", "*", "0x1", "NULL", "", "NULL", ""),
         "needs an authentication"},
        {"cbc without hmac", Line("IPv4", "*", "*", "0x1", kCbc, kCbc128Key, "NULL", ""),
         "without authentication"},
        {"seven fields", "\"IPv4\",\"*\",\"*\",\"0x1\",\"NULL\",\"\",\"NULL\"", "found 7"},
        {"nine fields", with(7, kSha1Key) + ",\"x\"", "found 9"},
        {"unquoted field", "IPv4,\"*\"", "field 1 is not a quoted string"},
        {"open quote", "\"IPv4\",\"*", "field 2 has no closing quote"},
        {"bad escape", "\"IPv4\",\"\\q\"", "invalid escape"},
        {"missing comma", "\"IPv4\" \"*\"", "expected ','"},
    };
}

TEST(EspSaFile, BadLinesRejectedWithLineNumber)
{
    const std::string prefix
        = "# comment\n" + Line("IPv4", "*", "*", "0x7", kGcm, kGcm128Key, "NULL", "") + "\n";
    for (const BadLineCase& c : BadLines())
    {
        const auto result = ParseEspSaFile(prefix + c.line + "\n");
        ASSERT_FALSE(result.Ok()) << c.name;
        EXPECT_EQ(result.error->line, 3u) << c.name;
        EXPECT_NE(result.error->message.find(c.messagePart), std::string::npos)
            << c.name << ": " << result.error->message;
        EXPECT_TRUE(result.entries.empty()) << c.name;
    }
}

TEST(EspSaFile, ErrorNeverEchoesKey)
{
    const std::string secret = "0x0123456789abcdef0123456789abcdefzz";
    const auto result
        = ParseEspSaFile(Line("IPv4", "*", "*", "0x1", kCbc, secret, kSha1, kSha1Key));
    ASSERT_FALSE(result.Ok());
    EXPECT_EQ(result.error->message.find("0123456789abcdef"), std::string::npos);
}

TEST(EspSaFile, MatchesSpiAndAddresses)
{
    EspSaFileEntry entry;
    entry.spi = 0x1001;
    entry.source = Address("192.0.2.1");
    const uint32_t a = Address("192.0.2.1");
    const uint32_t b = Address("198.51.100.1");
    EXPECT_TRUE(entry.Matches(0x1001, a, b));
    EXPECT_FALSE(entry.Matches(0x1002, a, b));
    EXPECT_FALSE(entry.Matches(0x1001, b, a));
    entry.destination = a;
    EXPECT_FALSE(entry.Matches(0x1001, a, b));
    EXPECT_TRUE(entry.Matches(0x1001, a, a));
}

TEST(EspSaFile, ToConfigCopiesKeys)
{
    const auto result
        = ParseEspSaFile(Line("IPv4", "*", "*", "0xabc", kCbc, kCbc128Key, kSha1, kSha1Key));
    ASSERT_TRUE(result.Ok());
    const EspSaConfig config = result.entries[0].ToConfig();
    EXPECT_EQ(config.spi, 0xabcu);
    EXPECT_EQ(config.suite, (EspSuite{EspCipher::AesCbc128, EspIntegrity::HmacSha1_96}));
    EXPECT_EQ("0x" + ToHex(config.encryptionKey), kCbc128Key);
    EXPECT_EQ("0x" + ToHex(config.integrityKey), kSha1Key);
    EXPECT_FALSE(config.extendedSequenceNumbers);
}

TEST(EspSaFileWrite, ExactLine)
{
    EspSaConfig config;
    config.spi = 0xa5f8;
    config.suite = {EspCipher::AesGcm128, EspIntegrity::None};
    config.encryptionKey = FromHex("feffe9928665731c6d6a8f9467308308cafebabe").value();
    const std::string text
        = FormatEspSaFile({EspSaFileEntry::FromConfig(config, Address("192.0.2.1"), std::nullopt)});
    const std::string expected
        = "\"IPv4\",\"192.0.2.1\",\"*\",\"0x0000a5f8\",\"AES-GCM with 16 octet ICV [RFC4106]\","
          "\"0xfeffe9928665731c6d6a8f9467308308cafebabe\",\"NULL\",\"\"\n";
    ASSERT_GE(text.size(), expected.size());
    EXPECT_EQ(text.substr(text.size() - expected.size()), expected);
    EXPECT_EQ(text[0], '#');
}

TEST(EspSaFileWrite, EverySuiteReadsBack)
{
    std::vector<EspSaFileEntry> entries;
    uint32_t spi = 0x100;
    for (const EspSuite& suite : AllEspSuites())
    {
        EspSaConfig config;
        config.spi = spi++;
        config.suite = suite;
        config.encryptionKey.assign(suite.EncryptionKeySize(), static_cast<uint8_t>(spi));
        config.integrityKey.assign(suite.IntegrityKeySize(), static_cast<uint8_t>(~spi));
        entries.push_back(
            EspSaFileEntry::FromConfig(config, Address("203.0.113.1"), Address("203.0.113.2")));
    }
    ASSERT_EQ(entries.size(), 9u);
    const auto result = ParseEspSaFile(FormatEspSaFile(entries));
    ASSERT_TRUE(result.Ok()) << result.error->ToString();
    ASSERT_EQ(result.entries.size(), entries.size());
    for (size_t i = 0; i < entries.size(); ++i)
    {
        const std::string name = entries[i].suite.Name();
        EXPECT_EQ(result.entries[i].spi, entries[i].spi) << name;
        EXPECT_EQ(result.entries[i].suite, entries[i].suite) << name;
        EXPECT_EQ(result.entries[i].source, entries[i].source) << name;
        EXPECT_EQ(result.entries[i].destination, entries[i].destination) << name;
        EXPECT_EQ(result.entries[i].encryptionKey, entries[i].encryptionKey) << name;
        EXPECT_EQ(result.entries[i].integrityKey, entries[i].integrityKey) << name;
    }
}

TEST(EspSaFileWrite, ChaChaWrittenAsComment)
{
    EspSaFileEntry entry;
    entry.spi = 0x1001;
    entry.source = Address("192.0.2.1");
    entry.destination = Address("198.51.100.1");
    entry.suite = {EspCipher::ChaCha20Poly1305, EspIntegrity::None};
    entry.encryptionKey.assign(entry.suite.EncryptionKeySize(), 0x11);
    const std::string text = FormatEspSaFile({entry});

    // Wireshark 4.0 reads only uncommented lines, and this one must be a comment for it.
    const std::string expected
        = "#tunnelsim-only:\"IPv4\",\"192.0.2.1\",\"198.51.100.1\",\"0x00001001\","
          "\"ChaCha20 with Poly1305 [RFC7634]\",\"0x"
          + std::string(72, '1') + "\",\"NULL\",\"\"\n";
    ASSERT_GE(text.size(), expected.size());
    EXPECT_EQ(text.substr(text.size() - expected.size()), expected);
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);)
    {
        EXPECT_EQ(line.substr(0, 1), "#") << line;
    }

    const auto result = ParseEspSaFile(text);
    ASSERT_TRUE(result.Ok()) << result.error->ToString();
    ASSERT_EQ(result.entries.size(), 1u);
    EXPECT_EQ(result.entries[0].suite, entry.suite);
    EXPECT_EQ(result.entries[0].encryptionKey, entry.encryptionKey);
}

TEST(EspSaFileRead, ChaChaKeyLengthChecked)
{
    const auto result
        = ParseEspSaFile("\"IPv4\",\"*\",\"*\",\"0x1\",\"ChaCha20 with Poly1305 [RFC7634]\",\"0x"
                         + std::string(64, 'a') + "\",\"NULL\",\"\"\n");
    ASSERT_FALSE(result.Ok());
    EXPECT_EQ(result.error->line, 1u);
    EXPECT_NE(result.error->message.find("36 (ChaCha20 key + 4-byte salt)"), std::string::npos)
        << result.error->message;
}

TEST(EspSaFileWrite, WrongKeyLengthRejected)
{
    EspSaFileEntry entry;
    entry.spi = 1;
    entry.suite = {EspCipher::AesCbc128, EspIntegrity::HmacSha1_96};
    entry.encryptionKey.assign(5, 0x11);
    entry.integrityKey.assign(20, 0x22);
    EXPECT_THROW(FormatEspSaFile({entry}), std::invalid_argument);
}

class EspSaFileDisk : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        m_dir = std::filesystem::temp_directory_path()
                / ("tunnelsim-esp-sa-file-" + std::to_string(::getpid()));
        std::filesystem::create_directories(m_dir);
    }

    void TearDown() override { std::filesystem::remove_all(m_dir); }

    std::filesystem::path m_dir;
};

TEST_F(EspSaFileDisk, MissingFileNamed)
{
    const std::string path = (m_dir / "absent.esp_sa").string();
    const auto result = ReadEspSaFile(path);
    ASSERT_FALSE(result.Ok());
    EXPECT_EQ(result.error->file, path);
    EXPECT_EQ(result.error->line, 0u);
    EXPECT_EQ(result.error->ToString(), path + ": esp_sa file not found");
}

TEST_F(EspSaFileDisk, DirectoryRejected)
{
    const auto result = ReadEspSaFile(m_dir.string());
    ASSERT_FALSE(result.Ok());
    EXPECT_NE(result.error->message.find("not a regular file"), std::string::npos);
}

TEST_F(EspSaFileDisk, BadLineNamesFileAndLine)
{
    const std::string path = (m_dir / "bad.esp_sa").string();
    std::ofstream(path) << "# one\n# two\n"
                        << Line("IPv4", "*", "*", "0x1", "Blowfish", "", kSha1, kSha1Key) << "\n";
    const auto result = ReadEspSaFile(path);
    ASSERT_FALSE(result.Ok());
    EXPECT_EQ(result.error->ToString().rfind(path + ":3: unknown encryption algorithm", 0), 0u)
        << result.error->ToString();
}

TEST_F(EspSaFileDisk, WriteThenRead)
{
    const std::string path = (m_dir / "good.esp_sa").string();
    EspSaFileEntry entry;
    entry.spi = 0xc0ffee;
    entry.suite = {EspCipher::Null, EspIntegrity::HmacSha1_96};
    entry.integrityKey.assign(20, 0x5a);
    WriteEspSaFile(path, {entry});
    const auto result = ReadEspSaFile(path);
    ASSERT_TRUE(result.Ok()) << result.error->ToString();
    ASSERT_EQ(result.entries.size(), 1u);
    EXPECT_EQ(result.entries[0].spi, 0xc0ffeeu);
    EXPECT_EQ(result.entries[0].integrityKey, entry.integrityKey);
}

TEST_F(EspSaFileDisk, WriteToMissingDirectoryThrows)
{
    EspSaFileEntry entry;
    entry.spi = 1;
    entry.suite = {EspCipher::Null, EspIntegrity::HmacSha1_96};
    entry.integrityKey.assign(20, 0x5a);
    EXPECT_THROW(WriteEspSaFile((m_dir / "no" / "such" / "file").string(), {entry}),
                 std::runtime_error);
}

} // namespace
} // namespace tunnelsim
