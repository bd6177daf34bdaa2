/*
 * The IPsec processing of one node (RFC 4301 s5): its SPD and SAD, the outbound path that
 * seals packets into ESP, the inbound path that opens them, and the per-node drop counters
 * and "Drop" trace. IpsecHelper::Install aggregates it to the node and adds the two objects
 * that feed it: IpsecRoutingProtocol, which intercepts every packet the node routes, and
 * EspL4Protocol, which receives IP protocol 50.
 *
 * Packets selected for protection reach the stack through a hidden point-to-point
 * VirtualNetDevice named "ipsec", which has an IPv4 interface without an address: the
 * interception routes packets to it, and its send callback seals them. Opened tunnel-mode
 * packets are received on the same device (or on the VTI their SA is bound to), so the
 * node forwards or delivers them like any other arriving packet.
 *
 * Two shortcuts save GRE over IPsec two passes through the node's IPv4 layer
 * (docs/benchmarks.md has the cost). A transport protocol that sends without a route, such
 * as GRE, hands its packet to SendLocal, which builds the IPv4 header and gives a packet
 * that the SPD protects straight to the hidden device. An opened GRE packet addressed to
 * the ESP packet's own destination goes straight to the node's GRE protocol instead of
 * being received again on the hidden device.
 *
 * Limitations:
 * - ESP only, IPv4 only, unicast only: multicast and broadcast packets are never matched
 *   against the SPD (route-based designs carry them over a VTI or GRE instead).
 * - The outer header of a tunnel-mode packet gets the stack's default TTL, the inner TOS
 *   byte (DSCP and ECN copied) and DF clear, the "clear" choice of RFC 4301 s8.1. A sealed
 *   packet over the link MTU is fragmented after ESP processing (RFC 4303 s3.3). The stack
 *   sends no ICMP fragmentation-needed for a DF packet, so path MTU discovery does not
 *   cross its SAs (a GRE tunnel over them sends that ICMP message itself).
 * - Transport mode seals forwarded packets as well, keeping their addresses; RFC 4301
 *   s4.1 meant it for traffic the gateway itself sources or sinks.
 * - IKE traffic is recognised by UDP port 500 or 4500 only.
 * - Sealing and opening take no simulated time unless a CryptoEngine is set, and then only
 *   ESP costs time (see crypto-engine.h for the engine's own limits).
 * - The shortcuts skip Ipv4L3Protocol: its Tx trace on the hidden interface and its Rx
 *   and LocalDeliver traces for opened GRE packets do not fire, and raw sockets on the
 *   node do not see those GRE packets. The hidden device's MacTx trace and the stack's
 *   Opened trace show every packet sealed and opened. IPv4 identification values of the
 *   inner headers SendLocal builds come from one counter per node (RFC 791 s3.2 requires
 *   uniqueness per source, destination and protocol, which one counter also gives).
 * - Transport mode never seals a fragment (RFC 4303 s3.3: whole datagrams only); it drops
 *   it as transport-fragment.
 */
#ifndef TUNNELSIM_IPSEC_STACK_H
#define TUNNELSIM_IPSEC_STACK_H

#include "crypto-engine.h"
#include "ike-message.h"
#include "ipsec-drop-reason.h"
#include "ipv4-header.h"
#include "ns3/callback.h"
#include "ns3/ip-l4-protocol.h"
#include "ns3/ipv4-header.h"
#include "ns3/ipv4-interface.h"
#include "ns3/ipv4-l3-protocol.h"
#include "ns3/node.h"
#include "ns3/object.h"
#include "ns3/packet.h"
#include "ns3/traced-callback.h"
#include "ns3/virtual-net-device.h"
#include "security-association-database.h"
#include "security-policy-database.h"

#include <map>
#include <set>

namespace tunnelsim
{

class IpsecRoutingProtocol;
class EspL4Protocol;

/// Priority of IpsecRoutingProtocol in Ipv4ListRouting: above static routing (0) and
/// global routing (-10), the priorities InternetStackHelper gives them in ns-3 3.37.
constexpr int16_t kIpsecRoutingPriority = 100;
/// Largest IPv4 packet, bytes (RFC 791 s3.1: 16-bit Total Length).
constexpr uint32_t kIpv4MaxPacketSize = 65535;
/**
 * Largest tunnel-mode overhead of any suite, bytes: outer IPv4 header (20), ESP header (8),
 * CBC IV (16), padding to a 16-byte block (at most 15), trailer (2) and a 16-byte ICV.
 */
constexpr uint32_t kMaxEspTunnelOverhead = 20 + 8 + 16 + 15 + 2 + 16;
/// MTU of the hidden device, bytes: any packet that still fits an IPv4 packet once sealed.
constexpr uint16_t kIpsecDeviceMtu = kIpv4MaxPacketSize - kMaxEspTunnelOverhead;

/** Header fields of an IPv4 packet for SPD matching, ports read when present. */
PacketSelectorFields SelectorFieldsFromPacket(uint32_t source, uint32_t destination,
                                              uint8_t protocol, bool isInitialFragment,
                                              ByteView transportBytes);

class IpsecStack : public ns3::Object
{
  public:
    static ns3::TypeId GetTypeId();

