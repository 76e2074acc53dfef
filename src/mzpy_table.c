/* mzpy_table.c - mizan._speedups.MemoryCache: the in-process origin-cache
 * backend over the Python-free table of mz_table.c.
 *
 * Locking: the GIL. Every method converts and checks its Python arguments
 * first, then makes its mz_table calls and builds the results from the
 * entries without running Python code in between (only non-GC allocations:
 * bytes, ints), so no other thread and no finaliser can touch the table
 * during an operation. The module therefore does not declare
 * Py_MOD_GIL_NOT_USED (STYLE B4); on a free-threaded build the interpreter
 * keeps the GIL enabled for it.
 */
#include "mzpy.h"

#include "mzpy_table.h"

#include "mz_table.h"
#include "mzpy_convert.h"

#define MZ_DEFAULT_TTL 86400.0

typedef struct {
    PyObject_HEAD
    mz_table *table; /* owned */
    double default_ttl;
    mz_state *state; /* BORROWED, lives as long as the type's module */
} MzMemoryCacheObject;

int
mzpy_table_key(PyObject *key, mzpy_key *out)
{
    Py_ssize_t n;
    const char *s;

    out->owned = NULL;
    if (!PyUnicode_CheckExact(key)) {
        PyErr_SetString(PyExc_TypeError, "cache keys must be str");
        return -1;
    }
    s = PyUnicode_AsUTF8AndSize(key, &n);
    if (s == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) {
            return -1;
        }
        PyErr_Clear();
        out->owned = PyUnicode_AsEncodedString(key, "utf-8", "surrogatepass");
        if (out->owned == NULL) {
            return -1;
        }
        s = PyBytes_AS_STRING(out->owned);
        n = PyBytes_GET_SIZE(out->owned);
    }
    out->s = s;
    out->n = (size_t)n;
    return 0;
}

void
mzpy_table_key_release(mzpy_key *key)
{
    Py_CLEAR(key->owned);
}

int
mzpy_table_ttl(PyObject *ttl, double dflt, double *out)
{
    double value;

    if (ttl == Py_None) {
        *out = dflt;
        return 0;
    }
    if (PyFloat_CheckExact(ttl)) {
        value = PyFloat_AS_DOUBLE(ttl);
    } else if (PyLong_CheckExact(ttl)) {
        value = PyLong_AsDouble(ttl);
        if (value == -1.0 && PyErr_Occurred()) {
            PyObject *zero = NULL;
            int positive;

            if (!PyErr_ExceptionMatches(PyExc_OverflowError)) {
                return -1;
            }
            /* float() raises only after `ttl > 0` held. */
            zero = PyLong_FromLong(0);
            positive =
                zero == NULL ? -1 : PyObject_RichCompareBool(ttl, zero, Py_GT);
            Py_XDECREF(zero);
            if (positive != 0) {
                return -1; /* the OverflowError, or a new error */
            }
            PyErr_Clear();
            value = 0.0;
        }
    } else {
        value = 0.0;
    }
    if (!(value > 0.0)) {
        PyErr_SetString(PyExc_ValueError,
                        "ttl must be a positive number of seconds");
        return -1;
    }
    *out = value;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Type slots                                                           */
/* ------------------------------------------------------------------ */

static PyObject *
cache_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"default_ttl", NULL};
    PyObject *default_ttl = NULL;
    MzMemoryCacheObject *self = NULL;
    mz_state *state;
    double ttl = MZ_DEFAULT_TTL;
    uint64_t seed;

    if (!PyArg_ParseTupleAndKeywords(
            args, kwargs, "|O:MemoryCache", kwlist, &default_ttl)) {
        goto error;
    }
    if (default_ttl != NULL &&
        mzpy_table_ttl(default_ttl, MZ_DEFAULT_TTL, &ttl) < 0) {
        goto error;
    }
    state = mzpy_state_by_type(type);
    if (state == NULL) {
        goto error;
    }
    self = (MzMemoryCacheObject *)type->tp_alloc(type, 0);
    if (self == NULL) {
        goto error;
    }
    self->default_ttl = ttl;
    self->state = state;
    seed = (uint64_t)(uintptr_t)self ^
           (uint64_t)(mz_table_now() * 1e9) * 0x9e3779b97f4a7c15ULL;
    self->table = mz_table_new(seed);
    if (self->table == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    return (PyObject *)self;

error:
    Py_XDECREF(self);
    return NULL;
}

