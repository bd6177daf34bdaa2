/*
 * The measured cost of sealing and opening ESP packets, per suite: a fixed time per packet
 * plus a time per byte, fitted by least squares from CPU-time measurements of this codec
 * (`simrun calibrate`). The gateway crypto engine (models/ipsec/crypto-engine.h) turns these
 * figures into simulated service times. docs/crypto-cost-model.md describes the model and
 * the JSON format. sim/crypto-cost-json.h reads and writes that format, because models/
 * reads no JSON.
 *
 * The byte count of a cost is the input of the operation. For seal it is the payload given
 * to EspEncoder::Seal, which in tunnel mode is the whole inner IPv4 packet. For open it is
 * the ESP packet given to EspDecoder::Open, from the SPI to the ICV.
 *
 * Limitations:
 * - Validation accepts exactly format version kCryptoCostTableFormatVersion; there is no
 *   migration.
 * - A table describes one machine and one OpenSSL build. Nothing checks that the table
 *   in use was measured where the simulation runs.
 */
#ifndef TUNNELSIM_CODEC_CRYPTO_COST_TABLE_H
#define TUNNELSIM_CODEC_CRYPTO_COST_TABLE_H

#include "esp-suite.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tunnelsim
{

/// Version of the cost table format this code writes and reads (the "format_version" key).
constexpr uint32_t kCryptoCostTableFormatVersion = 1;

/// Keys of the table format that validation errors name in their JSON path; the reader in
/// sim/crypto-cost-json.cc uses the same names.
constexpr char kCryptoCostKeyFormatVersion[] = "format_version";
constexpr char kCryptoCostKeySuites[] = "suites";
constexpr char kCryptoCostKeyFixedNs[] = "fixed_ns";
constexpr char kCryptoCostKeyPerByteNs[] = "per_byte_ns";
constexpr char kCryptoCostKeyRSquared[] = "r_squared";

/** The two ESP operations a gateway spends CPU time on. */
enum class CryptoDirection : uint8_t
{
    Seal, ///< outbound: RFC 4303 s3.3
    Open, ///< inbound: RFC 4303 s3.4
};

/** Stable lowercase name, "seal" or "open"; also the JSON key. */
std::string_view ToString(CryptoDirection direction);

/// Both directions, in the order the table lists them.
constexpr CryptoDirection kAllCryptoDirections[] = {CryptoDirection::Seal, CryptoDirection::Open};

/** A linear cost fit: time = fixedNs + perByteNs x bytes. */
struct CryptoCostFit
{
    double fixedNs = 0;   ///< nanoseconds per packet
    double perByteNs = 0; ///< nanoseconds per input byte
    double rSquared = 0;  ///< coefficient of determination of the fit, 0..1

    /// Nanoseconds for an input of @p bytes bytes.
    double NanosecondsFor(size_t bytes) const
    {
        return fixedNs + perByteNs * static_cast<double>(bytes);
    }
};

/** Seal and open costs of one suite. */
struct SuiteCryptoCost
{
    CryptoCostFit seal;
    CryptoCostFit open;

    const CryptoCostFit& Get(CryptoDirection direction) const;
    CryptoCostFit& Get(CryptoDirection direction);
};

/** The machine a table was measured on. */
struct CryptoCostMachine
{
    std::string cpuModel;     ///< "model name" from /proc/cpuinfo
    uint32_t logicalCpus = 0; ///< processors the OS reported
    /// 1-minute load average (/proc/loadavg) before and after the measurement, when known.
    std::optional<double> loadAverageBefore;
    std::optional<double> loadAverageAfter;
};

/** Measurement method of a table. */
struct CryptoCostMethod
{
    std::string clock;                  ///< e.g. "CLOCK_THREAD_CPUTIME_ID"
    std::vector<uint32_t> payloadSizes; ///< seal payload sizes measured, bytes
    uint32_t iterations = 0;            ///< operations per timed block
    uint32_t rounds = 0;                ///< timed blocks per size; the median is fitted
};

/** A cost table: provenance, and the seal and open cost of every suite. */
struct CryptoCostTable
{
    uint32_t formatVersion = kCryptoCostTableFormatVersion;
    std::string tunnelsimVersion;
    std::string date; ///< UTC, ISO 8601 (e.g. "2026-12-04T21:30:00Z")
    std::string opensslVersion;
    CryptoCostMachine machine;
    std::optional<CryptoCostMethod> method;
    std::string notes;
    /// Keyed by EspSuite::Name(); a valid table has exactly the suites of AllEspSuites().
    std::map<std::string, SuiteCryptoCost> suites;

    /// The cost of @p suite; throws std::out_of_range when the table has no entry for it.
    const SuiteCryptoCost& Get(const EspSuite& suite) const;
};

/**
 * A table that failed to load or validate. what() names the file, the JSON path (RFC 6901
 * pointer, e.g. "/suites/aes-gcm-128/seal/fixed_ns") and the rule broken. Thrown by
 * validation here and by the JSON reader in sim/crypto-cost-json.h.
 */
class CryptoCostTableError : public std::runtime_error
{
  public:
    CryptoCostTableError(std::string source, std::string jsonPath, const std::string& problem);

    /// The file (or "<memory>" for a table that was never read from a file).
    const std::string& Source() const { return m_source; }

    /// JSON pointer of the offending value; empty for the whole document.
    const std::string& JsonPath() const { return m_jsonPath; }

  private:
    std::string m_source;
    std::string m_jsonPath;
};

/** Name used as the source of tables that do not come from a file. */
constexpr std::string_view kCryptoCostTableInMemory = "<memory>";

/**
 * Check @p table: format version, every suite of AllEspSuites() present and no other, and
 * every cost positive and finite, r^2 within 0..1. Throws CryptoCostTableError naming
 * @p source and the JSON path of the first problem.
 */
void ValidateCryptoCostTable(const CryptoCostTable& table,
                             std::string_view source = kCryptoCostTableInMemory);

/** OpenSSL's version text (OpenSSL_version(OPENSSL_VERSION)) of the library in use. */
std::string CurrentOpensslVersion();

} // namespace tunnelsim

#endif
