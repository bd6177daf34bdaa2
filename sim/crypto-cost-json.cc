#include "crypto-cost-json.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>

namespace tunnelsim
{

namespace
{

using nlohmann::json;
using Pointer = json::json_pointer;

/// Keys of the JSON format. The keys that validation errors name are in crypto-cost-table.h.
constexpr char kKeyTunnelsimVersion[] = "tunnelsim_version";
constexpr char kKeyDate[] = "date";
constexpr char kKeyOpensslVersion[] = "openssl_version";
constexpr char kKeyMachine[] = "machine";
constexpr char kKeyMethod[] = "method";
constexpr char kKeyNotes[] = "notes";
constexpr char kKeyCpuModel[] = "cpu_model";
constexpr char kKeyLogicalCpus[] = "logical_cpus";
constexpr char kKeyLoadBefore[] = "load_average_before";
constexpr char kKeyLoadAfter[] = "load_average_after";
constexpr char kKeyClock[] = "clock";
constexpr char kKeyPayloadSizes[] = "payload_sizes";
constexpr char kKeyIterations[] = "iterations";
constexpr char kKeyRounds[] = "rounds";
constexpr const char* kKeyFormatVersion = kCryptoCostKeyFormatVersion;
constexpr const char* kKeySuites = kCryptoCostKeySuites;
constexpr const char* kKeyFixedNs = kCryptoCostKeyFixedNs;
constexpr const char* kKeyPerByteNs = kCryptoCostKeyPerByteNs;
constexpr const char* kKeyRSquared = kCryptoCostKeyRSquared;

/** Reads one JSON document into a table, naming the source and the path of each error. */
class TableReader
{
  public:
    explicit TableReader(std::string_view source)
      : m_source(source)
    {
    }

    [[noreturn]] void Fail(const Pointer& path, const std::string& problem) const
    {
        throw CryptoCostTableError(m_source, path.to_string(), problem);
    }

    void RequireObject(const json& value, const Pointer& path) const
    {
        if (!value.is_object())
        {
            Fail(path, std::string("expected an object, got ") + value.type_name());
        }
    }

    void RejectUnknownKeys(const json& object, const Pointer& path,
                           std::initializer_list<std::string_view> known) const
    {
        for (const auto& item : object.items())
        {
            bool found = false;
            for (std::string_view key : known)
            {
                found = found || item.key() == key;
            }
            if (!found)
            {
                Fail(path / item.key(), "unknown key; remove it or check its spelling");
            }
        }
    }

    const json& Member(const json& object, const Pointer& path, const char* key) const
    {
        auto it = object.find(key);
        if (it == object.end())
        {
            Fail(path / key, "missing");
        }
        return *it;
    }

    double Number(const json& object, const Pointer& path, const char* key) const
    {
        const json& value = Member(object, path, key);
        if (!value.is_number())
        {
            Fail(path / key, std::string("expected a number, got ") + value.type_name());
        }
        return value.get<double>();
    }

    std::optional<double> OptionalNumber(const json& object, const Pointer& path,
                                         const char* key) const
    {
        if (!object.contains(key) || object.at(key).is_null())
        {
            return std::nullopt;
        }
        return Number(object, path, key);
    }

    uint32_t Unsigned(const json& value, const Pointer& path) const
    {
        if (!value.is_number_unsigned() || value.get<uint64_t>() > UINT32_MAX)
        {
            Fail(path, std::string("expected an unsigned 32-bit integer, got ")
                           + (value.is_number() ? value.dump() : value.type_name()));
        }
        return value.get<uint32_t>();
    }

    uint32_t Unsigned(const json& object, const Pointer& path, const char* key) const
    {
        return Unsigned(Member(object, path, key), path / key);
    }

    std::string String(const json& object, const Pointer& path, const char* key) const
    {
        const json& value = Member(object, path, key);
        if (!value.is_string())
        {
            Fail(path / key, std::string("expected a string, got ") + value.type_name());
        }
        return value.get<std::string>();
    }

