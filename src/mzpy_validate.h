/* mzpy_validate.h - the ParamSpec heap type and the PyObject side of
 * argument validation (type checks, fallback calls, error lists). Twin:
 * mizan/core/_py/validate.py. */
#ifndef MIZAN_MZPY_VALIDATE_H
#define MIZAN_MZPY_VALIDATE_H

#include "mzpy.h"

/* Spec of mizan._speedups.ParamSpec; mzpy_module.c creates the type with
 * PyType_FromModuleAndSpec. */
extern PyType_Spec mzpy_paramspec_spec;

/* compile_params(params): check and freeze a parameter list.
 * `params` is BORROWED. Returns a NEW ParamSpec, or NULL with ValueError
 * (a malformed entry, as the twin words it) or whatever iterating `params`
 * or comparing a default kind raised. */
PyObject *
mzpy_validate_compile(mz_state *state, PyObject *params);

/* validate_args(spec, args): both BORROWED. Returns a NEW tuple
 * (kwargs dict, supplied names tuple), or NULL with ValidationError(errors),
 * TypeError for a wrong spec or args type, or whatever a fallback or a
 * default factory raised. */
PyObject *
mzpy_validate_args(mz_state *state, PyObject *spec, PyObject *args);

#endif /* MIZAN_MZPY_VALIDATE_H */
