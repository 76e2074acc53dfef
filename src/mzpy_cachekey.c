/* mzpy_cachekey.c - binding of the cache-key unit: argument checks worded
 * as the twin, NORM-1 of every value (mzpy_xmi_normalize, shared with the
 * invalidation header), the message from mz_cachekey.c, and
 * HMAC-SHA256 through libcrypto (mz_hmac.c: fetched once, keyed context
 * reused; no crypto written here). */
#include "mzpy.h"

#include "mzpy_cachekey.h"

#include "mz_buf.h"
#include "mz_cachekey.h"
#include "mz_hmac.h"
#include "mzpy_convert.h"
#include "mzpy_xmi.h"

#include <string.h>

/* The UTF-8 of `text` (an exact str, BORROWED) into `out`, borrowed from the
 * str's cache. A lone surrogate becomes the writer's EncodeError. Returns 0
 * or -1. */
static int
utf8(mz_state *state, PyObject *text, mz_ckey_text *out)
{
    Py_ssize_t n;
    const char *s = PyUnicode_AsUTF8AndSize(text, &n);

    if (s == NULL) {
        if (PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) {
            PyErr_Clear();
            mzpy_convert_raise_text(state->EncodeError,
                                    "string is not valid Unicode");
        }
        return -1;
    }
    out->s = s;
    out->n = (size_t)n;
    return 0;
}

/* {name: NORM-1 text} of `params` (BORROWED) as a NEW dict, or NULL with
 * TypeError or what NORM-1 or iterating raised. */
static PyObject *
params_text(mz_state *state, PyObject *params)
{
    PyObject *items = NULL;
    PyObject *out = NULL;
    PyObject *text = NULL;
    Py_ssize_t i;
    int is_mapping = PyObject_IsInstance(params, state->Mapping);

    if (is_mapping <= 0) {
        if (is_mapping == 0) {
            PyErr_SetString(PyExc_TypeError, "params must be a mapping");
        }
        goto error;
    }
    items = PyMapping_Items(params);
    out = PyDict_New();
    if (items == NULL || out == NULL) {
        goto error;
    }
    for (i = 0; i < PyList_GET_SIZE(items); i++) {
        PyObject *item = PyList_GET_ITEM(items, i);

        if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 2) {
            PyErr_SetString(PyExc_TypeError,
                            "params items must be (name, value) pairs");
            goto error;
        }
        if (!PyUnicode_CheckExact(PyTuple_GET_ITEM(item, 0))) {
            PyErr_SetString(PyExc_TypeError, "param names must be str");
            goto error;
        }
        text = mzpy_xmi_normalize(state, PyTuple_GET_ITEM(item, 1), Py_None);
        if (text == NULL ||
            PyDict_SetItem(out, PyTuple_GET_ITEM(item, 0), text) < 0) {
            goto error;
        }
        Py_CLEAR(text);
    }
    Py_DECREF(items);
    return out;

error:
    Py_XDECREF(text);
    Py_XDECREF(items);
    Py_XDECREF(out);
    return NULL;
}

/* Append the CKEY-2 message to `buf`; the checks in the twin's order.
 * Returns 0 or -1. */
