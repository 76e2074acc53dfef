/* mzpy_spec.c - the ParamSpec heap type and compile_params: the twin's
 * tuple forms (mizan/core/_py/validate.py) checked in the twin's order and
 * turned into an mz_schema (a flat node array) plus a tuple of the objects
 * the nodes refer to (fallbacks, literal and enum tables, names, defaults).
 */
#include "mzpy.h"

#include "mzpy_spec.h"

#include "mzpy_convert.h"

/* ------------------------------------------------------------------ */
/* The type                                                             */
/* ------------------------------------------------------------------ */

static int
paramspec_traverse(MzParamSpecObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(self->names);
    Py_VISIT(self->slots);
    return 0;
}

static int
paramspec_clear(MzParamSpecObject *self)
{
    Py_CLEAR(self->names);
    Py_CLEAR(self->slots);
    return 0;
}

static void
paramspec_dealloc(MzParamSpecObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);

    PyObject_GC_UnTrack(self);
    paramspec_clear(self);
    mz_schema_free(&self->schema);
    tp->tp_free((PyObject *)self);
    Py_DECREF(tp);
}

static PyObject *
paramspec_repr(MzParamSpecObject *self)
{
    PyObject *sep = NULL;
    PyObject *joined = NULL;
    PyObject *result = NULL;

    if (self->names == NULL) {
        return PyUnicode_FromString("<ParamSpec>");
    }
    sep = PyUnicode_FromString(", ");
    if (sep == NULL) {
        goto done;
    }
    joined = PyUnicode_Join(sep, self->names);
    if (joined == NULL) {
        goto done;
    }
    result = PyUnicode_FromFormat("<ParamSpec %U>", joined);

done:
    Py_XDECREF(sep);
    Py_XDECREF(joined);
    return result;
}

static PyObject *
paramspec_get_names(MzParamSpecObject *self, void *Py_UNUSED(closure))
{
    if (self->names == NULL) {
        return PyTuple_New(0);
    }
    return Py_NewRef(self->names);
}

static PyGetSetDef paramspec_getset[] = {
    {"names",
     (getter)paramspec_get_names,
     NULL,
     PyDoc_STR("The parameter names, in order."),
     NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyDoc_STRVAR(paramspec_doc,
             "The compiled, immutable parameter list of one function.\n\n"
             "Built by compile_params(); read by validate_args().");

static PyType_Slot paramspec_slots[] = {
    {Py_tp_dealloc, paramspec_dealloc},
    {Py_tp_traverse, paramspec_traverse},
    {Py_tp_clear, paramspec_clear},
    {Py_tp_repr, paramspec_repr},
    {Py_tp_getset, paramspec_getset},
    {Py_tp_doc, (void *)paramspec_doc},
    {0, NULL},
};

PyType_Spec mzpy_paramspec_spec = {
    .name = "mizan._speedups.ParamSpec",
    .basicsize = sizeof(MzParamSpecObject),
    .itemsize = 0,
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE |
             Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = paramspec_slots,
};

/* ------------------------------------------------------------------ */
/* compile_params                                                       */
/* ------------------------------------------------------------------ */

typedef struct compiler {
    mz_state *state;
    mz_schema schema;
    PyObject *slots; /* list; becomes the spec's tuple */
    mz_error err;
} compiler;

static int
core_failed(compiler *c)
{
    mzpy_convert_raise(c->state, &c->err);
    return -1;
}

/* Store `obj` (BORROWED) in the next slot; its index goes to *out. */
static int
add_slot(compiler *c, PyObject *obj, uint32_t *out)
{
    if (mz_schema_add_slot(&c->schema, out, &c->err) != MZ_OK) {
        return core_failed(c);
    }
    if (PyList_Append(c->slots, obj) < 0) {
        return -1;
    }
    MZ_ASSERT(PyList_GET_SIZE(c->slots) == (Py_ssize_t)c->schema.n_slots);
    return 0;
}

/* The kind a node tag names (MZ_KIND_INVALID for anything else), or -1 with
 * an exception set. Only a str can name a kind. */
static int
tag_kind(PyObject *tag)
{
    Py_ssize_t n;
    const char *s;

    if (!PyUnicode_Check(tag)) {
        return MZ_KIND_INVALID;
    }
    s = PyUnicode_AsUTF8AndSize(tag, &n);
    if (s == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) {
            return -1;
        }
        PyErr_Clear();
        return MZ_KIND_INVALID;
    }
    return mz_validate_kind(s, (size_t)n);
}

static bool
valid_enum_pairs(PyObject *payload)
{
    Py_ssize_t i;

    if (!PyTuple_Check(payload)) {
        return false;
    }
    for (i = 0; i < PyTuple_GET_SIZE(payload); i++) {
        PyObject *pair = PyTuple_GET_ITEM(payload, i);

        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
            return false;
        }
    }
    return true;
}

