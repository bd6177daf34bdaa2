#include "topology-design.h"

#include "gre-drop-reason.h"
#include "gre-header.h"
#include "gre-helper.h"
#include "gre-l4-protocol.h"
#include "gre-tunnel-net-device.h"
#include "ike-helper.h"
#include "ipsec-helper.h"
#include "ns3/ipv4-l3-protocol.h"
#include "ns3/ipv4-routing-table-entry.h"
#include "ns3/ipv4-static-routing-helper.h"
#include "ns3/ipv4-static-routing.h"
#include "ns3/mac48-address.h"
#include "ns3/nstime.h"
#include "ns3/simulator.h"
#include "ns3/uinteger.h"
#include "ns3/virtual-net-device.h"
#include "ospf-helper.h"

#include <algorithm>
#include <stdexcept>
#include <tuple>

namespace tunnelsim
{

namespace
{

/// Pre-shared key prefix of the design's IKE connections, followed by the tunnel name.
/// Simulated peers need matching keys, not secret ones.
constexpr const char* kPreSharedKeyPrefix = "tunnelsim-psk-";
/// Share of the CHILD SA lifetime used as the rekey margin when the strongSwan default
/// (540 s) does not fit: 540 s of 3600 s.
constexpr double kRekeyMarginShare = 0.15;

TrafficSelector
PrefixSelector(const Ipv4Prefix& prefix)
{
    return TrafficSelector::FromPrefix(prefix.network, prefix.length);
}

SelectorPair
ToSelectorPair(const PolicySelector& selector)
{
    return SelectorPair{PrefixSelector(selector.local), PrefixSelector(selector.remote)};
}

uint32_t
InterfaceOf(ns3::Ptr<ns3::NetDevice> device)
{
    return static_cast<uint32_t>(
        device->GetNode()->GetObject<ns3::Ipv4>()->GetInterfaceForDevice(device));
}

} // namespace

int16_t
GatewayOspfPriority()
{
    return kOspfRoutingPriority;
}

std::unique_ptr<ns3::Ipv4RoutingHelper>
MakeGatewayRouting(const DesignSettings& settings)
{
    if (!settings.ospf)
    {
        return nullptr;
    }
    auto ospf = std::make_unique<OspfHelper>();
    ospf->Set("HelloInterval", ns3::TimeValue(ns3::Seconds(settings.helloIntervalS)));
    ospf->Set("RouterDeadInterval", ns3::TimeValue(ns3::Seconds(settings.routerDeadIntervalS)));
    ospf->Set("SpfInitialDelay", ns3::TimeValue(ns3::MilliSeconds(settings.spfDelayMs)));
    ospf->Set("SpfHold", ns3::TimeValue(ns3::MilliSeconds(settings.spfHoldMs)));
    ospf->Set("SpfMaxHold", ns3::TimeValue(ns3::MilliSeconds(settings.spfMaxHoldMs)));
    return ospf;
}

struct DesignNetwork::Impl
{
    /// The tunnel devices and IKE connections of one design tunnel.
    struct BuiltTunnel
    {
        std::array<ns3::Ptr<ns3::NetDevice>, 2> devices; ///< GRE or VTI; null for policy
        std::array<size_t, 2> connections{};             ///< IKE connection index on each gateway
        /// False for a policy-based tunnel whose first selector pair an event adds.
        bool connected = false;
    };

    DesignSettings settings;
    std::vector<DesignGateway> gateways;
    std::vector<DesignTunnel> tunnels;
    std::vector<BuiltTunnel> built;
    IpsecHelper ipsec;
    IkeHelper ike;
    /// PROTECT entry ids of policy-based selectors: (gateway, local, remote) -> id.
    std::map<std::tuple<size_t, uint32_t, uint8_t, uint32_t, uint8_t>, uint32_t> policies;
    DesignPhaseTimes phases;
    /// SAs negotiated by IKE, by (SPI, source, destination).
    std::map<std::tuple<uint32_t, uint32_t, uint32_t>, EspSaFileEntry> negotiatedSas;

