/*
 * The few cryptographic functions the IKE model computes for real, through OpenSSL 3:
 * the negotiated PRF (HMAC, RFC 7296 s2.13 and RFC 2409 s5), SHA-1 for NAT detection
 * hashes (RFC 7296 s2.23, RFC 3947 s3.2), and the modeled IKE SA keys.
 *
 * Limitations:
 * - No Diffie-Hellman: the "shared secret" is derived from the scenario seed and both KE
 *   values, so a run is reproducible and both peers agree without real group arithmetic.
 *   The time a real DH computation takes is a configurable delay in the protocol model.
 */
#ifndef TUNNELSIM_IPSEC_IKE_CRYPTO_H
#define TUNNELSIM_IPSEC_IKE_CRYPTO_H

#include "bytes.h"

#include <cstdint>

namespace tunnelsim
{

/// Pseudo-random functions (IKEv2 transform type 2, RFC 7296 s3.3.2).
enum class IkePrf : uint8_t
{
    HmacSha1,   ///< PRF_HMAC_SHA1, RFC 2104
    HmacSha256, ///< PRF_HMAC_SHA2_256, RFC 4868
};

/// Output size of @p prf in bytes (20 for SHA-1, 32 for SHA-256).
size_t PrfOutputSize(IkePrf prf);

/** prf(@p key, @p data). Throws std::runtime_error when OpenSSL fails. */
Bytes ComputePrf(IkePrf prf, ByteView key, ByteView data);

/**
 * prf+ of RFC 7296 s2.13: T1 | T2 | ... with Tn = prf(K, Tn-1 | S | n), cut to @p length
 * bytes (at most 255 blocks).
 */
Bytes ComputePrfPlus(IkePrf prf, ByteView key, ByteView seed, size_t length);

/** SHA-1 of @p data (20 bytes). */
Bytes ComputeSha1(ByteView data);

/**
 * The modeled Diffie-Hellman shared secret g^ir: HKDF-SHA-256 of the scenario @p seed with
 * both public KE values as info, so it depends on the exchange like a real one but needs
 * no group arithmetic. @p size is the group's shared secret size in bytes.
 */
Bytes ModelSharedSecret(uint64_t seed, ByteView initiatorKe, ByteView responderKe, size_t size);

} // namespace tunnelsim

#endif
