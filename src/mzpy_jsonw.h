/* mzpy_jsonw.h - the canonical JSON writer (JSON-1): PyObject straight to
 * bytes, never through a jansson tree. Twin: encode_json in
 * mizan/core/_py/json.py. */
#ifndef MIZAN_MZPY_JSONW_H
#define MIZAN_MZPY_JSONW_H

#include "mzpy.h"

/* Containers nested deeper than this raise EncodeError("nesting too deep")
 * (the twin's ENCODE_MAX_DEPTH). */
#define MZ_ENCODE_MAX_DEPTH 512

/* Field kinds of a plain-model plan: a kind is the tuple (tag, arg), arg
 * None for the scalars, the inner kind for NULLABLE/LIST/DICT (DICT: str
 * keys), the model class for MODEL. */
enum {
    MZ_FIELD_STR,
    MZ_FIELD_INT,
    MZ_FIELD_FLOAT,
    MZ_FIELD_BOOL,
    MZ_FIELD_NULLABLE,
    MZ_FIELD_LIST,
    MZ_FIELD_DICT,
    MZ_FIELD_MODEL,
    MZ_FIELD_COUNT
};

/* Record `plan` (BORROWED tuple of (field name, kind) pairs, names in
 * strictly increasing code point order) for instances of exactly `cls`
 * (BORROWED). When encode_json's default is `default` (BORROWED,
 * pydantic_core.to_jsonable_python; the last one registered counts), such an
 * instance whose __dict__ holds exactly those fields, each of exactly its
 * kind's type, is written from its attributes; any other instance still
 * goes through default. Returns 0, or -1 with TypeError for a malformed
 * plan. */
int
mzpy_jsonw_register(mz_state *state,
                    PyObject *cls,
                    PyObject *plan,
                    PyObject *default_fn);

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
