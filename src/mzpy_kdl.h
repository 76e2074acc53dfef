/* mzpy_kdl.h - the canonical KDL 2.0 writer: a tree of node tuples straight
 * to bytes. Twin: write_kdl in mizan/core/_py/kdl.py. */
#ifndef MIZAN_MZPY_KDL_H
#define MIZAN_MZPY_KDL_H

#include "mzpy.h"

/* Write `sections` (BORROWED: a list or tuple of sections, each a list or
 * tuple of nodes `(name, args, props, children, inline)`) as canonical KDL:
 * non-empty sections separated by one empty line, children one per line
 * indented by four spaces, or `{ a; b }` on the node's line when inline.
 *
 * Returns a NEW bytes reference, or NULL with IRBuildError(message) from
 * `state` (the twin's messages, detected in the twin's order), or whatever
 * int() / float() of a number subclass or repr() of a refused identifier
 * raised, or MemoryError. */
PyObject *
mzpy_kdl_write(mz_state *state, PyObject *sections);

#endif /* MIZAN_MZPY_KDL_H */
