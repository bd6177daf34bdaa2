// Interoperability with Wireshark: packets sealed by tunnelsim's ESP codec, for every suite
// tshark 4.0 can check, must verify and decrypt in tshark with an esp_sa file written by
// tunnelsim's writer. tshark is the independent implementation here; if it is missing the
// test fails (tools/setup installs it).
//
//   10.1.0.x ---- 192.0.2.1 ==== ESP, one SA per suite ==== 198.51.100.1 ---- 10.2.0.x
//                 packets 1-2 of each SA: tunnel mode (policy-based)
//                 packet 3 of each SA:    GRE over ESP transport mode (route-based)
#include "esp-framing.h"
#include "esp-sa-file.h"
#include "gre-header.h"
#include "ipv4-header.h"
#include "pcap-capture.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <map>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

namespace tunnelsim
{
namespace
{

namespace fs = std::filesystem;

constexpr uint32_t kGatewayA = 0xc0000201; // 192.0.2.1
constexpr uint32_t kGatewayB = 0xc6336401; // 198.51.100.1
constexpr uint32_t kFirstSpi = 0x00010000;
constexpr size_t kPacketsPerSa = 3;
/// UDP header (RFC 768): ports, length, checksum 0 (none, allowed over IPv4).
constexpr size_t kUdpHeaderSize = 8;
constexpr uint16_t kUdpDestinationPort = 50000;

/// What one frame of the capture carries, for comparison with tshark's view.
struct SealedPacket
{
    uint32_t spi = 0;
    uint32_t sequence = 0;
    bool gre = false;
    Bytes espPayload; ///< the bytes ESP protected (GRE packet or inner datagram)
    Ipv4Header inner;
    Bytes udpData;
    std::string suite;
};

bool
TsharkAvailable()
{
    return std::system("command -v tshark >/dev/null 2>&1") == 0;
}

/// UDP datagram in IPv4 from host @p index of LAN A to host @p index of LAN B.
Bytes
InnerDatagram(size_t index, uint16_t id, const Bytes& data, Ipv4Header& header)
{
    Bytes udp;
    AppendU16(udp, static_cast<uint16_t>(40000 + index));
    AppendU16(udp, kUdpDestinationPort);
    AppendU16(udp, static_cast<uint16_t>(kUdpHeaderSize + data.size()));
    AppendU16(udp, 0);
    udp.insert(udp.end(), data.begin(), data.end());

    header = Ipv4Header{};
    header.source = 0x0a010000 + static_cast<uint32_t>(10 + index);      // 10.1.0.x
    header.destination = 0x0a020000 + static_cast<uint32_t>(20 + index); // 10.2.0.x
    header.protocol = kIpProtocolUdp;
    header.ttl = 63;
    header.identification = id;
    header.totalLength = static_cast<uint16_t>(kIpv4MinHeaderSize + udp.size());
    Bytes packet;
    EncodeIpv4Header(header, packet);
    packet.insert(packet.end(), udp.begin(), udp.end());
    // Read the header back so the expected checksum is the one on the wire.
    header = DecodeIpv4Header(packet).Value();
    return packet;
}

/// Split @p text into lines and each line into tab-separated fields.
std::vector<std::vector<std::string>>
ParseFields(const std::string& text)
{
    std::vector<std::vector<std::string>> rows;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line))
    {
        std::vector<std::string> fields;
        std::istringstream cells(line);
        std::string cell;
        while (std::getline(cells, cell, '\t'))
        {
            fields.push_back(cell);
        }
        if (!line.empty() && line.back() == '\t')
        {
            fields.emplace_back();
        }
        rows.push_back(std::move(fields));
    }
    return rows;
}

/// The last comma-separated value of a field that tshark reports once per layer.
std::string
Innermost(const std::string& field)
{
    const size_t comma = field.rfind(',');
    return comma == std::string::npos ? field : field.substr(comma + 1);
}

