"""The canonical IR: the registry walked into a KDL node tree, written by the C KDL writer
(PROTOCOL §8, docs/ir.md)."""

from __future__ import annotations

import datetime
import decimal
import enum
import re
import types
import typing
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal, Union, get_args, get_origin

import pydantic
from pydantic_core import PydanticUndefined

from mizan.core import _backend, registry, rules
from mizan.core.channels import ReactChannel, get_channels
from mizan.core.client import ServerFunction
from mizan.core.errors import IRBuildError
from mizan.core.formmeta import form_marks
from mizan.core.signature import is_response_annotation
from mizan.core.uploads import Upload

Node = tuple[str, tuple[Any, ...], tuple[tuple[str, Any], ...], "tuple[Node, ...] | None", bool]

_NONE_TYPE = type(None)
_UNCLAIMED = object()
_TYPE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_STRING_FORMATS: dict[Any, str] = {
    datetime.datetime: "date-time",
    datetime.date: "date",
    datetime.time: "time",
    datetime.timedelta: "duration",
    uuid.UUID: "uuid",
    decimal.Decimal: "decimal",
    bytes: "bytes",
}
_LIST_ORIGINS = (list, set, frozenset, Sequence, typing.Sequence, Iterable)
_MAP_ORIGINS = (dict, Mapping, typing.Mapping)


def node(name: str, *args: Any, props: Iterable[tuple[str, Any]] = (), children: Iterable[Node] | None = None) -> Node:
    """A block node for the KDL writer."""
    return (name, args, tuple(props), None if children is None else tuple(children), False)


def lower_camel(name: str) -> str:
    """The original grammar's `camel`: `update_profile` -> `updateProfile`, `ws.fn` -> `wsFn`."""
    parts = name.replace(".", "_").replace("-", "_").split("_")
    return parts[0] + "".join(part.title() for part in parts[1:] if part)


def type_name(model: type) -> str:
    """A model's IR type name: its class name, generic parameters folded in (IR.md §11.4)."""
    pieces = [piece for piece in re.split(r"[^A-Za-z0-9_]+", model.__name__) if piece]
    return pieces[0] + "".join(piece[:1].upper() + piece[1:] for piece in pieces[1:]) if pieces else ""


# --- shapes ------------------------------------------------------------------------------


class TypeTable:
    """Named types met during the walk: one source per name (collisions are build errors)."""

    def __init__(self) -> None:
        self.sources: dict[str, object] = {}
        self.nodes: dict[str, Node] = {}
        self.pending: list[tuple[str, type[pydantic.BaseModel]]] = []

    def claim(self, name: str, source: object) -> bool:
        """Reserve `name` for `source`; True when this source had claimed it already.

        Raises:
            IRBuildError: another source holds the name, or the name is not valid.
        """
        if not _TYPE_NAME.fullmatch(name):
            raise IRBuildError(f"type name {name!r} is not valid (docs/ir.md)")
        held = self.sources.get(name, _UNCLAIMED)
        if held is _UNCLAIMED:
            self.sources[name] = source
            return False
        if held != source:
            raise IRBuildError(f"type name {name!r} is claimed by {held!r} and by {source!r}")
        return True

    def model_ref(self, model: type[pydantic.BaseModel]) -> Node:
        name = type_name(model)
        if not self.claim(name, model):
            self.pending.append((name, model))
        return node("ref", name)

    def resolve(self) -> None:
        """Turn every pending model into its `type` node (refs found on the way queue more)."""
        while self.pending:
            name, model = self.pending.pop()
            self.nodes[name] = type_node(name, struct_node(model, self, f"type {name!r}"))

    def sorted_nodes(self) -> list[Node]:
        return [self.nodes[name] for name in sorted(self.nodes)]


def _primitive(name: str, **props: str) -> Node:
    return node("primitive", name, props=props.items())


def _union_arms(annotation: Any) -> tuple[list[Any], bool]:
    """The arms of a union, nested unions flattened, and whether `None` was one of them."""
    arms: list[Any] = []
    nullable = False
    for arm in get_args(annotation):
        if arm is _NONE_TYPE or arm is None:
            nullable = True
        elif _is_union(arm):
            inner, inner_nullable = _union_arms(arm)
            arms += inner
            nullable = nullable or inner_nullable
        else:
            arms.append(arm)
    return arms, nullable


