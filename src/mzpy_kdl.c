/* mzpy_kdl.c - binding of the KDL writer: walks the node tree of the twin
 * (mizan/core/_py/kdl.py) and writes every line into one mz_buf.
 *
 * The checks run in the twin's order: a node's depth, then its shape, name,
 * arguments, properties, children sequence and inline flag, then its
 * children in order. Output is discarded on any failure, so writing while
 * checking gives the twin's result. Items taken from lists are held by a
 * NEW reference while in use (int() or float() of a subclass runs Python
 * code that could change the list), and a list's size is re-read each turn
 * as list.__iter__ does.
 */
#include "mzpy.h"

#include "mzpy_kdl.h"

#include "mz_buf.h"
#include "mz_kdl.h"
#include "mzpy_convert.h"

typedef struct kdl_writer {
    mz_state *state;
    mz_buf buf;
    mz_error err;
} kdl_writer;

static int
fail(kdl_writer *w, const char *message)
{
    mzpy_convert_raise_text(w->state->IRBuildError, message);
    return -1;
}

static int
no_memory(void)
{
    PyErr_NoMemory();
    return -1;
}

static int
put(kdl_writer *w, const char *s, size_t n)
{
    if (MZ_UNLIKELY(mz_buf_append(&w->buf, s, n) != MZ_OK)) {
        return no_memory();
    }
    return 0;
}

