/* mzpy_api.c - METH_FASTCALL wrappers of the exported functions: parse the
 * arguments, call the core, convert, clean up at one label.
 *
 * Signatures are positional-only and equal to the twins' (the parity test
 * compares inspect.signature); wrong argument counts raise the TypeError
 * texts a Python function with the same signature raises.
 */
#include "mzpy.h"

#include "mzpy_api.h"

#include "mz_json.h"
#include "mzpy_cachekey.h"
#include "mzpy_csrf.h"
#include "mzpy_convert.h"
#include "mzpy_invalidate.h"
#include "mzpy_jsonw.h"
#include "mzpy_kdl.h"
#include "mzpy_mwt.h"
#include "mzpy_spec.h"
#include "mzpy_validate.h"
#include "mzpy_xmi.h"

/* ------------------------------------------------------------------ */
/* Arguments                                                            */
/* ------------------------------------------------------------------ */

/* Check that exactly `n` positional arguments were given. The messages are
 * those of a Python function `name(a, b, /)`. Returns 0 or -1. */
static int
check_nargs(const char *name,
            Py_ssize_t nargs,
            Py_ssize_t n,
            const char *const *params)
{
    PyObject *missing = NULL;
    Py_ssize_t first;
    Py_ssize_t count;
    Py_ssize_t i;

    if (nargs == n) {
        return 0;
    }
    if (nargs > n) {
        PyErr_Format(PyExc_TypeError,
                     "%s() takes %zd positional argument%s but %zd %s given",
                     name,
                     n,
                     n == 1 ? "" : "s",
                     nargs,
                     nargs == 1 ? "was" : "were");
        return -1;
    }
    /* "missing 2 required positional arguments: 'a' and 'b'", with the
     * Oxford comma from three names on, as CPython words it. */
    first = nargs;
    count = n - nargs;
    missing = PyUnicode_FromFormat("'%s'", params[first]);
    for (i = first + 1; missing != NULL && i < n; i++) {
        const char *sep = i < n - 1 ? ", " : (count > 2 ? ", and " : " and ");

        Py_SETREF(missing,
                  PyUnicode_FromFormat("%U%s'%s'", missing, sep, params[i]));
    }
    if (missing != NULL) {
        PyErr_Format(PyExc_TypeError,
                     "%s() missing %zd required positional argument%s: %U",
                     name,
                     count,
                     count == 1 ? "" : "s",
                     missing);
        Py_DECREF(missing);
    }
    return -1;
}

/* ParseError(reason) when `too_far` is 1; passes -1 through. */
static int
limit_result(mz_state *state, int too_far, const char *reason)
{
    if (too_far > 0) {
        mzpy_convert_raise_text(state->ParseError, reason);
    }
    return too_far == 0 ? 0 : -1;
}

/* `len(data) > max_size` for a max_size that is not an int (the twin's
 * comparison, so odd types raise its TypeError). */
static int
check_size_generic(mz_state *state, size_t len, PyObject *max_size)
{
    PyObject *size = PyLong_FromSize_t(len);
    int bigger;

    if (size == NULL) {
        return -1;
    }
    bigger = PyObject_RichCompareBool(size, max_size, Py_GT);
    Py_DECREF(size);
    return limit_result(state, bigger, MZ_REASON_TOO_LARGE);
}

/* `depth > max_depth` at every opening bracket of the prescan, for a
 * max_depth that is not an int. */
static int
check_depth_generic(mz_state *state,
                    const mzpy_bytes *body,
                    PyObject *max_depth)
{
    mz_json_depth_scan scan;
    int deeper = 0;

    mz_json_depth_scan_init(&scan, body->data, body->len);
    while (deeper == 0 && mz_json_depth_scan_next(&scan)) {
        PyObject *depth = PyLong_FromLongLong(scan.depth);

        if (depth == NULL) {
            return -1;
        }
        deeper = PyObject_RichCompareBool(depth, max_depth, Py_GT);
        Py_DECREF(depth);
    }
    return limit_result(state, deeper, MZ_REASON_TOO_DEEP);
}

