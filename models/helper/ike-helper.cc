#include "ike-helper.h"

#include "ns3/ipv4-header.h"
#include "ns3/log.h"
#include "ns3/node.h"

#include <algorithm>
#include <stdexcept>

namespace tunnelsim
{

NS_LOG_COMPONENT_DEFINE("IkeHelper");
NS_OBJECT_ENSURE_REGISTERED(IkeSadBinding);

namespace
{

/// The smallest selector pair that covers every pair in @p pairs (same protocol kept only
/// when all agree).
SelectorPair
CoveringPair(const std::vector<SelectorPair>& pairs)
{
    SelectorPair covering = pairs.front();
    for (const SelectorPair& pair : pairs)
    {
        for (auto [into, from] : {std::make_pair(&covering.local, &pair.local),
                                  std::make_pair(&covering.remote, &pair.remote)})
        {
            into->startAddress = std::min(into->startAddress, from->startAddress);
            into->endAddress = std::max(into->endAddress, from->endAddress);
            into->startPort = std::min(into->startPort, from->startPort);
            into->endPort = std::max(into->endPort, from->endPort);
            if (into->ipProtocol != from->ipProtocol)
            {
                into->ipProtocol = kAnyIpProtocol;
            }
        }
    }
    return covering;
}

} // namespace

ns3::TypeId
IkeSadBinding::GetTypeId()
{
    static ns3::TypeId tid = ns3::TypeId("tunnelsim::IkeSadBinding")
                                 .SetParent<ns3::Object>()
                                 .SetGroupName("Tunnelsim");
    return tid;
}

IkeSadBinding::IkeSadBinding(ns3::Ptr<IpsecStack> stack)
  : m_stack(stack)
{
}

void
IkeSadBinding::DoDispose()
{
    m_stack = nullptr;
    m_vtis.clear();
    ns3::Object::DoDispose();
}

void
IkeSadBinding::BindVti(const std::string& connection, ns3::Ptr<ns3::NetDevice> device)
{
    m_vtis[connection] = device;
}

SecurityAssociationConfig
IkeSadBinding::MakeConfig(const ChildSaParameters& parameters, bool inbound) const
{
    SecurityAssociationConfig config;
    config.direction = inbound ? SaDirection::Inbound : SaDirection::Outbound;
    // Transport mode needs nothing more than the mode: the selectors are the two gateway
    // addresses (IkeConnection::Validate), and the tunnel addresses go unused.
    config.mode = parameters.mode;
    config.esp.spi = inbound ? parameters.inboundSpi : parameters.outboundSpi;
    config.esp.suite = parameters.suite;
    const SaKeys& keys = inbound ? parameters.inboundKeys : parameters.outboundKeys;
    config.esp.encryptionKey = keys.encryptionKey;
    config.esp.integrityKey = keys.integrityKey;
    config.esp.extendedSequenceNumbers = parameters.extendedSequenceNumbers;
    config.esp.ivSeed = config.esp.spi;
    config.selectors = CoveringPair(parameters.selectors);
    config.tunnelLocal = parameters.localAddress;
    config.tunnelRemote = parameters.remoteAddress;
    // Lifetimes stay with the IKE model, which rekeys and deletes; the SAD keeps none.
    return config;
}

uint32_t
IkeSadBinding::FindOrAddPolicy(const SelectorPair& selectors)
{
    ns3::Ptr<SecurityPolicyDatabase> spd = m_stack->GetSpd();
    for (size_t i = 0; i < spd->GetN(); ++i)
    {
        const SecurityPolicy& policy = spd->Get(i);
        if (policy.action == PolicyAction::Protect
            && selectors.local.IsSubsetOf(policy.selectors.local)
            && selectors.remote.IsSubsetOf(policy.selectors.remote))
        {
            return policy.id;
        }
    }
    SecurityPolicy policy;
    policy.selectors = selectors;
    policy.action = PolicyAction::Protect;
    m_addedPolicies++;
    return spd->Add(policy);
}

void
IkeSadBinding::Apply(ChildSaAction action, const ChildSaParameters& parameters)
{
    NS_LOG_FUNCTION(this << ToString(action) << parameters.inboundSpi << parameters.outboundSpi);

    ns3::Ptr<SecurityAssociationDatabase> sad = m_stack->GetSad();
    auto vti = m_vtis.find(parameters.connection);
    ns3::Ptr<ns3::NetDevice> device = vti == m_vtis.end() ? nullptr : vti->second;
    switch (action)
    {
        case ChildSaAction::InstallInbound:
            sad->AddInbound(MakeConfig(parameters, true), device);
            break;
        case ChildSaAction::InstallOutbound:
        {
            const SecurityAssociationConfig config = MakeConfig(parameters, false);
            if (device)
            {
                sad->AddOutboundForDevice(config, device);
            }
            else
            {
                sad->AddOutboundForPolicy(config, FindOrAddPolicy(config.selectors));
            }
            break;
        }
        case ChildSaAction::RemoveOutbound:
            for (const auto& sa : sad->GetAll())
            {
                if (sa->GetDirection() == SaDirection::Outbound
                    && sa->GetSpi() == parameters.outboundSpi)
                {
                    sad->Remove(sa);
                    break;
                }
            }
            break;
        case ChildSaAction::RemoveInbound:
            if (auto sa = sad->FindInbound(parameters.inboundSpi))
            {
                sad->Remove(sa);
            }
            break;
    }
}

IkeHelper::IkeHelper()
{
    m_factory.SetTypeId(IkeEndpoint::GetTypeId());
}

void
IkeHelper::SetAttribute(const std::string& name, const ns3::AttributeValue& value)
{
    m_factory.Set(name, value);
}

ns3::Ptr<IkeEndpoint>
IkeHelper::GetEndpoint(ns3::Ptr<ns3::Node> node)
{
    for (uint32_t i = 0; i < node->GetNApplications(); ++i)
    {
        if (auto endpoint = ns3::DynamicCast<IkeEndpoint>(node->GetApplication(i)))
        {
            return endpoint;
        }
    }
    return nullptr;
}

ns3::Ptr<IkeEndpoint>
IkeHelper::Install(ns3::Ptr<ns3::Node> node) const
{
    if (auto existing = GetEndpoint(node))
    {
        return existing;
    }
    ns3::Ptr<IkeEndpoint> endpoint = m_factory.Create<IkeEndpoint>();
    node->AddApplication(endpoint);
    ns3::Ptr<IpsecStack> stack = node->GetObject<IpsecStack>();
    if (!stack)
    {
        return endpoint;
    }

    auto binding = ns3::CreateObject<IkeSadBinding>(stack);
    endpoint->AggregateObject(binding);
    // Raw pointers: the stack and the endpoint belong to the same node and are disposed
    // with it, and a Ptr in each other's callbacks would keep both alive forever.
    IkeSadBinding* rawBinding = ns3::PeekPointer(binding);
    IkeEndpoint* rawEndpoint = ns3::PeekPointer(endpoint);
    IpsecStack* rawStack = ns3::PeekPointer(stack);
    endpoint->SetChildSaCallback(IkeEndpoint::ChildSaCallback(
        [rawBinding](ChildSaAction action, const ChildSaParameters& parameters)
        {
            rawBinding->Apply(action, parameters);
        }));
    stack->SetAcquireCallback(IpsecStack::AcquireCallback(
        [rawEndpoint](uint32_t, ns3::Ptr<ns3::Packet> ipPacket)
        {
            ns3::Ptr<ns3::Packet> payload = ipPacket->Copy();
            ns3::Ipv4Header header;
            payload->RemoveHeader(header);
            return rawEndpoint->Acquire(payload, header);
        }));
    endpoint->SetReleaseCallback(IkeEndpoint::ReleaseCallback(
        [rawStack](ns3::Ptr<ns3::Packet> payload, const ns3::Ipv4Header& header)
        {
            ns3::Ptr<ns3::Packet> ipPacket = payload->Copy();
            // A deserialized ns3::Ipv4Header writes a zero checksum until EnableChecksum() is
            // called.
            ns3::Ipv4Header withChecksum = header;
            withChecksum.EnableChecksum();
            ipPacket->AddHeader(withChecksum);
            rawStack->ProcessOutbound(ipPacket);
        }));
    return endpoint;
}

void
IkeHelper::Install(const ns3::NodeContainer& nodes) const
{
    for (auto it = nodes.Begin(); it != nodes.End(); ++it)
    {
        Install(*it);
    }
}

IkeConnection
IkeHelper::Mirror(const IkeConnection& connection)
{
    IkeConnection mirror = connection;
    mirror.localAddress = connection.remoteAddress;
    mirror.remoteAddress = connection.localAddress;
    for (SelectorPair& pair : mirror.selectors)
    {
        pair = pair.Mirrored();
    }
    return mirror;
}

std::pair<size_t, size_t>
IkeHelper::AddConnectionPair(ns3::Ptr<ns3::Node> gatewayA, ns3::Ptr<ns3::Node> gatewayB,
                             const IkeConnection& connectionA, IkeStartAction startActionB) const
{
    IkeConnection connectionB = Mirror(connectionA);
    connectionB.startAction = startActionB;
    const size_t indexA = Install(gatewayA)->AddConnection(connectionA);
    const size_t indexB = Install(gatewayB)->AddConnection(connectionB);
    return {indexA, indexB};
}

void
IkeHelper::BindVti(ns3::Ptr<ns3::Node> node, const std::string& connection,
                   ns3::Ptr<ns3::NetDevice> device)
{
    ns3::Ptr<IkeEndpoint> endpoint = GetEndpoint(node);
    ns3::Ptr<IkeSadBinding> binding = endpoint ? endpoint->GetObject<IkeSadBinding>() : nullptr;
    if (!binding)
    {
        throw std::invalid_argument("IkeHelper::BindVti: the node has no IKE endpoint wired to "
                                    "an IPsec stack; install IpsecHelper, then IkeHelper");
    }
    binding->BindVti(connection, device);
}

int64_t
IkeHelper::AssignStreams(const ns3::NodeContainer& nodes, int64_t stream)
{
    int64_t used = 0;
    for (auto it = nodes.Begin(); it != nodes.End(); ++it)
    {
        if (auto endpoint = GetEndpoint(*it))
        {
            used += endpoint->AssignStreams(stream + used);
        }
    }
    return used;
}

} // namespace tunnelsim
