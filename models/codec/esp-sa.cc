#include "esp-sa.h"

#include <array>
#include <climits>
#include <cstring>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <optional>
#include <stdexcept>
#include <string>

namespace tunnelsim
{

namespace
{

/// Largest ICV any supported suite produces, bytes (GCM, Poly1305, HMAC-SHA-256-128).
constexpr size_t kMaxIcvSize = 16;
/// Largest explicit IV, bytes (AES-CBC, RFC 3602 s3).
constexpr size_t kMaxIvSize = 16;
/// Nonce of GCM and ChaCha20-Poly1305: 4-byte salt || 8-byte explicit IV (RFC 4106 s4,
/// RFC 7634 s2), bytes.
constexpr size_t kAeadNonceSize = 12;
/// AAD with ESN: SPI || seq high || seq low (RFC 4106 s5, RFC 7634 s2.1), bytes.
constexpr size_t kMaxAadSize = 12;
/// Largest plaintext after the last whole block of payload: < 16 payload bytes, < 16
/// padding bytes and the 2-byte trailer, bytes.
constexpr size_t kMaxTailSize = 2 * kAesBlockSize + kEspTrailerSize;
/// Largest sequence number without ESN (RFC 4303 s3.3.3: the counter must not cycle).
constexpr uint64_t kMaxSequence32 = 0xffffffffu;
/// Largest payload Seal and Open accept, bytes: EVP lengths are int.
constexpr size_t kMaxPayloadSize = INT_MAX - 1024;
/// Label of the CBC IV generator key derivation, so the key differs from any other use
/// of the seed.
constexpr char kIvGeneratorLabel[] = "tunnelsim esp cbc iv generator";

struct CipherCtxDeleter
{
    void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};

struct MacCtxDeleter
{
    void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};

using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;
using MacCtxPtr = std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter>;

const char*
OpenSslCipherName(EspCipher cipher)
{
    switch (cipher)
    {
        case EspCipher::AesCbc128:
            return "AES-128-CBC";
        case EspCipher::AesCbc256:
            return "AES-256-CBC";
        case EspCipher::AesGcm128:
            return "AES-128-GCM";
        case EspCipher::AesGcm256:
            return "AES-256-GCM";
        case EspCipher::ChaCha20Poly1305:
            return "ChaCha20-Poly1305";
        case EspCipher::Null:
            return nullptr;
    }
    return nullptr;
}

void
ValidateConfig(const EspSaConfig& config)
{
    const EspSuite& suite = config.suite;
    if (!suite.IsValid())
    {
        throw std::invalid_argument("ESP suite with cipher " + std::to_string(int(suite.cipher))
                                    + " and integrity " + std::to_string(int(suite.integrity))
                                    + " is not a valid pair");
    }
    if (config.encryptionKey.size() != suite.EncryptionKeySize())
    {
        throw std::invalid_argument(
            suite.Name() + " needs a " + std::to_string(suite.EncryptionKeySize())
            + "-byte encryption key, got " + std::to_string(config.encryptionKey.size()));
    }
    if (config.integrityKey.size() != suite.IntegrityKeySize())
    {
        throw std::invalid_argument(
            suite.Name() + " needs a " + std::to_string(suite.IntegrityKeySize())
            + "-byte integrity key, got " + std::to_string(config.integrityKey.size()));
    }
}

/**
 * Key @p direction's cipher context once (1 = encrypt, 0 = decrypt). Per packet only the
 * IV or nonce is set afterwards, with EVP_CipherInit_ex and a NULL cipher and key.
 */
CipherCtxPtr
NewKeyedCipher(const EspSuite& suite, const Bytes& encryptionKey, int direction)
{
    const char* name = OpenSslCipherName(suite.cipher);
    if (name == nullptr)
    {
        return nullptr;
    }
    EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, name, nullptr);
    CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
    bool ok = cipher != nullptr && ctx != nullptr
              && EVP_CipherInit_ex(ctx.get(), cipher, nullptr, nullptr, nullptr, direction) == 1;
    EVP_CIPHER_free(cipher); // the context keeps its own reference
    if (ok && suite.IsCombined())
    {
        ok = EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_IVLEN, int(kAeadNonceSize), nullptr)
             == 1;
    }
    if (ok)
    {
        // The salt after the cipher key is not part of the key (RFC 4106 s8.1).
        ok = EVP_CipherInit_ex(ctx.get(), nullptr, nullptr, encryptionKey.data(), nullptr,
                               direction)
             == 1;
    }
    if (ok && !suite.IsCombined())
    {
        // RFC 4303 s2.4: ESP pads itself, so the cipher must not add PKCS#7 padding.
        ok = EVP_CIPHER_CTX_set_padding(ctx.get(), 0) == 1;
    }
    if (!ok)
    {
        throw std::runtime_error(std::string("OpenSSL could not set up ") + name);
    }
    return ctx;
}

