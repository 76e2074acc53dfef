/* mzpy_csrf.c - csrf_check(middleware, settings, request): the decision of
 * django.middleware.csrf.CsrfViewMiddleware.process_request + process_view
 * for an unsafe request, read from the request and the live settings.
 *
 * The answer is (ACCEPT, secret), (REJECT, reason) or (DEFER, None). ACCEPT
 * carries the unmasked cookie secret process_request stores in
 * META["CSRF_COOKIE"]; REJECT carries the reason Django's _reject logs.
 * DEFER means: run Django's own path. It is the answer for everything this
 * file does not model: CSRF_USE_SESSIONS, a form POST (the token may be in
 * the body), non-ASCII text anywhere it is read, URLs urlsplit would strip
 * or validate, a request already marked done or exempt from enforcement,
 * safe methods, and settings of unexpected types. The middleware's own
 * cached trusted-origin lists are read, so the answer follows the instance
 * Django's path would use. */
#include "mzpy.h"

#include "mzpy_csrf.h"

#include "mz_csrf.h"

/* A step's answer: go on, or stop with a verdict (or -1 with an error). */
#define MZ_CSRF_GO 0
#define MZ_CSRF_STOP 1

/* The names read on every request: indexes into mz_state.csrf_names, built
 * from csrf_name_text by mzpy_csrf_names. */
enum csrf_name {
    NAME_PROCESSING_DONE,
    NAME_METHOD,
    NAME_DONT_ENFORCE,
    NAME_USE_SESSIONS,
    NAME_META,
    NAME_PROXY_SSL_HEADER,
    NAME_GET_SCHEME,
    NAME_HTTP_ORIGIN,
    NAME_COOKIES,
    NAME_COOKIE_NAME,
    NAME_POST,
    NAME_CONTENT_TYPE,
    NAME_HEADER_NAME,
    NAME_WRAPPED,
    NAME_COUNT
};

static const char *const csrf_name_text[NAME_COUNT] = {
    "csrf_processing_done",
    "method",
    "_dont_enforce_csrf_checks",
    "CSRF_USE_SESSIONS",
    "META",
    "SECURE_PROXY_SSL_HEADER",
    "_get_scheme",
    "HTTP_ORIGIN",
    "COOKIES",
    "CSRF_COOKIE_NAME",
    "_post",
    "content_type",
    "CSRF_HEADER_NAME",
    "_wrapped",
};

PyObject *
mzpy_csrf_names(void)
{
    PyObject *names = PyTuple_New(NAME_COUNT);
    Py_ssize_t i;

    for (i = 0; names != NULL && i < NAME_COUNT; i++) {
        PyObject *name = PyUnicode_InternFromString(csrf_name_text[i]);
        if (name == NULL) {
            Py_CLEAR(names);
            break;
        }
        PyTuple_SET_ITEM(names, i, name);
    }
    return names;
}

/* The request being decided and what has been read of it. */
typedef struct csrf_ctx {
    PyObject *names;      /* BORROWED: mz_state.csrf_names */
    PyObject *middleware; /* BORROWED */
    PyObject *settings;   /* NEW: where the settings' values live */
    PyObject *cached;     /* NEW: LazySettings' own cache (a dict), or NULL */
    PyObject *request;    /* BORROWED */
    PyObject *meta;       /* NEW: request.META */
    bool secure;
    int host_state; /* 0 not read, 1 valid, 2 DisallowedHost */
    PyObject *host; /* NEW: get_host() when host_state == 1 */
    int verdict;
    PyObject *payload; /* NEW: the secret or the reason, or NULL */
} csrf_ctx;

/* The interned name `i` (BORROWED). */
static inline PyObject *
name_of(const csrf_ctx *ctx, enum csrf_name i)
{
    return PyTuple_GET_ITEM(ctx->names, i);
}

/* `o` as ASCII bytes: true, or false when it is not an ASCII str. */
static bool
ascii_of(PyObject *o, const char **s, size_t *n)
{
    if (o == NULL || !PyUnicode_Check(o) || !PyUnicode_IS_ASCII(o)) {
        return false;
    }
    *s = (const char *)PyUnicode_DATA(o);
    *n = (size_t)PyUnicode_GET_LENGTH(o);
    return true;
}

