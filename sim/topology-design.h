/*
 * One design installed on the gateways of a Topology: the IPsec stacks, the IKE endpoints
 * that negotiate every CHILD SA, and for route-based designs the tunnel interfaces (GRE or
 * VTI) with static routes or OSPF over them. The runner drives it at event times (new
 * selectors, new routes, OSPF on a new LAN, a gateway restart) and reads its counters.
 *
 * This header takes plain values (nodes, interface indices, prefixes) and includes no
 * scenario header, so the runner's scenario types stay out of the models.
 *
 * How each design is keyed and configured:
 * - policy-based: one PROTECT entry per selector pair on each gateway, and one IKE
 *   connection per tunnel whose CHILD SAs the first packet of each pair triggers
 *   (strongSwan's start_action=trap, the on-demand behaviour of Cisco crypto maps).
 * - gre-over-ipsec: a GRE tunnel per design tunnel, protected by one PROTECT entry for GRE
 *   (IP protocol 47) between the public addresses, negotiated at start in tunnel or
 *   transport mode.
 * - vti: a VTI pair per design tunnel with 0.0.0.0/0 selectors, negotiated at start.
 * The first gateway of each tunnel initiates; the second only responds.
 *
 * Limitations:
 * - A restarted gateway loses its IKE SAs and CHILD SAs silently (IkeEndpoint::PowerOff),
 *   but its OSPF and GRE state survive.
 */
#ifndef TUNNELSIM_SIM_TOPOLOGY_DESIGN_H
#define TUNNELSIM_SIM_TOPOLOGY_DESIGN_H

