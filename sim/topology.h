/*
 * The ns-3 network of a scenario, without any IPsec: the site gateways, the WAN routers and
 * links, and one CSMA segment per LAN with its hosts. Each design runs on a fresh Topology
 * built from the same scenario, so all designs see the same network, addresses and seed.
 *
 * What Topology sets up:
 * - WAN links: point-to-point, with the scenario's rate, one-way delay, MTU and loss rate
 *   (LinkErrorModel, random stream fixed per link so runs are reproducible).
 * - WAN routing: static routes to every WAN link prefix on every gateway and router, along
 *   the path of least propagation delay (Boost.Graph Dijkstra). Gateways are never transit
 *   nodes, and no WAN node has a route to a LAN.
 * - LANs: the gateway takes the first usable address and the hosts follow
 *   (LanGatewayAddress, LanHostAddress); each host has a default route to the gateway.
 *   Subnets that a subnet-add event creates are built at the start with the gateway's
 *   interface down, so interface indices never change during a run.
 * - Counters: IPv4 drops on every node by reason, link drops, and the IPv4 bytes each
 *   gateway sends on its WAN interfaces.
 * - Random streams: every random variable it creates (link losses, ARP jitter, CSMA
 *   backoff) gets a fixed stream. ns-3 numbers unassigned streams from a process-wide
 *   counter that Simulator::Destroy does not reset, so a second run in the same process
 *   would otherwise draw different numbers.
 *
 * Limitations:
 * - Point-to-point WAN links only; LANs are 1 Gb/s CSMA segments.
 * - Equal-cost WAN paths are not balanced: Dijkstra's first path wins.
 */
#ifndef TUNNELSIM_SIM_TOPOLOGY_H
#define TUNNELSIM_SIM_TOPOLOGY_H

