/* fuzz_core.c - libFuzzer harness for the Python-free core (mz_json, mz_buf,
 * mz_validate, mz_invalidate). Built without Python.h, which is itself part
 * of the check.
 *
 *   clang -fsanitize=fuzzer,address,undefined -Isrc tests/fuzz/fuzz_core.c \
 *       src/mz_json.c src/mz_buf.c src/mz_validate.c src/mz_invalidate.c \
 *       $(pkg-config --cflags --libs jansson)
 *
 * Without clang, tests/fuzz/fuzz_main.c drives the same entry point from gcc
 * (tests/fuzz/test_fuzz.py builds and runs it under ASan and UBSan).
 */
#include "mz_base.h"

#include <stdio.h>
#include <stdlib.h>

#include "mz_buf.h"
#include "mz_invalidate.h"
#include "mz_json.h"
#include "mz_validate.h"
#include "fuzz.h"

/* The parse under a few limits: never crashes, and the outcome is
 * consistent with the limits and the envelope rules. */
static void
check_parse(const char *data, size_t size)
{
    static const int64_t depths[] = {64, 0, 2, -1};
    size_t i;

    for (i = 0; i < sizeof(depths) / sizeof(depths[0]); i++) {
        mz_json_limits limits = {true, 1 << 20, depths[i]};
        mz_error err;
        json_t *root = NULL;
        json_t *fn = NULL;
        json_t *args = NULL;
        bool too_deep = mz_json_too_deep(data, size, depths[i]);

        if (mz_json_parse(data, size, &limits, &root, &err) == MZ_OK) {
            MZ_CHECK(root != NULL && !too_deep);
            MZ_CHECK(memchr(data, '\0', size) == NULL);
            json_decref(root);
        } else {
            MZ_CHECK(root == NULL);
            MZ_CHECK(err.code == MZ_E_MALFORMED || err.code == MZ_E_TOO_DEEP);
            MZ_CHECK((err.code == MZ_E_TOO_DEEP) == too_deep);
        }
        if (mz_json_parse_call(data, size, &limits, &root, &fn, &args, &err) ==
            MZ_OK) {
            MZ_CHECK(json_is_object(root) && json_is_string(fn));
            MZ_CHECK(json_string_length(fn) > 0);
            MZ_CHECK(args == NULL || json_is_object(args));
            json_decref(root);
        } else {
            MZ_CHECK(root == NULL && fn == NULL && args == NULL);
        }
    }
}

/* Escaping valid UTF-8 gives a JSON string that decodes to the input. */
static void
check_escape(const char *data, size_t size)
{
    json_t *original = json_stringn(data, size); /* NULL: not UTF-8 */
    json_t *decoded = NULL;
    json_error_t jerr;
    mz_buf buf;

    if (original == NULL) {
        return;
    }
    mz_buf_init(&buf);
    MZ_CHECK(mz_buf_append_escaped(&buf, data, size) == MZ_OK);
    decoded = json_loadb(buf.data, buf.len, MZ_JSON_FLAGS, &jerr);
    MZ_CHECK(decoded != NULL && json_is_string(decoded));
    MZ_CHECK(json_string_length(decoded) == size);
    MZ_CHECK(memcmp(json_string_value(decoded), data, size) == 0);
    json_decref(decoded);
    json_decref(original);
    mz_buf_free(&buf);
}

/* The int fast path accepts exactly -?(0|[1-9][0-9]{0,17}) and agrees
 * with strtoll. */
static void
check_fast_int(const char *data, size_t size)
{
    char text[32];
    size_t i = 0;
    size_t digits;
    bool expected;
    int64_t value = 0;

    if (size < sizeof(text)) {
        if (size > 0 && data[0] == '-') {
            i = 1;
        }
        digits = size - i;
        expected = digits >= 1 && digits <= MZ_FAST_INT_DIGITS &&
                   !(data[i] == '0' && digits > 1);
        for (; expected && i < size; i++) {
            expected = data[i] >= '0' && data[i] <= '9';
        }
        MZ_CHECK(mz_validate_fast_int(data, size, &value) == expected);
        if (expected) {
            memcpy(text, data, size);
            text[size] = '\0';
            MZ_CHECK(value == strtoll(text, NULL, 10));
        }
    }
    MZ_CHECK(mz_validate_bool_text(data, size) ==
             (size == 4 && memcmp(data, "true", 4) == 0    ? 1
              : size == 5 && memcmp(data, "false", 5) == 0 ? 0
                                                           : -1));
}

