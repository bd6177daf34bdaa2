/*
 * Byte buffers and read-only views shared by every codec. C++17 has no std::span, so
 * ByteView replaces std::span<const uint8_t>.
 */
#ifndef TUNNELSIM_CODEC_BYTES_H
#define TUNNELSIM_CODEC_BYTES_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tunnelsim
{

using Bytes = std::vector<uint8_t>;

/** A non-owning view of contiguous bytes. */
struct ByteView
{
    const uint8_t* data = nullptr;
    size_t size = 0;

    ByteView() = default;

    ByteView(const uint8_t* d, size_t n)
      : data(d)
      , size(n)
    {
    }

    ByteView(const Bytes& b)
      : data(b.data())
      , size(b.size())
    {
    }

    const uint8_t& operator[](size_t i) const { return data[i]; }

    const uint8_t* begin() const { return data; }

    const uint8_t* end() const { return data + size; }

    bool empty() const { return size == 0; }

    /// Bytes [offset, offset + count); the caller checks the bounds.
    ByteView Sub(size_t offset, size_t count) const { return ByteView(data + offset, count); }

    /// Bytes from @p offset to the end; the caller checks the bounds.
    ByteView From(size_t offset) const { return ByteView(data + offset, size - offset); }

    Bytes ToBytes() const { return Bytes(begin(), end()); }
};

inline uint16_t
ReadU16(const uint8_t* p)
{
    return static_cast<uint16_t>((p[0] << 8) | p[1]);
}

inline uint32_t
ReadU32(const uint8_t* p)
{
    return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

inline uint64_t
ReadU64(const uint8_t* p)
{
    return (uint64_t{ReadU32(p)} << 32) | ReadU32(p + 4);
}

inline void
WriteU16(uint8_t* p, uint16_t v)
{
    p[0] = static_cast<uint8_t>(v >> 8);
    p[1] = static_cast<uint8_t>(v);
}

inline void
WriteU32(uint8_t* p, uint32_t v)
{
    p[0] = static_cast<uint8_t>(v >> 24);
    p[1] = static_cast<uint8_t>(v >> 16);
    p[2] = static_cast<uint8_t>(v >> 8);
    p[3] = static_cast<uint8_t>(v);
}

inline void
AppendU16(Bytes& out, uint16_t v)
{
    out.push_back(static_cast<uint8_t>(v >> 8));
    out.push_back(static_cast<uint8_t>(v));
}

inline void
AppendU32(Bytes& out, uint32_t v)
{
    AppendU16(out, static_cast<uint16_t>(v >> 16));
    AppendU16(out, static_cast<uint16_t>(v));
}

inline void
AppendU64(Bytes& out, uint64_t v)
{
    AppendU32(out, static_cast<uint32_t>(v >> 32));
    AppendU32(out, static_cast<uint32_t>(v));
}

/** Lowercase hex without separators. */
std::string ToHex(ByteView bytes);

/** Parse hex without separators (an optional "0x" prefix is accepted); nullopt if invalid. */
std::optional<Bytes> FromHex(std::string_view hex);

/**
 * RFC 1071 Internet checksum over @p bytes (one's complement of the one's complement sum of
 * 16-bit words; an odd last byte is padded with zero). Returns the value to put on the
 * wire; a buffer that already contains a correct checksum sums to 0.
 */
uint16_t InternetChecksum(ByteView bytes);

} // namespace tunnelsim

#endif
