/* fuzz_main.c - a gcc driver for LLVMFuzzerTestOneInput: runs every file
 * named on the command line, then `rounds` deterministic mutations of each
 * (byte flips, JSON-ish insertions, deletions, splices). */
#include "mz_base.h"

#include <stdio.h>
#include <stdlib.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t
next_random(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static const char alphabet[] =
    "[]{}\",:\\ \t\n0123456789eE.-+tfnrulasu\x00\x7f\xff\xc3\xa9\xed\xa0"
    "%;=";

static size_t
mutate(uint8_t *buf, size_t len, size_t cap)
{
    size_t pos = len ? next_random() % len : 0;

    switch (next_random() % 4) {
        case 0:
            if (len) {
                buf[pos] ^= (uint8_t)(1u << (next_random() % 8));
            }
            return len;
        case 1:
            if (len < cap) {
                memmove(buf + pos + 1, buf + pos, len - pos);
                buf[pos] =
                    (uint8_t)alphabet[next_random() % (sizeof(alphabet) - 1)];
                return len + 1;
            }
            return len;
        case 2:
            if (len) {
                memmove(buf + pos, buf + pos + 1, len - pos - 1);
                return len - 1;
            }
            return len;
        default:
            if (len) {
                size_t from = next_random() % len;
                size_t n = next_random() % (len - from) + 1;

                if (len + n <= cap && n <= 256) {
                    uint8_t chunk[256];

                    memcpy(chunk, buf + from, n);
                    memmove(buf + pos + n, buf + pos, len - pos);
                    memcpy(buf + pos, chunk, n);
                    return len + n;
                }
            }
            return len;
    }
}

int
main(int argc, char **argv)
{
    long rounds = 0;
    int i;

    if (argc < 2) {
        fprintf(stderr, "usage: %s ROUNDS FILE...\n", argv[0]);
        return 2;
    }
    rounds = strtol(argv[1], NULL, 10);
    for (i = 2; i < argc; i++) {
        FILE *file = fopen(argv[i], "rb");
        uint8_t seed[4096];
        uint8_t buf[8192];
        size_t len;
        long round;

        if (file == NULL) {
            perror(argv[i]);
            return 2;
        }
        len = fread(seed, 1, sizeof(seed), file);
        fclose(file);
        LLVMFuzzerTestOneInput(seed, len);
        for (round = 0; round < rounds; round++) {
            size_t n = len;
            int steps = 1 + (int)(next_random() % 4);

            memcpy(buf, seed, len);
            while (steps-- > 0) {
                n = mutate(buf, n, sizeof(buf));
            }
            /* An exact-size heap copy lets ASan catch reads past the end. */
            {
                uint8_t *copy = malloc(n ? n : 1);

                memcpy(copy, buf, n);
                LLVMFuzzerTestOneInput(copy, n);
                free(copy);
            }
        }
    }
    printf("fuzzed %d seeds x %ld rounds\n", argc - 2, rounds);
    return 0;
}
