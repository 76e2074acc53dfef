/* mzpy_api.h - the method table of mizan._speedups (METH_FASTCALL wrappers
 * of every exported function, defined in mzpy_api.c). */
#ifndef MIZAN_MZPY_API_H
#define MIZAN_MZPY_API_H

#include "mzpy.h"

/* The module's functions; the PyModuleDef in mzpy_module.c points at it. */
extern PyMethodDef mzpy_api_methods[];

#endif /* MIZAN_MZPY_API_H */
