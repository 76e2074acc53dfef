/* mzpy_jsonw.c - direct writer from Python objects to canonical JSON bytes.
 *
 * The type checks run in the twin's order (None, True, False, str, int,
 * float, dict/list/tuple, default) and subclasses count as their base; their
 * overridable methods are never called (the twin uses the unbound base
 * methods too).
 */
#include "mzpy.h"

#include "mzpy_jsonw.h"

#include "mz_buf.h"
#include "mzpy_convert.h"

/* Dicts up to this size sort their keys in arrays on the C stack. */
#define MZ_STACK_MEMBERS 8

typedef struct writer {
    mz_state *state;
    PyObject *default_fn; /* BORROWED; NULL when default is None */
    mz_buf buf;
} writer;

/* One member of a dict being written. */
typedef struct member {
    PyObject *key;    /* NEW: the str key, or the decimal text of an int key */
    PyObject *value;  /* NEW */
    const char *text; /* UTF-8 of key, or NULL when key is not valid Unicode */
    Py_ssize_t len;
    Py_ssize_t index; /* position in dict order: keeps the sort stable */
} member;

static int
write_value(writer *w, PyObject *obj, int depth, bool defaulted);

static int
fail(writer *w, const char *reason)
{
    mzpy_convert_raise_text(w->state->EncodeError, reason);
    return -1;
}

