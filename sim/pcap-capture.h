/*
 * Reading and writing pcap captures with ns-3's ns3::PcapFile, and finding the IPv4
 * datagram inside each frame of the link types tunnelsim decodes.
 *
 * Limitations:
 * - Classic pcap only (microsecond or nanosecond timestamps, either byte order); pcapng
 *   is rejected with a hint to convert it (editcap -F pcap).
 * - A whole capture is read into memory.
 * - Link types: raw IPv4 (101 and 228), Ethernet (1, with at most one 802.1Q tag) and PPP
 *   (9). Frames carrying anything but IPv4 are reported, not decoded.
 */
#ifndef TUNNELSIM_SIM_PCAP_CAPTURE_H
#define TUNNELSIM_SIM_PCAP_CAPTURE_H

#include "bytes.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tunnelsim
{

// Link-layer header types of the pcap file header (tcpdump.org, "Link-layer header types").
/// IEEE 802.3 Ethernet.
constexpr uint32_t kLinkTypeEthernet = 1;
/// PPP (RFC 1661): as ns-3's point-to-point devices write it, only the 2-byte protocol.
constexpr uint32_t kLinkTypePpp = 9;
/// Raw IP, no link header (LINKTYPE_RAW, the value DLT_RAW has in pcap files).
constexpr uint32_t kLinkTypeRaw = 101;
/// Raw IPv4, no link header (LINKTYPE_IPV4).
constexpr uint32_t kLinkTypeIpv4 = 228;

/// Largest record accepted, bytes: MAXIMUM_SNAPLEN of libpcap (pcap-int.h).
constexpr uint32_t kMaxCaptureRecordSize = 262144;

/** One packet record of a capture. */
struct CaptureRecord
{
    uint32_t seconds = 0;
    /// Fraction of the second: microseconds, or nanoseconds in a nanosecond capture.
    uint32_t subseconds = 0;
    uint32_t originalLength = 0; ///< length on the wire, bytes; data may be shorter (snaplen)
    Bytes data;
};

/** A capture read from disk. */
struct Capture
{
    uint32_t linkType = kLinkTypeRaw;
    bool nanosecondTimestamps = false;
    std::vector<CaptureRecord> records;
};

/** Reason a capture could not be read, with the record (1-based, or 0 for the file header). */
struct CaptureError
{
    std::string file;
    uint64_t record = 0;
    uint64_t byteOffset = 0; ///< where the bad record or header starts
    std::string message;

    /// "FILE: message" or "FILE: record N (byte offset M): message".
    std::string ToString() const;
};

/**
 * The records read before the first error, and that error if there was one: an
 * unreadable file, a bad file header, an unsupported link type, or a record cut short.
 */
struct CaptureReadResult
{
    Capture capture;
    std::optional<CaptureError> error;

    bool Ok() const { return !error.has_value(); }
};

/** Read the pcap file at @p path through ns3::PcapFile. */
CaptureReadResult ReadCapture(const std::string& path);

/**
 * Write @p records to @p path through ns3::PcapFile: little-endian, microsecond timestamps,
 * snaplen 65535, time zone 0. Same records, same bytes. ns3::PcapFile takes no original
 * length, so each record's original length is written as its data size. Throws
 * std::runtime_error if the file cannot be written.
 */
void WriteCapture(const std::string& path, uint32_t linkType,
                  const std::vector<CaptureRecord>& records);

/** Short name of a supported link type ("raw-ipv4", "ethernet", "ppp"); empty otherwise. */
std::string_view LinkTypeName(uint32_t linkType);

/** The network-layer part of a frame, or why a frame has no IPv4 datagram. */
struct LinkPayload
{
    ByteView ipv4;      ///< valid when reason is empty; points into the frame
    std::string reason; ///< "truncated" or "not-ipv4 (...)": the frame is not decoded
};

/** Strip the link header of @p frame, captured with @p linkType. */
LinkPayload ExtractIpv4(uint32_t linkType, ByteView frame);

} // namespace tunnelsim

#endif
