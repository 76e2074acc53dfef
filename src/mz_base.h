/* mz_base.h - first include of every core file: fixed-width types, branch
 * hints, the status enum and the error record the core fills for its caller.
 *
 * Nothing here includes Python.h: the mz_* units work on bytes, json_t and
 * Mizan's own structs, so they can be fuzzed and run under valgrind alone.
 */
#ifndef MIZAN_MZ_BASE_H
#define MIZAN_MZ_BASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#define MZ_LIKELY(x) __builtin_expect(!!(x), 1)
#define MZ_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define MZ_INLINE static inline __attribute__((always_inline))
#else
#define MZ_LIKELY(x) (x)
#define MZ_UNLIKELY(x) (x)
#define MZ_INLINE static inline
#endif

#ifdef MZ_ASSERT_CONSISTENT
#include <assert.h>
#define MZ_ASSERT(x) assert(x)
#else
#define MZ_ASSERT(x) ((void)0)
#endif

/* Every core function returns one of these and fills an mz_error on
 * failure; the binding turns the record into a Python exception. */
typedef enum mz_status {
    MZ_OK = 0,
    MZ_ERROR = -1,
} mz_status;

/* What went wrong. The parse codes map one-to-one onto the fixed reasons of
 * ParseError (mz_error_reason); the others carry their own message. */
typedef enum mz_code {
    MZ_E_NONE = 0,
    MZ_E_NOMEM,      /* allocation failed: MemoryError */
    MZ_E_TOO_LARGE,  /* body longer than max_size */
    MZ_E_TOO_DEEP,   /* nesting deeper than the limit */
    MZ_E_MALFORMED,  /* anything the strict grammar refuses */
    MZ_E_NOT_OBJECT, /* a call body that is not an object */
    MZ_E_BAD_FN,     /* fn missing, empty or not a string */
    MZ_E_BAD_ARGS,   /* args neither an object nor null */
    MZ_E_ENCODE,     /* a value the canonical writer cannot represent */
    MZ_E_LIMIT,      /* an internal size limit (spec too large) */
    MZ_E_VALUE,      /* a stored value refused (incr): ValueError */
    MZ_E_CACHE,      /* a cache backend failed (Redis): CacheError */
} mz_code;

#define MZ_ERROR_MESSAGE_SIZE 160
#define MZ_ERROR_PATH_SIZE 64

/* A failure report: code, where in the input (byte offset, 1-based line and
 * column, or -1 when unknown), an optional path, and a message. */
typedef struct mz_error {
    mz_code code;
    int64_t offset;
    int line;
    int column;
    char path[MZ_ERROR_PATH_SIZE];
    char message[MZ_ERROR_MESSAGE_SIZE];
} mz_error;

static inline void
mz_error_clear(mz_error *err)
{
    err->code = MZ_E_NONE;
    err->offset = -1;
    err->line = -1;
    err->column = -1;
    err->path[0] = '\0';
    err->message[0] = '\0';
}

/* Fill `err` with `code` and a copy of `message` (truncated to fit).
 * Always returns MZ_ERROR so callers can `return mz_error_set(...)`. */
static inline mz_status
mz_error_set(mz_error *err, mz_code code, const char *message)
{
    size_t n = strlen(message);

    if (n >= MZ_ERROR_MESSAGE_SIZE) {
        n = MZ_ERROR_MESSAGE_SIZE - 1;
    }
    err->code = code;
    memcpy(err->message, message, n);
    err->message[n] = '\0';
    return MZ_ERROR;
}

/* The fixed texts shared with the pure-Python twin (mizan/core/_py/json.py).
 * Both backends raise ParseError(reason) with exactly these strings. */
#define MZ_REASON_TOO_LARGE "body too large"
#define MZ_REASON_TOO_DEEP "nesting too deep"
#define MZ_REASON_MALFORMED "malformed JSON"
#define MZ_REASON_NOT_OBJECT "body is not a JSON object"
#define MZ_REASON_BAD_FN "fn must be a non-empty string"
#define MZ_REASON_BAD_ARGS "args must be a JSON object or null"

/* The public reason of a parse failure, or the message for other codes. */
static inline const char *
mz_error_reason(const mz_error *err)
{
    switch (err->code) {
        case MZ_E_TOO_LARGE:
            return MZ_REASON_TOO_LARGE;
        case MZ_E_TOO_DEEP:
            return MZ_REASON_TOO_DEEP;
        case MZ_E_MALFORMED:
            return MZ_REASON_MALFORMED;
        case MZ_E_NOT_OBJECT:
            return MZ_REASON_NOT_OBJECT;
        case MZ_E_BAD_FN:
            return MZ_REASON_BAD_FN;
        case MZ_E_BAD_ARGS:
            return MZ_REASON_BAD_ARGS;
        default:
            return err->message;
    }
}

#endif /* MIZAN_MZ_BASE_H */
