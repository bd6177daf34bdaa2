/*
 * IPv4 header (RFC 791 s3.1) encode and decode.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |Version|  IHL  |Type of Service|          Total Length         |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |         Identification        |Flags|      Fragment Offset    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  Time to Live |    Protocol   |         Header Checksum       |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                       Source Address                          |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                    Destination Address                        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                    Options                    |    Padding    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
#ifndef TUNNELSIM_CODEC_IPV4_HEADER_H
#define TUNNELSIM_CODEC_IPV4_HEADER_H

#include "bytes.h"
#include "codec-result.h"

#include <cstdint>

namespace tunnelsim
{

/// Header length without options, in bytes (IHL 5).
constexpr size_t kIpv4MinHeaderSize = 20;
/// Largest header, in bytes (IHL 15).
constexpr size_t kIpv4MaxHeaderSize = 60;

/// IANA protocol numbers used by tunnelsim.
constexpr uint8_t kIpProtocolIcmp = 1;
constexpr uint8_t kIpProtocolIpInIp = 4;
constexpr uint8_t kIpProtocolTcp = 6;
constexpr uint8_t kIpProtocolUdp = 17;
constexpr uint8_t kIpProtocolGre = 47;
constexpr uint8_t kIpProtocolEsp = 50;
constexpr uint8_t kIpProtocolOspf = 89;

struct Ipv4Header
{
    uint8_t tos = 0;
    uint16_t totalLength = 0;    ///< header plus payload, bytes
    uint16_t identification = 0;
    bool dontFragment = false;   ///< DF flag
    bool moreFragments = false;  ///< MF flag
    uint16_t fragmentOffset = 0; ///< in units of 8 bytes, 13 bits
    uint8_t ttl = 64;
    uint8_t protocol = 0;
    uint16_t checksum = 0;       ///< as read by Decode; Encode computes its own
    uint32_t source = 0;         ///< host byte order
    uint32_t destination = 0;    ///< host byte order
    Bytes options;               ///< raw option bytes, a multiple of 4, at most 40

    size_t HeaderSize() const { return kIpv4MinHeaderSize + options.size(); }
};

/**
 * Append the header to @p out with a freshly computed header checksum. totalLength is
 * written as given; the caller sets it to HeaderSize() + payload size.
 */
void EncodeIpv4Header(const Ipv4Header& header, Bytes& out);

/**
 * Decode the header at the start of @p bytes and verify its checksum. Rejects a version
 * other than 4, an IHL below 5, a total length shorter than the header or longer than
 * @p bytes (Truncated), and a bad checksum. Bytes after totalLength (link padding) are
 * ignored; the payload is bytes [HeaderSize(), totalLength).
 */
Result<Ipv4Header> DecodeIpv4Header(ByteView bytes);

/** Format a host-order address as dotted quad. */
std::string Ipv4ToString(uint32_t address);

/** Parse a dotted quad into host order; nullopt if invalid. */
std::optional<uint32_t> Ipv4FromString(std::string_view text);

} // namespace tunnelsim

#endif