/* An int limit clamped to int64 (-1 with an exception if not an int). */
static int
int_limit(PyObject *obj, int64_t *out)
{
    int overflow = 0;
    long long value = PyLong_AsLongLongAndOverflow(obj, &overflow);

    if (value == -1 && PyErr_Occurred()) {
        return -1;
    }
    *out = overflow > 0 ? INT64_MAX : overflow < 0 ? INT64_MIN : value;
    return 0;
}

/* Turn max_size and max_depth into core limits. The core takes int limits;
 * other types are compared here the way the twin compares them, size
 * first, then depth. Returns 0, or -1 with an exception (ParseError
 * included). */
static int
parse_limits(mz_state *state,
             const mzpy_bytes *body,
             PyObject *max_size,
             PyObject *max_depth,
             mz_json_limits *limits)
{
    limits->has_max_size = false;
    limits->max_size = 0;
    limits->max_depth = INT64_MAX;
    if (max_size != Py_None) {
        if (!PyLong_Check(max_size)) {
            if (check_size_generic(state, body->len, max_size) < 0) {
                return -1;
            }
        } else if (int_limit(max_size, &limits->max_size) < 0) {
            return -1;
        } else {
            limits->has_max_size = true;
        }
    }
    if (PyLong_Check(max_depth)) {
        return int_limit(max_depth, &limits->max_depth);
    }
    if (limits->has_max_size &&
        (limits->max_size < 0 ||
         (uint64_t)body->len > (uint64_t)limits->max_size)) {
        return limit_result(state, 1, MZ_REASON_TOO_LARGE);
    }
    return check_depth_generic(state, body, max_depth);
}

/* ------------------------------------------------------------------ */
/* parse_json, parse_call                                               */
/* ------------------------------------------------------------------ */

static const char *const parse_params[] = {"data", "max_size", "max_depth"};

PyDoc_STRVAR(parse_json_doc,
             "parse_json($module, data, max_size, max_depth, /)\n--\n\n"
             "Parse a request body under the limits of ERR-8.\n\n"
             "Raises ParseError: size, then depth, then anything the strict\n"
             "grammar refuses (invalid UTF-8, NaN/Infinity, integers outside\n"
             "int64, float overflow, duplicate keys, lone surrogate escapes,\n"
             "NUL in object keys, trailing data).");

static PyObject *
api_parse_json(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    mz_state *state = mzpy_state(module);
    mzpy_bytes body;
    mz_json_limits limits;
    mz_error err;
    json_t *root = NULL;
    PyObject *result = NULL;

    if (check_nargs("parse_json", nargs, 3, parse_params) < 0 ||
        mzpy_convert_bytes(args[0], &body) < 0) {
        return NULL;
    }
    if (parse_limits(state, &body, args[1], args[2], &limits) < 0) {
        goto done;
    }
    if (mz_json_parse(body.data, body.len, &limits, &root, &err) != MZ_OK) {
        mzpy_convert_raise(state, &err);
        goto done;
    }
    result = mzpy_convert_from_json(root);

done:
    json_decref(root);
    mzpy_convert_release(&body);
    return result;
}

PyDoc_STRVAR(
    parse_call_doc,
    "parse_call($module, data, max_size, max_depth, /)\n--\n\n"
    "Parse a /call/ body into (fn, args) (RPC-1).\n\n"
    "args absent or null becomes {}; other top-level keys are\n"
    "ignored. Raises ParseError as parse_json, or when the body is\n"
    "not an object, fn is not a non-empty string, or args is neither\n"
    "an object nor null.");

static PyObject *
api_parse_call(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    mz_state *state = mzpy_state(module);
    mzpy_bytes body;
    mz_json_limits limits;
    mz_error err;
    json_t *root = NULL;
    json_t *fn = NULL;
    json_t *params = NULL;
    PyObject *name = NULL;
    PyObject *kwargs = NULL;
    PyObject *result = NULL;

    if (check_nargs("parse_call", nargs, 3, parse_params) < 0 ||
        mzpy_convert_bytes(args[0], &body) < 0) {
        return NULL;
    }
    if (parse_limits(state, &body, args[1], args[2], &limits) < 0) {
        goto done;
    }
    if (mz_json_parse_call(
            body.data, body.len, &limits, &root, &fn, &params, &err) !=
        MZ_OK) {
        mzpy_convert_raise(state, &err);
        goto done;
    }
    name = mzpy_convert_from_json(fn);
    if (name == NULL) {
        goto done;
    }
    kwargs = params == NULL ? PyDict_New() : mzpy_convert_from_json(params);
    if (kwargs == NULL) {
        goto done;
    }
    result = PyTuple_Pack(2, name, kwargs);

done:
    json_decref(root);
    mzpy_convert_release(&body);
    Py_XDECREF(name);
    Py_XDECREF(kwargs);
    return result;
}

