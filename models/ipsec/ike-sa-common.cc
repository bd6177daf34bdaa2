#include "ike-sa-common.h"

#include "ike-crypto.h"

namespace tunnelsim
{

Bytes
ConcatBytes(std::initializer_list<ByteView> parts)
{
    Bytes out;
    for (const ByteView& part : parts)
    {
        out.insert(out.end(), part.begin(), part.end());
    }
    return out;
}

Bytes
IkeSpiBytes(uint64_t spi)
{
    Bytes out;
    AppendU64(out, spi);
    return out;
}

Bytes
NatDetectionHash(uint64_t initiatorSpi, uint64_t responderSpi, ns3::Ipv4Address address)
{
    Bytes input = ConcatBytes({IkeSpiBytes(initiatorSpi), IkeSpiBytes(responderSpi)});
    AppendU32(input, address.Get());
    AppendU16(input, kIkeUdpPort);
    return ComputeSha1(input);
}

std::string
JoinProposalNames(const std::vector<std::string>& names)
{
    std::string out;
    for (size_t i = 0; i < names.size(); ++i)
    {
        out += (i == 0 ? "" : ", ") + names[i];
    }
    return out.empty() ? "none" : out;
}

std::optional<NotifyPayload>
FindNotifyIf(const IkeMessage& message, IkeVersion version,
             const std::function<bool(const NotifyPayload&)>& accept)
{
    const uint8_t payloadType = version == IkeVersion::V1 ? kPayloadV1Notify : kPayloadNotify;
    for (const IkePayload* payload : message.FindAll(payloadType))
    {
        auto notify = DecodeNotifyPayload(version, payload->body);
        if (notify && accept(notify.Value()))
        {
            return notify.Value();
        }
    }
    return std::nullopt;
}

} // namespace tunnelsim
