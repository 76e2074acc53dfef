/* mzpy_redis.c - mizan._speedups.RedisCache: the Redis origin-cache backend
 * over the Python-free hiredis code of mz_redis.c and the connection pool
 * and circuit breaker of mz_pool.c.
 *
 * Threading: one instance may be shared by many Python threads. Each method
 * converts and checks its Python arguments with the GIL held, copying the
 * physical keys into malloc'ed buffers (a value is read through a Py_buffer
 * the method holds, as socket.sendall does). Then, with the GIL released,
 * it takes a connection from the pool (mz_pool_acquire: may wait, at most
 * the socket timeout, or fail fast while the breaker is open), runs the
 * mz_redis call on it (connect, write, wait for the reply) and gives it back
 * (mz_pool_release) before taking the GIL back. No PyObject is touched
 * while the GIL is released, and no thread ever waits for the pool's mutex
 * while holding the GIL, so the two locks cannot deadlock. Replies are
 * converted to Python objects after the GIL is back, then freed with
 * freeReplyObject.
 *
 * The object holds no PyObjects (url and prefix are kept as bytes), so the
 * type is not GC-tracked.
 */
#include "mzpy.h"

#include "mzpy_redis.h"

#include <stdlib.h>

#include "mz_pool.h"
#include "mz_redis.h"
#include "mzpy_convert.h"
#include "mzpy_table.h"

#define MZ_REDIS_DEFAULT_TTL 86400.0
/* More connections than a process's threads can keep busy: with the GIL,
 * few threads run Python at once and a Redis round trip is a small part of
 * a request; 8 per process keeps a fleet far below Redis's 10,000-client
 * limit, and connections open only when concurrent operations need them. */
#define MZ_REDIS_DEFAULT_POOL_SIZE 8
#define MZ_REDIS_DEFAULT_COOLDOWN 1.0

typedef struct {
    PyObject_HEAD
    mz_pool *pool; /* owned; thread-safe (its own mutex) */
    char *url;     /* owned UTF-8 copy of the url argument */
    size_t url_len;
    double default_ttl;
    mz_state *state; /* BORROWED, lives as long as the type's module */
} MzRedisCacheObject;

/* The physical key (prefix + key) of `key` (BORROWED str) as a malloc'ed
 * copy the caller frees. Returns 0, or -1 with TypeError or MemoryError. */
