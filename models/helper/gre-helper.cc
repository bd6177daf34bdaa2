#include "gre-helper.h"

#include "gre-l4-protocol.h"
#include "gre-tunnel-net-device.h"
#include "ipsec-stack.h"
#include "ns3/boolean.h"
#include "ns3/global-value.h"
#include "ns3/ipv4-static-routing-helper.h"
#include "ns3/ipv4-static-routing.h"
#include "ns3/ipv4.h"
#include "ns3/log.h"
#include "ns3/mac48-address.h"
#include "ns3/node.h"

namespace tunnelsim
{

NS_LOG_COMPONENT_DEFINE("GreHelper");

namespace
{

/// Interface metric of a tunnel: 1, like any other ns-3 interface by default.
constexpr uint16_t kTunnelInterfaceMetric = 1;

/// The interface of @p ipv4 that has @p address, or -1.
int32_t
InterfaceForAddress(ns3::Ptr<ns3::Ipv4> ipv4, ns3::Ipv4Address address)
{
    for (uint32_t i = 0; i < ipv4->GetNInterfaces(); ++i)
    {
        for (uint32_t a = 0; a < ipv4->GetNAddresses(i); ++a)
        {
            if (ipv4->GetAddress(i, a).GetLocal() == address)
            {
                return static_cast<int32_t>(i);
            }
        }
    }
    return -1;
}

} // namespace

GreHelper::GreHelper()
{
    m_deviceFactory.SetTypeId(GreTunnelNetDevice::GetTypeId());
}

void
GreHelper::SetTunnelAttribute(const std::string& name, const ns3::AttributeValue& value)
{
    m_deviceFactory.Set(name, value);
}

void
GreHelper::SetMtu(uint16_t mtu)
{
    m_mtu = mtu;
}

void
GreHelper::SetEspProtection(const EspSuite& suite, GreEspMode mode)
{
    m_esp = GreEspProtection{suite, mode};
}

void
GreHelper::ClearEspProtection()
{
    m_esp.reset();
}

void
GreHelper::Install(ns3::NodeContainer nodes) const
{
    for (auto it = nodes.Begin(); it != nodes.End(); ++it)
    {
        Install(*it);
    }
}

void
GreHelper::Install(ns3::Ptr<ns3::Node> node) const
{
    ns3::GlobalValue::Bind("ChecksumEnabled", ns3::BooleanValue(true));
    if (!node->GetObject<ns3::Ipv4>())
    {
        NS_FATAL_ERROR("node " << node->GetId()
                               << " has no IPv4 stack; install InternetStackHelper first");
    }
    if (!node->GetObject<GreL4Protocol>())
    {
        auto gre = ns3::CreateObject<GreL4Protocol>();
        node->AggregateObject(gre);
        // IpsecStack::Setup intercepts the protocols present when it runs; GRE added after
        // it must be intercepted here, or its packets miss the stack's direct path.
        if (ns3::Ptr<IpsecStack> stack = node->GetObject<IpsecStack>())
        {
            stack->InterceptLocalProtocol(gre);
        }
    }
}

ns3::NetDeviceContainer
GreHelper::InstallPair(ns3::Ptr<ns3::Node> nodeA, ns3::Ipv4Address publicA,
                       ns3::Ptr<ns3::Node> nodeB, ns3::Ipv4Address publicB,
                       ns3::Ipv4Address tunnelNetwork, ns3::Ipv4Mask tunnelMask) const
{
    const ns3::Ipv4Address network = tunnelNetwork.CombineMask(tunnelMask);
    const ns3::Ipv4Address addressA(network.Get() + 1);
    const ns3::Ipv4Address addressB(network.Get() + 2);
    if (!tunnelMask.IsMatch(addressB, network) || addressB.IsSubnetDirectedBroadcast(tunnelMask))
    {
        NS_FATAL_ERROR("tunnel network " << tunnelNetwork << "/" << tunnelMask.GetPrefixLength()
                                         << " has no room for two hosts; use a /30 or larger");
    }

    ns3::NetDeviceContainer devices;
    devices.Add(InstallEnd(nodeA, publicA, publicB, addressA, tunnelMask));
    devices.Add(InstallEnd(nodeB, publicB, publicA, addressB, tunnelMask));
    return devices;
}

ns3::Ptr<ns3::NetDevice>
GreHelper::InstallEnd(ns3::Ptr<ns3::Node> node, ns3::Ipv4Address localPublic,
                      ns3::Ipv4Address remotePublic, ns3::Ipv4Address tunnelAddress,
                      ns3::Ipv4Mask tunnelMask) const
{
    Install(node);
    ns3::Ptr<ns3::Ipv4> ipv4 = node->GetObject<ns3::Ipv4>();
    const int32_t underlay = InterfaceForAddress(ipv4, localPublic);
    if (underlay < 0)
    {
        NS_FATAL_ERROR("node " << node->GetId() << " has no interface with address " << localPublic
                               << "; assign the public address first");
    }

    ns3::Ptr<GreTunnelNetDevice> device = m_deviceFactory.Create<GreTunnelNetDevice>();
    device->SetAddress(ns3::Mac48Address::Allocate());
    device->SetTunnelSource(localPublic);
    device->SetTunnelDestination(remotePublic);
    if (m_mtu)
    {
        device->SetMtu(*m_mtu);
    }
    else if (!device->SetMtuFromUnderlay(ipv4->GetMtu(underlay), m_esp))
    {
        NS_FATAL_ERROR("underlay MTU " << ipv4->GetMtu(underlay) << " on node " << node->GetId()
                                       << " leaves no usable tunnel MTU");
    }
    node->AddDevice(device);
    node->GetObject<GreL4Protocol>()->AddTunnel(device);

    const uint32_t interface = ipv4->AddInterface(device);
    ipv4->AddAddress(interface, ns3::Ipv4InterfaceAddress(tunnelAddress, tunnelMask));
    ipv4->SetMetric(interface, kTunnelInterfaceMetric);
    ipv4->SetUp(interface);
    NS_LOG_INFO("node " << node->GetId() << ": GRE " << localPublic << " -> " << remotePublic
                        << ", interface " << interface << " " << tunnelAddress << ", MTU "
                        << device->GetMtu());
    return device;
}

void
GreHelper::AddRoute(ns3::Ptr<ns3::NetDevice> tunnel, ns3::Ipv4Address network, ns3::Ipv4Mask mask,
                    uint32_t metric)
{
    ns3::Ptr<ns3::Ipv4> ipv4 = tunnel->GetNode()->GetObject<ns3::Ipv4>();
    const int32_t interface = ipv4->GetInterfaceForDevice(tunnel);
    ns3::Ptr<ns3::Ipv4StaticRouting> routing
        = ns3::Ipv4StaticRoutingHelper().GetStaticRouting(ipv4);
    if (interface < 0 || !routing)
    {
        NS_FATAL_ERROR("cannot route " << network << " through the tunnel on node "
                                       << tunnel->GetNode()->GetId()
                                       << ": no IPv4 interface or no Ipv4StaticRouting");
    }
    routing->AddNetworkRouteTo(network.CombineMask(mask), mask, static_cast<uint32_t>(interface),
                               metric);
}

} // namespace tunnelsim
