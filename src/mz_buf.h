/* mz_buf.h - growable byte buffer with one growth policy.
 *
 * The first MZ_BUF_INLINE bytes live inside the struct, so a small response
 * is written without touching the allocator; a buffer must therefore not be
 * moved (copied by value) once written to.
 */
#ifndef MIZAN_MZ_BUF_H
#define MIZAN_MZ_BUF_H

#include "mz_base.h"

#define MZ_BUF_INLINE 512

typedef struct mz_buf {
    char *data;  /* inline_ or a malloc'ed block */
    size_t len;  /* bytes written */
    size_t cap;  /* bytes available at data */
    bool failed; /* an allocation failed: the content is incomplete */
    char inline_[MZ_BUF_INLINE];
} mz_buf;

/* Initialise an empty buffer (no allocation). */
static inline void
mz_buf_init(mz_buf *buf)
{
    buf->data = buf->inline_;
    buf->len = 0;
    buf->cap = MZ_BUF_INLINE;
    buf->failed = false;
}

/* Release the heap block, if any; the buffer is empty and reusable after. */
void
mz_buf_free(mz_buf *buf);

/* Grow so that at least `extra` more bytes fit. The slow path of
 * mz_buf_reserve; sets buf->failed and returns MZ_ERROR when out of memory or
 * when the size would overflow. */
mz_status
mz_buf_grow(mz_buf *buf, size_t extra);

/* Make room for `extra` more bytes. */
MZ_INLINE mz_status
mz_buf_reserve(mz_buf *buf, size_t extra)
{
    if (MZ_LIKELY(buf->cap - buf->len >= extra)) {
        return MZ_OK;
    }
    return mz_buf_grow(buf, extra);
}

/* Append `n` bytes from `data` (which must not point into the buffer). */
MZ_INLINE mz_status
mz_buf_append(mz_buf *buf, const char *data, size_t n)
{
    if (MZ_UNLIKELY(mz_buf_reserve(buf, n) != MZ_OK)) {
        return MZ_ERROR;
    }
    memcpy(buf->data + buf->len, data, n);
    buf->len += n;
    return MZ_OK;
}

/* Append one byte. */
MZ_INLINE mz_status
mz_buf_append_byte(mz_buf *buf, char c)
{
    if (MZ_UNLIKELY(mz_buf_reserve(buf, 1) != MZ_OK)) {
        return MZ_ERROR;
    }
    buf->data[buf->len++] = c;
    return MZ_OK;
}

/* Append `s` (n bytes of valid UTF-8) as a JSON string literal, quotes
 * included, escaped exactly as json.dumps(ensure_ascii=False) escapes:
 * \" \\ \n \r \t \b \f, other bytes below 0x20 as \u00xx (lower-case hex),
 * everything else literal. A string with nothing to escape is one memcpy. */
mz_status
mz_buf_append_escaped(mz_buf *buf, const char *s, size_t n);

/* Append the decimal text of `value`. */
mz_status
mz_buf_append_i64(mz_buf *buf, int64_t value);

#endif /* MIZAN_MZ_BUF_H */
