#include "ike-v2-sa.h"

#include "ike-crypto.h"
#include "ike-endpoint.h"
#include "ike-sa-common.h"
#include "ipv4-header.h"
#include "ns3/log.h"
#include "ns3/simulator.h"

#include <algorithm>

namespace tunnelsim
{

NS_LOG_COMPONENT_DEFINE("IkeV2Sa");

namespace
{

/// RFC 7296 s2.15: the pad string of the shared-key AUTH computation.
constexpr char kKeyPadForIkev2[] = "Key Pad for IKEv2";

IkePayload
NotifyOf(NotifyType type, Bytes data = {}, uint8_t protocolId = 0, Bytes spi = {})
{
    NotifyPayload notify{protocolId, std::move(spi), static_cast<uint16_t>(type), std::move(data)};
    return IkePayload{kPayloadNotify, false, EncodeNotifyPayload(IkeVersion::V2, notify)};
}

bool
HasNotify(const IkeMessage& message, NotifyType type)
{
    const auto notify = FindNotifyIf(message, IkeVersion::V2,
                                     [type](const NotifyPayload& candidate)
                                     {
                                         return candidate.type == static_cast<uint16_t>(type);
                                     });
    return notify.has_value();
}

/// True when every pair of @p pairs names exactly @p local and @p remote: the only traffic
/// a transport-mode SA between those two addresses can carry (RFC 4301 s4.1).
bool
IsHostToHost(const std::vector<SelectorPair>& pairs, ns3::Ipv4Address local,
             ns3::Ipv4Address remote)
{
    const TrafficSelector localHost = TrafficSelector::FromAddress(local.Get());
    const TrafficSelector remoteHost = TrafficSelector::FromAddress(remote.Get());
    return std::all_of(pairs.begin(), pairs.end(),
                       [&](const SelectorPair& pair)
                       {
                           return pair.local.IsSubsetOf(localHost)
                                  && pair.remote.IsSubsetOf(remoteHost);
                       });
}

/// RFC 7296 s2.9: an initiator may put the triggering packet first in TSi and TSr as a
/// single-address selector. When more selectors follow it, it is taken as the trigger.
std::optional<SelectorPair>
SplitTrigger(std::vector<TrafficSelector>& tsi, std::vector<TrafficSelector>& tsr)
{
    if (tsi.size() < 2 || tsr.size() < 2 || tsi[0].startAddress != tsi[0].endAddress
        || tsr[0].startAddress != tsr[0].endAddress)
    {
        return std::nullopt;
    }
    SelectorPair trigger{tsi[0], tsr[0]};
    tsi.erase(tsi.begin());
    tsr.erase(tsr.begin());
    return trigger;
}

bool
IsCoveredBy(const std::vector<TrafficSelector>& narrowed,
            const std::vector<TrafficSelector>& proposed)
{
    return std::all_of(narrowed.begin(), narrowed.end(),
                       [&](const TrafficSelector& s)
                       {
                           return std::any_of(proposed.begin(), proposed.end(),
                                              [&](const TrafficSelector& p)
                                              {
                                                  return s.IsSubsetOf(p);
                                              });
                       });
}

} // namespace

IkeV2Sa::IkeV2Sa(IkeEndpoint& endpoint, size_t connectionIndex, bool initiator,
                 uint64_t initiatorSpi)
  : IkeSa(endpoint, connectionIndex, initiator, initiatorSpi)
{
}

IkeMessage
IkeV2Sa::NewRequest(IkeExchange exchange)
{
    IkeMessage message;
    message.header.initiatorSpi = m_initiatorSpi;
    message.header.responderSpi = m_responderSpi;
    message.header.version = kIkeV2VersionOctet;
    message.header.exchangeType = static_cast<uint8_t>(exchange);
    // RFC 7296 s3.1: the I flag marks messages sent by the original initiator.
    message.header.flags = m_initiator ? kFlagInitiator : 0;
    message.header.messageId = m_nextRequestId;
    message.encrypted = exchange != IkeExchange::IkeSaInit;
    return message;
}

IkeMessage
IkeV2Sa::NewResponse(const IkeMessage& request) const
{
    IkeMessage message;
    message.header = request.header;
    message.header.responderSpi = m_responderSpi;
    message.header.flags = static_cast<uint8_t>(kFlagResponse | (m_initiator ? kFlagInitiator : 0));
    message.encrypted = request.header.exchangeType != static_cast<uint8_t>(IkeExchange::IkeSaInit);
    return message;
}

std::optional<IkeProtection>
IkeV2Sa::OutboundProtection() const
{
    if (!m_keysReady)
    {
        return std::nullopt;
    }
    IkeProtection protection = IkeProtection::ForSuite(m_suite, m_initiator ? m_skAi : m_skAr);
    protection.ivSeed = m_endpoint.GetSeed() ^ m_initiatorSpi ^ (m_initiator ? 0 : 1);
    return protection;
}

std::optional<IkeProtection>
IkeV2Sa::InboundProtection() const
{
    if (!m_keysReady)
    {
        return std::nullopt;
    }
    return IkeProtection::ForSuite(m_suite, m_initiator ? m_skAr : m_skAi);
}

void
IkeV2Sa::AddNatDetection(IkeMessage& message) const
{
    // RFC 7296 s2.23: SHA-1(SPIi | SPIr | IP address | port) of source and destination.
    const IkeConnection& connection = Connection();
    for (const auto& [type, address] :
         {std::make_pair(NotifyType::NatDetectionSourceIp, connection.localAddress),
          std::make_pair(NotifyType::NatDetectionDestinationIp, connection.remoteAddress)})
    {
        message.payloads.push_back(
            NotifyOf(type, NatDetectionHash(message.header.initiatorSpi,
                                            message.header.responderSpi, address)));
    }
}

IkePayload
IkeV2Sa::EspSaPayload(uint32_t spi) const
{
    const IkeConnection& connection = Connection();
    std::vector<SaProposal> proposals;
    for (const EspSuite& suite : connection.espProposals)
    {
        SaProposal proposal;
        proposal.number = static_cast<uint8_t>(proposals.size() + 1);
        proposal.protocolId = kProtocolEsp;
        proposal.spi = SpiBytes(spi);
        proposal.transforms = EspV2Transforms(suite, connection.pfsGroup, false);
        proposals.push_back(proposal);
    }
    return IkePayload{kPayloadSa, false, EncodeSaPayload(IkeVersion::V2, proposals)};
}

void
IkeV2Sa::AddSelectorPayloads(const ChildTask& task, IkeMessage& message) const
{
    std::vector<TrafficSelector> tsi;
    std::vector<TrafficSelector> tsr;
    if (task.trigger)
    {
        tsi.push_back(task.trigger->local);
        tsr.push_back(task.trigger->remote);
    }
    tsi.push_back(task.pair.local);
    tsr.push_back(task.pair.remote);
    message.payloads.push_back({kPayloadTsi, false, EncodeTsPayload(tsi)});
    message.payloads.push_back({kPayloadTsr, false, EncodeTsPayload(tsr)});
}

void
IkeV2Sa::DeriveKeys()
{
    // RFC 7296 s2.14: SKEYSEED = prf(Ni | Nr, g^ir);
    // {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi |
    // SPIr).
    const Bytes sharedSecret = ModeledSharedSecret();
    const Bytes nonces = ConcatBytes({m_nonceI, m_nonceR});
    const Bytes seed = ComputePrf(m_suite.prf, nonces, sharedSecret);
    const size_t prfSize = PrfOutputSize(m_suite.prf);
    const size_t integritySize = m_suite.IntegrityKeySize();
    const size_t encryptionSize = m_suite.EncryptionKeySize();
    const Bytes keymat = ComputePrfPlus(
        m_suite.prf, seed,
        ConcatBytes({nonces, IkeSpiBytes(m_initiatorSpi), IkeSpiBytes(m_responderSpi)}),
        prfSize + 2 * integritySize + 2 * encryptionSize + 2 * prfSize);
    size_t offset = 0;
    auto take = [&keymat, &offset](size_t size)
    {
        Bytes key(keymat.begin() + offset, keymat.begin() + offset + size);
        offset += size;
        return key;
    };
    m_skD = take(prfSize);
    m_skAi = take(integritySize);
    m_skAr = take(integritySize);
    take(2 * encryptionSize); // SK_ei and SK_er: nothing is encrypted in this model
    m_skPi = take(prfSize);
    m_skPr = take(prfSize);
    // Without an integrity transform (AES-GCM) the SK checksum replaces the GCM tag
    // keyed with SK_p; it only has to agree on both ends.
    if (integritySize == 0)
    {
        m_skAi = m_skPi;
        m_skAr = m_skPr;
    }
    m_keysReady = true;
}

Bytes
IkeV2Sa::ComputeAuth(bool ofInitiator, ByteView idBody) const
{
    // RFC 7296 s2.15: AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>),
    // SignedOctets = RealMessage | Nonce of the peer | prf(SK_p, RestOfIDPayload).
    const Bytes& message = ofInitiator ? m_initRequest : m_initResponse;
    const Bytes& peerNonce = ofInitiator ? m_nonceR : m_nonceI;
    const Bytes macedId = ComputePrf(m_suite.prf, ofInitiator ? m_skPi : m_skPr, idBody);
    const std::string& psk = Connection().preSharedKey;
    const std::string pad(kKeyPadForIkev2);
    const Bytes key = ComputePrf(
        m_suite.prf, ByteView(reinterpret_cast<const uint8_t*>(psk.data()), psk.size()),
        ByteView(reinterpret_cast<const uint8_t*>(pad.data()), pad.size()));
    return ComputePrf(m_suite.prf, key, ConcatBytes({message, peerNonce, macedId}));
}

std::optional<NotifyPayload>
IkeV2Sa::FindErrorNotify(const IkeMessage& message) const
{
    return FindNotifyIf(message, IkeVersion::V2,
                        [](const NotifyPayload& notify)
                        {
                            return IsErrorNotify(notify.type);
                        });
}

void
IkeV2Sa::RespondWithError(const IkeMessage& request, const Bytes& bytes, NotifyType type,
                          bool encrypted)
{
    IkeMessage response = NewResponse(request);
    response.encrypted = encrypted && m_keysReady;
    response.payloads.push_back(NotifyOf(type));
    SendResponse(response, bytes);
}

// ---------------------------------------------------------------------------------------
// Initiator: IKE_SA_INIT and IKE_AUTH (RFC 7296 s1.2).

void
IkeV2Sa::Start()
{
    NS_LOG_FUNCTION(this);

    RecordPhase1Started();
    SendInit(Connection().ikeProposals.front().dhGroup);
}

void
IkeV2Sa::SendInit(DhGroup group)
{
    const IkeConnection& connection = Connection();
    m_keGroup = group;
    m_nonceI = RandomBytes(m_endpoint.GetNonceSize());
    m_keI = RandomBytes(KeyExchangeSize(group));
    m_nextRequestId = 0;

    IkeMessage request = NewRequest(IkeExchange::IkeSaInit);
    std::vector<SaProposal> proposals;
    for (const IkeSuite& suite : connection.ikeProposals)
    {
        SaProposal proposal;
        proposal.number = static_cast<uint8_t>(proposals.size() + 1);
        proposal.protocolId = kProtocolIke;
        proposal.transforms = IkeV2Transforms(suite);
        proposals.push_back(proposal);
    }
    request.payloads.push_back({kPayloadSa, false, EncodeSaPayload(IkeVersion::V2, proposals)});
    request.payloads.push_back({kPayloadKe, false, EncodeKePayload(IkeVersion::V2, group, m_keI)});
    request.payloads.push_back({kPayloadNonce, false, m_nonceI});
    AddNatDetection(request);
    m_nextRequestId = 1;
    m_initRequest = SendPhase1Request(
        request,
        [this](const IkeMessage& response)
        {
            HandleInitResponse(response);
        },
        "no answer to IKE_SA_INIT from " + Ipv4ToString(Connection().remoteAddress.Get()));
}

void
IkeV2Sa::HandleInitResponse(const IkeMessage& response)
{
    NS_LOG_FUNCTION(this);

    if (auto error = FindErrorNotify(response))
    {
        if (error->type == static_cast<uint16_t>(NotifyType::InvalidKePayload)
            && error->data.size() == 2)
        {
            // RFC 7296 s1.3: retry with the group the responder asked for, if we offer it.
            const auto wanted = static_cast<DhGroup>(ReadU16(error->data.data()));
            const auto& proposals = Connection().ikeProposals;
            const bool offered = std::any_of(proposals.begin(), proposals.end(),
                                             [wanted](const IkeSuite& s)
                                             {
                                                 return s.dhGroup == wanted;
                                             });
            if (offered && wanted != m_keGroup)
            {
                NS_LOG_LOGIC(Name() << ": responder asks for DH group " << ToString(wanted));
                SendInit(wanted);
                return;
            }
        }
        const bool noProposal = error->type == static_cast<uint16_t>(NotifyType::NoProposalChosen);
        Fail(IkeNegotiationKind::IkeSa,
             noProposal ? IkeFailureReason::NoProposalChosen : IkeFailureReason::InvalidResponse,
             std::string(ToString(static_cast<NotifyType>(error->type)))
                 + " from the responder to IKE suites " + DescribeOwnIkeProposals(),
             IkeSaState::Failed);
        return;
    }

    const IkePayload* sa = response.Find(kPayloadSa);
    const IkePayload* ke = response.Find(kPayloadKe);
    const IkePayload* nonce = response.Find(kPayloadNonce);
    std::optional<IkeSuite> chosen;
    if (sa)
    {
        auto proposals = DecodeSaPayload(IkeVersion::V2, sa->body);
        if (proposals && proposals.Value().size() == 1)
        {
            chosen = IkeSuiteFromV2(proposals.Value().front().transforms);
        }
    }
    const auto& offered = Connection().ikeProposals;
    auto keyExchange = ke ? DecodeKePayload(IkeVersion::V2, ke->body)
                          : Result<KePayload>(DecodeError::Truncated);
    if (!chosen || std::find(offered.begin(), offered.end(), *chosen) == offered.end()
        || !keyExchange || keyExchange.Value().group != chosen->dhGroup || !nonce
        || response.header.responderSpi == 0)
    {
        Fail(IkeNegotiationKind::IkeSa, IkeFailureReason::InvalidResponse,
             "IKE_SA_INIT response without a valid SA, KE and Nonce for an offered suite",
             IkeSaState::Failed);
        return;
    }

    m_suite = *chosen;
    m_responderSpi = response.header.responderSpi;
    m_keR = keyExchange.Value().data;
    m_nonceR = nonce->body;
    m_initResponse = m_lastReceived;
    // The initiator computes the shared secret before it can send IKE_AUTH.
    AfterPhase1KeyExchange(
        [this]()
        {
            DeriveKeys();
            m_useNatPort = Connection().natTraversal;
            SendAuth();
        });
}

void
IkeV2Sa::SendAuth()
{
    NS_LOG_FUNCTION(this);

    const IkeConnection& connection = Connection();
    IkeMessage request = NewRequest(IkeExchange::IkeAuth);
    IdPayload id;
    id.type = kIdIpv4Address;
    AppendU32(id.data, connection.localAddress.Get());
    const Bytes idBody = EncodeIdPayload(IkeVersion::V2, id);
    request.payloads.push_back({kPayloadIdi, false, idBody});
    request.payloads.push_back(
        {kPayloadAuth, false, EncodeAuthPayload(kAuthSharedKeyMic, ComputeAuth(true, idBody))});

    // RFC 7296 s1.2: the first CHILD SA is negotiated inside IKE_AUTH.
    if (!m_pendingChildren.empty())
    {
        m_runningChild = m_pendingChildren.front();
        m_pendingChildren.pop_front();
        m_runningChild->started = ns3::Simulator::Now();
        RecordChildNegotiationStarted();
        m_proposedSpi = NewEspSpi();
        request.payloads.push_back(EspSaPayload(m_proposedSpi));
        AddSelectorPayloads(*m_runningChild, request);
        m_proposedSelectors = SelectorProposal::FromPair(m_runningChild->pair);
        m_proposedSelectors.trigger = m_runningChild->trigger;
        if (connection.mode == IpsecMode::Transport)
        {
            // RFC 7296 s1.3.1: the initiator requests transport mode with a notify.
            request.payloads.push_back(NotifyOf(NotifyType::UseTransportMode));
        }
    }
    // RFC 7296 s2.4: the first IKE SA with a peer asserts that no other one exists, so a
    // peer that still has SAs from before a restart of this gateway drops them.
    if (ShouldSendInitialContact())
    {
        request.payloads.push_back(NotifyOf(NotifyType::InitialContact));
        m_endpoint.Counters().initialContactsSent++;
    }
    m_nextRequestId = 2;
    SendPhase1Request(
        request,
        [this](const IkeMessage& response)
        {
            HandleAuthResponse(response);
        },
        "no answer to IKE_AUTH");
}

void
IkeV2Sa::HandleAuthResponse(const IkeMessage& response)
{
    NS_LOG_FUNCTION(this);

    if (auto error = FindErrorNotify(response);
        error && error->type == static_cast<uint16_t>(NotifyType::AuthenticationFailed))
    {
        Fail(IkeNegotiationKind::IkeSa, IkeFailureReason::AuthenticationFailed,
             "the responder rejected our AUTH payload: the pre-shared keys differ",
             IkeSaState::Failed);
        return;
    }
    const IkePayload* idr = response.Find(kPayloadIdr);
    const IkePayload* auth = response.Find(kPayloadAuth);
    auto authPayload
        = auth ? DecodeAuthPayload(auth->body) : Result<AuthPayload>(DecodeError::Truncated);
    if (!idr || !authPayload)
    {
        Fail(IkeNegotiationKind::IkeSa, IkeFailureReason::InvalidResponse,
             "IKE_AUTH response without IDr and AUTH payloads", IkeSaState::Failed);
        return;
    }
    if (authPayload.Value().data != ComputeAuth(false, idr->body))
    {
        Fail(IkeNegotiationKind::IkeSa, IkeFailureReason::AuthenticationFailed,
             "the responder's AUTH payload does not verify: the pre-shared keys differ",
             IkeSaState::Failed);
        return;
    }
    SetEstablished();
    if (m_runningChild)
    {
        const ChildTask task = *m_runningChild;
        HandleChildResponse(response, task);
    }
}

void
IkeV2Sa::HandleChildResponse(const IkeMessage& response, const ChildTask& task)
{
    NS_LOG_FUNCTION(this << task.pair.ToString());

    if (auto error = FindErrorNotify(response))
    {
        const auto type = static_cast<NotifyType>(error->type);
        if (type == NotifyType::TsUnacceptable)
        {
            FailChild(task, IkeFailureReason::TsUnacceptable,
                      "TS_UNACCEPTABLE: "
                          + DescribeSelectorRejection(error->data, SelectorRule::NoIntersection),
                      true);
            return;
        }
        if (type == NotifyType::NoProposalChosen)
        {
            FailChild(task, IkeFailureReason::NoProposalChosen,
                      "NO_PROPOSAL_CHOSEN: the responder accepts none of the ESP suites "
                          + DescribeOwnEspProposals(),
                      true);
            return;
        }
        FailChild(task, IkeFailureReason::InvalidResponse,
                  std::string(ToString(type)) + " in answer to a CHILD SA request", true);
        return;
    }

    const IkePayload* sa = response.Find(kPayloadSa);
    const IkePayload* tsiPayload = response.Find(kPayloadTsi);
    const IkePayload* tsrPayload = response.Find(kPayloadTsr);
    std::optional<EspProposalTerms> terms;
    std::optional<uint32_t> responderSpi;
    if (sa)
    {
        auto proposals = DecodeSaPayload(IkeVersion::V2, sa->body);
        if (proposals && proposals.Value().size() == 1)
        {
            terms = EspTermsFromV2(proposals.Value().front().transforms);
            responderSpi = SpiFromBytes(proposals.Value().front().spi);
        }
    }
    auto tsi = tsiPayload ? DecodeTsPayload(tsiPayload->body)
                          : Result<std::vector<TrafficSelector>>(DecodeError::Truncated);
    auto tsr = tsrPayload ? DecodeTsPayload(tsrPayload->body)
                          : Result<std::vector<TrafficSelector>>(DecodeError::Truncated);
    const auto& offered = Connection().espProposals;
    const bool validSuite
        = terms && std::find(offered.begin(), offered.end(), terms->suite) != offered.end();
    // RFC 7296 s2.9: the responder may only narrow what was proposed.
    const bool validSelectors = tsi && tsr && !tsi.Value().empty() && !tsr.Value().empty()
                                && IsCoveredBy(tsi.Value(), m_proposedSelectors.initiator)
                                && IsCoveredBy(tsr.Value(), m_proposedSelectors.responder);
    if (!validSuite || !responderSpi || !validSelectors)
    {
        FailChild(task, IkeFailureReason::InvalidResponse,
                  "CHILD SA response without an offered ESP suite, an SPI, or selectors inside "
                  "the proposal",
                  true);
        return;
    }

    // RFC 7296 s1.3.1: the responder accepts transport mode by echoing the notify. Without
    // it the CHILD SA is in tunnel mode, which an initiator that needs transport mode must
    // delete.
    const bool transportRequested = Connection().mode == IpsecMode::Transport;
    const bool transportAccepted = HasNotify(response, NotifyType::UseTransportMode);
    if (transportAccepted != transportRequested)
    {
        // The responder installed a CHILD SA that this side will not use: delete it.
        const uint32_t unwanted = m_proposedSpi;
        if (transportRequested)
        {
            FailChild(task, IkeFailureReason::ModeUnacceptable,
                      "the responder declined transport mode and installed a tunnel-mode "
                      "CHILD SA; deleting it",
                      true);
        }
        else
        {
            FailChild(task, IkeFailureReason::InvalidResponse,
                      "USE_TRANSPORT_MODE in a response to a tunnel-mode request; deleting the "
                      "CHILD SA",
                      true);
        }
        QueueChildDelete(unwanted);
        return;
    }
    terms->mode = transportAccepted ? IpsecMode::Transport : IpsecMode::Tunnel;

    SelectorMatchResult accepted;
    accepted.initiator = tsi.Value();
    accepted.responder = tsr.Value();
    const ChildSaParameters parameters
        = MakeChildParameters(*terms, m_proposedSpi, *responderSpi, accepted.AcceptedPairs(), true);
    // Make before break (RFC 7296 s2.8): the new SA carries our traffic from now on. The
    // rekeyed SA's inbound half stays until the peer confirms its delete.
    InstallInitiatedChild(parameters, task, RekeyDeletion::Initiator);
}

void
IkeV2Sa::StartChildExchange(const ChildTask& task)
{
    NS_LOG_FUNCTION(this << task.pair.ToString());

    if (!BeginChildExchange(task))
    {
        return;
    }
    const IkeConnection& connection = Connection();
    const ChildSa* old = task.rekeyChildId ? FindChild(*task.rekeyChildId) : nullptr;
    IkeMessage request = NewRequest(IkeExchange::CreateChildSa);
    if (old)
    {
        // RFC 7296 s1.3.3: REKEY_SA names the SA by the SPI we receive on.
        request.payloads.push_back(
            NotifyOf(NotifyType::RekeySa, {}, kProtocolEsp, SpiBytes(old->parameters.inboundSpi)));
    }
    m_proposedSpi = NewEspSpi();
    request.payloads.push_back(EspSaPayload(m_proposedSpi));
    request.payloads.push_back({kPayloadNonce, false, RandomBytes(m_endpoint.GetNonceSize())});
    if (connection.pfsGroup != DhGroup::None)
    {
        request.payloads.push_back(
            {kPayloadKe, false,
             EncodeKePayload(IkeVersion::V2, connection.pfsGroup,
                             RandomBytes(KeyExchangeSize(connection.pfsGroup)))});
    }
    AddSelectorPayloads(*m_runningChild, request);
    if (connection.mode == IpsecMode::Transport)
    {
        // RFC 7296 s1.3.1 and s1.3.3: requested in new and rekeying requests alike.
        request.payloads.push_back(NotifyOf(NotifyType::UseTransportMode));
    }
    m_proposedSelectors = SelectorProposal::FromPair(task.pair);
    m_proposedSelectors.trigger = task.trigger;
    m_nextRequestId++;
    SendChildRequest(
        request,
        [this](const IkeMessage& response, const ChildTask& running)
        {
            HandleChildResponse(response, running);
        },
        "no answer to CREATE_CHILD_SA");
}

// ---------------------------------------------------------------------------------------
// Receiving.

void
IkeV2Sa::Receive(const IkeHeader& header, const Bytes& bytes)
{
    NS_LOG_FUNCTION(this << static_cast<int>(header.exchangeType) << header.messageId);

    m_lastReceived = bytes;
    if (header.IsResponse())
    {
        auto message = Decode(bytes, true);
        if (!message)
        {
            return;
        }
        if (!HasOutstandingRequest() || header.messageId != OutstandingMessageId())
        {
            m_endpoint.RecordDrop(IkeDropReason::UnexpectedMessage);
            return;
        }
        DeliverAnswer(*message);
        return;
    }

    if (ResendCachedResponse(bytes))
    {
        return;
    }
    if (m_processing || header.messageId != m_expectedPeerRequestId)
    {
        // RFC 7296 s2.3: a request outside the window is dropped.
        m_endpoint.RecordDrop(IkeDropReason::UnexpectedMessage);
        return;
    }
    auto message = Decode(bytes, false);
    if (!message)
    {
        return;
    }
    switch (static_cast<IkeExchange>(header.exchangeType))
    {
        case IkeExchange::IkeSaInit:
            if (!m_initiator && m_state == IkeSaState::Connecting)
            {
                HandleInitRequest(*message, bytes);
                return;
            }
            break;
        case IkeExchange::IkeAuth:
            if (!m_initiator && m_state == IkeSaState::Connecting && m_keysReady)
            {
                HandleAuthRequest(*message, bytes);
                return;
            }
            break;
        case IkeExchange::CreateChildSa:
            if (m_state == IkeSaState::Established)
            {
                HandleCreateChildRequest(*message, bytes);
                return;
            }
            break;
        case IkeExchange::Informational:
            if (m_state == IkeSaState::Established)
            {
                HandleInformationalRequest(*message, bytes);
                return;
            }
            break;
        default:
            break;
    }
    m_endpoint.RecordDrop(IkeDropReason::UnexpectedMessage);
}

// ---------------------------------------------------------------------------------------
// Responder.

void
IkeV2Sa::HandleInitRequest(const IkeMessage& request, const Bytes& bytes)
{
    NS_LOG_FUNCTION(this);

    const IkePayload* sa = request.Find(kPayloadSa);
    const IkePayload* ke = request.Find(kPayloadKe);
    const IkePayload* nonce = request.Find(kPayloadNonce);
    auto proposals = sa ? DecodeSaPayload(IkeVersion::V2, sa->body)
                        : Result<std::vector<SaProposal>>(DecodeError::Truncated);
    auto keyExchange = ke ? DecodeKePayload(IkeVersion::V2, ke->body)
                          : Result<KePayload>(DecodeError::Truncated);
    if (!proposals || !keyExchange || !nonce)
    {
        RespondWithError(request, bytes, NotifyType::InvalidSyntax, false);
        Fail(IkeNegotiationKind::IkeSa, IkeFailureReason::InvalidResponse,
             "IKE_SA_INIT request without valid SA, KE and Nonce payloads", IkeSaState::Failed);
        return;
    }

    // RFC 7296 s2.7: the responder picks one of the initiator's proposals, in the
    // initiator's order of preference.
    const auto& accepted = Connection().ikeProposals;
    std::optional<IkeSuite> chosen;
    uint8_t chosenNumber = 0;
    std::vector<std::string> proposedNames;
    for (const SaProposal& proposal : proposals.Value())
    {
        auto suite = IkeSuiteFromV2(proposal.transforms);
        if (!suite || proposal.protocolId != kProtocolIke)
        {
            continue;
        }
        proposedNames.push_back(suite->Name());
        if (!chosen && std::find(accepted.begin(), accepted.end(), *suite) != accepted.end())
        {
            chosen = suite;
            chosenNumber = proposal.number;
        }
    }
    if (!chosen)
    {
        RespondWithError(request, bytes, NotifyType::NoProposalChosen, false);
        Fail(IkeNegotiationKind::IkeSa, IkeFailureReason::NoProposalChosen,
             "initiator proposed IKE suites " + JoinProposalNames(proposedNames)
                 + "; this gateway accepts " + DescribeOwnIkeProposals(),
             IkeSaState::Failed);
        return;
    }
    if (keyExchange.Value().group != chosen->dhGroup)
    {
        // RFC 7296 s1.3: ask for the right group; keep no state for this attempt.
        IkeMessage response = NewResponse(request);
        Bytes group;
        AppendU16(group, static_cast<uint16_t>(chosen->dhGroup));
        response.payloads.push_back(NotifyOf(NotifyType::InvalidKePayload, group));
        SendOneWay(response, true);
        m_endpoint.ScheduleRemoval(this);
        return;
    }

    m_responderSpi = m_endpoint.NewIkeSpi();
    m_keI = keyExchange.Value().data;
    m_nonceI = nonce->body;
    m_initRequest = bytes;
    m_started = ns3::Simulator::Now();
    m_processing = true;
    // The responder computes the shared secret before it responds.
    const IkeSuite suite = *chosen;
    ScheduleOwned(m_endpoint.GetDhDelay(),
                  [this, request, bytes, suite, chosenNumber]()
                  {
                      FinishInitResponse(request, bytes, suite, chosenNumber);
                  });
}

void
IkeV2Sa::FinishInitResponse(const IkeMessage& request, const Bytes& bytes, IkeSuite suite,
                            uint8_t proposalNumber)
{
    m_processing = false;
    m_suite = suite;
    m_keGroup = suite.dhGroup;
    m_nonceR = RandomBytes(m_endpoint.GetNonceSize());
    m_keR = RandomBytes(KeyExchangeSize(suite.dhGroup));

    IkeMessage response = NewResponse(request);
    SaProposal proposal;
    proposal.number = proposalNumber;
    proposal.protocolId = kProtocolIke;
    proposal.transforms = IkeV2Transforms(suite);
    response.payloads.push_back({kPayloadSa, false, EncodeSaPayload(IkeVersion::V2, {proposal})});
    response.payloads.push_back(
        {kPayloadKe, false, EncodeKePayload(IkeVersion::V2, suite.dhGroup, m_keR)});
    response.payloads.push_back({kPayloadNonce, false, m_nonceR});
    AddNatDetection(response);
    m_initResponse = SendResponse(response, bytes);
    m_expectedPeerRequestId = 1;
    DeriveKeys();
    m_useNatPort = Connection().natTraversal;
}

void
IkeV2Sa::HandleAuthRequest(const IkeMessage& request, const Bytes& bytes)
{
    NS_LOG_FUNCTION(this);

    const IkePayload* idi = request.Find(kPayloadIdi);
    const IkePayload* auth = request.Find(kPayloadAuth);
    auto authPayload
        = auth ? DecodeAuthPayload(auth->body) : Result<AuthPayload>(DecodeError::Truncated);
    if (!idi || !authPayload)
    {
        RespondWithError(request, bytes, NotifyType::InvalidSyntax, true);
        Fail(IkeNegotiationKind::IkeSa, IkeFailureReason::InvalidResponse,
             "IKE_AUTH request without IDi and AUTH payloads", IkeSaState::Failed);
        return;
    }
    if (authPayload.Value().method != kAuthSharedKeyMic
        || authPayload.Value().data != ComputeAuth(true, idi->body))
    {
        // RFC 7296 s2.21.2: AUTHENTICATION_FAILED in the IKE_AUTH response, then delete.
        RespondWithError(request, bytes, NotifyType::AuthenticationFailed, true);
        Fail(IkeNegotiationKind::IkeSa, IkeFailureReason::AuthenticationFailed,
             "the initiator's AUTH payload does not verify: the pre-shared keys differ",
             IkeSaState::Failed);
        return;
    }

    if (HasNotify(request, NotifyType::InitialContact))
    {
        // RFC 7296 s2.4: the peer lost its state, so its old IKE SA and CHILD SAs go
        // silently, before the new CHILD SA is installed.
        HandleInitialContact();
    }
    SetEstablished();
    IkeMessage response = NewResponse(request);
    IdPayload id;
    id.type = kIdIpv4Address;
    AppendU32(id.data, Connection().localAddress.Get());
    const Bytes idBody = EncodeIdPayload(IkeVersion::V2, id);
    response.payloads.push_back({kPayloadIdr, false, idBody});
    response.payloads.push_back(
        {kPayloadAuth, false, EncodeAuthPayload(kAuthSharedKeyMic, ComputeAuth(false, idBody))});
    if (request.Find(kPayloadSa))
    {
        ProcessChildRequest(request, true, response);
    }
    SendResponse(response, bytes);
    m_expectedPeerRequestId++;
}

void
IkeV2Sa::HandleCreateChildRequest(const IkeMessage& request, const Bytes& bytes)
{
    NS_LOG_FUNCTION(this);

    auto respond = [this, request, bytes]()
    {
        m_processing = false;
        if (m_state != IkeSaState::Established)
        {
            return;
        }
        IkeMessage response = NewResponse(request);
        ProcessChildRequest(request, false, response);
        SendResponse(response, bytes);
        m_expectedPeerRequestId++;
    };
    if (request.Find(kPayloadKe))
    {
        // PFS: the responder computes a new shared secret before it responds.
        m_processing = true;
        ScheduleOwned(m_endpoint.GetDhDelay(), respond);
        return;
    }
    respond();
}

void
IkeV2Sa::ProcessChildRequest(const IkeMessage& request, bool inIkeAuth, IkeMessage& response)
{
    const IkeConnection& connection = Connection();
    const IkePayload* sa = request.Find(kPayloadSa);
    const IkePayload* tsiPayload = request.Find(kPayloadTsi);
    const IkePayload* tsrPayload = request.Find(kPayloadTsr);
    auto proposals = sa ? DecodeSaPayload(IkeVersion::V2, sa->body)
                        : Result<std::vector<SaProposal>>(DecodeError::Truncated);
    auto tsi = tsiPayload ? DecodeTsPayload(tsiPayload->body)
                          : Result<std::vector<TrafficSelector>>(DecodeError::Truncated);
    auto tsr = tsrPayload ? DecodeTsPayload(tsrPayload->body)
                          : Result<std::vector<TrafficSelector>>(DecodeError::Truncated);
    if (!proposals || !tsi || !tsr || tsi.Value().empty() || tsr.Value().empty())
    {
        response.payloads.push_back(NotifyOf(NotifyType::InvalidSyntax));
        return;
    }

    ChildTask task;
    task.started = ns3::Simulator::Now();
    SelectorProposal proposal;
    proposal.initiator = tsi.Value();
    proposal.responder = tsr.Value();
    proposal.trigger = SplitTrigger(proposal.initiator, proposal.responder);
    // The pair from this gateway's view, for reports: local = the initiator's TSr.
    task.pair = SelectorPair{proposal.responder.front(), proposal.initiator.front()};

    // Rekeying: RFC 7296 s1.3.3, the REKEY_SA SPI is the one the initiator receives on,
    // which is our outbound SPI.
    std::optional<uint32_t> oldChildId;
    for (const IkePayload* payload : request.FindAll(kPayloadNotify))
    {
        auto notify = DecodeNotifyPayload(IkeVersion::V2, payload->body);
        if (notify && notify.Value().type == static_cast<uint16_t>(NotifyType::RekeySa))
        {
            auto spi = SpiFromBytes(notify.Value().spi);
            ChildSa* old = spi ? FindChildByOutboundSpi(*spi) : nullptr;
            if (!old || old->replaced)
            {
                response.payloads.push_back(NotifyOf(NotifyType::ChildSaNotFound));
                return;
            }
            oldChildId = old->id;
            task.rekeyChildId = old->id;
            task.pair = old->configuredPair;
        }
    }

    // RFC 7296 s2.7 and s3.3.6: the first ESP proposal, in the initiator's order, that this
    // gateway also accepts.
    std::optional<EspProposalTerms> chosen;
    uint8_t chosenNumber = 0;
    uint32_t initiatorSpi = 0;
    std::vector<std::string> proposedNames;
    for (const SaProposal& candidate : proposals.Value())
    {
        auto terms = EspTermsFromV2(candidate.transforms);
        auto spi = SpiFromBytes(candidate.spi);
        if (!terms || !spi || candidate.protocolId != kProtocolEsp)
        {
            continue;
        }
        proposedNames.push_back(terms->suite.Name());
        const bool suiteOk = std::find(connection.espProposals.begin(),
                                       connection.espProposals.end(), terms->suite)
                             != connection.espProposals.end();
        // In IKE_AUTH the CHILD SA takes its keys from the IKE SA (RFC 7296 s1.2), so no
        // D-H transform is expected there.
        const bool pfsOk = inIkeAuth || terms->pfs == connection.pfsGroup;
        if (!chosen && suiteOk && pfsOk)
        {
            chosen = terms;
            chosenNumber = candidate.number;
            initiatorSpi = *spi;
        }
    }
    if (!chosen)
    {
        response.payloads.push_back(NotifyOf(NotifyType::NoProposalChosen));
        FailChild(task, IkeFailureReason::NoProposalChosen,
                  "initiator proposed ESP suites " + JoinProposalNames(proposedNames)
                      + "; this gateway accepts " + DescribeOwnEspProposals(),
                  false);
        return;
    }

    const SelectorMatchResult match
        = MatchSelectors(proposal, connection.selectors, connection.matchStyle);
    if (!match.accepted)
    {
        response.payloads.push_back(NotifyOf(NotifyType::TsUnacceptable,
                                             EncodeSelectorRejection({match.rule, match.closest})));
        FailChild(task, IkeFailureReason::TsUnacceptable,
                  "TS_UNACCEPTABLE: "
                      + DescribeSelectorMatch(proposal, match, connection.matchStyle),
                  false);
        return;
    }

    std::vector<SelectorPair> localPairs;
    for (const SelectorPair& pair : match.AcceptedPairs())
    {
        localPairs.push_back(pair.Mirrored());
    }
    if (!oldChildId)
    {
        // Book the SA under the configured pair that contains it, for acquires.
        for (const SelectorPair& configured : connection.selectors)
        {
            if (localPairs.front().local.IsSubsetOf(configured.local)
                && localPairs.front().remote.IsSubsetOf(configured.remote))
            {
                task.pair = configured;
                break;
            }
        }
    }
    // RFC 7296 s1.3.1: transport mode only when requested, configured here, and possible
    // for the narrowed selectors. Otherwise the response omits the notify and the CHILD SA
    // falls back to tunnel mode.
    const bool transport
        = HasNotify(request, NotifyType::UseTransportMode)
          && connection.mode == IpsecMode::Transport
          && IsHostToHost(localPairs, connection.localAddress, connection.remoteAddress);
    chosen->mode = transport ? IpsecMode::Transport : IpsecMode::Tunnel;
    const uint32_t responderSpi = NewEspSpi();
    const ChildSaParameters parameters
        = MakeChildParameters(*chosen, responderSpi, initiatorSpi, localPairs, false);
    const uint32_t childId = AddChild(parameters, task.pair, false).id;
    ChildSa* child = FindChild(childId);
    InstallInbound(*child);
    if (oldChildId)
    {
        // Make before break: our outbound moves to the new SA when the initiator deletes
        // the old one, because by then the initiator has the new inbound SA.
        child->replacesChildId = oldChildId;
    }
    else
    {
        InstallOutbound(*child);
    }
    ChildEstablished(*child, task);

    SaProposal answer;
    answer.number = chosenNumber;
    answer.protocolId = kProtocolEsp;
    answer.spi = SpiBytes(responderSpi);
    answer.transforms
        = EspV2Transforms(chosen->suite, inIkeAuth ? DhGroup::None : chosen->pfs, chosen->esn);
    response.payloads.push_back({kPayloadSa, false, EncodeSaPayload(IkeVersion::V2, {answer})});
    if (!inIkeAuth)
    {
        response.payloads.push_back({kPayloadNonce, false, RandomBytes(m_endpoint.GetNonceSize())});
        if (chosen->pfs != DhGroup::None)
        {
            response.payloads.push_back(
                {kPayloadKe, false,
                 EncodeKePayload(IkeVersion::V2, chosen->pfs,
                                 RandomBytes(KeyExchangeSize(chosen->pfs)))});
        }
    }
    response.payloads.push_back({kPayloadTsi, false, EncodeTsPayload(match.initiator)});
    response.payloads.push_back({kPayloadTsr, false, EncodeTsPayload(match.responder)});
    if (match.additionalTsPossible)
    {
        response.payloads.push_back(NotifyOf(NotifyType::AdditionalTsPossible));
    }
    if (transport)
    {
        response.payloads.push_back(NotifyOf(NotifyType::UseTransportMode));
    }
}

void
IkeV2Sa::HandleInformationalRequest(const IkeMessage& request, const Bytes& bytes)
{
    NS_LOG_FUNCTION(this);

    IkeMessage response = NewResponse(request);
    bool deleteIkeSa = false;
    DeletePayload answered;
    for (const IkePayload* payload : request.FindAll(kPayloadDelete))
    {
        auto deletion = DecodeDeletePayload(IkeVersion::V2, payload->body);
        if (!deletion)
        {
            continue;
        }
        if (deletion.Value().protocolId == kProtocolIke)
        {
            deleteIkeSa = true;
            continue;
        }
        for (const Bytes& spiBytes : deletion.Value().spis)
        {
            // The peer names the SPIs it receives on: our outbound SPIs (RFC 7296 s3.11).
            auto spi = SpiFromBytes(spiBytes);
            ChildSa* child = spi ? FindChildByOutboundSpi(*spi) : nullptr;
            if (!child)
            {
                continue;
            }
            const uint32_t childId = child->id;
            answered.spis.push_back(SpiBytes(child->parameters.inboundSpi));
            // A rekeyed SA waiting for this delete takes over our outbound traffic first.
            for (ChildSa& candidate : m_children)
            {
                if (candidate.replacesChildId == childId)
                {
                    candidate.replacesChildId.reset();
                    InstallOutbound(candidate);
                }
            }
            RemoveChild(childId);
        }
    }
    if (!answered.spis.empty())
    {
        // RFC 7296 s1.4.1: the response deletes the paired SAs in the other direction.
        response.payloads.push_back(
            {kPayloadDelete, false, EncodeDeletePayload(IkeVersion::V2, answered)});
    }
    SendResponse(response, bytes);
    m_expectedPeerRequestId++;
    if (deleteIkeSa)
    {
        Close(false);
    }
}

// ---------------------------------------------------------------------------------------
// INFORMATIONAL requests (RFC 7296 s1.4).

void
IkeV2Sa::SendDeleteRequest(const DeletePayload& deletion, std::function<void()> onDone,
                           std::function<void()> onTimeout)
{
    IkeMessage request = NewRequest(IkeExchange::Informational);
    request.payloads.push_back(
        {kPayloadDelete, false, EncodeDeletePayload(IkeVersion::V2, deletion)});
    m_nextRequestId++;
    SendRequest(
        request, false,
        [onDone](const IkeMessage&)
        {
            onDone();
        },
        std::move(onTimeout));
}

void
IkeV2Sa::SendChildDelete(uint32_t inboundSpi, std::function<void()> onDone)
{
    DeletePayload deletion;
    deletion.spis.push_back(SpiBytes(inboundSpi));
    SendDeleteRequest(deletion, std::move(onDone),
                      [this]()
                      {
                          Fail(IkeNegotiationKind::ChildSa, IkeFailureReason::TimedOut,
                               "no answer to a CHILD SA delete", IkeSaState::TimedOut);
                      });
}

void
IkeV2Sa::SendIkeDelete(std::function<void()> onDone)
{
    DeletePayload deletion;
    deletion.protocolId = kProtocolIke;
    deletion.spiSize = 0;
    // The IKE SA goes whether or not the peer responds.
    SendDeleteRequest(deletion, onDone, onDone);
}

IkeMessage
IkeV2Sa::NewLivenessCheck()
{
    // RFC 7296 s2.4: an INFORMATIONAL request with no payloads checks liveness.
    IkeMessage request = NewRequest(IkeExchange::Informational);
    m_nextRequestId++;
    return request;
}

} // namespace tunnelsim
