/* mzpy_csrf.h - csrf_check: Django's CsrfViewMiddleware decision for one
 * request, taken in C where the inputs are the common ones (cookie secret,
 * X-CSRFToken header, Origin or HTTPS Referer), handed back to Django's own
 * code otherwise. Twin: mizan/core/_py/csrf.py, which hands back every
 * request (the oracle is Django's middleware itself). */
#ifndef MIZAN_MZPY_CSRF_H
#define MIZAN_MZPY_CSRF_H

#include "mzpy.h"

/* The verdicts, the first item of csrf_check's answer. */
#define MZ_CSRF_VERDICT_ACCEPT 0
#define MZ_CSRF_VERDICT_REJECT 1
#define MZ_CSRF_VERDICT_DEFER 2

/* The names csrf_check reads on every request, interned once at module exec
 * (mz_state.csrf_names): a NEW tuple, or NULL with an exception set. */
PyObject *
mzpy_csrf_names(void);

/* csrf_check(middleware, settings, request) with the module's `state`: all
 * BORROWED. Returns a NEW tuple (verdict, secret | reason | None), or NULL
 * with what reading the request, the settings or the middleware raised (as
 * Django's path would raise it). */
PyObject *
mzpy_csrf_check(mz_state *state,
                PyObject *middleware,
                PyObject *settings,
                PyObject *request);

#endif /* MIZAN_MZPY_CSRF_H */
