/*
 * OSPFv2 packets (RFC 2328 A.3): the common header and the Hello, Database Description,
 * Link State Request, Link State Update and Link State Acknowledgment bodies.
 *
 * Common header (A.3.1):
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |   Version #   |     Type      |         Packet length         |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                          Router ID                            |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                           Area ID                             |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |           Checksum            |             AuType            |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                       Authentication                          |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                       Authentication                          |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Limitations:
 * - The Authentication field is carried as 8 opaque bytes. The codec computes and verifies
 *   the checksum for AuType 0 and 1 (D.4.1, D.4.2). For cryptographic authentication
 *   (AuType 2, D.4.3) it neither computes a digest nor checks one.
 */
#ifndef TUNNELSIM_CODEC_OSPF_PACKET_H
#define TUNNELSIM_CODEC_OSPF_PACKET_H

#include "bytes.h"
#include "ospf-lsa.h"
#include "ospf-result.h"

#include <cstdint>
#include <string_view>
#include <variant>
#include <vector>

namespace tunnelsim
{

/// OSPF version carried in every packet (RFC 2328 A.3.1).
constexpr uint8_t kOspfVersion = 2;
/// Common header size in bytes (RFC 2328 A.3.1).
constexpr size_t kOspfHeaderSize = 24;
/// Offset of the Checksum field in the common header, in bytes (A.3.1).
constexpr size_t kOspfChecksumOffset = 12;
/// Offset and size of the Authentication field, excluded from the checksum (D.4.1), bytes.
constexpr size_t kOspfAuthenticationOffset = 16;
constexpr size_t kOspfAuthenticationSize = 8;
/// Hello body before the neighbour list, in bytes (A.3.2).
constexpr size_t kOspfHelloFixedSize = 20;
/// Database Description body before the LSA headers, in bytes (A.3.3).
constexpr size_t kOspfDatabaseDescriptionFixedSize = 8;
/// One Link State Request entry, in bytes (A.3.4).
constexpr size_t kOspfLinkStateRequestEntrySize = 12;
/// Link State Update body before the LSAs (# LSAs), in bytes (A.3.5).
constexpr size_t kOspfLinkStateUpdateFixedSize = 4;

/// Multicast destinations (RFC 2328 A.1), host byte order.
constexpr uint32_t kAllSpfRouters = 0xe0000005; ///< 224.0.0.5
constexpr uint32_t kAllDRouters = 0xe0000006;   ///< 224.0.0.6

/// AuType values (RFC 2328 D.1-D.3).
constexpr uint16_t kOspfAuthNull = 0;
constexpr uint16_t kOspfAuthSimplePassword = 1;
constexpr uint16_t kOspfAuthCryptographic = 2;

/// Database Description flag bits (RFC 2328 A.3.3).
constexpr uint8_t kDbdFlagMasterSlave = 0x01; ///< MS: the sender is the master
constexpr uint8_t kDbdFlagMore = 0x02;        ///< M: more Database Description packets follow
constexpr uint8_t kDbdFlagInit = 0x04;        ///< I: the first packet of the sequence

/// Packet types (RFC 2328 A.3.1).
enum class OspfPacketType : uint8_t
{
    Hello = 1,
    DatabaseDescription = 2,
    LinkStateRequest = 3,
    LinkStateUpdate = 4,
    LinkStateAck = 5,
};

struct OspfHeader
{
    uint8_t version = kOspfVersion;
    OspfPacketType type = OspfPacketType::Hello; ///< EncodeOspfPacket takes it from the body
    uint16_t packetLength = 0; ///< header plus body, bytes; EncodeOspfPacket computes its own
    uint32_t routerId = 0;
    uint32_t areaId = 0;
    uint16_t checksum = 0; ///< as read by Decode; EncodeOspfPacket computes its own
    uint16_t authType = kOspfAuthNull;
    uint64_t authentication = 0; ///< the 8 Authentication bytes, big-endian
};

/*
 * Hello body (A.3.2):
 *
 *   |                        Network Mask                           |
 *   |         HelloInterval         |    Options    |    Rtr Pri    |
 *   |                     RouterDeadInterval                        |
 *   |                      Designated Router                        |
 *   |                   Backup Designated Router                    |
 *   |                          Neighbor                             |  (repeated)
 */
struct OspfHello
{
    uint32_t networkMask = 0;
    uint16_t helloInterval = 0; ///< seconds
    uint8_t options = 0;
    uint8_t routerPriority = 0;
    uint32_t routerDeadInterval = 0;     ///< seconds
    uint32_t designatedRouter = 0;       ///< interface address, 0 when none
    uint32_t backupDesignatedRouter = 0; ///< interface address, 0 when none
    std::vector<uint32_t> neighbors;     ///< router IDs heard on the interface

