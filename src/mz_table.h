/* mz_table.h - in-process hash table of byte keys to byte values, each with
 * an expiry time on the monotonic clock (CBE-1, CBE-2). Holds bytes, never
 * PyObjects. Expired entries are dropped lazily, when an operation touches
 * them, exactly as the twin (mizan/core/_py/table.py) drops them.
 *
 * Not thread-safe by itself: the caller serialises every call. The binding
 * (mzpy_table.c) does so by holding the GIL across each operation and
 * running no Python code while a table call is in progress.
 */
#ifndef MIZAN_MZ_TABLE_H
#define MIZAN_MZ_TABLE_H

#include "mz_base.h"

/* One entry: key bytes then value bytes in `data`. */
typedef struct mz_table_entry {
    struct mz_table_entry *next; /* chain of the same bucket */
    uint64_t hash;
    double expires; /* monotonic seconds; expired when expires <= now */
    size_t klen;
    size_t vlen;
    char data[]; /* klen key bytes, then vlen value bytes */
} mz_table_entry;

/* Separate chaining over a power-of-two bucket array, grown at load 1. */
typedef struct mz_table {
    mz_table_entry **buckets;
    size_t mask;  /* bucket count - 1 */
    size_t count; /* entries stored, expired ones not yet dropped included */
    uint64_t seed;
} mz_table;

/* The value bytes of `e` (BORROWED: valid until the next table call). */
static inline const char *
mz_table_value(const mz_table_entry *e)
{
    return e->data + e->klen;
}

/* Seconds on CLOCK_MONOTONIC (the clock of time.monotonic on Linux). */
double
mz_table_now(void);

/* A new empty table whose hash is keyed with `seed`; NULL when out of
 * memory. Free it with mz_table_free. */
mz_table *
mz_table_new(uint64_t seed);

/* Free `t` and every entry; NULL is allowed. */
void
mz_table_free(mz_table *t);

/* The live entry under `key` (klen bytes), or NULL when absent or expired at
 * `now` (an expired entry is removed). The entry is BORROWED until the next
 * call on `t`. */
const mz_table_entry *
mz_table_get(mz_table *t, const char *key, size_t klen, double now);

/* Store a copy of `value` under a copy of `key`, replacing any entry, until
 * `expires`. MZ_ERROR with MZ_E_NOMEM leaves the table unchanged. */
mz_status
mz_table_set(mz_table *t,
             const char *key,
             size_t klen,
             const char *value,
             size_t vlen,
             double expires,
             mz_error *err);

/* Remove the entry under `key`; true when it was live at `now`. */
bool
mz_table_delete(mz_table *t, const char *key, size_t klen, double now);

/* Remove every entry whose key starts with `prefix` (plen bytes); returns
 * how many of them were live at `now`. */
size_t
mz_table_delete_prefix(mz_table *t,
                       const char *prefix,
                       size_t plen,
                       double now);

/* Remove every entry. */
void
mz_table_clear(mz_table *t);

/* Add 1 to the decimal integer stored under `key` (absent or expired at
 * `now`: 0), store the new value as decimal text until `now + ttl`, and
 * return it through `out`. MZ_ERROR with MZ_E_VALUE "value is not an
 * integer" (not -?[0-9]+ or outside int64), MZ_E_VALUE "increment would
 * overflow" (INT64_MAX), or MZ_E_NOMEM; the stored value is then unchanged
 * (an expired entry may have been dropped). */
mz_status
mz_table_incr(mz_table *t,
              const char *key,
              size_t klen,
              double now,
              double ttl,
              int64_t *out,
              mz_error *err);

/* Whether the structure holds together: every entry in the bucket its hash
 * selects, the count equal to the entries chained. Called through MZ_ASSERT
 * after each change when built with MZ_ASSERT_CONSISTENT. */
bool
mz_table_consistent(const mz_table *t);

#endif /* MIZAN_MZ_TABLE_H */
