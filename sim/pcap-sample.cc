#include "pcap-sample.h"

#include "esp-framing.h"
#include "esp-sa.h"
#include "gre-header.h"
#include "ipv4-header.h"
#include "ospf-packet.h"

#include <memory>
#include <stdexcept>

namespace tunnelsim
{

namespace
{

constexpr uint32_t
Address(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    return (uint32_t{a} << 24) | (uint32_t{b} << 16) | (uint32_t{c} << 8) | d;
}

// Public addresses are documentation prefixes (RFC 5737); LANs are private (RFC 1918).
constexpr uint32_t kGatewayA = Address(192, 0, 2, 1);
constexpr uint32_t kGatewayB = Address(198, 51, 100, 1);
constexpr uint32_t kGatewayC = Address(203, 0, 113, 5);
constexpr uint32_t kGatewayD = Address(198, 51, 100, 9);
constexpr uint32_t kTunnelA = Address(172, 16, 0, 1);
constexpr uint32_t kTunnelB = Address(172, 16, 0, 2);
constexpr uint32_t kTunnelMask = Address(255, 255, 255, 252);
constexpr uint32_t kRouterIdA = Address(10, 0, 0, 1);
constexpr uint32_t kRouterIdB = Address(10, 0, 0, 2);
constexpr uint32_t kHostA = Address(10, 1, 1, 10);
constexpr uint32_t kHostB = Address(10, 2, 1, 20);
constexpr uint32_t kHostC = Address(172, 16, 10, 5);
constexpr uint32_t kHostD = Address(10, 3, 1, 7);

constexpr uint32_t kSpiAToB = 0x00001001;
constexpr uint32_t kSpiBToA = 0x00002001;
constexpr uint32_t kSpiCToD = 0x00003001;
constexpr uint32_t kSpiDToC = 0x00003002;

/// OSPF Hello values of a point-to-point tunnel interface (common vendor defaults): hello
/// every 10 s, dead after 40 s, options E, priority 1, no DR on point-to-point links.
constexpr uint16_t kHelloIntervalSeconds = 10;
constexpr uint32_t kRouterDeadIntervalSeconds = 40;
constexpr uint8_t kRouterPriority = 1;
/// OSPF packets go out with TTL 1 (RFC 2328 A.1) and IP precedence 6, internetwork
/// control (RFC 791 s3.1), as routers commonly send them.
constexpr uint8_t kOspfTtl = 1;
constexpr uint8_t kTosInternetworkControl = 0xc0;

/// ICMP echo (RFC 792): type, code, checksum, identifier, sequence number, then data.
constexpr uint8_t kIcmpEchoRequest = 8;
constexpr uint8_t kIcmpEchoReply = 0;
constexpr size_t kIcmpChecksumOffset = 2;
constexpr size_t kIcmpEchoDataSize = 32;
constexpr uint16_t kIcmpIdentifier = 0x0d0e;
/// TTL of packets a gateway sends itself (the Linux default), and of host packets after a
/// gateway forwarded them once.
constexpr uint8_t kGatewayTtl = 64;
constexpr uint8_t kForwardedTtl = 63;

/// PPP protocol field for IPv4 (RFC 1332 s2), the only link header ns-3 writes.
constexpr uint16_t kPppProtocolIpv4 = 0x0021;

Bytes
Key(const char* hex)
{
    return FromHex(hex).value();
}

EspSaConfig
GcmSa(uint32_t spi, const char* keyAndSalt)
{
    EspSaConfig config;
    config.spi = spi;
    config.suite = {EspCipher::AesGcm128, EspIntegrity::None};
    config.encryptionKey = Key(keyAndSalt);
    return config;
}

EspSaConfig
CbcSha1Sa(uint32_t spi, const char* key, const char* integrityKey, uint64_t ivSeed)
{
    EspSaConfig config;
    config.spi = spi;
    config.suite = {EspCipher::AesCbc128, EspIntegrity::HmacSha1_96};
    config.encryptionKey = Key(key);
    config.integrityKey = Key(integrityKey);
    config.ivSeed = ivSeed;
    return config;
}

Bytes
Ipv4Packet(const Ipv4Header& base, ByteView payload)
{
    Ipv4Header header = base;
    header.totalLength = static_cast<uint16_t>(header.HeaderSize() + payload.size);
    Bytes out;
    EncodeIpv4Header(header, out);
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

Ipv4Header
MakeHeader(uint32_t source, uint32_t destination, uint8_t protocol, uint8_t ttl, uint16_t id)
{
    Ipv4Header header;
    header.source = source;
    header.destination = destination;
    header.protocol = protocol;
    header.ttl = ttl;
    header.identification = id;
    return header;
}

Bytes
IcmpEcho(uint8_t type, uint16_t sequence)
{
    Bytes icmp = {type, 0, 0, 0};
    AppendU16(icmp, kIcmpIdentifier);
    AppendU16(icmp, sequence);
    for (size_t i = 0; i < kIcmpEchoDataSize; ++i)
    {
        icmp.push_back(static_cast<uint8_t>('a' + i % 23));
    }
    WriteU16(icmp.data() + kIcmpChecksumOffset, InternetChecksum(icmp));
    return icmp;
}

Bytes
OspfHelloPacket(uint32_t routerId, uint32_t source, std::vector<uint32_t> neighbors)
{
    OspfHello hello;
    hello.networkMask = kTunnelMask;
    hello.helloInterval = kHelloIntervalSeconds;
    hello.options = kOspfOptionE;
    hello.routerPriority = kRouterPriority;
    hello.routerDeadInterval = kRouterDeadIntervalSeconds;
    hello.neighbors = std::move(neighbors);
    OspfPacket packet;
    packet.header.routerId = routerId;
    packet.header.areaId = 0;
    packet.body = hello;
    Ipv4Header header = MakeHeader(source, kAllSpfRouters, kIpProtocolOspf, kOspfTtl, 0);
    header.tos = kTosInternetworkControl;
    return Ipv4Packet(header, EncodeOspfPacket(packet));
}

void
Check(const Status& status, const char* what)
{
    if (!status)
    {
        throw std::logic_error(std::string("sample capture: ") + what + ": "
                               + std::string(ToString(status.Error())));
    }
}

/** Builds packets for one capture, in time order. */
class SampleBuilder
{
  public:
    explicit SampleBuilder(SampleCapture& sample)
      : m_sample(sample)
    {
    }

    /// Add @p inner, sent through the GRE tunnel from @p gateway to @p peer and protected by
    /// ESP transport mode (route-based).
    void AddGreOverEsp(const std::string& description, uint32_t seconds, uint32_t microseconds,
                       EspEncoder& encoder, uint32_t gateway, uint32_t peer, uint16_t id,
                       const Bytes& inner)
    {
        Bytes gre;
        EncodeGre(GreHeader{}, inner, gre);
        const Bytes grePacket
            = Ipv4Packet(MakeHeader(gateway, peer, kIpProtocolGre, kGatewayTtl, id), gre);
        Bytes outer;
        Check(EncapsulateEspTransport(encoder, grePacket, outer), "transport mode");
        Add(description, seconds, microseconds, encoder, kIpProtocolGre, gre, inner, outer);
    }

    /// Add @p inner, protected by ESP tunnel mode between two gateways (policy-based).
    void AddEspTunnel(const std::string& description, uint32_t seconds, uint32_t microseconds,
                      EspEncoder& encoder, uint32_t gateway, uint32_t peer, uint16_t id,
                      const Bytes& inner)
    {
        Ipv4Header outerHeader
            = MakeEspTunnelOuterHeader(DecodeIpv4Header(inner).Value(), gateway, peer);
        outerHeader.identification = id;
        Bytes outer;
        Check(EncapsulateEspTunnel(encoder, outerHeader, inner, outer), "tunnel mode");
        Add(description, seconds, microseconds, encoder, kIpProtocolIpInIp, inner, inner, outer);
    }

  private:
    void Add(const std::string& description, uint32_t seconds, uint32_t microseconds,
             const EspEncoder& encoder, uint8_t nextHeader, const Bytes& espPayload,
             const Bytes& inner, const Bytes& outer)
    {
        SamplePacket packet;
        packet.description = description;
        packet.outerPacket = outer;
        packet.spi = encoder.Config().spi;
        packet.espSequence = static_cast<uint32_t>(encoder.LastSequence());
        packet.nextHeader = nextHeader;
        packet.espPayload = espPayload;
        packet.innerPacket = inner;
        packet.record.seconds = seconds;
        packet.record.subseconds = microseconds;
        AppendU16(packet.record.data, kPppProtocolIpv4);
        packet.record.data.insert(packet.record.data.end(), outer.begin(), outer.end());
        packet.record.originalLength = static_cast<uint32_t>(packet.record.data.size());
        m_sample.packets.push_back(std::move(packet));
    }

    SampleCapture& m_sample;
};

} // namespace

SampleCapture
BuildSampleCapture()
{
    // Fixed sample keys: they protect nothing but these bytes.
    const EspSaConfig aToB = GcmSa(kSpiAToB, "0x101112131415161718191a1b1c1d1e1fa0a1a2a3");
    const EspSaConfig bToA = GcmSa(kSpiBToA, "0x202122232425262728292a2b2c2d2e2fb0b1b2b3");
    const EspSaConfig cToD = CbcSha1Sa(kSpiCToD, "0x303132333435363738393a3b3c3d3e3f",
                                       "0x404142434445464748494a4b4c4d4e4f50515253", 1);
    const EspSaConfig dToC = CbcSha1Sa(kSpiDToC, "0x606162636465666768696a6b6c6d6e6f",
                                       "0x707172737475767778797a7b7c7d7e7f80818283", 2);
    EspEncoder espAToB(aToB);
    EspEncoder espBToA(bToA);
    EspEncoder espCToD(cToD);
    EspEncoder espDToC(dToC);

    SampleCapture sample;
    sample.linkType = kLinkTypePpp;
    sample.sas = {
        EspSaFileEntry::FromConfig(aToB, kGatewayA, kGatewayB),
        EspSaFileEntry::FromConfig(bToA, kGatewayB, kGatewayA),
        EspSaFileEntry::FromConfig(cToD, kGatewayC, kGatewayD),
        EspSaFileEntry::FromConfig(dToC, kGatewayD, kGatewayC),
    };

    SampleBuilder builder(sample);
    builder.AddGreOverEsp("OSPF Hello from A over GRE, ESP transport mode A to B", 1, 0, espAToB,
                          kGatewayA, kGatewayB, 0x0101, OspfHelloPacket(kRouterIdA, kTunnelA, {}));
    builder.AddGreOverEsp("OSPF Hello from B over GRE, ESP transport mode B to A", 1, 2500, espBToA,
                          kGatewayB, kGatewayA, 0x0201,
                          OspfHelloPacket(kRouterIdB, kTunnelB, {kRouterIdA}));
    for (uint16_t sequence = 1; sequence <= 2; ++sequence)
    {
        const uint32_t seconds = 1 + sequence;
        builder.AddGreOverEsp("ICMP echo request host A to host B over GRE", seconds, 0, espAToB,
                              kGatewayA, kGatewayB, 0x0101 + sequence,
                              Ipv4Packet(MakeHeader(kHostA, kHostB, kIpProtocolIcmp, kForwardedTtl,
                                                    0x4a00 + sequence),
                                         IcmpEcho(kIcmpEchoRequest, sequence)));
        builder.AddGreOverEsp("ICMP echo reply host B to host A over GRE", seconds, 21000, espBToA,
                              kGatewayB, kGatewayA, 0x0201 + sequence,
                              Ipv4Packet(MakeHeader(kHostB, kHostA, kIpProtocolIcmp, kForwardedTtl,
                                                    0x6b00 + sequence),
                                         IcmpEcho(kIcmpEchoReply, sequence)));
    }
    builder.AddEspTunnel(
        "ICMP echo request host C to host D, ESP tunnel mode C to D", 4, 0, espCToD, kGatewayC,
        kGatewayD, 0x0301,
        Ipv4Packet(MakeHeader(kHostC, kHostD, kIpProtocolIcmp, kForwardedTtl, 0x7c01),
                   IcmpEcho(kIcmpEchoRequest, 1)));
    builder.AddEspTunnel(
        "ICMP echo reply host D to host C, ESP tunnel mode D to C", 4, 33000, espDToC, kGatewayD,
        kGatewayC, 0x0401,
        Ipv4Packet(MakeHeader(kHostD, kHostC, kIpProtocolIcmp, kForwardedTtl, 0x8d01),
                   IcmpEcho(kIcmpEchoReply, 1)));
    return sample;
}

void
WriteSampleCapture(const SampleCapture& sample, const std::string& capturePath,
                   const std::string& espSaPath)
{
    std::vector<CaptureRecord> records;
    for (const SamplePacket& packet : sample.packets)
    {
        records.push_back(packet.record);
    }
    WriteCapture(capturePath, sample.linkType, records);
    WriteEspSaFile(espSaPath, sample.sas);
}

} // namespace tunnelsim
