// pcap reading and writing through ns3::PcapFile, and the link-layer headers of the link
// types `simrun decode` accepts.
#include "pcap-capture.h"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <unistd.h>

namespace tunnelsim
{
namespace
{

namespace fs = std::filesystem;

/// A minimal IPv4 header (version 4, IHL 5) followed by two payload bytes.
const Bytes kDatagram
    = {0x45, 0, 0, 22, 0, 1, 0, 0, 64, 17, 0, 0, 192, 0, 2, 1, 198, 51, 100, 1, 0xaa, 0xbb};

class PcapCaptureTest : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        m_dir = fs::temp_directory_path() / ("tunnelsim-pcap-" + std::to_string(::getpid()));
        fs::create_directories(m_dir);
    }

    void TearDown() override { fs::remove_all(m_dir); }

    std::string Path(const std::string& name) const { return (m_dir / name).string(); }

    std::string WriteBytes(const std::string& name, const Bytes& bytes) const
    {
        std::ofstream out(Path(name), std::ios::binary);
        out.write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        return Path(name);
    }

    Bytes ReadBytes(const std::string& path) const
    {
        std::ifstream in(path, std::ios::binary);
        return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }

    fs::path m_dir;
};

std::vector<CaptureRecord>
TwoRecords()
{
    CaptureRecord first;
    first.seconds = 1;
    first.subseconds = 250;
    first.data = kDatagram;
    first.originalLength = static_cast<uint32_t>(kDatagram.size());
    CaptureRecord second = first;
    second.seconds = 2;
    second.subseconds = 999999;
    second.data.push_back(0xcc);
    second.originalLength = static_cast<uint32_t>(second.data.size());
    return {first, second};
}

TEST_F(PcapCaptureTest, WriteThenReadRoundTrip)
{
    const std::vector<CaptureRecord> records = TwoRecords();
    WriteCapture(Path("round.pcap"), kLinkTypeRaw, records);
    const CaptureReadResult read = ReadCapture(Path("round.pcap"));
    ASSERT_TRUE(read.Ok()) << read.error->ToString();
    EXPECT_EQ(read.capture.linkType, kLinkTypeRaw);
    EXPECT_FALSE(read.capture.nanosecondTimestamps);
    ASSERT_EQ(read.capture.records.size(), records.size());
    for (size_t i = 0; i < records.size(); ++i)
    {
        EXPECT_EQ(read.capture.records[i].seconds, records[i].seconds) << i;
        EXPECT_EQ(read.capture.records[i].subseconds, records[i].subseconds) << i;
        EXPECT_EQ(read.capture.records[i].originalLength, records[i].originalLength) << i;
        EXPECT_EQ(read.capture.records[i].data, records[i].data) << i;
    }
}

TEST_F(PcapCaptureTest, OriginalLengthIsDataSize)
{
    // ns3::PcapFile writes the data size as the original length; a record cannot claim
    // more bytes on the wire than it holds.
    CaptureRecord record = TwoRecords()[0];
    record.originalLength = 1500;
    WriteCapture(Path("snap.pcap"), kLinkTypeRaw, {record});
    const CaptureReadResult read = ReadCapture(Path("snap.pcap"));
    ASSERT_TRUE(read.Ok());
    ASSERT_EQ(read.capture.records.size(), 1u);
    EXPECT_EQ(read.capture.records[0].originalLength, kDatagram.size());
}

TEST_F(PcapCaptureTest, WrittenFileLayout)
{
    WriteCapture(Path("layout.pcap"), kLinkTypePpp, {TwoRecords()[0]});
    const Bytes file = ReadBytes(Path("layout.pcap"));
    ASSERT_EQ(file.size(), 24u + 16u + kDatagram.size());
    // Little-endian classic header: magic, version 2.4, zone 0, sigfigs 0, snaplen 65535,
    // link type 9; then seconds 1, microseconds 250, included and original length 22.
    EXPECT_EQ(ToHex(ByteView(file).Sub(0, 40)), "d4c3b2a1020004000000000000000000ffff000009000000"
                                                "01000000fa0000001600000016000000");
    EXPECT_EQ(ByteView(file).From(40).ToBytes(), kDatagram);
}