/* ------------------------------------------------------------------ */
/* encode_json                                                          */
/* ------------------------------------------------------------------ */

static const char *const encode_params[] = {"obj", "default"};

PyDoc_STRVAR(
    encode_json_doc,
    "encode_json($module, obj, default, /)\n--\n\n"
    "Encode obj as canonical JSON bytes (JSON-1).\n\n"
    "Keys sorted by code point, separators ',' ':', non-ASCII\n"
    "literal, only '\"', '\\\\' and control characters escaped.\n"
    "default (or None) is called once for any other object.\n"
    "Raises EncodeError: NaN/Infinity, a key that is not str or int,\n"
    "two keys with the same text, a lone surrogate, nesting deeper\n"
    "than 512, or an unsupported object.");

static PyObject *
api_encode_json(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("encode_json", nargs, 2, encode_params) < 0) {
        return NULL;
    }
    return mzpy_jsonw_encode(mzpy_state(module), args[0], args[1]);
}

/* ------------------------------------------------------------------ */
/* register_json_model                                                  */
/* ------------------------------------------------------------------ */

static const char *const register_json_model_params[] = {"cls",
                                                         "plan",
                                                         "default"};

PyDoc_STRVAR(
    register_json_model_doc,
    "register_json_model($module, cls, plan, default, /)\n--\n\n"
    "Let encode_json write instances of exactly cls from their fields.\n\n"
    "plan is a tuple of (field name, kind) pairs in code point order of\n"
    "the names; it applies only when encode_json's default is default\n"
    "(pydantic_core.to_jsonable_python), and an instance that does not\n"
    "match it still goes through default.\n"
    "Raises TypeError: cls is not a class, plan is malformed, or\n"
    "default is not callable.");

static PyObject *
api_register_json_model(PyObject *module,
                        PyObject *const *args,
                        Py_ssize_t nargs)
{
    if (check_nargs(
            "register_json_model", nargs, 3, register_json_model_params) < 0 ||
        mzpy_jsonw_register(mzpy_state(module), args[0], args[1], args[2]) <
            0) {
        return NULL;
    }
    return Py_NewRef(Py_None);
}

/* ------------------------------------------------------------------ */
/* write_kdl                                                            */
/* ------------------------------------------------------------------ */

static const char *const write_kdl_params[] = {"sections"};

PyDoc_STRVAR(
    write_kdl_doc,
    "write_kdl($module, sections, /)\n--\n\n"
    "Canonical KDL 2.0 bytes of sections (IR.md section 2).\n\n"
    "sections is a list or tuple of sections, each a list or tuple of\n"
    "nodes (name, args, props, children, inline); non-empty sections\n"
    "are separated by one empty line.\n"
    "Raises IRBuildError: a malformed node, an invalid identifier, a\n"
    "lone surrogate, an unsupported value, or nesting deeper than 128\n"
    "levels.");

static PyObject *
api_write_kdl(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("write_kdl", nargs, 1, write_kdl_params) < 0) {
        return NULL;
    }
    return mzpy_kdl_write(mzpy_state(module), args[0]);
}

/* ------------------------------------------------------------------ */
/* compile_params, validate_args                                        */
/* ------------------------------------------------------------------ */

static const char *const compile_params_params[] = {"params"};

PyDoc_STRVAR(compile_params_doc,
             "compile_params($module, params, /)\n--\n\n"
             "Check and freeze a parameter list into a ParamSpec.\n\n"
             "Each entry is (name, node, default_kind, default); see\n"
             "mizan.core._py.validate for the node forms. Raises ValueError\n"
             "for a malformed entry or node, a duplicate name, an unknown\n"
             "default kind, or a factory default that is not callable.");

