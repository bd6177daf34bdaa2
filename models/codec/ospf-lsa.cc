#include "ospf-lsa.h"

namespace tunnelsim
{

namespace
{

/// Router-LSA body before the links: flags, a zero byte and # links (A.4.2), in bytes.
constexpr size_t kRouterLsaFixedSize = 4;
/// One router-LSA link without TOS entries, in bytes (A.4.2).
constexpr size_t kRouterLinkSize = 12;
/// One TOS entry of a router-LSA link, in bytes (A.4.2).
constexpr size_t kRouterLinkTosSize = 4;
/// The network mask that starts a network-LSA body, in bytes (A.4.3).
constexpr size_t kNetworkLsaFixedSize = 4;
/// Fletcher sums are taken modulo 255 (RFC 905 annex B).
constexpr int kFletcherModulus = 255;

/*
 * Router-LSA body (A.4.2):
 *
 *   |    0    |V|E|B|        0      |            # links            |
 *   |                          Link ID                              |
 *   |                         Link Data                             |
 *   |     Type      |     # TOS     |            metric             |
 *   |      TOS      |        0      |          TOS  metric          |  (# TOS times)
 */
void
EncodeRouterLsaBody(const RouterLsaBody& body, Bytes& out)
{
    out.push_back(body.flags);
    out.push_back(0);
    AppendU16(out, static_cast<uint16_t>(body.links.size()));
    for (const RouterLink& link : body.links)
    {
        AppendU32(out, link.linkId);
        AppendU32(out, link.linkData);
        out.push_back(static_cast<uint8_t>(link.type));
        out.push_back(static_cast<uint8_t>(link.tosMetrics.size()));
        AppendU16(out, link.metric);
        for (const RouterLinkTosMetric& tos : link.tosMetrics)
        {
            out.push_back(tos.tos);
            out.push_back(0);
            AppendU16(out, tos.metric);
        }
    }
}

OspfResult<RouterLsaBody>
DecodeRouterLsaBody(ByteView body)
{
    if (body.size < kRouterLsaFixedSize)
    {
        return OspfDecodeError::BadLsaLength;
    }
    RouterLsaBody decoded;
    decoded.flags = body[0];
    uint16_t linkCount = ReadU16(body.data + 2);
    size_t offset = kRouterLsaFixedSize;
    for (uint16_t i = 0; i < linkCount; ++i)
    {
        if (body.size - offset < kRouterLinkSize)
        {
            return OspfDecodeError::BadLsaLength;
        }
        RouterLink link;
        link.linkId = ReadU32(body.data + offset);
        link.linkData = ReadU32(body.data + offset + 4);
        link.type = static_cast<RouterLinkType>(body[offset + 8]);
        uint8_t tosCount = body[offset + 9];
        link.metric = ReadU16(body.data + offset + 10);
        offset += kRouterLinkSize;
        if (body.size - offset < size_t{tosCount} * kRouterLinkTosSize)
        {
            return OspfDecodeError::BadLsaLength;
        }
        for (uint8_t t = 0; t < tosCount; ++t)
        {
            link.tosMetrics.push_back({body[offset], ReadU16(body.data + offset + 2)});
            offset += kRouterLinkTosSize;
        }
        decoded.links.push_back(std::move(link));
    }
    if (offset != body.size)
    {
        return OspfDecodeError::BadLsaLength;
    }
    return decoded;
}

/*
 * Network-LSA body (A.4.3):
 *
 *   |                         Network Mask                          |
 *   |                        Attached Router                        |  (repeated)
 */
void
EncodeNetworkLsaBody(const NetworkLsaBody& body, Bytes& out)
{
    AppendU32(out, body.networkMask);
    for (uint32_t router : body.attachedRouters)
    {
        AppendU32(out, router);
    }
}

OspfResult<NetworkLsaBody>
DecodeNetworkLsaBody(ByteView body)
{
    if (body.size < kNetworkLsaFixedSize || (body.size - kNetworkLsaFixedSize) % 4 != 0)
    {
        return OspfDecodeError::BadLsaLength;
    }
    NetworkLsaBody decoded;
    decoded.networkMask = ReadU32(body.data);
    for (size_t offset = kNetworkLsaFixedSize; offset < body.size; offset += 4)
    {
        decoded.attachedRouters.push_back(ReadU32(body.data + offset));
    }
    return decoded;
}

/// Fletcher running sums C0 and C1 over @p bytes, modulo 255 (RFC 905 annex B).
std::pair<int, int>
FletcherSums(ByteView bytes)
{
    int c0 = 0;
    int c1 = 0;
    for (uint8_t b : bytes)
    {
        c0 = (c0 + b) % kFletcherModulus;
        c1 = (c1 + c0) % kFletcherModulus;
    }
    return {c0, c1};
}

} // namespace

bool
LsaHeader::operator==(const LsaHeader& other) const
{
    return age == other.age && options == other.options && type == other.type
           && linkStateId == other.linkStateId && advertisingRouter == other.advertisingRouter
           && sequenceNumber == other.sequenceNumber && checksum == other.checksum
           && length == other.length;
}

LsaKey
KeyOf(const LsaHeader& header)
{
    return LsaKey{header.type, header.linkStateId, header.advertisingRouter};
}

bool
RouterLink::operator==(const RouterLink& other) const
{
    return linkId == other.linkId && linkData == other.linkData && type == other.type
           && metric == other.metric && tosMetrics == other.tosMetrics;
}

bool
Lsa::SameContents(const Lsa& other) const
{
    return header.options == other.header.options && header.type == other.header.type
           && header.linkStateId == other.header.linkStateId
           && header.advertisingRouter == other.header.advertisingRouter && body == other.body;
}

uint16_t
ComputeLsaChecksum(ByteView lsa)
{
    if (lsa.size < kLsaHeaderSize)
    {
        return 0;
    }
    Bytes region(lsa.begin() + kLsaChecksumStart, lsa.end());
    const size_t checksumIndex = kLsaChecksumOffset - kLsaChecksumStart;
    region[checksumIndex] = 0;
    region[checksumIndex + 1] = 0;
    auto [c0, c1] = FletcherSums(region);

    // RFC 905 annex B: with n the 1-based position of the first checksum byte and L the
    // length of the checksummed bytes, X = (L - n) * C0 - C1 and Y = C1 - (L - n + 1) * C0,
    // both modulo 255, and a zero result is sent as 255.
    const int afterChecksum = static_cast<int>((region.size() - (checksumIndex + 1)) % 255);
    int x = (afterChecksum * c0 - c1) % kFletcherModulus;
    int y = (c1 - (afterChecksum + 1) * c0) % kFletcherModulus;
    x = x <= 0 ? x + kFletcherModulus : x;
    y = y <= 0 ? y + kFletcherModulus : y;
    return static_cast<uint16_t>((x << 8) | y);
}

bool
VerifyLsaChecksum(ByteView lsa)
{
    if (lsa.size < kLsaHeaderSize)
    {
        return false;
    }
    auto [c0, c1] = FletcherSums(lsa.From(kLsaChecksumStart));
    return c0 == 0 && c1 == 0;
}

void
EncodeLsaHeader(const LsaHeader& header, Bytes& out)
{
    AppendU16(out, header.age);
    out.push_back(header.options);
    out.push_back(header.type);
    AppendU32(out, header.linkStateId);
    AppendU32(out, header.advertisingRouter);
    AppendU32(out, static_cast<uint32_t>(header.sequenceNumber));
    AppendU16(out, header.checksum);
    AppendU16(out, header.length);
}

OspfResult<LsaHeader>
DecodeLsaHeader(ByteView bytes)
{
    if (bytes.size < kLsaHeaderSize)
    {
        return OspfDecodeError::Truncated;
    }
    LsaHeader header;
    header.age = ReadU16(bytes.data);
    header.options = bytes[2];
    header.type = bytes[3];
    header.linkStateId = ReadU32(bytes.data + 4);
    header.advertisingRouter = ReadU32(bytes.data + 8);
    header.sequenceNumber = static_cast<int32_t>(ReadU32(bytes.data + 12));
    header.checksum = ReadU16(bytes.data + 16);
    header.length = ReadU16(bytes.data + 18);
    return header;
}

void
EncodeLsa(const Lsa& lsa, Bytes& out)
{
    const size_t start = out.size();
    LsaHeader header = lsa.header;
    header.checksum = 0;
    header.length = 0;
    if (std::holds_alternative<RouterLsaBody>(lsa.body))
    {
        header.type = static_cast<uint8_t>(LsaType::Router);
    }
    else if (std::holds_alternative<NetworkLsaBody>(lsa.body))
    {
        header.type = static_cast<uint8_t>(LsaType::Network);
    }
    EncodeLsaHeader(header, out);

    if (const auto* router = std::get_if<RouterLsaBody>(&lsa.body))
    {
        EncodeRouterLsaBody(*router, out);
    }
    else if (const auto* network = std::get_if<NetworkLsaBody>(&lsa.body))
    {
        EncodeNetworkLsaBody(*network, out);
    }
    else
    {
        const Bytes& raw = std::get<UnparsedLsaBody>(lsa.body).bytes;
        out.insert(out.end(), raw.begin(), raw.end());
    }

    // NOTE: an LSA longer than 65535 bytes cannot be encoded because its 16-bit length
    // field wraps. A router-LSA reaches that size only with about 5000 links.
    const size_t length = out.size() - start;
    WriteU16(out.data() + start + 18, static_cast<uint16_t>(length));
    ByteView written(out.data() + start, length);
    WriteU16(out.data() + start + kLsaChecksumOffset, ComputeLsaChecksum(written));
}

Bytes
EncodeLsa(const Lsa& lsa)
{
    Bytes out;
    EncodeLsa(lsa, out);
    return out;
}

OspfResult<Lsa>
DecodeLsa(ByteView bytes)
{
    OspfResult<LsaHeader> header = DecodeLsaHeader(bytes);
    if (!header)
    {
        return header.Error();
    }
    const size_t length = header.Value().length;
    if (length < kLsaHeaderSize)
    {
        return OspfDecodeError::BadLsaLength;
    }
    if (length > bytes.size)
    {
        return OspfDecodeError::Truncated;
    }
    ByteView whole = bytes.Sub(0, length);
    if (!VerifyLsaChecksum(whole))
    {
        return OspfDecodeError::BadLsaChecksum;
    }

    Lsa lsa;
    lsa.header = header.Value();
    ByteView body = whole.From(kLsaHeaderSize);
    switch (static_cast<LsaType>(lsa.header.type))
    {
        case LsaType::Router:
        {
            OspfResult<RouterLsaBody> router = DecodeRouterLsaBody(body);
            if (!router)
            {
                return router.Error();
            }
            lsa.body = std::move(router).Value();
            break;
        }
        case LsaType::Network:
        {
            OspfResult<NetworkLsaBody> network = DecodeNetworkLsaBody(body);
            if (!network)
            {
                return network.Error();
            }
            lsa.body = std::move(network).Value();
            break;
        }
        default:
            lsa.body = UnparsedLsaBody{body.ToBytes()};
            break;
    }
    return lsa;
}

} // namespace tunnelsim
