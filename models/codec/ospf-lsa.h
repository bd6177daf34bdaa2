/*
 * OSPFv2 link state advertisements (RFC 2328 A.4): the LSA header, router-LSAs,
 * network-LSAs and the Fletcher checksum that protects them (s12.1.7).
 *
 * LSA header (A.4.1):
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |            LS age             |    Options    |    LS type    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                        Link State ID                          |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                     Advertising Router                        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                     LS sequence number                        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |         LS checksum           |             length            |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Limitations:
 * - Only router-LSAs (type 1) and network-LSAs (type 2) get a parsed body. Every other LS
 *   type (summary, AS-external, opaque) is kept as raw body bytes, so it can be checked and
 *   re-encoded but not interpreted.
 * - The DoNotAge bit of RFC 1793 is not interpreted: LS age is a plain 16-bit number.
 */
#ifndef TUNNELSIM_CODEC_OSPF_LSA_H
#define TUNNELSIM_CODEC_OSPF_LSA_H

#include "bytes.h"
#include "ospf-result.h"

#include <cstdint>
#include <tuple>
#include <variant>
#include <vector>

namespace tunnelsim
{

/// LSA header size in bytes (RFC 2328 A.4.1).
constexpr size_t kLsaHeaderSize = 20;
/// Offset of the LS checksum field inside an LSA, in bytes (RFC 2328 A.4.1).
constexpr size_t kLsaChecksumOffset = 16;
/// The Fletcher checksum covers the LSA from this byte on, leaving out LS age (s12.1.7).
constexpr size_t kLsaChecksumStart = 2;

/// Architectural constants of RFC 2328 appendix B, in seconds unless noted.
constexpr uint16_t kLsRefreshTime = 1800;  ///< self-originated LSAs are refreshed this often
constexpr uint16_t kMinLsInterval = 5;     ///< minimum time between two originations of an LSA
constexpr uint16_t kMinLsArrival = 1;      ///< minimum time between accepting two instances
constexpr uint16_t kMaxAge = 3600;         ///< an LSA this old is flushed from the domain
constexpr uint16_t kMaxAgeDiff = 900;      ///< ages further apart mean different instances
constexpr uint32_t kLsInfinity = 0xffffff; ///< metric of an unreachable destination (24 bits)
/// First sequence number of an LSA. 0x80000000 is reserved (RFC 2328 s12.1.6).
constexpr int32_t kInitialSequenceNumber = static_cast<int32_t>(0x80000001u);
/// Largest sequence number. RFC 2328 s12.1.6 flushes an LSA that reaches it.
constexpr int32_t kMaxSequenceNumber = 0x7fffffff;

/// Options field bits (RFC 2328 A.2).
constexpr uint8_t kOspfOptionE = 0x02;  ///< AS-external-LSAs are flooded (area is not stub)
constexpr uint8_t kOspfOptionMc = 0x04; ///< multicast (RFC 1584)
constexpr uint8_t kOspfOptionNp = 0x08; ///< NSSA (RFC 3101)
constexpr uint8_t kOspfOptionDc = 0x20; ///< demand circuits (RFC 1793)

/// LS type values (RFC 2328 A.4.1).
enum class LsaType : uint8_t
{
    Router = 1,
    Network = 2,
    SummaryNetwork = 3,
    SummaryAsbr = 4,
    AsExternal = 5,
};

struct LsaHeader
{
    uint16_t age = 0; ///< seconds since origination
    uint8_t options = 0;
    uint8_t type = 0; ///< an LsaType value; other values are kept as received
    uint32_t linkStateId = 0;
    uint32_t advertisingRouter = 0;
    int32_t sequenceNumber = kInitialSequenceNumber;
    uint16_t checksum = 0; ///< as read by Decode; EncodeLsa computes its own
    uint16_t length = 0;   ///< header plus body, bytes; EncodeLsa computes its own

    bool operator==(const LsaHeader& other) const;
};

/**
 * The three fields that name an LSA in the link state database (RFC 2328 s12.1). The type is
 * 32 bits wide because link state requests carry it in a 32-bit field (A.3.4).
 */
struct LsaKey
{
    uint32_t type = 0;
    uint32_t linkStateId = 0;
    uint32_t advertisingRouter = 0;

    bool operator<(const LsaKey& other) const
    {
        return std::tie(type, linkStateId, advertisingRouter)
               < std::tie(other.type, other.linkStateId, other.advertisingRouter);
    }

