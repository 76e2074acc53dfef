/* mzpy_redis.h - the RedisCache heap type over mz_redis (CBE-1, CBE-3).
 * Twin: mizan/core/_py/redis.py. */
#ifndef MIZAN_MZPY_REDIS_H
#define MIZAN_MZPY_REDIS_H

#include "mzpy.h"

/* Spec of mizan._speedups.RedisCache; mzpy_module.c creates the type with
 * PyType_FromModuleAndSpec. */
extern PyType_Spec mzpy_redis_cache_spec;

#endif /* MIZAN_MZPY_REDIS_H */