static int
stop(csrf_ctx *ctx, int verdict, PyObject *payload)
{
    ctx->verdict = verdict;
    ctx->payload = payload;
    return (verdict != MZ_CSRF_VERDICT_DEFER && payload == NULL)
               ? -1
               : MZ_CSRF_STOP;
}

static int
defer(csrf_ctx *ctx)
{
    return stop(ctx, MZ_CSRF_VERDICT_DEFER, NULL);
}

static int
reject(csrf_ctx *ctx, const char *reason)
{
    return stop(ctx, MZ_CSRF_VERDICT_REJECT, PyUnicode_FromString(reason));
}

/* getattr(obj, name, None) without raising AttributeError: 1 with a NEW
 * *out, 0 when absent, -1 on another error. */
static int
lookup_name(PyObject *obj, PyObject *name, PyObject **out)
{
#if PY_VERSION_HEX >= 0x030D0000
    return PyObject_GetOptionalAttr(obj, name, out);
#else
    return _PyObject_LookupAttr(obj, name, out);
#endif
}

/* bool(getattr(obj, name, False)): 1/0, -1 on error. */
static int
flag_attr(PyObject *obj, PyObject *name)
{
    PyObject *value = NULL;
    int truth;

    if (lookup_name(obj, name, &value) <= 0) {
        return value == NULL && PyErr_Occurred() ? -1 : 0;
    }
    truth = PyObject_IsTrue(value);
    Py_DECREF(value);
    return truth;
}

/* Where `settings` keeps its values. django.conf.settings is a LazySettings:
 * each attribute read runs LazyObject.__getattribute__ in Python (about 4k
 * instructions), which answers from the instance's own cache, else from the
 * `_wrapped` Settings (or override_settings' UserSettingsHolder). The same
 * two places are read here directly: ctx->cached is the cache and
 * ctx->settings the wrapped object. Any other object (or a LazySettings not
 * configured yet) is read with getattr. 0, or -1 on error. */
static int
resolve_settings(csrf_ctx *ctx, PyObject *settings)
{
    PyObject *dict = NULL, *wrapped;

    if (PyObject_HasAttr((PyObject *)Py_TYPE(settings),
                         name_of(ctx, NAME_WRAPPED))) {
        dict = PyObject_GenericGetDict(settings, NULL);
        if (dict == NULL) {
            return -1;
        }
        wrapped = PyDict_GetItemWithError(dict, name_of(ctx, NAME_WRAPPED));
        if (wrapped == NULL && PyErr_Occurred()) {
            Py_DECREF(dict);
            return -1;
        }
        /* Unconfigured, `_wrapped` is django.utils.functional.empty, a bare
         * object(). */
        if (PyDict_CheckExact(dict) && wrapped != NULL &&
            !Py_IS_TYPE(wrapped, &PyBaseObject_Type)) {
            ctx->cached = dict;
            ctx->settings = Py_NewRef(wrapped);
            return 0;
        }
        Py_DECREF(dict);
    }
    ctx->settings = Py_NewRef(settings);
    return 0;
}

/* settings.<name>: NEW, or NULL with an exception (AttributeError as
 * getattr would raise it). */
static PyObject *
get_setting(csrf_ctx *ctx, PyObject *name)
{
    if (ctx->cached != NULL) {
        PyObject *value = PyDict_GetItemWithError(ctx->cached, name);
        if (value != NULL) {
            return Py_NewRef(value);
        }
        if (PyErr_Occurred()) {
            return NULL;
        }
    }
    return PyObject_GetAttr(ctx->settings, name);
}

/* get_setting for a cold name. */
static PyObject *
get_setting_str(csrf_ctx *ctx, const char *text)
{
    PyObject *name = PyUnicode_InternFromString(text);
    PyObject *value;

    if (name == NULL) {
        return NULL;
    }
    value = get_setting(ctx, name);
    Py_DECREF(name);
    return value;
}

