/*
 * IKE message encoding: the IKE header (RFC 7296 s3.1 for IKEv2, RFC 2408 s3.1 for IKEv1;
 * both are 28 bytes with the same layout), the chain of generic payloads, the IKEv2
 * Encrypted and Authenticated payload (SK, RFC 7296 s3.14), and the bodies of the payloads
 * the model sends. No ns-3 here.
 *
 *                        1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                       IKE SA Initiator's SPI                  |
 *   |                                                               |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                       IKE SA Responder's SPI                  |
 *   |                                                               |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  Next Payload | MjVer | MnVer | Exchange Type |     Flags     |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                          Message ID                           |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                            Length                             |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Every payload starts with the generic payload header (RFC 7296 s3.2, RFC 2408 s3.2):
 * Next Payload (1), Critical bit and reserved (1), Payload Length (2, header included).
 *
 * Limitations:
 * - Nothing is encrypted. The SK payload of IKEv2 and the body of an IKEv1 message with
 *   the E flag carry their inner payloads in the clear. They keep the IV, padding and
 *   (IKEv2) checksum of the negotiated suite, so sizes match a real exchange. The IKEv2 checksum is
 *   a real HMAC over the message (for AES-GCM suites, HMAC-SHA-256 cut to the 16-byte tag
 *   size is used in place of the GCM tag).
 * - No IKEv2 fragmentation (RFC 7383), no CERT or CP payloads.
 */
#ifndef TUNNELSIM_IPSEC_IKE_MESSAGE_H
#define TUNNELSIM_IPSEC_IKE_MESSAGE_H

