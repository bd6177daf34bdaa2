/*
 * GRE model units: the tunnel MTU computation, TCP MSS clamping on raw bytes, and the
 * receive path of GreL4Protocol and GreTunnelNetDevice fed with crafted GRE packets.
 *
 * The receive tests inject packets as if they came from gateway B:
 *
 *   gwA 192.0.2.1 ---- p2p ---- 192.0.2.2 gwB
 *       \_____ GRE 172.16.0.0/30 _____/
 */
#include "gre-drop-reason.h"
#include "gre-helper.h"
#include "gre-l4-protocol.h"
#include "gre-tunnel-mtu.h"
#include "gre-tunnel-net-device.h"
#include "ipv4-header.h"
#include "ns3/boolean.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"
#include "tcp-mss-clamp.h"

#include <functional>
#include <gtest/gtest.h>
#include <optional>
#include <string>
#include <vector>

namespace tunnelsim
{
namespace
{

// --- Tunnel MTU ---------------------------------------------------------------------------

/// Sizes from the RFCs, written out here so the test does not reuse the model's numbers.
constexpr size_t kOuterIpv4 = 20; ///< RFC 791 s3.1, no options
constexpr size_t kGreBase = 4;    ///< RFC 2784 s2.1
constexpr size_t kGreOption = 4;  ///< RFC 2784 s2.5, RFC 2890 s2.1 and s2.2
constexpr size_t kEspHeader = 8;  ///< SPI + sequence, RFC 4303 s2
constexpr size_t kEspTrailer = 2; ///< Pad Length + Next Header, RFC 4303 s2.4

struct SuiteSizes
{
    EspSuite suite;
    size_t iv;        ///< RFC 4106 s3.1: 8 for GCM; RFC 3602 s2.1: 16 for CBC; NULL: 0
    size_t icv;       ///< GCM 16 (RFC 4106 s6), HMAC-SHA1-96 12, HMAC-SHA-256-128 16
    size_t alignment; ///< CBC pads to the 16-byte AES block (RFC 3602 s2.4), others to 4
};

struct MtuCase
{
    const char* name;
    uint16_t underlay;
    size_t greOptions;
    std::optional<SuiteSizes> esp;
    GreEspMode mode;
};

/// Print the case name in gtest messages instead of the bytes of the struct.
void
PrintTo(const MtuCase& c, std::ostream* os)
{
    *os << c.name;
}

/// The expected MTU from header sizes. Plain GRE subtracts its headers. With ESP, the padded
/// payload must fit between the ESP header and IV and the ICV of the outer packet.
size_t
ExpectedMtu(const MtuCase& c)
{
    const size_t gre = kGreBase + kGreOption * c.greOptions;
    if (!c.esp)
    {
        return c.underlay - kOuterIpv4 - gre;
    }
    const size_t room = c.underlay - kOuterIpv4 - kEspHeader - c.esp->iv - c.esp->icv;
    const size_t padded = room / c.esp->alignment * c.esp->alignment;
    const size_t extraIpv4 = c.mode == GreEspMode::Tunnel ? kOuterIpv4 : 0;
    return padded - kEspTrailer - extraIpv4 - gre;
}

const SuiteSizes kGcm128{EspSuite{EspCipher::AesGcm128, EspIntegrity::None}, 8, 16, 4};
const SuiteSizes kCbc128Sha1{EspSuite{EspCipher::AesCbc128, EspIntegrity::HmacSha1_96}, 16, 12, 16};
const SuiteSizes kCbc256Sha256{EspSuite{EspCipher::AesCbc256, EspIntegrity::HmacSha256_128}, 16, 16,
                               16};
const SuiteSizes kNullSha256{EspSuite{EspCipher::Null, EspIntegrity::HmacSha256_128}, 0, 16, 4};

class TunnelMtu : public ::testing::TestWithParam<MtuCase>
{
};

TEST_P(TunnelMtu, MatchesHeaderSizes)
{
    const MtuCase& c = GetParam();
    const size_t gre = kGreBase + kGreOption * c.greOptions;
    std::optional<GreEspProtection> esp;
    if (c.esp)
    {
        esp = GreEspProtection{c.esp->suite, c.mode};
    }
    EXPECT_EQ(ComputeGreTunnelMtu(c.underlay, gre, esp), ExpectedMtu(c));
}

TEST_P(TunnelMtu, LargestThatFits)
{
    const MtuCase& c = GetParam();
    const size_t gre = kGreBase + kGreOption * c.greOptions;
    std::optional<GreEspProtection> esp;
    if (c.esp)
    {
        esp = GreEspProtection{c.esp->suite, c.mode};
    }
    const uint16_t mtu = ComputeGreTunnelMtu(c.underlay, gre, esp);
    EXPECT_LE(GreOuterPacketSize(mtu, gre, esp), c.underlay);
    EXPECT_GT(GreOuterPacketSize(mtu + 1u, gre, esp), c.underlay);
}

INSTANTIATE_TEST_SUITE_P(
    Gre, TunnelMtu,
    ::testing::Values(MtuCase{"plain", 1500, 0, std::nullopt, GreEspMode::Tunnel},
                      MtuCase{"key", 1500, 1, std::nullopt, GreEspMode::Tunnel},
                      MtuCase{"allOptions", 1500, 3, std::nullopt, GreEspMode::Tunnel},
                      MtuCase{"smallUnderlay", 576, 0, std::nullopt, GreEspMode::Tunnel},
                      MtuCase{"gcmTunnel", 1500, 0, kGcm128, GreEspMode::Tunnel},
                      MtuCase{"gcmTransport", 1500, 0, kGcm128, GreEspMode::Transport},
                      MtuCase{"gcmTunnelKey", 1500, 1, kGcm128, GreEspMode::Tunnel},
                      MtuCase{"cbcSha1Tunnel", 1500, 0, kCbc128Sha1, GreEspMode::Tunnel},
                      MtuCase{"cbcSha1Transport", 1500, 0, kCbc128Sha1, GreEspMode::Transport},
                      MtuCase{"cbcSha256Tunnel", 1400, 2, kCbc256Sha256, GreEspMode::Tunnel},
                      MtuCase{"nullSha256Tunnel", 1500, 0, kNullSha256, GreEspMode::Tunnel},
                      MtuCase{"jumboGcmTunnel", 9000, 0, kGcm128, GreEspMode::Tunnel}),
    [](const ::testing::TestParamInfo<MtuCase>& info)
    {
        return std::string(info.param.name);
    });

TEST(TunnelMtuLimits, UnderlayTooSmall)
{
    EXPECT_EQ(ComputeGreTunnelMtu(20, kGreBase), 0);
}

TEST(TunnelMtuLimits, EspLeavesNothing)
{
    EXPECT_EQ(
        ComputeGreTunnelMtu(60, kGreBase, GreEspProtection{kGcm128.suite, GreEspMode::Tunnel}), 0);
}

// --- MSS clamping -------------------------------------------------------------------------

constexpr uint8_t kSyn = 0x02;
constexpr uint8_t kAck = 0x10;
constexpr uint16_t kMaxMss = 1436;

/// Pseudo-header sum check (RFC 9293 s3.1): a segment with a correct checksum sums to 0.
bool
TcpChecksumValid(const Bytes& packet)
{
    const Result<Ipv4Header> ip = DecodeIpv4Header(packet);
    if (!ip)
    {
        return false;
    }
    const size_t start = ip.Value().HeaderSize();
    const size_t length = ip.Value().totalLength - start;
    Bytes pseudo;
    AppendU32(pseudo, ip.Value().source);
    AppendU32(pseudo, ip.Value().destination);
    pseudo.push_back(0);
    pseudo.push_back(kIpProtocolTcp);
    AppendU16(pseudo, static_cast<uint16_t>(length));
    pseudo.insert(pseudo.end(), packet.begin() + start, packet.begin() + start + length);
    return InternetChecksum(pseudo) == 0;
}

/// An IPv4 packet carrying a TCP segment with @p flags and @p options (padded by the
/// caller to a multiple of 4) and a correct checksum.
Bytes
MakeTcpPacket(uint8_t flags, const Bytes& options, uint8_t protocol = kIpProtocolTcp)
{
    Bytes tcp;
    AppendU16(tcp, 40000); // source port
    AppendU16(tcp, 80);    // destination port
    AppendU32(tcp, 1000);  // sequence
    AppendU32(tcp, 0);     // acknowledgment
    tcp.push_back(static_cast<uint8_t>(((kTcpMinHeaderSize + options.size()) / 4) << 4));
    tcp.push_back(flags);
    AppendU16(tcp, 65535); // window
    AppendU16(tcp, 0);     // checksum, filled below
    AppendU16(tcp, 0);     // urgent pointer
    tcp.insert(tcp.end(), options.begin(), options.end());

    Ipv4Header ip;
    ip.protocol = protocol;
    ip.source = *Ipv4FromString("10.1.1.10");
    ip.destination = *Ipv4FromString("10.2.1.10");
    ip.totalLength = static_cast<uint16_t>(kIpv4MinHeaderSize + tcp.size());
    Bytes packet;
    EncodeIpv4Header(ip, packet);
    packet.insert(packet.end(), tcp.begin(), tcp.end());

    Bytes pseudo;
    AppendU32(pseudo, ip.source);
    AppendU32(pseudo, ip.destination);
    pseudo.push_back(0);
    pseudo.push_back(protocol);
    AppendU16(pseudo, static_cast<uint16_t>(tcp.size()));
    pseudo.insert(pseudo.end(), tcp.begin(), tcp.end());
    WriteU16(&packet[kIpv4MinHeaderSize + 16], InternetChecksum(pseudo));
    return packet;
}

Bytes
MssOption(uint16_t mss)
{
    return Bytes{2, 4, static_cast<uint8_t>(mss >> 8), static_cast<uint8_t>(mss)};
}

Bytes
Concat(std::initializer_list<Bytes> parts)
{
    Bytes out;
    for (const Bytes& part : parts)
    {
        out.insert(out.end(), part.begin(), part.end());
    }
    return out;
}

struct MssCase
{
    const char* name;
    Bytes packet;
    MssClampOutcome outcome;
    std::optional<uint16_t> mssAfter; ///< expected MSS value after the call
    size_t mssOffset;                 ///< offset of the MSS value in the packet, if any
};

/// Print the case name in gtest messages instead of the bytes of the struct.
void
PrintTo(const MssCase& c, std::ostream* os)
{
    *os << c.name;
}

class MssClamp : public ::testing::TestWithParam<MssCase>
{
};

TEST_P(MssClamp, Outcome)
{
    Bytes packet = GetParam().packet;
    EXPECT_EQ(ClampTcpMss(packet, kMaxMss).outcome, GetParam().outcome);
}

TEST_P(MssClamp, MssValue)
{
    Bytes packet = GetParam().packet;
    const MssClampResult result = ClampTcpMss(packet, kMaxMss);
    if (!GetParam().mssAfter)
    {
        EXPECT_EQ(result.originalMss, 0) << "reported an MSS where the packet has none";
        return;
    }
    EXPECT_EQ(ReadU16(&packet[GetParam().mssOffset]), *GetParam().mssAfter);
}

TEST_P(MssClamp, ChecksumStillValid)
{
    Bytes packet = GetParam().packet;
    const bool validBefore = TcpChecksumValid(packet);
    ClampTcpMss(packet, kMaxMss);
    EXPECT_EQ(TcpChecksumValid(packet), validBefore);
}

TEST_P(MssClamp, UnchangedUnlessClamped)
{
    Bytes packet = GetParam().packet;
    ClampTcpMss(packet, kMaxMss);
    if (GetParam().outcome != MssClampOutcome::Clamped)
    {
        EXPECT_EQ(packet, GetParam().packet);
    }
    else
    {
        EXPECT_NE(packet, GetParam().packet);
    }
}

const Bytes kNop{1};
const Bytes kEnd{0};
constexpr size_t kOptionsStart = kIpv4MinHeaderSize + kTcpMinHeaderSize;

Bytes
WrongChecksum(Bytes packet)
{
    packet[kIpv4MinHeaderSize + 16] ^= 0x5a;
    return packet;
}

INSTANTIATE_TEST_SUITE_P(
    Gre, MssClamp,
    ::testing::Values(
        MssCase{"aboveLimit", MakeTcpPacket(kSyn, MssOption(1460)), MssClampOutcome::Clamped,
                kMaxMss, kOptionsStart + 2},
        MssCase{"synAck", MakeTcpPacket(kSyn | kAck, MssOption(8960)), MssClampOutcome::Clamped,
                kMaxMss, kOptionsStart + 2},
        MssCase{"oddOffset", MakeTcpPacket(kSyn, Concat({kNop, MssOption(1460), kNop, kNop, kNop})),
                MssClampOutcome::Clamped, kMaxMss, kOptionsStart + 3},
        MssCase{"oddOffsetLast",
                MakeTcpPacket(kSyn, Concat({kNop, kNop, kNop, MssOption(1460), kEnd})),
                MssClampOutcome::Clamped, kMaxMss, kOptionsStart + 5},
        MssCase{"wrongChecksumKept", WrongChecksum(MakeTcpPacket(kSyn, MssOption(1460))),
                MssClampOutcome::Clamped, kMaxMss, kOptionsStart + 2},
        MssCase{"atLimit", MakeTcpPacket(kSyn, MssOption(kMaxMss)), MssClampOutcome::WithinLimit,
                kMaxMss, kOptionsStart + 2},
        MssCase{"belowLimit", MakeTcpPacket(kSyn, MssOption(1200)), MssClampOutcome::WithinLimit,
                1200, kOptionsStart + 2},
        MssCase{"noMssOption", MakeTcpPacket(kSyn, Concat({kNop, kNop, kNop, kNop})),
                MssClampOutcome::NoMssOption, std::nullopt, 0},
        MssCase{"notSyn", MakeTcpPacket(kAck, MssOption(1460)), MssClampOutcome::NotTcpSyn, 1460,
                kOptionsStart + 2},
        MssCase{"notTcp", MakeTcpPacket(kSyn, MssOption(1460), kIpProtocolUdp),
                MssClampOutcome::NotTcpSyn, 1460, kOptionsStart + 2},
        MssCase{"zeroOptionLength",
                MakeTcpPacket(kSyn, Concat({Bytes{8, 0, 0, 0}, MssOption(1460)})),
                MssClampOutcome::Malformed, 1460, kOptionsStart + 6},
        MssCase{"optionPastHeader", MakeTcpPacket(kSyn, Concat({kNop, kNop, Bytes{2, 4}})),
                MssClampOutcome::Malformed, std::nullopt, 0},
        MssCase{"mssWrongLength", MakeTcpPacket(kSyn, Bytes{2, 3, 5, 0}),
                MssClampOutcome::Malformed, std::nullopt, 0},
        MssCase{"truncatedIpv4", Bytes{0x45, 0, 0}, MssClampOutcome::Malformed, std::nullopt, 0}),
    [](const ::testing::TestParamInfo<MssCase>& info)
    {
        return std::string(info.param.name);
    });

// --- Receive path -------------------------------------------------------------------------

const ns3::Ipv4Address kPublicA("192.0.2.1");
const ns3::Ipv4Address kPublicB("192.0.2.2");
constexpr uint32_t kKey = 42;
/// An unassigned protocol number (RFC 3692 reserves 253 for experiments), so the inner
/// packets reach no transport protocol.
constexpr uint8_t kExperimentProtocol = 253;

struct TunnelOptions
{
    bool key = false;
    bool sequence = false;
    bool checksum = false;
};

/// An inner IPv4 packet from LAN B to LAN A with @p payloadSize bytes.
Bytes
InnerPacket(size_t payloadSize = 8)
{
    Ipv4Header ip;
    ip.protocol = kExperimentProtocol;
    ip.source = *Ipv4FromString("10.2.1.10");
    ip.destination = *Ipv4FromString("10.1.1.10");
    ip.totalLength = static_cast<uint16_t>(kIpv4MinHeaderSize + payloadSize);
    Bytes packet;
    EncodeIpv4Header(ip, packet);
    packet.resize(ip.totalLength, 0xab);
    return packet;
}

Bytes
GrePacket(const GreHeader& header, const Bytes& payload)
{
    Bytes out;
    EncodeGre(header, payload, out);
    return out;
}

GreHeader
HeaderFor(const TunnelOptions& options, uint32_t sequence = 0)
{
    GreHeader header;
    header.keyPresent = options.key;
    header.key = kKey;
    header.sequencePresent = options.sequence;
    header.sequence = sequence;
    header.checksumPresent = options.checksum;
    return header;
}

/// Two gateways joined by a point-to-point link and a GRE tunnel over it.
class GreReceiveFixture
{
  public:
    explicit GreReceiveFixture(const TunnelOptions& options)
    {
        m_nodes.Create(2);
        ns3::InternetStackHelper stack;
        stack.SetRoutingHelper(ns3::Ipv4StaticRoutingHelper());
        stack.Install(m_nodes);
        ns3::PointToPointHelper p2p;
        ns3::NetDeviceContainer link = p2p.Install(m_nodes);
        ns3::Ipv4AddressHelper addresses("192.0.2.0", "255.255.255.252");
        addresses.Assign(link);

        GreHelper gre;
        gre.SetTunnelAttribute("KeyEnabled", ns3::BooleanValue(options.key));
        gre.SetTunnelAttribute("Key", ns3::UintegerValue(kKey));
        gre.SetTunnelAttribute("Sequence", ns3::BooleanValue(options.sequence));
        gre.SetTunnelAttribute("Checksum", ns3::BooleanValue(options.checksum));
        ns3::NetDeviceContainer tunnels = gre.InstallPair(
            m_nodes.Get(0), kPublicA, m_nodes.Get(1), kPublicB, "172.16.0.0", "255.255.255.252");
        m_tunnelA = ns3::DynamicCast<GreTunnelNetDevice>(tunnels.Get(0));
        m_greA = m_nodes.Get(0)->GetObject<GreL4Protocol>();
    }

