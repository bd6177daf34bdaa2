/*
 * OSPFv2 (RFC 2328) as an ns-3 Ipv4RoutingProtocol, meant for Ipv4ListRouting beside static
 * routing. It sends real OSPF packets (IP protocol 89, TTL 1, precedence Internetwork
 * Control) through one raw socket per interface, to AllSPFRouters, AllDRouters or a
 * neighbour's address (s8.1), and installs the routes of its shortest-path tree.
 *
 * The implementation is split by RFC mechanism, one source file each:
 *   ospf-routing-protocol.cc          ns-3 glue: attributes, sockets, s8.2 receive checks,
 *                                     the routing table, RouteInput and RouteOutput
 *   ospf-interface-state-machine.cc   s9: interface states, Hellos sent, DR election (s9.4)
 *   ospf-neighbor-state-machine.cc    s10.3-s10.5: neighbour events, Hellos received
 *   ospf-database-exchange.cc         s10.6-s10.9: Database Description and LS Request
 *   ospf-flooding.cc                  s13, s14: LS Update, LS Ack, retransmission, aging
 *   ospf-lsa-origination.cc           s12.4: router-LSA and network-LSA, s13.4
 *   ospf-route-calculation.cc         s16 scheduling (SPF throttle) and route installation
 *
 * Placement in Ipv4ListRouting: put OSPF at a higher priority than static routing, so its
 * routes are found before a static default route. OSPF installs no route for a network that
 * an up interface is attached to, because those stay with static routing's connected routes
 * (a connected route wins over OSPF on routers). RouteOutput also routes AllSPFRouters and
 * AllDRouters out of the interface the sending socket is bound to.
 *
 * Timer defaults and their sources:
 * - HelloReplyDelay 1 s: FRR and Quagga ospfd's OSPF_HELLO_REPLY_DELAY (kHelloReplyDelaySeconds).
 * - HelloInterval 10 s, RouterDeadInterval 40 s, RxmtInterval 5 s, InfTransDelay 1 s: the
 *   example values of RFC 2328 appendix C.3, which Cisco IOS also uses by default on
 *   broadcast and point-to-point interfaces.
 * - SPF throttle 5 s initial delay, 10 s hold, 10 s maximum hold: the Cisco IOS defaults
 *   of "timers throttle spf" (shown as "Initial SPF schedule delay 5000 msecs", "Minimum
 *   hold time between two consecutive SPFs 10000 msecs", "Maximum wait time ... 10000
 *   msecs" by "show ip ospf").
 * - Reference bandwidth 100 Mb/s: the Cisco IOS "auto-cost reference-bandwidth" default
 *   (Cisco IOS in a Nutshell, O'Reilly). Cost = reference / link rate, at least 1, because
 *   RFC 2328 C.3 only requires a cost above 0.
 * - MinLSInterval 5 s, MinLSArrival 1 s, LSRefreshTime 30 min, MaxAge 1 h: RFC 2328
 *   appendix B constants (ospf-lsa.h).
 *
 * Limitations:
 * - A single area; no area border routing, no virtual links, no summary-LSAs, no
 *   AS-external-LSAs (so no redistribution and no ASBR), no NSSA or stub areas, no opaque
 *   LSAs. LSAs of those types are discarded on receipt (s13 (2)).
 * - Point-to-point and broadcast interfaces only: no NBMA or point-to-multipoint.
 * - Null authentication only (AuType 0); packets with another AuType are dropped.
 * - One route per destination: equal-cost paths are computed but one next hop is installed.
 * - Ipv4ListRouting asks its protocols in priority order, so a less specific OSPF route
 *   wins over a more specific static route below it (there is no longest match across
 *   protocols and no administrative distance).
 * - The router ID is chosen once, at initialization: the RouterId attribute, or else the
 *   highest interface address at that time.
 * - A Hello that does not list this router gets this router's Hello in reply after
 *   HelloReplyDelay on every interface type (ScheduleHelloReply). RFC 2328 asks for that
 *   reply only on NBMA networks (s9.5.1), and FRR and Quagga send it only there. So on
 *   point-to-point and broadcast links this model can reach 2-Way up to one HelloInterval
 *   sooner than they do, when Hellos cross or the first ones are lost.
 * - No reassembly: ns-3 3.37 hands the raw socket each IPv4 fragment before reassembly, so
 *   an OSPF packet larger than the interface MTU is lost. Every fragment is dropped with
 *   reason "fragment".
 */
