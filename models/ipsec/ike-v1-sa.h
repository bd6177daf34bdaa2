/*
 * IKEv1 exchanges (RFC 2409) on one ISAKMP SA: Main Mode with pre-shared keys (six
 * messages), Quick Mode (three messages) per selector pair, and Informational exchanges for
 * deletes and dead peer detection (RFC 3706).
 *
 * Limitations:
 * - Main Mode with pre-shared keys only; no Aggressive Mode, no XAUTH, no commit bit.
 * - A pre-shared key mismatch is detected by HASH_I (RFC 2409 s5), and reported with an
 *   AUTHENTICATION_FAILED notify. A real responder would fail to decrypt message 5.
 * - The Quick Mode HASH payloads are prf(SKEYID_a, M-ID | payload bodies) without the
 *   generic payload headers, a simplification of RFC 2409 s5.5.
 * - Quick Modes run one at a time. A Quick Mode with the selectors of an existing CHILD SA
 *   replaces it (the rekey), and the responder deletes the old SA with an Informational.
 */
#ifndef TUNNELSIM_IPSEC_IKE_V1_SA_H
#define TUNNELSIM_IPSEC_IKE_V1_SA_H

#include "ike-sa.h"

#include <map>

namespace tunnelsim
{

class IkeV1Sa : public IkeSa
{
  public:
    IkeV1Sa(IkeEndpoint& endpoint, size_t connectionIndex, bool initiator, uint64_t initiatorSpi);
    ~IkeV1Sa() override;

    void Start() override;
    void Receive(const IkeHeader& header, const Bytes& bytes) override;

  private:
    /** A Quick Mode this gateway responded to, waiting for message 3. */
    struct QuickModeResponse
    {
        Bytes message2;
        IkeMessageRecord record; ///< trace record of message 2
        uint32_t transmissions = 1;
        ns3::EventId retransmitEvent;
        ChildTask task;
        ChildSaParameters parameters;
        Bytes nonceI;
        Bytes nonceR;
    };

    // Main Mode (RFC 2409 s5, pre-shared keys).
    void SendMainMode1();
    /// Main Mode message 3 or 4 (RFC 2409 s5): KE, Nonce and, with NAT traversal, NAT-D.
    IkeMessage NewKeyExchangeMessage(const Bytes& keyExchange, const Bytes& nonce) const;
    void HandleMainMode2(const IkeMessage& message);
    void HandleMainMode4(const IkeMessage& message);
    void SendMainMode5();
    void HandleMainMode6(const IkeMessage& message);
    void HandleMainMode1(const IkeMessage& message, const Bytes& bytes);
    void HandleMainMode3(const IkeMessage& message, const Bytes& bytes);
    void HandleMainMode5(const IkeMessage& message, const Bytes& bytes);
    /// Respond to the Main Mode request @p requestBytes with an unencrypted Informational
    /// that carries the error notify @p type.
    void RespondWithNotify(const Bytes& requestBytes, NotifyType type);
    /// Note the peer's NAT traversal support from the Vendor IDs of @p message.
    void NotePeerVendorIds(const IkeMessage& message);
    /// NAT traversal is configured here and the peer announced it (RFC 3947 s3.1 Vendor ID).
    bool UseNatTraversal() const;
    /// The ID payload body of this gateway's Main Mode messages 5 and 6.
    Bytes OwnIdBody() const;

    // Quick Mode (RFC 2409 s5.5).
    void HandleQuickMode2(const IkeMessage& message, const ChildTask& task);
    void HandleQuickMode1(const IkeMessage& message);
    void SendQuickMode2(uint32_t messageId);
    void HandleQuickMode3(const IkeMessage& message);
    void RetransmitQuickMode2(uint32_t messageId);
    /// RFC 2409 s5.5: HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b).
    Bytes ComputeQuickModeHash3(uint32_t messageId, ByteView nonceI, ByteView nonceR) const;

    // Informational (RFC 2409 s5.7, RFC 3706).
    void HandleInformational(const IkeMessage& message);
    void SendInformational(std::vector<IkePayload> payloads, bool isResponse);
    /// Send @p deletion in an Informational exchange.
    void SendDelete(const DeletePayload& deletion);

    // Version hooks.
    void StartChildExchange(const ChildTask& task) override;
    void SendChildDelete(uint32_t inboundSpi, std::function<void()> onDone) override;
    void SendIkeDelete(std::function<void()> onDone) override;
    IkeMessage NewLivenessCheck() override;
    std::optional<IkeProtection> OutboundProtection() const override;
    std::optional<IkeProtection> InboundProtection() const override;

    IkeMessage NewMessage(IkeExchange exchange, uint32_t messageId, bool encrypted) const;
    /// Vendor IDs of RFC 3706 (DPD) and, with NAT traversal, RFC 3947.
    void AddVendorIds(IkeMessage& message) const;
    /// NAT-D payloads (RFC 3947 s3.2): hash of CKY-I | CKY-R | IP | port, peer's first.
    void AddNatDetection(IkeMessage& message) const;
    /// CKY-I | CKY-R, the ISAKMP SA's SPI in RFC 2408 s3.15.
    Bytes Cookies() const;
    /// RFC 2409 s5: SKEYID and SKEYID_d, _a, _e from the modeled DH secret.
    void DeriveKeys();
    /// RFC 2409 s5: HASH_I (@p ofInitiator) or HASH_R over the ID payload body @p idBody.
    Bytes ComputeHash(bool ofInitiator, ByteView idBody) const;
    /// prf(SKEYID_a, @p prefix | M-ID | bodies of @p payloads), for Quick Mode and
    /// Informational HASH payloads.
    Bytes ComputeMessageHash(ByteView prefix, uint32_t messageId,
                             const std::vector<IkePayload>& payloads) const;
    /// Put HASH(1) first in @p message over its other payloads.
    void AddLeadingHash(IkeMessage& message, ByteView prefix) const;
    bool VerifyLeadingHash(const IkeMessage& message, ByteView prefix) const;
    IkePayload NotifyOf(NotifyType type, Bytes spi, Bytes data, uint8_t protocolId) const;
    uint32_t NewMessageId() const;

    Bytes m_saBody; ///< SAi_b: the initiator's SA payload body
    Bytes m_skeyid;
    Bytes m_skeyidD;
    Bytes m_skeyidA;
    Bytes m_skeyidE;
    /// Next Main Mode message this gateway expects: 1, 3 or 5 as responder, 2, 4 or 6 as
    /// initiator.
    int m_expectedMainMode = 1;
    bool m_peerSupportsNatTraversal = false;

    // Running Quick Mode as initiator.
    uint32_t m_quickModeId = 0;
    Bytes m_quickModeNonce;
    /// Last message 3 sent, sent again when message 2 repeats.
    uint32_t m_lastQuickMode3Id = 0;
    Bytes m_lastQuickMode3;
    IkeMessageRecord m_lastQuickMode3Record;

    std::map<uint32_t, QuickModeResponse> m_quickModeResponses;
    uint32_t m_dpdSequence = 0;
};

} // namespace tunnelsim

#endif