    ~GreReceiveFixture() { ns3::Simulator::Destroy(); }

    /// Hand @p bytes to gateway A's GRE protocol as if gateway B had sent them.
    ns3::IpL4Protocol::RxStatus Inject(const Bytes& bytes)
    {
        ns3::Ipv4Header outer;
        outer.SetSource(kPublicB);
        outer.SetDestination(kPublicA);
        outer.SetProtocol(GreL4Protocol::PROT_NUMBER);
        ns3::Ptr<ns3::Packet> packet
            = ns3::Create<ns3::Packet>(bytes.data(), static_cast<uint32_t>(bytes.size()));
        return m_greA->Receive(packet, outer, nullptr);
    }

    ns3::NodeContainer m_nodes;
    ns3::Ptr<GreTunnelNetDevice> m_tunnelA;
    ns3::Ptr<GreL4Protocol> m_greA;
};

struct ReceiveCase
{
    const char* name;
    TunnelOptions tunnel;
    std::function<Bytes()> build;
    std::optional<GreDropReason> protocolDrop; ///< dropped by GreL4Protocol
    std::optional<GreDropReason> tunnelDrop;   ///< dropped by the tunnel device
};

/// Print the case name in gtest messages instead of the bytes of the struct.
void
PrintTo(const ReceiveCase& c, std::ostream* os)
{
    *os << c.name;
}

class GreReceive : public ::testing::TestWithParam<ReceiveCase>
{
};

TEST_P(GreReceive, DropReason)
{
    const ReceiveCase& c = GetParam();
    GreReceiveFixture fixture(c.tunnel);
    fixture.Inject(c.build());

    for (GreDropReason reason : kAllGreDropReasons)
    {
        const uint64_t expectedProtocol = c.protocolDrop == reason ? 1 : 0;
        const uint64_t expectedTunnel = c.tunnelDrop == reason ? 1 : 0;
        EXPECT_EQ(fixture.m_greA->GetDropCount(reason), expectedProtocol)
            << "protocol drop " << ToString(reason);
        EXPECT_EQ(fixture.m_tunnelA->GetDropCount(reason), expectedTunnel)
            << "tunnel drop " << ToString(reason);
    }
}

TEST_P(GreReceive, DeliveredOnlyWhenValid)
{
    const ReceiveCase& c = GetParam();
    GreReceiveFixture fixture(c.tunnel);
    fixture.Inject(c.build());
    const uint64_t expected = (c.protocolDrop || c.tunnelDrop) ? 0 : 1;
    EXPECT_EQ(fixture.m_tunnelA->GetStatistics().decapsulated, expected);
}

const TunnelOptions kPlain{};
const TunnelOptions kKeyed{true, false, false};
const TunnelOptions kChecksummed{false, false, true};
const TunnelOptions kSequenced{false, true, false};
const TunnelOptions kAllOptions{true, true, true};

INSTANTIATE_TEST_SUITE_P(
    Gre, GreReceive,
    ::testing::Values(ReceiveCase{"plain", kPlain,
                                  []
                                  {
                                      return GrePacket(HeaderFor(kPlain), InnerPacket());
                                  },
                                  std::nullopt, std::nullopt},
                      ReceiveCase{"allOptions", kAllOptions,
                                  []
                                  {
                                      return GrePacket(HeaderFor(kAllOptions), InnerPacket());
                                  },
                                  std::nullopt, std::nullopt},
                      ReceiveCase{"truncatedBase", kPlain,
                                  []
                                  {
                                      return Bytes{0x00, 0x00};
                                  },
                                  GreDropReason::Truncated, std::nullopt},
                      ReceiveCase{"truncatedKey", kKeyed,
                                  []
                                  {
                                      Bytes bytes = GrePacket(HeaderFor(kKeyed), Bytes{});
                                      bytes.resize(6);
                                      return bytes;
                                  },
                                  GreDropReason::Truncated, std::nullopt},
                      ReceiveCase{"version1", kPlain,
                                  []
                                  {
                                      Bytes bytes = GrePacket(HeaderFor(kPlain), InnerPacket());
                                      bytes[1] |= 0x01;
                                      return bytes;
                                  },
                                  GreDropReason::UnsupportedVersion, std::nullopt},
                      ReceiveCase{"routingBit", kPlain,
                                  []
                                  {
                                      Bytes bytes = GrePacket(HeaderFor(kPlain), InnerPacket());
                                      bytes[0] |= 0x40;
                                      return bytes;
                                  },
                                  GreDropReason::ReservedBitsSet, std::nullopt},
                      ReceiveCase{"badChecksum", kChecksummed,
                                  []
                                  {
                                      Bytes bytes
                                          = GrePacket(HeaderFor(kChecksummed), InnerPacket());
                                      bytes.back() ^= 0x01;
                                      return bytes;
                                  },
                                  GreDropReason::BadChecksum, std::nullopt},
                      ReceiveCase{"wrongKey", kKeyed,
                                  []
                                  {
                                      GreHeader header = HeaderFor(kKeyed);
                                      header.key = kKey + 1;
                                      return GrePacket(header, InnerPacket());
                                  },
                                  GreDropReason::NoTunnel, std::nullopt},
                      ReceiveCase{"missingKey", kKeyed,
                                  []
                                  {
                                      return GrePacket(HeaderFor(kPlain), InnerPacket());
                                  },
                                  GreDropReason::NoTunnel, std::nullopt},
                      ReceiveCase{"unexpectedKey", kPlain,
                                  []
                                  {
                                      return GrePacket(HeaderFor(kKeyed), InnerPacket());
                                  },
                                  GreDropReason::NoTunnel, std::nullopt},
                      ReceiveCase{"missingChecksum", kChecksummed,
                                  []
                                  {
                                      return GrePacket(HeaderFor(kPlain), InnerPacket());
                                  },
                                  std::nullopt, GreDropReason::MissingChecksum},
                      ReceiveCase{"missingSequence", kSequenced,
                                  []
                                  {
                                      return GrePacket(HeaderFor(kPlain), InnerPacket());
                                  },
                                  std::nullopt, GreDropReason::MissingSequence},
                      ReceiveCase{"ipv6Payload", kPlain,
                                  []
                                  {
                                      GreHeader header = HeaderFor(kPlain);
                                      header.protocolType = 0x86dd;
                                      return GrePacket(header, InnerPacket());
                                  },
                                  std::nullopt, GreDropReason::UnsupportedProtocol},
                      ReceiveCase{"innerNotIpv4", kPlain,
                                  []
                                  {
                                      return GrePacket(HeaderFor(kPlain), Bytes(28, 0x60));
                                  },
                                  std::nullopt, GreDropReason::MalformedInner},
                      ReceiveCase{"innerBadChecksum", kPlain,
                                  []
                                  {
                                      Bytes inner = InnerPacket();
                                      inner[10] ^= 0xff;
                                      return GrePacket(HeaderFor(kPlain), inner);
                                  },
                                  std::nullopt, GreDropReason::MalformedInner}),
    [](const ::testing::TestParamInfo<ReceiveCase>& info)
    {
        return std::string(info.param.name);
    });

TEST(GreReceiveKeepalive, ReplyCountedNotDelivered)
{
    GreReceiveFixture fixture(kPlain);
    GreHeader header = HeaderFor(kPlain);
    header.protocolType = kGreProtocolKeepalive;
    fixture.Inject(GrePacket(header, Bytes{}));
    EXPECT_EQ(fixture.m_tunnelA->GetStatistics().keepaliveRepliesReceived, 1u);
    EXPECT_EQ(fixture.m_tunnelA->GetStatistics().decapsulated, 0u);
}

// RFC 2890 s2.2: out of order means in [last - (2**31 - 1), last] modulo 2**32; the first
// packet is compared with (2**32) - 1.
struct SequenceCase
{
    const char* name;
    std::vector<uint32_t> sequences;
    std::vector<bool> accepted;
};

/// Print the case name in gtest messages instead of the bytes of the struct.
void
PrintTo(const SequenceCase& c, std::ostream* os)
{
    *os << c.name;
}

class GreSequence : public ::testing::TestWithParam<SequenceCase>
{
};

TEST_P(GreSequence, InOrderCheck)
{
    const SequenceCase& c = GetParam();
    ASSERT_EQ(c.sequences.size(), c.accepted.size());
    GreReceiveFixture fixture(kSequenced);
    uint64_t expectedDelivered = 0;
    for (size_t i = 0; i < c.sequences.size(); ++i)
    {
        fixture.Inject(GrePacket(HeaderFor(kSequenced, c.sequences[i]), InnerPacket()));
        expectedDelivered += c.accepted[i] ? 1 : 0;
        EXPECT_EQ(fixture.m_tunnelA->GetStatistics().decapsulated, expectedDelivered)
            << "after sequence " << c.sequences[i];
    }
}

TEST_P(GreSequence, OutOfOrderCounted)
{
    const SequenceCase& c = GetParam();
    GreReceiveFixture fixture(kSequenced);
    uint64_t expectedDrops = 0;
    for (size_t i = 0; i < c.sequences.size(); ++i)
    {
        fixture.Inject(GrePacket(HeaderFor(kSequenced, c.sequences[i]), InnerPacket()));
        expectedDrops += c.accepted[i] ? 0 : 1;
    }
    EXPECT_EQ(fixture.m_tunnelA->GetDropCount(GreDropReason::OutOfOrder), expectedDrops);
}

INSTANTIATE_TEST_SUITE_P(
    Gre, GreSequence,
    ::testing::Values(SequenceCase{"inOrder", {0, 1, 2, 3}, {true, true, true, true}},
                      SequenceCase{"duplicate", {0, 1, 1, 2}, {true, true, false, true}},
                      SequenceCase{"older", {0, 5, 3, 6}, {true, true, false, true}},
                      SequenceCase{"gapAccepted", {0, 1000}, {true, true}},
                      SequenceCase{"firstIsMax", {0xffffffff}, {false}},
                      SequenceCase{"wraps",
                                   {0, 0x7ffffff8, 0xfffffff0, 0xffffffff, 0, 1},
                                   {true, true, true, true, true, true}},
                      SequenceCase{"olderAcrossWrap",
                                   {0, 0x7ffffff8, 0xfffffff0, 1, 0xfffffffd},
                                   {true, true, true, true, false}},
                      SequenceCase{"halfSpaceBehind", {10, 10 - 0x7fffffffu}, {true, false}},
                      SequenceCase{"halfSpaceAhead", {10, 10 - 0x80000000u}, {true, true}}),
    [](const ::testing::TestParamInfo<SequenceCase>& info)
    {
        return std::string(info.param.name);
    });

TEST(GreDropReasonNames, RoundTrip)
{
    for (GreDropReason reason : kAllGreDropReasons)
    {
        EXPECT_EQ(ParseGreDropReason(ToString(reason)), reason) << ToString(reason);
    }
}

TEST(GreDropReasonNames, UnknownRejected)
{
    EXPECT_FALSE(ParseGreDropReason("no-such-reason").has_value());
}

} // namespace
} // namespace tunnelsim