/* Percent-encoding: only unreserved bytes and %XX come out, and decoding
 * gives the input back exactly when the input is UTF-8. Decoding anything
 * never overruns and yields UTF-8 when it says valid. */
static void
check_percent(const char *data, size_t size)
{
    mz_buf encoded;
    mz_buf decoded;
    mz_error err;
    json_t *as_json;
    bool valid = false;
    size_t i;

    mz_buf_init(&encoded);
    mz_buf_init(&decoded);
    MZ_CHECK(mz_inv_pct_encode(&encoded, data, size, &err) == MZ_OK);
    for (i = 0; i < encoded.len; i++) {
        char c = encoded.data[i];

        MZ_CHECK(c != ';' && c != ',' && c != '=' && c != ' ');
        if (c == '%') {
            MZ_CHECK(i + 2 < encoded.len);
        }
    }
    MZ_CHECK(mz_inv_pct_decode(
                 &decoded, encoded.data, encoded.len, &valid, &err) == MZ_OK);
    MZ_CHECK(valid == mz_inv_utf8_valid(data, size));
    /* jansson's UTF-8 check is an independent oracle. */
    as_json = json_stringn(data, size);
    MZ_CHECK(valid == (as_json != NULL));
    json_decref(as_json);
    if (valid) {
        MZ_CHECK(decoded.len == size && memcmp(decoded.data, data, size) == 0);
    }
    decoded.len = 0;
    MZ_CHECK(mz_inv_pct_decode(&decoded, data, size, &valid, &err) == MZ_OK);
    MZ_CHECK(decoded.len <= size);
    MZ_CHECK(!valid || mz_inv_utf8_valid(decoded.data, decoded.len));
    mz_buf_free(&encoded);
    mz_buf_free(&decoded);
}

/* The header tokenizer: items are trimmed, non-empty, free of ',' and with
 * a context free of ';'; pairs split at the first '='; sorting the keys
 * gives byte order. */
static void
check_header(const char *data, size_t size)
{
    mz_inv_cursor cursor;
    mz_inv_span context;
    mz_inv_parts parts;
    mz_inv_span key;
    mz_inv_span value;
    mz_inv_pair pairs[16];
    size_t count = 0;
    size_t i;
    bool has_eq;

    mz_inv_cursor_init(&cursor, data, size);
    while (mz_inv_cursor_next(&cursor, &context, &parts)) {
        MZ_CHECK(context.len > 0);
        MZ_CHECK(context.data >= data &&
                 context.data + context.len <= data + size);
        MZ_CHECK(memchr(context.data, ',', context.len) == NULL);
        MZ_CHECK(memchr(context.data, ';', context.len) == NULL);
        MZ_CHECK(context.data[0] != ' ' && context.data[0] != '\t');
        while (mz_inv_parts_next(&parts, &key, &value, &has_eq)) {
            MZ_CHECK(memchr(key.data, '=', key.len) == NULL);
            MZ_CHECK(memchr(key.data, ';', key.len) == NULL);
            MZ_CHECK(memchr(value.data, ';', value.len) == NULL);
            MZ_CHECK(has_eq || value.len == 0);
            if (count < sizeof(pairs) / sizeof(pairs[0])) {
                pairs[count].key = key.data;
                pairs[count].len = key.len;
                pairs[count].index = count;
                count++;
            }
        }
    }
    mz_inv_sort_pairs(pairs, count);
    for (i = 1; i < count; i++) {
        size_t n =
            pairs[i - 1].len < pairs[i].len ? pairs[i - 1].len : pairs[i].len;
        int c = n == 0 ? 0 : memcmp(pairs[i - 1].key, pairs[i].key, n);

        MZ_CHECK(c < 0 || (c == 0 && pairs[i - 1].len <= pairs[i].len));
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;

    check_parse(text, size);
    check_escape(text, size);
    check_fast_int(text, size);
    check_percent(text, size);
    check_header(text, size);
    return 0;
}
