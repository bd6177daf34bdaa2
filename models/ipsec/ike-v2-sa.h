/*
 * IKEv2 exchanges (RFC 7296) on one IKE SA: IKE_SA_INIT, IKE_AUTH with the first CHILD SA,
 * CREATE_CHILD_SA for further selector pairs and for rekeying, INFORMATIONAL for deletes
 * and liveness checks.
 *
 * Limitations:
 * - Pre-shared key authentication only. The AUTH payload is the real RFC 7296 s2.15 value
 *   computed over the real messages, with IKE SA keys from a modeled DH secret.
 * - The window size is 1 (RFC 7296 s2.3): CHILD SAs are negotiated one after another.
 * - No IKE SA rekeying, no cookies, no configuration payloads.
 */
#ifndef TUNNELSIM_IPSEC_IKE_V2_SA_H
#define TUNNELSIM_IPSEC_IKE_V2_SA_H

#include "ike-sa.h"

namespace tunnelsim
{

class IkeV2Sa : public IkeSa
{
  public:
    IkeV2Sa(IkeEndpoint& endpoint, size_t connectionIndex, bool initiator, uint64_t initiatorSpi);

    void Start() override;
    void Receive(const IkeHeader& header, const Bytes& bytes) override;

  private:
    // Initiator side.
    void SendInit(DhGroup group);
    void HandleInitResponse(const IkeMessage& response);
    void SendAuth();
    void HandleAuthResponse(const IkeMessage& response);
    void HandleChildResponse(const IkeMessage& response, const ChildTask& task);

    // Responder side.
    void HandleInitRequest(const IkeMessage& request, const Bytes& bytes);
    void FinishInitResponse(const IkeMessage& request, const Bytes& bytes, IkeSuite suite,
                            uint8_t proposalNumber);
    void HandleAuthRequest(const IkeMessage& request, const Bytes& bytes);
    void HandleCreateChildRequest(const IkeMessage& request, const Bytes& bytes);
    void HandleInformationalRequest(const IkeMessage& request, const Bytes& bytes);
    /**
     * RFC 7296 s2.9 and s3.3: pick an ESP proposal and narrow the selectors of a CHILD SA
     * request, install the result, and append the response payloads (or an error notify)
     * to @p response.
     */
    void ProcessChildRequest(const IkeMessage& request, bool inIkeAuth, IkeMessage& response);

    // Version hooks.
    void StartChildExchange(const ChildTask& task) override;
    void SendChildDelete(uint32_t inboundSpi, std::function<void()> onDone) override;
    void SendIkeDelete(std::function<void()> onDone) override;
    IkeMessage NewLivenessCheck() override;
    std::optional<IkeProtection> OutboundProtection() const override;
    std::optional<IkeProtection> InboundProtection() const override;

    IkeMessage NewRequest(IkeExchange exchange);
    IkeMessage NewResponse(const IkeMessage& request) const;
    /// The Notify payloads for NAT detection (RFC 7296 s2.23).
    void AddNatDetection(IkeMessage& message) const;
    /// The SA payload offering every configured ESP suite with inbound SPI @p spi.
    IkePayload EspSaPayload(uint32_t spi) const;
    /// The TSi and TSr payloads for @p task (trigger first, RFC 7296 s2.9).
    void AddSelectorPayloads(const ChildTask& task, IkeMessage& message) const;
    /// RFC 7296 s2.14: SKEYSEED and the seven keys, from the modeled DH secret.
    void DeriveKeys();
    /// RFC 7296 s2.15: AUTH of the initiator (@p ofInitiator) or the responder.
    Bytes ComputeAuth(bool ofInitiator, ByteView idBody) const;
    /// The first Notify of an error type, if any.
    std::optional<NotifyPayload> FindErrorNotify(const IkeMessage& message) const;
    void RespondWithError(const IkeMessage& request, const Bytes& bytes, NotifyType type,
                          bool encrypted);
    /// Send an INFORMATIONAL request with @p deletion (RFC 7296 s1.4.1). @p onDone runs on
    /// its response and @p onTimeout when none comes.
    void SendDeleteRequest(const DeletePayload& deletion, std::function<void()> onDone,
                           std::function<void()> onTimeout);

    DhGroup m_keGroup = DhGroup::None;
    Bytes m_initRequest;
    Bytes m_initResponse;
    Bytes m_skD;
    Bytes m_skAi;
    Bytes m_skAr;
    Bytes m_skPi;
    Bytes m_skPr;
    uint32_t m_nextRequestId = 0;
    uint32_t m_expectedPeerRequestId = 0;
};

} // namespace tunnelsim

#endif