/* Compile one node form (BORROWED) at `depth`; its index goes to *out. */
static int
compile_node(compiler *c, PyObject *node, int depth, uint32_t *out)
{
    PyObject *tag;
    PyObject *fallback;
    PyObject *payload;
    uint32_t index;
    uint32_t child;
    uint32_t slot;
    int kind;

    if (depth > MZ_SPEC_MAX_DEPTH) {
        PyErr_SetString(PyExc_ValueError, "parameter spec nested too deeply");
        return -1;
    }
    if (!PyTuple_Check(node) || PyTuple_GET_SIZE(node) != 3) {
        goto error;
    }
    tag = PyTuple_GET_ITEM(node, 0);
    fallback = PyTuple_GET_ITEM(node, 1);
    payload = PyTuple_GET_ITEM(node, 2);
    kind = tag_kind(tag);
    if (kind < 0) {
        return -1;
    }
    if (kind == MZ_KIND_INVALID) {
        goto error;
    }
    if (mz_schema_add_node(&c->schema, (mz_kind)kind, &index, &c->err) !=
        MZ_OK) {
        return core_failed(c);
    }
    *out = index;
    if (kind == MZ_KIND_OPTIONAL) {
        if (compile_node(c, payload, depth + 1, &child) < 0) {
            return -1;
        }
        c->schema.nodes[index].inner = child;
        return 0;
    }
    if (kind == MZ_KIND_ANY) {
        return 0;
    }
    if (!PyCallable_Check(fallback)) {
        /* f"{kind} node needs ..." formats with str(). */
        PyErr_Format(
            PyExc_ValueError, "%S node needs a callable fallback", tag);
        return -1;
    }
    if (add_slot(c, fallback, &slot) < 0) {
        return -1;
    }
    c->schema.nodes[index].fallback = slot;
    if (kind == MZ_KIND_LIST) {
        if (compile_node(c, payload, depth + 1, &child) < 0) {
            return -1;
        }
        c->schema.nodes[index].inner = child;
    } else if (kind == MZ_KIND_LITERAL) {
        if (!PyTuple_Check(payload)) {
            PyErr_SetString(PyExc_ValueError,
                            "literal node needs a tuple of values");
            return -1;
        }
        if (add_slot(c, payload, &slot) < 0) {
            return -1;
        }
        c->schema.nodes[index].payload = slot;
    } else if (kind == MZ_KIND_ENUM) {
        if (!valid_enum_pairs(payload)) {
            PyErr_SetString(
                PyExc_ValueError,
                "enum node needs a tuple of (value, member) pairs");
            return -1;
        }
        if (add_slot(c, payload, &slot) < 0) {
            return -1;
        }
        c->schema.nodes[index].payload = slot;
    }
    return 0;

error:
    PyErr_Format(PyExc_ValueError, "invalid parameter spec node: %R", node);
    return -1;
}

/* The default kind `obj` equals (compared with ==, as the twin's `in`), or
 * -1 with an exception set, or 3 when it equals none of them. */
static int
default_kind(PyObject *obj)
{
    long kind;

    if (PyLong_CheckExact(obj)) {
        int overflow = 0;

        kind = PyLong_AsLongAndOverflow(obj, &overflow);
        if (overflow == 0 && kind >= MZ_DEFAULT_REQUIRED &&
            kind <= MZ_DEFAULT_FACTORY) {
            return (int)kind;
        }
        return 3;
    }
    for (kind = MZ_DEFAULT_REQUIRED; kind <= MZ_DEFAULT_FACTORY; kind++) {
        PyObject *value = PyLong_FromLong(kind);
        int equal;

        if (value == NULL) {
            return -1;
        }
        equal = PyObject_RichCompareBool(value, obj, Py_EQ);
        Py_DECREF(value);
        if (equal != 0) {
            return equal < 0 ? -1 : (int)kind;
        }
    }
    return 3;
}

