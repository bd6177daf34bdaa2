/*
 * Errors found while loading a scenario: where (a JSON Pointer), which rule, what was seen
 * and a valid example. The rule names are stable: tests and scripts match on them, and
 * docs/scenario-format.md lists them.
 */
#ifndef TUNNELSIM_SIM_SCENARIO_ERROR_H
#define TUNNELSIM_SIM_SCENARIO_ERROR_H

#include "json-pointer.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tunnelsim
{

/// Rule names, one per kind of check.
namespace rule
{
constexpr std::string_view kUnreadableFile = "unreadable-file";
constexpr std::string_view kJsonSyntax = "json-syntax";
constexpr std::string_view kDuplicateKey = "duplicate-key";
constexpr std::string_view kUnknownKey = "unknown-key";
constexpr std::string_view kMissingKey = "missing-key";
constexpr std::string_view kWrongType = "wrong-type";
constexpr std::string_view kOutOfRange = "out-of-range";
constexpr std::string_view kInvalidValue = "invalid-value";
constexpr std::string_view kInvalidName = "invalid-name";
constexpr std::string_view kInvalidAddress = "invalid-address";
constexpr std::string_view kInvalidPrefix = "invalid-prefix";
constexpr std::string_view kPrefixHostBits = "prefix-host-bits";
constexpr std::string_view kAddressOutsidePrefix = "address-outside-prefix";
constexpr std::string_view kSubnetTooSmall = "subnet-too-small";
constexpr std::string_view kOverlap = "overlap";
constexpr std::string_view kDuplicateName = "duplicate-name";
constexpr std::string_view kDuplicateAddress = "duplicate-address";
constexpr std::string_view kUndefinedReference = "undefined-reference";
constexpr std::string_view kLinkMismatch = "link-mismatch";
constexpr std::string_view kTooFewItems = "too-few-items";
constexpr std::string_view kTimeOutsideRun = "time-outside-run";
constexpr std::string_view kEventState = "event-state";
constexpr std::string_view kUnsupportedCombination = "unsupported-combination";
constexpr std::string_view kWanDisconnected = "wan-disconnected";
constexpr std::string_view kSitesUnreachable = "sites-unreachable";
constexpr std::string_view kFormatVersion = "format-version";
constexpr std::string_view kReservedPrefix = "reserved-prefix";
constexpr std::string_view kTunnelMtuTooSmall = "tunnel-mtu-too-small";
constexpr std::string_view kTooDeep = "too-deep";
constexpr std::string_view kUnsupportedPrefix = "unsupported-prefix";
constexpr std::string_view kUnmodelled = "unmodelled";
constexpr std::string_view kRateTooHigh = "rate-too-high";
constexpr std::string_view kFileNameCollision = "file-name-collision";
constexpr std::string_view kTooLateToMeasure = "too-late-to-measure";
} // namespace rule

struct ScenarioError
{
    /// JSON Pointer (RFC 6901) to the offending value; "" is the whole document.
    std::string pointer;
    std::string rule;
    /// Description of the problem, with the value seen.
    std::string message;
    /// A valid value or object for this place, as JSON text.
    std::string example;

    /**
     * One line: pointer, message, rule and example, e.g.
     * `/sites/0/subnets/1/prefix: "10.1.5.1/24" has host bits set ... [prefix-host-bits];
     * valid example: "10.1.5.0/24"`.
     */
    std::string ToString() const;
};

/** Errors collected in document order of discovery. */
class ScenarioErrorList
{
  public:
    void Add(std::string pointer, std::string_view rule, std::string message, std::string example);

    bool Empty() const { return m_errors.empty(); }

    size_t Size() const { return m_errors.size(); }

    const std::vector<ScenarioError>& All() const { return m_errors; }

    std::vector<ScenarioError> Take() { return std::move(m_errors); }

  private:
    std::vector<ScenarioError> m_errors;
};

} // namespace tunnelsim

#endif
