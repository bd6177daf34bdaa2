#include "encoded-header.h"

namespace tunnelsim
{

NS_OBJECT_ENSURE_REGISTERED(EncodedHeader);

ns3::TypeId
EncodedHeader::GetTypeId()
{
    static ns3::TypeId tid = ns3::TypeId("tunnelsim::EncodedHeader")
                                 .SetParent<ns3::Header>()
                                 .SetGroupName("Gre")
                                 .AddConstructor<EncodedHeader>();
    return tid;
}

EncodedHeader::EncodedHeader(ByteView bytes)
  : m_bytes(bytes.ToBytes())
{
}

ns3::TypeId
EncodedHeader::GetInstanceTypeId() const
{
    return GetTypeId();
}

uint32_t
EncodedHeader::GetSerializedSize() const
{
    return static_cast<uint32_t>(m_bytes.size());
}

void
EncodedHeader::Serialize(ns3::Buffer::Iterator start) const
{
    start.Write(m_bytes.data(), static_cast<uint32_t>(m_bytes.size()));
}

uint32_t
EncodedHeader::Deserialize(ns3::Buffer::Iterator start)
{
    start.Read(m_bytes.data(), static_cast<uint32_t>(m_bytes.size()));
    return static_cast<uint32_t>(m_bytes.size());
}

void
EncodedHeader::Print(std::ostream& os) const
{
    os << "encoded " << m_bytes.size() << " bytes";
}

} // namespace tunnelsim
