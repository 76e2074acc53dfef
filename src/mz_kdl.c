/* mz_kdl.c - KDL writer core: the §2.5 string escaper on validated UTF-8,
 * the identifier check, indentation, non-finite float keywords. */
#include "mz_base.h"

#include "mz_kdl.h"

#include <math.h>

static const char hex_digits[] = "0123456789abcdef";

/* Spaces for the deepest indentation, written with one append. */
#define MZ_KDL_SPACES 64

bool
mz_kdl_is_identifier(const char *s, size_t n)
{
    size_t i;

    if (n == 0 || s[0] < 'a' || s[0] > 'z') {
        return false;
    }
    for (i = 1; i < n; i++) {
        char c = s[i];

        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
            return false;
        }
    }
    return true;
}

/* The letter of a one-letter escape (\" \\ \n \r \t \b \f) of ASCII `c`,
 * 'u' for another control character (\u{h}), or 0 when `c` is literal. */
static char
ascii_escape(unsigned char c)
{
    switch (c) {
        case '"':
            return '"';
        case '\\':
            return '\\';
        case '\n':
            return 'n';
        case '\r':
            return 'r';
        case '\t':
            return 't';
        case '\b':
            return 'b';
        case '\f':
            return 'f';
        default:
            return (c <= 0x1F || c == 0x7F) ? 'u' : 0;
    }
}

/* True for the code points of three-byte sequences that are escaped:
 * U+200E-U+200F, U+2028-U+202E, U+2066-U+2069 and U+FEFF. */
static bool
escaped_bmp(uint32_t code)
{
    return code == 0x200E || code == 0x200F ||
           (code >= 0x2028 && code <= 0x202E) ||
           (code >= 0x2066 && code <= 0x2069) || code == 0xFEFF;
}

/* Append "\u{h}" for `code` (lowercase hex, no leading zeros). */
static mz_status
append_code_escape(mz_buf *buf, uint32_t code)
{
    char tmp[16];
    size_t n = 0;
    char *out;

    do {
        tmp[n++] = hex_digits[code & 0xF];
        code >>= 4;
    } while (code != 0);
    if (mz_buf_reserve(buf, n + 4) != MZ_OK) {
        return MZ_ERROR;
    }
    out = buf->data + buf->len;
    *out++ = '\\';
    *out++ = 'u';
    *out++ = '{';
    while (n > 0) {
        *out++ = tmp[--n];
    }
    *out++ = '}';
    buf->len = (size_t)(out - buf->data);
    return MZ_OK;
}

static bool
is_continuation(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

/* Decode the sequence starting at p[i] (a byte >= 0x80) of the `n` bytes
 * at `p`. Returns its length (2..4) and the code point in `*code`, or 0 when
 * it is not well-formed UTF-8 (Unicode Table 3-7). */
static size_t
decode(const unsigned char *p, size_t i, size_t n, uint32_t *code)
{
    unsigned char b = p[i];
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    size_t len;
    size_t k;
    uint32_t cp;

    if (b >= 0xC2 && b <= 0xDF) {
        len = 2;
        cp = b & 0x1Fu;
    } else if (b >= 0xE0 && b <= 0xEF) {
        len = 3;
        cp = b & 0x0Fu;
        if (b == 0xE0) {
            lo = 0xA0; /* overlong below U+0800 */
        } else if (b == 0xED) {
            hi = 0x9F; /* surrogates U+D800-U+DFFF */
        }
    } else if (b >= 0xF0 && b <= 0xF4) {
        len = 4;
        cp = b & 0x07u;
        if (b == 0xF0) {
            lo = 0x90; /* overlong below U+10000 */
        } else if (b == 0xF4) {
            hi = 0x8F; /* above U+10FFFF */
        }
    } else {
        return 0;
    }
    if (n - i < len || p[i + 1] < lo || p[i + 1] > hi) {
        return 0;
    }
    for (k = 1; k < len; k++) {
        if (!is_continuation(p[i + k])) {
            return 0;
        }
        cp = (cp << 6) | (p[i + k] & 0x3Fu);
    }
    *code = cp;
    return len;
}

static mz_status
no_memory(mz_error *err)
{
    return mz_error_set(err, MZ_E_NOMEM, "out of memory");
}

mz_status
mz_kdl_append_string(mz_buf *buf, const char *s, size_t n, mz_error *err)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t start = 0;
    size_t i = 0;

    if (n > SIZE_MAX / 2 || mz_buf_reserve(buf, n + 2) != MZ_OK) {
        buf->failed = true;
        return no_memory(err);
    }
    buf->data[buf->len++] = '"';
    while (i < n) {
        unsigned char c = p[i];
        uint32_t code = c;
        size_t len = 1;
        char letter = 0;

        if (MZ_LIKELY(c < 0x80)) {
            letter = ascii_escape(c);
            if (MZ_LIKELY(letter == 0)) {
                i++;
                continue;
            }
        } else {
            len = decode(p, i, n, &code);
            if (len == 0) {
                return mz_error_set(err, MZ_E_ENCODE, MZ_KDL_REASON_UNICODE);
            }
            if (code > 0x9F && !(len == 3 && escaped_bmp(code))) {
                i += len;
                continue;
            }
            letter = 'u';
        }
        /* Flush the literal run, then write the escape of p[i..i+len). */
        if (mz_buf_append(buf, s + start, i - start) != MZ_OK) {
            return no_memory(err);
        }
        if (letter == 'u') {
            if (append_code_escape(buf, code) != MZ_OK) {
                return no_memory(err);
            }
        } else if (mz_buf_append_byte(buf, '\\') != MZ_OK ||
                   mz_buf_append_byte(buf, letter) != MZ_OK) {
            return no_memory(err);
        }
        i += len;
        start = i;
    }
    if (mz_buf_append(buf, s + start, n - start) != MZ_OK ||
        mz_buf_append_byte(buf, '"') != MZ_OK) {
        return no_memory(err);
    }
    return MZ_OK;
}

mz_status
mz_kdl_append_indent(mz_buf *buf, int depth)
{
    static const char spaces[MZ_KDL_SPACES + 1] =
        "                                                                ";
    size_t n;

    if (depth <= 0) {
        return MZ_OK;
    }
    n = (size_t)depth * MZ_KDL_INDENT;
    if (mz_buf_reserve(buf, n) != MZ_OK) {
        return MZ_ERROR;
    }
    while (n > 0) {
        size_t chunk = n < MZ_KDL_SPACES ? n : MZ_KDL_SPACES;

        memcpy(buf->data + buf->len, spaces, chunk);
        buf->len += chunk;
        n -= chunk;
    }
    return MZ_OK;
}

const char *
mz_kdl_nonfinite(double value)
{
    if (isnan(value)) {
        return "#nan";
    }
    if (isinf(value)) {
        return value > 0 ? "#inf" : "#-inf";
    }
    return NULL;
}