def _is_union(annotation: Any) -> bool:
    return get_origin(annotation) is Union or isinstance(annotation, types.UnionType)


def _strip_annotated(annotation: Any) -> Any:
    while get_origin(annotation) is typing.Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _checked_text(value: Any, where: str) -> Any:
    """A string must be valid Unicode to be written (IR.md §13 item 3): say where it is."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise IRBuildError(f"{where}: {value!r} is not valid Unicode (a lone surrogate)") from None
    return value


def _enum_node(values: Sequence[Any], where: str) -> Node:
    """`enum` over distinct string/integer/boolean literals, in declaration order."""
    unique: list[Any] = []
    seen: set[tuple[type, Any]] = set()
    for value in values:
        if not isinstance(value, str | int):
            raise IRBuildError(f"{where}: enum value {value!r} is not a string, integer or boolean")
        _checked_text(value, where)
        key = (type(value) if isinstance(value, bool) else (str if isinstance(value, str) else int), value)
        if key not in seen:
            seen.add(key)
            unique.append(value)
    if not unique:
        raise IRBuildError(f"{where}: an enum needs at least one value")
    return node("enum", *unique)


def _discriminator(annotation: Any) -> str | None:
    """The string `Field(discriminator=...)` of an `Annotated` union, if any."""
    while get_origin(annotation) is typing.Annotated:
        for meta in get_args(annotation)[1:]:
            found = getattr(meta, "discriminator", None)
            if isinstance(found, str):
                return found
        annotation = get_args(annotation)[0]
    return None


def shape(
    annotation: Any, table: TypeTable, where: str, upload: bool = False, discriminator: str | None = None
) -> Node:
    """The IR shape of an annotation (docs/ir.md): the original's nodes, plus `map`, `any`,
    `none`, `upload`, string formats and non-string enums where the original lost information.

    `upload` is True only for an input field of a function, where `Upload` may stand alone
    or under `optional`/`list` (IR.md §11.1).

    Raises:
        IRBuildError: an annotation the IR cannot express (named in `where`).
    """
    discriminator = discriminator or _discriminator(annotation)
    annotation = _strip_annotated(annotation)
    if annotation is Upload:
        if not upload:
            raise IRBuildError(f"{where}: Upload is only allowed as a parameter of a non-context function")
        return _primitive("upload")
    if _is_union(annotation):
        arms, nullable = _union_arms(annotation)
        inner = (
            shape(arms[0], table, where, upload)
            if len(arms) == 1
            else node(
                "union",
                props=[("discriminator", discriminator)] if discriminator else (),
                children=[shape(arm, table, where) for arm in arms],
            )
        )
        return node("optional", children=[inner]) if nullable else inner
    origin = get_origin(annotation)
    if origin is Literal:
        values = [value for value in get_args(annotation) if value is not None]
        enum_node = _enum_node(values, where)
        return node("optional", children=[enum_node]) if None in get_args(annotation) else enum_node
    if origin in _LIST_ORIGINS or (origin is tuple and get_args(annotation)[1:] == (Ellipsis,)):
        (element, *_) = get_args(annotation) or (Any,)
        return node("list", children=[shape(element, table, where, upload)])
    if origin is tuple:  # fixed length: one list of the arms (IR.md §11.1)
        arm_nodes: list[Node] = []
        for arm in get_args(annotation):
            arm_node = shape(arm, table, where)
            if arm_node not in arm_nodes:
                arm_nodes.append(arm_node)
        element_node = arm_nodes[0] if len(arm_nodes) == 1 else node("union", children=arm_nodes)
        return node("list", children=[element_node])
    if origin in _MAP_ORIGINS:
        key, value = get_args(annotation) or (str, Any)
        if _strip_annotated(key) is not str:
            raise IRBuildError(f"{where}: map keys must be strings, not {key!r}")
        return node("map", children=[shape(value, table, where)])
    if annotation in (list, set, frozenset, tuple):
        return node("list", children=[_primitive("any")])
    if annotation is dict:
        return node("map", children=[_primitive("any")])
    if annotation is Any:  # a class since Python 3.11, so before the class checks
        return _primitive("any")
    if annotation is None:
        return _primitive("none")
    if isinstance(annotation, type):
        return _class_shape(annotation, table, where)
    raise IRBuildError(f"{where}: unsupported annotation {annotation!r}")


def _class_shape(cls: type, table: TypeTable, where: str) -> Node:
    if issubclass(cls, pydantic.BaseModel):
        return table.model_ref(cls)
    if issubclass(cls, enum.Enum):
        return _enum_node([member.value for member in cls], where)
    for python_type, primitive in ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string")):
        if cls is python_type:
            return _primitive(primitive)
    if cls in _STRING_FORMATS:
        return _primitive("string", format=_STRING_FORMATS[cls])
    if cls is _NONE_TYPE:
        return _primitive("none")
    if cls is object:
        return _primitive("any")
    raise IRBuildError(f"{where}: unsupported annotation {cls!r}")


# --- named types -------------------------------------------------------------------------


def _default_literal(value: Any) -> Any:
    """The original's field defaults: scalars only; None and containers are left out. An
    Enum member is written as its value (the original left it out)."""
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool | int | float | str):
        return value
    return PydanticUndefined


def field_node(key: str, info: Any, table: TypeTable, where: str, upload: bool = False) -> Node:
    props: list[tuple[str, Any]] = []
    if not info.is_required():
        props.append(("required", False))
        default = _default_literal(info.default)
        if default is not PydanticUndefined:
            props.append(("default", _checked_text(default, f"{where} / field {key!r} / default")))
    discriminator = info.discriminator if isinstance(info.discriminator, str) else None
    field_shape = shape(info.annotation, table, f"{where} / field {key!r}", upload, discriminator)
    return node("field", key, props=props, children=[field_shape])


def struct_node(model: type[pydantic.BaseModel], table: TypeTable, where: str, upload: bool = False) -> Node:
    fields = []
    for key, info in model.model_fields.items():
        aliases = {info.alias, info.validation_alias, info.serialization_alias} - {None, key}
        if aliases:
            raise IRBuildError(f"{where} / field {key!r}: aliases are not supported (docs/ir.md)")
        fields.append(field_node(key, info, table, where, upload))
    return node("struct", children=fields)


def type_node(name: str, body: Node) -> Node:
    return node("type", name, children=[body])


# --- functions and contexts --------------------------------------------------------------


def _strip_optional(annotation: Any) -> tuple[Any, bool]:
    if _is_union(annotation):
        arms, nullable = _union_arms(annotation)
        if nullable and arms:
            inner = arms[0] if len(arms) == 1 else Union[tuple(arms)]  # noqa: UP007
            return inner, True
    return annotation, False


def _is_view(fn_class: type[ServerFunction]) -> bool:
    return bool(fn_class._meta.get("view_path")) or is_response_annotation(fn_class.Output)


def _auth_value(requirement: object) -> Any:
    if requirement is None:
        return None
    if requirement == "required":
        return True
    return requirement if requirement in ("staff", "superuser") else "custom"


def _route_methods(fn_class: type[ServerFunction]) -> tuple[str, ...]:
    declared = fn_class._options.methods
    if declared:
        return tuple(sorted({method.upper() for method in declared}))
    return ("GET",) if fn_class._options.context is not None else ("POST",)


def _scope_child(scope: Sequence[str]) -> list[Node] | None:
    return [node("scope", *scope)] if scope else None


def _affects_nodes(fn_class: type[ServerFunction]) -> list[Node]:
    """Resolved edges (IR.md §12.2, §5.3), scoped exactly as the server scopes them (INV-3)."""
    fields = set(registry.field_names(fn_class))
    edges = {(context, function or ""): params for context, function, params in rules.affects_targets(fn_class)}
    nodes = []
    for (context, function), params in sorted(edges.items()):
        scope = sorted(fields & set(params))
        props = [("function", function)] if function else []
        nodes.append(node("affects", context, props=props, children=_scope_child(scope)))
    return nodes


def _merge_nodes(fn_class: type[ServerFunction], name: str) -> list[Node]:
    """Merge targets with their resolved slot (IR.md §5.4); unresolvable ones are left
    out, as the server drops them (planning resolution Q2)."""
    fields = set(registry.field_names(fn_class))
    nodes = []
    for context, slot, params in sorted(set(rules.merge_targets(fn_class, name))):
        props: list[tuple[str, Any]] = [("slot", slot)]
        slot_class = registry.get_function(slot)
        slot_output = _strip_optional(slot_class.Output)[0] if slot_class is not None else None
        if get_origin(slot_output) is list and not rules.same_shape(slot_output, rules.merge_output(fn_class)):
            props.append(("mode", "upsert"))
        nodes.append(node("merge", context, props=props, children=_scope_child(sorted(fields & set(params)))))
    return nodes


def function_node(name: str, fn_class: type[ServerFunction], table: TypeTable) -> Node:
    """One `function` node: the original's children, then Mizan's additions (docs/ir.md)."""
    options = fn_class._options
    camel = lower_camel(name)
    where = f"function {name!r}"
    input_model = fn_class.Input
    has_input = input_model is not None and bool(input_model.model_fields)
    children = [node("camel", camel), node("has-input", has_input)]
    if input_model is not None and has_input:
        input_name = f"{camel}Input"
        if not table.claim(input_name, ("input", name)):
            uploads_allowed = options.context is None and not options.websocket  # DEC-5
            input_struct = struct_node(input_model, table, f"{where} / input", uploads_allowed)
            table.nodes[input_name] = type_node(input_name, input_struct)
        children.append(node("input", input_name))
    view = _is_view(fn_class)
    if not view:
        children += _output_nodes(fn_class, name, table, where)
    children.append(node("transport", "websocket" if options.websocket else "http"))
    if options.context is not None:
        children.append(node("context", options.context))
    children += _affects_nodes(fn_class)
    children += _merge_nodes(fn_class, name)
    children += _form_nodes(fn_class, where)
    auth = _auth_value(options.auth)
    if auth is not None:
        children.append(node("auth", auth))
    if options.private:
        children.append(node("private", True))
    if view:
        children.append(node("view", True))
    if options.rev:
        children.append(node("rev", options.rev))
    if options.cache is not True:
        children.append(node("cache", options.cache))
    if options.route is not None:
        children.append(node("route", options.route))
        children.append(node("methods", *_route_methods(fn_class)))
    return node("function", name, children=children)


def _form_nodes(fn_class: type[ServerFunction], where: str) -> list[Node]:
    """The original's form marks: `is-form`, `form-name`, `form-role` (FORM-2)."""
    try:
        marks = form_marks(fn_class)
    except ValueError as exc:
        raise IRBuildError(f"{where}: {exc} (docs/ir.md)") from None
    if marks is None:
        return []
    form_name, role = marks
    return [node("is-form", True), node("form-name", form_name), node("form-role", role)]