static int
physical_key(MzRedisCacheObject *self,
             PyObject *key,
             char **out,
             size_t *outlen)
{
    mzpy_key k;
    mz_error err;
    mz_status status;

    if (mzpy_table_key(key, &k) < 0) {
        return -1;
    }
    status =
        mz_redis_key(mz_pool_target(self->pool), k.s, k.n, out, outlen, &err);
    mzpy_table_key_release(&k);
    if (status != MZ_OK) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

/* A STRING or NIL reply (BORROWED) as NEW bytes or a NEW None. */
static PyObject *
reply_value(const redisReply *reply)
{
    if (reply->type == REDIS_REPLY_NIL) {
        Py_RETURN_NONE;
    }
    return PyBytes_FromStringAndSize(reply->str, (Py_ssize_t)reply->len);
}

/* ------------------------------------------------------------------ */
/* Type slots                                                           */
/* ------------------------------------------------------------------ */

/* A float or int argument as a double in *out (NaN for any other type, so
 * the caller's range check refuses it). Returns 0, or -1 with an
 * exception (an int too large for a double). */
static int
number_arg(PyObject *obj, double *out)
{
    if (PyFloat_CheckExact(obj)) {
        *out = PyFloat_AS_DOUBLE(obj);
    } else if (PyLong_CheckExact(obj)) {
        *out = PyLong_AsDouble(obj);
        if (*out == -1.0 && PyErr_Occurred()) {
            return -1;
        }
    } else {
        *out = Py_NAN;
    }
    return 0;
}

/* The pool_size argument (BORROWED) in *out. Returns 0, or -1 with
 * ValueError (not an int from 1 to MZ_POOL_MAX_SIZE). */
static int
pool_size_arg(PyObject *obj, size_t *out)
{
    int overflow = 0;
    long n = 0;

    if (PyLong_CheckExact(obj)) {
        n = PyLong_AsLongAndOverflow(obj, &overflow);
        if (n == -1 && PyErr_Occurred()) {
            return -1;
        }
    }
    if (overflow != 0 || n < 1 || n > MZ_POOL_MAX_SIZE) {
        PyErr_Format(PyExc_ValueError,
                     "pool_size must be an integer from 1 to %d",
                     MZ_POOL_MAX_SIZE);
        return -1;
    }
    *out = (size_t)n;
    return 0;
}

static PyObject *
redis_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"url",
                             "prefix",
                             "default_ttl",
                             "socket_timeout",
                             "pool_size",
                             "failure_cooldown",
                             NULL};
    PyObject *url = NULL;
    PyObject *prefix = NULL;
    PyObject *default_ttl = NULL;
    PyObject *socket_timeout = NULL;
    PyObject *pool_size = NULL;
    PyObject *failure_cooldown = NULL;
    MzRedisCacheObject *self = NULL;
    mz_redis_config config;
    mzpy_key pk = {"mizan:", 6, NULL};
    const char *url_s;
    Py_ssize_t url_n;
    double ttl = MZ_REDIS_DEFAULT_TTL;
    double timeout = 1.0;
    size_t size = MZ_REDIS_DEFAULT_POOL_SIZE;
    double cooldown = MZ_REDIS_DEFAULT_COOLDOWN;
    mz_state *state;
    mz_error err;

    memset(&config, 0, sizeof(config));
    mz_error_clear(&err);
    if (!PyArg_ParseTupleAndKeywords(args,
                                     kwargs,
                                     "O|OOOOO:RedisCache",
                                     kwlist,
                                     &url,
                                     &prefix,
                                     &default_ttl,
                                     &socket_timeout,
                                     &pool_size,
                                     &failure_cooldown)) {
        goto error;
    }
    state = mzpy_state_by_type(type);
    if (state == NULL) {
        goto error;
    }
    if (!PyUnicode_CheckExact(url)) {
        PyErr_SetString(PyExc_TypeError, "url must be str");
        goto error;
    }
    url_s = PyUnicode_AsUTF8AndSize(url, &url_n);
    if (url_s == NULL) {
        goto error;
    }
    if (mz_redis_parse_url(url_s, (size_t)url_n, &config, &err) != MZ_OK) {
        mzpy_convert_raise(state, &err);
        goto error;
    }
    if (prefix != NULL) {
        if (!PyUnicode_CheckExact(prefix)) {
            PyErr_SetString(PyExc_TypeError, "prefix must be str");
            goto error;
        }
        if (mzpy_table_key(prefix, &pk) < 0) {
            goto error;
        }
    }
    if (default_ttl != NULL &&
        mzpy_table_ttl(default_ttl, MZ_REDIS_DEFAULT_TTL, &ttl) < 0) {
        goto error;
    }
    if (socket_timeout != NULL) {
        if (number_arg(socket_timeout, &timeout) < 0) {
            goto error;
        }
        if (!(timeout > 0.0)) {
            PyErr_SetString(PyExc_ValueError,
                            "socket_timeout must be a positive number of "
                            "seconds");
            goto error;
        }
    }
    if (pool_size != NULL && pool_size_arg(pool_size, &size) < 0) {
        goto error;
    }
    if (failure_cooldown != NULL) {
        if (number_arg(failure_cooldown, &cooldown) < 0) {
            goto error;
        }
        if (!(cooldown >= 0.0)) {
            PyErr_SetString(PyExc_ValueError,
                            "failure_cooldown must be a non-negative number "
                            "of seconds");
            goto error;
        }
    }
    self = (MzRedisCacheObject *)type->tp_alloc(type, 0);
    if (self == NULL) {
        goto error;
    }
    self->state = state;
    self->default_ttl = ttl;
    self->url = malloc((size_t)url_n + 1);
    if (self->url == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    memcpy(self->url, url_s, (size_t)url_n + 1);
    self->url_len = (size_t)url_n;
    self->pool = mz_pool_new(&config, pk.s, pk.n, timeout, size, cooldown);
    if (self->pool == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    mzpy_table_key_release(&pk);
    return (PyObject *)self;

error:
    mz_redis_config_clear(&config);
    mzpy_table_key_release(&pk);
    Py_XDECREF(self);
    return NULL;
}

static void
redis_dealloc(MzRedisCacheObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);

    /* No other thread can be inside a method: each holds a reference. */
    mz_pool_free(self->pool);
    self->pool = NULL;
    free(self->url);
    self->url = NULL;
    tp->tp_free((PyObject *)self);
    Py_DECREF(tp);
}