#include "esp-sa-file.h"
#include "esp-suite.h"
#include "ipsec/crypto-engine.h"
#include "ns3/ipv4-routing-helper.h"
#include "ns3/node.h"
#include "ns3/ptr.h"
#include "scenario-address.h"

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tunnelsim
{

/// Ipv4ListRouting priority of OSPF on the gateways (OspfHelper's kOspfRoutingPriority).
int16_t GatewayOspfPriority();

/// Tunnel interface addresses: /30s from 169.254.0.0/16, as AWS assigns the inside
/// addresses of its VPN tunnels, so they never collide with a site's private LANs.
constexpr uint32_t kTunnelAddressBase = 0xa9fe0000; // 169.254.0.0
constexpr uint8_t kTunnelPrefixLength = 30;

enum class DesignFamily : uint8_t
{
    PolicyBased,
    GreOverIpsec,
    Vti,
};

struct DesignSettings
{
    DesignFamily family = DesignFamily::PolicyBased;
    bool transportMode = false; ///< GRE over IPsec in transport mode
    EspSuite suite;
    uint32_t ikeVersion = 2;
    bool strictMatching = false; ///< ikev1-strict, else ikev2-narrowing
    double childSaLifetimeS = 3600;
    /// Dead peer detection: idle interval and timeout, seconds; unset: off.
    std::optional<std::array<double, 2>> dpd;
    std::optional<uint16_t> tunnelMtu; ///< unset: computed from the underlay
    bool ospf = false;
    uint32_t helloIntervalS = 10;
    uint32_t routerDeadIntervalS = 40;
    uint32_t spfDelayMs = 0;
    uint32_t spfHoldMs = 50;
    uint32_t spfMaxHoldMs = 5000;
    /// GRE keepalive period (s) and retries; unset: off.
    std::optional<std::array<uint32_t, 2>> keepalive;
    /// Seed of the SA keys and the IKE model's secrets (DeriveLabelSeed of the run's seed).
    uint64_t seed = 1;
    /// Gateway crypto engine table and settings; both unset: crypto takes no time.
    std::shared_ptr<const CryptoCostTable> cryptoTable;
    std::optional<CryptoEngineSettings> cryptoEngine;
    /// First random stream for the IKE endpoints (Topology::GetNextStream).
    int64_t firstStream = 0;
};

struct DesignGateway
{
    std::string name;
    ns3::Ptr<ns3::Node> node;
    std::vector<uint32_t> wanInterfaces;
    /// LAN interfaces present at the start (OSPF passive).
    std::vector<uint32_t> lanInterfaces;
    /// LAN interfaces of subnets that events add (OSPF off until then).
    std::vector<uint32_t> laterLanInterfaces;
};

struct DesignTunnel
{
    std::string name;
    std::array<size_t, 2> gateways{};          ///< indices into the gateway list
    std::array<uint32_t, 2> publicAddresses{}; ///< host byte order
    uint16_t ospfCost = 10;
    /// Smaller path MTU of the two directions between the public addresses, bytes; the
    /// automatic tunnel MTU is this minus the encapsulation, the same at both ends.
    uint32_t pathMtu = 0;
};

/** A policy-based selector pair on one tunnel, seen from the tunnel's first gateway. */
struct PolicySelector
{
    size_t tunnel = 0;
    Ipv4Prefix local;
    Ipv4Prefix remote;
};

/** Times at which the cold start progressed, seconds, in the order they happened. */
struct DesignPhaseTimes
{
    /// A negotiation of a new CHILD SA (not a rekey) finished on a gateway.
    std::vector<double> childSaInstalled;
    std::vector<double> ospfFull;         ///< a neighbour reached Full
    std::vector<double> ospfRouteChanged; ///< SPF added, removed or changed a route
};

/** The OspfHelper for the gateways of an OSPF design with its timers set, else nullptr. */
std::unique_ptr<ns3::Ipv4RoutingHelper> MakeGatewayRouting(const DesignSettings& settings);

class DesignNetwork
{
  public:
    DesignNetwork(const DesignSettings& settings, std::vector<DesignGateway> gateways,
                  std::vector<DesignTunnel> tunnels);
    ~DesignNetwork();
    DesignNetwork(const DesignNetwork&) = delete;
    DesignNetwork& operator=(const DesignNetwork&) = delete;

    /**
     * Install the design. Policy-based: @p selectors become PROTECT entries and the
     * selector pairs of the IKE connections. Route-based: the tunnels, their protection
     * and, with OSPF, the interface settings.
     */
    void Install(const std::vector<PolicySelector>& selectors);

    /// Static route on gateway @p gateway to @p prefix through tunnel @p tunnel.
    void AddStaticRoute(size_t gateway, const Ipv4Prefix& prefix, size_t tunnel, uint32_t metric);
    /// Remove every static route of gateway @p gateway to exactly @p prefix.
    void RemoveStaticRoute(size_t gateway, const Ipv4Prefix& prefix);
    /// Add the PROTECT entries of @p selector on both gateways of its tunnel, and the pair
    /// to their IKE connection. Its first packet negotiates a CHILD SA on the running IKE SA.
    void AddPolicySelector(const PolicySelector& selector);
    /// Remove the PROTECT entries of @p selector from both gateways of its tunnel and the
    /// pair from their IKE connection, deleting its CHILD SA with the peer.
    void RemovePolicySelector(const PolicySelector& selector);
    /// Run OSPF on LAN interface @p interface of @p gateway as a passive interface, or
    /// take it out of OSPF.
    void SetOspfLan(size_t gateway, uint32_t interface, bool enabled);
    /// Power gateway @p gateway off or on. Off: its IKE daemon drops every SA without telling
    /// the peers, and its SAD is emptied. On: the daemon starts over and negotiates what it
    /// initiates, and its INITIAL_CONTACT makes the peer drop the SAs from before.
    void SetGatewayPower(size_t gateway, bool on);

    /// PROTECT entries per gateway name, plus one per VTI end (its 0.0.0.0/0 pair).
    std::map<std::string, uint64_t> SelectorsPerGateway() const;
    /// Installed unidirectional SAs per gateway name.
    std::map<std::string, uint64_t> SasPerGateway() const;
    /// Active CHILD SAs over all tunnels.
    uint64_t ChildSaPairs() const;
    /// Routes per gateway name towards any prefix in @p remote (indexed like the gateways):
    /// static routes, or OSPF routes for an OSPF design.
    std::map<std::string, uint64_t> RoutesPerGateway(
        const std::vector<std::vector<Ipv4Prefix>>& remote) const;
    /// Drops of the IPsec, GRE, OSPF and IKE models on all gateways, by reason.
    std::map<std::string, uint64_t> DropCounts() const;
    /// Status of the crypto engine on each gateway that has one, in gateway order.
    std::vector<std::pair<std::string, CryptoEngineStatus>> CryptoEngineStatuses() const;
    const DesignPhaseTimes& PhaseTimes() const;
    /// Every SA installed so far, for a Wireshark esp_sa file.
    std::vector<EspSaFileEntry> WiresharkSaEntries() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace tunnelsim

#endif