TEST_F(PcapCaptureTest, SameRecordsSameBytes)
{
    WriteCapture(Path("a.pcap"), kLinkTypeRaw, TwoRecords());
    WriteCapture(Path("b.pcap"), kLinkTypeRaw, TwoRecords());
    EXPECT_EQ(ReadBytes(Path("a.pcap")), ReadBytes(Path("b.pcap")));
}

TEST_F(PcapCaptureTest, ReadsBigEndianNanosecondFile)
{
    Bytes file = {0xa1, 0xb2, 0x3c, 0x4d, 0, 2, 0,    4,    0, 0, 0, 0,
                  0,    0,    0,    0,    0, 0, 0xff, 0xff, 0, 0, 0, 228};
    const uint32_t header[] = {7, 123456789, static_cast<uint32_t>(kDatagram.size()),
                               static_cast<uint32_t>(kDatagram.size())};
    for (uint32_t value : header)
    {
        AppendU32(file, value);
    }
    file.insert(file.end(), kDatagram.begin(), kDatagram.end());
    const CaptureReadResult read = ReadCapture(WriteBytes("big.pcap", file));
    ASSERT_TRUE(read.Ok()) << read.error->ToString();
    EXPECT_EQ(read.capture.linkType, kLinkTypeIpv4);
    EXPECT_TRUE(read.capture.nanosecondTimestamps);
    ASSERT_EQ(read.capture.records.size(), 1u);
    EXPECT_EQ(read.capture.records[0].seconds, 7u);
    EXPECT_EQ(read.capture.records[0].subseconds, 123456789u);
    EXPECT_EQ(read.capture.records[0].data, kDatagram);
}

TEST_F(PcapCaptureTest, EmptyCaptureHasNoRecords)
{
    WriteCapture(Path("empty.pcap"), kLinkTypeEthernet, {});
    const CaptureReadResult read = ReadCapture(Path("empty.pcap"));
    ASSERT_TRUE(read.Ok());
    EXPECT_TRUE(read.capture.records.empty());
    EXPECT_EQ(read.capture.linkType, kLinkTypeEthernet);
}

TEST_F(PcapCaptureTest, CutRecordHeaderRejected)
{
    WriteCapture(Path("two.pcap"), kLinkTypeRaw, TwoRecords());
    Bytes file = ReadBytes(Path("two.pcap"));
    const size_t secondRecord = 24 + 16 + kDatagram.size();
    file.resize(secondRecord + 5);
    const CaptureReadResult read = ReadCapture(WriteBytes("cut-header.pcap", file));
    ASSERT_FALSE(read.Ok());
    EXPECT_EQ(read.error->record, 2u);
    EXPECT_EQ(read.error->byteOffset, secondRecord);
    EXPECT_NE(read.error->message.find("truncated record header"), std::string::npos);
    EXPECT_EQ(read.capture.records.size(), 1u);
}

TEST_F(PcapCaptureTest, CutRecordDataRejected)
{
    WriteCapture(Path("two.pcap"), kLinkTypeRaw, TwoRecords());
    Bytes file = ReadBytes(Path("two.pcap"));
    file.pop_back();
    const CaptureReadResult read = ReadCapture(WriteBytes("cut-data.pcap", file));
    ASSERT_FALSE(read.Ok());
    EXPECT_EQ(read.error->record, 2u);
    EXPECT_EQ(read.error->message, "truncated record: 23 bytes announced, 22 present");
}

TEST_F(PcapCaptureTest, OversizedRecordRejected)
{
    WriteCapture(Path("one.pcap"), kLinkTypeRaw, {TwoRecords()[0]});
    Bytes file = ReadBytes(Path("one.pcap"));
    // Included length, little-endian, at offset 8 of the record header.
    const uint32_t huge = kMaxCaptureRecordSize + 1;
    for (size_t i = 0; i < 4; ++i)
    {
        file[24 + 8 + i] = static_cast<uint8_t>(huge >> (8 * i));
    }
    const CaptureReadResult read = ReadCapture(WriteBytes("huge.pcap", file));
    ASSERT_FALSE(read.Ok());
    EXPECT_NE(read.error->message.find("exceeds the maximum"), std::string::npos);
}

