/* mzpy_jsonw_writer.h - the canonical JSON writer's state and byte-level
 * helpers, shared by mzpy_jsonw.c (any value) and mzpy_jsonm.c (plain
 * Pydantic models written from their fields). Private to those two. */
#ifndef MIZAN_MZPY_JSONW_WRITER_H
#define MIZAN_MZPY_JSONW_WRITER_H

#include "mzpy.h"

#include "mz_buf.h"
#include "mzpy_convert.h"
#include "mzpy_jsonw.h"

/* Dicts up to this size sort their keys in arrays on the C stack. */
#define MZ_STACK_MEMBERS 8

typedef struct mzpy_jsonw_writer {
    mz_state *state;
    PyObject *default_fn; /* BORROWED; NULL when default is None */
    PyObject *models;     /* BORROWED state->json_models, or NULL: no plans */
    int model_base;       /* depth of the plain model being written */
    mz_buf buf;
} mzpy_jsonw_writer;

/* A plain-model write met a value Pydantic might write differently (or that
 * the writer would refuse): the caller rolls the buffer back to where the
 * model began and hands the model to default instead. */
#define MZPY_JSONW_SLOW 1

/* Containers and models nested below a plain model before the slow path
 * takes over (Pydantic's own limit is about 255). */
#define MZ_MODEL_MAX_NESTING 128

/* One member of a dict being written. */
typedef struct mzpy_jsonw_member {
    PyObject *key;    /* NEW: the str key, or the decimal text of an int key */
    PyObject *value;  /* NEW */
    const char *text; /* UTF-8 of key, or NULL when key is not valid Unicode */
    Py_ssize_t len;
    Py_ssize_t index; /* position in dict order: keeps the sort stable */
} mzpy_jsonw_member;

static inline int
mzpy_jsonw_fail(mzpy_jsonw_writer *w, const char *reason)
{
    mzpy_convert_raise_text(w->state->EncodeError, reason);
    return -1;
}

static inline int
mzpy_jsonw_put(mzpy_jsonw_writer *w, const char *s, size_t n)
{
    if (MZ_UNLIKELY(mz_buf_append(&w->buf, s, n) != MZ_OK)) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static inline int
mzpy_jsonw_put_byte(mzpy_jsonw_writer *w, char c)
{
    if (MZ_UNLIKELY(mz_buf_append_byte(&w->buf, c) != MZ_OK)) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static inline int
mzpy_jsonw_put_string(mzpy_jsonw_writer *w, const char *s, Py_ssize_t n)
{
    if (MZ_UNLIKELY(mz_buf_append_escaped(&w->buf, s, (size_t)n) != MZ_OK)) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

/* After PyUnicode_AsUTF8AndSize failed: a lone surrogate becomes the
 * EncodeError of the twin; anything else (MemoryError) propagates. */
static inline int
mzpy_jsonw_not_unicode(mzpy_jsonw_writer *w)
{
    if (PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) {
        PyErr_Clear();
        return mzpy_jsonw_fail(w, "string is not valid Unicode");
    }
    return -1;
}

static inline int
mzpy_jsonw_write_str(mzpy_jsonw_writer *w, PyObject *obj)
{
    Py_ssize_t n;
    const char *s = PyUnicode_AsUTF8AndSize(obj, &n);

    if (s == NULL) {
        return mzpy_jsonw_not_unicode(w);
    }
    return mzpy_jsonw_put_string(w, s, n);
}

static inline int
mzpy_jsonw_write_float(mzpy_jsonw_writer *w, PyObject *obj)
{
    double v = PyFloat_AS_DOUBLE(obj);
    char *s = NULL;
    int rc;

    if (!isfinite(v)) {
        return mzpy_jsonw_fail(w, "NaN and Infinity are not valid JSON");
    }
    /* Exactly float.__repr__. */
    s = PyOS_double_to_string(v, 'r', 0, Py_DTSF_ADD_DOT_0, NULL);
    if (s == NULL) {
        return -1;
    }
    rc = mzpy_jsonw_put(w, s, strlen(s));
    PyMem_Free(s);
    return rc;
}

/* Order by UTF-8 bytes (the same as code point order), then dict order. */
static inline int
mzpy_jsonw_compare_text(const mzpy_jsonw_member *a, const mzpy_jsonw_member *b)
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
static inline int
mzpy_jsonw_compare_unicode(const mzpy_jsonw_member *a,
                           const mzpy_jsonw_member *b)
{
    int c = PyUnicode_Compare(a->key, b->key);

    if (c != 0) {
        return c;
    }
    return (a->index > b->index) - (a->index < b->index);
}

static inline int
mzpy_jsonw_qsort_text(const void *a, const void *b)
{
    return mzpy_jsonw_compare_text(*(mzpy_jsonw_member *const *)a,
                                   *(mzpy_jsonw_member *const *)b);
}

static inline int
mzpy_jsonw_qsort_unicode(const void *a, const void *b)
{
    return mzpy_jsonw_compare_unicode(*(mzpy_jsonw_member *const *)a,
                                      *(mzpy_jsonw_member *const *)b);
}

static inline void
mzpy_jsonw_sort_members(mzpy_jsonw_member **order, Py_ssize_t n, bool by_text)
{
    Py_ssize_t i;

    if (n > MZ_STACK_MEMBERS) {
        qsort(order,
              (size_t)n,
              sizeof(mzpy_jsonw_member *),
              by_text ? mzpy_jsonw_qsort_text : mzpy_jsonw_qsort_unicode);
        return;
    }
    for (i = 1; i < n; i++) {
        mzpy_jsonw_member *m = order[i];
        Py_ssize_t j = i;

        while (j > 0 &&
               (by_text ? mzpy_jsonw_compare_text(order[j - 1], m)
                        : mzpy_jsonw_compare_unicode(order[j - 1], m)) > 0) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = m;
    }
}

/* Release the `count` members collected for a dict and the arrays holding
 * them, when they were allocated instead of the caller's stack arrays. */
static inline void
mzpy_jsonw_release_members(mzpy_jsonw_member *members,
                           const mzpy_jsonw_member *stack_members,
                           mzpy_jsonw_member **order,
                           mzpy_jsonw_member *const *stack_order,
                           Py_ssize_t count)
{
    Py_ssize_t i;

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
}

/* Write `obj` (BORROWED), an instance of exactly the class whose plan is
 * `plan` (BORROWED), from its fields at `depth`. Returns 0, -1 with an
 * exception set, or MZPY_JSONW_SLOW with the buffer as it was: the instance
 * must go through default instead. Defined in mzpy_jsonm.c. */
int
mzpy_jsonw_write_model(mzpy_jsonw_writer *w,
                       PyObject *obj,
                       PyObject *plan,
                       int depth);

#endif /* MIZAN_MZPY_JSONW_WRITER_H */
