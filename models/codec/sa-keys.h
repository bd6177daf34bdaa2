/*
 * Deterministic keys for manually keyed SAs and for the IKE model, which exchanges no real
 * Diffie-Hellman values. Both ends of an SA derive the same keys from a shared 64-bit seed,
 * the SPI and the direction of the SA, with HKDF-SHA-256 (RFC 5869) through OpenSSL's
 * EVP_KDF "HKDF".
 *
 * Limitations:
 * - The keys are as secret as the seed, which is a scenario parameter. This reproduces
 *   runs; it is not key agreement.
 */
#ifndef TUNNELSIM_CODEC_SA_KEYS_H
#define TUNNELSIM_CODEC_SA_KEYS_H

#include "bytes.h"
#include "esp-suite.h"

#include <cstdint>
#include <string_view>

namespace tunnelsim
{

/// Output limit of HKDF-SHA-256, bytes (RFC 5869 s2.3: L <= 255 * HashLen).
constexpr size_t kHkdfSha256MaxOutput = 255 * 32;

/**
 * Sending end of an SA, as initiator or responder of the pair. The value is the same on both
 * gateways, unlike "inbound" and "outbound", so the two ends derive the same keys (as IKEv2 orders
 * KEYMAT by initiator and responder, RFC 7296 s2.17).
 */
enum class SaKeyDirection : uint8_t
{
    InitiatorToResponder = 1,
    ResponderToInitiator = 2,
};

/** Encryption key (with the salt of AEAD suites) and integrity key of one SA. */
struct SaKeys
{
    Bytes encryptionKey; ///< suite.EncryptionKeySize() bytes
    Bytes integrityKey;  ///< suite.IntegrityKeySize() bytes
};

/**
 * HKDF-SHA-256 extract and expand (RFC 5869 s2.2 and s2.3) of @p length bytes. Throws
 * std::invalid_argument when @p length is 0 or above kHkdfSha256MaxOutput, and
 * std::runtime_error when OpenSSL fails.
 */
Bytes HkdfSha256(ByteView key, ByteView salt, ByteView info, size_t length);

/**
 * Derive the keys of the SA @p spi for @p suite with HKDF-SHA-256. The input key is the
 * seed (8 bytes, big endian) and the salt is the fixed string "tunnelsim sa-keys v1". The
 * info is the ASCII suite name, a zero byte, the SPI (4 bytes, big endian) and the
 * direction byte. The output is the encryption key followed by the integrity key.
 */
SaKeys DeriveSaKeys(uint64_t seed, uint32_t spi, SaKeyDirection direction, const EspSuite& suite);

/**
 * Derive a seed for one part of a run, such as one design, from the run's @p seed and a
 * @p label naming the part: the first 8 bytes (big endian) of HKDF-SHA-256 with the seed
 * (8 bytes, big endian) as input key, the salt "tunnelsim label-seed v1" and the label as
 * info. Different labels give unrelated seeds, so the keys of one part do not open another's
 * packets.
 */
uint64_t DeriveLabelSeed(uint64_t seed, std::string_view label);

} // namespace tunnelsim

#endif
