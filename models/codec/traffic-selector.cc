#include "traffic-selector.h"

#include "ipv4-header.h"

#include <algorithm>
#include <charconv>

namespace tunnelsim
{

namespace
{

constexpr uint8_t kIpv4AddressBits = 32;

uint32_t
PrefixMask(uint8_t length)
{
    return length == 0 ? 0 : ~uint32_t{0} << (kIpv4AddressBits - length);
}

bool
ProtocolUsesPorts(uint8_t protocol)
{
    // RFC 7296 s3.13.1: ports are meaningful for TCP, UDP, SCTP and the like; for protocol
    // "any" the port range must be 0-65535.
    return protocol == kIpProtocolTcp || protocol == kIpProtocolUdp;
}

std::optional<uint16_t>
ParseUnsigned16(std::string_view text)
{
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value > kMaxPort)
    {
        return std::nullopt;
    }
    return static_cast<uint16_t>(value);
}

/// Similarity of two selectors (3 equal, 2 nested, 1 overlapping, 0 disjoint), for ranking
/// the responder's closest configured pairs.
int
SimilarityScore(const TrafficSelector& proposed, const TrafficSelector& configured)
{
    if (proposed == configured)
    {
        return 3;
    }
    if (proposed.IsSubsetOf(configured) || configured.IsSubsetOf(proposed))
    {
        return 2;
    }
    return Intersect(proposed, configured) ? 1 : 0;
}

void
AppendUnique(std::vector<TrafficSelector>& list, const TrafficSelector& selector)
{
    if (std::find(list.begin(), list.end(), selector) == list.end())
    {
        list.push_back(selector);
    }
}

bool
SameSet(const std::vector<TrafficSelector>& a, const std::vector<TrafficSelector>& b)
{
    if (a.size() != b.size())
    {
        return false;
    }
    return std::all_of(a.begin(), a.end(),
                       [&b](const TrafficSelector& s)
                       {
                           return std::find(b.begin(), b.end(), s) != b.end();
                       });
}

std::string
JoinSelectors(const std::vector<TrafficSelector>& list)
{
    std::string out;
    for (size_t i = 0; i < list.size(); ++i)
    {
        out += (i == 0 ? "" : ",") + list[i].ToString();
    }
    return out;
}

/// The responder's configured pairs in the initiator's view, ranked by likeness to the
/// proposal's first TSi and TSr. Ties keep configuration order.
std::vector<SelectorPair>
RankClosest(const SelectorProposal& proposal, const std::vector<SelectorPair>& configured)
{
    std::vector<std::pair<int, size_t>> ranked;
    for (size_t i = 0; i < configured.size(); ++i)
    {
        const SelectorPair seen = configured[i].Mirrored();
        int score = 0;
        if (!proposal.initiator.empty() && !proposal.responder.empty())
        {
            score = SimilarityScore(proposal.initiator.front(), seen.local)
                    + SimilarityScore(proposal.responder.front(), seen.remote);
        }
        ranked.emplace_back(score, i);
    }
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const auto& a, const auto& b)
                     {
                         return a.first > b.first;
                     });
    std::vector<SelectorPair> closest;
    for (size_t i = 0; i < ranked.size() && i < kMaxClosestPairs; ++i)
    {
        closest.push_back(configured[ranked[i].second].Mirrored());
    }
    return closest;
}

SelectorMatchResult
MatchStrict(const SelectorProposal& proposal, const std::vector<SelectorPair>& configured)
{
    SelectorMatchResult result;
    // An IKEv1 Quick Mode carries exactly one IDci and one IDcr (RFC 2409 s5.5). A strict
    // responder accepts only such single-selector proposals.
    if (proposal.initiator.size() == 1 && proposal.responder.size() == 1)
    {
        const SelectorPair wanted{proposal.responder.front(), proposal.initiator.front()};
        for (const SelectorPair& pair : configured)
        {
            if (pair == wanted)
            {
                result.accepted = true;
                result.rule = SelectorRule::ExactMirror;
                result.initiator = proposal.initiator;
                result.responder = proposal.responder;
                return result;
            }
        }
    }
    result.rule = SelectorRule::NoExactMirror;
    result.closest = RankClosest(proposal, configured);
    return result;
}