/// ICV input after the packet bytes with ESN: the high half of the sequence (RFC 4303
/// s2.2.1: it is part of the ICV computation but never transmitted).
std::array<uint8_t, 4>
SequenceHigh(uint64_t sequence)
{
    std::array<uint8_t, 4> high;
    WriteU32(high.data(), static_cast<uint32_t>(sequence >> 32));
    return high;
}

/// AAD of GCM (RFC 4106 s5) and ChaCha20-Poly1305 (RFC 7634 s2.1): SPI || seq low, or
/// SPI || seq high || seq low with ESN. Returns its size.
size_t
BuildAad(uint32_t spi, uint64_t sequence, bool esn, uint8_t* aad)
{
    WriteU32(aad, spi);
    if (esn)
    {
        WriteU32(aad + 4, static_cast<uint32_t>(sequence >> 32));
        WriteU32(aad + 8, static_cast<uint32_t>(sequence));
        return 12;
    }
    WriteU32(aad + 4, static_cast<uint32_t>(sequence));
    return 8;
}

/// Nonce of GCM and ChaCha20-Poly1305: salt || explicit IV (RFC 4106 s4, RFC 7634 s2).
std::array<uint8_t, kAeadNonceSize>
BuildNonce(const Bytes& encryptionKey, const uint8_t* iv)
{
    std::array<uint8_t, kAeadNonceSize> nonce;
    const uint8_t* salt = encryptionKey.data() + encryptionKey.size() - kEspAeadSaltSize;
    std::memcpy(nonce.data(), salt, kEspAeadSaltSize);
    std::memcpy(nonce.data() + kEspAeadSaltSize, iv, kAeadNonceSize - kEspAeadSaltSize);
    return nonce;
}

/**
 * Deterministic CBC IV source: IV n = AES-128-ECB(K, n as 128-bit big-endian), with K the
 * first 16 bytes of SHA-256(label || seed || SPI). Distinct counters give distinct IVs, and
 * without K they are not predictable from earlier ones, so the RFC 3602 s2.3 requirement
 * holds for anyone who does not know the seed.
 */
class CbcIvGenerator
{
  public:
    CbcIvGenerator(uint64_t seed, uint32_t spi)
    {
        Bytes material(kIvGeneratorLabel, kIvGeneratorLabel + sizeof(kIvGeneratorLabel) - 1);
        AppendU32(material, static_cast<uint32_t>(seed >> 32));
        AppendU32(material, static_cast<uint32_t>(seed));
        AppendU32(material, spi);
        std::array<uint8_t, EVP_MAX_MD_SIZE> digest;
        unsigned int digestSize = 0;
        bool ok = EVP_Digest(material.data(), material.size(), digest.data(), &digestSize,
                             EVP_sha256(), nullptr)
                  == 1;
        m_ctx.reset(EVP_CIPHER_CTX_new());
        ok = ok && m_ctx != nullptr
             && EVP_EncryptInit_ex(m_ctx.get(), EVP_aes_128_ecb(), nullptr, digest.data(), nullptr)
                    == 1
             && EVP_CIPHER_CTX_set_padding(m_ctx.get(), 0) == 1;
        OPENSSL_cleanse(digest.data(), digest.size());
        if (!ok)
        {
            throw std::runtime_error("OpenSSL could not set up the CBC IV generator");
        }
    }

    bool Next(uint8_t* iv)
    {
        std::array<uint8_t, kAesBlockSize> block{};
        WriteU32(block.data() + 8, static_cast<uint32_t>(m_counter >> 32));
        WriteU32(block.data() + 12, static_cast<uint32_t>(m_counter));
        ++m_counter;
        int written = 0;
        return EVP_EncryptUpdate(m_ctx.get(), iv, &written, block.data(), int(block.size())) == 1
               && written == int(kAesBlockSize);
    }