/* bool(settings.<name>): 1/0, -1 on error. */
static int
flag_name(csrf_ctx *ctx, PyObject *name)
{
    PyObject *value = get_setting(ctx, name);
    int truth;

    if (value == NULL) {
        return -1;
    }
    truth = PyObject_IsTrue(value);
    Py_DECREF(value);
    return truth;
}

/* flag_name for a cold name. */
static int
flag_setting(csrf_ctx *ctx, const char *text)
{
    PyObject *name = PyUnicode_InternFromString(text);
    int truth;

    if (name == NULL) {
        return -1;
    }
    truth = flag_name(ctx, name);
    Py_DECREF(name);
    return truth;
}

/* META.get(key): BORROWED or NULL (absent or error: check PyErr). */
static PyObject *
meta_get(csrf_ctx *ctx, PyObject *key)
{
    return PyDict_GetItemWithError(ctx->meta, key);
}

static PyObject *
meta_get_str(csrf_ctx *ctx, const char *key)
{
    PyObject *name = PyUnicode_FromString(key);
    PyObject *value;

    if (name == NULL) {
        return NULL;
    }
    value = meta_get(ctx, name);
    Py_DECREF(name);
    return value;
}

static bool
is_py_space(char c)
{
    return c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f);
}

/* request.is_secure(): HttpRequest.scheme with SECURE_PROXY_SSL_HEADER,
 * then the request's own _get_scheme (called: it is Django's). */
static int
read_secure(csrf_ctx *ctx)
{
    PyObject *proxy = NULL, *scheme = NULL, *value;
    const char *s, *w;
    size_t n, wn, a, b;
    int status = -1, truth;

    proxy = get_setting(ctx, name_of(ctx, NAME_PROXY_SSL_HEADER));
    if (proxy == NULL || (truth = PyObject_IsTrue(proxy)) < 0) {
        goto done;
    }
    if (truth) {
        if (!PyTuple_CheckExact(proxy) || PyTuple_GET_SIZE(proxy) != 2 ||
            !PyUnicode_CheckExact(PyTuple_GET_ITEM(proxy, 0)) ||
            !ascii_of(PyTuple_GET_ITEM(proxy, 1), &w, &wn)) {
            status = defer(ctx);
            goto done;
        }
        value = meta_get(ctx, PyTuple_GET_ITEM(proxy, 0));
        if (value == NULL && PyErr_Occurred()) {
            goto done;
        }
        if (value != NULL) {
            /* value.split(",", 1)[0].strip() == secure_value */
            if (!ascii_of(value, &s, &n)) {
                status = defer(ctx);
                goto done;
            }
            for (b = 0; b < n && s[b] != ','; b++) {
            }
            for (a = 0; a < b && is_py_space(s[a]); a++) {
            }
            while (b > a && is_py_space(s[b - 1])) {
                b--;
            }
            ctx->secure = (b - a == wn && memcmp(s + a, w, wn) == 0);
            status = MZ_CSRF_GO;
            goto done;
        }
    }
    scheme =
        PyObject_CallMethodNoArgs(ctx->request, name_of(ctx, NAME_GET_SCHEME));
    if (scheme == NULL) {
        goto done;
    }
    if (scheme == Py_None) {
        ctx->secure = false;
    } else if (ascii_of(scheme, &s, &n)) {
        ctx->secure = (n == 5 && memcmp(s, "https", 5) == 0);
    } else {
        status = defer(ctx);
        goto done;
    }
    status = MZ_CSRF_GO;
done:
    Py_XDECREF(proxy);
    Py_XDECREF(scheme);
    return status;
}

/* request.get_port(): a NEW ASCII str in *port, or MZ_CSRF_GO with *port NULL
 * when it is not one (the caller defers), -1 on error. */
