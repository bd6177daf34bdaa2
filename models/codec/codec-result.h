/*
 * Typed results for every decode in the codec. Parsing never asserts on packet bytes: it
 * returns one of these reasons, and the models above count and trace it.
 */
#ifndef TUNNELSIM_CODEC_RESULT_H
#define TUNNELSIM_CODEC_RESULT_H

#include <cstdint>
#include <string_view>
#include <utility>
#include <variant>

namespace tunnelsim
{

/** Reason a packet was rejected by the codec. Stable names: they appear in results JSON. */
enum class DecodeError : uint8_t
{
    Truncated,          ///< fewer bytes than the header or its length fields require
    BadLength,          ///< a length field disagrees with the bytes present
    BadHeaderChecksum,  ///< IPv4 header checksum or GRE checksum does not verify
    UnsupportedVersion, ///< IP version other than 4, GRE version other than 0
    ReservedBitsSet,    ///< a reserved field that must be zero is not (GRE Reserved0)
    BadIcv,             ///< ESP integrity check value does not verify
    Replayed,           ///< ESP sequence number already seen or left of the window
    BadPadding,         ///< ESP padding bytes are not 1, 2, 3, ... (RFC 4303 s2.4)
    BadPadLength,       ///< ESP pad length points outside the decrypted payload
    BadBlockSize,       ///< CBC ciphertext is not a multiple of the block size
    UnknownSpi,         ///< no inbound SA for this SPI
    SequenceExhausted,  ///< outbound counter would wrap; the SA must be rekeyed
    CryptoFailure,      ///< OpenSSL refused an operation (never expected on valid input)
    NotEsp,             ///< the IPv4 protocol field is not 50 where ESP was expected
    Fragment,           ///< an IPv4 fragment where ESP needs a whole datagram (RFC 4303 s3.4.1)
};

/** Return the stable lowercase name of @p error, e.g. "bad-icv". */
std::string_view ToString(DecodeError error);

/**
 * A value or a DecodeError. A small replacement for C++23 std::expected, which C++17 lacks.
 */
template<typename T>
class Result
{
  public:
    Result(T value)
      : m_storage(std::in_place_index<0>, std::move(value))
    {
    }

    Result(DecodeError error)
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
    DecodeError Error() const { return std::get<1>(m_storage); }

  private:
    std::variant<T, DecodeError> m_storage;
};

/** Result of an operation that produces no value. */
struct Success
{
};

using Status = Result<Success>;

} // namespace tunnelsim

#endif
