/* mz_redis.c - one Redis connection over hiredis: URL parsing, lazy connect
 * with timeouts, reconnect after errors, reply-type checks, SCAN + UNLINK
 * prefix deletes and the MULTI/EXEC increment. Every reply is freed with
 * freeReplyObject on every path. The pool of connections and the circuit
 * breaker are mz_pool.c. */
#define _POSIX_C_SOURCE 200809L /* struct timeval, strnlen */

#include "mz_base.h"

#include "mz_redis.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>

#define MZ_REDIS_URL_FORM            \
    "RedisCache URL must look like " \
    "redis://[[user]:password@]host[:port][/db]"
#define MZ_REDIS_SCAN_COUNT "500"
#define MZ_REDIS_CURSOR_SIZE 32

/* ------------------------------------------------------------------ */
/* URL                                                                  */
/* ------------------------------------------------------------------ */

static char *
copy_bytes(const char *s, size_t n)
{
    char *out = malloc(n + 1);

    if (out != NULL) {
        memcpy(out, s, n);
        out[n] = '\0';
    }
    return out;
}

static int
hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* urllib.parse.unquote_to_bytes: %XX decoded, any other % kept. A NEW
 * malloc'ed string (NUL-terminated) with its length in *outlen. */
static char *
unquote(const char *s, size_t n, size_t *outlen)
{
    char *out = malloc(n + 1);
    size_t i = 0;
    size_t j = 0;

    if (out == NULL) {
        return NULL;
    }
    while (i < n) {
        if (s[i] == '%' && i + 2 < n && hex_value(s[i + 1]) >= 0 &&
            hex_value(s[i + 2]) >= 0) {
            out[j++] = (char)(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
            i += 3;
        } else {
            out[j++] = s[i++];
        }
    }
    out[j] = '\0';
    *outlen = j;
    return out;
}

/* 1 to `most` ASCII digits: their value in *out. */
static bool
ascii_digits(const char *s, size_t n, size_t most, long *out)
{
    long value = 0;
    size_t i;

    if (n == 0 || n > most) {
        return false;
    }
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        value = value * 10 + (s[i] - '0');
    }
    *out = value;
    return true;
}

static const char *
find_last(const char *s, size_t n, char c)
{
    size_t i = n;

    while (i > 0) {
        i--;
        if (s[i] == c) {
            return s + i;
        }
    }
    return NULL;
}

void
mz_redis_config_clear(mz_redis_config *config)
{
    free(config->host);
    free(config->user);
    free(config->password);
    memset(config, 0, sizeof(*config));
}

