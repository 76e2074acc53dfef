/* mz_json.h - the jansson boundary: request bodies parsed under the limits of
 * ERR-8 (size, then a depth prescan on the raw bytes, then jansson with fixed
 * strict flags), and the RPC-1 call envelope checks.
 *
 * Twin: mizan/core/_py/json.py (parse_json, parse_call).
 */
#ifndef MIZAN_MZ_JSON_H
#define MIZAN_MZ_JSON_H

#include "mz_base.h"

#include <jansson.h>

/* Reject duplicate keys, accept any top-level value and \u0000 in strings.
 * jansson 2.14 still refuses NUL in object keys; the twin refuses it too. */
#define MZ_JSON_FLAGS \
    (JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_ALLOW_NUL)

/* Nesting beyond this is refused whatever the limits say (the twin's
 * PARSE_MAX_DEPTH): jansson stops at 2048 and the twin's stdlib decoder at
 * the interpreter's recursion limit, so a common ceiling keeps both alike. */
#define MZ_JSON_MAX_DEPTH 512

/* Limits of one parse. max_size applies only when has_max_size is set; the
 * body is too deep when the prescan depth ever exceeds max_depth. */
typedef struct mz_json_limits {
    bool has_max_size;
    int64_t max_size;
    int64_t max_depth;
} mz_json_limits;

/* State of the depth prescan. The scan counts `[` and `{` up and `]` and `}`
 * down (a signed counter, as the twin does) and skips string literals,
 * including escaped quotes and a string left open at the end of input. */
typedef struct mz_json_depth_scan {
    const char *buf;
    size_t len;
    size_t pos;
    int64_t depth; /* the counter after the last opening bracket seen */
} mz_json_depth_scan;

/* Start a prescan of `buf` (`len` bytes, borrowed for the scan's life). */
void
mz_json_depth_scan_init(mz_json_depth_scan *scan, const char *buf, size_t len);

/* Advance to the next opening bracket outside strings. Returns true and
 * leaves the incremented counter in scan->depth, or false at the end. */
bool
mz_json_depth_scan_next(mz_json_depth_scan *scan);

/* True when the prescan counter exceeds `max_depth` at some opening bracket.
 */
bool
mz_json_too_deep(const char *buf, size_t len, int64_t max_depth);

/* Parse `buf` (`len` bytes of a request body) under `limits`.
 *
 * Checks, in this order: size (MZ_E_TOO_LARGE), depth against
 * limits->max_depth and MZ_JSON_MAX_DEPTH (MZ_E_TOO_DEEP), then the jansson
 * parse (MZ_E_MALFORMED, or MZ_E_NOMEM).
 * On success *out is a NEW json_t reference the caller must json_decref.
 * On failure *out is NULL and `err` is filled. */
mz_status
mz_json_parse(const char *buf,
              size_t len,
              const mz_json_limits *limits,
              json_t **out,
              mz_error *err);

/* Parse a /call/ body and check its envelope (RPC-1): an object whose "fn"
 * is a non-empty string and whose "args" is an object, null or absent.
 *
 * On success *root is a NEW reference (json_decref it), *fn is BORROWED from
 * *root, and *args is BORROWED from *root or NULL when absent or null.
 * On failure all three are NULL and `err` is filled (parse codes, then
 * MZ_E_NOT_OBJECT, MZ_E_BAD_FN, MZ_E_BAD_ARGS in that order). */
mz_status
mz_json_parse_call(const char *buf,
                   size_t len,
                   const mz_json_limits *limits,
                   json_t **root,
                   json_t **fn,
                   json_t **args,
                   mz_error *err);

#endif /* MIZAN_MZ_JSON_H */
