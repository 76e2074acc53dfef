/* mzpy_invalidate.c - the InvalidationPlan heap type, compile_invalidation
 * and resolve_invalidation. The checks run in the twin's order with its
 * exact-type tests and messages (mizan/core/_py/invalidate.py).
 *
 * A plan holds its targets and merges in one C array; each points at the
 * index of its param-name set among the plan's distinct frozensets, so a
 * call computes the scoped params of each distinct set once (INV-3).
 */
#include "mzpy.h"

#include "mzpy_invalidate.h"

#include "mzpy_jsonw.h"

/* Scoped-param dicts of plans with up to this many distinct param sets live
 * on the C stack during a call. */
#define MZ_STACK_SETS 8

/* One affects= target (name: function or NULL) or merge= target (name: the
 * slot). Strong references. */
typedef struct mzpy_inv_target {
    PyObject *context;
    PyObject *name;
    Py_ssize_t set; /* index into the plan's `sets` */
} mzpy_inv_target;

typedef struct MzInvalidationPlanObject {
    PyObject_HEAD
    mz_state *state;        /* BORROWED: the module outlives the plans */
    PyObject *sets;         /* tuple of distinct frozensets of param names */
    mzpy_inv_target *items; /* n_targets targets, then n_merges merges */
    Py_ssize_t n_targets;
    Py_ssize_t n_merges;
} MzInvalidationPlanObject;

/* ------------------------------------------------------------------ */
/* The type                                                             */
/* ------------------------------------------------------------------ */

static void
free_items(mzpy_inv_target *items, Py_ssize_t count)
{
    Py_ssize_t i;

    for (i = 0; i < count; i++) {
        Py_XDECREF(items[i].context);
        Py_XDECREF(items[i].name);
    }
    PyMem_Free(items);
}

static int
plan_traverse(MzInvalidationPlanObject *self, visitproc visit, void *arg)
{
    Py_ssize_t i;

    Py_VISIT(Py_TYPE(self));
    Py_VISIT(self->sets);
    for (i = 0; i < self->n_targets + self->n_merges; i++) {
        Py_VISIT(self->items[i].context);
        Py_VISIT(self->items[i].name);
    }
    return 0;
}

static int
plan_clear(MzInvalidationPlanObject *self)
{
    mzpy_inv_target *items = self->items;
    Py_ssize_t count = self->n_targets + self->n_merges;

    self->items = NULL;
    self->n_targets = 0;
    self->n_merges = 0;
    free_items(items, count);
    Py_CLEAR(self->sets);
    return 0;
}

static void
plan_dealloc(MzInvalidationPlanObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);

    PyObject_GC_UnTrack(self);
    plan_clear(self);
    tp->tp_free((PyObject *)self);
    Py_DECREF(tp);
}

static PyObject *
plan_repr(MzInvalidationPlanObject *self)
{
    return PyUnicode_FromFormat("<InvalidationPlan %zd targets, %zd merges>",
                                self->n_targets,
                                self->n_merges);
}

PyDoc_STRVAR(plan_doc,
             "The compiled, immutable invalidation and merge targets of one\n"
             "mutation.\n\n"
             "Built by compile_invalidation(); read by\n"
             "resolve_invalidation().");

static PyType_Slot plan_slots[] = {
    {Py_tp_dealloc, plan_dealloc},
    {Py_tp_traverse, plan_traverse},
    {Py_tp_clear, plan_clear},
    {Py_tp_repr, plan_repr},
    {Py_tp_doc, (void *)plan_doc},
    {0, NULL},
};

PyType_Spec mzpy_invalidation_plan_spec = {
    .name = "mizan._speedups.InvalidationPlan",
    .basicsize = sizeof(MzInvalidationPlanObject),
    .itemsize = 0,
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE |
             Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = plan_slots,
};

/* ------------------------------------------------------------------ */
/* compile_invalidation                                                 */
/* ------------------------------------------------------------------ */

typedef struct compiler {
    mzpy_inv_target *items;
    Py_ssize_t count;
    Py_ssize_t cap;
    PyObject *sets;  /* list of distinct frozensets */
    PyObject *index; /* dict: frozenset -> its index in sets */
} compiler;

/* The twin's _check_name: an exact, non-empty str. */
static int
check_name(PyObject *value, const char *what)
{
    if (!PyUnicode_CheckExact(value) || PyUnicode_GET_LENGTH(value) == 0) {
        PyErr_Format(PyExc_ValueError, "%s must be a non-empty str", what);
        return -1;
    }
    return 0;
}

/* The twin's _check_params, then the index of the frozenset among the
 * distinct sets seen so far (added when new). Returns the index or -1. */
