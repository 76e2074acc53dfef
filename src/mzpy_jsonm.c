/* mzpy_jsonm.c - plain Pydantic models written from their fields.
 *
 * When default is pydantic_core.to_jsonable_python, an instance of exactly a
 * registered class (mzpy_jsonw_register) is written from its __dict__, which
 * for a plain model is what to_jsonable_python would have returned. The plan
 * gives each field's kind; a value not exactly of its kind's type makes the
 * whole instance go through default (no Python twin: the twin always takes
 * default, and the differential tests hold the bytes equal).
 */
#include "mzpy.h"

#include "mzpy_jsonw.h"
#include "mzpy_jsonw_writer.h"

/* ------------------------------------------------------------------ */
/* Plain Pydantic models, written from their attributes.               */
/* ------------------------------------------------------------------ */

/* Each function below returns 0 (written), -1 (exception set) or
 * MZPY_JSONW_SLOW. It calls no user code and never raises EncodeError:
 * anything that is not exactly the declared kind, or that the slow path would
 * report, is MZPY_JSONW_SLOW. */

static int
write_fields(mzpy_jsonw_writer *w, PyObject *obj, PyObject *plan, int depth);

static int
write_field(mzpy_jsonw_writer *w, PyObject *value, PyObject *kind, int depth);

static int
fast_str(mzpy_jsonw_writer *w, PyObject *value)
{
    Py_ssize_t n;
    const char *s;

    if (!PyUnicode_CheckExact(value)) {
        return MZPY_JSONW_SLOW;
    }
    s = PyUnicode_AsUTF8AndSize(value, &n);
    if (s == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) {
            return -1;
        }
        PyErr_Clear();
        return MZPY_JSONW_SLOW;
    }
    return mzpy_jsonw_put_string(w, s, n);
}

