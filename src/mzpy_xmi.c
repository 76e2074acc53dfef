/* mzpy_xmi.c - NORM-1 value text (normalize_value) and the
 * X-Mizan-Invalidate header: format_invalidate_header (XMI-1..3, XMI-6) and
 * parse_invalidate_header (XMI-4). Percent-encoding, decoding, the
 * tokenizer and the pair sort are the Python-free mz_invalidate.c; this
 * file turns their spans into str, list and dict objects.
 */
#include "mzpy.h"

#include "mzpy_xmi.h"

#include "mz_buf.h"
#include "mz_invalidate.h"
#include "mzpy_convert.h"
#include "mzpy_jsonw.h"

/* Integral floats below this magnitude print as integers (NORM-1). */
#define MZ_EXACT_INT_FLOAT 9007199254740992.0 /* 2**53 */

/* Params dicts up to this size render without a heap allocation. */
#define MZ_STACK_PAIRS 8

/* Text of a float under NORM-1 in `small` (32 bytes), or a PyMem string
 * from PyOS_double_to_string that the caller must PyMem_Free. NULL with an
 * exception on failure. */
static char *
float_chars(double v, char *small)
{
    if (isfinite(v) && v == floor(v) && fabs(v) < MZ_EXACT_INT_FLOAT) {
        /* int.__repr__(int(v)); -0.0 becomes "0". */
        snprintf(small, 32, "%lld", (long long)v);
        return small;
    }
    /* float.__repr__: shortest round trip, "inf", "-inf", "nan". */
    return PyOS_double_to_string(v, 'r', 0, Py_DTSF_ADD_DOT_0, NULL);
}

static PyObject *
float_text(double v)
{
    char small[32];
    char *chars = float_chars(v, small);
    PyObject *text;

    if (chars == NULL) {
        return NULL;
    }
    text = PyUnicode_FromString(chars);
    if (chars != small) {
        PyMem_Free(chars);
    }
    return text;
}

/* Canonical JSON of a container, as str (NEW). */
static PyObject *
container_text(mz_state *state, PyObject *value, PyObject *default_fn)
{
    PyObject *bytes = mzpy_jsonw_encode(state, value, default_fn);
    PyObject *text;

    if (bytes == NULL) {
        return NULL;
    }
    text = PyUnicode_DecodeUTF8(
        PyBytes_AS_STRING(bytes), PyBytes_GET_SIZE(bytes), NULL);
    Py_DECREF(bytes);
    return text;
}

static PyObject *
not_serializable(mz_state *state, PyObject *value)
{
    PyObject *name = NULL;
    PyObject *text = NULL;

    name = PyType_GetQualName(Py_TYPE(value));
    if (name == NULL) {
        goto done;
    }
    text = PyUnicode_FromFormat("%U is not JSON serializable", name);
    if (text == NULL) {
        goto done;
    }
    mzpy_convert_raise_with(state->EncodeError, text);

done:
    Py_XDECREF(name);
    Py_XDECREF(text);
    return NULL;
}

/* NORM-1 text of `value` (BORROWED) as a NEW str. `default_fn` is BORROWED
 * or NULL; it is called at most once, for the top-level value. */
static PyObject *
normalize(mz_state *state,
          PyObject *value,
          PyObject *default_fn,
          bool defaulted)
{
    PyObject *replacement = NULL;
    PyObject *text;

    if (value == Py_None) {
        return PyUnicode_FromString("null");
    }
    if (value == Py_True) {
        return PyUnicode_FromString("true");
    }
    if (value == Py_False) {
        return PyUnicode_FromString("false");
    }
    if (PyUnicode_Check(value)) {
        /* str.__str__: the object itself, or an exact copy of a
         * subclass. */
        return PyUnicode_FromObject(value);
    }
    if (PyLong_Check(value)) {
        return PyLong_Type.tp_repr(value);
    }
    if (PyFloat_Check(value)) {
        return float_text(PyFloat_AS_DOUBLE(value));
    }
    if (PyDict_Check(value) || PyList_Check(value) || PyTuple_Check(value)) {
        return container_text(
            state, value, default_fn == NULL ? Py_None : default_fn);
    }
    if (default_fn == NULL || defaulted) {
        return not_serializable(state, value);
    }
    replacement = PyObject_CallOneArg(default_fn, value);
    if (replacement == NULL) {
        return NULL;
    }
    text = normalize(state, replacement, default_fn, true);
    Py_DECREF(replacement);
    return text;
}

PyObject *
mzpy_xmi_normalize(mz_state *state, PyObject *value, PyObject *default_fn)
{
    return normalize(
        state, value, default_fn == Py_None ? NULL : default_fn, false);
}

/* ------------------------------------------------------------------ */
/* format_invalidate_header                                             */
/* ------------------------------------------------------------------ */