mz_status
mz_redis_parse_url(const char *url,
                   size_t n,
                   mz_redis_config *out,
                   mz_error *err)
{
    static const char scheme[] = "redis://";
    const size_t slen = sizeof(scheme) - 1;
    const char *rest;
    const char *slash;
    const char *at;
    const char *hostport;
    const char *host;
    const char *port_text = NULL;
    size_t alen;
    size_t hplen;
    size_t hlen;
    size_t port_len = 0;
    long number;

    memset(out, 0, sizeof(*out));
    out->port = MZ_REDIS_DEFAULT_PORT;
    if (memchr(url, '\0', n) != NULL || n < slen ||
        memcmp(url, scheme, slen) != 0) {
        return mz_error_set(err, MZ_E_VALUE, MZ_REDIS_URL_FORM);
    }
    rest = url + slen;
    n -= slen;
    slash = memchr(rest, '/', n);
    alen = slash == NULL ? n : (size_t)(slash - rest);
    if (slash != NULL && alen + 1 < n) {
        if (!ascii_digits(slash + 1, n - alen - 1, 9, &number)) {
            return mz_error_set(
                err, MZ_E_VALUE, "invalid db in RedisCache URL");
        }
        out->db = (int)number;
    }
    at = find_last(rest, alen, '@');
    hostport = rest;
    hplen = alen;
    if (at != NULL) {
        size_t ulen = (size_t)(at - rest);
        const char *colon = memchr(rest, ':', ulen);

        if (colon == NULL) {
            return mz_error_set(err, MZ_E_VALUE, MZ_REDIS_URL_FORM);
        }
        if (colon > rest) {
            out->user = unquote(rest, (size_t)(colon - rest), &out->user_len);
            if (out->user == NULL) {
                goto error;
            }
            if (out->user_len == 0) {
                free(out->user);
                out->user = NULL;
            }
        }
        out->password = unquote(
            colon + 1, ulen - (size_t)(colon + 1 - rest), &out->password_len);
        if (out->password == NULL) {
            goto error;
        }
        hostport = at + 1;
        hplen = alen - ulen - 1;
    }
    if (hplen > 0 && hostport[0] == '[') {
        const char *close = memchr(hostport + 1, ']', hplen - 1);
        size_t tail;

        if (close == NULL) {
            mz_redis_config_clear(out);
            return mz_error_set(err, MZ_E_VALUE, MZ_REDIS_URL_FORM);
        }
        host = hostport + 1;
        hlen = (size_t)(close - host);
        tail = hplen - hlen - 2;
        if (tail > 0) {
            if (close[1] != ':') {
                mz_redis_config_clear(out);
                return mz_error_set(err, MZ_E_VALUE, MZ_REDIS_URL_FORM);
            }
            port_text = close + 2;
            port_len = tail - 1;
        }
    } else {
        const char *colon = find_last(hostport, hplen, ':');

        host = hostport;
        hlen = hplen;
        if (colon != NULL) {
            hlen = (size_t)(colon - hostport);
            port_text = colon + 1;
            port_len = hplen - hlen - 1;
        }
    }
    if (hlen == 0) {
        mz_redis_config_clear(out);
        return mz_error_set(err, MZ_E_VALUE, "missing host in RedisCache URL");
    }
    if (port_text != NULL) {
        if (!ascii_digits(port_text, port_len, 5, &number) || number == 0 ||
            number > 65535) {
            mz_redis_config_clear(out);
            return mz_error_set(
                err, MZ_E_VALUE, "invalid port in RedisCache URL");
        }
        out->port = (int)number;
    }
    out->host = copy_bytes(host, hlen);
    if (out->host == NULL) {
        goto error;
    }
    return MZ_OK;

error:
    mz_redis_config_clear(out);
    return mz_error_set(err, MZ_E_NOMEM, "out of memory");
}

/* ------------------------------------------------------------------ */
/* Lifetime                                                             */
/* ------------------------------------------------------------------ */

mz_status
mz_redis_target_init(mz_redis_target *t,
                     mz_redis_config *config,
                     const char *prefix,
                     size_t plen,
                     double timeout,
                     mz_error *err)
{
    memset(t, 0, sizeof(*t));
    t->config = *config;
    memset(config, 0, sizeof(*config));
    t->prefix = copy_bytes(prefix, plen);
    if (t->prefix == NULL) {
        mz_redis_target_clear(t);
        return mz_error_set(err, MZ_E_NOMEM, "out of memory");
    }
    t->prefix_len = plen;
    t->timeout =
        timeout > MZ_REDIS_MAX_TIMEOUT ? MZ_REDIS_MAX_TIMEOUT : timeout;
    return MZ_OK;
}

void
mz_redis_target_clear(mz_redis_target *t)
{
    mz_redis_config_clear(&t->config);
    free(t->prefix);
    memset(t, 0, sizeof(*t));
}

void
mz_redis_close(mz_redis *r)
{
    if (r->ctx != NULL) {
        redisFree(r->ctx);
        r->ctx = NULL;
    }
}

mz_status
mz_redis_key(const mz_redis_target *t,
             const char *key,
             size_t klen,
             char **out,
             size_t *outlen,
             mz_error *err)
{
    char *buf = malloc(t->prefix_len + klen + 1);

    if (buf == NULL) {
        return mz_error_set(err, MZ_E_NOMEM, "out of memory");
    }
    memcpy(buf, t->prefix, t->prefix_len);
    memcpy(buf + t->prefix_len, key, klen);
    buf[t->prefix_len + klen] = '\0';
    *out = buf;
    *outlen = t->prefix_len + klen;
    return MZ_OK;
}

long long
mz_redis_ttl_ms(double seconds)
{
    double ms = seconds * 1000.0;

    if (!(ms < MZ_REDIS_MAX_TTL_MS)) {
        return (long long)MZ_REDIS_MAX_TTL_MS;
    }
    ms = ceil(ms);
    return ms < 1.0 ? 1 : (long long)ms;
}