static Py_ssize_t
param_set(compiler *c, PyObject *params)
{
    PyObject *set = NULL;
    PyObject *found;
    PyObject *position = NULL;
    Py_ssize_t i;
    Py_ssize_t result = -1;
    bool strings = PyTuple_CheckExact(params);

    for (i = 0; strings && i < PyTuple_GET_SIZE(params); i++) {
        strings = PyUnicode_CheckExact(PyTuple_GET_ITEM(params, i));
    }
    if (!strings) {
        PyErr_SetString(PyExc_ValueError, "params must be a tuple of str");
        return -1;
    }
    set = PyFrozenSet_New(params);
    if (set == NULL) {
        return -1;
    }
    found = PyDict_GetItemWithError(c->index, set);
    if (found != NULL) {
        result = PyLong_AsSsize_t(found);
        goto done;
    }
    if (PyErr_Occurred()) {
        goto done;
    }
    position = PyLong_FromSsize_t(PyList_GET_SIZE(c->sets));
    if (position == NULL || PyDict_SetItem(c->index, set, position) < 0 ||
        PyList_Append(c->sets, set) < 0) {
        goto done;
    }
    result = PyList_GET_SIZE(c->sets) - 1;

done:
    Py_XDECREF(set);
    Py_XDECREF(position);
    return result;
}

/* Check one (context, name, params) entry and append it. `is_merge` selects
 * the merge form (name is the slot) over the target form (name is the
 * function or None). Returns 0 or -1. */
