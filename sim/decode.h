/*
 * `simrun decode`: print the layers of every packet in a pcap capture (outer IPv4, ESP,
 * the decrypted payload, GRE, inner IPv4), opening ESP with the SAs of a Wireshark esp_sa
 * file. Each packet is decoded into a JSON object first; the text output is rendered from
 * that object, so both modes show the same facts.
 *
 * Limitations:
 * - IPv4 only. Fragments are reported, not reassembled.
 * - The replay check is off and extended sequence numbers are not supported (the esp_sa
 *   file has no column for them).
 * - Above the innermost IPv4 header only OSPF is decoded; other protocols are named and
 *   measured.
 */
#ifndef TUNNELSIM_SIM_DECODE_H
#define TUNNELSIM_SIM_DECODE_H

#include "bytes.h"
#include "esp-sa-file.h"
#include "pcap-capture.h"

#include <CLI/CLI.hpp>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tunnelsim
{

class EspDecoder;

/// ICV verdicts in the decode output.
constexpr std::string_view kIcvOk = "ok";   ///< the ICV verified
constexpr std::string_view kIcvBad = "bad"; ///< an SA matched, the packet did not verify
constexpr std::string_view kIcvUnchecked = "unchecked"; ///< no SA for this SPI and addresses

/// Most layers decoded below the outer IPv4 header; deeper nesting is reported as an error.
constexpr size_t kMaxDecodeDepth = 8;

struct DecodeOptions
{
    std::string capturePath;
    std::string espSaPath; ///< empty: no SAs, so every ESP packet is "unchecked"
    bool json = false;     ///< one JSON object per packet and line instead of text
};

/**
 * Decodes IPv4 datagrams layer by layer into JSON, opening ESP with the first SA that
 * matches the SPI and addresses (the order of the esp_sa file, as in Wireshark).
 */
class PacketDecoder
{
  public:
    /// Throws std::invalid_argument, with the SA's file line, when its keys do not fit its suite.
    explicit PacketDecoder(std::vector<EspSaFileEntry> sas);
    ~PacketDecoder();
    PacketDecoder(const PacketDecoder&) = delete;
    PacketDecoder& operator=(const PacketDecoder&) = delete;

    /**
     * Decode @p datagram, which starts at the outer IPv4 header, into the members "ipv4",
     * "esp", "inner" (the layers after ESP, or after the outer header without ESP) and
     * "error" ({"layer", "reason"}, only when a layer did not decode) of @p packet.
     */
    void Decode(ByteView datagram, nlohmann::json& packet);

  private:
    void DecodeEsp(ByteView esp, uint32_t source, uint32_t destination, nlohmann::json& packet,
                   Bytes& payload);

    std::vector<EspSaFileEntry> m_sas;
    std::vector<std::unique_ptr<EspDecoder>> m_decoders; ///< one per entry of m_sas
};

/**
 * Decode record @p frameNumber (1-based) of a capture: "frame", "time" (seconds),
 * "captured_length", "original_length", "link", and the members PacketDecoder::Decode adds.
 */
nlohmann::json DecodeCaptureRecord(PacketDecoder& decoder, const Capture& capture,
                                   size_t frameNumber, const CaptureRecord& record);

/** Render one decoded packet as indented text lines, one line per layer. */
std::string FormatPacketText(const nlohmann::json& packet);

/** Register the `decode` subcommand on @p app, filling @p options when it is parsed. */
CLI::App* AddDecodeCommand(CLI::App& app, DecodeOptions& options);

/**
 * Run `simrun decode`: packets go to @p out, file errors to @p err. Returns kExitOk, or
 * kExitInvalidInput when the esp_sa file or the capture cannot be read (after printing the
 * packets read before a cut record). Malformed packets are reported per packet.
 */
int RunDecode(const DecodeOptions& options, std::ostream& out, std::ostream& err);

} // namespace tunnelsim

#endif
