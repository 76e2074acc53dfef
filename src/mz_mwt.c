/* mz_mwt.c - strict MWT reading and claim rules; see mz_mwt.h. */
#include "mz_base.h"

#include "mz_mwt.h"

#include <math.h>
#include <openssl/crypto.h>
#include <stdlib.h>

#define MZ_MWT_MSG_NOMEM "out of memory"
#define MZ_MWT_MSG_SIZE "token is larger than 8 KB"
#define MZ_MWT_MSG_ASCII "token is not ASCII"
#define MZ_MWT_MSG_SEGMENTS "token does not have three segments"
#define MZ_MWT_MSG_MISSING "MissingRequiredClaimError"
#define MZ_MWT_MSG_IMMATURE "ImmatureSignatureError"

/* Value of a base64url character, or -1 (padding, +, / and the rest). */
static int
b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '-') {
        return 62;
    }
    return c == '_' ? 63 : -1;
}

/* Decoded length of a strict segment of `len` characters. */
static size_t
b64_len(size_t len)
{
    return len / 4 * 3 + (len % 4 == 0 ? 0 : len % 4 - 1);
}

/* Decode a strict base64url segment into `out` (b64_len(len) bytes, or NULL
 * to validate only). Returns 0, or -1: a character outside the alphabet, a
 * length of 4n+1, or unused bits that are not zero (a second spelling). */
static int
b64_decode(const char *text, size_t len, unsigned char *out)
{
    uint32_t acc = 0;
    size_t bits = 0, n = 0;

    if (len % 4 == 1) {
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        int v = b64_value((unsigned char)text[i]);

        if (v < 0) {
            return -1;
        }
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (out != NULL) {
                out[n] = (unsigned char)(acc >> bits);
            }
            n++;
            acc &= (1u << bits) - 1;
        }
    }
    return acc == 0 ? 0 : -1; /* the leftover bits are the unused ones */
}

/* 1 when `value` holds only what both jansson and the twin's json read the
 * same way: nesting within `depth` levels, no NUL in a key. (jansson already
 * refuses integers beyond 64 bits, non-finite reals and lone surrogates.) */
static int
strict_value(const json_t *value, int depth)
{
    const char *key;
    json_t *item;
    size_t index, key_len;

    if (!json_is_object(value) && !json_is_array(value)) {
        return 1;
    }
    if (depth > MZ_MWT_MAX_DEPTH) {
        return 0;
    }
    if (json_is_array(value)) {
        json_array_foreach(value, index, item)
        {
            if (!strict_value(item, depth + 1)) {
                return 0;
            }
        }
        return 1;
    }
    json_object_keylen_foreach((json_t *)value, key, key_len, item)
    {
        if (memchr(key, '\0', key_len) != NULL ||
            !strict_value(item, depth + 1)) {
            return 0;
        }
    }
    return 1;
}

/* Decode and parse one JSON segment; NULL when it is not a strict object. */
static json_t *
read_object(const char *text, size_t len, int *nomem)
{
    size_t size = b64_len(len);
    unsigned char *data = malloc(size > 0 ? size : 1);
    json_t *value;

    if (data == NULL) {
        *nomem = 1;
        return NULL;
    }
    if (b64_decode(text, len, data) < 0) {
        free(data);
        return NULL;
    }
    value =
        json_loadb((const char *)data,
                   size,
                   JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_ALLOW_NUL,
                   NULL);
    free(data);
    if (value != NULL && (!json_is_object(value) || !strict_value(value, 1))) {
        json_decref(value);
        value = NULL;
    }
    return value;
}

/* 1 when `value` is a str equal to the NUL-terminated `text`. */
static int
string_is(const json_t *value, const char *text)
{
    return json_is_string(value) &&
           json_string_length(value) == strlen(text) &&
           memcmp(json_string_value(value), text, strlen(text)) == 0;
}

/* The header rules of tokens._check_header, then kid, in the twin's order. */
static const char *
check_header(const json_t *header)
{
    const json_t *typ = json_object_get(header, "typ");
    const json_t *kid = json_object_get(header, "kid");

    if (!string_is(json_object_get(header, "alg"), "HS256")) {
        return "algorithm is not HS256";
    }
    if (typ != NULL && !string_is(typ, "JWT")) {
        return "typ is not JWT";
    }
    if (json_object_get(header, "crit") != NULL) {
        return "header parameter 'crit' is not supported";
    }
    if (json_object_get(header, "b64") != NULL) {
        return "header parameter 'b64' is not supported";
    }
    if (kid != NULL && !json_is_string(kid)) {
        return "kid is not a string";
    }
    return NULL;
}

/* tokens._check_dates: exp, nbf and iat, when present, are JSON numbers. */
static const char *
check_dates(const json_t *claims)
{
    static const char *const names[] = {"exp", "nbf", "iat"};
    static const char *const messages[] = {
        "exp is not a number", "nbf is not a number", "iat is not a number"};

    for (size_t i = 0; i < 3; i++) {
        const json_t *value = json_object_get(claims, names[i]);

        if (value != NULL && !json_is_number(value)) {
            return messages[i];
        }
    }
    return NULL;
}

