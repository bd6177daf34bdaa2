#include "pcap-capture.h"

#include <array>
#include <filesystem>
#include <fstream>
#include <ns3/pcap-file.h>
#include <stdexcept>

namespace tunnelsim
{

namespace
{

// Classic pcap as libpcap writes it: a 24-byte file header, then per packet a 16-byte
// record header and the captured bytes.
constexpr uint64_t kPcapFileHeaderSize = 24;
constexpr uint64_t kPcapRecordHeaderSize = 16;
/// Magic numbers as the first 4 bytes appear on disk, read big-endian.
constexpr uint32_t kPcapMagicMicroBig = 0xa1b2c3d4;
constexpr uint32_t kPcapMagicMicroLittle = 0xd4c3b2a1;
constexpr uint32_t kPcapMagicNanoBig = 0xa1b23c4d;
constexpr uint32_t kPcapMagicNanoLittle = 0x4d3cb2a1;
/// First 4 bytes of a pcapng file: the block type of its Section Header Block.
constexpr uint32_t kPcapngMagic = 0x0a0d0d0a;
/// Snapshot length written into our own captures, bytes (ns-3's default).
constexpr uint32_t kWriteSnapLength = 65535;

// Link headers.
/// Ethernet header without a tag, bytes (IEEE 802.3): destination, source, EtherType.
constexpr size_t kEthernetHeaderSize = 14;
constexpr size_t kEthernetTypeOffset = 12;
/// Size of an IEEE 802.1Q tag, bytes.
constexpr size_t kVlanTagSize = 4;
constexpr uint16_t kEtherTypeIpv4 = 0x0800;
constexpr uint16_t kEtherTypeVlan = 0x8100;
/// PPP in HDLC-like framing starts with address 0xff and control 0x03 (RFC 1662 s3.1);
/// ns-3's PppHeader leaves both out.
constexpr uint8_t kPppAddress = 0xff;
constexpr uint8_t kPppControl = 0x03;
/// PPP protocol field size and the value for IPv4 (RFC 1661 s2, RFC 1332 s2).
constexpr size_t kPppProtocolSize = 2;
constexpr uint16_t kPppProtocolIpv4 = 0x0021;
/// Version nibble of an IPv4 header (RFC 791 s3.1).
constexpr uint8_t kIpVersion4 = 4;

std::string
Hex16(uint16_t value)
{
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out = "0x";
    for (int shift = 12; shift >= 0; shift -= 4)
    {
        out.push_back(kDigits[(value >> shift) & 0xf]);
    }
    return out;
}

CaptureReadResult
FileError(const std::string& path, std::string message)
{
    CaptureReadResult result;
    result.error = CaptureError{path, 0, 0, std::move(message)};
    return result;
}

/// Check the file exists and starts with a classic pcap magic number.
std::optional<std::string>
CheckFileHeader(const std::string& path, uint64_t& fileSize)
{
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
    {
        return "capture file not found";
    }
    if (!std::filesystem::is_regular_file(path, ec))
    {
        return "capture path is not a regular file";
    }
    fileSize = std::filesystem::file_size(path, ec);
    if (ec)
    {
        return "failed to read the capture file: " + ec.message();
    }
    std::ifstream in(path, std::ios::binary);
    std::array<uint8_t, 4> magic{};
    in.read(reinterpret_cast<char*>(magic.data()), magic.size());
    if (!in)
    {
        return fileSize < magic.size()
                   ? "truncated pcap file header (" + std::to_string(fileSize) + " bytes)"
                   : "failed to read the capture file";
    }
    switch (ReadU32(magic.data()))
    {
        case kPcapMagicMicroBig:
        case kPcapMagicMicroLittle:
        case kPcapMagicNanoBig:
        case kPcapMagicNanoLittle:
            break;
        case kPcapngMagic:
            return "pcapng is not supported; convert the file with: editcap -F pcap IN OUT";
        default:
            return "not a pcap file (unknown magic number 0x" + ToHex(ByteView(magic.data(), 4))
                   + ")";
    }
    if (fileSize < kPcapFileHeaderSize)
    {
        return "truncated pcap file header (" + std::to_string(fileSize) + " of "
               + std::to_string(kPcapFileHeaderSize) + " bytes)";
    }
    return std::nullopt;
}

} // namespace

std::string
CaptureError::ToString() const
{
    if (record == 0)
    {
        return file + ": " + message;
    }
    return file + ": record " + std::to_string(record) + " (byte offset "
           + std::to_string(byteOffset) + "): " + message;
}

CaptureReadResult
ReadCapture(const std::string& path)
{
    uint64_t fileSize = 0;
    if (auto error = CheckFileHeader(path, fileSize))
    {
        return FileError(path, *error);
    }
    ns3::PcapFile file;
    file.Open(path, std::ios::in);
    if (file.Fail())
    {
        // ns3::PcapFile accepts version 2.4 with a time zone within +-12 hours only.
        return FileError(path, "invalid pcap file header (version or time zone)");
    }

    CaptureReadResult result;
    Capture& capture = result.capture;
    capture.linkType = file.GetDataLinkType();
    capture.nanosecondTimestamps = file.IsNanoSecMode();
    if (LinkTypeName(capture.linkType).empty())
    {
        return FileError(path, "unsupported link type " + std::to_string(capture.linkType)
                                   + " (supported: 1 Ethernet, 9 PPP, 101 raw IP, 228 raw IPv4)");
    }

    // ns3::PcapFile::Read cannot tell a clean end of file from a cut record, so the offset
    // is tracked here against the file size.
    Bytes buffer(kMaxCaptureRecordSize);
    uint64_t offset = kPcapFileHeaderSize;
    uint64_t recordNumber = 0;
    while (offset < fileSize)
    {
        ++recordNumber;
        auto recordError = [&](std::string message)
        {
            result.error = CaptureError{path, recordNumber, offset, std::move(message)};
            return result;
        };
        if (fileSize - offset < kPcapRecordHeaderSize)
        {
            return recordError("truncated record header (" + std::to_string(fileSize - offset)
                               + " of " + std::to_string(kPcapRecordHeaderSize) + " bytes)");
        }
        CaptureRecord record;
        uint32_t includedLength = 0;
        uint32_t readLength = 0;
        file.Read(buffer.data(), static_cast<uint32_t>(buffer.size()), record.seconds,
                  record.subseconds, includedLength, record.originalLength, readLength);
        if (includedLength > kMaxCaptureRecordSize)
        {
            return recordError("record length " + std::to_string(includedLength)
                               + " exceeds the maximum of " + std::to_string(kMaxCaptureRecordSize)
                               + " bytes");
        }
        const uint64_t available = fileSize - offset - kPcapRecordHeaderSize;
        if (includedLength > available || file.Fail())
        {
            return recordError("truncated record: " + std::to_string(includedLength)
                               + " bytes announced, " + std::to_string(available) + " present");
        }
        record.data.assign(buffer.begin(), buffer.begin() + readLength);
        capture.records.push_back(std::move(record));
        offset += kPcapRecordHeaderSize + includedLength;
    }
    return result;
}

void
WriteCapture(const std::string& path, uint32_t linkType, const std::vector<CaptureRecord>& records)
{
    ns3::PcapFile file;
    file.Open(path, std::ios::out);
    if (file.Fail())
    {
        throw std::runtime_error("failed to create the capture file " + path);
    }
    file.Init(linkType, kWriteSnapLength);
    for (const CaptureRecord& record : records)
    {
        file.Write(record.seconds, record.subseconds, record.data.data(),
                   static_cast<uint32_t>(record.data.size()));
    }
    const bool failed = file.Fail();
    file.Close();
    if (failed)
    {
        throw std::runtime_error("failed to write the capture file " + path);
    }
}

std::string_view
LinkTypeName(uint32_t linkType)
{
    switch (linkType)
    {
        case kLinkTypeEthernet:
            return "ethernet";
        case kLinkTypePpp:
            return "ppp";
        case kLinkTypeRaw:
        case kLinkTypeIpv4:
            return "raw-ipv4";
        default:
            return "";
    }
}

LinkPayload
ExtractIpv4(uint32_t linkType, ByteView frame)
{
    LinkPayload out;
    size_t offset = 0;
    switch (linkType)
    {
        case kLinkTypeEthernet:
        {
            if (frame.size < kEthernetHeaderSize)
            {
                out.reason = "truncated";
                return out;
            }
            uint16_t etherType = ReadU16(frame.data + kEthernetTypeOffset);
            offset = kEthernetHeaderSize;
            if (etherType == kEtherTypeVlan)
            {
                if (frame.size < kEthernetHeaderSize + kVlanTagSize)
                {
                    out.reason = "truncated";
                    return out;
                }
                etherType = ReadU16(frame.data + kEthernetTypeOffset + kVlanTagSize);
                offset += kVlanTagSize;
            }
            if (etherType != kEtherTypeIpv4)
            {
                out.reason = "not-ipv4 (EtherType " + Hex16(etherType) + ")";
                return out;
            }
            break;
        }
        case kLinkTypePpp:
        {
            if (frame.size >= 2 && frame[0] == kPppAddress && frame[1] == kPppControl)
            {
                offset = 2;
            }
            if (frame.size < offset + kPppProtocolSize)
            {
                out.reason = "truncated";
                return out;
            }
            const uint16_t protocol = ReadU16(frame.data + offset);
            offset += kPppProtocolSize;
            if (protocol != kPppProtocolIpv4)
            {
                out.reason = "not-ipv4 (PPP protocol " + Hex16(protocol) + ")";
                return out;
            }
            break;
        }
        case kLinkTypeRaw:
        case kLinkTypeIpv4:
            break;
        default:
            out.reason = "unsupported link type " + std::to_string(linkType);
            return out;
    }
    // LINKTYPE_RAW may carry IPv6 as well, and only the version nibble distinguishes them.
    if (frame.size > offset && (frame[offset] >> 4) != kIpVersion4)
    {
        out.reason = "not-ipv4 (IP version " + std::to_string(frame[offset] >> 4) + ")";
        return out;
    }
    out.ipv4 = frame.From(offset);
    return out;
}

} // namespace tunnelsim
