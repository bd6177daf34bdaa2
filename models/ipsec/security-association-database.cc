#include "security-association-database.h"

#include "ns3/log.h"
#include "ns3/simulator.h"

#include <algorithm>
#include <stdexcept>

namespace tunnelsim
{

NS_LOG_COMPONENT_DEFINE("SecurityAssociationDatabase");
NS_OBJECT_ENSURE_REGISTERED(SecurityAssociationDatabase);

ns3::TypeId
SecurityAssociationDatabase::GetTypeId()
{
    static ns3::TypeId tid
        = ns3::TypeId("tunnelsim::SecurityAssociationDatabase")
              .SetParent<ns3::Object>()
              .SetGroupName("Ipsec")
              .AddConstructor<SecurityAssociationDatabase>()
              .AddTraceSource(
                  "SoftExpired",
                  "An SA reached its soft lifetime (bytes or time) and should be "
                  "rekeyed.",
                  ns3::MakeTraceSourceAccessor(&SecurityAssociationDatabase::m_softExpiredTrace),
                  "tunnelsim::SecurityAssociationDatabase::SaTracedCallback")
              .AddTraceSource(
                  "HardExpired", "An SA reached its hard lifetime and was removed.",
                  ns3::MakeTraceSourceAccessor(&SecurityAssociationDatabase::m_hardExpiredTrace),
                  "tunnelsim::SecurityAssociationDatabase::SaTracedCallback");
    return tid;
}

SecurityAssociationDatabase::SecurityAssociationDatabase() = default;
SecurityAssociationDatabase::~SecurityAssociationDatabase() = default;

void
SecurityAssociationDatabase::DoDispose()
{
    for (const ns3::Ptr<SecurityAssociation>& sa : GetAll())
    {
        sa->m_softEvent.Cancel();
        sa->m_hardEvent.Cancel();
        sa->m_boundDevice = nullptr;
    }
    m_inbound.clear();
    m_inboundOrder.clear();
    m_outbound.clear();
    m_outboundByPolicy.clear();
    m_outboundByDevice.clear();
    ns3::Object::DoDispose();
}

ns3::Ptr<SecurityAssociation>
SecurityAssociationDatabase::Install(const SecurityAssociationConfig& config, SaDirection direction)
{
    if (config.esp.spi == 0)
    {
        throw std::invalid_argument("SPI 0 is reserved (RFC 4303 s2.1)");
    }
    SecurityAssociationConfig copy = config;
    copy.direction = direction;
    auto sa = ns3::Create<SecurityAssociation>(copy);
    sa->m_installTime = ns3::Simulator::Now();
    return sa;
}

ns3::Ptr<SecurityAssociation>
SecurityAssociationDatabase::AddInbound(const SecurityAssociationConfig& config,
                                        ns3::Ptr<ns3::NetDevice> boundDevice)
{
    if (m_inbound.count(config.esp.spi) != 0)
    {
        throw std::invalid_argument("an inbound SA with SPI " + std::to_string(config.esp.spi)
                                    + " is already installed");
    }
    ns3::Ptr<SecurityAssociation> sa = Install(config, SaDirection::Inbound);
    sa->m_boundDevice = boundDevice;
    m_inbound[sa->GetSpi()] = sa;
    m_inboundOrder.push_back(sa);
    ScheduleLifetime(sa);
    NS_LOG_LOGIC("inbound SA spi=" << sa->GetSpi() << " mode=" << ToString(sa->GetMode()));
    return sa;
}

ns3::Ptr<SecurityAssociation>
SecurityAssociationDatabase::AddOutboundForPolicy(const SecurityAssociationConfig& config,
                                                  uint32_t policyId)
{
    ns3::Ptr<SecurityAssociation> sa = Install(config, SaDirection::Outbound);
    sa->m_policyId = policyId;
    m_outbound.push_back(sa);
    m_outboundByPolicy[policyId] = sa;
    ScheduleLifetime(sa);
    NS_LOG_LOGIC("outbound SA spi=" << sa->GetSpi() << " for SPD entry " << policyId);
    return sa;
}

ns3::Ptr<SecurityAssociation>
SecurityAssociationDatabase::AddOutboundForDevice(const SecurityAssociationConfig& config,
                                                  ns3::Ptr<ns3::NetDevice> device)
{
    ns3::Ptr<SecurityAssociation> sa = Install(config, SaDirection::Outbound);
    sa->m_boundDevice = device;
    m_outbound.push_back(sa);
    m_outboundByDevice[ns3::PeekPointer(device)] = sa;
    ScheduleLifetime(sa);
    NS_LOG_LOGIC("outbound SA spi=" << sa->GetSpi() << " for device " << device->GetIfIndex());
    return sa;
}

ns3::Ptr<SecurityAssociation>
SecurityAssociationDatabase::FindInbound(uint32_t spi) const
{
    auto it = m_inbound.find(spi);
    return it == m_inbound.end() ? nullptr : it->second;
}

ns3::Ptr<SecurityAssociation>
SecurityAssociationDatabase::FindOutboundForPolicy(uint32_t policyId) const
{
    auto it = m_outboundByPolicy.find(policyId);
    return it == m_outboundByPolicy.end() ? nullptr : it->second;
}

ns3::Ptr<SecurityAssociation>
SecurityAssociationDatabase::FindOutboundForDevice(ns3::Ptr<const ns3::NetDevice> device) const
{
    auto it = m_outboundByDevice.find(ns3::PeekPointer(device));
    return it == m_outboundByDevice.end() ? nullptr : it->second;
}

bool
SecurityAssociationDatabase::Remove(ns3::Ptr<SecurityAssociation> sa)
{
    bool removed = false;
    if (sa->GetDirection() == SaDirection::Inbound)
    {
        auto it = m_inbound.find(sa->GetSpi());
        if (it != m_inbound.end() && it->second == sa)
        {
            m_inbound.erase(it);
            m_inboundOrder.erase(std::find(m_inboundOrder.begin(), m_inboundOrder.end(), sa));
            removed = true;
        }
    }
    else
    {
        auto it = std::find(m_outbound.begin(), m_outbound.end(), sa);
        if (it != m_outbound.end())
        {
            m_outbound.erase(it);
            removed = true;
        }
        auto byPolicy = m_outboundByPolicy.find(sa->m_policyId);
        if (byPolicy != m_outboundByPolicy.end() && byPolicy->second == sa)
        {
            m_outboundByPolicy.erase(byPolicy);
        }
        auto byDevice = m_outboundByDevice.find(ns3::PeekPointer(sa->m_boundDevice));
        if (byDevice != m_outboundByDevice.end() && byDevice->second == sa)
        {
            m_outboundByDevice.erase(byDevice);
        }
    }
    if (removed)
    {
        sa->m_softEvent.Cancel();
        sa->m_hardEvent.Cancel();
    }
    return removed;
}

std::vector<ns3::Ptr<SecurityAssociation>>
SecurityAssociationDatabase::GetAll() const
{
    std::vector<ns3::Ptr<SecurityAssociation>> all(m_inboundOrder);
    all.insert(all.end(), m_outbound.begin(), m_outbound.end());
    return all;
}

size_t
SecurityAssociationDatabase::GetNInbound() const
{
    return m_inbound.size();
}

size_t
SecurityAssociationDatabase::GetNOutbound() const
{
    return m_outbound.size();
}

uint64_t
SecurityAssociationDatabase::GetHardExpiredCount() const
{
    return m_hardExpired;
}

void
SecurityAssociationDatabase::ScheduleLifetime(ns3::Ptr<SecurityAssociation> sa)
{
    const SaLifetime& lifetime = sa->GetConfig().lifetime;
    if (lifetime.softTime.IsStrictlyPositive())
    {
        sa->m_softEvent = ns3::Simulator::Schedule(
            lifetime.softTime, &SecurityAssociationDatabase::SoftExpire, this, sa);
    }
    if (lifetime.hardTime.IsStrictlyPositive())
    {
        sa->m_hardEvent = ns3::Simulator::Schedule(
            lifetime.hardTime, &SecurityAssociationDatabase::HardExpire, this, sa);
    }
}

void
SecurityAssociationDatabase::SoftExpire(ns3::Ptr<SecurityAssociation> sa)
{
    if (sa->m_softExpired)
    {
        return;
    }
    sa->m_softExpired = true;
    NS_LOG_INFO("SA spi=" << sa->GetSpi() << " reached its soft lifetime");
    m_softExpiredTrace(sa);
}

void
SecurityAssociationDatabase::HardExpire(ns3::Ptr<SecurityAssociation> sa)
{
    if (!Remove(sa))
    {
        return;
    }
    ++m_hardExpired;
    NS_LOG_INFO("SA spi=" << sa->GetSpi() << " reached its hard lifetime and was removed");
    m_hardExpiredTrace(sa);
}

bool
SecurityAssociationDatabase::ChargeBytes(ns3::Ptr<SecurityAssociation> sa, uint64_t bytes)
{
    const SaLifetime& lifetime = sa->GetConfig().lifetime;
    const uint64_t total = sa->m_counters.bytes + bytes;
    if (lifetime.hardBytes != 0 && total > lifetime.hardBytes)
    {
        HardExpire(sa);
        return false;
    }
    if (lifetime.softBytes != 0 && total >= lifetime.softBytes)
    {
        SoftExpire(sa);
    }
    return true;
}

void
SecurityAssociationDatabase::CountPacket(ns3::Ptr<SecurityAssociation> sa, uint64_t bytes)
{
    ++sa->m_counters.packets;
    sa->m_counters.bytes += bytes;
}

void
SecurityAssociationDatabase::CountDrop(ns3::Ptr<SecurityAssociation> sa, IpsecDropReason reason)
{
    ++sa->m_counters.drops[reason];
}

} // namespace tunnelsim
