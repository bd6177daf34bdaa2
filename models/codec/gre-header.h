/*
 * GRE header: RFC 2784 with the key and sequence number extensions of RFC 2890.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |C| |K|S| Reserved0       | Ver |         Protocol Type         |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |      Checksum (optional)      |       Reserved1 (Optional)    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                         Key (optional)                        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                 Sequence Number (Optional)                    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Limitations:
 * - Version 0 only: version 1 (the enhanced GRE of PPTP, RFC 2637) is rejected.
 * - The RFC 1701 routing and source-route fields are rejected, not parsed.
 * - The sequence number is carried, not checked: ordering (RFC 2890 s2.2) belongs to the
 *   tunnel device.
 */
#ifndef TUNNELSIM_CODEC_GRE_HEADER_H
#define TUNNELSIM_CODEC_GRE_HEADER_H

#include "bytes.h"
#include "codec-result.h"

#include <cstdint>

namespace tunnelsim
{

/// EtherType of IPv4 in the GRE Protocol Type field.
constexpr uint16_t kGreProtocolIpv4 = 0x0800;
/// Base header size in bytes; each present option adds 4.
constexpr size_t kGreBaseHeaderSize = 4;

struct GreHeader
{
    bool checksumPresent = false; ///< C bit (RFC 2784 s2.5)
    bool keyPresent = false;      ///< K bit (RFC 2890 s2.1)
    bool sequencePresent = false; ///< S bit (RFC 2890 s2.1)
    uint16_t protocolType = kGreProtocolIpv4;
    uint16_t checksum = 0; ///< as read by Decode; Encode computes its own
    uint32_t key = 0;
    uint32_t sequence = 0;

    size_t HeaderSize() const
    {
        return kGreBaseHeaderSize + 4 * (size_t{checksumPresent} + keyPresent + sequencePresent);
    }
};

/**
 * Append header and @p payload to @p out. When the C bit is set, the checksum covers the
 * GRE header and payload (RFC 2784 s2.5) and is computed here.
 */
void EncodeGre(const GreHeader& header, ByteView payload, Bytes& out);

struct GreDecoded
{
    GreHeader header;
    ByteView payload; ///< points into the decoded buffer
};

/**
 * Decode a GRE packet. Rejects a version other than 0 (UnsupportedVersion), any Reserved0
 * bit set, including the routing-present bit that RFC 1701 defined (ReservedBitsSet), a
 * packet shorter than its flags require (Truncated) and a checksum that does not verify.
 */
Result<GreDecoded> DecodeGre(ByteView bytes);

} // namespace tunnelsim

#endif
