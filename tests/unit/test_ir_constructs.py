"""The IR's uploads, channels, form marks and discriminated unions, and every build error of
IR.md §13 that is not a name or type collision (those are in test_ir.py). Each error is
shown where Mizan raises it: at `@client`/registration (DEC-5, CHAN-2, FORM-2) when the
declaration itself is wrong, or in `build_ir()` when only the whole registry shows it."""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import ckdl
import pydantic
import pytest

from mizan.core import registry
from mizan.core.channels import ReactChannel, get_channels, register_channel
from mizan.core.client import client
from mizan.core.errors import IRBuildError, MizanRegistrationError
from mizan.core.formmeta import FORM_ROLES, mark_form_function
from mizan.core.ir import build_ir, pascal_name
from mizan.core.uploads import Upload

pytestmark = pytest.mark.usefixtures("clean_registry")


def kdl_nodes(document: str) -> list[Any]:
    return list(ckdl.parse(document, version=2).nodes)


def type_body(document: str, name: str) -> Any:
    (found,) = [n for n in kdl_nodes(document) if n.name == "type" and n.args == [name]]
    return found.children[0]


def field_shape(document: str, type_name: str, field: str) -> Any:
    (found,) = [f for f in type_body(document, type_name).children if f.args == [field]]
    return found.children[0]


def render(shape: Any) -> str:
    """A parsed shape as compact text: `optional(list(primitive:upload))`."""
    head = shape.name + (":" + ",".join(str(a) for a in shape.args) if shape.args else "")
    props = "".join(f"[{k}={v}]" for k, v in sorted(shape.properties.items()))
    inner = ",".join(render(child) for child in shape.children)
    return f"{head}{props}({inner})" if shape.children else head + props


# --- uploads (UPL-1, DEC-5, IR.md §11.1) ----------------------------------------------------


class Attachment(pydantic.BaseModel):
    name: str


def save(request: Any, file: Upload, extra: list[Upload], maybe: Upload | None = None) -> Attachment:
    return Attachment(name=file.filename)


def test_upload_is_a_primitive_of_input_fields() -> None:
    """UPL-1: `Upload`, `list[Upload]` and `Upload | None` as parameters of an HTTP function."""
    registry.register(client(auth=True)(save), "save")
    document = build_ir()
    assert render(field_shape(document, "saveInput", "file")) == "primitive:upload"
    assert render(field_shape(document, "saveInput", "extra")) == "list(primitive:upload)"
    assert render(field_shape(document, "saveInput", "maybe")) == "optional(primitive:upload)"


def reads_file(request: Any, file: Upload) -> int:
    return 0


def test_dec5_upload_on_a_context_or_websocket_function_is_refused_at_declaration() -> None:
    """DEC-5 / IR.md §13 item 5: the bundle fetch and the socket carry JSON only."""
    with pytest.raises(MizanRegistrationError, match="'file' is an Upload, which a context function"):
        client(context="files")(reads_file)
    with pytest.raises(MizanRegistrationError, match="websocket=True function"):
        client(websocket=True)(reads_file)


def returns_upload(request: Any) -> Upload:
    raise NotImplementedError


