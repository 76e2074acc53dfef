/* What the fuzz harnesses share: a check that aborts (libFuzzer and ASan
 * report the crash with the input that caused it). */
#ifndef MZ_FUZZ_H
#define MZ_FUZZ_H

#include <stdio.h>
#include <stdlib.h>

#define MZ_CHECK(cond)                                 \
    do {                                               \
        if (!(cond)) {                                 \
            fprintf(stderr,                            \
                    "fuzz check failed: %s (%s:%d)\n", \
                    #cond,                             \
                    __FILE__,                          \
                    __LINE__);                         \
            abort();                                   \
        }                                              \
    } while (0)

#endif