#ifndef TUNNELSIM_OSPF_ROUTING_PROTOCOL_H
#define TUNNELSIM_OSPF_ROUTING_PROTOCOL_H

#include "ns3/data-rate.h"
#include "ns3/ipv4-routing-protocol.h"
#include "ns3/ipv4.h"
#include "ns3/traced-callback.h"
#include "ospf-interface.h"
#include "ospf-lsdb.h"
#include "ospf-packet.h"
#include "ospf-spf.h"
#include "ospf-types.h"

#include <array>
#include <map>
#include <memory>
#include <vector>

namespace tunnelsim
{

/// IP precedence Internetwork Control in the TOS byte of every OSPF packet (RFC 2328 A.1).
constexpr uint8_t kOspfIpTos = 0xc0;
/// TTL of every OSPF packet: they never leave the link (RFC 2328 A.1).
constexpr uint8_t kOspfIpTtl = 1;
/**
 * Delay of the Hello sent in reply to a Hello that does not list this router, seconds: FRR
 * and Quagga ospfd's OSPF_HELLO_REPLY_DELAY (ospfd/ospf_packet.h), which those daemons use
 * only on NBMA networks (RFC 2328 s9.5.1).
 */
constexpr int64_t kHelloReplyDelaySeconds = 1;
/// LS age advances once a second (RFC 2328 s12.1.1), so the database is swept this often.
constexpr int64_t kLsdbAgingPeriodSeconds = 1;

class OspfRoutingProtocol : public ns3::Ipv4RoutingProtocol
{
  public:
    static ns3::TypeId GetTypeId();

    OspfRoutingProtocol();
    ~OspfRoutingProtocol() override;

    // Ipv4RoutingProtocol
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
     * Set the OSPF settings of Ipv4 interface @p interface. Takes effect at once: an
     * interface that is running restarts (its neighbours go Down and come back).
     */
    void SetInterfaceSettings(uint32_t interface, const OspfInterfaceSettings& settings);
    OspfInterfaceSettings GetInterfaceSettings(uint32_t interface) const;

    ns3::Ipv4Address GetRouterId() const;

    /// State of @p interface, Down for interfaces that do not run OSPF.
    OspfInterfaceState GetInterfaceState(uint32_t interface) const;
    /// DR of @p interface's network (its interface address), 0.0.0.0 when none.
    ns3::Ipv4Address GetDesignatedRouter(uint32_t interface) const;
    ns3::Ipv4Address GetBackupDesignatedRouter(uint32_t interface) const;
    /// The cost @p interface advertises, 0 for interfaces that do not run OSPF.
    uint16_t GetInterfaceCost(uint32_t interface) const;

    /// Every neighbour on every interface, Down ones included.
    std::vector<OspfNeighborInfo> GetNeighbors() const;
    /// Highest state of the neighbour with router ID @p routerId over all interfaces.
    OspfNeighborState GetNeighborState(ns3::Ipv4Address routerId) const;

    std::vector<OspfRouteInfo> GetRoutes() const;

    /// LSAs in the database, MaxAge ones included.
    size_t GetLsdbSize() const;
    /// Headers of every LSA in the database with their current LS age, in key order.
    std::vector<LsaHeader> GetLsaHeaders() const;
    /// The database instance of the LSA (@p type, @p linkStateId, @p advertisingRouter).
    std::optional<Lsa> GetLsa(LsaType type, ns3::Ipv4Address linkStateId,
                              ns3::Ipv4Address advertisingRouter) const;

    uint64_t GetDropCount(OspfDropReason reason) const;
    uint64_t GetSpfRunCount() const { return m_spfRuns; }
    /// Hellos sent in reply to a one-way Hello, outside the periodic HelloInterval timer.
    uint64_t GetHelloReplyCount() const { return m_helloReplies; }

    /// Packets sent and received, per type (index: OspfPacketType value - 1).
    uint64_t GetTxCount(OspfPacketType type) const;
    uint64_t GetRxCount(OspfPacketType type) const;

