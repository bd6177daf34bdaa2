/*
 * ESP cipher suites: the encryption and integrity transforms an SA uses, with their key,
 * IV, block and ICV sizes from the RFC that defines each.
 */
#ifndef TUNNELSIM_CODEC_ESP_SUITE_H
#define TUNNELSIM_CODEC_ESP_SUITE_H

#include <cstddef>
#include <cstdint>
#include <optional>
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

struct EspSuite
{
    EspCipher cipher = EspCipher::AesGcm128;
    EspIntegrity integrity = EspIntegrity::None;

    /// True for AEAD ciphers (GCM, ChaCha20-Poly1305), whose ICV comes from the cipher.
    bool IsCombined() const;
    /// Encryption key bytes, including the 4-byte salt of GCM and ChaCha20-Poly1305.
    size_t EncryptionKeySize() const;
    /// Integrity key bytes (RFC 2404: 20, RFC 4868: 32); 0 for combined mode or None.
    size_t IntegrityKeySize() const;
    /// Explicit IV carried in each packet (CBC: 16, GCM and ChaCha20: 8, NULL: 0).
    size_t IvSize() const;
    /// ICV bytes (GCM and ChaCha20: 16, HMAC-SHA1-96: 12, HMAC-SHA-256-128: 16).
    size_t IcvSize() const;
    /// Alignment of payload + padding + 2 trailer bytes (CBC: 16, otherwise 4, RFC 4303 s2.4).
    size_t PadAlignment() const;

    /// Bytes ESP adds to a payload of @p payloadSize bytes: header, IV, padding, trailer, ICV.
    size_t Overhead(size_t payloadSize) const;

    /// Stable name used in scenarios and results, e.g. "aes-gcm-128", "aes-cbc-128-hmac-sha1-96".
    std::string Name() const;

    bool operator==(const EspSuite& other) const
    {
        return cipher == other.cipher && integrity == other.integrity;
    }
};

/** Parse a name produced by EspSuite::Name(); nullopt if unknown. */
std::optional<EspSuite> ParseEspSuite(std::string_view name);

/** The suites a gateway can be configured with (every valid cipher and integrity pair). */
std::vector<EspSuite> AllEspSuites();

/// Wireshark 4.0 esp_sa algorithm names (the UAT's menu strings).
std::string_view WiresharkCipherName(EspCipher cipher);
std::string_view WiresharkIntegrityName(EspIntegrity integrity);

} // namespace tunnelsim

#endif
