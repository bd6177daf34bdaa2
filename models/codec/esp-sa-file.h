/*
 * Wireshark's esp_sa file: the ESP SA table of Wireshark's ESP preferences (a UAT file in
 * the personal configuration directory). One SA per line, 8 quoted fields separated by
 * commas, in this order:
 *
 *   "IPv4","192.0.2.1","198.51.100.1","0x00001001","AES-GCM with 16 octet ICV [RFC4106]",
 *   "0x<AES key><4-byte salt>","NULL",""
 *
 * protocol, source address or "*", destination address or "*", SPI, encryption algorithm,
 * encryption key, authentication algorithm, authentication key. Lines starting with '#'
 * are comments. Algorithm names are the menu strings of Wireshark 4.0.
 *
 * Wireshark 4.0 cannot decrypt ChaCha20-Poly1305 (RFC 7634), so tunnelsim writes those SAs
 * as comment lines that start with kTunnelsimOnlyPrefix and name the cipher
 * "ChaCha20 with Poly1305 [RFC7634]". Wireshark skips them; ParseEspSaFile reads them.
 *
 * Limitations:
 * - IPv4 only; an "IPv6" line is rejected.
 * - Addresses are "*" or a full dotted quad; Wireshark's partial wildcards ("10.1.*.*")
 *   and SPI wildcards are rejected.
 * - Keys must be 0x-hex; Wireshark's plain ASCII keys are rejected.
 * - Only the suites tunnelsim implements: AES-CBC 128/256 and NULL with HMAC-SHA-1-96 or
 *   HMAC-SHA-256-128, AES-GCM-16 128/256, ChaCha20-Poly1305. The file has no column for
 *   extended sequence numbers, so every entry has them off.
 */
#ifndef TUNNELSIM_CODEC_ESP_SA_FILE_H
#define TUNNELSIM_CODEC_ESP_SA_FILE_H

#include "bytes.h"
#include "esp-sa.h"
#include "esp-suite.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tunnelsim
{

/// Fields on each esp_sa line (Wireshark 4.0 epan/dissectors/packet-ipsec.c, esp_uat_flds).
constexpr size_t kEspSaFileFieldCount = 8;

/// Start of a comment line that contains an SA Wireshark 4.0 cannot decrypt.
constexpr std::string_view kTunnelsimOnlyPrefix = "#tunnelsim-only:";

/** One SA of the esp_sa table. */
struct EspSaFileEntry
{
    std::optional<uint32_t> source;      ///< host byte order; nullopt for "*"
    std::optional<uint32_t> destination; ///< host byte order; nullopt for "*"
    uint32_t spi = 0;
    EspSuite suite;
    /// Cipher key followed, for AES-GCM, by the 4-byte salt (RFC 4106 s8.1); empty for NULL.
    Bytes encryptionKey;
    /// HMAC key; empty for AES-GCM.
    Bytes integrityKey;
    /// 1-based line of the file the entry was read from; 0 when it was not read.
    size_t line = 0;

    /// True when this SA applies to an ESP packet with @p packetSpi between these addresses.
    bool Matches(uint32_t packetSpi, uint32_t packetSource, uint32_t packetDestination) const;

    /// The decoder configuration of this SA (no extended sequence numbers).
    EspSaConfig ToConfig() const;

    /// The entry for @p config, between @p sourceAddress and @p destinationAddress.
    static EspSaFileEntry FromConfig(const EspSaConfig& config,
                                     std::optional<uint32_t> sourceAddress,
                                     std::optional<uint32_t> destinationAddress);
};

/** Why an esp_sa file could not be used: the file, the 1-based line and what is wrong. */
struct EspSaFileError
{
    std::string file; ///< empty when the text did not come from a file
    size_t line = 0;  ///< 0 when the error concerns the whole file (e.g. unreadable)
    std::string message;

    /// "FILE:LINE: message", "line LINE: message" without a file, "FILE: message" without a line.
    std::string ToString() const;
};

/** The entries of an esp_sa file, or the first error found. */
struct EspSaFileResult
{
    std::vector<EspSaFileEntry> entries;
    std::optional<EspSaFileError> error;

    bool Ok() const { return !error.has_value(); }
};

/**
 * Parse the text of an esp_sa file. Every line is checked in full: unknown or unsupported
 * algorithm, a key that is not 0x-hex, a key length that does not fit the algorithm, a bad
 * SPI or address, and a wrong field count are errors naming the line.
 */
EspSaFileResult ParseEspSaFile(std::string_view text);

/** Read and parse the esp_sa file at @p path; errors carry the path. */
EspSaFileResult ReadEspSaFile(const std::string& path);

/**
 * Format @p entries as an esp_sa file that Wireshark 4.0 loads, ChaCha20-Poly1305 SAs as
 * kTunnelsimOnlyPrefix lines. Throws std::invalid_argument for an entry that ParseEspSaFile
 * rejects (a key length that does not fit the suite), so a written file always reads back.
 */
std::string FormatEspSaFile(const std::vector<EspSaFileEntry>& entries);

/** Write FormatEspSaFile(@p entries) to @p path; throws std::runtime_error if that fails. */
void WriteEspSaFile(const std::string& path, const std::vector<EspSaFileEntry>& entries);

} // namespace tunnelsim

#endif