struct NarrowingCandidate
{
    std::vector<TrafficSelector> initiator;
    std::vector<TrafficSelector> responder;
    bool covered = false;
};

/// RFC 7296 s2.9: the responder narrows the proposal to the part its policy allows.
SelectorMatchResult
MatchNarrowing(const SelectorProposal& proposal, const std::vector<SelectorPair>& configured)
{
    SelectorMatchResult result;
    std::vector<NarrowingCandidate> withTrigger;
    std::vector<NarrowingCandidate> others;
    for (const SelectorPair& pair : configured)
    {
        NarrowingCandidate candidate;
        for (const TrafficSelector& tsi : proposal.initiator)
        {
            if (auto part = Intersect(tsi, pair.remote))
            {
                AppendUnique(candidate.initiator, *part);
            }
        }
        for (const TrafficSelector& tsr : proposal.responder)
        {
            if (auto part = Intersect(tsr, pair.local))
            {
                AppendUnique(candidate.responder, *part);
            }
        }
        if (candidate.initiator.empty() || candidate.responder.empty())
        {
            continue;
        }
        // RFC 7296 s2.9: when the trigger packet is known, prefer the policy that contains
        // it, so the SA carries the packet that caused the negotiation.
        const bool containsTrigger = proposal.trigger
                                     && proposal.trigger->local.IsSubsetOf(pair.remote)
                                     && proposal.trigger->remote.IsSubsetOf(pair.local);
        (containsTrigger ? withTrigger : others).push_back(candidate);
    }
    std::vector<NarrowingCandidate> candidates = withTrigger;
    candidates.insert(candidates.end(), others.begin(), others.end());

    if (candidates.empty())
    {
        result.rule = SelectorRule::NoIntersection;
        result.closest = RankClosest(proposal, configured);
        return result;
    }

    // TSi x TSr is a cross product, so only candidates that share one whole side can be
    // merged into one response: first those with the same TSr (extending TSi), otherwise
    // those with the same TSi (extending TSr).
    NarrowingCandidate& chosen = candidates.front();
    chosen.covered = true;
    result.initiator = chosen.initiator;
    result.responder = chosen.responder;
    for (size_t i = 1; i < candidates.size(); ++i)
    {
        if (SameSet(candidates[i].responder, chosen.responder))
        {
            for (const TrafficSelector& s : candidates[i].initiator)
            {
                AppendUnique(result.initiator, s);
            }
            candidates[i].covered = true;
        }
    }
    if (result.initiator.size() == chosen.initiator.size())
    {
        for (size_t i = 1; i < candidates.size(); ++i)
        {
            if (SameSet(candidates[i].initiator, chosen.initiator))
            {
                for (const TrafficSelector& s : candidates[i].responder)
                {
                    AppendUnique(result.responder, s);
                }
                candidates[i].covered = true;
            }
        }
    }
    result.additionalTsPossible = std::any_of(candidates.begin(), candidates.end(),
                                              [](const NarrowingCandidate& c)
                                              {
                                                  return !c.covered;
                                              });

    result.accepted = true;
    const bool unchanged = SameSet(result.initiator, proposal.initiator)
                           && SameSet(result.responder, proposal.responder);
    if (!unchanged)
    {
        result.rule = SelectorRule::Narrowed;
    }
    else if (MatchStrict(proposal, configured).accepted)
    {
        result.rule = SelectorRule::ExactMirror;
    }
    else
    {
        result.rule = SelectorRule::Contained;
    }
    return result;
}

} // namespace

TrafficSelector
TrafficSelector::FromPrefix(uint32_t network, uint8_t length, uint8_t ipProtocol)
{
    const uint8_t bits = std::min(length, kIpv4AddressBits);
    TrafficSelector selector;
    selector.startAddress = network & PrefixMask(bits);
    selector.endAddress = selector.startAddress | ~PrefixMask(bits);
    selector.ipProtocol = ipProtocol;
    return selector;
}

TrafficSelector
TrafficSelector::FromAddress(uint32_t address, uint8_t ipProtocol)
{
    return FromPrefix(address, kIpv4AddressBits, ipProtocol);
}

bool
TrafficSelector::IsValid() const
{
    return startAddress <= endAddress && startPort <= endPort;
}

