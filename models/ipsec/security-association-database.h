/*
 * Security Association Database (RFC 4301 s4.4.2): the node's SAs, inbound ones found by
 * SPI, outbound ones by the SPD entry or the VTI they are bound to. It also enforces the
 * lifetimes: soft expiry fires SoftExpired (for a key manager to rekey), hard expiry removes
 * the SA, counts it and fires HardExpired.
 *
 * Limitations:
 * - Inbound SAs are found by SPI alone, not by SPI and destination (RFC 4301 s4.1 allows
 *   this for unicast SAs); SPIs must be unique per node.
 * - One outbound SA per SPD entry or VTI: adding another replaces the binding (the newer SA
 *   wins, as after a rekey) and leaves the older SA installed until it is removed.
 */
#ifndef TUNNELSIM_IPSEC_SECURITY_ASSOCIATION_DATABASE_H
#define TUNNELSIM_IPSEC_SECURITY_ASSOCIATION_DATABASE_H

#include "ns3/object.h"
#include "ns3/traced-callback.h"
#include "security-association.h"

#include <map>
#include <vector>

namespace tunnelsim
{

class SecurityAssociationDatabase : public ns3::Object
{
  public:
    static ns3::TypeId GetTypeId();

    SecurityAssociationDatabase();
    ~SecurityAssociationDatabase() override;

    /**
     * Install an inbound SA; packets it opens come out of @p boundDevice when set (VTI),
     * else out of the node's hidden IPsec device. Throws std::invalid_argument when the SPI
     * is 0 or already used by an inbound SA (RFC 4303 s2.1 reserves 1-255 as well, which
     * is not enforced), or when the codec rejects the keys.
     */
    ns3::Ptr<SecurityAssociation> AddInbound(const SecurityAssociationConfig& config,
                                             ns3::Ptr<ns3::NetDevice> boundDevice = nullptr);
    /// Install an outbound SA for SPD entry @p policyId. Throws like AddInbound.
    ns3::Ptr<SecurityAssociation> AddOutboundForPolicy(const SecurityAssociationConfig& config,
                                                       uint32_t policyId);
    /// Install the outbound SA of VTI @p device. Throws like AddInbound.
    ns3::Ptr<SecurityAssociation> AddOutboundForDevice(const SecurityAssociationConfig& config,
                                                       ns3::Ptr<ns3::NetDevice> device);

    ns3::Ptr<SecurityAssociation> FindInbound(uint32_t spi) const;
    ns3::Ptr<SecurityAssociation> FindOutboundForPolicy(uint32_t policyId) const;
    ns3::Ptr<SecurityAssociation> FindOutboundForDevice(
        ns3::Ptr<const ns3::NetDevice> device) const;

    /// Remove @p sa and cancel its lifetime timers; false if it was not installed.
    bool Remove(ns3::Ptr<SecurityAssociation> sa);

    /// Every installed SA, inbound first, each group in installation order.
    std::vector<ns3::Ptr<SecurityAssociation>> GetAll() const;
    size_t GetNInbound() const;
    size_t GetNOutbound() const;
    /// SAs removed by a hard lifetime so far.
    uint64_t GetHardExpiredCount() const;

    /**
     * Charge @p bytes to @p sa's byte lifetime before they are processed. Fires SoftExpired
     * when the soft limit is reached. Returns false, and removes the SA, when the bytes
     * would pass the hard limit; the caller then drops the packet (sa-expired).
     */
    bool ChargeBytes(ns3::Ptr<SecurityAssociation> sa, uint64_t bytes);
    /// Count a packet of @p bytes that @p sa processed successfully.
    void CountPacket(ns3::Ptr<SecurityAssociation> sa, uint64_t bytes);
    /// Count a packet that @p sa dropped for @p reason.
    void CountDrop(ns3::Ptr<SecurityAssociation> sa, IpsecDropReason reason);

    /// Signature of the SoftExpired and HardExpired traces.
    typedef void (*SaTracedCallback)(ns3::Ptr<const SecurityAssociation> sa);

  protected:
    void DoDispose() override;

  private:
    ns3::Ptr<SecurityAssociation> Install(const SecurityAssociationConfig& config,
                                          SaDirection direction);
    void ScheduleLifetime(ns3::Ptr<SecurityAssociation> sa);
    void SoftExpire(ns3::Ptr<SecurityAssociation> sa);
    void HardExpire(ns3::Ptr<SecurityAssociation> sa);

    std::map<uint32_t, ns3::Ptr<SecurityAssociation>> m_inbound; ///< by SPI
    std::vector<ns3::Ptr<SecurityAssociation>> m_inboundOrder;
    std::vector<ns3::Ptr<SecurityAssociation>> m_outbound;
    std::map<uint32_t, ns3::Ptr<SecurityAssociation>> m_outboundByPolicy;
    std::map<const ns3::NetDevice*, ns3::Ptr<SecurityAssociation>> m_outboundByDevice;
    uint64_t m_hardExpired = 0;

    ns3::TracedCallback<ns3::Ptr<const SecurityAssociation>> m_softExpiredTrace;
    ns3::TracedCallback<ns3::Ptr<const SecurityAssociation>> m_hardExpiredTrace;
};

} // namespace tunnelsim

#endif