static int
read_port(csrf_ctx *ctx, PyObject **port)
{
    PyObject *value = NULL;
    int fwd = flag_setting(ctx, "USE_X_FORWARDED_PORT");

    *port = NULL;
    if (fwd < 0) {
        return -1;
    }
    if (fwd) {
        value = meta_get_str(ctx, "HTTP_X_FORWARDED_PORT");
    }
    if (value == NULL && !PyErr_Occurred()) {
        value = meta_get_str(ctx, "SERVER_PORT");
    }
    if (value == NULL && PyErr_Occurred()) {
        return -1;
    }
    if (value != NULL && PyUnicode_CheckExact(value) &&
        PyUnicode_IS_ASCII(value)) {
        *port = Py_NewRef(value);
    }
    return MZ_CSRF_GO;
}

static const char *const debug_hosts[] = {".localhost", "127.0.0.1", "[::1]"};

/* Whether `domain` passes validate_host against ALLOWED_HOSTS (or DEBUG's
 * defaults): 1/0, 2 to defer, -1 on error. */
static int
host_allowed(csrf_ctx *ctx, const char *domain, size_t len)
{
    PyObject *hosts = NULL, *seq = NULL;
    Py_ssize_t i, count;
    int result = -1, truth, debug;

    hosts = get_setting_str(ctx, "ALLOWED_HOSTS");
    if (hosts == NULL || (truth = PyObject_IsTrue(hosts)) < 0) {
        goto done;
    }
    if (!truth) {
        if ((debug = flag_setting(ctx, "DEBUG")) < 0) {
            goto done;
        }
        result = 0;
        for (i = 0; debug && i < 3; i++) {
            const char *p = debug_hosts[i];
            if (mz_csrf_same_domain(domain, len, p, strlen(p))) {
                result = 1;
            }
        }
        goto done;
    }
    if (!PyList_CheckExact(hosts) && !PyTuple_CheckExact(hosts)) {
        result = 2;
        goto done;
    }
    seq = PySequence_Fast(hosts, "ALLOWED_HOSTS");
    if (seq == NULL) {
        goto done;
    }
    count = PySequence_Fast_GET_SIZE(seq);
    result = 0;
    for (i = 0; i < count; i++) {
        const char *p;
        size_t pn;

        if (!ascii_of(PySequence_Fast_GET_ITEM(seq, i), &p, &pn)) {
            result = 2;
            break;
        }
        if ((pn == 1 && p[0] == '*') ||
            mz_csrf_same_domain(domain, len, p, pn)) {
            result = 1;
            break;
        }
    }
done:
    Py_XDECREF(hosts);
    Py_XDECREF(seq);
    return result;
}

/* request.get_host() into ctx->host / host_state, read once. MZ_CSRF_GO,
 * MZ_CSRF_STOP (deferred), -1. */
