/* mzpy_convert.h - conversions between Python objects and the core's types:
 * json_t to PyObject, byte-buffer acquisition, and the one place where an
 * mz_error becomes a Python exception. */
#ifndef MIZAN_MZPY_CONVERT_H
#define MIZAN_MZPY_CONVERT_H

#include "mzpy.h"

#include <jansson.h>

/* Bytes borrowed from a bytes-like object for the length of one call. */
typedef struct mzpy_bytes {
    Py_buffer view; /* valid when has_view */
    PyObject *copy; /* contiguous copy of a non-contiguous buffer, or NULL */
    const char *data;
    size_t len;
    bool has_view;
} mzpy_bytes;

/* Borrow the bytes of `obj` (bytes, bytearray, memoryview or any other
 * buffer; a non-contiguous buffer is copied). Returns 0, or -1 with
 * TypeError "a bytes-like object is required, not '<name>'" (as the twin).
 * On success the caller must mzpy_convert_release(out). */
int
mzpy_convert_bytes(PyObject *obj, mzpy_bytes *out);

/* Release what mzpy_convert_bytes acquired; safe on a zeroed struct. */
void
mzpy_convert_release(mzpy_bytes *bytes);

/* Convert a jansson value (BORROWED) into a NEW Python reference: dict (in
 * document order), list, str, int, float, bool or None. NULL with an
 * exception set on failure. */
PyObject *
mzpy_convert_from_json(const json_t *value);

/* Raise the Python exception that `err` (BORROWED) describes, with the
 * classes held by `state` (BORROWED): ParseError(reason) for the parse codes,
 * EncodeError(message) for MZ_E_ENCODE, MemoryError for MZ_E_NOMEM,
 * ValueError otherwise. Always returns NULL. */
PyObject *
mzpy_convert_raise(mz_state *state, const mz_error *err);

/* Raise `cls(text)` (cls BORROWED). Always returns NULL. */
PyObject *
mzpy_convert_raise_text(PyObject *cls, const char *text);

/* Raise `cls(arg)` (both BORROWED). Always returns NULL. */
PyObject *
mzpy_convert_raise_with(PyObject *cls, PyObject *arg);

#endif /* MIZAN_MZPY_CONVERT_H */
