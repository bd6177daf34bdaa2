/*
 * ESP cipher suites: the encryption and integrity transforms an SA uses, with their key,
 * IV, block and ICV sizes from the RFC that defines each.
 *
 * Limitations:
 * - No AES-CTR (RFC 3686), 3DES, AES-GCM with 8- or 12-byte ICVs, ENCR_NULL_AUTH_AES_GMAC
 *   (RFC 4543) or HMAC-SHA-384/512.
 * - Wireshark 4.0 has no ChaCha20-Poly1305 entry, so WiresharkCipherName returns an empty
 *   name for it.
 */
#ifndef TUNNELSIM_CODEC_ESP_SUITE_H
#define TUNNELSIM_CODEC_ESP_SUITE_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace tunnelsim
{

enum class EspCipher : uint8_t
{
    Null,             ///< RFC 2410; needs an integrity algorithm
    AesCbc128,        ///< RFC 3602
    AesCbc256,        ///< RFC 3602
    AesGcm128,        ///< RFC 4106, 16-byte ICV
    AesGcm256,        ///< RFC 4106, 16-byte ICV
    ChaCha20Poly1305, ///< RFC 7634
};

enum class EspIntegrity : uint8_t
{
    None,           ///< combined-mode ciphers, or CBC without integrity (test vectors only)
    HmacSha1_96,    ///< RFC 2404
    HmacSha256_128, ///< RFC 4868
};

/// Salt appended to the GCM and ChaCha20-Poly1305 key, bytes (RFC 4106 s8.1, RFC 7634 s2).
constexpr size_t kEspAeadSaltSize = 4;
/// AES block size, bytes (FIPS 197); the CBC IV and padding unit (RFC 3602 s2.4).
constexpr size_t kAesBlockSize = 16;
/// Payload + padding + trailer alignment of ciphers without a block size, bytes (RFC 4303
/// s2.4: Pad Length and Next Header end on a 4-byte boundary).
constexpr size_t kEspMinPadAlignment = 4;
/// Largest Pad Length value, bytes (RFC 4303 s2.4, an 8-bit field).
constexpr size_t kEspMaxPadLength = 255;

struct EspSuite
{
    EspCipher cipher = EspCipher::AesGcm128;
    EspIntegrity integrity = EspIntegrity::None;

    /// True for AEAD ciphers (GCM, ChaCha20-Poly1305), whose ICV comes from the cipher.
    bool IsCombined() const;
    /**
     * True when the pair can run: an AEAD cipher with integrity None, NULL with an HMAC
     * (RFC 4303 s3.2 forbids NULL with no integrity), or CBC with an HMAC or with None
     * (encryption only, kept for the RFC 3602 vector).
     */
    bool IsValid() const;
    /// Encryption key bytes, including the 4-byte salt of GCM and ChaCha20-Poly1305.
    size_t EncryptionKeySize() const;
    /// Cipher key bytes without the salt (AES-128: 16, AES-256 and ChaCha20: 32, NULL: 0).
    size_t CipherKeySize() const;
    /// Integrity key bytes (RFC 2404: 20, RFC 4868: 32); 0 for combined mode or None.
    size_t IntegrityKeySize() const;
    /// Explicit IV carried in each packet (CBC: 16, GCM and ChaCha20: 8, NULL: 0).
    size_t IvSize() const;
    /// ICV bytes (GCM and ChaCha20: 16, HMAC-SHA1-96: 12, HMAC-SHA-256-128: 16, None: 0).
    size_t IcvSize() const;
    /// Alignment of payload + padding + 2 trailer bytes (CBC: 16, otherwise 4, RFC 4303 s2.4).
    size_t PadAlignment() const;
    /// Padding bytes Seal adds to @p payloadSize bytes: the fewest that reach PadAlignment().
    size_t PadLength(size_t payloadSize) const;

    /// Bytes ESP adds to a payload of @p payloadSize bytes: header, IV, padding, trailer, ICV.
    size_t Overhead(size_t payloadSize) const;

    /**
     * Stable name used in scenarios and results, e.g. "aes-gcm-128", "aes-cbc-128-hmac-sha1-96".
     * CBC without integrity is "aes-cbc-128" or "aes-cbc-256"; an invalid pair is "invalid".
     */
    std::string Name() const;

    bool operator==(const EspSuite& other) const
    {
        return cipher == other.cipher && integrity == other.integrity;
    }

    bool operator!=(const EspSuite& other) const { return !(*this == other); }
};

/// Write the suite's name, so test frameworks print suites readably.
inline std::ostream&
operator<<(std::ostream& out, const EspSuite& suite)
{
    return out << suite.Name();
}

/**
 * Parse a name listed by AllEspSuites(); nullopt otherwise. The encryption-only names
 * ("aes-cbc-128", "aes-cbc-256") are rejected, so no scenario can configure them.
 */
std::optional<EspSuite> ParseEspSuite(std::string_view name);

/** The suites a gateway can be configured with (every valid pair except encryption only). */
std::vector<EspSuite> AllEspSuites();

/// Wireshark 4.0 esp_sa algorithm names (the UAT's menu strings); empty where 4.0 has none.
std::string_view WiresharkCipherName(EspCipher cipher);
/// Combined-mode suites use "NULL" here, as Wireshark expects for AEAD ciphers.
std::string_view WiresharkIntegrityName(EspIntegrity integrity);

} // namespace tunnelsim

#endif