class TsharkInteropTest : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        m_dir = fs::temp_directory_path() / ("tunnelsim-tshark-" + std::to_string(::getpid()));
        fs::create_directories(m_dir / "wireshark");
    }

    void TearDown() override { fs::remove_all(m_dir); }

    /// Seal the packets of every suite and write the capture and the esp_sa file.
    std::vector<SealedPacket> WriteCaptureAndSas()
    {
        std::vector<SealedPacket> sealed;
        std::vector<CaptureRecord> records;
        std::vector<EspSaFileEntry> sas;
        size_t index = 0;
        for (const EspSuite& suite : AllEspSuites())
        {
            if (WiresharkCipherName(suite.cipher).empty())
            {
                continue; // ChaCha20-Poly1305: tshark 4.0 has no decoder for it
            }
            EspSaConfig config;
            config.spi = kFirstSpi + static_cast<uint32_t>(index);
            config.suite = suite;
            for (size_t i = 0; i < suite.EncryptionKeySize(); ++i)
            {
                config.encryptionKey.push_back(static_cast<uint8_t>(index * 16 + i));
            }
            for (size_t i = 0; i < suite.IntegrityKeySize(); ++i)
            {
                config.integrityKey.push_back(static_cast<uint8_t>(0xff - index * 16 - i));
            }
            config.ivSeed = index + 1;
            sas.push_back(EspSaFileEntry::FromConfig(config, kGatewayA, kGatewayB));
            EspEncoder encoder(config);

            for (size_t k = 0; k < kPacketsPerSa; ++k)
            {
                // Data sizes 1, 18 and 35 bytes give different padding in every suite.
                Bytes data;
                for (size_t i = 0; i < 1 + 17 * k; ++i)
                {
                    data.push_back(static_cast<uint8_t>(0x30 + index + i));
                }
                SealedPacket packet;
                packet.suite = suite.Name();
                packet.gre = (k == kPacketsPerSa - 1);
                packet.udpData = data;
                const uint16_t id = static_cast<uint16_t>(0x1000 + index * 16 + k);
                const Bytes inner = InnerDatagram(index, id, data, packet.inner);

                Bytes outer;
                if (packet.gre)
                {
                    Bytes gre;
                    EncodeGre(GreHeader{}, inner, gre);
                    Ipv4Header greHeader;
                    greHeader.source = kGatewayA;
                    greHeader.destination = kGatewayB;
                    greHeader.protocol = kIpProtocolGre;
                    greHeader.identification = id;
                    greHeader.totalLength = static_cast<uint16_t>(kIpv4MinHeaderSize + gre.size());
                    Bytes grePacket;
                    EncodeIpv4Header(greHeader, grePacket);
                    grePacket.insert(grePacket.end(), gre.begin(), gre.end());
                    const Status status = EncapsulateEspTransport(encoder, grePacket, outer);
                    EXPECT_TRUE(status.Ok()) << packet.suite;
                    packet.espPayload = gre;
                }
                else
                {
                    const Ipv4Header outerHeader
                        = MakeEspTunnelOuterHeader(packet.inner, kGatewayA, kGatewayB);
                    const Status status = EncapsulateEspTunnel(encoder, outerHeader, inner, outer);
                    EXPECT_TRUE(status.Ok()) << packet.suite;
                    packet.espPayload = inner;
                }
                packet.spi = config.spi;
                packet.sequence = static_cast<uint32_t>(encoder.LastSequence());

                CaptureRecord record;
                record.seconds = static_cast<uint32_t>(1 + sealed.size());
                record.data = outer;
                record.originalLength = static_cast<uint32_t>(outer.size());
                records.push_back(record);
                sealed.push_back(std::move(packet));
            }
            ++index;
        }
        WriteCapture(CapturePath(), kLinkTypeRaw, records);
        WriteEspSaFile((m_dir / "wireshark" / "esp_sa").string(), sas);
        return sealed;
    }

    std::string CapturePath() const { return (m_dir / "esp.pcap").string(); }

    /// Run tshark on the capture with decryption and ICV checking on; returns its exit code.
    int RunTshark(std::string& out, std::string& err) const
    {
        const std::string outPath = (m_dir / "tshark.out").string();
        const std::string errPath = (m_dir / "tshark.err").string();
        // WIRESHARK_CONFIG_DIR points tshark at a private personal configuration directory
        // that contains only the esp_sa file written above.
        const std::string command
            = "WIRESHARK_CONFIG_DIR='" + (m_dir / "wireshark").string() + "' tshark -n -r '"
              + CapturePath()
              + "' -o esp.enable_encryption_decode:TRUE -o esp.enable_authentication_check:TRUE"
                " -T fields -E separator=/t -E occurrence=a -E aggregator=,"
                " -e frame.number -e esp.spi -e esp.sequence -e esp.icv_good -e esp.icv_bad"
                " -e esp.contained_data -e ip.src -e ip.dst -e ip.id -e gre.proto"
                " -e udp.dstport -e udp.payload >'"
              + outPath + "' 2>'" + errPath + "'";
        const int status = std::system(command.c_str());
        std::ifstream outFile(outPath);
        std::ifstream errFile(errPath);
        out.assign(std::istreambuf_iterator<char>(outFile), std::istreambuf_iterator<char>());
        err.assign(std::istreambuf_iterator<char>(errFile), std::istreambuf_iterator<char>());
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }

    fs::path m_dir;
};

