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
 */
#ifndef TUNNELSIM_CODEC_ESP_SA_H
#define TUNNELSIM_CODEC_ESP_SA_H

#include "bytes.h"
#include "codec-result.h"
#include "esp-suite.h"

#include <cstdint>
#include <memory>

namespace tunnelsim
{

/// ESP header (SPI + sequence) size in bytes.
constexpr size_t kEspHeaderSize = 8;
/// Pad Length + Next Header trailer size in bytes.
constexpr size_t kEspTrailerSize = 2;
/// Anti-replay window limits accepted by tunnelsim (RFC 4303 s3.4.3 requires at least 32).
constexpr uint32_t kMinReplayWindow = 32;
constexpr uint32_t kMaxReplayWindow = 4096;
/// Default window, the size RFC 4303 s3.4.3 recommends.
constexpr uint32_t kDefaultReplayWindow = 64;

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
 * Outbound half of an SA. Holds one keyed EVP context, created once: re-keying per packet
 * costs about twice as much.
 */
class EspEncoder
{
  public:
    /// Throws std::invalid_argument when key sizes do not fit the suite.
    explicit EspEncoder(const EspSaConfig& config);
    ~EspEncoder();
    EspEncoder(const EspEncoder&) = delete;
    EspEncoder& operator=(const EspEncoder&) = delete;

    /**
     * Append SPI, sequence, IV, ciphertext of payload + padding + trailer, and ICV to
     * @p out. The sequence number is incremented first, so the first packet carries 1
     * (RFC 4303 s3.3.3). Returns SequenceExhausted instead of wrapping the counter.
     */
    Status Seal(uint8_t nextHeader, ByteView payload, Bytes& out);

    /// Next sequence number to send (64-bit with ESN); for test vectors and rekey tests.
    void SetNextSequence(uint64_t sequence);
    /// Use @p iv for the next Seal only (test vectors); its size must be suite.IvSize().
    void SetNextIv(ByteView iv);

    uint64_t LastSequence() const;
    const EspSaConfig& Config() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

/** What Open returns for a packet that verified and decrypted. */
struct EspOpened
{
    uint64_t sequence = 0; ///< full 64-bit sequence (high half inferred with ESN)
    uint8_t nextHeader = 0;
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
    /// Throws std::invalid_argument when key sizes or the window size do not fit.
    explicit EspDecoder(const EspSaConfig& config);
    ~EspDecoder();
    EspDecoder(const EspDecoder&) = delete;
    EspDecoder& operator=(const EspDecoder&) = delete;

    /**
     * Open @p esp (ESP header to ICV, no outer IP header). On success @p payload holds the
     * decrypted payload without padding and trailer. The SPI is not checked here: finding
     * the SA by SPI is the SAD's job.
     */
    Result<EspOpened> Open(ByteView esp, Bytes& payload);

    /// Disable the replay check (for reading captures, where duplicates are legitimate).
    void SetReplayCheck(bool enabled);

    const EspSaConfig& Config() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

/** The SPI of an ESP packet, or Truncated. */
Result<uint32_t> PeekEspSpi(ByteView esp);

} // namespace tunnelsim

#endif