#include "ns3/ipv4-routing-helper.h"
#include "ns3/net-device.h"
#include "ns3/node.h"
#include "ns3/pcap-file-wrapper.h"
#include "ns3/ptr.h"
#include "scenario.h"
#include "topology-link.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tunnelsim
{

/// Capacity, in packets, of the FIFO queue disc in front of every WAN and LAN device.
constexpr uint32_t kInterfaceQueuePackets = 1000;
/// LAN segments: Gigabit Ethernet.
constexpr uint64_t kLanRateBps = 1000000000;
/// LAN propagation delay, seconds: about 200 m of copper at 5 ns/m.
constexpr double kLanDelayS = 1e-6;

/** One IPv4 interface of a node. */
struct TopologyInterface
{
    ns3::Ptr<ns3::Node> node;
    ns3::Ptr<ns3::NetDevice> device;
    uint32_t interface = 0; ///< Ipv4 interface index
    uint32_t address = 0;   ///< host byte order
};

/** A LAN segment behind a gateway: a subnet, or the host LAN of a site. */
struct TopologyLan
{
    size_t site = 0;
    Ipv4Prefix prefix;
    TopologyInterface gateway; ///< the gateway's interface on the segment
    std::vector<ns3::Ptr<ns3::Node>> hosts;
    std::vector<uint32_t> hostAddresses;
    bool hostLan = false;
    /// Time of the subnet-add event that creates it; unset for LANs present at the start.
    std::optional<double> addedAtS;
};

/** A WAN link and the interfaces at its two ends, in the scenario's endpoint order. */
struct TopologyLink
{
    std::string name;
    Ipv4Prefix prefix;
    std::array<TopologyInterface, 2> ends;
    std::array<ns3::Ptr<LinkErrorModel>, 2> errorModels;
};

struct TopologyGateway
{
    std::string name;
    size_t site = 0;
    ns3::Ptr<ns3::Node> node;
    /// WAN interfaces, by link name.
    std::map<std::string, TopologyInterface> wan;
};

class Topology
{
  public:
    /**
     * Build the network of @p scenario (which passed validation). @p gatewayRouting, when
     * not null, joins static routing in every gateway's Ipv4ListRouting at @p priority.
     * Random streams are assigned from @p firstStream on.
     */
    Topology(const Scenario& scenario, const ns3::Ipv4RoutingHelper* gatewayRouting,
             int16_t priority, int64_t firstStream);

    const std::vector<TopologyGateway>& Gateways() const { return m_gateways; }

    const std::vector<TopologyLan>& Lans() const { return m_lans; }

    const std::vector<TopologyLink>& Links() const { return m_links; }

    const TopologyGateway& GatewayOfSite(size_t site) const;
    const TopologyGateway* FindGateway(const std::string& name) const;
    const TopologyLink* FindLink(const std::string& name) const;
    /// The LAN with exactly @p prefix, or nullptr.
    const TopologyLan* FindLan(const Ipv4Prefix& prefix) const;
    /// The node that has host address @p address, or nullptr.
    ns3::Ptr<ns3::Node> FindHost(uint32_t address) const;
    /// Every node: gateways, routers, then hosts.
    std::vector<ns3::Ptr<ns3::Node>> AllNodes() const;
    /// The name a node was given (gateway, router, or "host-a.b.c.d").
    std::string NodeName(ns3::Ptr<ns3::Node> node) const;

    /// Make link @p name drop every packet (down) or carry packets again (up).
    void SetLinkDown(const std::string& name, bool down);
    /// Cut gateway @p name off from its WAN links and LANs, or connect it again.
    void SetGatewayIsolated(const std::string& name, bool isolated);
    /// Bring the gateway's interface on a LAN that a subnet-add event creates up or down.
    void SetLanUp(const Ipv4Prefix& prefix, bool up);

    /// Write a pcap file of every WAN link, captured at its first endpoint, to
    /// "<directory>/<prefix><link>.pcap". CloseWanPcap completes the files.
    void EnableWanPcap(const std::string& directory, const std::string& prefix);
    /**
     * Flush and close the files EnableWanPcap opened. ns-3 closes a capture only when its
     * device is destroyed, which depends on what still references the device, so the
     * runner closes them itself before it writes the esp_sa file.
     */
    void CloseWanPcap();

    /// IPv4 and link drops so far, by reason ("ipv4-no-route", "link-down", ...).
    std::map<std::string, uint64_t> GetDropCounts() const;
    /// IPv4 bytes (headers included) the gateways sent on their WAN interfaces so far.
    uint64_t GetWanBytesSent() const { return m_wanBytesSent; }

    /**
     * Path MTU in bytes from gateway @p gateway to WAN address @p destination: the smallest
     * MTU of the links on the route's path, the destination's link included; 0 when no
     * WAN link has the address.
     */
    uint32_t PathMtu(const std::string& gateway, uint32_t destination) const;

    /// First random stream the topology left unused, for the objects installed after it.
    int64_t GetNextStream() const { return m_nextStream; }

  private:
    void CreateNodes(const Scenario& scenario, const ns3::Ipv4RoutingHelper* gatewayRouting,
                     int16_t priority);
    void BuildWanLinks(const Scenario& scenario);
    void AssignStreams();
    void BuildLans(const Scenario& scenario);
    void BuildLan(size_t site, const Ipv4Prefix& prefix, const std::vector<uint32_t>& hostAddresses,
                  bool hostLan, std::optional<double> addedAtS);
    void AddWanRoutes(const Scenario& scenario);
    void ConnectCounters();
    ns3::Ptr<ns3::Node> NodeByName(const std::string& name) const;

    std::vector<TopologyGateway> m_gateways;
    std::map<std::string, ns3::Ptr<ns3::Node>> m_routers;
    std::vector<ns3::Ptr<ns3::Node>> m_routerOrder;
    std::vector<TopologyLan> m_lans;
    std::vector<TopologyLink> m_links;
    std::map<uint32_t, ns3::Ptr<ns3::Node>> m_hosts;
    std::vector<ns3::Ptr<ns3::Node>> m_hostOrder;
    std::map<uint32_t, std::string> m_names; ///< by node id
    /// Receive error models of each gateway's LAN devices, for SetGatewayIsolated.
    std::map<std::string, std::vector<ns3::Ptr<LinkErrorModel>>> m_gatewayLanModels;

    /// Path MTU from each gateway (site order) to each WAN link (scenario order), bytes.
    std::vector<std::vector<uint32_t>> m_pathMtu;
    std::map<std::string, uint64_t> m_ipv4Drops;
    std::vector<ns3::Ptr<ns3::PcapFileWrapper>> m_pcapFiles;
    uint64_t m_wanBytesSent = 0;
    int64_t m_nextStream = 0;
};

} // namespace tunnelsim

#endif
