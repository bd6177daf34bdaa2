#include "ospf-packet.h"

#include <type_traits>

namespace tunnelsim
{

namespace
{

constexpr uint8_t kLowestPacketType = 1;
constexpr uint8_t kHighestPacketType = 5;

void
EncodeHello(const OspfHello& hello, Bytes& out)
{
    AppendU32(out, hello.networkMask);
    AppendU16(out, hello.helloInterval);
    out.push_back(hello.options);
    out.push_back(hello.routerPriority);
    AppendU32(out, hello.routerDeadInterval);
    AppendU32(out, hello.designatedRouter);
    AppendU32(out, hello.backupDesignatedRouter);
    for (uint32_t neighbor : hello.neighbors)
    {
        AppendU32(out, neighbor);
    }
}

OspfResult<OspfHello>
DecodeHello(ByteView body)
{
    if (body.size < kOspfHelloFixedSize || (body.size - kOspfHelloFixedSize) % 4 != 0)
    {
        return OspfDecodeError::BadLength;
    }
    OspfHello hello;
    hello.networkMask = ReadU32(body.data);
    hello.helloInterval = ReadU16(body.data + 4);
    hello.options = body[6];
    hello.routerPriority = body[7];
    hello.routerDeadInterval = ReadU32(body.data + 8);
    hello.designatedRouter = ReadU32(body.data + 12);
    hello.backupDesignatedRouter = ReadU32(body.data + 16);
    for (size_t offset = kOspfHelloFixedSize; offset < body.size; offset += 4)
    {
        hello.neighbors.push_back(ReadU32(body.data + offset));
    }
    return hello;
}

void
EncodeLsaHeaders(const std::vector<LsaHeader>& headers, Bytes& out)
{
    for (const LsaHeader& header : headers)
    {
        EncodeLsaHeader(header, out);
    }
}

OspfResult<std::vector<LsaHeader>>
DecodeLsaHeaders(ByteView bytes)
{
    if (bytes.size % kLsaHeaderSize != 0)
    {
        return OspfDecodeError::BadLength;
    }
    std::vector<LsaHeader> headers;
    for (size_t offset = 0; offset < bytes.size; offset += kLsaHeaderSize)
    {
        headers.push_back(DecodeLsaHeader(bytes.From(offset)).Value());
    }
    return headers;
}

void
EncodeDatabaseDescription(const OspfDatabaseDescription& dbd, Bytes& out)
{
    AppendU16(out, dbd.interfaceMtu);
    out.push_back(dbd.options);
    out.push_back(dbd.flags);
    AppendU32(out, dbd.sequenceNumber);
    EncodeLsaHeaders(dbd.lsaHeaders, out);
}

OspfResult<OspfDatabaseDescription>
DecodeDatabaseDescription(ByteView body)
{
    if (body.size < kOspfDatabaseDescriptionFixedSize)
    {
        return OspfDecodeError::BadLength;
    }
    OspfDatabaseDescription dbd;
    dbd.interfaceMtu = ReadU16(body.data);
    dbd.options = body[2];
    dbd.flags = body[3];
    dbd.sequenceNumber = ReadU32(body.data + 4);
    OspfResult<std::vector<LsaHeader>> headers
        = DecodeLsaHeaders(body.From(kOspfDatabaseDescriptionFixedSize));
    if (!headers)
    {
        return headers.Error();
    }
    dbd.lsaHeaders = std::move(headers).Value();
    return dbd;
}

void
EncodeLinkStateRequest(const OspfLinkStateRequest& request, Bytes& out)
{
    for (const LsaKey& key : request.requests)
    {
        AppendU32(out, key.type);
        AppendU32(out, key.linkStateId);
        AppendU32(out, key.advertisingRouter);
    }
}

OspfResult<OspfLinkStateRequest>
DecodeLinkStateRequest(ByteView body)
{
    if (body.size % kOspfLinkStateRequestEntrySize != 0)
    {
        return OspfDecodeError::BadLength;
    }
    OspfLinkStateRequest request;
    for (size_t offset = 0; offset < body.size; offset += kOspfLinkStateRequestEntrySize)
    {
        request.requests.push_back(LsaKey{ReadU32(body.data + offset),
                                          ReadU32(body.data + offset + 4),
                                          ReadU32(body.data + offset + 8)});
    }
    return request;
}

void
EncodeLinkStateUpdate(const OspfLinkStateUpdate& update, Bytes& out)
{
    AppendU32(out, static_cast<uint32_t>(update.lsas.size()));
    for (const Lsa& lsa : update.lsas)
    {
        EncodeLsa(lsa, out);
    }
}

OspfResult<OspfLinkStateUpdate>
DecodeLinkStateUpdate(ByteView body)
{
    if (body.size < kOspfLinkStateUpdateFixedSize)
    {
        return OspfDecodeError::BadLength;
    }
    const uint32_t count = ReadU32(body.data);
    OspfLinkStateUpdate update;
    size_t offset = kOspfLinkStateUpdateFixedSize;
    for (uint32_t i = 0; i < count; ++i)
    {
        // Only the LSA's length field leads to the next LSA, so a length that does not fit
        // rejects the whole packet. Any other error rejects just this LSA (s13 (1)).
        ByteView rest = body.From(offset);
        if (rest.size < kLsaHeaderSize)
        {
            return OspfDecodeError::BadLength;
        }
        const size_t length = ReadU16(rest.data + 18);
        if (length < kLsaHeaderSize)
        {
            return OspfDecodeError::BadLsaLength;
        }
        if (length > rest.size)
        {
            return OspfDecodeError::BadLength;
        }
        OspfResult<Lsa> lsa = DecodeLsa(rest.Sub(0, length));
        if (lsa)
        {
            update.lsas.push_back(std::move(lsa).Value());
        }
        else
        {
            update.rejectedLsas.push_back(lsa.Error());
        }
        offset += length;
    }
    if (offset != body.size)
    {
        return OspfDecodeError::BadLength;
    }
    return update;
}

/// RFC 2328 D.4.1: the Internet checksum of the whole packet without the Authentication
/// field, which has an even size, so zeroing it gives the same sum as leaving it out.
uint16_t
ComputeOspfChecksum(ByteView packet)
{
    Bytes copy = packet.ToBytes();
    WriteU16(copy.data() + kOspfChecksumOffset, 0);
    for (size_t i = 0; i < kOspfAuthenticationSize; ++i)
    {
        copy[kOspfAuthenticationOffset + i] = 0;
    }
    return InternetChecksum(copy);
}

} // namespace

bool
OspfHello::operator==(const OspfHello& other) const
{
    return networkMask == other.networkMask && helloInterval == other.helloInterval
           && options == other.options && routerPriority == other.routerPriority
           && routerDeadInterval == other.routerDeadInterval
           && designatedRouter == other.designatedRouter
           && backupDesignatedRouter == other.backupDesignatedRouter
           && neighbors == other.neighbors;
}

bool
OspfDatabaseDescription::operator==(const OspfDatabaseDescription& other) const
{
    return interfaceMtu == other.interfaceMtu && options == other.options && flags == other.flags
           && sequenceNumber == other.sequenceNumber && lsaHeaders == other.lsaHeaders;
}

bool
OspfLinkStateUpdate::operator==(const OspfLinkStateUpdate& other) const
{
    if (lsas.size() != other.lsas.size() || rejectedLsas != other.rejectedLsas)
    {
        return false;
    }
    for (size_t i = 0; i < lsas.size(); ++i)
    {
        if (!(lsas[i].header == other.lsas[i].header) || !(lsas[i].body == other.lsas[i].body))
        {
            return false;
        }
    }
    return true;
}

OspfPacketType
TypeOf(const OspfBody& body)
{
    return static_cast<OspfPacketType>(body.index() + kLowestPacketType);
}

Bytes
EncodeOspfPacket(const OspfPacket& packet)
{
    Bytes out;
    out.push_back(packet.header.version);
    out.push_back(static_cast<uint8_t>(TypeOf(packet.body)));
    AppendU16(out, 0); // Packet length, written below
    AppendU32(out, packet.header.routerId);
    AppendU32(out, packet.header.areaId);
    AppendU16(out, 0); // Checksum, written below
    AppendU16(out, packet.header.authType);
    AppendU32(out, static_cast<uint32_t>(packet.header.authentication >> 32));
    AppendU32(out, static_cast<uint32_t>(packet.header.authentication));

    std::visit(
        [&out](const auto& body)
        {
            using Body = std::decay_t<decltype(body)>;
            if constexpr (std::is_same_v<Body, OspfHello>)
            {
                EncodeHello(body, out);
            }
            else if constexpr (std::is_same_v<Body, OspfDatabaseDescription>)
            {
                EncodeDatabaseDescription(body, out);
            }
            else if constexpr (std::is_same_v<Body, OspfLinkStateRequest>)
            {
                EncodeLinkStateRequest(body, out);
            }
            else if constexpr (std::is_same_v<Body, OspfLinkStateUpdate>)
            {
                EncodeLinkStateUpdate(body, out);
            }
            else
            {
                EncodeLsaHeaders(body.lsaHeaders, out);
            }
        },
        packet.body);

    WriteU16(out.data() + 2, static_cast<uint16_t>(out.size()));
    if (packet.header.authType != kOspfAuthCryptographic)
    {
        WriteU16(out.data() + kOspfChecksumOffset, ComputeOspfChecksum(out));
    }
    return out;
}

OspfResult<OspfPacket>
DecodeOspfPacket(ByteView bytes)
{
    if (bytes.size < kOspfHeaderSize)
    {
        return OspfDecodeError::Truncated;
    }
    OspfPacket packet;
    OspfHeader& header = packet.header;
    header.version = bytes[0];
    const uint8_t type = bytes[1];
    header.packetLength = ReadU16(bytes.data + 2);
    header.routerId = ReadU32(bytes.data + 4);
    header.areaId = ReadU32(bytes.data + 8);
    header.checksum = ReadU16(bytes.data + kOspfChecksumOffset);
    header.authType = ReadU16(bytes.data + 14);
    header.authentication = (uint64_t{ReadU32(bytes.data + kOspfAuthenticationOffset)} << 32)
                            | ReadU32(bytes.data + kOspfAuthenticationOffset + 4);

    if (header.version != kOspfVersion)
    {
        return OspfDecodeError::UnsupportedVersion;
    }
    if (header.packetLength < kOspfHeaderSize)
    {
        return OspfDecodeError::BadLength;
    }
    if (header.packetLength > bytes.size)
    {
        return OspfDecodeError::Truncated;
    }
    if (type < kLowestPacketType || type > kHighestPacketType)
    {
        return OspfDecodeError::UnknownPacketType;
    }
    header.type = static_cast<OspfPacketType>(type);
    ByteView whole = bytes.Sub(0, header.packetLength);
    if (header.authType != kOspfAuthCryptographic && ComputeOspfChecksum(whole) != header.checksum)
    {
        return OspfDecodeError::BadChecksum;
    }

    ByteView body = whole.From(kOspfHeaderSize);
    switch (header.type)
    {
        case OspfPacketType::Hello:
        {
            OspfResult<OspfHello> hello = DecodeHello(body);
            if (!hello)
            {
                return hello.Error();
            }
            packet.body = std::move(hello).Value();
            break;
        }
        case OspfPacketType::DatabaseDescription:
        {
            OspfResult<OspfDatabaseDescription> dbd = DecodeDatabaseDescription(body);
            if (!dbd)
            {
                return dbd.Error();
            }
            packet.body = std::move(dbd).Value();
            break;
        }
        case OspfPacketType::LinkStateRequest:
        {
            OspfResult<OspfLinkStateRequest> request = DecodeLinkStateRequest(body);
            if (!request)
            {
                return request.Error();
            }
            packet.body = std::move(request).Value();
            break;
        }
        case OspfPacketType::LinkStateUpdate:
        {
            OspfResult<OspfLinkStateUpdate> update = DecodeLinkStateUpdate(body);
            if (!update)
            {
                return update.Error();
            }
            packet.body = std::move(update).Value();
            break;
        }
        case OspfPacketType::LinkStateAck:
        {
            OspfResult<std::vector<LsaHeader>> headers = DecodeLsaHeaders(body);
            if (!headers)
            {
                return headers.Error();
            }
            packet.body = OspfLinkStateAck{std::move(headers).Value()};
            break;
        }
    }
    return packet;
}

std::string_view
ToString(OspfPacketType type)
{
    switch (type)
    {
        case OspfPacketType::Hello:
            return "hello";
        case OspfPacketType::DatabaseDescription:
            return "database-description";
        case OspfPacketType::LinkStateRequest:
            return "link-state-request";
        case OspfPacketType::LinkStateUpdate:
            return "link-state-update";
        case OspfPacketType::LinkStateAck:
            return "link-state-ack";
    }
    return "unknown";
}

} // namespace tunnelsim
