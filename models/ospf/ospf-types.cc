#include "ospf-types.h"

namespace tunnelsim
{

std::string_view
ToString(OspfNeighborState state)
{
    switch (state)
    {
        case OspfNeighborState::Down:
            return "down";
        case OspfNeighborState::Init:
            return "init";
        case OspfNeighborState::TwoWay:
            return "2-way";
        case OspfNeighborState::ExStart:
            return "exstart";
        case OspfNeighborState::Exchange:
            return "exchange";
        case OspfNeighborState::Loading:
            return "loading";
        case OspfNeighborState::Full:
            return "full";
    }
    return "unknown";
}

std::string_view
ToString(OspfInterfaceState state)
{
    switch (state)
    {
        case OspfInterfaceState::Down:
            return "down";
        case OspfInterfaceState::Waiting:
            return "waiting";
        case OspfInterfaceState::PointToPoint:
            return "point-to-point";
        case OspfInterfaceState::DrOther:
            return "dr-other";
        case OspfInterfaceState::Backup:
            return "backup";
        case OspfInterfaceState::DesignatedRouter:
            return "dr";
    }
    return "unknown";
}

std::string_view
ToString(OspfNetworkType type)
{
    switch (type)
    {
        case OspfNetworkType::PointToPoint:
            return "point-to-point";
        case OspfNetworkType::Broadcast:
            return "broadcast";
    }
    return "unknown";
}

std::string_view
ToString(OspfDropReason reason)
{
    switch (reason)
    {
        case OspfDropReason::Malformed:
            return "malformed";
        case OspfDropReason::BadLsa:
            return "bad-lsa";
        case OspfDropReason::NotOspfInterface:
            return "not-ospf-interface";
        case OspfDropReason::WrongDestination:
            return "wrong-destination";
        case OspfDropReason::OwnPacket:
            return "own-packet";
        case OspfDropReason::AreaMismatch:
            return "area-mismatch";
        case OspfDropReason::SourceNotOnSubnet:
            return "source-not-on-subnet";
        case OspfDropReason::AuthTypeMismatch:
            return "auth-type-mismatch";
        case OspfDropReason::HelloIntervalMismatch:
            return "hello-interval-mismatch";
        case OspfDropReason::DeadIntervalMismatch:
            return "dead-interval-mismatch";
        case OspfDropReason::NetworkMaskMismatch:
            return "network-mask-mismatch";
        case OspfDropReason::OptionsMismatch:
            return "options-mismatch";
        case OspfDropReason::MtuMismatch:
            return "mtu-mismatch";
        case OspfDropReason::UnknownNeighbor:
            return "unknown-neighbor";
        case OspfDropReason::NeighborStateTooLow:
            return "neighbor-state-too-low";
        case OspfDropReason::DbdRejected:
            return "dbd-rejected";
        case OspfDropReason::LsrRejected:
            return "lsr-rejected";
        case OspfDropReason::UnknownLsType:
            return "unknown-ls-type";
        case OspfDropReason::LsaArrivedTooSoon:
            return "lsa-arrived-too-soon";
        case OspfDropReason::Fragment:
            return "fragment";
    }
    return "unknown";
}

std::string_view
ToString(OspfRouteChangeKind kind)
{
    switch (kind)
    {
        case OspfRouteChangeKind::Added:
            return "added";
        case OspfRouteChangeKind::Removed:
            return "removed";
        case OspfRouteChangeKind::Changed:
            return "changed";
    }
    return "unknown";
}

} // namespace tunnelsim
