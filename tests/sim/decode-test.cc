// `simrun decode`, run in-process through RunSimrun on the shipped sample capture and on
// captures derived from it: every JSON field, the text mode, tampering, link types, and
// the errors that must end with exit code 2.
//
//   10.1.1.10 --- A 192.0.2.1 ==[GRE over ESP transport]== 198.51.100.1 B --- 10.2.1.20
//   172.16.10.5 - C 203.0.113.5 ==[ESP tunnel mode]======== 198.51.100.9 D --- 10.3.1.7
#include "decode.h"
#include "esp-sa.h"
#include "gre-header.h"
#include "ipv4-header.h"
#include "pcap-capture.h"
#include "pcap-sample.h"
#include "simrun-capture.h"
#include "simrun-cli.h"

#include <filesystem>
#include <fstream>
#include <functional>
#include <gtest/gtest.h>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unistd.h>

namespace tunnelsim
{
namespace
{

namespace fs = std::filesystem;
using nlohmann::json;

/// The outer header of every sample packet has no options.
constexpr size_t kOuterHeaderSize = kIpv4MinHeaderSize;
/// PPP protocol field in front of each sample frame, bytes.
constexpr size_t kPppHeaderSize = 2;

std::string
ShippedPath(std::string_view extension)
{
    return std::string(TUNNELSIM_SOURCE_DIR) + "/docs/examples/" + std::string(kSampleCaptureName)
           + std::string(extension);
}

std::vector<json>
ParseJsonLines(const std::string& text)
{
    std::vector<json> packets;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line))
    {
        packets.push_back(json::parse(line));
    }
    return packets;
}

Ipv4Header
HeaderOf(const Bytes& datagram)
{
    auto header = DecodeIpv4Header(datagram);
    EXPECT_TRUE(header.Ok());
    return header.Ok() ? header.Value() : Ipv4Header{};
}

/// Check the members of a JSON IPv4 layer against the header they came from.
void
ExpectIpv4(const json& layer, const Ipv4Header& expected, const std::string& where)
{
    EXPECT_EQ(layer.at("source"), Ipv4ToString(expected.source)) << where;
    EXPECT_EQ(layer.at("destination"), Ipv4ToString(expected.destination)) << where;
    EXPECT_EQ(layer.at("protocol"), expected.protocol) << where;
    EXPECT_EQ(layer.at("ttl"), expected.ttl) << where;
    EXPECT_EQ(layer.at("identification"), expected.identification) << where;
    EXPECT_EQ(layer.at("total_length"), expected.totalLength) << where;
    EXPECT_EQ(layer.at("tos"), expected.tos) << where;
    EXPECT_EQ(layer.at("checksum"), expected.checksum) << where;
}

class DecodeTest : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        m_dir = fs::temp_directory_path() / ("tunnelsim-decode-" + std::to_string(::getpid()));
        fs::create_directories(m_dir);
        m_sample = BuildSampleCapture();
    }

    void TearDown() override { fs::remove_all(m_dir); }

    std::string Path(const std::string& name) const { return (m_dir / name).string(); }

    std::string WriteText(const std::string& name, const std::string& text) const
    {
        std::ofstream(Path(name), std::ios::binary) << text;
        return Path(name);
    }

    /// Write the sample's records with @p change applied to each, as link type @p linkType.
    std::string WriteVariant(const std::string& name, uint32_t linkType,
                             const std::function<Bytes(const SamplePacket&)>& frame) const
    {
        std::vector<CaptureRecord> records;
        for (const SamplePacket& packet : m_sample.packets)
        {
            CaptureRecord record = packet.record;
            record.data = frame(packet);
            record.originalLength = static_cast<uint32_t>(record.data.size());
            records.push_back(record);
        }
        WriteCapture(Path(name), linkType, records);
        return Path(name);
    }

    std::vector<json> DecodeJson(const std::string& capture, const std::string& espSa)
    {
        std::vector<std::string> args = {"decode", capture, "--json"};
        if (!espSa.empty())
        {
            args.insert(args.end(), {"--esp-sa", espSa});
        }
        const SimrunOutput run = RunSimrunCaptured(args);
        EXPECT_EQ(run.exitCode, kExitOk) << run.err;
        EXPECT_EQ(run.err, "");
        return ParseJsonLines(run.out);
    }

    fs::path m_dir;
    SampleCapture m_sample;
};