    IpsecStack();
    ~IpsecStack() override;

    /**
     * Create the hidden device and its interface, insert the ESP protocol into the node's
     * IPv4 stack and add the interception to its Ipv4ListRouting. The node must already
     * have an InternetStackHelper stack with list routing; throws std::runtime_error
     * otherwise. Call once, after the node's other interfaces have their addresses, so
     * their interface indices stay as the user assigned them.
     */
    void Setup(ns3::Ptr<ns3::Node> node);

    ns3::Ptr<SecurityPolicyDatabase> GetSpd() const;
    ns3::Ptr<SecurityAssociationDatabase> GetSad() const;
    /// The hidden "ipsec" device.
    ns3::Ptr<ns3::VirtualNetDevice> GetDevice() const;
    ns3::Ptr<IpsecRoutingProtocol> GetRoutingProtocol() const;
    ns3::Ptr<ns3::Node> GetNode() const;

    /**
     * Make @p device a VTI of this node: what the node routes into it is sealed with the
     * outbound SA bound to the device (SecurityAssociationDatabase::AddOutboundForDevice).
     */
    void AddVti(ns3::Ptr<ns3::VirtualNetDevice> device);
    /**
     * Send what @p protocol passes down through SendLocal instead of Ipv4L3Protocol::Send.
     * Setup does this for the protocols the node has then, except ESP. GreHelper::Install
     * does it for a GRE protocol added later.
     */
    void InterceptLocalProtocol(ns3::Ptr<ns3::IpL4Protocol> protocol);

    /// True for the hidden device and every VTI.
    bool IsIpsecDevice(ns3::Ptr<const ns3::NetDevice> device) const;
    bool IsVti(ns3::Ptr<const ns3::NetDevice> device) const;

    /**
     * Seal and open through @p engine from now on: each ESP packet waits for a unit of the
     * engine and is sent or delivered when its service ends; a packet the engine rejects is
     * dropped (crypto-queue-full). A null @p engine restores instant sealing and opening.
     */
    void SetCryptoEngine(ns3::Ptr<CryptoEngine> engine);
    /// The engine set with SetCryptoEngine, or nullptr.
    ns3::Ptr<CryptoEngine> GetCryptoEngine() const;

    /// Unmatched packets are dropped (no-policy) when true, else passed in the clear.
    bool GetDiscardUnmatched() const;
    bool GetInboundCleartextCheck() const;

    /**
     * Called when a packet matches a PROTECT entry that has no outbound SA (the acquire of
     * RFC 4301 s5.1, step 3b). Arguments: the entry's id and the whole IPv4 packet. Return
     * true to take the packet, for example to queue it until a key manager has installed
     * the SA and then pass it to ProcessOutbound. On false the packet is dropped (no-sa).
     */
    typedef ns3::Callback<bool, uint32_t, ns3::Ptr<ns3::Packet>> AcquireCallback;
    void SetAcquireCallback(AcquireCallback callback);

    /**
     * Outbound processing (RFC 4301 s5.1) of a whole IPv4 packet, header included: look up
     * the SPD, then seal, drop or pass it in the clear.
     */
    void ProcessOutbound(ns3::Ptr<ns3::Packet> ipPacket);

    /**
     * Inbound processing (RFC 4301 s5.2, RFC 4303 s3.4) of an ESP packet addressed to this
     * node: @p esp starts at the SPI, @p outer is its IPv4 header.
     */
    void ProcessEsp(ns3::Ptr<ns3::Packet> esp, const ns3::Ipv4Header& outer,
                    ns3::Ptr<ns3::Ipv4Interface> incomingInterface);

    /// Count @p packet as dropped for @p reason and fire the Drop trace.
    void Drop(ns3::Ptr<const ns3::Packet> packet, IpsecDropReason reason);
    uint64_t GetDropCount(IpsecDropReason reason) const;
    /// Non-zero counters by reason.
    std::map<IpsecDropReason, uint64_t> GetDropCounts() const;

    /// Packets sealed and packets opened successfully on this node.
    uint64_t GetSealedCount() const;
    uint64_t GetOpenedCount() const;

    /// Signature of the Drop trace.
    typedef void (*DropTracedCallback)(ns3::Ptr<const ns3::Packet> packet, IpsecDropReason reason);
    /// Signature of the Opened trace: the opened IPv4 packet and the device it arrives on.
    typedef void (*OpenedTracedCallback)(ns3::Ptr<const ns3::Packet> ipPacket,
                                         ns3::Ptr<ns3::NetDevice> device);

  protected:
    void DoDispose() override;

