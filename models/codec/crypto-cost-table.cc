#include "crypto-cost-table.h"

#include "json-pointer.h"

#include <cmath>
#include <openssl/crypto.h>
#include <set>
#include <sstream>

namespace tunnelsim
{

namespace
{

void
ValidateFit(const CryptoCostFit& fit, std::string_view source, std::string_view suite,
            CryptoDirection direction)
{
    // Costs must be strictly positive, because every seal or open does work per packet and
    // per byte. A cost of 0 or less comes from a bad fit or a typing error.
    const std::pair<std::string_view, double> costs[]
        = {{kCryptoCostKeyFixedNs, fit.fixedNs}, {kCryptoCostKeyPerByteNs, fit.perByteNs}};
    for (const auto& [key, value] : costs)
    {
        if (!std::isfinite(value) || value <= 0)
        {
            std::ostringstream problem;
            problem << "must be a positive finite number of nanoseconds, got " << value;
            throw CryptoCostTableError(
                std::string(source),
                MakeJsonPointer({kCryptoCostKeySuites, suite, ToString(direction), key}),
                problem.str());
        }
    }
    if (!std::isfinite(fit.rSquared) || fit.rSquared < 0 || fit.rSquared > 1)
    {
        std::ostringstream problem;
        problem << "must be within 0..1, got " << fit.rSquared;
        throw CryptoCostTableError(std::string(source),
                                   MakeJsonPointer({kCryptoCostKeySuites, suite,
                                                    ToString(direction), kCryptoCostKeyRSquared}),
                                   problem.str());
    }
}

} // namespace

std::string_view
ToString(CryptoDirection direction)
{
    switch (direction)
    {
        case CryptoDirection::Seal:
            return "seal";
        case CryptoDirection::Open:
            return "open";
    }
    return "unknown";
}

const CryptoCostFit&
SuiteCryptoCost::Get(CryptoDirection direction) const
{
    return direction == CryptoDirection::Seal ? seal : open;
}

CryptoCostFit&
SuiteCryptoCost::Get(CryptoDirection direction)
{
    return direction == CryptoDirection::Seal ? seal : open;
}

const SuiteCryptoCost&
CryptoCostTable::Get(const EspSuite& suite) const
{
    auto it = suites.find(suite.Name());
    if (it == suites.end())
    {
        throw std::out_of_range("the crypto cost table has no entry for suite " + suite.Name());
    }
    return it->second;
}

CryptoCostTableError::CryptoCostTableError(std::string source, std::string jsonPath,
                                           const std::string& problem)
  : std::runtime_error(source + ": crypto cost table: "
                       + (jsonPath.empty() ? std::string("(document)") : jsonPath) + ": " + problem)
  , m_source(std::move(source))
  , m_jsonPath(std::move(jsonPath))
{
}

void
ValidateCryptoCostTable(const CryptoCostTable& table, std::string_view source)
{
    if (table.formatVersion != kCryptoCostTableFormatVersion)
    {
        throw CryptoCostTableError(
            std::string(source), MakeJsonPointer({kCryptoCostKeyFormatVersion}),
            "unsupported format version " + std::to_string(table.formatVersion)
                + "; this build reads version " + std::to_string(kCryptoCostTableFormatVersion));
    }

    std::set<std::string> known;
    for (const EspSuite& suite : AllEspSuites())
    {
        known.insert(suite.Name());
    }
    for (const auto& [name, cost] : table.suites)
    {
        if (known.count(name) == 0)
        {
            throw CryptoCostTableError(std::string(source),
                                       MakeJsonPointer({kCryptoCostKeySuites, name}),
                                       "unknown suite; the names are those of AllEspSuites(), "
                                       "e.g. \"aes-gcm-128\"");
        }
    }
    for (const std::string& name : known)
    {
        auto it = table.suites.find(name);
        if (it == table.suites.end())
        {
            throw CryptoCostTableError(std::string(source),
                                       MakeJsonPointer({kCryptoCostKeySuites, name}),
                                       "missing; a table needs every configurable suite (run "
                                       "`simrun calibrate` to measure all of them)");
        }
        for (CryptoDirection direction : kAllCryptoDirections)
        {
            ValidateFit(it->second.Get(direction), source, name, direction);
        }
    }
}

std::string
CurrentOpensslVersion()
{
    return OpenSSL_version(OPENSSL_VERSION);
}

} // namespace tunnelsim
