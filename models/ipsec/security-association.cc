#include "security-association.h"

namespace tunnelsim
{

SecurityAssociation::SecurityAssociation(const SecurityAssociationConfig& config)
  : m_config(config)
{
    if (config.direction == SaDirection::Outbound)
    {
        m_encoder = std::make_unique<EspEncoder>(config.esp);
    }
    else
    {
        m_decoder = std::make_unique<EspDecoder>(config.esp);
    }
}

// Lifetime events are cancelled by the SAD on removal and on disposal, not here: an
// EventId::Cancel after Simulator::Destroy would create a new simulator.
SecurityAssociation::~SecurityAssociation() = default;

} // namespace tunnelsim
