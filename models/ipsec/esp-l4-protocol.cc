#include "esp-l4-protocol.h"

#include "ipsec-stack.h"
#include "ns3/log.h"

namespace tunnelsim
{

NS_LOG_COMPONENT_DEFINE("EspL4Protocol");
NS_OBJECT_ENSURE_REGISTERED(EspL4Protocol);

ns3::TypeId
EspL4Protocol::GetTypeId()
{
    static ns3::TypeId tid = ns3::TypeId("tunnelsim::EspL4Protocol")
                                 .SetParent<ns3::IpL4Protocol>()
                                 .SetGroupName("Ipsec")
                                 .AddConstructor<EspL4Protocol>();
    return tid;
}

EspL4Protocol::EspL4Protocol() = default;
EspL4Protocol::~EspL4Protocol() = default;

void
EspL4Protocol::DoDispose()
{
    m_stack = nullptr;
    m_downTarget = DownTargetCallback();
    m_downTarget6 = DownTargetCallback6();
    ns3::IpL4Protocol::DoDispose();
}

void
EspL4Protocol::SetStack(ns3::Ptr<IpsecStack> stack)
{
    m_stack = stack;
}

int
EspL4Protocol::GetProtocolNumber() const
{
    return PROT_NUMBER;
}

ns3::IpL4Protocol::RxStatus
EspL4Protocol::Receive(ns3::Ptr<ns3::Packet> packet, const ns3::Ipv4Header& header,
                       ns3::Ptr<ns3::Ipv4Interface> incomingInterface)
{
    NS_LOG_FUNCTION(this << packet << header.GetSource() << header.GetDestination());

    if (!m_stack)
    {
        return RX_ENDPOINT_UNREACH;
    }
    m_stack->ProcessEsp(packet, header, incomingInterface);
    return RX_OK;
}

ns3::IpL4Protocol::RxStatus
EspL4Protocol::Receive(ns3::Ptr<ns3::Packet>, const ns3::Ipv6Header&, ns3::Ptr<ns3::Ipv6Interface>)
{
    return RX_ENDPOINT_UNREACH;
}

void
EspL4Protocol::SetDownTarget(DownTargetCallback callback)
{
    m_downTarget = callback;
}

void
EspL4Protocol::SetDownTarget6(DownTargetCallback6 callback)
{
    m_downTarget6 = callback;
}

ns3::IpL4Protocol::DownTargetCallback
EspL4Protocol::GetDownTarget() const
{
    return m_downTarget;
}

ns3::IpL4Protocol::DownTargetCallback6
EspL4Protocol::GetDownTarget6() const
{
    return m_downTarget6;
}

} // namespace tunnelsim
