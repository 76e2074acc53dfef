/* mz_table.c - the in-process cache table: separate chaining with a keyed
 * 64-bit hash, growth at load 1, lazy expiry, prefix scans and the
 * decimal-text counter of incr. Python-free; twin:
 * mizan/core/_py/table.py.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c11 */

#include "mz_base.h"

#include "mz_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define MZ_TABLE_MIN_BUCKETS 8

#define MZ_TEXT_NOT_INTEGER "value is not an integer"
#define MZ_TEXT_OVERFLOW "increment would overflow"

/* Keyed FNV-1a with a murmur3 finaliser. Keys are HMAC hex and generation
 * names, not chosen by clients, so this needs no SipHash. */
static uint64_t
hash_bytes(uint64_t seed, const char *key, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ seed;
    size_t i;

    for (i = 0; i < n; i++) {
        h ^= (unsigned char)key[i];
        h *= 0x100000001b3ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

double
mz_table_now(void)
{
    struct timespec ts;

    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

mz_table *
mz_table_new(uint64_t seed)
{
    mz_table *t = malloc(sizeof(*t));

    if (t == NULL) {
        return NULL;
    }
    t->buckets = calloc(MZ_TABLE_MIN_BUCKETS, sizeof(*t->buckets));
    if (t->buckets == NULL) {
        free(t);
        return NULL;
    }
    t->mask = MZ_TABLE_MIN_BUCKETS - 1;
    t->count = 0;
    t->seed = seed;
    return t;
}

void
mz_table_clear(mz_table *t)
{
    size_t i;

    for (i = 0; i <= t->mask; i++) {
        mz_table_entry *e = t->buckets[i];

        while (e != NULL) {
            mz_table_entry *next = e->next;

            free(e);
            e = next;
        }
        t->buckets[i] = NULL;
    }
    t->count = 0;
    MZ_ASSERT(mz_table_consistent(t));
}

void
mz_table_free(mz_table *t)
{
    if (t == NULL) {
        return;
    }
    mz_table_clear(t);
    free(t->buckets);
    free(t);
}

/* The link that points at the entry under `key` (or at the NULL that ends
 * its chain when absent). */
static mz_table_entry **
find(mz_table *t, const char *key, size_t klen, uint64_t h)
{
    mz_table_entry **link = &t->buckets[h & t->mask];

    while (*link != NULL) {
        mz_table_entry *e = *link;

        if (e->hash == h && e->klen == klen &&
            (klen == 0 || memcmp(e->data, key, klen) == 0)) {
            break;
        }
        link = &e->next;
    }
    return link;
}

/* Unlink and free the entry at `link`. */
static void
unlink_entry(mz_table *t, mz_table_entry **link)
{
    mz_table_entry *e = *link;

    *link = e->next;
    free(e);
    t->count--;
}

/* Double the bucket array; on allocation failure keep the old one (the
 * table still works, with longer chains). */
static void
grow(mz_table *t)
{
    size_t old_n = t->mask + 1;
    size_t new_n = old_n * 2;
    mz_table_entry **fresh;
    size_t i;

    if (new_n > SIZE_MAX / sizeof(*fresh)) {
        return;
    }
    fresh = calloc(new_n, sizeof(*fresh));
    if (fresh == NULL) {
        return;
    }
    for (i = 0; i < old_n; i++) {
        mz_table_entry *e = t->buckets[i];

        while (e != NULL) {
            mz_table_entry *next = e->next;
            size_t b = (size_t)(e->hash & (new_n - 1));

            e->next = fresh[b];
            fresh[b] = e;
            e = next;
        }
    }
    free(t->buckets);
    t->buckets = fresh;
    t->mask = new_n - 1;
}

const mz_table_entry *
mz_table_get(mz_table *t, const char *key, size_t klen, double now)
{
    uint64_t h = hash_bytes(t->seed, key, klen);
    mz_table_entry **link = find(t, key, klen, h);

    if (*link == NULL) {
        return NULL;
    }
    if ((*link)->expires <= now) {
        unlink_entry(t, link);
        MZ_ASSERT(mz_table_consistent(t));
        return NULL;
    }
    return *link;
}

mz_status
mz_table_set(mz_table *t,
             const char *key,
             size_t klen,
             const char *value,
             size_t vlen,
             double expires,
             mz_error *err)
{
    uint64_t h = hash_bytes(t->seed, key, klen);
    mz_table_entry **link;
    mz_table_entry *e;

    if (klen > SIZE_MAX - sizeof(*e) - vlen) {
        return mz_error_set(err, MZ_E_NOMEM, "entry too large");
    }
    e = malloc(sizeof(*e) + klen + vlen);
    if (e == NULL) {
        return mz_error_set(err, MZ_E_NOMEM, "out of memory");
    }
    e->hash = h;
    e->expires = expires;
    e->klen = klen;
    e->vlen = vlen;
    if (klen > 0) {
        memcpy(e->data, key, klen);
    }
    if (vlen > 0) {
        memcpy(e->data + klen, value, vlen);
    }
    link = find(t, key, klen, h);
    if (*link != NULL) {
        mz_table_entry *old = *link;

        e->next = old->next;
        *link = e;
        free(old);
    } else {
        e->next = NULL;
        *link = e;
        t->count++;
        if (t->count > t->mask + 1) {
            grow(t);
        }
    }
    MZ_ASSERT(mz_table_consistent(t));
    return MZ_OK;
}

bool
mz_table_delete(mz_table *t, const char *key, size_t klen, double now)
{
    uint64_t h = hash_bytes(t->seed, key, klen);
    mz_table_entry **link = find(t, key, klen, h);
    bool live;

    if (*link == NULL) {
        return false;
    }
    live = (*link)->expires > now;
    unlink_entry(t, link);
    MZ_ASSERT(mz_table_consistent(t));
    return live;
}

size_t
mz_table_delete_prefix(mz_table *t,
                       const char *prefix,
                       size_t plen,
                       double now)
{
    size_t removed = 0;
    size_t i;

    for (i = 0; i <= t->mask; i++) {
        mz_table_entry **link = &t->buckets[i];

        while (*link != NULL) {
            mz_table_entry *e = *link;

            if (e->klen >= plen &&
                (plen == 0 || memcmp(e->data, prefix, plen) == 0)) {
                if (e->expires > now) {
                    removed++;
                }
                unlink_entry(t, link);
            } else {
                link = &e->next;
            }
        }
    }
    MZ_ASSERT(mz_table_consistent(t));
    return removed;
}

/* Parse the decimal text -?[0-9]+ (leading zeros allowed) as an int64.
 * Returns false when the text has another shape or leaves int64. */
static bool
parse_i64(const char *s, size_t n, int64_t *out)
{
    bool negative = false;
    uint64_t magnitude = 0;
    size_t i = 0;

    if (n > 0 && s[0] == '-') {
        negative = true;
        i = 1;
    }
    if (i == n) {
        return false;
    }
    for (; i < n; i++) {
        unsigned digit = (unsigned)(unsigned char)s[i] - '0';

        if (digit > 9) {
            return false;
        }
        if (magnitude > (UINT64_MAX - digit) / 10) {
            magnitude = UINT64_MAX; /* saturate; refused below */
        } else {
            magnitude = magnitude * 10 + digit;
        }
    }
    if (negative) {
        if (magnitude > (uint64_t)INT64_MAX + 1) {
            return false;
        }
        *out = magnitude == (uint64_t)INT64_MAX + 1 ? INT64_MIN
                                                    : -(int64_t)magnitude;
        return true;
    }
    if (magnitude > (uint64_t)INT64_MAX) {
        return false;
    }
    *out = (int64_t)magnitude;
    return true;
}

mz_status
mz_table_incr(mz_table *t,
              const char *key,
              size_t klen,
              double now,
              double ttl,
              int64_t *out,
              mz_error *err)
{
    const mz_table_entry *e = mz_table_get(t, key, klen, now);
    int64_t value = 0;
    char text[24];
    int n;

    if (e != NULL && !parse_i64(mz_table_value(e), e->vlen, &value)) {
        return mz_error_set(err, MZ_E_VALUE, MZ_TEXT_NOT_INTEGER);
    }
    if (value == INT64_MAX) {
        return mz_error_set(err, MZ_E_VALUE, MZ_TEXT_OVERFLOW);
    }
    value++;
    n = snprintf(text, sizeof(text), "%lld", (long long)value);
    MZ_ASSERT(n > 0 && (size_t)n < sizeof(text));
    if (mz_table_set(t, key, klen, text, (size_t)n, now + ttl, err) != MZ_OK) {
        return MZ_ERROR;
    }
    *out = value;
    return MZ_OK;
}

bool
mz_table_consistent(const mz_table *t)
{
    size_t seen = 0;
    size_t i;

    if (t->buckets == NULL || ((t->mask + 1) & t->mask) != 0) {
        return false;
    }
    for (i = 0; i <= t->mask; i++) {
        const mz_table_entry *e;

        for (e = t->buckets[i]; e != NULL; e = e->next) {
            if ((e->hash & t->mask) != i ||
                e->hash != hash_bytes(t->seed, e->data, e->klen)) {
                return false;
            }
            seen++;
        }
    }
    return seen == t->count;
}