TEST_F(DecodeTest, ShippedCaptureEveryJsonField)
{
    const std::vector<json> packets = DecodeJson(ShippedPath(".pcap"), ShippedPath(".esp_sa"));
    ASSERT_EQ(packets.size(), m_sample.packets.size());
    for (size_t i = 0; i < packets.size(); ++i)
    {
        const json& got = packets[i];
        const SamplePacket& sent = m_sample.packets[i];
        const std::string where = "frame " + std::to_string(i + 1) + " (" + sent.description + ")";
        EXPECT_FALSE(got.contains("error")) << where << ": " << got.dump();
        EXPECT_EQ(got.at("frame"), i + 1) << where;
        EXPECT_EQ(got.at("link"), "ppp") << where;
        EXPECT_EQ(got.at("captured_length"), sent.record.data.size()) << where;
        EXPECT_EQ(got.at("original_length"), sent.record.originalLength) << where;
        EXPECT_DOUBLE_EQ(got.at("time").get<double>(),
                         sent.record.seconds + sent.record.subseconds / 1e6)
            << where;

        ExpectIpv4(got.at("ipv4"), HeaderOf(sent.outerPacket), where + " outer");
        EXPECT_EQ(got.at("ipv4").at("protocol"), kIpProtocolEsp) << where;

        const json& esp = got.at("esp");
        EXPECT_EQ(esp.at("spi"), sent.spi) << where;
        EXPECT_EQ(esp.at("sequence"), sent.espSequence) << where;
        EXPECT_EQ(esp.at("icv"), "ok") << where;
        EXPECT_EQ(esp.at("next_header"), sent.nextHeader) << where;
        EXPECT_EQ(esp.at("payload_hex"), ToHex(sent.espPayload)) << where;
        EXPECT_EQ(esp.at("payload_length"), sent.espPayload.size()) << where;
        EXPECT_EQ(esp.at("length"), sent.outerPacket.size() - kOuterHeaderSize) << where;

        const json& inner = got.at("inner");
        size_t next = 0;
        if (sent.nextHeader == kIpProtocolGre)
        {
            ASSERT_GE(inner.size(), 1u) << where;
            EXPECT_EQ(inner[0].at("layer"), "gre") << where;
            EXPECT_EQ(inner[0].at("protocol_type"), kGreProtocolIpv4) << where;
            EXPECT_EQ(inner[0].at("checksum_present"), false) << where;
            EXPECT_EQ(inner[0].at("key_present"), false) << where;
            EXPECT_EQ(inner[0].at("sequence_present"), false) << where;
            next = 1;
        }
        ASSERT_EQ(inner.size(), next + 2) << where << ": " << inner.dump();
        EXPECT_EQ(inner[next].at("layer"), "ipv4") << where;
        const Ipv4Header innerHeader = HeaderOf(sent.innerPacket);
        ExpectIpv4(inner[next], innerHeader, where + " inner");

        const json& top = inner[next + 1];
        if (innerHeader.protocol == kIpProtocolOspf)
        {
            EXPECT_EQ(top.at("layer"), "ospf") << where;
            EXPECT_EQ(top.at("type"), "hello") << where;
            EXPECT_EQ(top.at("packet_length"), innerHeader.totalLength - kIpv4MinHeaderSize)
                << where;
        }
        else
        {
            EXPECT_EQ(top.at("layer"), "payload") << where;
            EXPECT_EQ(top.at("protocol"), innerHeader.protocol) << where;
            EXPECT_EQ(top.at("length"), innerHeader.totalLength - kIpv4MinHeaderSize) << where;
        }
    }
}

TEST_F(DecodeTest, OspfHelloFields)
{
    const std::vector<json> packets = DecodeJson(ShippedPath(".pcap"), ShippedPath(".esp_sa"));
    ASSERT_GE(packets.size(), 2u);
    // The first two packets are the Hellos of routers 10.0.0.1 and 10.0.0.2; B has heard A.
    const json& helloA = packets[0].at("inner").back();
    const json& helloB = packets[1].at("inner").back();
    EXPECT_EQ(helloA.at("router_id"), "10.0.0.1");
    EXPECT_EQ(helloA.at("area_id"), "0.0.0.0");
    EXPECT_EQ(helloA.at("network_mask"), "255.255.255.252");
    EXPECT_EQ(helloA.at("hello_interval"), 10);
    EXPECT_EQ(helloA.at("router_dead_interval"), 40);
    EXPECT_TRUE(helloA.at("neighbors").empty());
    EXPECT_EQ(helloB.at("router_id"), "10.0.0.2");
    EXPECT_EQ(helloB.at("neighbors"), json::array({"10.0.0.1"}));
}

