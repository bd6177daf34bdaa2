/*
 * ESP codec throughput against the bare OpenSSL EVP operation on the same payload, same
 * key, with the context prepared once. Each Seal/Open row reports these counters:
 *   bytes_per_second      payload bytes through EspEncoder::Seal or EspDecoder::Open
 *   raw_bytes_per_second  payload bytes through the bare EVP calls
 *   ratio_to_raw          ESP throughput / raw throughput
 * The ratio comes from both operations timed in the same run, interleaved in blocks, so it
 * holds up when the machine's speed drifts between rows.
 *
 * The bare operation per suite, on a payload of N bytes:
 *   GCM, ChaCha20-Poly1305: set the nonce, 8 bytes of AAD, encrypt or decrypt N bytes, tag.
 *   AES-CBC + HMAC: CBC over N rounded up to 16 bytes, HMAC over IV + ciphertext.
 *   NULL + HMAC: HMAC over N bytes.
 * Open rows run with the replay check off, because a benchmark repeats one packet; the
 * window's own cost is in the ReplayWindow rows.
 *
 * Run: BUILD/tests/bench/esp-bench --benchmark_repetitions=5
 *          --benchmark_report_aggregates_only=true
 */
#include "esp-sa.h"
#include "esp-suite.h"
#include "replay-window.h"

#include <algorithm>
#include <array>
#include <benchmark/benchmark.h>
#include <cstring>
#include <ctime>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdexcept>
#include <string>

namespace tunnelsim
{
namespace
{

/// Blocks the ratio measurement alternates between ESP and the bare operation.
constexpr int kRatioBlocks = 16;
constexpr size_t kBlock = 16;
constexpr size_t kTagSize = 16;
constexpr uint32_t kSpi = 0x00c0ffee;
constexpr uint8_t kUdp = 17;

Bytes
Pattern(size_t size, uint8_t first)
{
    Bytes bytes(size);
    for (size_t i = 0; i < size; ++i)
    {
        bytes[i] = static_cast<uint8_t>(first + i);
    }
    return bytes;
}

EspSaConfig
BenchConfig(const EspSuite& suite)
{
    EspSaConfig config;
    config.spi = kSpi;
    config.suite = suite;
    config.encryptionKey = Pattern(suite.EncryptionKeySize(), 0x40);
    config.integrityKey = Pattern(suite.IntegrityKeySize(), 0x80);
    return config;
}

const char*
EvpCipherName(EspCipher cipher)
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
            break;
    }
    return nullptr;
}

void
Check(bool ok, const char* what)
{
    if (!ok)
    {
        throw std::runtime_error(std::string("OpenSSL failed: ") + what);
    }
}

/**
 * The bare EVP operations of one suite, keyed once like EspEncoder and EspDecoder. Seal
 * and Open work on the same payload buffer the ESP rows use.
 */