bool
TrafficSelector::IsSubsetOf(const TrafficSelector& other) const
{
    const bool protocolInside
        = other.ipProtocol == kAnyIpProtocol || other.ipProtocol == ipProtocol;
    return protocolInside && startAddress >= other.startAddress && endAddress <= other.endAddress
           && startPort >= other.startPort && endPort <= other.endPort;
}

bool
TrafficSelector::Contains(uint32_t address, uint8_t protocol, uint16_t port) const
{
    if (address < startAddress || address > endAddress)
    {
        return false;
    }
    if (ipProtocol != kAnyIpProtocol && ipProtocol != protocol)
    {
        return false;
    }
    return !ProtocolUsesPorts(protocol) || (port >= startPort && port <= endPort);
}

std::optional<uint8_t>
TrafficSelector::PrefixLength() const
{
    for (uint8_t length = 0; length <= kIpv4AddressBits; ++length)
    {
        const uint32_t mask = PrefixMask(length);
        if ((startAddress & ~mask) == 0 && endAddress == (startAddress | ~mask))
        {
            return length;
        }
    }
    return std::nullopt;
}

std::string
TrafficSelector::ToString() const
{
    std::string out;
    if (auto length = PrefixLength())
    {
        out = Ipv4ToString(startAddress) + "/" + std::to_string(*length);
    }
    else
    {
        out = Ipv4ToString(startAddress) + "-" + Ipv4ToString(endAddress);
    }
    if (ipProtocol != kAnyIpProtocol)
    {
        out += "/proto=" + std::to_string(ipProtocol);
    }
    if (startPort != kMinPort || endPort != kMaxPort)
    {
        out += "/ports=" + std::to_string(startPort) + "-" + std::to_string(endPort);
    }
    return out;
}

bool
TrafficSelector::operator==(const TrafficSelector& other) const
{
    return startAddress == other.startAddress && endAddress == other.endAddress
           && ipProtocol == other.ipProtocol && startPort == other.startPort
           && endPort == other.endPort;
}

std::optional<TrafficSelector>
ParseTrafficSelector(std::string_view text)
{
    TrafficSelector selector;
    // Optional suffixes first: "/proto=N" and "/ports=A-B", in any order.
    for (;;)
    {
        const size_t slash = text.rfind('/');
        if (slash == std::string_view::npos)
        {
            break;
        }
        const std::string_view suffix = text.substr(slash + 1);
        if (suffix.rfind("proto=", 0) == 0)
        {
            auto protocol = ParseUnsigned16(suffix.substr(6));
            if (!protocol || *protocol > 255)
            {
                return std::nullopt;
            }
            selector.ipProtocol = static_cast<uint8_t>(*protocol);
        }
        else if (suffix.rfind("ports=", 0) == 0)
        {
            const std::string_view range = suffix.substr(6);
            const size_t dash = range.find('-');
            if (dash == std::string_view::npos)
            {
                return std::nullopt;
            }
            auto first = ParseUnsigned16(range.substr(0, dash));
            auto last = ParseUnsigned16(range.substr(dash + 1));
            if (!first || !last)
            {
                return std::nullopt;
            }
            selector.startPort = *first;
            selector.endPort = *last;
        }
        else
        {
            break;
        }
        text = text.substr(0, slash);
    }

    const size_t slash = text.find('/');
    const size_t dash = text.find('-');
    if (slash != std::string_view::npos)
    {
        auto network = Ipv4FromString(text.substr(0, slash));
        auto length = ParseUnsigned16(text.substr(slash + 1));
        if (!network || !length || *length > kIpv4AddressBits)
        {
            return std::nullopt;
        }
        const TrafficSelector prefix
            = TrafficSelector::FromPrefix(*network, static_cast<uint8_t>(*length));
        selector.startAddress = prefix.startAddress;
        selector.endAddress = prefix.endAddress;
    }
    else if (dash != std::string_view::npos)
    {
        auto first = Ipv4FromString(text.substr(0, dash));
        auto last = Ipv4FromString(text.substr(dash + 1));
        if (!first || !last)
        {
            return std::nullopt;
        }
        selector.startAddress = *first;
        selector.endAddress = *last;
    }
    else
    {
        auto address = Ipv4FromString(text);
        if (!address)
        {
            return std::nullopt;
        }
        selector.startAddress = *address;
        selector.endAddress = *address;
    }
    if (!selector.IsValid())
    {
        return std::nullopt;
    }
    return selector;
}