TEST_F(DecodeTest, SuiteAndSaLineReported)
{
    const std::vector<json> packets = DecodeJson(ShippedPath(".pcap"), ShippedPath(".esp_sa"));
    ASSERT_EQ(packets.size(), m_sample.packets.size());
    for (size_t i = 0; i < packets.size(); ++i)
    {
        const SamplePacket& sent = m_sample.packets[i];
        for (const EspSaFileEntry& sa : m_sample.sas)
        {
            if (sa.spi == sent.spi)
            {
                EXPECT_EQ(packets[i].at("esp").at("suite"), sa.suite.Name()) << sent.description;
            }
        }
        // The file starts with one comment line, then one SA per line in m_sample.sas order.
        EXPECT_GE(packets[i].at("esp").at("sa_line").get<size_t>(), 2u) << sent.description;
    }
}

TEST_F(DecodeTest, WithoutSaFileEveryIcvUnchecked)
{
    const std::vector<json> packets = DecodeJson(ShippedPath(".pcap"), "");
    ASSERT_EQ(packets.size(), m_sample.packets.size());
    for (size_t i = 0; i < packets.size(); ++i)
    {
        const json& esp = packets[i].at("esp");
        EXPECT_EQ(esp.at("icv"), "unchecked") << i;
        EXPECT_EQ(esp.at("spi"), m_sample.packets[i].spi) << i;
        EXPECT_EQ(esp.at("sequence"), m_sample.packets[i].espSequence) << i;
        EXPECT_TRUE(esp.at("next_header").is_null()) << i;
        EXPECT_FALSE(esp.contains("payload_hex")) << i;
        EXPECT_TRUE(packets[i].at("inner").empty()) << i;
        EXPECT_FALSE(packets[i].contains("error")) << i;
    }
}

TEST_F(DecodeTest, AddressMismatchLeavesUnchecked)
{
    // The SAs are bound to their gateway addresses: swap source and destination and no line
    // matches any more.
    std::vector<EspSaFileEntry> swapped = m_sample.sas;
    for (EspSaFileEntry& sa : swapped)
    {
        std::swap(sa.source, sa.destination);
    }
    WriteEspSaFile(Path("swapped.esp_sa"), swapped);
    for (const json& packet : DecodeJson(ShippedPath(".pcap"), Path("swapped.esp_sa")))
    {
        EXPECT_EQ(packet.at("esp").at("icv"), "unchecked") << packet.at("frame");
    }
}

TEST_F(DecodeTest, FirstMatchingLineWins)
{
    // Line 2 has the SPI of packet 1 and a wrong key, but its source address differs, so it
    // must be skipped. Line 3 is the wildcard entry with the right key.
    EspSaFileEntry decoy = m_sample.sas[0];
    decoy.source = Ipv4FromString("203.0.113.99").value();
    decoy.encryptionKey.assign(decoy.encryptionKey.size(), 0x55);
    EspSaFileEntry wildcard = m_sample.sas[0];
    wildcard.source.reset();
    wildcard.destination.reset();
    WriteEspSaFile(Path("order.esp_sa"), {decoy, wildcard});
    const std::vector<json> packets = DecodeJson(ShippedPath(".pcap"), Path("order.esp_sa"));
    ASSERT_FALSE(packets.empty());
    EXPECT_EQ(packets[0].at("esp").at("icv"), "ok");
    EXPECT_EQ(packets[0].at("esp").at("sa_line"), 3);
}

