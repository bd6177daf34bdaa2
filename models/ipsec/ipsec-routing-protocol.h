/*
 * Outbound policy interception: an Ipv4RoutingProtocol that IpsecHelper adds to the node's
 * Ipv4ListRouting above static routing (kIpsecRoutingPriority). It intercepts every
 * forwarded packet (RouteInput) and every locally generated one (RouteOutput), GRE packets
 * the node emits included, and applies the SPD lookup of RFC 4301 s5.1 (steps 2 and 3b) to them:
 * - PROTECT, or DISCARD, or a decision that needs the transport ports: a route through the
 *   hidden "ipsec" device, whose send callback decides on the whole packet
 *   (IpsecStack::ProcessOutbound) and seals or drops it;
 * - BYPASS, or no match when unmatched traffic may pass: no route, so the protocols below
 *   (static routing, OSPF) decide.
 * ESP packets are never matched, so the sealed packets do not come back (no recursion).
 *
 * Forwarded packets also get the RFC 4301 s5.2 step 3b check: a cleartext packet that an
 * entry requires to arrive through an SA (PROTECT read inbound), or must be discarded, is
 * dropped. Without interfaces marked protected or unprotected, RouteInput reads each
 * forwarded packet both ways, outbound (local = source) and inbound (local = destination),
 * and the entry first in SPD order under either reading decides. Packets that came out of
 * an SA only go back into IPsec when an outbound PROTECT entry matches them (hub transit);
 * otherwise they are forwarded unchanged.
 *
 * Limitations:
 * - Locally generated TCP and UDP packets reach RouteOutput before their transport header
 *   exists, so entries with port selectors are decided in the device callback; the route's
 *   source address is chosen before that decision.
 * - The RFC 4301 s5.2 cleartext check covers forwarded packets only: Ipv4ListRouting
 *   delivers local packets before any routing protocol sees them.
 */
#ifndef TUNNELSIM_IPSEC_ROUTING_PROTOCOL_H
#define TUNNELSIM_IPSEC_ROUTING_PROTOCOL_H

#include "ns3/ipv4-list-routing.h"
#include "ns3/ipv4-routing-protocol.h"
#include "ns3/ipv4.h"

namespace tunnelsim
{

class IpsecStack;

class IpsecRoutingProtocol : public ns3::Ipv4RoutingProtocol
{
  public:
    static ns3::TypeId GetTypeId();

    IpsecRoutingProtocol();
    ~IpsecRoutingProtocol() override;

    void SetStack(ns3::Ptr<IpsecStack> stack);

    ns3::Ptr<ns3::Ipv4Route> RouteOutput(ns3::Ptr<ns3::Packet> packet,
                                         const ns3::Ipv4Header& header,
                                         ns3::Ptr<ns3::NetDevice> outputDevice,
                                         ns3::Socket::SocketErrno& error) override;
    bool RouteInput(ns3::Ptr<const ns3::Packet> packet, const ns3::Ipv4Header& header,
                    ns3::Ptr<const ns3::NetDevice> inputDevice, UnicastForwardCallback forward,
                    MulticastForwardCallback multicastForward, LocalDeliverCallback localDeliver,
                    ErrorCallback error) override;
    void NotifyInterfaceUp(uint32_t interface) override;
    void NotifyInterfaceDown(uint32_t interface) override;
    void NotifyAddAddress(uint32_t interface, ns3::Ipv4InterfaceAddress address) override;
    void NotifyRemoveAddress(uint32_t interface, ns3::Ipv4InterfaceAddress address) override;
    void SetIpv4(ns3::Ptr<ns3::Ipv4> ipv4) override;
    void PrintRoutingTable(ns3::Ptr<ns3::OutputStreamWrapper> stream,
                           ns3::Time::Unit unit = ns3::Time::S) const override;

    /**
     * The route that the routing protocols below this one in the node's Ipv4ListRouting
     * give for @p header, or nullptr. Used to choose a source address and to send bypassed
     * packets that went through the hidden device.
     */
    ns3::Ptr<ns3::Ipv4Route> RouteOutputBelow(ns3::Ptr<ns3::Packet> packet,
                                              const ns3::Ipv4Header& header,
                                              ns3::Ptr<ns3::NetDevice> outputDevice) const;

  protected:
    void DoDispose() override;

  private:
    ns3::Ptr<ns3::Ipv4Route> RouteThroughIpsecDevice(ns3::Ipv4Address source,
                                                     ns3::Ipv4Address destination) const;
    /// First address of the first up, non-loopback interface; 0.0.0.0 when there is none.
    ns3::Ipv4Address FallbackSource() const;

    ns3::Ptr<ns3::Ipv4> m_ipv4;
    /// The node's list routing, cached by RouteOutputBelow (mutable for that const method).
    mutable ns3::Ptr<ns3::Ipv4ListRouting> m_list;
    ns3::Ptr<IpsecStack> m_stack;
};

} // namespace tunnelsim

#endif