static int
add_entry(compiler *c, PyObject *entry, bool is_merge)
{
    PyObject *context;
    PyObject *name;
    Py_ssize_t set;

    if (!PyTuple_CheckExact(entry) || PyTuple_GET_SIZE(entry) != 3) {
        PyErr_Format(PyExc_ValueError,
                     is_merge ? "invalid merge target: %R"
                              : "invalid invalidation target: %R",
                     entry);
        return -1;
    }
    context = PyTuple_GET_ITEM(entry, 0);
    name = PyTuple_GET_ITEM(entry, 1);
    /* The twin checks a function before its context, a slot after. */
    if (!is_merge && name != Py_None && check_name(name, "function") < 0) {
        return -1;
    }
    if (check_name(context, "context") < 0 ||
        (is_merge && check_name(name, "slot") < 0)) {
        return -1;
    }
    set = param_set(c, PyTuple_GET_ITEM(entry, 2));
    if (set < 0) {
        return -1;
    }
    if (c->count == c->cap) {
        Py_ssize_t cap = c->cap == 0 ? 4 : 2 * c->cap;
        mzpy_inv_target *items =
            PyMem_Realloc(c->items, (size_t)cap * sizeof(mzpy_inv_target));

        if (items == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        c->items = items;
        c->cap = cap;
    }
    c->items[c->count].context = Py_NewRef(context);
    c->items[c->count].name = name == Py_None ? NULL : Py_NewRef(name);
    c->items[c->count].set = set;
    c->count++;
    return 0;
}

/* Append every entry of the iterable `entries`. Returns 0 or -1. */
static int
add_entries(compiler *c, PyObject *entries, bool is_merge)
{
    PyObject *iter = NULL;
    PyObject *entry = NULL;
    int rc = -1;

    iter = PyObject_GetIter(entries);
    if (iter == NULL) {
        goto done;
    }
    while ((entry = PyIter_Next(iter)) != NULL) {
        if (add_entry(c, entry, is_merge) < 0) {
            goto done;
        }
        Py_CLEAR(entry);
    }
    rc = PyErr_Occurred() ? -1 : 0;

done:
    Py_XDECREF(iter);
    Py_XDECREF(entry);
    return rc;
}

PyObject *
mzpy_inv_compile(mz_state *state, PyObject *targets, PyObject *merges)
{
    compiler c = {NULL, 0, 0, NULL, NULL};
    Py_ssize_t n_targets;
    MzInvalidationPlanObject *plan = NULL;

    c.sets = PyList_New(0);
    c.index = PyDict_New();
    if (c.sets == NULL || c.index == NULL ||
        add_entries(&c, targets, false) < 0) {
        goto error;
    }
    n_targets = c.count;
    if (add_entries(&c, merges, true) < 0) {
        goto error;
    }
    plan = (MzInvalidationPlanObject *)state->InvalidationPlanType->tp_alloc(
        state->InvalidationPlanType, 0);
    if (plan == NULL) {
        goto error;
    }
    plan->state = state;
    plan->sets = PyList_AsTuple(c.sets);
    if (plan->sets == NULL) {
        goto error;
    }
    plan->items = c.items;
    plan->n_targets = n_targets;
    plan->n_merges = c.count - n_targets;
    Py_DECREF(c.sets);
    Py_DECREF(c.index);
    return (PyObject *)plan;

error:
    free_items(c.items, c.count);
    Py_XDECREF(plan);
    Py_XDECREF(c.sets);
    Py_XDECREF(c.index);
    return NULL;
}

/* ------------------------------------------------------------------ */
/* resolve_invalidation                                                 */
/* ------------------------------------------------------------------ */

typedef struct resolver {
    mz_state *state;
    MzInvalidationPlanObject *plan;
    PyObject *arguments;  /* BORROWED dict */
    PyObject *supplied;   /* BORROWED tuple */
    PyObject *default_fn; /* BORROWED; NULL when default is None */
    PyObject **scoped;    /* per set: NEW dict once computed, else NULL */
} resolver;

/* The twin's _jsonable: None and exact str/int/float/bool as they are,
 * anything else through default (when there is one). NEW reference. */
static PyObject *
jsonable(resolver *r, PyObject *value)
{
    if (value == Py_None || r->default_fn == NULL ||
        PyUnicode_CheckExact(value) || PyLong_CheckExact(value) ||
        PyFloat_CheckExact(value) || PyBool_Check(value)) {
        return Py_NewRef(value);
    }
    return PyObject_CallOneArg(r->default_fn, value);
}

/* The scoped params of set `index` (INV-3): the supplied names, in supplied
 * order, that are in the set and in arguments, with their JSON-mode values.
 * Computed on first use. Returns a BORROWED dict, or NULL with an
 * exception. */
static PyObject *
scope(resolver *r, Py_ssize_t index)
{
    PyObject *set = PyTuple_GET_ITEM(r->plan->sets, index);
    PyObject *scoped = NULL;
    PyObject *value = NULL;
    PyObject *converted = NULL;
    Py_ssize_t i;

    if (r->scoped[index] != NULL) {
        return r->scoped[index];
    }
    scoped = PyDict_New();
    if (scoped == NULL) {
        goto error;
    }
    for (i = 0; i < PyTuple_GET_SIZE(r->supplied); i++) {
        PyObject *name = PyTuple_GET_ITEM(r->supplied, i);
        int in_set = PySequence_Contains(set, name);

        if (in_set < 0) {
            goto error;
        }
        if (in_set == 0) {
            continue;
        }
        value = Py_XNewRef(PyDict_GetItemWithError(r->arguments, name));
        if (value == NULL) {
            if (PyErr_Occurred()) {
                goto error;
            }
            continue;
        }
        converted = jsonable(r, value);
        if (converted == NULL || PyDict_SetItem(scoped, name, converted) < 0) {
            goto error;
        }
        Py_CLEAR(value);
        Py_CLEAR(converted);
    }
    r->scoped[index] = scoped;
    return scoped;

error:
    Py_XDECREF(scoped);
    Py_XDECREF(value);
    Py_XDECREF(converted);
    return NULL;
}

/* A copy of `scoped` under "params" in `entry` when it is not empty. */
static int
add_params(resolver *r, PyObject *entry, PyObject *scoped)
{
    PyObject *copy = NULL;
    int rc;

    if (PyDict_GET_SIZE(scoped) == 0) {
        return 0;
    }
    copy = PyDict_Copy(scoped);
    if (copy == NULL) {
        return -1;
    }
    rc = PyDict_SetItem(entry, r->state->str_params, copy);
    Py_DECREF(copy);
    return rc;
}

/* The invalidate entry of target `t` (INV-6): the bare context when broad,
 * else {"context", "function"?, "params"?}. NEW reference. */
static PyObject *
target_entry(resolver *r, const mzpy_inv_target *t)
{
    mz_state *state = r->state;
    PyObject *scoped = scope(r, t->set);
    PyObject *entry = NULL;

    if (scoped == NULL) {
        return NULL;
    }
    if (t->name == NULL && PyDict_GET_SIZE(scoped) == 0) {
        return Py_NewRef(t->context);
    }
    entry = PyDict_New();
    if (entry == NULL ||
        PyDict_SetItem(entry, state->str_context, t->context) < 0 ||
        (t->name != NULL &&
         PyDict_SetItem(entry, state->str_function, t->name) < 0) ||
        add_params(r, entry, scoped) < 0) {
        Py_XDECREF(entry);
        return NULL;
    }
    return entry;
}

/* Append the entry of each target, dropping one whose canonical JSON
 * equals an earlier one's (INV-8). Returns 0 or -1. */
static int
resolve_targets(resolver *r, PyObject *out)
{
    PyObject *seen = NULL;
    PyObject *entry = NULL;
    PyObject *key = NULL;
    Py_ssize_t i;
    int rc = -1;

    for (i = 0; i < r->plan->n_targets; i++) {
        int known = 0;

        entry = target_entry(r, &r->plan->items[i]);
        if (entry == NULL) {
            goto done;
        }
        key = mzpy_jsonw_encode(r->state, entry, Py_None);
        if (key == NULL) {
            goto done;
        }
        if (seen == NULL && i + 1 < r->plan->n_targets) {
            seen = PySet_New(NULL);
            if (seen == NULL) {
                goto done;
            }
        }
        if (seen != NULL) {
            known = PySet_Contains(seen, key);
            if (known < 0 || (known == 0 && PySet_Add(seen, key) < 0)) {
                goto done;
            }
        }
        if (known == 0 && PyList_Append(out, entry) < 0) {
            goto done;
        }
        Py_CLEAR(entry);
        Py_CLEAR(key);
    }
    rc = 0;

done:
    Py_XDECREF(seen);
    Py_XDECREF(entry);
    Py_XDECREF(key);
    return rc;
}

/* Append {"context", "slot", "value", "params"?} for each merge target
 * (MRG-4/5), `value` the very object passed in. Returns 0 or -1. */
static int
resolve_merges(resolver *r, PyObject *value, PyObject *out)
{
    mz_state *state = r->state;
    PyObject *item = NULL;
    Py_ssize_t i;

    for (i = r->plan->n_targets; i < r->plan->n_targets + r->plan->n_merges;
         i++) {
        const mzpy_inv_target *t = &r->plan->items[i];
        PyObject *scoped;

        item = PyDict_New();
        if (item == NULL ||
            PyDict_SetItem(item, state->str_context, t->context) < 0 ||
            PyDict_SetItem(item, state->str_slot, t->name) < 0 ||
            PyDict_SetItem(item, state->str_value, value) < 0) {
            goto error;
        }
        scoped = scope(r, t->set);
        if (scoped == NULL || add_params(r, item, scoped) < 0 ||
            PyList_Append(out, item) < 0) {
            goto error;
        }
        Py_CLEAR(item);
    }
    return 0;

error:
    Py_XDECREF(item);
    return -1;
}

PyObject *
mzpy_inv_resolve(mz_state *state,
                 PyObject *plan,
                 PyObject *arguments,
                 PyObject *supplied,
                 PyObject *value,
                 PyObject *default_fn)
{
    PyObject *stack_scoped[MZ_STACK_SETS];
    resolver r;
    PyObject *invalidate = NULL;
    PyObject *merge = NULL;
    PyObject *result = NULL;
    Py_ssize_t n_sets = 0;
    Py_ssize_t i;

    r.scoped = stack_scoped;
    if (!PyObject_TypeCheck(plan, state->InvalidationPlanType)) {
        PyErr_SetString(PyExc_TypeError, "plan must be an InvalidationPlan");
        goto done;
    }
    if (!PyDict_CheckExact(arguments)) {
        PyErr_SetString(PyExc_TypeError, "arguments must be a dict");
        goto done;
    }
    if (!PyTuple_CheckExact(supplied)) {
        PyErr_SetString(PyExc_TypeError, "supplied must be a tuple");
        goto done;
    }
    r.state = state;
    r.plan = (MzInvalidationPlanObject *)plan;
    r.arguments = arguments;
    r.supplied = supplied;
    r.default_fn = default_fn == Py_None ? NULL : default_fn;
    /* A plan emptied by tp_clear has no sets (and no items). */
    n_sets = r.plan->sets == NULL ? 0 : PyTuple_GET_SIZE(r.plan->sets);
    if (n_sets > MZ_STACK_SETS) {
        r.scoped = PyMem_Calloc((size_t)n_sets, sizeof(PyObject *));
        if (r.scoped == NULL) {
            n_sets = 0;
            PyErr_NoMemory();
            goto done;
        }
    } else {
        memset(stack_scoped, 0, sizeof(stack_scoped));
    }
    /* The plan's items stay alive during the call: it is immutable and the
     * caller holds a reference. */
    invalidate = PyList_New(0);
    merge = PyList_New(0);
    if (invalidate == NULL || merge == NULL ||
        resolve_targets(&r, invalidate) < 0 ||
        resolve_merges(&r, value, merge) < 0) {
        goto done;
    }
    result = PyTuple_Pack(2, invalidate, merge);

done:
    for (i = 0; i < n_sets; i++) {
        Py_XDECREF(r.scoped[i]);
    }
    if (r.scoped != stack_scoped) {
        PyMem_Free(r.scoped);
    }
    Py_XDECREF(invalidate);
    Py_XDECREF(merge);
    return result;
}
