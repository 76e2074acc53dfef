/* mzpy_xmi.h - NORM-1 value text and the X-Mizan-Invalidate header
 * (XMI-1..6): normalize_value, format_invalidate_header and
 * parse_invalidate_header. The byte work is in mz_invalidate.h. Twin:
 * mizan/core/_py/invalidate.py. */
#ifndef MIZAN_MZPY_XMI_H
#define MIZAN_MZPY_XMI_H

#include "mzpy.h"

/* normalize_value(value, default): both BORROWED. Returns the NEW str of
 * NORM-1, or NULL with EncodeError or whatever default() raised. */
PyObject *
mzpy_xmi_normalize(mz_state *state, PyObject *value, PyObject *default_fn);

/* format_invalidate_header(entries): `entries` is a BORROWED iterable.
 * Returns a NEW str, or a NEW reference to None for no entries; NULL with
 * TypeError (an entry of the wrong shape), EncodeError,
 * UnicodeEncodeError (a key or value with a lone surrogate) or what
 * iterating raised. */
PyObject *
mzpy_xmi_format(mz_state *state, PyObject *entries);

/* parse_invalidate_header(header): `header` is BORROWED. Returns a NEW list
 * of context names and {"context", "params"} dicts, or NULL with TypeError
 * (not a str) or UnicodeEncodeError (a lone surrogate). */
PyObject *
mzpy_xmi_parse(mz_state *state, PyObject *header);

#endif /* MIZAN_MZPY_XMI_H */
