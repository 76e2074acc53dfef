/* mzpy_jsonw.c - direct writer from Python objects to canonical JSON bytes.
 *
 * The type checks run in the twin's order (None, True, False, str, int,
 * float, dict/list/tuple, default) and subclasses count as their base; their
 * overridable methods are never called (the twin uses the unbound base
 * methods too).
 */
#include "mzpy.h"

#include "mzpy_jsonw.h"
#include "mzpy_jsonw_writer.h"

static int
write_value(mzpy_jsonw_writer *w, PyObject *obj, int depth, bool defaulted);

/* int.__repr__ of an int (or subclass, e.g. IntEnum), as a NEW str. */
static PyObject *
int_text(PyObject *obj)
{
    return PyLong_Type.tp_repr(obj);
}

static int
write_int(mzpy_jsonw_writer *w, PyObject *obj)
{
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(obj, &overflow);
    PyObject *text = NULL;
    const char *s;
    Py_ssize_t n;
    int rc = -1;

    if (overflow == 0) {
        if (v == -1 && PyErr_Occurred()) {
            return -1;
        }
        if (mz_buf_append_i64(&w->buf, (int64_t)v) != MZ_OK) {
            PyErr_NoMemory();
            return -1;
        }
        return 0;
    }
    /* Beyond 64 bits: int.__repr__, which may raise ValueError past
     * sys.get_int_max_str_digits(); that propagates unchanged. */
    text = int_text(obj);
    if (text == NULL) {
        goto done;
    }
    s = PyUnicode_AsUTF8AndSize(text, &n);
    if (s == NULL) {
        goto done;
    }
    rc = mzpy_jsonw_put(w, s, (size_t)n);

done:
    Py_XDECREF(text);
    return rc;
}

static int
write_list(mzpy_jsonw_writer *w, PyObject *obj, int depth)
{
    Py_ssize_t i;

    if (mzpy_jsonw_put_byte(w, '[') < 0) {
        return -1;
    }
    /* The size is re-read each turn, as list.__iter__ does: default() may
     * change the list while it is written. */
    for (i = 0; i < PyList_GET_SIZE(obj); i++) {
        PyObject *item = Py_NewRef(PyList_GET_ITEM(obj, i));
        int rc = 0;

        if (i > 0) {
            rc = mzpy_jsonw_put_byte(w, ',');
        }
        if (rc == 0) {
            rc = write_value(w, item, depth + 1, false);
        }
        Py_DECREF(item);
        if (rc < 0) {
            return -1;
        }
    }
    return mzpy_jsonw_put_byte(w, ']');
}

static int
write_tuple(mzpy_jsonw_writer *w, PyObject *obj, int depth)
{
    Py_ssize_t i;

    if (mzpy_jsonw_put_byte(w, '[') < 0) {
        return -1;
    }
    for (i = 0; i < PyTuple_GET_SIZE(obj); i++) {
        if (i > 0 && mzpy_jsonw_put_byte(w, ',') < 0) {
            return -1;
        }
        if (write_value(w, PyTuple_GET_ITEM(obj, i), depth + 1, false) < 0) {
            return -1;
        }
    }
    return mzpy_jsonw_put_byte(w, ']');
}

static bool
same_key(const mzpy_jsonw_member *a, const mzpy_jsonw_member *b, bool by_text)
{
    if (by_text) {
        return a->len == b->len &&
               memcmp(a->text, b->text, (size_t)a->len) == 0;
    }
    return PyUnicode_Compare(a->key, b->key) == 0;
}

/* Fill `m` from one dict entry (BORROWED key and value). Returns 0, or -1
 * with an exception set; m->text is NULL for a key with a lone surrogate. */
static int
load_member(mzpy_jsonw_writer *w,
            mzpy_jsonw_member *m,
            PyObject *key,
            PyObject *value)
{
    m->value = Py_NewRef(value);
    if (PyUnicode_Check(key)) {
        m->key = Py_NewRef(key);
    } else if (PyLong_Check(key) && !PyBool_Check(key)) {
        m->key = int_text(key);
        if (m->key == NULL) {
            return -1;
        }
    } else {
        return mzpy_jsonw_fail(w, "object keys must be str or int");
    }
    m->text = PyUnicode_AsUTF8AndSize(m->key, &m->len);
    if (m->text == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) {
            return -1;
        }
        PyErr_Clear();
    }
    return 0;
}

