/*
 * TCP MSS clamping on SYN segments that cross a tunnel, the way routers rewrite the MSS
 * option so that neither end sends segments larger than the tunnel MTU allows.
 *
 * Limitations:
 * - A SYN without an MSS option is left alone. Its receiver then assumes 536 bytes
 *   (RFC 9293 s3.7.1), which is below the clamp for any tunnel MTU of 576 or more.
 * - IPv4 only.
 */
#ifndef TUNNELSIM_GRE_TCP_MSS_CLAMP_H
#define TUNNELSIM_GRE_TCP_MSS_CLAMP_H

#include "bytes.h"

#include <cstddef>
#include <cstdint>

namespace tunnelsim
{

/// TCP header without options, bytes (RFC 9293 s3.1, Data Offset 5).
constexpr size_t kTcpMinHeaderSize = 20;
/// IPv4 and TCP headers without options, bytes: the MSS for an MTU is MTU - 40 (RFC 9293
/// s3.7.1).
constexpr uint16_t kTcpIpv4HeadersSize = 40;

/** Outcome of ClampTcpMss. */
enum class MssClampOutcome : uint8_t
{
    NotTcpSyn,   ///< not TCP, a non-initial fragment, or no SYN flag: left alone
    NoMssOption, ///< a SYN without an MSS option: left alone
    WithinLimit, ///< the MSS is already at or below the limit
    Clamped,     ///< the MSS was lowered and the TCP checksum updated
    Malformed,   ///< invalid IPv4 header, TCP header or option list: left alone
};

struct MssClampResult
{
    MssClampOutcome outcome = MssClampOutcome::NotTcpSyn;
    uint16_t originalMss = 0; ///< the MSS option's value, when one was found
    /// Bytes of IPv4 and TCP header at the start of the packet: the only bytes that a
    /// clamp changes. Set whenever a TCP header was found.
    size_t headersSize = 0;
};

/**
 * Lower the MSS option of a TCP SYN in the IPv4 packet @p packet to @p maxMss. The TCP
 * checksum is updated incrementally (RFC 1624 s3, equation 3), so a segment that arrived
 * with a wrong checksum still fails its check. Validates the IPv4 header (DecodeIpv4Header)
 * and the whole TCP option list before changing a byte.
 */
MssClampResult ClampTcpMss(Bytes& packet, uint16_t maxMss);

} // namespace tunnelsim

#endif
