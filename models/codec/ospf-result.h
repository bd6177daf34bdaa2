/*
 * Typed results for the OSPFv2 codec. DecodeError (codec-result.h) has no values for OSPF's
 * LSA checks or packet types, so the OSPF codec reports its own reasons with the same
 * Result-style API.
 */
#ifndef TUNNELSIM_CODEC_OSPF_RESULT_H
#define TUNNELSIM_CODEC_OSPF_RESULT_H

#include <cstdint>
#include <string_view>
#include <utility>
#include <variant>

namespace tunnelsim
{

/** Reason an OSPF packet or LSA was rejected. Stable names: they appear in results JSON. */
enum class OspfDecodeError : uint8_t
{
    Truncated,          ///< fewer bytes than the header or the Packet length field require
    BadLength,          ///< Packet length or a body count disagrees with the packet's layout
    BadChecksum,        ///< the OSPF packet checksum (RFC 2328 D.4) does not verify
    UnsupportedVersion, ///< Version field other than 2 (RFC 2328 A.3.1)
    UnknownPacketType,  ///< Type field outside 1..5 (RFC 2328 A.3.1)
    BadLsaLength,       ///< an LSA length field shorter than its header or its body layout
    BadLsaChecksum,     ///< an LSA Fletcher checksum (RFC 2328 s12.1.7) does not verify
};

/** Return the stable lowercase name of @p error, e.g. "bad-lsa-checksum". */
std::string_view ToString(OspfDecodeError error);

/**
 * A value or an OspfDecodeError, with the same interface as Result<T> in codec-result.h.
 */
template<typename T>
class OspfResult
{
  public:
    OspfResult(T value)
      : m_storage(std::in_place_index<0>, std::move(value))
    {
    }

    OspfResult(OspfDecodeError error)
      : m_storage(std::in_place_index<1>, error)
    {
    }

    bool Ok() const { return m_storage.index() == 0; }

    explicit operator bool() const { return Ok(); }

    /// Precondition: Ok().
    const T& Value() const& { return std::get<0>(m_storage); }

    T& Value() & { return std::get<0>(m_storage); }

    T&& Value() && { return std::get<0>(std::move(m_storage)); }

    /// Precondition: !Ok().
    OspfDecodeError Error() const { return std::get<1>(m_storage); }

  private:
    std::variant<T, OspfDecodeError> m_storage;
};

} // namespace tunnelsim

#endif
