// Hex conversion and the RFC 1071 Internet checksum shared by the IPv4 and GRE codecs.
#include "bytes.h"

#include <gtest/gtest.h>

namespace tunnelsim
{
namespace
{

// RFC 1071 s3 works this example: the one's complement sum of these bytes is 0xddf2.
TEST(InternetChecksum, Rfc1071Example)
{
    const Bytes data = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    EXPECT_EQ(InternetChecksum(data), static_cast<uint16_t>(~0xddf2));
}

TEST(InternetChecksum, OddLengthPadsWithZero)
{
    const Bytes odd = {0x12, 0x34, 0x56};
    const Bytes padded = {0x12, 0x34, 0x56, 0x00};
    EXPECT_EQ(InternetChecksum(odd), InternetChecksum(padded));
}

TEST(InternetChecksum, VerifiesToZero)
{
    Bytes data = {0x45, 0x00, 0x00, 0x1c, 0xab, 0xcd, 0x00, 0x00, 0x40, 0x11,
                  0x00, 0x00, 0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x01};
    const uint16_t checksum = InternetChecksum(data);
    WriteU16(data.data() + 10, checksum);
    EXPECT_EQ(InternetChecksum(data), 0);
}

TEST(Hex, RoundTrip)
{
    const Bytes data = {0x00, 0x7f, 0x80, 0xff, 0x0a};
    EXPECT_EQ(ToHex(data), "007f80ff0a");
    EXPECT_EQ(FromHex("007f80ff0a"), std::optional<Bytes>(data));
    EXPECT_EQ(FromHex("0x007F80FF0A"), std::optional<Bytes>(data));
}

TEST(Hex, RejectsInvalidText)
{
    for (const char* bad : {"0", "0g", "zz", "0x1", "12 34"})
    {
        EXPECT_FALSE(FromHex(bad).has_value()) << bad;
    }
}

} // namespace
} // namespace tunnelsim