std::optional<TrafficSelector>
Intersect(const TrafficSelector& a, const TrafficSelector& b)
{
    TrafficSelector out;
    if (a.ipProtocol != kAnyIpProtocol && b.ipProtocol != kAnyIpProtocol
        && a.ipProtocol != b.ipProtocol)
    {
        return std::nullopt;
    }
    out.ipProtocol = a.ipProtocol != kAnyIpProtocol ? a.ipProtocol : b.ipProtocol;
    out.startAddress = std::max(a.startAddress, b.startAddress);
    out.endAddress = std::min(a.endAddress, b.endAddress);
    out.startPort = std::max(a.startPort, b.startPort);
    out.endPort = std::min(a.endPort, b.endPort);
    if (!out.IsValid())
    {
        return std::nullopt;
    }
    return out;
}

std::string
SelectorPair::ToString() const
{
    return local.ToString() + " <-> " + remote.ToString();
}

std::string_view
ToString(SelectorMatchStyle style)
{
    switch (style)
    {
        case SelectorMatchStyle::Ikev1Strict:
            return "ikev1-strict";
        case SelectorMatchStyle::Ikev2Narrowing:
            return "ikev2-narrowing";
    }
    return "unknown";
}

std::optional<SelectorMatchStyle>
ParseSelectorMatchStyle(std::string_view name)
{
    for (auto style : {SelectorMatchStyle::Ikev1Strict, SelectorMatchStyle::Ikev2Narrowing})
    {
        if (ToString(style) == name)
        {
            return style;
        }
    }
    return std::nullopt;
}

std::string_view
ToString(SelectorRule rule)
{
    switch (rule)
    {
        case SelectorRule::ExactMirror:
            return "exact-mirror";
        case SelectorRule::Contained:
            return "contained";
        case SelectorRule::Narrowed:
            return "narrowed";
        case SelectorRule::NoExactMirror:
            return "no-exact-mirror";
        case SelectorRule::NoIntersection:
            return "no-intersection";
    }
    return "unknown";
}

SelectorProposal
SelectorProposal::FromPair(const SelectorPair& initiatorPair)
{
    SelectorProposal proposal;
    proposal.initiator.push_back(initiatorPair.local);
    proposal.responder.push_back(initiatorPair.remote);
    return proposal;
}

std::vector<SelectorPair>
SelectorMatchResult::AcceptedPairs() const
{
    std::vector<SelectorPair> pairs;
    for (const TrafficSelector& tsi : initiator)
    {
        for (const TrafficSelector& tsr : responder)
        {
            pairs.push_back(SelectorPair{tsi, tsr});
        }
    }
    return pairs;
}

SelectorMatchResult
MatchSelectors(const SelectorProposal& proposal, const std::vector<SelectorPair>& configured,
               SelectorMatchStyle style)
{
    if (style == SelectorMatchStyle::Ikev1Strict)
    {
        return MatchStrict(proposal, configured);
    }
    return MatchNarrowing(proposal, configured);
}

std::string
DescribeSelectorMatch(const SelectorProposal& proposal, const SelectorMatchResult& result,
                      SelectorMatchStyle style)
{
    std::string out = "proposed TSi " + JoinSelectors(proposal.initiator) + " TSr "
                      + JoinSelectors(proposal.responder);
    out += result.accepted ? " accepted by " : " rejected by ";
    out += std::string(ToString(style)) + " (" + std::string(ToString(result.rule)) + ")";
    if (result.accepted)
    {
        out += " as TSi " + JoinSelectors(result.initiator) + " TSr "
               + JoinSelectors(result.responder);
        if (result.additionalTsPossible)
        {
            out += ", additional selectors possible";
        }
        return out;
    }
    out += "; responder's closest:";
    if (result.closest.empty())
    {
        return out + " none configured";
    }
    for (size_t i = 0; i < result.closest.size(); ++i)
    {
        out += (i == 0 ? " " : ", ");
        out += "TSi " + result.closest[i].local.ToString() + " TSr "
               + result.closest[i].remote.ToString();
    }
    return out;
}

} // namespace tunnelsim
