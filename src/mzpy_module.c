/* mzpy_module.c - module definition of mizan._speedups: multi-phase init,
 * the exec step (error classes, heap types, interned strings) and the state
 * traverse/clear/free functions. */
#include "mzpy.h"

#include <jansson.h>

#include "mzpy_api.h"
#include "mzpy_csrf.h"
#include "mzpy_invalidate.h"
#include "mzpy_spec.h"
#include "mzpy_redis.h"
#include "mzpy_table.h"
#include "mz_hmac.h"

/* Borrow a class from mizan.core.errors into a strong reference. */
static int
import_error_class(PyObject *errors, const char *name, PyObject **out)
{
    *out = PyObject_GetAttrString(errors, name);
    return *out == NULL ? -1 : 0;
}

/* An interned str in a strong reference. */
static int
intern(PyObject **out, const char *text)
{
    *out = PyUnicode_InternFromString(text);
    return *out == NULL ? -1 : 0;
}

/* A strong reference to `module_name`.`name`. */
static int
import_attr(const char *module_name, const char *name, PyObject **out)
{
    PyObject *module = PyImport_ImportModule(module_name);

    if (module == NULL) {
        return -1;
    }
    *out = PyObject_GetAttrString(module, name);
    Py_DECREF(module);
    return *out == NULL ? -1 : 0;
}

static void
free_hmac(PyObject *capsule)
{
    mz_hmac_free(PyCapsule_GetPointer(capsule, MZPY_HMAC_CAPSULE));
}

/* A strong reference to a capsule owning a fresh mz_hmac (freed with it). */
static int
new_hmac(PyObject **out)
{
    mz_hmac *hmac = mz_hmac_new();

    if (hmac == NULL) {
        PyErr_SetString(PyExc_ImportError,
                        "libcrypto provides no HMAC-SHA256 (mz_hmac_new)");
        return -1;
    }
    *out = PyCapsule_New(hmac, MZPY_HMAC_CAPSULE, free_hmac);
    if (*out == NULL) {
        mz_hmac_free(hmac);
        return -1;
    }
    return 0;
}

static int
module_exec(PyObject *module)
{
    mz_state *state = mzpy_state(module);
    PyObject *errors = NULL;
    int rc = -1;

    /* Process-wide jansson setting, idempotent: seed the hash function now,
     * from /dev/urandom, before any thread parses. */
    json_object_seed(0);

    errors = PyImport_ImportModule("mizan.core.errors");
    if (errors == NULL) {
        goto done;
    }
    if (import_error_class(errors, "ParseError", &state->ParseError) < 0 ||
        import_error_class(errors, "EncodeError", &state->EncodeError) < 0 ||
        import_error_class(
            errors, "ValidationError", &state->ValidationError) < 0 ||
        import_error_class(errors, "CacheError", &state->CacheError) < 0 ||
        import_error_class(errors, "IRBuildError", &state->IRBuildError) < 0) {
        goto done;
    }
    if (import_attr("collections.abc", "Mapping", &state->Mapping) < 0 ||
        new_hmac(&state->hmac) < 0) {
        goto done;
    }
    state->json_models = PyDict_New();
    if (state->json_models == NULL) {
        goto done;
    }
    state->ParamSpecType = (PyTypeObject *)PyType_FromModuleAndSpec(
        module, &mzpy_paramspec_spec, NULL);
    if (state->ParamSpecType == NULL ||
        PyModule_AddType(module, state->ParamSpecType) < 0) {
        goto done;
    }
    state->InvalidationPlanType = (PyTypeObject *)PyType_FromModuleAndSpec(
        module, &mzpy_invalidation_plan_spec, NULL);
    if (state->InvalidationPlanType == NULL ||
        PyModule_AddType(module, state->InvalidationPlanType) < 0) {
        goto done;
    }
    state->MemoryCacheType = (PyTypeObject *)PyType_FromModuleAndSpec(
        module, &mzpy_memory_cache_spec, NULL);
    if (state->MemoryCacheType == NULL ||
        PyModule_AddType(module, state->MemoryCacheType) < 0) {
        goto done;
    }
    state->RedisCacheType = (PyTypeObject *)PyType_FromModuleAndSpec(
        module, &mzpy_redis_cache_spec, NULL);
    if (state->RedisCacheType == NULL ||
        PyModule_AddType(module, state->RedisCacheType) < 0) {
        goto done;
    }
    if (intern(&state->str_field_required, "Field required") < 0 ||
        intern(&state->str_context, "context") < 0 ||
        intern(&state->str_function, "function") < 0 ||
        intern(&state->str_params, "params") < 0 ||
        intern(&state->str_slot, "slot") < 0 ||
        intern(&state->str_value, "value") < 0 ||
        intern(&state->str_list_sep, ", ") < 0 ||
        (state->csrf_names = mzpy_csrf_names()) == NULL ||
        intern(&state->str_pydantic_extra, "__pydantic_extra__") < 0) {
        goto done;
    }
    rc = 0;

done:
    Py_XDECREF(errors);
    return rc;
}

