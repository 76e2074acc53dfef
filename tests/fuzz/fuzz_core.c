/* fuzz_core.c - libFuzzer harness for the Python-free core (mz_json, mz_buf,
 * mz_validate). Built without Python.h, which is itself part of the check.
 *
 *   clang -fsanitize=fuzzer,address,undefined -Isrc tests/fuzz/fuzz_core.c \
 *       src/mz_json.c src/mz_buf.c src/mz_validate.c $(pkg-config --cflags \
 *       --libs jansson)
 *
 * Without clang, tests/fuzz/fuzz_main.c drives the same entry point from gcc
 * (tests/fuzz/test_fuzz.py builds and runs it under ASan and UBSan).
 */
#include "mz_base.h"

#include <stdio.h>
#include <stdlib.h>

#include "mz_buf.h"
#include "mz_json.h"
#include "mz_validate.h"

#define MZ_CHECK(cond)                                 \
    do {                                               \
        if (!(cond)) {                                 \
            fprintf(stderr,                            \
                    "fuzz check failed: %s (%s:%d)\n", \
                    #cond,                             \
                    __FILE__,                          \
                    __LINE__);                         \
            abort();                                   \
        }                                              \
    } while (0)

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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;

    check_parse(text, size);
    check_escape(text, size);
    check_fast_int(text, size);
    return 0;
}
