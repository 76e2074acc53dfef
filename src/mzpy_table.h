/* mzpy_table.h - the MemoryCache heap type over mz_table (CBE-1, CBE-2).
 * Twin: mizan/core/_py/table.py. */
#ifndef MIZAN_MZPY_TABLE_H
#define MIZAN_MZPY_TABLE_H

#include "mzpy.h"

/* Spec of mizan._speedups.MemoryCache; mzpy_module.c creates the type with
 * PyType_FromModuleAndSpec. */
extern PyType_Spec mzpy_memory_cache_spec;

#endif /* MIZAN_MZPY_TABLE_H */