class RawSuite
{
  public:
    RawSuite(const EspSaConfig& config, size_t payloadSize)
      : m_suite(config.suite)
      , m_size(payloadSize)
      , m_cipherSize(config.suite.IsCombined() || config.suite.cipher == EspCipher::Null
                         ? payloadSize
                         : (payloadSize + kBlock - 1) / kBlock * kBlock)
      , m_plaintext(Pattern(m_cipherSize, 0x11))
      , m_ciphertext(kBlock + m_cipherSize + kTagSize)
      , m_decrypted(m_cipherSize)
    {
        if (const char* name = EvpCipherName(m_suite.cipher))
        {
            EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, name, nullptr);
            m_encrypt = EVP_CIPHER_CTX_new();
            m_decrypt = EVP_CIPHER_CTX_new();
            Check(EVP_EncryptInit_ex(m_encrypt, cipher, nullptr, config.encryptionKey.data(),
                                     m_nonce.data())
                      == 1,
                  "encrypt init");
            Check(EVP_DecryptInit_ex(m_decrypt, cipher, nullptr, config.encryptionKey.data(),
                                     m_nonce.data())
                      == 1,
                  "decrypt init");
            EVP_CIPHER_CTX_set_padding(m_encrypt, 0);
            EVP_CIPHER_CTX_set_padding(m_decrypt, 0);
            EVP_CIPHER_free(cipher);
        }
        if (m_suite.integrity != EspIntegrity::None)
        {
            char sha1[] = "SHA1";
            char sha256[] = "SHA256";
            OSSL_PARAM params[] = {
                OSSL_PARAM_construct_utf8_string(
                    OSSL_MAC_PARAM_DIGEST,
                    m_suite.integrity == EspIntegrity::HmacSha1_96 ? sha1 : sha256, 0),
                OSSL_PARAM_construct_end(),
            };
            EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
            m_mac = EVP_MAC_CTX_new(mac);
            EVP_MAC_free(mac);
            Check(
                EVP_MAC_init(m_mac, config.integrityKey.data(), config.integrityKey.size(), params)
                    == 1,
                "mac init");
        }
        Seal(); // leaves a valid ciphertext and tag for Open
    }

    ~RawSuite()
    {
        EVP_CIPHER_CTX_free(m_encrypt);
        EVP_CIPHER_CTX_free(m_decrypt);
        EVP_MAC_CTX_free(m_mac);
    }

    RawSuite(const RawSuite&) = delete;
    RawSuite& operator=(const RawSuite&) = delete;

    void Seal()
    {
        int n = 0;
        uint8_t* out = m_ciphertext.data() + kBlock;
        if (m_encrypt != nullptr)
        {
            Check(EVP_EncryptInit_ex(m_encrypt, nullptr, nullptr, nullptr, m_nonce.data()) == 1,
                  "nonce");
            if (m_suite.IsCombined())
            {
                EVP_EncryptUpdate(m_encrypt, nullptr, &n, m_aad.data(), int(m_aad.size()));
            }
            EVP_EncryptUpdate(m_encrypt, out, &n, m_plaintext.data(), int(m_cipherSize));
            EVP_EncryptFinal_ex(m_encrypt, out + n, &n);
            if (m_suite.IsCombined())
            {
                EVP_CIPHER_CTX_ctrl(m_encrypt, EVP_CTRL_AEAD_GET_TAG, int(kTagSize),
                                    out + m_cipherSize);
                return;
            }
        }
        if (m_mac != nullptr)
        {
            // CBC: the MAC covers IV and ciphertext; NULL: the payload itself.
            const uint8_t* covered
                = m_encrypt != nullptr ? m_ciphertext.data() : m_plaintext.data();
            const size_t coveredSize = m_encrypt != nullptr ? kBlock + m_cipherSize : m_size;
            size_t macSize = 0;
            EVP_MAC_init(m_mac, nullptr, 0, nullptr);
            EVP_MAC_update(m_mac, covered, coveredSize);
            EVP_MAC_final(m_mac, m_icv.data(), &macSize, m_icv.size());
        }
    }

    bool Open()
    {
        int n = 0;
        const uint8_t* in = m_ciphertext.data() + kBlock;
        if (m_mac != nullptr)
        {
            const uint8_t* covered
                = m_encrypt != nullptr ? m_ciphertext.data() : m_plaintext.data();
            const size_t coveredSize = m_encrypt != nullptr ? kBlock + m_cipherSize : m_size;
            std::array<uint8_t, EVP_MAX_MD_SIZE> expected;
            size_t macSize = 0;
            EVP_MAC_init(m_mac, nullptr, 0, nullptr);
            EVP_MAC_update(m_mac, covered, coveredSize);
            EVP_MAC_final(m_mac, expected.data(), &macSize, expected.size());
            if (CRYPTO_memcmp(expected.data(), m_icv.data(), m_suite.IcvSize()) != 0)
            {
                return false;
            }
        }
        if (m_decrypt == nullptr)
        {
            return true;
        }
        EVP_DecryptInit_ex(m_decrypt, nullptr, nullptr, nullptr, m_nonce.data());
        if (m_suite.IsCombined())
        {
            EVP_DecryptUpdate(m_decrypt, nullptr, &n, m_aad.data(), int(m_aad.size()));
        }
        EVP_DecryptUpdate(m_decrypt, m_decrypted.data(), &n, in, int(m_cipherSize));
        if (m_suite.IsCombined())
        {
            EVP_CIPHER_CTX_ctrl(m_decrypt, EVP_CTRL_AEAD_SET_TAG, int(kTagSize),
                                const_cast<uint8_t*>(in + m_cipherSize));
        }
        return EVP_DecryptFinal_ex(m_decrypt, m_decrypted.data() + n, &n) == 1;
    }

  private:
    EspSuite m_suite;
    size_t m_size;
    size_t m_cipherSize;
    Bytes m_plaintext;
    Bytes m_ciphertext; ///< IV block, ciphertext, tag
    Bytes m_decrypted;
    std::array<uint8_t, kBlock> m_nonce{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    std::array<uint8_t, 8> m_aad{0x00, 0xc0, 0xff, 0xee, 0, 0, 0, 1};
    std::array<uint8_t, EVP_MAX_MD_SIZE> m_icv{};
    EVP_CIPHER_CTX* m_encrypt = nullptr;
    EVP_CIPHER_CTX* m_decrypt = nullptr;
    EVP_MAC_CTX* m_mac = nullptr;
};

