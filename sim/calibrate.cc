#include "calibrate.h"

#include "crypto-cost-json.h"
#include "esp-sa.h"
#include "results.h"
#include "sa-keys.h"
#include "simrun-cli.h"

#include <algorithm>
#include <boost/math/statistics/linear_regression.hpp>
#include <cmath>
#include <ctime>
#include <fmt/format.h>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>

namespace tunnelsim
{

namespace
{

/// SPI and key seed of the measured SAs. Any values work, and fixed ones keep runs
/// reproducible.
constexpr uint32_t kCalibrateSpi = 0x1000;
constexpr uint64_t kCalibrateKeySeed = 1;
/// Next Header of the sealed payloads: IP-in-IP (RFC 4303 s2.6), as in tunnel mode.
constexpr uint8_t kCalibrateNextHeader = 4;
/// Decimal places kept in a table: 0.1 ns per packet and 0.0001 ns per byte are below what
/// a loaded machine can resolve, and shorter numbers keep the file readable.
constexpr double kFixedNsResolution = 10.0;
constexpr double kPerByteNsResolution = 10000.0;
constexpr double kRSquaredResolution = 100000.0;

double
RoundTo(double value, double scale)
{
    return std::round(value * scale) / scale;
}

/// CPU time this thread has used, nanoseconds (POSIX CLOCK_THREAD_CPUTIME_ID).
int64_t
ThreadCpuNanoseconds()
{
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return int64_t{now.tv_sec} * 1000000000 + now.tv_nsec;
}

double
Median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    const size_t middle = values.size() / 2;
    return values.size() % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

/** One suite's keyed encoder and decoder, and the packets it seals and opens. */
class SuiteMeter
{
  public:
    SuiteMeter(const EspSuite& suite, const std::vector<uint32_t>& payloadSizes)
      : m_suite(suite)
    {
        const SaKeys keys = DeriveSaKeys(kCalibrateKeySeed, kCalibrateSpi,
                                         SaKeyDirection::InitiatorToResponder, suite);
        EspSaConfig config;
        config.spi = kCalibrateSpi;
        config.suite = suite;
        config.encryptionKey = keys.encryptionKey;
        config.integrityKey = keys.integrityKey;
        config.ivSeed = kCalibrateKeySeed;
        m_encoder = std::make_unique<EspEncoder>(config);
        m_decoder = std::make_unique<EspDecoder>(config);
        m_decoder->SetReplayCheck(false);

        for (uint32_t size : payloadSizes)
        {
            Bytes payload(size);
            for (size_t i = 0; i < payload.size(); ++i)
            {
                payload[i] = static_cast<uint8_t>(i);
            }
            Bytes esp;
            if (!m_encoder->Seal(kCalibrateNextHeader, payload, esp))
            {
                throw std::runtime_error("sealing a " + std::to_string(size) + "-byte payload with "
                                         + suite.Name() + " failed");
            }
            m_payloads.push_back(std::move(payload));
            m_packets.push_back(std::move(esp));
        }
        m_out.reserve(payloadSizes.empty() ? 0 : m_packets.back().size() + kMaxEspOverhead);
    }

    /// Input bytes of @p direction at size index @p index: payload for seal, ESP for open.
    size_t InputBytes(CryptoDirection direction, size_t index) const
    {
        return direction == CryptoDirection::Seal ? m_payloads[index].size()
                                                  : m_packets[index].size();
    }

    /// CPU nanoseconds per operation over a block of @p iterations operations.
    double MeasureBlock(CryptoDirection direction, size_t index, uint32_t iterations)
    {
        // Restart the counter so no number of blocks can exhaust it (RFC 4303 s3.3.3).
        m_encoder->SetNextSequence(1);
        bool ok = true;
        const int64_t start = ThreadCpuNanoseconds();
        if (direction == CryptoDirection::Seal)
        {
            const Bytes& payload = m_payloads[index];
            for (uint32_t i = 0; i < iterations; ++i)
            {
                m_out.clear();
                ok = m_encoder->Seal(kCalibrateNextHeader, payload, m_out).Ok() && ok;
            }
        }
        else
        {
            const Bytes& packet = m_packets[index];
            for (uint32_t i = 0; i < iterations; ++i)
            {
                ok = m_decoder->Open(packet, m_out).Ok() && ok;
            }
        }
        const int64_t elapsed = ThreadCpuNanoseconds() - start;
        if (!ok)
        {
            throw std::runtime_error(std::string(ToString(direction)) + " with " + m_suite.Name()
                                     + " failed during the measurement");
        }
        return static_cast<double>(elapsed) / iterations;
    }

