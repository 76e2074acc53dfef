/* mz_mwt.h - the Python-free half of MWT verification (PROTOCOL MWT-4):
 * the strict reading of a compact HS256 JWS and the claim rules, in the order
 * the twin (mizan/core/_py/mwt.py, PyJWT behind Mizan's strict rules)
 * applies them, so that both refuse a token with the same message.
 *
 * Strict reading, before any key is used: exactly three segments of
 * base64url without padding and with zero unused bits; header and payload
 * each a JSON object (jansson, duplicate keys refused) nested at most
 * MZ_MWT_MAX_DEPTH deep, with 64-bit integers, finite reals, no NUL in a key;
 * then the header rules (alg HS256, typ JWT if present, no crit/b64, kid a
 * string) and the date claims (JSON numbers). Messages are for logs only. */
#ifndef MIZAN_MZ_MWT_H
#define MIZAN_MZ_MWT_H

#include <jansson.h>
#include <stddef.h>

#include "mz_hmac.h"

#define MZ_MWT_MAX_TOKEN 8192 /* characters; larger tokens are not decoded */
#define MZ_MWT_MAX_DEPTH 32   /* nesting of a segment's JSON */

/* A token read strictly. `header` and `claims` are owned (mz_mwt_clear). */
typedef struct mz_mwt {
    json_t *header;
    json_t *claims;
    size_t signing_len; /* bytes of "<header>.<payload>" at the token start */
    unsigned char signature[MZ_HMAC_SHA256_LEN];
    size_t signature_len; /* decoded length; != 32 never verifies */
    int signature_long;   /* decoded length above 32 (never verifies) */
} mz_mwt;

/* Read `token` (`len` bytes, not NUL-terminated) into `out` (zeroed first).
 * Returns NULL, or the static message of the first rule broken (then `out`
 * holds nothing). "out of memory" when an allocation failed. */
const char *
mz_mwt_read(const char *token, size_t len, mz_mwt *out);

/* Release what mz_mwt_read kept; safe on a zeroed or cleared struct. */
void
mz_mwt_clear(mz_mwt *mwt);

/* The header's kid (NUL-terminated, BORROWED from `mwt`) and its length, or
 * NULL when absent or empty. */
const char *
mz_mwt_kid(const mz_mwt *mwt, size_t *len);

/* HMAC-SHA256 of the signing input under `key`, compared in constant time
 * (CRYPTO_memcmp). Returns 1 (valid), 0 (not) or -1 (libcrypto failed). */
int
mz_mwt_signed_by(const mz_mwt *mwt,
                 const char *token,
                 mz_hmac *hmac,
                 const unsigned char *key,
                 size_t key_len);

/* The registered-claim rules PyJWT applies after the signature, in its
 * order: required claims (exp, nbf, aud, sub, pkey; null is missing), iat
 * and nbf not after now + leeway, exp after now - leeway, aud exactly
 * `audience`, sub and jti strings. Returns NULL or the message (the PyJWT
 * exception's class name). */
const char *
mz_mwt_check_claims(const mz_mwt *mwt,
                    const char *audience,
                    size_t audience_len,
                    double leeway,
                    double now);

#endif /* MIZAN_MZ_MWT_H */
