/* mz_buf.c - growable byte buffer: growth, JSON string escaping, integers. */
#include "mz_base.h"

#include "mz_buf.h"

#include <stdlib.h>

/* Escape class of each byte: 0 = literal, 'u' = \u00xx, else the letter
 * written after the backslash. */
static const char escape_class[256] = {
    ['\0'] = 'u', [0x01] = 'u', [0x02] = 'u', [0x03] = 'u',  [0x04] = 'u',
    [0x05] = 'u', [0x06] = 'u', [0x07] = 'u', ['\b'] = 'b',  ['\t'] = 't',
    ['\n'] = 'n', [0x0b] = 'u', ['\f'] = 'f', ['\r'] = 'r',  [0x0e] = 'u',
    [0x0f] = 'u', [0x10] = 'u', [0x11] = 'u', [0x12] = 'u',  [0x13] = 'u',
    [0x14] = 'u', [0x15] = 'u', [0x16] = 'u', [0x17] = 'u',  [0x18] = 'u',
    [0x19] = 'u', [0x1a] = 'u', [0x1b] = 'u', [0x1c] = 'u',  [0x1d] = 'u',
    [0x1e] = 'u', [0x1f] = 'u', ['"'] = '"',  ['\\'] = '\\',
};

static const char hex_digits[] = "0123456789abcdef";

void
mz_buf_free(mz_buf *buf)
{
    if (buf->data != buf->inline_) {
        free(buf->data);
    }
    mz_buf_init(buf);
}

mz_status
mz_buf_grow(mz_buf *buf, size_t extra)
{
    size_t need;
    size_t cap = buf->cap;
    char *data = NULL;

    if (buf->failed || extra > SIZE_MAX / 2 - buf->len) {
        buf->failed = true;
        return MZ_ERROR;
    }
    need = buf->len + extra;
    while (cap < need) {
        cap *= 2;
    }
    if (buf->data == buf->inline_) {
        data = malloc(cap);
        if (data != NULL) {
            memcpy(data, buf->inline_, buf->len);
        }
    } else {
        data = realloc(buf->data, cap);
    }
    if (data == NULL) {
        buf->failed = true;
        return MZ_ERROR;
    }
    buf->data = data;
    buf->cap = cap;
    return MZ_OK;
}

static mz_status
append_escape(mz_buf *buf, unsigned char c)
{
    char cls = escape_class[c];
    char *out;

    if (cls == 'u') {
        if (mz_buf_reserve(buf, 6) != MZ_OK) {
            return MZ_ERROR;
        }
        out = buf->data + buf->len;
        out[0] = '\\';
        out[1] = 'u';
        out[2] = '0';
        out[3] = '0';
        out[4] = hex_digits[c >> 4];
        out[5] = hex_digits[c & 0xf];
        buf->len += 6;
        return MZ_OK;
    }
    if (mz_buf_reserve(buf, 2) != MZ_OK) {
        return MZ_ERROR;
    }
    out = buf->data + buf->len;
    out[0] = '\\';
    out[1] = cls;
    buf->len += 2;
    return MZ_OK;
}

mz_status
mz_buf_append_escaped(mz_buf *buf, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t start = 0;
    size_t i;

    if (n > SIZE_MAX / 2 || mz_buf_reserve(buf, n + 2) != MZ_OK) {
        buf->failed = true;
        return MZ_ERROR;
    }
    buf->data[buf->len++] = '"';
    for (i = 0; i < n; i++) {
        if (MZ_LIKELY(escape_class[p[i]] == 0)) {
            continue;
        }
        if (mz_buf_append(buf, s + start, i - start) != MZ_OK ||
            append_escape(buf, p[i]) != MZ_OK) {
            return MZ_ERROR;
        }
        start = i + 1;
    }
    if (mz_buf_append(buf, s + start, n - start) != MZ_OK) {
        return MZ_ERROR;
    }
    return mz_buf_append_byte(buf, '"');
}

/* Write the decimal text of `value` into `out` (at least 21 bytes, not NUL
 * terminated); returns the number of bytes written. */
static size_t
format_i64(char *out, int64_t value)
{
    char tmp[24];
    size_t n = 0;
    size_t len = 0;
    uint64_t u;

    if (value < 0) {
        out[len++] = '-';
        u = (uint64_t)0 - (uint64_t)value;
    } else {
        u = (uint64_t)value;
    }
    do {
        tmp[n++] = (char)('0' + (u % 10));
        u /= 10;
    } while (u != 0);
    while (n > 0) {
        out[len++] = tmp[--n];
    }
    return len;
}

mz_status
mz_buf_append_i64(mz_buf *buf, int64_t value)
{
    if (mz_buf_reserve(buf, 24) != MZ_OK) {
        return MZ_ERROR;
    }
    buf->len += format_i64(buf->data + buf->len, value);
    return MZ_OK;
}
