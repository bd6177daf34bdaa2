/*
 * The interface and neighbour data structures of RFC 2328 s9 and s10. They contain state
 * only: OspfRoutingProtocol runs the state machines on them.
 */
#ifndef TUNNELSIM_OSPF_INTERFACE_H
#define TUNNELSIM_OSPF_INTERFACE_H

#include "ns3/event-id.h"
#include "ns3/ipv4-address.h"
#include "ns3/nstime.h"
#include "ns3/ptr.h"
#include "ns3/socket.h"
#include "ospf-lsa.h"
#include "ospf-packet.h"
#include "ospf-types.h"

#include <deque>
#include <map>
#include <memory>
#include <vector>

namespace tunnelsim
{

/// The neighbour data structure (RFC 2328 s10). Every address and ID is in host byte order.
struct OspfNeighbor
{
    OspfNeighborState state = OspfNeighborState::Down;
    uint32_t routerId = 0;
    uint32_t address = 0; ///< the neighbour's interface address (IP source of its packets)
    uint8_t priority = 0;
    uint8_t options = 0;
    uint32_t designatedRouter = 0;       ///< as the neighbour's last Hello declared it
    uint32_t backupDesignatedRouter = 0; ///< as the neighbour's last Hello declared it

    // Database exchange (s10.6, s10.8).
    bool weAreMaster = false;
    uint32_t ddSequenceNumber = 0;
    bool haveLastReceivedDbd = false;
    uint8_t lastReceivedDbdFlags = 0;
    uint8_t lastReceivedDbdOptions = 0;
    uint32_t lastReceivedDbdSequence = 0;
    OspfDatabaseDescription lastSentDbd; ///< resent on retransmission or to a duplicate
    size_t lastSentDbdHeaders = 0;       ///< summary list entries that lastSentDbd carries
    bool sentLastDbd = false;            ///< a DBD without the M bit has been sent (s10.8)

    std::deque<LsaHeader> databaseSummary;        ///< s10: headers still to describe
    std::map<LsaKey, LsaHeader> requestList;      ///< s10: LSAs to request, with their instance
    std::vector<LsaKey> lastRequested;            ///< keys in the last Link State Request sent
    std::map<LsaKey, Lsa> retransmissionList;     ///< s10: LSAs flooded and not yet acknowledged
    std::map<LsaKey, ns3::Time> lastDirectUpdate; ///< s13 (8): last direct send per LSA

    ns3::EventId inactivityTimer;    ///< s10: RouterDeadInterval without a Hello kills it
    ns3::EventId dbdRetransmitTimer; ///< master's DBD and ExStart retransmission (s10.8)
    ns3::EventId lsrRetransmitTimer; ///< s10.9
    ns3::EventId lsuRetransmitTimer; ///< s13.6

    OspfNeighbor() = default;
    OspfNeighbor(const OspfNeighbor&) = delete;
    OspfNeighbor& operator=(const OspfNeighbor&) = delete;
    ~OspfNeighbor() { CancelTimers(); }

    void CancelTimers()
    {
        inactivityTimer.Cancel();
        dbdRetransmitTimer.Cancel();
        lsrRetransmitTimer.Cancel();
        lsuRetransmitTimer.Cancel();
    }

    /// Empty the three lists of s10 and stop their timers (s10.3, events that restart the
    /// database exchange).
    void ClearLists()
    {
        databaseSummary.clear();
        requestList.clear();
        lastRequested.clear();
        retransmissionList.clear();
        lastDirectUpdate.clear();
        dbdRetransmitTimer.Cancel();
        lsrRetransmitTimer.Cancel();
        lsuRetransmitTimer.Cancel();
    }
};

/// The interface data structure (RFC 2328 s9). Addresses in host byte order.
struct OspfInterface
{
    uint32_t index = 0; ///< Ipv4 interface index
    OspfNetworkType type = OspfNetworkType::PointToPoint;
    OspfInterfaceState state = OspfInterfaceState::Down;
    bool passive = false;
    uint32_t address = 0;
    uint32_t mask = 0;
    uint16_t mtu = 0; ///< IP MTU of the device, bytes
    uint16_t cost = 1;
    ns3::Time helloInterval;
    ns3::Time routerDeadInterval;
    uint8_t priority = 1;
    bool mtuIgnore = false;
    uint32_t designatedRouter = 0;       ///< DR's interface address, 0 when none
    uint32_t backupDesignatedRouter = 0; ///< BDR's interface address, 0 when none

    ns3::Ptr<ns3::Socket> socket;
    ns3::EventId helloTimer;
    ns3::EventId helloReplyTimer; ///< the one pending Hello reply, if any
    ns3::EventId waitTimer;
    ns3::EventId delayedAckTimer;
    ns3::EventId neighborChangeEvent;   ///< s9.2 NeighborChange, run after the current event
    std::vector<LsaHeader> delayedAcks; ///< s13.5: sent together when delayedAckTimer fires

    /// Neighbours keyed by router ID on point-to-point interfaces and by interface address
    /// on broadcast ones (s8.2). A neighbour that went Down stays here in state Down.
    std::map<uint32_t, std::unique_ptr<OspfNeighbor>> neighbors;

    bool IsDrOrBackup() const
    {
        return state == OspfInterfaceState::DesignatedRouter || state == OspfInterfaceState::Backup;
    }

    uint32_t Network() const { return address & mask; }

    /// True when at least one neighbour is in state Exchange or Loading.
    bool HasExchangingNeighbor() const
    {
        for (const auto& [key, neighbor] : neighbors)
        {
            if (neighbor->state == OspfNeighborState::Exchange
                || neighbor->state == OspfNeighborState::Loading)
            {
                return true;
            }
        }
        return false;
    }
};

} // namespace tunnelsim

#endif
