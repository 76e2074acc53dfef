/* mzpy_jsonw.h - the canonical JSON writer (JSON-1): PyObject straight to
 * bytes, never through a jansson tree. Twin: encode_json in
 * mizan/core/_py/json.py. */
#ifndef MIZAN_MZPY_JSONW_H
#define MIZAN_MZPY_JSONW_H

#include "mzpy.h"

/* Containers nested deeper than this raise EncodeError("nesting too deep")
 * (the twin's ENCODE_MAX_DEPTH). */
#define MZ_ENCODE_MAX_DEPTH 512

/* Encode `obj` (BORROWED) as canonical JSON: keys sorted by code point,
 * separators "," and ":", non-ASCII literal, escapes as
 * json.dumps(ensure_ascii=False). `default_fn` (BORROWED, or Py_None) is
 * called once for an unsupported object and its result written instead.
 *
 * Returns a NEW bytes reference, or NULL with EncodeError(reason) from
 * `state`, or whatever default() or int.__repr__ raised. */
PyObject *
mzpy_jsonw_encode(mz_state *state, PyObject *obj, PyObject *default_fn);

#endif /* MIZAN_MZPY_JSONW_H */
