/*
 * Reasons for which the IPsec models drop a packet. Every drop fires the node's "Drop" trace with
 * one of these and is counted per node (IpsecStack::GetDropCount).
 */
#ifndef TUNNELSIM_IPSEC_DROP_REASON_H
#define TUNNELSIM_IPSEC_DROP_REASON_H

#include "codec-result.h"

#include <cstdint>
#include <optional>
#include <string_view>

namespace tunnelsim
{

/** Drop reasons. The names returned by ToString are stable: they appear in results JSON. */
enum class IpsecDropReason : uint8_t
{
    NoPolicy,              ///< no SPD entry matched and the no-match action is DISCARD
    DiscardPolicy,         ///< the first matching SPD entry says DISCARD
    NoSa,                  ///< a PROTECT entry or a VTI has no outbound SA yet
    UnknownSpi,            ///< ESP packet whose SPI has no inbound SA
    Replayed,              ///< sequence number already seen or left of the window
    BadIcv,                ///< integrity check failed
    BadPadding,            ///< padding bytes are not 1, 2, 3, ... (RFC 4303 s2.4)
    BadPadLength,          ///< pad length points outside the decrypted payload
    BadBlockSize,          ///< CBC ciphertext is not a multiple of the block size
    Truncated,             ///< ESP packet or inner packet shorter than its headers
    MalformedInner,        ///< decrypted payload is not a valid IPv4 packet
    InboundPolicyMismatch, ///< inner packet outside the selectors of its SA (RFC 4301 s5.2)
    UnprotectedTraffic,    ///< cleartext packet that a PROTECT entry requires to be protected
    UnsupportedNextHeader, ///< ESP next header that this model cannot deliver
    SaExpired,             ///< the packet would pass the SA's hard lifetime
    SequenceExhausted,     ///< outbound sequence counter would wrap (RFC 4303 s3.3.3)
    CryptoFailure,         ///< OpenSSL refused an operation
    NoRoute,               ///< a bypassed or sealed packet that no lower routing protocol routes
    CryptoQueueFull,       ///< every crypto engine unit busy and its queue full (CryptoEngine)
    TransportFragment,     ///< a fragment matched a transport-mode SA (RFC 4303 s3.3)
};

/** Stable lowercase name, e.g. "inbound-policy-mismatch". */
std::string_view ToString(IpsecDropReason reason);

/** Inverse of ToString; nullopt for an unknown name. */
std::optional<IpsecDropReason> ParseIpsecDropReason(std::string_view name);

/** Every reason, in declaration order (for tables and results). */
constexpr IpsecDropReason kAllIpsecDropReasons[] = {
    IpsecDropReason::NoPolicy,
    IpsecDropReason::DiscardPolicy,
    IpsecDropReason::NoSa,
    IpsecDropReason::UnknownSpi,
    IpsecDropReason::Replayed,
    IpsecDropReason::BadIcv,
    IpsecDropReason::BadPadding,
    IpsecDropReason::BadPadLength,
    IpsecDropReason::BadBlockSize,
    IpsecDropReason::Truncated,
    IpsecDropReason::MalformedInner,
    IpsecDropReason::InboundPolicyMismatch,
    IpsecDropReason::UnprotectedTraffic,
    IpsecDropReason::UnsupportedNextHeader,
    IpsecDropReason::SaExpired,
    IpsecDropReason::SequenceExhausted,
    IpsecDropReason::CryptoFailure,
    IpsecDropReason::NoRoute,
    IpsecDropReason::CryptoQueueFull,
    IpsecDropReason::TransportFragment,
};

/** The drop reason for a codec error on an inbound ESP packet. */
IpsecDropReason DropReasonFromDecodeError(DecodeError error);

} // namespace tunnelsim

#endif