/* One key and value of a params dict being rendered (NEW references). */
typedef struct member {
    PyObject *key;
    PyObject *value;
} member;

static int
no_memory(void)
{
    PyErr_NoMemory();
    return -1;
}

/* Percent-encode the UTF-8 of `text` (a str) into `buf`; a lone surrogate
 * raises UnicodeEncodeError as str.encode("utf-8") does. */
static int
encode_text(mz_buf *buf, PyObject *text)
{
    Py_ssize_t n;
    const char *s = PyUnicode_AsUTF8AndSize(text, &n);
    mz_error err;

    if (s == NULL) {
        return -1;
    }
    if (mz_inv_pct_encode(buf, s, (size_t)n, &err) != MZ_OK) {
        return no_memory();
    }
    return 0;
}

/* Percent-encoded NORM-1 text of a param value (default None). The common
 * types are written straight into `buf`; their text is all unreserved
 * except what a float repr may hold ("+" of an exponent). */
static int
encode_value(mz_state *state, mz_buf *buf, PyObject *value)
{
    PyObject *text = NULL;
    const char *literal = NULL;
    int rc;

    if (PyUnicode_CheckExact(value)) {
        return encode_text(buf, value);
    }
    literal = value == Py_None    ? "null"
              : value == Py_True  ? "true"
              : value == Py_False ? "false"
                                  : NULL;
    if (literal != NULL) {
        return mz_buf_append(buf, literal, strlen(literal)) == MZ_OK
                   ? 0
                   : no_memory();
    }
    if (PyLong_CheckExact(value)) {
        int overflow = 0;
        long long v = PyLong_AsLongLongAndOverflow(value, &overflow);

        if (overflow == 0) {
            if (v == -1 && PyErr_Occurred()) {
                return -1;
            }
            return mz_buf_append_i64(buf, (int64_t)v) == MZ_OK ? 0
                                                               : no_memory();
        }
    }
    text = normalize(state, value, NULL, false);
    if (text == NULL) {
        return -1;
    }
    rc = encode_text(buf, text);
    Py_DECREF(text);
    return rc;
}

/* Order members by code point when some key has no UTF-8 form; the lone
 * surrogate is then reported at its place in the twin's sorted() order. */
static int
compare_members(const void *a, const void *b)
{
    return PyUnicode_Compare(((const member *)a)->key,
                             ((const member *)b)->key);
}

/* Append ";key=value" for each pair of `params` (an exact dict of exact
 * str keys), sorted by key (XMI-2), into `buf`. Returns 0 or -1. */
static int
render_pairs(mz_state *state, mz_buf *buf, PyObject *params)
{
    member stack_members[MZ_STACK_PAIRS];
    mz_inv_pair stack_pairs[MZ_STACK_PAIRS];
    member *members = stack_members;
    mz_inv_pair *pairs = stack_pairs;
    Py_ssize_t size = PyDict_GET_SIZE(params);
    Py_ssize_t count = 0;
    Py_ssize_t pos = 0;
    Py_ssize_t i;
    PyObject *key;
    PyObject *value;
    bool by_bytes = true;
    int rc = -1;

    if (size > MZ_STACK_PAIRS) {
        members = PyMem_Malloc((size_t)size * sizeof(member));
        pairs = PyMem_Malloc((size_t)size * sizeof(mz_inv_pair));
        if (members == NULL || pairs == NULL) {
            no_memory();
            goto done;
        }
    }
    while (count < size && PyDict_Next(params, &pos, &key, &value)) {
        Py_ssize_t n = 0;
        const char *s;

        members[count].key = Py_NewRef(key);
        members[count].value = Py_NewRef(value);
        count++;
        s = PyUnicode_AsUTF8AndSize(key, &n);
        if (s == NULL) {
            if (!PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) {
                goto done;
            }
            PyErr_Clear();
            by_bytes = false;
        }
        pairs[count - 1].key = s;
        pairs[count - 1].len = (size_t)n;
        pairs[count - 1].index = (size_t)(count - 1);
    }
    if (by_bytes) {
        mz_inv_sort_pairs(pairs, (size_t)count);
    } else {
        qsort(members, (size_t)count, sizeof(member), compare_members);
        for (i = 0; i < count; i++) {
            pairs[i].index = (size_t)i;
        }
    }
    for (i = 0; i < count; i++) {
        const member *m = &members[pairs[i].index];

        if (mz_buf_append_byte(buf, ';') != MZ_OK) {
            no_memory();
            goto done;
        }
        if (encode_text(buf, m->key) < 0) {
            goto done;
        }
        if (mz_buf_append_byte(buf, '=') != MZ_OK) {
            no_memory();
            goto done;
        }
        if (encode_value(state, buf, m->value) < 0) {
            goto done;
        }
    }
    rc = 0;

done:
    for (i = 0; i < count; i++) {
        Py_DECREF(members[i].key);
        Py_DECREF(members[i].value);
    }
    if (members != stack_members) {
        PyMem_Free(members);
    }
    if (pairs != stack_pairs) {
        PyMem_Free(pairs);
    }
    return rc;
}