  private:
    CipherCtxPtr m_ctx;
    uint64_t m_counter = 0;
};

} // namespace

// ---------------------------------------------------------------------------------------
// EspIntegrityMac

struct EspIntegrityMac::Impl
{
    MacCtxPtr ctx;
};

EspIntegrityMac::EspIntegrityMac(EspIntegrity algorithm, ByteView key)
  : m_impl(std::make_unique<Impl>())
{
    const EspSuite suite{EspCipher::Null, algorithm};
    if (algorithm == EspIntegrity::None || !suite.IsValid())
    {
        throw std::invalid_argument("ESP integrity algorithm " + std::to_string(int(algorithm))
                                    + " is not an HMAC");
    }
    if (key.size != suite.IntegrityKeySize())
    {
        throw std::invalid_argument(suite.Name() + " needs a "
                                    + std::to_string(suite.IntegrityKeySize()) + "-byte key, got "
                                    + std::to_string(key.size));
    }
    m_icvSize = suite.IcvSize();

    // RFC 2404 s2 and RFC 4868 s2.1: HMAC over the full digest, truncated on output.
    char sha1[] = "SHA1";
    char sha256[] = "SHA256";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                         algorithm == EspIntegrity::HmacSha1_96 ? sha1 : sha256, 0),
        OSSL_PARAM_construct_end(),
    };
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    m_impl->ctx.reset(mac != nullptr ? EVP_MAC_CTX_new(mac) : nullptr);
    EVP_MAC_free(mac); // the context keeps its own reference
    if (m_impl->ctx == nullptr || EVP_MAC_init(m_impl->ctx.get(), key.data, key.size, params) != 1)
    {
        throw std::runtime_error("OpenSSL could not set up " + suite.Name());
    }
}

EspIntegrityMac::~EspIntegrityMac() = default;

Status
EspIntegrityMac::Begin()
{
    // A NULL key re-initialises from the key set in the constructor (OpenSSL 3 HMAC
    // provider). That is cheaper than duplicating a keyed template per packet, as the
    // HmacReinit and HmacDup rows of esp-bench show.
    // NOTE: OpenSSL 3.0 still allocates inside, twice per MAC, because EVP_MD_CTX_copy_ex
    // duplicates the digest context (counted by esp-alloc-test).
    if (EVP_MAC_init(m_impl->ctx.get(), nullptr, 0, nullptr) != 1)
    {
        return DecodeError::CryptoFailure;
    }
    return Success{};
}

Status
EspIntegrityMac::Update(ByteView data)
{
    if (EVP_MAC_update(m_impl->ctx.get(), data.data, data.size) != 1)
    {
        return DecodeError::CryptoFailure;
    }
    return Success{};
}

Status
EspIntegrityMac::Finish(uint8_t* icv)
{
    std::array<uint8_t, EVP_MAX_MD_SIZE> full;
    size_t fullSize = 0;
    if (EVP_MAC_final(m_impl->ctx.get(), full.data(), &fullSize, full.size()) != 1
        || fullSize < m_icvSize)
    {
        return DecodeError::CryptoFailure;
    }
    std::memcpy(icv, full.data(), m_icvSize);
    return Success{};
}

Result<Bytes>
EspIntegrityMac::Compute(ByteView data)
{
    Bytes icv(m_icvSize);
    if (!Begin() || !Update(data) || !Finish(icv.data()))
    {
        return DecodeError::CryptoFailure;
    }
    return icv;
}

// ---------------------------------------------------------------------------------------
// EspEncoder

struct EspEncoder::Impl
{
    EspSaConfig config;
    CipherCtxPtr cipher;                  ///< keyed once; null for NULL encryption
    std::unique_ptr<EspIntegrityMac> mac; ///< null for combined mode and integrity None
    std::unique_ptr<CbcIvGenerator> cbcIvs;
    uint64_t nextSequence = 1;
    uint64_t nextAeadIv = 1; ///< RFC 4106 s3.1: a counter is a valid IV that never repeats
    bool ivOverridden = false;
    std::array<uint8_t, kMaxIvSize> ivOverride{};

