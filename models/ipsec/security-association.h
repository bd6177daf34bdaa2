/*
 * One unidirectional ESP security association (RFC 4301 s4.4.2): the keyed codec of its
 * direction, its mode and tunnel endpoints, the selectors it protects, its lifetimes and
 * its counters.
 *
 * Limitations:
 * - ESP only (no AH), IPv4 only.
 * - Lifetimes count from installation; "first use" lifetimes are not modelled.
 */
#ifndef TUNNELSIM_IPSEC_SECURITY_ASSOCIATION_H
#define TUNNELSIM_IPSEC_SECURITY_ASSOCIATION_H

#include "esp-sa.h"
#include "ipsec-drop-reason.h"
#include "ipsec-mode.h"
#include "ns3/event-id.h"
#include "ns3/ipv4-address.h"
#include "ns3/net-device.h"
#include "ns3/nstime.h"
#include "ns3/simple-ref-count.h"
#include "traffic-selector.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string_view>

namespace tunnelsim
{

enum class SaDirection : uint8_t
{
    Inbound,
    Outbound,
};

/**
 * Lifetimes of an SA (RFC 4301 s4.4.2.1). Zero means "no limit". At the soft limit the SA
 * keeps working and the SAD fires its SoftExpired trace, so a key manager can rekey. At
 * the hard limit the SA is removed.
 */
struct SaLifetime
{
    uint64_t softBytes = 0;
    uint64_t hardBytes = 0;
    ns3::Time softTime = ns3::Seconds(0);
    ns3::Time hardTime = ns3::Seconds(0);
};

/** Everything needed to install one SA. */
struct SecurityAssociationConfig
{
    SaDirection direction = SaDirection::Outbound;
    IpsecMode mode = IpsecMode::Tunnel;
    /// SPI, suite, keys, ESN and replay window, passed to the codec.
    EspSaConfig esp;
    /// Traffic the SA carries, from this gateway's view (local = this side). Inbound packets
    /// outside these selectors are dropped (RFC 4301 s5.2).
    SelectorPair selectors;
    /// Tunnel mode: outer source (outbound) or destination (inbound), this gateway's address.
    ns3::Ipv4Address tunnelLocal;
    /// Tunnel mode: the peer gateway's address.
    ns3::Ipv4Address tunnelRemote;
    SaLifetime lifetime;
};

/** Per-SA counters. */
struct SaCounters
{
    uint64_t packets = 0; ///< packets sealed (outbound) or opened and accepted (inbound)
    uint64_t bytes = 0;   ///< their payload bytes before sealing or after opening
    std::map<IpsecDropReason, uint64_t> drops;
};

class SecurityAssociation : public ns3::SimpleRefCount<SecurityAssociation>
{
  public:
    /// Throws std::invalid_argument when the codec rejects the keys or the window size.
    explicit SecurityAssociation(const SecurityAssociationConfig& config);
    ~SecurityAssociation();

    const SecurityAssociationConfig& GetConfig() const { return m_config; }

    uint32_t GetSpi() const { return m_config.esp.spi; }

    SaDirection GetDirection() const { return m_config.direction; }

    IpsecMode GetMode() const { return m_config.mode; }

    /// Outbound SAs only; nullptr on an inbound SA.
    EspEncoder* GetEncoder() { return m_encoder.get(); }

    /// Inbound SAs only; nullptr on an outbound SA.
    EspDecoder* GetDecoder() { return m_decoder.get(); }

    const SaCounters& GetCounters() const { return m_counters; }

    ns3::Time GetInstallTime() const { return m_installTime; }

    /// True once the soft lifetime (bytes or time) has been reached.
    bool IsSoftExpired() const { return m_softExpired; }

    /// VTI the SA is bound to, or nullptr for a policy-bound SA.
    ns3::Ptr<ns3::NetDevice> GetBoundDevice() const { return m_boundDevice; }

    /// SPD entry id an outbound SA is bound to, 0 when none.
    uint32_t GetPolicyId() const { return m_policyId; }

  private:
    friend class SecurityAssociationDatabase;

    SecurityAssociationConfig m_config;
    std::unique_ptr<EspEncoder> m_encoder;
    std::unique_ptr<EspDecoder> m_decoder;
    SaCounters m_counters;
    ns3::Time m_installTime;
    bool m_softExpired = false;
    ns3::EventId m_softEvent;
    ns3::EventId m_hardEvent;
    ns3::Ptr<ns3::NetDevice> m_boundDevice;
    uint32_t m_policyId = 0;
};

} // namespace tunnelsim

#endif
