#include "ike-connection.h"

#include "ipv4-header.h"

namespace tunnelsim
{

std::string_view
ToString(IkeStartAction action)
{
    switch (action)
    {
        case IkeStartAction::None:
            return "none";
        case IkeStartAction::Start:
            return "start";
        case IkeStartAction::Trap:
            return "trap";
    }
    return "unknown";
}

std::optional<IkeStartAction>
ParseIkeStartAction(std::string_view name)
{
    for (auto action : {IkeStartAction::None, IkeStartAction::Start, IkeStartAction::Trap})
    {
        if (ToString(action) == name)
        {
            return action;
        }
    }
    return std::nullopt;
}

std::string_view
ToString(DpdAction action)
{
    switch (action)
    {
        case DpdAction::Clear:
            return "clear";
        case DpdAction::Restart:
            return "restart";
        case DpdAction::Hold:
            return "hold";
    }
    return "unknown";
}

std::optional<DpdAction>
ParseDpdAction(std::string_view name)
{
    for (auto action : {DpdAction::Clear, DpdAction::Restart, DpdAction::Hold})
    {
        if (ToString(action) == name)
        {
            return action;
        }
    }
    return std::nullopt;
}

std::string_view
ToString(IkeNegotiationKind kind)
{
    switch (kind)
    {
        case IkeNegotiationKind::IkeSa:
            return "ike-sa";
        case IkeNegotiationKind::ChildSa:
            return "child-sa";
        case IkeNegotiationKind::Rekey:
            return "rekey";
        case IkeNegotiationKind::Liveness:
            return "liveness";
    }
    return "unknown";
}

std::string_view
ToString(IkeFailureReason reason)
{
    switch (reason)
    {
        case IkeFailureReason::NoProposalChosen:
            return "no-proposal-chosen";
        case IkeFailureReason::AuthenticationFailed:
            return "authentication-failed";
        case IkeFailureReason::TsUnacceptable:
            return "ts-unacceptable";
        case IkeFailureReason::InvalidIdInformation:
            return "invalid-id-information";
        case IkeFailureReason::TimedOut:
            return "timed-out";
        case IkeFailureReason::PeerDead:
            return "peer-dead";
        case IkeFailureReason::InvalidResponse:
            return "invalid-response";
        case IkeFailureReason::ModeUnacceptable:
            return "mode-unacceptable";
    }
    return "unknown";
}

std::string_view
ToString(ChildSaAction action)
{
    switch (action)
    {
        case ChildSaAction::InstallInbound:
            return "install-inbound";
        case ChildSaAction::InstallOutbound:
            return "install-outbound";
        case ChildSaAction::RemoveOutbound:
            return "remove-outbound";
        case ChildSaAction::RemoveInbound:
            return "remove-inbound";
    }
    return "unknown";
}

std::string
IkeConnection::Validate() const
{
    const std::string prefix = "connection '" + name + "': ";
    if (localAddress == ns3::Ipv4Address::GetAny() || remoteAddress == ns3::Ipv4Address::GetAny())
    {
        return prefix + "local and remote IKE addresses are required";
    }
    if (preSharedKey.empty())
    {
        return prefix + "a pre-shared key is required";
    }
    if (ikeProposals.empty() || espProposals.empty())
    {
        return prefix + "at least one IKE and one ESP proposal are required";
    }
    for (const IkeSuite& suite : ikeProposals)
    {
        if (!suite.IsValid())
        {
            return prefix + "invalid IKE suite " + suite.Name();
        }
        if (version == IkeVersion::V1 && suite.IsCombined())
        {
            return prefix
                   + "IKEv1 has no AES-GCM phase 1 suite (RFC 2409); use e.g. "
                     "aes128-sha256-modp2048 instead of "
                   + suite.Name();
        }
    }
    for (const EspSuite& suite : espProposals)
    {
        if (!suite.IsValid())
        {
            return prefix + "invalid ESP suite " + suite.Name();
        }
        if (version == IkeVersion::V1 && suite.cipher == EspCipher::ChaCha20Poly1305)
        {
            return prefix + "IKEv1 cannot negotiate " + suite.Name() + " (RFC 7634 is IKEv2 only)";
        }
    }
    if (selectors.empty())
    {
        return prefix + "at least one selector pair is required";
    }
    for (const SelectorPair& pair : selectors)
    {
        if (!pair.local.IsValid() || !pair.remote.IsValid())
        {
            return prefix + "invalid selector pair " + pair.ToString();
        }
    }
    if (mode == IpsecMode::Transport)
    {
        // RFC 4301 s4.1: a transport-mode SA carries traffic of the two SA endpoints only.
        const TrafficSelector local = TrafficSelector::FromAddress(localAddress.Get());
        const TrafficSelector remote = TrafficSelector::FromAddress(remoteAddress.Get());
        for (const SelectorPair& pair : selectors)
        {
            if (!pair.local.IsSubsetOf(local) || !pair.remote.IsSubsetOf(remote))
            {
                return prefix + "transport mode protects only traffic between the IKE addresses "
                       + Ipv4ToString(localAddress.Get()) + " and "
                       + Ipv4ToString(remoteAddress.Get()) + ", but a selector pair is "
                       + pair.ToString() + "; use tunnel mode or host selectors of those addresses";
            }
        }
    }
    if (!childLifetime.IsStrictlyPositive())
    {
        return prefix + "the CHILD SA lifetime must be positive";
    }
    if (rekeyMargin.IsStrictlyNegative() || rekeyMargin >= childLifetime)
    {
        return prefix + "the rekey margin must be at least 0 and below the CHILD SA lifetime";
    }
    if (rekeyFuzz < 0 || rekeyFuzz > 1)
    {
        return prefix + "the rekey fuzz must be between 0 and 1, got " + std::to_string(rekeyFuzz);
    }
    // ns3::Time::IsNegative() is true for zero as well (m_data <= 0).
    if (dpdDelay.IsStrictlyNegative() || !dpdTimeout.IsStrictlyPositive())
    {
        return prefix + "the DPD delay must be at least 0 and the DPD timeout positive";
    }
    return "";
}

} // namespace tunnelsim
