/* mz_json.c - request bodies through jansson, with the ERR-8 limits. */
#include "mz_base.h"

#include "mz_json.h"

void
mz_json_depth_scan_init(mz_json_depth_scan *scan, const char *buf, size_t len)
{
    scan->buf = buf;
    scan->len = len;
    scan->pos = 0;
    scan->depth = 0;
}

bool
mz_json_depth_scan_next(mz_json_depth_scan *scan)
{
    const char *buf = scan->buf;
    size_t len = scan->len;
    size_t pos = scan->pos;

    while (pos < len) {
        char c = buf[pos++];

        switch (c) {
            case '"':
                /* A string runs to the next unescaped quote or to the end.
                 * `"` and `\` never occur inside a multi-byte UTF-8
                 * sequence, so scanning bytes is exact. */
                while (pos < len) {
                    c = buf[pos++];
                    if (c == '\\') {
                        if (pos < len) {
                            pos++;
                        }
                    } else if (c == '"') {
                        break;
                    }
                }
                break;
            case '[':
            case '{':
                scan->depth++;
                scan->pos = pos;
                return true;
            case ']':
            case '}':
                scan->depth--;
                break;
            default:
                break;
        }
    }
    scan->pos = pos;
    return false;
}

bool
mz_json_too_deep(const char *buf, size_t len, int64_t max_depth)
{
    mz_json_depth_scan scan;

    mz_json_depth_scan_init(&scan, buf, len);
    while (mz_json_depth_scan_next(&scan)) {
        if (scan.depth > max_depth) {
            return true;
        }
    }
    return false;
}

static mz_status
map_jansson_error(const json_error_t *jerr, mz_error *err)
{
    mz_code code = MZ_E_MALFORMED;

    if (json_error_code(jerr) == json_error_out_of_memory) {
        code = MZ_E_NOMEM;
    }
    err->offset = (int64_t)jerr->position;
    err->line = jerr->line;
    err->column = jerr->column;
    return mz_error_set(err, code, jerr->text);
}

mz_status
mz_json_parse(const char *buf,
              size_t len,
              const mz_json_limits *limits,
              json_t **out,
              mz_error *err)
{
    json_error_t jerr;
    json_t *root = NULL;

    *out = NULL;
    mz_error_clear(err);
    if (limits->has_max_size &&
        (limits->max_size < 0 || (uint64_t)len > (uint64_t)limits->max_size)) {
        return mz_error_set(err, MZ_E_TOO_LARGE, MZ_REASON_TOO_LARGE);
    }
    if (mz_json_too_deep(buf,
                         len,
                         limits->max_depth < MZ_JSON_MAX_DEPTH
                             ? limits->max_depth
                             : MZ_JSON_MAX_DEPTH)) {
        return mz_error_set(err, MZ_E_TOO_DEEP, MZ_REASON_TOO_DEEP);
    }
    if (buf == NULL) {
        /* jansson refuses a NULL buffer outright; an empty body is simply
         * not JSON. */
        return mz_error_set(err, MZ_E_MALFORMED, MZ_REASON_MALFORMED);
    }
    /* A raw NUL byte is never valid JSON (a control character inside a
     * string, no token outside), but jansson 2.14's lexer silently drops one
     * that directly follows a number or keyword ("[1\0]" parses as [1]):
     * refuse it before jansson sees it. */
    if (memchr(buf, '\0', len) != NULL) {
        return mz_error_set(err, MZ_E_MALFORMED, MZ_REASON_MALFORMED);
    }
    root = json_loadb(buf, len, MZ_JSON_FLAGS, &jerr);
    if (root == NULL) {
        return map_jansson_error(&jerr, err);
    }
    *out = root;
    return MZ_OK;
}

mz_status
mz_json_parse_call(const char *buf,
                   size_t len,
                   const mz_json_limits *limits,
                   json_t **root,
                   json_t **fn,
                   json_t **args,
                   mz_error *err)
{
    json_t *body = NULL;
    json_t *name = NULL;
    json_t *params = NULL;

    *root = NULL;
    *fn = NULL;
    *args = NULL;
    if (mz_json_parse(buf, len, limits, &body, err) != MZ_OK) {
        return MZ_ERROR;
    }
    if (!json_is_object(body)) {
        mz_error_set(err, MZ_E_NOT_OBJECT, MZ_REASON_NOT_OBJECT);
        goto error;
    }
    name = json_object_get(body, "fn");
    if (name == NULL || !json_is_string(name) ||
        json_string_length(name) == 0) {
        mz_error_set(err, MZ_E_BAD_FN, MZ_REASON_BAD_FN);
        goto error;
    }
    params = json_object_get(body, "args");
    if (params != NULL && json_is_null(params)) {
        params = NULL;
    }
    if (params != NULL && !json_is_object(params)) {
        mz_error_set(err, MZ_E_BAD_ARGS, MZ_REASON_BAD_ARGS);
        goto error;
    }
    *root = body;
    *fn = name;
    *args = params;
    return MZ_OK;

error:
    json_decref(body);
    return MZ_ERROR;
}
