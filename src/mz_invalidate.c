/* mz_invalidate.c - percent-encoding, UTF-8 checks, the X-Mizan-Invalidate
 * tokenizer and the pair sort (the Python-free half of the invalidation
 * unit; mzpy_invalidate.c builds the Python objects). */
#include "mz_base.h"

#include "mz_invalidate.h"

#include <stdlib.h>

/* Pairs up to this many are sorted by insertion, more with qsort. */
#define MZ_INV_SMALL_SORT 8

/* RFC 3986 unreserved: ALPHA DIGIT "-" "." "_" "~" (XMI-3). */
static const bool unreserved[256] = {
    ['-'] = true, ['.'] = true, ['_'] = true, ['~'] = true, ['0'] = true,
    ['1'] = true, ['2'] = true, ['3'] = true, ['4'] = true, ['5'] = true,
    ['6'] = true, ['7'] = true, ['8'] = true, ['9'] = true, ['A'] = true,
    ['B'] = true, ['C'] = true, ['D'] = true, ['E'] = true, ['F'] = true,
    ['G'] = true, ['H'] = true, ['I'] = true, ['J'] = true, ['K'] = true,
    ['L'] = true, ['M'] = true, ['N'] = true, ['O'] = true, ['P'] = true,
    ['Q'] = true, ['R'] = true, ['S'] = true, ['T'] = true, ['U'] = true,
    ['V'] = true, ['W'] = true, ['X'] = true, ['Y'] = true, ['Z'] = true,
    ['a'] = true, ['b'] = true, ['c'] = true, ['d'] = true, ['e'] = true,
    ['f'] = true, ['g'] = true, ['h'] = true, ['i'] = true, ['j'] = true,
    ['k'] = true, ['l'] = true, ['m'] = true, ['n'] = true, ['o'] = true,
    ['p'] = true, ['q'] = true, ['r'] = true, ['s'] = true, ['t'] = true,
    ['u'] = true, ['v'] = true, ['w'] = true, ['x'] = true, ['y'] = true,
    ['z'] = true,
};

static const char upper_hex[] = "0123456789ABCDEF";

static bool
is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* Value of a hex digit of either case, or -1. */
static int
hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

static mz_status
no_memory(mz_error *err)
{
    return mz_error_set(err, MZ_E_NOMEM, "out of memory");
}

/* ------------------------------------------------------------------ */
/* Tokenizer (XMI-4)                                                    */
/* ------------------------------------------------------------------ */

void
mz_inv_cursor_init(mz_inv_cursor *cur, const char *s, size_t n)
{
    cur->p = s;
    cur->end = s + n;
    cur->done = false;
}

bool
mz_inv_cursor_next(mz_inv_cursor *cur,
                   mz_inv_span *context,
                   mz_inv_parts *parts)
{
    while (!cur->done) {
        const char *start = cur->p;
        const char *stop = memchr(start, ',', (size_t)(cur->end - start));
        const char *semi;

        if (stop == NULL) {
            stop = cur->end;
            cur->done = true;
        } else {
            cur->p = stop + 1;
        }
        while (start < stop && is_ows(*start)) {
            start++;
        }
        while (stop > start && is_ows(stop[-1])) {
            stop--;
        }
        if (start == stop) {
            continue;
        }
        semi = memchr(start, ';', (size_t)(stop - start));
        if (semi == start) {
            continue; /* an empty context */
        }
        context->data = start;
        context->len = (size_t)((semi == NULL ? stop : semi) - start);
        parts->p = semi == NULL ? stop : semi + 1;
        parts->end = stop;
        parts->more = semi != NULL;
        return true;
    }
    return false;
}

bool
mz_inv_parts_next(mz_inv_parts *parts,
                  mz_inv_span *key,
                  mz_inv_span *value,
                  bool *has_eq)
{
    const char *start = parts->p;
    const char *stop;
    const char *eq;

    if (!parts->more) {
        return false;
    }
    stop = memchr(start, ';', (size_t)(parts->end - start));
    if (stop == NULL) {
        stop = parts->end;
        parts->more = false;
    }
    parts->p = stop == parts->end ? stop : stop + 1;
    eq = memchr(start, '=', (size_t)(stop - start));
    *has_eq = eq != NULL;
    key->data = start;
    key->len = (size_t)((eq == NULL ? stop : eq) - start);
    value->data = eq == NULL ? stop : eq + 1;
    value->len = (size_t)(stop - value->data);
    return true;
}

