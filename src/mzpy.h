/* mzpy.h - common include of the binding files: Python.h first, then the
 * per-module state and its accessors. Only mzpy_* files include this. */
#ifndef MIZAN_MZPY_H
#define MIZAN_MZPY_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "mz_base.h"

/* Per-module state (m_size = sizeof(mz_state)). Every field is a strong
 * reference; m_traverse and m_clear in mzpy_module.c list them in this order
 * (tests/test_cpylint.py checks it). */
typedef struct mz_state {
    PyObject *ParseError;      /* mizan.core.errors.ParseError */
    PyObject *EncodeError;     /* mizan.core.errors.EncodeError */
    PyObject *ValidationError; /* mizan.core.errors.ValidationError */
    PyObject *CacheError;      /* mizan.core.errors.CacheError */
    PyObject *IRBuildError;    /* mizan.core.errors.IRBuildError */
    PyObject *Mapping;         /* collections.abc.Mapping */
    PyObject *hmac; /* capsule MZPY_HMAC_CAPSULE of an mz_hmac (mz_hmac.h) */
    PyTypeObject *ParamSpecType;        /* mizan._speedups.ParamSpec */
    PyTypeObject *InvalidationPlanType; /* mizan._speedups.InvalidationPlan */
    PyTypeObject *MemoryCacheType;      /* mizan._speedups.MemoryCache */
    PyTypeObject *RedisCacheType;       /* mizan._speedups.RedisCache */
    PyObject *str_field_required;       /* "Field required", interned */
    PyObject *str_context;              /* "context", interned */
    PyObject *str_function;             /* "function", interned */
    PyObject *str_params;               /* "params", interned */
    PyObject *str_slot;                 /* "slot", interned */
    PyObject *str_value;                /* "value", interned */
    PyObject *str_list_sep; /* ", ", the header's entry separator */
    PyObject *csrf_names;   /* tuple: the names csrf_check reads, interned */
    PyObject *json_models; /* dict: plain model class -> plan (mzpy_jsonw.h) */
    PyObject *to_jsonable; /* pydantic_core.to_jsonable_python */
    PyObject *str_pydantic_extra; /* "__pydantic_extra__", interned */
} mz_state;

/* The name of the capsule in mz_state.hmac. */
#define MZPY_HMAC_CAPSULE "mizan._speedups.hmac"

/* The module definition, for PyType_GetModuleByDef. */
extern PyModuleDef mzpy_module_def;

/* State of `module` (a BORROWED pointer valid while the module lives). */
static inline mz_state *
mzpy_state(PyObject *module)
{
    return (mz_state *)PyModule_GetState(module);
}

/* State of the module that defined heap type `tp` (BORROWED), or NULL with
 * an exception set. */
static inline mz_state *
mzpy_state_by_type(PyTypeObject *tp)
{
    PyObject *module = PyType_GetModuleByDef(tp, &mzpy_module_def);

    return module == NULL ? NULL : mzpy_state(module);
}

#endif /* MIZAN_MZPY_H */