static int
put(writer *w, const char *s, size_t n)
{
    if (MZ_UNLIKELY(mz_buf_append(&w->buf, s, n) != MZ_OK)) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static int
put_byte(writer *w, char c)
{
    if (MZ_UNLIKELY(mz_buf_append_byte(&w->buf, c) != MZ_OK)) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static int
put_string(writer *w, const char *s, Py_ssize_t n)
{
    if (MZ_UNLIKELY(mz_buf_append_escaped(&w->buf, s, (size_t)n) != MZ_OK)) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

/* After PyUnicode_AsUTF8AndSize failed: a lone surrogate becomes the
 * EncodeError of the twin; anything else (MemoryError) propagates. */
static int
not_unicode(writer *w)
{
    if (PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) {
        PyErr_Clear();
        return fail(w, "string is not valid Unicode");
    }
    return -1;
}

static int
write_str(writer *w, PyObject *obj)
{
    Py_ssize_t n;
    const char *s = PyUnicode_AsUTF8AndSize(obj, &n);

    if (s == NULL) {
        return not_unicode(w);
    }
    return put_string(w, s, n);
}

/* int.__repr__ of an int (or subclass, e.g. IntEnum), as a NEW str. */
static PyObject *
int_text(PyObject *obj)
{
    return PyLong_Type.tp_repr(obj);
}

static int
write_int(writer *w, PyObject *obj)
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
    rc = put(w, s, (size_t)n);

done:
    Py_XDECREF(text);
    return rc;
}

static int
write_float(writer *w, PyObject *obj)
{
    double v = PyFloat_AS_DOUBLE(obj);
    char *s = NULL;
    int rc;

    if (!isfinite(v)) {
        return fail(w, "NaN and Infinity are not valid JSON");
    }
    /* Exactly float.__repr__. */
    s = PyOS_double_to_string(v, 'r', 0, Py_DTSF_ADD_DOT_0, NULL);
    if (s == NULL) {
        return -1;
    }
    rc = put(w, s, strlen(s));
    PyMem_Free(s);
    return rc;
}

static int
write_list(writer *w, PyObject *obj, int depth)
{
    Py_ssize_t i;

    if (put_byte(w, '[') < 0) {
        return -1;
    }
    /* The size is re-read each turn, as list.__iter__ does: default() may
     * change the list while it is written. */
    for (i = 0; i < PyList_GET_SIZE(obj); i++) {
        PyObject *item = Py_NewRef(PyList_GET_ITEM(obj, i));
        int rc = 0;

        if (i > 0) {
            rc = put_byte(w, ',');
        }
        if (rc == 0) {
            rc = write_value(w, item, depth + 1, false);
        }
        Py_DECREF(item);
        if (rc < 0) {
            return -1;
        }
    }
    return put_byte(w, ']');
}

static int
write_tuple(writer *w, PyObject *obj, int depth)
{
    Py_ssize_t i;

    if (put_byte(w, '[') < 0) {
        return -1;
    }
    for (i = 0; i < PyTuple_GET_SIZE(obj); i++) {
        if (i > 0 && put_byte(w, ',') < 0) {
            return -1;
        }
        if (write_value(w, PyTuple_GET_ITEM(obj, i), depth + 1, false) < 0) {
            return -1;
        }
    }
    return put_byte(w, ']');
}

/* Order by UTF-8 bytes (the same as code point order), then dict order. */
static int
compare_text(const member *a, const member *b)
{
    size_t n = (size_t)(a->len < b->len ? a->len : b->len);
    int c = memcmp(a->text, b->text, n);

    if (c != 0) {
        return c;
    }
    if (a->len != b->len) {
        return a->len < b->len ? -1 : 1;
    }
    return (a->index > b->index) - (a->index < b->index);
}

/* Order by code point when some key is not valid Unicode (a lone surrogate
 * has no UTF-8 form); PyUnicode_Compare cannot fail on two str objects. */
static int
compare_unicode(const member *a, const member *b)
{
    int c = PyUnicode_Compare(a->key, b->key);

    if (c != 0) {
        return c;
    }
    return (a->index > b->index) - (a->index < b->index);
}

static int
qsort_text(const void *a, const void *b)
{
    return compare_text(*(member *const *)a, *(member *const *)b);
}

static int
qsort_unicode(const void *a, const void *b)
{
    return compare_unicode(*(member *const *)a, *(member *const *)b);
}

static void
sort_members(member **order, Py_ssize_t n, bool by_text)
{
    Py_ssize_t i;

    if (n > MZ_STACK_MEMBERS) {
        qsort(order,
              (size_t)n,
              sizeof(member *),
              by_text ? qsort_text : qsort_unicode);
        return;
    }
    for (i = 1; i < n; i++) {
        member *m = order[i];
        Py_ssize_t j = i;

        while (j > 0 && (by_text ? compare_text(order[j - 1], m)
                                 : compare_unicode(order[j - 1], m)) > 0) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = m;
    }
}

static bool
same_key(const member *a, const member *b, bool by_text)
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
load_member(writer *w, member *m, PyObject *key, PyObject *value)
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
        return fail(w, "object keys must be str or int");
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
write_dict(writer *w, PyObject *obj, int depth)
{
    member stack_members[MZ_STACK_MEMBERS];
    member *stack_order[MZ_STACK_MEMBERS];
    member *members = stack_members;
    member **order = stack_order;
    Py_ssize_t size = PyDict_GET_SIZE(obj);
    Py_ssize_t count = 0;
    Py_ssize_t pos = 0;
    Py_ssize_t i;
    PyObject *key;
    PyObject *value;
    bool by_text = true;
    int rc = -1;

    if (size == 0) {
        return put(w, "{}", 2);
    }
    if (size > MZ_STACK_MEMBERS) {
        members = PyMem_Malloc((size_t)size * sizeof(member));
        order = PyMem_Malloc((size_t)size * sizeof(member *));
        if (members == NULL || order == NULL) {
            PyErr_NoMemory();
            goto done;
        }
    }
    /* First every key in dict order (the twin converts them all before it
     * sorts), then the sort, then keys and values in sorted order. */
    while (PyDict_Next(obj, &pos, &key, &value)) {
        member *m = &members[count];

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
    sort_members(order, count, by_text);
    if (put_byte(w, '{') < 0) {
        goto done;
    }
    for (i = 0; i < count; i++) {
        member *m = order[i];

        if (i > 0) {
            if (same_key(order[i - 1], m, by_text)) {
                fail(w, "duplicate object key");
                goto done;
            }
            if (put_byte(w, ',') < 0) {
                goto done;
            }
        }
        if (m->text == NULL) {
            fail(w, "string is not valid Unicode");
            goto done;
        }
        if (put_string(w, m->text, m->len) < 0 || put_byte(w, ':') < 0 ||
            write_value(w, m->value, depth + 1, false) < 0) {
            goto done;
        }
    }
    rc = put_byte(w, '}');

done:
    for (i = 0; i < count; i++) {
        Py_XDECREF(members[i].key);
        Py_XDECREF(members[i].value);
    }
    if (members != stack_members) {
        PyMem_Free(members);
    }
    if (order != stack_order) {
        PyMem_Free(order);
    }
    return rc;
}

static int
write_container(writer *w, PyObject *obj, int depth)
{
    int rc;

    if (depth >= MZ_ENCODE_MAX_DEPTH) {
        return fail(w, MZ_REASON_TOO_DEEP);
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
write_default(writer *w, PyObject *obj, int depth)
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
not_serializable(writer *w, PyObject *obj)
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
write_value(writer *w, PyObject *obj, int depth, bool defaulted)
{
    if (obj == Py_None) {
        return put(w, "null", 4);
    }
    if (obj == Py_True) {
        return put(w, "true", 4);
    }
    if (obj == Py_False) {
        return put(w, "false", 5);
    }
    if (PyUnicode_Check(obj)) {
        return write_str(w, obj);
    }
    if (PyLong_Check(obj)) {
        return write_int(w, obj);
    }
    if (PyFloat_Check(obj)) {
        return write_float(w, obj);
    }
    if (PyDict_Check(obj) || PyList_Check(obj) || PyTuple_Check(obj)) {
        return write_container(w, obj, depth);
    }
    if (w->default_fn != NULL && !defaulted) {
        return write_default(w, obj, depth);
    }
    return not_serializable(w, obj);
}

PyObject *
mzpy_jsonw_encode(mz_state *state, PyObject *obj, PyObject *default_fn)
{
    writer w;
    PyObject *result = NULL;

    w.state = state;
    w.default_fn = default_fn == Py_None ? NULL : default_fn;
    mz_buf_init(&w.buf);
    if (write_value(&w, obj, 0, false) < 0) {
        goto done;
    }
    result = PyBytes_FromStringAndSize(w.buf.data, (Py_ssize_t)w.buf.len);

done:
    mz_buf_free(&w.buf);
    return result;
}
