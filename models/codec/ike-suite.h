/*
 * Cryptographic suites an IKE negotiation proposes: the IKE SA's own suite (encryption,
 * integrity, PRF, Diffie-Hellman group) and the ESP suite of a CHILD SA, with their IANA
 * transform numbers for IKEv2 (RFC 7296 s3.3.2) and their attribute values for IKEv1
 * (RFC 2409 Appendix A, RFC 2407 s4.5).
 *
 * Limitations:
 * - Only the suites below; no 3DES, no MD5, no IKEv1 phase 1 with AES-GCM (RFC 2409 has
 *   none), no ChaCha20-Poly1305 in IKEv1 (RFC 7634 defines it for IKEv2 only).
 */
#ifndef TUNNELSIM_IPSEC_IKE_SUITE_H
#define TUNNELSIM_IPSEC_IKE_SUITE_H

#include "esp-suite.h"
#include "ike-crypto.h"
#include "ipsec-mode.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tunnelsim
{

/// Encryption of the IKE SA itself.
enum class IkeEncryption : uint8_t
{
    AesCbc128, ///< ENCR_AES_CBC, RFC 3602
    AesCbc256,
    AesGcm128, ///< ENCR_AES_GCM_16, RFC 5282 (IKEv2 only)
    AesGcm256,
};

/// Integrity of the IKE SA (IKEv2 transform type 3; IKEv1 hash algorithm).
enum class IkeIntegrity : uint8_t
{
    None,           ///< combined-mode encryption
    HmacSha1_96,    ///< AUTH_HMAC_SHA1_96, RFC 2404
    HmacSha256_128, ///< AUTH_HMAC_SHA2_256_128, RFC 4868
};

/// Diffie-Hellman groups, numbered as in the IANA registry (IKEv2 transform type 4).
enum class DhGroup : uint16_t
{
    None = 0,        ///< no PFS for a CHILD SA
    Modp1024 = 2,    ///< RFC 2409 s6.2
    Modp2048 = 14,   ///< RFC 3526 s3
    Modp3072 = 15,   ///< RFC 3526 s4
    Ecp256 = 19,     ///< RFC 5903 s3.1
    Ecp384 = 20,     ///< RFC 5903 s3.2
    Curve25519 = 31, ///< RFC 8031 s2
};

/// Bytes of the public value in a KE payload for @p group (RFC 3526, RFC 5903 s7,
/// RFC 8031 s3.1); 0 for None.
size_t KeyExchangeSize(DhGroup group);
/// "modp2048", "ecp256", "x25519", "none" (strongSwan's names).
std::string_view ToString(DhGroup group);
std::optional<DhGroup> ParseDhGroup(std::string_view name);

/** The IKE SA's suite. */
struct IkeSuite
{
    IkeEncryption encryption = IkeEncryption::AesCbc128;
    IkeIntegrity integrity = IkeIntegrity::HmacSha256_128;
    IkePrf prf = IkePrf::HmacSha256;
    DhGroup dhGroup = DhGroup::Modp2048;

    bool IsCombined() const;
    /// Combined mode has no integrity transform, CBC needs one, a DH group is required.
    bool IsValid() const;
    /// IV in each SK payload (CBC: 16, GCM: 8, RFC 5282 s3.1), bytes.
    size_t IvSize() const;
    /// Cipher block the SK plaintext is padded to (CBC: 16; GCM: 1, RFC 5282 s3.2), bytes.
    size_t BlockSize() const;
    /// Integrity checksum at the end of an SK payload (RFC 4868 s2.3: 16; RFC 2404: 12;
    /// GCM tag 16), bytes.
    size_t IcvSize() const;
    /// Encryption key (SK_ei, SK_er) bytes, with the 4-byte salt of AES-GCM (RFC 5282 s7.1).
    size_t EncryptionKeySize() const;
    /// Integrity key (SK_ai, SK_ar) bytes; the GCM tag needs none.
    size_t IntegrityKeySize() const;

    /// strongSwan-style name: "aes128-sha256-modp2048", "aes256gcm16-prfsha256-ecp384".
    std::string Name() const;

    bool operator==(const IkeSuite& other) const
    {
        return encryption == other.encryption && integrity == other.integrity && prf == other.prf
               && dhGroup == other.dhGroup;
    }
};

/** Parse a name produced by IkeSuite::Name(); nullopt if unknown or invalid. */
std::optional<IkeSuite> ParseIkeSuite(std::string_view name);

/** One transform or attribute set as carried in an SA payload. */
struct SaTransform
{
    /// IKEv2: transform type (1 ENCR, 2 PRF, 3 INTEG, 4 DH, 5 ESN); IKEv1: unused, 0.
    uint8_t type = 0;
    /// IKEv2: transform ID; IKEv1: transform ID (KEY_IKE, ESP_AES, ...).
    uint16_t id = 0;
    /// Attributes as (type, value): IKEv2 only key length (14); IKEv1 the full list.
    std::vector<std::pair<uint16_t, uint32_t>> attributes;

    bool operator==(const SaTransform& other) const
    {
        return type == other.type && id == other.id && attributes == other.attributes;
    }
};

/// Protocol IDs of proposals (RFC 7296 s3.3.1; RFC 2407 s4.4.1 uses the same values).
constexpr uint8_t kProtocolIke = 1;
constexpr uint8_t kProtocolEsp = 3;

/// IKEv2 transform types (RFC 7296 s3.3.2).
constexpr uint8_t kTransformEncryption = 1;
constexpr uint8_t kTransformPrf = 2;
constexpr uint8_t kTransformIntegrity = 3;
constexpr uint8_t kTransformDh = 4;
constexpr uint8_t kTransformEsn = 5;

/**
 * The transforms of one IKEv2 proposal for @p suite (RFC 7296 s3.3.2): ENCR, PRF, INTEG
 * when not combined, D-H.
 */
std::vector<SaTransform> IkeV2Transforms(const IkeSuite& suite);
/** The suite an IKEv2 IKE proposal describes, or nullopt for unknown transforms. */
std::optional<IkeSuite> IkeSuiteFromV2(const std::vector<SaTransform>& transforms);

/** IKEv2 ESP proposal transforms: ENCR, INTEG when not combined, D-H when @p pfs, ESN. */
std::vector<SaTransform> EspV2Transforms(const EspSuite& suite, DhGroup pfs, bool esn);
/** Suite, PFS group and ESN of an IKEv2 ESP proposal, or nullopt for unknown transforms. */
struct EspProposalTerms
{
    EspSuite suite;
    DhGroup pfs = DhGroup::None;
    bool esn = false;
    /// Mode of the CHILD SA: IKEv1 reads it from the Encapsulation Mode attribute, and
    /// IKEv2 sets it from the USE_TRANSPORT_MODE notify.
    IpsecMode mode = IpsecMode::Tunnel;
};
std::optional<EspProposalTerms> EspTermsFromV2(const std::vector<SaTransform>& transforms);

/**
 * The IKEv1 KEY_IKE transform for @p suite with pre-shared key authentication and a
 * lifetime of @p lifetimeSeconds (RFC 2409 Appendix A attributes).
 */
SaTransform IkeV1Transform(const IkeSuite& suite, uint32_t lifetimeSeconds);
std::optional<IkeSuite> IkeSuiteFromV1(const SaTransform& transform);

/** The IKEv1 ESP transform in @p mode (RFC 2407 s4.4.4 and s4.5). */
SaTransform EspV1Transform(const EspSuite& suite, DhGroup pfs, uint32_t lifetimeSeconds,
                           IpsecMode mode = IpsecMode::Tunnel);
std::optional<EspProposalTerms> EspTermsFromV1(const SaTransform& transform);

} // namespace tunnelsim

#endif