static PyObject *
api_compile_params(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("compile_params", nargs, 1, compile_params_params) < 0) {
        return NULL;
    }
    return mzpy_spec_compile(mzpy_state(module), args[0]);
}

static const char *const validate_args_params[] = {"spec", "args"};

PyDoc_STRVAR(
    validate_args_doc,
    "validate_args($module, spec, args, /)\n--\n\n"
    "Validate call arguments against spec.\n\n"
    "Returns (kwargs, supplied): validated values for every\n"
    "parameter (defaults filled in) and the names the caller\n"
    "supplied, in parameter order. Raises ValidationError with every\n"
    "failure, or TypeError when spec is not a ParamSpec or args is\n"
    "not a dict.");

static PyObject *
api_validate_args(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("validate_args", nargs, 2, validate_args_params) < 0) {
        return NULL;
    }
    return mzpy_validate_args(mzpy_state(module), args[0], args[1]);
}

/* ------------------------------------------------------------------ */
/* Invalidation (INV, MRG-4/5, NORM-1, XMI)                             */
/* ------------------------------------------------------------------ */

static const char *const compile_invalidation_params[] = {"targets", "merges"};

PyDoc_STRVAR(compile_invalidation_doc,
             "compile_invalidation($module, targets, merges, /)\n--\n\n"
             "Check and freeze the targets of one mutation.\n\n"
             "targets: (context, function or None, params) tuples; merges:\n"
             "(context, slot, params) tuples; params is a tuple of str.\n"
             "Raises ValueError for a malformed entry.");

static PyObject *
api_compile_invalidation(PyObject *module,
                         PyObject *const *args,
                         Py_ssize_t nargs)
{
    if (check_nargs(
            "compile_invalidation", nargs, 2, compile_invalidation_params) <
        0) {
        return NULL;
    }
    return mzpy_inv_compile(mzpy_state(module), args[0], args[1]);
}

static const char *const resolve_invalidation_params[] = {"plan",
                                                          "arguments",
                                                          "supplied",
                                                          "value",
                                                          "default"};

PyDoc_STRVAR(resolve_invalidation_doc,
             "resolve_invalidation($module, plan, arguments, supplied, value, "
             "default, /)\n--\n\n"
             "The invalidate and merge lists for one successful call\n"
             "(INV-2..8, MRG-4/5).\n\n"
             "Only names in supplied scope a target; values go through\n"
             "default unless None or an exact str/int/float/bool. An entry\n"
             "identical (as canonical JSON) to an earlier one is dropped.\n"
             "Returns (invalidate, merge).");

static PyObject *
api_resolve_invalidation(PyObject *module,
                         PyObject *const *args,
                         Py_ssize_t nargs)
{
    if (check_nargs(
            "resolve_invalidation", nargs, 5, resolve_invalidation_params) <
        0) {
        return NULL;
    }
    return mzpy_inv_resolve(
        mzpy_state(module), args[0], args[1], args[2], args[3], args[4]);
}

static const char *const normalize_value_params[] = {"value", "default"};

PyDoc_STRVAR(normalize_value_doc,
             "normalize_value($module, value, default, /)\n--\n\n"
             "NORM-1: the text of a parameter value.\n\n"
             "str as is; True/False/None as true/false/null; int in decimal;\n"
             "an integral float below 2**53 as the integer, any other float\n"
             "as its repr; lists, tuples and dicts as canonical JSON; any\n"
             "other object through default once. Raises EncodeError.");

static PyObject *
api_normalize_value(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("normalize_value", nargs, 2, normalize_value_params) < 0) {
        return NULL;
    }
    return mzpy_xmi_normalize(mzpy_state(module), args[0], args[1]);
}

static const char *const format_header_params[] = {"entries"};

PyDoc_STRVAR(format_invalidate_header_doc,
             "format_invalidate_header($module, entries, /)\n--\n\n"
             "The X-Mizan-Invalidate value for an invalidate list\n"
             "(XMI-1..3, XMI-6), or None for no entries.\n\n"
             "Pairs sorted by key; keys and NORM-1 values percent-encoded\n"
             "outside the RFC 3986 unreserved set; a function entry renders\n"
             "as its context; duplicates dropped after rendering. Raises\n"
             "TypeError for an entry of the wrong shape, EncodeError.");

