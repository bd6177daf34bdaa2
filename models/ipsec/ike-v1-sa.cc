#include "ike-v1-sa.h"

#include "ike-crypto.h"
#include "ike-endpoint.h"
#include "ike-sa-common.h"
#include "ipv4-header.h"
#include "ns3/log.h"
#include "ns3/simulator.h"

#include <algorithm>

namespace tunnelsim
{

NS_LOG_COMPONENT_DEFINE("IkeV1Sa");

namespace
{

/// Vendor ID of RFC 3706 s5.1 (dead peer detection).
const Bytes kDpdVendorId = {0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9,
                            0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00};
/// Vendor ID of RFC 3947 s3.1: MD5 of "RFC 3947".
const Bytes kNatTraversalVendorId = {0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45,
                                     0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f};
/// ISAKMP SA SPI in Delete and Notify payloads: both cookies (RFC 2408 s3.15).
constexpr uint8_t kIsakmpSpiSize = 16;

/// The first Notify payload of @p message that decodes.
std::optional<NotifyPayload>
FindNotify(const IkeMessage& message)
{
    return FindNotifyIf(message, IkeVersion::V1,
                        [](const NotifyPayload&)
                        {
                            return true;
                        });
}

/// The proposal of @p message's SA payload when it contains one proposal with one transform,
/// the form of a responder's choice (RFC 2409 s5 and s5.5).
std::optional<SaProposal>
FindChosenProposal(const IkeMessage& message)
{
    const IkePayload* sa = message.Find(kPayloadV1Sa);
    if (!sa)
    {
        return std::nullopt;
    }
    auto proposals = DecodeSaPayload(IkeVersion::V1, sa->body);
    if (!proposals || proposals.Value().size() != 1
        || proposals.Value().front().transforms.size() != 1)
    {
        return std::nullopt;
    }
    return proposals.Value().front();
}

/// Append IDci and IDcr, the selectors of @p pair (RFC 2409 s5.5, RFC 2407 s4.6.2).
void
AddClientIds(IkeMessage& message, const SelectorPair& pair)
{
    message.payloads.push_back(
        {kPayloadV1Id, false, EncodeIdPayload(IkeVersion::V1, SelectorToIdPayload(pair.local))});
    message.payloads.push_back(
        {kPayloadV1Id, false, EncodeIdPayload(IkeVersion::V1, SelectorToIdPayload(pair.remote))});
}

/// IDci and IDcr of a Quick Mode message as local and remote, when both decode.
std::optional<SelectorPair>
DecodeClientIds(const IkeMessage& message)
{
    const auto ids = message.FindAll(kPayloadV1Id);
    if (ids.size() != 2)
    {
        return std::nullopt;
    }
    auto ci = DecodeIdPayload(IkeVersion::V1, ids[0]->body);
    auto cr = DecodeIdPayload(IkeVersion::V1, ids[1]->body);
    const std::optional<TrafficSelector> idci = ci ? IdPayloadToSelector(ci.Value()) : std::nullopt;
    const std::optional<TrafficSelector> idcr = cr ? IdPayloadToSelector(cr.Value()) : std::nullopt;
    if (!idci || !idcr)
    {
        return std::nullopt;
    }
    return SelectorPair{*idci, *idcr};
}

} // namespace

IkeV1Sa::IkeV1Sa(IkeEndpoint& endpoint, size_t connectionIndex, bool initiator,
                 uint64_t initiatorSpi)
  : IkeSa(endpoint, connectionIndex, initiator, initiatorSpi)
{
}

IkeV1Sa::~IkeV1Sa()
{
    for (auto& [id, response] : m_quickModeResponses)
    {
        response.retransmitEvent.Cancel();
    }
}

IkeMessage
IkeV1Sa::NewMessage(IkeExchange exchange, uint32_t messageId, bool encrypted) const
{
    IkeMessage message;
    message.header.initiatorSpi = m_initiatorSpi;
    message.header.responderSpi = m_responderSpi;
    message.header.version = kIkeV1VersionOctet;
    message.header.exchangeType = static_cast<uint8_t>(exchange);
    message.header.messageId = messageId;
    message.encrypted = encrypted;
    return message;
}

std::optional<IkeProtection>
IkeV1Sa::OutboundProtection() const
{
    if (!m_keysReady)
    {
        return std::nullopt;
    }
    // RFC 2409 Appendix B: CBC with the IV carried over from the previous message, so an
    // encrypted IKEv1 message adds only padding to the cipher block and no checksum.
    IkeProtection protection;
    protection.ivSize = 0;
    protection.blockSize = m_suite.BlockSize();
    protection.icvSize = 0;
    return protection;
}

std::optional<IkeProtection>
IkeV1Sa::InboundProtection() const
{
    return OutboundProtection();
}

uint32_t
IkeV1Sa::NewMessageId() const
{
    uint32_t id = 0;
    while (id == 0)
    {
        id = m_endpoint.RandomUint32();
    }
    return id;
}

IkePayload
IkeV1Sa::NotifyOf(NotifyType type, Bytes spi, Bytes data, uint8_t protocolId) const
{
    NotifyPayload notify{protocolId, std::move(spi), static_cast<uint16_t>(type), std::move(data)};
    return IkePayload{kPayloadV1Notify, false, EncodeNotifyPayload(IkeVersion::V1, notify)};
}

void
IkeV1Sa::AddVendorIds(IkeMessage& message) const
{
    message.payloads.push_back({kPayloadV1VendorId, false, kDpdVendorId});
    if (Connection().natTraversal)
    {
        message.payloads.push_back({kPayloadV1VendorId, false, kNatTraversalVendorId});
    }
}

void
IkeV1Sa::AddNatDetection(IkeMessage& message) const
{
    // RFC 3947 s3.2: the first NAT-D is the peer's address, the second our own.
    const IkeConnection& connection = Connection();
    for (const ns3::Ipv4Address& address : {connection.remoteAddress, connection.localAddress})
    {
        message.payloads.push_back(
            {kPayloadV1NatD, false, NatDetectionHash(m_initiatorSpi, m_responderSpi, address)});
    }
}

Bytes
IkeV1Sa::Cookies() const
{
    return ConcatBytes({IkeSpiBytes(m_initiatorSpi), IkeSpiBytes(m_responderSpi)});
}

void
IkeV1Sa::NotePeerVendorIds(const IkeMessage& message)
{
    for (const IkePayload* vid : message.FindAll(kPayloadV1VendorId))
    {
        m_peerSupportsNatTraversal |= vid->body == kNatTraversalVendorId;
    }
}

bool
IkeV1Sa::UseNatTraversal() const
{
    return Connection().natTraversal && m_peerSupportsNatTraversal;
}

void
IkeV1Sa::DeriveKeys()
{
    // RFC 2409 s5: for pre-shared keys SKEYID = prf(pre-shared-key, Ni_b | Nr_b), then
    // SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0), SKEYID_a = prf(SKEYID, SKEYID_d |
    // g^xy | CKY-I | CKY-R | 1), SKEYID_e = prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2).
    const std::string& psk = Connection().preSharedKey;
    m_skeyid = ComputePrf(m_suite.prf,
                          ByteView(reinterpret_cast<const uint8_t*>(psk.data()), psk.size()),
                          ConcatBytes({m_nonceI, m_nonceR}));
    const Bytes sharedSecret = ModeledSharedSecret();
    const Bytes cookies = Cookies();
    const Bytes zero{0};
    const Bytes one{1};
    const Bytes two{2};
    m_skeyidD = ComputePrf(m_suite.prf, m_skeyid, ConcatBytes({sharedSecret, cookies, zero}));
    m_skeyidA
        = ComputePrf(m_suite.prf, m_skeyid, ConcatBytes({m_skeyidD, sharedSecret, cookies, one}));
    m_skeyidE
        = ComputePrf(m_suite.prf, m_skeyid, ConcatBytes({m_skeyidA, sharedSecret, cookies, two}));
    m_keysReady = true;
}

Bytes
IkeV1Sa::ComputeHash(bool ofInitiator, ByteView idBody) const
{
    // RFC 2409 s5: HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b),
    // HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b).
    const Bytes input = ofInitiator ? ConcatBytes({m_keI, m_keR, IkeSpiBytes(m_initiatorSpi),
                                                   IkeSpiBytes(m_responderSpi), m_saBody, idBody})
                                    : ConcatBytes({m_keR, m_keI, IkeSpiBytes(m_responderSpi),
                                                   IkeSpiBytes(m_initiatorSpi), m_saBody, idBody});
    return ComputePrf(m_suite.prf, m_skeyid, input);
}

Bytes
IkeV1Sa::ComputeMessageHash(ByteView prefix, uint32_t messageId,
                            const std::vector<IkePayload>& payloads) const
{
    Bytes input = prefix.ToBytes();
    AppendU32(input, messageId);
    for (const IkePayload& payload : payloads)
    {
        if (payload.type != kPayloadV1Hash)
        {
            input.insert(input.end(), payload.body.begin(), payload.body.end());
        }
    }
    return ComputePrf(m_suite.prf, m_skeyidA, input);
}

void
IkeV1Sa::AddLeadingHash(IkeMessage& message, ByteView prefix) const
{
    const Bytes hash = ComputeMessageHash(prefix, message.header.messageId, message.payloads);
    message.payloads.insert(message.payloads.begin(), IkePayload{kPayloadV1Hash, false, hash});
}

bool
IkeV1Sa::VerifyLeadingHash(const IkeMessage& message, ByteView prefix) const
{
    if (message.payloads.empty() || message.payloads.front().type != kPayloadV1Hash)
    {
        return false;
    }
    return message.payloads.front().body
           == ComputeMessageHash(prefix, message.header.messageId, message.payloads);
}

Bytes
IkeV1Sa::ComputeQuickModeHash3(uint32_t messageId, ByteView nonceI, ByteView nonceR) const
{
    Bytes input{0};
    AppendU32(input, messageId);
    input.insert(input.end(), nonceI.begin(), nonceI.end());
    input.insert(input.end(), nonceR.begin(), nonceR.end());
    return ComputePrf(m_suite.prf, m_skeyidA, input);
}

Bytes
IkeV1Sa::OwnIdBody() const
{
    IdPayload id;
    id.type = kIdIpv4Address;
    id.protocol = kIpProtocolUdp;
    id.port = kIkeUdpPort;
    AppendU32(id.data, Connection().localAddress.Get());
    return EncodeIdPayload(IkeVersion::V1, id);
}

// ---------------------------------------------------------------------------------------
// Main Mode, initiator.

void
IkeV1Sa::Start()
{
    NS_LOG_FUNCTION(this);

    RecordPhase1Started();
    SendMainMode1();
}

void
IkeV1Sa::SendMainMode1()
{
    const IkeConnection& connection = Connection();
    IkeMessage message = NewMessage(IkeExchange::MainMode, 0, false);
    SaProposal proposal;
    proposal.protocolId = kProtocolIke;
    // RFC 2409 s5: the transforms of one proposal are alternatives.
    for (const IkeSuite& suite : connection.ikeProposals)
    {
        proposal.transforms.push_back(IkeV1Transform(suite, 0));
    }
    // The ISAKMP SA lifetime is not modeled; 8 h is the common default (Cisco, strongSwan
    // ikelifetime=8h).
    constexpr uint32_t kIsakmpLifetimeSeconds = 8 * 3600;
    for (SaTransform& transform : proposal.transforms)
    {
        for (auto& [type, value] : transform.attributes)
        {
            if (value == 0)
            {
                value = kIsakmpLifetimeSeconds;
            }
        }
    }
    m_saBody = EncodeSaPayload(IkeVersion::V1, {proposal});
    message.payloads.push_back({kPayloadV1Sa, false, m_saBody});
    AddVendorIds(message);
    m_expectedMainMode = 2;
    SendPhase1Request(
        message,
        [this](const IkeMessage& answer)
        {
            HandleMainMode2(answer);
        },
        "no answer to Main Mode message 1 from " + Ipv4ToString(Connection().remoteAddress.Get()));
}

IkeMessage
IkeV1Sa::NewKeyExchangeMessage(const Bytes& keyExchange, const Bytes& nonce) const
{
    IkeMessage message = NewMessage(IkeExchange::MainMode, 0, false);
    message.payloads.push_back(
        {kPayloadV1Ke, false, EncodeKePayload(IkeVersion::V1, m_suite.dhGroup, keyExchange)});
    message.payloads.push_back({kPayloadV1Nonce, false, nonce});
    if (UseNatTraversal())
    {
        AddNatDetection(message);
    }
    return message;
}

void
IkeV1Sa::HandleMainMode2(const IkeMessage& message)
{
    NS_LOG_FUNCTION(this);

    if (auto notify = FindNotify(message);
        notify && notify->type == static_cast<uint16_t>(NotifyType::NoProposalChosen))
    {
        Fail(IkeNegotiationKind::IkeSa, IkeFailureReason::NoProposalChosen,
             "NO_PROPOSAL_CHOSEN from the responder to IKE suites " + DescribeOwnIkeProposals(),
             IkeSaState::Failed);
        return;
    }
    std::optional<IkeSuite> chosen;
    if (auto proposal = FindChosenProposal(message))
    {
        chosen = IkeSuiteFromV1(proposal->transforms.front());
    }
    const auto& offered = Connection().ikeProposals;
    if (!chosen || std::find(offered.begin(), offered.end(), *chosen) == offered.end()
        || message.header.responderSpi == 0)
    {
        Fail(IkeNegotiationKind::IkeSa, IkeFailureReason::InvalidResponse,
             "Main Mode message 2 without one offered transform", IkeSaState::Failed);
        return;
    }
    m_suite = *chosen;
    m_responderSpi = message.header.responderSpi;
    NotePeerVendorIds(message);

    m_keI = RandomBytes(KeyExchangeSize(m_suite.dhGroup));
    m_nonceI = RandomBytes(m_endpoint.GetNonceSize());
    m_expectedMainMode = 4;
    SendPhase1Request(
        NewKeyExchangeMessage(m_keI, m_nonceI),
        [this](const IkeMessage& answer)
        {
            HandleMainMode4(answer);
        },
        "no answer to Main Mode message 3");
}

void
IkeV1Sa::HandleMainMode4(const IkeMessage& message)
{
    NS_LOG_FUNCTION(this);

    const IkePayload* ke = message.Find(kPayloadV1Ke);
    const IkePayload* nonce = message.Find(kPayloadV1Nonce);
    if (!ke || !nonce || ke->body.size() != KeyExchangeSize(m_suite.dhGroup))
    {
        Fail(IkeNegotiationKind::IkeSa, IkeFailureReason::InvalidResponse,
             "Main Mode message 4 without KE and Nonce of the chosen group", IkeSaState::Failed);
        return;
    }
    m_keR = ke->body;
    m_nonceR = nonce->body;
    // The initiator computes the shared secret before it can send message 5.
    AfterPhase1KeyExchange(
        [this]()
        {
            DeriveKeys();
            // RFC 3947 s4: with NAT traversal, message 5 onwards use port 4500.
            m_useNatPort = UseNatTraversal();
            SendMainMode5();
        });
}

void
IkeV1Sa::SendMainMode5()
{
    IkeMessage message = NewMessage(IkeExchange::MainMode, 0, true);
    const Bytes idBody = OwnIdBody();
    message.payloads.push_back({kPayloadV1Id, false, idBody});
    message.payloads.push_back({kPayloadV1Hash, false, ComputeHash(true, idBody)});
    if (ShouldSendInitialContact())
    {
        // RFC 2407 s4.6.3.3: INITIAL-CONTACT names the new ISAKMP SA by both cookies. It
        // rides in the encrypted Main Mode message 5, so it needs no Informational exchange
        // and is retransmitted with that message.
        message.payloads.push_back(
            NotifyOf(NotifyType::InitialContactV1, Cookies(), {}, kProtocolIke));
        m_endpoint.Counters().initialContactsSent++;
    }
    m_expectedMainMode = 6;
    SendPhase1Request(
        message,
        [this](const IkeMessage& answer)
        {
            HandleMainMode6(answer);
        },
        "no answer to Main Mode message 5");
}

void
IkeV1Sa::HandleMainMode6(const IkeMessage& message)
{
    NS_LOG_FUNCTION(this);

    if (auto notify = FindNotify(message);
        notify && notify->type == static_cast<uint16_t>(NotifyType::AuthenticationFailed))
    {
        Fail(IkeNegotiationKind::IkeSa, IkeFailureReason::AuthenticationFailed,
             "the responder rejected HASH_I: the pre-shared keys differ", IkeSaState::Failed);
        return;
    }
    const IkePayload* id = message.Find(kPayloadV1Id);
    const IkePayload* hash = message.Find(kPayloadV1Hash);
    if (!id || !hash)
    {
        Fail(IkeNegotiationKind::IkeSa, IkeFailureReason::InvalidResponse,
             "Main Mode message 6 without ID and HASH payloads", IkeSaState::Failed);
        return;
    }
    if (hash->body != ComputeHash(false, id->body))
    {
        Fail(IkeNegotiationKind::IkeSa, IkeFailureReason::AuthenticationFailed,
             "HASH_R of the responder does not verify: the pre-shared keys differ",
             IkeSaState::Failed);
        return;
    }
    SetEstablished();
}

// ---------------------------------------------------------------------------------------
// Main Mode, responder.

void
IkeV1Sa::HandleMainMode1(const IkeMessage& message, const Bytes& bytes)
{
    NS_LOG_FUNCTION(this);

    const IkePayload* sa = message.Find(kPayloadV1Sa);
    auto proposals = sa ? DecodeSaPayload(IkeVersion::V1, sa->body)
                        : Result<std::vector<SaProposal>>(DecodeError::Truncated);
    if (!proposals || proposals.Value().empty())
    {
        m_endpoint.RecordDrop(IkeDropReason::Malformed);
        m_endpoint.ScheduleRemoval(this);
        return;
    }
    m_started = ns3::Simulator::Now();
    m_saBody = sa->body;
    NotePeerVendorIds(message);

    // RFC 2409 s5: the responder picks one transform, in the initiator's order.
    const auto& accepted = Connection().ikeProposals;
    std::optional<SaTransform> chosenTransform;
    std::vector<std::string> proposedNames;
    for (const SaTransform& transform : proposals.Value().front().transforms)
    {
        auto suite = IkeSuiteFromV1(transform);
        if (!suite)
        {
            continue;
        }
        proposedNames.push_back(suite->Name());
        if (!chosenTransform
            && std::find(accepted.begin(), accepted.end(), *suite) != accepted.end())
        {
            chosenTransform = transform;
            m_suite = *suite;
        }
    }
    m_responderSpi = m_endpoint.NewIkeSpi();
    if (!chosenTransform)
    {
        RespondWithNotify(bytes, NotifyType::NoProposalChosen);
        Fail(IkeNegotiationKind::IkeSa, IkeFailureReason::NoProposalChosen,
             "initiator proposed IKE suites " + JoinProposalNames(proposedNames)
                 + "; this gateway accepts " + DescribeOwnIkeProposals(),
             IkeSaState::Failed);
        return;
    }

    IkeMessage message2 = NewMessage(IkeExchange::MainMode, 0, false);
    SaProposal proposal = proposals.Value().front();
    proposal.transforms = {*chosenTransform};
    message2.payloads.push_back({kPayloadV1Sa, false, EncodeSaPayload(IkeVersion::V1, {proposal})});
    AddVendorIds(message2);
    SendResponse(message2, bytes);
    m_expectedMainMode = 3;
}

void
IkeV1Sa::HandleMainMode3(const IkeMessage& message, const Bytes& bytes)
{
    NS_LOG_FUNCTION(this);

    const IkePayload* ke = message.Find(kPayloadV1Ke);
    const IkePayload* nonce = message.Find(kPayloadV1Nonce);
    if (!ke || !nonce || ke->body.size() != KeyExchangeSize(m_suite.dhGroup))
    {
        m_endpoint.RecordDrop(IkeDropReason::Malformed);
        return;
    }
    m_keI = ke->body;
    m_nonceI = nonce->body;
    m_processing = true;
    // The responder computes the shared secret before it responds.
    ScheduleOwned(m_endpoint.GetDhDelay(),
                  [this, bytes]()
                  {
                      m_processing = false;
                      m_keR = RandomBytes(KeyExchangeSize(m_suite.dhGroup));
                      m_nonceR = RandomBytes(m_endpoint.GetNonceSize());
                      SendResponse(NewKeyExchangeMessage(m_keR, m_nonceR), bytes);
                      DeriveKeys();
                      m_expectedMainMode = 5;
                      m_useNatPort = UseNatTraversal();
                  });
}

void
IkeV1Sa::HandleMainMode5(const IkeMessage& message, const Bytes& bytes)
{
    NS_LOG_FUNCTION(this);

    const IkePayload* id = message.Find(kPayloadV1Id);
    const IkePayload* hash = message.Find(kPayloadV1Hash);
    if (!id || !hash)
    {
        m_endpoint.RecordDrop(IkeDropReason::Malformed);
        return;
    }
    if (hash->body != ComputeHash(true, id->body))
    {
        RespondWithNotify(bytes, NotifyType::AuthenticationFailed);
        Fail(IkeNegotiationKind::IkeSa, IkeFailureReason::AuthenticationFailed,
             "HASH_I of the initiator does not verify: the pre-shared keys differ",
             IkeSaState::Failed);
        return;
    }
    const auto initialContact = FindNotifyIf(
        message, IkeVersion::V1,
        [](const NotifyPayload& notify)
        {
            return notify.type == static_cast<uint16_t>(NotifyType::InitialContactV1);
        });
    if (initialContact)
    {
        // RFC 2407 s4.6.3.3: the peer lost its state, so its older ISAKMP SAs and their
        // CHILD SAs go silently, before any Quick Mode of the new one.
        HandleInitialContact();
    }
    IkeMessage message6 = NewMessage(IkeExchange::MainMode, 0, true);
    const Bytes idBody = OwnIdBody();
    message6.payloads.push_back({kPayloadV1Id, false, idBody});
    message6.payloads.push_back({kPayloadV1Hash, false, ComputeHash(false, idBody)});
    SendResponse(message6, bytes);
    m_expectedMainMode = 0;
    SetEstablished();
}

void
IkeV1Sa::RespondWithNotify(const Bytes& requestBytes, NotifyType type)
{
    IkeMessage notify = NewMessage(IkeExchange::Informational1, NewMessageId(), false);
    notify.payloads.push_back(NotifyOf(type, {}, {}, kProtocolIke));
    SendResponse(notify, requestBytes);
}

// ---------------------------------------------------------------------------------------
// Quick Mode, initiator.

void
IkeV1Sa::StartChildExchange(const ChildTask& task)
{
    NS_LOG_FUNCTION(this << task.pair.ToString());

    if (!BeginChildExchange(task))
    {
        return;
    }
    const IkeConnection& connection = Connection();
    m_quickModeId = NewMessageId();
    m_proposedSpi = NewEspSpi();
    m_quickModeNonce = RandomBytes(m_endpoint.GetNonceSize());
    m_proposedSelectors = SelectorProposal::FromPair(task.pair);

    IkeMessage message = NewMessage(IkeExchange::QuickMode, m_quickModeId, true);
    SaProposal proposal;
    proposal.protocolId = kProtocolEsp;
    proposal.spi = SpiBytes(m_proposedSpi);
    const uint32_t lifetime = static_cast<uint32_t>(connection.childLifetime.GetSeconds());
    for (const EspSuite& suite : connection.espProposals)
    {
        proposal.transforms.push_back(
            EspV1Transform(suite, connection.pfsGroup, lifetime, connection.mode));
    }
    message.payloads.push_back({kPayloadV1Sa, false, EncodeSaPayload(IkeVersion::V1, {proposal})});
    message.payloads.push_back({kPayloadV1Nonce, false, m_quickModeNonce});
    if (connection.pfsGroup != DhGroup::None)
    {
        message.payloads.push_back(
            {kPayloadV1Ke, false, RandomBytes(KeyExchangeSize(connection.pfsGroup))});
    }
    AddClientIds(message, task.pair);
    AddLeadingHash(message, {});
    SendChildRequest(
        message,
        [this](const IkeMessage& answer, const ChildTask& running)
        {
            HandleQuickMode2(answer, running);
        },
        "no answer to Quick Mode message 1");
}

void
IkeV1Sa::HandleQuickMode2(const IkeMessage& message, const ChildTask& task)
{
    NS_LOG_FUNCTION(this << task.pair.ToString());

    if (message.header.exchangeType == static_cast<uint8_t>(IkeExchange::Informational1))
    {
        auto notify = FindNotify(message);
        const auto type
            = notify ? static_cast<NotifyType>(notify->type) : NotifyType::InvalidSyntax;
        if (type == NotifyType::InvalidIdInformation)
        {
            FailChild(task, IkeFailureReason::InvalidIdInformation,
                      "INVALID_ID_INFORMATION: "
                          + DescribeSelectorRejection(notify->data, SelectorRule::NoExactMirror),
                      true);
            return;
        }
        FailChild(task,
                  type == NotifyType::NoProposalChosen ? IkeFailureReason::NoProposalChosen
                                                       : IkeFailureReason::InvalidResponse,
                  std::string(ToString(type)) + " from the responder to Quick Mode with ESP suites "
                      + DescribeOwnEspProposals(),
                  true);
        return;
    }

    const IkePayload* nonce = message.Find(kPayloadV1Nonce);
    std::optional<EspProposalTerms> terms;
    std::optional<uint32_t> responderSpi;
    if (auto proposal = FindChosenProposal(message))
    {
        terms = EspTermsFromV1(proposal->transforms.front());
        responderSpi = SpiFromBytes(proposal->spi);
    }
    const std::optional<SelectorPair> clientIds = DecodeClientIds(message);
    const auto& offered = Connection().espProposals;
    const Bytes hashPrefix = m_quickModeNonce;
    if (!VerifyLeadingHash(message, hashPrefix) || !terms || !responderSpi || !nonce || !clientIds
        || std::find(offered.begin(), offered.end(), terms->suite) == offered.end()
        || terms->mode != Connection().mode || !clientIds->local.IsSubsetOf(task.pair.local)
        || !clientIds->remote.IsSubsetOf(task.pair.remote))
    {
        FailChild(task, IkeFailureReason::InvalidResponse,
                  "Quick Mode message 2 without a valid HASH(2), an offered transform in the "
                  "offered mode, an SPI and identities inside the proposal",
                  true);
        return;
    }

    IkeMessage message3 = NewMessage(IkeExchange::QuickMode, m_quickModeId, true);
    message3.payloads.push_back(
        {kPayloadV1Hash, false,
         ComputeQuickModeHash3(m_quickModeId, m_quickModeNonce, nonce->body)});
    m_lastQuickMode3Id = m_quickModeId;
    m_lastQuickMode3 = Transmit(message3, false, 0);
    m_lastQuickMode3Record = MessageRecord(message3.header, false, m_lastQuickMode3.size());

    const ChildSaParameters parameters
        = MakeChildParameters(*terms, m_proposedSpi, *responderSpi, {*clientIds}, true);
    // IKEv1 has no REKEY_SA: the responder deletes the SA this one replaces once it has the
    // new one, so the old inbound SA stays until that Delete arrives.
    InstallInitiatedChild(parameters, task, RekeyDeletion::Responder);
}

// ---------------------------------------------------------------------------------------
// Quick Mode, responder.

void
IkeV1Sa::HandleQuickMode1(const IkeMessage& message)
{
    NS_LOG_FUNCTION(this);

    const IkeConnection& connection = Connection();
    const uint32_t messageId = message.header.messageId;
    if (!VerifyLeadingHash(message, {}))
    {
        m_endpoint.RecordDrop(IkeDropReason::Malformed);
        return;
    }
    const IkePayload* sa = message.Find(kPayloadV1Sa);
    const IkePayload* nonce = message.Find(kPayloadV1Nonce);
    auto proposals = sa ? DecodeSaPayload(IkeVersion::V1, sa->body)
                        : Result<std::vector<SaProposal>>(DecodeError::Truncated);
    const std::optional<SelectorPair> clientIds = DecodeClientIds(message);
    if (!proposals || proposals.Value().size() != 1 || !nonce || !clientIds)
    {
        m_endpoint.RecordDrop(IkeDropReason::Malformed);
        return;
    }
    const SaProposal& proposal = proposals.Value().front();
    auto initiatorSpi = SpiFromBytes(proposal.spi);

    ChildTask task;
    task.started = ns3::Simulator::Now();
    task.pair = clientIds->Mirrored();

    // RFC 2409 s5.5: one transform of the proposal, in the initiator's order.
    std::optional<EspProposalTerms> chosen;
    std::optional<SaTransform> chosenTransform;
    std::vector<std::string> proposedNames;
    bool onlyModeDiffers = false;
    for (const SaTransform& transform : proposal.transforms)
    {
        auto terms = EspTermsFromV1(transform);
        if (!terms)
        {
            continue;
        }
        proposedNames.push_back(terms->suite.Name() + " " + std::string(ToString(terms->mode)));
        const bool suiteOk = std::find(connection.espProposals.begin(),
                                       connection.espProposals.end(), terms->suite)
                             != connection.espProposals.end();
        // RFC 2407 s4.5: the Encapsulation Mode is part of the transform, so a transform in
        // the other mode is not acceptable.
        const bool modeOk = terms->mode == connection.mode;
        if (!chosen && suiteOk && terms->pfs == connection.pfsGroup)
        {
            onlyModeDiffers |= !modeOk;
            if (modeOk)
            {
                chosen = terms;
                chosenTransform = transform;
            }
        }
    }
    const Bytes spiBytes = initiatorSpi ? SpiBytes(*initiatorSpi) : Bytes{};
    if (!chosen || !initiatorSpi)
    {
        SendInformational({NotifyOf(NotifyType::NoProposalChosen, spiBytes, {}, kProtocolEsp)},
                          true);
        FailChild(task, IkeFailureReason::NoProposalChosen,
                  "initiator proposed ESP transforms " + JoinProposalNames(proposedNames)
                      + "; this gateway accepts " + DescribeOwnEspProposals() + " in "
                      + std::string(ToString(connection.mode)) + " mode"
                      + (onlyModeDiffers ? " (the Encapsulation Mode differs)" : ""),
                  false);
        return;
    }

    SelectorProposal selectorProposal = SelectorProposal::FromPair(*clientIds);
    const SelectorMatchResult match
        = MatchSelectors(selectorProposal, connection.selectors, connection.matchStyle);
    if (!match.accepted)
    {
        SendInformational(
            {NotifyOf(NotifyType::InvalidIdInformation, spiBytes,
                      EncodeSelectorRejection({match.rule, match.closest}), kProtocolEsp)},
            true);
        FailChild(task, IkeFailureReason::InvalidIdInformation,
                  "INVALID_ID_INFORMATION: "
                      + DescribeSelectorMatch(selectorProposal, match, connection.matchStyle),
                  false);
        return;
    }
    // A Quick Mode carries one IDci and one IDcr, so narrowing keeps the first pair.
    const SelectorPair accepted{match.initiator.front(), match.responder.front()};
    for (const SelectorPair& configured : connection.selectors)
    {
        if (accepted.remote.IsSubsetOf(configured.local)
            && accepted.local.IsSubsetOf(configured.remote))
        {
            task.pair = configured;
            break;
        }
    }

    QuickModeResponse response;
    response.task = task;
    response.nonceI = nonce->body;
    response.nonceR = RandomBytes(m_endpoint.GetNonceSize());
    const uint32_t responderSpi = NewEspSpi();
    response.parameters
        = MakeChildParameters(*chosen, responderSpi, *initiatorSpi, {accepted.Mirrored()}, false);

    IkeMessage message2 = NewMessage(IkeExchange::QuickMode, messageId, true);
    SaProposal answer = proposal;
    answer.spi = SpiBytes(responderSpi);
    answer.transforms = {*chosenTransform};
    message2.payloads.push_back({kPayloadV1Sa, false, EncodeSaPayload(IkeVersion::V1, {answer})});
    message2.payloads.push_back({kPayloadV1Nonce, false, response.nonceR});
    if (chosen->pfs != DhGroup::None)
    {
        message2.payloads.push_back(
            {kPayloadV1Ke, false, RandomBytes(KeyExchangeSize(chosen->pfs))});
    }
    AddClientIds(message2, accepted);
    // RFC 2409 s5.5: HASH(2) = prf(SKEYID_a, M-ID | Ni_b | SA | Nr [| KE] [| IDci | IDcr]).
    AddLeadingHash(message2, response.nonceI);
    response.message2 = Encode(message2);
    response.record = MessageRecord(message2.header, true, response.message2.size());
    m_quickModeResponses[messageId] = response;

    if (chosen->pfs == DhGroup::None)
    {
        SendQuickMode2(messageId);
        return;
    }
    // PFS: the responder computes a new shared secret before it responds.
    ScheduleOwned(m_endpoint.GetDhDelay(),
                  [this, messageId]()
                  {
                      SendQuickMode2(messageId);
                  });
}

void
IkeV1Sa::SendQuickMode2(uint32_t messageId)
{
    auto it = m_quickModeResponses.find(messageId);
    if (it == m_quickModeResponses.end())
    {
        return;
    }
    SendEncoded(it->second.message2, it->second.record, 0);
    // The responder retransmits message 2 until message 3 arrives: message 3 gets no
    // response, so only the responder can notice it was lost.
    it->second.retransmitEvent = ns3::Simulator::Schedule(
        m_endpoint.GetRetransmitTimeout(), &IkeV1Sa::RetransmitQuickMode2, this, messageId);
}

void
IkeV1Sa::RetransmitQuickMode2(uint32_t messageId)
{
    auto it = m_quickModeResponses.find(messageId);
    if (it == m_quickModeResponses.end())
    {
        return;
    }
    QuickModeResponse& response = it->second;
    if (response.transmissions > m_endpoint.GetRetransmitTries())
    {
        const ChildTask task = response.task;
        m_quickModeResponses.erase(it);
        FailChild(task, IkeFailureReason::TimedOut, "no Quick Mode message 3 after message 2",
                  false);
        return;
    }
    SendEncoded(response.message2, response.record, response.transmissions);
    m_endpoint.Counters().retransmissions++;
    const ns3::Time wait = RetransmitDelay(response.transmissions);
    response.transmissions++;
    response.retransmitEvent
        = ns3::Simulator::Schedule(wait, &IkeV1Sa::RetransmitQuickMode2, this, messageId);
}

void
IkeV1Sa::HandleQuickMode3(const IkeMessage& message)
{
    NS_LOG_FUNCTION(this);

    auto it = m_quickModeResponses.find(message.header.messageId);
    const IkePayload* hash = message.Find(kPayloadV1Hash);
    if (!hash
        || hash->body
               != ComputeQuickModeHash3(message.header.messageId, it->second.nonceI,
                                        it->second.nonceR))
    {
        m_endpoint.RecordDrop(IkeDropReason::Malformed);
        return;
    }
    it->second.retransmitEvent.Cancel();
    QuickModeResponse response = it->second;
    m_quickModeResponses.erase(it);

    // A Quick Mode for the selectors of an existing SA replaces it (IKEv1 has no REKEY_SA).
    std::optional<uint32_t> oldId;
    for (const ChildSa& child : m_children)
    {
        if (!child.replaced && child.parameters.selectors == response.parameters.selectors)
        {
            oldId = child.id;
        }
    }
    if (oldId)
    {
        response.task.rekeyChildId = oldId;
    }
    const uint32_t childId = AddChild(response.parameters, response.task.pair, false).id;
    ChildSa* child = FindChild(childId);
    InstallInbound(*child);
    InstallOutbound(*child);
    if (oldId)
    {
        // Make before break: message 3 followed the initiator's last packet on the old SA,
        // so the old inbound SA can go. The Delete makes the initiator remove its half.
        const uint32_t oldInbound = FindChild(*oldId)->parameters.inboundSpi;
        RemoveChild(*oldId);
        DeletePayload deletion;
        deletion.spis.push_back(SpiBytes(oldInbound));
        SendDelete(deletion);
    }
    ChildEstablished(*FindChild(childId), response.task);
}

// ---------------------------------------------------------------------------------------
// Informational exchanges.

void
IkeV1Sa::SendInformational(std::vector<IkePayload> payloads, bool isResponse)
{
    IkeMessage message = NewMessage(IkeExchange::Informational1, NewMessageId(), m_keysReady);
    message.payloads = std::move(payloads);
    if (m_keysReady)
    {
        // RFC 2409 s5.7: HASH(1) = prf(SKEYID_a, M-ID | N/D).
        AddLeadingHash(message, {});
    }
    SendOneWay(message, isResponse);
}

void
IkeV1Sa::SendDelete(const DeletePayload& deletion)
{
    SendInformational({{kPayloadV1Delete, false, EncodeDeletePayload(IkeVersion::V1, deletion)}},
                      false);
}

void
IkeV1Sa::HandleInformational(const IkeMessage& message)
{
    NS_LOG_FUNCTION(this);

    if (m_keysReady && message.encrypted && !VerifyLeadingHash(message, {}))
    {
        m_endpoint.RecordDrop(IkeDropReason::Malformed);
        return;
    }
    for (const IkePayload* payload : message.FindAll(kPayloadV1Notify))
    {
        auto notify = DecodeNotifyPayload(IkeVersion::V1, payload->body);
        if (!notify)
        {
            continue;
        }
        const auto type = static_cast<NotifyType>(notify.Value().type);
        if (type == NotifyType::RUThere)
        {
            // RFC 3706 s5.1: respond with the same sequence number.
            SendInformational({NotifyOf(NotifyType::RUThereAck, notify.Value().spi,
                                        notify.Value().data, kProtocolIke)},
                              true);
            continue;
        }
        if (type == NotifyType::RUThereAck)
        {
            Bytes expected;
            AppendU32(expected, m_dpdSequence);
            if (HasOutstandingRequest() && notify.Value().data == expected)
            {
                DeliverAnswer(message);
            }
            continue;
        }
        if (!IsErrorNotify(notify.Value().type))
        {
            continue;
        }
        // An error for the running Quick Mode names its SPI; phase 1 errors name none.
        const bool forQuickMode
            = m_runningChild && SpiFromBytes(notify.Value().spi) == m_proposedSpi;
        const bool forMainMode = m_state == IkeSaState::Connecting && m_initiator;
        if ((forQuickMode || forMainMode) && HasOutstandingRequest())
        {
            DeliverAnswer(message);
            return;
        }
    }
    for (const IkePayload* payload : message.FindAll(kPayloadV1Delete))
    {
        auto deletion = DecodeDeletePayload(IkeVersion::V1, payload->body);
        if (!deletion)
        {
            continue;
        }
        if (deletion.Value().protocolId == kProtocolIke)
        {
            Close(false);
            return;
        }
        for (const Bytes& spiBytes : deletion.Value().spis)
        {
            // RFC 2408 s3.15: the sender lists SPIs it receives on, our outbound SPIs.
            auto spi = SpiFromBytes(spiBytes);
            if (ChildSa* child = spi ? FindChildByOutboundSpi(*spi) : nullptr)
            {
                RemoveChild(child->id);
            }
        }
    }
}

void
IkeV1Sa::SendChildDelete(uint32_t inboundSpi, std::function<void()> onDone)
{
    // IKEv1 Informational exchanges are not acknowledged (RFC 2408 s4.8).
    DeletePayload deletion;
    deletion.spis.push_back(SpiBytes(inboundSpi));
    SendDelete(deletion);
    onDone();
    RunNextTask();
}

void
IkeV1Sa::SendIkeDelete(std::function<void()> onDone)
{
    DeletePayload deletion;
    deletion.protocolId = kProtocolIke;
    deletion.spiSize = kIsakmpSpiSize;
    deletion.spis.push_back(Cookies());
    SendDelete(deletion);
    onDone();
}

IkeMessage
IkeV1Sa::NewLivenessCheck()
{
    // RFC 3706 s5.1: R-U-THERE with a sequence number, and R-U-THERE-ACK as response.
    m_dpdSequence++;
    Bytes sequence;
    AppendU32(sequence, m_dpdSequence);
    IkeMessage message = NewMessage(IkeExchange::Informational1, NewMessageId(), true);
    message.payloads.push_back(NotifyOf(NotifyType::RUThere, Cookies(), sequence, kProtocolIke));
    AddLeadingHash(message, {});
    return message;
}

// ---------------------------------------------------------------------------------------
// Receiving.

void
IkeV1Sa::Receive(const IkeHeader& header, const Bytes& bytes)
{
    NS_LOG_FUNCTION(this << static_cast<int>(header.exchangeType) << header.messageId);

    m_lastReceived = bytes;
    if (ResendCachedResponse(bytes))
    {
        return;
    }
    const auto exchange = static_cast<IkeExchange>(header.exchangeType);
    if (exchange == IkeExchange::MainMode)
    {
        if (m_initiator)
        {
            auto message = Decode(bytes, true);
            if (!message)
            {
                return;
            }
            // A repeated earlier response (after a retransmission) must not be taken for the
            // next one: each response is recognised by its payloads.
            const bool expected = (m_expectedMainMode == 2 && message->Find(kPayloadV1Sa))
                                  || (m_expectedMainMode == 4 && message->Find(kPayloadV1Ke))
                                  || (m_expectedMainMode == 6 && message->Find(kPayloadV1Hash));
            if (expected && m_state == IkeSaState::Connecting && HasOutstandingRequest())
            {
                DeliverAnswer(*message);
                return;
            }
            m_endpoint.RecordDrop(IkeDropReason::UnexpectedMessage);
            return;
        }
        if (m_processing)
        {
            m_endpoint.RecordDrop(IkeDropReason::UnexpectedMessage);
            return;
        }
        auto message = Decode(bytes, false);
        if (!message)
        {
            return;
        }
        if (m_expectedMainMode == 1 && message->Find(kPayloadV1Sa))
        {
            HandleMainMode1(*message, bytes);
        }
        else if (m_expectedMainMode == 3 && message->Find(kPayloadV1Ke))
        {
            HandleMainMode3(*message, bytes);
        }
        else if (m_expectedMainMode == 5 && message->Find(kPayloadV1Hash))
        {
            HandleMainMode5(*message, bytes);
        }
        else
        {
            m_endpoint.RecordDrop(IkeDropReason::UnexpectedMessage);
        }
        return;
    }

    if (exchange == IkeExchange::QuickMode)
    {
        if (m_state != IkeSaState::Established)
        {
            m_endpoint.RecordDrop(IkeDropReason::UnexpectedMessage);
            return;
        }
        const bool answersOurs
            = HasOutstandingRequest() && m_runningChild && header.messageId == m_quickModeId;
        if (!answersOurs && header.messageId == m_lastQuickMode3Id && !m_lastQuickMode3.empty())
        {
            // A repeated message 2: our message 3 was lost.
            SendEncoded(m_lastQuickMode3, m_lastQuickMode3Record, 1);
            m_endpoint.Counters().responsesRetransmitted++;
            return;
        }
        auto message = Decode(bytes, answersOurs);
        if (!message)
        {
            return;
        }
        if (answersOurs)
        {
            DeliverAnswer(*message);
            return;
        }
        auto pending = m_quickModeResponses.find(header.messageId);
        if (pending != m_quickModeResponses.end())
        {
            if (message->Find(kPayloadV1Sa))
            {
                // A repeated message 1: send message 2 again.
                SendEncoded(pending->second.message2, pending->second.record, 1);
                m_endpoint.Counters().responsesRetransmitted++;
                return;
            }
            HandleQuickMode3(*message);
            return;
        }
        HandleQuickMode1(*message);
        return;
    }

    if (exchange == IkeExchange::Informational1)
    {
        auto message = Decode(bytes, false);
        if (message)
        {
            HandleInformational(*message);
        }
        return;
    }
    m_endpoint.RecordDrop(IkeDropReason::UnexpectedMessage);
}

} // namespace tunnelsim
