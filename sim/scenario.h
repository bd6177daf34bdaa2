/*
 * A scenario as a plain C++ struct tree: the network (sites, gateways, WAN), the designs to
 * compare on it, the traffic and the timed events. No ns-3 types, so the runner and the
 * tests can use it without a simulation. docs/scenario-format.md describes the JSON form,
 * and scenario-loader.h turns a file into this tree.
 *
 * Limitations:
 * - IPv4 only, one gateway per site.
 * - The sweep varies only the number of subnets per site.
 */
#ifndef TUNNELSIM_SIM_SCENARIO_H
#define TUNNELSIM_SIM_SCENARIO_H

#include "esp-suite.h"
#include "ipsec-mode.h"
#include "ipsec/crypto-engine.h"
#include "scenario-address.h"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tunnelsim
{

/// Version of the scenario format this code reads (the "format_version" key).
constexpr uint32_t kScenarioFormatVersion = 1;

/// Default WAN link MTU in bytes: the Ethernet payload size (RFC 894).
constexpr uint32_t kDefaultLinkMtuBytes = 1500;
/// Smallest MTU every IPv4 link must carry, in bytes (RFC 791 s3.1, "Total Length").
constexpr uint32_t kMinIpv4MtuBytes = 68;
/// Largest IPv4 datagram, in bytes (16-bit Total Length, RFC 791 s3.1).
constexpr uint32_t kMaxIpv4DatagramBytes = 65535;

/// OSPF HelloInterval default in seconds (RFC 2328 Appendix C.3).
constexpr uint32_t kDefaultOspfHelloIntervalS = 10;
/// OSPF RouterDeadInterval default in seconds (RFC 2328 Appendix C.3: 4 x HelloInterval).
constexpr uint32_t kDefaultOspfRouterDeadIntervalS = 40;
/// SPF throttle defaults in ms: FRRouting ospfd's "timers throttle spf 0 50 5000".
constexpr uint32_t kDefaultSpfDelayMs = 0;
constexpr uint32_t kDefaultSpfHoldMs = 50;
constexpr uint32_t kDefaultSpfMaxHoldMs = 5000;
/// OSPF interface output cost of a tunnel (the RFC leaves it to configuration, RFC 2328 C.3).
constexpr uint32_t kDefaultTunnelOspfCost = 10;

/// GRE keepalive defaults: Cisco IOS "keepalive 10 3" (period in s, retries).
constexpr uint32_t kDefaultGreKeepalivePeriodS = 10;
constexpr uint32_t kDefaultGreKeepaliveRetries = 3;

/// IKE SA and CHILD SA lifetimes in seconds: Cisco IOS defaults (86400 s and 3600 s).
constexpr double kDefaultIkeLifetimeS = 86400;
constexpr double kDefaultChildSaLifetimeS = 3600;

/// Probe defaults: one probe per subnet pair and direction per second, 64-byte payload.
constexpr double kDefaultProbeIntervalS = 1.0;
constexpr uint32_t kDefaultProbeSizeBytes = 64;

/**
 * One LAN segment behind a gateway, protected as one traffic selector. The runner gives
 * the gateway the first usable address and numbers @c hosts hosts after it
 * (LanGatewayAddress, LanHostAddress).
 */
struct LanSubnet
{
    Ipv4Prefix prefix;
    uint32_t hosts = 1;
};

/**
 * A LAN segment whose hosts are protected one by one, each as a /32 selector, instead of
 * the whole prefix. The gateway has the first usable address.
 */
struct HostLan
{
    Ipv4Prefix prefix;
    std::vector<uint32_t> hosts;
};

/** A gateway's attachment to a WAN link, with its public address there. */
struct WanInterface
{
    std::string link;
    uint32_t address = 0;
};

struct Gateway
{
    std::string name;
    std::vector<WanInterface> wanInterfaces; ///< at least one
};

struct Site
{
    std::string name;
    Gateway gateway;
    std::vector<LanSubnet> subnets;
    std::optional<HostLan> hostLan;
};

/** A router of the WAN underlay (an ISP router). It has no LAN and runs no IPsec. */
struct WanRouter
{
    std::string name;
};

/** A point-to-point WAN link between two nodes (gateways or routers). */
struct WanLink
{
    std::string name;
    std::array<std::string, 2> endpoints;
    Ipv4Prefix prefix;    ///< the link's subnet; routers take the lowest free addresses
    uint64_t rateBps = 0; ///< bits per second
    double delayS = 0;    ///< one-way propagation delay, seconds
    double lossRate = 0;  ///< fraction of packets lost, 0 to 1
    uint32_t mtuBytes = kDefaultLinkMtuBytes;
};

enum class DesignType : uint8_t
{
    PolicyBased,  ///< one SPD entry and CHILD SA per local/remote selector pair
    GreOverIpsec, ///< GRE tunnel protected by one SA pair, routes over the tunnel
    Vti,          ///< IPsec tunnel interface with 0.0.0.0/0 selectors, routes over it
};

/** Traffic selector matching of a policy-based responder. */
enum class SelectorMatching : uint8_t
{
    Ikev1Strict,    ///< proposal must equal a configured selector exactly
    Ikev2Narrowing, ///< responder may narrow to a subset (RFC 7296 s2.9)
};

enum class RoutingProtocol : uint8_t
{
    Static,
    Ospf,
};

/** GRE keepalives: the tunnel goes down after @c retries unanswered periods. */
struct GreKeepalive
{
    uint32_t periodS = kDefaultGreKeepalivePeriodS;
    uint32_t retries = kDefaultGreKeepaliveRetries;
};

struct StaticRouting
{
    std::optional<GreKeepalive> keepalive;
    /// Backup routes over a site pair's later tunnels, with a worse administrative distance.
    bool floatingRoutes = false;
};

struct OspfTimers
{
    uint32_t helloIntervalS = kDefaultOspfHelloIntervalS;
    uint32_t routerDeadIntervalS = kDefaultOspfRouterDeadIntervalS;
    uint32_t spfDelayMs = kDefaultSpfDelayMs;
    uint32_t spfHoldMs = kDefaultSpfHoldMs;
    uint32_t spfMaxHoldMs = kDefaultSpfMaxHoldMs;
};

struct Routing
{
    RoutingProtocol protocol = RoutingProtocol::Static;
    StaticRouting staticRouting; ///< used when protocol is Static
    OspfTimers ospf;             ///< used when protocol is Ospf
};

/** Dead peer detection (RFC 3706 for IKEv1, liveness checks of RFC 7296 s2.4 for IKEv2). */
struct DeadPeerDetection
{
    double intervalS = 0; ///< idle time before a check is sent
    double timeoutS = 0;  ///< time without an answer before the peer is declared dead
};

struct IkeSettings
{
    uint32_t version = 2; ///< 1 or 2
    double ikeLifetimeS = kDefaultIkeLifetimeS;
    double childSaLifetimeS = kDefaultChildSaLifetimeS;
    std::optional<DeadPeerDetection> dpd;
};

struct TunnelEndpoint
{
    std::string gateway;
    std::string link; ///< the WAN link whose interface address is the tunnel endpoint
};

/** An IPsec peering (and, route-based, a tunnel interface) between two gateways. */
struct Tunnel
{
    std::string name;
    std::array<TunnelEndpoint, 2> endpoints;
    uint32_t ospfCost = kDefaultTunnelOspfCost;
};

/**
 * A finite crypto capacity on every gateway of a design (models/ipsec/crypto-engine.h).
 * The table is loaded and validated when the scenario is loaded.
 */
struct CryptoEngineConfig
{
    /// The table path as the scenario file spells it; empty when the default was used.
    std::string tableName;
    /// The path the table was read from (relative paths resolved against the scenario file).
    std::string tablePath;
    double scale = kDefaultCryptoScale;
    uint32_t units = kDefaultCryptoUnits;
    uint32_t queuePackets = kDefaultCryptoQueuePackets;
    std::shared_ptr<const CryptoCostTable> table;
};

struct Design
{
    std::string name;
    DesignType type = DesignType::PolicyBased;
    /// Set for policy-based designs only.
    std::optional<SelectorMatching> matching;
    /// Set for route-based designs (GRE over IPsec, VTI) only.
    std::optional<Routing> routing;
    /// Stable suite name, e.g. "aes-gcm-128", as EspSuite::Name() spells it.
    std::string cryptoSuiteName;
    EspSuite cryptoSuite;
    /// Transport mode is accepted for gre-over-ipsec designs only.
    IpsecMode ipsecMode = IpsecMode::Tunnel;
    /// Tunnel interface MTU in bytes; nullopt means "auto" (path MTU minus the overhead).
    std::optional<uint32_t> tunnelMtuBytes;
    IkeSettings ike;
    /// Unset: sealing and opening take no simulated time.
    std::optional<CryptoEngineConfig> cryptoEngine;
    /// Never empty after loading: when the file lists none, one tunnel per site pair.
    std::vector<Tunnel> tunnels;
    /// True when @c tunnels was generated because the file lists none.
    bool tunnelsDefaulted = false;
};

/** Probes between every pair of protected prefixes in both directions. */
struct ProbeTraffic
{
    double intervalS = kDefaultProbeIntervalS;
    double startS = 0;
    uint32_t sizeBytes = kDefaultProbeSizeBytes; ///< UDP payload bytes
};

struct UdpCbrFlow
{
    std::string name;
    uint32_t from = 0; ///< host address
    uint32_t to = 0;   ///< host address
    uint64_t rateBps = 0;
    uint32_t packetSizeBytes = 0; ///< UDP payload bytes
    double startS = 0;
    double stopS = 0;
};

struct TcpBulkFlow
{
    std::string name;
    uint32_t from = 0;
    uint32_t to = 0;
    uint64_t maxBytes = 0; ///< 0 means send until stopS
    double startS = 0;
    double stopS = 0;
};

struct Traffic
{
    std::optional<ProbeTraffic> probes;
    std::vector<UdpCbrFlow> udpCbr;
    std::vector<TcpBulkFlow> tcpBulk;
};

struct LinkDownEvent
{
    std::string link;
};

struct LinkUpEvent
{
    std::string link;
};

struct SubnetAddEvent
{
    std::string site;
    LanSubnet subnet;
};

struct SubnetRemoveEvent
{
    std::string site;
    Ipv4Prefix prefix;
};

/** The gateway loses power for @c downS seconds and comes back with no IKE or SA state. */
struct GatewayRestartEvent
{
    std::string gateway;
    double downS = 0;
};

using EventAction = std::variant<LinkDownEvent, LinkUpEvent, SubnetAddEvent, SubnetRemoveEvent,
                                 GatewayRestartEvent>;

struct ScenarioEvent
{
    double atS = 0;
    EventAction action;
};

/** Run the scenario once per value, each run keeping the first N subnets of every site. */
struct SubnetSweep
{
    uint32_t min = 1;
    uint32_t max = 1;
};

struct Scenario
{
    uint32_t formatVersion = kScenarioFormatVersion;
    std::string name;
    std::string description;
    double durationS = 0;
    uint32_t seed = 1;
    std::vector<Site> sites;
    std::vector<WanRouter> routers;
    std::vector<WanLink> links;
    std::vector<Design> designs;
    Traffic traffic;
    std::vector<ScenarioEvent> events;
    std::optional<SubnetSweep> sweep;
    /// Set on the scenarios ExpandSweep returns: subnets per site in this run.
    std::optional<uint32_t> subnetsPerSite;
};

/// Stable names, as the JSON spells them.
std::string_view ToString(DesignType type);
std::string_view ToString(SelectorMatching matching);
std::string_view ToString(RoutingProtocol protocol);
/// "link-down", "link-up", "subnet-add", "subnet-remove" or "gateway-restart".
std::string_view EventTypeName(const EventAction& action);

/**
 * Prefixes a site protects at the start: its subnets, then each host of its host LAN as a
 * /32. A policy-based design needs a selector for each of these against each remote one.
 */
std::vector<Ipv4Prefix> ProtectedPrefixes(const Site& site);

/** Every host address of the site at the start: generated subnet hosts, then host LAN hosts. */
std::vector<uint32_t> HostAddresses(const Site& site);

/**
 * Addresses of a link's two endpoints, in endpoint order: a gateway keeps the address of
 * its WAN interface, and each router takes the lowest usable address no other endpoint
 * has. Precondition: the scenario passed validation.
 */
std::array<uint32_t, 2> LinkEndpointAddresses(const Scenario& scenario, const WanLink& link);

/**
 * One scenario per sweep value, each keeping the first N subnets of every site and named
 * "<name>.subnets-N", which contains no '/' and so can name a file. A scenario without a
 * sweep comes back alone and unchanged.
 */
std::vector<Scenario> ExpandSweep(const Scenario& scenario);

/// Supported crypto suite names, in the order the documentation lists them.
const std::vector<std::string_view>& CryptoSuiteNames();

/** Map a suite name from CryptoSuiteNames() to its ESP transforms; nullopt if unknown. */
std::optional<EspSuite> CryptoSuiteByName(std::string_view name);

} // namespace tunnelsim

#endif
