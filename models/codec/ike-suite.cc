#include "ike-suite.h"

#include <array>

namespace tunnelsim
{

namespace
{

// IKEv2 transform IDs (RFC 7296 s3.3.2 and the IANA "IKEv2 Parameters" registry).
constexpr uint16_t kEncrNull = 11;             ///< RFC 2410
constexpr uint16_t kEncrAesCbc = 12;           ///< RFC 3602
constexpr uint16_t kEncrAesGcm16 = 20;         ///< RFC 4106 (ESP), RFC 5282 (IKE)
constexpr uint16_t kEncrChaCha20Poly1305 = 28; ///< RFC 7634
constexpr uint16_t kPrfHmacSha1 = 2;
constexpr uint16_t kPrfHmacSha256 = 5; ///< RFC 4868
constexpr uint16_t kAuthNone = 0;
constexpr uint16_t kAuthHmacSha1_96 = 2;
constexpr uint16_t kAuthHmacSha256_128 = 12; ///< RFC 4868
/// IKEv2 Key Length transform attribute (RFC 7296 s3.3.5), value in bits.
constexpr uint16_t kAttributeKeyLength = 14;

// IKEv1 phase 1 attributes (RFC 2409 Appendix A).
constexpr uint16_t kKeyIke = 1; ///< transform ID KEY_IKE (RFC 2407 s4.4.2)
constexpr uint16_t kV1EncryptionAlgorithm = 1;
constexpr uint16_t kV1HashAlgorithm = 2;
constexpr uint16_t kV1AuthenticationMethod = 3;
constexpr uint16_t kV1GroupDescription = 4;
constexpr uint16_t kV1LifeType = 11;
constexpr uint16_t kV1LifeDuration = 12;
constexpr uint16_t kV1KeyLength = 14;
constexpr uint32_t kV1EncryptionAesCbc = 7; ///< RFC 3602 s5.1
constexpr uint32_t kV1HashSha1 = 2;
constexpr uint32_t kV1HashSha256 = 4; ///< RFC 4868 s4.1
constexpr uint32_t kV1AuthPreSharedKey = 1;
constexpr uint32_t kV1LifeSeconds = 1;

// IKEv1 ESP transform IDs (RFC 2407 s4.4.4, RFC 3602 s5.1, RFC 4106 s8.1) and attributes
// (RFC 2407 s4.5).
constexpr uint16_t kEspNull = 11;
constexpr uint16_t kEspAes = 12;
constexpr uint16_t kEspAesGcm16 = 20;
constexpr uint16_t kV1EspLifeType = 1;
constexpr uint16_t kV1EspLifeDuration = 2;
constexpr uint16_t kV1EspGroupDescription = 3;
constexpr uint16_t kV1EspEncapsulationMode = 4;
constexpr uint16_t kV1EspAuthAlgorithm = 5;
constexpr uint16_t kV1EspKeyLength = 6;
constexpr uint32_t kV1EncapsulationTunnel = 1;
constexpr uint32_t kV1EncapsulationTransport = 2;
constexpr uint32_t kV1AuthHmacSha1 = 2;
constexpr uint32_t kV1AuthHmacSha256 = 5; ///< RFC 4868 s4.1

constexpr uint32_t kAes128Bits = 128;
constexpr uint32_t kAes256Bits = 256;

/// AES-GCM IV in the SK payload, bytes (RFC 5282 s3.1).
constexpr size_t kGcmIvSize = 8;
/// AES-GCM-16 tag, bytes (RFC 5282 s3.1).
constexpr size_t kGcm16IcvSize = 16;

struct DhGroupInfo
{
    DhGroup group;
    std::string_view name;
    size_t keyExchangeSize; ///< bytes
};

// KE sizes: MODP groups carry the prime's length (RFC 2409 s6.2: 1024 bits, RFC 3526:
// 2048 and 3072 bits); ECP groups carry x and y (RFC 5903 s7); Curve25519 one u (RFC 8031).
constexpr std::array<DhGroupInfo, 7> kDhGroups = {{
    {DhGroup::None, "none", 0},
    {DhGroup::Modp1024, "modp1024", 128},
    {DhGroup::Modp2048, "modp2048", 256},
    {DhGroup::Modp3072, "modp3072", 384},
    {DhGroup::Ecp256, "ecp256", 64},
    {DhGroup::Ecp384, "ecp384", 96},
    {DhGroup::Curve25519, "x25519", 32},
}};

std::optional<uint32_t>
FindAttribute(const SaTransform& transform, uint16_t type)
{
    for (const auto& [attributeType, value] : transform.attributes)
    {
        if (attributeType == type)
        {
            return value;
        }
    }
    return std::nullopt;
}

bool
IsKnownDhGroup(uint32_t value)
{
    for (const auto& info : kDhGroups)
    {
        if (static_cast<uint32_t>(info.group) == value && info.group != DhGroup::None)
        {
            return true;
        }
    }
    return false;
}

uint32_t
KeyBits(IkeEncryption encryption)
{
    return encryption == IkeEncryption::AesCbc128 || encryption == IkeEncryption::AesGcm128
               ? kAes128Bits
               : kAes256Bits;
}

std::optional<IkeEncryption>
IkeEncryptionFrom(uint16_t id, uint32_t bits)
{
    if (id == kEncrAesCbc && bits == kAes128Bits)
    {
        return IkeEncryption::AesCbc128;
    }
    if (id == kEncrAesCbc && bits == kAes256Bits)
    {
        return IkeEncryption::AesCbc256;
    }
    if (id == kEncrAesGcm16 && bits == kAes128Bits)
    {
        return IkeEncryption::AesGcm128;
    }
    if (id == kEncrAesGcm16 && bits == kAes256Bits)
    {
        return IkeEncryption::AesGcm256;
    }
    return std::nullopt;
}

uint16_t
IntegrityId(IkeIntegrity integrity)
{
    switch (integrity)
    {
        case IkeIntegrity::None:
            return kAuthNone;
        case IkeIntegrity::HmacSha1_96:
            return kAuthHmacSha1_96;
        case IkeIntegrity::HmacSha256_128:
            return kAuthHmacSha256_128;
    }
    return kAuthNone;
}

uint16_t
EspIntegrityId(EspIntegrity integrity)
{
    switch (integrity)
    {
        case EspIntegrity::None:
            return kAuthNone;
        case EspIntegrity::HmacSha1_96:
            return kAuthHmacSha1_96;
        case EspIntegrity::HmacSha256_128:
            return kAuthHmacSha256_128;
    }
    return kAuthNone;
}

/// IKEv2 ENCR transform ID and key bits of an ESP cipher; bits 0 = no key length attribute.
std::pair<uint16_t, uint32_t>
EspCipherTransform(EspCipher cipher)
{
    switch (cipher)
    {
        case EspCipher::Null:
            return {kEncrNull, 0};
        case EspCipher::AesCbc128:
            return {kEncrAesCbc, kAes128Bits};
        case EspCipher::AesCbc256:
            return {kEncrAesCbc, kAes256Bits};
        case EspCipher::AesGcm128:
            return {kEncrAesGcm16, kAes128Bits};
        case EspCipher::AesGcm256:
            return {kEncrAesGcm16, kAes256Bits};
        case EspCipher::ChaCha20Poly1305:
            return {kEncrChaCha20Poly1305, 0};
    }
    return {kEncrNull, 0};
}

std::optional<EspCipher>
EspCipherFrom(uint16_t id, uint32_t bits)
{
    for (auto cipher : {EspCipher::Null, EspCipher::AesCbc128, EspCipher::AesCbc256,
                        EspCipher::AesGcm128, EspCipher::AesGcm256, EspCipher::ChaCha20Poly1305})
    {
        if (EspCipherTransform(cipher) == std::make_pair(id, bits))
        {
            return cipher;
        }
    }
    return std::nullopt;
}

} // namespace

size_t
KeyExchangeSize(DhGroup group)
{
    for (const auto& info : kDhGroups)
    {
        if (info.group == group)
        {
            return info.keyExchangeSize;
        }
    }
    return 0;
}

std::string_view
ToString(DhGroup group)
{
    for (const auto& info : kDhGroups)
    {
        if (info.group == group)
        {
            return info.name;
        }
    }
    return "unknown";
}

std::optional<DhGroup>
ParseDhGroup(std::string_view name)
{
    for (const auto& info : kDhGroups)
    {
        if (info.name == name)
        {
            return info.group;
        }
    }
    return std::nullopt;
}

bool
IkeSuite::IsCombined() const
{
    return encryption == IkeEncryption::AesGcm128 || encryption == IkeEncryption::AesGcm256;
}

bool
IkeSuite::IsValid() const
{
    if (dhGroup == DhGroup::None || KeyExchangeSize(dhGroup) == 0)
    {
        return false;
    }
    return IsCombined() == (integrity == IkeIntegrity::None);
}

size_t
IkeSuite::IvSize() const
{
    return IsCombined() ? kGcmIvSize : kAesBlockSize;
}

size_t
IkeSuite::BlockSize() const
{
    return IsCombined() ? 1 : kAesBlockSize;
}

size_t
IkeSuite::IcvSize() const
{
    switch (integrity)
    {
        case IkeIntegrity::None:
            return kGcm16IcvSize;
        case IkeIntegrity::HmacSha1_96:
            return 12;
        case IkeIntegrity::HmacSha256_128:
            return 16;
    }
    return 0;
}

size_t
IkeSuite::EncryptionKeySize() const
{
    // RFC 5282 s7.1: AES-GCM keying material is the key followed by a 4-byte salt.
    constexpr size_t kGcmSaltSize = 4;
    const size_t key = KeyBits(encryption) / 8;
    return IsCombined() ? key + kGcmSaltSize : key;
}

size_t
IkeSuite::IntegrityKeySize() const
{
    switch (integrity)
    {
        case IkeIntegrity::None:
            return 0;
        case IkeIntegrity::HmacSha1_96:
            return 20; // RFC 2404 s3
        case IkeIntegrity::HmacSha256_128:
            return 32; // RFC 4868 s2.1.1
    }
    return 0;
}

std::string
IkeSuite::Name() const
{
    std::string name;
    switch (encryption)
    {
        case IkeEncryption::AesCbc128:
            name = "aes128";
            break;
        case IkeEncryption::AesCbc256:
            name = "aes256";
            break;
        case IkeEncryption::AesGcm128:
            name = "aes128gcm16";
            break;
        case IkeEncryption::AesGcm256:
            name = "aes256gcm16";
            break;
    }
    const std::string prfName = prf == IkePrf::HmacSha1 ? "sha1" : "sha256";
    std::string integrityName;
    if (integrity == IkeIntegrity::HmacSha1_96)
    {
        integrityName = "sha1";
    }
    else if (integrity == IkeIntegrity::HmacSha256_128)
    {
        integrityName = "sha256";
    }
    if (!integrityName.empty())
    {
        name += "-" + integrityName;
    }
    // strongSwan derives the PRF from the integrity name unless a "prf..." token sets another.
    if (integrityName != prfName)
    {
        name += "-prf" + prfName;
    }
    return name + "-" + std::string(ToString(dhGroup));
}

std::optional<IkeSuite>
ParseIkeSuite(std::string_view name)
{
    std::vector<std::string_view> tokens;
    while (!name.empty())
    {
        const size_t dash = name.find('-');
        tokens.push_back(name.substr(0, dash));
        name = dash == std::string_view::npos ? std::string_view() : name.substr(dash + 1);
    }
    if (tokens.size() < 2)
    {
        return std::nullopt;
    }

    IkeSuite suite;
    if (tokens[0] == "aes128")
    {
        suite.encryption = IkeEncryption::AesCbc128;
    }
    else if (tokens[0] == "aes256")
    {
        suite.encryption = IkeEncryption::AesCbc256;
    }
    else if (tokens[0] == "aes128gcm16")
    {
        suite.encryption = IkeEncryption::AesGcm128;
    }
    else if (tokens[0] == "aes256gcm16")
    {
        suite.encryption = IkeEncryption::AesGcm256;
    }
    else
    {
        return std::nullopt;
    }
    suite.integrity = IkeIntegrity::None;
    suite.dhGroup = DhGroup::None;
    std::optional<IkePrf> prf;
    for (size_t i = 1; i < tokens.size(); ++i)
    {
        const std::string_view token = tokens[i];
        if (token == "sha1" || token == "sha256")
        {
            suite.integrity
                = token == "sha1" ? IkeIntegrity::HmacSha1_96 : IkeIntegrity::HmacSha256_128;
            prf = prf.value_or(token == "sha1" ? IkePrf::HmacSha1 : IkePrf::HmacSha256);
        }
        else if (token == "prfsha1" || token == "prfsha256")
        {
            prf = token == "prfsha1" ? IkePrf::HmacSha1 : IkePrf::HmacSha256;
        }
        else if (auto group = ParseDhGroup(token))
        {
            suite.dhGroup = *group;
        }
        else
        {
            return std::nullopt;
        }
    }
    if (!prf)
    {
        return std::nullopt;
    }
    suite.prf = *prf;
    if (!suite.IsValid())
    {
        return std::nullopt;
    }
    return suite;
}

std::vector<SaTransform>
IkeV2Transforms(const IkeSuite& suite)
{
    std::vector<SaTransform> transforms;
    const uint16_t encryptionId = suite.IsCombined() ? kEncrAesGcm16 : kEncrAesCbc;
    transforms.push_back(
        {kTransformEncryption, encryptionId, {{kAttributeKeyLength, KeyBits(suite.encryption)}}});
    transforms.push_back(
        {kTransformPrf, suite.prf == IkePrf::HmacSha1 ? kPrfHmacSha1 : kPrfHmacSha256, {}});
    if (!suite.IsCombined())
    {
        transforms.push_back({kTransformIntegrity, IntegrityId(suite.integrity), {}});
    }
    transforms.push_back({kTransformDh, static_cast<uint16_t>(suite.dhGroup), {}});
    return transforms;
}

std::optional<IkeSuite>
IkeSuiteFromV2(const std::vector<SaTransform>& transforms)
{
    IkeSuite suite;
    suite.integrity = IkeIntegrity::None;
    suite.dhGroup = DhGroup::None;
    bool haveEncryption = false;
    bool havePrf = false;
    for (const SaTransform& transform : transforms)
    {
        switch (transform.type)
        {
            case kTransformEncryption:
            {
                auto encryption = IkeEncryptionFrom(
                    transform.id, FindAttribute(transform, kAttributeKeyLength).value_or(0));
                if (!encryption)
                {
                    return std::nullopt;
                }
                suite.encryption = *encryption;
                haveEncryption = true;
                break;
            }
            case kTransformPrf:
                if (transform.id != kPrfHmacSha1 && transform.id != kPrfHmacSha256)
                {
                    return std::nullopt;
                }
                suite.prf = transform.id == kPrfHmacSha1 ? IkePrf::HmacSha1 : IkePrf::HmacSha256;
                havePrf = true;
                break;
            case kTransformIntegrity:
                if (transform.id == kAuthHmacSha1_96)
                {
                    suite.integrity = IkeIntegrity::HmacSha1_96;
                }
                else if (transform.id == kAuthHmacSha256_128)
                {
                    suite.integrity = IkeIntegrity::HmacSha256_128;
                }
                else if (transform.id != kAuthNone)
                {
                    return std::nullopt;
                }
                break;
            case kTransformDh:
                if (!IsKnownDhGroup(transform.id))
                {
                    return std::nullopt;
                }
                suite.dhGroup = static_cast<DhGroup>(transform.id);
                break;
            default:
                return std::nullopt;
        }
    }
    if (!haveEncryption || !havePrf || !suite.IsValid())
    {
        return std::nullopt;
    }
    return suite;
}

std::vector<SaTransform>
EspV2Transforms(const EspSuite& suite, DhGroup pfs, bool esn)
{
    std::vector<SaTransform> transforms;
    const auto [encryptionId, bits] = EspCipherTransform(suite.cipher);
    SaTransform encryption{kTransformEncryption, encryptionId, {}};
    if (bits != 0)
    {
        encryption.attributes.push_back({kAttributeKeyLength, bits});
    }
    transforms.push_back(encryption);
    if (!suite.IsCombined())
    {
        transforms.push_back({kTransformIntegrity, EspIntegrityId(suite.integrity), {}});
    }
    if (pfs != DhGroup::None)
    {
        transforms.push_back({kTransformDh, static_cast<uint16_t>(pfs), {}});
    }
    transforms.push_back({kTransformEsn, static_cast<uint16_t>(esn ? 1 : 0), {}});
    return transforms;
}

std::optional<EspProposalTerms>
EspTermsFromV2(const std::vector<SaTransform>& transforms)
{
    EspProposalTerms terms;
    terms.suite.integrity = EspIntegrity::None;
    bool haveEncryption = false;
    for (const SaTransform& transform : transforms)
    {
        switch (transform.type)
        {
            case kTransformEncryption:
            {
                auto cipher = EspCipherFrom(
                    transform.id, FindAttribute(transform, kAttributeKeyLength).value_or(0));
                if (!cipher)
                {
                    return std::nullopt;
                }
                terms.suite.cipher = *cipher;
                haveEncryption = true;
                break;
            }
            case kTransformIntegrity:
                if (transform.id == kAuthHmacSha1_96)
                {
                    terms.suite.integrity = EspIntegrity::HmacSha1_96;
                }
                else if (transform.id == kAuthHmacSha256_128)
                {
                    terms.suite.integrity = EspIntegrity::HmacSha256_128;
                }
                else if (transform.id != kAuthNone)
                {
                    return std::nullopt;
                }
                break;
            case kTransformDh:
                if (transform.id != 0 && !IsKnownDhGroup(transform.id))
                {
                    return std::nullopt;
                }
                terms.pfs = static_cast<DhGroup>(transform.id);
                break;
            case kTransformEsn:
                if (transform.id > 1)
                {
                    return std::nullopt;
                }
                terms.esn = transform.id == 1;
                break;
            default:
                return std::nullopt;
        }
    }
    if (!haveEncryption || !terms.suite.IsValid())
    {
        return std::nullopt;
    }
    return terms;
}

SaTransform
IkeV1Transform(const IkeSuite& suite, uint32_t lifetimeSeconds)
{
    SaTransform transform;
    transform.id = kKeyIke;
    transform.attributes = {
        {kV1EncryptionAlgorithm, kV1EncryptionAesCbc},
        {kV1KeyLength, KeyBits(suite.encryption)},
        {kV1HashAlgorithm, suite.prf == IkePrf::HmacSha1 ? kV1HashSha1 : kV1HashSha256},
        {kV1AuthenticationMethod, kV1AuthPreSharedKey},
        {kV1GroupDescription, static_cast<uint32_t>(suite.dhGroup)},
        {kV1LifeType, kV1LifeSeconds},
        {kV1LifeDuration, lifetimeSeconds},
    };
    return transform;
}

std::optional<IkeSuite>
IkeSuiteFromV1(const SaTransform& transform)
{
    if (transform.id != kKeyIke
        || FindAttribute(transform, kV1EncryptionAlgorithm) != kV1EncryptionAesCbc
        || FindAttribute(transform, kV1AuthenticationMethod) != kV1AuthPreSharedKey)
    {
        return std::nullopt;
    }
    IkeSuite suite;
    const auto bits = FindAttribute(transform, kV1KeyLength).value_or(0);
    auto encryption = IkeEncryptionFrom(kEncrAesCbc, bits);
    const auto hash = FindAttribute(transform, kV1HashAlgorithm);
    const auto group = FindAttribute(transform, kV1GroupDescription);
    if (!encryption || !group || !IsKnownDhGroup(*group)
        || (hash != kV1HashSha1 && hash != kV1HashSha256))
    {
        return std::nullopt;
    }
    suite.encryption = *encryption;
    // RFC 2409 s4: without a PRF attribute the HMAC of the hash is the PRF, and the hash
    // also authenticates the phase 1 messages.
    suite.prf = hash == kV1HashSha1 ? IkePrf::HmacSha1 : IkePrf::HmacSha256;
    suite.integrity
        = hash == kV1HashSha1 ? IkeIntegrity::HmacSha1_96 : IkeIntegrity::HmacSha256_128;
    suite.dhGroup = static_cast<DhGroup>(*group);
    return suite;
}

SaTransform
EspV1Transform(const EspSuite& suite, DhGroup pfs, uint32_t lifetimeSeconds, IpsecMode mode)
{
    SaTransform transform;
    switch (suite.cipher)
    {
        case EspCipher::Null:
            transform.id = kEspNull;
            break;
        case EspCipher::AesGcm128:
        case EspCipher::AesGcm256:
            transform.id = kEspAesGcm16;
            break;
        default:
            transform.id = kEspAes;
            break;
    }
    transform.attributes = {
        {kV1EspLifeType, kV1LifeSeconds},
        {kV1EspLifeDuration, lifetimeSeconds},
        {kV1EspEncapsulationMode,
         mode == IpsecMode::Transport ? kV1EncapsulationTransport : kV1EncapsulationTunnel},
    };
    if (suite.integrity != EspIntegrity::None)
    {
        transform.attributes.push_back(
            {kV1EspAuthAlgorithm,
             suite.integrity == EspIntegrity::HmacSha1_96 ? kV1AuthHmacSha1 : kV1AuthHmacSha256});
    }
    const uint32_t bits = EspCipherTransform(suite.cipher).second;
    if (bits != 0)
    {
        transform.attributes.push_back({kV1EspKeyLength, bits});
    }
    if (pfs != DhGroup::None)
    {
        transform.attributes.push_back({kV1EspGroupDescription, static_cast<uint32_t>(pfs)});
    }
    return transform;
}

std::optional<EspProposalTerms>
EspTermsFromV1(const SaTransform& transform)
{
    const auto encapsulation = FindAttribute(transform, kV1EspEncapsulationMode);
    if (encapsulation != kV1EncapsulationTunnel && encapsulation != kV1EncapsulationTransport)
    {
        return std::nullopt;
    }
    const uint32_t bits = FindAttribute(transform, kV1EspKeyLength).value_or(0);
    uint16_t v2Id = 0;
    switch (transform.id)
    {
        case kEspNull:
            v2Id = kEncrNull;
            break;
        case kEspAes:
            v2Id = kEncrAesCbc;
            break;
        case kEspAesGcm16:
            v2Id = kEncrAesGcm16;
            break;
        default:
            return std::nullopt;
    }
    auto cipher = EspCipherFrom(v2Id, bits);
    if (!cipher)
    {
        return std::nullopt;
    }
    EspProposalTerms terms;
    terms.suite.cipher = *cipher;
    terms.suite.integrity = EspIntegrity::None;
    terms.mode
        = encapsulation == kV1EncapsulationTransport ? IpsecMode::Transport : IpsecMode::Tunnel;
    if (auto auth = FindAttribute(transform, kV1EspAuthAlgorithm))
    {
        if (*auth == kV1AuthHmacSha1)
        {
            terms.suite.integrity = EspIntegrity::HmacSha1_96;
        }
        else if (*auth == kV1AuthHmacSha256)
        {
            terms.suite.integrity = EspIntegrity::HmacSha256_128;
        }
        else
        {
            return std::nullopt;
        }
    }
    if (auto group = FindAttribute(transform, kV1EspGroupDescription))
    {
        if (!IsKnownDhGroup(*group))
        {
            return std::nullopt;
        }
        terms.pfs = static_cast<DhGroup>(*group);
    }
    if (!terms.suite.IsValid())
    {
        return std::nullopt;
    }
    return terms;
}

} // namespace tunnelsim
