#include "ospf-helper.h"

#include "ns3/ipv4-list-routing.h"
#include "ns3/ipv4.h"
#include "ns3/log.h"
#include "ns3/node.h"

namespace tunnelsim
{

NS_LOG_COMPONENT_DEFINE("OspfHelper");

OspfHelper::OspfHelper()
{
    m_factory.SetTypeId(OspfRoutingProtocol::GetTypeId());
}

OspfHelper*
OspfHelper::Copy() const
{
    return new OspfHelper(*this);
}

ns3::Ptr<ns3::Ipv4RoutingProtocol>
OspfHelper::Create(ns3::Ptr<ns3::Node> node) const
{
    ns3::Ptr<OspfRoutingProtocol> ospf = m_factory.Create<OspfRoutingProtocol>();
    auto routerId = m_routerIds.find(node);
    if (routerId != m_routerIds.end())
    {
        ospf->SetAttribute("RouterId", ns3::Ipv4AddressValue(routerId->second));
    }
    auto settings = m_settings.find(node);
    if (settings != m_settings.end())
    {
        for (const auto& [interface, interfaceSettings] : settings->second)
        {
            ospf->SetInterfaceSettings(interface, interfaceSettings);
        }
    }
    // ns-3 initializes (DoInitialize) only objects aggregated to the node, as RipHelper
    // relies on too.
    node->AggregateObject(ospf);
    return ospf;
}

void
OspfHelper::Set(const std::string& name, const ns3::AttributeValue& value)
{
    m_factory.Set(name, value);
}

void
OspfHelper::SetRouterId(ns3::Ptr<ns3::Node> node, ns3::Ipv4Address routerId)
{
    m_routerIds[node] = routerId;
}

OspfInterfaceSettings&
OspfHelper::Settings(ns3::Ptr<ns3::Node> node, uint32_t interface)
{
    return m_settings[node][interface];
}

void
OspfHelper::SetInterfaceSettings(ns3::Ptr<ns3::Node> node, uint32_t interface,
                                 const OspfInterfaceSettings& settings)
{
    Settings(node, interface) = settings;
}

void
OspfHelper::SetInterfaceCost(ns3::Ptr<ns3::Node> node, uint32_t interface, uint16_t cost)
{
    Settings(node, interface).cost = cost;
}

void
OspfHelper::SetInterfacePriority(ns3::Ptr<ns3::Node> node, uint32_t interface, uint8_t priority)
{
    Settings(node, interface).priority = priority;
}

void
OspfHelper::SetInterfaceTimers(ns3::Ptr<ns3::Node> node, uint32_t interface,
                               ns3::Time helloInterval, ns3::Time routerDeadInterval)
{
    OspfInterfaceSettings& settings = Settings(node, interface);
    settings.helloInterval = helloInterval;
    settings.routerDeadInterval = routerDeadInterval;
}

void
OspfHelper::SetMtuIgnore(ns3::Ptr<ns3::Node> node, uint32_t interface, bool ignore)
{
    Settings(node, interface).mtuIgnore = ignore;
}

void
OspfHelper::SetPassiveInterface(ns3::Ptr<ns3::Node> node, uint32_t interface)
{
    Settings(node, interface).passive = true;
}

void
OspfHelper::ExcludeInterface(ns3::Ptr<ns3::Node> node, uint32_t interface)
{
    Settings(node, interface).excluded = true;
}

ns3::Ptr<OspfRoutingProtocol>
OspfHelper::GetOspf(ns3::Ptr<ns3::Node> node)
{
    if (auto aggregated = node->GetObject<OspfRoutingProtocol>())
    {
        return aggregated;
    }
    ns3::Ptr<ns3::Ipv4> ipv4 = node->GetObject<ns3::Ipv4>();
    if (!ipv4)
    {
        return nullptr;
    }
    ns3::Ptr<ns3::Ipv4RoutingProtocol> routing = ipv4->GetRoutingProtocol();
    if (auto ospf = ns3::DynamicCast<OspfRoutingProtocol>(routing))
    {
        return ospf;
    }
    auto list = ns3::DynamicCast<ns3::Ipv4ListRouting>(routing);
    if (!list)
    {
        return nullptr;
    }
    for (uint32_t i = 0; i < list->GetNRoutingProtocols(); ++i)
    {
        int16_t priority = 0;
        if (auto ospf
            = ns3::DynamicCast<OspfRoutingProtocol>(list->GetRoutingProtocol(i, priority)))
        {
            return ospf;
        }
    }
    return nullptr;
}

} // namespace tunnelsim
