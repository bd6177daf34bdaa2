#include "scenario-error.h"

#include <fmt/format.h>
#include <utility>

namespace tunnelsim
{

std::string
ScenarioError::ToString() const
{
    std::string where = pointer.empty() ? "(document)" : pointer;
    std::string text = fmt::format("{}: {} [{}]", where, message, rule);
    if (!example.empty())
    {
        text += fmt::format("; valid example: {}", example);
    }
    return text;
}

void
ScenarioErrorList::Add(std::string pointer, std::string_view rule, std::string message,
                       std::string example)
{
    m_errors.push_back(ScenarioError{std::move(pointer), std::string(rule), std::move(message),
                                     std::move(example)});
}

} // namespace tunnelsim