static int
cache_traverse(MzMemoryCacheObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    return 0;
}

static void
cache_dealloc(MzMemoryCacheObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);

    PyObject_GC_UnTrack(self);
    mz_table_free(self->table);
    self->table = NULL;
    tp->tp_free((PyObject *)self);
    Py_DECREF(tp);
}

static Py_ssize_t
cache_len(MzMemoryCacheObject *self)
{
    return (Py_ssize_t)self->table->count;
}

static PyObject *
cache_repr(MzMemoryCacheObject *self)
{
    return PyUnicode_FromFormat("<MemoryCache %zd entries>",
                                (Py_ssize_t)self->table->count);
}

static PyObject *
cache_get_default_ttl(MzMemoryCacheObject *self, void *closure)
{
    (void)closure;
    return PyFloat_FromDouble(self->default_ttl);
}

/* The value of a live entry as NEW bytes, or a NEW None. */
static PyObject *
entry_value(const mz_table_entry *e)
{
    if (e == NULL) {
        Py_RETURN_NONE;
    }
    return PyBytes_FromStringAndSize(mz_table_value(e), (Py_ssize_t)e->vlen);
}

/* ------------------------------------------------------------------ */
/* Methods                                                              */
/* ------------------------------------------------------------------ */

PyDoc_STRVAR(cache_get_doc,
             "get($self, key, /)\n--\n\n"
             "The value, or None when absent or expired.");

static PyObject *
cache_get(MzMemoryCacheObject *self, PyObject *key)
{
    PyObject *result = NULL;
    mzpy_key k;

    if (mzpy_table_key(key, &k) < 0) {
        return NULL;
    }
    result = entry_value(mz_table_get(self->table, k.s, k.n, mz_table_now()));
    mzpy_table_key_release(&k);
    return result;
}

PyDoc_STRVAR(cache_get_many_doc,
             "get_many($self, keys, /)\n--\n\n"
             "get for each key, in order, at one instant (one round trip).");

static PyObject *
cache_get_many(MzMemoryCacheObject *self, PyObject *keys)
{
    PyObject *checked = NULL;
    PyObject *result = NULL;
    PyObject *const *items;
    Py_ssize_t n;
    Py_ssize_t i;
    double now;
    mzpy_key k;

    /* The twin's [_key(k) for k in keys]: every key checked before any
     * lookup, from one snapshot of the iterable (a tuple is taken as is). */
    checked = PySequence_Tuple(keys);
    if (checked == NULL) {
        goto error;
    }
    n = PyTuple_GET_SIZE(checked);
    items = PySequence_Fast_ITEMS(checked);
    for (i = 0; i < n; i++) {
        if (!PyUnicode_CheckExact(items[i])) {
            PyErr_SetString(PyExc_TypeError, "cache keys must be str");
            goto error;
        }
    }
    result = PyList_New(n);
    if (result == NULL) {
        goto error;
    }
    now = mz_table_now();
    for (i = 0; i < n; i++) {
        PyObject *value;

        if (mzpy_table_key(items[i], &k) < 0) {
            goto error;
        }
        value = entry_value(mz_table_get(self->table, k.s, k.n, now));
        mzpy_table_key_release(&k);
        if (value == NULL) {
            goto error;
        }
        PyList_SET_ITEM(result, i, value);
    }
    Py_DECREF(checked);
    return result;

error:
    Py_XDECREF(result);
    Py_XDECREF(checked);
    return NULL;
}

PyDoc_STRVAR(cache_set_doc,
             "set($self, key, value, /, ttl=None)\n--\n\n"
             "Store value (any bytes-like object) for ttl seconds\n"
             "(default: default_ttl).");

/* The bytes of a bytes-like `value` (BORROWED): *view gets a NEW memoryview
 * (memoryview's own TypeError for a non-buffer, as the twins), *copy a NEW
 * contiguous bytes copy or NULL; *data points into one of them, so release
 * both after use. Returns 0, or -1 with an exception set. */