def _output_nodes(fn_class: type[ServerFunction], name: str, table: TypeTable, where: str) -> list[Node]:
    """`output "<camel>Output"` (a copy of a returned model's fields, or an alias of any
    other shape) and `output-nullable` for an optional return (the original's rules)."""
    output = fn_class.Output
    inner, nullable = _strip_optional(output)
    output_name = f"{lower_camel(name)}Output"
    if not table.claim(output_name, ("output", name)):
        if isinstance(inner, type) and issubclass(inner, pydantic.BaseModel):
            body = struct_node(inner, table, f"{where} / output")
        else:
            body = node("alias", children=[shape(output, table, f"{where} / output")])
        table.nodes[output_name] = type_node(output_name, body)
    nodes = [node("output", output_name)]
    if nullable:
        nodes.append(node("output-nullable", True))
    return nodes


_PRIMITIVE_OF: dict[Any, str] = {int: "integer", float: "number", bool: "boolean"}


def _param_type(annotation: Any) -> str:
    """The original's context-param type: int/float/bool after Optional, else string."""
    inner, _ = _strip_optional(_strip_annotated(annotation))
    return _PRIMITIVE_OF.get(inner, "string")


def context_param_types(members: Sequence[tuple[str, type[ServerFunction]]]) -> dict[str, dict[str, str]]:
    """`{param: {member: IR type}}` over the members `context_node` elevates params from
    (view-path members excluded); a param with two types is the IRBuildError "members
    disagree on its type", which the system checks report before any export."""
    found: dict[str, dict[str, str]] = {}
    for member, fn_class in members:
        if _is_view(fn_class) or fn_class.Input is None:
            continue
        for key, info in fn_class.Input.model_fields.items():
            found.setdefault(key, {})[member] = _param_type(info.annotation)
    return found


