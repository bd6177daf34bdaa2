// JSON Pointer construction (RFC 6901): escaping of reference tokens (s3) and whole
// pointers, checked against the pointers that RFC 6901 s5 lists for its example document.
#include "json-pointer.h"

#include <gtest/gtest.h>
#include <string>

namespace tunnelsim
{
namespace
{

struct EscapeCase
{
    std::string token;
    std::string escaped;
};

TEST(JsonPointer, EscapeToken)
{
    const EscapeCase cases[] = {
        {"", ""},
        {"foo", "foo"},
        {"~", "~0"},
        {"/", "~1"},
        {"m~n", "m~0n"},
        {"a/b", "a~1b"},
        {"a/b~c", "a~1b~0c"},
        // A token that already looks escaped is escaped again: "~1" becomes "~01", which
        // RFC 6901 s4 decodes back to "~1", not to "/".
        {"~1", "~01"},
        {"~0", "~00"},
        {"~/", "~0~1"},
        {"//", "~1~1"},
        // Only "~" and "/" are special, so the other characters in the keys of RFC 6901 s5
        // stay as they are.
        {"c%d", "c%d"},
        {"e^f", "e^f"},
        {"g|h", "g|h"},
        {"i\\j", "i\\j"},
        {"k\"l", "k\"l"},
        {" ", " "},
    };
    for (const EscapeCase& c : cases)
    {
        EXPECT_EQ(EscapePointerToken(c.token), c.escaped) << "token \"" << c.token << "\"";
    }
}

TEST(JsonPointer, EmptyIsWholeDocument)
{
    EXPECT_EQ(MakeJsonPointer({}), "");
}

TEST(JsonPointer, Rfc6901Examples)
{
    EXPECT_EQ(MakeJsonPointer({"foo"}), "/foo");
    EXPECT_EQ(MakeJsonPointer({"foo", "0"}), "/foo/0");
    EXPECT_EQ(MakeJsonPointer({""}), "/");
    EXPECT_EQ(MakeJsonPointer({"a/b"}), "/a~1b");
    EXPECT_EQ(MakeJsonPointer({"m~n"}), "/m~0n");
    EXPECT_EQ(MakeJsonPointer({" "}), "/ ");
}

TEST(JsonPointer, EscapesEveryToken)
{
    EXPECT_EQ(MakeJsonPointer({"suites", "aes/gcm~128", "seal"}), "/suites/aes~1gcm~0128/seal");
    EXPECT_EQ(MakeJsonPointer({"", ""}), "//");
}

} // namespace
} // namespace tunnelsim
