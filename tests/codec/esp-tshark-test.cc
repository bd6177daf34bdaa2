/*
 * Independent check with tshark 4.0: tunnel-mode packets sealed by EspEncoder are written
 * to a capture with text2pcap, and Wireshark's own ESP dissector must verify their ICVs
 * (the GCM tag included) and decrypt the inner IPv4/UDP packet. tshark 4.0 has no
 * ChaCha20-Poly1305, so that suite is covered by the RFC 7634 vector instead.
 *
 *   10.1.1.10:5000 --UDP--> 10.2.2.20:6000, inside ESP 198.51.100.1 -> 203.0.113.2
 */
#include "esp-framing.h"
#include "esp-test-support.h"
#include "ipv4-header.h"
#include "run-command.h"

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <string>
#include <vector>

namespace tunnelsim
{
namespace
{

using test::CountingBytes;
using test::MakeConfig;
using test::RunCommand;

/// LINKTYPE_IPV4 (tcpdump.org link-layer header types): packets start at the IPv4 header.
constexpr int kLinkTypeIpv4 = 228;
constexpr uint16_t kSourcePort = 5000;
constexpr uint16_t kDestinationPort = 6000;

/// A UDP datagram from host A to host B inside an IPv4 packet (UDP checksum 0: none).
Bytes
InnerPacket(size_t payloadSize)
{
    Ipv4Header header;
    header.protocol = kIpProtocolUdp;
    header.source = *Ipv4FromString("10.1.1.10");
    header.destination = *Ipv4FromString("10.2.2.20");
    header.totalLength = static_cast<uint16_t>(kIpv4MinHeaderSize + 8 + payloadSize);
    Bytes packet;
    EncodeIpv4Header(header, packet);
    AppendU16(packet, kSourcePort);
    AppendU16(packet, kDestinationPort);
    AppendU16(packet, static_cast<uint16_t>(8 + payloadSize));
    AppendU16(packet, 0);
    const Bytes payload = CountingBytes(payloadSize);
    packet.insert(packet.end(), payload.begin(), payload.end());
    return packet;
}

/// text2pcap input: each packet as one hex dump starting at offset 0.
std::string
HexDump(const std::vector<Bytes>& packets)
{
    std::ostringstream out;
    for (const Bytes& packet : packets)
    {
        out << "0000";
        for (uint8_t b : packet)
        {
            out << ' ' << ToHex(ByteView(&b, 1));
        }
        out << "\n";
    }
    return out.str();
}

/// The -o option that gives tshark one SA, in the esp_sa field order of Wireshark 4.0.
std::string
SaOption(const EspSaConfig& config)
{
    char spi[16];
    std::snprintf(spi, sizeof(spi), "0x%08x", config.spi);
    const std::string integrityKey
        = config.integrityKey.empty() ? "" : "0x" + ToHex(config.integrityKey);
    return "-o 'uat:esp_sa:\"IPv4\",\"*\",\"*\",\"" + std::string(spi) + "\",\""
           + std::string(WiresharkCipherName(config.suite.cipher)) + "\",\"0x"
           + ToHex(config.encryptionKey) + "\",\""
           + std::string(WiresharkIntegrityName(config.suite.integrity)) + "\",\"" + integrityKey
           + "\"'";
}

class EspTshark : public ::testing::TestWithParam<EspSuite>
{
  protected:
    /// Write @p packets to a capture and return tshark's field lines, one per packet.
    std::vector<std::string> Dissect(const EspSaConfig& config, const std::vector<Bytes>& packets,
                                     const std::string& fields)
    {
        const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
        std::string safeName = name;
        for (char& c : safeName)
        {
            c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
        }
        const std::filesystem::path dir
            = std::filesystem::path(TUNNELSIM_BINARY_DIR) / "esp-tshark-test";
        std::filesystem::create_directories(dir);
        const std::filesystem::path text = dir / (safeName + ".txt");
        const std::filesystem::path capture = dir / (safeName + ".pcap");
        std::ofstream(text) << HexDump(packets);

        const std::optional<std::string> converted
            = RunCommand("text2pcap -q -l " + std::to_string(kLinkTypeIpv4) + " '" + text.string()
                         + "' '" + capture.string() + "' 2>&1");
        EXPECT_TRUE(converted.has_value()) << "text2pcap failed; is tshark installed?";
        const std::optional<std::string> output
            = RunCommand("tshark -r '" + capture.string()
                         + "' -o esp.enable_encryption_decode:TRUE"
                           " -o esp.enable_authentication_check:TRUE "
                         + SaOption(config) + " -T fields -E separator=/t -E occurrence=a " + fields
                         + " 2>/dev/null");
        EXPECT_TRUE(output.has_value()) << "tshark failed";
        std::vector<std::string> lines;
        std::istringstream in(output.value_or(""));
        for (std::string line; std::getline(in, line);)
        {
            lines.push_back(line);
        }
        return lines;
    }
};

TEST_P(EspTshark, VerifiesAndDecrypts)
{
    const EspSaConfig config = MakeConfig(GetParam(), false, 0x00c0ffee);
    EspEncoder encoder(config);
    const Ipv4Header outer = MakeEspTunnelOuterHeader(Ipv4Header{}, *Ipv4FromString("198.51.100.1"),
                                                      *Ipv4FromString("203.0.113.2"));
    std::vector<Bytes> packets;
    for (size_t size : {0, 13, 100, 1000})
    {
        Bytes packet;
        ASSERT_TRUE(EncapsulateEspTunnel(encoder, outer, InnerPacket(size), packet).Ok());
        packets.push_back(packet);
    }

    const std::vector<std::string> lines = Dissect(
        config, packets, "-e esp.sequence -e ip.src -e ip.dst -e udp.dstport -e udp.length");
    ASSERT_EQ(lines.size(), packets.size());
    const size_t sizes[] = {0, 13, 100, 1000};
    for (size_t i = 0; i < lines.size(); ++i)
    {
        // Both headers' addresses appear only when tshark decrypted the inner packet.
        EXPECT_EQ(lines[i], std::to_string(i + 1)
                                + "\t198.51.100.1,10.1.1.10\t203.0.113.2,10.2.2.20\t6000\t"
                                + std::to_string(8 + sizes[i]));
    }
}

TEST_P(EspTshark, IcvGood)
{
    const EspSaConfig config = MakeConfig(GetParam(), false, 0x00c0ffee);
    EspEncoder encoder(config);
    const Ipv4Header outer = MakeEspTunnelOuterHeader(Ipv4Header{}, *Ipv4FromString("198.51.100.1"),
                                                      *Ipv4FromString("203.0.113.2"));
    Bytes good;
    ASSERT_TRUE(EncapsulateEspTunnel(encoder, outer, InnerPacket(50), good).Ok());
    Bytes bad;
    ASSERT_TRUE(EncapsulateEspTunnel(encoder, outer, InnerPacket(50), bad).Ok());
    bad[bad.size() - 1] ^= 0x01;

    const std::vector<std::string> lines = Dissect(config, {good, bad}, "-e esp.icv_good");
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0], "1");
    EXPECT_EQ(lines[1], "0");
}

INSTANTIATE_TEST_SUITE_P(
    Wireshark40, EspTshark,
    ::testing::Values(EspSuite{EspCipher::AesGcm128, EspIntegrity::None},
                      EspSuite{EspCipher::AesGcm256, EspIntegrity::None},
                      EspSuite{EspCipher::AesCbc128, EspIntegrity::HmacSha1_96},
                      EspSuite{EspCipher::AesCbc256, EspIntegrity::HmacSha256_128},
                      EspSuite{EspCipher::Null, EspIntegrity::HmacSha1_96},
                      EspSuite{EspCipher::Null, EspIntegrity::HmacSha256_128}),
    [](const ::testing::TestParamInfo<EspSuite>& info)
    {
        return test::SuiteTestName(info.param);
    });

} // namespace
} // namespace tunnelsim