TEST_F(PcapCaptureTest, BadVersionRejected)
{
    WriteCapture(Path("one.pcap"), kLinkTypeRaw, {TwoRecords()[0]});
    Bytes file = ReadBytes(Path("one.pcap"));
    file[4] = 3; // major version 3
    const CaptureReadResult read = ReadCapture(WriteBytes("v3.pcap", file));
    ASSERT_FALSE(read.Ok());
    EXPECT_EQ(read.error->record, 0u);
    EXPECT_NE(read.error->message.find("invalid pcap file header"), std::string::npos);
}

TEST_F(PcapCaptureTest, ErrorTextNamesFileAndRecord)
{
    const CaptureError fileLevel{"x.pcap", 0, 0, "capture file not found"};
    const CaptureError recordLevel{"x.pcap", 3, 120, "truncated record"};
    EXPECT_EQ(fileLevel.ToString(), "x.pcap: capture file not found");
    EXPECT_EQ(recordLevel.ToString(), "x.pcap: record 3 (byte offset 120): truncated record");
}

TEST(ExtractIpv4, LinkHeaders)
{
    struct Case
    {
        const char* name;
        uint32_t linkType;
        Bytes prefix;
        std::string reason; ///< empty: the datagram follows the prefix
    };
    const Case cases[] = {
        {"raw", kLinkTypeRaw, {}, ""},
        {"ipv4", kLinkTypeIpv4, {}, ""},
        {"ppp ns-3", kLinkTypePpp, {0x00, 0x21}, ""},
        {"ppp hdlc", kLinkTypePpp, {0xff, 0x03, 0x00, 0x21}, ""},
        {"ppp ipv6", kLinkTypePpp, {0x00, 0x57}, "not-ipv4 (PPP protocol 0x0057)"},
        {"ethernet", kLinkTypeEthernet, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x08, 0x00}, ""},
        {"ethernet vlan",
         kLinkTypeEthernet,
         {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x81, 0x00, 0x00, 0x07, 0x08, 0x00},
         ""},
        {"ethernet arp",
         kLinkTypeEthernet,
         {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x08, 0x06},
         "not-ipv4 (EtherType 0x0806)"},
        {"unsupported", 105, {}, "unsupported link type 105"},
    };
    for (const Case& c : cases)
    {
        Bytes frame = c.prefix;
        frame.insert(frame.end(), kDatagram.begin(), kDatagram.end());
        const LinkPayload payload = ExtractIpv4(c.linkType, frame);
        EXPECT_EQ(payload.reason, c.reason) << c.name;
        if (c.reason.empty())
        {
            EXPECT_EQ(payload.ipv4.ToBytes(), kDatagram) << c.name;
        }
    }
}

TEST(ExtractIpv4, RawIpv6Rejected)
{
    const Bytes frame = {0x60, 0, 0, 0};
    EXPECT_EQ(ExtractIpv4(kLinkTypeRaw, frame).reason, "not-ipv4 (IP version 6)");
}

TEST(ExtractIpv4, ShortFramesTruncated)
{
    const Bytes ethernet
        = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x81, 0x00, 0x00, 0x07, 0x08, 0x00};
    for (size_t length = 0; length < ethernet.size(); ++length)
    {
        const LinkPayload payload
            = ExtractIpv4(kLinkTypeEthernet, ByteView(ethernet.data(), length));
        EXPECT_EQ(payload.reason, "truncated") << "ethernet length " << length;
    }
    EXPECT_EQ(ExtractIpv4(kLinkTypePpp, Bytes{0x00}).reason, "truncated");
    EXPECT_EQ(ExtractIpv4(kLinkTypePpp, Bytes{0xff, 0x03, 0x00}).reason, "truncated");
}

TEST(LinkTypeName, SupportedAndOther)
{
    EXPECT_EQ(LinkTypeName(kLinkTypeEthernet), "ethernet");
    EXPECT_EQ(LinkTypeName(kLinkTypePpp), "ppp");
    EXPECT_EQ(LinkTypeName(kLinkTypeRaw), "raw-ipv4");
    EXPECT_EQ(LinkTypeName(kLinkTypeIpv4), "raw-ipv4");
    EXPECT_EQ(LinkTypeName(105), "");
}

} // namespace
} // namespace tunnelsim
