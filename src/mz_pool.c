/* mz_pool.c - the bounded connection pool and circuit breaker of the Redis
 * backend: one pthread mutex guards the free-slot stack, the queue of
 * waiting threads (each with its own condition variable on the monotonic
 * clock) and the breaker. I/O never happens under the mutex, except closing
 * sockets (close(2) does not block). */
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

/* A thread waiting for a connection, on its own stack. Waiters queue in
 * arrival order and release hands the connection straight to the first
 * one, so a thread arriving later never takes it first: without that, the
 * releasing thread (or any thread holding the GIL) would win every race
 * against a woken waiter, which could then wait out its whole timeout. */
typedef struct mz_pool_waiter {
    struct mz_pool_waiter *next;
    pthread_cond_t woken;
    mz_pool_slot *slot; /* handed over by release */
    bool probe;         /* the half-open probe */
    bool refused;       /* the breaker opened while it waited */
} mz_pool_waiter;

struct mz_pool {
    mz_redis_target target;
    pthread_mutex_t mutex;
    mz_pool_slot *slots; /* `size` of them */
    size_t *idle;        /* free slot indices, a stack: last used on top */
    size_t nidle;
    size_t size;
    mz_pool_waiter *head; /* the waiters, oldest first */
    mz_pool_waiter *tail;
    double cooldown;
    mz_breaker breaker;
    double opened_at;          /* monotonic seconds of the latest failure */
    const mz_pool_slot *probe; /* the probe's slot once it has one */
    bool ready;                /* mutex initialised */
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
    mz_error err;
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
    if (pthread_mutex_init(&p->mutex, NULL) != 0) {
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
/* Slots, waiters and the breaker (every helper runs with the mutex held) */
/* ------------------------------------------------------------------ */

static void
close_idle(mz_pool *p)
{
    size_t i;

    for (i = 0; i < p->nidle; i++) {
        mz_redis_close(&p->slots[p->idle[i]].conn);
    }
}

/* The slot on top of the idle stack, now busy. */
static mz_pool_slot *
take_idle(mz_pool *p, bool probe)
{
    mz_pool_slot *slot = &p->slots[p->idle[--p->nidle]];

    slot->busy = true;
    slot->conn.io_failed = false;
    if (probe) {
        p->probe = slot;
    }
    return slot;
}

/* `slot` to the first waiter, or back on the idle stack. */
static void
hand_over(mz_pool *p, mz_pool_slot *slot)
{
    mz_pool_waiter *w = p->head;

    if (w == NULL) {
        slot->busy = false;
        p->idle[p->nidle++] = (size_t)(slot - p->slots);
        return;
    }
    p->head = w->next;
    if (p->head == NULL) {
        p->tail = NULL;
    }
    slot->conn.io_failed = false;
    if (w->probe) {
        p->probe = slot;
    }
    w->slot = slot;
    pthread_cond_signal(&w->woken);
}

static bool
waiter_init(mz_pool_waiter *w, bool probe)
{
    pthread_condattr_t attr;
    bool ok;

    memset(w, 0, sizeof(*w));
    w->probe = probe;
    if (pthread_condattr_init(&attr) != 0) {
        return false;
    }
    ok = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
         pthread_cond_init(&w->woken, &attr) == 0;
    pthread_condattr_destroy(&attr);
    return ok;
}

static void
enqueue(mz_pool *p, mz_pool_waiter *w)
{
    w->next = NULL;
    if (p->tail == NULL) {
        p->head = w;
    } else {
        p->tail->next = w;
    }
    p->tail = w;
}

/* Take `w` out of the queue (it timed out). */
static void
dequeue(mz_pool *p, const mz_pool_waiter *w)
{
    mz_pool_waiter *prev = NULL;
    mz_pool_waiter *cur = p->head;

    while (cur != NULL && cur != w) {
        prev = cur;
        cur = cur->next;
    }
    if (cur == NULL) {
        return;
    }
    if (prev == NULL) {
        p->head = cur->next;
    } else {
        prev->next = cur->next;
    }
    if (p->tail == cur) {
        p->tail = prev;
    }
}

/* Open (or re-open) the breaker: the cooldown counts from now; every waiter
 * fails fast instead of paying its own timeout. Idle connections are
 * closed, so after a restart the probe does not pick a dead socket that
 * would open the breaker once more. */
static void
open_breaker(mz_pool *p)
{
    close_idle(p);
    if (p->cooldown <= 0.0) {
        return;
    }
    p->breaker = MZ_BREAKER_OPEN;
    p->opened_at = as_seconds(monotonic_now());
    p->probe = NULL;
    while (p->head != NULL) {
        mz_pool_waiter *w = p->head;

        p->head = w->next;
        w->refused = true;
        pthread_cond_signal(&w->woken);
    }
    p->tail = NULL;
}

/* Whether an operation may run now; once the cooldown is over the first
 * caller becomes the probe (*probe set). */
static bool
admit(mz_pool *p, bool *probe)
{
    *probe = false;
    switch (p->breaker) {
        case MZ_BREAKER_CLOSED:
            return true;
        case MZ_BREAKER_OPEN:
            if (as_seconds(monotonic_now()) - p->opened_at < p->cooldown) {
                return false;
            }
            p->breaker = MZ_BREAKER_HALF_OPEN;
            p->probe = NULL;
            *probe = true;
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

/* Wait in the queue until a connection is handed over, the breaker opens
 * or the socket timeout passes (mutex held). The slot, or NULL. */
static mz_pool_slot *
wait_in_line(mz_pool *p, mz_pool_waiter *w)
{
    struct timespec deadline = add_seconds(monotonic_now(), p->target.timeout);
    int rc = 0;

    enqueue(p, w);
    while (w->slot == NULL && !w->refused && rc != ETIMEDOUT) {
        rc = pthread_cond_timedwait(&w->woken, &p->mutex, &deadline);
    }
    if (w->slot == NULL && !w->refused) {
        dequeue(p, w);
    }
    return w->slot;
}

mz_status
mz_pool_acquire(mz_pool *p, const char *op, mz_redis **out, mz_error *err)
{
    mz_pool_waiter w;
    mz_pool_slot *slot = NULL;
    mz_status status = MZ_ERROR;
    bool probe;

    *out = NULL;
    pthread_mutex_lock(&p->mutex);
    if (!admit(p, &probe)) {
        pool_error(err, op, MZ_POOL_OPEN_TEXT);
        goto done;
    }
    if (p->nidle > 0 && p->head == NULL) {
        slot = take_idle(p, probe);
    } else if (waiter_init(&w, probe)) {
        slot = wait_in_line(p, &w);
        pthread_cond_destroy(&w.woken);
        if (slot == NULL && w.refused) {
            pool_error(err, op, MZ_POOL_OPEN_TEXT);
            goto done;
        }
        if (slot == NULL) {
            if (probe) {
                /* The probe found no connection in time: Redis is still
                 * holding every one of them, so cool down again. */
                open_breaker(p);
            }
            pool_error(err, op, MZ_POOL_WAIT_TEXT);
            goto done;
        }
    } else {
        mz_error_set(err, MZ_E_NOMEM, "out of memory");
        goto done;
    }
    *out = &slot->conn;
    status = MZ_OK;

done:
    pthread_mutex_unlock(&p->mutex);
    return status;
}

void
mz_pool_release(mz_pool *p, mz_redis *conn)
{
    mz_pool_slot *slot = (mz_pool_slot *)conn;

    pthread_mutex_lock(&p->mutex);
    if (conn->io_failed) {
        open_breaker(p);
    } else if (slot == p->probe) {
        p->breaker = MZ_BREAKER_CLOSED;
        p->probe = NULL;
    }
    if (slot->drop) {
        mz_redis_close(conn);
        slot->drop = false;
    }
    hand_over(p, slot);
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
