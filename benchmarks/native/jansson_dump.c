/*
 * Benchmark-only extension: the "jansson tree + dump" column of the json
 * group.
 *
 * Issue 8 compares Mizan's direct writer (Python objects straight to bytes)
 * with the obvious alternative design on the same library the extension
 * already links: build a jansson json_t tree from the Python objects, then
 * json_dumps() it with sorted keys. This module is never imported by mizan;
 * benchmarks/_native.py compiles it on demand.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <jansson.h>

static json_t *
to_tree(PyObject *obj);

static json_t *
list_to_tree(PyObject *seq)
{
    json_t *array = json_array();
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    if (array == NULL) {
        return (json_t *)PyErr_NoMemory();
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        json_t *item = to_tree(items[i]);
        if (item == NULL || json_array_append_new(array, item) != 0) {
            json_decref(array);
            return NULL;
        }
    }
    return array;
}

static json_t *
dict_to_tree(PyObject *dict)
{
    json_t *object = json_object();
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    if (object == NULL) {
        return (json_t *)PyErr_NoMemory();
    }
    while (PyDict_Next(dict, &pos, &key, &value)) {
        Py_ssize_t length;
        const char *name;
        json_t *item;
        if (!PyUnicode_Check(key)) {
            PyErr_SetString(PyExc_TypeError, "keys must be str");
            goto fail;
        }
        name = PyUnicode_AsUTF8AndSize(key, &length);
        if (name == NULL || (item = to_tree(value)) == NULL) {
            goto fail;
        }
        if (json_object_setn_new_nocheck(object, name, (size_t)length, item) !=
            0) {
            PyErr_NoMemory();
            goto fail;
        }
    }
    return object;
fail:
    json_decref(object);
    return NULL;
}

static json_t *
to_tree(PyObject *obj)
{
    if (obj == Py_None) {
        return json_null();
    }
    if (obj == Py_True) {
        return json_true();
    }
    if (obj == Py_False) {
        return json_false();
    }
    if (PyLong_Check(obj)) {
        long long number = PyLong_AsLongLong(obj);
        return number == -1 && PyErr_Occurred() ? NULL : json_integer(number);
    }
    if (PyFloat_Check(obj)) {
        return json_real(PyFloat_AS_DOUBLE(obj));
    }
    if (PyUnicode_Check(obj)) {
        Py_ssize_t length;
        const char *text = PyUnicode_AsUTF8AndSize(obj, &length);
        return text == NULL ? NULL
                            : json_stringn_nocheck(text, (size_t)length);
    }
    if (PyDict_Check(obj)) {
        return dict_to_tree(obj);
    }
    if (PyList_Check(obj) || PyTuple_Check(obj)) {
        return list_to_tree(obj);
    }
    PyErr_Format(
        PyExc_TypeError, "cannot encode %.100s", Py_TYPE(obj)->tp_name);
    return NULL;
}

static PyObject *
dumps(PyObject *Py_UNUSED(module), PyObject *obj)
{
    json_t *tree = to_tree(obj);
    char *text;
    PyObject *out;
    if (tree == NULL) {
        return NULL;
    }
    text = json_dumps(tree, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(tree);
    if (text == NULL) {
        return PyErr_NoMemory();
    }
    out = PyBytes_FromString(text);
    free(text);
    return out;
}

static PyMethodDef methods[] = {
    {"dumps",
     dumps,
     METH_O,
     "Build a jansson tree of obj and json_dumps it (compact, sorted keys)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef definition = {
    PyModuleDef_HEAD_INIT,
    "jansson_dump",
    NULL,
    -1,
    methods,
    NULL,
    NULL,
    NULL,
    NULL,
};

PyMODINIT_FUNC
PyInit_jansson_dump(void)
{
    return PyModule_Create(&definition);
}
