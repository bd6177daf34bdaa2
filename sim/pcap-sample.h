/*
 * The sample capture shipped in docs/examples: a few packets built by the codec, so a new
 * user can run `simrun decode` before any simulation exists.
 *
 *   LAN A 10.1.1.0/24                                                      LAN B 10.2.1.0/24
 *   10.1.1.10 --- A 192.0.2.1 ==[GRE 172.16.0.1 <-> 172.16.0.2]== 198.51.100.1 B --- 10.2.1.20
 *                 route-based: GRE over ESP transport mode, AES-GCM-128
 *
 *   LAN C 172.16.10.0/24                                                   LAN D 10.3.1.0/24
 *   172.16.10.5 - C 203.0.113.5 ======[ESP tunnel mode]====== 198.51.100.9 D --- 10.3.1.7
 *                 policy-based: AES-CBC-128 with HMAC-SHA1-96
 *
 * Packets, in order: an OSPF Hello each way inside GRE, then two ICMP echo request and reply
 * pairs between the hosts of LAN A and LAN B inside GRE. Last come one echo request and reply
 * between the hosts of LAN C and LAN D in the policy-based tunnel. Frames are PPP, as ns-3's
 * point-to-point devices write them. Every byte is deterministic: the keys are fixed, GCM
 * IVs come from the sequence counter and CBC IVs from a fixed seed.
 */
#ifndef TUNNELSIM_SIM_PCAP_SAMPLE_H
#define TUNNELSIM_SIM_PCAP_SAMPLE_H

#include "bytes.h"
#include "esp-sa-file.h"
#include "pcap-capture.h"

#include <cstdint>
#include <string>
#include <vector>

namespace tunnelsim
{

/// File name (without extension) of the sample in docs/examples.
constexpr std::string_view kSampleCaptureName = "sample";

/** One packet of the sample, with what went into it. */
struct SamplePacket
{
    std::string description;
    CaptureRecord record; ///< the PPP frame as written
    Bytes outerPacket;    ///< the outer IPv4 datagram (the frame without PPP)
    uint32_t spi = 0;
    uint32_t espSequence = 0;
    uint8_t nextHeader = 0; ///< 47 for GRE (transport mode), 4 for tunnel mode
    Bytes espPayload;       ///< what ESP carried: the GRE packet or the inner datagram
    Bytes innerPacket;      ///< the innermost IPv4 datagram (host or OSPF packet)
};

struct SampleCapture
{
    uint32_t linkType = kLinkTypePpp;
    std::vector<SamplePacket> packets;
    std::vector<EspSaFileEntry> sas; ///< one per SA and direction, with both addresses
};

/** Build the sample. Same bytes on every call. */
SampleCapture BuildSampleCapture();

/** Write the capture and its esp_sa file; throws std::runtime_error on I/O failure. */
void WriteSampleCapture(const SampleCapture& sample, const std::string& capturePath,
                        const std::string& espSaPath);

} // namespace tunnelsim

#endif
