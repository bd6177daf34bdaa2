// Responder-side traffic selector matching: every proposal shape under both matching styles,
// with the accepted selectors and the diagnostic a rejection produces.
#include "ipv4-header.h"
#include "traffic-selector.h"

#include <gtest/gtest.h>

namespace tunnelsim
{
namespace
{

TrafficSelector
Ts(const std::string& text)
{
    auto selector = ParseTrafficSelector(text);
    EXPECT_TRUE(selector.has_value()) << text;
    return selector.value_or(TrafficSelector{});
}

std::vector<std::string>
Strings(const std::vector<TrafficSelector>& list)
{
    std::vector<std::string> out;
    for (const auto& s : list)
    {
        out.push_back(s.ToString());
    }
    return out;
}

std::vector<std::string>
Strings(const std::vector<SelectorPair>& list)
{
    std::vector<std::string> out;
    for (const auto& pair : list)
    {
        out.push_back("TSi " + pair.local.ToString() + " TSr " + pair.remote.ToString());
    }
    return out;
}

/// Configured pairs are written from the responder's view: {local (TSr side), remote}.
struct ConfiguredPair
{
    std::string local;
    std::string remote;
};

struct MatchCase
{
    std::string name;
    std::string proposedTsi;
    std::string proposedTsr;
    std::vector<ConfiguredPair> configured;
    SelectorMatchStyle style;
    bool accepted;
    SelectorRule rule;
    std::vector<std::string> tsi; ///< accepted TSi, empty on rejection
    std::vector<std::string> tsr;
    std::vector<std::string> closest; ///< "TSi x TSr" of the reported closest pairs
};

/// Print only the case name, so test names stay the same from one build to the next.
void
PrintTo(const MatchCase& c, std::ostream* out)
{
    *out << c.name;
}

const auto kStrict = SelectorMatchStyle::Ikev1Strict;
const auto kNarrowing = SelectorMatchStyle::Ikev2Narrowing;

// The initiator sits at site 10.1.0.0/16, the responder at 10.2.0.0/16.
const std::vector<MatchCase> kCases = {
    {"exact mirror, strict",
     "10.1.1.0/24",
     "10.2.1.0/24",
     {{"10.2.1.0/24", "10.1.1.0/24"}},
     kStrict,
     true,
     SelectorRule::ExactMirror,
     {"10.1.1.0/24"},
     {"10.2.1.0/24"},
     {}},
    {"exact mirror, narrowing",
     "10.1.1.0/24",
     "10.2.1.0/24",
     {{"10.2.1.0/24", "10.1.1.0/24"}},
     kNarrowing,
     true,
     SelectorRule::ExactMirror,
     {"10.1.1.0/24"},
     {"10.2.1.0/24"},
     {}},
    {"responder superset, strict",
     "10.1.1.0/24",
     "10.2.1.0/24",
     {{"10.2.0.0/16", "10.1.0.0/16"}},
     kStrict,
     false,
     SelectorRule::NoExactMirror,
     {},
     {},
     {"TSi 10.1.0.0/16 TSr 10.2.0.0/16"}},
    {"responder superset, narrowing",
     "10.1.1.0/24",
     "10.2.1.0/24",
     {{"10.2.0.0/16", "10.1.0.0/16"}},
     kNarrowing,
     true,
     SelectorRule::Contained,
     {"10.1.1.0/24"},
     {"10.2.1.0/24"},
     {}},
    {"responder subset, strict",
     "10.1.0.0/16",
     "10.2.0.0/16",
     {{"10.2.1.0/24", "10.1.1.0/24"}},
     kStrict,
     false,
     SelectorRule::NoExactMirror,
     {},
     {},
     {"TSi 10.1.1.0/24 TSr 10.2.1.0/24"}},
    {"responder subset, narrowing",
     "10.1.0.0/16",
     "10.2.0.0/16",
     {{"10.2.1.0/24", "10.1.1.0/24"}},
     kNarrowing,
     true,
     SelectorRule::Narrowed,
     {"10.1.1.0/24"},
     {"10.2.1.0/24"},
     {}},
    {"disjoint, strict",
     "10.1.1.0/24",
     "10.2.1.0/24",
     {{"10.2.9.0/24", "10.1.9.0/24"}},
     kStrict,
     false,
     SelectorRule::NoExactMirror,
     {},
     {},
     {"TSi 10.1.9.0/24 TSr 10.2.9.0/24"}},
    {"disjoint, narrowing",
     "10.1.1.0/24",
     "10.2.1.0/24",
     {{"10.2.9.0/24", "10.1.9.0/24"}},
     kNarrowing,
     false,
     SelectorRule::NoIntersection,
     {},
     {},
     {"TSi 10.1.9.0/24 TSr 10.2.9.0/24"}},
    {"split halves, strict",
     "10.1.0.0/24",
     "10.2.0.0/24",
     {{"10.2.0.0/24", "10.1.0.0/25"}, {"10.2.0.0/24", "10.1.0.128/25"}},
     kStrict,
     false,
     SelectorRule::NoExactMirror,
     {},
     {},
     {"TSi 10.1.0.0/25 TSr 10.2.0.0/24", "TSi 10.1.0.128/25 TSr 10.2.0.0/24"}},
    {"split halves, narrowing",
     "10.1.0.0/24",
     "10.2.0.0/24",
     {{"10.2.0.0/24", "10.1.0.0/25"}, {"10.2.0.0/24", "10.1.0.128/25"}},
     kNarrowing,
     true,
     SelectorRule::Narrowed,
     {"10.1.0.0/25", "10.1.0.128/25"},
     {"10.2.0.0/24"},
     {}},
    {"overlapping, strict",
     "10.1.0.0/23",
     "10.2.0.0/24",
     {{"10.2.0.0/24", "10.1.1.0-10.1.2.255"}},
     kStrict,
     false,
     SelectorRule::NoExactMirror,
     {},
     {},
     {"TSi 10.1.1.0-10.1.2.255 TSr 10.2.0.0/24"}},
    {"overlapping, narrowing",
     "10.1.0.0/23",
     "10.2.0.0/24",
     {{"10.2.0.0/24", "10.1.1.0-10.1.2.255"}},
     kNarrowing,
     true,
     SelectorRule::Narrowed,
     {"10.1.1.0/24"},
     {"10.2.0.0/24"},
     {}},
    {"protocol differs, strict",
     "192.0.2.1/proto=47",
     "198.51.100.1/proto=47",
     {{"198.51.100.1", "192.0.2.1"}},
     kStrict,
     false,
     SelectorRule::NoExactMirror,
     {},
     {},
     {"TSi 192.0.2.1/32 TSr 198.51.100.1/32"}},
    {"protocol any to GRE, narrowing",
     "192.0.2.1/proto=47",
     "198.51.100.1/proto=47",
     {{"198.51.100.1", "192.0.2.1"}},
     kNarrowing,
     true,
     SelectorRule::Contained,
     {"192.0.2.1/32/proto=47"},
     {"198.51.100.1/32/proto=47"},
     {}},
    {"route-based any, strict",
     "0.0.0.0/0",
     "0.0.0.0/0",
     {{"0.0.0.0/0", "0.0.0.0/0"}},
     kStrict,
     true,
     SelectorRule::ExactMirror,
     {"0.0.0.0/0"},
     {"0.0.0.0/0"},
     {}},
    {"closest ranked, strict",
     "10.1.1.0/24",
     "10.2.1.0/24",
     {{"10.2.7.0/24", "10.1.7.0/24"},
      {"10.2.1.0/24", "10.1.0.0/16"},
      {"10.2.1.0/24", "10.1.2.0/24"},
      {"10.2.9.0/24", "10.1.9.0/24"}},
     kStrict,
     false,
     SelectorRule::NoExactMirror,
     {},
     {},
     {"TSi 10.1.0.0/16 TSr 10.2.1.0/24", "TSi 10.1.2.0/24 TSr 10.2.1.0/24",
      "TSi 10.1.7.0/24 TSr 10.2.7.0/24"}},
};

class SelectorMatch : public ::testing::TestWithParam<MatchCase>
{
};

TEST_P(SelectorMatch, Outcome)
{
    const MatchCase& c = GetParam();
    std::vector<SelectorPair> configured;
    for (const auto& pair : c.configured)
    {
        configured.push_back(SelectorPair{Ts(pair.local), Ts(pair.remote)});
    }
    SelectorProposal proposal;
    proposal.initiator = {Ts(c.proposedTsi)};
    proposal.responder = {Ts(c.proposedTsr)};

    const SelectorMatchResult result = MatchSelectors(proposal, configured, c.style);

    EXPECT_EQ(result.accepted, c.accepted);
    EXPECT_EQ(ToString(result.rule), ToString(c.rule));
    EXPECT_EQ(Strings(result.initiator), c.tsi);
    EXPECT_EQ(Strings(result.responder), c.tsr);
    EXPECT_EQ(Strings(result.closest), c.closest);
    EXPECT_FALSE(result.additionalTsPossible);

    // The diagnostic names the proposal, the style, the rule and each closest pair.
    const std::string text = DescribeSelectorMatch(proposal, result, c.style);
    EXPECT_NE(text.find("TSi " + proposal.initiator[0].ToString()), std::string::npos) << text;
    EXPECT_NE(text.find("TSr " + proposal.responder[0].ToString()), std::string::npos) << text;
    EXPECT_NE(text.find(std::string(ToString(c.style))), std::string::npos) << text;
    EXPECT_NE(text.find(std::string(ToString(c.rule))), std::string::npos) << text;
    EXPECT_NE(text.find(c.accepted ? "accepted" : "rejected"), std::string::npos) << text;
    for (const auto& closest : c.closest)
    {
        EXPECT_NE(text.find(closest), std::string::npos) << text;
    }
}

INSTANTIATE_TEST_SUITE_P(Table, SelectorMatch, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<MatchCase>& info)
                         {
                             std::string name;
                             for (char ch : info.param.name)
                             {
                                 name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
                             }
                             return name;
                         });

TEST(SelectorNarrowing, SplitOnBothSidesLeavesAdditional)
{
    // Two configured pairs that share neither side cannot be one TSi x TSr response.
    const std::vector<SelectorPair> configured = {
        {Ts("10.2.1.0/24"), Ts("10.1.1.0/24")},
        {Ts("10.2.2.0/24"), Ts("10.1.2.0/24")},
    };
    const SelectorProposal proposal
        = SelectorProposal::FromPair({Ts("10.1.0.0/16"), Ts("10.2.0.0/16")});

    const auto result = MatchSelectors(proposal, configured, kNarrowing);

    ASSERT_TRUE(result.accepted);
    EXPECT_EQ(Strings(result.initiator), std::vector<std::string>{"10.1.1.0/24"});
    EXPECT_EQ(Strings(result.responder), std::vector<std::string>{"10.2.1.0/24"});
    EXPECT_TRUE(result.additionalTsPossible);
}

TEST(SelectorNarrowing, PrefersPairWithTrigger)
{
    const std::vector<SelectorPair> configured = {
        {Ts("10.2.1.0/24"), Ts("10.1.1.0/24")},
        {Ts("10.2.2.0/24"), Ts("10.1.2.0/24")},
    };
    SelectorProposal proposal = SelectorProposal::FromPair({Ts("10.1.0.0/16"), Ts("10.2.0.0/16")});
    proposal.trigger = SelectorPair{Ts("10.1.2.10"), Ts("10.2.2.20")};

    const auto result = MatchSelectors(proposal, configured, kNarrowing);

    ASSERT_TRUE(result.accepted);
    EXPECT_EQ(Strings(result.initiator), std::vector<std::string>{"10.1.2.0/24"});
    EXPECT_EQ(Strings(result.responder), std::vector<std::string>{"10.2.2.0/24"});
}

TEST(SelectorNarrowing, AcceptedPairsAreCrossProduct)
{
    SelectorMatchResult result;
    result.initiator = {Ts("10.1.0.0/25"), Ts("10.1.0.128/25")};
    result.responder = {Ts("10.2.0.0/24")};

    const auto pairs = result.AcceptedPairs();

    ASSERT_EQ(pairs.size(), 2u);
    EXPECT_EQ(pairs[0].ToString(), "10.1.0.0/25 <-> 10.2.0.0/24");
    EXPECT_EQ(pairs[1].ToString(), "10.1.0.128/25 <-> 10.2.0.0/24");
}

TEST(SelectorMatchNone, NoConfiguredPairs)
{
    const auto proposal = SelectorProposal::FromPair({Ts("10.1.0.0/24"), Ts("10.2.0.0/24")});

    for (auto style : {kStrict, kNarrowing})
    {
        const auto result = MatchSelectors(proposal, {}, style);
        EXPECT_FALSE(result.accepted) << ToString(style);
        EXPECT_TRUE(result.closest.empty()) << ToString(style);
        EXPECT_NE(DescribeSelectorMatch(proposal, result, style).find("none configured"),
                  std::string::npos);
    }
}

struct ParseCase
{
    std::string text;
    bool valid;
    std::string canonical;
};

TEST(TrafficSelectorParse, Table)
{
    const ParseCase cases[] = {
        {"10.1.0.0/24", true, "10.1.0.0/24"},
        {"10.1.0.77/24", true, "10.1.0.0/24"},
        {"0.0.0.0/0", true, "0.0.0.0/0"},
        {"192.0.2.1", true, "192.0.2.1/32"},
        {"10.1.0.5-10.1.0.9", true, "10.1.0.5-10.1.0.9"},
        {"10.1.0.0-10.1.0.255", true, "10.1.0.0/24"},
        {"192.0.2.1/proto=47", true, "192.0.2.1/32/proto=47"},
        {"10.0.0.0/8/proto=17/ports=500-500", true, "10.0.0.0/8/proto=17/ports=500-500"},
        {"10.1.0.9-10.1.0.5", false, ""},
        {"10.1.0.0/33", false, ""},
        {"10.1.0/24", false, ""},
        {"10.1.0.0/24/proto=256", false, ""},
        {"10.1.0.0/24/ports=9-1", false, ""},
        {"", false, ""},
    };
    for (const auto& c : cases)
    {
        auto parsed = ParseTrafficSelector(c.text);
        EXPECT_EQ(parsed.has_value(), c.valid) << c.text;
        if (parsed && c.valid)
        {
            EXPECT_EQ(parsed->ToString(), c.canonical) << c.text;
        }
    }
}

TEST(TrafficSelectorIntersect, ProtocolAndPorts)
{
    const auto any = Ts("10.0.0.0/8");
    const auto udp500 = Ts("10.1.0.0/16/proto=17/ports=500-500");
    const auto gre = Ts("10.1.0.0/16/proto=47");

    auto anyAndUdp = Intersect(any, udp500);
    ASSERT_TRUE(anyAndUdp.has_value());
    EXPECT_EQ(anyAndUdp->ToString(), "10.1.0.0/16/proto=17/ports=500-500");
    EXPECT_FALSE(Intersect(udp500, gre).has_value());
    EXPECT_FALSE(Intersect(Ts("10.1.0.0/24"), Ts("10.1.1.0/24")).has_value());
}

TEST(TrafficSelectorContains, PortsOnlyForTcpAndUdp)
{
    const auto udp500 = Ts("10.1.0.0/16/proto=17/ports=500-500");

    EXPECT_TRUE(udp500.Contains(0x0a010203, kIpProtocolUdp, 500));
    EXPECT_FALSE(udp500.Contains(0x0a010203, kIpProtocolUdp, 4500));
    EXPECT_FALSE(udp500.Contains(0x0a010203, kIpProtocolGre, 0));
    EXPECT_FALSE(udp500.Contains(0x0a020203, kIpProtocolUdp, 500));
    EXPECT_TRUE(Ts("0.0.0.0/0").Contains(0x0a020203, kIpProtocolGre, 0));
}

} // namespace
} // namespace tunnelsim
