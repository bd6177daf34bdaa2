#include "codec-result.h"

namespace tunnelsim
{

std::string_view
ToString(DecodeError error)
{
    switch (error)
    {
        case DecodeError::Truncated:
            return "truncated";
        case DecodeError::BadLength:
            return "bad-length";
        case DecodeError::BadHeaderChecksum:
            return "bad-checksum";
        case DecodeError::UnsupportedVersion:
            return "unsupported-version";
        case DecodeError::ReservedBitsSet:
            return "reserved-bits-set";
        case DecodeError::BadIcv:
            return "bad-icv";
        case DecodeError::Replayed:
            return "replayed";
        case DecodeError::BadPadding:
            return "bad-padding";
        case DecodeError::BadPadLength:
            return "bad-pad-length";
        case DecodeError::BadBlockSize:
            return "bad-block-size";
        case DecodeError::UnknownSpi:
            return "unknown-spi";
        case DecodeError::SequenceExhausted:
            return "sequence-exhausted";
        case DecodeError::CryptoFailure:
            return "crypto-failure";
    case DecodeError::NotEsp:
        return "not-esp";
    case DecodeError::Fragment:
        return "fragment";
    }
    return "unknown";
}

} // namespace tunnelsim
