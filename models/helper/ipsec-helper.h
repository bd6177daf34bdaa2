/*
 * IpsecHelper installs the IPsec models on gateways and configures manually keyed SAs, the
 * way RipHelper installs RIP. Install(node) sets up the SPD, SAD, ESP protocol and the
 * policy interception. AddTunnelSaPair, AddTransportSaPair and CreateVti configure both
 * gateways of an SA pair at once, mirrored. Keys come from DeriveSaKeys (models/codec/
 * sa-keys.h) with the helper's seed, so a run is reproducible, and every SA the helper
 * creates can be written as a Wireshark esp_sa file for decrypting captures.
 *
 * The constructor sets the ns-3 GlobalValue "ChecksumEnabled" to true: without it ns-3
 * writes zero IPv4 and UDP checksums, the IPsec stack rejects the packets it is asked to
 * seal (malformed-inner), and captures do not show what a real gateway sends.
 *
 * Limitations:
 * - Manual keying only; the IKE model installs its SAs through the SAD itself.
 * - SPIs come from one counter per helper: use one helper per simulation, or give each
 *   helper its own range with SetFirstSpi.
 * - The esp_sa file cannot describe ChaCha20-Poly1305 or ESN, which Wireshark 4.0 cannot
 *   decode; WriteWiresharkSaFile throws for such SAs.
 * - One crypto engine configuration per helper: every gateway it installs gets the same
 *   table, units, queue size and scale.
 */
#ifndef TUNNELSIM_HELPER_IPSEC_HELPER_H
#define TUNNELSIM_HELPER_IPSEC_HELPER_H