    typedef void (*DropTracedCallback)(const OspfDrop& drop);
    typedef void (*AdjacencyChangeTracedCallback)(const OspfAdjacencyChange& change);
    typedef void (*InterfaceStateChangeTracedCallback)(const OspfInterfaceStateChange& change);
    typedef void (*SpfRunTracedCallback)(const OspfSpfRun& run);
    typedef void (*RouteChangeTracedCallback)(const OspfRouteChange& change);
    typedef void (*PacketTracedCallback)(OspfPacketType type, uint32_t interface,
                                         ns3::Ptr<const ns3::Packet> packet);

  protected:
    void DoInitialize() override;
    void DoDispose() override;

  private:
    // ---- ospf-routing-protocol.cc: glue, sockets, receive checks (s8) ----
    bool IsRunning(uint32_t interface) const;
    OspfInterface* FindInterface(uint32_t interface);
    const OspfInterface* FindInterface(uint32_t interface) const;
    uint32_t ChooseRouterId() const;
    uint16_t DefaultCost(uint32_t interface) const;
    OspfNetworkType DefaultNetworkType(uint32_t interface) const;
    void OpenSocket(OspfInterface& iface);
    void HandleRead(ns3::Ptr<ns3::Socket> socket);
    void ReceivePacket(OspfInterface& iface, const ns3::Ipv4Header& ipHeader, const Bytes& bytes);
    void SendPacket(OspfInterface& iface, uint32_t destination, OspfBody body);
    /// Largest OSPF packet (header and body) that fits the interface MTU, bytes.
    size_t MaxOspfPacketSize(const OspfInterface& iface) const;
    void RecordDrop(OspfDropReason reason, uint32_t interface, uint32_t source,
                    uint64_t received = 0, uint64_t configured = 0,
                    std::optional<OspfDecodeError> decodeError = std::nullopt);
    bool IsOwnAddress(uint32_t address) const;

    // ---- ospf-interface-state-machine.cc: s9 ----
    void InterfaceUp(uint32_t interface);
    void InterfaceDown(uint32_t interface);
    void SetInterfaceState(OspfInterface& iface, OspfInterfaceState state);
    void SendHello(OspfInterface& iface);
    void HelloTimerExpired(uint32_t interface);
    /// Schedule this router's Hello on @p iface after HelloReplyDelay, unless one is pending.
    void ScheduleHelloReply(OspfInterface& iface);
    void HelloReplyTimerExpired(uint32_t interface);
    void WaitTimerExpired(uint32_t interface);
    void BackupSeen(OspfInterface& iface);
    /// Schedule the NeighborChange event (s9.2) to run after the current event.
    void NeighborChange(OspfInterface& iface);
    void RunNeighborChange(uint32_t interface);
    void ElectDesignatedRouter(OspfInterface& iface);

    // ---- ospf-neighbor-state-machine.cc: s10.3-s10.5 ----
    void ReceiveHello(OspfInterface& iface, uint32_t source, const OspfHeader& header,
                      const OspfHello& hello);
    OspfNeighbor* FindNeighbor(OspfInterface& iface, uint32_t source, uint32_t routerId);
    void SetNeighborState(OspfInterface& iface, OspfNeighbor& neighbor, OspfNeighborState state);
    bool ShouldBeAdjacent(const OspfInterface& iface, const OspfNeighbor& neighbor) const;
    void HelloReceivedEvent(OspfInterface& iface, OspfNeighbor& neighbor);
    void TwoWayReceivedEvent(OspfInterface& iface, OspfNeighbor& neighbor);
    void OneWayReceivedEvent(OspfInterface& iface, OspfNeighbor& neighbor);
    void NegotiationDoneEvent(OspfInterface& iface, OspfNeighbor& neighbor);
    void ExchangeDoneEvent(OspfInterface& iface, OspfNeighbor& neighbor);
    void LoadingDoneEvent(OspfInterface& iface, OspfNeighbor& neighbor);
    void AdjOkEvent(OspfInterface& iface, OspfNeighbor& neighbor);
    /// SeqNumberMismatch and BadLSReq: back to ExStart (s10.3).
    void RestartExchangeEvent(OspfInterface& iface, OspfNeighbor& neighbor);
    /// KillNbr, LLDown and InactivityTimer: to Down (s10.3).
    void KillNeighborEvent(OspfInterface& iface, OspfNeighbor& neighbor);
    void InactivityTimerExpired(uint32_t interface, uint32_t neighborKey);
    void ConfirmInactivity(uint32_t interface, uint32_t neighborKey);
    void EnterExStart(OspfInterface& iface, OspfNeighbor& neighbor);

