/* mz_invalidate.h - the Python-free half of the invalidation unit: RFC 3986
 * percent-encoding and decoding, strict UTF-8 checks, the tokenizer of the
 * X-Mizan-Invalidate header (XMI-4) and the byte-order sort of param pairs
 * (XMI-2). Twin: the private helpers of mizan/core/_py/invalidate.py.
 *
 * Everything works on UTF-8 bytes; spans point into the caller's input.
 */
#ifndef MIZAN_MZ_INVALIDATE_H
#define MIZAN_MZ_INVALIDATE_H

#include "mz_base.h"

#include "mz_buf.h"

/* A run of bytes inside the caller's input (BORROWED). */
typedef struct mz_inv_span {
    const char *data;
    size_t len;
} mz_inv_span;

/* Walks the items of a header: split on ',', spaces and tabs trimmed. */
typedef struct mz_inv_cursor {
    const char *p;
    const char *end;
    bool done;
} mz_inv_cursor;

/* Walks the ';'-separated parts that follow an item's context. */
typedef struct mz_inv_parts {
    const char *p;
    const char *end;
    bool more; /* another part (possibly empty) remains */
} mz_inv_parts;

/* One param pair to sort: its key's UTF-8 bytes (BORROWED) and the
 * caller's index of the pair, carried along. */
typedef struct mz_inv_pair {
    const char *key;
    size_t len;
    size_t index;
} mz_inv_pair;

/* Start walking the `n` bytes of header text at `s` (BORROWED; must stay
 * alive while the cursor is used). */
void
mz_inv_cursor_init(mz_inv_cursor *cur, const char *s, size_t n);

/* The next item with a non-empty context. Items that are empty once spaces
 * and tabs are trimmed, or whose context (the text before the first ';') is
 * empty, are skipped. Fills `context` and `parts` (both pointing into the
 * input) and returns true; false at the end of the header. */
bool
mz_inv_cursor_next(mz_inv_cursor *cur,
                   mz_inv_span *context,
                   mz_inv_parts *parts);

/* The next ';'-separated part of an item, split at its first '='. Fills
 * `key` and `value` (the halves; `value` is empty without '='), sets
 * `*has_eq`, and returns true; false when no part remains. */
bool
mz_inv_parts_next(mz_inv_parts *parts,
                  mz_inv_span *key,
                  mz_inv_span *value,
                  bool *has_eq);

/* True when the `n` bytes at `s` are strict UTF-8 (what Python's
 * bytes.decode("utf-8") accepts: no overlong forms, no surrogates, nothing
 * above U+10FFFF, no truncated sequence). */
bool
mz_inv_utf8_valid(const char *s, size_t n);

/* Append the `n` bytes at `s`, every byte outside ALPHA DIGIT "-" "." "_"
 * "~" written as %XX with upper-case hex (XMI-3). Returns MZ_OK, or
 * MZ_ERROR with MZ_E_NOMEM in `err`. */
mz_status
mz_inv_pct_encode(mz_buf *out, const char *s, size_t n, mz_error *err);

/* Percent-decode the `n` bytes at `s` and append the result to `out`.
 * `*valid` becomes false when a '%' is not followed by two hex digits
 * (either case) or the decoded bytes are not strict UTF-8; `out` then holds
 * partial output the caller should discard. Returns MZ_OK, or MZ_ERROR
 * with MZ_E_NOMEM in `err`. */
mz_status
mz_inv_pct_decode(mz_buf *out,
                  const char *s,
                  size_t n,
                  bool *valid,
                  mz_error *err);

/* Sort `n` pairs by the bytes of their keys (UTF-8 byte order is code
 * point order, XMI-2), ties by index. */
void
mz_inv_sort_pairs(mz_inv_pair *pairs, size_t n);

#endif /* MIZAN_MZ_INVALIDATE_H */
