/*
 * `simrun calibrate`: measure what sealing and opening cost on this machine, for every
 * configurable suite, and write the crypto cost table the gateway crypto engine uses
 * (models/codec/crypto-cost-table.h, docs/crypto-cost-model.md).
 *
 * Method: for each suite, one keyed EspEncoder and one EspDecoder (replay check off,
 * because the same packets are opened again and again). For each payload size, a timed
 * block runs `iterations` seals or opens, measured with the thread's CPU clock, so time
 * the thread spends descheduled on a loaded machine does not count. Rounds go through every
 * suite, direction and size in turn, so a slow phase of the machine hits all of them
 * alike. The median block of each size is fitted by least squares to
 * fixed + per byte x bytes. Seal counts payload bytes and open counts ESP packet bytes.
 *
 * Limitations:
 * - CPU time still includes cache and frequency effects of other processes, so tables from
 *   a loaded machine are slower and noisier than from an idle one.
 * - One thread: the table describes one core. The engine's Units attribute multiplies it.
 * - The cost of the IPv4 stack, of copying packets and of IKE is not measured.
 */
#ifndef TUNNELSIM_SIM_CALIBRATE_H
#define TUNNELSIM_SIM_CALIBRATE_H

#include "crypto-cost-table.h"
#include "esp-suite.h"

#include <CLI/CLI.hpp>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace tunnelsim
{

/// tunnelsim's version, written into cost tables and printed by `simrun --version`.
/// sim/CMakeLists.txt defines TUNNELSIM_VERSION from the top-level project(VERSION).
constexpr std::string_view kTunnelsimVersion = TUNNELSIM_VERSION;

/// Seals or opens per timed block unless --iterations sets another count.
constexpr uint32_t kDefaultCalibrateIterations = 4000;
/// Timed blocks per suite, direction and size unless --rounds sets another count.
constexpr uint32_t kDefaultCalibrateRounds = 21;
/// Limits of --iterations and --rounds: bounds on the run time, not on accuracy.
constexpr uint32_t kMaxCalibrateIterations = 1000000;
constexpr uint32_t kMaxCalibrateRounds = 1000;
/// Largest payload --sizes accepts, bytes: a sealed packet must still fit an IPv4 packet.
constexpr uint32_t kMaxCalibratePayload = 65000;

/// Seal payload sizes measured unless --sizes sets others, bytes: from a small packet to
/// an Ethernet-MTU inner packet (RFC 894: 1500).
std::vector<uint32_t> DefaultCalibratePayloadSizes();

struct CalibrateOptions
{
    std::string outPath; ///< empty: write the table to standard output
    uint32_t iterations = kDefaultCalibrateIterations;
    uint32_t rounds = kDefaultCalibrateRounds;
    std::vector<uint32_t> payloadSizes = DefaultCalibratePayloadSizes();
    std::string note; ///< appended to the table's notes
};

/** One measured point: input bytes of the operation and nanoseconds per operation. */
struct CostSample
{
    double bytes = 0;
    double nanoseconds = 0;
};

/**
 * Least-squares line through @p samples (Boost.Math simple ordinary least squares), with
 * its r^2. Throws std::invalid_argument for fewer than two distinct sizes.
 */
CryptoCostFit FitCryptoCost(const std::vector<CostSample>& samples);

/** The CPU model and logical CPU count from /proc/cpuinfo, and the current load average. */
CryptoCostMachine ReadMachineDescription();

/**
 * Median nanoseconds per operation of @p suite in @p direction, one sample per payload
 * size of @p options. Sizes are seal payloads; open samples are at the sealed ESP size.
 */
std::vector<CostSample> MeasureCryptoCost(const EspSuite& suite, CryptoDirection direction,
                                          const CalibrateOptions& options);

/**
 * Measure every suite of AllEspSuites() in both directions and build a table with its
 * provenance. Progress lines go to @p log. Throws std::runtime_error when a fit gives a
 * cost that is not positive (a measurement too noisy to use).
 */
CryptoCostTable MeasureCryptoCostTable(const CalibrateOptions& options, std::ostream& log);

/** The table as a text summary, one line per suite (rendered from @p table only). */
std::string FormatCryptoCostSummary(const CryptoCostTable& table);

/** Register the `calibrate` subcommand on @p app, filling @p options when it is parsed. */
CLI::App* AddCalibrateCommand(CLI::App& app, CalibrateOptions& options);

/**
 * Run `simrun calibrate`: the table goes to options.outPath (and a summary to @p out), or
 * as JSON to @p out without a path. Returns kExitOk, kExitInvalidInput for unusable
 * options, or kExitRunFailed when the measurement or the file write fails.
 */
int RunCalibrate(const CalibrateOptions& options, std::ostream& out, std::ostream& err);

} // namespace tunnelsim

#endif