  private:
    /// Room for the largest ESP overhead of any suite, bytes (see EspSuite::Overhead).
    static constexpr size_t kMaxEspOverhead = 64;

    EspSuite m_suite;
    std::unique_ptr<EspEncoder> m_encoder;
    std::unique_ptr<EspDecoder> m_decoder;
    std::vector<Bytes> m_payloads;
    std::vector<Bytes> m_packets;
    Bytes m_out;
};

/// Medians of @p blocks[size index] as samples at the meter's input sizes.
std::vector<CostSample>
SamplesFromBlocks(const SuiteMeter& meter, CryptoDirection direction,
                  const std::vector<std::vector<double>>& blocks)
{
    std::vector<CostSample> samples;
    for (size_t index = 0; index < blocks.size(); ++index)
    {
        samples.push_back(CostSample{static_cast<double>(meter.InputBytes(direction, index)),
                                     Median(blocks[index])});
    }
    return samples;
}

std::optional<double>
ReadLoadAverage()
{
    std::ifstream in("/proc/loadavg");
    double load = 0;
    if (!(in >> load))
    {
        return std::nullopt;
    }
    return load;
}

std::string
CurrentUtcDate()
{
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

std::string
DescribeMethod(const CalibrateOptions& options, const CryptoCostMachine& machine)
{
    std::string notes = fmt::format(
        "Thread CPU time (CLOCK_THREAD_CPUTIME_ID) of EspEncoder::Seal and EspDecoder::Open "
        "(replay check off), median of {} blocks of {} operations per size, fitted by least "
        "squares. Seal bytes are the payload, open bytes the ESP packet (SPI to ICV). One "
        "thread on a machine with {} logical CPUs that other processes shared",
        options.rounds, options.iterations, machine.logicalCpus);
    if (machine.loadAverageBefore && machine.loadAverageAfter)
    {
        notes += fmt::format(" (1-minute load average {:.2f} before, {:.2f} after)",
                             *machine.loadAverageBefore, *machine.loadAverageAfter);
    }
    notes += ". CPU time leaves out time spent descheduled but not the cache and frequency "
             "effects of the other processes, so the costs are likely somewhat higher than on "
             "an idle machine.";
    if (!options.note.empty())
    {
        notes += " " + options.note;
    }
    return notes;
}

} // namespace

std::vector<uint32_t>
DefaultCalibratePayloadSizes()
{
    return {64, 128, 256, 512, 768, 1024, 1280, 1500};
}

CryptoCostFit
FitCryptoCost(const std::vector<CostSample>& samples)
{
    std::vector<double> x;
    std::vector<double> y;
    std::set<double> distinct;
    for (const CostSample& sample : samples)
    {
        x.push_back(sample.bytes);
        y.push_back(sample.nanoseconds);
        distinct.insert(sample.bytes);
    }
    if (distinct.size() < 2)
    {
        throw std::invalid_argument("a cost fit needs samples at two or more sizes, got "
                                    + std::to_string(distinct.size()));
    }
    const auto [intercept, slope, rSquared]
        = boost::math::statistics::simple_ordinary_least_squares_with_R_squared(x, y);
    CryptoCostFit fit;
    fit.fixedNs = intercept;
    fit.perByteNs = slope;
    fit.rSquared = rSquared;
    return fit;
}

CryptoCostMachine
ReadMachineDescription()
{
    CryptoCostMachine machine;
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    uint32_t processors = 0;
    while (std::getline(in, line))
    {
        const size_t colon = line.find(':');
        if (colon == std::string::npos)
        {
            continue;
        }
        std::string key = line.substr(0, colon);
        key.erase(key.find_last_not_of(" \t") + 1);
        if (key == "processor")
        {
            ++processors;
        }
        else if (key == "model name" && machine.cpuModel.empty())
        {
            const size_t start = line.find_first_not_of(" \t", colon + 1);
            machine.cpuModel = start == std::string::npos ? "" : line.substr(start);
        }
    }
    if (machine.cpuModel.empty())
    {
        machine.cpuModel = "unknown (no model name in /proc/cpuinfo)";
    }
    machine.logicalCpus = processors != 0 ? processors : std::thread::hardware_concurrency();
    machine.loadAverageBefore = ReadLoadAverage();
    return machine;
}

std::vector<CostSample>
MeasureCryptoCost(const EspSuite& suite, CryptoDirection direction, const CalibrateOptions& options)
{
    SuiteMeter meter(suite, options.payloadSizes);
    const size_t sizes = options.payloadSizes.size();
    std::vector<std::vector<double>> blocks(sizes);
    for (size_t index = 0; index < sizes; ++index)
    {
        meter.MeasureBlock(direction, index, options.iterations); // warm-up, not kept
    }
    for (uint32_t round = 0; round < options.rounds; ++round)
    {
        for (size_t index = 0; index < sizes; ++index)
        {
            blocks[index].push_back(meter.MeasureBlock(direction, index, options.iterations));
        }
    }
    return SamplesFromBlocks(meter, direction, blocks);
}

CryptoCostTable
MeasureCryptoCostTable(const CalibrateOptions& options, std::ostream& log)
{
    CryptoCostTable table;
    table.tunnelsimVersion = std::string(kTunnelsimVersion);
    table.date = CurrentUtcDate();
    table.opensslVersion = CurrentOpensslVersion();
    table.machine = ReadMachineDescription();
    table.method = CryptoCostMethod{"CLOCK_THREAD_CPUTIME_ID", options.payloadSizes,
                                    options.iterations, options.rounds};

    const std::vector<EspSuite> suites = AllEspSuites();
    const size_t sizes = options.payloadSizes.size();
    std::vector<std::unique_ptr<SuiteMeter>> meters;
    for (const EspSuite& suite : suites)
    {
        meters.push_back(std::make_unique<SuiteMeter>(suite, options.payloadSizes));
    }
    log << fmt::format("calibrate: {} suites x 2 directions x {} sizes, {} rounds of {} "
                       "operations per block\n",
                       suites.size(), sizes, options.rounds, options.iterations);

    // blocks[suite][direction][size] holds one time per round.
    std::vector<std::vector<std::vector<std::vector<double>>>> blocks(
        suites.size(),
        std::vector<std::vector<std::vector<double>>>(2, std::vector<std::vector<double>>(sizes)));
    // Round -1 warms caches and the CPU clock up and is not kept.
    for (int round = -1; round < static_cast<int>(options.rounds); ++round)
    {
        for (size_t s = 0; s < suites.size(); ++s)
        {
            for (CryptoDirection direction : kAllCryptoDirections)
            {
                for (size_t index = 0; index < sizes; ++index)
                {
                    const double ns = meters[s]->MeasureBlock(direction, index, options.iterations);
                    if (round >= 0)
                    {
                        blocks[s][static_cast<size_t>(direction)][index].push_back(ns);
                    }
                }
            }
        }
        if (round >= 0 && (round + 1) % 5 == 0)
        {
            log << fmt::format("calibrate: round {} of {} done\n", round + 1, options.rounds);
        }
    }

    for (size_t s = 0; s < suites.size(); ++s)
    {
        SuiteCryptoCost& cost = table.suites[suites[s].Name()];
        for (CryptoDirection direction : kAllCryptoDirections)
        {
            const CryptoCostFit fit = FitCryptoCost(SamplesFromBlocks(
                *meters[s], direction, blocks[s][static_cast<size_t>(direction)]));
            if (!(fit.fixedNs > 0) || !(fit.perByteNs > 0))
            {
                throw std::runtime_error(fmt::format(
                    "the {} fit of {} gave a cost that is not positive ({:.3f} ns per packet, "
                    "{:.5f} ns per byte): the measurement was too noisy or the sizes too close "
                    "together; rerun with more --iterations or --rounds, or with sizes further "
                    "apart",
                    ToString(direction), suites[s].Name(), fit.fixedNs, fit.perByteNs));
            }
            CryptoCostFit& rounded = cost.Get(direction);
            rounded.fixedNs = RoundTo(fit.fixedNs, kFixedNsResolution);
            rounded.perByteNs = RoundTo(fit.perByteNs, kPerByteNsResolution);
            rounded.rSquared = std::clamp(RoundTo(fit.rSquared, kRSquaredResolution), 0.0, 1.0);
        }
    }
    table.machine.loadAverageAfter = ReadLoadAverage();
    table.notes = DescribeMethod(options, table.machine);
    return table;
}

std::string
FormatCryptoCostSummary(const CryptoCostTable& table)
{
    std::string text = fmt::format("{:<32} {:>10} {:>10} {:>7}   {:>10} {:>10} {:>7}\n", "suite",
                                   "seal ns", "ns/byte", "r^2", "open ns", "ns/byte", "r^2");
    for (const EspSuite& suite : AllEspSuites())
    {
        auto it = table.suites.find(suite.Name());
        if (it == table.suites.end())
        {
            continue;
        }
        const SuiteCryptoCost& cost = it->second;
        text
            += fmt::format("{:<32} {:>10.1f} {:>10.4f} {:>7.4f}   {:>10.1f} {:>10.4f} {:>7.4f}\n",
                           suite.Name(), cost.seal.fixedNs, cost.seal.perByteNs, cost.seal.rSquared,
                           cost.open.fixedNs, cost.open.perByteNs, cost.open.rSquared);
    }
    return text;
}

CLI::App*
AddCalibrateCommand(CLI::App& app, CalibrateOptions& options)
{
    CLI::App* command = app.add_subcommand(
        "calibrate",
        "Measure the CPU time of ESP seal and open for every suite on this machine and write "
        "the crypto cost table (JSON) that the gateway crypto engine uses.");
    command->add_option(
        "--out", options.outPath,
        "File to write the table to, in an existing directory. Without it the table "
        "goes to standard output");
    command
        ->add_option("--iterations", options.iterations,
                     "Seals or opens per timed block (fewer: quicker, noisier)")
        ->check(CLI::Range(uint32_t{1}, kMaxCalibrateIterations))
        ->capture_default_str();
    command
        ->add_option("--rounds", options.rounds,
                     "Timed blocks per suite, direction and size; the median is fitted")
        ->check(CLI::Range(uint32_t{1}, kMaxCalibrateRounds))
        ->capture_default_str();
    command
        ->add_option("--sizes", options.payloadSizes,
                     "Seal payload sizes to measure, bytes, comma-separated (two or more)")
        ->delimiter(',')
        ->check(CLI::Range(uint32_t{1}, kMaxCalibratePayload))
        ->capture_default_str();
    command->add_option("--note", options.note, "Text appended to the table's notes");
    return command;
}

int
RunCalibrate(const CalibrateOptions& options, std::ostream& out, std::ostream& err)
{
    const std::set<uint32_t> distinct(options.payloadSizes.begin(), options.payloadSizes.end());
    if (distinct.size() < 2)
    {
        err << "simrun calibrate: --sizes needs two or more different sizes to fit a line, got "
            << distinct.size() << "\n";
        return kExitInvalidInput;
    }

    // Measuring takes a while, so find an unwritable --out before it.
    if (!options.outPath.empty())
    {
        const ResultsIoStatus writable = CheckFileCanBeCreated(options.outPath);
        if (!writable.Ok())
        {
            err << "simrun calibrate: " << writable.error << "\n";
            return kExitInvalidInput;
        }
    }

    CryptoCostTable table;
    try
    {
        table = MeasureCryptoCostTable(options, err);
    }
    catch (const std::exception& e)
    {
        err << "simrun calibrate: " << e.what() << "\n";
        return kExitRunFailed;
    }

    if (options.outPath.empty())
    {
        out << CryptoCostTableToJson(table).dump(2) << "\n";
        return kExitOk;
    }
    try
    {
        SaveCryptoCostTable(table, options.outPath);
    }
    catch (const std::exception& e)
    {
        err << "simrun calibrate: " << e.what() << "\n";
        return kExitRunFailed;
    }
    out << FormatCryptoCostSummary(table);
    out << "wrote " << options.outPath << "\n";
    return kExitOk;
}

} // namespace tunnelsim
