/*
 * Typed, error-collecting access to a parsed JSON document. Each read checks one value
 * (presence, type, range, syntax), records a ScenarioError with the value's JSON Pointer
 * and a valid example when the check fails, and returns false instead of throwing, so one
 * pass reports every error in a file.
 */
#ifndef TUNNELSIM_SIM_SCENARIO_JSON_READER_H
#define TUNNELSIM_SIM_SCENARIO_JSON_READER_H

#include "scenario-address.h"
#include "scenario-error.h"

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tunnelsim
{

/// Maximum length of a name (site, gateway, link, design, ...), in characters.
constexpr size_t kMaxNameLength = 63;

/** Bounds of a numeric value. */
struct NumberRange
{
    double min = -std::numeric_limits<double>::infinity();
    double max = std::numeric_limits<double>::infinity();
    bool minExclusive = false; ///< true: value must be greater than min
};

class ObjectReader;

/** One value (or a missing key) inside the document, with its pointer and example. */
class JsonField
{
  public:
    JsonField(const nlohmann::json* value, std::string pointer, std::string example,
              ScenarioErrorList* errors);

    bool Present() const { return m_value != nullptr; }

    const nlohmann::json* Value() const { return m_value; }

    const std::string& Pointer() const { return m_pointer; }

    const std::string& Example() const { return m_example; }

    /// Record an error at this field, with @p example or else the field's own example.
    void Report(std::string_view rule, std::string message,
                std::optional<std::string> example = std::nullopt) const;

    // Each reader below returns false without a report when the field is absent, and false
    // with a report when it is present but invalid. @p out changes only on success.

    bool String(std::string& out) const;
    /// A string of letters, digits, '.', '_' and '-', starting with a letter or digit.
    bool Name(std::string& out) const;
    bool Number(const NumberRange& range, double& out) const;
    /// A JSON integer (not 2.0) in [min, max].
    bool Unsigned(uint64_t min, uint64_t max, uint64_t& out) const;
    bool Boolean(bool& out) const;
    /// A string equal to one of @p choices; @p index is its position.
    bool Choice(const std::vector<std::string_view>& choices, size_t& index) const;
    /// A dotted-quad IPv4 address.
    bool Address(uint32_t& out) const;
    /// "a.b.c.d/n" with no host bits set.
    bool Prefix(Ipv4Prefix& out) const;

    template<typename T>
    bool Integer(T min, T max, T& out) const
    {
        uint64_t value = 0;
        if (!Unsigned(min, max, value))
        {
            return false;
        }
        out = static_cast<T>(value);
        return true;
    }

    template<typename E>
    bool Enum(const std::vector<std::pair<std::string_view, E>>& table, E& out) const
    {
        std::vector<std::string_view> choices;
        for (const auto& entry : table)
        {
            choices.push_back(entry.first);
        }
        size_t index = 0;
        if (!Choice(choices, index))
        {
            return false;
        }
        out = table[index].second;
        return true;
    }

    /// The object at this field; an empty reader if absent or not an object (reported).
    ObjectReader Object() const;

    /**
     * The elements of an array, each with its pointer and @p elementExample. Reports a
     * value that is not an array, or one with fewer than @p minItems elements.
     */
    std::vector<JsonField> Array(size_t minItems, const std::string& elementExample) const;

  private:
    /// Report wrong-type: "expected <expected>, got <type> <value>".
    void ReportWrongType(std::string_view expected) const;

    const nlohmann::json* m_value;
    std::string m_pointer;
    std::string m_example;
    ScenarioErrorList* m_errors;
};

/** The keys of one JSON object. Keys that no Required or Optional call names are unknown. */
class ObjectReader
{
  public:
    /// A reader over no object: every key is absent and nothing is reported.
    explicit ObjectReader(ScenarioErrorList& errors);
    ObjectReader(const nlohmann::json& object, std::string pointer, ScenarioErrorList& errors);

    bool Valid() const { return m_object != nullptr; }

    const std::string& Pointer() const { return m_pointer; }

    /// The value of @p key; reports missing-key with @p example when it is absent.
    JsonField Required(std::string_view key, std::string example);
    /// The value of @p key, absent without a report.
    JsonField Optional(std::string_view key, std::string example);
    /// True if the object has @p key; does not make the key known.
    bool Has(std::string_view key) const;
    /// Report each key that no Required or Optional call named, listing the accepted keys.
    void ReportUnknownKeys();

  private:
    JsonField Field(std::string_view key, std::string example);

    const nlohmann::json* m_object;
    std::string m_pointer;
    ScenarioErrorList* m_errors;
    std::vector<std::string> m_knownKeys;
};

/** A JSON value as short text for messages: its dump, cut to about 60 characters. */
std::string DescribeJsonValue(const nlohmann::json& value);

/** A string as a JSON string literal, for messages and examples: "gw-a". */
std::string Quote(std::string_view text);

} // namespace tunnelsim

#endif
