/*
 * The IPsec mode of an SA (RFC 4301 s4.1). The scenario format (sim/) and the SA model
 * (models/ipsec/) both use this one enum, so a file can include both without a clash.
 *
 * Limitations:
 * - Only the two modes of RFC 4301 s4.1; Linux's BEET mode is not modelled.
 */
#ifndef TUNNELSIM_CODEC_IPSEC_MODE_H
#define TUNNELSIM_CODEC_IPSEC_MODE_H

#include <cstdint>
#include <string_view>

namespace tunnelsim
{

/** IPsec mode (RFC 4301 s4.1). */
enum class IpsecMode : uint8_t
{
    Tunnel,    ///< ESP carries the whole packet under a new outer IPv4 header
    Transport, ///< ESP is inserted after the packet's own IPv4 header
};

/** Stable lowercase name, "tunnel" or "transport"; also the scenario JSON value. */
std::string_view ToString(IpsecMode mode);

} // namespace tunnelsim

#endif
