/* mzpy_validate.c - validate_args: walks a compiled ParamSpec over the call
 * arguments, deciding the common cases (exact primitives, optional, list,
 * literal, enum, defaults) here and handing everything else to the node's
 * fallback, exactly as mizan/core/_py/validate.py does.
 */
#include "mzpy.h"

#include "mzpy_validate.h"

#include "mz_validate.h"
#include "mzpy_convert.h"
#include "mzpy_spec.h"

typedef struct validator {
    mz_state *state;
    const mz_schema *schema;
    PyObject *slots;  /* BORROWED tuple */
    PyObject *errors; /* list of (loc, message), created on the first error */
    PyObject *name;   /* BORROWED: the parameter being validated */
    int path_len;     /* list indices below the name */
    Py_ssize_t path[MZ_SPEC_MAX_DEPTH + 2];
} validator;

static int
validate_node(validator *v, uint32_t index, PyObject *value, PyObject **out);

#define MZ_SLOT(v, i) PyTuple_GET_ITEM((v)->slots, (Py_ssize_t)(i))

/* `ok, result = obj`: NEW references in *a and *b, or -1 with the error
 * unpacking raises in the twin. */
static int
unpack2(PyObject *obj, PyObject **a, PyObject **b)
{
    PyObject *iter = NULL;
    PyObject *extra = NULL;
    PyObject **items[2];
    int i;

    *a = NULL;
    *b = NULL;
    if (PyTuple_CheckExact(obj) && PyTuple_GET_SIZE(obj) == 2) {
        *a = Py_NewRef(PyTuple_GET_ITEM(obj, 0));
        *b = Py_NewRef(PyTuple_GET_ITEM(obj, 1));
        return 0;
    }
    iter = PyObject_GetIter(obj);
    if (iter == NULL) {
        if (PyErr_ExceptionMatches(PyExc_TypeError) &&
            Py_TYPE(obj)->tp_iter == NULL && !PySequence_Check(obj)) {
            PyErr_Format(PyExc_TypeError,
                         "cannot unpack non-iterable %.200s object",
                         Py_TYPE(obj)->tp_name);
        }
        return -1;
    }
    items[0] = a;
    items[1] = b;
    for (i = 0; i < 2; i++) {
        *items[i] = PyIter_Next(iter);
        if (*items[i] == NULL) {
            if (!PyErr_Occurred()) {
                PyErr_Format(PyExc_ValueError,
                             "not enough values to unpack "
                             "(expected 2, got %d)",
                             i);
            }
            goto error;
        }
    }
    extra = PyIter_Next(iter);
    if (extra != NULL) {
        PyErr_SetString(PyExc_ValueError,
                        "too many values to unpack (expected 2)");
        goto error;
    }
    if (PyErr_Occurred()) {
        goto error;
    }
    Py_DECREF(iter);
    return 0;

error:
    Py_XDECREF(extra);
    Py_XDECREF(iter);
    Py_CLEAR(*a);
    Py_CLEAR(*b);
    return -1;
}

/* The loc of the current position followed by `tail` (BORROWED tuple or
 * NULL), as a NEW tuple. */
static PyObject *
current_loc(validator *v, PyObject *tail)
{
    Py_ssize_t extra = tail == NULL ? 0 : PyTuple_GET_SIZE(tail);
    PyObject *loc = NULL;
    Py_ssize_t i;

    loc = PyTuple_New(1 + v->path_len + extra);
    if (loc == NULL) {
        return NULL;
    }
    PyTuple_SET_ITEM(loc, 0, Py_NewRef(v->name));
    for (i = 0; i < v->path_len; i++) {
        PyObject *index = PyLong_FromSsize_t(v->path[i]);

        if (index == NULL) {
            Py_DECREF(loc);
            return NULL;
        }
        PyTuple_SET_ITEM(loc, 1 + i, index);
    }
    for (i = 0; i < extra; i++) {
        PyTuple_SET_ITEM(
            loc, 1 + v->path_len + i, Py_NewRef(PyTuple_GET_ITEM(tail, i)));
    }
    return loc;
}

/* Append (loc, message) (both BORROWED) to the error list. */
static int
add_error(validator *v, PyObject *loc, PyObject *message)
{
    PyObject *pair = NULL;
    int rc;

    if (v->errors == NULL) {
        v->errors = PyList_New(0);
        if (v->errors == NULL) {
            return -1;
        }
    }
    pair = PyTuple_Pack(2, loc, message);
    if (pair == NULL) {
        return -1;
    }
    rc = PyList_Append(v->errors, pair);
    Py_DECREF(pair);
    return rc;
}