/* The twin's shape checks of one dict entry: an exact dict with an exact
 * str "context", and "params" missing, None, or an exact dict of exact str
 * keys. Fills BORROWED `*context` and `*params` (NULL for no params).
 * Returns 0, or -1 with TypeError. */
static int
check_entry(mz_state *state,
            PyObject *entry,
            PyObject **context,
            PyObject **params)
{
    PyObject *key;
    PyObject *value;
    Py_ssize_t pos = 0;

    *context = NULL;
    *params = NULL;
    if (PyDict_CheckExact(entry)) {
        *context = PyDict_GetItemWithError(entry, state->str_context);
    }
    if (*context == NULL || !PyUnicode_CheckExact(*context)) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_TypeError,
                            "an invalidation entry is a context name or a "
                            "dict with a 'context' str");
        }
        return -1;
    }
    *params = PyDict_GetItemWithError(entry, state->str_params);
    if (*params == NULL && PyErr_Occurred()) {
        return -1;
    }
    if (*params == Py_None) {
        *params = NULL;
    }
    if (*params != NULL && !PyDict_CheckExact(*params)) {
        PyErr_SetString(PyExc_TypeError,
                        "'params' of an invalidation entry must be a dict");
        return -1;
    }
    while (*params != NULL && PyDict_Next(*params, &pos, &key, &value)) {
        if (!PyUnicode_CheckExact(key)) {
            PyErr_SetString(PyExc_TypeError,
                            "invalidation param names must be str");
            return -1;
        }
    }
    return 0;
}

/* The header text of one entry (XMI-1): a str entry as it is, a dict as
 * its context followed by its sorted, encoded pairs. NEW str. */
static PyObject *
render(mz_state *state, PyObject *entry)
{
    mz_buf buf;
    PyObject *context = NULL;
    PyObject *params = NULL;
    PyObject *suffix = NULL;
    PyObject *result = NULL;
    Py_ssize_t n;
    const char *s;

    if (PyUnicode_CheckExact(entry)) {
        return Py_NewRef(entry);
    }
    if (check_entry(state, entry, &context, &params) < 0) {
        return NULL;
    }
    if (params == NULL) {
        return Py_NewRef(context);
    }
    Py_INCREF(context);
    Py_INCREF(params);
    mz_buf_init(&buf);
    /* The context is copied as it is, never encoded; one with a lone
     * surrogate has no UTF-8 and is joined as a str instead. */
    s = PyUnicode_AsUTF8AndSize(context, &n);
    if (s == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) {
            goto done;
        }
        PyErr_Clear();
    } else if (mz_buf_append(&buf, s, (size_t)n) != MZ_OK) {
        no_memory();
        goto done;
    }
    if (render_pairs(state, &buf, params) < 0) {
        goto done;
    }
    if (s != NULL) {
        result = PyUnicode_DecodeUTF8(buf.data, (Py_ssize_t)buf.len, NULL);
        goto done;
    }
    suffix = PyUnicode_DecodeUTF8(buf.data, (Py_ssize_t)buf.len, NULL);
    if (suffix != NULL) {
        result = PyUnicode_Concat(context, suffix);
    }

done:
    mz_buf_free(&buf);
    Py_DECREF(context);
    Py_DECREF(params);
    Py_XDECREF(suffix);
    return result;
}

PyObject *
mzpy_xmi_format(mz_state *state, PyObject *entries)
{
    PyObject *iter = NULL;
    PyObject *entry = NULL;
    PyObject *text = NULL;
    PyObject *rendered = NULL;
    PyObject *seen = NULL;
    PyObject *result = NULL;

    iter = PyObject_GetIter(entries);
    rendered = PyList_New(0);
    seen = PySet_New(NULL);
    if (iter == NULL || rendered == NULL || seen == NULL) {
        goto done;
    }
    while ((entry = PyIter_Next(iter)) != NULL) {
        int known;

        text = render(state, entry);
        if (text == NULL) {
            goto done;
        }
        /* Duplicates are dropped after rendering (XMI-1). */
        known = PySet_Contains(seen, text);
        if (known < 0 || (known == 0 && (PySet_Add(seen, text) < 0 ||
                                         PyList_Append(rendered, text) < 0))) {
            goto done;
        }
        Py_CLEAR(entry);
        Py_CLEAR(text);
    }
    if (PyErr_Occurred()) {
        goto done;
    }
    if (PyList_GET_SIZE(rendered) == 0) {
        result = Py_NewRef(Py_None); /* XMI-6: no header */
    } else {
        result = PyUnicode_Join(state->str_list_sep, rendered);
    }

done:
    Py_XDECREF(iter);
    Py_XDECREF(entry);
    Py_XDECREF(text);
    Py_XDECREF(rendered);
    Py_XDECREF(seen);
    return result;
}

