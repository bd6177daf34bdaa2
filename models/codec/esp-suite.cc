#include "esp-suite.h"

#include "esp-sa.h"

namespace tunnelsim
{

namespace
{

/// Explicit IV of GCM (RFC 4106 s3.1) and ChaCha20-Poly1305 (RFC 7634 s2), bytes.
constexpr size_t kAeadIvSize = 8;
/// Tag of AES-GCM-16 (RFC 4106 s6) and of Poly1305 (RFC 7634 s2), bytes.
constexpr size_t kAeadIcvSize = 16;
/// AES-128 key, bytes (RFC 3602 s2.2 and RFC 4106 s8.1).
constexpr size_t kAes128KeySize = 16;
/// AES-256 key, bytes.
constexpr size_t kAes256KeySize = 32;
/// ChaCha20 key, bytes (RFC 7634 s2).
constexpr size_t kChaCha20KeySize = 32;
/// HMAC-SHA1-96 key and ICV, bytes (RFC 2404 s3 and s2).
constexpr size_t kHmacSha1KeySize = 20;
constexpr size_t kHmacSha1IcvSize = 12;
/// HMAC-SHA-256-128 key and ICV, bytes (RFC 4868 s2.1.1 and s2.3).
constexpr size_t kHmacSha256KeySize = 32;
constexpr size_t kHmacSha256IcvSize = 16;

std::string_view
CipherName(EspCipher cipher)
{
    switch (cipher)
    {
        case EspCipher::Null:
            return "null";
        case EspCipher::AesCbc128:
            return "aes-cbc-128";
        case EspCipher::AesCbc256:
            return "aes-cbc-256";
        case EspCipher::AesGcm128:
            return "aes-gcm-128";
        case EspCipher::AesGcm256:
            return "aes-gcm-256";
        case EspCipher::ChaCha20Poly1305:
            return "chacha20-poly1305";
    }
    return "invalid";
}

std::string_view
IntegrityName(EspIntegrity integrity)
{
    switch (integrity)
    {
        case EspIntegrity::None:
            return "";
        case EspIntegrity::HmacSha1_96:
            return "hmac-sha1-96";
        case EspIntegrity::HmacSha256_128:
            return "hmac-sha256-128";
    }
    return "invalid";
}

bool
IsCbc(EspCipher cipher)
{
    return cipher == EspCipher::AesCbc128 || cipher == EspCipher::AesCbc256;
}

} // namespace

bool
EspSuite::IsCombined() const
{
    return cipher == EspCipher::AesGcm128 || cipher == EspCipher::AesGcm256
           || cipher == EspCipher::ChaCha20Poly1305;
}

bool
EspSuite::IsValid() const
{
    const bool knownIntegrity = integrity == EspIntegrity::None
                                || integrity == EspIntegrity::HmacSha1_96
                                || integrity == EspIntegrity::HmacSha256_128;
    if (!knownIntegrity)
    {
        return false;
    }
    if (IsCombined())
    {
        return integrity == EspIntegrity::None;
    }
    if (cipher == EspCipher::Null)
    {
        return integrity != EspIntegrity::None;
    }
    return IsCbc(cipher);
}

size_t
EspSuite::CipherKeySize() const
{
    switch (cipher)
    {
        case EspCipher::Null:
            return 0;
        case EspCipher::AesCbc128:
        case EspCipher::AesGcm128:
            return kAes128KeySize;
        case EspCipher::AesCbc256:
        case EspCipher::AesGcm256:
            return kAes256KeySize;
        case EspCipher::ChaCha20Poly1305:
            return kChaCha20KeySize;
    }
    return 0;
}

size_t
EspSuite::EncryptionKeySize() const
{
    return CipherKeySize() + (IsCombined() ? kEspAeadSaltSize : 0);
}

size_t
EspSuite::IntegrityKeySize() const
{
    switch (integrity)
    {
        case EspIntegrity::None:
            return 0;
        case EspIntegrity::HmacSha1_96:
            return kHmacSha1KeySize;
        case EspIntegrity::HmacSha256_128:
            return kHmacSha256KeySize;
    }
    return 0;
}

size_t
EspSuite::IvSize() const
{
    if (IsCombined())
    {
        return kAeadIvSize;
    }
    return IsCbc(cipher) ? kAesBlockSize : 0;
}

size_t
EspSuite::IcvSize() const
{
    if (IsCombined())
    {
        return kAeadIcvSize;
    }
    switch (integrity)
    {
        case EspIntegrity::None:
            return 0;
        case EspIntegrity::HmacSha1_96:
            return kHmacSha1IcvSize;
        case EspIntegrity::HmacSha256_128:
            return kHmacSha256IcvSize;
    }
    return 0;
}

size_t
EspSuite::PadAlignment() const
{
    // RFC 4303 s2.4: the ciphertext must fill whole cipher blocks, and the trailer must end
    // on a 4-byte boundary. GCM and ChaCha20 are stream modes (RFC 4106 s3.2, RFC 7634 s3),
    // so only the 4-byte rule applies to them.
    return IsCbc(cipher) ? kAesBlockSize : kEspMinPadAlignment;
}

size_t
EspSuite::PadLength(size_t payloadSize) const
{
    const size_t alignment = PadAlignment();
    const size_t used = (payloadSize + kEspTrailerSize) % alignment;
    return used == 0 ? 0 : alignment - used;
}

size_t
EspSuite::Overhead(size_t payloadSize) const
{
    return kEspHeaderSize + IvSize() + PadLength(payloadSize) + kEspTrailerSize + IcvSize();
}

std::string
EspSuite::Name() const
{
    if (!IsValid())
    {
        return "invalid";
    }
    std::string name(CipherName(cipher));
    if (integrity != EspIntegrity::None)
    {
        name += '-';
        name += IntegrityName(integrity);
    }
    return name;
}

std::vector<EspSuite>
AllEspSuites()
{
    std::vector<EspSuite> suites;
    for (EspCipher cipher :
         {EspCipher::AesGcm128, EspCipher::AesGcm256, EspCipher::ChaCha20Poly1305,
          EspCipher::AesCbc128, EspCipher::AesCbc256, EspCipher::Null})
    {
        for (EspIntegrity integrity :
             {EspIntegrity::None, EspIntegrity::HmacSha1_96, EspIntegrity::HmacSha256_128})
        {
            const EspSuite suite{cipher, integrity};
            const bool encryptionOnly = IsCbc(cipher) && integrity == EspIntegrity::None;
            if (suite.IsValid() && !encryptionOnly)
            {
                suites.push_back(suite);
            }
        }
    }
    return suites;
}

std::optional<EspSuite>
ParseEspSuite(std::string_view name)
{
    for (const EspSuite& suite : AllEspSuites())
    {
        if (suite.Name() == name)
        {
            return suite;
        }
    }
    return std::nullopt;
}

std::string_view
WiresharkCipherName(EspCipher cipher)
{
    // Menu strings of the esp_sa UAT in Wireshark 4.0 (epan/dissectors/packet-ipsec.c).
    switch (cipher)
    {
        case EspCipher::Null:
            return "NULL";
        case EspCipher::AesCbc128:
        case EspCipher::AesCbc256:
            return "AES-CBC [RFC3602]";
        case EspCipher::AesGcm128:
        case EspCipher::AesGcm256:
            return "AES-GCM with 16 octet ICV [RFC4106]";
        case EspCipher::ChaCha20Poly1305:
            return "";
    }
    return "";
}

std::string_view
WiresharkIntegrityName(EspIntegrity integrity)
{
    switch (integrity)
    {
        case EspIntegrity::None:
            return "NULL";
        case EspIntegrity::HmacSha1_96:
            return "HMAC-SHA-1-96 [RFC2404]";
        case EspIntegrity::HmacSha256_128:
            return "HMAC-SHA-256-128 [RFC4868]";
    }
    return "";
}

} // namespace tunnelsim