def context_node(name: str, members: Sequence[tuple[str, type[ServerFunction]]]) -> Node:
    """One `context` node: members, elevated params (view-path members excluded), then
    Mizan's additions: transport, rev, cache (IR.md §6, §12.1, §12.4)."""
    children = [node("function", member) for member, _ in members]
    counted = [(member, fn_class) for member, fn_class in members if not _is_view(fn_class)]
    params: dict[str, tuple[str, list[str], bool]] = {}
    for member, fn_class in counted:
        if fn_class.Input is None:
            continue
        for key, info in fn_class.Input.model_fields.items():
            kind = _param_type(info.annotation)
            held = params.setdefault(key, (kind, [], False))
            if held[0] != kind:
                raise IRBuildError(f"context {name!r} / param {key!r}: members disagree on its type (docs/ir.md)")
            held[1].append(member)
            if not info.is_required():
                params[key] = (kind, held[1], True)
    for key in sorted(params):
        kind, sharers, defaulted = params[key]
        required = len(sharers) == len(counted) and not defaulted
        param_children = [node("type", kind), node("required", required)]
        param_children += [node("shared-by", sharer) for sharer in sorted(sharers)]
        children.append(node("param", key, children=param_children))
    children += _context_policy([fn_class for _, fn_class in members], name)
    return node("context", name, children=children)


