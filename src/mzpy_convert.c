/* mzpy_convert.c - json_t -> PyObject, buffers, mz_error -> exceptions. */
#include "mzpy.h"

#include "mzpy_convert.h"

int
mzpy_convert_bytes(PyObject *obj, mzpy_bytes *out)
{
    memset(out, 0, sizeof(*out));
    if (!PyObject_CheckBuffer(obj)) {
        PyObject *name = PyType_GetName(Py_TYPE(obj));

        if (name != NULL) {
            PyErr_Format(PyExc_TypeError,
                         "a bytes-like object is required, not '%U'",
                         name);
            Py_DECREF(name);
        }
        return -1;
    }
    if (PyObject_GetBuffer(obj, &out->view, PyBUF_SIMPLE) == 0) {
        out->has_view = true;
        out->data = out->view.buf;
        out->len = (size_t)out->view.len;
        return 0;
    }
    /* A non-contiguous buffer: bytes() copies it in C order, as the twin's
     * memoryview(data).tobytes() does. */
    PyErr_Clear();
    out->copy = PyBytes_FromObject(obj);
    if (out->copy == NULL) {
        return -1;
    }
    out->data = PyBytes_AS_STRING(out->copy);
    out->len = (size_t)PyBytes_GET_SIZE(out->copy);
    return 0;
}

void
mzpy_convert_release(mzpy_bytes *bytes)
{
    if (bytes->has_view) {
        PyBuffer_Release(&bytes->view);
        bytes->has_view = false;
    }
    Py_CLEAR(bytes->copy);
    bytes->data = NULL;
    bytes->len = 0;
}

/* A JSON object as a dict in document order (jansson >= 2.8 iterates keys
 * in insertion order). */
static PyObject *
object_from_json(const json_t *value)
{
    PyObject *dict = NULL;
    PyObject *key = NULL;
    PyObject *item = NULL;
    void *iter;

    dict = PyDict_New();
    if (dict == NULL) {
        goto error;
    }
    /* json_object_iter takes a non-const json_t but does not modify it. */
    iter = json_object_iter((json_t *)value);
    while (iter != NULL) {
        key = PyUnicode_DecodeUTF8(json_object_iter_key(iter),
                                   (Py_ssize_t)json_object_iter_key_len(iter),
                                   NULL);
        if (key == NULL) {
            goto error;
        }
        item = mzpy_convert_from_json(json_object_iter_value(iter));
        if (item == NULL || PyDict_SetItem(dict, key, item) < 0) {
            goto error;
        }
        Py_CLEAR(key);
        Py_CLEAR(item);
        iter = json_object_iter_next((json_t *)value, iter);
    }
    return dict;

error:
    Py_XDECREF(key);
    Py_XDECREF(item);
    Py_XDECREF(dict);
    return NULL;
}

static PyObject *
array_from_json(const json_t *value)
{
    PyObject *list = NULL;
    size_t n = json_array_size(value);
    size_t i;

    list = PyList_New((Py_ssize_t)n);
    if (list == NULL) {
        goto error;
    }
    for (i = 0; i < n; i++) {
        PyObject *item = mzpy_convert_from_json(json_array_get(value, i));

        if (item == NULL) {
            goto error;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, item);
    }
    return list;

error:
    Py_XDECREF(list);
    return NULL;
}

PyObject *
mzpy_convert_from_json(const json_t *value)
{
    switch (json_typeof(value)) {
        case JSON_OBJECT:
            return object_from_json(value);
        case JSON_ARRAY:
            return array_from_json(value);
        case JSON_STRING:
            /* jansson has validated the UTF-8 and refused lone surrogate
             * escapes; \u0000 is allowed (JSON_ALLOW_NUL). */
            return PyUnicode_DecodeUTF8(json_string_value(value),
                                        (Py_ssize_t)json_string_length(value),
                                        NULL);
        case JSON_INTEGER:
            return PyLong_FromLongLong(json_integer_value(value));
        case JSON_REAL:
            return PyFloat_FromDouble(json_real_value(value));
        case JSON_TRUE:
            Py_RETURN_TRUE;
        case JSON_FALSE:
            Py_RETURN_FALSE;
        case JSON_NULL:
            Py_RETURN_NONE;
    }
    PyErr_SetString(PyExc_SystemError, "unknown jansson value type");
    return NULL;
}

PyObject *
mzpy_convert_raise_with(PyObject *cls, PyObject *arg)
{
    PyObject *exc = NULL;

    exc = PyObject_CallOneArg(cls, arg);
    if (exc != NULL) {
        PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
        Py_DECREF(exc);
    }
    return NULL;
}

PyObject *
mzpy_convert_raise_text(PyObject *cls, const char *text)
{
    PyObject *arg = NULL;

    arg = PyUnicode_FromString(text);
    if (arg != NULL) {
        mzpy_convert_raise_with(cls, arg);
        Py_DECREF(arg);
    }
    return NULL;
}

PyObject *
mzpy_convert_raise(mz_state *state, const mz_error *err)
{
    switch (err->code) {
        case MZ_E_NOMEM:
            return PyErr_NoMemory();
        case MZ_E_TOO_LARGE:
        case MZ_E_TOO_DEEP:
        case MZ_E_MALFORMED:
        case MZ_E_NOT_OBJECT:
        case MZ_E_BAD_FN:
        case MZ_E_BAD_ARGS:
            return mzpy_convert_raise_text(state->ParseError,
                                           mz_error_reason(err));
        case MZ_E_ENCODE:
            return mzpy_convert_raise_text(state->EncodeError, err->message);
        case MZ_E_CACHE: {
            /* Server error text may be any bytes (and cut at the buffer's
             * end): decoded with "replace", as the twin does. */
            PyObject *text = PyUnicode_DecodeUTF8(
                err->message, (Py_ssize_t)strlen(err->message), "replace");

            if (text != NULL) {
                mzpy_convert_raise_with(state->CacheError, text);
                Py_DECREF(text);
            }
            return NULL;
        }
        default:
            PyErr_SetString(PyExc_ValueError, err->message);
            return NULL;
    }
}