    bool WriteIv(uint8_t* iv);
    /// Encrypt @p wholeBlocks (the payload up to its last whole AES block) and then @p tail
    /// into @p ciphertext; AEAD suites also write their tag to @p icv.
    bool Encrypt(const uint8_t* iv, uint64_t sequence, ByteView wholeBlocks, const uint8_t* tail,
                 size_t tailSize, uint8_t* ciphertext, uint8_t* icv);
};

EspEncoder::EspEncoder(const EspSaConfig& config)
  : m_impl(std::make_unique<Impl>())
{
    ValidateConfig(config);
    m_impl->config = config;
    m_impl->cipher = NewKeyedCipher(config.suite, config.encryptionKey, 1);
    if (config.suite.integrity != EspIntegrity::None)
    {
        m_impl->mac
            = std::make_unique<EspIntegrityMac>(config.suite.integrity, config.integrityKey);
    }
    if (config.suite.IvSize() == kAesBlockSize)
    {
        m_impl->cbcIvs = std::make_unique<CbcIvGenerator>(config.ivSeed, config.spi);
    }
}

EspEncoder::~EspEncoder() = default;

bool
EspEncoder::Impl::WriteIv(uint8_t* iv)
{
    const size_t ivSize = config.suite.IvSize();
    if (ivOverridden)
    {
        std::memcpy(iv, ivOverride.data(), ivSize);
        return true;
    }
    if (config.suite.IsCombined())
    {
        WriteU32(iv, static_cast<uint32_t>(nextAeadIv >> 32));
        WriteU32(iv + 4, static_cast<uint32_t>(nextAeadIv));
        return true;
    }
    if (cbcIvs)
    {
        return cbcIvs->Next(iv);
    }
    return true; // NULL encryption has no IV
}

bool
EspEncoder::Impl::Encrypt(const uint8_t* iv, uint64_t sequence, ByteView wholeBlocks,
                          const uint8_t* tail, size_t tailSize, uint8_t* ciphertext, uint8_t* icv)
{
    const EspSuite& suite = config.suite;
    const size_t bulk = wholeBlocks.size;
    if (!cipher)
    {
        // RFC 2410: NULL encryption is the identity.
        if (bulk > 0)
        {
            std::memcpy(ciphertext, wholeBlocks.data, bulk);
        }
        std::memcpy(ciphertext + bulk, tail, tailSize);
        return true;
    }

    EVP_CIPHER_CTX* ctx = cipher.get();
    int written = 0;
    if (suite.IsCombined())
    {
        const auto nonce = BuildNonce(config.encryptionKey, iv);
        std::array<uint8_t, kMaxAadSize> aad;
        const size_t aadSize
            = BuildAad(config.spi, sequence, config.extendedSequenceNumbers, aad.data());
        if (EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, nonce.data()) != 1
            || EVP_EncryptUpdate(ctx, nullptr, &written, aad.data(), int(aadSize)) != 1)
        {
            return false;
        }
    }
    else if (EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, iv) != 1)
    {
        return false;
    }

    // The payload's whole blocks go straight from the caller's buffer to the output; only
    // the short tail (last partial block, padding, trailer) was assembled separately.
    size_t done = 0;
    if (bulk > 0)
    {
        if (EVP_EncryptUpdate(ctx, ciphertext, &written, wholeBlocks.data, int(bulk)) != 1)
        {
            return false;
        }
        done += size_t(written);
    }
    if (EVP_EncryptUpdate(ctx, ciphertext + done, &written, tail, int(tailSize)) != 1)
    {
        return false;
    }
    done += size_t(written);
    if (EVP_EncryptFinal_ex(ctx, ciphertext + done, &written) != 1)
    {
        return false;
    }
    done += size_t(written);
    if (done != bulk + tailSize)
    {
        return false;
    }
    if (suite.IsCombined())
    {
        return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, int(suite.IcvSize()), icv) == 1;
    }
    return true;
}

