/*
 * Reasons for the GRE models to drop a packet or take a tunnel down. Every drop fires the
 * "Drop" trace of the GreL4Protocol or of the GreTunnelNetDevice with one of these reasons
 * and is counted there (GetDropCount).
 */
#ifndef TUNNELSIM_GRE_DROP_REASON_H
#define TUNNELSIM_GRE_DROP_REASON_H

#include "codec-result.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace tunnelsim
{

/** Drop reasons. The names returned by ToString are stable: they appear in results JSON. */
enum class GreDropReason : uint8_t
{
    NoTunnel,            ///< no tunnel matches the packet's (source, destination, key)
    Truncated,           ///< shorter than the GRE header its flags announce
    UnsupportedVersion,  ///< GRE version other than 0 (RFC 2784 s2.3.1)
    ReservedBitsSet,     ///< a Reserved0 bit is set (RFC 2784 s2.3)
    BadChecksum,         ///< the GRE checksum does not verify (RFC 2784 s2.5)
    Malformed,           ///< any other codec error
    MissingChecksum,     ///< the tunnel requires checksums and the packet has none
    MissingSequence,     ///< the tunnel requires sequence numbers and the packet has none
    OutOfOrder,          ///< sequence number not after the last accepted one (RFC 2890 s2.2)
    UnsupportedProtocol, ///< payload that is neither IPv4 nor a keepalive reply
    MalformedInner,      ///< the payload is not a valid IPv4 packet
    MtuExceeded,         ///< DF set and larger than the tunnel MTU (RFC 1191 s4)
    RecursiveRouting,    ///< the route to the tunnel destination leads into the tunnel itself
};

/** Every reason, in declaration order (for tables and results). */
constexpr GreDropReason kAllGreDropReasons[] = {
    GreDropReason::NoTunnel,           GreDropReason::Truncated,
    GreDropReason::UnsupportedVersion, GreDropReason::ReservedBitsSet,
    GreDropReason::BadChecksum,        GreDropReason::Malformed,
    GreDropReason::MissingChecksum,    GreDropReason::MissingSequence,
    GreDropReason::OutOfOrder,         GreDropReason::UnsupportedProtocol,
    GreDropReason::MalformedInner,     GreDropReason::MtuExceeded,
    GreDropReason::RecursiveRouting,
};

/// Number of GreDropReason values, for counter arrays.
constexpr size_t kGreDropReasonCount = sizeof(kAllGreDropReasons) / sizeof(kAllGreDropReasons[0]);

/** Stable lowercase name, e.g. "no-tunnel". */
std::string_view ToString(GreDropReason reason);

/** Inverse of ToString; nullopt for an unknown name. */
std::optional<GreDropReason> ParseGreDropReason(std::string_view name);

/** The drop reason for a codec error on a received GRE packet. */
GreDropReason GreDropReasonFromDecodeError(DecodeError error);

/** Cause of taking a tunnel interface down. */
enum class GreDownCause : uint8_t
{
    KeepaliveTimeout, ///< KeepaliveRetries keepalives in a row went unanswered
    RecursiveRouting, ///< the tunnel destination was routed through the tunnel itself
};

/** Stable lowercase name: "keepalive-timeout" or "recursive-routing". */
std::string_view ToString(GreDownCause cause);

} // namespace tunnelsim

#endif