/* ------------------------------------------------------------------ */
/* Errors                                                               */
/* ------------------------------------------------------------------ */

/* MZ_E_CACHE "RedisCache.<op>: <text>" (text of tlen bytes). */
static mz_status
cache_error(mz_error *err, const char *op, const char *text, size_t tlen)
{
    if (tlen > MZ_ERROR_MESSAGE_SIZE) {
        tlen = MZ_ERROR_MESSAGE_SIZE;
    }
    err->code = MZ_E_CACHE;
    snprintf(err->message,
             sizeof(err->message),
             "RedisCache.%s: %.*s",
             op,
             (int)tlen,
             text);
    return MZ_ERROR;
}

/* The failure of connection `c` as a CacheError cause; timeouts read
 * "timed out" (the twin's socket.timeout text). */
static mz_status
context_error(const redisContext *c, const char *op, mz_error *err)
{
    const char *text = c->errstr;

    if (c->err == 0 || text[0] == '\0') {
        text = "connection failed";
    } else if (strcmp(text, "Resource temporarily unavailable") == 0 ||
               strcmp(text, "Connection timed out") == 0) {
        text = "timed out";
    }
    return cache_error(err, op, text, strlen(text));
}

/* Close the connection after an I/O or protocol failure, and say so to the
 * pool (io_failed opens its circuit breaker). */
static mz_status
io_error(mz_redis *r, const char *op, mz_error *err)
{
    context_error(r->ctx, op, err);
    mz_redis_close(r);
    r->io_failed = true;
    return MZ_ERROR;
}

/* Close the connection after a reply of the wrong shape (its stream can no
 * longer be trusted). */
static mz_status
unexpected(mz_redis *r, const char *op, mz_error *err)
{
    mz_redis_close(r);
    return cache_error(
        err, op, "unexpected reply type", strlen("unexpected reply type"));
}

static struct timeval
to_timeval(double seconds)
{
    struct timeval tv;
    double whole = floor(seconds);

    tv.tv_sec = (time_t)whole;
    tv.tv_usec = (suseconds_t)((seconds - whole) * 1e6);
    if (tv.tv_sec == 0 && tv.tv_usec == 0) {
        tv.tv_usec = 1; /* zero would mean "no timeout" to SO_RCVTIMEO */
    }
    return tv;
}

/* ------------------------------------------------------------------ */
/* Commands                                                             */
/* ------------------------------------------------------------------ */

/* One command on the open connection; *out is the reply (never an error
 * reply: those become MZ_E_CACHE, the connection kept). */
static mz_status
command(mz_redis *r,
        const char *op,
        int argc,
        const char **argv,
        const size_t *lens,
        redisReply **out,
        mz_error *err)
{
    redisReply *reply = redisCommandArgv(r->ctx, argc, argv, lens);

    *out = NULL;
    if (reply == NULL) {
        return io_error(r, op, err);
    }
    if (reply->type == REDIS_REPLY_ERROR) {
        cache_error(err, op, reply->str, reply->len);
        freeReplyObject(reply);
        return MZ_ERROR;
    }
    *out = reply;
    return MZ_OK;
}

/* Connect if not connected: TCP with the timeout, the socket timeout, then
 * AUTH and SELECT when the URL asks for them. */
static mz_status
ensure_connected(mz_redis *r, const char *op, mz_error *err)
{
    const mz_redis_config *config = &r->target->config;
    struct timeval tv = to_timeval(r->target->timeout);
    redisReply *reply = NULL;
    const char *argv[3];
    size_t lens[3];
    char db[16];
    int argc = 0;

    if (r->ctx != NULL) {
        return MZ_OK;
    }
    r->ctx = redisConnectWithTimeout(config->host, config->port, tv);
    if (r->ctx == NULL) {
        return mz_error_set(err, MZ_E_NOMEM, "out of memory");
    }
    if (r->ctx->err != 0 || redisSetTimeout(r->ctx, tv) != REDIS_OK) {
        return io_error(r, op, err);
    }
    if (config->password != NULL) {
        argv[argc] = "AUTH";
        lens[argc++] = 4;
        if (config->user != NULL) {
            argv[argc] = config->user;
            lens[argc++] = config->user_len;
        }
        argv[argc] = config->password;
        lens[argc++] = config->password_len;
        if (command(r, op, argc, argv, lens, &reply, err) != MZ_OK) {
            mz_redis_close(r);
            return MZ_ERROR;
        }
        freeReplyObject(reply);
    }
    if (config->db != 0) {
        argv[0] = "SELECT";
        lens[0] = 6;
        argv[1] = db;
        lens[1] = (size_t)snprintf(db, sizeof(db), "%d", config->db);
        if (command(r, op, 2, argv, lens, &reply, err) != MZ_OK) {
            mz_redis_close(r);
            return MZ_ERROR;
        }
        freeReplyObject(reply);
    }
    return MZ_OK;
}

