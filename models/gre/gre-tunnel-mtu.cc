#include "gre-tunnel-mtu.h"

#include "ipv4-header.h"

namespace tunnelsim
{

size_t
GreOuterPacketSize(size_t innerSize, size_t greHeaderSize, std::optional<GreEspProtection> esp)
{
    if (!esp)
    {
        return kIpv4MinHeaderSize + greHeaderSize + innerSize;
    }
    if (esp->mode == GreEspMode::Transport)
    {
        // RFC 4303 s3.1.1: the ESP header goes after the IPv4 header of the GRE packet, and
        // the ESP payload is the GRE header and the inner packet.
        const size_t espPayload = greHeaderSize + innerSize;
        return kIpv4MinHeaderSize + esp->suite.Overhead(espPayload) + espPayload;
    }
    // RFC 4303 s3.1.2: the whole GRE packet, its IPv4 header included, is the ESP payload
    // behind a new IPv4 header.
    const size_t espPayload = kIpv4MinHeaderSize + greHeaderSize + innerSize;
    return kIpv4MinHeaderSize + esp->suite.Overhead(espPayload) + espPayload;
}

uint16_t
ComputeGreTunnelMtu(uint16_t underlayMtu, size_t greHeaderSize, std::optional<GreEspProtection> esp)
{
    const size_t fixed = GreOuterPacketSize(0, greHeaderSize, std::nullopt);
    if (underlayMtu < fixed)
    {
        return 0;
    }
    // Padding makes the outer size a step function of the inner size, so walk down from
    // the plain-GRE bound until the outer packet fits. The walk is at most one cipher block
    // plus the ESP overhead long.
    size_t inner = underlayMtu - fixed;
    while (GreOuterPacketSize(inner, greHeaderSize, esp) > underlayMtu)
    {
        if (inner == 0)
        {
            return 0;
        }
        --inner;
    }
    return static_cast<uint16_t>(inner);
}

} // namespace tunnelsim
