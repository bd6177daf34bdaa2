/*
 * Shared pieces of the ESP codec tests: SA configurations with fixed keys, hex helpers and
 * the published vectors file.
 */
#ifndef TUNNELSIM_TESTS_CODEC_ESP_TEST_SUPPORT_H
#define TUNNELSIM_TESTS_CODEC_ESP_TEST_SUPPORT_H

#include "bytes.h"
#include "esp-sa.h"
#include "esp-suite.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace tunnelsim::test
{

/// Hex to bytes; throws on invalid hex so a broken vector file fails loudly.
inline Bytes
Hex(const std::string& hex)
{
    std::optional<Bytes> bytes = FromHex(hex);
    if (!bytes)
    {
        throw std::invalid_argument("invalid hex in test data: " + hex);
    }
    return *bytes;
}

/// Bytes 0, 1, 2, ... of length @p size, offset by @p first.
inline Bytes
CountingBytes(size_t size, uint8_t first = 0)
{
    Bytes bytes(size);
    for (size_t i = 0; i < size; ++i)
    {
        bytes[i] = static_cast<uint8_t>(first + i);
    }
    return bytes;
}

/// An SA of @p suite with keys that differ per suite byte pattern, so tests are repeatable.
inline EspSaConfig
MakeConfig(const EspSuite& suite, bool esn = false, uint32_t spi = 0x1000abcd)
{
    EspSaConfig config;
    config.spi = spi;
    config.suite = suite;
    config.encryptionKey = CountingBytes(suite.EncryptionKeySize(), 0x40);
    config.integrityKey = CountingBytes(suite.IntegrityKeySize(), 0x80);
    config.extendedSequenceNumbers = esn;
    config.ivSeed = 7;
    return config;
}

/// The suites whose packets carry an ICV: every configurable suite.
inline std::vector<EspSuite>
AuthenticatedSuites()
{
    return AllEspSuites();
}

/// tests/data/published-vectors.json, parsed.
inline const nlohmann::json&
PublishedVectors()
{
    static const nlohmann::json vectors = []
    {
        std::ifstream file(TUNNELSIM_TEST_DATA "/published-vectors.json");
        if (!file)
        {
            throw std::runtime_error("cannot open " TUNNELSIM_TEST_DATA "/published-vectors.json");
        }
        return nlohmann::json::parse(file);
    }();
    return vectors;
}

/// The vector named @p name from the array @p group ("esp" or "hmac").
inline const nlohmann::json&
Vector(const std::string& group, const std::string& name)
{
    for (const nlohmann::json& vector : PublishedVectors().at(group))
    {
        if (vector.at("name") == name)
        {
            return vector;
        }
    }
    throw std::out_of_range("no " + group + " vector named " + name);
}

/// gtest parameter name for a suite, e.g. "aes_gcm_128".
inline std::string
SuiteTestName(const EspSuite& suite)
{
    std::string name = suite.Name();
    for (char& c : name)
    {
        if (c == '-')
        {
            c = '_';
        }
    }
    return name;
}

} // namespace tunnelsim::test

#endif