/* Record every (sub_loc, message) of a failed fallback, prefixed with the
 * current loc. */
static int
add_fallback_errors(validator *v, PyObject *failures)
{
    PyObject *iter = NULL;
    PyObject *item = NULL;
    PyObject *sub_loc = NULL;
    PyObject *message = NULL;
    PyObject *tail = NULL;
    PyObject *loc = NULL;
    int rc = -1;

    iter = PyObject_GetIter(failures);
    if (iter == NULL) {
        goto done;
    }
    while ((item = PyIter_Next(iter)) != NULL) {
        if (unpack2(item, &sub_loc, &message) < 0) {
            goto done;
        }
        tail = PySequence_Tuple(sub_loc);
        if (tail == NULL) {
            goto done;
        }
        loc = current_loc(v, tail);
        if (loc == NULL || add_error(v, loc, message) < 0) {
            goto done;
        }
        Py_CLEAR(item);
        Py_CLEAR(sub_loc);
        Py_CLEAR(message);
        Py_CLEAR(tail);
        Py_CLEAR(loc);
    }
    if (!PyErr_Occurred()) {
        rc = 0;
    }

done:
    Py_XDECREF(iter);
    Py_XDECREF(item);
    Py_XDECREF(sub_loc);
    Py_XDECREF(message);
    Py_XDECREF(tail);
    Py_XDECREF(loc);
    return rc;
}

/* fallback(value) -> (True, result) | (False, [(loc, msg), ...]).
 * Returns 1 with *out NEW, 0 after recording the errors, -1 on exception. */
static int
call_fallback(validator *v,
              const mz_node *node,
              PyObject *value,
              PyObject **out)
{
    PyObject *outcome = NULL;
    PyObject *ok = NULL;
    PyObject *result = NULL;
    int truth;
    int rc = -1;

    outcome = PyObject_CallOneArg(MZ_SLOT(v, node->fallback), value);
    if (outcome == NULL || unpack2(outcome, &ok, &result) < 0) {
        goto done;
    }
    truth = PyObject_IsTrue(ok);
    if (truth < 0) {
        goto done;
    }
    if (truth) {
        *out = result;
        result = NULL;
        rc = 1;
    } else {
        rc = add_fallback_errors(v, result);
    }

done:
    Py_XDECREF(outcome);
    Py_XDECREF(ok);
    Py_XDECREF(result);
    return rc;
}

/* validate_node one level down, inside the interpreter's recursion limit
 * (fallbacks call back into Python). */
static int
validate_inner(validator *v, uint32_t index, PyObject *value, PyObject **out)
{
    int rc;

    if (Py_EnterRecursiveCall(" while validating arguments")) {
        return -1;
    }
    rc = validate_node(v, index, value, out);
    Py_LeaveRecursiveCall();
    return rc;
}

static int
validate_list(validator *v,
              const mz_node *node,
              PyObject *value,
              PyObject **out)
{
    PyObject *items = NULL;
    bool failed = false;
    Py_ssize_t i;

    items = PyList_New(0);
    if (items == NULL) {
        return -1;
    }
    /* The size is re-read each turn, as a list iterator does: a fallback
     * may change the list. */
    for (i = 0; i < PyList_GET_SIZE(value); i++) {
        PyObject *item = Py_NewRef(PyList_GET_ITEM(value, i));
        PyObject *result = NULL;
        int rc;

        v->path[v->path_len++] = i;
        rc = validate_inner(v, node->inner, item, &result);
        v->path_len--;
        Py_DECREF(item);
        if (rc < 0) {
            goto error;
        }
        if (rc == 0) {
            failed = true;
            continue;
        }
        if (!failed && PyList_Append(items, result) < 0) {
            Py_DECREF(result);
            goto error;
        }
        Py_DECREF(result);
    }
    if (failed) {
        Py_DECREF(items);
        return 0;
    }
    *out = items;
    return 1;

error:
    Py_DECREF(items);
    return -1;
}

/* `type(value) is type(allowed) and value == allowed` (no identity
 * shortcut, as the twin's ==): 1, 0 or -1. */