static PyObject *
api_format_invalidate_header(PyObject *module,
                             PyObject *const *args,
                             Py_ssize_t nargs)
{
    if (check_nargs(
            "format_invalidate_header", nargs, 1, format_header_params) < 0) {
        return NULL;
    }
    return mzpy_xmi_format(mzpy_state(module), args[0]);
}

static const char *const parse_header_params[] = {"header"};

PyDoc_STRVAR(parse_invalidate_header_doc,
             "parse_invalidate_header($module, header, /)\n--\n\n"
             "Parse an X-Mizan-Invalidate value (XMI-4).\n\n"
             "Returns context names (broad) and {'context', 'params'} dicts\n"
             "(scoped). A part without '=', an invalid escape or a value\n"
             "that is not UTF-8 makes its entry broad; later duplicate keys\n"
             "win.");

static PyObject *
api_parse_invalidate_header(PyObject *module,
                            PyObject *const *args,
                            Py_ssize_t nargs)
{
    if (check_nargs("parse_invalidate_header", nargs, 1, parse_header_params) <
        0) {
        return NULL;
    }
    return mzpy_xmi_parse(mzpy_state(module), args[0]);
}

static const char *const cache_key_message_params[] = {"context",
                                                       "params",
                                                       "user_id",
                                                       "rev"};

PyDoc_STRVAR(cache_key_message_doc,
             "cache_key_message($module, context, params, user_id, rev, /)\n"
             "--\n\n"
             "CKEY-2: the canonical JSON message of an origin-cache key,\n"
             "{\"c\", \"p\": {name: NORM-1 text}, \"r\", \"u\"?}; u is left\n"
             "out when user_id is None. Raises TypeError, EncodeError.");

static PyObject *
api_cache_key_message(PyObject *module,
                      PyObject *const *args,
                      Py_ssize_t nargs)
{
    if (check_nargs("cache_key_message", nargs, 4, cache_key_message_params) <
        0) {
        return NULL;
    }
    return mzpy_ckey_message(
        mzpy_state(module), args[0], args[1], args[2], args[3]);
}

static const char *const derive_cache_key_params[] = {"secret",
                                                      "context",
                                                      "params",
                                                      "user_id",
                                                      "rev"};

PyDoc_STRVAR(
    derive_cache_key_doc,
    "derive_cache_key($module, secret, context, params, user_id, rev, /)\n"
    "--\n\n"
    "CKEY-3: ctx:<context>:<hex HMAC-SHA256(secret, message)>, the HMAC\n"
    "computed by libcrypto (the twin: hmac.digest). Raises TypeError,\n"
    "EncodeError.");

static PyObject *
api_derive_cache_key(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("derive_cache_key", nargs, 5, derive_cache_key_params) <
        0) {
        return NULL;
    }
    return mzpy_ckey_derive(
        mzpy_state(module), args[0], args[1], args[2], args[3], args[4]);
}

static const char *const generation_key_params[] = {"secret",
                                                    "context",
                                                    "name",
                                                    "value"};

PyDoc_STRVAR(generation_key_doc,
             "generation_key($module, secret, context, name, value, /)\n"
             "--\n\n"
             "CPUR-4: the scope generation key of one (name, value) of a\n"
             "context, gen:<context>:<hex HMAC(secret, {c, k, v})>.\n"
             "Raises TypeError, EncodeError.");

static PyObject *
api_generation_key(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("generation_key", nargs, 4, generation_key_params) < 0) {
        return NULL;
    }
    return mzpy_ckey_generation(
        mzpy_state(module), args[0], args[1], args[2], args[3]);
}

static const char *const csrf_check_params[] = {"middleware",
                                                "settings",
                                                "request"};