TEST_F(DecodeTest, TamperedEspByteIsBad)
{
    // Flip one ciphertext byte of the third packet (after PPP, the outer header and the
    // ESP header); every other packet still verifies.
    constexpr size_t kTampered = 2;
    const size_t offset = kPppHeaderSize + kOuterHeaderSize + kEspHeaderSize + 12;
    const std::string capture = WriteVariant("tampered.pcap", kLinkTypePpp,
                                             [&](const SamplePacket& packet)
                                             {
                                                 Bytes frame = packet.record.data;
                                                 if (&packet == &m_sample.packets[kTampered])
                                                 {
                                                     frame.at(offset) ^= 0x01;
                                                 }
                                                 return frame;
                                             });
    const std::vector<json> packets = DecodeJson(capture, ShippedPath(".esp_sa"));
    ASSERT_EQ(packets.size(), m_sample.packets.size());
    for (size_t i = 0; i < packets.size(); ++i)
    {
        const json& esp = packets[i].at("esp");
        if (i != kTampered)
        {
            EXPECT_EQ(esp.at("icv"), "ok") << i;
            continue;
        }
        EXPECT_EQ(esp.at("icv"), "bad");
        EXPECT_EQ(esp.at("spi"), m_sample.packets[i].spi);
        EXPECT_TRUE(esp.at("next_header").is_null());
        EXPECT_FALSE(esp.contains("payload_hex"));
        EXPECT_EQ(packets[i].at("error"), (json{{"layer", "esp"}, {"reason", "bad-icv"}}));
        EXPECT_TRUE(packets[i].at("inner").empty());
    }
}

TEST_F(DecodeTest, EveryLinkTypeDecodesAlike)
{
    struct Case
    {
        const char* name;
        uint32_t linkType;
        Bytes prefix;
    };
    const Bytes ethernet = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00};
    const Bytes vlan
        = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x81, 0x00, 0x00, 0x0a, 0x08, 0x00};
    const Case cases[] = {
        {"raw", kLinkTypeRaw, {}},
        {"ipv4", kLinkTypeIpv4, {}},
        {"ethernet", kLinkTypeEthernet, ethernet},
        {"ethernet-vlan", kLinkTypeEthernet, vlan},
        {"ppp-hdlc", kLinkTypePpp, {0xff, 0x03, 0x00, 0x21}},
    };
    for (const Case& c : cases)
    {
        const std::string capture = WriteVariant(
            std::string(c.name) + ".pcap", c.linkType,
            [&](const SamplePacket& p)
            {
                Bytes frame = c.prefix;
                frame.insert(frame.end(), p.outerPacket.begin(), p.outerPacket.end());
                return frame;
            });
        const std::vector<json> packets = DecodeJson(capture, ShippedPath(".esp_sa"));
        ASSERT_EQ(packets.size(), m_sample.packets.size()) << c.name;
        for (size_t i = 0; i < packets.size(); ++i)
        {
            EXPECT_EQ(packets[i].at("esp").at("icv"), "ok") << c.name << " " << i;
            EXPECT_EQ(packets[i].at("esp").at("payload_hex"), ToHex(m_sample.packets[i].espPayload))
                << c.name << " " << i;
        }
    }
}

TEST_F(DecodeTest, MalformedPacketsReportedPerPacket)
{
    // A readable capture whose frames are broken in different ways: each is reported with
    // its layer and reason, and the command still succeeds.
    struct Case
    {
        const char* name;
        std::function<Bytes(const SamplePacket&)> frame;
        json error;
    };
    const Case cases[] = {
        {"cut outer header",
         [](const SamplePacket& p)
         {
             return Bytes(p.record.data.begin(), p.record.data.begin() + 12);
         },
         {{"layer", "ipv4"}, {"reason", "truncated"}}},
        {"cut ESP header",
         [](const SamplePacket& p)
         {
             Bytes frame(p.record.data.begin(), p.record.data.begin() + 2 + 20 + 6);
             WriteU16(frame.data() + 2 + 2, 20 + 6);
             WriteU16(frame.data() + 2 + 10, 0);
             WriteU16(frame.data() + 2 + 10, InternetChecksum(ByteView(frame.data() + 2, 20)));
             return frame;
         },
         {{"layer", "esp"}, {"reason", "truncated"}}},
        {"ipv6 frame",
         [](const SamplePacket&)
         {
             return Bytes{0x00, 0x57, 0x60, 0, 0, 0};
         },
         {{"layer", "link"}, {"reason", "not-ipv4 (PPP protocol 0x0057)"}}},
        {"empty frame",
         [](const SamplePacket&)
         {
             return Bytes{};
         },
         {{"layer", "link"}, {"reason", "truncated"}}},
        {"bad outer checksum",
         [](const SamplePacket& p)
         {
             Bytes frame = p.record.data;
             frame[2 + 10] ^= 0xff;
             return frame;
         },
         {{"layer", "ipv4"}, {"reason", "bad-checksum"}}},
    };
    for (const Case& c : cases)
    {
        const std::string capture = WriteVariant("malformed.pcap", kLinkTypePpp, c.frame);
        const std::vector<json> packets = DecodeJson(capture, ShippedPath(".esp_sa"));
        ASSERT_EQ(packets.size(), m_sample.packets.size()) << c.name;
        EXPECT_EQ(packets[0].at("error"), c.error) << c.name << ": " << packets[0].dump();
    }
}

