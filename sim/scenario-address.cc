#include "scenario-address.h"

#include "ipv4-header.h"

#include <charconv>

namespace tunnelsim
{

uint32_t
Ipv4Prefix::Mask() const
{
    // Shifting a 32-bit value by 32 is undefined, so /0 is its own case.
    return length == 0 ? 0 : ~uint32_t{0} << (kIpv4MaxPrefixLength - length);
}

uint32_t
Ipv4Prefix::LastAddress() const
{
    return network | ~Mask();
}

uint64_t
Ipv4Prefix::Size() const
{
    return uint64_t{1} << (kIpv4MaxPrefixLength - length);
}

bool
Ipv4Prefix::Contains(uint32_t address) const
{
    return (address & Mask()) == network;
}

bool
Ipv4Prefix::Overlaps(const Ipv4Prefix& other) const
{
    // Two CIDR blocks either nest or are disjoint, so one must contain the other's start.
    return Contains(other.network) || other.Contains(network);
}

std::string
Ipv4Prefix::ToString() const
{
    return Ipv4ToString(network) + "/" + std::to_string(length);
}

PrefixParseResult
ParseIpv4Prefix(std::string_view text)
{
    PrefixParseResult result;
    size_t slash = text.find('/');
    if (slash == std::string_view::npos)
    {
        result.error = PrefixParseError::Syntax;
        return result;
    }

    std::optional<uint32_t> address = Ipv4FromString(text.substr(0, slash));
    if (!address)
    {
        result.error = PrefixParseError::BadAddress;
        return result;
    }

    std::string_view lengthText = text.substr(slash + 1);
    unsigned length = 0;
    auto [end, ec]
        = std::from_chars(lengthText.data(), lengthText.data() + lengthText.size(), length);
    bool leadingZero = lengthText.size() > 1 && lengthText[0] == '0';
    if (lengthText.empty() || ec != std::errc() || end != lengthText.data() + lengthText.size()
        || leadingZero || length > kIpv4MaxPrefixLength)
    {
        result.error = PrefixParseError::BadLength;
        return result;
    }

    Ipv4Prefix prefix{*address, static_cast<uint8_t>(length)};
    if ((*address & ~prefix.Mask()) != 0)
    {
        result.error = PrefixParseError::HostBitsSet;
        result.suggestion = Ipv4Prefix{*address & prefix.Mask(), prefix.length}.ToString();
        return result;
    }
    result.prefix = prefix;
    return result;
}

uint64_t
UsableHostCount(const Ipv4Prefix& prefix)
{
    if (prefix.length >= kIpv4MaxPrefixLength)
    {
        return 0;
    }
    if (prefix.length == kIpv4MaxPrefixLength - 1)
    {
        return 2;
    }
    return prefix.Size() - 2;
}

uint32_t
LanGatewayAddress(const Ipv4Prefix& prefix)
{
    // A /31 has no network address to skip (RFC 3021 s2.1).
    return prefix.length == kIpv4MaxPrefixLength - 1 ? prefix.network : prefix.network + 1;
}

uint32_t
LanHostAddress(const Ipv4Prefix& prefix, uint32_t index)
{
    return LanGatewayAddress(prefix) + 1 + index;
}

bool
IsUsableHostAddress(const Ipv4Prefix& prefix, uint32_t address)
{
    if (!prefix.Contains(address) || prefix.length >= kIpv4MaxPrefixLength)
    {
        return false;
    }
    if (prefix.length == kIpv4MaxPrefixLength - 1)
    {
        return true;
    }
    return address != prefix.network && address != prefix.LastAddress();
}

std::optional<ReservedIpv4Block>
FindReservedIpv4Block(const Ipv4Prefix& prefix)
{
    // 240.0.0.0/4 includes 255.255.255.255, so the limited broadcast address is caught there;
    // it gets its own entry first to be named in the message.
    static const ReservedIpv4Block kBlocks[] = {
        {{0x00000000, 8}, "\"this network\" (RFC 1122 s3.2.1.3, RFC 6890 s2.2.2)"},
        {{0x7f000000, 8}, "loopback (RFC 1122 s3.2.1.3)"},
        {{0xe0000000, 4}, "multicast (RFC 5771, RFC 1112 s4)"},
        {{0xffffffff, 32}, "limited broadcast (RFC 919 s7, RFC 1122 s3.2.1.3)"},
        {{0xf0000000, 4}, "reserved class E (RFC 1112 s4, RFC 6890 s2.2.2)"},
    };
    for (const ReservedIpv4Block& block : kBlocks)
    {
        if (block.prefix.Overlaps(prefix))
        {
            return block;
        }
    }
    return std::nullopt;
}

} // namespace tunnelsim
