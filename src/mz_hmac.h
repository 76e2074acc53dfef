/* mz_hmac.h - HMAC-SHA256 through OpenSSL's libcrypto (PROTOCOL DEP-1: the
 * library CPython's hashlib is built on, with the algorithm fetched once).
 *
 * Calling hmac.digest costs a Python call, two bytes objects and a fresh
 * key schedule per cache key; here the HMAC algorithm is fetched once and the
 * keyed context (the inner and outer pads, already hashed) is kept while the
 * key stays the same, so a key costs one reinit, the message and two final
 * blocks. No hashing is written here: every step is a libcrypto call. */
#ifndef MIZAN_MZ_HMAC_H
#define MIZAN_MZ_HMAC_H

#include <stddef.h>

#define MZ_HMAC_SHA256_LEN 32

typedef struct mz_hmac mz_hmac;

/* A new HMAC-SHA256 computer, or NULL when libcrypto cannot provide it (no
 * memory, or no HMAC/SHA256 in the loaded providers). */
mz_hmac *
mz_hmac_new(void);

void
mz_hmac_free(mz_hmac *hmac);

/* HMAC-SHA256(key, message) into `out`. Not reentrant: one caller at a time
 * (the binding holds the GIL). Returns 0, or -1 on a libcrypto failure. */
int
mz_hmac_sha256(mz_hmac *hmac,
               const unsigned char *key,
               size_t key_len,
               const unsigned char *message,
               size_t message_len,
               unsigned char out[MZ_HMAC_SHA256_LEN]);

#endif /* MIZAN_MZ_HMAC_H */
