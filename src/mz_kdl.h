/* mz_kdl.h - the Python-free pieces of the canonical KDL 2.0 writer (IR.md
 * §2, §17.2): string escaping from UTF-8, the identifier check, indentation
 * and the keywords of non-finite floats. The binding (mzpy_kdl.c) walks the
 * node tree and calls these. Twin: mizan/core/_py/kdl.py. */
#ifndef MIZAN_MZ_KDL_H
#define MIZAN_MZ_KDL_H

#include "mz_base.h"

#include "mz_buf.h"

/* Nodes nested deeper than this (a top-level node is at depth 0) are
 * refused with MZ_KDL_REASON_TOO_DEEP (the twin's MAX_DEPTH). */
#define MZ_KDL_MAX_DEPTH 128

/* Spaces of indentation per nesting level (the twin's INDENT). */
#define MZ_KDL_INDENT 4

/* The fixed texts shared with the twin (IRBuildError messages). */
#define MZ_KDL_REASON_TOO_DEEP "nesting too deep"
#define MZ_KDL_REASON_UNICODE "string is not valid Unicode"

/* True when the `n` bytes at `s` are a bare identifier of the IR's
 * vocabulary, `[a-z][a-z0-9-]*` (so never empty). */
bool
mz_kdl_is_identifier(const char *s, size_t n);

/* Append `s` (`n` bytes of UTF-8) to `buf` as a quoted KDL string, escaped
 * by the fixed table of IR.md §2.5 (§17.2).
 *
 * Returns MZ_OK, or MZ_ERROR with `err` filled: MZ_E_ENCODE with
 * MZ_KDL_REASON_UNICODE when `s` is not valid UTF-8 (overlong forms,
 * surrogates, values above U+10FFFF, truncated sequences), MZ_E_NOMEM when
 * the buffer could not grow. `buf` holds a partial string after a failure. */
mz_status
mz_kdl_append_string(mz_buf *buf, const char *s, size_t n, mz_error *err);

/* Append the indentation of a node at `depth` (0..MZ_KDL_MAX_DEPTH):
 * MZ_KDL_INDENT spaces per level. Returns MZ_ERROR only when out of memory
 * (buf->failed is set then). */
mz_status
mz_kdl_append_indent(mz_buf *buf, int depth);

/* The KDL keyword of a non-finite double, "#nan", "#inf" or "#-inf" (a
 * static string), or NULL when `value` is finite. */
const char *
mz_kdl_nonfinite(double value);

#endif /* MIZAN_MZ_KDL_H */
