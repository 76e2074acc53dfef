/* mz_redis.h - the Redis origin-cache backend over hiredis (CBE-1, CBE-3):
 * URL parsing, one lazily (re)connected blocking redisContext with connect
 * and socket timeouts, and the backend operations on physical keys (the
 * caller has already prepended the prefix, see mz_redis_key). Only API
 * common to hiredis 0.14 and 1.x is used.
 *
 * An mz_redis is ONE connection and is not thread-safe: mz_pool.c hands each
 * connection to one thread at a time. No function here touches Python, so
 * the binding calls the I/O functions with the GIL released.
 *
 * Errors: MZ_E_CACHE ("RedisCache.<op>: <cause>") for I/O, timeouts,
 * protocol errors and Redis error replies; after an I/O or protocol error
 * the connection is closed (and `io_failed` set) and the next call
 * reconnects. MZ_E_VALUE for a refused incr; MZ_E_NOMEM when out of memory.
 * Twin: mizan/core/_py/redis.py.
 */
#ifndef MIZAN_MZ_REDIS_H
#define MIZAN_MZ_REDIS_H

#include "mz_base.h"

#include <hiredis/hiredis.h>

#define MZ_REDIS_DEFAULT_PORT 6379
/* A TTL longer than this many milliseconds is stored as this. */
#define MZ_REDIS_MAX_TTL_MS 9007199254740992.0 /* 2**53 */
#define MZ_REDIS_MAX_TIMEOUT 1e6               /* seconds */

/* Where to connect: the parts of redis://[[user]:password@]host[:port][/db].
 * Strings are owned (malloc'ed, NUL-terminated, user and password may
 * contain NUL: their lengths are kept). */
typedef struct mz_redis_config {
    char *host;
    int port;
    int db;
    char *user; /* NULL when absent */
    size_t user_len;
    char *password; /* NULL when absent */
    size_t password_len;
} mz_redis_config;

/* What every connection of a pool shares: where to connect, the key prefix
 * and the timeout. */
typedef struct mz_redis_target {
    mz_redis_config config;
    char *prefix; /* owned */
    size_t prefix_len;
    double timeout; /* seconds, connect and each reply */
} mz_redis_target;

/* One connection to a target. `io_failed` is set when a call failed on I/O
 * (connect error, timeout, dropped connection, protocol error: the
 * connection is closed too) and never cleared here; the pool clears it
 * before each use and reads it after (the circuit breaker's signal). A
 * Redis error reply (WRONGTYPE, NOAUTH, ...) or a reply of the wrong type
 * leaves it alone: the server answered. */
typedef struct mz_redis {
    const mz_redis_target *target; /* BORROWED from the pool */
    redisContext *ctx;             /* NULL while disconnected */
    bool io_failed;
} mz_redis;

/* Parse `url` (n bytes) into `out` (fully owned on MZ_OK, untouched state
 * freed on MZ_ERROR). MZ_E_VALUE with the twin's message for another scheme
 * or a malformed part; MZ_E_NOMEM. */
mz_status
mz_redis_parse_url(const char *url,
                   size_t n,
                   mz_redis_config *out,
                   mz_error *err);

/* Fill `t`, taking ownership of `config` (also on failure), with a copy of
 * `prefix` (plen bytes) and `timeout` seconds (clamped to
 * MZ_REDIS_MAX_TIMEOUT). MZ_E_NOMEM on failure (`t` is then cleared). */
mz_status
mz_redis_target_init(mz_redis_target *t,
                     mz_redis_config *config,
                     const char *prefix,
                     size_t plen,
                     double timeout,
                     mz_error *err);

/* Free what `t` owns and zero it. */
void
mz_redis_target_clear(mz_redis_target *t);

/* Close the connection, if any; the next operation reconnects. */
void
mz_redis_close(mz_redis *r);

/* Free the strings of `config` (NULL fields allowed) and zero it. */
void
mz_redis_config_clear(mz_redis_config *config);

/* A malloc'ed copy of prefix + `key` (klen bytes) in *out, its length in
 * *outlen. MZ_E_NOMEM on failure. The caller frees *out. */
mz_status
mz_redis_key(const mz_redis_target *t,
             const char *key,
             size_t klen,
             char **out,
             size_t *outlen,
             mz_error *err);

/* `seconds` as PX milliseconds: rounded up, at least 1, at most
 * MZ_REDIS_MAX_TTL_MS. */
long long
mz_redis_ttl_ms(double seconds);

/* GET `key`: *out is a STRING or NIL reply the caller frees with
 * freeReplyObject. */
mz_status
mz_redis_get(mz_redis *r,
             const char *key,
             size_t klen,
             redisReply **out,
             mz_error *err);

/* MGET of `n` (>= 1) keys: *out is an ARRAY of n STRING or NIL replies, the
 * caller frees it with freeReplyObject. */
mz_status
mz_redis_get_many(mz_redis *r,
                  size_t n,
                  const char *const *keys,
                  const size_t *lens,
                  redisReply **out,
                  mz_error *err);

/* SET key value PX ms. */
mz_status
mz_redis_set(mz_redis *r,
             const char *key,
             size_t klen,
             const char *value,
             size_t vlen,
             long long ms,
             mz_error *err);

/* UNLINK key; *existed is true when one key was removed. */
mz_status
mz_redis_delete(mz_redis *r,
                const char *key,
                size_t klen,
                bool *existed,
                mz_error *err);

/* SCAN MATCH <escaped prefix + sub>* COUNT 500, each batch removed with
 * UNLINK; *removed is the total. `op` names the operation in messages. */
mz_status
mz_redis_delete_prefix(mz_redis *r,
                       const char *op,
                       const char *sub,
                       size_t slen,
                       uint64_t *removed,
                       mz_error *err);

/* MULTI, INCR key, PEXPIRE key ms, EXEC in one round trip; *value is the
 * INCR result. MZ_E_VALUE "value is not an integer" or "increment would
 * overflow" when Redis refuses the increment. */
mz_status
mz_redis_incr(mz_redis *r,
              const char *key,
              size_t klen,
              long long ms,
              long long *value,
              mz_error *err);

#endif /* MIZAN_MZ_REDIS_H */