def _context_policy(member_classes: Sequence[type[ServerFunction]], name: str) -> list[Node]:
    transports = {fn_class._options.websocket for fn_class in member_classes}
    if len(transports) > 1:
        raise IRBuildError(f"context {name!r}: members mix websocket and HTTP (docs/ir.md)")
    nodes = [node("transport", "websocket")] if transports == {True} else []
    rev = max(fn_class._options.rev for fn_class in member_classes)
    if rev:
        nodes.append(node("rev", rev))
    caches = [fn_class._options.cache for fn_class in member_classes]
    if any(cache is False for cache in caches):
        nodes.append(node("cache", False))
    else:
        ttls = [cache for cache in caches if cache is not True]
        if ttls:
            nodes.append(node("cache", min(ttls)))
    return nodes


# --- channels ----------------------------------------------------------------------------

# The IR's child node and type-name suffix for each model slot of a channel (IR.md §7).
_CHANNEL_NODES = {
    "Params": ("params", "Params"),
    "ReactMessage": ("client-message", "ClientMessage"),
    "DjangoMessage": ("server-message", "ServerMessage"),
}


def pascal_name(name: str) -> str:
    """The original grammar's `pascal-name`: `chat` -> `Chat`, `live.feed` -> `LiveFeed`."""
    return "".join(part.title() for part in re.split(r"[._-]", name))


def channel_node(name: str, channel: type[ReactChannel], table: TypeTable) -> Node:
    """One `channel` node; each declared model becomes the struct `<Pascal><Slot>` (IR-13)."""
    pascal = pascal_name(name)
    children = [node("pascal-name", pascal)]
    for attribute, (child, suffix) in _CHANNEL_NODES.items():
        model = getattr(channel, attribute)
        if model is None:
            continue
        type_name_ = f"{pascal}{suffix}"
        if not table.claim(type_name_, ("channel", name, attribute)):
            body = struct_node(model, table, f"channel {name!r} / {attribute}")
            table.nodes[type_name_] = type_node(type_name_, body)
        children.append(node(child, type_name_))
    return node("channel", name, children=children)


# --- the document ------------------------------------------------------------------------


def build_tree() -> list[list[Node]]:
    """The IR as the writer's sections: types, functions, contexts, channels."""
    registry.validate_registry()
    functions = registry.get_all_functions()
    table = TypeTable()
    function_nodes = [function_node(name, functions[name], table) for name in sorted(functions)]
    channels = get_channels()
    channel_nodes = [channel_node(name, channels[name], table) for name in sorted(channels)]
    table.resolve()
    groups = registry.get_context_groups()
    context_nodes = []
    for name in sorted(groups):
        members = [(member, functions[member]) for member in sorted(groups[name])]
        context_nodes.append(context_node(name, members))
    return [table.sorted_nodes(), function_nodes, context_nodes, channel_nodes]


def build_ir(write: Callable[[Sequence[Sequence[Any]]], bytes] | None = None) -> str:
    """The canonical IR document of the current registry (IR-1, IR-2).

    Raises:
        MizanRegistryError: the registry is invalid (REG-9).
        IRBuildError: something the IR cannot express; nothing is emitted.
    """
    writer = write if write is not None else _backend.write_kdl
    return bytes(writer(build_tree())).decode("utf-8")