const char *
mz_mwt_read(const char *token, size_t len, mz_mwt *out)
{
    const char *first, *second, *payload, *signature;
    size_t signature_len;
    int nomem = 0;
    const char *problem;

    memset(out, 0, sizeof(*out));
    if (len > MZ_MWT_MAX_TOKEN) {
        return MZ_MWT_MSG_SIZE;
    }
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)token[i] >= 0x80) {
            return MZ_MWT_MSG_ASCII;
        }
    }
    first = memchr(token, '.', len);
    second = first == NULL
                 ? NULL
                 : memchr(first + 1, '.', len - (size_t)(first + 1 - token));
    if (second == NULL ||
        memchr(second + 1, '.', len - (size_t)(second + 1 - token)) != NULL) {
        return MZ_MWT_MSG_SEGMENTS;
    }
    payload = first + 1;
    signature = second + 1;
    signature_len = len - (size_t)(signature - token);
    if (b64_decode(token, (size_t)(first - token), NULL) < 0) {
        return "header segment is not strict base64url";
    }
    if (b64_decode(payload, (size_t)(second - payload), NULL) < 0) {
        return "payload segment is not strict base64url";
    }
    out->signature_len = b64_len(signature_len);
    if (b64_decode(signature,
                   signature_len,
                   out->signature_len == MZ_HMAC_SHA256_LEN ? out->signature
                                                            : NULL) < 0) {
        return "signature segment is not strict base64url";
    }
    out->signing_len = (size_t)(second - token);
    out->header = read_object(token, (size_t)(first - token), &nomem);
    if (out->header == NULL) {
        return nomem ? MZ_MWT_MSG_NOMEM : "header is not a strict JSON object";
    }
    out->claims = read_object(payload, (size_t)(second - payload), &nomem);
    if (out->claims == NULL) {
        mz_mwt_clear(out);
        return nomem ? MZ_MWT_MSG_NOMEM
                     : "payload is not a strict JSON object";
    }
    problem = check_header(out->header);
    if (problem == NULL) {
        problem = check_dates(out->claims);
    }
    if (problem != NULL) {
        mz_mwt_clear(out);
    }
    return problem;
}

void
mz_mwt_clear(mz_mwt *mwt)
{
    json_decref(mwt->header);
    json_decref(mwt->claims);
    mwt->header = NULL;
    mwt->claims = NULL;
}

const char *
mz_mwt_kid(const mz_mwt *mwt, size_t *len)
{
    const json_t *kid = json_object_get(mwt->header, "kid");

    if (!json_is_string(kid) || json_string_length(kid) == 0) {
        return NULL;
    }
    *len = json_string_length(kid);
    return json_string_value(kid);
}

int
mz_mwt_signed_by(const mz_mwt *mwt,
                 const char *token,
                 mz_hmac *hmac,
                 const unsigned char *key,
                 size_t key_len)
{
    unsigned char expected[MZ_HMAC_SHA256_LEN];

    if (mz_hmac_sha256(hmac,
                       key,
                       key_len,
                       (const unsigned char *)token,
                       mwt->signing_len,
                       expected) < 0) {
        return -1;
    }
    if (mwt->signature_len != MZ_HMAC_SHA256_LEN) {
        return 0;
    }
    return CRYPTO_memcmp(expected, mwt->signature, MZ_HMAC_SHA256_LEN) == 0;
}

/* PyJWT's int(date) > bound, exactly: an integer against a double. */
static int
date_after(const json_t *date, double bound)
{
    if (json_is_real(date)) {
        return trunc(json_real_value(date)) > bound;
    }
    if (isnan(bound) || bound >= 9223372036854775808.0) {
        return 0;
    }
    if (bound < -9223372036854775808.0) {
        return 1;
    }
    return json_integer_value(date) > (json_int_t)floor(bound);
}

/* Python truthiness of a JSON value (null never reaches here). */
static int
truthy(const json_t *value)
{
    switch (json_typeof(value)) {
        case JSON_OBJECT:
            return json_object_size(value) > 0;
        case JSON_ARRAY:
            return json_array_size(value) > 0;
        case JSON_STRING:
            return json_string_length(value) > 0;
        case JSON_INTEGER:
            return json_integer_value(value) != 0;
        case JSON_REAL:
            return json_real_value(value) != 0.0;
        case JSON_TRUE:
            return 1;
        default:
            return 0;
    }
}

const char *
mz_mwt_check_claims(const mz_mwt *mwt,
                    const char *audience,
                    size_t audience_len,
                    double leeway,
                    double now)
{
    static const char *const required[] = {"exp", "nbf", "aud", "sub", "pkey"};
    const json_t *claims = mwt->claims;
    const json_t *value;

    for (size_t i = 0; i < 5; i++) {
        value = json_object_get(claims, required[i]);
        if (value == NULL || json_is_null(value)) {
            return MZ_MWT_MSG_MISSING;
        }
    }
    value = json_object_get(claims, "iat");
    if (value != NULL && date_after(value, now + leeway)) {
        return MZ_MWT_MSG_IMMATURE;
    }
    if (date_after(json_object_get(claims, "nbf"), now + leeway)) {
        return MZ_MWT_MSG_IMMATURE;
    }
    if (!date_after(json_object_get(claims, "exp"), now - leeway)) {
        return "ExpiredSignatureError";
    }
    value = json_object_get(claims, "aud");
    if (!truthy(value)) {
        return MZ_MWT_MSG_MISSING;
    }
    if (!json_is_string(value) || json_string_length(value) != audience_len ||
        memcmp(json_string_value(value), audience, audience_len) != 0) {
        return "InvalidAudienceError";
    }
    if (!json_is_string(json_object_get(claims, "sub"))) {
        return "InvalidSubjectError";
    }
    value = json_object_get(claims, "jti");
    if (value != NULL && !json_is_string(value)) {
        return "InvalidJTIError";
    }
    return NULL;
}
