// The atomic results writer: a file is replaced whole or left as it was, and no temporary
// file survives a failure (injected at each step, or a real write error from RLIMIT_FSIZE).
#include "results.h"

#include <csignal>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <sys/resource.h>
#include <sys/stat.h>

namespace tunnelsim
{
namespace
{

namespace fs = std::filesystem;

/** A fresh directory under the build tree, removed at the end of the test. */
class AtomicWriteTest : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        std::string pattern = (fs::path(TUNNELSIM_BINARY_DIR) / "results-writer-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        m_directory = pattern;
        m_target = (m_directory / "results.json").string();
    }

    void TearDown() override
    {
        std::error_code ignored;
        fs::remove_all(m_directory, ignored);
    }

    static std::string ReadText(const std::string& path)
    {
        std::ifstream file(path, std::ios::binary);
        std::ostringstream text;
        text << file.rdbuf();
        return text.str();
    }

    static void WriteText(const std::string& path, const std::string& text)
    {
        std::ofstream file(path, std::ios::binary | std::ios::trunc);
        file << text;
    }

    size_t EntryCount() const
    {
        return static_cast<size_t>(
            std::distance(fs::directory_iterator(m_directory), fs::directory_iterator()));
    }

    fs::path m_directory;
    std::string m_target;
};

TEST_F(AtomicWriteTest, WritesNewFile)
{
    ResultsIoStatus status = WriteFileAtomically(m_target, "new contents\n");
    ASSERT_TRUE(status.Ok()) << status.error;
    EXPECT_EQ(ReadText(m_target), "new contents\n");
    EXPECT_EQ(EntryCount(), 1U);
    struct stat info;
    ASSERT_EQ(::stat(m_target.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 07777, 0644U);
}

TEST_F(AtomicWriteTest, ReplacesAndKeepsMode)
{
    WriteText(m_target, "old contents\n");
    ASSERT_EQ(::chmod(m_target.c_str(), 0600), 0);
    ResultsIoStatus status = WriteFileAtomically(m_target, "new contents\n");
    ASSERT_TRUE(status.Ok()) << status.error;
    EXPECT_EQ(ReadText(m_target), "new contents\n");
    struct stat info;
    ASSERT_EQ(::stat(m_target.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 07777, 0600U);
}

TEST_F(AtomicWriteTest, InjectedFailureKeepsOldFile)
{
    const AtomicWriteStep steps[] = {AtomicWriteStep::CreateTemporary, AtomicWriteStep::Write,
                                     AtomicWriteStep::Sync, AtomicWriteStep::Rename};
    for (AtomicWriteStep failing : steps)
    {
        SCOPED_TRACE(static_cast<int>(failing));
        WriteText(m_target, "old contents\n");
        ResultsIoStatus status = WriteFileAtomically(m_target, "new contents\n",
                                                     [failing](AtomicWriteStep step)
                                                     {
                                                         return step != failing;
                                                     });
        EXPECT_FALSE(status.Ok());
        EXPECT_NE(status.error.find("injected failure"), std::string::npos) << status.error;
        EXPECT_EQ(ReadText(m_target), "old contents\n");
        EXPECT_EQ(EntryCount(), 1U) << "a temporary file was left behind";
    }
}

TEST_F(AtomicWriteTest, FileSizeLimitKeepsOldFile)
{
    // A real write error that root cannot bypass: with RLIMIT_FSIZE below the contents,
    // write() fails with EFBIG (SIGXFSZ is ignored so the process survives).
    constexpr rlim_t kLimitBytes = 64;
    WriteText(m_target, "old contents\n");
    std::string large(4096, 'x');

    struct rlimit saved;
    ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
    auto previousHandler = std::signal(SIGXFSZ, SIG_IGN);
    struct rlimit limited = saved;
    limited.rlim_cur = kLimitBytes;
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limited), 0);

    ResultsIoStatus status = WriteFileAtomically(m_target, large);

    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &saved), 0);
    std::signal(SIGXFSZ, previousHandler);

    EXPECT_FALSE(status.Ok());
    EXPECT_NE(status.error.find("write failed"), std::string::npos) << status.error;
    EXPECT_EQ(ReadText(m_target), "old contents\n");
    EXPECT_EQ(EntryCount(), 1U) << "a temporary file was left behind";
}

TEST_F(AtomicWriteTest, MissingDirectoryFails)
{
    std::string path = (m_directory / "absent" / "results.json").string();
    ResultsIoStatus status = WriteFileAtomically(path, "x");
    EXPECT_FALSE(status.Ok());
    EXPECT_FALSE(fs::exists(path));
}

TEST_F(AtomicWriteTest, RenameOntoDirectoryFails)
{
    // rename() cannot replace a non-empty directory, a failure after the data is written.
    fs::create_directory(m_target);
    WriteText((fs::path(m_target) / "keep").string(), "kept\n");
    ResultsIoStatus status = WriteFileAtomically(m_target, "new contents\n");
    EXPECT_FALSE(status.Ok());
    EXPECT_NE(status.error.find("rename failed"), std::string::npos) << status.error;
    EXPECT_EQ(ReadText((fs::path(m_target) / "keep").string()), "kept\n");
    EXPECT_EQ(EntryCount(), 1U) << "a temporary file was left behind";
}

TEST_F(AtomicWriteTest, ResultsFileReadsBack)
{
    Results results;
    results.scenario = "one-subnet";
    results.seed = 3;
    DesignResults design;
    design.name = "gre-static";
    design.type = "gre-over-ipsec";
    design.selectors = {2, {{"gw-a", 1}, {"gw-b", 1}}};
    design.cryptoCost.suite = "aes-gcm-256";
    results.designs.push_back(design);

    ResultsIoStatus status = WriteResultsFile(m_target, results);
    ASSERT_TRUE(status.Ok()) << status.error;
    EXPECT_EQ(ReadText(m_target), SerializeResults(results));
    ResultsReadResult read = ReadResultsFile(m_target);
    ASSERT_TRUE(read.results.has_value()) << read.error;
    EXPECT_EQ(SerializeResults(*read.results), SerializeResults(results));
}

TEST_F(AtomicWriteTest, NonFiniteResultsNotWritten)
{
    WriteText(m_target, "old contents\n");
    Results results;
    DesignResults design;
    design.throughput.goodputBps = std::numeric_limits<double>::infinity();
    results.designs.push_back(design);
    ResultsIoStatus status = WriteResultsFile(m_target, results);
    EXPECT_FALSE(status.Ok());
    EXPECT_EQ(ReadText(m_target), "old contents\n");
}

} // namespace
} // namespace tunnelsim
