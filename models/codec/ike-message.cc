#include "ike-message.h"

#include "ike-crypto.h"

#include <algorithm>

namespace tunnelsim
{

namespace
{

/// Critical bit in the second octet of the generic payload header (RFC 7296 s3.2).
constexpr uint8_t kCriticalBit = 0x80;
/// Substructure "more follow" markers (RFC 7296 s3.3.1 and s3.3.2).
constexpr uint8_t kMoreProposals = 2;
constexpr uint8_t kMoreTransforms = 3;
/// Attribute Format bit: set for TV, clear for TLV (RFC 7296 s3.3.5, RFC 2408 s3.3).
constexpr uint16_t kAttributeFormatTv = 0x8000;
/// Fixed parts of substructures, bytes.
constexpr size_t kProposalFixedSize = 8;  ///< RFC 7296 s3.3.1
constexpr size_t kTransformFixedSize = 8; ///< RFC 7296 s3.3.2, RFC 2408 s3.6
/// IKEv1 SA payload DOI and Situation (RFC 2407 s4.2: IPSEC DOI 1, SIT_IDENTITY_ONLY 1).
constexpr uint32_t kDoiIpsec = 1;
constexpr uint32_t kSituationIdentityOnly = 1;
constexpr size_t kDoiSize = 4;

/// splitmix64 step, for repeatable IV bytes.
uint64_t
NextSplitMix(uint64_t& state)
{
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/// Append the chain of @p payloads, each with its generic header; the last points to none.
void
AppendPayloadChain(const std::vector<IkePayload>& payloads, Bytes& out)
{
    for (size_t i = 0; i < payloads.size(); ++i)
    {
        const IkePayload& payload = payloads[i];
        out.push_back(i + 1 < payloads.size() ? payloads[i + 1].type : kPayloadNone);
        out.push_back(payload.critical ? kCriticalBit : 0);
        AppendU16(out, static_cast<uint16_t>(kGenericPayloadHeaderSize + payload.body.size()));
        out.insert(out.end(), payload.body.begin(), payload.body.end());
    }
}

/** End position of a parsed payload chain. */
struct ChainEnd
{
    size_t offset = 0;                   ///< bytes consumed
    uint8_t skFirstInner = kPayloadNone; ///< Next Payload field of an SK payload
};

/**
 * Walk a chain starting with type @p first. Stops at next payload "none", or (IKEv2) after
 * an SK payload, which it stores last.
 */
Result<ChainEnd>
ParsePayloadChain(ByteView data, uint8_t first, bool stopAtSk, std::vector<IkePayload>& out)
{
    size_t offset = 0;
    uint8_t type = first;
    while (type != kPayloadNone)
    {
        if (data.size - offset < kGenericPayloadHeaderSize)
        {
            return DecodeError::Truncated;
        }
        const uint8_t* header = data.data + offset;
        const uint16_t length = ReadU16(header + 2);
        if (length < kGenericPayloadHeaderSize)
        {
            return DecodeError::BadLength;
        }
        if (length > data.size - offset)
        {
            return DecodeError::Truncated;
        }
        IkePayload payload;
        payload.type = type;
        payload.critical = (header[1] & kCriticalBit) != 0;
        payload.body
            = data.Sub(offset + kGenericPayloadHeaderSize, length - kGenericPayloadHeaderSize)
                  .ToBytes();
        const uint8_t next = header[0];
        offset += length;
        out.push_back(std::move(payload));
        if (stopAtSk && type == kPayloadSk)
        {
            // RFC 7296 s3.14: the SK payload is the last one; its Next Payload field names
            // the first inner payload.
            return ChainEnd{offset, next};
        }
        type = next;
    }
    return ChainEnd{offset, kPayloadNone};
}

void
AppendAttributes(const std::vector<std::pair<uint16_t, uint32_t>>& attributes, Bytes& out)
{
    for (const auto& [type, value] : attributes)
    {
        if (value <= 0xffff)
        {
            AppendU16(out, static_cast<uint16_t>(kAttributeFormatTv | type));
            AppendU16(out, static_cast<uint16_t>(value));
        }
        else
        {
            AppendU16(out, type);
            AppendU16(out, 4);
            AppendU32(out, value);
        }
    }
}

Status
ParseAttributes(ByteView data, std::vector<std::pair<uint16_t, uint32_t>>& out)
{
    size_t offset = 0;
    while (offset < data.size)
    {
        if (data.size - offset < 4)
        {
            return DecodeError::Truncated;
        }
        const uint16_t typeField = ReadU16(data.data + offset);
        const uint16_t lengthOrValue = ReadU16(data.data + offset + 2);
        offset += 4;
        const uint16_t type = typeField & ~kAttributeFormatTv;
        if ((typeField & kAttributeFormatTv) != 0)
        {
            out.emplace_back(type, lengthOrValue);
            continue;
        }
        // TLV values longer than 4 bytes do not occur in the attributes this model reads.
        if (lengthOrValue > 4)
        {
            return DecodeError::BadLength;
        }
        if (data.size - offset < lengthOrValue)
        {
            return DecodeError::Truncated;
        }
        uint32_t value = 0;
        for (size_t i = 0; i < lengthOrValue; ++i)
        {
            value = (value << 8) | data[offset + i];
        }
        out.emplace_back(type, value);
        offset += lengthOrValue;
    }
    return Success{};
}

/// One proposal substructure (IKEv2) or proposal payload (IKEv1) with its transforms.
void
AppendProposal(IkeVersion version, const SaProposal& proposal, bool more, Bytes& out)
{
    const size_t start = out.size();
    out.push_back(more ? (version == IkeVersion::V2 ? kMoreProposals : kPayloadV1Proposal) : 0);
    out.push_back(0);
    AppendU16(out, 0); // length, filled in below
    out.push_back(proposal.number);
    out.push_back(proposal.protocolId);
    out.push_back(static_cast<uint8_t>(proposal.spi.size()));
    out.push_back(static_cast<uint8_t>(proposal.transforms.size()));
    out.insert(out.end(), proposal.spi.begin(), proposal.spi.end());
    for (size_t i = 0; i < proposal.transforms.size(); ++i)
    {
        const SaTransform& transform = proposal.transforms[i];
        const bool moreTransforms = i + 1 < proposal.transforms.size();
        const size_t transformStart = out.size();
        out.push_back(moreTransforms
                          ? (version == IkeVersion::V2 ? kMoreTransforms : kPayloadV1Transform)
                          : 0);
        out.push_back(0);
        AppendU16(out, 0);
        if (version == IkeVersion::V2)
        {
            // RFC 7296 s3.3.2: Transform Type, RESERVED, Transform ID (2 bytes).
            out.push_back(transform.type);
            out.push_back(0);
            AppendU16(out, transform.id);
        }
        else
        {
            // RFC 2408 s3.6: Transform #, Transform-Id (1 byte), RESERVED2 (2 bytes).
            out.push_back(static_cast<uint8_t>(i + 1));
            out.push_back(static_cast<uint8_t>(transform.id));
            AppendU16(out, 0);
        }
        AppendAttributes(transform.attributes, out);
        WriteU16(out.data() + transformStart + 2,
                 static_cast<uint16_t>(out.size() - transformStart));
    }
    WriteU16(out.data() + start + 2, static_cast<uint16_t>(out.size() - start));
}

/// Parse proposals starting at @p data; each announces whether another follows.
Result<std::vector<SaProposal>>
ParseProposals(IkeVersion version, ByteView data)
{
    std::vector<SaProposal> proposals;
    size_t offset = 0;
    bool more = true;
    while (more)
    {
        if (data.size - offset < kProposalFixedSize)
        {
            return DecodeError::Truncated;
        }
        const uint8_t* p = data.data + offset;
        const uint16_t length = ReadU16(p + 2);
        if (length < kProposalFixedSize)
        {
            return DecodeError::BadLength;
        }
        if (length > data.size - offset)
        {
            return DecodeError::Truncated;
        }
        more = p[0] != 0;
        SaProposal proposal;
        proposal.number = p[4];
        proposal.protocolId = p[5];
        const uint8_t spiSize = p[6];
        const uint8_t transformCount = p[7];
        if (kProposalFixedSize + spiSize > length)
        {
            return DecodeError::BadLength;
        }
        proposal.spi = data.Sub(offset + kProposalFixedSize, spiSize).ToBytes();
        const ByteView transforms = data.Sub(offset + kProposalFixedSize + spiSize,
                                             length - kProposalFixedSize - spiSize);
        size_t t = 0;
        for (uint8_t i = 0; i < transformCount; ++i)
        {
            if (transforms.size - t < kTransformFixedSize)
            {
                return DecodeError::Truncated;
            }
            const uint8_t* q = transforms.data + t;
            const uint16_t transformLength = ReadU16(q + 2);
            if (transformLength < kTransformFixedSize)
            {
                return DecodeError::BadLength;
            }
            if (transformLength > transforms.size - t)
            {
                return DecodeError::Truncated;
            }
            SaTransform transform;
            if (version == IkeVersion::V2)
            {
                transform.type = q[4];
                transform.id = ReadU16(q + 6);
            }
            else
            {
                transform.id = q[5];
            }
            auto parsed = ParseAttributes(
                transforms.Sub(t + kTransformFixedSize, transformLength - kTransformFixedSize),
                transform.attributes);
            if (!parsed)
            {
                return parsed.Error();
            }
            proposal.transforms.push_back(std::move(transform));
            t += transformLength;
        }
        if (t != transforms.size)
        {
            return DecodeError::BadLength;
        }
        proposals.push_back(std::move(proposal));
        offset += length;
    }
    if (offset != data.size)
    {
        return DecodeError::BadLength;
    }
    return proposals;
}

Bytes
IcvOver(const IkeProtection& protection, ByteView data)
{
    Bytes icv = ComputePrf(protection.icvDigest, protection.integrityKey, data);
    icv.resize(protection.icvSize);
    return icv;
}

} // namespace

std::string_view
ToString(IkeVersion version)
{
    return version == IkeVersion::V1 ? "ikev1" : "ikev2";
}

std::string_view
ToString(IkeExchange exchange)
{
    switch (exchange)
    {
        case IkeExchange::MainMode:
            return "MAIN_MODE";
        case IkeExchange::Informational1:
            return "INFORMATIONAL_V1";
        case IkeExchange::QuickMode:
            return "QUICK_MODE";
        case IkeExchange::IkeSaInit:
            return "IKE_SA_INIT";
        case IkeExchange::IkeAuth:
            return "IKE_AUTH";
        case IkeExchange::CreateChildSa:
            return "CREATE_CHILD_SA";
        case IkeExchange::Informational:
            return "INFORMATIONAL";
    }
    return "UNKNOWN";
}

bool
IsKnownExchange(uint8_t value)
{
    switch (static_cast<IkeExchange>(value))
    {
        case IkeExchange::MainMode:
        case IkeExchange::Informational1:
        case IkeExchange::QuickMode:
        case IkeExchange::IkeSaInit:
        case IkeExchange::IkeAuth:
        case IkeExchange::CreateChildSa:
        case IkeExchange::Informational:
            return true;
    }
    return false;
}

std::string_view
ToString(NotifyType type)
{
    switch (type)
    {
        case NotifyType::InvalidSyntax:
            return "INVALID_SYNTAX";
        case NotifyType::InvalidMessageId:
            return "INVALID_MESSAGE_ID";
        case NotifyType::NoProposalChosen:
            return "NO_PROPOSAL_CHOSEN";
        case NotifyType::InvalidKePayload:
            return "INVALID_KE_PAYLOAD";
        case NotifyType::InvalidIdInformation:
            return "INVALID_ID_INFORMATION";
        case NotifyType::AuthenticationFailed:
            return "AUTHENTICATION_FAILED";
        case NotifyType::TsUnacceptable:
            return "TS_UNACCEPTABLE";
        case NotifyType::ChildSaNotFound:
            return "CHILD_SA_NOT_FOUND";
        case NotifyType::InitialContact:
            return "INITIAL_CONTACT";
        case NotifyType::AdditionalTsPossible:
            return "ADDITIONAL_TS_POSSIBLE";
        case NotifyType::NatDetectionSourceIp:
            return "NAT_DETECTION_SOURCE_IP";
        case NotifyType::NatDetectionDestinationIp:
            return "NAT_DETECTION_DESTINATION_IP";
        case NotifyType::UseTransportMode:
            return "USE_TRANSPORT_MODE";
        case NotifyType::RekeySa:
            return "REKEY_SA";
        case NotifyType::InitialContactV1:
            return "INITIAL-CONTACT";
        case NotifyType::RUThere:
            return "R_U_THERE";
        case NotifyType::RUThereAck:
            return "R_U_THERE_ACK";
    }
    return "UNKNOWN_NOTIFY";
}

bool
IsErrorNotify(uint16_t type)
{
    return type < static_cast<uint16_t>(NotifyType::InitialContact);
}

IkeVersion
IkeHeader::Version() const
{
    return (version >> 4) == 1 ? IkeVersion::V1 : IkeVersion::V2;
}

const IkePayload*
IkeMessage::Find(uint8_t type) const
{
    for (const IkePayload& payload : payloads)
    {
        if (payload.type == type)
        {
            return &payload;
        }
    }
    return nullptr;
}

std::vector<const IkePayload*>
IkeMessage::FindAll(uint8_t type) const
{
    std::vector<const IkePayload*> found;
    for (const IkePayload& payload : payloads)
    {
        if (payload.type == type)
        {
            found.push_back(&payload);
        }
    }
    return found;
}

IkeProtection
IkeProtection::ForSuite(const IkeSuite& suite, const Bytes& integrityKey)
{
    IkeProtection protection;
    protection.ivSize = suite.IvSize();
    protection.blockSize = suite.BlockSize();
    protection.icvSize = suite.IcvSize();
    protection.icvDigest
        = suite.integrity == IkeIntegrity::HmacSha1_96 ? IkePrf::HmacSha1 : IkePrf::HmacSha256;
    protection.integrityKey = integrityKey;
    return protection;
}

Bytes
EncodeIkeMessage(const IkeMessage& message, const IkeProtection* protection)
{
    const IkeVersion version = message.header.Version();
    const bool sk = message.encrypted && version == IkeVersion::V2;
    const IkeProtection framing = protection ? *protection : IkeProtection{};

    Bytes body;
    if (sk)
    {
        // RFC 7296 s3.14: IV | inner payloads | padding | pad length | ICV.
        Bytes inner;
        AppendPayloadChain(message.payloads, inner);
        const size_t block = std::max<size_t>(framing.blockSize, 1);
        const size_t padLength = (block - (inner.size() + 1) % block) % block;
        body.push_back(message.payloads.empty() ? kPayloadNone : message.payloads.front().type);
        body.push_back(0);
        const size_t skLength = kGenericPayloadHeaderSize + framing.ivSize + inner.size()
                                + padLength + 1 + framing.icvSize;
        AppendU16(body, static_cast<uint16_t>(skLength));
        uint64_t ivState = framing.ivSeed ^ message.header.messageId;
        for (size_t i = 0; i < framing.ivSize; ++i)
        {
            body.push_back(static_cast<uint8_t>(NextSplitMix(ivState)));
        }
        body.insert(body.end(), inner.begin(), inner.end());
        body.insert(body.end(), padLength, 0);
        body.push_back(static_cast<uint8_t>(padLength));
        body.insert(body.end(), framing.icvSize, 0); // ICV, computed below
    }
    else
    {
        AppendPayloadChain(message.payloads, body);
        if (message.encrypted)
        {
            // RFC 2409 Appendix B: IKEv1 pads the encrypted body to the cipher block.
            const size_t block = std::max<size_t>(framing.blockSize, 1);
            body.insert(body.end(), (block - body.size() % block) % block, 0);
        }
    }

    IkeHeader header = message.header;
    header.length = static_cast<uint32_t>(kIkeHeaderSize + body.size());
    if (sk)
    {
        header.nextPayload = kPayloadSk;
    }
    else
    {
        header.nextPayload
            = message.payloads.empty() ? kPayloadNone : message.payloads.front().type;
    }
    if (version == IkeVersion::V1)
    {
        header.flags = static_cast<uint8_t>(message.encrypted ? (header.flags | kFlagEncryption)
                                                              : (header.flags & ~kFlagEncryption));
    }

    Bytes out;
    out.reserve(header.length);
    AppendU64(out, header.initiatorSpi);
    AppendU64(out, header.responderSpi);
    out.push_back(header.nextPayload);
    out.push_back(header.version);
    out.push_back(header.exchangeType);
    out.push_back(header.flags);
    AppendU32(out, header.messageId);
    AppendU32(out, header.length);
    out.insert(out.end(), body.begin(), body.end());

    if (sk && framing.icvSize > 0)
    {
        // RFC 7296 s3.14: the checksum covers the message from the IKE header to the pad
        // length octet.
        const size_t covered = out.size() - framing.icvSize;
        const Bytes icv = IcvOver(framing, ByteView(out.data(), covered));
        std::copy(icv.begin(), icv.end(), out.begin() + covered);
    }
    return out;
}

Result<IkeHeader>
DecodeIkeHeader(ByteView bytes)
{
    if (bytes.size < kIkeHeaderSize)
    {
        return DecodeError::Truncated;
    }
    IkeHeader header;
    header.initiatorSpi = ReadU64(bytes.data);
    header.responderSpi = ReadU64(bytes.data + 8);
    header.nextPayload = bytes[16];
    header.version = bytes[17];
    header.exchangeType = bytes[18];
    header.flags = bytes[19];
    header.messageId = ReadU32(bytes.data + 20);
    header.length = ReadU32(bytes.data + 24);
    const uint8_t major = header.version >> 4;
    if (major != 1 && major != 2)
    {
        return DecodeError::UnsupportedVersion;
    }
    if (header.length < kIkeHeaderSize || header.length < bytes.size)
    {
        return DecodeError::BadLength;
    }
    if (header.length > bytes.size)
    {
        return DecodeError::Truncated;
    }
    return header;
}

Result<IkeMessage>
DecodeIkeMessage(ByteView bytes, const IkeProtection* protection)
{
    auto header = DecodeIkeHeader(bytes);
    if (!header)
    {
        return header.Error();
    }
    IkeMessage message;
    message.header = header.Value();
    const IkeVersion version = message.header.Version();
    const ByteView body = bytes.From(kIkeHeaderSize);

    std::vector<IkePayload> outer;
    auto parsed
        = ParsePayloadChain(body, message.header.nextPayload, version == IkeVersion::V2, outer);
    if (!parsed)
    {
        return parsed.Error();
    }

    if (version == IkeVersion::V1)
    {
        message.encrypted = (message.header.flags & kFlagEncryption) != 0;
        // Only an encrypted body may end in padding (RFC 2409 Appendix B).
        if (!message.encrypted && parsed.Value().offset != body.size)
        {
            return DecodeError::BadLength;
        }
        message.payloads = std::move(outer);
        return message;
    }

    if (parsed.Value().offset != body.size)
    {
        return DecodeError::BadLength;
    }
    if (outer.empty() || outer.back().type != kPayloadSk)
    {
        message.payloads = std::move(outer);
        return message;
    }

    // An SK payload ends the message and needs the suite's framing to open.
    if (!protection)
    {
        return DecodeError::UnknownSpi;
    }
    const Bytes sk = std::move(outer.back().body);
    outer.pop_back();
    const uint8_t firstInner = parsed.Value().skFirstInner;
    const ByteView skBody(sk);
    if (skBody.size < protection->ivSize + 1 + protection->icvSize)
    {
        return DecodeError::Truncated;
    }
    const size_t covered = bytes.size - protection->icvSize;
    if (protection->icvSize > 0)
    {
        const Bytes expected = IcvOver(*protection, bytes.Sub(0, covered));
        if (!std::equal(expected.begin(), expected.end(), bytes.data + covered))
        {
            return DecodeError::BadIcv;
        }
    }
    const ByteView plain
        = skBody.Sub(protection->ivSize, skBody.size - protection->ivSize - protection->icvSize);
    const uint8_t padLength = plain[plain.size - 1];
    if (size_t{padLength} + 1 > plain.size)
    {
        return DecodeError::BadPadLength;
    }
    const ByteView inner = plain.Sub(0, plain.size - padLength - 1);
    std::vector<IkePayload> innerPayloads;
    auto innerParsed = ParsePayloadChain(inner, firstInner, false, innerPayloads);
    if (!innerParsed)
    {
        return innerParsed.Error();
    }
    if (innerParsed.Value().offset != inner.size)
    {
        return DecodeError::BadLength;
    }
    message.encrypted = true;
    message.payloads = std::move(outer);
    message.payloads.insert(message.payloads.end(), innerPayloads.begin(), innerPayloads.end());
    return message;
}

Bytes
EncodeSaPayload(IkeVersion version, const std::vector<SaProposal>& proposals)
{
    Bytes out;
    if (version == IkeVersion::V1)
    {
        AppendU32(out, kDoiIpsec);
        AppendU32(out, kSituationIdentityOnly);
    }
    for (size_t i = 0; i < proposals.size(); ++i)
    {
        AppendProposal(version, proposals[i], i + 1 < proposals.size(), out);
    }
    return out;
}

Result<std::vector<SaProposal>>
DecodeSaPayload(IkeVersion version, ByteView body)
{
    if (version == IkeVersion::V1)
    {
        if (body.size < 2 * kDoiSize)
        {
            return DecodeError::Truncated;
        }
        if (ReadU32(body.data) != kDoiIpsec)
        {
            return DecodeError::UnsupportedVersion;
        }
        body = body.From(2 * kDoiSize);
    }
    if (body.empty())
    {
        return DecodeError::Truncated;
    }
    return ParseProposals(version, body);
}

Bytes
EncodeKePayload(IkeVersion version, DhGroup group, ByteView keyExchangeData)
{
    Bytes out;
    if (version == IkeVersion::V2)
    {
        AppendU16(out, static_cast<uint16_t>(group));
        AppendU16(out, 0);
    }
    out.insert(out.end(), keyExchangeData.begin(), keyExchangeData.end());
    return out;
}

Result<KePayload>
DecodeKePayload(IkeVersion version, ByteView body)
{
    KePayload ke;
    if (version == IkeVersion::V2)
    {
        if (body.size < 4)
        {
            return DecodeError::Truncated;
        }
        ke.group = static_cast<DhGroup>(ReadU16(body.data));
        body = body.From(4);
    }
    ke.data = body.ToBytes();
    return ke;
}

Bytes
EncodeIdPayload(IkeVersion version, const IdPayload& id)
{
    Bytes out;
    out.push_back(id.type);
    if (version == IkeVersion::V2)
    {
        out.insert(out.end(), 3, 0);
    }
    else
    {
        out.push_back(id.protocol);
        AppendU16(out, id.port);
    }
    out.insert(out.end(), id.data.begin(), id.data.end());
    return out;
}

Result<IdPayload>
DecodeIdPayload(IkeVersion version, ByteView body)
{
    if (body.size < 4)
    {
        return DecodeError::Truncated;
    }
    IdPayload id;
    id.type = body[0];
    if (version == IkeVersion::V1)
    {
        id.protocol = body[1];
        id.port = ReadU16(body.data + 2);
    }
    id.data = body.From(4).ToBytes();
    return id;
}

IdPayload
SelectorToIdPayload(const TrafficSelector& selector)
{
    IdPayload id;
    id.protocol = selector.ipProtocol;
    id.port = selector.startPort == selector.endPort ? selector.startPort : 0;
    const auto prefix = selector.PrefixLength();
    if (prefix && *prefix == 32)
    {
        id.type = kIdIpv4Address;
        AppendU32(id.data, selector.startAddress);
    }
    else if (prefix)
    {
        id.type = kIdIpv4AddressSubnet;
        AppendU32(id.data, selector.startAddress);
        AppendU32(id.data, *prefix == 0 ? 0 : ~uint32_t{0} << (32 - *prefix));
    }
    else
    {
        id.type = kIdIpv4AddressRange;
        AppendU32(id.data, selector.startAddress);
        AppendU32(id.data, selector.endAddress);
    }
    return id;
}

std::optional<TrafficSelector>
IdPayloadToSelector(const IdPayload& id)
{
    TrafficSelector selector;
    selector.ipProtocol = id.protocol;
    if (id.port != 0)
    {
        selector.startPort = id.port;
        selector.endPort = id.port;
    }
    if (id.type == kIdIpv4Address && id.data.size() == 4)
    {
        selector.startAddress = ReadU32(id.data.data());
        selector.endAddress = selector.startAddress;
    }
    else if (id.type == kIdIpv4AddressSubnet && id.data.size() == 8)
    {
        const uint32_t mask = ReadU32(id.data.data() + 4);
        // A subnet mask is contiguous ones (RFC 2407 s4.6.2.5); reject anything else.
        if (((~mask + 1) & ~mask) != 0)
        {
            return std::nullopt;
        }
        selector.startAddress = ReadU32(id.data.data()) & mask;
        selector.endAddress = selector.startAddress | ~mask;
    }
    else if (id.type == kIdIpv4AddressRange && id.data.size() == 8)
    {
        selector.startAddress = ReadU32(id.data.data());
        selector.endAddress = ReadU32(id.data.data() + 4);
    }
    else
    {
        return std::nullopt;
    }
    if (!selector.IsValid())
    {
        return std::nullopt;
    }
    return selector;
}

Bytes
EncodeAuthPayload(uint8_t method, ByteView data)
{
    // RFC 7296 s3.8: Auth Method, three RESERVED octets, Authentication Data.
    Bytes out;
    out.reserve(4 + data.size);
    out.push_back(method);
    out.resize(4, 0);
    out.insert(out.end(), data.begin(), data.end());
    return out;
}

Result<AuthPayload>
DecodeAuthPayload(ByteView body)
{
    if (body.size < 4)
    {
        return DecodeError::Truncated;
    }
    return AuthPayload{body[0], body.From(4).ToBytes()};
}

Bytes
EncodeNotifyPayload(IkeVersion version, const NotifyPayload& notify)
{
    Bytes out;
    if (version == IkeVersion::V1)
    {
        AppendU32(out, kDoiIpsec);
    }
    out.push_back(notify.protocolId);
    out.push_back(static_cast<uint8_t>(notify.spi.size()));
    AppendU16(out, notify.type);
    out.insert(out.end(), notify.spi.begin(), notify.spi.end());
    out.insert(out.end(), notify.data.begin(), notify.data.end());
    return out;
}

Result<NotifyPayload>
DecodeNotifyPayload(IkeVersion version, ByteView body)
{
    const size_t doi = version == IkeVersion::V1 ? kDoiSize : 0;
    if (body.size < doi + 4)
    {
        return DecodeError::Truncated;
    }
    NotifyPayload notify;
    notify.protocolId = body[doi];
    const uint8_t spiSize = body[doi + 1];
    notify.type = ReadU16(body.data + doi + 2);
    if (body.size < doi + 4 + spiSize)
    {
        return DecodeError::Truncated;
    }
    notify.spi = body.Sub(doi + 4, spiSize).ToBytes();
    notify.data = body.From(doi + 4 + spiSize).ToBytes();
    return notify;
}

Bytes
EncodeDeletePayload(IkeVersion version, const DeletePayload& deletion)
{
    Bytes out;
    if (version == IkeVersion::V1)
    {
        AppendU32(out, kDoiIpsec);
    }
    out.push_back(deletion.protocolId);
    out.push_back(deletion.spiSize);
    AppendU16(out, static_cast<uint16_t>(deletion.spis.size()));
    for (const Bytes& spi : deletion.spis)
    {
        out.insert(out.end(), spi.begin(), spi.end());
    }
    return out;
}

Result<DeletePayload>
DecodeDeletePayload(IkeVersion version, ByteView body)
{
    const size_t doi = version == IkeVersion::V1 ? kDoiSize : 0;
    if (body.size < doi + 4)
    {
        return DecodeError::Truncated;
    }
    DeletePayload deletion;
    deletion.protocolId = body[doi];
    deletion.spiSize = body[doi + 1];
    const uint16_t count = ReadU16(body.data + doi + 2);
    if (body.size != doi + 4 + size_t{count} * deletion.spiSize)
    {
        return DecodeError::BadLength;
    }
    for (uint16_t i = 0; i < count; ++i)
    {
        deletion.spis.push_back(
            body.Sub(doi + 4 + size_t{i} * deletion.spiSize, deletion.spiSize).ToBytes());
    }
    return deletion;
}

Bytes
EncodeTsPayload(const std::vector<TrafficSelector>& selectors)
{
    Bytes out;
    out.push_back(static_cast<uint8_t>(selectors.size()));
    out.insert(out.end(), 3, 0);
    for (const TrafficSelector& selector : selectors)
    {
        out.push_back(kTsIpv4AddressRange);
        out.push_back(selector.ipProtocol);
        AppendU16(out, static_cast<uint16_t>(kTsIpv4Size));
        AppendU16(out, selector.startPort);
        AppendU16(out, selector.endPort);
        AppendU32(out, selector.startAddress);
        AppendU32(out, selector.endAddress);
    }
    return out;
}

Result<std::vector<TrafficSelector>>
DecodeTsPayload(ByteView body)
{
    if (body.size < 4)
    {
        return DecodeError::Truncated;
    }
    const uint8_t count = body[0];
    std::vector<TrafficSelector> selectors;
    size_t offset = 4;
    for (uint8_t i = 0; i < count; ++i)
    {
        if (body.size - offset < 4)
        {
            return DecodeError::Truncated;
        }
        const uint8_t type = body[offset];
        const uint16_t length = ReadU16(body.data + offset + 2);
        if (length < 4)
        {
            return DecodeError::BadLength;
        }
        if (length > body.size - offset)
        {
            return DecodeError::Truncated;
        }
        // Other TS types (IPv6, RFC 7296 s3.13.1) are skipped: this model is IPv4 only.
        if (type == kTsIpv4AddressRange)
        {
            if (length != kTsIpv4Size)
            {
                return DecodeError::BadLength;
            }
            const uint8_t* p = body.data + offset;
            TrafficSelector selector;
            selector.ipProtocol = p[1];
            selector.startPort = ReadU16(p + 4);
            selector.endPort = ReadU16(p + 6);
            selector.startAddress = ReadU32(p + 8);
            selector.endAddress = ReadU32(p + 12);
            if (!selector.IsValid())
            {
                return DecodeError::BadLength;
            }
            selectors.push_back(selector);
        }
        offset += length;
    }
    if (offset != body.size)
    {
        return DecodeError::BadLength;
    }
    return selectors;
}

Bytes
EncodeSelectorRejection(const SelectorRejection& rejection)
{
    Bytes out;
    out.push_back(static_cast<uint8_t>(rejection.rule));
    const size_t count = std::min<size_t>(rejection.closest.size(), 255);
    out.push_back(static_cast<uint8_t>(count));
    for (size_t i = 0; i < count; ++i)
    {
        // Each pair as a one-selector TS payload body without its 4-byte count header.
        for (const TrafficSelector& selector :
             {rejection.closest[i].local, rejection.closest[i].remote})
        {
            const Bytes ts = EncodeTsPayload({selector});
            out.insert(out.end(), ts.begin() + 4, ts.end());
        }
    }
    return out;
}

Result<SelectorRejection>
DecodeSelectorRejection(ByteView data)
{
    if (data.size < 2)
    {
        return DecodeError::Truncated;
    }
    if (data[0] > static_cast<uint8_t>(SelectorRule::NoIntersection))
    {
        return DecodeError::BadLength;
    }
    SelectorRejection rejection;
    rejection.rule = static_cast<SelectorRule>(data[0]);
    const size_t count = data[1];
    if (data.size != 2 + count * 2 * kTsIpv4Size)
    {
        return DecodeError::BadLength;
    }
    for (size_t i = 0; i < count; ++i)
    {
        // Rebuild a TS payload body around the two substructures and reuse its parser.
        Bytes body{2, 0, 0, 0};
        const ByteView pair = data.Sub(2 + i * 2 * kTsIpv4Size, 2 * kTsIpv4Size);
        body.insert(body.end(), pair.begin(), pair.end());
        auto selectors = DecodeTsPayload(body);
        if (!selectors)
        {
            return selectors.Error();
        }
        rejection.closest.push_back(SelectorPair{selectors.Value()[0], selectors.Value()[1]});
    }
    return rejection;
}

Bytes
SpiBytes(uint32_t spi)
{
    Bytes out;
    AppendU32(out, spi);
    return out;
}

std::optional<uint32_t>
SpiFromBytes(ByteView bytes)
{
    if (bytes.size != 4)
    {
        return std::nullopt;
    }
    return ReadU32(bytes.data);
}

} // namespace tunnelsim
