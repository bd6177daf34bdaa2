/*
 * Heap allocations per packet once an SA is keyed: Seal and Open must not allocate
 * (operator new) when the caller's vectors already have the capacity, and OpenSSL must not
 * allocate for the AEAD suites. OpenSSL 3.0's HMAC re-initialisation duplicates its digest
 * context (EVP_MD_CTX_copy_ex calls the provider's dupctx), which costs a bounded number
 * of its own allocations per packet.
 */
#include "esp-sa.h"
#include "esp-test-support.h"

#include <atomic>
#include <cstdlib>
#include <gtest/gtest.h>
#include <new>
#include <openssl/crypto.h>

namespace
{

std::atomic<long> g_newCalls{0};
std::atomic<long> g_openSslAllocations{0};

void*
CountingMalloc(size_t size, const char*, int)
{
    ++g_openSslAllocations;
    return std::malloc(size);
}

void*
CountingRealloc(void* pointer, size_t size, const char*, int)
{
    ++g_openSslAllocations;
    return std::realloc(pointer, size);
}

void
PlainFree(void* pointer, const char*, int)
{
    std::free(pointer);
}

// OpenSSL accepts new memory functions only before its first allocation, so they are
// installed while the program loads, before main and before any test runs.
const bool g_memoryFunctionsInstalled
    = CRYPTO_set_mem_functions(CountingMalloc, CountingRealloc, PlainFree) == 1;

} // namespace

// All three replacements stay out of line: inlined, their malloc() and free() calls make
// GCC 12 report a mismatched new and delete (-Wmismatched-new-delete).
[[gnu::noinline]] void*
operator new(size_t size)
{
    ++g_newCalls;
    if (void* pointer = std::malloc(size == 0 ? 1 : size))
    {
        return pointer;
    }
    throw std::bad_alloc();
}

[[gnu::noinline]] void
operator delete(void* pointer) noexcept
{
    std::free(pointer);
}

[[gnu::noinline]] void
operator delete(void* pointer, size_t) noexcept
{
    std::free(pointer);
}

namespace tunnelsim
{
namespace
{

constexpr int kPackets = 100;
/// OpenSSL 3.0 allocations per HMAC (one digest context copy in init, one in final).
constexpr long kOpenSsl30HmacAllocations = 2;

struct Counts
{
    long newCalls;
    long openSsl;
};

template<typename Operation>
Counts
CountAllocations(Operation operation)
{
    const long newBefore = g_newCalls;
    const long openSslBefore = g_openSslAllocations;
    for (int i = 0; i < kPackets; ++i)
    {
        operation();
    }
    return {g_newCalls - newBefore, g_openSslAllocations - openSslBefore};
}

class EspAllocations : public ::testing::TestWithParam<EspSuite>
{
};

TEST_P(EspAllocations, SealAndOpen)
{
    ASSERT_TRUE(g_memoryFunctionsInstalled);
    const EspSaConfig config = test::MakeConfig(GetParam(), true);
    EspEncoder encoder(config);
    EspDecoder decoder(config);
    decoder.SetReplayCheck(false); // one packet opened over and over
    const Bytes payload = test::CountingBytes(1400);
    Bytes packet;
    Bytes opened;
    packet.reserve(2048);
    opened.reserve(2048);
    ASSERT_TRUE(encoder.Seal(17, payload, packet).Ok()); // first use may set up lazily
    ASSERT_TRUE(decoder.Open(packet, opened).Ok());

    const Counts seal = CountAllocations(
        [&]
        {
            packet.clear();
            encoder.Seal(17, payload, packet);
        });
    const Counts open = CountAllocations(
        [&]
        {
            decoder.Open(packet, opened);
        });
    ASSERT_EQ(opened, payload);

    EXPECT_EQ(seal.newCalls, 0);
    EXPECT_EQ(open.newCalls, 0);
    const long openSslLimit = GetParam().IsCombined() ? 0 : kOpenSsl30HmacAllocations * kPackets;
    EXPECT_LE(seal.openSsl, openSslLimit);
    EXPECT_LE(open.openSsl, openSslLimit);
}

INSTANTIATE_TEST_SUITE_P(All, EspAllocations, ::testing::ValuesIn(AllEspSuites()),
                         [](const ::testing::TestParamInfo<EspSuite>& info)
                         {
                             return test::SuiteTestName(info.param);
                         });

} // namespace
} // namespace tunnelsim