    CryptoCostMachine ReadMachine(const json& value, const Pointer& path) const
    {
        RequireObject(value, path);
        RejectUnknownKeys(value, path,
                          {kKeyCpuModel, kKeyLogicalCpus, kKeyLoadBefore, kKeyLoadAfter});
        CryptoCostMachine machine;
        machine.cpuModel = String(value, path, kKeyCpuModel);
        machine.logicalCpus = Unsigned(value, path, kKeyLogicalCpus);
        machine.loadAverageBefore = OptionalNumber(value, path, kKeyLoadBefore);
        machine.loadAverageAfter = OptionalNumber(value, path, kKeyLoadAfter);
        return machine;
    }

    CryptoCostMethod ReadMethod(const json& value, const Pointer& path) const
    {
        RequireObject(value, path);
        RejectUnknownKeys(value, path, {kKeyClock, kKeyPayloadSizes, kKeyIterations, kKeyRounds});
        CryptoCostMethod method;
        method.clock = String(value, path, kKeyClock);
        const json& sizes = Member(value, path, kKeyPayloadSizes);
        const Pointer sizesPath = path / kKeyPayloadSizes;
        if (!sizes.is_array())
        {
            Fail(sizesPath, std::string("expected an array, got ") + sizes.type_name());
        }
        for (size_t i = 0; i < sizes.size(); ++i)
        {
            method.payloadSizes.push_back(Unsigned(sizes[i], sizesPath / i));
        }
        method.iterations = Unsigned(value, path, kKeyIterations);
        method.rounds = Unsigned(value, path, kKeyRounds);
        return method;
    }

    CryptoCostFit ReadFit(const json& value, const Pointer& path) const
    {
        RequireObject(value, path);
        RejectUnknownKeys(value, path, {kKeyFixedNs, kKeyPerByteNs, kKeyRSquared});
        CryptoCostFit fit;
        fit.fixedNs = Number(value, path, kKeyFixedNs);
        fit.perByteNs = Number(value, path, kKeyPerByteNs);
        fit.rSquared = Number(value, path, kKeyRSquared);
        return fit;
    }

    SuiteCryptoCost ReadSuite(const json& value, const Pointer& path) const
    {
        RequireObject(value, path);
        RejectUnknownKeys(value, path,
                          {ToString(CryptoDirection::Seal), ToString(CryptoDirection::Open)});
        SuiteCryptoCost cost;
        for (CryptoDirection direction : kAllCryptoDirections)
        {
            const std::string key(ToString(direction));
            cost.Get(direction) = ReadFit(Member(value, path, key.c_str()), path / key);
        }
        return cost;
    }

    CryptoCostTable ReadTable(const json& document) const
    {
        const Pointer root;
        RequireObject(document, root);

        // The version decides the layout of everything else, so it is read first.
        CryptoCostTable table;
        table.formatVersion = Unsigned(document, root, kKeyFormatVersion);
        if (table.formatVersion != kCryptoCostTableFormatVersion)
        {
            Fail(root / kKeyFormatVersion, "unsupported format version "
                                               + std::to_string(table.formatVersion)
                                               + "; this build reads version "
                                               + std::to_string(kCryptoCostTableFormatVersion));
        }
        RejectUnknownKeys(document, root,
                          {kKeyFormatVersion, kKeyTunnelsimVersion, kKeyDate, kKeyOpensslVersion,
                           kKeyMachine, kKeyMethod, kKeyNotes, kKeySuites});

        table.tunnelsimVersion = String(document, root, kKeyTunnelsimVersion);
        table.date = String(document, root, kKeyDate);
        table.opensslVersion = String(document, root, kKeyOpensslVersion);
        table.machine = ReadMachine(Member(document, root, kKeyMachine), root / kKeyMachine);
        if (document.contains(kKeyMethod))
        {
            table.method = ReadMethod(document.at(kKeyMethod), root / kKeyMethod);
        }
        if (document.contains(kKeyNotes))
        {
            table.notes = String(document, root, kKeyNotes);
        }

        const json& suites = Member(document, root, kKeySuites);
        RequireObject(suites, root / kKeySuites);
        for (const auto& item : suites.items())
        {
            table.suites[item.key()] = ReadSuite(item.value(), root / kKeySuites / item.key());
        }
        return table;
    }