/// CPU time of this thread, seconds: the clock Google Benchmark reports by default, and
/// less disturbed than wall time by other processes on a shared machine.
double
ThreadCpuSeconds()
{
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return double(now.tv_sec) + double(now.tv_nsec) * 1e-9;
}

/**
 * Time @p esp and @p raw alternately in kRatioBlocks blocks, each operation half as often
 * in total as the measured loop ran, and set the raw and ratio counters.
 */
template<typename EspOp, typename RawOp>
void
MeasureRatio(benchmark::State& state, size_t payloadSize, EspOp esp, RawOp raw)
{
    const int64_t perBlock = std::max<int64_t>(1, state.iterations() / (2 * kRatioBlocks));
    double espSeconds = 0;
    double rawSeconds = 0;
    for (int block = 0; block < kRatioBlocks; ++block)
    {
        const double t0 = ThreadCpuSeconds();
        for (int64_t i = 0; i < perBlock; ++i)
        {
            esp();
        }
        const double t1 = ThreadCpuSeconds();
        for (int64_t i = 0; i < perBlock; ++i)
        {
            raw();
        }
        const double t2 = ThreadCpuSeconds();
        espSeconds += t1 - t0;
        rawSeconds += t2 - t1;
    }
    const double bytes = double(perBlock) * kRatioBlocks * double(payloadSize);
    // Same 1024-based units as Google Benchmark's bytes_per_second.
    state.counters["raw_bytes_per_second"] = benchmark::Counter(
        bytes / rawSeconds, benchmark::Counter::kDefaults, benchmark::Counter::kIs1024);
    state.counters["ratio_to_raw"] = benchmark::Counter(rawSeconds / espSeconds);
}

void
BM_Seal(benchmark::State& state, EspSuite suite)
{
    const size_t size = static_cast<size_t>(state.range(0));
    // Without ESN, so ESP and the bare operation both use 8 bytes of AAD. Every run of this
    // function starts a new encoder, far from the 2^32 - 1 packet limit.
    const EspSaConfig config = BenchConfig(suite);
    EspEncoder encoder(config);
    RawSuite raw(config, size);
    const Bytes payload = Pattern(size, 0x11);
    Bytes out;
    out.reserve(size + suite.Overhead(size));

    auto seal = [&]
    {
        out.clear();
        if (!encoder.Seal(kUdp, payload, out))
        {
            throw std::runtime_error("Seal failed");
        }
        benchmark::DoNotOptimize(out.data());
    };
    for (auto _ : state)
    {
        seal();
    }
    state.SetBytesProcessed(state.iterations() * int64_t(size));
    MeasureRatio(state, size, seal,
                 [&]
                 {
                     raw.Seal();
                     benchmark::ClobberMemory();
                 });
}

void
BM_Open(benchmark::State& state, EspSuite suite)
{
    const size_t size = static_cast<size_t>(state.range(0));
    const EspSaConfig config = BenchConfig(suite);
    EspEncoder encoder(config);
    EspDecoder decoder(config);
    decoder.SetReplayCheck(false);
    RawSuite raw(config, size);
    Bytes packet;
    if (!encoder.Seal(kUdp, Pattern(size, 0x11), packet))
    {
        throw std::runtime_error("Seal failed");
    }
    Bytes payload;
    payload.reserve(size + kBlock + 2);

    auto open = [&]
    {
        if (!decoder.Open(packet, payload))
        {
            throw std::runtime_error("Open failed");
        }
        benchmark::DoNotOptimize(payload.data());
    };
    for (auto _ : state)
    {
        open();
    }
    state.SetBytesProcessed(state.iterations() * int64_t(size));
    MeasureRatio(state, size, open,
                 [&]
                 {
                     if (!raw.Open())
                     {
                         throw std::runtime_error("raw open failed");
                     }
                     benchmark::ClobberMemory();
                 });
}

