/*
 * The receive error model of every WAN link device and of a restarting gateway's LAN
 * devices: it drops a packet when the link is down, and otherwise with the link's loss rate.
 * Each drop is counted by cause so the results can report it.
 *
 * Limitations:
 * - A down link drops every packet that arrives, but the interfaces at both ends stay up:
 *   the failure is beyond carrier detection (in the provider's access network), so only
 *   protocol timers (OSPF dead interval, GRE keepalives, IKE dead peer detection) see it.
 * - Losses are independent per packet (no bursts).
 */
#ifndef TUNNELSIM_SIM_TOPOLOGY_LINK_H
#define TUNNELSIM_SIM_TOPOLOGY_LINK_H

#include "ns3/error-model.h"
#include "ns3/random-variable-stream.h"

#include <cstdint>

namespace tunnelsim
{

class LinkErrorModel : public ns3::ErrorModel
{
  public:
    static ns3::TypeId GetTypeId();

    LinkErrorModel();

    /// Fraction of packets lost at random while the link is up, 0 to 1.
    void SetLossRate(double rate);
    /// A down link drops every packet.
    void SetDown(bool down);
    bool IsDown() const { return m_down; }

    /// Use @p stream for the loss decisions; returns the number of streams used (1).
    int64_t AssignStreams(int64_t stream);

    /// Packets dropped at random (loss rate) and while down.
    uint64_t GetLossDrops() const { return m_lossDrops; }
    uint64_t GetDownDrops() const { return m_downDrops; }

  private:
    bool DoCorrupt(ns3::Ptr<ns3::Packet> packet) override;
    void DoReset() override;

    double m_lossRate = 0;
    bool m_down = false;
    ns3::Ptr<ns3::UniformRandomVariable> m_random;
    uint64_t m_lossDrops = 0;
    uint64_t m_downDrops = 0;
};

} // namespace tunnelsim

#endif
