/*
 * An ns-3 Header that carries bytes the codec already encoded. The GRE models use it to
 * prepend a GRE header to a packet, or to put back rewritten header bytes, without
 * rebuilding the packet from a buffer: Packet::AddHeader keeps the packet's packet tags
 * and byte tags, which Create<Packet>(buffer) would lose.
 */
#ifndef TUNNELSIM_GRE_ENCODED_HEADER_H
#define TUNNELSIM_GRE_ENCODED_HEADER_H

#include "bytes.h"
#include "ns3/header.h"

namespace tunnelsim
{

class EncodedHeader : public ns3::Header
{
  public:
    static ns3::TypeId GetTypeId();

    EncodedHeader() = default;
    explicit EncodedHeader(ByteView bytes);

    ns3::TypeId GetInstanceTypeId() const override;
    uint32_t GetSerializedSize() const override;
    void Serialize(ns3::Buffer::Iterator start) const override;
    /// Reads as many bytes as the header already has. The codec parses them, not this class.
    uint32_t Deserialize(ns3::Buffer::Iterator start) override;
    void Print(std::ostream& os) const override;

    const Bytes& GetBytes() const { return m_bytes; }

  private:
    Bytes m_bytes;
};

} // namespace tunnelsim

#endif
