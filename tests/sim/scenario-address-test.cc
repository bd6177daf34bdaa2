// IPv4 prefix parsing and the LAN and link addressing conventions of scenario files.
#include "ipv4-header.h"
#include "scenario-address.h"

#include <gtest/gtest.h>

namespace tunnelsim
{
namespace
{

uint32_t
Address(const char* text)
{
    return *Ipv4FromString(text);
}

struct PrefixCase
{
    const char* text;
    bool valid;
    PrefixParseError error; ///< when invalid
};

TEST(ParseIpv4Prefix, Table)
{
    const PrefixCase cases[] = {
        {"10.1.1.0/24", true, PrefixParseError::Syntax},
        {"0.0.0.0/0", true, PrefixParseError::Syntax},
        {"192.0.2.7/32", true, PrefixParseError::Syntax},
        {"192.0.2.0/31", true, PrefixParseError::Syntax},
        {"10.1.1.0", false, PrefixParseError::Syntax},
        {"10.1.1/24", false, PrefixParseError::BadAddress},
        {"10.1.1.256/24", false, PrefixParseError::BadAddress},
        {"010.1.1.0/24", false, PrefixParseError::BadAddress},
        {"10.1.1.0/33", false, PrefixParseError::BadLength},
        {"10.1.1.0/", false, PrefixParseError::BadLength},
        {"10.1.1.0/024", false, PrefixParseError::BadLength},
        {"10.1.1.0/-1", false, PrefixParseError::BadLength},
        {"10.1.1.0/24x", false, PrefixParseError::BadLength},
        {"10.1.5.1/24", false, PrefixParseError::HostBitsSet},
        {"10.1.1.128/24", false, PrefixParseError::HostBitsSet},
        {"1.0.0.0/0", false, PrefixParseError::HostBitsSet},
    };
    for (const PrefixCase& c : cases)
    {
        PrefixParseResult parsed = ParseIpv4Prefix(c.text);
        EXPECT_EQ(parsed.prefix.has_value(), c.valid) << c.text;
        if (!c.valid)
        {
            EXPECT_EQ(parsed.error, c.error) << c.text;
        }
    }
}

TEST(ParseIpv4Prefix, HostBitsSuggestion)
{
    PrefixParseResult parsed = ParseIpv4Prefix("10.1.5.1/24");
    EXPECT_EQ(parsed.suggestion, "10.1.5.0/24");
}

TEST(ParseIpv4Prefix, RoundTrip)
{
    for (const char* text : {"10.1.1.0/24", "0.0.0.0/0", "203.0.113.4/30", "10.2.0.11/32"})
    {
        PrefixParseResult parsed = ParseIpv4Prefix(text);
        ASSERT_TRUE(parsed.prefix.has_value()) << text;
        EXPECT_EQ(parsed.prefix->ToString(), text);
    }
}

TEST(Ipv4Prefix, Overlaps)
{
    const Ipv4Prefix wide{Address("10.1.0.0"), 16};
    const Ipv4Prefix inside{Address("10.1.5.0"), 24};
    const Ipv4Prefix outside{Address("10.2.5.0"), 24};
    const Ipv4Prefix everything{0, 0};
    EXPECT_TRUE(wide.Overlaps(inside));
    EXPECT_TRUE(inside.Overlaps(wide));
    EXPECT_FALSE(wide.Overlaps(outside));
    EXPECT_TRUE(everything.Overlaps(outside));
    EXPECT_TRUE(inside.Overlaps(inside));
}

TEST(Ipv4Prefix, SizeAndLastAddress)
{
    const Ipv4Prefix lan{Address("10.1.5.0"), 24};
    EXPECT_EQ(lan.Size(), 256U);
    EXPECT_EQ(lan.LastAddress(), Address("10.1.5.255"));
    EXPECT_EQ((Ipv4Prefix{0, 0}).Size(), uint64_t{1} << 32);
    EXPECT_EQ((Ipv4Prefix{0, 0}).Mask(), 0U);
}

TEST(UsableHostCount, ByLength)
{
    EXPECT_EQ(UsableHostCount({Address("10.0.0.0"), 24}), 254U);
    EXPECT_EQ(UsableHostCount({Address("10.0.0.0"), 30}), 2U);
    EXPECT_EQ(UsableHostCount({Address("10.0.0.0"), 31}), 2U);
    EXPECT_EQ(UsableHostCount({Address("10.0.0.0"), 32}), 0U);
}

TEST(LanAddressing, GatewayThenHosts)
{
    const Ipv4Prefix lan{Address("10.1.5.0"), 24};
    EXPECT_EQ(LanGatewayAddress(lan), Address("10.1.5.1"));
    EXPECT_EQ(LanHostAddress(lan, 0), Address("10.1.5.2"));
    EXPECT_EQ(LanHostAddress(lan, 3), Address("10.1.5.5"));
    // RFC 3021: both addresses of a /31 are usable, so the first one is the gateway's.
    EXPECT_EQ(LanGatewayAddress({Address("192.0.2.0"), 31}), Address("192.0.2.0"));
}

TEST(IsUsableHostAddress, Table)
{
    const Ipv4Prefix lan{Address("192.0.2.0"), 30};
    EXPECT_FALSE(IsUsableHostAddress(lan, Address("192.0.2.0")));
    EXPECT_TRUE(IsUsableHostAddress(lan, Address("192.0.2.1")));
    EXPECT_TRUE(IsUsableHostAddress(lan, Address("192.0.2.2")));
    EXPECT_FALSE(IsUsableHostAddress(lan, Address("192.0.2.3")));
    EXPECT_FALSE(IsUsableHostAddress(lan, Address("192.0.2.4")));
    const Ipv4Prefix pointToPoint{Address("192.0.2.0"), 31};
    EXPECT_TRUE(IsUsableHostAddress(pointToPoint, Address("192.0.2.0")));
    EXPECT_TRUE(IsUsableHostAddress(pointToPoint, Address("192.0.2.1")));
}

struct ReservedCase
{
    const char* prefix;
    const char* block; ///< expected block, or "" for unicast host space
};

TEST(FindReservedIpv4Block, Table)
{
    const ReservedCase cases[] = {
        {"10.1.1.0/24", ""},
        {"1.0.0.0/8", ""},
        {"126.255.255.252/30", ""},
        {"128.0.0.0/2", ""},
        {"223.255.255.0/24", ""},
        {"169.254.0.0/16", ""}, // link-local is unicast; the loader checks the tunnel block
        {"0.0.0.0/0", "0.0.0.0/8"},
        {"0.0.0.0/24", "0.0.0.0/8"},
        {"0.0.0.0/7", "0.0.0.0/8"},
        {"127.0.0.1/32", "127.0.0.0/8"},
        {"126.0.0.0/7", "127.0.0.0/8"},
        {"224.0.0.0/24", "224.0.0.0/4"},
        {"239.255.255.255/32", "224.0.0.0/4"},
        {"192.0.0.0/2", "224.0.0.0/4"},
        {"240.0.0.0/24", "240.0.0.0/4"},
        {"255.255.255.255/32", "255.255.255.255/32"},
        {"255.255.255.0/24", "255.255.255.255/32"},
    };
    for (const ReservedCase& c : cases)
    {
        SCOPED_TRACE(c.prefix);
        std::optional<Ipv4Prefix> prefix = ParseIpv4Prefix(c.prefix).prefix;
        ASSERT_TRUE(prefix);
        std::optional<ReservedIpv4Block> block = FindReservedIpv4Block(*prefix);
        if (*c.block == '\0')
        {
            EXPECT_FALSE(block) << block->prefix.ToString();
            continue;
        }
        ASSERT_TRUE(block);
        EXPECT_EQ(block->prefix.ToString(), c.block);
        EXPECT_NE(block->description.find("RFC"), std::string_view::npos) << block->description;
    }
}

} // namespace
} // namespace tunnelsim