class Holder(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(arbitrary_types_allowed=True)
    file: Upload


def nested_upload(request: Any, holder: Holder) -> int:
    return 0


def union_upload(request: Any, file: Upload | str) -> int:
    return 0


@pytest.mark.parametrize(
    ("fn", "where"),
    [
        (returns_upload, "function 'f' / output"),
        (nested_upload, "type 'Holder' / field 'file'"),
    ],
)
def test_ir13_upload_anywhere_else_is_a_build_error(fn: Any, where: str) -> None:
    """IR.md §11.1: not as an output, not inside a model, not as a union arm."""
    registry.register(client(fn), "f")
    with pytest.raises(IRBuildError, match=f"{where}.*Upload is only allowed"):
        build_ir()


def test_upl1_upload_in_a_union_is_refused_when_declared() -> None:
    """A union arm other than None cannot be bound from a form: refused by `@client` itself."""
    with pytest.raises(MizanRegistrationError, match="parameter 'file'.*Upload is allowed as"):
        client(union_upload)


def test_ir13_upload_in_a_channel_model_is_a_build_error() -> None:
    class Room(ReactChannel):
        Params = Holder

    register_channel(Room, "room")
    with pytest.raises(IRBuildError, match="channel 'room' / Params / field 'file'"):
        build_ir()


def test_upl2_a_json_call_cannot_fill_an_upload() -> None:
    """Only a bound file validates as an Upload; JSON never does."""
    fn_class = client(save)
    with pytest.raises(pydantic.ValidationError, match="instance of Upload"):
        fn_class.Input.model_validate({"file": "data.txt", "extra": []})


def test_upl3_upload_reads_sync_and_async_files() -> None:
    """UPL-3: `read()` and `chunks()` from the synchronous file (`chunks()` from its start);
    `aread()` through the framework's object when its `read` is a coroutine (Starlette)."""
    import asyncio
    import io

    upload = Upload(io.BytesIO(b"abcdef"), filename="a.txt", content_type="text/plain", size=6)
    assert (upload.read(2), b"".join(upload.chunks(2))) == (b"ab", b"abcdef")
    assert upload.source is upload.file

    class StarletteLike:
        def __init__(self) -> None:
            self.awaited = 0

        async def read(self, size: int = -1) -> bytes:
            self.awaited += 1
            return b"xyz"[:size] if size >= 0 else b"xyz"

    native = StarletteLike()
    async_upload = Upload(io.BytesIO(b"xyz"), filename="b", content_type="x/y", size=3, source=native)
    assert (asyncio.run(async_upload.aread(2)), native.awaited) == (b"xy", 1)
    assert asyncio.run(upload.aread()) == b""  # a synchronous source: read() itself


# --- channels (CHAN-1, CHAN-2, IR-13, IR.md §7) ---------------------------------------------


class Msg(pydantic.BaseModel):
    text: str


def test_channel_nodes_and_types() -> None:
    """A push-only channel has no client-message; names come from the channel, not the class."""

    class Ticker(ReactChannel):
        DjangoMessage = Msg

    class Bare(ReactChannel):
        pass

    register_channel(Ticker, "live.ticker-feed")
    register_channel(Bare, "bare")
    nodes = kdl_nodes(build_ir())
    channels = [(n.args[0], [(c.name, c.args[0]) for c in n.children]) for n in nodes if n.name == "channel"]
    assert channels == [
        ("bare", [("pascal-name", "Bare")]),
        ("live.ticker-feed", [("pascal-name", "LiveTickerFeed"), ("server-message", "LiveTickerFeedServerMessage")]),
    ]
    assert [n.args[0] for n in nodes if n.name == "type"] == ["LiveTickerFeedServerMessage"]
    assert pascal_name("a_b.c-d") == "ABCD"


def test_chan2_registry_schema_and_registration_errors() -> None:
    class Chat(ReactChannel):
        Params = Msg
        ReactMessage = Msg

    register_channel(Chat, "chat")
    register_channel(Chat, "chat")  # the same class again: a no-op
    assert get_channels() == {"chat": Chat}
    (schema,) = registry.get_extensions()["channels"].schema()
    assert (schema["name"], schema["type"], schema["bidirectional"]) == ("chat", "channel", True)
    assert schema["params"]["properties"] == {"text": {"title": "Text", "type": "string"}}

    class Other(ReactChannel):
        pass

    class NotModel(ReactChannel):
        Params = dict  # type: ignore[assignment]

    with pytest.raises(MizanRegistrationError, match="already registered"):
        register_channel(Other, "chat")
    with pytest.raises(MizanRegistrationError, match="not a valid name"):
        register_channel(Other, "9 lives")
    with pytest.raises(MizanRegistrationError, match="Params must be a Pydantic model"):
        register_channel(NotModel, "x")
    with pytest.raises(MizanRegistrationError, match="ReactChannel subclass"):
        register_channel(Msg, "y")  # type: ignore[arg-type]
    registry.clear_registry()
    assert get_channels() == {}


def test_ir13_channel_type_collides_with_a_model() -> None:
    """IR.md §11.4: `ChatParams` synthesized for the channel and a model of that name."""

    class ChatParams(pydantic.BaseModel):
        x: int

    class Chat(ReactChannel):
        Params = Msg

    def f(request: Any) -> list[ChatParams]:
        return []

    registry.register(client(f), "f")
    register_channel(Chat, "chat")
    with pytest.raises(IRBuildError, match="'ChatParams' is claimed by"):
        build_ir()


# --- forms (FORM-2, IR.md §13 item 13) ---------------------------------------------------


def form_fn(request: Any, name: str) -> dict[str, Any]:
    return {}


@pytest.mark.parametrize("role", FORM_ROLES)
def test_form_marks_in_the_original_nodes(role: str) -> None:
    registry.register(
        mark_form_function(client(form_fn), form_name="contact", role=role), f"contact.{role.replace('-', '.')}"
    )
    (function,) = [n for n in kdl_nodes(build_ir()) if n.name == "function"]
    marks = [(c.name, c.args[0]) for c in function.children if c.name.startswith(("is-form", "form-"))]
    assert marks == [("is-form", True), ("form-name", "contact"), ("form-role", role)]


def test_ir13_form_marks_must_be_complete() -> None:
    with pytest.raises(MizanRegistrationError, match="form role 'submitted'"):
        mark_form_function(client(form_fn), form_name="contact", role="submitted")
    with pytest.raises(MizanRegistrationError, match="not a valid name"):
        mark_form_function(client(form_fn), form_name="", role="submit")
    for meta, message in (
        ({"form": True, "form_name": "contact"}, "form role None"),
        ({"form_role": "submit"}, "needs form=True and a form_name"),
        ({"form": True, "form_name": "c", "form_role": "send"}, "form role 'send'"),
    ):
        registry.clear_registry()
        fn_class = client(form_fn)
        fn_class._meta = {**fn_class._meta, **meta}
        registry.register(fn_class, "f")
        with pytest.raises(IRBuildError, match=f"function 'f': .*{message}"):
            build_ir()


# --- the other §13 items ---------------------------------------------------------------------


class Cat(pydantic.BaseModel):
    kind: Literal["cat"]


class Dog(pydantic.BaseModel):
    kind: Literal["dog"]


class Zoo(pydantic.BaseModel):
    pet: Annotated[Cat | Dog, pydantic.Field(discriminator="kind")]
    maybe: Annotated[Cat | Dog, pydantic.Field(discriminator="kind")] | None = None
    many: list[Annotated[Cat | Dog, pydantic.Field(discriminator="kind")]] = []
    plain: Cat | Dog


def zoo(request: Any) -> Zoo:
    raise NotImplementedError


def test_discriminated_unions_carry_their_key() -> None:
    """IR.md §11.1: `Field(discriminator=...)` becomes `discriminator=` on the union."""
    registry.register(client(zoo), "zoo")
    document = build_ir()
    union = "union[discriminator=kind](ref:Cat,ref:Dog)"
    assert render(field_shape(document, "zooOutput", "pet")) == union
    assert render(field_shape(document, "zooOutput", "maybe")) == f"optional({union})"
    assert render(field_shape(document, "zooOutput", "many")) == f"list({union})"
    assert render(field_shape(document, "zooOutput", "plain")) == "union(ref:Cat,ref:Dog)"


def global_reader(request: Any, theme: str = "light") -> str:
    return theme


def global_required(request: Any, theme: str) -> str:
    return theme


def test_global_context_params() -> None:
    """CTX-2 (registration error for required params) wins over IR.md §12.1's 'no params':
    an optional param of a global member is carried, with `required #false`."""
    with pytest.raises(MizanRegistrationError, match="CTX-2"):
        client(context="global")(global_required)
    registry.register(client(context="global")(global_reader), "global_reader")
    (context,) = [n for n in kdl_nodes(build_ir()) if n.name == "context"]
    (param,) = [c for c in context.children if c.name == "param"]
    assert [(c.name, c.args) for c in param.children] == [
        ("type", ["string"]),
        ("required", [False]),
        ("shared-by", ["global_reader"]),
    ]


def mutate(request: Any, x: int) -> int:
    return x


def test_ir13_route_and_methods_are_checked_at_declaration() -> None:
    """IR.md §13 item 14 / DEC-5."""
    with pytest.raises(MizanRegistrationError, match="methods= needs route="):
        client(methods=["POST"])(mutate)
    with pytest.raises(MizanRegistrationError, match="TRACE"):
        client(route="/m/", methods=["TRACE"])(mutate)


def test_ir13_reads_cannot_affect_or_merge() -> None:
    """IR.md §13 item 10 / DEC-5."""
    with pytest.raises(MizanRegistrationError):
        client(context="c", affects="d")(mutate)
    with pytest.raises(MizanRegistrationError):
        client(context="c", merge="d")(mutate)


class Text(pydantic.BaseModel):
    bad: str = "\ud800"


def lone_surrogate(request: Any) -> Text:
    raise NotImplementedError


def test_ir13_lone_surrogate_is_a_build_error() -> None:
    """IR.md §13 item 3: the writer refuses a string that is not valid Unicode."""
    registry.register(client(lone_surrogate), "s")
    with pytest.raises(IRBuildError, match="function 's' / output / field 'bad' / default: .* lone surrogate"):
        build_ir()


class Limits(pydantic.BaseModel):
    top: float = math.inf
    low: float = -math.inf
    nan: float = math.nan


def limits(request: Any) -> Limits:
    return Limits()


def test_non_finite_scalar_defaults_are_kdl_keywords() -> None:
    """docs/ir.md: scalar defaults only (no `(json)` defaults, so IR.md §13 item 4 cannot
    arise); non-finite floats are KDL's #inf/#-inf/#nan, which a KDL 2.0 parser reads back."""
    registry.register(client(limits), "limits")
    fields = type_body(build_ir(), "limitsOutput").children
    top, low, nan = (f.properties["default"] for f in fields)
    assert (top, low, math.isnan(nan)) == (math.inf, -math.inf, True)