    bool operator==(const OspfHello& other) const;
};

/*
 * Database Description body (A.3.3):
 *
 *   |         Interface MTU         |    Options    |0|0|0|0|0|I|M|MS
 *   |                     DD sequence number                        |
 *   |                      An LSA Header                            |  (repeated)
 */
struct OspfDatabaseDescription
{
    uint16_t interfaceMtu = 0; ///< bytes of the largest IP datagram sent unfragmented
    uint8_t options = 0;
    uint8_t flags = 0; ///< kDbdFlag* bits
    uint32_t sequenceNumber = 0;
    std::vector<LsaHeader> lsaHeaders;

    bool IsInit() const { return flags & kDbdFlagInit; }

    bool IsMore() const { return flags & kDbdFlagMore; }

    bool IsMaster() const { return flags & kDbdFlagMasterSlave; }

    bool operator==(const OspfDatabaseDescription& other) const;
};

/*
 * Link State Request body (A.3.4), one entry per requested LSA:
 *
 *   |                          LS type                              |
 *   |                       Link State ID                           |
 *   |                     Advertising Router                        |
 */
struct OspfLinkStateRequest
{
    std::vector<LsaKey> requests;

    bool operator==(const OspfLinkStateRequest& other) const { return requests == other.requests; }
};

/*
 * Link State Update body (A.3.5):
 *
 *   |                            # LSAs                             |
 *   |                            LSAs                               |  (# LSAs of them)
 */
struct OspfLinkStateUpdate
{
    std::vector<Lsa> lsas;
    /// LSAs that DecodeOspfPacket skipped (bad checksum or body layout, RFC 2328 s13 (1));
    /// ignored by EncodeOspfPacket.
    std::vector<OspfDecodeError> rejectedLsas;

    bool operator==(const OspfLinkStateUpdate& other) const;
};

/// Link State Acknowledgment body (A.3.6): a list of LSA headers.
struct OspfLinkStateAck
{
    std::vector<LsaHeader> lsaHeaders;

    bool operator==(const OspfLinkStateAck& other) const { return lsaHeaders == other.lsaHeaders; }
};

using OspfBody = std::variant<OspfHello, OspfDatabaseDescription, OspfLinkStateRequest,
                              OspfLinkStateUpdate, OspfLinkStateAck>;

struct OspfPacket
{
    OspfHeader header;
    OspfBody body;
};

/// The packet type that goes with @p body.
OspfPacketType TypeOf(const OspfBody& body);

/**
 * Encode @p packet, computing the Type, Packet length and Checksum fields. The checksum
 * covers the whole packet except the Authentication field (RFC 2328 D.4.1). It stays zero
 * for AuType 2 (D.4.3).
 */
Bytes EncodeOspfPacket(const OspfPacket& packet);

/**
 * Decode the OSPF packet at the start of @p bytes (the IPv4 payload). The checks run in this
 * order, each with its reason:
 * - input shorter than the header: Truncated;
 * - Version other than 2: UnsupportedVersion;
 * - Packet length below the header size: BadLength, beyond the input: Truncated;
 * - Type outside 1..5: UnknownPacketType;
 * - checksum that does not verify: BadChecksum (not checked for AuType 2);
 * - body that does not fit the type's layout: BadLength, or BadLsaLength for an LSA length
 *   field below the LSA header size.
 * Inside a Link State Update, an LSA with a bad checksum or body is skipped and listed in
 * rejectedLsas, and the other LSAs are kept (RFC 2328 s13 (1)). Bytes after Packet length
 * (a cryptographic digest, link padding) are ignored.
 */
OspfResult<OspfPacket> DecodeOspfPacket(ByteView bytes);

/// Stable lowercase name of @p type, e.g. "link-state-update".
std::string_view ToString(OspfPacketType type);

} // namespace tunnelsim

#endif
