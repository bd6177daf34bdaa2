#include "sa-keys.h"

#include <memory>
#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <stdexcept>
#include <string>

namespace tunnelsim
{

namespace
{

/// HKDF salt for SA keys; a new derivation scheme must change it so old keys never recur.
constexpr char kSaKeysSalt[] = "tunnelsim sa-keys v1";

/// HKDF salt for label seeds (DeriveLabelSeed).
constexpr char kLabelSeedSalt[] = "tunnelsim label-seed v1";

/// Return @p seed as the HKDF input key: 8 bytes, big endian.
Bytes
SeedBytes(uint64_t seed)
{
    Bytes bytes;
    AppendU64(bytes, seed);
    return bytes;
}

struct KdfDeleter
{
    void operator()(EVP_KDF* kdf) const { EVP_KDF_free(kdf); }

    void operator()(EVP_KDF_CTX* context) const { EVP_KDF_CTX_free(context); }
};

} // namespace

Bytes
HkdfSha256(ByteView key, ByteView salt, ByteView info, size_t length)
{
    if (length == 0 || length > kHkdfSha256MaxOutput)
    {
        throw std::invalid_argument("HKDF-SHA-256 output length " + std::to_string(length)
                                    + " is outside 1.." + std::to_string(kHkdfSha256MaxOutput));
    }

    std::unique_ptr<EVP_KDF, KdfDeleter> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
    if (!kdf)
    {
        throw std::runtime_error("OpenSSL has no HKDF implementation (EVP_KDF_fetch failed)");
    }
    std::unique_ptr<EVP_KDF_CTX, KdfDeleter> context(EVP_KDF_CTX_new(kdf.get()));
    if (!context)
    {
        throw std::runtime_error("EVP_KDF_CTX_new failed for HKDF");
    }

    // OSSL_PARAM takes non-const pointers; OpenSSL only reads these buffers.
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(key.data),
                                          key.size),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<uint8_t*>(salt.data),
                                          salt.size),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<uint8_t*>(info.data),
                                          info.size),
        OSSL_PARAM_construct_end(),
    };

    Bytes out(length);
    if (EVP_KDF_derive(context.get(), out.data(), out.size(), params) != 1)
    {
        throw std::runtime_error("EVP_KDF_derive failed for HKDF-SHA-256");
    }
    return out;
}

SaKeys
DeriveSaKeys(uint64_t seed, uint32_t spi, SaKeyDirection direction, const EspSuite& suite)
{
    const Bytes inputKey = SeedBytes(seed);
    const ByteView salt(reinterpret_cast<const uint8_t*>(kSaKeysSalt), sizeof(kSaKeysSalt) - 1);

    // The suite name keeps keys of different suites apart when a test reuses an SPI.
    const std::string suiteName = suite.Name();
    Bytes info(suiteName.begin(), suiteName.end());
    info.push_back(0);
    AppendU32(info, spi);
    info.push_back(static_cast<uint8_t>(direction));

    const size_t encryptionSize = suite.EncryptionKeySize();
    const size_t integritySize = suite.IntegrityKeySize();
    SaKeys keys;
    if (encryptionSize + integritySize == 0)
    {
        return keys;
    }
    const Bytes material = HkdfSha256(inputKey, salt, info, encryptionSize + integritySize);
    keys.encryptionKey.assign(material.begin(), material.begin() + encryptionSize);
    keys.integrityKey.assign(material.begin() + encryptionSize, material.end());
    return keys;
}

uint64_t
DeriveLabelSeed(uint64_t seed, std::string_view label)
{
    const ByteView salt(reinterpret_cast<const uint8_t*>(kLabelSeedSalt),
                        sizeof(kLabelSeedSalt) - 1);
    const ByteView info(reinterpret_cast<const uint8_t*>(label.data()), label.size());
    const Bytes material = HkdfSha256(SeedBytes(seed), salt, info, 8);
    return ReadU64(material.data());
}

} // namespace tunnelsim
