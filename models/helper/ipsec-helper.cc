#include "ipsec-helper.h"

#include "ns3/boolean.h"
#include "ns3/global-value.h"
#include "ns3/ipv4-l3-protocol.h"
#include "ns3/log.h"
#include "ns3/mac48-address.h"
#include "ns3/virtual-net-device.h"

#include <stdexcept>

namespace tunnelsim
{

NS_LOG_COMPONENT_DEFINE("IpsecHelper");

namespace
{

/// Smallest SPI a helper may hand out: RFC 4303 s2.1 reserves 1-255 for IANA.
constexpr uint32_t kMinAssignableSpi = 256;

/// Every address, every protocol: the selectors of a VTI's SAs.
const TrafficSelector kAnySelector{};

TrafficSelector
HostSelector(ns3::Ipv4Address address, uint8_t protocol)
{
    TrafficSelector selector;
    selector.startAddress = address.Get();
    selector.endAddress = address.Get();
    selector.ipProtocol = protocol;
    return selector;
}

} // namespace

IpsecHelper::IpsecHelper()
{
    m_stackFactory.SetTypeId(IpsecStack::GetTypeId());
    ns3::GlobalValue::Bind("ChecksumEnabled", ns3::BooleanValue(true));
}

void
IpsecHelper::SetSuite(const EspSuite& suite)
{
    if (!suite.IsValid())
    {
        throw std::invalid_argument("ESP suite " + suite.Name() + " is not a valid pair");
    }
    m_suite = suite;
}

void
IpsecHelper::SetExtendedSequenceNumbers(bool enabled)
{
    m_esn = enabled;
}

void
IpsecHelper::SetReplayWindow(uint32_t packets)
{
    if (packets < kMinReplayWindow || packets > kMaxReplayWindow)
    {
        throw std::invalid_argument("replay window of " + std::to_string(packets)
                                    + " packets is outside " + std::to_string(kMinReplayWindow)
                                    + ".." + std::to_string(kMaxReplayWindow));
    }
    m_replayWindow = packets;
}

void
IpsecHelper::SetKeySeed(uint64_t seed)
{
    m_seed = seed;
}

void
IpsecHelper::SetLifetime(const SaLifetime& lifetime)
{
    m_lifetime = lifetime;
}

void
IpsecHelper::SetFirstSpi(uint32_t spi)
{
    if (spi < kMinAssignableSpi)
    {
        throw std::invalid_argument("SPI " + std::to_string(spi)
                                    + " is reserved (RFC 4303 s2.1); use 256 or more");
    }
    m_nextSpi = spi;
}

void
IpsecHelper::SetVtiMtu(uint16_t mtu)
{
    m_vtiMtu = mtu;
}

void
IpsecHelper::SetStackAttribute(const std::string& name, const ns3::AttributeValue& value)
{
    m_stackFactory.Set(name, value);
}

void
IpsecHelper::SetCryptoEngine(const CryptoCostTable& table, const CryptoEngineSettings& settings)
{
    settings.Validate();
    ValidateCryptoCostTable(table, settings.tableName.empty() ? kCryptoCostTableInMemory
                                                              : settings.tableName);
    m_cryptoTable = std::make_shared<const CryptoCostTable>(table);
    m_cryptoSettings = settings;
}

std::optional<CryptoEngineSettings>
IpsecHelper::GetCryptoEngineSettings() const
{
    return m_cryptoSettings;
}

const CryptoCostTable*
IpsecHelper::GetCryptoCostTable() const
{
    return m_cryptoTable.get();
}

std::optional<CryptoEngineStatus>
IpsecHelper::GetCryptoEngineStatus(ns3::Ptr<ns3::Node> node)
{
    ns3::Ptr<IpsecStack> stack = GetStack(node);
    if (!stack || !stack->GetCryptoEngine())
    {
        return std::nullopt;
    }
    return stack->GetCryptoEngine()->GetStatus();
}

void
IpsecHelper::AttachCryptoEngine(ns3::Ptr<IpsecStack> stack) const
{
    if (!m_cryptoSettings || stack->GetCryptoEngine())
    {
        return;
    }
    auto engine = ns3::CreateObject<CryptoEngine>();
    engine->SetCostTable(*m_cryptoTable, m_cryptoSettings->tableName);
    engine->Configure(*m_cryptoSettings);
    stack->SetCryptoEngine(engine);
}

ns3::Ptr<IpsecStack>
IpsecHelper::Install(ns3::Ptr<ns3::Node> node) const
{
    ns3::Ptr<IpsecStack> stack = node->GetObject<IpsecStack>();
    if (stack)
    {
        AttachCryptoEngine(stack);
        return stack;
    }
    stack = m_stackFactory.Create<IpsecStack>();
    node->AggregateObject(stack);
    stack->Setup(node);
    AttachCryptoEngine(stack);
    return stack;
}

void
IpsecHelper::Install(const ns3::NodeContainer& nodes) const
{
    for (auto it = nodes.Begin(); it != nodes.End(); ++it)
    {
        Install(*it);
    }
}

ns3::Ptr<IpsecStack>
IpsecHelper::GetStack(ns3::Ptr<ns3::Node> node)
{
    return node->GetObject<IpsecStack>();
}

uint32_t
IpsecHelper::AddPolicy(ns3::Ptr<ns3::Node> node, const SecurityPolicy& policy) const
{
    return Install(node)->GetSpd()->Add(policy);
}

uint32_t
IpsecHelper::AllocateSpi()
{
    return m_nextSpi++;
}

SecurityAssociationConfig
IpsecHelper::MakeSaConfig(uint32_t spi, SaKeyDirection keyDirection, IpsecMode mode,
                          const SelectorPair& selectors, ns3::Ipv4Address tunnelLocal,
                          ns3::Ipv4Address tunnelRemote) const
{
    const SaKeys keys = DeriveSaKeys(m_seed, spi, keyDirection, m_suite);
    SecurityAssociationConfig config;
    config.mode = mode;
    config.esp.spi = spi;
    config.esp.suite = m_suite;
    config.esp.encryptionKey = keys.encryptionKey;
    config.esp.integrityKey = keys.integrityKey;
    config.esp.extendedSequenceNumbers = m_esn;
    config.esp.replayWindowSize = m_replayWindow;
    // Distinct per SA so two SAs never draw the same CBC IV sequence.
    config.esp.ivSeed = m_seed ^ (uint64_t{spi} << 32);
    config.selectors = selectors;
    config.tunnelLocal = tunnelLocal;
    config.tunnelRemote = tunnelRemote;
    config.lifetime = m_lifetime;
    return config;
}

void
IpsecHelper::Record(const SecurityAssociationConfig& outbound)
{
    m_records.push_back(EspSaFileEntry::FromConfig(outbound.esp, outbound.tunnelLocal.Get(),
                                                   outbound.tunnelRemote.Get()));
}

void
IpsecHelper::InstallSaPair(ns3::Ptr<ns3::Node> gatewayA, ns3::Ipv4Address addressA,
                           ns3::Ptr<ns3::Node> gatewayB, ns3::Ipv4Address addressB, IpsecMode mode,
                           const SelectorPair& selectorsA, IpsecSaPair& pair,
                           ns3::Ptr<ns3::NetDevice> vtiA, ns3::Ptr<ns3::NetDevice> vtiB)
{
    ns3::Ptr<IpsecStack> stackA = Install(gatewayA);
    ns3::Ptr<IpsecStack> stackB = Install(gatewayB);
    const SelectorPair selectorsB = selectorsA.Mirrored();

    pair.spiAToB = AllocateSpi();
    pair.spiBToA = AllocateSpi();

    // Gateway A initiates, so A -> B uses the initiator-to-responder keys on both ends.
    const SecurityAssociationConfig aOut = MakeSaConfig(
        pair.spiAToB, SaKeyDirection::InitiatorToResponder, mode, selectorsA, addressA, addressB);
    const SecurityAssociationConfig bIn = MakeSaConfig(
        pair.spiAToB, SaKeyDirection::InitiatorToResponder, mode, selectorsB, addressB, addressA);
    const SecurityAssociationConfig bOut = MakeSaConfig(
        pair.spiBToA, SaKeyDirection::ResponderToInitiator, mode, selectorsB, addressB, addressA);
    const SecurityAssociationConfig aIn = MakeSaConfig(
        pair.spiBToA, SaKeyDirection::ResponderToInitiator, mode, selectorsA, addressA, addressB);

    // Inbound halves first, so no packet is ever sealed for an SA its peer lacks.
    stackB->GetSad()->AddInbound(bIn, vtiB);
    stackA->GetSad()->AddInbound(aIn, vtiA);
    if (vtiA)
    {
        stackA->GetSad()->AddOutboundForDevice(aOut, vtiA);
        stackB->GetSad()->AddOutboundForDevice(bOut, vtiB);
    }
    else
    {
        stackA->GetSad()->AddOutboundForPolicy(aOut, pair.policyA);
        stackB->GetSad()->AddOutboundForPolicy(bOut, pair.policyB);
    }
    Record(aOut);
    Record(bOut);
}

IpsecSaPair
IpsecHelper::AddTunnelSaPair(ns3::Ptr<ns3::Node> gatewayA, ns3::Ipv4Address publicA,
                             ns3::Ptr<ns3::Node> gatewayB, ns3::Ipv4Address publicB,
                             const SelectorPair& selectorsA)
{
    IpsecSaPair pair;
    SecurityPolicy policy;
    policy.action = PolicyAction::Protect;
    policy.selectors = selectorsA;
    pair.policyA = AddPolicy(gatewayA, policy);
    policy.selectors = selectorsA.Mirrored();
    pair.policyB = AddPolicy(gatewayB, policy);
    InstallSaPair(gatewayA, publicA, gatewayB, publicB, IpsecMode::Tunnel, selectorsA, pair,
                  nullptr, nullptr);
    return pair;
}

IpsecSaPair
IpsecHelper::AddTransportSaPair(ns3::Ptr<ns3::Node> gatewayA, ns3::Ipv4Address addressA,
                                ns3::Ptr<ns3::Node> gatewayB, ns3::Ipv4Address addressB,
                                uint8_t protocol)
{
    const SelectorPair selectorsA{HostSelector(addressA, protocol),
                                  HostSelector(addressB, protocol)};
    IpsecSaPair pair;
    SecurityPolicy policy;
    policy.action = PolicyAction::Protect;
    policy.selectors = selectorsA;
    pair.policyA = AddPolicy(gatewayA, policy);
    policy.selectors = selectorsA.Mirrored();
    pair.policyB = AddPolicy(gatewayB, policy);
    InstallSaPair(gatewayA, addressA, gatewayB, addressB, IpsecMode::Transport, selectorsA, pair,
                  nullptr, nullptr);
    return pair;
}

ns3::NetDeviceContainer
IpsecHelper::CreateVti(ns3::Ptr<ns3::Node> gatewayA, ns3::Ipv4Address publicA,
                       ns3::Ptr<ns3::Node> gatewayB, ns3::Ipv4Address publicB,
                       ns3::Ipv4Address network, ns3::Ipv4Mask mask)
{
    IpsecSaPair pair;
    return CreateVti(gatewayA, publicA, gatewayB, publicB, network, mask, pair);
}

ns3::NetDeviceContainer
IpsecHelper::CreateVti(ns3::Ptr<ns3::Node> gatewayA, ns3::Ipv4Address publicA,
                       ns3::Ptr<ns3::Node> gatewayB, ns3::Ipv4Address publicB,
                       ns3::Ipv4Address network, ns3::Ipv4Mask mask, IpsecSaPair& pair)
{
    const uint32_t base = network.CombineMask(mask).Get();
    if (mask.GetPrefixLength() > 30)
    {
        throw std::invalid_argument("a VTI subnet needs two host addresses; /"
                                    + std::to_string(mask.GetPrefixLength())
                                    + " has fewer, use /30 or shorter");
    }
    ns3::Ptr<ns3::NetDevice> vtiA = AddVtiDevice(gatewayA, ns3::Ipv4Address(base + 1), mask);
    ns3::Ptr<ns3::NetDevice> vtiB = AddVtiDevice(gatewayB, ns3::Ipv4Address(base + 2), mask);

    pair = IpsecSaPair{};
    InstallSaPair(gatewayA, publicA, gatewayB, publicB, IpsecMode::Tunnel,
                  SelectorPair{kAnySelector, kAnySelector}, pair, vtiA, vtiB);

    ns3::NetDeviceContainer devices;
    devices.Add(vtiA);
    devices.Add(vtiB);
    return devices;
}

ns3::Ptr<ns3::NetDevice>
IpsecHelper::AddVtiDevice(ns3::Ptr<ns3::Node> node, ns3::Ipv4Address address, ns3::Ipv4Mask mask)
{
    ns3::Ptr<IpsecStack> stack = Install(node);
    auto vti = ns3::CreateObject<ns3::VirtualNetDevice>();
    vti->SetAddress(ns3::Mac48Address::Allocate());
    vti->SetNeedsArp(false);
    vti->SetIsPointToPoint(true);
    vti->SetSupportsSendFrom(false);
    vti->SetMtu(m_vtiMtu != 0 ? m_vtiMtu : ComputeVtiMtu(m_suite));
    node->AddDevice(vti);
    stack->AddVti(vti);

    // A VTI needs an address of its own: static routing selects source addresses from the
    // output interface and aborts on an interface without one.
    auto ipv4 = node->GetObject<ns3::Ipv4L3Protocol>();
    const uint32_t interface = ipv4->AddInterface(vti);
    ipv4->AddAddress(interface, ns3::Ipv4InterfaceAddress(address, mask));
    ipv4->SetForwarding(interface, true);
    ipv4->SetUp(interface);
    return vti;
}

uint16_t
IpsecHelper::ComputeVtiMtu(const EspSuite& suite, uint32_t underlayMtu)
{
    // The overhead grows with padding, so search down from the largest candidate.
    for (uint32_t inner = underlayMtu; inner > 0; --inner)
    {
        if (kIpv4MinHeaderSize + inner + suite.Overhead(inner) <= underlayMtu)
        {
            return static_cast<uint16_t>(inner);
        }
    }
    return 0;
}

const std::vector<EspSaFileEntry>&
IpsecHelper::GetWiresharkSaEntries() const
{
    return m_records;
}

void
IpsecHelper::WriteWiresharkSaFile(const std::string& path) const
{
    WriteEspSaFile(path, m_records);
}

std::map<std::string, uint64_t>
IpsecHelper::GetDropCounts(ns3::Ptr<ns3::Node> node)
{
    std::map<std::string, uint64_t> counts;
    ns3::Ptr<IpsecStack> stack = GetStack(node);
    if (!stack)
    {
        return counts;
    }
    for (const auto& [reason, count] : stack->GetDropCounts())
    {
        counts[std::string(ToString(reason))] = count;
    }
    return counts;
}

} // namespace tunnelsim