Status
EspEncoder::Seal(uint8_t nextHeader, ByteView payload, Bytes& out)
{
    Impl& impl = *m_impl;
    const EspSuite& suite = impl.config.suite;
    const bool esn = impl.config.extendedSequenceNumbers;

    // RFC 4303 s3.3.3: the sender must not let the counter cycle, 2^32 - 1 without ESN
    // and 2^64 - 1 with it (nextSequence wraps to 0 after that one).
    const uint64_t sequence = impl.nextSequence;
    if (sequence == 0 || (!esn && sequence > kMaxSequence32))
    {
        return DecodeError::SequenceExhausted;
    }
    if (suite.IsCombined() && !impl.ivOverridden && impl.nextAeadIv == 0)
    {
        return DecodeError::SequenceExhausted; // all 2^64 - 1 nonces used
    }
    if (payload.size > kMaxPayloadSize)
    {
        return DecodeError::BadLength;
    }

    // Tail: the bytes after the payload's last whole block, then padding 1, 2, 3, ...
    // (RFC 4303 s2.4), Pad Length and Next Header.
    const size_t padLength = suite.PadLength(payload.size);
    const size_t partial = payload.size % kAesBlockSize;
    std::array<uint8_t, kMaxTailSize> tail;
    if (partial > 0)
    {
        std::memcpy(tail.data(), payload.data + payload.size - partial, partial);
    }
    for (size_t i = 0; i < padLength; ++i)
    {
        tail[partial + i] = static_cast<uint8_t>(i + 1);
    }
    tail[partial + padLength] = static_cast<uint8_t>(padLength);
    tail[partial + padLength + 1] = nextHeader;
    const size_t tailSize = partial + padLength + kEspTrailerSize;

    const size_t start = out.size();
    const size_t ivSize = suite.IvSize();
    const size_t ciphertextSize = payload.size + padLength + kEspTrailerSize;
    out.resize(start + payload.size + suite.Overhead(payload.size));
    uint8_t* packet = out.data() + start;
    uint8_t* iv = packet + kEspHeaderSize;
    uint8_t* ciphertext = iv + ivSize;
    uint8_t* icv = ciphertext + ciphertextSize;

    WriteU32(packet, impl.config.spi);
    WriteU32(packet + 4, static_cast<uint32_t>(sequence));
    bool ok = impl.WriteIv(iv)
              && impl.Encrypt(iv, sequence, ByteView(payload.data, payload.size - partial),
                              tail.data(), tailSize, ciphertext, icv);
    // The nonce may have reached the wire or the cipher, so it is spent even on failure.
    if (suite.IsCombined() && !impl.ivOverridden)
    {
        ++impl.nextAeadIv;
    }
    impl.ivOverridden = false;

    if (ok && impl.mac)
    {
        // RFC 4303 s2.8 and s3.3.2.1: the ICV covers SPI, sequence, IV and ciphertext, then
        // the high half of the sequence with ESN.
        const auto high = SequenceHigh(sequence);
        ok = impl.mac->Begin() && impl.mac->Update(ByteView(packet, icv - packet))
             && (!esn || impl.mac->Update(ByteView(high.data(), high.size())))
             && impl.mac->Finish(icv);
    }
    OPENSSL_cleanse(tail.data(), tail.size());
    if (!ok)
    {
        out.resize(start);
        return DecodeError::CryptoFailure;
    }
    ++impl.nextSequence;
    return Success{};
}

void
EspEncoder::SetNextSequence(uint64_t sequence)
{
    if (sequence == 0)
    {
        throw std::invalid_argument("ESP sequence numbers start at 1 (RFC 4303 s3.3.3)");
    }
    m_impl->nextSequence = sequence;
}

void
EspEncoder::SetNextIv(ByteView iv)
{
    const size_t ivSize = m_impl->config.suite.IvSize();
    if (iv.size != ivSize)
    {
        throw std::invalid_argument(m_impl->config.suite.Name() + " needs a "
                                    + std::to_string(ivSize) + "-byte IV, got "
                                    + std::to_string(iv.size));
    }
    std::memcpy(m_impl->ivOverride.data(), iv.data, iv.size);
    m_impl->ivOverridden = true;
}

uint64_t
EspEncoder::LastSequence() const
{
    return m_impl->nextSequence - 1;
}

const EspSaConfig&
EspEncoder::Config() const
{
    return m_impl->config;
}

// ---------------------------------------------------------------------------------------
// EspDecoder

struct EspDecoder::Impl
{
    explicit Impl(const EspSaConfig& saConfig)
      : config(saConfig)
      , window(saConfig.replayWindowSize, saConfig.extendedSequenceNumbers)
    {
    }