static PyObject *
redis_get_url(MzRedisCacheObject *self, void *closure)
{
    (void)closure;
    return PyUnicode_DecodeUTF8(self->url, (Py_ssize_t)self->url_len, NULL);
}

static PyObject *
redis_get_prefix(MzRedisCacheObject *self, void *closure)
{
    const mz_redis_target *target = mz_pool_target(self->pool);

    (void)closure;
    return PyUnicode_DecodeUTF8(
        target->prefix, (Py_ssize_t)target->prefix_len, "surrogatepass");
}

static PyObject *
redis_get_default_ttl(MzRedisCacheObject *self, void *closure)
{
    (void)closure;
    return PyFloat_FromDouble(self->default_ttl);
}

static PyObject *
redis_get_socket_timeout(MzRedisCacheObject *self, void *closure)
{
    (void)closure;
    return PyFloat_FromDouble(mz_pool_target(self->pool)->timeout);
}

static PyObject *
redis_get_pool_size(MzRedisCacheObject *self, void *closure)
{
    (void)closure;
    return PyLong_FromSize_t(mz_pool_size(self->pool));
}

static PyObject *
redis_get_failure_cooldown(MzRedisCacheObject *self, void *closure)
{
    (void)closure;
    return PyFloat_FromDouble(mz_pool_cooldown(self->pool));
}

static PyObject *
redis_repr(MzRedisCacheObject *self)
{
    const mz_redis_config *config = &mz_pool_target(self->pool)->config;
    PyObject *prefix = NULL;
    PyObject *result = NULL;

    /* The password never appears: host, port and db only. */
    prefix = redis_get_prefix(self, NULL);
    if (prefix != NULL) {
        result = PyUnicode_FromFormat("<RedisCache %s:%d/%d prefix=%R>",
                                      config->host,
                                      config->port,
                                      config->db,
                                      prefix);
        Py_DECREF(prefix);
    }
    return result;
}

/* ------------------------------------------------------------------ */
/* Methods                                                              */
/* ------------------------------------------------------------------ */

PyDoc_STRVAR(redis_get_doc,
             "get($self, key, /)\n--\n\n"
             "The value, or None when absent or expired.");

