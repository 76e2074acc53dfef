/* mz_pool.c - the bounded connection pool and circuit breaker of the Redis
 * backend: one pthread mutex guards the free-slot stack and the breaker; a
 * condition variable on the monotonic clock wakes the threads waiting for a
 * connection when one comes back or the breaker moves. I/O never happens
 * under the mutex, except closing sockets (close(2) does not block). */
#define _POSIX_C_SOURCE 200809L /* pthread_condattr_setclock */

#include "mz_base.h"

#include "mz_pool.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define MZ_POOL_OPEN_TEXT "circuit open after a failure"
#define MZ_POOL_WAIT_TEXT "timed out waiting for a free connection"

typedef enum mz_breaker {
    MZ_BREAKER_CLOSED = 0, /* operations run */
    MZ_BREAKER_OPEN,       /* operations fail fast until the cooldown ends */
    MZ_BREAKER_HALF_OPEN,  /* one probe runs; the others fail fast */
} mz_breaker;

typedef struct mz_pool_slot {
    mz_redis conn; /* first: a connection's address is its slot's */
    bool busy;
    bool drop; /* mz_pool_close came while busy: close on release */
} mz_pool_slot;

struct mz_pool {
    mz_redis_target target;
    pthread_mutex_t mutex;
    pthread_cond_t changed; /* a connection came back or the breaker moved */
    mz_pool_slot *slots;    /* `size` of them */
    size_t *idle;           /* free slot indices, a stack: last used on top */
    size_t nidle;
    size_t size;
    double cooldown;
    mz_breaker breaker;
    double opened_at;          /* monotonic seconds of the latest failure */
    uint64_t probe_ticket;     /* names the acquire that is the probe */
    const mz_pool_slot *probe; /* the probe's slot once it has one */
    bool ready;                /* mutex and condition initialised */
};

/* ------------------------------------------------------------------ */
/* Clock                                                                */
/* ------------------------------------------------------------------ */

static struct timespec
monotonic_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts;
}

