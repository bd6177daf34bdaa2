/*
 * Anti-replay sliding window (RFC 4303 s3.4.3 and Appendix A), with extended sequence
 * numbers (Appendix A2).
 *
 * Limitations:
 * - No resynchronisation after a long run of lost packets with ESN (RFC 4303 Appendix A3):
 *   once 2^32 packets in a row are lost, every later packet fails its ICV.
 */
#ifndef TUNNELSIM_CODEC_REPLAY_WINDOW_H
#define TUNNELSIM_CODEC_REPLAY_WINDOW_H

#include "codec-result.h"

#include <cstdint>
#include <vector>

namespace tunnelsim
{

/// Anti-replay window limits accepted by tunnelsim, packets (RFC 4303 s3.4.3 requires at
/// least 32; 4096 is tunnelsim's own ceiling).
constexpr uint32_t kMinReplayWindow = 32;
constexpr uint32_t kMaxReplayWindow = 4096;
/// Default window, packets: the size RFC 4303 s3.4.3 recommends.
constexpr uint32_t kDefaultReplayWindow = 64;

/**
 * The receiver's record of which sequence numbers it has accepted. Check() is called before
 * the ICV is verified and changes nothing; Accept() is called only after the packet passed
 * every check, so a forged packet can neither slide the window nor mark a number as seen.
 */
class ReplayWindow
{
  public:
    /// @p size in packets, kMinReplayWindow..kMaxReplayWindow; throws std::invalid_argument.
    ReplayWindow(uint32_t size, bool extendedSequenceNumbers);

    /**
     * Check the low 32 bits carried on the wire before the ICV is verified. Returns the
     * full 64-bit sequence number to use in the ICV (with ESN, the high half inferred as in
     * RFC 4303 Appendix A2.2), or Replayed. Sequence number 0 is never valid: the first
     * packet of an SA carries 1 (RFC 4303 s3.3.3).
     */
    Result<uint64_t> Check(uint32_t wireSequence) const;

    /**
     * Return the full sequence number that @p wireSequence stands for (the wire value itself
     * without ESN, RFC 4303 Appendix A2.2 with ESN) without judging whether it was seen.
     * Returns Replayed when that number would lie outside 1 .. 2^64 - 1.
     */
    Result<uint64_t> Infer(uint32_t wireSequence) const;

    /**
     * Mark @p sequence as received, after its ICV verified. Slides the window forward when
     * @p sequence is above Highest(); a sequence left of the window is ignored.
     */
    void Accept(uint64_t sequence);

    uint64_t Highest() const { return m_top; }

    uint32_t Size() const { return m_size; }

  private:
    bool IsMarked(uint64_t sequence) const;

    uint32_t m_size;
    bool m_esn;
    uint64_t m_top = 0; ///< highest sequence accepted so far, 0 before the first
    /**
     * Ring of received bits as in RFC 6479 s2: sequence s is bit (s % 64) of word
     * (s / 64) % m_bits.size(). It has one word more than the window needs, so sliding
     * forward only clears whole words and never shifts the bitmap.
     */
    std::vector<uint64_t> m_bits;
};

} // namespace tunnelsim

#endif
