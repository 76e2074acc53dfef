/* mz_cachekey.h - canonical message bytes of the origin-cache keys
 * (PROTOCOL CKEY-2, CPUR-4). The HMAC itself is computed by the binding
 * through libcrypto (mz_hmac.c); nothing here hashes.
 *
 * Every text is already normalized (NORM-1) valid UTF-8; the writer escapes
 * exactly as the canonical JSON writer does (mz_buf_append_escaped).
 */
#ifndef MIZAN_MZ_CACHEKEY_H
#define MIZAN_MZ_CACHEKEY_H

#include "mz_base.h"
#include "mz_buf.h"

/* A borrowed byte string (not NUL-terminated). */
typedef struct mz_ckey_text {
    const char *s;
    size_t n;
} mz_ckey_text;

/* One parameter: its name and its NORM-1 value text. */
typedef struct mz_ckey_param {
    mz_ckey_text name;
    mz_ckey_text value;
} mz_ckey_param;

/* Append the CKEY-2 message {"c":..,"p":{..},"r":..,"u":..} to `out`.
 *
 * `context`, `rev` (decimal text of the revision, written bare) and `user`
 * (NULL: "u" is omitted) are BORROWED. `params` (n_params entries, BORROWED
 * texts) is sorted in place by name bytes, which for UTF-8 is code-point
 * order; names must be distinct. Returns MZ_OK, or MZ_ERROR with `err` set
 * (MZ_E_NOMEM, or MZ_E_ENCODE for an empty rev). */
mz_status
mz_cachekey_message(mz_buf *out,
                    mz_ckey_text context,
                    mz_ckey_param *params,
                    size_t n_params,
                    mz_ckey_text rev,
                    const mz_ckey_text *user,
                    mz_error *err);

/* Append the CPUR-4 generation message {"c":..,"k":..,"v":..} to `out`
 * (all texts BORROWED). Returns MZ_OK, or MZ_ERROR with MZ_E_NOMEM. */
mz_status
mz_cachekey_generation_message(mz_buf *out,
                               mz_ckey_text context,
                               mz_ckey_text name,
                               mz_ckey_text value,
                               mz_error *err);

#endif /* MIZAN_MZ_CACHEKEY_H */