  private:
    /**
     * Down target of intercepted transport protocols, with Ipv4L3Protocol::Send's
     * arguments. A packet without a route whose first SPD match is PROTECT, or one routed
     * into the hidden device, gets its IPv4 header here (Ipv4L3Protocol::BuildHeader's
     * fields: the default TTL or the socket's TTL tag, the TOS tag, DF clear)
     * and goes to the hidden device. Every other packet goes to Ipv4L3Protocol::Send.
     */
    void SendLocal(ns3::Ptr<ns3::Packet> packet, ns3::Ipv4Address source,
                   ns3::Ipv4Address destination, uint8_t protocol, ns3::Ptr<ns3::Ipv4Route> route);
    /// Hand an opened GRE packet to the node's GRE protocol. Returns false when there is none.
    bool DeliverLocalGre(ns3::Ptr<ns3::Packet> ipPacket);
    bool SendFromDevice(ns3::Ptr<ns3::Packet> packet, const ns3::Address& source,
                        const ns3::Address& destination, uint16_t protocolNumber);
    bool SendFromVti(ns3::VirtualNetDevice* device, ns3::Ptr<ns3::Packet> packet,
                     const ns3::Address& source, const ns3::Address& destination,
                     uint16_t protocolNumber);
    /// Seal @p ipPacket (bytes @p bytes, decoded header @p header) with @p sa and send it,
    /// through the crypto engine when one is set.
    void Seal(ns3::Ptr<SecurityAssociation> sa, ns3::Ptr<ns3::Packet> ipPacket,
              const Ipv4Header& header, const Bytes& bytes);
    /// Seal and send at once: Seal without the engine, or when the engine's service ends.
    void SealNow(ns3::Ptr<SecurityAssociation> sa, ns3::Ptr<ns3::Packet> ipPacket,
                 const Ipv4Header& header, const Bytes& bytes);
    /// Open @p esp (bytes @p bytes) with @p sa, the inbound SA of its SPI, check the inner
    /// packet and deliver it (RFC 4303 s3.4.3 onwards, RFC 4301 s5.2 step 4).
    void OpenNow(ns3::Ptr<SecurityAssociation> sa, ns3::Ptr<ns3::Packet> esp,
                 const ns3::Ipv4Header& outer, const Bytes& bytes);
    /// Give @p espPacket its outer IPv4 header, built from @p inner for @p mode, and send it.
    void SendEsp(ns3::Ptr<ns3::Packet> espPacket, ns3::Ipv4Address source,
                 ns3::Ipv4Address destination, const Ipv4Header& inner, IpsecMode mode);
    /// Send a whole IPv4 packet on unchanged, routed by the protocols below the interception.
    void SendInClear(ns3::Ptr<ns3::Packet> ipPacket);
    /// Hand an opened packet to @p device as if it had arrived there.
    void Deliver(ns3::Ptr<ns3::NetDevice> device, ns3::Ptr<ns3::Packet> ipPacket);
    void DropOnSa(ns3::Ptr<SecurityAssociation> sa, ns3::Ptr<const ns3::Packet> packet,
                  IpsecDropReason reason);

    ns3::Ptr<ns3::Node> m_node;
    ns3::Ptr<ns3::Ipv4L3Protocol> m_ipv4;
    ns3::Ptr<SecurityPolicyDatabase> m_spd;
    ns3::Ptr<SecurityAssociationDatabase> m_sad;
    ns3::Ptr<ns3::VirtualNetDevice> m_device;
    ns3::Ptr<IpsecRoutingProtocol> m_routing;
    ns3::Ptr<EspL4Protocol> m_esp;
    /// The node's GRE protocol, found on the first opened GRE packet (DeliverLocalGre).
    ns3::Ptr<ns3::IpL4Protocol> m_gre;
    std::set<const ns3::NetDevice*> m_vtis;
    /// IPv4 interface index of the hidden device.
    uint32_t m_interface = 0;
    /// The hidden device's broadcast address, which VirtualNetDevice parses from text on
    /// every GetBroadcast call.
    ns3::Address m_deviceBroadcast;
    /// Ipv4L3Protocol's DefaultTtl when Setup ran.
    uint8_t m_defaultTtl = 64;
    /// Identification of the next IPv4 header that SendLocal or SendEsp builds.
    uint16_t m_identification = 0;
    /**
     * Scratch buffers reused from packet to packet, so sealing and opening allocate nothing
     * once they reach the largest packet size. Each is free again before the call that may
     * re-enter the stack (Ipv4L3Protocol::SendWithHeader or a device's Receive).
     */
    Bytes m_plainScratch;
    Bytes m_espScratch;
    Bytes m_openScratch;
    AcquireCallback m_acquire;
    ns3::Ptr<CryptoEngine> m_cryptoEngine;

    bool m_discardUnmatched = false;
    bool m_inboundCleartextCheck = true;

    std::map<IpsecDropReason, uint64_t> m_drops;
    uint64_t m_sealed = 0;
    uint64_t m_opened = 0;
    ns3::TracedCallback<ns3::Ptr<const ns3::Packet>, IpsecDropReason> m_dropTrace;
    ns3::TracedCallback<ns3::Ptr<const ns3::Packet>, ns3::Ptr<ns3::NetDevice>> m_openedTrace;
};

} // namespace tunnelsim

#endif
