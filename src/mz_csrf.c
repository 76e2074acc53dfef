/* mz_csrf.c - the byte-level pieces of Django's CSRF decision: each function
 * is the named Django or urllib.parse function restricted to ASCII text
 * (the binding hands anything else to Django's own code). */
#include "mz_base.h"

#include "mz_csrf.h"

/* CSRF_ALLOWED_CHARS = ascii_letters + digits: the index of a byte in it,
 * or -1. */
static int
alphabet_index(unsigned char c)
{
    if (c >= 'a' && c <= 'z') {
        return c - 'a';
    }
    if (c >= 'A' && c <= 'Z') {
        return 26 + (c - 'A');
    }
    if (c >= '0' && c <= '9') {
        return 52 + (c - '0');
    }
    return -1;
}

static const char alphabet[] =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

mz_csrf_format
mz_csrf_token_format(const char *token, size_t len)
{
    size_t i;

    if (len != MZ_CSRF_TOKEN_LENGTH && len != MZ_CSRF_SECRET_LENGTH) {
        return MZ_CSRF_FORMAT_LENGTH;
    }
    for (i = 0; i < len; i++) {
        if (alphabet_index((unsigned char)token[i]) < 0) {
            return MZ_CSRF_FORMAT_CHARS;
        }
    }
    return MZ_CSRF_FORMAT_OK;
}

void
mz_csrf_unmask(const char *token, char *out)
{
    size_t i;

    for (i = 0; i < MZ_CSRF_SECRET_LENGTH; i++) {
        int mask = alphabet_index((unsigned char)token[i]);
        int cipher =
            alphabet_index((unsigned char)token[MZ_CSRF_SECRET_LENGTH + i]);

        MZ_ASSERT(mask >= 0 && cipher >= 0);
        /* chars[x - y] in Python: a negative index counts from the end. */
        out[i] = alphabet[(cipher - mask + 62) % 62];
    }
}

bool
mz_csrf_token_matches(const char *token,
                      size_t token_len,
                      const char *secret,
                      size_t secret_len)
{
    char plain[MZ_CSRF_SECRET_LENGTH];
    unsigned char diff = 0;
    size_t i;

    if (token_len == MZ_CSRF_TOKEN_LENGTH) {
        mz_csrf_unmask(token, plain);
        token = plain;
        token_len = MZ_CSRF_SECRET_LENGTH;
    }
    if (token_len != secret_len) {
        return false;
    }
    for (i = 0; i < token_len; i++) {
        diff |= (unsigned char)(token[i] ^ secret[i]);
    }
    return diff == 0;
}

static unsigned char
lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/* The `len` bytes at `a` against the lowercased bytes at `b`. */
static bool
equal_to_lowered(const char *a, const char *b, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        if ((unsigned char)a[i] != lower((unsigned char)b[i])) {
            return false;
        }
    }
    return true;
}

bool
mz_csrf_same_domain(const char *host,
                    size_t host_len,
                    const char *pattern,
                    size_t pattern_len)
{
    if (pattern_len == 0) {
        return false;
    }
    if (pattern[0] == '.') {
        /* host.endswith(pattern) or host == pattern[1:] */
        if (host_len >= pattern_len &&
            equal_to_lowered(
                host + host_len - pattern_len, pattern, pattern_len)) {
            return true;
        }
        if (host_len == pattern_len - 1 &&
            equal_to_lowered(host, pattern + 1, host_len)) {
            return true;
        }
        return false;
    }
    return host_len == pattern_len &&
           equal_to_lowered(host, pattern, host_len);
}

static bool
is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool
is_hex(unsigned char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f');
}

/* `:[0-9]+` or nothing, from `i` to the end. */
static bool
port_rest(const char *s, size_t i, size_t len)
{
    if (i == len) {
        return true;
    }
    if (s[i] != ':' || i + 1 == len) {
        return false;
    }
    for (i++; i < len; i++) {
        if (!is_digit((unsigned char)s[i])) {
            return false;
        }
    }
    return true;
}

void
mz_csrf_split_domain(const char *host,
                     size_t host_len,
                     char *domain,
                     size_t *domain_len)
{
    size_t i, end;

    *domain_len = 0;
    for (i = 0; i < host_len; i++) {
        domain[i] = (char)lower((unsigned char)host[i]);
    }
    if (host_len > 0 && domain[0] == '[') {
        /* \[[a-f0-9]*:[a-f0-9.:]+\]: hex up to the first ':', then at
         * least one of [a-f0-9.:] up to the ']'. */
        bool colon = false;
        size_t after = 0;

        for (i = 1; i < host_len && domain[i] != ']'; i++) {
            unsigned char c = (unsigned char)domain[i];
            if (!colon) {
                if (c == ':') {
                    colon = true;
                } else if (!is_hex(c)) {
                    return;
                }
            } else if (is_hex(c) || c == '.' || c == ':') {
                after++;
            } else {
                return;
            }
        }
        if (i == host_len || !colon || after == 0) {
            return;
        }
        end = i + 1;
        if (port_rest(domain, end, host_len)) {
            *domain_len = end;
        }
        return;
    }
    for (end = 0; end < host_len && domain[end] != ':'; end++) {
        unsigned char c = (unsigned char)domain[end];
        if (!((c >= 'a' && c <= 'z') || is_digit(c) || c == '.' || c == '-')) {
            return;
        }
    }
    if (end == 0 || !port_rest(domain, end, host_len)) {
        return;
    }
    if (domain[end - 1] == '.') {
        end--;
    }
    *domain_len = end;
}

static bool
is_scheme_char(unsigned char c)
{
    return alphabet_index(c) >= 0 || c == '+' || c == '-' || c == '.';
}

/* The first of `c` in [from, to), or `to`. */
static size_t
find(const char *s, size_t from, size_t to, char c)
{
    while (from < to && s[from] != c) {
        from++;
    }
    return from;
}

mz_status
mz_csrf_urlsplit(const char *url, size_t len, mz_csrf_url *out)
{
    size_t i, pos = 0, colon, end, hash, question;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)url[i];
        if (c <= 0x20 || c >= 0x7f || c == '[' || c == ']') {
            return MZ_ERROR;
        }
    }
    memset(out, 0, sizeof(*out));
    colon = find(url, 0, len, ':');
    if (colon > 0 && colon < len &&
        (alphabet_index((unsigned char)url[0]) >= 0 &&
         !is_digit((unsigned char)url[0]))) {
        for (i = 0; i < colon && is_scheme_char((unsigned char)url[i]); i++) {
        }
        if (i == colon) {
            out->scheme_len = colon;
            pos = colon + 1;
        }
    }
    if (len - pos >= 2 && url[pos] == '/' && url[pos + 1] == '/') {
        end = pos + 2;
        while (end < len && url[end] != '/' && url[end] != '?' &&
               url[end] != '#') {
            end++;
        }
        out->netloc = pos + 2;
        out->netloc_len = end - (pos + 2);
        pos = end;
    }
    hash = find(url, pos, len, '#');
    if (hash < len) {
        out->fragment = hash + 1;
        out->fragment_len = len - (hash + 1);
    }
    question = find(url, pos, hash, '?');
    if (question < hash) {
        out->query = question + 1;
        out->query_len = hash - (question + 1);
    }
    out->path = pos;
    out->path_len = question - pos;
    return MZ_OK;
}

bool
mz_csrf_scheme_is(const char *url, const mz_csrf_url *part, const char *want)
{
    size_t n = strlen(want);

    return part->scheme_len == n &&
           equal_to_lowered(want, url + part->scheme, n);
}
