"""Emit one TypeScript module from a read IR: the named types, one typed function per
client-callable server function, context handles, channel subscriptions and error codes,
all on top of the browser runtime's declarations (`mizan/static/mizan/client.d.ts`).

The output is a pure function of the IR (and the header's file name): every section is
sorted, so a regenerated client only changes where the IR changed.
"""

from __future__ import annotations

import json
import re

from mizan.codegen.ir_reader import (
    IR,
    Channel,
    Context,
    EnumShape,
    Field,
    Function,
    ListShape,
    MapShape,
    OptionalShape,
    Primitive,
    Ref,
    Shape,
    TypeDef,
    UnionShape,
)
from mizan.core.errors import ErrorCode

DEFAULT_RUNTIME = "./client.js"
# Names the module imports or declares itself; a type of the IR may not take them.
# The runtime's `Json` and `Params` are imported as `MizanJson`/`MizanParams`, so that an
# API's own `Params` or `Json` model keeps its name.
_RESERVED = frozenset(
    {"MizanClient", "MizanError", "ContextHandle", "ChannelSubscription", "MizanJson", "MizanParams"}
    | {"ClientErrorCode", "ServerErrorCode", "ErrorCode", "isMizanError", "forms", "definedParams", "jsonParams"}
)
_PARAM_TS = {"integer": "number", "number": "number", "boolean": "boolean", "string": "string"}
_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_TS_KEYWORDS = frozenset(
    "break case catch class const continue debugger default delete do else enum export extends false finally for "
    "function if import in instanceof new null return super switch this throw true try typeof var void while with "
    "as implements interface let package private protected public static yield await eval arguments".split()
)


class GenerationError(ValueError):
    """The IR is readable but has no faithful TypeScript form (a name clash, for one)."""


def pascal(name: str) -> str:
    """A TypeScript type name: the IR's lowerCamel type names get their first letter raised
    (`addTaskInput` -> `AddTaskInput`); `.`/`_`/`-` pieces of other names are joined title-cased."""
    pieces = [piece for piece in re.split(r"[._-]", name) if piece]
    return "".join(piece[:1].upper() + piece[1:] for piece in pieces)


def camel(name: str) -> str:
    """lowerCamel of a context name or form role: `board.tasks` -> `boardTasks`,
    `formset-submit` -> `formsetSubmit` (functions and channels use the IR's own names)."""
    joined = pascal(name)
    return joined[:1].lower() + joined[1:]


def _key(name: str) -> str:
    """A property key, quoted when it is not a plain identifier."""
    return name if _IDENTIFIER.fullmatch(name) else json.dumps(name)