static double
as_seconds(struct timespec ts)
{
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct timespec
add_seconds(struct timespec ts, double seconds)
{
    double whole = floor(seconds);

    ts.tv_sec += (time_t)whole;
    ts.tv_nsec += (long)((seconds - whole) * 1e9);
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec += 1;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

/* ------------------------------------------------------------------ */
/* Lifetime                                                             */
/* ------------------------------------------------------------------ */

mz_pool *
mz_pool_new(mz_redis_config *config,
            const char *prefix,
            size_t plen,
            double timeout,
            size_t size,
            double cooldown)
{
    mz_pool *p = calloc(1, sizeof(*p));
    pthread_condattr_t attr;
    mz_error err;
    bool ok;
    size_t i;

    MZ_ASSERT(size >= 1 && size <= MZ_POOL_MAX_SIZE);
    if (p == NULL) {
        mz_redis_config_clear(config);
        return NULL;
    }
    if (mz_redis_target_init(
            &p->target, config, prefix, plen, timeout, &err) != MZ_OK) {
        goto error;
    }
    p->slots = calloc(size, sizeof(*p->slots));
    p->idle = calloc(size, sizeof(*p->idle));
    if (p->slots == NULL || p->idle == NULL) {
        goto error;
    }
    p->size = size;
    for (i = 0; i < size; i++) {
        p->slots[i].conn.target = &p->target;
        p->idle[i] = size - 1 - i; /* slot 0 on top */
    }
    p->nidle = size;
    p->cooldown =
        cooldown > MZ_REDIS_MAX_TIMEOUT ? MZ_REDIS_MAX_TIMEOUT : cooldown;
    if (pthread_condattr_init(&attr) != 0) {
        goto error;
    }
    ok = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
         pthread_cond_init(&p->changed, &attr) == 0;
    pthread_condattr_destroy(&attr);
    if (!ok) {
        goto error;
    }
    if (pthread_mutex_init(&p->mutex, NULL) != 0) {
        pthread_cond_destroy(&p->changed);
        goto error;
    }
    p->ready = true;
    return p;

error:
    mz_pool_free(p);
    return NULL;
}

void
mz_pool_free(mz_pool *p)
{
    size_t i;

    if (p == NULL) {
        return;
    }
    for (i = 0; p->slots != NULL && i < p->size; i++) {
        mz_redis_close(&p->slots[i].conn);
    }
    if (p->ready) {
        pthread_cond_destroy(&p->changed);
        pthread_mutex_destroy(&p->mutex);
    }
    free(p->slots);
    free(p->idle);
    mz_redis_target_clear(&p->target);
    free(p);
}

const mz_redis_target *
mz_pool_target(const mz_pool *p)
{
    return &p->target;
}

size_t
mz_pool_size(const mz_pool *p)
{
    return p->size;
}

double
mz_pool_cooldown(const mz_pool *p)
{
    return p->cooldown;
}

/* ------------------------------------------------------------------ */
/* Breaker (every helper runs with the mutex held)                      */
/* ------------------------------------------------------------------ */

static void
close_idle(mz_pool *p)
{
    size_t i;

    for (i = 0; i < p->nidle; i++) {
        mz_redis_close(&p->slots[p->idle[i]].conn);
    }
}

/* Open (or re-open) the breaker: the cooldown counts from now. Idle
 * connections are closed, so after a restart the probe does not pick a
 * dead socket that would open the breaker once more. */
static void
open_breaker(mz_pool *p)
{
    close_idle(p);
    if (p->cooldown > 0.0) {
        p->breaker = MZ_BREAKER_OPEN;
        p->opened_at = as_seconds(monotonic_now());
        p->probe = NULL;
    }
}

/* Whether an operation may run now; once the cooldown is over the first
 * caller becomes the probe (its *ticket set). *ticket is the caller's,
 * 0 when it is not the probe. */
static bool
admit(mz_pool *p, uint64_t *ticket)
{
    if (p->breaker == MZ_BREAKER_HALF_OPEN && *ticket != 0 &&
        *ticket == p->probe_ticket) {
        return true;
    }
    *ticket = 0;
    switch (p->breaker) {
        case MZ_BREAKER_CLOSED:
            return true;
        case MZ_BREAKER_OPEN:
            if (as_seconds(monotonic_now()) - p->opened_at < p->cooldown) {
                return false;
            }
            p->breaker = MZ_BREAKER_HALF_OPEN;
            p->probe = NULL;
            *ticket = ++p->probe_ticket;
            return true;
        default:
            return false; /* half-open: another thread is the probe */
    }
}

static mz_status
pool_error(mz_error *err, const char *op, const char *text)
{
    err->code = MZ_E_CACHE;
    snprintf(
        err->message, sizeof(err->message), "RedisCache.%s: %s", op, text);
    return MZ_ERROR;
}

/* ------------------------------------------------------------------ */
/* Acquire and release                                                  */
/* ------------------------------------------------------------------ */

mz_status
mz_pool_acquire(mz_pool *p, const char *op, mz_redis **out, mz_error *err)
{
    struct timespec deadline = add_seconds(monotonic_now(), p->target.timeout);
    uint64_t ticket = 0;
    bool timed_out = false;
    mz_status status = MZ_ERROR;

    *out = NULL;
    pthread_mutex_lock(&p->mutex);
    for (;;) {
        if (!admit(p, &ticket)) {
            pool_error(err, op, MZ_POOL_OPEN_TEXT);
            break;
        }
        if (p->nidle > 0) {
            mz_pool_slot *slot = &p->slots[p->idle[--p->nidle]];

            slot->busy = true;
            slot->conn.io_failed = false;
            if (ticket != 0) {
                p->probe = slot;
            }
            *out = &slot->conn;
            status = MZ_OK;
            break;
        }
        if (timed_out) {
            if (ticket != 0) {
                /* The probe found no connection in time: Redis is still
                 * holding every one of them, so cool down again. */
                open_breaker(p);
                pthread_cond_broadcast(&p->changed);
            }
            pool_error(err, op, MZ_POOL_WAIT_TEXT);
            break;
        }
        timed_out = pthread_cond_timedwait(
                        &p->changed, &p->mutex, &deadline) == ETIMEDOUT;
    }
    pthread_mutex_unlock(&p->mutex);
    return status;
}

void
mz_pool_release(mz_pool *p, mz_redis *conn)
{
    mz_pool_slot *slot = (mz_pool_slot *)conn;
    bool moved = false;

    pthread_mutex_lock(&p->mutex);
    if (conn->io_failed) {
        open_breaker(p);
        moved = p->cooldown > 0.0;
    } else if (slot == p->probe) {
        p->breaker = MZ_BREAKER_CLOSED;
        p->probe = NULL;
        moved = true;
    }
    if (slot->drop) {
        mz_redis_close(conn);
        slot->drop = false;
    }
    slot->busy = false;
    p->idle[p->nidle++] = (size_t)(slot - p->slots);
    if (moved) {
        /* Waiters re-check the breaker: after an opening they fail fast
         * instead of each paying its own timeout. */
        pthread_cond_broadcast(&p->changed);
    } else {
        pthread_cond_signal(&p->changed);
    }
    pthread_mutex_unlock(&p->mutex);
}

void
mz_pool_close(mz_pool *p)
{
    size_t i;

    pthread_mutex_lock(&p->mutex);
    close_idle(p);
    for (i = 0; i < p->size; i++) {
        if (p->slots[i].busy) {
            p->slots[i].drop = true;
        }
    }
    pthread_mutex_unlock(&p->mutex);
}
