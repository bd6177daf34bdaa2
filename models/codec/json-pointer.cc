#include "json-pointer.h"

namespace tunnelsim
{

std::string
EscapePointerToken(std::string_view token)
{
    std::string escaped;
    escaped.reserve(token.size());
    for (char c : token)
    {
        switch (c)
        {
            case '~':
                escaped += "~0";
                break;
            case '/':
                escaped += "~1";
                break;
            default:
                escaped += c;
        }
    }
    return escaped;
}

std::string
MakeJsonPointer(std::initializer_list<std::string_view> tokens)
{
    std::string pointer;
    for (std::string_view token : tokens)
    {
        pointer += '/';
        pointer += EscapePointerToken(token);
    }
    return pointer;
}

} // namespace tunnelsim