static int
same_literal(PyObject *value, PyObject *allowed)
{
    PyObject *equal = NULL;
    int truth;

    if (!Py_IS_TYPE(value, Py_TYPE(allowed))) {
        return 0;
    }
    equal = PyObject_RichCompare(value, allowed, Py_EQ);
    if (equal == NULL) {
        return -1;
    }
    truth = PyObject_IsTrue(equal);
    Py_DECREF(equal);
    return truth;
}

/* Scan a literal table (pairs: an enum table); 1 with *out NEW on a match,
 * 0 when nothing matches, -1 on exception. */
static int
match_table(PyObject *table, bool pairs, PyObject *value, PyObject **out)
{
    Py_ssize_t i;

    for (i = 0; i < PyTuple_GET_SIZE(table); i++) {
        PyObject *entry = PyTuple_GET_ITEM(table, i);
        PyObject *allowed = pairs ? PyTuple_GET_ITEM(entry, 0) : entry;
        int same = same_literal(value, allowed);

        if (same != 0) {
            if (same > 0) {
                *out = Py_NewRef(pairs ? PyTuple_GET_ITEM(entry, 1) : entry);
            }
            return same;
        }
    }
    return 0;
}

/* ASCII text of an exact str, or NULL (no exception) when not ASCII. */
static const char *
ascii_text(PyObject *value, Py_ssize_t *len)
{
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(value) < 0) {
        PyErr_Clear();
        return NULL;
    }
#endif
    if (!PyUnicode_IS_ASCII(value)) {
        return NULL;
    }
    *len = PyUnicode_GET_LENGTH(value);
    return (const char *)PyUnicode_1BYTE_DATA(value);
}

static int
validate_node(validator *v, uint32_t index, PyObject *value, PyObject **out)
{
    const mz_node *node = &v->schema->nodes[index];
    const char *text;
    Py_ssize_t len;
    int64_t number;
    long long whole;
    int overflow;
    int truth;

    switch (node->kind) {
        case MZ_KIND_ANY:
            *out = Py_NewRef(value);
            return 1;
        case MZ_KIND_OPTIONAL:
            if (value == Py_None) {
                *out = Py_NewRef(Py_None);
                return 1;
            }
            return validate_inner(v, node->inner, value, out);
        case MZ_KIND_STR:
            if (PyUnicode_CheckExact(value)) {
                *out = Py_NewRef(value);
                return 1;
            }
            break;
        case MZ_KIND_INT:
            if (PyLong_CheckExact(value)) {
                *out = Py_NewRef(value);
                return 1;
            }
            if (PyUnicode_CheckExact(value) &&
                (text = ascii_text(value, &len)) != NULL &&
                mz_validate_fast_int(text, (size_t)len, &number)) {
                *out = PyLong_FromLongLong(number);
                return *out == NULL ? -1 : 1;
            }
            break;
        case MZ_KIND_FLOAT:
            if (PyFloat_CheckExact(value) &&
                isfinite(PyFloat_AS_DOUBLE(value))) {
                *out = Py_NewRef(value);
                return 1;
            }
            if (PyLong_CheckExact(value)) {
                overflow = 0;
                whole = PyLong_AsLongLongAndOverflow(value, &overflow);
                if (overflow == 0 &&
                    mz_validate_exact_float_int((int64_t)whole)) {
                    *out = PyFloat_FromDouble((double)whole);
                    return *out == NULL ? -1 : 1;
                }
            }
            break;
        case MZ_KIND_BOOL:
            if (PyBool_Check(value)) {
                *out = Py_NewRef(value);
                return 1;
            }
            if (PyUnicode_CheckExact(value) &&
                (text = ascii_text(value, &len)) != NULL &&
                (truth = mz_validate_bool_text(text, (size_t)len)) >= 0) {
                *out = PyBool_FromLong(truth);
                return 1;
            }
            break;
        case MZ_KIND_NONE:
            if (value == Py_None) {
                *out = Py_NewRef(Py_None);
                return 1;
            }
            break;
        case MZ_KIND_LIST:
            if (PyList_CheckExact(value)) {
                return validate_list(v, node, value, out);
            }
            break;
        case MZ_KIND_LITERAL:
        case MZ_KIND_ENUM:
            truth = match_table(MZ_SLOT(v, node->payload),
                                node->kind == MZ_KIND_ENUM,
                                value,
                                out);
            if (truth != 0) {
                return truth;
            }
            break;
        case MZ_KIND_DELEGATE:
            break;
        default:
            PyErr_SetString(PyExc_SystemError, "corrupt parameter spec");
            return -1;
    }
    return call_fallback(v, node, value, out);
}

