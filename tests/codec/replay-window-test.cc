/*
 * Anti-replay window (RFC 4303 s3.4.3, Appendix A): tables of arriving sequence numbers
 * with the expected verdict, for window sizes 32, 64, 100 (not a multiple of 64) and 4096.
 */
#include "replay-window.h"

#include <algorithm>
#include <gtest/gtest.h>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace tunnelsim
{
namespace
{

constexpr uint64_t k2To32 = uint64_t{1} << 32;

/// What the receiver does with an arriving packet.
enum class Verdict
{
    Accepted,    ///< Check passes with the sender's sequence; the ICV verifies, so Accept
    Replayed,    ///< Check rejects it
    MisreadHigh, ///< ESN: Check passes with another high half, so the ICV fails (no Accept)
};

/// One arriving packet: the full sequence the sender used and the expected verdict.
struct Arrival
{
    std::string label;
    uint64_t sequence;
    Verdict verdict;
    uint64_t misreadAs = 0; ///< the sequence Check infers, for MisreadHigh
};

/// Run @p arrivals through a window whose first accepted packet is @p start (none if 0).
void
RunTable(uint32_t size, bool esn, const std::vector<Arrival>& arrivals, uint64_t start = 0)
{
    ReplayWindow window(size, esn);
    if (start != 0)
    {
        window.Accept(start);
    }
    for (const Arrival& arrival : arrivals)
    {
        SCOPED_TRACE("window " + std::to_string(size) + ", " + arrival.label + ", sequence "
                     + std::to_string(arrival.sequence));
        const Result<uint64_t> checked = window.Check(static_cast<uint32_t>(arrival.sequence));
        switch (arrival.verdict)
        {
            case Verdict::Replayed:
                ASSERT_FALSE(checked.Ok());
                EXPECT_EQ(checked.Error(), DecodeError::Replayed);
                break;
            case Verdict::MisreadHigh:
                ASSERT_TRUE(checked.Ok()) << ToString(checked.Error());
                EXPECT_EQ(checked.Value(), arrival.misreadAs);
                break;
            case Verdict::Accepted:
                ASSERT_TRUE(checked.Ok()) << ToString(checked.Error());
                EXPECT_EQ(checked.Value(), arrival.sequence);
                window.Accept(checked.Value());
                break;
        }
    }
}

constexpr Verdict kAccepted = Verdict::Accepted;
constexpr Verdict kReplayed = Verdict::Replayed;

class ReplayWindowSizes : public ::testing::TestWithParam<uint32_t>
{
};

TEST_P(ReplayWindowSizes, WithoutEsn)
{
    const uint64_t w = GetParam();
    const uint64_t top = 10 * w;
    RunTable(w, false,
             {
                 {"zero", 0, kReplayed},
                 {"first", 1, kAccepted},
                 {"in order", 2, kAccepted},
                 {"duplicate", 2, kReplayed},
                 {"far ahead", top, kAccepted},
                 {"duplicate top", top, kReplayed},
                 {"just inside left edge", top - w + 1, kAccepted},
                 {"just inside again", top - w + 1, kReplayed},
                 {"just outside left edge", top - w, kReplayed},
                 {"gap inside", top - 1, kAccepted},
                 {"old packet", 1, kReplayed},
                 {"next", top + 1, kAccepted},
                 {"now outside", top - w + 1, kReplayed},
                 {"largest 32-bit", 0xffffffff, kAccepted},
                 {"largest again", 0xffffffff, kReplayed},
             });
}

TEST_P(ReplayWindowSizes, OutOfOrderInsideWindow)
{
    // Every number of the window arrives after the top, in reverse order, once each.
    const uint64_t w = GetParam();
    std::vector<Arrival> arrivals{{"top", w, kAccepted}};
    for (uint64_t s = w - 1; s >= 1; --s)
    {
        arrivals.push_back({"reverse", s, kAccepted});
    }
    for (uint64_t s = 1; s <= w; ++s)
    {
        arrivals.push_back({"second copy", s, kReplayed});
    }
    RunTable(static_cast<uint32_t>(w), false, arrivals);
}

TEST_P(ReplayWindowSizes, JumpForgetsOldSlots)
{
    // After a jump of several windows, the new window's numbers share bitmap slots with
    // accepted old ones and must still read as unseen.
    const uint64_t w = GetParam();
    std::vector<Arrival> arrivals;
    for (uint64_t s = 1; s <= 3 * w; ++s)
    {
        arrivals.push_back({"fill", s, kAccepted});
    }
    arrivals.push_back({"jump", 10 * w, kAccepted});
    for (uint64_t s = 9 * w + 1; s < 10 * w; ++s)
    {
        arrivals.push_back({"unseen after jump", s, kAccepted});
    }
    arrivals.push_back({"left of window", 9 * w, kReplayed});
    RunTable(static_cast<uint32_t>(w), false, arrivals);
}

TEST_P(ReplayWindowSizes, MatchesReferenceModel)
{
    // Pseudo-random arrivals around the top, checked against the RFC 4303 s3.4.3 rule
    // computed from a set of every accepted number.
    const uint64_t w = GetParam();
    ReplayWindow window(static_cast<uint32_t>(w), false);
    std::set<uint64_t> seen;
    uint64_t top = 0;
    std::mt19937_64 random(20240601);
    for (int i = 0; i < 20000; ++i)
    {
        const uint64_t low = top > 2 * w ? top - 2 * w : 0;
        const uint64_t sequence = low + random() % (5 * w);
        const bool expected
            = sequence != 0
              && (sequence > top || (top - sequence < w && seen.count(sequence) == 0));
        const Result<uint64_t> checked = window.Check(static_cast<uint32_t>(sequence));
        ASSERT_EQ(checked.Ok(), expected) << "sequence " << sequence << ", top " << top;
        if (checked.Ok())
        {
            window.Accept(sequence);
            seen.insert(sequence);
            top = std::max(top, sequence);
        }
    }
    EXPECT_EQ(window.Highest(), top);
}

TEST_P(ReplayWindowSizes, EsnWrapOfLowHalf)
{
    // RFC 4303 Appendix A2.2 around the 2^32 boundary: Case A below it, Case B above it.
    const uint64_t w = GetParam();
    RunTable(
        w, true,
        {
            {"before wrap", k2To32 - 2, kAccepted},
            {"last low value", k2To32 - 1, kAccepted},
            {"wraps to high 1", k2To32, kAccepted},
            {"low 1 after wrap", k2To32 + 1, kAccepted},
            {"late packet from below", k2To32 - 3, kAccepted},
            {"duplicate from below", k2To32 - 2, kReplayed},
            {"duplicate after wrap", k2To32, kReplayed},
            {"just inside, below wrap", k2To32 + 1 - w + 1, kAccepted},
            // Just left of the window reads as the next subspace (Appendix A2.2), so
            // only the ICV can reject it.
            {"just outside, below wrap", k2To32 + 1 - w, Verdict::MisreadHigh, 2 * k2To32 + 1 - w},
            {"far ahead in new subspace", k2To32 + 10 * w, kAccepted},
        },
        k2To32 - 3 - w);
}

TEST_P(ReplayWindowSizes, EsnStartsAtOne)
{
    // With top 0 the window straddles the start, so high low values belong to "high -1"
    // and are rejected, while low values are the first packets of the SA.
    const uint64_t w = GetParam();
    RunTable(w, true,
             {
                 {"zero", 0, kReplayed},
                 {"first", 1, kAccepted},
                 {"second", 2, kAccepted},
                 {"duplicate", 1, kReplayed},
             });
    ReplayWindow fresh(static_cast<uint32_t>(w), true);
    const Result<uint64_t> belowStart = fresh.Check(0xffffffff);
    ASSERT_FALSE(belowStart.Ok());
    EXPECT_EQ(belowStart.Error(), DecodeError::Replayed);
}

INSTANTIATE_TEST_SUITE_P(Sizes, ReplayWindowSizes, ::testing::Values(32u, 64u, 100u, 4096u),
                         [](const ::testing::TestParamInfo<uint32_t>& info)
                         {
                             return "w" + std::to_string(info.param);
                         });

TEST(ReplayWindow, CheckDoesNotMark)
{
    ReplayWindow window(64, false);
    ASSERT_TRUE(window.Check(5).Ok());
    EXPECT_TRUE(window.Check(5).Ok());
    EXPECT_EQ(window.Highest(), 0u);
}

TEST(ReplayWindow, AcceptLeftOfWindowIgnored)
{
    ReplayWindow window(32, false);
    window.Accept(100);
    window.Accept(50); // left of the window: not recorded, and the top stays
    EXPECT_EQ(window.Highest(), 100u);
    EXPECT_FALSE(window.Check(50).Ok());
    EXPECT_TRUE(window.Check(69).Ok());
}

TEST(ReplayWindow, EsnInfersNextSubspace)
{
    // Case A: the top sits well inside subspace 1; a low value below the window's bottom
    // belongs to subspace 2.
    ReplayWindow window(64, true);
    window.Accept(k2To32 + 1000);
    const Result<uint64_t> inferred = window.Infer(10);
    ASSERT_TRUE(inferred.Ok());
    EXPECT_EQ(inferred.Value(), 2 * k2To32 + 10);
    const Result<uint64_t> inside = window.Infer(990);
    ASSERT_TRUE(inside.Ok());
    EXPECT_EQ(inside.Value(), k2To32 + 990);
}

TEST(ReplayWindow, EsnRejectsBeyondMaximum)
{
    // The top at 2^64 - 1: a low value below the window would need high half 2^32.
    ReplayWindow window(64, true);
    window.Accept(UINT64_MAX);
    const Result<uint64_t> beyond = window.Check(5);
    ASSERT_FALSE(beyond.Ok());
    EXPECT_EQ(beyond.Error(), DecodeError::Replayed);
    EXPECT_TRUE(window.Check(0xfffffffe).Ok());
}

TEST(ReplayWindow, SizeLimits)
{
    EXPECT_THROW(ReplayWindow(kMinReplayWindow - 1, false), std::invalid_argument);
    EXPECT_THROW(ReplayWindow(kMaxReplayWindow + 1, false), std::invalid_argument);
    EXPECT_NO_THROW(ReplayWindow(kMinReplayWindow, false));
    EXPECT_NO_THROW(ReplayWindow(kMaxReplayWindow, true));
}

} // namespace
} // namespace tunnelsim
