#include "crypto-engine.h"

#include "ns3/double.h"
#include "ns3/log.h"
#include "ns3/simulator.h"
#include "ns3/uinteger.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace tunnelsim
{

NS_LOG_COMPONENT_DEFINE("CryptoEngine");
NS_OBJECT_ENSURE_REGISTERED(CryptoEngine);

void
CryptoEngineSettings::Validate() const
{
    if (units < 1 || units > kMaxCryptoUnits)
    {
        throw std::invalid_argument("crypto engine units must be within 1.."
                                    + std::to_string(kMaxCryptoUnits) + ", got "
                                    + std::to_string(units));
    }
    if (queuePackets > kMaxCryptoQueuePackets)
    {
        throw std::invalid_argument("crypto engine queue size must be at most "
                                    + std::to_string(kMaxCryptoQueuePackets) + " packets, got "
                                    + std::to_string(queuePackets));
    }
    if (!std::isfinite(scale) || scale <= 0)
    {
        throw std::invalid_argument("crypto engine scale factor must be a positive finite "
                                    "number (2.0 = twice as slow as the measuring machine), got "
                                    + std::to_string(scale));
    }
}

ns3::TypeId
CryptoEngine::GetTypeId()
{
    static ns3::TypeId tid
        = ns3::TypeId("tunnelsim::CryptoEngine")
              .SetParent<ns3::Object>()
              .SetGroupName("Ipsec")
              .AddConstructor<CryptoEngine>()
              .AddAttribute("Units",
                            "Packets the engine seals or opens in parallel (cores or "
                            "accelerator channels).",
                            ns3::UintegerValue(kDefaultCryptoUnits),
                            ns3::MakeUintegerAccessor(&CryptoEngine::m_units),
                            ns3::MakeUintegerChecker<uint32_t>(1, kMaxCryptoUnits))
              .AddAttribute("QueueSize",
                            "Packets that may wait while every unit is busy; a packet that "
                            "finds the queue full is dropped (crypto-queue-full).",
                            ns3::UintegerValue(kDefaultCryptoQueuePackets),
                            ns3::MakeUintegerAccessor(&CryptoEngine::m_queueSize),
                            ns3::MakeUintegerChecker<uint32_t>(0, kMaxCryptoQueuePackets))
              .AddAttribute("Scale",
                            "Factor applied to every cost of the table, greater than 0; 2.0 "
                            "models a gateway twice as slow as the machine that measured it.",
                            ns3::DoubleValue(kDefaultCryptoScale),
                            ns3::MakeDoubleAccessor(&CryptoEngine::m_scale),
                            // The smallest positive double: the checker's minimum is
                            // inclusive, and the scale must be greater than 0.
                            ns3::MakeDoubleChecker<double>(std::numeric_limits<double>::min()))
              .AddTraceSource("QueueLength", "Packets waiting for a unit.",
                              ns3::MakeTraceSourceAccessor(&CryptoEngine::m_queueLength),
                              "ns3::TracedValueCallback::Uint32");
    return tid;
}

CryptoEngine::CryptoEngine()
  : m_created(ns3::Simulator::Now())
{
}

CryptoEngine::~CryptoEngine() = default;

void
CryptoEngine::DoDispose()
{
    // Cancel here, not in the destructor: cancelling after Simulator::Destroy would
    // create a new simulator. Dropping the jobs releases the packets and SAs they hold.
    for (auto& [id, service] : m_inService)
    {
        service.event.Cancel();
    }
    m_inService.clear();
    m_waiting.clear();
    ns3::Object::DoDispose();
}

void
CryptoEngine::SetCostTable(const CryptoCostTable& table, const std::string& name)
{
    ValidateCryptoCostTable(table, name.empty() ? kCryptoCostTableInMemory : name);
    std::map<std::pair<EspCipher, EspIntegrity>, SuiteCryptoCost> costs;
    for (const EspSuite& suite : AllEspSuites())
    {
        costs[{suite.cipher, suite.integrity}] = table.Get(suite);
    }
    m_table = table;
    m_tableName = name;
    m_costs = std::move(costs);
}

const CryptoCostTable&
CryptoEngine::GetCostTable() const
{
    return m_table;
}

const std::string&
CryptoEngine::GetCostTableName() const
{
    return m_tableName;
}

void
CryptoEngine::Configure(const CryptoEngineSettings& settings)
{
    settings.Validate();
    SetAttribute("Units", ns3::UintegerValue(settings.units));
    SetAttribute("QueueSize", ns3::UintegerValue(settings.queuePackets));
    SetAttribute("Scale", ns3::DoubleValue(settings.scale));
    if (!settings.tableName.empty())
    {
        m_tableName = settings.tableName;
    }
}

CryptoEngineSettings
CryptoEngine::GetSettings() const
{
    CryptoEngineSettings settings;
    settings.units = m_units;
    settings.queuePackets = m_queueSize;
    settings.scale = m_scale;
    settings.tableName = m_tableName;
    return settings;
}

CryptoCostFit
CryptoEngine::GetScaledCost(const EspSuite& suite, CryptoDirection direction) const
{
    auto it = m_costs.find({suite.cipher, suite.integrity});
    if (it == m_costs.end())
    {
        throw std::invalid_argument(
            "the crypto engine has no cost for suite " + suite.Name()
            + (m_costs.empty() ? ": no cost table is set (CryptoEngine::SetCostTable)"
                               : ": cost tables cover the suites of AllEspSuites() only"));
    }
    CryptoCostFit cost = it->second.Get(direction);
    cost.fixedNs *= m_scale;
    cost.perByteNs *= m_scale;
    return cost;
}

ns3::Time
CryptoEngine::GetServiceTime(const EspSuite& suite, CryptoDirection direction, size_t bytes) const
{
    const double nanoseconds = GetScaledCost(suite, direction).NanosecondsFor(bytes);
    return ns3::NanoSeconds(std::llround(nanoseconds));
}

bool
CryptoEngine::Submit(const EspSuite& suite, CryptoDirection direction, size_t bytes, Job job)
{
    const ns3::Time serviceTime = GetServiceTime(suite, direction, bytes);
    if (m_inService.size() < m_units)
    {
        StartService(serviceTime, std::move(job));
        return true;
    }
    if (m_waiting.size() >= m_queueSize)
    {
        ++m_queueDrops;
        NS_LOG_LOGIC("queue full (" << m_waiting.size() << " packets), " << ToString(direction)
                                    << " of " << bytes << " bytes rejected");
        return false;
    }
    m_waiting.push_back(Waiting{serviceTime, std::move(job)});
    m_queueLength = static_cast<uint32_t>(m_waiting.size());
    m_maxQueueLength = std::max<uint32_t>(m_maxQueueLength, m_queueLength);
    return true;
}

void
CryptoEngine::StartService(ns3::Time serviceTime, Job job)
{
    const uint64_t id = m_nextServiceId++;
    Service& service = m_inService[id];
    service.end = ns3::Simulator::Now() + serviceTime;
    service.job = std::move(job);
    service.event = ns3::Simulator::Schedule(serviceTime, &CryptoEngine::EndService, this, id);
    m_startedServiceTime += serviceTime;
}

void
CryptoEngine::EndService(uint64_t serviceId)
{
    auto it = m_inService.find(serviceId);
    if (it == m_inService.end())
    {
        return;
    }
    Job job = std::move(it->second.job);
    m_inService.erase(it);
    ++m_processed;

    // The freed unit takes the next waiting packet before the job runs, because the job
    // may submit again (a packet opened here and sealed towards another peer).
    if (!m_waiting.empty())
    {
        Waiting next = std::move(m_waiting.front());
        m_waiting.pop_front();
        m_queueLength = static_cast<uint32_t>(m_waiting.size());
        StartService(next.serviceTime, std::move(next.job));
    }
    job();
}

uint32_t
CryptoEngine::GetUnits() const
{
    return m_units;
}

uint32_t
CryptoEngine::GetQueueSize() const
{
    return m_queueSize;
}

double
CryptoEngine::GetScale() const
{
    return m_scale;
}

uint32_t
CryptoEngine::GetBusyUnits() const
{
    return static_cast<uint32_t>(m_inService.size());
}

uint32_t
CryptoEngine::GetQueueLength() const
{
    return static_cast<uint32_t>(m_waiting.size());
}

uint64_t
CryptoEngine::GetProcessedCount() const
{
    return m_processed;
}

uint64_t
CryptoEngine::GetQueueDropCount() const
{
    return m_queueDrops;
}

ns3::Time
CryptoEngine::GetBusyTime() const
{
    // Every started service counts in full, minus what remains of those still running.
    ns3::Time busy = m_startedServiceTime;
    const ns3::Time now = ns3::Simulator::Now();
    for (const auto& [id, service] : m_inService)
    {
        busy -= service.end - now;
    }
    return busy;
}

double
CryptoEngine::GetUtilisation() const
{
    const ns3::Time elapsed = ns3::Simulator::Now() - m_created;
    if (!elapsed.IsStrictlyPositive())
    {
        return 0;
    }
    return GetBusyTime().GetSeconds() / (m_units * elapsed.GetSeconds());
}

CryptoEngineStatus
CryptoEngine::GetStatus() const
{
    CryptoEngineStatus status;
    status.settings = GetSettings();
    status.processed = m_processed;
    status.queueDrops = m_queueDrops;
    status.maxQueueLength = m_maxQueueLength;
    status.busyTime = GetBusyTime();
    status.elapsed = ns3::Simulator::Now() - m_created;
    status.utilisation = GetUtilisation();
    return status;
}

} // namespace tunnelsim