/* Connect if needed, then run one command (see `command`). */
static mz_status
run(mz_redis *r,
    const char *op,
    int argc,
    const char **argv,
    const size_t *lens,
    redisReply **out,
    mz_error *err)
{
    *out = NULL;
    if (ensure_connected(r, op, err) != MZ_OK) {
        return MZ_ERROR;
    }
    return command(r, op, argc, argv, lens, out, err);
}

static bool
is_value(const redisReply *reply)
{
    return reply->type == REDIS_REPLY_STRING || reply->type == REDIS_REPLY_NIL;
}

mz_status
mz_redis_get(mz_redis *r,
             const char *key,
             size_t klen,
             redisReply **out,
             mz_error *err)
{
    const char *argv[2] = {"GET", key};
    const size_t lens[2] = {3, klen};

    if (run(r, "get", 2, argv, lens, out, err) != MZ_OK) {
        return MZ_ERROR;
    }
    if (!is_value(*out)) {
        freeReplyObject(*out);
        *out = NULL;
        return unexpected(r, "get", err);
    }
    return MZ_OK;
}

mz_status
mz_redis_get_many(mz_redis *r,
                  size_t n,
                  const char *const *keys,
                  const size_t *lens,
                  redisReply **out,
                  mz_error *err)
{
    const char **argv = NULL;
    size_t *argvlen = NULL;
    mz_status status = MZ_ERROR;
    size_t i;

    *out = NULL;
    if (n >= (size_t)INT32_MAX) {
        return mz_error_set(err, MZ_E_NOMEM, "out of memory");
    }
    argv = malloc((n + 1) * sizeof(*argv));
    argvlen = malloc((n + 1) * sizeof(*argvlen));
    if (argv == NULL || argvlen == NULL) {
        mz_error_set(err, MZ_E_NOMEM, "out of memory");
        goto done;
    }
    argv[0] = "MGET";
    argvlen[0] = 4;
    for (i = 0; i < n; i++) {
        argv[i + 1] = keys[i];
        argvlen[i + 1] = lens[i];
    }
    if (run(r, "get_many", (int)(n + 1), argv, argvlen, out, err) != MZ_OK) {
        goto done;
    }
    status = MZ_OK;
    if ((*out)->type != REDIS_REPLY_ARRAY || (*out)->elements != n) {
        status = MZ_ERROR;
    }
    for (i = 0; status == MZ_OK && i < n; i++) {
        if (!is_value((*out)->element[i])) {
            status = MZ_ERROR;
        }
    }
    if (status != MZ_OK) {
        freeReplyObject(*out);
        *out = NULL;
        unexpected(r, "get_many", err);
    }

done:
    free(argv);
    free(argvlen);
    return status;
}

mz_status
mz_redis_set(mz_redis *r,
             const char *key,
             size_t klen,
             const char *value,
             size_t vlen,
             long long ms,
             mz_error *err)
{
    char px[32];
    const char *argv[5] = {"SET", key, value, "PX", px};
    size_t lens[5] = {3, klen, vlen, 2, 0};
    redisReply *reply = NULL;
    bool ok;

    lens[4] = (size_t)snprintf(px, sizeof(px), "%lld", ms);
    if (run(r, "set", 5, argv, lens, &reply, err) != MZ_OK) {
        return MZ_ERROR;
    }
    ok = reply->type == REDIS_REPLY_STATUS;
    freeReplyObject(reply);
    return ok ? MZ_OK : unexpected(r, "set", err);
}

