// The shipped sample capture: rebuilding it from the codec must give the shipped bytes.
// With TUNNELSIM_REGENERATE=1 in the environment the test rewrites the shipped files.
//
//   10.1.1.10 --- A 192.0.2.1 ==[GRE over ESP transport]== 198.51.100.1 B --- 10.2.1.20
//   172.16.10.5 - C 203.0.113.5 ==[ESP tunnel mode]======== 198.51.100.9 D --- 10.3.1.7
#include "decode.h"
#include "esp-framing.h"
#include "pcap-sample.h"

#include <cstdlib>
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

std::string
ShippedPath(std::string_view extension)
{
    return std::string(TUNNELSIM_SOURCE_DIR) + "/docs/examples/" + std::string(kSampleCaptureName)
           + std::string(extension);
}

std::string
ReadFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool
RegenerateRequested()
{
    const char* value = std::getenv("TUNNELSIM_REGENERATE");
    return value != nullptr && std::string(value) == "1";
}

class SampleCaptureTest : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        m_dir = fs::temp_directory_path() / ("tunnelsim-sample-" + std::to_string(::getpid()));
        fs::create_directories(m_dir);
    }

    void TearDown() override { fs::remove_all(m_dir); }

    fs::path m_dir;
};

TEST_F(SampleCaptureTest, ShippedFilesMatchGenerator)
{
    const SampleCapture sample = BuildSampleCapture();
    if (RegenerateRequested())
    {
        fs::create_directories(fs::path(ShippedPath(".pcap")).parent_path());
        WriteSampleCapture(sample, ShippedPath(".pcap"), ShippedPath(".esp_sa"));
        GTEST_LOG_(INFO) << "TUNNELSIM_REGENERATE=1: rewrote " << ShippedPath(".pcap") << " and "
                         << ShippedPath(".esp_sa");
    }
    const std::string pcap = (m_dir / "sample.pcap").string();
    const std::string espSa = (m_dir / "sample.esp_sa").string();
    WriteSampleCapture(sample, pcap, espSa);

    ASSERT_TRUE(fs::exists(ShippedPath(".pcap")))
        << "missing; create it with TUNNELSIM_REGENERATE=1";
    EXPECT_TRUE(ReadFile(pcap) == ReadFile(ShippedPath(".pcap")))
        << ShippedPath(".pcap") << " differs from the generator's output; if the change is "
        << "intended, rerun with TUNNELSIM_REGENERATE=1";
    EXPECT_EQ(ReadFile(espSa), ReadFile(ShippedPath(".esp_sa")));
}

TEST(SampleCapture, BuildIsDeterministic)
{
    const SampleCapture first = BuildSampleCapture();
    const SampleCapture second = BuildSampleCapture();
    ASSERT_EQ(first.packets.size(), second.packets.size());
    for (size_t i = 0; i < first.packets.size(); ++i)
    {
        EXPECT_EQ(first.packets[i].record.data, second.packets[i].record.data) << "packet " << i;
    }
}

TEST(SampleCapture, Contents)
{
    const SampleCapture sample = BuildSampleCapture();
    ASSERT_EQ(sample.packets.size(), 8u);
    ASSERT_EQ(sample.sas.size(), 4u);
    EXPECT_EQ(sample.linkType, kLinkTypePpp);
    size_t gre = 0;
    size_t tunnel = 0;
    for (const SamplePacket& packet : sample.packets)
    {
        gre += packet.nextHeader == kIpProtocolGre;
        tunnel += packet.nextHeader == kIpProtocolIpInIp;
    }
    EXPECT_EQ(gre, 6u);
    EXPECT_EQ(tunnel, 2u);
}

TEST(SampleCapture, EveryPacketOpensWithItsSa)
{
    // Independent of the decode command: each outer packet opens with the SA the esp_sa file
    // lists for its SPI and gives back exactly what was sealed.
    const SampleCapture sample = BuildSampleCapture();
    for (const SamplePacket& packet : sample.packets)
    {
        const EspSaFileEntry* sa = nullptr;
        for (const EspSaFileEntry& entry : sample.sas)
        {
            if (entry.spi == packet.spi)
            {
                sa = &entry;
            }
        }
        ASSERT_NE(sa, nullptr) << packet.description;
        EspDecoder decoder(sa->ToConfig());
        Bytes opened;
        auto result = packet.nextHeader == kIpProtocolGre
                          ? DecapsulateEspTransport(decoder, packet.outerPacket, opened)
                          : DecapsulateEspTunnel(decoder, packet.outerPacket, opened);
        ASSERT_TRUE(result.Ok()) << packet.description << ": " << ToString(result.Error());
        EXPECT_EQ(result.Value().esp.nextHeader, packet.nextHeader) << packet.description;
        EXPECT_EQ(result.Value().esp.sequence, packet.espSequence) << packet.description;
        if (packet.nextHeader == kIpProtocolIpInIp)
        {
            EXPECT_EQ(opened, packet.innerPacket) << packet.description;
        }
        else
        {
            // Transport mode rebuilds the GRE datagram; the GRE packet follows its header.
            ASSERT_GT(opened.size(), kIpv4MinHeaderSize) << packet.description;
            EXPECT_EQ(ByteView(opened).From(kIpv4MinHeaderSize).ToBytes(), packet.espPayload)
                << packet.description;
        }
    }
}

} // namespace
} // namespace tunnelsim