    bool operator==(const LsaKey& other) const
    {
        return type == other.type && linkStateId == other.linkStateId
               && advertisingRouter == other.advertisingRouter;
    }
};

LsaKey KeyOf(const LsaHeader& header);

/// Router-LSA link types (RFC 2328 A.4.2). Other values are kept as received.
enum class RouterLinkType : uint8_t
{
    PointToPoint = 1,
    Transit = 2,
    Stub = 3,
    Virtual = 4,
};

/// Router-LSA flag bits (RFC 2328 A.4.2).
constexpr uint8_t kRouterLsaFlagB = 0x01; ///< area border router
constexpr uint8_t kRouterLsaFlagE = 0x02; ///< AS boundary router
constexpr uint8_t kRouterLsaFlagV = 0x04; ///< endpoint of a full virtual link

/// Metric for one TOS other than 0; kept only so a received LSA re-encodes unchanged.
struct RouterLinkTosMetric
{
    uint8_t tos = 0;
    uint16_t metric = 0;

    bool operator==(const RouterLinkTosMetric& other) const
    {
        return tos == other.tos && metric == other.metric;
    }
};

/**
 * One link of a router-LSA. Link ID and Link Data depend on the type (RFC 2328 A.4.2):
 * point-to-point: neighbour router ID and our interface address; transit: DR's interface
 * address and ours; stub: network number and network mask.
 */
struct RouterLink
{
    uint32_t linkId = 0;
    uint32_t linkData = 0;
    RouterLinkType type = RouterLinkType::Stub;
    uint16_t metric = 0; ///< TOS 0 cost
    std::vector<RouterLinkTosMetric> tosMetrics;

    bool operator==(const RouterLink& other) const;
};

/// Router-LSA body (RFC 2328 A.4.2).
struct RouterLsaBody
{
    uint8_t flags = 0; ///< V, E and B bits; other bits are kept as received
    std::vector<RouterLink> links;

    bool operator==(const RouterLsaBody& other) const
    {
        return flags == other.flags && links == other.links;
    }
};

/// Network-LSA body (RFC 2328 A.4.3).
struct NetworkLsaBody
{
    uint32_t networkMask = 0;
    std::vector<uint32_t> attachedRouters; ///< router IDs, the DR's included

    bool operator==(const NetworkLsaBody& other) const
    {
        return networkMask == other.networkMask && attachedRouters == other.attachedRouters;
    }
};

/// Body of an LS type this codec does not interpret, as received.
struct UnparsedLsaBody
{
    Bytes bytes;

    bool operator==(const UnparsedLsaBody& other) const { return bytes == other.bytes; }
};

struct Lsa
{
    LsaHeader header;
    std::variant<RouterLsaBody, NetworkLsaBody, UnparsedLsaBody> body;

    /// Compare everything but the header's age, checksum and length (RFC 2328 s13.2's
    /// "contents" test uses the options and the body).
    bool SameContents(const Lsa& other) const;
};

/**
 * Compute the Fletcher checksum of @p lsa as RFC 2328 s12.1.7 and RFC 905 annex B define
 * it: over bytes [2, size) with the checksum field taken as zero. @p lsa is a whole LSA of
 * at least kLsaHeaderSize bytes; shorter input returns 0.
 */
uint16_t ComputeLsaChecksum(ByteView lsa);

/// True when the Fletcher checksum of the whole LSA @p lsa verifies.
bool VerifyLsaChecksum(ByteView lsa);

/// Append the 20-byte LSA header as given, checksum and length included.
void EncodeLsaHeader(const LsaHeader& header, Bytes& out);

/// Decode the 20-byte header at the start of @p bytes (Truncated if shorter). No checks.
OspfResult<LsaHeader> DecodeLsaHeader(ByteView bytes);

/**
 * Append @p lsa to @p out. The LS type comes from the body for router- and network-LSAs
 * and from the header otherwise; length and checksum are computed here.
 */
void EncodeLsa(const Lsa& lsa, Bytes& out);

/// EncodeLsa into a new buffer.
Bytes EncodeLsa(const Lsa& lsa);

/**
 * Decode the LSA at the start of @p bytes. Rejects input shorter than the header or than its
 * length field (Truncated), a length below the header size or not matching the body layout
 * (BadLsaLength), and a Fletcher checksum that does not verify (BadLsaChecksum). Bytes after
 * the length field's end are ignored.
 */
OspfResult<Lsa> DecodeLsa(ByteView bytes);

} // namespace tunnelsim

#endif