int
mzpy_table_value(PyObject *value,
                 PyObject **view,
                 PyObject **copy,
                 const char **data,
                 size_t *len)
{
    const Py_buffer *buf;

    *view = PyMemoryView_FromObject(value);
    if (*view == NULL) {
        return -1;
    }
    buf = PyMemoryView_GET_BUFFER(*view);
    if (PyBuffer_IsContiguous(buf, 'C')) {
        *data = buf->buf;
        *len = (size_t)buf->len;
        return 0;
    }
    *copy = PyBytes_FromObject(*view);
    if (*copy == NULL) {
        return -1;
    }
    *data = PyBytes_AS_STRING(*copy);
    *len = (size_t)PyBytes_GET_SIZE(*copy);
    return 0;
}

/* Positional key and value, ttl positional or by keyword; *ttl is BORROWED
 * from `args` (Py_None when absent). Shared with RedisCache.set. */
int
mzpy_table_set_args(PyObject *const *args,
                    Py_ssize_t nargs,
                    PyObject *kwnames,
                    PyObject **ttl)
{
    Py_ssize_t nkw = kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames);
    Py_ssize_t i;

    *ttl = Py_None;
    if (nargs < 2 || nargs > 3) {
        PyErr_Format(PyExc_TypeError,
                     "set() takes from 2 to 3 positional arguments but %zd "
                     "were given",
                     nargs);
        return -1;
    }
    if (nargs == 3) {
        *ttl = args[2];
    }
    for (i = 0; i < nkw; i++) {
        PyObject *name = PyTuple_GET_ITEM(kwnames, i);

        if (!PyUnicode_Check(name) ||
            PyUnicode_CompareWithASCIIString(name, "ttl") != 0) {
            PyErr_Format(PyExc_TypeError,
                         "set() got an unexpected keyword argument '%S'",
                         name);
            return -1;
        }
        if (nargs == 3) {
            PyErr_SetString(PyExc_TypeError,
                            "set() got multiple values for argument 'ttl'");
            return -1;
        }
        *ttl = args[nargs + i];
    }
    return 0;
}

static PyObject *
cache_set(MzMemoryCacheObject *self,
          PyObject *const *args,
          Py_ssize_t nargs,
          PyObject *kwnames)
{
    PyObject *view = NULL;
    PyObject *copy = NULL;
    PyObject *result = NULL;
    PyObject *ttl_obj;
    const char *data;
    size_t len;
    double now;
    double ttl;
    mz_error err;
    mzpy_key k = {NULL, 0, NULL};

    mz_error_clear(&err);
    if (mzpy_table_set_args(args, nargs, kwnames, &ttl_obj) < 0 ||
        mzpy_table_key(args[0], &k) < 0) {
        goto done;
    }
    if (mzpy_table_value(args[1], &view, &copy, &data, &len) < 0) {
        goto done;
    }
    now = mz_table_now();
    if (mzpy_table_ttl(ttl_obj, self->default_ttl, &ttl) < 0) {
        goto done;
    }
    if (mz_table_set(self->table, k.s, k.n, data, len, now + ttl, &err) !=
        MZ_OK) {
        mzpy_convert_raise(self->state, &err);
        goto done;
    }
    result = Py_NewRef(Py_None);

done:
    Py_XDECREF(copy);
    Py_XDECREF(view);
    mzpy_table_key_release(&k);
    return result;
}

PyDoc_STRVAR(cache_delete_doc,
             "delete($self, key, /)\n--\n\n"
             "True when a live entry was removed.");

static PyObject *
cache_delete(MzMemoryCacheObject *self, PyObject *key)
{
    mzpy_key k;
    bool live;

    if (mzpy_table_key(key, &k) < 0) {
        return NULL;
    }
    live = mz_table_delete(self->table, k.s, k.n, mz_table_now());
    mzpy_table_key_release(&k);
    return PyBool_FromLong(live);
}

PyDoc_STRVAR(cache_delete_by_prefix_doc,
             "delete_by_prefix($self, prefix, /)\n--\n\n"
             "Remove every entry whose key starts with prefix; the count of\n"
             "live entries removed.");

