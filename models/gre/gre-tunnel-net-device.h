/*
 * GRE tunnel interface (RFC 2784, with the key and sequence number of RFC 2890): a
 * point-to-point VirtualNetDevice that owns an IPv4 address. Packets the IPv4 stack routes
 * into it are encapsulated and sent with Ipv4::Send (protocol 47) from the tunnel source to
 * the tunnel destination, so IPsec interception and routing see them like any other locally
 * generated packet. GreL4Protocol hands received GRE packets back to the matching device,
 * which strips GRE and delivers the inner packet to the IPv4 stack through this interface.
 *
 * Beyond encapsulation the device implements:
 * - the receive-side order check of RFC 2890 s2.2 when sequencing is on;
 * - RFC 1191 s4 "fragmentation needed" errors for DF packets larger than the tunnel MTU
 *   (packets without DF are fragmented by the IPv4 stack before they reach the device,
 *   because the device's MTU is the tunnel MTU);
 * - TCP MSS clamping on SYNs in both directions;
 * - Cisco-style keepalives that take the IPv4 interface down and up;
 * - recursive-routing detection: the tunnel goes down instead of looping.
 *
 * When an interface goes down, ns-3's Ipv4StaticRouting deletes every route through it
 * (Ipv4StaticRouting::NotifyInterfaceDown in ns-3.37). The device saves those routes before
 * it takes the interface down and adds them back when it brings it up.
 *
 * Limitations:
 * - IPv4 inner and outer packets only. Other protocol types are dropped.
 * - Out-of-order packets are dropped, never buffered (RFC 2890 s2.2 allows either).
 * - The outer TOS is 0 and the outer TTL is the node's default: the inner values are not
 *   copied.
 * - No path MTU discovery on the outer path: ICMP errors about GRE packets are ignored and
 *   the tunnel MTU stays as configured.
 * - A DF packet the node itself sends with a full header (SendWithHeader, raw sockets) and
 *   that exceeds the tunnel MTU is dropped without an ICMP error. ns-3 fragments it before
 *   it reaches the device, and only forwarded packets are checked before fragmentation.
 * - MSS clamping replaces the ns-3 header metadata of the IPv4 and TCP headers with an
 *   EncodedHeader. With Packet::EnableChecking, a later RemoveHeader may then fail ns-3's
 *   metadata check (not tested).
 */
#ifndef TUNNELSIM_GRE_TUNNEL_NET_DEVICE_H
#define TUNNELSIM_GRE_TUNNEL_NET_DEVICE_H

#include "gre-drop-reason.h"
#include "gre-header.h"
#include "gre-tunnel-mtu.h"
#include "ipv4-header.h"
#include "ns3/event-id.h"
#include "ns3/ipv4-address.h"
#include "ns3/ipv4-header.h"
#include "ns3/nstime.h"
#include "ns3/traced-callback.h"
#include "ns3/virtual-net-device.h"

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace ns3
{
class Ipv4;
class Packet;
} // namespace ns3

namespace tunnelsim
{

class GreL4Protocol;

/// GRE protocol type of a Cisco keepalive reply: the inner GRE header carries 0 and no
/// payload.
constexpr uint16_t kGreProtocolKeepalive = 0x0000;
/// Default of the KeepaliveRetries attribute: 3, the default of HPE Comware's "keepalive".
constexpr uint32_t kDefaultKeepaliveRetries = 3;

/** Counters of one tunnel device. Drops are counted separately (GetDropCount). */
struct GreTunnelStatistics
{
    uint64_t encapsulated = 0;             ///< GRE packets sent, keepalives included
    uint64_t decapsulated = 0;             ///< inner packets handed to the IPv4 stack
    uint64_t keepalivesSent = 0;           ///< own keepalive requests
    uint64_t keepaliveRepliesReceived = 0; ///< own keepalives that came back
    uint64_t keepalivesReturned = 0;       ///< peer keepalives returned while down
    uint64_t mssClamped = 0;               ///< SYNs whose MSS option was lowered
    uint64_t fragNeededSent = 0;           ///< ICMP fragmentation-needed errors sent
    uint64_t downTransitions = 0;          ///< times the interface was taken down
    uint64_t upTransitions = 0;            ///< times it was brought back up
    uint64_t recursionEvents = 0;          ///< recursive routing detected
};

class GreTunnelNetDevice : public ns3::VirtualNetDevice
{
  public:
    static ns3::TypeId GetTypeId();

    GreTunnelNetDevice();
    ~GreTunnelNetDevice() override;

    void SetTunnelSource(ns3::Ipv4Address source);
    ns3::Ipv4Address GetTunnelSource() const;
    void SetTunnelDestination(ns3::Ipv4Address destination);
    ns3::Ipv4Address GetTunnelDestination() const;
    /// The key sent and required on receive (RFC 2890 s2.1), or nullopt for no key.
    std::optional<uint32_t> GetKey() const;
    /// GRE header bytes this tunnel sends: 4 plus 4 per option (RFC 2784 s2, RFC 2890 s2).
    size_t GetGreHeaderSize() const;
    /**
     * Set the MTU to what the encapsulation leaves of @p underlayMtu (ComputeGreTunnelMtu
     * with this tunnel's GRE header size and @p esp). Call it after the options are set.
     * Returns false, leaving the MTU unchanged, when less than the IPv4 minimum of 68
     * bytes would remain.
     */
    bool SetMtuFromUnderlay(uint16_t underlayMtu, std::optional<GreEspProtection> esp);

    /// True while neither keepalives nor recursive routing hold the interface down.
    bool IsTunnelUp() const;
    const GreTunnelStatistics& GetStatistics() const;
    uint64_t GetDropCount(GreDropReason reason) const;