mz_status
mz_redis_delete(mz_redis *r,
                const char *key,
                size_t klen,
                bool *existed,
                mz_error *err)
{
    const char *argv[2] = {"UNLINK", key};
    const size_t lens[2] = {6, klen};
    redisReply *reply = NULL;
    bool ok;

    if (run(r, "delete", 2, argv, lens, &reply, err) != MZ_OK) {
        return MZ_ERROR;
    }
    ok = reply->type == REDIS_REPLY_INTEGER;
    *existed = ok && reply->integer == 1;
    freeReplyObject(reply);
    return ok ? MZ_OK : unexpected(r, "delete", err);
}

/* `prefix + sub` with each glob character *?[]\ escaped, then `*`: a NEW
 * malloc'ed SCAN MATCH pattern of *outlen bytes. */
static char *
match_pattern(const mz_redis_target *t,
              const char *sub,
              size_t slen,
              size_t *outlen)
{
    char *out = malloc(2 * (t->prefix_len + slen) + 2);
    size_t j = 0;
    size_t i;

    if (out == NULL) {
        return NULL;
    }
    for (i = 0; i < t->prefix_len + slen; i++) {
        char c = i < t->prefix_len ? t->prefix[i] : sub[i - t->prefix_len];

        if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
            out[j++] = '\\';
        }
        out[j++] = c;
    }
    out[j++] = '*';
    out[j] = '\0';
    *outlen = j;
    return out;
}

/* A SCAN reply of the expected shape: [cursor string, [key strings]]. */
static bool
is_scan_reply(const redisReply *scan)
{
    size_t i;

    if (scan->type != REDIS_REPLY_ARRAY || scan->elements != 2 ||
        scan->element[0]->type != REDIS_REPLY_STRING ||
        scan->element[0]->len >= MZ_REDIS_CURSOR_SIZE ||
        scan->element[1]->type != REDIS_REPLY_ARRAY ||
        scan->element[1]->elements >= (size_t)INT32_MAX) {
        return false;
    }
    for (i = 0; i < scan->element[1]->elements; i++) {
        if (scan->element[1]->element[i]->type != REDIS_REPLY_STRING) {
            return false;
        }
    }
    return true;
}

mz_status
mz_redis_delete_prefix(mz_redis *r,
                       const char *op,
                       const char *sub,
                       size_t slen,
                       uint64_t *removed,
                       mz_error *err)
{
    char cursor[MZ_REDIS_CURSOR_SIZE] = "0";
    size_t clen = 1;
    char *pattern = NULL;
    size_t plen = 0;
    redisReply *scan = NULL;
    redisReply *gone = NULL;
    const char **argv = NULL;
    size_t *lens = NULL;
    mz_status status = MZ_ERROR;

    *removed = 0;
    pattern = match_pattern(r->target, sub, slen, &plen);
    if (pattern == NULL) {
        mz_error_set(err, MZ_E_NOMEM, "out of memory");
        goto done;
    }
    for (;;) {
        const char *sargv[6] = {
            "SCAN", cursor, "MATCH", pattern, "COUNT", MZ_REDIS_SCAN_COUNT};
        const size_t slens[6] = {
            4, clen, 5, plen, 5, sizeof(MZ_REDIS_SCAN_COUNT) - 1};
        const redisReply *keys;
        size_t i;

        if (run(r, op, 6, sargv, slens, &scan, err) != MZ_OK) {
            goto done;
        }
        if (!is_scan_reply(scan)) {
            unexpected(r, op, err);
            goto done;
        }
        clen = scan->element[0]->len;
        memcpy(cursor, scan->element[0]->str, clen);
        cursor[clen] = '\0';
        keys = scan->element[1];
        if (keys->elements > 0) {
            argv = malloc((keys->elements + 1) * sizeof(*argv));
            lens = malloc((keys->elements + 1) * sizeof(*lens));
            if (argv == NULL || lens == NULL) {
                mz_error_set(err, MZ_E_NOMEM, "out of memory");
                goto done;
            }
            argv[0] = "UNLINK";
            lens[0] = 6;
            for (i = 0; i < keys->elements; i++) {
                argv[i + 1] = keys->element[i]->str;
                lens[i + 1] = keys->element[i]->len;
            }
            if (run(r, op, (int)keys->elements + 1, argv, lens, &gone, err) !=
                MZ_OK) {
                goto done;
            }
            if (gone->type != REDIS_REPLY_INTEGER || gone->integer < 0) {
                unexpected(r, op, err);
                goto done;
            }
            *removed += (uint64_t)gone->integer;
            freeReplyObject(gone);
            gone = NULL;
            free(argv);
            argv = NULL;
            free(lens);
            lens = NULL;
        }
        freeReplyObject(scan);
        scan = NULL;
        if (clen == 1 && cursor[0] == '0') {
            break;
        }
    }
    status = MZ_OK;

done:
    free(pattern);
    free(argv);
    free(lens);
    if (scan != NULL) {
        freeReplyObject(scan);
    }
    if (gone != NULL) {
        freeReplyObject(gone);
    }
    return status;
}