    EspSaConfig config;
    CipherCtxPtr cipher;
    std::unique_ptr<EspIntegrityMac> mac;
    ReplayWindow window;
    bool replayCheck = true;

    Status VerifyHmac(ByteView esp, uint64_t sequence);
    Status Decrypt(ByteView esp, uint64_t sequence, uint8_t* plaintext);
};

EspDecoder::EspDecoder(const EspSaConfig& config)
{
    ValidateConfig(config);
    m_impl = std::make_unique<Impl>(config);
    m_impl->cipher = NewKeyedCipher(config.suite, config.encryptionKey, 0);
    if (config.suite.integrity != EspIntegrity::None)
    {
        m_impl->mac
            = std::make_unique<EspIntegrityMac>(config.suite.integrity, config.integrityKey);
    }
}

EspDecoder::~EspDecoder() = default;

Status
EspDecoder::Impl::VerifyHmac(ByteView esp, uint64_t sequence)
{
    const size_t icvSize = config.suite.IcvSize();
    const ByteView covered = esp.Sub(0, esp.size - icvSize);
    const auto high = SequenceHigh(sequence);
    std::array<uint8_t, kMaxIcvSize> expected;
    const bool ok
        = mac->Begin() && mac->Update(covered)
          && (!config.extendedSequenceNumbers || mac->Update(ByteView(high.data(), high.size())))
          && mac->Finish(expected.data());
    if (!ok)
    {
        return DecodeError::CryptoFailure;
    }
    // Constant time, so the time to reject does not tell how many ICV bytes matched.
    if (CRYPTO_memcmp(expected.data(), esp.data + covered.size, icvSize) != 0)
    {
        return DecodeError::BadIcv;
    }
    return Success{};
}

Status
EspDecoder::Impl::Decrypt(ByteView esp, uint64_t sequence, uint8_t* plaintext)
{
    const EspSuite& suite = config.suite;
    const size_t ivSize = suite.IvSize();
    const size_t icvSize = suite.IcvSize();
    const uint8_t* iv = esp.data + kEspHeaderSize;
    const uint8_t* ciphertext = iv + ivSize;
    const size_t ciphertextSize = esp.size - kEspHeaderSize - ivSize - icvSize;
    if (!cipher)
    {
        std::memcpy(plaintext, ciphertext, ciphertextSize);
        return Success{};
    }

    EVP_CIPHER_CTX* ctx = cipher.get();
    int written = 0;
    if (!suite.IsCombined())
    {
        if (EVP_DecryptInit_ex(ctx, nullptr, nullptr, nullptr, iv) != 1
            || EVP_DecryptUpdate(ctx, plaintext, &written, ciphertext, int(ciphertextSize)) != 1
            || size_t(written) != ciphertextSize
            || EVP_DecryptFinal_ex(ctx, plaintext + written, &written) != 1)
        {
            return DecodeError::CryptoFailure;
        }
        return Success{};
    }

    // The AAD takes the SPI from the packet, as the HMAC does: the SAD may hand a packet to
    // this SA without comparing every SPI bit, and a changed SPI must still fail the tag.
    const auto nonce = BuildNonce(config.encryptionKey, iv);
    std::array<uint8_t, kMaxAadSize> aad;
    const size_t aadSize
        = BuildAad(ReadU32(esp.data), sequence, config.extendedSequenceNumbers, aad.data());
    std::array<uint8_t, kMaxIcvSize> tag;
    std::memcpy(tag.data(), ciphertext + ciphertextSize, icvSize);
    if (EVP_DecryptInit_ex(ctx, nullptr, nullptr, nullptr, nonce.data()) != 1
        || EVP_DecryptUpdate(ctx, nullptr, &written, aad.data(), int(aadSize)) != 1
        || EVP_DecryptUpdate(ctx, plaintext, &written, ciphertext, int(ciphertextSize)) != 1
        || size_t(written) != ciphertextSize
        || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, int(icvSize), tag.data()) != 1)
    {
        return DecodeError::CryptoFailure;
    }
    // RFC 4106 s7 and RFC 7634 s4: the tag is checked here, and the caller wipes the
    // plaintext when it fails.
    if (EVP_DecryptFinal_ex(ctx, plaintext + written, &written) != 1)
    {
        return DecodeError::BadIcv;
    }
    return Success{};
}