static int
put_byte(kdl_writer *w, char c)
{
    if (MZ_UNLIKELY(mz_buf_append_byte(&w->buf, c) != MZ_OK)) {
        return no_memory();
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Sequences: list or tuple (subclasses too), exactly as isinstance     */
/* ------------------------------------------------------------------ */

static int
check_sequence(kdl_writer *w, PyObject *obj, const char *message)
{
    if (PyList_Check(obj) || PyTuple_Check(obj)) {
        return 0;
    }
    return fail(w, message);
}

static Py_ssize_t
seq_size(PyObject *seq)
{
    return PyList_Check(seq) ? PyList_GET_SIZE(seq) : PyTuple_GET_SIZE(seq);
}

/* Item `i` (< seq_size) as a NEW reference. */
static PyObject *
seq_item(PyObject *seq, Py_ssize_t i)
{
    return Py_NewRef(PyList_Check(seq) ? PyList_GET_ITEM(seq, i)
                                       : PyTuple_GET_ITEM(seq, i));
}

/* ------------------------------------------------------------------ */
/* Values                                                               */
/* ------------------------------------------------------------------ */

static int
write_identifier(kdl_writer *w, PyObject *obj)
{
    PyObject *message = NULL;
    const char *s;
    Py_ssize_t n;

    if (PyUnicode_Check(obj) && PyUnicode_IS_ASCII(obj)) {
        s = PyUnicode_AsUTF8AndSize(obj, &n);
        if (s == NULL) {
            return -1;
        }
        if (mz_kdl_is_identifier(s, (size_t)n)) {
            return put(w, s, (size_t)n);
        }
    }
    message = PyUnicode_FromFormat("invalid identifier: %R", obj);
    if (message != NULL) {
        mzpy_convert_raise_with(w->state->IRBuildError, message);
        Py_DECREF(message);
    }
    return -1;
}

static int
write_string(kdl_writer *w, PyObject *obj)
{
    Py_ssize_t n;
    const char *s = PyUnicode_AsUTF8AndSize(obj, &n);

    if (s == NULL) {
        /* A lone surrogate has no UTF-8 form: the twin's IRBuildError.
         * Anything else (MemoryError) propagates. */
        if (PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) {
            PyErr_Clear();
            return fail(w, MZ_KDL_REASON_UNICODE);
        }
        return -1;
    }
    if (mz_kdl_append_string(&w->buf, s, (size_t)n, &w->err) != MZ_OK) {
        if (w->err.code == MZ_E_NOMEM) {
            return no_memory();
        }
        return fail(w, w->err.message);
    }
    return 0;
}

/* str(int(obj)): an int subclass (IntEnum) goes through int() as in the
 * twin, so its __int__ is honoured and bool never gets here. */
static int
write_int(kdl_writer *w, PyObject *obj)
{
    PyObject *number = NULL;
    PyObject *text = NULL;
    const char *s;
    Py_ssize_t n;
    long long v;
    int overflow = 0;
    int rc = -1;

    number = PyLong_CheckExact(obj) ? Py_NewRef(obj) : PyNumber_Long(obj);
    if (number == NULL) {
        goto done;
    }
    v = PyLong_AsLongLongAndOverflow(number, &overflow);
    if (overflow == 0) {
        if (v == -1 && PyErr_Occurred()) {
            goto done;
        }
        if (mz_buf_append_i64(&w->buf, (int64_t)v) != MZ_OK) {
            no_memory();
            goto done;
        }
        rc = 0;
        goto done;
    }
    /* Beyond 64 bits: str(), which may raise ValueError past
     * sys.get_int_max_str_digits(), as in the twin. */
    text = PyObject_Str(number);
    if (text == NULL) {
        goto done;
    }
    s = PyUnicode_AsUTF8AndSize(text, &n);
    if (s == NULL) {
        goto done;
    }
    rc = put(w, s, (size_t)n);

done:
    Py_XDECREF(number);
    Py_XDECREF(text);
    return rc;
}

/* The twin tests the float's own value for NaN and infinity, then writes
 * repr(float(obj)): float.__repr__ is PyOS_double_to_string 'r'. */
static int
write_float(kdl_writer *w, PyObject *obj)
{
    PyObject *number = NULL;
    const char *keyword = mz_kdl_nonfinite(PyFloat_AS_DOUBLE(obj));
    char *s = NULL;
    int rc = -1;

    if (keyword != NULL) {
        return put(w, keyword, strlen(keyword));
    }
    number = PyFloat_CheckExact(obj) ? Py_NewRef(obj) : PyNumber_Float(obj);
    if (number == NULL) {
        goto done;
    }
    s = PyOS_double_to_string(
        PyFloat_AS_DOUBLE(number), 'r', 0, Py_DTSF_ADD_DOT_0, NULL);
    if (s == NULL) {
        goto done;
    }
    rc = put(w, s, strlen(s));

done:
    Py_XDECREF(number);
    PyMem_Free(s);
    return rc;
}

static int
unsupported(kdl_writer *w, PyObject *obj)
{
    PyObject *name = NULL;
    PyObject *message = NULL;

    name = PyType_GetName(Py_TYPE(obj));
    if (name == NULL) {
        goto done;
    }
    message = PyUnicode_FromFormat("unsupported KDL value: %U", name);
    if (message == NULL) {
        goto done;
    }
    mzpy_convert_raise_with(w->state->IRBuildError, message);

done:
    Py_XDECREF(name);
    Py_XDECREF(message);
    return -1;
}

/* One value, in the twin's order of type checks: str, bool, None, int,
 * float, then an (annotation, value) pair whose value is not a tuple. */
static int
write_value(kdl_writer *w, PyObject *obj)
{
    if (PyUnicode_Check(obj)) {
        return write_string(w, obj);
    }
    if (PyBool_Check(obj)) {
        return obj == Py_True ? put(w, "#true", 5) : put(w, "#false", 6);
    }
    if (obj == Py_None) {
        return put(w, "#null", 5);
    }
    if (PyLong_Check(obj)) {
        return write_int(w, obj);
    }
    if (PyFloat_Check(obj)) {
        return write_float(w, obj);
    }
    if (PyTuple_Check(obj) && PyTuple_GET_SIZE(obj) == 2 &&
        !PyTuple_Check(PyTuple_GET_ITEM(obj, 1))) {
        if (put_byte(w, '(') < 0 ||
            write_identifier(w, PyTuple_GET_ITEM(obj, 0)) < 0 ||
            put_byte(w, ')') < 0) {
            return -1;
        }
        return write_value(w, PyTuple_GET_ITEM(obj, 1));
    }
    return unsupported(w, obj);
}

/* ------------------------------------------------------------------ */
/* Nodes                                                                */
/* ------------------------------------------------------------------ */

static int
write_args(kdl_writer *w, PyObject *args)
{
    Py_ssize_t i;

    for (i = 0; i < seq_size(args); i++) {
        PyObject *arg = seq_item(args, i);
        int rc = put_byte(w, ' ');

        if (rc == 0) {
            rc = write_value(w, arg);
        }
        Py_DECREF(arg);
        if (rc < 0) {
            return -1;
        }
    }
    return 0;
}

static int
write_prop(kdl_writer *w, PyObject *prop)
{
    if (!PyTuple_Check(prop) || PyTuple_GET_SIZE(prop) != 2) {
        return fail(w, "property must be a (key, value) pair");
    }
    if (put_byte(w, ' ') < 0 ||
        write_identifier(w, PyTuple_GET_ITEM(prop, 0)) < 0 ||
        put_byte(w, '=') < 0) {
        return -1;
    }
    return write_value(w, PyTuple_GET_ITEM(prop, 1));
}

static int
write_props(kdl_writer *w, PyObject *props)
{
    Py_ssize_t i;

    for (i = 0; i < seq_size(props); i++) {
        PyObject *prop = seq_item(props, i);
        int rc = write_prop(w, prop);

        Py_DECREF(prop);
        if (rc < 0) {
            return -1;
        }
    }
    return 0;
}

/* Write the node's line up to its children (the twin's _head). On success
 * `*children` is the children sequence (BORROWED from `node`) or NULL for
 * None, and `*inline_` the inline flag. */
static int
write_head(kdl_writer *w, PyObject *node, PyObject **children, bool *inline_)
{
    PyObject *args;
    PyObject *props;
    PyObject *kids;
    PyObject *flag;

    if (!PyTuple_Check(node) || PyTuple_GET_SIZE(node) != 5) {
        return fail(
            w, "node must be a 5-tuple (name, args, props, children, inline)");
    }
    args = PyTuple_GET_ITEM(node, 1);
    props = PyTuple_GET_ITEM(node, 2);
    kids = PyTuple_GET_ITEM(node, 3);
    flag = PyTuple_GET_ITEM(node, 4);
    if (write_identifier(w, PyTuple_GET_ITEM(node, 0)) < 0 ||
        check_sequence(w, args, "args must be a list or tuple") < 0 ||
        write_args(w, args) < 0 ||
        check_sequence(w, props, "props must be a list or tuple") < 0 ||
        write_props(w, props) < 0) {
        return -1;
    }
    if (kids != Py_None &&
        check_sequence(w, kids, "children must be a list or tuple") < 0) {
        return -1;
    }
    if (!PyBool_Check(flag)) {
        return fail(w, "inline must be a bool");
    }
    *children = kids == Py_None ? NULL : kids;
    *inline_ = flag == Py_True;
    return 0;
}

static int
write_inline(kdl_writer *w, PyObject *node, int depth);

/* " { a; b }" after a head: every child inline at `depth`. */
static int
write_inline_children(kdl_writer *w, PyObject *children, int depth)
{
    Py_ssize_t i;

    if (put(w, " { ", 3) < 0) {
        return -1;
    }
    for (i = 0; i < seq_size(children); i++) {
        PyObject *child = seq_item(children, i);
        int rc = 0;

        if (i > 0) {
            rc = put(w, "; ", 2);
        }
        if (rc == 0) {
            rc = write_inline(w, child, depth);
        }
        Py_DECREF(child);
        if (rc < 0) {
            return -1;
        }
    }
    return put(w, " }", 2);
}

static int
write_inline(kdl_writer *w, PyObject *node, int depth)
{
    PyObject *children = NULL;
    bool inline_ = false;

    if (depth > MZ_KDL_MAX_DEPTH) {
        return fail(w, MZ_KDL_REASON_TOO_DEEP);
    }
    if (write_head(w, node, &children, &inline_) < 0) {
        return -1;
    }
    if (children == NULL) {
        return 0;
    }
    return write_inline_children(w, children, depth + 1);
}

static int
write_block(kdl_writer *w, PyObject *node, int depth)
{
    PyObject *children = NULL;
    bool inline_ = false;
    Py_ssize_t i;

    if (depth > MZ_KDL_MAX_DEPTH) {
        return fail(w, MZ_KDL_REASON_TOO_DEEP);
    }
    if (mz_kdl_append_indent(&w->buf, depth) != MZ_OK) {
        return no_memory();
    }
    if (write_head(w, node, &children, &inline_) < 0) {
        return -1;
    }
    if (children == NULL) {
        return put_byte(w, '\n');
    }
    if (inline_) {
        if (write_inline_children(w, children, depth + 1) < 0) {
            return -1;
        }
        return put_byte(w, '\n');
    }
    if (put(w, " {\n", 3) < 0) {
        return -1;
    }
    for (i = 0; i < seq_size(children); i++) {
        PyObject *child = seq_item(children, i);
        int rc = write_block(w, child, depth + 1);

        Py_DECREF(child);
        if (rc < 0) {
            return -1;
        }
    }
    if (mz_kdl_append_indent(&w->buf, depth) != MZ_OK) {
        return no_memory();
    }
    return put(w, "}\n", 2);
}

/* One section: its nodes at depth 0, after an empty line when an earlier
 * section wrote something. */
static int
write_section(kdl_writer *w, PyObject *section)
{
    Py_ssize_t i;

    if (check_sequence(w, section, "section must be a list or tuple") < 0) {
        return -1;
    }
    if (seq_size(section) == 0) {
        return 0;
    }
    if (w->buf.len > 0 && put_byte(w, '\n') < 0) {
        return -1;
    }
    for (i = 0; i < seq_size(section); i++) {
        PyObject *node = seq_item(section, i);
        int rc = write_block(w, node, 0);

        Py_DECREF(node);
        if (rc < 0) {
            return -1;
        }
    }
    return 0;
}

PyObject *
mzpy_kdl_write(mz_state *state, PyObject *sections)
{
    kdl_writer w;
    PyObject *result = NULL;
    Py_ssize_t i;

    w.state = state;
    mz_buf_init(&w.buf);
    mz_error_clear(&w.err);
    if (check_sequence(&w, sections, "document must be a list or tuple") < 0) {
        goto done;
    }
    for (i = 0; i < seq_size(sections); i++) {
        PyObject *section = seq_item(sections, i);
        int rc = write_section(&w, section);

        Py_DECREF(section);
        if (rc < 0) {
            goto done;
        }
    }
    result = PyBytes_FromStringAndSize(w.buf.data, (Py_ssize_t)w.buf.len);

done:
    mz_buf_free(&w.buf);
    return result;
}
