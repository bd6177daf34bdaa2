/*
 * One direction of an ESP security association (RFC 4303): the codec that seals outbound
 * packets or opens inbound ones. No ns-3 here; the SAD in models/ipsec owns these objects.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |               Security Parameters Index (SPI)                 |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                      Sequence Number                          |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                    IV (optional, per suite)                   |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                    Payload Data (variable)                    |
 *   ~                                                               ~
 *   +               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |               |     Padding (0-255 bytes)                     |
 *   +-+-+-+-+-+-+-+-+               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                               |  Pad Length   | Next Header   |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |         Integrity Check Value-ICV   (variable)                |
 *   ~                                                               ~
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Limitations:
 * - Seal always pads to the minimum: no traffic flow confidentiality padding (RFC 4303
 *   s2.4). It sends no dummy packets either. Open returns Next Header 59 (a dummy packet)
 *   like any other value, and the caller discards it.
 * - No implicit IV (RFC 8750) and no anti-replay resynchronisation with ESN (RFC 4303
 *   Appendix A3).
 * - CBC IVs come from a seeded generator for reproducible runs, which a real gateway must
 *   not do (RFC 3602 s2.3 requires unpredictable IVs).
 * - Encoder and decoder are not thread-safe: one thread per SA direction.
 */
#ifndef TUNNELSIM_CODEC_ESP_SA_H
#define TUNNELSIM_CODEC_ESP_SA_H

#include "bytes.h"
#include "codec-result.h"
#include "esp-suite.h"
#include "replay-window.h"

#include <cstdint>
#include <memory>

namespace tunnelsim
{

/// ESP header (SPI + sequence) size in bytes.
constexpr size_t kEspHeaderSize = 8;
/// Pad Length + Next Header trailer size in bytes.
constexpr size_t kEspTrailerSize = 2;
/// Next Header value of a dummy packet that the receiver discards (RFC 4303 s2.6).
constexpr uint8_t kEspNextHeaderNoNext = 59;

/** Keys and parameters of one SA direction. */
struct EspSaConfig
{
    uint32_t spi = 0;
    EspSuite suite;
    /// Encryption key; for GCM and ChaCha20-Poly1305 the cipher key followed by the 4-byte
    /// salt (RFC 4106 s8.1, RFC 7634 s2). Empty for NULL.
    Bytes encryptionKey;
    /// HMAC key; empty for combined-mode ciphers.
    Bytes integrityKey;
    /// Extended sequence numbers (RFC 4303 s2.2.1): 64-bit counter, high half in ICV/AAD.
    bool extendedSequenceNumbers = false;
    /// Anti-replay window in packets, kMinReplayWindow..kMaxReplayWindow (inbound only).
    uint32_t replayWindowSize = kDefaultReplayWindow;
    /// Seed of the CBC IV generator, so runs are reproducible. A real gateway must use
    /// unpredictable IVs (RFC 3602 s2.3); this simulator trades that for determinism.
    uint64_t ivSeed = 0;
};

/**
 * Truncated HMAC of an ESP integrity algorithm (HMAC-SHA1-96, RFC 2404; HMAC-SHA-256-128,
 * RFC 4868), keyed once. EspEncoder and EspDecoder compute their ICVs through this class.
 */
class EspIntegrityMac
{
  public:
    /// Throws std::invalid_argument for EspIntegrity::None or a key of the wrong size.
    EspIntegrityMac(EspIntegrity algorithm, ByteView key);
    ~EspIntegrityMac();
    EspIntegrityMac(const EspIntegrityMac&) = delete;
    EspIntegrityMac& operator=(const EspIntegrityMac&) = delete;

    /// Start a new MAC under the same key, without re-keying.
    Status Begin();
    Status Update(ByteView data);
    /// Write the first IcvSize() bytes of the MAC to @p icv.
    Status Finish(uint8_t* icv);

    /// Begin, Update and Finish in one call.
    Result<Bytes> Compute(ByteView data);

    size_t IcvSize() const { return m_icvSize; }

  private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
    size_t m_icvSize;
};

/**
 * Outbound half of an SA. Holds one keyed EVP context, created once: re-keying per packet
 * costs about twice as much.
 */
class EspEncoder
{
  public:
    /// Throws std::invalid_argument for an invalid suite or key sizes that do not fit it.
    explicit EspEncoder(const EspSaConfig& config);
    ~EspEncoder();
    EspEncoder(const EspEncoder&) = delete;
    EspEncoder& operator=(const EspEncoder&) = delete;

    /**
     * Append SPI, sequence, IV, ciphertext of payload + padding + trailer, and ICV to
     * @p out (RFC 4303 s3.3), exactly suite.Overhead(payload.size) bytes more than the
     * payload. The first packet carries sequence 1 (RFC 4303 s3.3.3). Returns
     * SequenceExhausted instead of wrapping the counter, and leaves @p out unchanged on any
     * error. @p payload must not point into @p out, which may reallocate.
     */
    Status Seal(uint8_t nextHeader, ByteView payload, Bytes& out);

    /// Sequence number of the next Seal (64-bit with ESN, at least 1); for test vectors and
    /// rekey tests. Throws std::invalid_argument for 0.
    void SetNextSequence(uint64_t sequence);
    /// Use @p iv for the next Seal only (test vectors). Throws std::invalid_argument unless
    /// its size is suite.IvSize(). An IV given here may repeat one the counter produced.
    void SetNextIv(ByteView iv);

    /// Sequence number of the last sealed packet, 0 before the first.
    uint64_t LastSequence() const;
    const EspSaConfig& Config() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

/** Result of Open for a packet that verified and decrypted. */
struct EspOpened
{
    uint64_t sequence = 0;  ///< full 64-bit sequence (high half inferred with ESN)
    uint8_t nextHeader = 0; ///< kEspNextHeaderNoNext marks a dummy packet to discard
    uint8_t padLength = 0;
};

/**
 * Inbound half of an SA: replay check, ICV check, then decryption (RFC 4303 s3.4.2 to
 * s3.4.4 in that order, so nothing is decrypted before its ICV verifies), then padding and
 * trailer checks. The replay window advances only for packets that pass every check.
 */
class EspDecoder
{
  public:
    /// Throws std::invalid_argument when the suite, key sizes or the window size do not fit.
    explicit EspDecoder(const EspSaConfig& config);
    ~EspDecoder();
    EspDecoder(const EspDecoder&) = delete;
    EspDecoder& operator=(const EspDecoder&) = delete;

    /**
     * Open @p esp (ESP header to ICV, no outer IP header). On success @p payload contains the
     * decrypted payload without padding and trailer. On failure it is empty, and plaintext
     * decrypted before an AEAD tag failed is wiped first. The SPI is not compared with the
     * SA's here, because finding the SA by SPI is the SAD's job. Every suite with an ICV
     * covers the SPI, so a changed SPI fails as BadIcv. @p esp must not point into
     * @p payload.
     */
    Result<EspOpened> Open(ByteView esp, Bytes& payload);

    /// Disable the replay check (for reading captures, where duplicates are legitimate).
    /// The window still tracks the highest sequence, which ESN needs to infer the high half.
    void SetReplayCheck(bool enabled);

    const ReplayWindow& Window() const;
    const EspSaConfig& Config() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

/** The SPI of an ESP packet, or Truncated. */
Result<uint32_t> PeekEspSpi(ByteView esp);

} // namespace tunnelsim

#endif