static int
build_message(mz_state *state,
              PyObject *context,
              PyObject *params,
              PyObject *user_id,
              PyObject *rev,
              mz_buf *buf)
{
    PyObject *texts = NULL;
    PyObject *user = NULL;
    PyObject *rev_text = NULL;
    mz_ckey_param *pairs = NULL;
    mz_ckey_text c_text, r_text, u_text;
    PyObject *name;
    PyObject *value;
    Py_ssize_t pos = 0;
    size_t n = 0;
    mz_error err;
    int rc = -1;

    mz_error_clear(&err);
    if (!PyUnicode_CheckExact(context)) {
        PyErr_SetString(PyExc_TypeError, "context must be a str");
        goto done;
    }
    if (!PyLong_CheckExact(rev)) {
        PyErr_SetString(PyExc_TypeError, "rev must be an int");
        goto done;
    }
    texts = params_text(state, params);
    if (texts == NULL) {
        goto done;
    }
    if (user_id == Py_None) {
        user = NULL;
    } else if (PyUnicode_CheckExact(user_id)) {
        user = Py_NewRef(user_id);
    } else if (PyLong_CheckExact(user_id)) {
        user = PyLong_Type.tp_repr(user_id);
        if (user == NULL) {
            goto done;
        }
    } else {
        PyErr_SetString(PyExc_TypeError,
                        "user_id must be a str, an int or None");
        goto done;
    }
    /* The writer's order: "c", the params, "r", "u". */
    if (utf8(state, context, &c_text) < 0) {
        goto done;
    }
    pairs =
        PyMem_Malloc(sizeof(*pairs) * ((size_t)PyDict_GET_SIZE(texts) + 1));
    if (pairs == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    while (PyDict_Next(texts, &pos, &name, &value)) {
        if (utf8(state, name, &pairs[n].name) < 0 ||
            utf8(state, value, &pairs[n].value) < 0) {
            goto done;
        }
        n++;
    }
    rev_text = PyLong_Type.tp_repr(rev);
    if (rev_text == NULL || utf8(state, rev_text, &r_text) < 0) {
        goto done;
    }
    if (user != NULL && utf8(state, user, &u_text) < 0) {
        goto done;
    }
    if (mz_cachekey_message(buf,
                            c_text,
                            pairs,
                            n,
                            r_text,
                            user != NULL ? &u_text : NULL,
                            &err) != MZ_OK) {
        mzpy_convert_raise(state, &err);
        goto done;
    }
    rc = 0;

done:
    PyMem_Free(pairs);
    Py_XDECREF(rev_text);
    Py_XDECREF(user);
    Py_XDECREF(texts);
    return rc;
}

/* The secret's UTF-8 (cached in the str object, BORROWED), or NULL with the
 * twin's TypeError or a UnicodeEncodeError. */
static const char *
secret_utf8(PyObject *secret, Py_ssize_t *len)
{
    if (!PyUnicode_CheckExact(secret) || PyUnicode_GET_LENGTH(secret) == 0) {
        PyErr_SetString(PyExc_TypeError, "secret must be a non-empty str");
        return NULL;
    }
    return PyUnicode_AsUTF8AndSize(secret, len);
}

/* "<prefix>:<context>:<hex>" as a NEW str. Written directly: an ASCII context
 * (the usual case) is one allocation and three copies, where
 * PyUnicode_FromFormat would parse its format on every key. */
static PyObject *
key_text(const char *prefix, PyObject *context, const char *hex)
{
    size_t prefix_len = strlen(prefix);
    size_t hex_len = strlen(hex);
    Py_ssize_t context_len = PyUnicode_GET_LENGTH(context);
    PyObject *out;
    Py_UCS1 *data;

    if (!PyUnicode_IS_ASCII(context)) {
        return PyUnicode_FromFormat("%s:%U:%s", prefix, context, hex);
    }
    out = PyUnicode_New((Py_ssize_t)(prefix_len + hex_len + 2) + context_len,
                        127);
    if (out == NULL) {
        return NULL;
    }
    data = PyUnicode_1BYTE_DATA(out);
    memcpy(data, prefix, prefix_len);
    data += prefix_len;
    *data++ = ':';
    memcpy(data, PyUnicode_1BYTE_DATA(context), (size_t)context_len);
    data += context_len;
    *data++ = ':';
    memcpy(data, hex, hex_len);
    return out;
}

/* "<prefix>:<context>:<hex HMAC-SHA256(secret, message)>" as a NEW str;
 * `context` and `secret` (str) are BORROWED. */
static PyObject *
hmac_key(mz_state *state,
         const char *prefix,
         PyObject *context,
         PyObject *secret,
         const mz_buf *message)
{
    static const char digits[] = "0123456789abcdef";
    unsigned char digest[MZ_HMAC_SHA256_LEN];
    char hex[2 * MZ_HMAC_SHA256_LEN + 1];
    Py_ssize_t key_len = 0;
    const char *key = secret_utf8(secret, &key_len);
    mz_hmac *hmac;
    size_t i;

    if (key == NULL) {
        return NULL;
    }
    hmac = PyCapsule_GetPointer(state->hmac, MZPY_HMAC_CAPSULE);
    if (hmac == NULL) {
        return NULL;
    }
    if (mz_hmac_sha256(hmac,
                       (const unsigned char *)key,
                       (size_t)key_len,
                       (const unsigned char *)message->data,
                       message->len,
                       digest) < 0) {
        PyErr_SetString(PyExc_RuntimeError, "HMAC-SHA256 failed (libcrypto)");
        return NULL;
    }
    for (i = 0; i < MZ_HMAC_SHA256_LEN; i++) {
        hex[2 * i] = digits[digest[i] >> 4];
        hex[2 * i + 1] = digits[digest[i] & 0xf];
    }
    hex[2 * MZ_HMAC_SHA256_LEN] = '\0';
    return key_text(prefix, context, hex);
}

PyObject *
mzpy_ckey_message(mz_state *state,
                  PyObject *context,
                  PyObject *params,
                  PyObject *user_id,
                  PyObject *rev)
{
    PyObject *result = NULL;
    mz_buf buf;

    mz_buf_init(&buf);
    if (build_message(state, context, params, user_id, rev, &buf) < 0) {
        goto done;
    }
    result = PyBytes_FromStringAndSize(buf.data, (Py_ssize_t)buf.len);

done:
    mz_buf_free(&buf);
    return result;
}

PyObject *
mzpy_ckey_derive(mz_state *state,
                 PyObject *secret,
                 PyObject *context,
                 PyObject *params,
                 PyObject *user_id,
                 PyObject *rev)
{
    PyObject *result = NULL;
    Py_ssize_t key_len;
    mz_buf buf;

    mz_buf_init(&buf);
    /* As the twin: the secret is checked before the message is built. */
    if (secret_utf8(secret, &key_len) == NULL ||
        build_message(state, context, params, user_id, rev, &buf) < 0) {
        goto done;
    }
    result = hmac_key(state, "ctx", context, secret, &buf);

done:
    mz_buf_free(&buf);
    return result;
}

PyObject *
mzpy_ckey_generation(mz_state *state,
                     PyObject *secret,
                     PyObject *context,
                     PyObject *name,
                     PyObject *value)
{
    PyObject *text = NULL;
    PyObject *result = NULL;
    mz_ckey_text c_text, k_text, v_text;
    mz_error err;
    mz_buf buf;

    mz_buf_init(&buf);
    mz_error_clear(&err);
    if (!PyUnicode_CheckExact(context) || !PyUnicode_CheckExact(name)) {
        PyErr_SetString(PyExc_TypeError, "context and name must be str");
        goto done;
    }
    text = mzpy_xmi_normalize(state, value, Py_None);
    if (text == NULL || utf8(state, context, &c_text) < 0 ||
        utf8(state, name, &k_text) < 0 || utf8(state, text, &v_text) < 0) {
        goto done;
    }
    if (mz_cachekey_generation_message(&buf, c_text, k_text, v_text, &err) !=
        MZ_OK) {
        mzpy_convert_raise(state, &err);
        goto done;
    }
    /* As the twin: the secret is checked after the message is built. */
    result = hmac_key(state, "gen", context, secret, &buf);

done:
    mz_buf_free(&buf);
    Py_XDECREF(text);
    return result;
}
