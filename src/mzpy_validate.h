/* mzpy_validate.h - the PyObject side of argument validation (type checks,
 * fallback calls, error lists). Twin: validate_args in
 * mizan/core/_py/validate.py. */
#ifndef MIZAN_MZPY_VALIDATE_H
#define MIZAN_MZPY_VALIDATE_H

#include "mzpy.h"

/* validate_args(spec, args): both BORROWED. Returns a NEW tuple
 * (kwargs dict, supplied names tuple), or NULL with ValidationError(errors),
 * TypeError for a wrong spec or args type, or whatever a fallback or a
 * default factory raised. */
PyObject *
mzpy_validate_args(mz_state *state, PyObject *spec, PyObject *args);

#endif /* MIZAN_MZPY_VALIDATE_H */
