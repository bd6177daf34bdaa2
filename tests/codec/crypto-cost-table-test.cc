// ValidateCryptoCostTable on in-memory tables: each broken rule throws CryptoCostTableError
// with the JSON pointer of the offending value, without any JSON being read.
#include "crypto-cost-table.h"

#include <cmath>
#include <functional>
#include <gtest/gtest.h>
#include <limits>
#include <string>

namespace tunnelsim
{
namespace
{

/// A valid table: every suite of AllEspSuites() with positive costs.
CryptoCostTable
MakeValidTable()
{
    CryptoCostTable table;
    double fixed = 100;
    for (const EspSuite& suite : AllEspSuites())
    {
        SuiteCryptoCost& cost = table.suites[suite.Name()];
        cost.seal = CryptoCostFit{fixed, 0.5, 0.99};
        cost.open = CryptoCostFit{fixed + 1, 0.25, 0.98};
        fixed += 10;
    }
    return table;
}

TEST(CryptoCostValidate, ValidTablePasses)
{
    EXPECT_NO_THROW(ValidateCryptoCostTable(MakeValidTable(), "valid"));
}

struct InvalidCase
{
    const char* name;
    std::function<void(CryptoCostTable&)> mutate;
    std::string expectedPath;
    std::string expectedText;
};

TEST(CryptoCostValidate, InvalidTablesNamePath)
{
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const InvalidCase cases[] = {
        {"future format version",
         [](CryptoCostTable& t)
         {
             t.formatVersion = kCryptoCostTableFormatVersion + 1;
         },
         "/format_version", "unsupported format version"},
        {"missing suite",
         [](CryptoCostTable& t)
         {
             t.suites.erase("aes-gcm-128");
         },
         "/suites/aes-gcm-128", "missing"},
        {"unknown suite",
         [](CryptoCostTable& t)
         {
             t.suites["rot13"] = t.suites.begin()->second;
         },
         "/suites/rot13", "unknown suite"},
        {"unknown suite with slash and tilde",
         [](CryptoCostTable& t)
         {
             t.suites["a/b~c"] = t.suites.begin()->second;
         },
         "/suites/a~1b~0c", "unknown suite"},
        {"zero fixed cost",
         [](CryptoCostTable& t)
         {
             t.suites["aes-gcm-256"].seal.fixedNs = 0;
         },
         "/suites/aes-gcm-256/seal/fixed_ns", "positive finite"},
        {"negative per-byte cost",
         [](CryptoCostTable& t)
         {
             t.suites["aes-gcm-256"].open.perByteNs = -1;
         },
         "/suites/aes-gcm-256/open/per_byte_ns", "got -1"},
        {"infinite fixed cost",
         [](CryptoCostTable& t)
         {
             t.suites["aes-gcm-128"].open.fixedNs = std::numeric_limits<double>::infinity();
         },
         "/suites/aes-gcm-128/open/fixed_ns", "positive finite"},
        {"r squared above one",
         [](CryptoCostTable& t)
         {
             t.suites["aes-gcm-128"].seal.rSquared = 1.5;
         },
         "/suites/aes-gcm-128/seal/r_squared", "within 0..1"},
        {"r squared not a number",
         [nan](CryptoCostTable& t)
         {
             t.suites["aes-gcm-128"].seal.rSquared = nan;
         },
         "/suites/aes-gcm-128/seal/r_squared", "within 0..1"},
    };
    for (const InvalidCase& c : cases)
    {
        SCOPED_TRACE(c.name);
        CryptoCostTable table = MakeValidTable();
        c.mutate(table);
        try
        {
            ValidateCryptoCostTable(table, "test-table");
            ADD_FAILURE() << "the table passed validation";
        }
        catch (const CryptoCostTableError& e)
        {
            const std::string message = e.what();
            EXPECT_EQ(e.JsonPath(), c.expectedPath);
            EXPECT_EQ(e.Source(), "test-table");
            EXPECT_NE(message.find("test-table"), std::string::npos) << message;
            EXPECT_NE(message.find(c.expectedPath), std::string::npos) << message;
            EXPECT_NE(message.find(c.expectedText), std::string::npos) << message;
        }
    }
}

TEST(CryptoCostValidate, DefaultSourceIsMemory)
{
    CryptoCostTable table = MakeValidTable();
    table.suites.clear();
    try
    {
        ValidateCryptoCostTable(table);
        ADD_FAILURE() << "the table passed validation";
    }
    catch (const CryptoCostTableError& e)
    {
        EXPECT_EQ(e.Source(), kCryptoCostTableInMemory);
    }
}

TEST(CryptoCostTable, GetMissingSuiteThrows)
{
    CryptoCostTable table = MakeValidTable();
    const EspSuite first = AllEspSuites().front();
    table.suites.erase(first.Name());
    EXPECT_THROW(table.Get(first), std::out_of_range);
}

TEST(CryptoCostFit, NanosecondsForBytes)
{
    const CryptoCostFit fit{100, 0.5, 1};
    EXPECT_DOUBLE_EQ(fit.NanosecondsFor(0), 100);
    EXPECT_DOUBLE_EQ(fit.NanosecondsFor(1000), 600);
}

} // namespace
} // namespace tunnelsim