/// HMAC-SHA-256 per packet: re-initialise the keyed context (EVP_MAC_init with NULL key).
void
BM_HmacReinit(benchmark::State& state)
{
    const size_t size = static_cast<size_t>(state.range(0));
    const Bytes key = Pattern(32, 0x80);
    const Bytes data = Pattern(size, 0x11);
    EspIntegrityMac mac(EspIntegrity::HmacSha256_128, key);
    std::array<uint8_t, 16> icv;
    for (auto _ : state)
    {
        if (!mac.Begin() || !mac.Update(data) || !mac.Finish(icv.data()))
        {
            throw std::runtime_error("HMAC failed");
        }
        benchmark::DoNotOptimize(icv.data());
    }
    state.SetBytesProcessed(state.iterations() * int64_t(size));
}

/// HMAC-SHA-256 per packet: duplicate a keyed template context (one allocation each).
void
BM_HmacDup(benchmark::State& state)
{
    const size_t size = static_cast<size_t>(state.range(0));
    const Bytes key = Pattern(32, 0x80);
    const Bytes data = Pattern(size, 0x11);
    char sha256[] = "SHA256";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, sha256, 0),
        OSSL_PARAM_construct_end(),
    };
    EVP_MAC* algorithm = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    EVP_MAC_CTX* keyed = EVP_MAC_CTX_new(algorithm);
    Check(EVP_MAC_init(keyed, key.data(), key.size(), params) == 1, "mac init");
    std::array<uint8_t, EVP_MAX_MD_SIZE> icv;
    for (auto _ : state)
    {
        EVP_MAC_CTX* ctx = EVP_MAC_CTX_dup(keyed);
        size_t macSize = 0;
        EVP_MAC_update(ctx, data.data(), data.size());
        EVP_MAC_final(ctx, icv.data(), &macSize, icv.size());
        EVP_MAC_CTX_free(ctx);
        benchmark::DoNotOptimize(icv.data());
    }
    state.SetBytesProcessed(state.iterations() * int64_t(size));
    EVP_MAC_CTX_free(keyed);
    EVP_MAC_free(algorithm);
}

/// Check and Accept of in-order sequence numbers, as every received packet costs.
void
BM_ReplayWindowInOrder(benchmark::State& state)
{
    ReplayWindow window(static_cast<uint32_t>(state.range(0)), true);
    uint64_t sequence = 0;
    for (auto _ : state)
    {
        ++sequence;
        const Result<uint64_t> checked = window.Check(static_cast<uint32_t>(sequence));
        window.Accept(checked.Value());
        benchmark::DoNotOptimize(checked);
    }
}

void
RegisterAll()
{
    for (const EspSuite& suite : AllEspSuites())
    {
        benchmark::RegisterBenchmark(("Seal/" + suite.Name()).c_str(), BM_Seal, suite)
            ->Arg(64)
            ->Arg(512)
            ->Arg(1400);
        benchmark::RegisterBenchmark(("Open/" + suite.Name()).c_str(), BM_Open, suite)
            ->Arg(64)
            ->Arg(512)
            ->Arg(1400);
    }
    benchmark::RegisterBenchmark("HmacReinit/sha256", BM_HmacReinit)->Arg(64)->Arg(1400);
    benchmark::RegisterBenchmark("HmacDup/sha256", BM_HmacDup)->Arg(64)->Arg(1400);
    benchmark::RegisterBenchmark("ReplayWindow/in-order", BM_ReplayWindowInOrder)
        ->Arg(64)
        ->Arg(4096);
}

} // namespace
} // namespace tunnelsim

int
main(int argc, char** argv)
{
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
    {
        return 1;
    }
    tunnelsim::RegisterAll();
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