    void InstallTunnel(size_t index, const std::vector<PolicySelector>& selectors);
    ns3::Ptr<ns3::NetDevice> AddVti(size_t gateway, uint32_t address, size_t tunnel);
    void AddConnection(size_t index, const std::vector<SelectorPair>& pairs, IkeStartAction start);
    uint32_t AddProtectEntry(size_t gateway, const SelectorPair& pair);
    /// PROTECT entries of @p selector on both gateways of its tunnel, ids kept for removal.
    void AddPolicyPair(const PolicySelector& selector);
    void ConfigureOspf();
    void ConnectTraces();
    void RecordChildSa(ChildSaAction action, const ChildSaParameters& parameters);
};

DesignNetwork::DesignNetwork(const DesignSettings& settings, std::vector<DesignGateway> gateways,
                             std::vector<DesignTunnel> tunnels)
  : m_impl(std::make_unique<Impl>())
{
    m_impl->settings = settings;
    m_impl->gateways = std::move(gateways);
    m_impl->tunnels = std::move(tunnels);
}

DesignNetwork::~DesignNetwork() = default;

void
DesignNetwork::Install(const std::vector<PolicySelector>& selectors)
{
    Impl& d = *m_impl;
    d.ipsec.SetSuite(d.settings.suite);
    d.ipsec.SetKeySeed(d.settings.seed);
    if (d.settings.cryptoTable && d.settings.cryptoEngine)
    {
        d.ipsec.SetCryptoEngine(*d.settings.cryptoTable, *d.settings.cryptoEngine);
    }
    d.ike.SetAttribute("Seed", ns3::UintegerValue(d.settings.seed));

    // IPsec after the topology's addresses, so the hidden device comes last on each node.
    ns3::NodeContainer nodes;
    for (const DesignGateway& gateway : d.gateways)
    {
        d.ipsec.Install(gateway.node);
        d.ike.Install(gateway.node);
        nodes.Add(gateway.node);
    }
    IkeHelper::AssignStreams(nodes, d.settings.firstStream);

    d.built.resize(d.tunnels.size());
    for (size_t t = 0; t < d.tunnels.size(); ++t)
    {
        d.InstallTunnel(t, selectors);
    }
    if (d.settings.ospf)
    {
        d.ConfigureOspf();
    }
    d.ConnectTraces();
}

uint32_t
DesignNetwork::Impl::AddProtectEntry(size_t gateway, const SelectorPair& pair)
{
    SecurityPolicy policy;
    policy.action = PolicyAction::Protect;
    policy.selectors = pair;
    return ipsec.AddPolicy(gateways[gateway].node, policy);
}

void
DesignNetwork::Impl::AddPolicyPair(const PolicySelector& selector)
{
    const DesignTunnel& tunnel = tunnels.at(selector.tunnel);
    const SelectorPair pair = ToSelectorPair(selector);
    policies[{tunnel.gateways[0], selector.local.network, selector.local.length,
              selector.remote.network, selector.remote.length}]
        = AddProtectEntry(tunnel.gateways[0], pair);
    policies[{tunnel.gateways[1], selector.remote.network, selector.remote.length,
              selector.local.network, selector.local.length}]
        = AddProtectEntry(tunnel.gateways[1], pair.Mirrored());
}

void
DesignNetwork::Impl::AddConnection(size_t index, const std::vector<SelectorPair>& pairs,
                                   IkeStartAction start)
{
    const DesignTunnel& tunnel = tunnels[index];
    IkeConnection connection;
    connection.name = tunnel.name;
    connection.version = settings.ikeVersion == 1 ? IkeVersion::V1 : IkeVersion::V2;
    connection.localAddress = ns3::Ipv4Address(tunnel.publicAddresses[0]);
    connection.remoteAddress = ns3::Ipv4Address(tunnel.publicAddresses[1]);
    connection.preSharedKey = kPreSharedKeyPrefix + tunnel.name;
    connection.espProposals = {settings.suite};
    connection.selectors = pairs;
    connection.matchStyle = settings.strictMatching ? SelectorMatchStyle::Ikev1Strict
                                                    : SelectorMatchStyle::Ikev2Narrowing;
    connection.startAction = start;
    // Only GRE over IPsec runs in transport mode (the scenario loader rejects the rest):
    // its one selector pair is GRE between the two IKE addresses, as transport mode needs.
    if (settings.family == DesignFamily::GreOverIpsec && settings.transportMode)
    {
        connection.mode = IpsecMode::Transport;
    }
    connection.childLifetime = ns3::Seconds(settings.childSaLifetimeS);
    if (connection.rekeyMargin >= connection.childLifetime)
    {
        connection.rekeyMargin = ns3::Seconds(settings.childSaLifetimeS * kRekeyMarginShare);
    }
    if (settings.dpd)
    {
        connection.dpdDelay = ns3::Seconds((*settings.dpd)[0]);
        connection.dpdTimeout = ns3::Seconds((*settings.dpd)[1]);
        connection.dpdAction = DpdAction::Restart;
    }

    // The responder mirrors the initiator and never starts a negotiation itself, so both
    // ends never set up duplicate SAs.
    IkeConnection responder = IkeHelper::Mirror(connection);
    responder.startAction = IkeStartAction::None;
    responder.dpdAction = DpdAction::Clear;

    BuiltTunnel& b = built[index];
    b.connections[0]
        = IkeHelper::GetEndpoint(gateways[tunnel.gateways[0]].node)->AddConnection(connection);
    b.connections[1]
        = IkeHelper::GetEndpoint(gateways[tunnel.gateways[1]].node)->AddConnection(responder);
    b.connected = true;
}

void
DesignNetwork::Impl::InstallTunnel(size_t index, const std::vector<PolicySelector>& selectors)
{
    const DesignTunnel& tunnel = tunnels[index];
    BuiltTunnel& b = built[index];
    const std::array<ns3::Ptr<ns3::Node>, 2> nodes
        = {gateways[tunnel.gateways[0]].node, gateways[tunnel.gateways[1]].node};
    const ns3::Ipv4Address publicA(tunnel.publicAddresses[0]);
    const ns3::Ipv4Address publicB(tunnel.publicAddresses[1]);
    const uint32_t inside = kTunnelAddressBase + 4 * static_cast<uint32_t>(index);

    switch (settings.family)
    {
        case DesignFamily::PolicyBased:
        {
            // Each pair is a PROTECT entry on both gateways and a selector pair of the IKE
            // connection. Pairs that events add join both at the event.
            std::vector<SelectorPair> pairs;
            for (const PolicySelector& selector : selectors)
            {
                if (selector.tunnel == index)
                {
                    AddPolicyPair(selector);
                    pairs.push_back(ToSelectorPair(selector));
                }
            }
            if (!pairs.empty())
            {
                AddConnection(index, pairs, IkeStartAction::Trap);
            }
            break;
        }
        case DesignFamily::GreOverIpsec:
        {
            GreHelper gre;
            const GreEspProtection protection{settings.suite, settings.transportMode
                                                                  ? GreEspMode::Transport
                                                                  : GreEspMode::Tunnel};
            gre.SetEspProtection(protection.suite, protection.mode);
            if (settings.tunnelMtu)
            {
                gre.SetMtu(*settings.tunnelMtu);
            }
            else if (tunnel.pathMtu > 0)
            {
                // The tunnel carries no GRE options, so its header is the 4-byte base.
                gre.SetMtu(ComputeGreTunnelMtu(static_cast<uint16_t>(tunnel.pathMtu),
                                               kGreBaseHeaderSize, protection));
            }
            if (settings.keepalive)
            {
                gre.SetTunnelAttribute("KeepalivePeriod",
                                       ns3::TimeValue(ns3::Seconds((*settings.keepalive)[0])));
                gre.SetTunnelAttribute("KeepaliveRetries",
                                       ns3::UintegerValue((*settings.keepalive)[1]));
            }
            ns3::NetDeviceContainer devices
                = gre.InstallPair(nodes[0], publicA, nodes[1], publicB, ns3::Ipv4Address(inside),
                                  ns3::Ipv4Mask(Ipv4Prefix{inside, kTunnelPrefixLength}.Mask()));
            b.devices = {devices.Get(0), devices.Get(1)};

            // RFC 4301 s4.4.1: one PROTECT entry for GRE between the two public addresses,
            // in tunnel or transport mode (AddConnection sets the mode).
            const SelectorPair pair{
                TrafficSelector::FromAddress(publicA.Get(), GreL4Protocol::PROT_NUMBER),
                TrafficSelector::FromAddress(publicB.Get(), GreL4Protocol::PROT_NUMBER)};
            AddProtectEntry(tunnel.gateways[0], pair);
            AddProtectEntry(tunnel.gateways[1], pair.Mirrored());
            AddConnection(index, {pair}, IkeStartAction::Start);
            break;
        }
        case DesignFamily::Vti:
        {
            b.devices = {AddVti(tunnel.gateways[0], inside + 1, index),
                         AddVti(tunnel.gateways[1], inside + 2, index)};
            // A VTI's SAs carry everything routed into it: 0.0.0.0/0 on both sides.
            const SelectorPair any{TrafficSelector{}, TrafficSelector{}};
            AddConnection(index, {any}, IkeStartAction::Start);
            IkeHelper::BindVti(nodes[0], tunnel.name, b.devices[0]);
            IkeHelper::BindVti(nodes[1], tunnel.name, b.devices[1]);
            break;
        }
    }
}

ns3::Ptr<ns3::NetDevice>
DesignNetwork::Impl::AddVti(size_t gateway, uint32_t address, size_t tunnel)
{
    // The same device IpsecHelper::CreateVti makes, without its manually keyed SAs: here
    // IKE negotiates them. NOTE: IpsecHelper has no public call for this yet.
    ns3::Ptr<ns3::Node> node = gateways[gateway].node;
    ns3::Ptr<IpsecStack> stack = IpsecHelper::GetStack(node);
    auto ipv4 = node->GetObject<ns3::Ipv4L3Protocol>();

    uint16_t mtu = 0;
    if (settings.tunnelMtu)
    {
        mtu = *settings.tunnelMtu;
    }
    else if (tunnels[tunnel].pathMtu > 0)
    {
        mtu = IpsecHelper::ComputeVtiMtu(settings.suite, tunnels[tunnel].pathMtu);
    }
    else
    {
        const size_t end = tunnels[tunnel].gateways[0] == gateway ? 0 : 1;
        const int32_t wan
            = ipv4->GetInterfaceForAddress(ns3::Ipv4Address(tunnels[tunnel].publicAddresses[end]));
        mtu = IpsecHelper::ComputeVtiMtu(settings.suite, ipv4->GetMtu(static_cast<uint32_t>(wan)));
    }

    auto vti = ns3::CreateObject<ns3::VirtualNetDevice>();
    vti->SetAddress(ns3::Mac48Address::Allocate());
    vti->SetNeedsArp(false);
    vti->SetIsPointToPoint(true);
    vti->SetSupportsSendFrom(false);
    vti->SetMtu(mtu);
    node->AddDevice(vti);
    stack->AddVti(vti);

    const uint32_t interface = ipv4->AddInterface(vti);
    ipv4->AddAddress(
        interface,
        ns3::Ipv4InterfaceAddress(ns3::Ipv4Address(address),
                                  ns3::Ipv4Mask(Ipv4Prefix{address, kTunnelPrefixLength}.Mask())));
    ipv4->SetForwarding(interface, true);
    ipv4->SetUp(interface);
    return vti;
}

void
DesignNetwork::Impl::ConfigureOspf()
{
    OspfInterfaceSettings excluded;
    excluded.excluded = true;
    OspfInterfaceSettings passive;
    passive.passive = true;

    for (const DesignGateway& gateway : gateways)
    {
        ns3::Ptr<OspfRoutingProtocol> ospf = OspfHelper::GetOspf(gateway.node);
        for (uint32_t interface : gateway.wanInterfaces)
        {
            ospf->SetInterfaceSettings(interface, excluded);
        }
        for (uint32_t interface : gateway.lanInterfaces)
        {
            ospf->SetInterfaceSettings(interface, passive);
        }
        for (uint32_t interface : gateway.laterLanInterfaces)
        {
            ospf->SetInterfaceSettings(interface, excluded);
        }
        ospf->SetInterfaceSettings(InterfaceOf(IpsecHelper::GetStack(gateway.node)->GetDevice()),
                                   excluded);
    }
    for (size_t t = 0; t < tunnels.size(); ++t)
    {
        for (size_t end = 0; end < 2; ++end)
        {
            OspfInterfaceSettings tunnelSettings;
            tunnelSettings.cost = tunnels[t].ospfCost;
            tunnelSettings.helloInterval = ns3::Seconds(settings.helloIntervalS);
            tunnelSettings.routerDeadInterval = ns3::Seconds(settings.routerDeadIntervalS);
            tunnelSettings.networkType = OspfNetworkType::PointToPoint;
            OspfHelper::GetOspf(gateways[tunnels[t].gateways[end]].node)
                ->SetInterfaceSettings(InterfaceOf(built[t].devices[end]), tunnelSettings);
        }
    }
}

void
DesignNetwork::Impl::ConnectTraces()
{
    for (const DesignGateway& gateway : gateways)
    {
        IkeHelper::GetEndpoint(gateway.node)
            ->TraceConnectWithoutContext(
                "ChildSa", ns3::Callback<void, ChildSaAction, const ChildSaParameters&>(
                               [this](ChildSaAction action, const ChildSaParameters& parameters)
                               {
                                   RecordChildSa(action, parameters);
                               }));
        // Only new CHILD SAs: a rekey replaces an SA that already carries traffic.
        IkeHelper::GetEndpoint(gateway.node)
            ->TraceConnectWithoutContext("NegotiationFinished",
                                         ns3::Callback<void, const IkeNegotiationRecord&>(
                                             [this](const IkeNegotiationRecord& record)
                                             {
                                                 if (record.kind == IkeNegotiationKind::ChildSa)
                                                 {
                                                     phases.childSaInstalled.push_back(
                                                         record.finished.GetSeconds());
                                                 }
                                             }));
        if (ns3::Ptr<OspfRoutingProtocol> ospf = OspfHelper::GetOspf(gateway.node))
        {
            ospf->TraceConnectWithoutContext(
                "AdjacencyChange", ns3::Callback<void, const OspfAdjacencyChange&>(
                                       [this](const OspfAdjacencyChange& change)
                                       {
                                           if (change.newState == OspfNeighborState::Full)
                                           {
                                               phases.ospfFull.push_back(change.time.GetSeconds());
                                           }
                                       }));
            ospf->TraceConnectWithoutContext(
                "RouteChange", ns3::Callback<void, const OspfRouteChange&>(
                                   [this](const OspfRouteChange& change)
                                   {
                                       phases.ospfRouteChanged.push_back(change.time.GetSeconds());
                                   }));
        }
    }
}

void
DesignNetwork::Impl::RecordChildSa(ChildSaAction action, const ChildSaParameters& parameters)
{
    const bool outbound = action == ChildSaAction::InstallOutbound;
    if (!outbound && action != ChildSaAction::InstallInbound)
    {
        return;
    }
    EspSaConfig config;
    config.spi = outbound ? parameters.outboundSpi : parameters.inboundSpi;
    config.suite = parameters.suite;
    const SaKeys& keys = outbound ? parameters.outboundKeys : parameters.inboundKeys;
    config.encryptionKey = keys.encryptionKey;
    config.integrityKey = keys.integrityKey;
    config.extendedSequenceNumbers = parameters.extendedSequenceNumbers;
    const uint32_t source = (outbound ? parameters.localAddress : parameters.remoteAddress).Get();
    const uint32_t destination
        = (outbound ? parameters.remoteAddress : parameters.localAddress).Get();
    negotiatedSas.emplace(std::make_tuple(config.spi, source, destination),
                          EspSaFileEntry::FromConfig(config, source, destination));
}

void
DesignNetwork::AddStaticRoute(size_t gateway, const Ipv4Prefix& prefix, size_t tunnel,
                              uint32_t metric)
{
    Impl& d = *m_impl;
    const size_t end = d.tunnels.at(tunnel).gateways[0] == gateway ? 0 : 1;
    ns3::Ptr<ns3::NetDevice> device = d.built.at(tunnel).devices[end];
    ns3::Ptr<ns3::Ipv4> ipv4 = d.gateways.at(gateway).node->GetObject<ns3::Ipv4>();
    ns3::Ipv4StaticRoutingHelper().GetStaticRouting(ipv4)->AddNetworkRouteTo(
        ns3::Ipv4Address(prefix.network), ns3::Ipv4Mask(prefix.Mask()), InterfaceOf(device),
        metric);
}

void
DesignNetwork::RemoveStaticRoute(size_t gateway, const Ipv4Prefix& prefix)
{
    ns3::Ptr<ns3::Ipv4> ipv4 = m_impl->gateways.at(gateway).node->GetObject<ns3::Ipv4>();
    ns3::Ptr<ns3::Ipv4StaticRouting> routing
        = ns3::Ipv4StaticRoutingHelper().GetStaticRouting(ipv4);
    for (uint32_t i = routing->GetNRoutes(); i-- > 0;)
    {
        const ns3::Ipv4RoutingTableEntry route = routing->GetRoute(i);
        if (route.GetDestNetwork().Get() == prefix.network
            && route.GetDestNetworkMask().Get() == prefix.Mask())
        {
            routing->RemoveRoute(i);
        }
    }
}

void
DesignNetwork::AddPolicySelector(const PolicySelector& selector)
{
    Impl& d = *m_impl;
    d.AddPolicyPair(selector);
    const SelectorPair pair = ToSelectorPair(selector);
    Impl::BuiltTunnel& b = d.built.at(selector.tunnel);
    if (!b.connected)
    {
        d.AddConnection(selector.tunnel, {pair}, IkeStartAction::Trap);
        return;
    }
    // The responder first, so it accepts the pair by the time the initiator proposes it.
    // With start action trap, the first packet of the pair negotiates it.
    const DesignTunnel& tunnel = d.tunnels[selector.tunnel];
    IkeHelper::GetEndpoint(d.gateways[tunnel.gateways[1]].node)
        ->AddSelectorPair(b.connections[1], pair.Mirrored());
    IkeHelper::GetEndpoint(d.gateways[tunnel.gateways[0]].node)
        ->AddSelectorPair(b.connections[0], pair);
}

void
DesignNetwork::RemovePolicySelector(const PolicySelector& selector)
{
    Impl& d = *m_impl;
    const DesignTunnel& tunnel = d.tunnels.at(selector.tunnel);
    const std::array<std::tuple<size_t, uint32_t, uint8_t, uint32_t, uint8_t>, 2> keys
        = {std::make_tuple(tunnel.gateways[0], selector.local.network, selector.local.length,
                           selector.remote.network, selector.remote.length),
           std::make_tuple(tunnel.gateways[1], selector.remote.network, selector.remote.length,
                           selector.local.network, selector.local.length)};
    for (const auto& key : keys)
    {
        auto entry = d.policies.find(key);
        if (entry == d.policies.end())
        {
            continue;
        }
        IpsecHelper::GetStack(d.gateways[std::get<0>(key)].node)->GetSpd()->Remove(entry->second);
        d.policies.erase(entry);
    }
    // Both gateways drop the pair from their connection, and each deletes the CHILD SA with
    // the peer. RFC 7296 s1.4.1 expects such crossing deletes.
    const Impl::BuiltTunnel& b = d.built.at(selector.tunnel);
    if (!b.connected)
    {
        return;
    }
    const SelectorPair pair = ToSelectorPair(selector);
    IkeHelper::GetEndpoint(d.gateways[tunnel.gateways[0]].node)
        ->RemoveSelectorPair(b.connections[0], pair);
    IkeHelper::GetEndpoint(d.gateways[tunnel.gateways[1]].node)
        ->RemoveSelectorPair(b.connections[1], pair.Mirrored());
}

void
DesignNetwork::SetOspfLan(size_t gateway, uint32_t interface, bool enabled)
{
    ns3::Ptr<OspfRoutingProtocol> ospf = OspfHelper::GetOspf(m_impl->gateways.at(gateway).node);
    if (!ospf)
    {
        return;
    }
    OspfInterfaceSettings settings;
    settings.passive = enabled;
    settings.excluded = !enabled;
    ospf->SetInterfaceSettings(interface, settings);
}

void
DesignNetwork::SetGatewayPower(size_t gateway, bool on)
{
    // A power loss sends nothing to the peers, so their SAs stay until dead peer detection,
    // or until the INITIAL_CONTACT of the first IKE SA the gateway initiates once it is back.
    ns3::Ptr<IkeEndpoint> endpoint = IkeHelper::GetEndpoint(m_impl->gateways.at(gateway).node);
    if (on)
    {
        endpoint->PowerOn();
    }
    else
    {
        endpoint->PowerOff();
    }
}

std::map<std::string, uint64_t>
DesignNetwork::SelectorsPerGateway() const
{
    const Impl& d = *m_impl;
    std::map<std::string, uint64_t> counts;
    for (const DesignGateway& gateway : d.gateways)
    {
        counts[gateway.name]
            = IpsecHelper::GetStack(gateway.node)->GetSpd()->Count(PolicyAction::Protect);
    }
    // A VTI's 0.0.0.0/0 selector pair binds its SAs to the interface instead of the SPD;
    // it is still the one selector each end configures.
    if (d.settings.family == DesignFamily::Vti)
    {
        for (const DesignTunnel& tunnel : d.tunnels)
        {
            counts[d.gateways[tunnel.gateways[0]].name]++;
            counts[d.gateways[tunnel.gateways[1]].name]++;
        }
    }
    return counts;
}

std::map<std::string, uint64_t>
DesignNetwork::SasPerGateway() const
{
    std::map<std::string, uint64_t> counts;
    for (const DesignGateway& gateway : m_impl->gateways)
    {
        ns3::Ptr<SecurityAssociationDatabase> sad = IpsecHelper::GetStack(gateway.node)->GetSad();
        counts[gateway.name] = sad->GetNInbound() + sad->GetNOutbound();
    }
    return counts;
}

uint64_t
DesignNetwork::ChildSaPairs() const
{
    const Impl& d = *m_impl;
    uint64_t pairs = 0;
    for (size_t t = 0; t < d.tunnels.size(); ++t)
    {
        if (!d.built[t].connected)
        {
            continue;
        }
        ns3::Ptr<IkeEndpoint> initiator
            = IkeHelper::GetEndpoint(d.gateways[d.tunnels[t].gateways[0]].node);
        pairs += initiator->GetActiveChildSaCount(d.built[t].connections[0]);
    }
    return pairs;
}

std::map<std::string, uint64_t>
DesignNetwork::RoutesPerGateway(const std::vector<std::vector<Ipv4Prefix>>& remote) const
{
    std::map<std::string, uint64_t> counts;
    for (size_t g = 0; g < m_impl->gateways.size(); ++g)
    {
        const DesignGateway& gateway = m_impl->gateways[g];
        auto isRemote = [&remote, g](uint32_t network, uint32_t mask)
        {
            return std::any_of(remote[g].begin(), remote[g].end(),
                               [network, mask](const Ipv4Prefix& prefix)
                               {
                                   return prefix.network == network && prefix.Mask() == mask;
                               });
        };
        uint64_t count = 0;
        ns3::Ptr<ns3::Ipv4StaticRouting> routing
            = ns3::Ipv4StaticRoutingHelper().GetStaticRouting(gateway.node->GetObject<ns3::Ipv4>());
        for (uint32_t i = 0; i < routing->GetNRoutes(); ++i)
        {
            const ns3::Ipv4RoutingTableEntry route = routing->GetRoute(i);
            count += isRemote(route.GetDestNetwork().Get(), route.GetDestNetworkMask().Get());
        }
        if (ns3::Ptr<OspfRoutingProtocol> ospf = OspfHelper::GetOspf(gateway.node))
        {
            for (const OspfRouteInfo& route : ospf->GetRoutes())
            {
                count += isRemote(route.network.Get(), route.mask.Get());
            }
        }
        counts[gateway.name] = count;
    }
    return counts;
}

std::vector<std::pair<std::string, CryptoEngineStatus>>
DesignNetwork::CryptoEngineStatuses() const
{
    std::vector<std::pair<std::string, CryptoEngineStatus>> statuses;
    for (const DesignGateway& gateway : m_impl->gateways)
    {
        std::optional<CryptoEngineStatus> status = IpsecHelper::GetCryptoEngineStatus(gateway.node);
        if (status)
        {
            statuses.emplace_back(gateway.name, *status);
        }
    }
    return statuses;
}

std::map<std::string, uint64_t>
DesignNetwork::DropCounts() const
{
    std::map<std::string, uint64_t> drops;
    auto add = [&drops](const std::string& name, uint64_t count)
    {
        if (count > 0)
        {
            drops[name] += count;
        }
    };
    for (const DesignGateway& gateway : m_impl->gateways)
    {
        for (const auto& [reason, count] : IpsecHelper::GetDropCounts(gateway.node))
        {
            add(reason, count);
        }
        if (ns3::Ptr<GreL4Protocol> gre = gateway.node->GetObject<GreL4Protocol>())
        {
            for (GreDropReason reason : kAllGreDropReasons)
            {
                add("gre-" + std::string(ToString(reason)), gre->GetDropCount(reason));
            }
        }
        for (uint32_t i = 0; i < gateway.node->GetNDevices(); ++i)
        {
            auto tunnel = ns3::DynamicCast<GreTunnelNetDevice>(gateway.node->GetDevice(i));
            if (!tunnel)
            {
                continue;
            }
            for (GreDropReason reason : kAllGreDropReasons)
            {
                add("gre-" + std::string(ToString(reason)), tunnel->GetDropCount(reason));
            }
        }
        if (ns3::Ptr<OspfRoutingProtocol> ospf = OspfHelper::GetOspf(gateway.node))
        {
            for (OspfDropReason reason : kAllOspfDropReasons)
            {
                add("ospf-" + std::string(ToString(reason)), ospf->GetDropCount(reason));
            }
        }
        for (const auto& [reason, count] : IkeHelper::GetEndpoint(gateway.node)->GetDrops())
        {
            add("ike-" + std::string(ToString(reason)), count);
        }
    }
    return drops;
}

const DesignPhaseTimes&
DesignNetwork::PhaseTimes() const
{
    return m_impl->phases;
}

std::vector<EspSaFileEntry>
DesignNetwork::WiresharkSaEntries() const
{
    std::vector<EspSaFileEntry> entries = m_impl->ipsec.GetWiresharkSaEntries();
    for (const auto& [key, entry] : m_impl->negotiatedSas)
    {
        entries.push_back(entry);
    }
    return entries;
}

} // namespace tunnelsim
