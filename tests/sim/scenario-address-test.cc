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

} // namespace
} // namespace tunnelsim
