/* mzpy_table.h - the MemoryCache heap type over mz_table (CBE-1, CBE-2).
 * Twin: mizan/core/_py/table.py. */
#ifndef MIZAN_MZPY_TABLE_H
#define MIZAN_MZPY_TABLE_H

#include "mzpy.h"

/* Spec of mizan._speedups.MemoryCache; mzpy_module.c creates the type with
 * PyType_FromModuleAndSpec. */
extern PyType_Spec mzpy_memory_cache_spec;

/* A key's bytes: UTF-8, or, for a str with a lone surrogate, the
 * "surrogatepass" bytes (the twins keep such keys; the encoding is
 * injective and keeps prefixes). `s` is BORROWED from the str or `owned`. */
typedef struct {
    const char *s;
    size_t n;
    PyObject *owned; /* bytes of the surrogatepass path, or NULL */
} mzpy_key;

/* Fill `out` from `key` (BORROWED; `out` borrows from it, so keep `key`
 * alive). Returns 0, or -1 with the twins' TypeError for a key that is not
 * exactly a str. Release with mzpy_table_key_release. */
int
mzpy_table_key(PyObject *key, mzpy_key *out);

/* Drop the NEW reference `key->owned` holds, if any. */
void
mzpy_table_key_release(mzpy_key *key);

/* The twins' _ttl: `ttl` (BORROWED) None gives `dflt`; an exact int or
 * float must be > 0. Returns 0 with *out set, or -1 with ValueError (or
 * OverflowError for an int too large for a float, as float() raises). */
int
mzpy_table_ttl(PyObject *ttl, double dflt, double *out);

/* Arguments of the backends' `set(key, value, /, ttl=None)` fast call: two
 * positional, `ttl` positional or by keyword. *ttl is BORROWED from `args`
 * (Py_None when absent). Returns 0, or -1 with the TypeError Python gives. */
int
mzpy_table_set_args(PyObject *const *args,
                    Py_ssize_t nargs,
                    PyObject *kwnames,
                    PyObject **ttl);

/* The bytes of a bytes-like `value` (BORROWED) for the backends' `set`:
 * *view (NEW memoryview) and *copy (NEW bytes or NULL) own what *data points
 * into; release both. Returns 0, or -1 with an exception set. */
int
mzpy_table_value(PyObject *value,
                 PyObject **view,
                 PyObject **copy,
                 const char **data,
                 size_t *len);

#endif /* MIZAN_MZPY_TABLE_H */
