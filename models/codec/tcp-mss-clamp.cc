#include "tcp-mss-clamp.h"

#include "ipv4-header.h"

namespace tunnelsim
{

namespace
{

/// TCP header field offsets, bytes from the start of the TCP header (RFC 9293 s3.1).
constexpr size_t kTcpChecksumOffset = 16;
constexpr size_t kTcpDataOffsetByte = 12;
constexpr size_t kTcpFlagsByte = 13;
/// SYN bit in the flags byte (RFC 9293 s3.1).
constexpr uint8_t kTcpFlagSyn = 0x02;
/// Option kinds and the MSS option length (RFC 9293 s3.2).
constexpr uint8_t kTcpOptionEnd = 0;
constexpr uint8_t kTcpOptionNop = 1;
constexpr uint8_t kTcpOptionMss = 2;
constexpr uint8_t kTcpOptionMssLength = 4;

/// Byte @p offset of the TCP segment, or 0 past its end (RFC 9293 s3.1 pads an odd
/// segment with a zero byte for the checksum).
uint8_t
SegmentByte(const Bytes& packet, size_t tcpStart, size_t segmentSize, size_t offset)
{
    return offset < segmentSize ? packet[tcpStart + offset] : 0;
}

/// The 16-bit checksum word that starts at even @p offset of the segment.
uint16_t
SegmentWord(const Bytes& packet, size_t tcpStart, size_t segmentSize, size_t offset)
{
    return static_cast<uint16_t>((SegmentByte(packet, tcpStart, segmentSize, offset) << 8)
                                 | SegmentByte(packet, tcpStart, segmentSize, offset + 1));
}

} // namespace

MssClampResult
ClampTcpMss(Bytes& packet, uint16_t maxMss)
{
    MssClampResult result;
    const Result<Ipv4Header> ip = DecodeIpv4Header(packet);
    if (!ip)
    {
        result.outcome = MssClampOutcome::Malformed;
        return result;
    }
    if (ip.Value().protocol != kIpProtocolTcp || ip.Value().fragmentOffset != 0)
    {
        return result;
    }

    const size_t tcpStart = ip.Value().HeaderSize();
    const size_t segmentSize = ip.Value().totalLength - tcpStart;
    if (segmentSize < kTcpMinHeaderSize)
    {
        result.outcome = MssClampOutcome::Malformed;
        return result;
    }
    const size_t tcpHeaderSize
        = static_cast<size_t>(packet[tcpStart + kTcpDataOffsetByte] >> 4) * 4;
    if (tcpHeaderSize < kTcpMinHeaderSize || tcpHeaderSize > segmentSize)
    {
        result.outcome = MssClampOutcome::Malformed;
        return result;
    }
    result.headersSize = tcpStart + tcpHeaderSize;
    if ((packet[tcpStart + kTcpFlagsByte] & kTcpFlagSyn) == 0)
    {
        return result;
    }

    // RFC 9293 s3.2: End of Option List and No-Operation are single bytes. Every other
    // option is kind, length (counting both), data.
    size_t mssOffset = 0;
    size_t offset = kTcpMinHeaderSize;
    while (offset < tcpHeaderSize)
    {
        const uint8_t kind = packet[tcpStart + offset];
        if (kind == kTcpOptionEnd)
        {
            break;
        }
        if (kind == kTcpOptionNop)
        {
            ++offset;
            continue;
        }
        if (offset + 1 >= tcpHeaderSize)
        {
            result.outcome = MssClampOutcome::Malformed;
            return result;
        }
        const uint8_t length = packet[tcpStart + offset + 1];
        if (length < 2 || offset + length > tcpHeaderSize)
        {
            result.outcome = MssClampOutcome::Malformed;
            return result;
        }
        if (kind == kTcpOptionMss)
        {
            if (length != kTcpOptionMssLength || mssOffset != 0)
            {
                result.outcome = MssClampOutcome::Malformed;
                return result;
            }
            mssOffset = offset + 2;
        }
        offset += length;
    }
    if (mssOffset == 0)
    {
        result.outcome = MssClampOutcome::NoMssOption;
        return result;
    }

    result.originalMss = ReadU16(&packet[tcpStart + mssOffset]);
    if (result.originalMss <= maxMss)
    {
        result.outcome = MssClampOutcome::WithinLimit;
        return result;
    }

    // The option may start at an odd offset, so the two MSS bytes can straddle two
    // checksum words. Every word in [first, last) is updated: the unchanged byte of a
    // straddled word adds and subtracts itself.
    const size_t first = mssOffset & ~size_t{1};
    const size_t last = (mssOffset + 2 + 1) & ~size_t{1};
    uint16_t oldWords[2] = {0, 0};
    for (size_t word = first, i = 0; word < last; word += 2, ++i)
    {
        oldWords[i] = SegmentWord(packet, tcpStart, segmentSize, word);
    }
    WriteU16(&packet[tcpStart + mssOffset], maxMss);

    // RFC 1624 s3, equation 3: HC' = ~(~HC + ~m + m'), in one's complement arithmetic.
    uint32_t sum = static_cast<uint16_t>(~ReadU16(&packet[tcpStart + kTcpChecksumOffset]));
    for (size_t word = first, i = 0; word < last; word += 2, ++i)
    {
        sum += static_cast<uint16_t>(~oldWords[i]);
        sum += SegmentWord(packet, tcpStart, segmentSize, word);
    }
    while ((sum >> 16) != 0)
    {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    WriteU16(&packet[tcpStart + kTcpChecksumOffset], static_cast<uint16_t>(~sum));

    result.outcome = MssClampOutcome::Clamped;
    return result;
}

} // namespace tunnelsim