#include "crypto-cost-table.h"
#include "esp-sa-file.h"
#include "esp-suite.h"
#include "ipsec/crypto-engine.h"
#include "ipsec/ipsec-stack.h"
#include "ipsec/security-association.h"
#include "ipsec/security-policy-database.h"
#include "traffic-selector.h"
#include "ns3/attribute.h"
#include "ns3/ipv4-address.h"
#include "ns3/net-device-container.h"
#include "ns3/node-container.h"
#include "ns3/object-factory.h"
#include "sa-keys.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tunnelsim
{

/// Ethernet MTU, bytes (RFC 894): the underlay a VTI's default MTU is computed for.
constexpr uint32_t kEthernetMtu = 1500;
/// First SPI a helper hands out; RFC 4303 s2.1 reserves 1-255.
constexpr uint32_t kFirstHelperSpi = 0x1000;

/** SPD entries and SPIs that AddTunnelSaPair, AddTransportSaPair and CreateVti configured. */
struct IpsecSaPair
{
    uint32_t policyA = 0; ///< PROTECT entry on gateway A (0 for a VTI)
    uint32_t policyB = 0; ///< PROTECT entry on gateway B (0 for a VTI)
    uint32_t spiAToB = 0; ///< SA from A to B: outbound on A, inbound on B
    uint32_t spiBToA = 0; ///< SA from B to A: outbound on B, inbound on A
};

class IpsecHelper
{
  public:
    IpsecHelper();

    /// Suite of the SAs created from now on (default AES-GCM-128).
    void SetSuite(const EspSuite& suite);
    /// Extended sequence numbers (RFC 4303 s2.2.1) on the SAs created from now on.
    void SetExtendedSequenceNumbers(bool enabled);
    /// Anti-replay window of the inbound SAs created from now on, packets.
    void SetReplayWindow(uint32_t packets);
    /// Seed of the key derivation (DeriveSaKeys) and of the CBC IV generators.
    void SetKeySeed(uint64_t seed);
    /// Lifetimes of the SAs created from now on (default: none).
    void SetLifetime(const SaLifetime& lifetime);
    /// Next SPI to hand out; must be at least 256.
    void SetFirstSpi(uint32_t spi);
    /// MTU of the VTIs created from now on; 0 (default) computes it from the suite.
    void SetVtiMtu(uint16_t mtu);
    /// Attribute of the IpsecStack objects that Install creates (e.g. "DiscardUnmatched").
    void SetStackAttribute(const std::string& name, const ns3::AttributeValue& value);

    /**
     * Give the gateways a finite crypto capacity: from now on Install adds a CryptoEngine
     * with the costs of @p table and @p settings to every stack it creates, and to an
     * existing stack that has none. Without this call sealing and opening take no simulated
     * time. Throws std::invalid_argument for settings out of range and CryptoCostTableError
     * for an invalid table.
     */
    void SetCryptoEngine(const CryptoCostTable& table, const CryptoEngineSettings& settings);
    /// The settings given to SetCryptoEngine, or nullopt when gateways get no engine.
    std::optional<CryptoEngineSettings> GetCryptoEngineSettings() const;
    /// The table given to SetCryptoEngine, or nullptr.
    const CryptoCostTable* GetCryptoCostTable() const;
    /// Settings and counters of the engine on @p node, or nullopt without one.
    static std::optional<CryptoEngineStatus> GetCryptoEngineStatus(ns3::Ptr<ns3::Node> node);

    /**
     * Install the IPsec stack on @p node (IpsecStack::Setup). The node needs an
     * InternetStackHelper stack; install after assigning its addresses so interface
     * indices are not shifted by the hidden device. Returns the existing stack if there is
     * one. Either way the stack gets the SetCryptoEngine engine if it has none yet.
     */
    ns3::Ptr<IpsecStack> Install(ns3::Ptr<ns3::Node> node) const;
    void Install(const ns3::NodeContainer& nodes) const;

    /// The stack on @p node, or nullptr.
    static ns3::Ptr<IpsecStack> GetStack(ns3::Ptr<ns3::Node> node);

    /// Append @p policy to the SPD of @p node (installed first); returns the entry id.
    uint32_t AddPolicy(ns3::Ptr<ns3::Node> node, const SecurityPolicy& policy) const;

    /**
     * Policy-based IPsec: a PROTECT entry for @p selectorsA on gateway A and its mirror on
     * gateway B, and a tunnel-mode SA in each direction between @p publicA and @p publicB
     * (RFC 4301 s4.4.1: one SA pair per selector pair).
     */
    IpsecSaPair AddTunnelSaPair(ns3::Ptr<ns3::Node> gatewayA, ns3::Ipv4Address publicA,
                                ns3::Ptr<ns3::Node> gatewayB, ns3::Ipv4Address publicB,
                                const SelectorPair& selectorsA);

    /**
     * Transport-mode SA pair protecting IP protocol @p protocol between the two addresses,
     * e.g. GRE (47) between two tunnel endpoints: a PROTECT entry for
     * addressA/32 <-> addressB/32 of that protocol on each gateway.
     */
    IpsecSaPair AddTransportSaPair(ns3::Ptr<ns3::Node> gatewayA, ns3::Ipv4Address addressA,
                                   ns3::Ptr<ns3::Node> gatewayB, ns3::Ipv4Address addressB,
                                   uint8_t protocol);

    /**
     * Route-based IPsec: a VTI on each gateway, numbered from @p network/@p mask (A gets
     * the first host address, B the second), protected by a tunnel-mode SA pair with
     * 0.0.0.0/0 selectors between @p publicA and @p publicB. Returns A's device, then B's.
     * Routes over the VTIs are up to the caller (static routes or OSPF).
     */
    ns3::NetDeviceContainer CreateVti(ns3::Ptr<ns3::Node> gatewayA, ns3::Ipv4Address publicA,
                                      ns3::Ptr<ns3::Node> gatewayB, ns3::Ipv4Address publicB,
                                      ns3::Ipv4Address network, ns3::Ipv4Mask mask);
    /// Same, with the SA pair that protects it returned in @p pair.
    ns3::NetDeviceContainer CreateVti(ns3::Ptr<ns3::Node> gatewayA, ns3::Ipv4Address publicA,
                                      ns3::Ptr<ns3::Node> gatewayB, ns3::Ipv4Address publicB,
                                      ns3::Ipv4Address network, ns3::Ipv4Mask mask,
                                      IpsecSaPair& pair);

    /// Every SA this helper created, as esp_sa entries (one per SPI, with its addresses).
    const std::vector<EspSaFileEntry>& GetWiresharkSaEntries() const;
    /**
     * Write every SA this helper created as a Wireshark 4.0 esp_sa file (ChaCha20-Poly1305
     * SAs as comment lines that only simrun decode reads). Throws std::runtime_error when
     * the file cannot be written.
     */
    void WriteWiresharkSaFile(const std::string& path) const;

    /// Drop counters of @p node's stack by reason name; empty without a stack.
    static std::map<std::string, uint64_t> GetDropCounts(ns3::Ptr<ns3::Node> node);

    /// The VTI MTU for @p suite over an underlay of @p underlayMtu bytes: the largest inner
    /// packet whose tunnel-mode ESP packet (outer IPv4 header included) still fits.
    static uint16_t ComputeVtiMtu(const EspSuite& suite, uint32_t underlayMtu = kEthernetMtu);

  private:
    uint32_t AllocateSpi();
    /// Configuration of the SA @p spi; keys derived for @p keyDirection.
    SecurityAssociationConfig MakeSaConfig(uint32_t spi, SaKeyDirection keyDirection,
                                           IpsecMode mode, const SelectorPair& selectors,
                                           ns3::Ipv4Address tunnelLocal,
                                           ns3::Ipv4Address tunnelRemote) const;
    /// Install the outbound and inbound halves of SA @p spi, bound to policies or VTIs.
    void InstallSaPair(ns3::Ptr<ns3::Node> gatewayA, ns3::Ipv4Address addressA,
                       ns3::Ptr<ns3::Node> gatewayB, ns3::Ipv4Address addressB, IpsecMode mode,
                       const SelectorPair& selectorsA, IpsecSaPair& pair,
                       ns3::Ptr<ns3::NetDevice> vtiA, ns3::Ptr<ns3::NetDevice> vtiB);
    void Record(const SecurityAssociationConfig& outbound);
    ns3::Ptr<ns3::NetDevice> AddVtiDevice(ns3::Ptr<ns3::Node> node, ns3::Ipv4Address address,
                                          ns3::Ipv4Mask mask);

    /// Add the configured crypto engine to @p stack unless it has one or none is configured.
    void AttachCryptoEngine(ns3::Ptr<IpsecStack> stack) const;

    ns3::ObjectFactory m_stackFactory;
    std::shared_ptr<const CryptoCostTable> m_cryptoTable;
    std::optional<CryptoEngineSettings> m_cryptoSettings;
    EspSuite m_suite;
    bool m_esn = false;
    uint32_t m_replayWindow = kDefaultReplayWindow;
    uint64_t m_seed = 1;
    SaLifetime m_lifetime;
    uint32_t m_nextSpi = kFirstHelperSpi;
    uint16_t m_vtiMtu = 0;
    std::vector<EspSaFileEntry> m_records;
};

} // namespace tunnelsim

#endif
