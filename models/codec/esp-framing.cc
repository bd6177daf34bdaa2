#include "esp-framing.h"

namespace tunnelsim
{

namespace
{

/// Largest IPv4 datagram, bytes (RFC 791 s3.1: 16-bit Total Length).
constexpr size_t kIpv4MaxTotalLength = 65535;

bool
IsFragment(const Ipv4Header& header)
{
    return header.moreFragments || header.fragmentOffset != 0;
}

/// The bytes of @p packet that its header's total length covers after the header.
ByteView
DatagramPayload(const Ipv4Header& header, ByteView packet)
{
    return packet.Sub(header.HeaderSize(), header.totalLength - header.HeaderSize());
}

/// Write @p header with protocol 50 and @p totalLength, then Seal @p payload after it.
Status
AppendEspPacket(EspEncoder& encoder, Ipv4Header header, uint8_t nextHeader, ByteView payload,
                Bytes& out)
{
    const size_t totalLength
        = header.HeaderSize() + payload.size + encoder.Config().suite.Overhead(payload.size);
    if (totalLength > kIpv4MaxTotalLength)
    {
        return DecodeError::BadLength;
    }
    header.protocol = kIpProtocolEsp;
    header.totalLength = static_cast<uint16_t>(totalLength);

    const size_t start = out.size();
    EncodeIpv4Header(header, out);
    const Status sealed = encoder.Seal(nextHeader, payload, out);
    if (!sealed)
    {
        out.resize(start);
    }
    return sealed;
}

/// Decode the header in front of ESP and open the ESP packet it carries into @p payload.
Result<EspDecapsulated>
OpenEspPacket(EspDecoder& decoder, ByteView packet, Bytes& payload)
{
    Result<Ipv4Header> header = DecodeIpv4Header(packet);
    if (!header)
    {
        payload.clear();
        return header.Error();
    }
    if (header.Value().protocol != kIpProtocolEsp)
    {
        payload.clear();
        return DecodeError::NotEsp;
    }
    // RFC 4303 s3.4.1: ESP processes only whole datagrams, so fragments are dropped here.
    if (IsFragment(header.Value()))
    {
        payload.clear();
        return DecodeError::Fragment;
    }

    const Result<EspOpened> opened = decoder.Open(DatagramPayload(header.Value(), packet), payload);
    if (!opened)
    {
        return opened.Error();
    }
    EspDecapsulated result;
    result.outer = std::move(header).Value();
    result.esp = opened.Value();
    return result;
}

} // namespace

Ipv4Header
MakeEspTunnelOuterHeader(const Ipv4Header& inner, uint32_t source, uint32_t destination)
{
    Ipv4Header outer;
    outer.tos = inner.tos;
    outer.dontFragment = inner.dontFragment;
    outer.ttl = kEspTunnelTtl;
    outer.protocol = kIpProtocolEsp;
    outer.source = source;
    outer.destination = destination;
    return outer;
}

Status
EncapsulateEspTunnel(EspEncoder& encoder, const Ipv4Header& outer, ByteView innerPacket, Bytes& out)
{
    const Result<Ipv4Header> inner = DecodeIpv4Header(innerPacket);
    if (!inner)
    {
        return inner.Error();
    }
    // RFC 4303 s3.1.2: the whole inner datagram, without any link padding after it.
    const ByteView datagram = innerPacket.Sub(0, inner.Value().totalLength);

    Ipv4Header header = outer;
    header.moreFragments = false;
    header.fragmentOffset = 0;
    return AppendEspPacket(encoder, header, kIpProtocolIpInIp, datagram, out);
}

Result<EspDecapsulated>
DecapsulateEspTunnel(EspDecoder& decoder, ByteView packet, Bytes& inner)
{
    return OpenEspPacket(decoder, packet, inner);
}

Status
EncapsulateEspTransport(EspEncoder& encoder, ByteView packet, Bytes& out)
{
    const Result<Ipv4Header> original = DecodeIpv4Header(packet);
    if (!original)
    {
        return original.Error();
    }
    // RFC 4303 s3.3: transport mode protects whole datagrams; fragmentation comes after.
    if (IsFragment(original.Value()))
    {
        return DecodeError::Fragment;
    }
    const ByteView payload = DatagramPayload(original.Value(), packet);
    return AppendEspPacket(encoder, original.Value(), original.Value().protocol, payload, out);
}

Result<EspDecapsulated>
DecapsulateEspTransport(EspDecoder& decoder, ByteView packet, Bytes& original)
{
    Result<EspDecapsulated> opened = OpenEspPacket(decoder, packet, original);
    if (!opened)
    {
        return opened;
    }

    // RFC 4303 s3.4.4 (transport mode): the IP header is kept, with the protocol taken
    // from Next Header and the length of the datagram that comes out.
    Ipv4Header header = opened.Value().outer;
    header.protocol = opened.Value().esp.nextHeader;
    header.totalLength = static_cast<uint16_t>(header.HeaderSize() + original.size());
    Bytes headerBytes;
    headerBytes.reserve(header.HeaderSize());
    EncodeIpv4Header(header, headerBytes);
    original.insert(original.begin(), headerBytes.begin(), headerBytes.end());
    return opened;
}

} // namespace tunnelsim
