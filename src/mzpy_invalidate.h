/* mzpy_invalidate.h - the InvalidationPlan heap type, compile_invalidation
 * and resolve_invalidation (INV-2..8, MRG-4/5). NORM-1 and the header are in
 * mzpy_xmi.h. Twin: mizan/core/_py/invalidate.py. */
#ifndef MIZAN_MZPY_INVALIDATE_H
#define MIZAN_MZPY_INVALIDATE_H

#include "mzpy.h"

/* Spec of mizan._speedups.InvalidationPlan; mzpy_module.c creates the type
 * with PyType_FromModuleAndSpec. */
extern PyType_Spec mzpy_invalidation_plan_spec;

/* compile_invalidation(targets, merges): both BORROWED iterables of
 * (context, function | None, params) and (context, slot, params) tuples.
 * Returns a NEW InvalidationPlan, or NULL with ValueError (a malformed
 * entry, worded as the twin) or whatever iterating raised. */
PyObject *
mzpy_inv_compile(mz_state *state, PyObject *targets, PyObject *merges);

/* resolve_invalidation(plan, arguments, supplied, value, default): all
 * BORROWED. Returns a NEW tuple (invalidate list, merge list); every merge
 * entry holds `value` itself. NULL with TypeError (wrong argument types),
 * EncodeError (an entry the canonical writer refuses) or whatever default()
 * or a name's hash or comparison raised. */
PyObject *
mzpy_inv_resolve(mz_state *state,
                 PyObject *plan,
                 PyObject *arguments,
                 PyObject *supplied,
                 PyObject *value,
                 PyObject *default_fn);

#endif /* MIZAN_MZPY_INVALIDATE_H */
