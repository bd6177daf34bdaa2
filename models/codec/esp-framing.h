/*
 * ESP tunnel and transport mode framing of whole IPv4 packets (RFC 4303 s3.1), around
 * EspEncoder and EspDecoder.
 *
 * Tunnel mode (RFC 4303 s3.1.2): a new outer header carries protocol 50, and ESP carries
 * the whole inner packet with Next Header 4.
 *
 *   [outer IPv4, proto 50][ESP hdr, IV][inner IPv4 header + payload][pad, trailer][ICV]
 *
 * Transport mode (RFC 4303 s3.1.1): the original header stays in front with protocol 50
 * and a new total length and checksum; ESP carries the original payload with Next Header
 * set to the original protocol.
 *
 *   [orig IPv4 (+options), proto 50][ESP hdr, IV][orig payload][pad, trailer][ICV]
 *
 * Limitations:
 * - IPv4 only: no IPv6 (RFC 4303 s3.1 covers both).
 * - MakeEspTunnelOuterHeader copies the whole TOS byte (DSCP and ECN) and DF to the outer
 *   header. RFC 4301 s5.1.2.1 makes both configurable, so a caller that wants otherwise
 *   edits the header before EncapsulateEspTunnel.
 * - Decapsulation does not apply RFC 6040's ECN rule to the inner header.
 * - Fragments reaching decapsulation are rejected: reassembly happens before ESP.
 */
#ifndef TUNNELSIM_CODEC_ESP_FRAMING_H
#define TUNNELSIM_CODEC_ESP_FRAMING_H

#include "bytes.h"
#include "codec-result.h"
#include "esp-sa.h"
#include "ipv4-header.h"

#include <cstdint>

namespace tunnelsim
{

/// TTL of a tunnel-mode outer header (RFC 4301 s5.1.2.1 leaves it to the implementation;
/// 64 is the common default of Linux and the BSDs).
constexpr uint8_t kEspTunnelTtl = 64;

/** Headers and ESP fields found by decapsulation, besides the packet it returns. */
struct EspDecapsulated
{
    Ipv4Header outer; ///< the header in front of ESP, as received
    EspOpened esp;
};

/**
 * Build the outer header of a tunnel-mode packet for @p inner (RFC 4301 s5.1.2.1): the TOS
 * byte and DF copied from @p inner, TTL kEspTunnelTtl, protocol 50, identification 0.
 * EncapsulateEspTunnel fills in the total length.
 */
Ipv4Header MakeEspTunnelOuterHeader(const Ipv4Header& inner, uint32_t source, uint32_t destination);

/**
 * Append a tunnel-mode packet to @p out: @p outer with protocol 50, no fragment fields and
 * the total length set here, then ESP over @p innerPacket with Next Header 4. The inner
 * packet must decode as IPv4 (its error is returned otherwise); BadLength when the result
 * would exceed 65535 bytes. @p out is unchanged on error.
 */
Status EncapsulateEspTunnel(EspEncoder& encoder, const Ipv4Header& outer, ByteView innerPacket,
                            Bytes& out);

/**
 * Open a tunnel-mode packet: decode the outer header, open the ESP payload and write the
 * decrypted payload to @p inner. That is the inner packet when esp.nextHeader is 4; other
 * values (59 for a dummy packet, RFC 4303 s2.6) are the caller's to handle, and the inner
 * packet is not decoded here.
 */
Result<EspDecapsulated> DecapsulateEspTunnel(EspDecoder& decoder, ByteView packet, Bytes& inner);

/**
 * Append the transport-mode form of @p packet (a whole, unfragmented IPv4 datagram) to
 * @p out: same header and options with protocol 50, new total length and checksum, then
 * ESP over the payload with Next Header = the original protocol. @p out is unchanged on
 * error.
 */
Status EncapsulateEspTransport(EspEncoder& encoder, ByteView packet, Bytes& out);

/**
 * Open a transport-mode packet and rebuild the original datagram in @p original: the
 * received header with protocol = Next Header and the total length and checksum of the
 * rebuilt packet.
 */
Result<EspDecapsulated> DecapsulateEspTransport(EspDecoder& decoder, ByteView packet,
                                                Bytes& original);

} // namespace tunnelsim

#endif