/* ------------------------------------------------------------------ */
/* UTF-8 and percent-encoding (XMI-3)                                   */
/* ------------------------------------------------------------------ */

bool
mz_inv_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    const unsigned char *end = p + n;

    while (p < end) {
        unsigned char c = *p;
        unsigned char lo = 0x80;
        unsigned char hi = 0xBF;
        size_t extra;
        size_t i;

        if (c < 0x80) {
            p++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            extra = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            extra = 2;
            lo = c == 0xE0 ? 0xA0 : 0x80;
            hi = c == 0xED ? 0x9F : 0xBF; /* no surrogates */
        } else if (c >= 0xF0 && c <= 0xF4) {
            extra = 3;
            lo = c == 0xF0 ? 0x90 : 0x80;
            hi = c == 0xF4 ? 0x8F : 0xBF; /* nothing past U+10FFFF */
        } else {
            return false;
        }
        if ((size_t)(end - p) <= extra || p[1] < lo || p[1] > hi) {
            return false;
        }
        for (i = 2; i <= extra; i++) {
            if (p[i] < 0x80 || p[i] > 0xBF) {
                return false;
            }
        }
        p += extra + 1;
    }
    return true;
}

mz_status
mz_inv_pct_encode(mz_buf *out, const char *s, size_t n, mz_error *err)
{
    size_t i;
    char *w;

    /* At most three bytes out for each byte in. */
    if (n > SIZE_MAX / 3 || mz_buf_reserve(out, 3 * n) != MZ_OK) {
        return no_memory(err);
    }
    w = out->data + out->len;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (unreserved[c]) {
            *w++ = (char)c;
        } else {
            *w++ = '%';
            *w++ = upper_hex[c >> 4];
            *w++ = upper_hex[c & 0x0F];
        }
    }
    out->len = (size_t)(w - out->data);
    return MZ_OK;
}

mz_status
mz_inv_pct_decode(mz_buf *out,
                  const char *s,
                  size_t n,
                  bool *valid,
                  mz_error *err)
{
    size_t start = out->len;
    size_t i;
    char *w;

    *valid = false;
    /* Decoding never makes the text longer. */
    if (mz_buf_reserve(out, n) != MZ_OK) {
        return no_memory(err);
    }
    w = out->data + out->len;
    for (i = 0; i < n; i++) {
        if (s[i] == '%') {
            int high;
            int low;

            if (n - i < 3) {
                return MZ_OK;
            }
            high = hex_value((unsigned char)s[i + 1]);
            low = hex_value((unsigned char)s[i + 2]);
            if (high < 0 || low < 0) {
                return MZ_OK;
            }
            *w++ = (char)(high << 4 | low);
            i += 2;
        } else {
            *w++ = s[i];
        }
    }
    out->len = (size_t)(w - out->data);
    *valid = mz_inv_utf8_valid(out->data + start, out->len - start);
    return MZ_OK;
}

/* ------------------------------------------------------------------ */
/* Pair sort (XMI-2)                                                    */
/* ------------------------------------------------------------------ */

static int
compare_pairs(const mz_inv_pair *a, const mz_inv_pair *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int c = n == 0 ? 0 : memcmp(a->key, b->key, n);

    if (c != 0) {
        return c;
    }
    if (a->len != b->len) {
        return a->len < b->len ? -1 : 1;
    }
    return (a->index > b->index) - (a->index < b->index);
}

static int
qsort_pairs(const void *a, const void *b)
{
    return compare_pairs((const mz_inv_pair *)a, (const mz_inv_pair *)b);
}

void
mz_inv_sort_pairs(mz_inv_pair *pairs, size_t n)
{
    size_t i;

    if (n > MZ_INV_SMALL_SORT) {
        qsort(pairs, n, sizeof(mz_inv_pair), qsort_pairs);
        return;
    }
    for (i = 1; i < n; i++) {
        mz_inv_pair pair = pairs[i];
        size_t j = i;

        while (j > 0 && compare_pairs(&pairs[j - 1], &pair) > 0) {
            pairs[j] = pairs[j - 1];
            j--;
        }
        pairs[j] = pair;
    }
}
