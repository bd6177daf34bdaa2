/*
 * IPv4 prefixes (CIDR, RFC 4632) for scenario files, and the addressing conventions the
 * runner applies to LANs and WAN links. Plain C++: no ns-3 types.
 *
 * Limitations:
 * - IPv4 only.
 * - Prefix text must be "a.b.c.d/n" in dotted decimal without leading zeros.
 */
#ifndef TUNNELSIM_SIM_SCENARIO_ADDRESS_H
#define TUNNELSIM_SIM_SCENARIO_ADDRESS_H

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tunnelsim
{

/// Longest IPv4 prefix length, in bits.
constexpr uint8_t kIpv4MaxPrefixLength = 32;

/** An IPv4 network: address and prefix length. Addresses are in host byte order. */
struct Ipv4Prefix
{
    uint32_t network = 0;
    uint8_t length = 0;

    /// Netmask with the top @c length bits set.
    uint32_t Mask() const;
    /// Last address of the prefix (all host bits set).
    uint32_t LastAddress() const;
    /// Number of addresses covered, 1 to 2^32.
    uint64_t Size() const;
    bool Contains(uint32_t address) const;
    bool Overlaps(const Ipv4Prefix& other) const;
    /// "a.b.c.d/n".
    std::string ToString() const;

    bool operator==(const Ipv4Prefix& other) const
    {
        return network == other.network && length == other.length;
    }

    bool operator!=(const Ipv4Prefix& other) const { return !(*this == other); }
};

/** Reason a prefix string was rejected. */
enum class PrefixParseError : uint8_t
{
    Syntax,      ///< not "address/length"
    BadAddress,  ///< the address part is not a dotted quad
    BadLength,   ///< the length is not an integer in 0..32
    HostBitsSet, ///< the address has bits set beyond the prefix length
};

/** A parsed prefix, or the reason it was rejected. */
struct PrefixParseResult
{
    std::optional<Ipv4Prefix> prefix;
    PrefixParseError error = PrefixParseError::Syntax;
    /// With HostBitsSet: the network address the text should have used, e.g. "10.1.5.0/24".
    std::string suggestion;
};

/** Parse "a.b.c.d/n". Rejects host bits set: "10.1.5.1/24" is an address, not a network. */
PrefixParseResult ParseIpv4Prefix(std::string_view text);

/**
 * Addresses a LAN host can use: the prefix without its network and broadcast addresses
 * (RFC 1122 s3.2.1.3). Both addresses of a /31 are usable (RFC 3021 s2.1), and a /32 has none on
 * a shared segment.
 */
uint64_t UsableHostCount(const Ipv4Prefix& prefix);

/** The first usable address, which the runner gives to the site gateway on every LAN. */
uint32_t LanGatewayAddress(const Ipv4Prefix& prefix);

/** Address of generated LAN host @p index (0-based): the gateway address plus 1 + index. */
uint32_t LanHostAddress(const Ipv4Prefix& prefix, uint32_t index);

/** True if @p address may be given to an interface on @p prefix (see UsableHostCount). */
bool IsUsableHostAddress(const Ipv4Prefix& prefix, uint32_t address);

/** An address block that is not unicast host space, with the RFC that sets it aside. */
struct ReservedIpv4Block
{
    Ipv4Prefix prefix;
    /// Kind of block and its RFC, e.g. "multicast (RFC 5771, RFC 1112 s4)".
    std::string_view description;
};

/**
 * The first block of address space that no LAN or link may use which @p prefix overlaps:
 * "this network" 0.0.0.0/8, loopback 127.0.0.0/8, multicast 224.0.0.0/4, reserved 240.0.0.0/4
 * and limited broadcast 255.255.255.255 (RFC 1122 s3.2.1.3, RFC 5771, RFC 1112 s4,
 * RFC 6890 s2.2.2). nullopt when the whole prefix is unicast host space.
 */
std::optional<ReservedIpv4Block> FindReservedIpv4Block(const Ipv4Prefix& prefix);

} // namespace tunnelsim

#endif
