/*
 * IP protocol 50 (ESP, RFC 4303) in a node's IPv4 stack: hands every ESP packet addressed
 * to the node to IpsecStack::ProcessEsp. Inserted into Ipv4L3Protocol by
 * IpsecStack::Setup.
 *
 * Limitations:
 * - IPv4 only: Receive returns RX_ENDPOINT_UNREACH for ESP over IPv6.
 * - ICMP errors about ESP packets are ignored (no path MTU learning for SAs).
 */
#ifndef TUNNELSIM_IPSEC_ESP_L4_PROTOCOL_H
#define TUNNELSIM_IPSEC_ESP_L4_PROTOCOL_H

#include "ns3/ip-l4-protocol.h"

namespace tunnelsim
{

class IpsecStack;

class EspL4Protocol : public ns3::IpL4Protocol
{
  public:
    /// IANA protocol number of ESP (RFC 4303 s2).
    static constexpr uint8_t PROT_NUMBER = 50;

    static ns3::TypeId GetTypeId();

    EspL4Protocol();
    ~EspL4Protocol() override;

    void SetStack(ns3::Ptr<IpsecStack> stack);

    int GetProtocolNumber() const override;
    RxStatus Receive(ns3::Ptr<ns3::Packet> packet, const ns3::Ipv4Header& header,
                     ns3::Ptr<ns3::Ipv4Interface> incomingInterface) override;
    RxStatus Receive(ns3::Ptr<ns3::Packet> packet, const ns3::Ipv6Header& header,
                     ns3::Ptr<ns3::Ipv6Interface> incomingInterface) override;
    void SetDownTarget(DownTargetCallback callback) override;
    void SetDownTarget6(DownTargetCallback6 callback) override;
    DownTargetCallback GetDownTarget() const override;
    DownTargetCallback6 GetDownTarget6() const override;

  protected:
    void DoDispose() override;

  private:
    ns3::Ptr<IpsecStack> m_stack;
    DownTargetCallback m_downTarget;
    DownTargetCallback6 m_downTarget6;
};

} // namespace tunnelsim

#endif
