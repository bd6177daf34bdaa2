#include "ike-crypto.h"

#include "sa-keys.h"

#include <memory>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdexcept>

namespace tunnelsim
{

namespace
{

/// prf+ counts its blocks in one byte (RFC 7296 s2.13).
constexpr size_t kPrfPlusMaxBlocks = 255;
/// SHA-1 digest size in bytes (FIPS 180-4).
constexpr size_t kSha1Size = 20;
/// HKDF salt of the modeled DH secret; changing the scheme must change it.
constexpr char kSharedSecretSalt[] = "tunnelsim ike dh v1";

struct MacDeleter
{
    void operator()(EVP_MAC* mac) const { EVP_MAC_free(mac); }

    void operator()(EVP_MAC_CTX* context) const { EVP_MAC_CTX_free(context); }
};

const char*
DigestName(IkePrf prf)
{
    return prf == IkePrf::HmacSha1 ? "SHA1" : "SHA256";
}

} // namespace

size_t
PrfOutputSize(IkePrf prf)
{
    return prf == IkePrf::HmacSha1 ? 20 : 32;
}

Bytes
ComputePrf(IkePrf prf, ByteView key, ByteView data)
{
    std::unique_ptr<EVP_MAC, MacDeleter> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
    if (!mac)
    {
        throw std::runtime_error("OpenSSL has no HMAC implementation (EVP_MAC_fetch failed)");
    }
    std::unique_ptr<EVP_MAC_CTX, MacDeleter> context(EVP_MAC_CTX_new(mac.get()));
    if (!context)
    {
        throw std::runtime_error("EVP_MAC_CTX_new failed for HMAC");
    }
    // OSSL_PARAM takes a non-const pointer; OpenSSL only reads the digest name.
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(DigestName(prf)),
                                         0),
        OSSL_PARAM_construct_end(),
    };
    // HMAC accepts an empty key, but EVP_MAC_init needs a valid pointer for it.
    static const uint8_t kEmpty = 0;
    const uint8_t* keyData = key.size == 0 ? &kEmpty : key.data;
    if (EVP_MAC_init(context.get(), keyData, key.size, params) != 1
        || EVP_MAC_update(context.get(), data.data, data.size) != 1)
    {
        throw std::runtime_error("HMAC computation failed in OpenSSL");
    }
    Bytes out(PrfOutputSize(prf));
    size_t written = 0;
    if (EVP_MAC_final(context.get(), out.data(), &written, out.size()) != 1
        || written != out.size())
    {
        throw std::runtime_error("HMAC finalisation failed in OpenSSL");
    }
    return out;
}

Bytes
ComputePrfPlus(IkePrf prf, ByteView key, ByteView seed, size_t length)
{
    const size_t blockSize = PrfOutputSize(prf);
    if (length > kPrfPlusMaxBlocks * blockSize)
    {
        throw std::invalid_argument("prf+ output of " + std::to_string(length)
                                    + " bytes exceeds 255 blocks (RFC 7296 s2.13)");
    }
    Bytes out;
    Bytes previous;
    for (uint8_t counter = 1; out.size() < length; ++counter)
    {
        Bytes input = previous;
        input.insert(input.end(), seed.begin(), seed.end());
        input.push_back(counter);
        previous = ComputePrf(prf, key, input);
        out.insert(out.end(), previous.begin(), previous.end());
    }
    out.resize(length);
    return out;
}

Bytes
ComputeSha1(ByteView data)
{
    Bytes out(kSha1Size);
    unsigned int written = 0;
    if (EVP_Digest(data.data, data.size, out.data(), &written, EVP_sha1(), nullptr) != 1
        || written != kSha1Size)
    {
        throw std::runtime_error("SHA-1 computation failed in OpenSSL");
    }
    return out;
}

Bytes
ModelSharedSecret(uint64_t seed, ByteView initiatorKe, ByteView responderKe, size_t size)
{
    Bytes key;
    AppendU32(key, static_cast<uint32_t>(seed >> 32));
    AppendU32(key, static_cast<uint32_t>(seed));
    Bytes info = initiatorKe.ToBytes();
    info.insert(info.end(), responderKe.begin(), responderKe.end());
    const std::string salt(kSharedSecretSalt);
    return HkdfSha256(key, ByteView(reinterpret_cast<const uint8_t*>(salt.data()), salt.size()),
                      info, size);
}

} // namespace tunnelsim