/* ------------------------------------------------------------------ */
/* parse_invalidate_header                                              */
/* ------------------------------------------------------------------ */

/* Percent-decode one half of a part into a NEW str at `*out`. Returns 1,
 * 0 when it does not decode (an invalid escape or non-UTF-8 bytes: the
 * entry becomes broad), or -1 with an exception. */
static int
decode_half(mz_buf *scratch, mz_inv_span span, PyObject **out)
{
    mz_error err;
    bool valid;

    if (memchr(span.data, '%', span.len) == NULL) {
        /* A slice of the header's UTF-8 cut at ASCII bytes: valid. */
        *out = PyUnicode_DecodeUTF8(span.data, (Py_ssize_t)span.len, NULL);
        return *out == NULL ? -1 : 1;
    }
    scratch->len = 0;
    if (mz_inv_pct_decode(scratch, span.data, span.len, &valid, &err) !=
        MZ_OK) {
        return no_memory();
    }
    if (!valid) {
        return 0;
    }
    *out = PyUnicode_DecodeUTF8(scratch->data, (Py_ssize_t)scratch->len, NULL);
    return *out == NULL ? -1 : 1;
}

/* The params of one item, or NULL in `*out` when the entry is broad (no
 * parts, a part without '=', or a half that does not decode). Later
 * duplicate keys win. Returns 0 or -1. */
static int
parse_params(mz_buf *scratch, mz_inv_parts *parts, PyObject **out)
{
    mz_inv_span key_span;
    mz_inv_span value_span;
    PyObject *params = NULL;
    PyObject *key = NULL;
    PyObject *value = NULL;
    bool has_eq;
    bool broad = false;
    int rc = -1;

    *out = NULL;
    while (!broad &&
           mz_inv_parts_next(parts, &key_span, &value_span, &has_eq)) {
        int key_ok = 0;
        int value_ok = 0;

        if (has_eq) {
            key_ok = decode_half(scratch, key_span, &key);
            if (key_ok < 0) {
                goto done;
            }
            value_ok = decode_half(scratch, value_span, &value);
            if (value_ok < 0) {
                goto done;
            }
        }
        broad = key_ok == 0 || value_ok == 0;
        if (!broad) {
            if (params == NULL) {
                params = PyDict_New();
            }
            if (params == NULL || PyDict_SetItem(params, key, value) < 0) {
                goto done;
            }
        }
        Py_CLEAR(key);
        Py_CLEAR(value);
    }
    if (!broad) {
        *out = params;
        params = NULL;
    }
    rc = 0;

done:
    Py_XDECREF(params);
    Py_XDECREF(key);
    Py_XDECREF(value);
    return rc;
}

PyObject *
mzpy_xmi_parse(mz_state *state, PyObject *header)
{
    mz_inv_cursor cursor;
    mz_inv_span context_span;
    mz_inv_parts parts;
    mz_buf scratch;
    PyObject *entries = NULL;
    PyObject *context = NULL;
    PyObject *params = NULL;
    PyObject *entry = NULL;
    const char *s;
    Py_ssize_t n;

    if (!PyUnicode_CheckExact(header)) {
        PyErr_SetString(PyExc_TypeError, "header must be a str");
        return NULL;
    }
    s = PyUnicode_AsUTF8AndSize(header, &n); /* UnicodeEncodeError */
    if (s == NULL) {
        return NULL;
    }
    mz_buf_init(&scratch);
    entries = PyList_New(0);
    if (entries == NULL) {
        goto error;
    }
    mz_inv_cursor_init(&cursor, s, (size_t)n);
    while (mz_inv_cursor_next(&cursor, &context_span, &parts)) {
        context = PyUnicode_DecodeUTF8(
            context_span.data, (Py_ssize_t)context_span.len, NULL);
        if (context == NULL || parse_params(&scratch, &parts, &params) < 0) {
            goto error;
        }
        if (params == NULL) {
            entry = Py_NewRef(context);
        } else {
            entry = PyDict_New();
            if (entry == NULL ||
                PyDict_SetItem(entry, state->str_context, context) < 0 ||
                PyDict_SetItem(entry, state->str_params, params) < 0) {
                goto error;
            }
        }
        if (PyList_Append(entries, entry) < 0) {
            goto error;
        }
        Py_CLEAR(context);
        Py_CLEAR(params);
        Py_CLEAR(entry);
    }
    mz_buf_free(&scratch);
    return entries;

error:
    mz_buf_free(&scratch);
    Py_XDECREF(entries);
    Py_XDECREF(context);
    Py_XDECREF(params);
    Py_XDECREF(entry);
    return NULL;
}
