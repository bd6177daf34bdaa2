#include "replay-window.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace tunnelsim
{

namespace
{

constexpr uint64_t kBitsPerWord = 64;
/// Span of the 32-bit sequence number on the wire (RFC 4303 s2.2).
constexpr uint64_t kLowSpan = uint64_t{1} << 32;

} // namespace

ReplayWindow::ReplayWindow(uint32_t size, bool extendedSequenceNumbers)
  : m_size(size)
  , m_esn(extendedSequenceNumbers)
{
    if (size < kMinReplayWindow || size > kMaxReplayWindow)
    {
        throw std::invalid_argument("replay window size " + std::to_string(size) + " is outside "
                                    + std::to_string(kMinReplayWindow) + ".."
                                    + std::to_string(kMaxReplayWindow) + " packets");
    }
    const size_t windowWords = (size + kBitsPerWord - 1) / kBitsPerWord;
    m_bits.assign(windowWords + 1, 0);
}

Result<uint64_t>
ReplayWindow::Infer(uint32_t wireSequence) const
{
    if (!m_esn)
    {
        if (wireSequence == 0)
        {
            return DecodeError::Replayed;
        }
        return uint64_t{wireSequence};
    }

    // RFC 4303 Appendix A2.2: infer the high half Seqh from where Seql falls relative to the
    // bottom of the window, Bl = Tl - W + 1 (modulo 2^32).
    const uint32_t topLow = static_cast<uint32_t>(m_top);
    const uint64_t topHigh = m_top >> 32;
    const uint32_t bottomLow = topLow - m_size + 1;
    uint64_t high = topHigh;
    if (topLow >= m_size - 1)
    {
        // Case A: the window lies inside one 2^32 subspace.
        if (wireSequence < bottomLow)
        {
            high = topHigh + 1;
        }
    }
    else if (wireSequence >= bottomLow)
    {
        // Case B: the window straddles two subspaces and Seql is in the lower one.
        if (topHigh == 0)
        {
            return DecodeError::Replayed; // below sequence 1, so never sent
        }
        high = topHigh - 1;
    }
    if (high >= kLowSpan)
    {
        return DecodeError::Replayed; // beyond 2^64 - 1, so never sent
    }
    const uint64_t sequence = (high << 32) | wireSequence;
    if (sequence == 0)
    {
        return DecodeError::Replayed;
    }
    return sequence;
}

Result<uint64_t>
ReplayWindow::Check(uint32_t wireSequence) const
{
    const Result<uint64_t> inferred = Infer(wireSequence);
    if (!inferred)
    {
        return inferred;
    }
    const uint64_t sequence = inferred.Value();
    if (sequence > m_top)
    {
        return sequence;
    }
    // RFC 4303 s3.4.3: left of the window, or already marked inside it.
    if (m_top - sequence >= m_size || IsMarked(sequence))
    {
        return DecodeError::Replayed;
    }
    return sequence;
}

void
ReplayWindow::Accept(uint64_t sequence)
{
    if (sequence > m_top)
    {
        // Clear the words that sequences m_top + 1 .. sequence now reuse. A jump of a whole
        // ring or more clears everything.
        const uint64_t words = m_bits.size();
        const uint64_t oldWord = m_top / kBitsPerWord;
        const uint64_t newWord = sequence / kBitsPerWord;
        const uint64_t toClear = std::min(newWord - oldWord, words);
        for (uint64_t i = 1; i <= toClear; ++i)
        {
            m_bits[(oldWord + i) % words] = 0;
        }
        m_top = sequence;
    }
    else if (m_top - sequence >= m_size)
    {
        return;
    }
    m_bits[(sequence / kBitsPerWord) % m_bits.size()] |= uint64_t{1} << (sequence % kBitsPerWord);
}

bool
ReplayWindow::IsMarked(uint64_t sequence) const
{
    const uint64_t word = m_bits[(sequence / kBitsPerWord) % m_bits.size()];
    return (word >> (sequence % kBitsPerWord)) & 1;
}

} // namespace tunnelsim
