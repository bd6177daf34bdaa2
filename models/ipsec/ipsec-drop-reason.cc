#include "ipsec-drop-reason.h"

namespace tunnelsim
{

std::string_view
ToString(IpsecDropReason reason)
{
    switch (reason)
    {
        case IpsecDropReason::NoPolicy:
            return "no-policy";
        case IpsecDropReason::DiscardPolicy:
            return "discard-policy";
        case IpsecDropReason::NoSa:
            return "no-sa";
        case IpsecDropReason::UnknownSpi:
            return "unknown-spi";
        case IpsecDropReason::Replayed:
            return "replayed";
        case IpsecDropReason::BadIcv:
            return "bad-icv";
        case IpsecDropReason::BadPadding:
            return "bad-padding";
        case IpsecDropReason::BadPadLength:
            return "bad-pad-length";
        case IpsecDropReason::BadBlockSize:
            return "bad-block-size";
        case IpsecDropReason::Truncated:
            return "truncated";
        case IpsecDropReason::MalformedInner:
            return "malformed-inner";
        case IpsecDropReason::InboundPolicyMismatch:
            return "inbound-policy-mismatch";
        case IpsecDropReason::UnprotectedTraffic:
            return "unprotected-traffic";
        case IpsecDropReason::UnsupportedNextHeader:
            return "unsupported-next-header";
        case IpsecDropReason::SaExpired:
            return "sa-expired";
        case IpsecDropReason::SequenceExhausted:
            return "sequence-exhausted";
        case IpsecDropReason::CryptoFailure:
            return "crypto-failure";
        case IpsecDropReason::NoRoute:
            return "no-route";
        case IpsecDropReason::CryptoQueueFull:
            return "crypto-queue-full";
        case IpsecDropReason::TransportFragment:
            return "transport-fragment";
    }
    return "unknown";
}

std::optional<IpsecDropReason>
ParseIpsecDropReason(std::string_view name)
{
    for (IpsecDropReason reason : kAllIpsecDropReasons)
    {
        if (ToString(reason) == name)
        {
            return reason;
        }
    }
    return std::nullopt;
}

IpsecDropReason
DropReasonFromDecodeError(DecodeError error)
{
    switch (error)
    {
        case DecodeError::Truncated:
        case DecodeError::BadLength:
        case DecodeError::NotEsp:
        case DecodeError::Fragment:
            return IpsecDropReason::Truncated;
        case DecodeError::BadIcv:
            return IpsecDropReason::BadIcv;
        case DecodeError::Replayed:
            return IpsecDropReason::Replayed;
        case DecodeError::BadPadding:
            return IpsecDropReason::BadPadding;
        case DecodeError::BadPadLength:
            return IpsecDropReason::BadPadLength;
        case DecodeError::BadBlockSize:
            return IpsecDropReason::BadBlockSize;
        case DecodeError::UnknownSpi:
            return IpsecDropReason::UnknownSpi;
        case DecodeError::SequenceExhausted:
            return IpsecDropReason::SequenceExhausted;
        case DecodeError::BadHeaderChecksum:
        case DecodeError::UnsupportedVersion:
        case DecodeError::ReservedBitsSet:
            return IpsecDropReason::MalformedInner;
        case DecodeError::CryptoFailure:
            return IpsecDropReason::CryptoFailure;
    }
    return IpsecDropReason::CryptoFailure;
}

} // namespace tunnelsim