#include "bytes.h"
#include "codec-result.h"
#include "ike-suite.h"
#include "traffic-selector.h"

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace tunnelsim
{

enum class IkeVersion : uint8_t
{
    V1 = 1, ///< RFC 2409
    V2 = 2, ///< RFC 7296
};

std::string_view ToString(IkeVersion version);

/// IKE header size in bytes (RFC 7296 s3.1, RFC 2408 s3.1).
constexpr size_t kIkeHeaderSize = 28;
/// Generic payload header size in bytes (RFC 7296 s3.2).
constexpr size_t kGenericPayloadHeaderSize = 4;
/// UDP port of IKE (RFC 7296 s2) and of UDP-encapsulated IKE and ESP (RFC 3948 s2).
constexpr uint16_t kIkeUdpPort = 500;
constexpr uint16_t kIkeNatTraversalUdpPort = 4500;
/// Four zero bytes before an IKE message on port 4500 (RFC 3948 s2.2).
constexpr size_t kNonEspMarkerSize = 4;
/// Version octets: major in the high nibble (RFC 7296 s3.1: 2.0; RFC 2408 s3.1: 1.0).
constexpr uint8_t kIkeV2VersionOctet = 0x20;
constexpr uint8_t kIkeV1VersionOctet = 0x10;

/// Exchange types (RFC 2408 s3.1 and RFC 2409 s5.5 for IKEv1, RFC 7296 s3.1 for IKEv2).
enum class IkeExchange : uint8_t
{
    MainMode = 2,       ///< IKEv1 Identity Protection
    Informational1 = 5, ///< IKEv1 Informational
    QuickMode = 32,     ///< IKEv1 Quick Mode
    IkeSaInit = 34,
    IkeAuth = 35,
    CreateChildSa = 36,
    Informational = 37,
};

/// "IKE_SA_INIT", "IKE_AUTH", "CREATE_CHILD_SA", "INFORMATIONAL", "MAIN_MODE",
/// "QUICK_MODE", "INFORMATIONAL_V1".
std::string_view ToString(IkeExchange exchange);
bool IsKnownExchange(uint8_t value);

/// IKEv2 header flags (RFC 7296 s3.1).
constexpr uint8_t kFlagInitiator = 0x08;
constexpr uint8_t kFlagVersion = 0x10;
constexpr uint8_t kFlagResponse = 0x20;
/// IKEv1 header flags (RFC 2408 s3.1).
constexpr uint8_t kFlagEncryption = 0x01;
constexpr uint8_t kFlagCommit = 0x02;

/// IKEv2 payload types (RFC 7296 s3.2).
constexpr uint8_t kPayloadNone = 0;
constexpr uint8_t kPayloadSa = 33;
constexpr uint8_t kPayloadKe = 34;
constexpr uint8_t kPayloadIdi = 35;
constexpr uint8_t kPayloadIdr = 36;
constexpr uint8_t kPayloadAuth = 39;
constexpr uint8_t kPayloadNonce = 40;
constexpr uint8_t kPayloadNotify = 41;
constexpr uint8_t kPayloadDelete = 42;
constexpr uint8_t kPayloadVendorId = 43;
constexpr uint8_t kPayloadTsi = 44;
constexpr uint8_t kPayloadTsr = 45;
constexpr uint8_t kPayloadSk = 46;
/// IKEv1 payload types (RFC 2408 s3.1; NAT-D from RFC 3947 s3.2).
constexpr uint8_t kPayloadV1Sa = 1;
constexpr uint8_t kPayloadV1Proposal = 2;
constexpr uint8_t kPayloadV1Transform = 3;
constexpr uint8_t kPayloadV1Ke = 4;
constexpr uint8_t kPayloadV1Id = 5;
constexpr uint8_t kPayloadV1Hash = 8;
constexpr uint8_t kPayloadV1Nonce = 10;
constexpr uint8_t kPayloadV1Notify = 11;
constexpr uint8_t kPayloadV1Delete = 12;
constexpr uint8_t kPayloadV1VendorId = 13;
constexpr uint8_t kPayloadV1NatD = 20;

/// IKEv2 Notify message types (RFC 7296 s3.10.1).
enum class NotifyType : uint16_t
{
    InvalidSyntax = 7,
    InvalidMessageId = 9,
    NoProposalChosen = 14,
    InvalidKePayload = 17,
    InvalidIdInformation = 18, ///< IKEv1 only (RFC 2408 s3.14.1)
    AuthenticationFailed = 24,
    TsUnacceptable = 38,
    ChildSaNotFound = 44,
    InitialContact = 16384,
    AdditionalTsPossible = 16386,
    NatDetectionSourceIp = 16388,
    NatDetectionDestinationIp = 16389,
    UseTransportMode = 16391,
    RekeySa = 16393,
    InitialContactV1 = 24578, ///< IKEv1 INITIAL-CONTACT (RFC 2407 s4.6.3.3)
    RUThere = 36136,          ///< IKEv1 DPD (RFC 3706 s5.1)
    RUThereAck = 36137,       ///< IKEv1 DPD (RFC 3706 s5.1)
};

/// "NO_PROPOSAL_CHOSEN", "TS_UNACCEPTABLE", ... (the RFC names).
std::string_view ToString(NotifyType type);
/// Error types are below 16384 (RFC 7296 s3.10.1).
bool IsErrorNotify(uint16_t type);

/** The IKE header. */
struct IkeHeader
{
    uint64_t initiatorSpi = 0; ///< IKEv1: initiator cookie
    uint64_t responderSpi = 0; ///< IKEv1: responder cookie
    uint8_t nextPayload = kPayloadNone;
    uint8_t version = kIkeV2VersionOctet;
    uint8_t exchangeType = 0;
    uint8_t flags = 0;
    uint32_t messageId = 0;
    uint32_t length = 0; ///< whole message, header included, bytes

    IkeVersion Version() const;
    bool IsResponse() const { return (flags & kFlagResponse) != 0; }
};

/** One payload: its type, the critical bit (IKEv2 only) and the body after the header. */
struct IkePayload
{
    uint8_t type = kPayloadNone;
    bool critical = false;
    Bytes body;
};

/** A whole message as the model builds and reads it. */
struct IkeMessage
{
    IkeHeader header;
    /// In order; when @p encrypted they go inside the SK payload (IKEv2) or the encrypted
    /// body (IKEv1).
    std::vector<IkePayload> payloads;
    bool encrypted = false;

    /// First payload of @p type, or nullptr.
    const IkePayload* Find(uint8_t type) const;
    /// Every payload of @p type, in order.
    std::vector<const IkePayload*> FindAll(uint8_t type) const;
};

/**
 * Framing and checksum key of encrypted messages. The IV is filled from @p ivSeed so runs
 * repeat.
 */
struct IkeProtection
{
    size_t ivSize = 16;
    size_t blockSize = 16;
    size_t icvSize = 16; ///< IKEv2 only; IKEv1 has no checksum in the message
    IkePrf icvDigest = IkePrf::HmacSha256;
    Bytes integrityKey; ///< key of the sender's direction (SK_ai or SK_ar)
    uint64_t ivSeed = 0;

    /// The framing of @p suite with @p integrityKey.
    static IkeProtection ForSuite(const IkeSuite& suite, const Bytes& integrityKey);
};

/**
 * Encode @p message. The header's length and next payload fields are computed here. An
 * encrypted IKEv2 message needs @p protection. An encrypted IKEv1 message uses only its
 * block size for padding, because RFC 2409 Appendix B carries the IV implicitly.
 */
Bytes EncodeIkeMessage(const IkeMessage& message, const IkeProtection* protection);

/** Decode only the header; checks the length field against @p bytes. */
Result<IkeHeader> DecodeIkeHeader(ByteView bytes);

/**
 * Decode a whole message. An encrypted message needs @p protection (UnknownSpi without).
 * A bad checksum (BadIcv), a pad length past the data (BadPadLength) or a payload whose
 * length runs past its container (BadLength, Truncated) rejects the message.
 */
Result<IkeMessage> DecodeIkeMessage(ByteView bytes, const IkeProtection* protection);

/** A proposal in an SA payload (RFC 7296 s3.3.1, RFC 2408 s3.5). */
struct SaProposal
{
    uint8_t number = 1;
    uint8_t protocolId = kProtocolIke;
    Bytes spi; ///< empty in an IKE_SA_INIT, 4 bytes for ESP
    /// IKEv2: transforms that apply together; IKEv1: alternatives, one per suite.
    std::vector<SaTransform> transforms;
};

Bytes EncodeSaPayload(IkeVersion version, const std::vector<SaProposal>& proposals);
Result<std::vector<SaProposal>> DecodeSaPayload(IkeVersion version, ByteView body);

/** KE payload: IKEv2 adds the group number (RFC 7296 s3.4). */
Bytes EncodeKePayload(IkeVersion version, DhGroup group, ByteView keyExchangeData);
struct KePayload
{
    DhGroup group = DhGroup::None; ///< IKEv1 carries no group; None there
    Bytes data;
};
Result<KePayload> DecodeKePayload(IkeVersion version, ByteView body);

/// ID types (RFC 7296 s3.5 and RFC 2407 s4.6.2.1 share these values).
constexpr uint8_t kIdIpv4Address = 1;
constexpr uint8_t kIdFqdn = 2;
constexpr uint8_t kIdIpv4AddressSubnet = 4; ///< IKEv1 only
constexpr uint8_t kIdIpv4AddressRange = 7;  ///< IKEv1 only

/** Identification payload (RFC 7296 s3.5; RFC 2407 s4.6.2 adds protocol and port). */
struct IdPayload
{
    uint8_t type = kIdIpv4Address;
    uint8_t protocol = 0; ///< IKEv1 only
    uint16_t port = 0;    ///< IKEv1 only
    Bytes data;
};
Bytes EncodeIdPayload(IkeVersion version, const IdPayload& id);
Result<IdPayload> DecodeIdPayload(IkeVersion version, ByteView body);

/** IKEv1 Quick Mode identity (IDci, IDcr) of a selector (RFC 2407 s4.6.2). */
IdPayload SelectorToIdPayload(const TrafficSelector& selector);
std::optional<TrafficSelector> IdPayloadToSelector(const IdPayload& id);

/// IKEv2 AUTH method "Shared Key Message Integrity Code" (RFC 7296 s3.8).
constexpr uint8_t kAuthSharedKeyMic = 2;
/** AUTH payload (RFC 7296 s3.8): method and data. */
Bytes EncodeAuthPayload(uint8_t method, ByteView data);
struct AuthPayload
{
    uint8_t method = 0;
    Bytes data;
};
Result<AuthPayload> DecodeAuthPayload(ByteView body);

/** Notify payload (RFC 7296 s3.10; RFC 2408 s3.14 adds a DOI). */
struct NotifyPayload
{
    uint8_t protocolId = 0;
    Bytes spi;
    uint16_t type = 0;
    Bytes data;
};
Bytes EncodeNotifyPayload(IkeVersion version, const NotifyPayload& notify);
Result<NotifyPayload> DecodeNotifyPayload(IkeVersion version, ByteView body);

/** Delete payload (RFC 7296 s3.11; RFC 2408 s3.15 adds a DOI). */
struct DeletePayload
{
    uint8_t protocolId = kProtocolEsp;
    uint8_t spiSize = 4;
    std::vector<Bytes> spis;
};
Bytes EncodeDeletePayload(IkeVersion version, const DeletePayload& deletion);
Result<DeletePayload> DecodeDeletePayload(IkeVersion version, ByteView body);

/// TS type of an IPv4 range (RFC 7296 s3.13.1) and its substructure size in bytes.
constexpr uint8_t kTsIpv4AddressRange = 7;
constexpr size_t kTsIpv4Size = 16;
/** TSi or TSr payload (RFC 7296 s3.13). */
Bytes EncodeTsPayload(const std::vector<TrafficSelector>& selectors);
Result<std::vector<TrafficSelector>> DecodeTsPayload(ByteView body);

/**
 * Notification data this model adds to TS_UNACCEPTABLE and INVALID_ID_INFORMATION so the
 * initiator can report why the responder rejected its selectors. Layout: the rule (one
 * byte), the number of pairs (one byte), then each of the responder's closest pairs as a
 * TSi and a TSr substructure (RFC 7296 s3.13.1). Real implementations send these notifies without
 * data (RFC 7296 s3.10.1) or with the offending ID (RFC 2408 s3.14.1).
 */
struct SelectorRejection
{
    SelectorRule rule = SelectorRule::NoIntersection;
    std::vector<SelectorPair> closest; ///< initiator's view
};
Bytes EncodeSelectorRejection(const SelectorRejection& rejection);
Result<SelectorRejection> DecodeSelectorRejection(ByteView data);

/** SPI bytes of an ESP SA (4 bytes, big endian). */
Bytes SpiBytes(uint32_t spi);
/** The ESP SPI in @p bytes, or nullopt when not 4 bytes. */
std::optional<uint32_t> SpiFromBytes(ByteView bytes);

} // namespace tunnelsim

#endif