/* Check and compile one (name, node, default_kind, default) entry. */
static int
compile_entry(compiler *c, PyObject *entry, PyObject *seen)
{
    PyObject *name;
    PyObject *dflt;
    mz_param param;
    int kind;
    int found;

    if (!PyTuple_Check(entry) || PyTuple_GET_SIZE(entry) != 4) {
        PyErr_Format(PyExc_ValueError, "invalid parameter entry: %R", entry);
        return -1;
    }
    name = PyTuple_GET_ITEM(entry, 0);
    dflt = PyTuple_GET_ITEM(entry, 3);
    if (!PyUnicode_Check(name)) {
        PyErr_SetString(PyExc_ValueError, "parameter name must be a str");
        return -1;
    }
    found = PySet_Contains(seen, name);
    if (found != 0) {
        if (found > 0) {
            PyErr_Format(PyExc_ValueError, "duplicate parameter %R", name);
        }
        return -1;
    }
    if (PySet_Add(seen, name) < 0) {
        return -1;
    }
    kind = default_kind(PyTuple_GET_ITEM(entry, 2));
    if (kind < 0) {
        return -1;
    }
    if (kind > MZ_DEFAULT_FACTORY) {
        PyErr_Format(PyExc_ValueError, "invalid default kind for %R", name);
        return -1;
    }
    if (kind == MZ_DEFAULT_FACTORY && !PyCallable_Check(dflt)) {
        PyErr_Format(
            PyExc_ValueError, "default factory of %R is not callable", name);
        return -1;
    }
    param.default_kind = (mz_default)kind;
    if (compile_node(c, PyTuple_GET_ITEM(entry, 1), 0, &param.node) < 0 ||
        add_slot(c, name, &param.name) < 0 ||
        add_slot(c, dflt, &param.dflt) < 0) {
        return -1;
    }
    if (mz_schema_add_param(&c->schema, &param, &c->err) != MZ_OK) {
        return core_failed(c);
    }
    return 0;
}

PyObject *
mzpy_spec_compile(mz_state *state, PyObject *params)
{
    compiler c;
    PyObject *iter = NULL;
    PyObject *entry = NULL;
    PyObject *seen = NULL;
    PyObject *names = NULL;
    MzParamSpecObject *spec = NULL;

    c.state = state;
    c.slots = NULL;
    mz_schema_init(&c.schema);
    mz_error_clear(&c.err);
    iter = PyObject_GetIter(params);
    if (iter == NULL) {
        goto error;
    }
    seen = PySet_New(NULL);
    names = PyList_New(0);
    c.slots = PyList_New(0);
    if (seen == NULL || names == NULL || c.slots == NULL) {
        goto error;
    }
    while ((entry = PyIter_Next(iter)) != NULL) {
        if (compile_entry(&c, entry, seen) < 0 ||
            PyList_Append(names, PyTuple_GET_ITEM(entry, 0)) < 0) {
            goto error;
        }
        Py_CLEAR(entry);
    }
    if (PyErr_Occurred()) {
        goto error;
    }
#ifdef MZ_ASSERT_CONSISTENT
    if (mz_schema_check(&c.schema, &c.err) != MZ_OK) {
        core_failed(&c);
        goto error;
    }
#endif
    spec = (MzParamSpecObject *)state->ParamSpecType->tp_alloc(
        state->ParamSpecType, 0);
    if (spec == NULL) {
        goto error;
    }
    spec->state = state;
    spec->names = PyList_AsTuple(names);
    spec->slots = PyList_AsTuple(c.slots);
    if (spec->names == NULL || spec->slots == NULL) {
        goto error;
    }
    spec->schema = c.schema;
    mz_schema_init(&c.schema);
    Py_DECREF(iter);
    Py_DECREF(seen);
    Py_DECREF(names);
    Py_DECREF(c.slots);
    return (PyObject *)spec;

error:
    mz_schema_free(&c.schema);
    Py_XDECREF(spec);
    Py_XDECREF(iter);
    Py_XDECREF(entry);
    Py_XDECREF(seen);
    Py_XDECREF(names);
    Py_XDECREF(c.slots);
    return NULL;
}
