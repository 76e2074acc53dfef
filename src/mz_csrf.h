/* mz_csrf.h - the byte-level pieces of Django's CSRF decision (issue 20):
 * token format, unmasking and the constant-time match, Django's
 * is_same_domain, the host validation of HttpRequest.get_host, and the
 * subset of urllib.parse.urlsplit an Origin or Referer needs. Python-free;
 * the decision table over a Django request is mzpy_csrf.c. Twin: Django's
 * own django/middleware/csrf.py (mizan/core/_py/csrf.py defers to it). */
#ifndef MIZAN_MZ_CSRF_H
#define MIZAN_MZ_CSRF_H

#include "mz_base.h"

#define MZ_CSRF_SECRET_LENGTH 32
#define MZ_CSRF_TOKEN_LENGTH 64

/* What _check_token_format says about a token or cookie secret. */
typedef enum mz_csrf_format {
    MZ_CSRF_FORMAT_OK = 0,
    MZ_CSRF_FORMAT_LENGTH = 1, /* "has incorrect length" */
    MZ_CSRF_FORMAT_CHARS = 2,  /* "has invalid characters" */
} mz_csrf_format;

/* One URL split as urlsplit splits it: offsets into the caller's buffer.
 * The scheme is as written (urlsplit lowercases it: compare with
 * mz_csrf_scheme_is). A part that is absent has length 0; `has_query` and
 * `has_fragment` say whether its '?' or '#' was there. */
typedef struct mz_csrf_url {
    size_t scheme, scheme_len;
    size_t netloc, netloc_len;
    size_t path, path_len;
    size_t query, query_len;
    size_t fragment, fragment_len;
} mz_csrf_url;

/* _check_token_format on `len` bytes of ASCII text (the caller defers
 * non-ASCII text: Python measures length in code points). */
mz_csrf_format
mz_csrf_token_format(const char *token, size_t len);

/* _unmask_cipher_token: the 32-byte secret of a 64-byte masked token whose
 * bytes are all letters or digits, written to `out` (not terminated). */
void
mz_csrf_unmask(const char *token, char *out);

/* _does_token_match: `token` (32 or 64 bytes of letters and digits, a 64
 * one unmasked first) against `secret`, in time independent of where they
 * differ. False when the lengths differ. */
bool
mz_csrf_token_matches(const char *token,
                      size_t token_len,
                      const char *secret,
                      size_t secret_len);

/* django.utils.http.is_same_domain(host, pattern) on ASCII text: the
 * pattern is compared lowercased, the host as given. */
bool
mz_csrf_same_domain(const char *host,
                    size_t host_len,
                    const char *pattern,
                    size_t pattern_len);

/* split_domain_port(host): writes the lowercased domain (trailing dot
 * removed) to `domain` (room for host_len bytes) and its length to
 * `*domain_len`; 0 when the host does not match host_validation_re. */
void
mz_csrf_split_domain(const char *host,
                     size_t host_len,
                     char *domain,
                     size_t *domain_len);

/* urlsplit(url) for text of printable ASCII without spaces or brackets
 * (the caller defers anything else: urlsplit strips, removes or validates
 * those). Fills `*out`; returns MZ_ERROR, leaving it unset, otherwise. */
mz_status
mz_csrf_urlsplit(const char *url, size_t len, mz_csrf_url *out);

/* Whether the scheme at `url` + `part` is `want` (lowercase) once
 * lowercased, as urlsplit reports it. */
bool
mz_csrf_scheme_is(const char *url, const mz_csrf_url *part, const char *want);

#endif /* MIZAN_MZ_CSRF_H */
