// OSPFv2 packet codec (RFC 2328 A.3, D.4): every packet type byte for byte, and malformed
// packets rejected with their typed reason.
//
// The expected bytes were laid out by hand from RFC 2328 A.3.1-A.3.6; their checksums were
// computed with a separate Python implementation of RFC 1071 and checked with tshark 4.0,
// which marks each of them "[correct]".
#include "bytes.h"
#include "ospf-packet.h"

#include <gtest/gtest.h>

namespace tunnelsim
{
namespace
{

Bytes
Hex(const std::string& hex)
{
    auto bytes = FromHex(hex);
    EXPECT_TRUE(bytes.has_value()) << hex;
    return bytes.value_or(Bytes{});
}

uint32_t
Address(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    return (uint32_t{a} << 24) | (uint32_t{b} << 16) | (uint32_t{c} << 8) | d;
}

// Common header of every packet below: version 2, router 1.1.1.1, area 0.0.0.0, AuType 0.
// Type, Packet length and Checksum differ per packet.

const char* const kHelloHex = "02010030"         // version 2, Hello, length 48
                              "01010101"         // router ID 1.1.1.1
                              "00000000"         // area 0.0.0.0
                              "34eb0000"         // checksum, AuType 0
                              "0000000000000000" // authentication
                              "ffffff00"         // network mask
                              "000a0201"         // HelloInterval 10, options E, priority 1
                              "00000028"         // RouterDeadInterval 40
                              "c0a80101"         // DR 192.168.1.1
                              "00000000"         // no BDR
                              "02020202";        // neighbour 2.2.2.2

// The router-LSA of ospf-lsa-test.cc; its header alone in DBD and LSAck packets.
const char* const kRouterLsaHeaderHex = "000002010101010101010101800000012e65003c";
const char* const kRouterLsaBodyHex = "00000003020202020a0000010100000a0a000000fffffffc0300000a"
                                      "c0a80100ffffff0003000001";
const char* const kNetworkLsaHeaderHex = "00070202c0a805030303030380000002437c0024";
const char* const kNetworkLsaBodyHex = "ffffff00030303030101010102020202";

std::string
DbdHex()
{
    return std::string("02020034") // version 2, Database Description, length 52
           + "0101010100000000d6900000" + "0000000000000000"
           + "05dc0207"           // interface MTU 1500, options E, flags I|M|MS
           + "12345678"           // DD sequence number
           + kRouterLsaHeaderHex; // one LSA header
}

const char* const kLsrHex = "02030030" // version 2, Link State Request, length 48
                            "0101010100000000280e0000"
                            "0000000000000000"
                            "00000001"  // LS type 1
                            "02020202"  // Link State ID 2.2.2.2
                            "02020202"  // advertising router 2.2.2.2
                            "00000002"  // LS type 2
                            "c0a80503"  // Link State ID 192.168.5.3
                            "03030303"; // advertising router 3.3.3.3

std::string
LsuHex()
{
    return std::string("0204007c") // version 2, Link State Update, length 124
           + "0101010100000000caa50000" + "0000000000000000" + "00000002" // # LSAs
           + kRouterLsaHeaderHex + kRouterLsaBodyHex + kNetworkLsaHeaderHex + kNetworkLsaBodyHex;
}

std::string
AckHex()
{
    return std::string("02050040") // version 2, Link State Acknowledgment, length 64
           + "0101010100000000b5b30000" + "0000000000000000" + kRouterLsaHeaderHex
           + kNetworkLsaHeaderHex;
}

OspfHeader
MakeHeader()
{
    OspfHeader header;
    header.routerId = Address(1, 1, 1, 1);
    header.areaId = 0;
    header.authType = kOspfAuthNull;
    return header;
}

Lsa
MakeRouterLsa()
{
    Lsa lsa;
    lsa.header.options = kOspfOptionE;
    lsa.header.linkStateId = Address(1, 1, 1, 1);
    lsa.header.advertisingRouter = Address(1, 1, 1, 1);
    lsa.header.sequenceNumber = kInitialSequenceNumber;
    RouterLsaBody body;
    body.links.push_back(
        {Address(2, 2, 2, 2), Address(10, 0, 0, 1), RouterLinkType::PointToPoint, 10, {}});
    body.links.push_back(
        {Address(10, 0, 0, 0), Address(255, 255, 255, 252), RouterLinkType::Stub, 10, {}});
    body.links.push_back(
        {Address(192, 168, 1, 0), Address(255, 255, 255, 0), RouterLinkType::Stub, 1, {}});
    lsa.body = body;
    return lsa;
}

Lsa
MakeNetworkLsa()
{
    Lsa lsa;
    lsa.header.age = 7;
    lsa.header.options = kOspfOptionE;
    lsa.header.linkStateId = Address(192, 168, 5, 3);
    lsa.header.advertisingRouter = Address(3, 3, 3, 3);
    lsa.header.sequenceNumber = static_cast<int32_t>(0x80000002u);
    lsa.body = NetworkLsaBody{Address(255, 255, 255, 0),
                              {Address(3, 3, 3, 3), Address(1, 1, 1, 1), Address(2, 2, 2, 2)}};
    return lsa;
}

/// @p lsa as it appears on the wire, with LS type, checksum and length filled in.
Lsa
WireLsa(const Lsa& lsa)
{
    return DecodeLsa(EncodeLsa(lsa)).Value();
}

LsaHeader
WireHeader(const Lsa& lsa)
{
    return WireLsa(lsa).header;
}

OspfPacket
MakeHello()
{
    OspfHello hello;
    hello.networkMask = Address(255, 255, 255, 0);
    hello.helloInterval = 10;
    hello.options = kOspfOptionE;
    hello.routerPriority = 1;
    hello.routerDeadInterval = 40;
    hello.designatedRouter = Address(192, 168, 1, 1);
    hello.backupDesignatedRouter = 0;
    hello.neighbors = {Address(2, 2, 2, 2)};
    return OspfPacket{MakeHeader(), hello};
}

OspfPacket
MakeDbd()
{
    OspfDatabaseDescription dbd;
    dbd.interfaceMtu = 1500;
    dbd.options = kOspfOptionE;
    dbd.flags = kDbdFlagInit | kDbdFlagMore | kDbdFlagMasterSlave;
    dbd.sequenceNumber = 0x12345678;
    dbd.lsaHeaders = {WireHeader(MakeRouterLsa())};
    return OspfPacket{MakeHeader(), dbd};
}

OspfPacket
MakeLsr()
{
    OspfLinkStateRequest request;
    request.requests = {
        LsaKey{1, Address(2, 2, 2, 2), Address(2, 2, 2, 2)},
        LsaKey{2, Address(192, 168, 5, 3), Address(3, 3, 3, 3)},
    };
    return OspfPacket{MakeHeader(), request};
}

OspfPacket
MakeLsu()
{
    OspfLinkStateUpdate update;
    update.lsas = {WireLsa(MakeRouterLsa()), WireLsa(MakeNetworkLsa())};
    return OspfPacket{MakeHeader(), update};
}

OspfPacket
MakeAck()
{
    OspfLinkStateAck ack;
    ack.lsaHeaders = {WireHeader(MakeRouterLsa()), WireHeader(MakeNetworkLsa())};
    return OspfPacket{MakeHeader(), ack};
}

struct PacketCase
{
    const char* name;
    OspfPacket (*make)();
    std::string hex;
    OspfPacketType type;
};

std::vector<PacketCase>
PacketCases()
{
    return {
        {"hello", MakeHello, kHelloHex, OspfPacketType::Hello},
        {"dbd", MakeDbd, DbdHex(), OspfPacketType::DatabaseDescription},
        {"lsr", MakeLsr, kLsrHex, OspfPacketType::LinkStateRequest},
        {"lsu", MakeLsu, LsuHex(), OspfPacketType::LinkStateUpdate},
        {"ack", MakeAck, AckHex(), OspfPacketType::LinkStateAck},
    };
}

/// Recompute the packet checksum (RFC 2328 D.4.1) after a test changed covered bytes.
void
FixChecksum(Bytes& packet)
{
    Bytes copy = packet;
    WriteU16(copy.data() + kOspfChecksumOffset, 0);
    std::fill_n(copy.begin() + kOspfAuthenticationOffset, kOspfAuthenticationSize, 0);
    WriteU16(packet.data() + kOspfChecksumOffset, InternetChecksum(copy));
}

/// Set Packet length to the buffer size and recompute the checksum.
void
FixLengthAndChecksum(Bytes& packet)
{
    WriteU16(packet.data() + 2, static_cast<uint16_t>(packet.size()));
    FixChecksum(packet);
}

OspfDecodeError
DecodeError(const Bytes& packet)
{
    auto decoded = DecodeOspfPacket(packet);
    EXPECT_FALSE(decoded.Ok());
    return decoded.Ok() ? OspfDecodeError::Truncated : decoded.Error();
}

TEST(OspfPacketEncode, EveryTypeBytes)
{
    for (const PacketCase& c : PacketCases())
    {
        EXPECT_EQ(ToHex(EncodeOspfPacket(c.make())), c.hex) << c.name;
    }
}

TEST(OspfPacketDecode, EveryTypeFields)
{
    for (const PacketCase& c : PacketCases())
    {
        auto decoded = DecodeOspfPacket(Hex(c.hex));
        ASSERT_TRUE(decoded.Ok()) << c.name << ": " << ToString(decoded.Error());
        const OspfPacket& packet = decoded.Value();
        EXPECT_EQ(packet.header.type, c.type) << c.name;
        EXPECT_EQ(TypeOf(packet.body), c.type) << c.name;
        EXPECT_EQ(packet.header.routerId, Address(1, 1, 1, 1)) << c.name;
        EXPECT_EQ(packet.header.packetLength, c.hex.size() / 2) << c.name;
        EXPECT_TRUE(packet.body == c.make().body) << c.name;
    }
}

TEST(OspfPacketDecode, HelloFields)
{
    auto decoded = DecodeOspfPacket(Hex(kHelloHex));
    ASSERT_TRUE(decoded.Ok());
    const auto& hello = std::get<OspfHello>(decoded.Value().body);
    EXPECT_EQ(hello.helloInterval, 10);
    EXPECT_EQ(hello.routerDeadInterval, 40u);
    EXPECT_EQ(hello.designatedRouter, Address(192, 168, 1, 1));
    ASSERT_EQ(hello.neighbors.size(), 1u);
    EXPECT_EQ(hello.neighbors[0], Address(2, 2, 2, 2));
}

TEST(OspfPacketDecode, DbdFlags)
{
    auto decoded = DecodeOspfPacket(Hex(DbdHex()));
    ASSERT_TRUE(decoded.Ok());
    const auto& dbd = std::get<OspfDatabaseDescription>(decoded.Value().body);
    EXPECT_TRUE(dbd.IsInit());
    EXPECT_TRUE(dbd.IsMore());
    EXPECT_TRUE(dbd.IsMaster());
    EXPECT_EQ(dbd.interfaceMtu, 1500);
}

TEST(OspfPacketDecode, TruncatedAtEveryLength)
{
    for (const PacketCase& c : PacketCases())
    {
        const Bytes good = Hex(c.hex);
        for (size_t size = 0; size < good.size(); ++size)
        {
            auto decoded = DecodeOspfPacket(ByteView(good.data(), size));
            ASSERT_FALSE(decoded.Ok()) << c.name << " size " << size;
            EXPECT_EQ(decoded.Error(), OspfDecodeError::Truncated) << c.name << " size " << size;
        }
    }
}

TEST(OspfPacketDecode, BadChecksumOnEveryCoveredByte)
{
    for (const PacketCase& c : PacketCases())
    {
        const Bytes good = Hex(c.hex);
        // Bytes 0-3 (version, type, length) have their own checks; 16-23 are not covered.
        for (size_t i = 4; i < good.size(); ++i)
        {
            if (i >= kOspfAuthenticationOffset
                && i < kOspfAuthenticationOffset + kOspfAuthenticationSize)
            {
                continue;
            }
            Bytes bad = good;
            bad[i] ^= 0x40;
            EXPECT_EQ(DecodeError(bad), OspfDecodeError::BadChecksum) << c.name << " byte " << i;
        }
    }
}

TEST(OspfPacketDecode, AuthenticationNotCovered)
{
    Bytes packet = Hex(kHelloHex);
    packet[kOspfAuthenticationOffset] = 0x55;
    auto decoded = DecodeOspfPacket(packet);
    ASSERT_TRUE(decoded.Ok()) << ToString(decoded.Error());
    EXPECT_EQ(decoded.Value().header.authentication, 0x5500000000000000u);
}

TEST(OspfPacketDecode, CryptographicAuthSkipsChecksum)
{
    Bytes packet = Hex(kHelloHex);
    WriteU16(packet.data() + 14, kOspfAuthCryptographic);
    WriteU16(packet.data() + kOspfChecksumOffset, 0);
    auto decoded = DecodeOspfPacket(packet);
    ASSERT_TRUE(decoded.Ok()) << ToString(decoded.Error());
    EXPECT_EQ(decoded.Value().header.authType, kOspfAuthCryptographic);
}

TEST(OspfPacketEncode, CryptographicAuthLeavesChecksumZero)
{
    OspfPacket hello = MakeHello();
    hello.header.authType = kOspfAuthCryptographic;
    const Bytes encoded = EncodeOspfPacket(hello);
    EXPECT_EQ(ReadU16(encoded.data() + kOspfChecksumOffset), 0);
}

TEST(OspfPacketDecode, BadVersion)
{
    for (uint8_t version : {0, 1, 3, 255})
    {
        Bytes packet = Hex(kHelloHex);
        packet[0] = version;
        FixChecksum(packet);
        EXPECT_EQ(DecodeError(packet), OspfDecodeError::UnsupportedVersion)
            << "version " << int{version};
    }
}

TEST(OspfPacketDecode, UnknownType)
{
    for (uint8_t type : {0, 6, 255})
    {
        Bytes packet = Hex(kHelloHex);
        packet[1] = type;
        FixChecksum(packet);
        EXPECT_EQ(DecodeError(packet), OspfDecodeError::UnknownPacketType) << "type " << int{type};
    }
}

TEST(OspfPacketDecode, LengthBelowHeader)
{
    Bytes packet = Hex(kHelloHex);
    WriteU16(packet.data() + 2, kOspfHeaderSize - 1);
    EXPECT_EQ(DecodeError(packet), OspfDecodeError::BadLength);
}

TEST(OspfPacketDecode, TrailingBytesIgnored)
{
    Bytes packet = Hex(kLsrHex);
    packet.insert(packet.end(), {0xde, 0xad, 0xbe, 0xef});
    auto decoded = DecodeOspfPacket(packet);
    ASSERT_TRUE(decoded.Ok()) << ToString(decoded.Error());
    EXPECT_EQ(std::get<OspfLinkStateRequest>(decoded.Value().body).requests.size(), 2u);
}

struct BadLayoutCase
{
    const char* name;
    std::string hex; ///< the whole packet; length and checksum are fixed before decoding
    OspfDecodeError expected;
};

std::vector<BadLayoutCase>
BadLayoutCases()
{
    const std::string header = "020100000101010100000000000000000000000000000000";
    auto withType = [&header](char type, const std::string& body)
    {
        std::string hex = header + body;
        hex[3] = type;
        return hex;
    };
    return {
        {"hello-short", withType('1', "ffffff00000a02010000002800000000"),
         OspfDecodeError::BadLength},
        {"hello-partial-neighbor", withType('1', "ffffff00000a020100000028c0a80101000000000202"),
         OspfDecodeError::BadLength},
        {"dbd-short", withType('2', "05dc0207"), OspfDecodeError::BadLength},
        {"dbd-partial-header",
         withType('2', std::string("05dc020712345678") + kRouterLsaHeaderHex + "00"),
         OspfDecodeError::BadLength},
        {"lsr-partial-entry", withType('3', "000000010202020202020202000000"),
         OspfDecodeError::BadLength},
        {"lsu-empty", withType('4', ""), OspfDecodeError::BadLength},
        {"lsu-count-high",
         withType('4', std::string("00000002") + kNetworkLsaHeaderHex + kNetworkLsaBodyHex),
         OspfDecodeError::BadLength},
        {"lsu-count-low",
         withType('4', std::string("00000001") + kNetworkLsaHeaderHex + kNetworkLsaBodyHex
                           + kNetworkLsaHeaderHex + kNetworkLsaBodyHex),
         OspfDecodeError::BadLength},
        {"lsu-lsa-beyond-packet",
         withType('4', std::string("00000001") + kNetworkLsaHeaderHex + "ffffff00"),
         OspfDecodeError::BadLength},
        {"lsu-lsa-length-below-header",
         withType('4', "0000000100070202c0a805030303030380000002437c0013"),
         OspfDecodeError::BadLsaLength},
        {"ack-partial-header", withType('5', std::string(kRouterLsaHeaderHex) + "0000"),
         OspfDecodeError::BadLength},
    };
}

TEST(OspfPacketDecode, BadBodyLayout)
{
    for (const BadLayoutCase& c : BadLayoutCases())
    {
        Bytes packet = Hex(c.hex);
        FixLengthAndChecksum(packet);
        EXPECT_EQ(DecodeError(packet), c.expected) << c.name;
    }
}

TEST(OspfPacketDecode, LsuSkipsBadLsa)
{
    Bytes packet = Hex(LsuHex());
    // Corrupt the router-LSA's first link metric: its Fletcher checksum no longer verifies.
    const size_t routerLsaStart = kOspfHeaderSize + kOspfLinkStateUpdateFixedSize;
    packet[routerLsaStart + kLsaHeaderSize + 4 + 11] ^= 0x01;
    FixChecksum(packet);
    auto decoded = DecodeOspfPacket(packet);
    ASSERT_TRUE(decoded.Ok()) << ToString(decoded.Error());
    const auto& update = std::get<OspfLinkStateUpdate>(decoded.Value().body);
    ASSERT_EQ(update.lsas.size(), 1u);
    EXPECT_EQ(update.lsas[0].header.type, static_cast<uint8_t>(LsaType::Network));
    ASSERT_EQ(update.rejectedLsas.size(), 1u);
    EXPECT_EQ(update.rejectedLsas[0], OspfDecodeError::BadLsaChecksum);
}

TEST(OspfPacketEncode, EmptyBodies)
{
    EXPECT_EQ(EncodeOspfPacket(OspfPacket{MakeHeader(), OspfLinkStateAck{}}).size(),
              kOspfHeaderSize);
    EXPECT_EQ(EncodeOspfPacket(OspfPacket{MakeHeader(), OspfLinkStateUpdate{}}).size(),
              kOspfHeaderSize + kOspfLinkStateUpdateFixedSize);
}

} // namespace
} // namespace tunnelsim