TEST_F(DecodeTest, EveryTruncationReported)
{
    PacketDecoder decoder(m_sample.sas);
    for (const SamplePacket& sent : m_sample.packets)
    {
        for (size_t length = 0; length < sent.outerPacket.size(); ++length)
        {
            json packet;
            decoder.Decode(ByteView(sent.outerPacket.data(), length), packet);
            ASSERT_TRUE(packet.contains("error")) << sent.description << " length " << length;
            EXPECT_EQ(packet.at("error").at("reason"), "truncated")
                << sent.description << " length " << length;
        }
    }
}

TEST_F(DecodeTest, NoFlippedByteVerifies)
{
    // A flip in the outer header fails its checks, a flip in the SPI leaves no matching SA,
    // and a flip anywhere else in ESP breaks the ICV: no flipped packet may show "ok".
    PacketDecoder decoder(m_sample.sas);
    for (const SamplePacket& sent : m_sample.packets)
    {
        for (size_t i = 0; i < sent.outerPacket.size(); ++i)
        {
            Bytes flipped = sent.outerPacket;
            flipped[i] ^= 0x80;
            json packet;
            decoder.Decode(flipped, packet);
            const std::string where = sent.description + " byte " + std::to_string(i);
            if (i < kOuterHeaderSize)
            {
                // The checksum, or a length or version check before it, rejects the header.
                ASSERT_TRUE(packet.contains("error")) << where;
                EXPECT_EQ(packet.at("error").at("layer"), "ipv4") << where;
                continue;
            }
            const std::string expected = i < kOuterHeaderSize + 4 ? "unchecked" : "bad";
            EXPECT_EQ(packet.at("esp").at("icv"), expected) << where;
        }
    }
}

