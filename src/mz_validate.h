/* mz_validate.h - the compiled parameter schema (a flat node array built once
 * per function) and the Python-free text rules of the validation fast paths.
 *
 * Nodes and parameters refer to the binding's objects (fallbacks, literal
 * and enum tables, names, defaults) by slot index only; the binding owns the
 * objects. Twin: mizan/core/_py/validate.py.
 */
#ifndef MIZAN_MZ_VALIDATE_H
#define MIZAN_MZ_VALIDATE_H

#include "mz_base.h"

/* Node kinds, in the order of the twin's KINDS tuple. */
typedef enum mz_kind {
    MZ_KIND_ANY = 0,
    MZ_KIND_STR,
    MZ_KIND_INT,
    MZ_KIND_FLOAT,
    MZ_KIND_BOOL,
    MZ_KIND_NONE,
    MZ_KIND_OPTIONAL,
    MZ_KIND_LIST,
    MZ_KIND_LITERAL,
    MZ_KIND_ENUM,
    MZ_KIND_DELEGATE,
    MZ_KIND_INVALID,
} mz_kind;

/* How a missing argument is filled (the twin's REQUIRED, DEFAULT_VALUE and
 * DEFAULT_FACTORY). */
typedef enum mz_default {
    MZ_DEFAULT_REQUIRED = 0,
    MZ_DEFAULT_VALUE = 1,
    MZ_DEFAULT_FACTORY = 2,
} mz_default;

#define MZ_NO_INDEX UINT32_MAX
/* Deepest node nesting compile accepts (the twin's _MAX_SPEC_DEPTH). */
#define MZ_SPEC_MAX_DEPTH 64
/* Largest magnitude of an int that the float fast path converts (2**53). */
#define MZ_EXACT_FLOAT_INT ((int64_t)1 << 53)
/* Longest digit run of the int fast path: 18 digits always fit int64. */
#define MZ_FAST_INT_DIGITS 18

/* One node. `inner` is a node index (optional, list), `fallback` and
 * `payload` are slot indices (MZ_NO_INDEX when unused). */
typedef struct mz_node {
    mz_kind kind;
    uint32_t inner;
    uint32_t fallback;
    uint32_t payload;
} mz_node;

/* One parameter: its root node, the slots of its name and default. */
typedef struct mz_param {
    uint32_t node;
    uint32_t name;
    uint32_t dflt;
    mz_default default_kind;
} mz_param;

/* A compiled parameter list. Owns its two arrays, nothing else. */
typedef struct mz_schema {
    mz_node *nodes;
    uint32_t n_nodes;
    uint32_t cap_nodes;
    mz_param *params;
    uint32_t n_params;
    uint32_t cap_params;
    uint32_t n_slots;
} mz_schema;

/* Initialise an empty schema (no allocation). */
void
mz_schema_init(mz_schema *schema);

/* Free both arrays; the schema is empty and reusable after. */
void
mz_schema_free(mz_schema *schema);

/* Append a node of `kind` with no children or slots; its index goes to *out.
 * Fails with MZ_E_NOMEM or MZ_E_LIMIT. Indices stay valid; pointers into
 * schema->nodes do not survive the next append. */
mz_status
mz_schema_add_node(mz_schema *schema,
                   mz_kind kind,
                   uint32_t *out,
                   mz_error *err);

/* Reserve the next object slot; its index goes to *out. */
mz_status
mz_schema_add_slot(mz_schema *schema, uint32_t *out, mz_error *err);

/* Append a copy of `param`. */
mz_status
mz_schema_add_param(mz_schema *schema, const mz_param *param, mz_error *err);

/* Check the invariants (indices in range, children present where the kind
 * needs them, no cycles). Returns MZ_ERROR with MZ_E_LIMIT on a violation. */
mz_status
mz_schema_check(const mz_schema *schema, mz_error *err);

/* The kind named by `name` (`len` bytes), or MZ_KIND_INVALID. */
mz_kind
mz_validate_kind(const char *name, size_t len);

/* The int fast path: true when `s` (`len` bytes) fully matches
 * -?(0|[1-9][0-9]{0,17}); the value goes to *out. */
bool
mz_validate_fast_int(const char *s, size_t len, int64_t *out);

/* The bool fast path: 1 for "true", 0 for "false", -1 for anything else. */
int
mz_validate_bool_text(const char *s, size_t len);

/* True when an int converts to float exactly in the twin's sense:
 * -2**53 <= value <= 2**53. */
static inline bool
mz_validate_exact_float_int(int64_t value)
{
    return value >= -MZ_EXACT_FLOAT_INT && value <= MZ_EXACT_FLOAT_INT;
}

#endif /* MIZAN_MZ_VALIDATE_H */