static int
fast_int(mzpy_jsonw_writer *w, PyObject *value)
{
    int overflow = 0;
    long long v;

    if (!PyLong_CheckExact(value)) {
        return MZPY_JSONW_SLOW;
    }
    v = PyLong_AsLongLongAndOverflow(value, &overflow);
    if (overflow != 0) {
        return MZPY_JSONW_SLOW;
    }
    if (v == -1 && PyErr_Occurred()) {
        return -1;
    }
    if (mz_buf_append_i64(&w->buf, (int64_t)v) != MZ_OK) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static int
fast_list(mzpy_jsonw_writer *w,
          PyObject *value,
          PyObject *item_kind,
          int depth)
{
    Py_ssize_t i;

    if (!PyList_CheckExact(value)) {
        return MZPY_JSONW_SLOW;
    }
    if (mzpy_jsonw_put_byte(w, '[') < 0) {
        return -1;
    }
    for (i = 0; i < PyList_GET_SIZE(value); i++) {
        PyObject *item = Py_NewRef(PyList_GET_ITEM(value, i));
        int rc = 0;

        if (i > 0) {
            rc = mzpy_jsonw_put_byte(w, ',');
        }
        if (rc == 0) {
            rc = write_field(w, item, item_kind, depth + 1);
        }
        Py_DECREF(item);
        if (rc != 0) {
            return rc;
        }
    }
    return mzpy_jsonw_put_byte(w, ']');
}

static int
fast_dict(mzpy_jsonw_writer *w,
          PyObject *value,
          PyObject *value_kind,
          int depth)
{
    mzpy_jsonw_member stack_members[MZ_STACK_MEMBERS];
    mzpy_jsonw_member *stack_order[MZ_STACK_MEMBERS];
    mzpy_jsonw_member *members = stack_members;
    mzpy_jsonw_member **order = stack_order;
    Py_ssize_t size;
    Py_ssize_t count = 0;
    Py_ssize_t pos = 0;
    Py_ssize_t i;
    PyObject *key;
    PyObject *item;
    int rc = -1;

    if (!PyDict_CheckExact(value)) {
        return MZPY_JSONW_SLOW;
    }
    size = PyDict_GET_SIZE(value);
    if (size == 0) {
        return mzpy_jsonw_put(w, "{}", 2);
    }
    if (size > MZ_STACK_MEMBERS) {
        members = PyMem_Malloc((size_t)size * sizeof(mzpy_jsonw_member));
        order = PyMem_Malloc((size_t)size * sizeof(mzpy_jsonw_member *));
        if (members == NULL || order == NULL) {
            PyErr_NoMemory();
            goto done;
        }
    }
    while (count < size && PyDict_Next(value, &pos, &key, &item)) {
        mzpy_jsonw_member *m = &members[count];

        if (!PyUnicode_CheckExact(key)) {
            rc = MZPY_JSONW_SLOW;
            goto done;
        }
        m->key = Py_NewRef(key);
        m->value = Py_NewRef(item);
        m->index = count;
        order[count] = m;
        count++;
        m->text = PyUnicode_AsUTF8AndSize(key, &m->len);
        if (m->text == NULL) {
            if (PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) {
                PyErr_Clear();
                rc = MZPY_JSONW_SLOW;
            }
            goto done;
        }
    }
    mzpy_jsonw_sort_members(order, count, true);
    if (mzpy_jsonw_put_byte(w, '{') < 0) {
        goto done;
    }
    for (i = 0; i < count; i++) {
        mzpy_jsonw_member *m = order[i];

        if ((i > 0 && mzpy_jsonw_put_byte(w, ',') < 0) ||
            mzpy_jsonw_put_string(w, m->text, m->len) < 0 ||
            mzpy_jsonw_put_byte(w, ':') < 0) {
            goto done;
        }
        rc = write_field(w, m->value, value_kind, depth + 1);
        if (rc != 0) {
            goto done;
        }
    }
    rc = mzpy_jsonw_put_byte(w, '}');

done:
    mzpy_jsonw_release_members(
        members, stack_members, order, stack_order, count);
    return rc;
}

static int
fast_model(mzpy_jsonw_writer *w, PyObject *value, PyObject *cls, int depth)
{
    PyObject *plan;

    if ((PyObject *)Py_TYPE(value) != cls) {
        return MZPY_JSONW_SLOW; /* a subclass: Pydantic writes the declared
                                   fields */
    }
    plan = PyDict_GetItemWithError(w->models, cls);
    if (plan == NULL) {
        return PyErr_Occurred() ? -1 : MZPY_JSONW_SLOW;
    }
    return write_fields(w, value, plan, depth);
}

static int
write_field(mzpy_jsonw_writer *w, PyObject *value, PyObject *kind, int depth)
{
    PyObject *arg = PyTuple_GET_ITEM(kind, 1);
    int rc;

    switch (PyLong_AsLong(PyTuple_GET_ITEM(kind, 0))) {
        case MZ_FIELD_STR:
            return fast_str(w, value);
        case MZ_FIELD_INT:
            return fast_int(w, value);
        case MZ_FIELD_FLOAT:
            if (!PyFloat_CheckExact(value) ||
                !isfinite(PyFloat_AS_DOUBLE(value))) {
                return MZPY_JSONW_SLOW;
            }
            return mzpy_jsonw_write_float(w, value);
        case MZ_FIELD_BOOL:
            if (value == Py_True) {
                return mzpy_jsonw_put(w, "true", 4);
            }
            return value == Py_False ? mzpy_jsonw_put(w, "false", 5)
                                     : MZPY_JSONW_SLOW;
        case MZ_FIELD_NULLABLE:
            if (value == Py_None) {
                return mzpy_jsonw_put(w, "null", 4);
            }
            return write_field(w, value, arg, depth);
        default:
            break;
    }
    /* The containers: the slow path decides what is too deep. */
    if (depth >= MZ_ENCODE_MAX_DEPTH) {
        return MZPY_JSONW_SLOW;
    }
    switch (PyLong_AsLong(PyTuple_GET_ITEM(kind, 0))) {
        case MZ_FIELD_LIST:
            rc = fast_list(w, value, arg, depth);
            break;
        case MZ_FIELD_DICT:
            rc = fast_dict(w, value, arg, depth);
            break;
        default:
            rc = fast_model(w, value, arg, depth);
            break;
    }
    return rc;
}

/* The fields of `obj`, an instance of exactly the class of `plan`. As
 * Pydantic does, only what __dict__ holds is written, so a model_construct
 * instance missing a field, or one given another attribute, is
 * MZPY_JSONW_SLOW. */
static int
write_fields(mzpy_jsonw_writer *w, PyObject *obj, PyObject *plan, int depth)
{
    PyObject *dict = NULL;
    Py_ssize_t n = PyTuple_GET_SIZE(plan);
    Py_ssize_t i;
    int rc = MZPY_JSONW_SLOW;

    /* Pydantic stops at about 255 levels ("Maximum serialization depth
     * exceeded", or a circular reference); well before that the slow path
     * takes over and reports whatever Pydantic reports. */
    if (depth - w->model_base >= MZ_MODEL_MAX_NESTING) {
        return MZPY_JSONW_SLOW;
    }
    /* __pydantic_extra__ is not read: Pydantic writes it only for
     * extra='allow', which is never planned. */
    dict = PyObject_GenericGetDict(obj, NULL);
    if (dict == NULL) {
        return -1;
    }
    if (!PyDict_CheckExact(dict) || PyDict_GET_SIZE(dict) != n) {
        goto done;
    }
    rc = mzpy_jsonw_put_byte(w, '{');
    for (i = 0; rc == 0 && i < n; i++) {
        PyObject *entry = PyTuple_GET_ITEM(plan, i);
        PyObject *name = PyTuple_GET_ITEM(entry, 0);
        PyObject *value = PyDict_GetItemWithError(dict, name);

        if (value == NULL) {
            rc = PyErr_Occurred() ? -1 : MZPY_JSONW_SLOW;
            break;
        }
        Py_INCREF(value);
        if ((i > 0 && mzpy_jsonw_put_byte(w, ',') < 0) ||
            mzpy_jsonw_write_str(w, name) < 0 ||
            mzpy_jsonw_put_byte(w, ':') < 0) {
            rc = -1;
        } else {
            rc = write_field(w, value, PyTuple_GET_ITEM(entry, 1), depth + 1);
        }
        Py_DECREF(value);
    }
    if (rc == 0) {
        rc = mzpy_jsonw_put_byte(w, '}');
    }

done:
    Py_DECREF(dict);
    return rc;
}

/* See mzpy_jsonw_writer.h. */
int
mzpy_jsonw_write_model(mzpy_jsonw_writer *w,
                       PyObject *obj,
                       PyObject *plan,
                       int depth)
{
    size_t mark = w->buf.len;
    int rc;

    /* No Python code runs below: the depth counters bound the C stack. */
    w->model_base = depth;
    rc = write_fields(w, obj, plan, depth);
    if (rc == MZPY_JSONW_SLOW) {
        w->buf.len = mark;
    }
    return rc;
}

/* ------------------------------------------------------------------ */
/* Registration                                                        */
/* ------------------------------------------------------------------ */

/* Kinds nest at most this deep in a plan (list[dict[str, list[...]]]). */
#define MZ_KIND_MAX_NESTING 32

static bool
valid_kind(PyObject *kind, int nesting)
{
    PyObject *tag;
    PyObject *arg;
    long t;

    if (nesting > MZ_KIND_MAX_NESTING || !PyTuple_CheckExact(kind) ||
        PyTuple_GET_SIZE(kind) != 2) {
        return false;
    }
    tag = PyTuple_GET_ITEM(kind, 0);
    arg = PyTuple_GET_ITEM(kind, 1);
    if (!PyLong_CheckExact(tag)) {
        return false;
    }
    t = PyLong_AsLong(tag);
    if (t == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        return false;
    }
    switch (t) {
        case MZ_FIELD_STR:
        case MZ_FIELD_INT:
        case MZ_FIELD_FLOAT:
        case MZ_FIELD_BOOL:
            return arg == Py_None;
        case MZ_FIELD_NULLABLE:
        case MZ_FIELD_LIST:
        case MZ_FIELD_DICT:
            return valid_kind(arg, nesting + 1);
        case MZ_FIELD_MODEL:
            return PyType_Check(arg);
        default:
            return false;
    }
}

static bool
valid_plan(PyObject *plan)
{
    PyObject *previous = NULL;
    Py_ssize_t i;

    if (!PyTuple_CheckExact(plan)) {
        return false;
    }
    for (i = 0; i < PyTuple_GET_SIZE(plan); i++) {
        PyObject *entry = PyTuple_GET_ITEM(plan, i);
        PyObject *name;

        if (!PyTuple_CheckExact(entry) || PyTuple_GET_SIZE(entry) != 2) {
            return false;
        }
        name = PyTuple_GET_ITEM(entry, 0);
        if (!PyUnicode_CheckExact(name) ||
            !valid_kind(PyTuple_GET_ITEM(entry, 1), 0)) {
            return false;
        }
        if (PyUnicode_AsUTF8AndSize(name, NULL) == NULL) {
            PyErr_Clear();
            return false;
        }
        /* Strictly increasing: the canonical key order, no duplicates. */
        if (previous != NULL && PyUnicode_Compare(previous, name) >= 0) {
            return false;
        }
        previous = name;
    }
    return true;
}

/* Validate `plan` and record it for `cls` (all BORROWED); see
 * mzpy_jsonw.h. */
int
mzpy_jsonw_register(mz_state *state,
                    PyObject *cls,
                    PyObject *plan,
                    PyObject *default_fn)
{
    if (!PyType_Check(cls) || !valid_plan(plan) ||
        !PyCallable_Check(default_fn)) {
        PyErr_SetString(PyExc_TypeError, "malformed JSON model plan");
        return -1;
    }
    if (PyDict_SetItem(state->json_models, cls, plan) < 0) {
        return -1;
    }
    Py_XSETREF(state->to_jsonable, Py_NewRef(default_fn));
    return 0;
}