static PyObject *
redis_get(MzRedisCacheObject *self, PyObject *key)
{
    PyObject *result = NULL;
    redisReply *reply = NULL;
    char *pkey = NULL;
    size_t plen = 0;
    mz_redis *conn = NULL;
    mz_status status;
    mz_error err;

    mz_error_clear(&err);
    if (physical_key(self, key, &pkey, &plen) < 0) {
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    status = mz_pool_acquire(self->pool, "get", &conn, &err);
    if (status == MZ_OK) {
        status = mz_redis_get(conn, pkey, plen, &reply, &err);
        mz_pool_release(self->pool, conn);
    }
    Py_END_ALLOW_THREADS
    if (status != MZ_OK) {
        mzpy_convert_raise(self->state, &err);
        goto done;
    }
    result = reply_value(reply);

done:
    free(pkey);
    if (reply != NULL) {
        freeReplyObject(reply);
    }
    return result;
}

PyDoc_STRVAR(redis_get_many_doc,
             "get_many($self, keys, /)\n--\n\n"
             "get for each key, in order, in one MGET round trip.");

static PyObject *
redis_get_many(MzRedisCacheObject *self, PyObject *keys)
{
    PyObject *checked = NULL;
    PyObject *result = NULL;
    redisReply *reply = NULL;
    char **pkeys = NULL;
    size_t *lens = NULL;
    PyObject *const *items;
    Py_ssize_t n = 0;
    Py_ssize_t i;
    mz_redis *conn = NULL;
    mz_status status;
    mz_error err;

    mz_error_clear(&err);
    checked = PySequence_Tuple(keys);
    if (checked == NULL) {
        goto done;
    }
    n = PyTuple_GET_SIZE(checked);
    items = PySequence_Fast_ITEMS(checked);
    for (i = 0; i < n; i++) {
        if (!PyUnicode_CheckExact(items[i])) {
            PyErr_SetString(PyExc_TypeError, "cache keys must be str");
            goto done;
        }
    }
    if (n <= 0) {
        result = PyList_New(0);
        goto done;
    }
    pkeys = calloc((size_t)n, sizeof(*pkeys));
    lens = calloc((size_t)n, sizeof(*lens));
    if (pkeys == NULL || lens == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (i = 0; i < n; i++) {
        if (physical_key(self, items[i], &pkeys[i], &lens[i]) < 0) {
            goto done;
        }
    }
    Py_BEGIN_ALLOW_THREADS
    status = mz_pool_acquire(self->pool, "get_many", &conn, &err);
    if (status == MZ_OK) {
        status = mz_redis_get_many(
            conn, (size_t)n, (const char *const *)pkeys, lens, &reply, &err);
        mz_pool_release(self->pool, conn);
    }
    Py_END_ALLOW_THREADS
    if (status != MZ_OK) {
        mzpy_convert_raise(self->state, &err);
        goto done;
    }
    result = PyList_New(n);
    for (i = 0; result != NULL && i < n; i++) {
        PyObject *value = reply_value(reply->element[i]);

        if (value == NULL) {
            Py_CLEAR(result);
        } else {
            PyList_SET_ITEM(result, i, value);
        }
    }

done:
    for (i = 0; pkeys != NULL && i < n; i++) {
        free(pkeys[i]);
    }
    free(pkeys);
    free(lens);
    if (reply != NULL) {
        freeReplyObject(reply);
    }
    Py_XDECREF(checked);
    return result;
}

PyDoc_STRVAR(redis_set_doc,
             "set($self, key, value, /, ttl=None)\n--\n\n"
             "Store value (any bytes-like object) for ttl seconds\n"
             "(default: default_ttl), with SET key value PX ms.");

static PyObject *
redis_set(MzRedisCacheObject *self,
          PyObject *const *args,
          Py_ssize_t nargs,
          PyObject *kwnames)
{
    PyObject *view = NULL;
    PyObject *copy = NULL;
    PyObject *result = NULL;
    PyObject *ttl_obj;
    const char *data;
    char *pkey = NULL;
    size_t plen = 0;
    size_t len;
    double ttl;
    long long ms;
    mz_redis *conn = NULL;
    mz_status status;
    mz_error err;

    mz_error_clear(&err);
    if (mzpy_table_set_args(args, nargs, kwnames, &ttl_obj) < 0 ||
        physical_key(self, args[0], &pkey, &plen) < 0) {
        goto done;
    }
    if (mzpy_table_value(args[1], &view, &copy, &data, &len) < 0) {
        goto done;
    }
    if (mzpy_table_ttl(ttl_obj, self->default_ttl, &ttl) < 0) {
        goto done;
    }
    ms = mz_redis_ttl_ms(ttl);
    /* `data` stays valid: the memoryview (or copy) holds the buffer. */
    Py_BEGIN_ALLOW_THREADS
    status = mz_pool_acquire(self->pool, "set", &conn, &err);
    if (status == MZ_OK) {
        status = mz_redis_set(conn, pkey, plen, data, len, ms, &err);
        mz_pool_release(self->pool, conn);
    }
    Py_END_ALLOW_THREADS
    if (status != MZ_OK) {
        mzpy_convert_raise(self->state, &err);
        goto done;
    }
    result = Py_NewRef(Py_None);

done:
    free(pkey);
    Py_XDECREF(copy);
    Py_XDECREF(view);
    return result;
}

PyDoc_STRVAR(redis_delete_doc,
             "delete($self, key, /)\n--\n\n"
             "True when a live entry was removed (UNLINK).");

static PyObject *
redis_delete(MzRedisCacheObject *self, PyObject *key)
{
    PyObject *result = NULL;
    char *pkey = NULL;
    size_t plen = 0;
    bool existed = false;
    mz_redis *conn = NULL;
    mz_status status;
    mz_error err;

    mz_error_clear(&err);
    if (physical_key(self, key, &pkey, &plen) < 0) {
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    status = mz_pool_acquire(self->pool, "delete", &conn, &err);
    if (status == MZ_OK) {
        status = mz_redis_delete(conn, pkey, plen, &existed, &err);
        mz_pool_release(self->pool, conn);
    }
    Py_END_ALLOW_THREADS
    if (status != MZ_OK) {
        mzpy_convert_raise(self->state, &err);
        goto done;
    }
    result = PyBool_FromLong(existed);

done:
    free(pkey);
    return result;
}

/* SCAN + UNLINK of prefix + `sub` (sublen bytes, a malloc'ed copy or a
 * literal) for method `op`: the NEW int count, or NULL with CacheError. */
static PyObject *
delete_prefix(MzRedisCacheObject *self,
              const char *op,
              const char *sub,
              size_t sublen)
{
    uint64_t removed = 0;
    mz_redis *conn = NULL;
    mz_status status;
    mz_error err;

    mz_error_clear(&err);
    Py_BEGIN_ALLOW_THREADS
    status = mz_pool_acquire(self->pool, op, &conn, &err);
    if (status == MZ_OK) {
        status = mz_redis_delete_prefix(conn, op, sub, sublen, &removed, &err);
        mz_pool_release(self->pool, conn);
    }
    Py_END_ALLOW_THREADS
    if (status != MZ_OK) {
        return mzpy_convert_raise(self->state, &err);
    }
    return PyLong_FromUnsignedLongLong((unsigned long long)removed);
}

PyDoc_STRVAR(redis_delete_by_prefix_doc,
             "delete_by_prefix($self, prefix, /)\n--\n\n"
             "Remove every entry whose key starts with prefix (SCAN MATCH\n"
             "with glob characters escaped, UNLINK per batch); the count.");

static PyObject *
redis_delete_by_prefix(MzRedisCacheObject *self, PyObject *prefix)
{
    PyObject *result = NULL;
    char *sub = NULL;
    mzpy_key k;

    if (mzpy_table_key(prefix, &k) < 0) {
        return NULL;
    }
    sub = malloc(k.n + 1);
    if (sub == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    memcpy(sub, k.s, k.n);
    result = delete_prefix(self, "delete_by_prefix", sub, k.n);

done:
    free(sub);
    mzpy_table_key_release(&k);
    return result;
}

PyDoc_STRVAR(redis_clear_doc,
             "clear($self, /)\n--\n\n"
             "Remove every entry under this cache's prefix (keys of other\n"
             "prefixes survive).");

static PyObject *
redis_clear(MzRedisCacheObject *self, PyObject *unused)
{
    PyObject *count;

    (void)unused;
    count = delete_prefix(self, "clear", "", 0);
    if (count == NULL) {
        return NULL;
    }
    Py_DECREF(count);
    Py_RETURN_NONE;
}

PyDoc_STRVAR(
    redis_incr_doc,
    "incr($self, key, ttl, /)\n--\n\n"
    "Atomically add 1 to the integer at key (absent: 0), refresh its\n"
    "TTL and return the new value (MULTI, INCR, PEXPIRE, EXEC in one\n"
    "round trip). Raises ValueError for a stored value that is not\n"
    "an integer, an overflow or a bad ttl.");

static PyObject *
redis_incr(MzRedisCacheObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *result = NULL;
    char *pkey = NULL;
    size_t plen = 0;
    long long value = 0;
    long long ms;
    double ttl;
    mz_redis *conn = NULL;
    mz_status status;
    mz_error err;

    mz_error_clear(&err);
    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError,
                     "incr() takes 2 positional arguments but %zd %s given",
                     nargs,
                     nargs == 1 ? "was" : "were");
        goto done;
    }
    if (physical_key(self, args[0], &pkey, &plen) < 0 ||
        mzpy_table_ttl(args[1], self->default_ttl, &ttl) < 0) {
        goto done;
    }
    ms = mz_redis_ttl_ms(ttl);
    Py_BEGIN_ALLOW_THREADS
    status = mz_pool_acquire(self->pool, "incr", &conn, &err);
    if (status == MZ_OK) {
        status = mz_redis_incr(conn, pkey, plen, ms, &value, &err);
        mz_pool_release(self->pool, conn);
    }
    Py_END_ALLOW_THREADS
    if (status != MZ_OK) {
        mzpy_convert_raise(self->state, &err);
        goto done;
    }
    result = PyLong_FromLongLong(value);

done:
    free(pkey);
    return result;
}

PyDoc_STRVAR(redis_close_doc,
             "close($self, /)\n--\n\n"
             "Close the pool's connections (idle ones now, busy ones when\n"
             "their operation ends); the next calls open new ones.");

/* mz_pool_close without the GIL: the pool's mutex is a C lock, never waited
 * for with the GIL held. */
static void
close_pool(mz_pool *pool)
{
    Py_BEGIN_ALLOW_THREADS
    mz_pool_close(pool);
    Py_END_ALLOW_THREADS
}

static PyObject *
redis_close(MzRedisCacheObject *self, PyObject *unused)
{
    (void)unused;
    close_pool(self->pool);
    Py_RETURN_NONE;
}

static PyMethodDef redis_methods[] = {
    {"get", (PyCFunction)redis_get, METH_O, redis_get_doc},
    {"get_many", (PyCFunction)redis_get_many, METH_O, redis_get_many_doc},
    {"set",
     (PyCFunction)(void (*)(void))redis_set,
     METH_FASTCALL | METH_KEYWORDS,
     redis_set_doc},
    {"delete", (PyCFunction)redis_delete, METH_O, redis_delete_doc},
    {"delete_by_prefix",
     (PyCFunction)redis_delete_by_prefix,
     METH_O,
     redis_delete_by_prefix_doc},
    {"clear", (PyCFunction)redis_clear, METH_NOARGS, redis_clear_doc},
    {"incr",
     (PyCFunction)(void (*)(void))redis_incr,
     METH_FASTCALL,
     redis_incr_doc},
    {"close", (PyCFunction)redis_close, METH_NOARGS, redis_close_doc},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef redis_getset[] = {
    {"url", (getter)redis_get_url, NULL, "The URL given.", NULL},
    {"prefix",
     (getter)redis_get_prefix,
     NULL,
     "The namespace prepended to every key.",
     NULL},
    {"default_ttl",
     (getter)redis_get_default_ttl,
     NULL,
     "Seconds an entry lives when set gets no ttl.",
     NULL},
    {"socket_timeout",
     (getter)redis_get_socket_timeout,
     NULL,
     "Seconds allowed for connecting, for each reply and for a free\n"
     "connection.",
     NULL},
    {"pool_size",
     (getter)redis_get_pool_size,
     NULL,
     "How many connections the pool may open.",
     NULL},
    {"failure_cooldown",
     (getter)redis_get_failure_cooldown,
     NULL,
     "Seconds operations fail fast after an I/O failure (0: never).",
     NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyDoc_STRVAR(redis_doc,
             "RedisCache(url, prefix='mizan:', default_ttl=86400.0, "
             "socket_timeout=1.0, pool_size=8, failure_cooldown=1.0)\n--\n\n"
             "The origin-cache backend over Redis (CBE-3), through hiredis;\n"
             "safe to share between threads: a pool of pool_size\n"
             "connections, and a circuit breaker that fails operations fast\n"
             "for failure_cooldown seconds after an I/O failure.");

static PyType_Slot redis_slots[] = {
    {Py_tp_new, redis_new},
    {Py_tp_dealloc, redis_dealloc},
    {Py_tp_repr, redis_repr},
    {Py_tp_methods, redis_methods},
    {Py_tp_getset, redis_getset},
    {Py_tp_doc, (void *)redis_doc},
    {0, NULL},
};

PyType_Spec mzpy_redis_cache_spec = {
    .name = "mizan._speedups.RedisCache",
    .basicsize = sizeof(MzRedisCacheObject),
    .itemsize = 0,
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = redis_slots,
};