    // ---- ospf-database-exchange.cc: s10.6-s10.9 ----
    void ReceiveDatabaseDescription(OspfInterface& iface, OspfNeighbor& neighbor,
                                    const OspfDatabaseDescription& dbd);
    void AcceptDatabaseDescription(OspfInterface& iface, OspfNeighbor& neighbor,
                                   const OspfDatabaseDescription& dbd);
    bool IsDuplicateDbd(const OspfNeighbor& neighbor, const OspfDatabaseDescription& dbd) const;
    void SendDatabaseDescription(OspfInterface& iface, OspfNeighbor& neighbor);
    void SendNextDatabaseDescription(OspfInterface& iface, OspfNeighbor& neighbor);
    void ResendDatabaseDescription(OspfInterface& iface, OspfNeighbor& neighbor);
    void DbdRetransmitTimerExpired(uint32_t interface, uint32_t neighborKey);
    void ReceiveLinkStateRequest(OspfInterface& iface, OspfNeighbor& neighbor,
                                 const OspfLinkStateRequest& request);
    void SendLinkStateRequest(OspfInterface& iface, OspfNeighbor& neighbor);
    void LsrRetransmitTimerExpired(uint32_t interface, uint32_t neighborKey);
    /// Address for a packet to one neighbour: AllSPFRouters on point-to-point links (s8.1).
    uint32_t NeighborDestination(const OspfInterface& iface, const OspfNeighbor& neighbor) const;

    // ---- ospf-flooding.cc: s13, s14 ----
    void ReceiveLinkStateUpdate(OspfInterface& iface, OspfNeighbor& neighbor,
                                const OspfLinkStateUpdate& update);
    /// s13.3: flood @p lsa (current age) out every interface; returns true when it was sent
    /// back out @p receivedOn. Null @p receivedOn and @p from for self-originated LSAs.
    bool FloodLsa(const Lsa& lsa, const OspfInterface* receivedOn, const OspfNeighbor* from);
    /// s13.2: install and schedule the routing table calculation when the contents changed.
    void InstallLsa(const Lsa& lsa, bool receivedByFlooding);
    void RemoveFromRetransmissionLists(const LsaKey& key);
    void SendLinkStateUpdate(OspfInterface& iface, uint32_t destination, std::vector<Lsa> lsas);
    void SendDirectAck(OspfInterface& iface, OspfNeighbor& neighbor, const LsaHeader& header);
    void QueueDelayedAck(OspfInterface& iface, const LsaHeader& header);
    void DelayedAckTimerExpired(uint32_t interface);
    void ReceiveLinkStateAck(OspfInterface& iface, OspfNeighbor& neighbor,
                             const OspfLinkStateAck& ack);
    void StartRetransmitTimer(OspfInterface& iface, OspfNeighbor& neighbor);
    void LsuRetransmitTimerExpired(uint32_t interface, uint32_t neighborKey);
    /// s10.9: after request lists shrank, send the next LS Request or raise LoadingDone.
    void ContinueLoading();
    bool AnyNeighborExchanging() const;
    void AgeDatabase();
    /// The database copy of @p key with its current age, or nullopt.
    std::optional<LsaHeader> CurrentHeader(const LsaKey& key) const;
    /// Age @p lsa as it leaves the router: plus InfTransDelay, at most MaxAge (s13.3 (5)).
    Lsa AgedForTransmission(const Lsa& lsa) const;

    // ---- ospf-lsa-origination.cc: s12.4, s13.4, s14.1 ----
    /// Originate the router-LSA as soon as MinLSInterval allows (s12.4).
    void ScheduleRouterLsa();
    /// @p force: a new instance even when the contents did not change (refresh, s13.4).
    void OriginateRouterLsa(bool force);
    RouterLsaBody BuildRouterLsaBody() const;
    /// Originate or flush the network-LSA of @p interface as soon as MinLSInterval allows.
    void ScheduleNetworkLsa(uint32_t interface);
    void OriginateNetworkLsa(uint32_t interface, bool force);
    /// Install and flood a new instance of a self-originated LSA with the next sequence
    /// number, unless the database copy has the same contents and @p force is false.
    void OriginateLsa(Lsa lsa, bool force);
    /// Delay before the LSA @p key may be originated again (MinLSInterval, s12.4).
    ns3::Time OriginationDelay(const LsaKey& key) const;
    /// Premature aging (s14.1): set the database copy to MaxAge and flood it.
    void FlushOwnLsa(const LsaKey& key);
    bool IsSelfOriginated(const LsaHeader& header) const;
    /// s13.4: a newer instance of one of our LSAs arrived.
    void HandleSelfOriginated(const Lsa& received);