  private:
    std::string m_source;
};

json
FitToJson(const CryptoCostFit& fit)
{
    json object = json::object();
    object[kKeyFixedNs] = fit.fixedNs;
    object[kKeyPerByteNs] = fit.perByteNs;
    object[kKeyRSquared] = fit.rSquared;
    return object;
}

} // namespace

CryptoCostTable
CryptoCostTableFromJson(const nlohmann::json& document, std::string_view source)
{
    const TableReader reader(source);
    CryptoCostTable table = reader.ReadTable(document);
    ValidateCryptoCostTable(table, source);
    return table;
}

nlohmann::ordered_json
CryptoCostTableToJson(const CryptoCostTable& table)
{
    nlohmann::ordered_json document;
    document[kKeyFormatVersion] = table.formatVersion;
    document[kKeyTunnelsimVersion] = table.tunnelsimVersion;
    document[kKeyDate] = table.date;
    document[kKeyOpensslVersion] = table.opensslVersion;

    nlohmann::ordered_json machine;
    machine[kKeyCpuModel] = table.machine.cpuModel;
    machine[kKeyLogicalCpus] = table.machine.logicalCpus;
    if (table.machine.loadAverageBefore)
    {
        machine[kKeyLoadBefore] = *table.machine.loadAverageBefore;
    }
    if (table.machine.loadAverageAfter)
    {
        machine[kKeyLoadAfter] = *table.machine.loadAverageAfter;
    }
    document[kKeyMachine] = machine;

    if (table.method)
    {
        nlohmann::ordered_json method;
        method[kKeyClock] = table.method->clock;
        method[kKeyPayloadSizes] = table.method->payloadSizes;
        method[kKeyIterations] = table.method->iterations;
        method[kKeyRounds] = table.method->rounds;
        document[kKeyMethod] = method;
    }
    if (!table.notes.empty())
    {
        document[kKeyNotes] = table.notes;
    }

    // Suites in AllEspSuites() order, so tables diff cleanly between machines.
    nlohmann::ordered_json suites = nlohmann::ordered_json::object();
    for (const EspSuite& suite : AllEspSuites())
    {
        auto it = table.suites.find(suite.Name());
        if (it == table.suites.end())
        {
            continue;
        }
        nlohmann::ordered_json entry;
        for (CryptoDirection direction : kAllCryptoDirections)
        {
            entry[std::string(ToString(direction))] = FitToJson(it->second.Get(direction));
        }
        suites[suite.Name()] = entry;
    }
    document[kKeySuites] = suites;
    return document;
}

CryptoCostTable
LoadCryptoCostTable(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
    {
        throw CryptoCostTableError(path, "",
                                   std::string("cannot open the file: ") + std::strerror(errno));
    }
    json document;
    try
    {
        document = json::parse(in);
    }
    catch (const json::parse_error& e)
    {
        throw CryptoCostTableError(
            path, "", "invalid JSON at byte " + std::to_string(e.byte) + ": " + e.what());
    }
    return CryptoCostTableFromJson(document, path);
}

void
SaveCryptoCostTable(const CryptoCostTable& table, const std::string& path)
{
    ValidateCryptoCostTable(table, path);
    const std::string temporary = path + ".tmp";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        if (!out)
        {
            throw std::runtime_error("cannot write the crypto cost table " + temporary + ": "
                                     + std::strerror(errno));
        }
        out << CryptoCostTableToJson(table).dump(2) << '\n';
        out.close();
        if (!out)
        {
            throw std::runtime_error("writing the crypto cost table " + temporary + " failed");
        }
    }
    std::error_code error;
    std::filesystem::rename(temporary, path, error);
    if (error)
    {
        throw std::runtime_error("cannot rename " + temporary + " to " + path + ": "
                                 + error.message());
    }
}

} // namespace tunnelsim