PyDoc_STRVAR(csrf_check_doc,
             "csrf_check($module, middleware, settings, request, /)\n"
             "--\n\n"
             "Django's CsrfViewMiddleware decision (process_request, then\n"
             "process_view) for `request`: (0, secret) accept, with the\n"
             "cookie secret process_request stores; (1, reason) reject, with\n"
             "Django's reason; (2, None) not modelled in C: run Django's own\n"
             "path (the twin defers every request).");

static PyObject *
api_csrf_check(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("csrf_check", nargs, 3, csrf_check_params) < 0) {
        return NULL;
    }
    return mzpy_csrf_check(mzpy_state(module), args[0], args[1], args[2]);
}

static const char *const verify_mwt_claims_params[] =
    {"token", "secret", "kid", "previous", "audience", "leeway"};

PyDoc_STRVAR(
    verify_mwt_claims_doc,
    "verify_mwt_claims($module, token, secret, kid, previous, audience, "
    "leeway, /)\n"
    "--\n\n"
    "MWT-4: the claims of an HS256 MWT read strictly and verified with\n"
    "libcrypto (the twin: PyJWT). Raises InvalidToken.");

static PyObject *
api_verify_mwt_claims(PyObject *module,
                      PyObject *const *args,
                      Py_ssize_t nargs)
{
    if (check_nargs("verify_mwt_claims", nargs, 6, verify_mwt_claims_params) <
        0) {
        return NULL;
    }
    return mzpy_mwt_verify(mzpy_state(module),
                           args[0],
                           args[1],
                           args[2],
                           args[3],
                           args[4],
                           args[5]);
}

PyMethodDef mzpy_api_methods[] = {
    {"cache_key_message",
     (PyCFunction)(void (*)(void))api_cache_key_message,
     METH_FASTCALL,
     cache_key_message_doc},
    {"compile_invalidation",
     (PyCFunction)(void (*)(void))api_compile_invalidation,
     METH_FASTCALL,
     compile_invalidation_doc},
    {"compile_params",
     (PyCFunction)(void (*)(void))api_compile_params,
     METH_FASTCALL,
     compile_params_doc},
    {"csrf_check",
     (PyCFunction)(void (*)(void))api_csrf_check,
     METH_FASTCALL,
     csrf_check_doc},
    {"derive_cache_key",
     (PyCFunction)(void (*)(void))api_derive_cache_key,
     METH_FASTCALL,
     derive_cache_key_doc},
    {"encode_json",
     (PyCFunction)(void (*)(void))api_encode_json,
     METH_FASTCALL,
     encode_json_doc},
    {"format_invalidate_header",
     (PyCFunction)(void (*)(void))api_format_invalidate_header,
     METH_FASTCALL,
     format_invalidate_header_doc},
    {"generation_key",
     (PyCFunction)(void (*)(void))api_generation_key,
     METH_FASTCALL,
     generation_key_doc},
    {"normalize_value",
     (PyCFunction)(void (*)(void))api_normalize_value,
     METH_FASTCALL,
     normalize_value_doc},
    {"parse_call",
     (PyCFunction)(void (*)(void))api_parse_call,
     METH_FASTCALL,
     parse_call_doc},
    {"parse_invalidate_header",
     (PyCFunction)(void (*)(void))api_parse_invalidate_header,
     METH_FASTCALL,
     parse_invalidate_header_doc},
    {"parse_json",
     (PyCFunction)(void (*)(void))api_parse_json,
     METH_FASTCALL,
     parse_json_doc},
    {"register_json_model",
     (PyCFunction)(void (*)(void))api_register_json_model,
     METH_FASTCALL,
     register_json_model_doc},
    {"resolve_invalidation",
     (PyCFunction)(void (*)(void))api_resolve_invalidation,
     METH_FASTCALL,
     resolve_invalidation_doc},
    {"validate_args",
     (PyCFunction)(void (*)(void))api_validate_args,
     METH_FASTCALL,
     validate_args_doc},
    {"verify_mwt_claims",
     (PyCFunction)(void (*)(void))api_verify_mwt_claims,
     METH_FASTCALL,
     verify_mwt_claims_doc},
    {"write_kdl",
     (PyCFunction)(void (*)(void))api_write_kdl,
     METH_FASTCALL,
     write_kdl_doc},
    {NULL, NULL, 0, NULL},
};
