/* mz_hmac.c - HMAC-SHA256 over libcrypto's EVP_MAC, keyed context reused. */
#include "mz_base.h"

#include "mz_hmac.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

struct mz_hmac {
    EVP_MAC *mac;     /* "HMAC", fetched once */
    EVP_MAC_CTX *ctx; /* digest SHA256; keyed with `key` once `keyed` */
    unsigned char *key;
    size_t key_len;
    int keyed;
};

/* Fetch HMAC once and fix its digest to SHA256; the key comes later. */
mz_hmac *
mz_hmac_new(void)
{
    char digest[] = "SHA256";
    OSSL_PARAM params[2];
    mz_hmac *hmac = calloc(1, sizeof(*hmac));

    if (hmac == NULL) {
        return NULL;
    }
    params[0] =
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0);
    params[1] = OSSL_PARAM_construct_end();
    hmac->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (hmac->mac == NULL ||
        (hmac->ctx = EVP_MAC_CTX_new(hmac->mac)) == NULL ||
        EVP_MAC_CTX_set_params(hmac->ctx, params) != 1) {
        mz_hmac_free(hmac);
        return NULL;
    }
    return hmac;
}

/* Free the context, the algorithm and the saved key (NULL is a no-op). */
void
mz_hmac_free(mz_hmac *hmac)
{
    if (hmac == NULL) {
        return;
    }
    EVP_MAC_CTX_free(hmac->ctx);
    EVP_MAC_free(hmac->mac);
    free(hmac->key);
    free(hmac);
}

/* Key the context with `key`, or, when it already holds that key, only reset
 * it: a NULL key makes HMAC's init restart from the saved inner pad. */
static int
rekey(mz_hmac *hmac, const unsigned char *key, size_t key_len)
{
    unsigned char *copy;

    if (hmac->keyed && key_len == hmac->key_len &&
        memcmp(key, hmac->key, key_len) == 0) {
        return EVP_MAC_init(hmac->ctx, NULL, 0, NULL) == 1 ? 0 : -1;
    }
    hmac->keyed = 0;
    copy = malloc(key_len > 0 ? key_len : 1);
    if (copy == NULL) {
        return -1;
    }
    memcpy(copy, key, key_len);
    if (EVP_MAC_init(hmac->ctx, key, key_len, NULL) != 1) {
        free(copy);
        return -1;
    }
    free(hmac->key);
    hmac->key = copy;
    hmac->key_len = key_len;
    hmac->keyed = 1;
    return 0;
}

/* Rekey (or reset), then one update and the final; see mz_hmac.h. */
int
mz_hmac_sha256(mz_hmac *hmac,
               const unsigned char *key,
               size_t key_len,
               const unsigned char *message,
               size_t message_len,
               unsigned char out[MZ_HMAC_SHA256_LEN])
{
    size_t written = 0;

    if (rekey(hmac, key, key_len) < 0 ||
        EVP_MAC_update(hmac->ctx, message, message_len) != 1 ||
        EVP_MAC_final(hmac->ctx, out, &written, MZ_HMAC_SHA256_LEN) != 1 ||
        written != MZ_HMAC_SHA256_LEN) {
        hmac->keyed = 0; /* a failed context is keyed afresh next time */
        return -1;
    }
    return 0;
}