/* The MZ_E_VALUE or MZ_E_CACHE error of a refused INCR (error reply
 * `refusal`). */
static mz_status
incr_refused(const redisReply *refusal, mz_error *err)
{
    if (strstr(refusal->str, "not an integer") != NULL) {
        return mz_error_set(err, MZ_E_VALUE, "value is not an integer");
    }
    if (strstr(refusal->str, "overflow") != NULL) {
        return mz_error_set(err, MZ_E_VALUE, "increment would overflow");
    }
    return cache_error(err, "incr", refusal->str, refusal->len);
}

mz_status
mz_redis_incr(mz_redis *r,
              const char *key,
              size_t klen,
              long long ms,
              long long *value,
              mz_error *err)
{
    char px[32];
    const char *multi[1] = {"MULTI"};
    const size_t multi_lens[1] = {5};
    const char *incr[2] = {"INCR", key};
    const size_t incr_lens[2] = {4, klen};
    const char *expire[3] = {"PEXPIRE", key, px};
    size_t expire_lens[3] = {7, klen, 0};
    const char *exec[1] = {"EXEC"};
    const size_t exec_lens[1] = {4};
    redisReply *replies[4] = {NULL, NULL, NULL, NULL};
    const redisReply *first;
    mz_status status = MZ_ERROR;
    int i;

    expire_lens[2] = (size_t)snprintf(px, sizeof(px), "%lld", ms);
    if (ensure_connected(r, "incr", err) != MZ_OK) {
        return MZ_ERROR;
    }
    /* One round trip: the four commands are written together, then the
     * four replies are read, so the stream never keeps a stale reply. */
    if (redisAppendCommandArgv(r->ctx, 1, multi, multi_lens) != REDIS_OK ||
        redisAppendCommandArgv(r->ctx, 2, incr, incr_lens) != REDIS_OK ||
        redisAppendCommandArgv(r->ctx, 3, expire, expire_lens) != REDIS_OK ||
        redisAppendCommandArgv(r->ctx, 1, exec, exec_lens) != REDIS_OK) {
        io_error(r, "incr", err);
        goto done;
    }
    for (i = 0; i < 4; i++) {
        void *reply = NULL;

        if (redisGetReply(r->ctx, &reply) != REDIS_OK || reply == NULL) {
            if (reply != NULL) {
                freeReplyObject(reply);
            }
            io_error(r, "incr", err);
            goto done;
        }
        replies[i] = reply;
    }
    for (i = 0; i < 4; i++) {
        if (replies[i]->type == REDIS_REPLY_ERROR) {
            cache_error(err, "incr", replies[i]->str, replies[i]->len);
            goto done;
        }
    }
    if (replies[3]->type != REDIS_REPLY_ARRAY || replies[3]->elements != 2) {
        unexpected(r, "incr", err);
        goto done;
    }
    first = replies[3]->element[0];
    if (first->type == REDIS_REPLY_ERROR) {
        incr_refused(first, err);
        goto done;
    }
    if (first->type != REDIS_REPLY_INTEGER) {
        unexpected(r, "incr", err);
        goto done;
    }
    *value = first->integer;
    status = MZ_OK;

done:
    for (i = 0; i < 4; i++) {
        if (replies[i] != NULL) {
            freeReplyObject(replies[i]);
        }
    }
    return status;
}
