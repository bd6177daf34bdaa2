#include "ospf-result.h"

namespace tunnelsim
{

std::string_view
ToString(OspfDecodeError error)
{
    switch (error)
    {
        case OspfDecodeError::Truncated:
            return "truncated";
        case OspfDecodeError::BadLength:
            return "bad-length";
        case OspfDecodeError::BadChecksum:
            return "bad-checksum";
        case OspfDecodeError::UnsupportedVersion:
            return "unsupported-version";
        case OspfDecodeError::UnknownPacketType:
            return "unknown-packet-type";
        case OspfDecodeError::BadLsaLength:
            return "bad-lsa-length";
        case OspfDecodeError::BadLsaChecksum:
            return "bad-lsa-checksum";
    }
    return "unknown";
}

} // namespace tunnelsim
