#include "topology.h"

#include "ipv4-header.h"
#include "ns3/arp-l3-protocol.h"
#include "ns3/csma-helper.h"
#include "ns3/data-rate.h"
#include "ns3/internet-stack-helper.h"
#include "ns3/ipv4-l3-protocol.h"
#include "ns3/ipv4-list-routing-helper.h"
#include "ns3/ipv4-static-routing-helper.h"
#include "ns3/names.h"
#include "ns3/net-device-queue-interface.h"
#include "ns3/point-to-point-helper.h"
#include "ns3/pointer.h"
#include "ns3/queue-disc.h"
#include "ns3/string.h"
#include "ns3/trace-helper.h"
#include "ns3/traffic-control-helper.h"
#include "ns3/traffic-control-layer.h"
#include "ns3/uinteger.h"

#include <filesystem>
#include <stdexcept>

namespace tunnelsim
{

namespace
{

/// PPP header of ns-3's point-to-point device: the 2-byte protocol field (RFC 1661 s2).
constexpr uint32_t kPppHeaderBytes = 2;

/// Name of an ns-3 IPv4 drop reason in the results.
std::string
Ipv4DropName(ns3::Ipv4L3Protocol::DropReason reason)
{
    switch (reason)
    {
        case ns3::Ipv4L3Protocol::DROP_TTL_EXPIRED:
            return "ipv4-ttl-expired";
        case ns3::Ipv4L3Protocol::DROP_NO_ROUTE:
            return "ipv4-no-route";
        case ns3::Ipv4L3Protocol::DROP_BAD_CHECKSUM:
            return "ipv4-bad-checksum";
        case ns3::Ipv4L3Protocol::DROP_INTERFACE_DOWN:
            return "ipv4-interface-down";
        case ns3::Ipv4L3Protocol::DROP_ROUTE_ERROR:
            return "ipv4-route-error";
        case ns3::Ipv4L3Protocol::DROP_FRAGMENT_TIMEOUT:
            return "ipv4-fragment-timeout";
        case ns3::Ipv4L3Protocol::DROP_DUPLICATE:
            return "ipv4-duplicate";
    }
    return "ipv4-other";
}

/// Add an interface on @p device with @p address in @p prefix; up unless @p up is false.
TopologyInterface
AddInterface(ns3::Ptr<ns3::Node> node, ns3::Ptr<ns3::NetDevice> device, uint32_t address,
             const Ipv4Prefix& prefix, bool up)
{
    ns3::Ptr<ns3::Ipv4> ipv4 = node->GetObject<ns3::Ipv4>();
    const uint32_t interface = ipv4->AddInterface(device);
    // Ipv4AddressHelper would install a queue disc here, but this code assigns addresses
    // itself. Without one, the device's 100-packet queue is the only buffer, and traffic
    // control drops what comes while that queue is stopped. The FIFO is a router's interface
    // buffer (Linux's default txqueuelen is 1000 packets).
    if (device->GetObject<ns3::NetDeviceQueueInterface>())
    {
        ns3::TrafficControlHelper queue;
        queue.SetRootQueueDisc("ns3::FifoQueueDisc", "MaxSize",
                               ns3::QueueSizeValue(ns3::QueueSize(ns3::QueueSizeUnit::PACKETS,
                                                                  kInterfaceQueuePackets)));
        queue.Install(device);
    }
    ipv4->AddAddress(interface, ns3::Ipv4InterfaceAddress(ns3::Ipv4Address(address),
                                                          ns3::Ipv4Mask(prefix.Mask())));
    if (up)
    {
        ipv4->SetUp(interface);
    }
    return TopologyInterface{node, device, interface, address};
}

} // namespace

Topology::Topology(const Scenario& scenario, const ns3::Ipv4RoutingHelper* gatewayRouting,
                   int16_t priority, int64_t firstStream)
{
    m_nextStream = firstStream;
    CreateNodes(scenario, gatewayRouting, priority);
    BuildWanLinks(scenario);
    BuildLans(scenario);
    AddWanRoutes(scenario);
    ConnectCounters();
    AssignStreams();
}

void
Topology::CreateNodes(const Scenario& scenario, const ns3::Ipv4RoutingHelper* gatewayRouting,
                      int16_t priority)
{
    ns3::Ipv4ListRoutingHelper gatewayList;
    gatewayList.Add(ns3::Ipv4StaticRoutingHelper(), 0);
    if (gatewayRouting)
    {
        gatewayList.Add(*gatewayRouting, priority);
    }
    ns3::InternetStackHelper gatewayStack;
    gatewayStack.SetRoutingHelper(gatewayList);

    for (size_t site = 0; site < scenario.sites.size(); ++site)
    {
        TopologyGateway gateway;
        gateway.name = scenario.sites[site].gateway.name;
        gateway.site = site;
        gateway.node = ns3::CreateObject<ns3::Node>();
        gatewayStack.Install(gateway.node);
        ns3::Names::Add(gateway.name, gateway.node);
        m_names[gateway.node->GetId()] = gateway.name;
        m_gateways.push_back(gateway);
    }

    // Routers and hosts use static routing in a list too, so every node is queried alike.
    ns3::Ipv4ListRoutingHelper plainList;
    plainList.Add(ns3::Ipv4StaticRoutingHelper(), 0);
    ns3::InternetStackHelper plainStack;
    plainStack.SetRoutingHelper(plainList);
    for (const WanRouter& router : scenario.routers)
    {
        ns3::Ptr<ns3::Node> node = ns3::CreateObject<ns3::Node>();
        plainStack.Install(node);
        ns3::Names::Add(router.name, node);
        m_names[node->GetId()] = router.name;
        m_routers[router.name] = node;
        m_routerOrder.push_back(node);
    }
}

ns3::Ptr<ns3::Node>
Topology::NodeByName(const std::string& name) const
{
    if (const TopologyGateway* gateway = FindGateway(name))
    {
        return gateway->node;
    }
    auto router = m_routers.find(name);
    if (router == m_routers.end())
    {
        throw std::logic_error("scenario names node \"" + name + "\" that does not exist");
    }
    return router->second;
}

void
Topology::BuildWanLinks(const Scenario& scenario)
{
    for (const WanLink& link : scenario.links)
    {
        ns3::PointToPointHelper p2p;
        p2p.SetDeviceAttribute("DataRate", ns3::DataRateValue(ns3::DataRate(link.rateBps)));
        p2p.SetDeviceAttribute("Mtu", ns3::UintegerValue(link.mtuBytes));
        p2p.SetChannelAttribute("Delay", ns3::TimeValue(ns3::Seconds(link.delayS)));

        const std::array<ns3::Ptr<ns3::Node>, 2> nodes
            = {NodeByName(link.endpoints[0]), NodeByName(link.endpoints[1])};
        ns3::NetDeviceContainer devices = p2p.Install(nodes[0], nodes[1]);
        const std::array<uint32_t, 2> addresses = LinkEndpointAddresses(scenario, link);

        TopologyLink built;
        built.name = link.name;
        built.prefix = link.prefix;
        for (size_t end = 0; end < 2; ++end)
        {
            built.ends[end]
                = AddInterface(nodes[end], devices.Get(end), addresses[end], link.prefix, true);
            auto model = ns3::CreateObject<LinkErrorModel>();
            model->SetLossRate(link.lossRate);
            m_nextStream += model->AssignStreams(m_nextStream);
            devices.Get(end)->SetAttribute("ReceiveErrorModel", ns3::PointerValue(model));
            built.errorModels[end] = model;

            for (TopologyGateway& gateway : m_gateways)
            {
                if (gateway.name == link.endpoints[end])
                {
                    gateway.wan[link.name] = built.ends[end];
                }
            }
        }
        m_links.push_back(built);
    }
}

void
Topology::BuildLans(const Scenario& scenario)
{
    for (size_t site = 0; site < scenario.sites.size(); ++site)
    {
        const Site& described = scenario.sites[site];
        for (const LanSubnet& subnet : described.subnets)
        {
            std::vector<uint32_t> hosts;
            for (uint32_t i = 0; i < subnet.hosts; ++i)
            {
                hosts.push_back(LanHostAddress(subnet.prefix, i));
            }
            BuildLan(site, subnet.prefix, hosts, false, std::nullopt);
        }
        if (described.hostLan)
        {
            BuildLan(site, described.hostLan->prefix, described.hostLan->hosts, true, std::nullopt);
        }
    }

    // Subnets that events add exist from the start with the gateway's interface down.
    for (const ScenarioEvent& event : scenario.events)
    {
        const auto* added = std::get_if<SubnetAddEvent>(&event.action);
        if (!added)
        {
            continue;
        }
        size_t site = 0;
        while (scenario.sites[site].name != added->site)
        {
            ++site;
        }
        std::vector<uint32_t> hosts;
        for (uint32_t i = 0; i < added->subnet.hosts; ++i)
        {
            hosts.push_back(LanHostAddress(added->subnet.prefix, i));
        }
        BuildLan(site, added->subnet.prefix, hosts, false, event.atS);
    }
}

void
Topology::BuildLan(size_t site, const Ipv4Prefix& prefix,
                   const std::vector<uint32_t>& hostAddresses, bool hostLan,
                   std::optional<double> addedAtS)
{
    TopologyGateway& gateway = m_gateways[site];
    ns3::NodeContainer members(gateway.node);
    std::vector<ns3::Ptr<ns3::Node>> hosts;
    for (size_t i = 0; i < hostAddresses.size(); ++i)
    {
        hosts.push_back(ns3::CreateObject<ns3::Node>());
        members.Add(hosts.back());
    }
    ns3::Ipv4ListRoutingHelper list;
    list.Add(ns3::Ipv4StaticRoutingHelper(), 0);
    ns3::InternetStackHelper stack;
    stack.SetRoutingHelper(list);
    for (const auto& host : hosts)
    {
        stack.Install(host);
    }

    ns3::CsmaHelper csma;
    csma.SetChannelAttribute("DataRate", ns3::DataRateValue(ns3::DataRate(kLanRateBps)));
    csma.SetChannelAttribute("Delay", ns3::TimeValue(ns3::Seconds(kLanDelayS)));
    ns3::NetDeviceContainer devices = csma.Install(members);

    TopologyLan lan;
    lan.site = site;
    lan.prefix = prefix;
    lan.hostLan = hostLan;
    lan.addedAtS = addedAtS;
    lan.gateway = AddInterface(gateway.node, devices.Get(0), LanGatewayAddress(prefix), prefix,
                               !addedAtS.has_value());
    auto gatewayModel = ns3::CreateObject<LinkErrorModel>();
    devices.Get(0)->SetAttribute("ReceiveErrorModel", ns3::PointerValue(gatewayModel));
    m_gatewayLanModels[gateway.name].push_back(gatewayModel);

    ns3::Ipv4StaticRoutingHelper routingHelper;
    for (size_t i = 0; i < hosts.size(); ++i)
    {
        const TopologyInterface host
            = AddInterface(hosts[i], devices.Get(i + 1), hostAddresses[i], prefix, true);
        routingHelper.GetStaticRouting(hosts[i]->GetObject<ns3::Ipv4>())
            ->SetDefaultRoute(ns3::Ipv4Address(LanGatewayAddress(prefix)), host.interface);
        const std::string name = "host-" + Ipv4ToString(hostAddresses[i]);
        ns3::Names::Add(name, hosts[i]);
        m_names[hosts[i]->GetId()] = name;
        m_hosts[hostAddresses[i]] = hosts[i];
        m_hostOrder.push_back(hosts[i]);
    }
    lan.hosts = hosts;
    lan.hostAddresses = hostAddresses;
    m_lans.push_back(lan);
}

void
Topology::AssignStreams()
{
    ns3::NodeContainer nodes;
    for (const ns3::Ptr<ns3::Node>& node : AllNodes())
    {
        nodes.Add(node);
        // ns-3 delays each ARP request by a uniform 0 to 10 ms, and Linux sends it at once.
        // A constant variable keeps the stream numbering below unchanged.
        node->GetObject<ns3::ArpL3Protocol>()->SetAttribute(
            "RequestJitter", ns3::StringValue("ns3::ConstantRandomVariable[Constant=0.0]"));
    }
    m_nextStream += ns3::InternetStackHelper().AssignStreams(nodes, m_nextStream);

    ns3::NetDeviceContainer lanDevices;
    for (const TopologyLan& lan : m_lans)
    {
        ns3::Ptr<ns3::Channel> channel = lan.gateway.device->GetChannel();
        for (size_t i = 0; i < channel->GetNDevices(); ++i)
        {
            lanDevices.Add(channel->GetDevice(i));
        }
    }
    m_nextStream += ns3::CsmaHelper().AssignStreams(lanDevices, m_nextStream);
}

void
Topology::ConnectCounters()
{
    for (const ns3::Ptr<ns3::Node>& node : AllNodes())
    {
        ns3::Ptr<ns3::Ipv4L3Protocol> ipv4 = node->GetObject<ns3::Ipv4L3Protocol>();
        ipv4->TraceConnectWithoutContext(
            "Drop",
            ns3::Callback<void, const ns3::Ipv4Header&, ns3::Ptr<const ns3::Packet>,
                          ns3::Ipv4L3Protocol::DropReason, ns3::Ptr<ns3::Ipv4>, uint32_t>(
                [this](const ns3::Ipv4Header&, ns3::Ptr<const ns3::Packet>,
                       ns3::Ipv4L3Protocol::DropReason reason, ns3::Ptr<ns3::Ipv4>, uint32_t)
                {
                    m_ipv4Drops[Ipv4DropName(reason)]++;
                }));
        ns3::Ptr<ns3::TrafficControlLayer> tc = node->GetObject<ns3::TrafficControlLayer>();
        // Only fires on a device without a queue disc whose own queue is stopped.
        tc->TraceConnectWithoutContext("Drop", ns3::Callback<void, ns3::Ptr<const ns3::Packet>>(
                                                   [this](ns3::Ptr<const ns3::Packet>)
                                                   {
                                                       m_ipv4Drops["device-queue-stopped"]++;
                                                   }));
        for (uint32_t i = 0; i < node->GetNDevices(); ++i)
        {
            ns3::Ptr<ns3::NetDevice> device = node->GetDevice(i);
            if (ns3::Ptr<ns3::QueueDisc> disc = tc->GetRootQueueDiscOnDevice(device))
            {
                disc->TraceConnectWithoutContext(
                    "Drop", ns3::Callback<void, ns3::Ptr<const ns3::QueueDiscItem>>(
                                [this](ns3::Ptr<const ns3::QueueDiscItem>)
                                {
                                    m_ipv4Drops["interface-queue-full"]++;
                                }));
            }
            // MacTxDrop: a full device queue, or on CSMA also a frame given up after too many
            // backoffs.
            device->TraceConnectWithoutContext("MacTxDrop",
                                               ns3::Callback<void, ns3::Ptr<const ns3::Packet>>(
                                                   [this](ns3::Ptr<const ns3::Packet>)
                                                   {
                                                       m_ipv4Drops["device-tx-drop"]++;
                                                   }));
        }
        // ARP drops a packet when the queue of an unresolved entry is full.
        node->GetObject<ns3::ArpL3Protocol>()->TraceConnectWithoutContext(
            "Drop", ns3::Callback<void, ns3::Ptr<const ns3::Packet>>(
                        [this](ns3::Ptr<const ns3::Packet>)
                        {
                            m_ipv4Drops["arp-queue-full"]++;
                        }));
    }

    for (const TopologyGateway& gateway : m_gateways)
    {
        // At the device, after the interface queue, so a packet the queue drops is not
        // counted. In ns-3 3.37 MacTx reports the packet with its 2-byte PPP header, which is
        // left out: the metric counts IPv4 packets.
        for (const auto& [link, wan] : gateway.wan)
        {
            wan.device->TraceConnectWithoutContext(
                "MacTx", ns3::Callback<void, ns3::Ptr<const ns3::Packet>>(
                             [this](ns3::Ptr<const ns3::Packet> packet)
                             {
                                 m_wanBytesSent += packet->GetSize() - kPppHeaderBytes;
                             }));
        }
    }
}

const TopologyGateway&
Topology::GatewayOfSite(size_t site) const
{
    return m_gateways.at(site);
}

const TopologyGateway*
Topology::FindGateway(const std::string& name) const
{
    for (const TopologyGateway& gateway : m_gateways)
    {
        if (gateway.name == name)
        {
            return &gateway;
        }
    }
    return nullptr;
}

const TopologyLink*
Topology::FindLink(const std::string& name) const
{
    for (const TopologyLink& link : m_links)
    {
        if (link.name == name)
        {
            return &link;
        }
    }
    return nullptr;
}

const TopologyLan*
Topology::FindLan(const Ipv4Prefix& prefix) const
{
    for (const TopologyLan& lan : m_lans)
    {
        if (lan.prefix == prefix)
        {
            return &lan;
        }
    }
    return nullptr;
}

ns3::Ptr<ns3::Node>
Topology::FindHost(uint32_t address) const
{
    auto host = m_hosts.find(address);
    return host == m_hosts.end() ? nullptr : host->second;
}

std::vector<ns3::Ptr<ns3::Node>>
Topology::AllNodes() const
{
    std::vector<ns3::Ptr<ns3::Node>> nodes;
    for (const TopologyGateway& gateway : m_gateways)
    {
        nodes.push_back(gateway.node);
    }
    nodes.insert(nodes.end(), m_routerOrder.begin(), m_routerOrder.end());
    nodes.insert(nodes.end(), m_hostOrder.begin(), m_hostOrder.end());
    return nodes;
}

std::string
Topology::NodeName(ns3::Ptr<ns3::Node> node) const
{
    auto name = m_names.find(node->GetId());
    return name == m_names.end() ? "node-" + std::to_string(node->GetId()) : name->second;
}

void
Topology::SetLinkDown(const std::string& name, bool down)
{
    const TopologyLink* link = FindLink(name);
    if (!link)
    {
        throw std::logic_error("no WAN link named \"" + name + "\"");
    }
    for (const auto& model : link->errorModels)
    {
        model->SetDown(down);
    }
}

void
Topology::SetGatewayIsolated(const std::string& name, bool isolated)
{
    for (const TopologyLink& link : m_links)
    {
        for (size_t end = 0; end < 2; ++end)
        {
            if (m_names[link.ends[end].node->GetId()] == name)
            {
                link.errorModels[0]->SetDown(isolated);
                link.errorModels[1]->SetDown(isolated);
            }
        }
    }
    // TODO: hosts still receive what an isolated gateway sends on its LANs.
    for (const auto& model : m_gatewayLanModels[name])
    {
        model->SetDown(isolated);
    }
}

void
Topology::SetLanUp(const Ipv4Prefix& prefix, bool up)
{
    const TopologyLan* lan = FindLan(prefix);
    if (!lan)
    {
        throw std::logic_error("no LAN " + prefix.ToString());
    }
    ns3::Ptr<ns3::Ipv4> ipv4 = lan->gateway.node->GetObject<ns3::Ipv4>();
    if (up)
    {
        ipv4->SetUp(lan->gateway.interface);
    }
    else
    {
        ipv4->SetDown(lan->gateway.interface);
    }
}

void
Topology::EnableWanPcap(const std::string& directory, const std::string& prefix)
{
    ns3::PcapHelper pcap;
    for (const TopologyLink& link : m_links)
    {
        const std::string path
            = (std::filesystem::path(directory) / (prefix + link.name + ".pcap")).string();
        // The same file PointToPointHelper::EnablePcap writes (PPP link type, the device's
        // non-promiscuous Sniffer trace), kept here so that CloseWanPcap can complete it.
        ns3::Ptr<ns3::PcapFileWrapper> file
            = pcap.CreateFile(path, std::ios::out, ns3::PcapHelper::DLT_PPP);
        pcap.HookDefaultSink<ns3::NetDevice>(link.ends[0].device, "Sniffer", file);
        m_pcapFiles.push_back(file);
    }
}

void
Topology::CloseWanPcap()
{
    for (const ns3::Ptr<ns3::PcapFileWrapper>& file : m_pcapFiles)
    {
        file->Close();
    }
    m_pcapFiles.clear();
}

std::map<std::string, uint64_t>
Topology::GetDropCounts() const
{
    std::map<std::string, uint64_t> drops = m_ipv4Drops;
    for (const TopologyLink& link : m_links)
    {
        for (const auto& model : link.errorModels)
        {
            if (model->GetLossDrops() > 0)
            {
                drops["link-loss"] += model->GetLossDrops();
            }
            if (model->GetDownDrops() > 0)
            {
                drops["link-down"] += model->GetDownDrops();
            }
        }
    }
    for (const auto& [gateway, models] : m_gatewayLanModels)
    {
        for (const auto& model : models)
        {
            if (model->GetDownDrops() > 0)
            {
                drops["gateway-down"] += model->GetDownDrops();
            }
        }
    }
    return drops;
}

} // namespace tunnelsim
