/*
 * OspfHelper: creates OspfRoutingProtocol instances for Ipv4ListRouting, in the style of
 * ns-3's RipHelper.
 *
 *   OspfHelper ospf;
 *   ospf.Set("HelloInterval", TimeValue(Seconds(10)));
 *   ospf.SetRouterId(gatewayA, "1.1.1.1");
 *   ospf.SetPassiveInterface(gatewayA, 2);    // a LAN: advertised, no Hellos
 *   ospf.ExcludeInterface(gatewayA, 1);       // the WAN: no OSPF at all
 *   Ipv4ListRoutingHelper list;
 *   list.Add(Ipv4StaticRoutingHelper(), 0);
 *   list.Add(ospf, kOspfRoutingPriority);
 *   InternetStackHelper stack;
 *   stack.SetRoutingHelper(list);
 *   stack.Install(nodes);
 *
 * Per-interface settings given here apply when the protocol is created. Interfaces added
 * later (tunnels) run OSPF with the defaults as soon as they are up with an address; give
 * them settings with OspfHelper::GetOspf(node)->SetInterfaceSettings(...).
 */
#ifndef TUNNELSIM_HELPER_OSPF_HELPER_H
#define TUNNELSIM_HELPER_OSPF_HELPER_H

#include "ns3/ipv4-routing-helper.h"
#include "ns3/node-container.h"
#include "ns3/object-factory.h"
#include "ospf-routing-protocol.h"
#include "ospf-types.h"

#include <map>
#include <string>

namespace tunnelsim
{

/// Ipv4ListRouting priority for OSPF: above static routing (0), so OSPF routes are found
/// before a static default route, and below IPsec interception (kIpsecRoutingPriority, 100).
constexpr int16_t kOspfRoutingPriority = 10;

class OspfHelper : public ns3::Ipv4RoutingHelper
{
  public:
    OspfHelper();

    OspfHelper* Copy() const override;

    /// Create the protocol for @p node with the attributes and settings given so far.
    ns3::Ptr<ns3::Ipv4RoutingProtocol> Create(ns3::Ptr<ns3::Node> node) const override;

    /// Set an OspfRoutingProtocol attribute for every router created from now on.
    void Set(const std::string& name, const ns3::AttributeValue& value);

    void SetRouterId(ns3::Ptr<ns3::Node> node, ns3::Ipv4Address routerId);

    /// Replace all settings of @p interface on @p node.
    void SetInterfaceSettings(ns3::Ptr<ns3::Node> node, uint32_t interface,
                              const OspfInterfaceSettings& settings);
    void SetInterfaceCost(ns3::Ptr<ns3::Node> node, uint32_t interface, uint16_t cost);
    void SetInterfacePriority(ns3::Ptr<ns3::Node> node, uint32_t interface, uint8_t priority);
    /// Hello and dead interval of one interface; both must be whole seconds.
    void SetInterfaceTimers(ns3::Ptr<ns3::Node> node, uint32_t interface, ns3::Time helloInterval,
                            ns3::Time routerDeadInterval);
    void SetMtuIgnore(ns3::Ptr<ns3::Node> node, uint32_t interface, bool ignore);
    /// Advertise the interface's network as a stub, without Hellos or neighbours.
    void SetPassiveInterface(ns3::Ptr<ns3::Node> node, uint32_t interface);
    /// Keep OSPF off the interface entirely: no packets, not advertised.
    void ExcludeInterface(ns3::Ptr<ns3::Node> node, uint32_t interface);

    /**
     * The OspfRoutingProtocol of @p node: the node's routing protocol itself, or the one
     * inside its Ipv4ListRouting. nullptr when the node has none.
     */
    static ns3::Ptr<OspfRoutingProtocol> GetOspf(ns3::Ptr<ns3::Node> node);

  private:
    OspfInterfaceSettings& Settings(ns3::Ptr<ns3::Node> node, uint32_t interface);

    ns3::ObjectFactory m_factory;
    std::map<ns3::Ptr<ns3::Node>, ns3::Ipv4Address> m_routerIds;
    std::map<ns3::Ptr<ns3::Node>, std::map<uint32_t, OspfInterfaceSettings>> m_settings;
};

} // namespace tunnelsim

#endif