Result<EspOpened>
EspDecoder::Open(ByteView esp, Bytes& payload)
{
    Impl& impl = *m_impl;
    const EspSuite& suite = impl.config.suite;
    const size_t ivSize = suite.IvSize();
    const size_t icvSize = suite.IcvSize();
    // Every error path leaves the payload empty. It is not cleared up front, so that the
    // resize below does not zero-fill a buffer whose capacity is already there.
    auto fail = [&payload](DecodeError error)
    {
        OPENSSL_cleanse(payload.data(), payload.size());
        payload.clear();
        return error;
    };

    // Structure first: header, IV, at least the trailer (a whole block for CBC), ICV.
    const size_t minCiphertext
        = suite.PadAlignment() == kAesBlockSize ? kAesBlockSize : kEspTrailerSize;
    if (esp.size < kEspHeaderSize + ivSize + minCiphertext + icvSize)
    {
        return fail(DecodeError::Truncated);
    }
    const size_t ciphertextSize = esp.size - kEspHeaderSize - ivSize - icvSize;
    if (ciphertextSize > kMaxPayloadSize)
    {
        return fail(DecodeError::BadLength);
    }
    if (suite.PadAlignment() == kAesBlockSize && ciphertextSize % kAesBlockSize != 0)
    {
        return fail(DecodeError::BadBlockSize); // RFC 3602 s3: whole blocks only
    }

    // RFC 4303 s3.4.3: reject duplicates before spending an ICV computation on them.
    const uint32_t wireSequence = ReadU32(esp.data + 4);
    const Result<uint64_t> sequenceResult
        = impl.replayCheck ? impl.window.Check(wireSequence) : impl.window.Infer(wireSequence);
    if (!sequenceResult)
    {
        return fail(sequenceResult.Error());
    }
    const uint64_t sequence = sequenceResult.Value();

    // RFC 4303 s3.4.4: verify the ICV before decrypting. AEAD suites verify the tag inside
    // Decrypt, and their plaintext is wiped below when it fails.
    if (impl.mac)
    {
        const Status verified = impl.VerifyHmac(esp, sequence);
        if (!verified)
        {
            return fail(verified.Error());
        }
    }
    payload.resize(ciphertextSize);
    const Status decrypted = impl.Decrypt(esp, sequence, payload.data());
    if (!decrypted)
    {
        return fail(decrypted.Error());
    }

    // RFC 4303 s2.4: Pad Length must stay inside the plaintext, and default padding is
    // 1, 2, 3, ... which the receiver checks.
    const uint8_t padLength = payload[ciphertextSize - 2];
    const uint8_t nextHeader = payload[ciphertextSize - 1];
    DecodeError trailerError = DecodeError::CryptoFailure;
    bool trailerOk = size_t{padLength} + kEspTrailerSize <= ciphertextSize;
    if (!trailerOk)
    {
        trailerError = DecodeError::BadPadLength;
    }
    const size_t payloadSize = ciphertextSize - kEspTrailerSize - (trailerOk ? padLength : 0);
    for (size_t i = 0; trailerOk && i < padLength; ++i)
    {
        if (payload[payloadSize + i] != static_cast<uint8_t>(i + 1))
        {
            trailerOk = false;
            trailerError = DecodeError::BadPadding;
        }
    }
    if (!trailerOk)
    {
        return fail(trailerError);
    }

    // Every check passed: only now may the window move (RFC 4303 s3.4.3).
    impl.window.Accept(sequence);
    payload.resize(payloadSize);
    EspOpened opened;
    opened.sequence = sequence;
    opened.nextHeader = nextHeader;
    opened.padLength = padLength;
    return opened;
}

void
EspDecoder::SetReplayCheck(bool enabled)
{
    m_impl->replayCheck = enabled;
}

const ReplayWindow&
EspDecoder::Window() const
{
    return m_impl->window;
}

const EspSaConfig&
EspDecoder::Config() const
{
    return m_impl->config;
}

Result<uint32_t>
PeekEspSpi(ByteView esp)
{
    if (esp.size < kEspHeaderSize)
    {
        return DecodeError::Truncated;
    }
    return ReadU32(esp.data);
}

} // namespace tunnelsim
