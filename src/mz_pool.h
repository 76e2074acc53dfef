/* mz_pool.h - a bounded pool of Redis connections (mz_redis) with a circuit
 * breaker, shared by the threads of one process (CBE-3).
 *
 * Pool: `size` connections, each opened lazily by the first operation that
 * takes it. A thread takes a free connection (the most recently used one
 * first, so light traffic keeps few sockets open) or, when none is free or
 * others are already waiting, queues for one (in arrival order) at most the
 * socket timeout, then fails with "timed out waiting for a free
 * connection".
 *
 * Circuit breaker: when an operation fails on I/O (mz_redis.io_failed:
 * connect error, timeout, dropped connection, protocol error; a Redis error
 * reply does not count), the breaker opens: idle connections are closed,
 * threads waiting for a connection are woken, and every operation fails at
 * once with "circuit open after a failure" for `cooldown` seconds (counted
 * from the latest failure). The first operation after that is the probe
 * (half-open): it runs while the others keep failing fast; its success
 * closes the breaker, its I/O failure opens it again. A cooldown of 0
 * turns the breaker off.
 *
 * Thread-safe through its own pthread mutex; Python-free, so the binding
 * calls acquire (which may wait) and release with the GIL released.
 * Twin: mizan/core/_py/pool.py.
 */
#ifndef MIZAN_MZ_POOL_H
#define MIZAN_MZ_POOL_H

#include "mz_base.h"

#include "mz_redis.h"

#define MZ_POOL_MAX_SIZE 1024

typedef struct mz_pool mz_pool;

/* A pool of `size` (1 to MZ_POOL_MAX_SIZE) connections to the target made
 * of `config` (ownership taken, also on failure), a copy of `prefix` (plen
 * bytes) and `timeout` seconds; the breaker cools down for `cooldown`
 * seconds (0: off; clamped to MZ_REDIS_MAX_TIMEOUT). NULL when out of
 * memory. No connection is opened here. */
mz_pool *
mz_pool_new(mz_redis_config *config,
            const char *prefix,
            size_t plen,
            double timeout,
            size_t size,
            double cooldown);

/* Close every connection and free `p` (NULL allowed). No thread may be
 * using the pool. */
void
mz_pool_free(mz_pool *p);

/* The shared target (BORROWED, lives as long as `p`). */
const mz_redis_target *
mz_pool_target(const mz_pool *p);

/* How many connections the pool may open. */
size_t
mz_pool_size(const mz_pool *p);

/* Seconds operations fail fast after an I/O failure (0: no breaker). */
double
mz_pool_cooldown(const mz_pool *p);

/* A connection for operation `op` (a name for messages) in *out, to be
 * given back with mz_pool_release. MZ_E_CACHE "RedisCache.<op>: circuit
 * open after a failure" while the breaker is open (or another thread is the
 * probe), "RedisCache.<op>: timed out waiting for a free connection" when
 * none came back within the socket timeout. May block: never call it
 * holding the GIL. */
mz_status
mz_pool_acquire(mz_pool *p, const char *op, mz_redis **out, mz_error *err);

/* Give back `conn` (from mz_pool_acquire) after one operation; its
 * io_failed flag drives the breaker. */
void
mz_pool_release(mz_pool *p, mz_redis *conn);

/* Close idle connections now and busy ones when they come back; the next
 * operations reconnect. The breaker is left as it is. */
void
mz_pool_close(mz_pool *p);

#endif /* MIZAN_MZ_POOL_H */