static int
module_traverse(PyObject *module, visitproc visit, void *arg)
{
    mz_state *state = mzpy_state(module);

    Py_VISIT(state->ParseError);
    Py_VISIT(state->EncodeError);
    Py_VISIT(state->ValidationError);
    Py_VISIT(state->CacheError);
    Py_VISIT(state->IRBuildError);
    Py_VISIT(state->Mapping);
    Py_VISIT(state->hmac);
    Py_VISIT(state->ParamSpecType);
    Py_VISIT(state->InvalidationPlanType);
    Py_VISIT(state->MemoryCacheType);
    Py_VISIT(state->RedisCacheType);
    Py_VISIT(state->str_field_required);
    Py_VISIT(state->str_context);
    Py_VISIT(state->str_function);
    Py_VISIT(state->str_params);
    Py_VISIT(state->str_slot);
    Py_VISIT(state->str_value);
    Py_VISIT(state->str_list_sep);
    Py_VISIT(state->csrf_names);
    Py_VISIT(state->json_models);
    Py_VISIT(state->to_jsonable);
    Py_VISIT(state->str_pydantic_extra);
    return 0;
}

static int
module_clear(PyObject *module)
{
    mz_state *state = mzpy_state(module);

    Py_CLEAR(state->ParseError);
    Py_CLEAR(state->EncodeError);
    Py_CLEAR(state->ValidationError);
    Py_CLEAR(state->CacheError);
    Py_CLEAR(state->IRBuildError);
    Py_CLEAR(state->Mapping);
    Py_CLEAR(state->hmac);
    Py_CLEAR(state->ParamSpecType);
    Py_CLEAR(state->InvalidationPlanType);
    Py_CLEAR(state->MemoryCacheType);
    Py_CLEAR(state->RedisCacheType);
    Py_CLEAR(state->str_field_required);
    Py_CLEAR(state->str_context);
    Py_CLEAR(state->str_function);
    Py_CLEAR(state->str_params);
    Py_CLEAR(state->str_slot);
    Py_CLEAR(state->str_value);
    Py_CLEAR(state->str_list_sep);
    Py_CLEAR(state->csrf_names);
    Py_CLEAR(state->json_models);
    Py_CLEAR(state->to_jsonable);
    Py_CLEAR(state->str_pydantic_extra);
    return 0;
}

static void
module_free(void *module)
{
    (void)module_clear((PyObject *)module);
}

static PyModuleDef_Slot module_slots[] = {
    {Py_mod_exec, (void *)module_exec},
#if PY_VERSION_HEX >= 0x030C0000
    /* No process-wide mutable state of our own; jansson keeps only its hash
     * seed, set once. Each interpreter imports its own error classes. */
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
    {0, NULL},
};

PyDoc_STRVAR(module_doc,
             "C hot path of Mizan: request parsing, argument validation, the\n"
             "canonical JSON writer, invalidation plans and the\n"
             "X-Mizan-Invalidate header, cache keys, the in-memory cache\n"
             "table, the Redis backend and the KDL writer. mizan.core._py\n"
             "holds the pure-Python twin of every function here.");

PyModuleDef mzpy_module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "mizan._speedups",
    .m_doc = module_doc,
    .m_size = sizeof(mz_state),
    .m_methods = mzpy_api_methods,
    .m_slots = module_slots,
    .m_traverse = module_traverse,
    .m_clear = module_clear,
    .m_free = module_free,
};

/* The only exported symbol (-fvisibility=hidden hides everything else).
 * Returns the module definition for multi-phase init (a BORROWED
 * reference, as PyModuleDef_Init specifies). */
PyMODINIT_FUNC
PyInit__speedups(void);

PyMODINIT_FUNC
PyInit__speedups(void)
{
    return PyModuleDef_Init(&mzpy_module_def);
}