static int
missing_argument(validator *v)
{
    PyObject *loc = NULL;
    int rc;

    v->path_len = 0;
    loc = current_loc(v, NULL);
    if (loc == NULL) {
        return -1;
    }
    rc = add_error(v, loc, v->state->str_field_required);
    Py_DECREF(loc);
    return rc;
}

/* Validate or default one parameter into `kwargs`. */
static int
validate_param(validator *v,
               const mz_param *param,
               PyObject *args,
               PyObject *kwargs,
               bool *supplied)
{
    PyObject *value = NULL;
    PyObject *result = NULL;
    int rc = -1;

    v->name = MZ_SLOT(v, param->name);
    v->path_len = 0;
    value = PyDict_GetItemWithError(args, v->name);
    if (value != NULL) {
        /* Held: a fallback may remove it from args. */
        Py_INCREF(value);
        *supplied = true;
        rc = validate_node(v, param->node, value, &result);
        if (rc == 1) {
            rc = PyDict_SetItem(kwargs, v->name, result);
        }
        goto done;
    }
    if (PyErr_Occurred()) {
        goto done;
    }
    switch (param->default_kind) {
        case MZ_DEFAULT_REQUIRED:
            rc = missing_argument(v);
            break;
        case MZ_DEFAULT_VALUE:
            rc = PyDict_SetItem(kwargs, v->name, MZ_SLOT(v, param->dflt));
            break;
        case MZ_DEFAULT_FACTORY:
            result = PyObject_CallNoArgs(MZ_SLOT(v, param->dflt));
            if (result != NULL) {
                rc = PyDict_SetItem(kwargs, v->name, result);
            }
            break;
    }

done:
    Py_XDECREF(value);
    Py_XDECREF(result);
    return rc < 0 ? -1 : 0;
}

PyObject *
mzpy_validate_args(mz_state *state, PyObject *spec_obj, PyObject *args)
{
    MzParamSpecObject *spec = (MzParamSpecObject *)spec_obj;
    validator v;
    bool stack_flags[32];
    bool *supplied = stack_flags;
    PyObject *kwargs = NULL;
    PyObject *names = NULL;
    PyObject *result = NULL;
    uint32_t n;
    uint32_t i;
    Py_ssize_t count = 0;

    v.errors = NULL;
    if (!Py_IS_TYPE(spec_obj, state->ParamSpecType)) {
        PyErr_SetString(PyExc_TypeError, "spec must be a ParamSpec");
        goto done;
    }
    if (!PyDict_Check(args)) {
        PyErr_SetString(PyExc_TypeError, "args must be a dict");
        goto done;
    }
    if (spec->slots == NULL) {
        PyErr_SetString(PyExc_ValueError, "ParamSpec has been cleared");
        goto done;
    }
    v.state = spec->state;
    v.schema = &spec->schema;
    v.slots = spec->slots;
    v.name = NULL;
    v.path_len = 0;
    n = spec->schema.n_params;
    if (n > (uint32_t)Py_ARRAY_LENGTH(stack_flags)) {
        supplied = PyMem_Calloc(n, sizeof(bool));
        if (supplied == NULL) {
            PyErr_NoMemory();
            goto done;
        }
    } else {
        memset(stack_flags, 0, sizeof(stack_flags));
    }
    kwargs = PyDict_New();
    if (kwargs == NULL) {
        goto done;
    }
    for (i = 0; i < n; i++) {
        if (validate_param(
                &v, &spec->schema.params[i], args, kwargs, &supplied[i]) < 0) {
            goto done;
        }
        count += supplied[i];
    }
    if (v.errors != NULL) {
        mzpy_convert_raise_with(state->ValidationError, v.errors);
        goto done;
    }
    names = PyTuple_New(count);
    if (names == NULL) {
        goto done;
    }
    for (i = 0, count = 0; i < n; i++) {
        if (supplied[i]) {
            PyObject *name = MZ_SLOT(&v, spec->schema.params[i].name);

            PyTuple_SET_ITEM(names, count++, Py_NewRef(name));
        }
    }
    result = PyTuple_Pack(2, kwargs, names);

done:
    if (supplied != stack_flags) {
        PyMem_Free(supplied);
    }
    Py_XDECREF(v.errors);
    Py_XDECREF(kwargs);
    Py_XDECREF(names);
    return result;
}