    /// Set the node's GreL4Protocol, which the device sends through (GreL4Protocol::AddTunnel
    /// calls this).
    void SetGreProtocol(ns3::Ptr<GreL4Protocol> protocol);

    /**
     * True when a packet from @p outerSource to @p outerDestination with @p key belongs to
     * this tunnel: the addresses are the reverse of ours and the key matches, including
     * the absence of one.
     */
    bool Matches(ns3::Ipv4Address outerSource, ns3::Ipv4Address outerDestination,
                 std::optional<uint32_t> key) const;

    /**
     * Process a received GRE packet that GreL4Protocol matched to this tunnel. @p packet
     * contains the GRE header and payload, and @p decoded is the codec's view of its bytes.
     */
    void ReceiveGre(ns3::Ptr<ns3::Packet> packet, const GreDecoded& decoded);

    /**
     * Check a packet the IPv4 stack is about to forward out of this interface, before it
     * fragments it. For a DF packet larger than the tunnel MTU, send ICMP fragmentation
     * needed (RFC 1191 s4) to its source and mark it so that its fragments are discarded.
     */
    void CheckForwardedSize(const ns3::Ipv4Header& header, ns3::Ptr<const ns3::Packet> packet);

    /// Signature of the "Drop" trace.
    typedef void (*DropTracedCallback)(ns3::Ptr<const ns3::Packet> packet, GreDropReason reason);
    /// Signature of the "StateChange" trace: @p up is the new state.
    typedef void (*StateTracedCallback)(bool up, GreDownCause cause);

  protected:
    void DoInitialize() override;
    void DoDispose() override;

  private:
    /// Send callback of the VirtualNetDevice: the IPv4 stack hands an IPv4 packet here.
    bool HandleSend(ns3::Ptr<ns3::Packet> packet, const ns3::Address& source,
                    const ns3::Address& destination, uint16_t protocolNumber);
    /// Prepend the GRE header to @p inner and send it to the tunnel destination.
    void Encapsulate(ns3::Ptr<ns3::Packet> inner, uint16_t protocolType);
    /// Clamp the MSS of a TCP SYN in the IPv4 packet @p packet, in place.
    void ClampMss(ns3::Ptr<ns3::Packet> packet);
    /// True when a received sequence number is not after the last accepted one.
    bool IsOutOfOrder(uint32_t sequence) const;
    void Drop(ns3::Ptr<const ns3::Packet> packet, GreDropReason reason);

    void SendKeepalive();
    void HandleKeepaliveReply();
    void ReturnPeerKeepalive(ns3::Ptr<ns3::Packet> inner, const Ipv4Header& innerHeader);

    void CheckRecursion();
    /// True when the route to the tunnel destination leaves through this device.
    bool RoutesThroughSelf() const;
    void EnterRecursionDown();
    void LeaveRecursionDown();

    /// Take the IPv4 interface down or up so that it matches the down causes.
    void UpdateInterfaceState(GreDownCause cause);
    void SaveRoutesAndSetDown(uint32_t interface);
    void SetUpAndRestoreRoutes(uint32_t interface);
    /// The IPv4 interface index of this device, or nullopt before it has one.
    std::optional<uint32_t> GetInterfaceIndex() const;
    ns3::Ptr<ns3::Ipv4> GetIpv4() const;

    /// A static route through this interface, kept while the interface is down.
    struct SavedRoute
    {
        ns3::Ipv4Address network;
        ns3::Ipv4Mask mask;
        ns3::Ipv4Address gateway;
        uint32_t metric = 0;
    };

    ns3::Ptr<GreL4Protocol> m_gre;
    ns3::Ipv4Address m_source;
    ns3::Ipv4Address m_destination;
    bool m_keyEnabled = false;
    uint32_t m_key = 0;
    bool m_sequenceEnabled = false;
    bool m_checksumEnabled = false;
    bool m_mssClamping = false;

    /// Next sequence number to send. The first packet carries 0 (RFC 2890 s2.2).
    uint32_t m_txSequence = 0;
    /// Sequence number of the last accepted packet, (2**32)-1 when the tunnel is set up
    /// (RFC 2890 s2.2).
    uint32_t m_rxSequence = 0xffffffff;

    ns3::Time m_keepalivePeriod;
    uint32_t m_keepaliveRetries = kDefaultKeepaliveRetries;
    /// Keepalives sent since the last reply.
    uint32_t m_keepalivesMissed = 0;
    ns3::EventId m_keepaliveEvent;

    ns3::Time m_recursionCheckInterval;
    ns3::Time m_recursionHoldTime;
    ns3::EventId m_recursionCheckEvent;
    ns3::EventId m_recursionHoldEvent;
    /// GRE packets being sent down the stack. HandleSend called while it is above 0 means
    /// that a GRE packet of this tunnel was routed back into it.
    uint32_t m_sendDepth = 0;

    bool m_downForKeepalive = false;
    bool m_downForRecursion = false;
    /// True while this device keeps its IPv4 interface down.
    bool m_interfaceHeldDown = false;
    std::vector<SavedRoute> m_savedRoutes;

    /// Scratch buffer for the bytes of one packet, reused to avoid an allocation each time.
    Bytes m_scratch;
    /// The encoded GRE header (and payload when checksummed), reused across packets.
    Bytes m_encoded;
    GreTunnelStatistics m_statistics;
    std::array<uint64_t, kGreDropReasonCount> m_drops{};

    ns3::TracedCallback<ns3::Ptr<const ns3::Packet>, GreDropReason> m_dropTrace;
    ns3::TracedCallback<bool, GreDownCause> m_stateTrace;
};

} // namespace tunnelsim

#endif
