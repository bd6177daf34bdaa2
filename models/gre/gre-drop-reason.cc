#include "gre-drop-reason.h"

namespace tunnelsim
{

std::string_view
ToString(GreDropReason reason)
{
    switch (reason)
    {
        case GreDropReason::NoTunnel:
            return "no-tunnel";
        case GreDropReason::Truncated:
            return "truncated";
        case GreDropReason::UnsupportedVersion:
            return "unsupported-version";
        case GreDropReason::ReservedBitsSet:
            return "reserved-bits-set";
        case GreDropReason::BadChecksum:
            return "bad-checksum";
        case GreDropReason::Malformed:
            return "malformed";
        case GreDropReason::MissingChecksum:
            return "missing-checksum";
        case GreDropReason::MissingSequence:
            return "missing-sequence";
        case GreDropReason::OutOfOrder:
            return "out-of-order";
        case GreDropReason::UnsupportedProtocol:
            return "unsupported-protocol";
        case GreDropReason::MalformedInner:
            return "malformed-inner";
        case GreDropReason::MtuExceeded:
            return "mtu-exceeded";
        case GreDropReason::RecursiveRouting:
            return "recursive-routing";
    }
    return "unknown";
}

std::optional<GreDropReason>
ParseGreDropReason(std::string_view name)
{
    for (GreDropReason reason : kAllGreDropReasons)
    {
        if (ToString(reason) == name)
        {
            return reason;
        }
    }
    return std::nullopt;
}

GreDropReason
GreDropReasonFromDecodeError(DecodeError error)
{
    switch (error)
    {
        case DecodeError::Truncated:
            return GreDropReason::Truncated;
        case DecodeError::UnsupportedVersion:
            return GreDropReason::UnsupportedVersion;
        case DecodeError::ReservedBitsSet:
            return GreDropReason::ReservedBitsSet;
        case DecodeError::BadHeaderChecksum:
            return GreDropReason::BadChecksum;
        default:
            return GreDropReason::Malformed;
    }
}

std::string_view
ToString(GreDownCause cause)
{
    switch (cause)
    {
        case GreDownCause::KeepaliveTimeout:
            return "keepalive-timeout";
        case GreDownCause::RecursiveRouting:
            return "recursive-routing";
    }
    return "unknown";
}

} // namespace tunnelsim
