/*
 * States, drop reasons, per-interface settings and trace records of the OSPFv2 model.
 */
#ifndef TUNNELSIM_OSPF_TYPES_H
#define TUNNELSIM_OSPF_TYPES_H

#include "ns3/ipv4-address.h"
#include "ns3/nstime.h"
#include "ospf-result.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace tunnelsim
{

/// Neighbour states (RFC 2328 s10.1). Attempt is left out: it exists only on NBMA networks.
enum class OspfNeighborState : uint8_t
{
    Down,
    Init,
    TwoWay,
    ExStart,
    Exchange,
    Loading,
    Full,
};

/// Interface states (RFC 2328 s9.1). Loopback is left out: loopback interfaces do not run OSPF.
enum class OspfInterfaceState : uint8_t
{
    Down,
    Waiting,
    PointToPoint,
    DrOther,
    Backup,
    DesignatedRouter,
};

/// Interface types (RFC 2328 s9): NBMA, point-to-multipoint and virtual links are not modelled.
enum class OspfNetworkType : uint8_t
{
    PointToPoint, ///< serial links and tunnels (GRE, VTI): no DR, packets to AllSPFRouters
    Broadcast,    ///< LANs: DR and BDR election (s9.4)
};

/**
 * Reason a received OSPF packet, or one LSA in it, was dropped. Every drop fires the "Drop"
 * trace and is counted (OspfRoutingProtocol::GetDropCount). Names are stable because they
 * appear in results JSON.
 */
enum class OspfDropReason : uint8_t
{
    Malformed,             ///< the codec rejected the packet (see OspfDrop::decodeError)
    BadLsa,                ///< the codec rejected one LSA of an update (s13 (1))
    NotOspfInterface,      ///< received on an excluded, passive or down interface
    WrongDestination,      ///< not AllSPFRouters, AllDRouters as DR/BDR, or our address (s8.2)
    OwnPacket,             ///< sent by this router (our source address or router ID, s8.2)
    AreaMismatch,          ///< Area ID is not the interface's area (s8.2)
    SourceNotOnSubnet,     ///< source outside the receiving broadcast network (s8.2)
    AuthTypeMismatch,      ///< AuType other than null authentication (s8.2, D.1)
    HelloIntervalMismatch, ///< Hello's HelloInterval differs from ours (s10.5)
    DeadIntervalMismatch,  ///< Hello's RouterDeadInterval differs from ours (s10.5)
    NetworkMaskMismatch,   ///< Hello's Network Mask differs on a broadcast network (s10.5)
    OptionsMismatch,       ///< Hello's E-bit differs from the area's (s10.5)
    MtuMismatch,           ///< DBD Interface MTU larger than ours (s10.6)
    UnknownNeighbor,       ///< not a Hello, and no neighbour is known for the source (s10.6)
    NeighborStateTooLow,   ///< the neighbour's state does not accept this packet (s10.6-s13.7)
    DbdRejected,           ///< DBD ignored or a sequence mismatch (s10.6)
    LsrRejected,           ///< LSR for an LSA that is not in the database: BadLSReq (s10.7)
    UnknownLsType,         ///< LSA of a type this model does not handle (s13 (2))
    LsaArrivedTooSoon,     ///< a newer instance within MinLSArrival of the last (s13 (5a))
    Fragment,              ///< an IPv4 fragment (MF set or offset non-zero), not reassembled
};

/// Every drop reason, in declaration order.
constexpr OspfDropReason kAllOspfDropReasons[] = {
    OspfDropReason::Malformed,
    OspfDropReason::BadLsa,
    OspfDropReason::NotOspfInterface,
    OspfDropReason::WrongDestination,
    OspfDropReason::OwnPacket,
    OspfDropReason::AreaMismatch,
    OspfDropReason::SourceNotOnSubnet,
    OspfDropReason::AuthTypeMismatch,
    OspfDropReason::HelloIntervalMismatch,
    OspfDropReason::DeadIntervalMismatch,
    OspfDropReason::NetworkMaskMismatch,
    OspfDropReason::OptionsMismatch,
    OspfDropReason::MtuMismatch,
    OspfDropReason::UnknownNeighbor,
    OspfDropReason::NeighborStateTooLow,
    OspfDropReason::DbdRejected,
    OspfDropReason::LsrRejected,
    OspfDropReason::UnknownLsType,
    OspfDropReason::LsaArrivedTooSoon,
    OspfDropReason::Fragment,
};

std::string_view ToString(OspfNeighborState state);
std::string_view ToString(OspfInterfaceState state);
std::string_view ToString(OspfNetworkType type);
std::string_view ToString(OspfDropReason reason);

/**
 * Per-interface settings. An unset field takes the OspfRoutingProtocol attribute of the same
 * name; the cost, when unset, comes from the link's data rate (see the ReferenceBandwidth
 * attribute).
 */
struct OspfInterfaceSettings
{
    std::optional<uint16_t> cost;
    std::optional<ns3::Time> helloInterval;
    std::optional<ns3::Time> routerDeadInterval;
    std::optional<uint8_t> priority;
    std::optional<bool> mtuIgnore;
    std::optional<OspfNetworkType> networkType; ///< default from the device (IsPointToPoint)
    bool passive = false;  ///< advertised as a stub network, no Hellos, no neighbours
    bool excluded = false; ///< OSPF neither runs on nor advertises this interface
};

/// Record of the "Drop" trace.
struct OspfDrop
{
    ns3::Time time;
    OspfDropReason reason = OspfDropReason::Malformed;
    uint32_t interface = 0;
    ns3::Ipv4Address source;                    ///< IP source of the packet
    uint64_t received = 0;                      ///< the value that failed a check, if any
    uint64_t configured = 0;                    ///< the value this router expected, if any
    std::optional<OspfDecodeError> decodeError; ///< set for Malformed and BadLsa
};

/// Record of the "AdjacencyChange" trace: one neighbour state transition (s10.3).
struct OspfAdjacencyChange
{
    ns3::Time time;
    uint32_t interface = 0;
    ns3::Ipv4Address neighborId;      ///< the neighbour's router ID
    ns3::Ipv4Address neighborAddress; ///< the neighbour's interface address
    OspfNeighborState oldState = OspfNeighborState::Down;
    OspfNeighborState newState = OspfNeighborState::Down;
};

/// Record of the "InterfaceStateChange" trace (s9.3).
struct OspfInterfaceStateChange
{
    ns3::Time time;
    uint32_t interface = 0;
    OspfInterfaceState oldState = OspfInterfaceState::Down;
    OspfInterfaceState newState = OspfInterfaceState::Down;
    ns3::Ipv4Address designatedRouter;       ///< interface address, 0.0.0.0 when none
    ns3::Ipv4Address backupDesignatedRouter; ///< interface address, 0.0.0.0 when none
};

/// Record of the "SpfRun" trace: one routing table calculation (s16).
struct OspfSpfRun
{
    ns3::Time time;        ///< simulation time of the run
    ns3::Time triggeredAt; ///< first change that the run includes
    /// Host CPU time of the calculation. It is measured on the machine running the
    /// simulation, so it differs between runs with the same seed.
    std::chrono::nanoseconds hostDuration{0};
    uint32_t routers = 0;  ///< router vertices reached
    uint32_t networks = 0; ///< transit network vertices reached
    uint32_t routes = 0;   ///< routes in the resulting table
};

enum class OspfRouteChangeKind : uint8_t
{
    Added,
    Removed,
    Changed, ///< next hop, interface or cost differs
};

std::string_view ToString(OspfRouteChangeKind kind);

/// Record of the "RouteChange" trace.
struct OspfRouteChange
{
    ns3::Time time;
    OspfRouteChangeKind kind = OspfRouteChangeKind::Added;
    ns3::Ipv4Address network;
    ns3::Ipv4Mask mask;
    ns3::Ipv4Address nextHop; ///< 0.0.0.0 for a network on the outgoing interface itself
    uint32_t interface = 0;
    uint32_t cost = 0;
};

/// One route of the OSPF routing table, as GetRoutes returns it.
struct OspfRouteInfo
{
    ns3::Ipv4Address network;
    ns3::Ipv4Mask mask;
    ns3::Ipv4Address nextHop;
    uint32_t interface = 0;
    uint32_t cost = 0;
};

/// One neighbour, as GetNeighbors returns it.
struct OspfNeighborInfo
{
    uint32_t interface = 0;
    ns3::Ipv4Address routerId;
    ns3::Ipv4Address address;
    uint8_t priority = 0;
    OspfNeighborState state = OspfNeighborState::Down;
};

} // namespace tunnelsim

#endif
