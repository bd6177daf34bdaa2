/*
 * Tunnel MTU: the largest inner IPv4 packet that a GRE tunnel can carry without the
 * gateway fragmenting its own outer (GRE or ESP) packets.
 *
 * Limitations:
 * - IPv4 underlay without IPv4 options: every outer header is 20 bytes.
 * - ESP without UDP encapsulation (no NAT traversal, RFC 3948) and without TFC padding.
 */
#ifndef TUNNELSIM_GRE_TUNNEL_MTU_H
#define TUNNELSIM_GRE_TUNNEL_MTU_H

#include "esp-suite.h"

#include <cstddef>
#include <cstdint>
#include <optional>

namespace tunnelsim
{

/// Smallest MTU every IPv4 link must carry, bytes (RFC 791 s3.2, "68 octets").
constexpr uint16_t kIpv4MinimumMtu = 68;

/** ESP mode that carries the GRE packets of a tunnel (RFC 4301 s4.1). */
enum class GreEspMode : uint8_t
{
    Tunnel,    ///< ESP carries the whole outer GRE packet behind a new IPv4 header
    Transport, ///< ESP sits between the GRE packet's IPv4 header and the GRE header
};

/** ESP protection of a GRE tunnel, for the MTU computation. */
struct GreEspProtection
{
    EspSuite suite;
    GreEspMode mode = GreEspMode::Tunnel;
};

/**
 * Compute the tunnel MTU in bytes: the largest inner packet whose outer packet still fits
 * @p underlayMtu. Plain GRE adds a 20-byte IPv4 header and @p greHeaderSize bytes (4 plus
 * 4 per option, RFC 2784 s2 and RFC 2890 s2). With @p esp, the GRE packet is the ESP
 * payload and ESP adds its header, IV, padding, trailer and ICV (EspSuite::Overhead). Tunnel
 * mode adds one more 20-byte IPv4 header and transport mode does not. Returns 0 when no
 * inner packet of at least one byte fits.
 */
uint16_t ComputeGreTunnelMtu(uint16_t underlayMtu, size_t greHeaderSize,
                             std::optional<GreEspProtection> esp = std::nullopt);

/**
 * Bytes on the underlay for an inner packet of @p innerSize bytes: outer IPv4 header, GRE
 * header, and with @p esp the ESP overhead and (tunnel mode) the extra IPv4 header.
 */
size_t GreOuterPacketSize(size_t innerSize, size_t greHeaderSize,
                          std::optional<GreEspProtection> esp = std::nullopt);

} // namespace tunnelsim

#endif
