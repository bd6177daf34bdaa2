#include "ipsec-mode.h"

namespace tunnelsim
{

std::string_view
ToString(IpsecMode mode)
{
    switch (mode)
    {
        case IpsecMode::Tunnel:
            return "tunnel";
        case IpsecMode::Transport:
            return "transport";
    }
    return "unknown";
}

} // namespace tunnelsim