static PyObject *
cache_delete_by_prefix(MzMemoryCacheObject *self, PyObject *prefix)
{
    mzpy_key k;
    size_t removed;

    if (mzpy_table_key(prefix, &k) < 0) {
        return NULL;
    }
    removed = mz_table_delete_prefix(self->table, k.s, k.n, mz_table_now());
    mzpy_table_key_release(&k);
    return PyLong_FromSize_t(removed);
}

PyDoc_STRVAR(cache_clear_doc,
             "clear($self, /)\n--\n\n"
             "Remove every entry.");

static PyObject *
cache_clear(MzMemoryCacheObject *self, PyObject *unused)
{
    (void)unused;
    mz_table_clear(self->table);
    Py_RETURN_NONE;
}

PyDoc_STRVAR(cache_incr_doc,
             "incr($self, key, ttl, /)\n--\n\n"
             "Add 1 to the integer stored at key (absent or expired: 0),\n"
             "refresh its TTL and return the new value (stored as decimal\n"
             "text). Raises ValueError for a stored value that is not an\n"
             "int64 integer, an overflow or a bad ttl.");

static PyObject *
cache_incr(MzMemoryCacheObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *result = NULL;
    mzpy_key k = {NULL, 0, NULL};
    int64_t value = 0;
    double ttl;
    mz_error err;

    mz_error_clear(&err);
    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError,
                     "incr() takes 2 positional arguments but %zd %s given",
                     nargs,
                     nargs == 1 ? "was" : "were");
        goto done;
    }
    if (mzpy_table_key(args[0], &k) < 0 ||
        mzpy_table_ttl(args[1], self->default_ttl, &ttl) < 0) {
        goto done;
    }
    if (mz_table_incr(
            self->table, k.s, k.n, mz_table_now(), ttl, &value, &err) !=
        MZ_OK) {
        mzpy_convert_raise(self->state, &err);
        goto done;
    }
    result = PyLong_FromLongLong((long long)value);

done:
    mzpy_table_key_release(&k);
    return result;
}

static PyMethodDef cache_methods[] = {
    {"get", (PyCFunction)cache_get, METH_O, cache_get_doc},
    {"get_many", (PyCFunction)cache_get_many, METH_O, cache_get_many_doc},
    {"set",
     (PyCFunction)(void (*)(void))cache_set,
     METH_FASTCALL | METH_KEYWORDS,
     cache_set_doc},
    {"delete", (PyCFunction)cache_delete, METH_O, cache_delete_doc},
    {"delete_by_prefix",
     (PyCFunction)cache_delete_by_prefix,
     METH_O,
     cache_delete_by_prefix_doc},
    {"clear", (PyCFunction)cache_clear, METH_NOARGS, cache_clear_doc},
    {"incr",
     (PyCFunction)(void (*)(void))cache_incr,
     METH_FASTCALL,
     cache_incr_doc},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef cache_getset[] = {
    {"default_ttl",
     (getter)cache_get_default_ttl,
     NULL,
     "Seconds an entry lives when set gets no ttl.",
     NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyDoc_STRVAR(cache_doc,
             "MemoryCache(default_ttl=86400.0)\n--\n\n"
             "A thread-safe table of bytes with per-entry expiry on the\n"
             "monotonic clock (CBE-2); expired entries are dropped lazily.");

static PyType_Slot cache_slots[] = {
    {Py_tp_new, cache_new},
    {Py_tp_dealloc, cache_dealloc},
    {Py_tp_traverse, cache_traverse},
    {Py_tp_repr, cache_repr},
    {Py_mp_length, cache_len},
    {Py_tp_methods, cache_methods},
    {Py_tp_getset, cache_getset},
    {Py_tp_doc, (void *)cache_doc},
    {0, NULL},
};

PyType_Spec mzpy_memory_cache_spec = {
    .name = "mizan._speedups.MemoryCache",
    .basicsize = sizeof(MzMemoryCacheObject),
    .itemsize = 0,
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC |
             Py_TPFLAGS_IMMUTABLETYPE,
    .slots = cache_slots,
};
