#include "scenario-json-reader.h"

#include "ipv4-header.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace tunnelsim
{

namespace
{

/// Maximum length of a value quoted in a message, in characters.
constexpr size_t kMaxDescribedValueLength = 60;

bool
IsNameCharacter(char c, bool first)
{
    bool alphanumeric = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    return alphanumeric || (!first && (c == '.' || c == '_' || c == '-'));
}

std::string
DescribeRange(const NumberRange& range)
{
    bool hasMin = std::isfinite(range.min);
    bool hasMax = std::isfinite(range.max);
    if (hasMin && hasMax)
    {
        return fmt::format("in {}{}, {}]", range.minExclusive ? "(" : "[", range.min, range.max);
    }
    if (hasMin)
    {
        return fmt::format("{} {}", range.minExclusive ? "greater than" : "at least", range.min);
    }
    if (hasMax)
    {
        return fmt::format("at most {}", range.max);
    }
    return "a finite number";
}

/// Largest edit distance at which an unknown key is taken for a misspelled known key.
constexpr size_t kMaxKeyTypoDistance = 3;

/** Levenshtein distance between @p a and @p b (insertions, deletions, substitutions). */
size_t
EditDistance(std::string_view a, std::string_view b)
{
    std::vector<size_t> previous(b.size() + 1);
    std::vector<size_t> current(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j)
    {
        previous[j] = j;
    }
    for (size_t i = 1; i <= a.size(); ++i)
    {
        current[0] = i;
        for (size_t j = 1; j <= b.size(); ++j)
        {
            size_t substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
            current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
        }
        std::swap(previous, current);
    }
    return previous[b.size()];
}

/**
 * The accepted key closest to @p key, or "" when none is close: within a third of the
 * candidate's length and at most kMaxKeyTypoDistance edits, so short keys need a near match.
 */
std::string
NearestKey(std::string_view key, const std::vector<std::string>& accepted)
{
    std::string nearest;
    size_t best = kMaxKeyTypoDistance + 1;
    for (const std::string& candidate : accepted)
    {
        size_t limit = std::min(kMaxKeyTypoDistance, std::max<size_t>(1, candidate.size() / 3));
        size_t distance = EditDistance(key, candidate);
        if (distance <= limit && distance < best)
        {
            best = distance;
            nearest = candidate;
        }
    }
    return nearest;
}

/**
 * Append @p value to @p out as compact JSON, stopping once @p out is longer than
 * kMaxDescribedValueLength. Every level appends a bracket before it descends, so the
 * recursion is at most kMaxDescribedValueLength + 1 deep whatever the value's depth.
 */
void
AppendBoundedJson(const nlohmann::json& value, std::string& out)
{
    if (out.size() > kMaxDescribedValueLength)
    {
        return;
    }
    switch (value.type())
    {
        case nlohmann::json::value_t::array:
        case nlohmann::json::value_t::object:
        {
            const bool isObject = value.is_object();
            out += isObject ? '{' : '[';
            bool first = true;
            for (auto it = value.begin(); it != value.end(); ++it)
            {
                if (out.size() > kMaxDescribedValueLength)
                {
                    return;
                }
                if (!first)
                {
                    out += ',';
                }
                first = false;
                if (isObject)
                {
                    out += Quote(it.key().substr(0, kMaxDescribedValueLength + 1));
                    out += ':';
                }
                AppendBoundedJson(*it, out);
            }
            out += isObject ? '}' : ']';
            break;
        }
        case nlohmann::json::value_t::string:
            // Cut first: a long string is not worth escaping whole.
            out += Quote(
                value.get_ref<const std::string&>().substr(0, kMaxDescribedValueLength + 1));
            break;
        default:
            out += value.dump();
            break;
    }
}

} // namespace

std::string
DescribeJsonValue(const nlohmann::json& value)
{
    std::string text;
    AppendBoundedJson(value, text);
    if (text.size() > kMaxDescribedValueLength)
    {
        text = text.substr(0, kMaxDescribedValueLength) + "...";
    }
    return text;
}

std::string
Quote(std::string_view text)
{
    return nlohmann::json(std::string(text))
        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

JsonField::JsonField(const nlohmann::json* value, std::string pointer, std::string example,
                     ScenarioErrorList* errors)
  : m_value(value)
  , m_pointer(std::move(pointer))
  , m_example(std::move(example))
  , m_errors(errors)
{
}

void
JsonField::Report(std::string_view rule, std::string message,
                  std::optional<std::string> example) const
{
    m_errors->Add(m_pointer, rule, std::move(message), example ? std::move(*example) : m_example);
}

void
JsonField::ReportWrongType(std::string_view expected) const
{
    // null is both the type and the value: "got null", not "got null null".
    std::string seen = m_value->is_null() ? std::string("null")
                                          : fmt::format("{} {}", m_value->type_name(),
                                                        DescribeJsonValue(*m_value));
    Report(rule::kWrongType, fmt::format("expected {}, got {}", expected, seen));
}

bool
JsonField::String(std::string& out) const
{
    if (!m_value)
    {
        return false;
    }
    if (!m_value->is_string())
    {
        ReportWrongType("a string");
        return false;
    }
    out = m_value->get<std::string>();
    return true;
}

bool
JsonField::Name(std::string& out) const
{
    std::string text;
    if (!String(text))
    {
        return false;
    }
    bool valid = !text.empty() && text.size() <= kMaxNameLength;
    for (size_t i = 0; valid && i < text.size(); ++i)
    {
        valid = IsNameCharacter(text[i], i == 0);
    }
    if (!valid)
    {
        Report(rule::kInvalidName,
               fmt::format("{} is not a valid name: use 1 to {} letters, digits, '.', '_' or '-', "
                           "starting with a letter or digit",
                           Quote(text), kMaxNameLength));
        return false;
    }
    out = std::move(text);
    return true;
}

bool
JsonField::Number(const NumberRange& range, double& out) const
{
    if (!m_value)
    {
        return false;
    }
    if (!m_value->is_number())
    {
        ReportWrongType("a number");
        return false;
    }
    double value = m_value->get<double>();
    bool belowMin = range.minExclusive ? value <= range.min : value < range.min;
    if (belowMin || value > range.max)
    {
        Report(rule::kOutOfRange, fmt::format("{} is out of range: the value must be {}",
                                              DescribeJsonValue(*m_value), DescribeRange(range)));
        return false;
    }
    out = value;
    return true;
}

bool
JsonField::Unsigned(uint64_t min, uint64_t max, uint64_t& out) const
{
    if (!m_value)
    {
        return false;
    }
    if (m_value->is_number_float())
    {
        // nlohmann/json reads an integer beyond 64 bits as a double: a whole number outside
        // the range, not a fraction of the wrong type.
        const double number = m_value->get<double>();
        if (std::isfinite(number) && number == std::floor(number)
            && (number < static_cast<double>(min) || number > static_cast<double>(max)))
        {
            Report(rule::kOutOfRange,
                   fmt::format("{} is out of range: the value must be an integer in [{}, {}]",
                               DescribeJsonValue(*m_value), min, max));
            return false;
        }
    }
    if (!m_value->is_number_integer())
    {
        ReportWrongType("an integer");
        return false;
    }
    // A negative integer is below every minimum, since the minimum is unsigned.
    bool negative = !m_value->is_number_unsigned();
    uint64_t value = negative ? 0 : m_value->get<uint64_t>();
    if (negative || value < min || value > max)
    {
        Report(rule::kOutOfRange,
               fmt::format("{} is out of range: the value must be an integer in [{}, {}]",
                           DescribeJsonValue(*m_value), min, max));
        return false;
    }
    out = value;
    return true;
}

bool
JsonField::Boolean(bool& out) const
{
    if (!m_value)
    {
        return false;
    }
    if (!m_value->is_boolean())
    {
        ReportWrongType("true or false");
        return false;
    }
    out = m_value->get<bool>();
    return true;
}

bool
JsonField::Choice(const std::vector<std::string_view>& choices, size_t& index) const
{
    std::string text;
    if (!String(text))
    {
        return false;
    }
    auto found = std::find(choices.begin(), choices.end(), text);
    if (found == choices.end())
    {
        std::vector<std::string> quoted;
        for (std::string_view choice : choices)
        {
            quoted.push_back(Quote(choice));
        }
        Report(rule::kInvalidValue,
               fmt::format("{} is not one of {}", Quote(text), fmt::join(quoted, ", ")));
        return false;
    }
    index = static_cast<size_t>(found - choices.begin());
    return true;
}

bool
JsonField::Address(uint32_t& out) const
{
    std::string text;
    if (!String(text))
    {
        return false;
    }
    std::optional<uint32_t> address = Ipv4FromString(text);
    if (!address)
    {
        Report(rule::kInvalidAddress,
               fmt::format("{} is not an IPv4 address: expected four decimal numbers 0 to 255 "
                           "separated by '.', without leading zeros or a prefix length",
                           Quote(text)));
        return false;
    }
    out = *address;
    return true;
}

bool
JsonField::Prefix(Ipv4Prefix& out) const
{
    std::string text;
    if (!String(text))
    {
        return false;
    }
    PrefixParseResult parsed = ParseIpv4Prefix(text);
    if (parsed.prefix)
    {
        out = *parsed.prefix;
        return true;
    }

    switch (parsed.error)
    {
        case PrefixParseError::HostBitsSet:
            m_errors->Add(m_pointer, rule::kPrefixHostBits,
                          fmt::format("{} has host bits set: a prefix must be its network address, "
                                      "here {}",
                                      Quote(text), Quote(parsed.suggestion)),
                          Quote(parsed.suggestion));
            break;
        case PrefixParseError::BadLength:
            Report(rule::kInvalidPrefix,
                   fmt::format("{} has an invalid prefix length: expected an integer from 0 to {}",
                               Quote(text), kIpv4MaxPrefixLength));
            break;
        case PrefixParseError::BadAddress:
        case PrefixParseError::Syntax:
            Report(rule::kInvalidPrefix,
                   fmt::format("{} is not an IPv4 prefix: expected an address, '/' and a length "
                               "(CIDR notation)",
                               Quote(text)));
            break;
    }
    return false;
}

ObjectReader
JsonField::Object() const
{
    if (!m_value)
    {
        return ObjectReader(*m_errors);
    }
    if (!m_value->is_object())
    {
        ReportWrongType("an object");
        return ObjectReader(*m_errors);
    }
    return ObjectReader(*m_value, m_pointer, *m_errors);
}

std::vector<JsonField>
JsonField::Array(size_t minItems, const std::string& elementExample) const
{
    std::vector<JsonField> elements;
    if (!m_value)
    {
        return elements;
    }
    if (!m_value->is_array())
    {
        ReportWrongType("an array");
        return elements;
    }
    if (m_value->size() < minItems)
    {
        Report(rule::kTooFewItems, fmt::format("the list has {} item(s), at least {} required",
                                               m_value->size(), minItems));
    }
    for (size_t i = 0; i < m_value->size(); ++i)
    {
        elements.emplace_back(&(*m_value)[i], fmt::format("{}/{}", m_pointer, i), elementExample,
                              m_errors);
    }
    return elements;
}

ObjectReader::ObjectReader(ScenarioErrorList& errors)
  : m_object(nullptr)
  , m_errors(&errors)
{
}

ObjectReader::ObjectReader(const nlohmann::json& object, std::string pointer,
                           ScenarioErrorList& errors)
  : m_object(&object)
  , m_pointer(std::move(pointer))
  , m_errors(&errors)
{
}

JsonField
ObjectReader::Field(std::string_view key, std::string example)
{
    m_knownKeys.emplace_back(key);
    std::string pointer = m_pointer + "/" + EscapePointerToken(key);
    const nlohmann::json* value = nullptr;
    if (m_object)
    {
        auto found = m_object->find(std::string(key));
        if (found != m_object->end())
        {
            value = &*found;
        }
    }
    return JsonField(value, std::move(pointer), std::move(example), m_errors);
}

JsonField
ObjectReader::Required(std::string_view key, std::string example)
{
    JsonField field = Field(key, std::move(example));
    if (m_object && !field.Present())
    {
        m_errors->Add(field.Pointer(), rule::kMissingKey,
                      fmt::format("required key {} is missing", Quote(key)), field.Example());
    }
    return field;
}

JsonField
ObjectReader::Optional(std::string_view key, std::string example)
{
    return Field(key, std::move(example));
}

bool
ObjectReader::Has(std::string_view key) const
{
    return m_object && m_object->contains(std::string(key));
}

void
ObjectReader::ReportUnknownKeys()
{
    if (!m_object)
    {
        return;
    }
    std::vector<std::string> accepted = m_knownKeys;
    std::sort(accepted.begin(), accepted.end());
    accepted.erase(std::unique(accepted.begin(), accepted.end()), accepted.end());
    for (const auto& [key, value] : m_object->items())
    {
        if (std::binary_search(accepted.begin(), accepted.end(), key))
        {
            continue;
        }
        std::string nearest = NearestKey(key, accepted);
        std::string message = fmt::format("unknown key {}", Quote(key));
        if (!nearest.empty())
        {
            message += fmt::format(" (did you mean {}?)", Quote(nearest));
        }
        message += fmt::format(": accepted keys here are {}", fmt::join(accepted, ", "));
        m_errors->Add(m_pointer + "/" + EscapePointerToken(key), rule::kUnknownKey,
                      std::move(message), nearest.empty() ? "" : Quote(nearest));
    }
}

} // namespace tunnelsim