    // ---- ospf-route-calculation.cc: s16 ----
    void ScheduleSpf();
    void RunSpf();
    void InstallRoutes(const SpfResult& result);
    void RemoveRoutesThrough(uint32_t interface);
    std::vector<SpfInterface> UpInterfaces() const;

    struct RouteEntry
    {
        uint32_t network = 0;
        uint32_t mask = 0;
        uint32_t cost = 0;
        uint32_t interface = 0;
        uint32_t gateway = 0;
    };

    /// Longest-prefix match in the OSPF table; @p interface restricts to one interface.
    const RouteEntry* Lookup(uint32_t destination, std::optional<uint32_t> interface) const;
    void FireRouteChange(OspfRouteChangeKind kind, const RouteEntry& route);

    ns3::Ptr<ns3::Ipv4> m_ipv4;
    bool m_initialized = false;
    uint32_t m_routerId = 0;

    // Attributes.
    ns3::Ipv4Address m_configuredRouterId;
    ns3::Ipv4Address m_areaId;
    ns3::Time m_helloInterval;
    ns3::Time m_helloReplyDelay;
    ns3::Time m_routerDeadInterval;
    ns3::Time m_rxmtInterval;
    ns3::Time m_infTransDelay;
    ns3::Time m_delayedAckInterval;
    uint8_t m_routerPriority = 1;
    ns3::DataRate m_referenceBandwidth;
    uint16_t m_unknownRateCost = 10;
    bool m_mtuIgnore = false;
    ns3::Time m_spfInitialDelay;
    ns3::Time m_spfHold;
    ns3::Time m_spfMaxHold;

    std::map<uint32_t, OspfInterfaceSettings> m_settings;
    std::map<uint32_t, std::unique_ptr<OspfInterface>> m_interfaces;
    OspfLsdb m_lsdb;

    // Origination (s12.4).
    std::map<LsaKey, ns3::Time> m_lastOrigination;
    std::map<LsaKey, ns3::EventId> m_pendingOrigination;
    /// LSAs whose sequence number reached MaxSequenceNumber: the instance to originate at
    /// InitialSequenceNumber once the flushed one has left the database (s12.1.6).
    std::map<LsaKey, Lsa> m_sequenceWrapPending;
    ns3::EventId m_agingTimer;

    // SPF throttle.
    ns3::EventId m_spfTimer;
    ns3::Time m_spfCurrentHold;
    ns3::Time m_lastSpfRun;
    bool m_spfHasRun = false;
    ns3::Time m_spfTriggeredAt;
    uint64_t m_spfRuns = 0;
    uint64_t m_helloReplies = 0;

    std::map<std::pair<uint32_t, uint32_t>, RouteEntry> m_routes;

    std::array<uint64_t, std::size(kAllOspfDropReasons)> m_dropCounts{};
    std::array<uint64_t, 5> m_txCounts{};
    std::array<uint64_t, 5> m_rxCounts{};

    ns3::TracedCallback<const OspfDrop&> m_dropTrace;
    ns3::TracedCallback<const OspfAdjacencyChange&> m_adjacencyTrace;
    ns3::TracedCallback<const OspfInterfaceStateChange&> m_interfaceStateTrace;
    ns3::TracedCallback<const OspfSpfRun&> m_spfTrace;
    ns3::TracedCallback<const OspfRouteChange&> m_routeTrace;
    ns3::TracedCallback<OspfPacketType, uint32_t, ns3::Ptr<const ns3::Packet>> m_txTrace;
    ns3::TracedCallback<OspfPacketType, uint32_t, ns3::Ptr<const ns3::Packet>> m_rxTrace;
};

} // namespace tunnelsim

#endif
