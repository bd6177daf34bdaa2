/*
 * GreHelper: installs the GRE protocol on nodes, creates GRE tunnel pairs between two
 * gateways and adds static routes through them, in the style of ns-3's own helpers.
 *
 *   GreHelper gre;
 *   gre.SetTunnelAttribute("KeyEnabled", BooleanValue(true));
 *   gre.SetTunnelAttribute("Key", UintegerValue(42));
 *   gre.SetEspProtection(suite, GreEspMode::Tunnel);   // tunnel MTU for GRE over ESP
 *   NetDeviceContainer tunnels = gre.InstallPair(gwA, publicA, gwB, publicB,
 *                                                "172.16.0.0", "255.255.255.252");
 *   GreHelper::AddRoute(tunnels.Get(0), "10.2.0.0", "255.255.0.0");
 *
 * Install (and InstallPair) set the global value "ChecksumEnabled" to true: without it
 * ns-3 writes zero IPv4 checksums, and the GRE receive path, which verifies the inner
 * IPv4 header with the codec, would drop every packet as malformed-inner.
 *
 * Limitations:
 * - IPv4 underlay and overlay only.
 * - The tunnel MTU is computed once, at InstallPair, from the MTU of the interface that
 *   has each public address. A later change of that MTU is not followed.
 */
#ifndef TUNNELSIM_HELPER_GRE_HELPER_H
#define TUNNELSIM_HELPER_GRE_HELPER_H

#include "gre-tunnel-mtu.h"
#include "ns3/attribute.h"
#include "ns3/ipv4-address.h"
#include "ns3/net-device-container.h"
#include "ns3/node-container.h"
#include "ns3/object-factory.h"

#include <cstdint>
#include <optional>
#include <string>

namespace tunnelsim
{

class GreHelper
{
  public:
    GreHelper();

    /**
     * Set an attribute of every GreTunnelNetDevice created from now on, e.g. "KeyEnabled",
     * "Key", "Sequence", "Checksum", "MssClamping", "KeepalivePeriod", "KeepaliveRetries".
     */
    void SetTunnelAttribute(const std::string& name, const ns3::AttributeValue& value);

    /// Give new tunnels this MTU instead of computing it from the underlay.
    void SetMtu(uint16_t mtu);
    /// Compute the MTU of new tunnels for GRE carried in ESP with @p suite in @p mode.
    void SetEspProtection(const EspSuite& suite, GreEspMode mode);
    /// Back to computing the MTU of plain GRE (the default).
    void ClearEspProtection();

    /// Aggregate a GreL4Protocol to each node that has none. Each node needs an IPv4 stack.
    void Install(ns3::NodeContainer nodes) const;
    void Install(ns3::Ptr<ns3::Node> node) const;

    /**
     * Create a tunnel between @p nodeA and @p nodeB. Each end gets a GreTunnelNetDevice
     * with the tunnel source and destination set to the public addresses, an IPv4
     * interface with the first (A) or second (B) host address of @p tunnelNetwork /
     * @p tunnelMask, and an MTU that is either the one set with SetMtu or the one computed
     * from the MTU of the interface holding its public address. Installs the GRE protocol
     * where it is missing. Returns the devices, A's first.
     */
    ns3::NetDeviceContainer InstallPair(ns3::Ptr<ns3::Node> nodeA, ns3::Ipv4Address publicA,
                                        ns3::Ptr<ns3::Node> nodeB, ns3::Ipv4Address publicB,
                                        ns3::Ipv4Address tunnelNetwork,
                                        ns3::Ipv4Mask tunnelMask) const;

    /**
     * Add a static route on @p tunnel's node to @p network / @p mask through the tunnel.
     * The node's routing must contain an Ipv4StaticRouting.
     */
    static void AddRoute(ns3::Ptr<ns3::NetDevice> tunnel, ns3::Ipv4Address network,
                         ns3::Ipv4Mask mask, uint32_t metric = 0);

  private:
    ns3::Ptr<ns3::NetDevice> InstallEnd(ns3::Ptr<ns3::Node> node, ns3::Ipv4Address localPublic,
                                        ns3::Ipv4Address remotePublic,
                                        ns3::Ipv4Address tunnelAddress,
                                        ns3::Ipv4Mask tunnelMask) const;

    ns3::ObjectFactory m_deviceFactory;
    std::optional<uint16_t> m_mtu;
    std::optional<GreEspProtection> m_esp;
};

} // namespace tunnelsim

#endif