static int
read_host(csrf_ctx *ctx)
{
    PyObject *raw = NULL, *port = NULL;
    char *domain = NULL;
    const char *s;
    size_t n, dn;
    int fwd, status = -1, allowed;

    if (ctx->host_state != 0) {
        return MZ_CSRF_GO;
    }
    if ((fwd = flag_setting(ctx, "USE_X_FORWARDED_HOST")) < 0) {
        return -1;
    }
    if (fwd) {
        raw = meta_get_str(ctx, "HTTP_X_FORWARDED_HOST");
    }
    if (raw == NULL && !PyErr_Occurred()) {
        raw = meta_get_str(ctx, "HTTP_HOST");
    }
    if (raw == NULL && PyErr_Occurred()) {
        return -1;
    }
    if (raw != NULL) {
        Py_INCREF(raw);
    } else {
        PyObject *name = meta_get_str(ctx, "SERVER_NAME");
        if (name == NULL) {
            return PyErr_Occurred() ? -1 : defer(ctx);
        }
        if (!PyUnicode_CheckExact(name) || read_port(ctx, &port) < 0) {
            return PyErr_Occurred() ? -1 : defer(ctx);
        }
        if (port == NULL) {
            return defer(ctx);
        }
        if (PyUnicode_CompareWithASCIIString(port,
                                             ctx->secure ? "443" : "80")) {
            raw = PyUnicode_FromFormat("%U:%U", name, port);
        } else {
            raw = Py_NewRef(name);
        }
        if (raw == NULL) {
            goto done;
        }
    }
    if (!ascii_of(raw, &s, &n)) {
        status = defer(ctx);
        goto done;
    }
    domain = PyMem_Malloc(n + 1);
    if (domain == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    mz_csrf_split_domain(s, n, domain, &dn);
    allowed = dn ? host_allowed(ctx, domain, dn) : 0;
    if (allowed < 0) {
        goto done;
    }
    if (allowed == 2) {
        status = defer(ctx);
        goto done;
    }
    ctx->host_state = allowed ? 1 : 2;
    if (allowed) {
        ctx->host = Py_NewRef(raw);
    }
    status = MZ_CSRF_GO;
done:
    PyMem_Free(domain);
    Py_XDECREF(raw);
    Py_XDECREF(port);
    return status;
}

/* _origin_verified: 1 verified, 0 not, MZ_CSRF_STOP+1 deferred, -1. */
static int
origin_verified(csrf_ctx *ctx, PyObject *origin, const char *o, size_t on)
{
    PyObject *exact = NULL, *subs = NULL, *scheme = NULL, *hosts;
    const char *h;
    size_t hn;
    mz_csrf_url url;
    Py_ssize_t i;
    int result = -1, status;

    if ((status = read_host(ctx)) != MZ_CSRF_GO) {
        return status < 0 ? -1 : 2;
    }
    if (ctx->host_state == 1 && ascii_of(ctx->host, &h, &hn)) {
        size_t sn = ctx->secure ? 8 : 7;
        if (on == sn + hn &&
            memcmp(o, ctx->secure ? "https://" : "http://", sn) == 0 &&
            memcmp(o + sn, h, hn) == 0) {
            return 1;
        }
    }
    exact = PyObject_GetAttrString(ctx->middleware, "allowed_origins_exact");
    if (exact == NULL || (result = PySequence_Contains(exact, origin)) != 0) {
        goto done;
    }
    subs =
        PyObject_GetAttrString(ctx->middleware, "allowed_origin_subdomains");
    if (subs == NULL) {
        result = -1;
        goto done;
    }
    if (!PyDict_Check(subs)) {
        result = 2;
        goto done;
    }
    if (PyDict_GET_SIZE(subs) == 0) {
        goto done; /* result is 0: .get(scheme, ()) finds nothing */
    }
    if (mz_csrf_urlsplit(o, on, &url) != MZ_OK) {
        result = 2;
        goto done;
    }
    scheme = PyUnicode_FromStringAndSize(o + url.scheme, url.scheme_len);
    if (scheme == NULL) {
        result = -1;
        goto done;
    }
    Py_SETREF(scheme, PyObject_CallMethod(scheme, "lower", NULL));
    if (scheme == NULL) {
        result = -1;
        goto done;
    }
    hosts = PyDict_GetItemWithError(subs, scheme);
    if (hosts == NULL) {
        result = PyErr_Occurred() ? -1 : 0;
        goto done;
    }
    if (!PyList_CheckExact(hosts)) {
        result = 2;
        goto done;
    }
    for (i = 0; i < PyList_GET_SIZE(hosts); i++) {
        if (!ascii_of(PyList_GET_ITEM(hosts, i), &h, &hn)) {
            result = 2;
            goto done;
        }
        if (mz_csrf_same_domain(o + url.netloc, url.netloc_len, h, hn)) {
            result = 1;
            goto done;
        }
    }
    result = 0;
done:
    Py_XDECREF(exact);
    Py_XDECREF(subs);
    Py_XDECREF(scheme);
    if (result == 2) {
        defer(ctx);
    }
    return result;
}

/* REASON_BAD_REFERER % referer.geturl() (the scheme is "https" here). */
static int
bad_referer(csrf_ctx *ctx, const char *r, const mz_csrf_url *u)
{
    /* "https://" netloc path ["?" query] ["#" fragment]: an empty query or
     * fragment loses its separator, as urlunsplit writes the URL. */
    size_t n =
        8 + u->netloc_len + u->path_len + u->query_len + u->fragment_len + 2;
    char *url = PyMem_Malloc(n + 1), *w;
    PyObject *reason;

    if (url == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    w = url;
    memcpy(w, "https://", 8);
    w += 8;
    memcpy(w, r + u->netloc, u->netloc_len);
    w += u->netloc_len;
    memcpy(w, r + u->path, u->path_len);
    w += u->path_len;
    if (u->query_len) {
        *w++ = '?';
        memcpy(w, r + u->query, u->query_len);
        w += u->query_len;
    }
    if (u->fragment_len) {
        *w++ = '#';
        memcpy(w, r + u->fragment, u->fragment_len);
        w += u->fragment_len;
    }
    *w = '\0';
    reason = PyUnicode_FromFormat(
        "Referer checking failed - %s does not match any trusted origins.",
        url);
    PyMem_Free(url);
    return stop(ctx, MZ_CSRF_VERDICT_REJECT, reason);
}

/* _check_referer: MZ_CSRF_GO when it passes, MZ_CSRF_STOP with a verdict, -1.
 */
static int
check_referer(csrf_ctx *ctx)
{
    PyObject *referer, *trusted = NULL, *domain = NULL, *port = NULL;
    const char *r, *h, *d;
    size_t rn, hn, dn;
    mz_csrf_url url;
    Py_ssize_t i;
    int status = -1;
    bool match;

    referer = meta_get_str(ctx, "HTTP_REFERER");
    if (referer == NULL) {
        return PyErr_Occurred()
                   ? -1
                   : reject(ctx, "Referer checking failed - no Referer.");
    }
    if (!ascii_of(referer, &r, &rn) ||
        mz_csrf_urlsplit(r, rn, &url) != MZ_OK) {
        return defer(ctx);
    }
    if (url.scheme_len == 0 || url.netloc_len == 0) {
        return reject(ctx, "Referer checking failed - Referer is malformed.");
    }
    if (!mz_csrf_scheme_is(r, &url, "https")) {
        return reject(ctx,
                      "Referer checking failed - Referer is insecure while "
                      "host is secure.");
    }
    trusted =
        PyObject_GetAttrString(ctx->middleware, "csrf_trusted_origins_hosts");
    if (trusted == NULL) {
        goto done;
    }
    if (!PyList_CheckExact(trusted)) {
        status = defer(ctx);
        goto done;
    }
    for (i = 0; i < PyList_GET_SIZE(trusted); i++) {
        if (!ascii_of(PyList_GET_ITEM(trusted, i), &h, &hn)) {
            status = defer(ctx);
            goto done;
        }
        if (mz_csrf_same_domain(r + url.netloc, url.netloc_len, h, hn)) {
            status = MZ_CSRF_GO;
            goto done;
        }
    }
    domain = get_setting_str(ctx, "CSRF_COOKIE_DOMAIN");
    if (domain == NULL) {
        goto done;
    }
    if (domain == Py_None) {
        if ((status = read_host(ctx)) != MZ_CSRF_GO) {
            goto done;
        }
        if (ctx->host_state != 1) {
            status = bad_referer(ctx, r, &url);
            goto done;
        }
        Py_SETREF(domain, Py_NewRef(ctx->host));
    } else {
        if (!PyUnicode_CheckExact(domain) || read_port(ctx, &port) < 0) {
            status = PyErr_Occurred() ? -1 : defer(ctx);
            goto done;
        }
        if (port == NULL) {
            status = defer(ctx);
            goto done;
        }
        if (PyUnicode_CompareWithASCIIString(port, "443") &&
            PyUnicode_CompareWithASCIIString(port, "80")) {
            Py_SETREF(domain, PyUnicode_FromFormat("%U:%U", domain, port));
            if (domain == NULL) {
                goto done;
            }
        }
    }
    if (!ascii_of(domain, &d, &dn)) {
        status = defer(ctx);
        goto done;
    }
    match = mz_csrf_same_domain(r + url.netloc, url.netloc_len, d, dn);
    status = match ? MZ_CSRF_GO : bad_referer(ctx, r, &url);
done:
    Py_XDECREF(trusted);
    Py_XDECREF(domain);
    Py_XDECREF(port);
    return status;
}

/* middleware._bad_token_message(reason, source): Django's own wording. */
static int
bad_token(csrf_ctx *ctx, const char *reason, PyObject *source)
{
    return stop(
        ctx,
        MZ_CSRF_VERDICT_REJECT,
        PyObject_CallMethod(
            ctx->middleware, "_bad_token_message", "sO", reason, source));
}

static const char *const format_reasons[] = {NULL,
                                             "has incorrect length",
                                             "has invalid characters"};

/* _check_token: MZ_CSRF_STOP with a verdict (ACCEPT carries the secret), -1.
 */
static int
check_token(csrf_ctx *ctx, PyObject *method)
{
    PyObject *cookies = NULL, *name = NULL, *header = NULL, *post = NULL;
    PyObject *ctype = NULL, *secret, *token;
    const char *s, *t;
    size_t sn, tn;
    mz_csrf_format format;
    char plain[MZ_CSRF_SECRET_LENGTH];
    int status = -1, found;

    cookies = PyObject_GetAttr(ctx->request, name_of(ctx, NAME_COOKIES));
    name = get_setting(ctx, name_of(ctx, NAME_COOKIE_NAME));
    if (cookies == NULL || name == NULL) {
        goto done;
    }
    if (!PyDict_Check(cookies)) {
        status = defer(ctx);
        goto done;
    }
    secret = PyDict_GetItemWithError(cookies, name);
    if (secret == NULL) {
        status = PyErr_Occurred() ? -1 : reject(ctx, "CSRF cookie not set.");
        goto done;
    }
    if (!ascii_of(secret, &s, &sn)) {
        status = defer(ctx);
        goto done;
    }
    format = mz_csrf_token_format(s, sn);
    if (format != MZ_CSRF_FORMAT_OK) {
        status = reject(ctx,
                        format == MZ_CSRF_FORMAT_LENGTH
                            ? "CSRF cookie has incorrect length."
                            : "CSRF cookie has invalid characters.");
        goto done;
    }
    if (sn == MZ_CSRF_TOKEN_LENGTH) {
        mz_csrf_unmask(s, plain);
        s = plain;
        sn = MZ_CSRF_SECRET_LENGTH;
    }
    if (PyUnicode_CompareWithASCIIString(method, "POST") == 0) {
        /* request.POST is empty unless a form body or an assigned one. */
        if ((found = lookup_name(
                 ctx->request, name_of(ctx, NAME_POST), &post)) != 0) {
            status = found < 0 ? -1 : defer(ctx);
            goto done;
        }
        ctype =
            PyObject_GetAttr(ctx->request, name_of(ctx, NAME_CONTENT_TYPE));
        if (ctype == NULL) {
            goto done;
        }
        if (!PyUnicode_CheckExact(ctype) ||
            !PyUnicode_CompareWithASCIIString(ctype, "multipart/form-data") ||
            !PyUnicode_CompareWithASCIIString(
                ctype, "application/x-www-form-urlencoded")) {
            status = defer(ctx);
            goto done;
        }
    }
    header = get_setting(ctx, name_of(ctx, NAME_HEADER_NAME));
    if (header == NULL) {
        goto done;
    }
    token = PyDict_GetItemWithError(ctx->meta, header);
    if (token == NULL) {
        status = PyErr_Occurred() ? -1 : reject(ctx, "CSRF token missing.");
        goto done;
    }
    if (!ascii_of(token, &t, &tn)) {
        status = defer(ctx);
        goto done;
    }
    format = mz_csrf_token_format(t, tn);
    if (format != MZ_CSRF_FORMAT_OK) {
        status = bad_token(ctx, format_reasons[format], header);
        goto done;
    }
    if (!mz_csrf_token_matches(t, tn, s, sn)) {
        status = bad_token(ctx, "incorrect", header);
        goto done;
    }
    status = stop(ctx,
                  MZ_CSRF_VERDICT_ACCEPT,
                  s == plain ? PyUnicode_FromStringAndSize(plain, sn)
                             : Py_NewRef(secret));
done:
    Py_XDECREF(cookies);
    Py_XDECREF(name);
    Py_XDECREF(header);
    Py_XDECREF(post);
    Py_XDECREF(ctype);
    return status;
}

static bool
is_safe_method(PyObject *method)
{
    return !PyUnicode_CompareWithASCIIString(method, "GET") ||
           !PyUnicode_CompareWithASCIIString(method, "HEAD") ||
           !PyUnicode_CompareWithASCIIString(method, "OPTIONS") ||
           !PyUnicode_CompareWithASCIIString(method, "TRACE");
}

/* process_view's table after process_request. MZ_CSRF_STOP or -1. */
static int
decide(csrf_ctx *ctx)
{
    PyObject *method = NULL, *origin;
    const char *o;
    size_t on;
    int status = -1, flag, verified;

    if ((flag = flag_attr(ctx->request, name_of(ctx, NAME_PROCESSING_DONE))) !=
        0) {
        return flag < 0 ? -1 : defer(ctx);
    }
    method = PyObject_GetAttr(ctx->request, name_of(ctx, NAME_METHOD));
    if (method == NULL) {
        return -1;
    }
    if (!PyUnicode_CheckExact(method) || is_safe_method(method)) {
        status = defer(ctx);
        goto done;
    }
    if ((flag = flag_attr(ctx->request, name_of(ctx, NAME_DONT_ENFORCE))) !=
            0 ||
        (flag = flag_name(ctx, name_of(ctx, NAME_USE_SESSIONS))) != 0) {
        status = flag < 0 ? -1 : defer(ctx);
        goto done;
    }
    ctx->meta = PyObject_GetAttr(ctx->request, name_of(ctx, NAME_META));
    if (ctx->meta == NULL) {
        goto done;
    }
    if (!PyDict_Check(ctx->meta)) {
        status = defer(ctx);
        goto done;
    }
    if ((status = read_secure(ctx)) != MZ_CSRF_GO) {
        goto done;
    }
    origin = meta_get(ctx, name_of(ctx, NAME_HTTP_ORIGIN));
    if (origin != NULL) {
        if (!ascii_of(origin, &o, &on)) {
            status = defer(ctx);
            goto done;
        }
        verified = origin_verified(ctx, origin, o, on);
        if (verified != 1) {
            status =
                verified < 0 ? -1
                : verified > 1
                    ? MZ_CSRF_STOP
                    : stop(ctx,
                           MZ_CSRF_VERDICT_REJECT,
                           PyUnicode_FromFormat("Origin checking failed - %U "
                                                "does not match any trusted "
                                                "origins.",
                                                origin));
            goto done;
        }
    } else if (PyErr_Occurred()) {
        goto done;
    } else if (ctx->secure && (status = check_referer(ctx)) != MZ_CSRF_GO) {
        goto done;
    }
    status = check_token(ctx, method);
done:
    Py_XDECREF(method);
    return status;
}

PyObject *
mzpy_csrf_check(mz_state *state,
                PyObject *middleware,
                PyObject *settings,
                PyObject *request)
{
    csrf_ctx ctx = {
        NULL, NULL, NULL, NULL, NULL, NULL, false, 0, NULL, 0, NULL};
    PyObject *result = NULL;

    ctx.names = state->csrf_names;
    ctx.middleware = middleware;
    ctx.request = request;
    if (resolve_settings(&ctx, settings) < 0 || decide(&ctx) < 0) {
        goto done;
    }
    result = Py_BuildValue(
        "(iO)", ctx.verdict, ctx.payload ? ctx.payload : Py_None);
done:
    Py_XDECREF(ctx.settings);
    Py_XDECREF(ctx.cached);
    Py_XDECREF(ctx.meta);
    Py_XDECREF(ctx.host);
    Py_XDECREF(ctx.payload);
    return result;
}
