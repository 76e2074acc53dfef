/* mzpy_mwt.h - verify_mwt_claims (MWT-4): the strict reading and the claim
 * rules of mz_mwt.h, the key choice by kid (current secret first, retired
 * ones by kid) and the conversion of the claims to a dict. Twin:
 * mizan/core/_py/mwt.py (PyJWT behind the same strict rules). */
#ifndef MIZAN_MZPY_MWT_H
#define MIZAN_MZPY_MWT_H

#include "mzpy.h"

/* verify_mwt_claims(token, secret, kid, previous, audience, leeway): all
 * BORROWED. Returns the NEW dict of claims, or NULL with
 * mizan.core.errors.InvalidToken(message) (the twin's message), TypeError
 * for argument types, or MemoryError. */
PyObject *
mzpy_mwt_verify(mz_state *state,
                PyObject *token,
                PyObject *secret,
                PyObject *kid,
                PyObject *previous,
                PyObject *audience,
                PyObject *leeway);

#endif /* MIZAN_MZPY_MWT_H */