TEST_F(DecodeTest, TextModeShowsEveryLayer)
{
    const SimrunOutput run
        = RunSimrunCaptured({"decode", ShippedPath(".pcap"), "--esp-sa", ShippedPath(".esp_sa")});
    ASSERT_EQ(run.exitCode, kExitOk) << run.err;
    const std::string& text = run.out;
    EXPECT_NE(text.find("ppp, 8 packets, 4 SAs"), std::string::npos) << text;
    for (size_t i = 1; i <= m_sample.packets.size(); ++i)
    {
        EXPECT_NE(text.find("frame " + std::to_string(i) + " "), std::string::npos) << i;
    }
    EXPECT_NE(text.find("ESP   spi 0x00001001  seq 1  icv ok  aes-gcm-128  next header 47 (gre)"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("GRE   protocol 0x0800"), std::string::npos) << text;
    EXPECT_NE(text.find("OSPF  hello  router 10.0.0.1  area 0.0.0.0"), std::string::npos) << text;
    EXPECT_NE(text.find("IPv4  10.1.1.10 -> 10.2.1.20  proto 1 (icmp)"), std::string::npos) << text;
    EXPECT_NE(text.find("aes-cbc-128-hmac-sha1-96  next header 4 (ipv4)"), std::string::npos)
        << text;
    EXPECT_EQ(text.find("error"), std::string::npos) << text;
}

// Each case must end with exit code 2 and a message on stderr naming the file (and the line
// for esp_sa errors).
struct ErrorCase
{
    const char* name;
    std::string capture;
    std::string espSa;
    std::vector<std::string> messageParts;
};

TEST_F(DecodeTest, FileErrorsExitTwo)
{
    const std::string gcmKey = "0x101112131415161718191a1b1c1d1e1fa0a1a2a3";
    const std::string unknownAlgorithm
        = WriteText("unknown.esp_sa", "# SAs\n\"IPv4\",\"*\",\"*\",\"0x00001001\",\"Serpent\",\""
                                          + gcmKey + "\",\"NULL\",\"\"\n");
    const std::string malformedKey = WriteText(
        "key.esp_sa",
        "\n\n\"IPv4\",\"*\",\"*\",\"0x00001001\",\"AES-GCM with 16 octet ICV [RFC4106]\","
        "\"0xnothex\",\"NULL\",\"\"\n");
    const std::string notPcap = WriteText("text.pcap", "this is not a capture file at all\n");
    const std::string pcapng
        = WriteText("file.pcapng", std::string("\x0a\x0d\x0d\x0a", 4) + std::string(40, '\0'));
    // Cut the shipped capture inside record 5.
    std::ifstream shipped(ShippedPath(".pcap"), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(shipped)), std::istreambuf_iterator<char>());
    size_t cut = 24;
    for (size_t i = 0; i < 4; ++i)
    {
        cut += 16 + m_sample.packets[i].record.data.size();
    }
    const std::string truncated = WriteText("truncated.pcap", bytes.substr(0, cut + 16 + 10));
    const std::string headerOnly = WriteText("header.pcap", bytes.substr(0, 20));
    WriteCapture(Path("ieee80211.pcap"), 105, {});

    const ErrorCase cases[] = {
        {"unknown algorithm",
         ShippedPath(".pcap"),
         unknownAlgorithm,
         {unknownAlgorithm + ":2:", "unknown encryption algorithm \"Serpent\""}},
        {"malformed key",
         ShippedPath(".pcap"),
         malformedKey,
         {malformedKey + ":3:", "malformed encryption key"}},
        {"missing esp_sa",
         ShippedPath(".pcap"),
         Path("absent.esp_sa"),
         {Path("absent.esp_sa") + ": esp_sa file not found"}},
        {"missing capture",
         Path("absent.pcap"),
         ShippedPath(".esp_sa"),
         {Path("absent.pcap") + ": capture file not found"}},
        {"not a pcap", notPcap, "", {notPcap + ": not a pcap file"}},
        {"pcapng", pcapng, "", {pcapng + ": pcapng is not supported"}},
        {"cut file header", headerOnly, "", {headerOnly + ": truncated pcap file header"}},
        {"truncated record",
         truncated,
         ShippedPath(".esp_sa"),
         {truncated + ": record 5 (byte offset " + std::to_string(cut) + "): truncated record"}},
        {"link type",
         Path("ieee80211.pcap"),
         "",
         {Path("ieee80211.pcap") + ": unsupported link type 105"}},
    };
    for (const ErrorCase& c : cases)
    {
        std::vector<std::string> args = {"decode", c.capture, "--json"};
        if (!c.espSa.empty())
        {
            args.insert(args.end(), {"--esp-sa", c.espSa});
        }
        const SimrunOutput run = RunSimrunCaptured(args);
        EXPECT_EQ(run.exitCode, kExitInvalidInput) << c.name;
        for (const std::string& part : c.messageParts)
        {
            EXPECT_NE(run.err.find(part), std::string::npos)
                << c.name << ": expected \"" << part << "\" in: " << run.err;
        }
    }
}

TEST_F(DecodeTest, TruncatedCaptureStillPrintsEarlierPackets)
{
    std::ifstream shipped(ShippedPath(".pcap"), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(shipped)), std::istreambuf_iterator<char>());
    const std::string truncated = WriteText("cut.pcap", bytes.substr(0, bytes.size() - 1));
    const SimrunOutput run
        = RunSimrunCaptured({"decode", truncated, "--esp-sa", ShippedPath(".esp_sa"), "--json"});
    EXPECT_EQ(run.exitCode, kExitInvalidInput);
    const std::vector<json> packets = ParseJsonLines(run.out);
    ASSERT_EQ(packets.size(), m_sample.packets.size() - 1);
    EXPECT_EQ(packets.back().at("esp").at("icv"), "ok");
    EXPECT_NE(run.err.find("record " + std::to_string(m_sample.packets.size())), std::string::npos)
        << run.err;
}

TEST_F(DecodeTest, EmptySaFileWarns)
{
    const std::string empty = WriteText("empty.esp_sa", "");
    const SimrunOutput run = RunSimrunCaptured({"decode", ShippedPath(".pcap"), "--esp-sa", empty});
    EXPECT_EQ(run.exitCode, kExitOk) << run.err;
    EXPECT_NE(run.err.find("warning: " + empty + " contains no SA"), std::string::npos) << run.err;
    EXPECT_NE(run.out.find(", 0 SAs"), std::string::npos) << run.out;
}

TEST_F(DecodeTest, MissingCaptureArgumentExitTwo)
{
    const SimrunOutput run = RunSimrunCaptured({"decode"});
    EXPECT_EQ(run.exitCode, kExitInvalidInput);
    EXPECT_NE(run.err.find("capture is required"), std::string::npos) << run.err;
}

} // namespace
} // namespace tunnelsim
