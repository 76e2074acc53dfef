/* fuzz_mwt.c - libFuzzer harness for the MWT reader and claim rules
 * (mz_mwt, with mz_hmac over libcrypto). Built without Python.h.
 *
 *   clang -fsanitize=fuzzer,address,undefined -Isrc tests/fuzz/fuzz_mwt.c \
 *       src/mz_mwt.c src/mz_hmac.c $(pkg-config --cflags --libs jansson \
 *       libcrypto) -lm
 *
 * An input starting with '#' is also made into a signed token: the rest is
 * "<header JSON>\n<payload JSON>", each base64url-encoded and signed with the
 * harness key, so mutations reach the JSON reader and the claim rules, not
 * only the signature check. Without clang,
 * tests/fuzz/fuzz_main.c drives it from gcc (tests/fuzz/test_fuzz.py).
 */
#include "mz_base.h"

#include <stdio.h>
#include <stdlib.h>

#include "mz_hmac.h"
#include "mz_mwt.h"
#include "fuzz.h"

static const char MZ_FUZZ_KEY[] = "fuzz-secret-of-thirty-two-bytes!";
static const char MZ_FUZZ_B64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Base64url (no padding) of data[0..size) at out; returns the length. */
static size_t
b64_encode(const unsigned char *data, size_t size, char *out)
{
    size_t n = 0, i;

    for (i = 0; i + 3 <= size; i += 3) {
        uint32_t v =
            (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 | data[i + 2];

        out[n++] = MZ_FUZZ_B64[v >> 18];
        out[n++] = MZ_FUZZ_B64[(v >> 12) & 63];
        out[n++] = MZ_FUZZ_B64[(v >> 6) & 63];
        out[n++] = MZ_FUZZ_B64[v & 63];
    }
    if (size - i == 1) {
        out[n++] = MZ_FUZZ_B64[data[i] >> 2];
        out[n++] = MZ_FUZZ_B64[(data[i] & 3) << 4];
    } else if (size - i == 2) {
        out[n++] = MZ_FUZZ_B64[data[i] >> 2];
        out[n++] = MZ_FUZZ_B64[((data[i] & 3) << 4) | (data[i + 1] >> 4)];
        out[n++] = MZ_FUZZ_B64[(data[i + 1] & 15) << 2];
    }
    return n;
}

/* "<header JSON>\n<payload JSON>" made into a token signed with the fuzz
 * key (NEW, *out_len bytes), or NULL without a newline or on failure. */
static char *
signed_token(mz_hmac *hmac, const uint8_t *data, size_t size, size_t *out_len)
{
    const uint8_t *newline = memchr(data, '\n', size);
    unsigned char mac[MZ_HMAC_SHA256_LEN];
    size_t head, n;
    char *token;

    if (newline == NULL) {
        return NULL;
    }
    head = (size_t)(newline - data);
    token = malloc(size / 3 * 4 + 64);
    if (token == NULL) {
        return NULL;
    }
    n = b64_encode(data, head, token);
    token[n++] = '.';
    n += b64_encode(newline + 1, size - head - 1, token + n);
    if (mz_hmac_sha256(hmac,
                       (const unsigned char *)MZ_FUZZ_KEY,
                       sizeof(MZ_FUZZ_KEY) - 1,
                       (const unsigned char *)token,
                       n,
                       mac) < 0) {
        free(token);
        return NULL;
    }
    token[n++] = '.';
    n += b64_encode(mac, sizeof(mac), token + n);
    *out_len = n;
    return token;
}

static void
check_token(mz_hmac *hmac, const char *token, size_t len, int resigned)
{
    mz_mwt mwt;
    const char *problem = mz_mwt_read(token, len, &mwt);
    size_t kid_len = 0;
    const char *kid;
    int valid;

    if (problem != NULL) {
        MZ_CHECK(mwt.header == NULL && mwt.claims == NULL);
        return;
    }
    MZ_CHECK(len <= MZ_MWT_MAX_TOKEN);
    MZ_CHECK(json_is_object(mwt.header) && json_is_object(mwt.claims));
    MZ_CHECK(mwt.signing_len < len && token[mwt.signing_len] == '.');
    kid = mz_mwt_kid(&mwt, &kid_len);
    MZ_CHECK(kid == NULL || (kid_len > 0 && kid[kid_len] == '\0'));
    valid = mz_mwt_signed_by(&mwt,
                             token,
                             hmac,
                             (const unsigned char *)MZ_FUZZ_KEY,
                             sizeof(MZ_FUZZ_KEY) - 1);
    MZ_CHECK(valid == 0 || valid == 1);
    MZ_CHECK(!resigned || valid == 1);
    (void)mz_mwt_check_claims(&mwt, "mizan", 5, 0, 1.7e9);
    (void)mz_mwt_check_claims(&mwt, "", 0, 1e300, -1e300);
    mz_mwt_clear(&mwt);
    mz_mwt_clear(&mwt); /* idempotent */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static mz_hmac *hmac;
    size_t len = 0;
    char *token;

    if (hmac == NULL && (hmac = mz_hmac_new()) == NULL) {
        abort();
    }
    check_token(hmac, (const char *)data, size, 0);
    if (size > 0 && data[0] == '#' &&
        (token = signed_token(hmac, data + 1, size - 1, &len)) != NULL) {
        check_token(hmac, token, len, 1);
        free(token);
    }
    return 0;
}