static int
write_dict(mzpy_jsonw_writer *w, PyObject *obj, int depth)
{
    mzpy_jsonw_member stack_members[MZ_STACK_MEMBERS];
    mzpy_jsonw_member *stack_order[MZ_STACK_MEMBERS];
    mzpy_jsonw_member *members = stack_members;
    mzpy_jsonw_member **order = stack_order;
    Py_ssize_t size = PyDict_GET_SIZE(obj);
    Py_ssize_t count = 0;
    Py_ssize_t pos = 0;
    Py_ssize_t i;
    PyObject *key;
    PyObject *value;
    bool by_text = true;
    int rc = -1;

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
    /* First every key in dict order (the twin converts them all before it
     * sorts), then the sort, then keys and values in sorted order. */
    while (PyDict_Next(obj, &pos, &key, &value)) {
        mzpy_jsonw_member *m = &members[count];

        if (count == size) {
            PyErr_SetString(PyExc_RuntimeError,
                            "dictionary changed size during iteration");
            goto done;
        }
        memset(m, 0, sizeof(*m));
        m->index = count;
        order[count] = m;
        count++;
        if (load_member(w, m, key, value) < 0) {
            goto done;
        }
        by_text = by_text && m->text != NULL;
    }
    mzpy_jsonw_sort_members(order, count, by_text);
    if (mzpy_jsonw_put_byte(w, '{') < 0) {
        goto done;
    }
    for (i = 0; i < count; i++) {
        mzpy_jsonw_member *m = order[i];

        if (i > 0) {
            if (same_key(order[i - 1], m, by_text)) {
                mzpy_jsonw_fail(w, "duplicate object key");
                goto done;
            }
            if (mzpy_jsonw_put_byte(w, ',') < 0) {
                goto done;
            }
        }
        if (m->text == NULL) {
            mzpy_jsonw_fail(w, "string is not valid Unicode");
            goto done;
        }
        if (mzpy_jsonw_put_string(w, m->text, m->len) < 0 ||
            mzpy_jsonw_put_byte(w, ':') < 0 ||
            write_value(w, m->value, depth + 1, false) < 0) {
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
write_container(mzpy_jsonw_writer *w, PyObject *obj, int depth)
{
    int rc;

    if (depth >= MZ_ENCODE_MAX_DEPTH) {
        return mzpy_jsonw_fail(w, MZ_REASON_TOO_DEEP);
    }
    /* default() and int.__repr__ call back into Python: keep the C stack
     * inside the interpreter's recursion limit as well. */
    if (Py_EnterRecursiveCall(" while encoding a JSON value")) {
        return -1;
    }
    if (PyDict_Check(obj)) {
        rc = write_dict(w, obj, depth);
    } else if (PyList_Check(obj)) {
        rc = write_list(w, obj, depth);
    } else {
        rc = write_tuple(w, obj, depth);
    }
    Py_LeaveRecursiveCall();
    return rc;
}

static int
write_default(mzpy_jsonw_writer *w, PyObject *obj, int depth)
{
    PyObject *replacement = NULL;
    int rc;

    replacement = PyObject_CallOneArg(w->default_fn, obj);
    if (replacement == NULL) {
        return -1;
    }
    rc = write_value(w, replacement, depth, true);
    Py_DECREF(replacement);
    return rc;
}

static int
not_serializable(mzpy_jsonw_writer *w, PyObject *obj)
{
    PyObject *name = NULL;
    PyObject *text = NULL;

    name = PyType_GetQualName(Py_TYPE(obj));
    if (name == NULL) {
        goto done;
    }
    text = PyUnicode_FromFormat("%U is not JSON serializable", name);
    if (text == NULL) {
        goto done;
    }
    mzpy_convert_raise_with(w->state->EncodeError, text);

done:
    Py_XDECREF(name);
    Py_XDECREF(text);
    return -1;
}

static int
write_value(mzpy_jsonw_writer *w, PyObject *obj, int depth, bool defaulted)
{
    if (obj == Py_None) {
        return mzpy_jsonw_put(w, "null", 4);
    }
    if (obj == Py_True) {
        return mzpy_jsonw_put(w, "true", 4);
    }
    if (obj == Py_False) {
        return mzpy_jsonw_put(w, "false", 5);
    }
    if (PyUnicode_Check(obj)) {
        return mzpy_jsonw_write_str(w, obj);
    }
    if (PyLong_Check(obj)) {
        return write_int(w, obj);
    }
    if (PyFloat_Check(obj)) {
        return mzpy_jsonw_write_float(w, obj);
    }
    if (PyDict_Check(obj) || PyList_Check(obj) || PyTuple_Check(obj)) {
        return write_container(w, obj, depth);
    }
    if (w->models != NULL && !defaulted) {
        PyObject *plan =
            PyDict_GetItemWithError(w->models, (PyObject *)Py_TYPE(obj));

        if (plan == NULL && PyErr_Occurred()) {
            return -1;
        }
        if (plan != NULL) {
            int rc = mzpy_jsonw_write_model(w, obj, plan, depth);

            if (rc != MZPY_JSONW_SLOW) {
                return rc;
            }
        }
    }
    if (w->default_fn != NULL && !defaulted) {
        return write_default(w, obj, depth);
    }
    return not_serializable(w, obj);
}

PyObject *
mzpy_jsonw_encode(mz_state *state, PyObject *obj, PyObject *default_fn)
{
    mzpy_jsonw_writer w;
    PyObject *result = NULL;

    w.state = state;
    w.default_fn = default_fn == Py_None ? NULL : default_fn;
    /* Plans describe what to_jsonable_python writes, so only it may be
     * skipped. */
    w.models = state->to_jsonable != NULL &&
                       default_fn == state->to_jsonable &&
                       PyDict_GET_SIZE(state->json_models) > 0
                   ? state->json_models
                   : NULL;
    mz_buf_init(&w.buf);
    if (write_value(&w, obj, 0, false) < 0) {
        goto done;
    }
    result = PyBytes_FromStringAndSize(w.buf.data, (Py_ssize_t)w.buf.len);

done:
    mz_buf_free(&w.buf);
    return result;
}
