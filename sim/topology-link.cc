#include "topology-link.h"

namespace tunnelsim
{

ns3::TypeId
LinkErrorModel::GetTypeId()
{
    static ns3::TypeId tid = ns3::TypeId("tunnelsim::LinkErrorModel")
                                 .SetParent<ns3::ErrorModel>()
                                 .SetGroupName("Tunnelsim")
                                 .AddConstructor<LinkErrorModel>();
    return tid;
}

LinkErrorModel::LinkErrorModel()
  : m_random(ns3::CreateObject<ns3::UniformRandomVariable>())
{
}

void
LinkErrorModel::SetLossRate(double rate)
{
    m_lossRate = rate;
}

void
LinkErrorModel::SetDown(bool down)
{
    m_down = down;
}

int64_t
LinkErrorModel::AssignStreams(int64_t stream)
{
    m_random->SetStream(stream);
    return 1;
}

bool
LinkErrorModel::DoCorrupt(ns3::Ptr<ns3::Packet>)
{
    if (m_down)
    {
        m_downDrops++;
        return true;
    }
    // Draw only on lossy links, so a lossless link consumes no random numbers.
    if (m_lossRate > 0 && m_random->GetValue() < m_lossRate)
    {
        m_lossDrops++;
        return true;
    }
    return false;
}

void
LinkErrorModel::DoReset()
{
}

} // namespace tunnelsim
