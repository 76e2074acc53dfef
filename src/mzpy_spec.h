/* mzpy_spec.h - the ParamSpec heap type (a compiled parameter list) and
 * compile_params. Twin: ParamSpec and compile_params in
 * mizan/core/_py/validate.py. */
#ifndef MIZAN_MZPY_SPEC_H
#define MIZAN_MZPY_SPEC_H

#include "mzpy.h"

#include "mz_validate.h"

/* A ParamSpec: immutable once compile_params returns it. */
typedef struct MzParamSpecObject {
    PyObject_HEAD
    mz_state *state;  /* BORROWED: the module outlives its type's instances */
    mz_schema schema; /* the nodes and parameters */
    PyObject *names;  /* tuple of the parameter names, in order */
    PyObject *slots;  /* tuple of the objects the schema refers to */
} MzParamSpecObject;

/* Spec of mizan._speedups.ParamSpec; mzpy_module.c creates the type with
 * PyType_FromModuleAndSpec. */
extern PyType_Spec mzpy_paramspec_spec;

/* compile_params(params): check and freeze a parameter list.
 * `params` is BORROWED. Returns a NEW ParamSpec, or NULL with ValueError
 * (a malformed entry, worded as the twin words it) or whatever iterating
 * `params` or comparing a default kind raised. */
PyObject *
mzpy_spec_compile(mz_state *state, PyObject *params);

#endif /* MIZAN_MZPY_SPEC_H */
