/*
 * GRE as an IPv4 upper-layer protocol (IP protocol 47, RFC 2784): one instance per node,
 * aggregated to the node next to the IPv4 stack. It decodes every received GRE packet
 * with the codec and hands it to the GreTunnelNetDevice whose (source, destination, key)
 * match. A packet that no tunnel matches, or that does not decode, is dropped with a typed
 * reason, counted and traced.
 *
 * It also watches the IPv4 stack's "UnicastForward" trace, which fires before ns-3
 * fragments a packet, so that tunnel devices can send ICMP fragmentation needed for DF
 * packets larger than their MTU. ns-3.37 fragments DF packets without checking the flag
 * (Ipv4L3Protocol::SendRealOut).
 *
 * Limitations:
 * - IPv4 only: the IPv6 receive path rejects every packet.
 * - ICMP errors about sent GRE packets are ignored.
 */
#ifndef TUNNELSIM_GRE_L4_PROTOCOL_H
#define TUNNELSIM_GRE_L4_PROTOCOL_H

#include "bytes.h"
#include "gre-drop-reason.h"
#include "ns3/ip-l4-protocol.h"
#include "ns3/ipv4-address.h"
#include "ns3/traced-callback.h"

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace ns3
{
class Ipv4;
class Node;
class Packet;
} // namespace ns3

namespace tunnelsim
{

class GreTunnelNetDevice;

class GreL4Protocol : public ns3::IpL4Protocol
{
  public:
    /// IP protocol number of GRE (IANA, RFC 2784 s3).
    static constexpr uint8_t PROT_NUMBER = 47;

    static ns3::TypeId GetTypeId();

    GreL4Protocol();
    ~GreL4Protocol() override;

    /// Register @p tunnel for demultiplexing. It must be a device of this protocol's node.
    void AddTunnel(ns3::Ptr<GreTunnelNetDevice> tunnel);
    /// The tunnel that owns packets from @p outerSource to @p outerDestination with @p key.
    ns3::Ptr<GreTunnelNetDevice> FindTunnel(ns3::Ipv4Address outerSource,
                                            ns3::Ipv4Address outerDestination,
                                            std::optional<uint32_t> key) const;
    uint32_t GetNTunnels() const;

    /// Send the GRE packet @p packet through the IPv4 stack (Ipv4::Send, protocol 47).
    void Send(ns3::Ptr<ns3::Packet> packet, ns3::Ipv4Address source, ns3::Ipv4Address destination);

    uint64_t GetDropCount(GreDropReason reason) const;

    int GetProtocolNumber() const override;
    RxStatus Receive(ns3::Ptr<ns3::Packet> packet, const ns3::Ipv4Header& header,
                     ns3::Ptr<ns3::Ipv4Interface> incomingInterface) override;
    RxStatus Receive(ns3::Ptr<ns3::Packet> packet, const ns3::Ipv6Header& header,
                     ns3::Ptr<ns3::Ipv6Interface> incomingInterface) override;
    void SetDownTarget(ns3::IpL4Protocol::DownTargetCallback callback) override;
    void SetDownTarget6(ns3::IpL4Protocol::DownTargetCallback6 callback) override;
    ns3::IpL4Protocol::DownTargetCallback GetDownTarget() const override;
    ns3::IpL4Protocol::DownTargetCallback6 GetDownTarget6() const override;

    /// Signature of the "Drop" trace.
    typedef void (*DropTracedCallback)(ns3::Ptr<const ns3::Packet> packet, GreDropReason reason);

  protected:
    void NotifyNewAggregate() override;
    void DoDispose() override;

  private:
    /// "UnicastForward" trace sink of the node's Ipv4L3Protocol.
    void HandleUnicastForward(const ns3::Ipv4Header& header, ns3::Ptr<const ns3::Packet> packet,
                              uint32_t interface);
    void Drop(ns3::Ptr<const ns3::Packet> packet, GreDropReason reason);

    ns3::Ptr<ns3::Node> m_node;
    ns3::Ptr<ns3::Ipv4> m_ipv4;
    std::vector<ns3::Ptr<GreTunnelNetDevice>> m_tunnels;
    ns3::IpL4Protocol::DownTargetCallback m_downTarget;
    ns3::IpL4Protocol::DownTargetCallback6 m_downTarget6;
    /// Scratch buffer for the bytes of one received packet.
    Bytes m_scratch;
    std::array<uint64_t, kGreDropReasonCount> m_drops{};
    ns3::TracedCallback<ns3::Ptr<const ns3::Packet>, GreDropReason> m_dropTrace;
};

} // namespace tunnelsim

#endif
