/*
 * The finite crypto capacity of one gateway: a multi-server FIFO queue in front of ESP
 * sealing and opening. Each packet occupies one of Units parallel units for
 * (fixed + per byte x input bytes) x Scale, with the fixed and per-byte costs of its suite
 * and direction from a measured cost table (models/codec/crypto-cost-table.h). While every
 * unit is busy, packets wait in a FIFO of QueueSize packets. A packet that finds it full is
 * rejected, and IpsecStack drops it with the reason crypto-queue-full. The real seal or
 * open runs when the packet's service ends, and the packet is sent or delivered then.
 *
 * IpsecStack uses an engine only when one is set (IpsecStack::SetCryptoEngine,
 * IpsecHelper::SetCryptoEngine); without one, sealing and opening take no simulated time.
 * docs/crypto-cost-model.md describes the model and how the shipped table was measured.
 *
 * Limitations:
 * - One queue per gateway, shared by seal and open and by every SA: no per-core affinity,
 *   no per-SA or per-flow queues, no priority for control traffic.
 * - Only ESP costs time. IKE, the SPD lookup, GRE and forwarding take none.
 * - The costs are those of this codec on the machine that measured the table, scaled by
 *   one factor; they do not describe a hardware crypto accelerator.
 * - A queued packet keeps the SA it was admitted with, even if the SA expires or is
 *   replaced while it waits. Sequence numbers and the replay window follow the order in
 *   which services end.
 * - Changing Units or QueueSize after packets have arrived applies to later arrivals only.
 */
#ifndef TUNNELSIM_IPSEC_CRYPTO_ENGINE_H
#define TUNNELSIM_IPSEC_CRYPTO_ENGINE_H

#include "crypto-cost-table.h"
#include "esp-suite.h"
#include "ns3/event-id.h"
#include "ns3/nstime.h"
#include "ns3/object.h"
#include "ns3/traced-value.h"

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <utility>

namespace tunnelsim
{

/// Parallel units of an engine unless configured: one core doing ESP.
constexpr uint32_t kDefaultCryptoUnits = 1;
/// Upper bound of the Units attribute; a sanity limit, not a hardware figure.
constexpr uint32_t kMaxCryptoUnits = 1024;
/**
 * Packets that may wait for a unit unless configured: the default of Linux's per-CPU input
 * backlog, net.core.netdev_max_backlog (1000 on the Linux 6.18 kernel this was written
 * on). It is a modelling choice, not a measurement of any gateway.
 */
constexpr uint32_t kDefaultCryptoQueuePackets = 1000;
/// Upper bound of the QueueSize attribute, packets.
constexpr uint32_t kMaxCryptoQueuePackets = 1000000;
/// Scale factor unless configured: the speed of the machine that measured the table.
constexpr double kDefaultCryptoScale = 1.0;

/** The suite-independent settings of an engine. */
struct CryptoEngineSettings
{
    uint32_t units = kDefaultCryptoUnits;
    uint32_t queuePackets = kDefaultCryptoQueuePackets;
    /// Multiplies every cost; 2.0 models a gateway half as fast as the measuring machine.
    double scale = kDefaultCryptoScale;
    /// Origin of the cost table (a path or a name), for results and logs.
    std::string tableName;

    /// Throws std::invalid_argument naming the setting that is out of range.
    void Validate() const;
};

/** An engine's configuration and counters, for results. */
struct CryptoEngineStatus
{
    CryptoEngineSettings settings;
    uint64_t processed = 0;      ///< packets whose service ended
    uint64_t queueDrops = 0;     ///< packets rejected because the queue was full
    uint32_t maxQueueLength = 0; ///< most packets that waited at once
    ns3::Time busyTime;          ///< unit-time spent serving, summed over units
    ns3::Time elapsed;           ///< simulated time since the engine was created
    /// busyTime / (units x elapsed), 0..1; 0 before any time has passed.
    double utilisation = 0;
};

class CryptoEngine : public ns3::Object
{
  public:
    /// The work to run when a packet's service ends (the real seal or open, then sending).
    using Job = std::function<void()>;

    static ns3::TypeId GetTypeId();

    CryptoEngine();
    ~CryptoEngine() override;

    /**
     * Use the costs of @p table, which must pass ValidateCryptoCostTable (throws
     * CryptoCostTableError otherwise). @p name (a path or a name) is reported in the status.
     */
    void SetCostTable(const CryptoCostTable& table, const std::string& name);
    const CryptoCostTable& GetCostTable() const;
    const std::string& GetCostTableName() const;

    /**
     * Apply @p settings to the Units, QueueSize and Scale attributes and record the table
     * name. Throws std::invalid_argument when a setting is out of range.
     */
    void Configure(const CryptoEngineSettings& settings);
    CryptoEngineSettings GetSettings() const;

    /**
     * The cost of @p suite in @p direction, multiplied by the scale factor. Throws
     * std::invalid_argument when the table has no entry for the suite (the encryption-only
     * suites, which no scenario can configure).
     */
    CryptoCostFit GetScaledCost(const EspSuite& suite, CryptoDirection direction) const;
    /// Service time of one packet with @p bytes input bytes, rounded to whole nanoseconds.
    ns3::Time GetServiceTime(const EspSuite& suite, CryptoDirection direction, size_t bytes) const;

    /**
     * Start serving a packet now if a unit is free, queue it if not, and run @p job when its
     * service ends. Returns false, without running @p job, when every unit is busy and the
     * queue contains QueueSize packets; the caller drops the packet (crypto-queue-full). Throws
     * like GetScaledCost for a suite without costs.
     */
    bool Submit(const EspSuite& suite, CryptoDirection direction, size_t bytes, Job job);

    uint32_t GetUnits() const;
    uint32_t GetQueueSize() const;
    double GetScale() const;

    uint32_t GetBusyUnits() const;
    uint32_t GetQueueLength() const;
    uint64_t GetProcessedCount() const;
    uint64_t GetQueueDropCount() const;
    /// Unit-time spent serving so far, including the elapsed part of services in progress.
    ns3::Time GetBusyTime() const;
    /// GetBusyTime() / (units x time since the engine was created); 0 at its creation time.
    double GetUtilisation() const;
    CryptoEngineStatus GetStatus() const;

  protected:
    void DoDispose() override;

  private:
    struct Service
    {
        ns3::EventId event;
        ns3::Time end;
        Job job;
    };

    struct Waiting
    {
        ns3::Time serviceTime;
        Job job;
    };

    void StartService(ns3::Time serviceTime, Job job);
    void EndService(uint64_t serviceId);

    uint32_t m_units = kDefaultCryptoUnits;
    uint32_t m_queueSize = kDefaultCryptoQueuePackets;
    double m_scale = kDefaultCryptoScale;

    CryptoCostTable m_table;
    std::string m_tableName;
    /// Costs by (cipher, integrity), so a packet needs no suite name lookup.
    std::map<std::pair<EspCipher, EspIntegrity>, SuiteCryptoCost> m_costs;

    std::map<uint64_t, Service> m_inService;
    uint64_t m_nextServiceId = 0;
    std::deque<Waiting> m_waiting;

    ns3::Time m_created;
    /// Service time of every service started so far, ended or not.
    ns3::Time m_startedServiceTime;
    uint64_t m_processed = 0;
    uint64_t m_queueDrops = 0;
    uint32_t m_maxQueueLength = 0;
    ns3::TracedValue<uint32_t> m_queueLength;
};

} // namespace tunnelsim

#endif
