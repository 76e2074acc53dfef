"""Read a Mizan IR document (KDL 2.0, the grammar of docs/ir.md) into typed dataclasses.

The reader knows every node the IR writer (`mizan.core.ir`) emits and refuses anything
else: an unknown node, a missing argument or a dangling type reference is an `IRReadError`
naming where it was met, never a silently loose client.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

PRIMITIVES = frozenset({"integer", "number", "boolean", "string", "any", "none", "upload"})
STRING_FORMATS = frozenset({"date-time", "date", "time", "duration", "uuid", "decimal", "bytes"})
PARAM_TYPES = frozenset({"integer", "number", "boolean", "string"})
TRANSPORTS = frozenset({"http", "websocket"})

Literal = str | int | float | bool
T = TypeVar("T")


class IRReadError(ValueError):
    """The document is not KDL 2.0, or not an IR this reader understands."""


# --- shapes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Primitive:
    name: str
    format: str | None = None


@dataclass(frozen=True)
class Ref:
    name: str


@dataclass(frozen=True)
class EnumShape:
    values: tuple[Literal, ...]


@dataclass(frozen=True)
class ListShape:
    item: Shape


@dataclass(frozen=True)
class MapShape:
    value: Shape


@dataclass(frozen=True)
class OptionalShape:
    inner: Shape


@dataclass(frozen=True)
class UnionShape:
    arms: tuple[Shape, ...]
    discriminator: str | None = None


Shape = Primitive | Ref | EnumShape | ListShape | MapShape | OptionalShape | UnionShape


# --- named types, functions, contexts, channels ------------------------------------------


@dataclass(frozen=True)
class Field:
    name: str
    shape: Shape
    required: bool = True
    default: Literal | None = None
    has_default: bool = False


@dataclass(frozen=True)
class TypeDef:
    """`type NAME { struct { field* } }` (fields set) or `type NAME { alias { SHAPE } }`."""

    name: str
    fields: tuple[Field, ...] | None = None
    alias: Shape | None = None


@dataclass(frozen=True)
class Affects:
    context: str
    function: str | None = None
    scope: tuple[str, ...] = ()


@dataclass(frozen=True)
class Merge:
    context: str
    slot: str
    mode: str = "replace"
    scope: tuple[str, ...] = ()


@dataclass
class Function:
    name: str
    camel: str = ""
    has_input: bool = False
    input: str | None = None
    output: str | None = None
    output_nullable: bool = False
    transport: str = "http"
    context: str | None = None
    affects: list[Affects] = field(default_factory=list)
    merges: list[Merge] = field(default_factory=list)
    form_name: str | None = None
    form_role: str | None = None
    auth: bool | str | None = None
    private: bool = False
    view: bool = False
    rev: int = 0
    cache: bool | int = True
    route: str | None = None
    methods: tuple[str, ...] = ()

    @property
    def callable_by_clients(self) -> bool:
        """Private and view-path functions get no client code (docs/ir.md)."""
        return not (self.private or self.view)


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    required: bool
    shared_by: tuple[str, ...]


@dataclass
class Context:
    name: str
    members: list[str] = field(default_factory=list)
    params: list[Param] = field(default_factory=list)
    transport: str = "http"
    rev: int = 0
    cache: bool | int = True


@dataclass
class Channel:
    name: str
    pascal: str = ""
    params: str | None = None
    client_message: str | None = None
    server_message: str | None = None


@dataclass
class IR:
    types: dict[str, TypeDef]
    functions: list[Function]
    contexts: list[Context]
    channels: list[Channel]

    def function(self, name: str) -> Function | None:
        return next((fn for fn in self.functions if fn.name == name), None)


# --- the reader --------------------------------------------------------------------------


def parse_ir(text: str) -> IR:
    """Parse the IR document `text`.

    Raises:
        IRReadError: not KDL 2.0, or a node this reader does not know (named with its path).
        ModuleNotFoundError: `ckdl` is not installed (the `codegen` extra).
    """
    import ckdl  # the `codegen` extra; imported here so the error is the caller's to word

    try:
        document = ckdl.parse(text, version=2)
    except ckdl.ParseError as error:
        raise IRReadError(f"not a KDL 2.0 document: {error}") from None
    ir = IR(types={}, functions=[], contexts=[], channels=[])
    readers: dict[str, Callable[[Any], None]] = {
        "type": lambda node: _add_type(ir, node),
        "function": lambda node: ir.functions.append(_function(node)),
        "context": lambda node: ir.contexts.append(_context(node)),
        "channel": lambda node: ir.channels.append(_channel(node)),
    }
    for node in document.nodes:
        reader = readers.get(node.name)
        if reader is None:
            raise IRReadError(f"unknown top-level node {node.name!r}")
        reader(node)
    _check_references(ir)
    return ir


def _where(node: Any, parent: str = "") -> str:
    label = f"{node.name} {node.args[0]!r}" if node.args and isinstance(node.args[0], str) else node.name
    return f"{parent} / {label}" if parent else label


def _arg(node: Any, where: str, kind: type[T] | tuple[type, ...], index: int = 0) -> Any:
    if len(node.args) <= index or not isinstance(node.args[index], kind):
        raise IRReadError(f"{where}: expected {_kind_name(kind)} argument #{index + 1} on {node.name!r}")
    return node.args[index]


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join({bool: "a boolean", int: "an integer", str: "a string"}.get(k, k.__name__) for k in kinds)


def _only(node: Any, where: str, props: Sequence[str] = (), children: bool = False) -> None:
    """Refuse properties (and children) this reader would otherwise ignore."""
    unknown = sorted(set(node.properties) - set(props))
    if unknown:
        raise IRReadError(f"{where}: unknown propert{'ies' if len(unknown) > 1 else 'y'} {', '.join(unknown)}")
    if node.children and not children:
        raise IRReadError(f"{where}: {node.name!r} takes no children")


def _strings(node: Any, where: str) -> tuple[str, ...]:
    if not node.args or not all(isinstance(arg, str) for arg in node.args):
        raise IRReadError(f"{where}: {node.name!r} takes string arguments")
    return tuple(node.args)


def shape(node: Any, where: str) -> Shape:
    """One shape node (docs/ir.md's SHAPE) as a dataclass."""
    here = f"{where} / {node.name}"
    if node.name == "primitive":
        _only(node, here, ("format",))
        name = _arg(node, here, str)
        fmt = node.properties.get("format")
        if name not in PRIMITIVES or (fmt is not None and (name != "string" or fmt not in STRING_FORMATS)):
            raise IRReadError(f"{here}: unknown primitive {name!r}" + (f" format={fmt!r}" if fmt else ""))
        return Primitive(name, fmt)
    if node.name == "ref":
        _only(node, here)
        return Ref(_arg(node, here, str))
    if node.name == "enum":
        _only(node, here)
        if not node.args or not all(isinstance(value, str | int | float) for value in node.args):
            raise IRReadError(f"{here}: an enum takes string, number or boolean literals")
        return EnumShape(tuple(node.args))
    if node.name in ("list", "map", "optional"):
        _only(node, here, children=True)
        if len(node.children) != 1:
            raise IRReadError(f"{here}: takes exactly one shape")
        inner = shape(node.children[0], here)
        if node.name == "list":
            return ListShape(inner)
        return MapShape(inner) if node.name == "map" else OptionalShape(inner)
    if node.name == "union":
        _only(node, here, ("discriminator",), children=True)
        discriminator = node.properties.get("discriminator")
        if not node.children or (discriminator is not None and not isinstance(discriminator, str)):
            raise IRReadError(f"{here}: a union takes shapes and an optional string discriminator")
        return UnionShape(tuple(shape(child, here) for child in node.children), discriminator)
    raise IRReadError(f"{where}: unknown shape node {node.name!r}")


def _add_type(ir: IR, node: Any) -> None:
    where = _where(node)
    _only(node, where, children=True)
    name = _arg(node, where, str)
    if name in ir.types:
        raise IRReadError(f"{where}: declared twice")
    if len(node.children) != 1 or node.children[0].name not in ("struct", "alias"):
        raise IRReadError(f"{where}: expected one 'struct' or 'alias' child")
    body = node.children[0]
    _only(body, f"{where} / {body.name}", children=True)
    if body.name == "alias":
        if len(body.children) != 1:
            raise IRReadError(f"{where} / alias: takes exactly one shape")
        ir.types[name] = TypeDef(name, alias=shape(body.children[0], f"{where} / alias"))
        return
    fields = []
    for child in body.children:
        here = _where(child, f"{where} / struct")
        if child.name != "field":
            raise IRReadError(f"{where} / struct: unknown node {child.name!r}")
        _only(child, here, ("required", "default"), children=True)
        if len(child.children) != 1:
            raise IRReadError(f"{here}: takes exactly one shape")
        required = child.properties.get("required", True)
        if not isinstance(required, bool):
            raise IRReadError(f"{here}: required= must be a boolean")
        fields.append(
            Field(
                _arg(child, here, str),
                shape(child.children[0], here),
                required,
                child.properties.get("default"),
                "default" in child.properties,
            )
        )
    ir.types[name] = TypeDef(name, fields=tuple(fields))


def _scope(node: Any, where: str) -> tuple[str, ...]:
    scope: tuple[str, ...] = ()
    for child in node.children:
        if child.name != "scope":
            raise IRReadError(f"{where}: unknown node {child.name!r}")
        _only(child, f"{where} / scope")
        scope += _strings(child, f"{where} / scope")
    return scope


def _function(node: Any) -> Function:
    where = _where(node)
    _only(node, where, children=True)
    fn = Function(_arg(node, where, str))
    for child in node.children:
        here = f"{where} / {child.name}"
        name = child.name
        if name == "affects":
            _only(child, here, ("function",), children=True)
            fn.affects.append(Affects(_arg(child, here, str), child.properties.get("function"), _scope(child, here)))
            continue
        if name == "merge":
            _only(child, here, ("slot", "mode"), children=True)
            slot, mode = child.properties.get("slot"), child.properties.get("mode", "replace")
            if not isinstance(slot, str) or mode not in ("replace", "upsert"):
                raise IRReadError(f"{here}: needs slot= and a mode of 'replace' or 'upsert'")
            fn.merges.append(Merge(_arg(child, here, str), slot, mode, _scope(child, here)))
            continue
        _only(child, here)
        if name == "methods":
            fn.methods = _strings(child, here)
            continue
        setter = _FUNCTION_SETTERS.get(name)
        if setter is None:
            raise IRReadError(f"{where}: unknown node {name!r}")
        setter(fn, child, here)
    if not fn.camel:
        raise IRReadError(f"{where}: missing 'camel'")
    if fn.transport not in TRANSPORTS:
        raise IRReadError(f"{where}: unknown transport {fn.transport!r}")
    if (fn.form_name is None) != (fn.form_role is None):
        raise IRReadError(f"{where}: form-name and form-role go together")
    if fn.callable_by_clients and fn.output is None:
        raise IRReadError(f"{where}: a client-callable function needs an 'output'")
    return fn


def _set(attribute: str, kind: type | tuple[type, ...]) -> Callable[[Function, Any, str], None]:
    def setter(fn: Function, node: Any, where: str) -> None:
        setattr(fn, attribute, _arg(node, where, kind))

    return setter


def _set_auth(fn: Function, node: Any, where: str) -> None:
    value = _arg(node, where, (bool, str))
    if value is False or (isinstance(value, str) and value not in ("staff", "superuser", "custom")):
        raise IRReadError(f"{where}: unknown auth {value!r}")
    fn.auth = value


def _set_form_mark(fn: Function, node: Any, where: str) -> None:
    if _arg(node, where, bool) is not True:
        raise IRReadError(f"{where}: is-form is only ever #true")


_FUNCTION_SETTERS: dict[str, Callable[[Function, Any, str], None]] = {
    "camel": _set("camel", str),
    "has-input": _set("has_input", bool),
    "input": _set("input", str),
    "output": _set("output", str),
    "output-nullable": _set("output_nullable", bool),
    "transport": _set("transport", str),
    "context": _set("context", str),
    "is-form": _set_form_mark,
    "form-name": _set("form_name", str),
    "form-role": _set("form_role", str),
    "auth": _set_auth,
    "private": _set("private", bool),
    "view": _set("view", bool),
    "rev": _set("rev", int),
    "cache": _set("cache", (bool, int)),
    "route": _set("route", str),
}


def _context(node: Any) -> Context:
    where = _where(node)
    _only(node, where, children=True)
    context = Context(_arg(node, where, str))
    for child in node.children:
        here = f"{where} / {child.name}"
        if child.name == "function":
            _only(child, here)
            context.members.append(_arg(child, here, str))
        elif child.name == "param":
            context.params.append(_param(child, _where(child, where)))
        elif child.name in ("transport", "rev", "cache"):
            _only(child, here)
            kind: tuple[type, ...] = {"transport": (str,), "rev": (int,), "cache": (bool, int)}[child.name]
            setattr(context, child.name, _arg(child, here, kind))
        else:
            raise IRReadError(f"{where}: unknown node {child.name!r}")
    if context.transport not in TRANSPORTS:
        raise IRReadError(f"{where}: unknown transport {context.transport!r}")
    return context


def _param(node: Any, where: str) -> Param:
    _only(node, where, children=True)
    found: dict[str, Any] = {"shared-by": ()}
    for child in node.children:
        here = f"{where} / {child.name}"
        _only(child, here)
        if child.name == "type":
            found["type"] = _arg(child, here, str)
        elif child.name == "required":
            found["required"] = _arg(child, here, bool)
        elif child.name == "shared-by":
            found["shared-by"] += _strings(child, here)
        else:
            raise IRReadError(f"{where}: unknown node {child.name!r}")
    if found.get("type") not in PARAM_TYPES or "required" not in found:
        raise IRReadError(f"{where}: needs a 'type' (integer, number, boolean or string) and 'required'")
    return Param(_arg(node, where, str), found["type"], found["required"], found["shared-by"])


def _channel(node: Any) -> Channel:
    where = _where(node)
    _only(node, where, children=True)
    channel = Channel(_arg(node, where, str))
    attributes = {
        "pascal-name": "pascal",
        "params": "params",
        "client-message": "client_message",
        "server-message": "server_message",
    }
    for child in node.children:
        here = f"{where} / {child.name}"
        if child.name not in attributes:
            raise IRReadError(f"{where}: unknown node {child.name!r}")
        _only(child, here)
        setattr(channel, attributes[child.name], _arg(child, here, str))
    if not channel.pascal:
        raise IRReadError(f"{where}: missing 'pascal-name'")
    return channel


def _refs(found: Shape) -> list[str]:
    if isinstance(found, Ref):
        return [found.name]
    if isinstance(found, ListShape):
        return _refs(found.item)
    if isinstance(found, MapShape):
        return _refs(found.value)
    if isinstance(found, OptionalShape):
        return _refs(found.inner)
    if isinstance(found, UnionShape):
        return [name for arm in found.arms for name in _refs(arm)]
    return []


def _check_references(ir: IR) -> None:
    """Every name a node points at exists: a dangling reference would type as nothing."""

    def need(name: str | None, where: str) -> None:
        if name is not None and name not in ir.types:
            raise IRReadError(f"{where}: type {name!r} is not declared")

    for typedef in ir.types.values():
        shapes = [typedef.alias] if typedef.alias is not None else [f.shape for f in typedef.fields or ()]
        for found in shapes:
            for name in _refs(found):
                need(name, f"type {typedef.name!r}")
    for fn in ir.functions:
        need(fn.input, f"function {fn.name!r} / input")
        need(fn.output, f"function {fn.name!r} / output")
    for channel in ir.channels:
        for slot in (channel.params, channel.client_message, channel.server_message):
            need(slot, f"channel {channel.name!r}")
    names = {fn.name for fn in ir.functions}
    for context in ir.contexts:
        for member in context.members:
            if member not in names:
                raise IRReadError(f"context {context.name!r}: member function {member!r} is not declared")
