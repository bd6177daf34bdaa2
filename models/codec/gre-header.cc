#include "gre-header.h"

namespace tunnelsim
{

namespace
{

// Bits of the first 16-bit word, numbered as in the RFC 2784 s2 diagram (bit 0 is the
// most significant bit).
/// C: Checksum Present (RFC 2784 s2.2).
constexpr uint16_t kGreFlagChecksum = 0x8000;
/// Bit 1: Routing Present in RFC 1701, part of Reserved0 in RFC 2784 s2.3.
constexpr uint16_t kGreFlagRouting = 0x4000;
/// K: Key Present (RFC 2890 s2).
constexpr uint16_t kGreFlagKey = 0x2000;
/// S: Sequence Number Present (RFC 2890 s2).
constexpr uint16_t kGreFlagSequence = 0x1000;
/// Bits 4-12: the rest of Reserved0 (RFC 2784 s2.3; RFC 1701 put strict source route,
/// recursion control and flags here).
constexpr uint16_t kGreReserved0Rest = 0x0ff8;
/// Bits 13-15: Version (RFC 2784 s2.3.1).
constexpr uint16_t kGreVersionMask = 0x0007;
/// The only version RFC 2784 s2.3.1 allows.
constexpr uint16_t kGreVersion = 0;
/// Size in bytes of each optional field (checksum + Reserved1, key, sequence number).
constexpr size_t kGreOptionSize = 4;

} // namespace

// RFC 2784 s2 and RFC 2890 s2: the optional fields follow the base header in the order
// checksum + Reserved1, key, sequence number.
void
EncodeGre(const GreHeader& header, ByteView payload, Bytes& out)
{
    const size_t start = out.size();

    uint16_t flags = kGreVersion;
    if (header.checksumPresent)
    {
        flags |= kGreFlagChecksum;
    }
    if (header.keyPresent)
    {
        flags |= kGreFlagKey;
    }
    if (header.sequencePresent)
    {
        flags |= kGreFlagSequence;
    }
    AppendU16(out, flags);
    AppendU16(out, header.protocolType);

    size_t checksumOffset = 0;
    if (header.checksumPresent)
    {
        checksumOffset = out.size();
        // Checksum 0 while summing (RFC 2784 s2.5); Reserved1 is sent as zero (s2.5.1).
        AppendU32(out, 0);
    }
    if (header.keyPresent)
    {
        AppendU32(out, header.key);
    }
    if (header.sequencePresent)
    {
        AppendU32(out, header.sequence);
    }
    out.insert(out.end(), payload.begin(), payload.end());

    if (header.checksumPresent)
    {
        // RFC 2784 s2.5: the checksum covers the GRE header and the payload.
        const ByteView packet(out.data() + start, out.size() - start);
        WriteU16(out.data() + checksumOffset, InternetChecksum(packet));
    }
}

Result<GreDecoded>
DecodeGre(ByteView bytes)
{
    if (bytes.size < kGreBaseHeaderSize)
    {
        return DecodeError::Truncated;
    }
    const uint16_t flags = ReadU16(bytes.data);

    // RFC 2784 s2.3.1: the Version field must be 0 (1 is PPTP's enhanced GRE).
    if ((flags & kGreVersionMask) != kGreVersion)
    {
        return DecodeError::UnsupportedVersion;
    }
    // RFC 2784 s2.3: receivers that do not implement RFC 1701 must discard packets with any
    // of bits 1-5 set. RFC 2890 takes bits 2 and 3 for K and S. Bits 6-12 may be ignored
    // on receipt by the RFC; tunnelsim rejects them as well, so no option it cannot parse
    // passes silently.
    if ((flags & (kGreFlagRouting | kGreReserved0Rest)) != 0)
    {
        return DecodeError::ReservedBitsSet;
    }

    GreDecoded decoded;
    GreHeader& header = decoded.header;
    header.checksumPresent = (flags & kGreFlagChecksum) != 0;
    header.keyPresent = (flags & kGreFlagKey) != 0;
    header.sequencePresent = (flags & kGreFlagSequence) != 0;
    header.protocolType = ReadU16(bytes.data + 2);
    const size_t headerSize = header.HeaderSize();
    if (bytes.size < headerSize)
    {
        return DecodeError::Truncated;
    }

    size_t offset = kGreBaseHeaderSize;
    if (header.checksumPresent)
    {
        header.checksum = ReadU16(bytes.data + offset);
        // Reserved1 is not checked: RFC 2784 s2.5.1 only requires senders to zero it.
        // A correct checksum makes the sum over header and payload come out as zero.
        if (InternetChecksum(bytes) != 0)
        {
            return DecodeError::BadHeaderChecksum;
        }
        offset += kGreOptionSize;
    }
    if (header.keyPresent)
    {
        header.key = ReadU32(bytes.data + offset);
        offset += kGreOptionSize;
    }
    if (header.sequencePresent)
    {
        header.sequence = ReadU32(bytes.data + offset);
        offset += kGreOptionSize;
    }
    decoded.payload = bytes.From(offset);
    return decoded;
}

} // namespace tunnelsim
