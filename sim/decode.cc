#include "decode.h"

#include "esp-sa.h"
#include "gre-header.h"
#include "ipv4-header.h"
#include "ospf-packet.h"
#include "simrun-cli.h"

#include <cctype>
#include <fmt/format.h>
#include <ostream>
#include <stdexcept>

namespace tunnelsim
{

namespace
{

using nlohmann::json;

/// Payload bytes shown in text mode; the JSON output carries all of them.
constexpr size_t kTextPayloadPreview = 32;
/// Microseconds and nanoseconds per second, for the record timestamps.
constexpr double kMicrosecondsPerSecond = 1e6;
constexpr double kNanosecondsPerSecond = 1e9;

std::string_view
ProtocolName(uint8_t protocol)
{
    switch (protocol)
    {
        case kIpProtocolIcmp:
            return "icmp";
        case kIpProtocolIpInIp:
            return "ipv4";
        case kIpProtocolTcp:
            return "tcp";
        case kIpProtocolUdp:
            return "udp";
        case kIpProtocolGre:
            return "gre";
        case kIpProtocolEsp:
            return "esp";
        case kEspNextHeaderNoNext:
            return "no-next-header";
        case kIpProtocolOspf:
            return "ospf";
        default:
            return "other";
    }
}

json
ErrorJson(std::string_view layer, std::string_view reason)
{
    return json{{"layer", layer}, {"reason", reason}};
}

json
Ipv4Json(const Ipv4Header& header)
{
    return json{
        {"source", Ipv4ToString(header.source)},
        {"destination", Ipv4ToString(header.destination)},
        {"protocol", header.protocol},
        {"protocol_name", ProtocolName(header.protocol)},
        {"ttl", header.ttl},
        {"identification", header.identification},
        {"tos", header.tos},
        {"total_length", header.totalLength},
        {"header_length", header.HeaderSize()},
        {"dont_fragment", header.dontFragment},
        {"more_fragments", header.moreFragments},
        {"fragment_offset", header.fragmentOffset},
        {"checksum", header.checksum},
    };
}

json
GreJson(const GreHeader& header, size_t payloadLength)
{
    json layer{
        {"layer", "gre"},
        {"protocol_type", header.protocolType},
        {"checksum_present", header.checksumPresent},
        {"key_present", header.keyPresent},
        {"sequence_present", header.sequencePresent},
        {"header_length", header.HeaderSize()},
        {"payload_length", payloadLength},
    };
    if (header.checksumPresent)
    {
        layer["checksum"] = header.checksum;
    }
    if (header.keyPresent)
    {
        layer["key"] = header.key;
    }
    if (header.sequencePresent)
    {
        layer["sequence"] = header.sequence;
    }
    return layer;
}

bool
IsFragment(const Ipv4Header& header)
{
    return header.moreFragments || header.fragmentOffset != 0;
}

/// The bytes an IPv4 header says it carries; DecodeIpv4Header checked the length.
ByteView
Ipv4Payload(ByteView datagram, const Ipv4Header& header)
{
    return datagram.Sub(header.HeaderSize(), header.totalLength - header.HeaderSize());
}

/// Decode the OSPF packet in @p bytes: its header, and the Hello fields for a Hello.
void
DecodeOspf(ByteView bytes, json& inner, json& packet)
{
    auto decoded = DecodeOspfPacket(bytes);
    if (!decoded)
    {
        packet["error"] = ErrorJson("ospf", ToString(decoded.Error()));
        return;
    }
    const OspfHeader& header = decoded.Value().header;
    json layer{
        {"layer", "ospf"},
        {"type", ToString(TypeOf(decoded.Value().body))},
        {"router_id", Ipv4ToString(header.routerId)},
        {"area_id", Ipv4ToString(header.areaId)},
        {"packet_length", header.packetLength},
    };
    if (const auto* hello = std::get_if<OspfHello>(&decoded.Value().body))
    {
        json neighbors = json::array();
        for (uint32_t neighbor : hello->neighbors)
        {
            neighbors.push_back(Ipv4ToString(neighbor));
        }
        layer["network_mask"] = Ipv4ToString(hello->networkMask);
        layer["hello_interval"] = hello->helloInterval;
        layer["router_dead_interval"] = hello->routerDeadInterval;
        layer["neighbors"] = std::move(neighbors);
    }
    inner.push_back(std::move(layer));
}

/**
 * Decode @p bytes, carried with IP protocol number @p protocol, into @p inner until a layer
 * that is not IPv4 or GRE. A failure sets packet["error"] and stops.
 */
void
DecodeCarried(ByteView bytes, uint8_t protocol, json& inner, json& packet)
{
    for (size_t depth = 0; depth < kMaxDecodeDepth; ++depth)
    {
        if (protocol == kIpProtocolIpInIp)
        {
            auto ipv4 = DecodeIpv4Header(bytes);
            if (!ipv4)
            {
                packet["error"] = ErrorJson("inner-ipv4", ToString(ipv4.Error()));
                return;
            }
            json layer = Ipv4Json(ipv4.Value());
            layer["layer"] = "ipv4";
            inner.push_back(std::move(layer));
            if (IsFragment(ipv4.Value()))
            {
                packet["error"] = ErrorJson("inner-ipv4", "fragment");
                return;
            }
            protocol = ipv4.Value().protocol;
            bytes = Ipv4Payload(bytes, ipv4.Value());
            continue;
        }
        if (protocol == kIpProtocolGre)
        {
            auto gre = DecodeGre(bytes);
            if (!gre)
            {
                packet["error"] = ErrorJson("gre", ToString(gre.Error()));
                return;
            }
            const GreDecoded& decoded = gre.Value();
            inner.push_back(GreJson(decoded.header, decoded.payload.size));
            if (decoded.header.protocolType != kGreProtocolIpv4)
            {
                inner.push_back(json{{"layer", "payload"},
                                     {"gre_protocol_type", decoded.header.protocolType},
                                     {"length", decoded.payload.size}});
                return;
            }
            protocol = kIpProtocolIpInIp;
            bytes = decoded.payload;
            continue;
        }
        if (protocol == kIpProtocolOspf)
        {
            DecodeOspf(bytes, inner, packet);
            return;
        }
        inner.push_back(json{{"layer", "payload"},
                             {"protocol", protocol},
                             {"protocol_name", ProtocolName(protocol)},
                             {"length", bytes.size}});
        return;
    }
    packet["error"] = ErrorJson("inner", "too-deep");
}

std::string
FormatAddressPair(const json& ipv4)
{
    return fmt::format("{} -> {}", ipv4.at("source").get<std::string>(),
                       ipv4.at("destination").get<std::string>());
}

std::string
FormatIpv4Line(const json& ipv4)
{
    return fmt::format("IPv4  {}  proto {} ({})  ttl {}  id {}  len {}{}", FormatAddressPair(ipv4),
                       ipv4.at("protocol").get<int>(), ipv4.at("protocol_name").get<std::string>(),
                       ipv4.at("ttl").get<int>(), ipv4.at("identification").get<int>(),
                       ipv4.at("total_length").get<int>(),
                       ipv4.at("dont_fragment").get<bool>() ? "  DF" : "");
}

std::string
FormatEspLines(const json& esp)
{
    std::string out
        = fmt::format("ESP   spi 0x{:08x}  seq {}  icv {}", esp.at("spi").get<uint32_t>(),
                      esp.at("sequence").get<uint64_t>(), esp.at("icv").get<std::string>());
    if (esp.contains("suite"))
    {
        out += fmt::format("  {}", esp.at("suite").get<std::string>());
    }
    if (!esp.at("next_header").is_null())
    {
        out += fmt::format("  next header {} ({})  pad {}", esp.at("next_header").get<int>(),
                           esp.at("next_header_name").get<std::string>(),
                           esp.at("pad_length").get<int>());
        const std::string hex = esp.at("payload_hex").get<std::string>();
        const size_t shown = std::min(hex.size(), 2 * kTextPayloadPreview);
        out += fmt::format("\n        payload {} bytes: {}{}",
                           esp.at("payload_length").get<size_t>(), hex.substr(0, shown),
                           shown < hex.size() ? "..." : "");
    }
    return out;
}

std::string
FormatInnerLine(const json& layer)
{
    const std::string kind = layer.at("layer").get<std::string>();
    if (kind == "ipv4")
    {
        return FormatIpv4Line(layer);
    }
    if (kind == "gre")
    {
        std::string out
            = fmt::format("GRE   protocol 0x{:04x}", layer.at("protocol_type").get<int>());
        if (layer.contains("checksum"))
        {
            out += fmt::format("  checksum 0x{:04x}", layer.at("checksum").get<int>());
        }
        if (layer.contains("key"))
        {
            out += fmt::format("  key {}", layer.at("key").get<uint32_t>());
        }
        if (layer.contains("sequence"))
        {
            out += fmt::format("  seq {}", layer.at("sequence").get<uint32_t>());
        }
        return out;
    }
    if (kind == "ospf")
    {
        std::string out = fmt::format(
            "OSPF  {}  router {}  area {}", layer.at("type").get<std::string>(),
            layer.at("router_id").get<std::string>(), layer.at("area_id").get<std::string>());
        if (layer.contains("neighbors"))
        {
            std::string neighbors;
            for (const json& neighbor : layer.at("neighbors"))
            {
                neighbors += (neighbors.empty() ? "" : ",") + neighbor.get<std::string>();
            }
            out += fmt::format("  hello {} s  dead {} s  neighbors [{}]",
                               layer.at("hello_interval").get<int>(),
                               layer.at("router_dead_interval").get<int>(), neighbors);
        }
        return out;
    }
    if (layer.contains("protocol_name"))
    {
        std::string name = layer.at("protocol_name").get<std::string>();
        for (char& c : name)
        {
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        }
        return fmt::format("{:<5} {} bytes, not decoded", name, layer.at("length").get<size_t>());
    }
    return fmt::format("data  GRE protocol type 0x{:04x}, {} bytes",
                       layer.at("gre_protocol_type").get<int>(), layer.at("length").get<size_t>());
}

} // namespace

PacketDecoder::PacketDecoder(std::vector<EspSaFileEntry> sas)
  : m_sas(std::move(sas))
{
    for (const EspSaFileEntry& entry : m_sas)
    {
        std::unique_ptr<EspDecoder> decoder;
        try
        {
            decoder = std::make_unique<EspDecoder>(entry.ToConfig());
        }
        catch (const std::invalid_argument& e)
        {
            throw std::invalid_argument(
                fmt::format("{}: SA rejected by the ESP codec: {}", entry.line, e.what()));
        }
        // A capture may hold duplicates and packets out of order; show each one.
        decoder->SetReplayCheck(false);
        m_decoders.push_back(std::move(decoder));
    }
}

PacketDecoder::~PacketDecoder() = default;

void
PacketDecoder::Decode(ByteView datagram, json& packet)
{
    auto outer = DecodeIpv4Header(datagram);
    if (!outer)
    {
        packet["error"] = ErrorJson("ipv4", ToString(outer.Error()));
        return;
    }
    const Ipv4Header& header = outer.Value();
    packet["ipv4"] = Ipv4Json(header);
    if (IsFragment(header))
    {
        packet["error"] = ErrorJson("ipv4", "fragment");
        return;
    }

    const ByteView payload = Ipv4Payload(datagram, header);
    json inner = json::array();
    if (header.protocol == kIpProtocolEsp)
    {
        // The decrypted payload must outlive the views DecodeCarried takes into it.
        Bytes plaintext;
        DecodeEsp(payload, header.source, header.destination, packet, plaintext);
        const json& esp = packet["esp"];
        if (esp.at("icv") == kIcvOk && !packet.contains("error"))
        {
            DecodeCarried(plaintext, esp.at("next_header").get<uint8_t>(), inner, packet);
        }
    }
    else
    {
        DecodeCarried(payload, header.protocol, inner, packet);
    }
    packet["inner"] = std::move(inner);
}

// RFC 4303 s3.4.2: the SA is found by SPI (and here, as in Wireshark, by the addresses an
// esp_sa line gives). Open checks the ICV before it decrypts (s3.4.4).
void
PacketDecoder::DecodeEsp(ByteView esp, uint32_t source, uint32_t destination, json& packet,
                         Bytes& payload)
{
    json& out = packet["esp"];
    out = json{{"length", esp.size}, {"next_header", nullptr}};
    auto spi = PeekEspSpi(esp);
    if (!spi || esp.size < kEspHeaderSize)
    {
        out["icv"] = kIcvUnchecked;
        packet["error"] = ErrorJson("esp", ToString(DecodeError::Truncated));
        return;
    }
    out["spi"] = spi.Value();
    out["sequence"] = ReadU32(esp.data + 4);

    size_t index = 0;
    while (index < m_sas.size() && !m_sas[index].Matches(spi.Value(), source, destination))
    {
        ++index;
    }
    if (index == m_sas.size())
    {
        out["icv"] = kIcvUnchecked;
        return;
    }
    const EspSaFileEntry& sa = m_sas[index];
    out["suite"] = sa.suite.Name();
    out["sa_line"] = sa.line;

    auto opened = m_decoders[index]->Open(esp, payload);
    if (!opened)
    {
        // Open verifies the ICV before the trailer, so a padding error means the ICV was
        // good; anything else leaves the packet unverified.
        const DecodeError error = opened.Error();
        const bool icvVerified
            = error == DecodeError::BadPadding || error == DecodeError::BadPadLength;
        out["icv"] = icvVerified ? kIcvOk : kIcvBad;
        packet["error"] = ErrorJson("esp", ToString(error));
        return;
    }
    const EspOpened& result = opened.Value();
    out["icv"] = kIcvOk;
    out["sequence"] = result.sequence;
    out["next_header"] = result.nextHeader;
    out["next_header_name"] = ProtocolName(result.nextHeader);
    out["pad_length"] = result.padLength;
    out["payload_length"] = payload.size();
    out["payload_hex"] = ToHex(payload);
}

json
DecodeCaptureRecord(PacketDecoder& decoder, const Capture& capture, size_t frameNumber,
                    const CaptureRecord& record)
{
    const double perSecond
        = capture.nanosecondTimestamps ? kNanosecondsPerSecond : kMicrosecondsPerSecond;
    json packet{
        {"frame", frameNumber},
        {"time", record.seconds + record.subseconds / perSecond},
        {"captured_length", record.data.size()},
        {"original_length", record.originalLength},
        {"link", LinkTypeName(capture.linkType)},
    };
    const LinkPayload link = ExtractIpv4(capture.linkType, record.data);
    if (!link.reason.empty())
    {
        packet["error"] = ErrorJson("link", link.reason);
        return packet;
    }
    decoder.Decode(link.ipv4, packet);
    return packet;
}

std::string
FormatPacketText(const json& packet)
{
    std::string out
        = fmt::format("frame {}  {:.6f} s  {}  {} bytes\n", packet.at("frame").get<size_t>(),
                      packet.at("time").get<double>(), packet.at("link").get<std::string>(),
                      packet.at("captured_length").get<size_t>());
    if (packet.contains("ipv4"))
    {
        out += "  " + FormatIpv4Line(packet.at("ipv4")) + "\n";
    }
    if (packet.contains("esp") && packet.at("esp").contains("spi"))
    {
        out += "  " + FormatEspLines(packet.at("esp")) + "\n";
    }
    if (packet.contains("inner"))
    {
        for (const json& layer : packet.at("inner"))
        {
            out += "  " + FormatInnerLine(layer) + "\n";
        }
    }
    if (packet.contains("error"))
    {
        out += fmt::format("  error {}: {}\n", packet.at("error").at("layer").get<std::string>(),
                           packet.at("error").at("reason").get<std::string>());
    }
    return out;
}

CLI::App*
AddDecodeCommand(CLI::App& app, DecodeOptions& options)
{
    CLI::App* command = app.add_subcommand(
        "decode", "Print the layers of each packet in a pcap capture (IPv4, ESP, GRE, inner IPv4), "
                  "decrypting ESP with the SAs of a Wireshark esp_sa file");
    command->add_option("capture", options.capturePath, "pcap file to decode")->required();
    command->add_option("--esp-sa", options.espSaPath,
                        "Wireshark esp_sa file with the SAs (without it, ESP is not opened)");
    command->add_flag("--json", options.json, "print one JSON object per packet and line");
    return command;
}

int
RunDecode(const DecodeOptions& options, std::ostream& out, std::ostream& err)
{
    std::vector<EspSaFileEntry> sas;
    if (!options.espSaPath.empty())
    {
        EspSaFileResult file = ReadEspSaFile(options.espSaPath);
        if (!file.Ok())
        {
            err << fmt::format("simrun decode: {}\n", file.error->ToString());
            return kExitInvalidInput;
        }
        sas = std::move(file.entries);
        if (sas.empty())
        {
            // An empty file or one with only comments (e.g. only ChaCha20-Poly1305 SAs,
            // which the esp_sa writer leaves out) is valid but opens nothing.
            err << fmt::format("simrun decode: warning: {} contains no SA, so no ESP packet is "
                               "opened\n",
                               options.espSaPath);
        }
    }
    std::unique_ptr<PacketDecoder> decoder;
    try
    {
        decoder = std::make_unique<PacketDecoder>(sas);
    }
    catch (const std::invalid_argument& e)
    {
        // ParseEspSaFile checks key sizes, so this means the two disagree.
        err << fmt::format("simrun decode: {}:{}\n", options.espSaPath, e.what());
        return kExitInvalidInput;
    }

    const CaptureReadResult read = ReadCapture(options.capturePath);
    const Capture& capture = read.capture;
    if (!options.json && (read.Ok() || !capture.records.empty()))
    {
        out << fmt::format("{}: {}, {} packets, {} SAs\n", options.capturePath,
                           LinkTypeName(capture.linkType), capture.records.size(), sas.size());
    }
    for (size_t i = 0; i < capture.records.size(); ++i)
    {
        const json packet = DecodeCaptureRecord(*decoder, capture, i + 1, capture.records[i]);
        out << (options.json ? packet.dump() + "\n" : FormatPacketText(packet));
    }
    if (!read.Ok())
    {
        err << fmt::format("simrun decode: {}\n", read.error->ToString());
        return kExitInvalidInput;
    }
    return kExitOk;
}

} // namespace tunnelsim
