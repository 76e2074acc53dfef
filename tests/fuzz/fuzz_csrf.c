/* fuzz_csrf.c - libFuzzer harness for the CSRF token check and the URL and
 * host pieces of mz_csrf (issue 20). Built without Python.h.
 *
 *   clang -fsanitize=fuzzer,address,undefined -Isrc tests/fuzz/fuzz_csrf.c \
 *       src/mz_csrf.c
 *
 * Without clang, tests/fuzz/fuzz_main.c drives it from gcc
 * (tests/fuzz/test_fuzz_csrf.py builds and runs it under ASan and UBSan).
 */
#include "mz_base.h"

#include <stdio.h>
#include <stdlib.h>

#include "mz_csrf.h"
#include "fuzz.h"

static const char chars[] =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

static int
index_of(char c)
{
    const char *p = c ? strchr(chars, c) : NULL;
    return p ? (int)(p - chars) : -1;
}

/* The format verdict is Django's rule; a well-formed token matches the
 * secret it unmasks to, and a masked one re-masks to itself. */
static void
check_token(const char *data, size_t size)
{
    mz_csrf_format format = mz_csrf_token_format(data, size);
    bool alnum = true;
    char secret[MZ_CSRF_SECRET_LENGTH];
    size_t i;

    for (i = 0; i < size; i++) {
        alnum = alnum && index_of(data[i]) >= 0;
    }
    if (size != 32 && size != 64) {
        MZ_CHECK(format == MZ_CSRF_FORMAT_LENGTH);
        return;
    }
    MZ_CHECK(format == (alnum ? MZ_CSRF_FORMAT_OK : MZ_CSRF_FORMAT_CHARS));
    if (!alnum) {
        return;
    }
    if (size == MZ_CSRF_SECRET_LENGTH) {
        MZ_CHECK(mz_csrf_token_matches(data, size, data, size));
        return;
    }
    mz_csrf_unmask(data, secret);
    MZ_CHECK(mz_csrf_token_matches(data, size, secret, sizeof(secret)));
    for (i = 0; i < MZ_CSRF_SECRET_LENGTH; i++) {
        int remasked = (index_of(secret[i]) + index_of(data[i])) % 62;
        MZ_CHECK(chars[remasked] == data[MZ_CSRF_SECRET_LENGTH + i]);
    }
    secret[0] = secret[0] == 'a' ? 'b' : 'a';
    MZ_CHECK(!mz_csrf_token_matches(data, size, secret, sizeof(secret)));
}

/* The parts lie inside the input, in order, with their separators. */
static void
check_urlsplit(const char *data, size_t size)
{
    mz_csrf_url u;

    if (mz_csrf_urlsplit(data, size, &u) != MZ_OK) {
        return;
    }
    MZ_CHECK(u.scheme_len == 0 || data[u.scheme_len] == ':');
    MZ_CHECK(u.netloc_len == 0 ||
             (u.netloc >= 2 && data[u.netloc - 1] == '/' &&
              data[u.netloc - 2] == '/'));
    MZ_CHECK(u.netloc + u.netloc_len <= u.path || u.netloc_len == 0);
    MZ_CHECK(u.path + u.path_len <= size);
    MZ_CHECK(u.query_len == 0 || data[u.query - 1] == '?');
    MZ_CHECK(u.query + u.query_len <= size);
    MZ_CHECK(u.fragment_len == 0 || data[u.fragment - 1] == '#');
    MZ_CHECK(u.fragment + u.fragment_len == size || u.fragment_len == 0);
}

/* split_domain_port: a prefix of the lowercased host, and same_domain
 * holds between the domain and itself. */
static void
check_host(const char *data, size_t size)
{
    char *domain = malloc(size + 1);
    size_t len;

    MZ_CHECK(domain != NULL);
    mz_csrf_split_domain(data, size, domain, &len);
    MZ_CHECK(len <= size);
    if (len > 0) {
        MZ_CHECK(mz_csrf_same_domain(domain, len, domain, len));
    }
    free(domain);
    if (size > 1) {
        (void)mz_csrf_same_domain(
            data, size / 2, data + size / 2, size - size / 2);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;

    check_token(text, size);
    check_urlsplit(text, size);
    check_host(text, size);
    return 0;
}
