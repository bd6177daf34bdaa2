#include "ipv4-header.h"

#include <charconv>

namespace tunnelsim
{

namespace
{

constexpr uint8_t kIpv4Version = 4;
constexpr uint16_t kFlagDontFragment = 0x4000; ///< RFC 791 s3.1, bit 1 of Flags
constexpr uint16_t kFlagMoreFragments = 0x2000;
constexpr uint16_t kFragmentOffsetMask = 0x1fff;
constexpr size_t kChecksumOffset = 10;

} // namespace

void
EncodeIpv4Header(const Ipv4Header& header, Bytes& out)
{
    const size_t start = out.size();
    const size_t headerSize = header.HeaderSize();
    const uint8_t ihl = static_cast<uint8_t>(headerSize / 4);

    out.push_back(static_cast<uint8_t>((kIpv4Version << 4) | (ihl & 0x0f)));
    out.push_back(header.tos);
    AppendU16(out, header.totalLength);
    AppendU16(out, header.identification);
    uint16_t flagsAndOffset = header.fragmentOffset & kFragmentOffsetMask;
    if (header.dontFragment)
    {
        flagsAndOffset |= kFlagDontFragment;
    }
    if (header.moreFragments)
    {
        flagsAndOffset |= kFlagMoreFragments;
    }
    AppendU16(out, flagsAndOffset);
    out.push_back(header.ttl);
    out.push_back(header.protocol);
    AppendU16(out, 0); // checksum, filled in below
    AppendU32(out, header.source);
    AppendU32(out, header.destination);
    out.insert(out.end(), header.options.begin(), header.options.end());

    // RFC 791 s3.1: the checksum covers the header only, computed with the field zero.
    const uint16_t checksum = InternetChecksum(ByteView(out.data() + start, headerSize));
    WriteU16(out.data() + start + kChecksumOffset, checksum);
}

Result<Ipv4Header>
DecodeIpv4Header(ByteView bytes)
{
    if (bytes.size < kIpv4MinHeaderSize)
    {
        return DecodeError::Truncated;
    }
    if ((bytes[0] >> 4) != kIpv4Version)
    {
        return DecodeError::UnsupportedVersion;
    }
    const size_t headerSize = size_t{bytes[0] & 0x0fu} * 4;
    if (headerSize < kIpv4MinHeaderSize)
    {
        return DecodeError::BadLength;
    }
    if (bytes.size < headerSize)
    {
        return DecodeError::Truncated;
    }
    const uint16_t totalLength = ReadU16(bytes.data + 2);
    if (totalLength < headerSize)
    {
        return DecodeError::BadLength;
    }
    if (totalLength > bytes.size)
    {
        return DecodeError::Truncated;
    }
    if (InternetChecksum(bytes.Sub(0, headerSize)) != 0)
    {
        return DecodeError::BadHeaderChecksum;
    }

    Ipv4Header header;
    header.tos = bytes[1];
    header.totalLength = totalLength;
    header.identification = ReadU16(bytes.data + 4);
    const uint16_t flagsAndOffset = ReadU16(bytes.data + 6);
    header.dontFragment = (flagsAndOffset & kFlagDontFragment) != 0;
    header.moreFragments = (flagsAndOffset & kFlagMoreFragments) != 0;
    header.fragmentOffset = flagsAndOffset & kFragmentOffsetMask;
    header.ttl = bytes[8];
    header.protocol = bytes[9];
    header.checksum = ReadU16(bytes.data + kChecksumOffset);
    header.source = ReadU32(bytes.data + 12);
    header.destination = ReadU32(bytes.data + 16);
    header.options.assign(bytes.begin() + kIpv4MinHeaderSize, bytes.begin() + headerSize);
    return header;
}

std::string
Ipv4ToString(uint32_t address)
{
    std::string out;
    for (int shift = 24; shift >= 0; shift -= 8)
    {
        out += std::to_string((address >> shift) & 0xff);
        if (shift > 0)
        {
            out.push_back('.');
        }
    }
    return out;
}

std::optional<uint32_t>
Ipv4FromString(std::string_view text)
{
    uint32_t address = 0;
    const char* p = text.data();
    const char* end = text.data() + text.size();
    for (int octet = 0; octet < 4; ++octet)
    {
        if (octet > 0)
        {
            if (p == end || *p != '.')
            {
                return std::nullopt;
            }
            ++p;
        }
        // Reject empty octets, signs and leading zeros ("010" is octal to inet_aton).
        if (p == end || *p < '0' || *p > '9'
            || (*p == '0' && p + 1 != end && p[1] >= '0' && p[1] <= '9'))
        {
            return std::nullopt;
        }
        unsigned value = 0;
        auto [next, ec] = std::from_chars(p, end, value);
        if (ec != std::errc() || value > 255)
        {
            return std::nullopt;
        }
        address = (address << 8) | value;
        p = next;
    }
    if (p != end)
    {
        return std::nullopt;
    }
    return address;
}

} // namespace tunnelsim
