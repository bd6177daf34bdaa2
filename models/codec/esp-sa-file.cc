#include "esp-sa-file.h"

#include "ipv4-header.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace tunnelsim
{

namespace
{

/// Protocol column value for IPv4 SAs (Wireshark 4.0 esp_proto_type_vals).
constexpr std::string_view kProtocolIpv4 = "IPv4";
constexpr std::string_view kProtocolIpv6 = "IPv6";
/// Address column value that matches any address.
constexpr std::string_view kAnyAddress = "*";
/// Hex digits of a 32-bit SPI (RFC 4303 s2.1).
constexpr size_t kMaxSpiHexDigits = 8;
/// AES-192 key, bytes: Wireshark accepts it, tunnelsim has no AES-192 suite.
constexpr size_t kAes192KeySize = 24;
/// Encryption column value for ChaCha20-Poly1305, as the esp_sa menu of Wireshark releases
/// that decrypt it names it. Wireshark 4.0 has no such entry.
constexpr std::string_view kChaChaCipherName = "ChaCha20 with Poly1305 [RFC7634]";

/// Reason a line was rejected; the caller adds the line number.
struct LineError
{
    std::string message;
};

std::string
Quote(std::string_view text)
{
    return "\"" + std::string(text) + "\"";
}

/**
 * Split one line into its quoted fields. Wireshark's UAT writer quotes every field and
 * escapes '"', '\\' and non-printable bytes as \xNN; whitespace around fields is allowed.
 */
std::optional<LineError>
SplitFields(std::string_view line, std::vector<std::string>& fields)
{
    size_t i = 0;
    auto skipSpace = [&]()
    {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
        {
            ++i;
        }
    };
    while (true)
    {
        skipSpace();
        if (i >= line.size() || line[i] != '"')
        {
            return LineError{"field " + std::to_string(fields.size() + 1)
                             + " is not a quoted string"};
        }
        ++i;
        std::string field;
        bool closed = false;
        while (i < line.size())
        {
            const char c = line[i++];
            if (c == '"')
            {
                closed = true;
                break;
            }
            if (c != '\\')
            {
                field.push_back(c);
                continue;
            }
            // \xNN is the UAT escape; \" and \\ are accepted as well.
            if (i >= line.size())
            {
                break;
            }
            if (line[i] == '"' || line[i] == '\\')
            {
                field.push_back(line[i++]);
                continue;
            }
            auto value = (line[i] == 'x' && i + 2 < line.size()) ? FromHex(line.substr(i + 1, 2))
                                                                 : std::nullopt;
            if (!value || value->size() != 1)
            {
                return LineError{"field " + std::to_string(fields.size() + 1)
                                 + " has an invalid escape sequence"};
            }
            field.push_back(static_cast<char>((*value)[0]));
            i += 3;
        }
        if (!closed)
        {
            return LineError{"field " + std::to_string(fields.size() + 1)
                             + " has no closing quote"};
        }
        fields.push_back(std::move(field));
        skipSpace();
        if (i >= line.size())
        {
            return std::nullopt;
        }
        if (line[i] != ',')
        {
            return LineError{"expected ',' after field " + std::to_string(fields.size())};
        }
        ++i;
    }
}

std::optional<LineError>
ParseAddress(const std::string& text, std::string_view column, std::optional<uint32_t>& out)
{
    if (text == kAnyAddress)
    {
        out = std::nullopt;
        return std::nullopt;
    }
    auto address = Ipv4FromString(text);
    if (!address)
    {
        return LineError{"invalid " + std::string(column) + " address " + Quote(text)
                         + ": expected a dotted-quad IPv4 address or \"*\""};
    }
    out = *address;
    return std::nullopt;
}

std::string
FormatSpi(uint32_t spi)
{
    char text[16];
    std::snprintf(text, sizeof(text), "0x%08x", spi);
    return text;
}

std::optional<LineError>
ParseSpi(const std::string& text, uint32_t& out)
{
    const std::string expected = ": expected 0x followed by 1 to 8 hex digits, e.g. \"0x00001001\"";
    if (text.find('*') != std::string::npos)
    {
        return LineError{"invalid SPI " + Quote(text) + ": wildcard SPIs are not supported"};
    }
    if (text.size() < 3 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X')
        || text.size() - 2 > kMaxSpiHexDigits)
    {
        return LineError{"invalid SPI " + Quote(text) + expected};
    }
    uint32_t value = 0;
    const char* end = text.data() + text.size();
    auto [next, ec] = std::from_chars(text.data() + 2, end, value, 16);
    if (ec != std::errc() || next != end)
    {
        return LineError{"invalid SPI " + Quote(text) + expected};
    }
    // RFC 4303 s2.1: SPI 0 is reserved for local use and never sent on the wire.
    if (value == 0)
    {
        return LineError{"invalid SPI " + Quote(text) + ": SPI 0 is reserved (RFC 4303 s2.1)"};
    }
    out = value;
    return std::nullopt;
}

/// Parse a key column: empty, or "0x" and an even number of hex digits.
std::optional<LineError>
ParseKey(const std::string& text, std::string_view column, Bytes& out)
{
    out.clear();
    if (text.empty())
    {
        return std::nullopt;
    }
    auto bytes = (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
                     ? FromHex(text)
                     : std::nullopt;
    if (!bytes)
    {
        // The key is not echoed: it is secret.
        return LineError{"malformed " + std::string(column)
                         + " key: expected 0x followed by an even number of hex digits"
                           " (ASCII keys are not supported)"};
    }
    out = std::move(*bytes);
    return std::nullopt;
}

std::string
KeyLengthError(std::string_view column, std::string_view algorithm, size_t got,
               std::string_view expected)
{
    return "wrong " + std::string(column) + " key length for " + Quote(algorithm) + ": "
           + std::to_string(got) + " bytes, expected " + std::string(expected);
}

/// Map the encryption column and key length to a cipher (key sizes: RFC 3602 s2.2, RFC 4106
/// s8.1 with the 4-byte salt).
std::optional<LineError>
ParseCipher(const std::string& name, size_t keySize, EspCipher& out)
{
    const std::string_view cbc = WiresharkCipherName(EspCipher::AesCbc128);
    const std::string_view gcm = WiresharkCipherName(EspCipher::AesGcm128);
    const std::string_view null = WiresharkCipherName(EspCipher::Null);
    if (name == null)
    {
        if (keySize != 0)
        {
            return LineError{KeyLengthError("encryption", name, keySize, "an empty key")};
        }
        out = EspCipher::Null;
        return std::nullopt;
    }
    if (name == cbc)
    {
        const EspSuite aes128{EspCipher::AesCbc128, EspIntegrity::HmacSha1_96};
        const EspSuite aes256{EspCipher::AesCbc256, EspIntegrity::HmacSha1_96};
        if (keySize == aes128.EncryptionKeySize())
        {
            out = EspCipher::AesCbc128;
            return std::nullopt;
        }
        if (keySize == aes256.EncryptionKeySize())
        {
            out = EspCipher::AesCbc256;
            return std::nullopt;
        }
        if (keySize == kAes192KeySize)
        {
            return LineError{"unsupported encryption key length for " + Quote(name)
                             + ": AES-192 is not implemented (use a 16- or 32-byte key)"};
        }
        return LineError{
            KeyLengthError("encryption", name, keySize, "16 (AES-128) or 32 (AES-256)")};
    }
    if (name == gcm)
    {
        const EspSuite aes128{EspCipher::AesGcm128, EspIntegrity::None};
        const EspSuite aes256{EspCipher::AesGcm256, EspIntegrity::None};
        if (keySize == aes128.EncryptionKeySize())
        {
            out = EspCipher::AesGcm128;
            return std::nullopt;
        }
        if (keySize == aes256.EncryptionKeySize())
        {
            out = EspCipher::AesGcm256;
            return std::nullopt;
        }
        if (keySize == kAes192KeySize + kEspAeadSaltSize)
        {
            return LineError{"unsupported encryption key length for " + Quote(name)
                             + ": AES-192 is not implemented (use a 20- or 36-byte key)"};
        }
        return LineError{KeyLengthError("encryption", name, keySize,
                                        "20 (AES-128 + 4-byte salt) or 36 (AES-256 + salt)")};
    }
    if (name == kChaChaCipherName)
    {
        // RFC 7634 s2: a 256-bit key followed by a 4-byte salt.
        const EspSuite chacha{EspCipher::ChaCha20Poly1305, EspIntegrity::None};
        if (keySize != chacha.EncryptionKeySize())
        {
            return LineError{
                KeyLengthError("encryption", name, keySize, "36 (ChaCha20 key + 4-byte salt)")};
        }
        out = EspCipher::ChaCha20Poly1305;
        return std::nullopt;
    }
    return LineError{"unknown encryption algorithm " + Quote(name) + ": expected " + Quote(null)
                     + ", " + Quote(cbc) + ", " + Quote(gcm) + " or " + Quote(kChaChaCipherName)};
}

std::optional<LineError>
ParseIntegrity(const std::string& name, size_t keySize, EspIntegrity& out)
{
    constexpr std::array<EspIntegrity, 3> kAll
        = {EspIntegrity::None, EspIntegrity::HmacSha1_96, EspIntegrity::HmacSha256_128};
    for (EspIntegrity integrity : kAll)
    {
        if (name != WiresharkIntegrityName(integrity))
        {
            continue;
        }
        const EspSuite suite{EspCipher::Null, integrity};
        if (keySize != suite.IntegrityKeySize())
        {
            return LineError{KeyLengthError("authentication", name, keySize,
                                            std::to_string(suite.IntegrityKeySize()))};
        }
        out = integrity;
        return std::nullopt;
    }
    return LineError{"unknown authentication algorithm " + Quote(name) + ": expected "
                     + Quote(WiresharkIntegrityName(EspIntegrity::None)) + ", "
                     + Quote(WiresharkIntegrityName(EspIntegrity::HmacSha1_96)) + " or "
                     + Quote(WiresharkIntegrityName(EspIntegrity::HmacSha256_128))};
}

/// Check the cipher and integrity pair the way EspDecoder needs it.
std::optional<LineError>
CheckSuite(const EspSuite& suite)
{
    if (suite.IsCombined() && suite.integrity != EspIntegrity::None)
    {
        return LineError{"AES-GCM and ChaCha20-Poly1305 carry their own ICV: the "
                         "authentication algorithm must be \"NULL\""};
    }
    if (suite.cipher == EspCipher::Null && suite.integrity == EspIntegrity::None)
    {
        return LineError{"NULL encryption needs an authentication algorithm (RFC 4303 s3.2)"};
    }
    if (!suite.IsCombined() && suite.cipher != EspCipher::Null
        && suite.integrity == EspIntegrity::None)
    {
        return LineError{"AES-CBC without authentication is not supported: there would be no "
                         "ICV to verify"};
    }
    return std::nullopt;
}

std::optional<LineError>
ParseLine(std::string_view line, EspSaFileEntry& entry)
{
    std::vector<std::string> fields;
    if (auto error = SplitFields(line, fields))
    {
        return error;
    }
    if (fields.size() != kEspSaFileFieldCount)
    {
        return LineError{"expected " + std::to_string(kEspSaFileFieldCount)
                         + " fields (the Wireshark 4.0 esp_sa layout), found "
                         + std::to_string(fields.size())};
    }
    if (fields[0] == kProtocolIpv6)
    {
        return LineError{"unsupported protocol \"IPv6\": tunnelsim decodes IPv4 only"};
    }
    if (fields[0] != kProtocolIpv4)
    {
        return LineError{"unknown protocol " + Quote(fields[0]) + ": expected \"IPv4\""};
    }
    std::optional<LineError> error;
    Bytes encryptionKey;
    Bytes integrityKey;
    EspSuite suite;
    if ((error = ParseAddress(fields[1], "source", entry.source))
        || (error = ParseAddress(fields[2], "destination", entry.destination))
        || (error = ParseSpi(fields[3], entry.spi))
        || (error = ParseKey(fields[5], "encryption", encryptionKey))
        || (error = ParseCipher(fields[4], encryptionKey.size(), suite.cipher))
        || (error = ParseKey(fields[7], "authentication", integrityKey))
        || (error = ParseIntegrity(fields[6], integrityKey.size(), suite.integrity))
        || (error = CheckSuite(suite)))
    {
        return error;
    }
    entry.suite = suite;
    entry.encryptionKey = std::move(encryptionKey);
    entry.integrityKey = std::move(integrityKey);
    return std::nullopt;
}

/// Return whether Wireshark 4.0 lacks the SA's cipher, so the SA is written as a comment.
bool
NeedsTunnelsimOnlyLine(const EspSaFileEntry& entry)
{
    return entry.suite.cipher == EspCipher::ChaCha20Poly1305;
}

std::string
FormatAddress(const std::optional<uint32_t>& address)
{
    return address ? Ipv4ToString(*address) : std::string(kAnyAddress);
}

std::string
FormatKey(const Bytes& key)
{
    return key.empty() ? std::string() : "0x" + ToHex(key);
}

} // namespace

bool
EspSaFileEntry::Matches(uint32_t packetSpi, uint32_t packetSource, uint32_t packetDestination) const
{
    return spi == packetSpi && (!source || *source == packetSource)
           && (!destination || *destination == packetDestination);
}

EspSaConfig
EspSaFileEntry::ToConfig() const
{
    EspSaConfig config;
    config.spi = spi;
    config.suite = suite;
    config.encryptionKey = encryptionKey;
    config.integrityKey = integrityKey;
    config.extendedSequenceNumbers = false;
    return config;
}

EspSaFileEntry
EspSaFileEntry::FromConfig(const EspSaConfig& config, std::optional<uint32_t> sourceAddress,
                           std::optional<uint32_t> destinationAddress)
{
    EspSaFileEntry entry;
    entry.source = sourceAddress;
    entry.destination = destinationAddress;
    entry.spi = config.spi;
    entry.suite = config.suite;
    entry.encryptionKey = config.encryptionKey;
    entry.integrityKey = config.integrityKey;
    return entry;
}

std::string
EspSaFileError::ToString() const
{
    std::string out = file;
    if (line > 0)
    {
        out += file.empty() ? "line " + std::to_string(line) : ":" + std::to_string(line);
    }
    if (!out.empty())
    {
        out += ": ";
    }
    return out + message;
}

EspSaFileResult
ParseEspSaFile(std::string_view text)
{
    EspSaFileResult result;
    size_t lineNumber = 0;
    size_t start = 0;
    while (start < text.size())
    {
        size_t end = text.find('\n', start);
        if (end == std::string_view::npos)
        {
            end = text.size();
        }
        std::string_view line = text.substr(start, end - start);
        start = end + 1;
        ++lineNumber;

        size_t first = line.find_first_not_of(" \t\r");
        if (first != std::string_view::npos
            && line.substr(first, kTunnelsimOnlyPrefix.size()) == kTunnelsimOnlyPrefix)
        {
            first = line.find_first_not_of(" \t\r", first + kTunnelsimOnlyPrefix.size());
        }
        else if (first != std::string_view::npos && line[first] == '#')
        {
            continue;
        }
        if (first == std::string_view::npos)
        {
            continue;
        }
        EspSaFileEntry entry;
        entry.line = lineNumber;
        if (auto error = ParseLine(line.substr(first), entry))
        {
            result.entries.clear();
            result.error = EspSaFileError{"", lineNumber, std::move(error->message)};
            return result;
        }
        result.entries.push_back(std::move(entry));
    }
    return result;
}

EspSaFileResult
ReadEspSaFile(const std::string& path)
{
    EspSaFileResult result;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
    {
        result.error = EspSaFileError{path, 0, "esp_sa file not found"};
        return result;
    }
    if (!std::filesystem::is_regular_file(path, ec))
    {
        result.error = EspSaFileError{path, 0, "esp_sa path is not a regular file"};
        return result;
    }
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in)
    {
        result.error = EspSaFileError{
            path, 0, std::string("failed to read the esp_sa file: ") + std::strerror(errno)};
        return result;
    }
    result = ParseEspSaFile(text.str());
    if (result.error)
    {
        result.error->file = path;
    }
    return result;
}

std::string
FormatEspSaFile(const std::vector<EspSaFileEntry>& entries)
{
    std::string out = "# Wireshark esp_sa table (ESP preferences), one SA per line.\n";
    if (std::any_of(entries.begin(), entries.end(), NeedsTunnelsimOnlyLine))
    {
        out += "# Lines starting with \"" + std::string(kTunnelsimOnlyPrefix)
               + "\" hold SAs that Wireshark 4.0 cannot decrypt; simrun decode reads them.\n";
    }
    for (const EspSaFileEntry& entry : entries)
    {
        const bool tunnelsimOnly = NeedsTunnelsimOnlyLine(entry);
        const std::string_view cipher
            = tunnelsimOnly ? kChaChaCipherName : WiresharkCipherName(entry.suite.cipher);
        const std::array<std::string, kEspSaFileFieldCount> fields = {
            std::string(kProtocolIpv4),
            FormatAddress(entry.source),
            FormatAddress(entry.destination),
            FormatSpi(entry.spi),
            std::string(cipher),
            FormatKey(entry.encryptionKey),
            std::string(WiresharkIntegrityName(entry.suite.integrity)),
            FormatKey(entry.integrityKey),
        };
        std::string line;
        for (const std::string& field : fields)
        {
            line += (line.empty() ? "" : ",") + Quote(field);
        }
        // Check the line as a reader will, so nothing is written that cannot be read back.
        EspSaFileEntry check;
        if (auto error = ParseLine(line, check))
        {
            throw std::invalid_argument("cannot write SA " + FormatSpi(entry.spi) + ": "
                                        + error->message);
        }
        out += (tunnelsimOnly ? std::string(kTunnelsimOnlyPrefix) : std::string()) + line + "\n";
    }
    return out;
}

void
WriteEspSaFile(const std::string& path, const std::vector<EspSaFileEntry>& entries)
{
    const std::string text = FormatEspSaFile(entries);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out)
    {
        throw std::runtime_error("failed to write the esp_sa file " + path + ": "
                                 + std::strerror(errno));
    }
}

} // namespace tunnelsim
