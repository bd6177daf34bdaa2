/*
 * Anti-replay sliding window (RFC 4303 s3.4.3 and Appendix A), with extended sequence
 * numbers (Appendix A2).
 */
#ifndef TUNNELSIM_CODEC_REPLAY_WINDOW_H
#define TUNNELSIM_CODEC_REPLAY_WINDOW_H

#include "codec-result.h"

#include <cstdint>
#include <vector>

namespace tunnelsim
{

class ReplayWindow
{
  public:
    /// @p size in packets, kMinReplayWindow..kMaxReplayWindow; throws std::invalid_argument.
    ReplayWindow(uint32_t size, bool extendedSequenceNumbers);

    /**
     * Check the low 32 bits carried on the wire before the ICV is verified. Returns the
     * full 64-bit sequence number to use in the ICV (with ESN, the high half inferred as in
     * RFC 4303 Appendix A2.2), or Replayed. Sequence number 0 is never valid without ESN.
     */
    Result<uint64_t> Check(uint32_t wireSequence) const;

    /// Mark @p sequence as received, after its ICV verified. Slides the window forward.
    void Accept(uint64_t sequence);

    uint64_t Highest() const { return m_top; }
    uint32_t Size() const { return m_size; }

  private:
    uint32_t m_size;
    bool m_esn;
    uint64_t m_top = 0;           ///< highest sequence accepted so far
    std::vector<uint64_t> m_bits; ///< bit i set: sequence (m_top - i) received
};

} // namespace tunnelsim

#endif
