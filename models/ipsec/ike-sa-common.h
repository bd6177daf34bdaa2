/*
 * Byte and text helpers of the IKEv1 (ike-v1-sa.cc) and IKEv2 (ike-v2-sa.cc) SA models.
 * Include it from .cc files only, because its short names could collide with helpers
 * elsewhere.
 */
#ifndef TUNNELSIM_IPSEC_IKE_SA_COMMON_H
#define TUNNELSIM_IPSEC_IKE_SA_COMMON_H

#include "bytes.h"
#include "ike-message.h"
#include "ns3/ipv4-address.h"

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

namespace tunnelsim
{

/// The parts one after another: the "|" of the RFC 2409 and RFC 7296 key formulas.
Bytes ConcatBytes(std::initializer_list<ByteView> parts);

/// An 8-byte IKE SPI (RFC 7296 s3.1) or ISAKMP cookie (RFC 2408 s3.1), in network byte order.
Bytes IkeSpiBytes(uint64_t spi);

/**
 * SHA-1(SPIi | SPIr | @p address | UDP port 500): the hash in the NAT-D payloads of IKEv1
 * (RFC 3947 s3.2) and the NAT_DETECTION_*_IP notifies of IKEv2 (RFC 7296 s2.23).
 */
Bytes NatDetectionHash(uint64_t initiatorSpi, uint64_t responderSpi, ns3::Ipv4Address address);

/// @p names separated by ", ", or "none" when there are none, for failure details.
std::string JoinProposalNames(const std::vector<std::string>& names);

/// The first Notify payload of @p message that decodes as @p version and that @p accept takes.
std::optional<NotifyPayload> FindNotifyIf(const IkeMessage& message, IkeVersion version,
                                          const std::function<bool(const NotifyPayload&)>& accept);

} // namespace tunnelsim

#endif
