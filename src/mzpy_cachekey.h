/* mzpy_cachekey.h - cache_key_message, derive_cache_key and generation_key
 * (CKEY-1..5, CPUR-4): NORM-1 through mzpy_xmi.h, the message through
 * mz_cachekey.h, HMAC-SHA256 through the hmac module held in the state.
 * Twin: mizan/core/_py/cachekey.py. */
#ifndef MIZAN_MZPY_CACHEKEY_H
#define MIZAN_MZPY_CACHEKEY_H

#include "mzpy.h"

/* cache_key_message(context, params, user_id, rev): all BORROWED. Returns
 * the NEW bytes of the CKEY-2 message, or NULL with TypeError (argument
 * types, worded as the twin), EncodeError (a value NORM-1 refuses, a lone
 * surrogate) or what iterating `params` or default NORM-1 raised. */
PyObject *
mzpy_ckey_message(mz_state *state,
                  PyObject *context,
                  PyObject *params,
                  PyObject *user_id,
                  PyObject *rev);

/* derive_cache_key(secret, context, params, user_id, rev): all BORROWED.
 * Returns the NEW str "ctx:<context>:<hex>", or NULL with the errors of
 * mzpy_ckey_message, TypeError for a secret that is not a non-empty str
 * (checked first), or UnicodeEncodeError for a secret with a surrogate. */
PyObject *
mzpy_ckey_derive(mz_state *state,
                 PyObject *secret,
                 PyObject *context,
                 PyObject *params,
                 PyObject *user_id,
                 PyObject *rev);

/* generation_key(secret, context, name, value): all BORROWED. Returns the
 * NEW str "gen:<context>:<hex>", or NULL with TypeError (context or name not
 * a str, then, after the message, a bad secret), EncodeError or
 * UnicodeEncodeError. */
PyObject *
mzpy_ckey_generation(mz_state *state,
                     PyObject *secret,
                     PyObject *context,
                     PyObject *name,
                     PyObject *value);

#endif /* MIZAN_MZPY_CACHEKEY_H */