def _literal(value: object) -> str:
    """A TypeScript literal; LS/PS escaped too (older engines end a line there)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return repr(value)


def _comment(text: str) -> str:
    """Text safe inside `/** ... */`: a `*/` in a default or a name would end the comment."""
    return text.replace("*/", "*\\/")


class Emitter:
    """Turns one IR into the lines of one module."""

    def __init__(self, ir: IR, source: str, runtime: str = DEFAULT_RUNTIME) -> None:
        self.ir = ir
        self.source = source
        self.runtime = runtime
        self.type_names: dict[str, str] = {}
        self.values: dict[str, str] = {}
        self.function_names: dict[str, str] = {}
        taken: dict[str, str] = {}
        for name in sorted(ir.types):
            ts_name = pascal(name)
            if not _IDENTIFIER.fullmatch(ts_name) or ts_name in _RESERVED or ts_name in _TS_KEYWORDS:
                raise GenerationError(f"type {name!r}: {ts_name!r} cannot be a TypeScript type name here")
            if ts_name in taken:
                raise GenerationError(f"types {taken[ts_name]!r} and {name!r} both become {ts_name!r}")
            taken[ts_name] = name
            self.type_names[name] = ts_name

    # --- names ---------------------------------------------------------------------------

    def claim_type(self, ts_name: str, owner: str) -> str:
        """Reserve a type name the generator makes up (`BoardBundle`, `BoardParams`)."""
        clash = ts_name in _RESERVED or ts_name in self.type_names.values()
        for name, existing in self.values.items():
            clash = clash or (name == ts_name and existing != owner)
        if clash:
            raise GenerationError(f"{owner}: the type name {ts_name!r} is already taken")
        self.values[ts_name] = owner
        return ts_name

    def claim_value(self, ts_name: str, owner: str) -> str:
        """Reserve an exported function or constant name; a reserved word gets a `_`
        (`delete` -> `delete_`), as a function cannot be called `delete`."""
        if ts_name in _TS_KEYWORDS:
            ts_name += "_"
        if not _IDENTIFIER.fullmatch(ts_name) or ts_name in _RESERVED:
            raise GenerationError(f"{owner}: {ts_name!r} cannot be an exported name")
        if ts_name in self.values:
            raise GenerationError(f"{owner} and {self.values[ts_name]}: both become {ts_name!r}")
        self.values[ts_name] = owner
        return ts_name

    # --- shapes --------------------------------------------------------------------------

    def shape(self, found: Shape) -> str:
        """The TypeScript type of a shape."""
        if isinstance(found, Primitive):
            return {
                "integer": "number",
                "number": "number",
                "boolean": "boolean",
                "string": "string",
                "any": "unknown",
                "none": "null",
                "upload": "File | Blob",
            }[found.name]
        if isinstance(found, Ref):
            return self.type_names[found.name]
        if isinstance(found, EnumShape):
            return " | ".join(_literal(value) for value in found.values)
        if isinstance(found, ListShape):
            item = self.shape(found.item)
            return f"({item})[]" if " " in item else f"{item}[]"
        if isinstance(found, MapShape):
            return f"Record<string, {self.shape(found.value)}>"
        if isinstance(found, OptionalShape):
            return _union([self.shape(found.inner), "null"])
        if isinstance(found, UnionShape):
            return _union([self.shape(arm) for arm in found.arms])
        raise GenerationError(f"unknown shape {found!r}")  # the reader refuses these first

    def output_type(self, fn: Function) -> str:
        assert fn.output is not None  # the reader checks client-callable functions have one
        base = self.type_names[fn.output]
        return _union([base, "null"]) if fn.output_nullable else base

    # --- sections ------------------------------------------------------------------------

    def typedef(self, typedef: TypeDef, client_sent: bool) -> list[str]:
        """An interface for a struct, a type alias for anything else. Fields the server
        fills in (`required=#false`) are optional only in what the client sends."""
        ts_name = self.type_names[typedef.name]
        if typedef.alias is not None:
            return [f"export type {ts_name} = {self.shape(typedef.alias)};"]
        lines = [f"export interface {ts_name} {{"]
        for found in typedef.fields or ():
            doc = _field_doc(found)
            if doc:
                lines.append(f"  /** {_comment(doc)} */")
            optional = "?" if client_sent and not found.required else ""
            lines.append(f"  {_key(found.name)}{optional}: {self.shape(found.shape)};")
        lines.append("}")
        return lines

    def function(self, fn: Function) -> list[str]:
        # The IR's own `camel` name, which its `<camel>Input`/`<camel>Output` types also use.
        name = self.function_names[fn.name] = self.claim_value(fn.camel, f"function {fn.name!r}")
        out = self.output_type(fn)
        options = ', { transport: "ws" }' if fn.transport == "websocket" else ""
        lines = [f"/** `{fn.name}`{_function_doc(fn)} */"]
        if fn.has_input and fn.input is not None:
            fields = self.ir.types[fn.input].fields or ()
            default = "" if any(found.required for found in fields) else " = {}"
            args = f"args: {self.type_names[fn.input]}{default}"
            lines.append(f"export function {name}(client: MizanClient, {args}): Promise<{out}> {{")
            lines.append(f"  return client.call<{out}>({json.dumps(fn.name)}, {{ ...args }}{options});")
        else:
            lines.append(f"export function {name}(client: MizanClient): Promise<{out}> {{")
            lines.append(f"  return client.call<{out}>({json.dumps(fn.name)}, {{}}{options});")
        lines.append("}")
        return lines

    def context(self, context: Context) -> list[str]:
        """`<Pascal>Bundle`, `<Pascal>Params` and `<camel>Context(client, params)`."""
        where = f"context {context.name!r}"
        members = [
            fn for fn in (self.ir.function(member) for member in context.members) if fn and fn.callable_by_clients
        ]
        bundle = self.claim_type(f"{pascal(context.name)}Bundle", where)
        lines = [f"/** The bundle of context `{context.name}`: one entry per member function. */"]
        # A type literal, not an interface: `client.context<T>` wants `T extends Record<string, unknown>`,
        # which an interface (having no index signature) never satisfies.
        lines.append(f"export type {bundle} = {{")
        lines += [f"  {_key(fn.name)}: {self.output_type(fn)};" for fn in members]
        lines.append("};")
        name = self.claim_value(f"{camel(context.name)}Context", where)
        member_list = ", ".join(json.dumps(fn.name) for fn in members)
        if context.params:
            params = self.claim_type(f"{pascal(context.name)}Params", where)
            lines.append(f"export interface {params} {{")
            for param in context.params:
                optional = "" if param.required else "?"
                lines.append(f"  /** Taken by {', '.join(f'`{m}`' for m in param.shared_by)}. */")
                lines.append(f"  {_key(param.name)}{optional}: {_PARAM_TS[param.type]};")
            lines.append("}")
            all_optional = not any(param.required for param in context.params)
            signature = f"params: {params}" + (" = {}" if all_optional else "")
            passed = "definedParams(params)"
        else:
            signature, passed = "", "{}"
        lines.append(f"/** The handle of context `{context.name}`{_policy_doc(context)}. */")
        head = f"export function {name}(client: MizanClient{', ' + signature if signature else ''})"
        lines.append(f"{head}: ContextHandle<{bundle}> {{")
        lines.append(f"  return client.context<{bundle}>({json.dumps(context.name)}, {passed}, [{member_list}]);")
        lines.append("}")
        return lines

    def channel(self, channel: Channel) -> list[str]:
        """`<camel>Channel(client, params, onMessage)` -> `ChannelSubscription<ClientMessage>`."""
        where = f"channel {channel.name!r}"
        name = self.claim_value(f"{channel.pascal[:1].lower()}{channel.pascal[1:]}Channel", where)
        incoming = self.type_names[channel.server_message] if channel.server_message else "MizanJson"
        # A channel without a client message is one-way: `send` takes nothing it could send.
        outgoing = self.type_names[channel.client_message] if channel.client_message else "never"
        params = f"params: {self.type_names[channel.params]}, " if channel.params else ""
        passed = "jsonParams(params)" if channel.params else "{}"
        kind = "bidirectional" if channel.client_message else "server to client only"
        return [
            f"/** Subscribe to channel `{channel.name}` ({kind}). */",
            f"export function {name}(",
            f"  client: MizanClient, {params}onMessage: (message: {incoming}) => void,",
            f"): Promise<ChannelSubscription<{outgoing}>> {{",
            f"  return client.channel<{incoming}, {outgoing}>({json.dumps(channel.name)}, {passed}, onMessage);",
            "}",
        ]

    def forms(self, functions: list[Function]) -> list[str]:
        """`forms.<name>.<role>`: each form's functions grouped, as the IR's form marks say."""
        grouped: dict[str, dict[str, str]] = {}
        for fn in functions:
            if fn.form_name is not None and fn.form_role is not None:
                grouped.setdefault(fn.form_name, {})[camel(fn.form_role)] = self.function_names[fn.name]
        if not grouped:
            return []
        if "forms" in self.values:  # a function camel-cased to `forms`
            raise GenerationError(f"{self.values['forms']} and the forms table: both are named 'forms'")
        lines = ["/** Each form's functions by role (`schema`, `validate`, `submit`, `formset*`). */"]
        lines.append("export const forms = {")
        for form_name in sorted(grouped):
            roles = ", ".join(f"{role}: {fn}" for role, fn in sorted(grouped[form_name].items()))
            lines.append(f"  {_key(form_name)}: {{ {roles} }},")
        lines.append("} as const;")
        return lines

    def errors(self) -> list[str]:
        codes = " | ".join(json.dumps(code.value) for code in ErrorCode)
        return [
            "/** Every error code the server's envelope carries. */",
            f"export type ServerErrorCode = {codes};",
            "/** Every code a MizanError can have: the server's, and the client's own failures. */",
            "export type ErrorCode = ServerErrorCode | ClientErrorCode;",
            "/** True when `error` is a MizanError (with `code`, when given). */",
            "export function isMizanError(error: unknown, code?: ErrorCode): error is MizanError {",
            "  return error instanceof MizanError && (code === undefined || error.code === code);",
            "}",
        ]

    def module(self) -> str:
        callable_functions = sorted((fn for fn in self.ir.functions if fn.callable_by_clients), key=lambda f: f.name)
        client_sent = self._client_sent_types(callable_functions)
        body: list[list[str]] = [self.errors()]
        for name in sorted(self.ir.types, key=lambda n: self.type_names[n]):
            body.append(self.typedef(self.ir.types[name], name in client_sent))
        body += [self.function(fn) for fn in callable_functions]
        body += [self.context(context) for context in sorted(self.ir.contexts, key=lambda c: c.name)]
        body += [self.channel(channel) for channel in sorted(self.ir.channels, key=lambda c: c.name)]
        body.append(self.forms(callable_functions))
        helpers = self._helpers()
        lines = [
            f"// Generated by `python -m mizan.codegen` from {self.source}. Do not edit: regenerate it.",
            "/* eslint-disable */",
            "import {",
            "  MizanClient,",
            "  MizanError,",
            "  type ChannelSubscription,",
            "  type ClientErrorCode,",
            "  type ContextHandle,",
            "  type Json as MizanJson,",
            "  type Params as MizanParams,",
            f"}} from {json.dumps(self.runtime)};",
            "",
            "export { MizanClient, MizanError };",
        ]
        for block in [helpers, *body]:
            if block:
                lines += ["", *block]
        return "\n".join(lines) + "\n"

    def _client_sent_types(self, functions: list[Function]) -> set[str]:
        """Function inputs and channel params/client messages: the client writes these."""
        names = {fn.input for fn in functions if fn.input is not None}
        for channel in self.ir.channels:
            names |= {name for name in (channel.params, channel.client_message) if name is not None}
        return names

    def _helpers(self) -> list[str]:
        lines: list[str] = []
        if any(context.params for context in self.ir.contexts):
            lines += [
                "/** Context params as the runtime takes them: the ones left out are not sent. */",
                "function definedParams(params: object): MizanParams {",
                "  const found: MizanParams = {};",
                "  for (const [key, value] of Object.entries(params)) {",
                "    if (value !== undefined) found[key] = value as MizanParams[string];",
                "  }",
                "  return found;",
                "}",
            ]
        if any(channel.params for channel in self.ir.channels):
            lines += [
                "/** Channel params as JSON (the generated types hold only JSON values). */",
                "function jsonParams(params: object): Record<string, MizanJson> {",
                "  const found: Record<string, MizanJson> = {};",
                "  for (const [key, value] of Object.entries(params)) {",
                "    if (value !== undefined) found[key] = value as MizanJson;",
                "  }",
                "  return found;",
                "}",
            ]
        return lines


def _union(parts: list[str]) -> str:
    """`A | B`, each distinct member once, in order (`X | null | null` reads as a mistake)."""
    seen: list[str] = []
    for part in parts:
        for member in _split_union(part):
            if member not in seen:
                seen.append(member)
    return " | ".join(seen)


def _split_union(text: str) -> list[str]:
    """The top-level members of a union text (`|` inside `<>`, `()`, `{}` is not a split)."""
    members, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char in "<({[":
            depth += 1
        elif char in ">)}]":
            depth -= 1
        if char == "|" and depth == 0:
            members.append(text[start:index].strip())
            start = index + 1
    members.append(text[start:].strip())
    return members


def _field_doc(found: Field) -> str:
    return f"Default: `{_literal(found.default)}`." if found.has_default else ""


def _function_doc(fn: Function) -> str:
    notes = []
    if fn.context is not None:
        notes.append(f"member of context `{fn.context}`")
    if fn.auth is not None:
        notes.append(
            "requires " + ("a signed-in user" if fn.auth is True or fn.auth == "custom" else f"a {fn.auth} user")
        )
    if fn.transport == "websocket":
        notes.append("sent over the WebSocket when it is open")
    for edge in fn.affects:
        target = f"`{edge.context}`" + (f" (`{edge.function}`)" if edge.function else "")
        notes.append(f"refetches {target}" + (f" by {', '.join(edge.scope)}" if edge.scope else ""))
    for merge in fn.merges:
        notes.append(f"{'upserts into' if merge.mode == 'upsert' else 'replaces'} `{merge.context}.{merge.slot}`")
    if fn.form_name is not None:
        notes.append(f"`{fn.form_role}` of form `{fn.form_name}`")
    return (": " + "; ".join(notes)) if notes else ""


def _policy_doc(context: Context) -> str:
    return " (members over the WebSocket)" if context.transport == "websocket" else ""


def generate(ir: IR, source: str, runtime: str = DEFAULT_RUNTIME) -> str:
    """The TypeScript module for `ir`; `source` names the IR file in the header.

    Raises:
        GenerationError: the IR has no faithful TypeScript form (a name clash).
    """
    return Emitter(ir, source, runtime).module()
