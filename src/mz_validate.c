/* mz_validate.c - compiled parameter schema and fast-path text rules. */
#include "mz_base.h"

#include "mz_validate.h"

#include <stdlib.h>

/* Largest node, slot or parameter count; keeps indices below MZ_NO_INDEX. */
#define MZ_SCHEMA_MAX_ITEMS (UINT32_C(1) << 24)

static const char *const kind_names[] = {
    [MZ_KIND_ANY] = "any",
    [MZ_KIND_STR] = "str",
    [MZ_KIND_INT] = "int",
    [MZ_KIND_FLOAT] = "float",
    [MZ_KIND_BOOL] = "bool",
    [MZ_KIND_NONE] = "none",
    [MZ_KIND_OPTIONAL] = "optional",
    [MZ_KIND_LIST] = "list",
    [MZ_KIND_LITERAL] = "literal",
    [MZ_KIND_ENUM] = "enum",
    [MZ_KIND_DELEGATE] = "delegate",
};

void
mz_schema_init(mz_schema *schema)
{
    memset(schema, 0, sizeof(*schema));
}

void
mz_schema_free(mz_schema *schema)
{
    free(schema->nodes);
    free(schema->params);
    mz_schema_init(schema);
}

/* Grow an array of `size`-byte items to hold one more; 0 or -1 (err set). */
static mz_status
grow(void **items, uint32_t *cap, uint32_t count, size_t size, mz_error *err)
{
    uint32_t new_cap;
    void *grown = NULL;

    if (count < *cap) {
        return MZ_OK;
    }
    if (count >= MZ_SCHEMA_MAX_ITEMS) {
        return mz_error_set(err, MZ_E_LIMIT, "parameter spec too large");
    }
    new_cap = *cap ? *cap * 2 : 8;
    grown = realloc(*items, (size_t)new_cap * size);
    if (grown == NULL) {
        return mz_error_set(err, MZ_E_NOMEM, "out of memory");
    }
    *items = grown;
    *cap = new_cap;
    return MZ_OK;
}

mz_status
mz_schema_add_node(mz_schema *schema,
                   mz_kind kind,
                   uint32_t *out,
                   mz_error *err)
{
    mz_node *node;

    if (grow((void **)&schema->nodes,
             &schema->cap_nodes,
             schema->n_nodes,
             sizeof(mz_node),
             err) != MZ_OK) {
        return MZ_ERROR;
    }
    node = &schema->nodes[schema->n_nodes];
    node->kind = kind;
    node->inner = MZ_NO_INDEX;
    node->fallback = MZ_NO_INDEX;
    node->payload = MZ_NO_INDEX;
    *out = schema->n_nodes++;
    return MZ_OK;
}

mz_status
mz_schema_add_slot(mz_schema *schema, uint32_t *out, mz_error *err)
{
    if (schema->n_slots >= MZ_SCHEMA_MAX_ITEMS) {
        return mz_error_set(err, MZ_E_LIMIT, "parameter spec too large");
    }
    *out = schema->n_slots++;
    return MZ_OK;
}

mz_status
mz_schema_add_param(mz_schema *schema, const mz_param *param, mz_error *err)
{
    if (grow((void **)&schema->params,
             &schema->cap_params,
             schema->n_params,
             sizeof(mz_param),
             err) != MZ_OK) {
        return MZ_ERROR;
    }
    schema->params[schema->n_params++] = *param;
    return MZ_OK;
}

static bool
slot_ok(const mz_schema *schema, uint32_t slot)
{
    return slot < schema->n_slots;
}

mz_status
mz_schema_check(const mz_schema *schema, mz_error *err)
{
    uint32_t i;

    for (i = 0; i < schema->n_nodes; i++) {
        const mz_node *node = &schema->nodes[i];
        bool needs_inner =
            node->kind == MZ_KIND_OPTIONAL || node->kind == MZ_KIND_LIST;
        bool needs_fallback =
            node->kind != MZ_KIND_OPTIONAL && node->kind != MZ_KIND_ANY;
        bool needs_payload =
            node->kind == MZ_KIND_LITERAL || node->kind == MZ_KIND_ENUM;

        /* Children are always appended after their parent, which rules out
         * cycles and bounds every walk. */
        if (node->kind >= MZ_KIND_INVALID ||
            (needs_inner &&
             (node->inner <= i || node->inner >= schema->n_nodes)) ||
            (!needs_inner && node->inner != MZ_NO_INDEX) ||
            (needs_fallback && !slot_ok(schema, node->fallback)) ||
            (needs_payload && !slot_ok(schema, node->payload))) {
            return mz_error_set(err, MZ_E_LIMIT, "inconsistent node");
        }
    }
    for (i = 0; i < schema->n_params; i++) {
        const mz_param *param = &schema->params[i];

        if (param->node >= schema->n_nodes || !slot_ok(schema, param->name) ||
            !slot_ok(schema, param->dflt) ||
            param->default_kind > MZ_DEFAULT_FACTORY) {
            return mz_error_set(err, MZ_E_LIMIT, "inconsistent parameter");
        }
    }
    return MZ_OK;
}

mz_kind
mz_validate_kind(const char *name, size_t len)
{
    int kind;

    for (kind = 0; kind < MZ_KIND_INVALID; kind++) {
        const char *candidate = kind_names[kind];

        if (strlen(candidate) == len && memcmp(candidate, name, len) == 0) {
            return (mz_kind)kind;
        }
    }
    return MZ_KIND_INVALID;
}

bool
mz_validate_fast_int(const char *s, size_t len, int64_t *out)
{
    size_t i = 0;
    size_t digits;
    int64_t value = 0;
    bool negative = false;

    if (len > 0 && s[0] == '-') {
        negative = true;
        i = 1;
    }
    digits = len - i;
    if (digits == 0 || digits > MZ_FAST_INT_DIGITS) {
        return false;
    }
    if (s[i] == '0' && digits != 1) {
        return false;
    }
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        value = value * 10 + (s[i] - '0');
    }
    *out = negative ? -value : value;
    return true;
}

int
mz_validate_bool_text(const char *s, size_t len)
{
    if (len == 4 && memcmp(s, "true", 4) == 0) {
        return 1;
    }
    if (len == 5 && memcmp(s, "false", 5) == 0) {
        return 0;
    }
    return -1;
}