// Column order of the -e options in RunTshark.
enum Column : size_t
{
    kFrame,
    kSpi,
    kSequence,
    kIcvGood,
    kIcvBad,
    kContainedData,
    kIpSource,
    kIpDestination,
    kIpId,
    kGreProtocol,
    kUdpDestinationPortColumn,
    kUdpPayload,
    kColumnCount,
};

TEST_F(TsharkInteropTest, EverySuiteVerifiesAndDecrypts)
{
    ASSERT_TRUE(TsharkAvailable()) << "tshark is not on the PATH; install it with tools/setup";
    const std::vector<SealedPacket> sealed = WriteCaptureAndSas();
    ASSERT_EQ(sealed.size(), 8 * kPacketsPerSa);

    std::string out;
    std::string err;
    ASSERT_EQ(RunTshark(out, err), 0) << err;
    const auto rows = ParseFields(out);
    ASSERT_EQ(rows.size(), sealed.size()) << out << err;

    std::map<std::string, size_t> verifiedPerSuite;
    for (size_t i = 0; i < rows.size(); ++i)
    {
        const auto& row = rows[i];
        const SealedPacket& packet = sealed[i];
        const std::string where = "frame " + std::to_string(i + 1) + " (" + packet.suite
                                  + (packet.gre ? ", GRE transport)" : ", tunnel)");
        ASSERT_EQ(row.size(), kColumnCount) << where << ": " << out;
        EXPECT_EQ(std::stoul(row[kSpi], nullptr, 0), packet.spi) << where;
        EXPECT_EQ(std::stoul(row[kSequence]), packet.sequence) << where;
        EXPECT_EQ(row[kIcvGood], "1") << where;
        EXPECT_EQ(row[kIcvBad], "0") << where;
        EXPECT_EQ(row[kContainedData], ToHex(packet.espPayload)) << where;
        EXPECT_EQ(Innermost(row[kIpSource]), Ipv4ToString(packet.inner.source)) << where;
        EXPECT_EQ(Innermost(row[kIpDestination]), Ipv4ToString(packet.inner.destination)) << where;
        EXPECT_EQ(std::stoul(Innermost(row[kIpId]), nullptr, 0), packet.inner.identification)
            << where;
        EXPECT_EQ(row[kGreProtocol], packet.gre ? "0x0800" : "") << where;
        EXPECT_EQ(row[kUdpDestinationPortColumn], std::to_string(kUdpDestinationPort)) << where;
        EXPECT_EQ(row[kUdpPayload], ToHex(packet.udpData)) << where;
        verifiedPerSuite[packet.suite] += row[kIcvGood] == "1";
    }
    EXPECT_EQ(verifiedPerSuite.size(), 8u);
    for (const auto& [suite, count] : verifiedPerSuite)
    {
        EXPECT_EQ(count, kPacketsPerSa) << suite;
    }
}

TEST_F(TsharkInteropTest, TamperedPacketFailsInTshark)
{
    // The check above must be able to fail: flip one byte of the first packet's ICV and
    // tshark must report that ICV bad.
    ASSERT_TRUE(TsharkAvailable()) << "tshark is not on the PATH; install it with tools/setup";
    WriteCaptureAndSas();
    CaptureReadResult read = ReadCapture(CapturePath());
    ASSERT_TRUE(read.Ok()) << read.error->ToString();
    read.capture.records[0].data.back() ^= 0x01;
    WriteCapture(CapturePath(), kLinkTypeRaw, read.capture.records);

    std::string out;
    std::string err;
    ASSERT_EQ(RunTshark(out, err), 0) << err;
    const auto rows = ParseFields(out);
    ASSERT_GE(rows.size(), 2u);
    ASSERT_EQ(rows[0].size(), kColumnCount);
    EXPECT_EQ(rows[0][kIcvGood], "0");
    EXPECT_EQ(rows[0][kIcvBad], "1");
    EXPECT_EQ(rows[1][kIcvGood], "1");
}

} // namespace
} // namespace tunnelsim
