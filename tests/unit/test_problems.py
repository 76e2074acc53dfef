"""Declaration mistakes fail before the first call (issue 15, item 10), on both adapters:
Django reports them as system checks (`manage.py check`), FastAPI raises `ConfigError` when
the application starts, when `routes_router` is built and in `validate_registry()`.

Each mistake is also sent through `/call/` on both adapters, to show what it does at run
time (a 500, or an argument silently lost), and every type that works today is shown to
pass the checks *and* to work through `/call/`.
"""

from __future__ import annotations

import abc
import dataclasses
import datetime
import decimal
import enum
import logging
import pathlib
import typing
import uuid
from collections.abc import Awaitable, Callable, Iterator
from io import StringIO
from typing import Annotated, Any, Literal, NamedTuple, Protocol

import pytest
import typing_extensions
from django.contrib.auth.models import User
from django.core.handlers.wsgi import WSGIRequest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.http import HttpRequest, HttpResponse
from django.test import Client
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field
from starlette.requests import HTTPConnection, Request
from starlette.responses import PlainTextResponse
from starlette.websockets import WebSocket

import mizan_fastapi
from mizan import client
from mizan.core import problems, registry
from mizan.core.errors import ConfigError, IRBuildError, MizanRegistryError
from mizan.core.ir import build_ir
from mizan.core.problems import definition_problems
from mizan.core.uploads import Upload

pytestmark = pytest.mark.usefixtures("clean_registry")

MODULE = __name__
CALL = "/api/mizan/call/"


# --- declarations -------------------------------------------------------------------------


class Thing:
    """A class Pydantic knows nothing about."""

    def __init__(self, value: int = 1) -> None:
        self.value = value


class Text(str):
    """A `str` subclass: serialised as a string, but Pydantic has no validator for it."""


class LegacyDict(typing.TypedDict):
    """`typing.TypedDict`: Pydantic cannot validate it on 3.11 (a parameter annotated with
    it fails at decoration), but a result of this type is a dict."""

    a: int


class Point(typing_extensions.TypedDict):
    x: int


class Model(BaseModel):
    name: str


@dataclasses.dataclass
class Pair:
    left: int
    right: int


class Colour(enum.Enum):
    RED = "red"


class Coords(NamedTuple):
    lat: float
    lon: float


class HasName(Protocol):
    name: str


class Shape(abc.ABC):
    @abc.abstractmethod
    def area(self) -> float: ...


@dataclasses.dataclass
class Square(Shape):
    side: float

    def area(self) -> float:
        return self.side**2


@client
def add(x: int, y: int) -> int:  # the request is missing: `x` receives it
    return y


@client
def takes_thing(request: Any, thing: Thing) -> int:
    return 1


@client
def takes_text(request: Any, text: Text) -> str:
    return str(text)


@client
def takes_stream(request: Any, numbers: Iterator[int]) -> int:
    return 1


@client
def takes_things(request: Any, things: list[Thing] | None = None) -> int:
    return 1


@client
def returns_thing(request: Any) -> Thing:
    return Thing()


@client
def returns_users(request: Any) -> list[User]:
    return [User(username="ada")]


@client(context="shelf")
def shelf_by_id(request: Any, shelf: int) -> int:
    return shelf


@client(context="shelf")
def shelf_by_name(request: Any, shelf: str) -> str:
    return shelf


@client
def untyped(request, a, b=1):  # type: ignore[no-untyped-def]
    return [a, b]


@client
def fine(request: Any, text: str) -> str:
    return text


# (name, function(s), Django check id, error?, fragments of the message, the /call/ args,
# what /call/ answers today)
Case = tuple[str, tuple[Any, ...], str, bool, tuple[str, ...], dict[str, Any], int]
CASES: list[Case] = [
    (
        "add",
        (add,),
        "mizan.E010",
        True,
        (
            f"add ({MODULE}.add): the first parameter 'x' is annotated int, but the first parameter of "
            "a server function is the request (SIG-1); 'x' would receive the request, never a client argument.",
            "HINT: Add the request as the first parameter: def add(request, x: ...).",
        ),
        {"x": 1, "y": 2},
        200,  # silently: x is dropped
    ),
    (
        "takes_thing",
        (takes_thing,),
        "mizan.E011",
        True,
        (
            f"takes_thing ({MODULE}.takes_thing): parameter 'thing' is annotated Thing, which Mizan cannot "
            f"validate: Unable to generate pydantic-core schema for <class '{MODULE}.Thing'>.",
            "__get_pydantic_core_schema__",
        ),
        {"thing": 1},
        500,
    ),
    ("takes_text", (takes_text,), "mizan.E011", True, ("parameter 'text' is annotated Text",), {"text": "a"}, 500),
    (
        "takes_stream",
        (takes_stream,),
        "mizan.E011",
        True,
        ("parameter 'numbers' is annotated collections.abc.Iterator[int]",),
        {"numbers": [1]},
        500,
    ),
    (
        "takes_things",
        (takes_things,),
        "mizan.E011",
        True,
        ("parameter 'things' is annotated list[", "Thing"),
        {"things": [1]},
        500,
    ),
    (
        "returns_thing",
        (returns_thing,),
        "mizan.E012",
        True,
        (
            f"returns_thing ({MODULE}.returns_thing): the return annotation Thing names Thing, which Mizan "
            "cannot serialise to JSON; every call would answer 500 (SIG-7).",
        ),
        {},
        500,
    ),
    ("returns_users", (returns_users,), "mizan.E012", True, ("names User, which Mizan cannot serialise",), {}, 500),
    (
        "shelf_by_id",
        (shelf_by_id, shelf_by_name),
        "mizan.E013",
        True,
        (
            f"context 'shelf' / param 'shelf': members disagree on its type: shelf_by_id ({MODULE}.shelf_by_id) "
            f"takes integer, shelf_by_name ({MODULE}.shelf_by_name) takes string",
            "HINT: Give 'shelf' the same type in every member of 'shelf'",
        ),
        {"shelf": 1},
        200,
    ),
]


def _register(*functions: Any) -> None:
    for fn_class in functions:
        registry.register(fn_class, fn_class.__name__)


# --- the two adapters ---------------------------------------------------------------------


def _django_report() -> tuple[bool, str]:
    """`manage.py check`: (failed, what it printed)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("check", tags=["mizan"], stdout=out, stderr=err)
    except SystemCheckError as exc:
        return True, str(exc)
    return False, out.getvalue() + err.getvalue()


def _fastapi_app() -> FastAPI:
    app = FastAPI()
    app.include_router(mizan_fastapi.router, prefix="/api/mizan")
    return app


def _fastapi_report(caplog: pytest.LogCaptureFixture) -> tuple[bool, str]:
    """The application's start-up: (failed, the ConfigError or the log)."""
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="mizan"):
        try:
            with TestClient(_fastapi_app()):
                pass
        except ConfigError as exc:
            return True, str(exc)
    return False, caplog.text


def _report(adapter: str, caplog: pytest.LogCaptureFixture) -> tuple[bool, str]:
    return _django_report() if adapter == "django" else _fastapi_report(caplog)


def _call(adapter: str, fn: str, args: dict[str, Any]) -> tuple[int, bytes]:
    body = {"fn": fn, "args": args}
    if adapter == "django":
        response = Client().post(CALL, body, content_type="application/json")
        return response.status_code, response.content
    answer = TestClient(_fastapi_app()).post(CALL, json=body)
    return answer.status_code, answer.content


ADAPTERS = pytest.mark.parametrize("adapter", ["django", "fastapi"])


# --- each mistake ---------------------------------------------------------------------------


@ADAPTERS
@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_mistake_fails_the_check_with_a_clear_message(
    adapter: str, case: Case, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 15: each mistake is an error of `manage.py check` (its own id) and a
    ConfigError at FastAPI start-up, naming the function, the parameter and the module."""
    _, functions, check_id, _, fragments, _, _ = case
    _register(*functions)
    failed, text = _report(adapter, caplog)
    assert failed
    for fragment in fragments:
        assert fragment in " ".join(text.split()), fragment
    if adapter == "django":
        assert f"({check_id})" in text
    else:
        assert text.startswith("Mizan server functions are declared wrongly:\n  - ")


@ADAPTERS
@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_mistake_as_it_behaves_without_the_check(adapter: str, case: Case, caplog: pytest.LogCaptureFixture) -> None:
    """What each mistake does through `/call/` (the check is what stops it earlier): the
    type mistakes answer 500 at every call that reaches them, the request mistake answers
    200 having dropped `x`; the log no longer blames the function for a parameter type."""
    name, functions, check_id, _, _, args, status = case
    _register(*functions)
    with caplog.at_level(logging.ERROR, logger="mizan"):
        answered, body = _call(adapter, name, args)
    assert answered == status, body
    if check_id == "mizan.E011":
        assert f"Mizan could not validate the arguments of {name} (the function did not run)" in caplog.text
        assert "Unhandled exception in a Mizan function" not in caplog.text
    if name == "add":
        assert body == b'{"result":2}'


@ADAPTERS
def test_missing_annotations_are_warnings(adapter: str, caplog: pytest.LogCaptureFixture) -> None:
    """Issue 15: a parameter or return without annotation is a warning (mizan.W010), not an
    error: it becomes any (SIG-2, SIG-6), and the function still works."""
    _register(untyped)
    failed, text = _report(adapter, caplog)
    assert not failed
    flat = " ".join(text.split())
    label = f"untyped ({MODULE}.untyped)"
    assert f"{label}: parameter 'a' has no annotation, so it becomes any" in flat
    assert f"{label}: parameter 'b' has no annotation" in flat
    assert f"{label}: the return annotation is missing, so the result becomes any" in flat
    assert "Annotate it, e.g. a: str." in flat
    if adapter == "django":
        assert flat.count("(mizan.W010)") == 3
    assert _call(adapter, "untyped", {"a": {"any": "json"}}) == (200, b'{"result":[{"any":"json"},1]}')


def test_fastapi_warnings_are_logged_once_per_registry_change(caplog: pytest.LogCaptureFixture) -> None:
    _register(untyped)
    assert not _fastapi_report(caplog)[0]
    assert caplog.text.count("parameter 'a' has no annotation") == 1
    assert not _fastapi_report(caplog)[0]
    assert "no annotation" not in caplog.text  # the same registry: not again
    _register(fine)
    assert not _fastapi_report(caplog)[0]
    assert caplog.text.count("parameter 'a' has no annotation") == 1


def test_fastapi_routes_router_and_validate_registry_raise_config_error() -> None:
    """STYLE B5: FastAPI configuration problems raise ConfigError where the router is built
    and in `validate_registry()`, which reports REG-9 problems first, as before."""
    _register(add)
    with pytest.raises(ConfigError, match="the first parameter 'x' is annotated int"):
        mizan_fastapi.build_routes_router()
    with pytest.raises(ConfigError, match="declared wrongly"):
        mizan_fastapi.validate_registry()

    @client(affects="nowhere")
    def dangling(request: Any) -> None:
        return None

    registry.register(dangling, "dangling")
    with pytest.raises(MizanRegistryError, match="nowhere"):
        mizan_fastapi.validate_registry()


def test_context_disagreement_is_the_ir_export_rule() -> None:
    """The IR export keeps raising its IRBuildError for the same context the check reports."""
    _register(shelf_by_id, shelf_by_name)
    assert [(p.kind, p.function, p.param) for p in definition_problems()] == [("context-param", "shelf", "shelf")]
    with pytest.raises(IRBuildError, match="context 'shelf' / param 'shelf': members disagree on its type"):
        build_ir()


def test_several_mistakes_are_all_listed(caplog: pytest.LogCaptureFixture) -> None:
    _register(add, takes_thing, returns_thing, untyped)
    failed, text = _fastapi_report(caplog)
    assert failed
    assert [line.split(" (")[0] for line in text.splitlines()[1:]] == [
        "  - add",
        "  - returns_thing",
        "  - takes_thing",
    ]
    assert "untyped" not in text  # warnings are logged, not raised


# --- what works today passes --------------------------------------------------------------


@client
def req_none(request) -> int:  # type: ignore[no-untyped-def]
    return 1


@client
def req_object(request: object) -> int:
    return 1


@client
def req_django(request: HttpRequest) -> int:
    return 1


@client
def req_wsgi(request: WSGIRequest) -> int:
    return 1


@client
def req_starlette(request: Request) -> int:
    return 1


@client
def req_connection(request: HTTPConnection) -> int:
    return 1


@client
def req_websocket(request: WebSocket) -> int:
    return 1


@client
def req_either(request: HttpRequest | Request) -> int:
    return 1


@client
def req_annotated(request: Annotated[HttpRequest, "the request"]) -> int:
    return 1


@client
def req_optional(request: Request | None) -> int:
    return 1


@client
def many_params(
    request: Any,
    when: datetime.datetime,
    amount: decimal.Decimal,
    ident: uuid.UUID,
    model: Model,
    pair: Pair,
    point: Point,
    colour: Colour,
    mode: Literal["a", "b"],
    positive: Annotated[int, Field(gt=0)],
    mapping: dict[str, int],
    numbers: set[int],
    row: tuple[int, ...],
    where: pathlib.Path,
    models: list[Model] | None,
    anything: Any,
    bounded: int = Field(default=1, ge=0),
    upload: Upload | None = None,
) -> int:
    return 1


@client
def ret_text(request: Any) -> Text:
    return Text("t")


@client
def ret_iterator(request: Any) -> Iterator[int]:
    return iter([1, 2])


@client
def ret_legacy(request: Any) -> LegacyDict:
    return {"a": 1}


@client
def ret_pair(request: Any) -> Pair:
    return Pair(1, 2)


@client
def ret_protocol(request: Any) -> HasName:
    return Model(name="n")


@client
def ret_abstract(request: Any) -> Shape:
    return Square(2.0)


@client
def ret_coords(request: Any) -> Coords:
    return Coords(1.0, 2.0)


@client
def ret_awaitable(request: Any) -> Awaitable[int]:
    async def later() -> int:
        return 3

    return later()


@client
def ret_set(request: Any) -> set[int]:
    return {1}


@client
def ret_decimal(request: Any) -> decimal.Decimal | None:
    return decimal.Decimal("1.5")


@client
def ret_map(request: Any) -> dict[str, Any]:
    return {"a": [1]}


@client
def ret_django_view(request: Any) -> HttpResponse:
    return HttpResponse("view")


@client
def ret_starlette_view(request: Any) -> PlainTextResponse:
    return PlainTextResponse("view")


@client
def ret_callable_default(request: Any, hook: Callable[[], int] | None = None) -> int:
    return 1


REQUESTS = [req_none, req_object, req_django, req_wsgi, req_starlette, req_connection, req_websocket]
REQUESTS += [req_either, req_annotated, req_optional]
RETURNS = [ret_text, ret_iterator, ret_legacy, ret_pair, ret_protocol, ret_abstract, ret_coords, ret_awaitable]
RETURNS += [ret_set, ret_decimal, ret_map, ret_callable_default]
CALLS: dict[str, tuple[dict[str, Any], bytes]] = {
    "ret_text": ({}, b'{"result":"t"}'),
    "ret_iterator": ({}, b'{"result":[1,2]}'),
    "ret_legacy": ({}, b'{"result":{"a":1}}'),
    "ret_pair": ({}, b'{"result":{"left":1,"right":2}}'),
    "ret_protocol": ({}, b'{"result":{"name":"n"}}'),
    "ret_abstract": ({}, b'{"result":{"side":2.0}}'),
    "ret_coords": ({}, b'{"result":[1.0,2.0]}'),
    "ret_awaitable": ({}, b'{"result":3}'),
    "ret_set": ({}, b'{"result":[1]}'),
    "ret_decimal": ({}, b'{"result":"1.5"}'),
    "ret_map": ({}, b'{"result":{"a":[1]}}'),
    "ret_callable_default": ({}, b'{"result":1}'),
    "many_params": (
        {
            "when": "2024-01-02T03:04:05",
            "amount": "1.5",
            "ident": "12345678-1234-5678-1234-567812345678",
            "model": {"name": "m"},
            "pair": {"left": 1, "right": 2},
            "point": {"x": 1},
            "colour": "red",
            "mode": "a",
            "positive": 3,
            "mapping": {"k": 1},
            "numbers": [1, 1],
            "row": [1, 2],
            "where": "/tmp",
            "models": [{"name": "n"}],
            "anything": [None],
            "bounded": 2,
        },
        b'{"result":1}',
    ),
}


@ADAPTERS
def test_what_works_today_passes_the_check(adapter: str, caplog: pytest.LogCaptureFixture) -> None:
    """No false errors: every accepted request annotation (SIG-1) and these parameter and
    return types pass the check, and work through `/call/`."""
    _register(*REQUESTS, many_params, *RETURNS, ret_django_view, ret_starlette_view)
    assert _report(adapter, caplog) == (
        False,
        "" if adapter == "fastapi" else "System check identified no issues (0 silenced).\n",
    )
    for fn in REQUESTS:
        assert _call(adapter, fn.__name__, {}) == (200, b'{"result":1}'), fn.__name__
    for name, (args, body) in CALLS.items():
        assert _call(adapter, name, args) == (200, body), name


def test_request_annotations_are_decided_by_the_registered_bases() -> None:
    """SIG-1: a class counts as the request only when it is (a subclass of) a registered
    framework request base; other annotations of the first parameter are errors."""
    _register(*REQUESTS)
    assert definition_problems() == ()

    @client
    def by_dict(request: dict[str, Any]) -> int:
        return 1

    @client
    def by_none(request: None) -> int:
        return 1

    @client
    def by_response(request: HttpResponse) -> int:
        return 1

    _register(by_dict, by_none, by_response)
    assert [p.function for p in definition_problems() if p.kind == "request"] == ["by_dict", "by_none", "by_response"]


def test_problems_are_found_once_per_registry_change(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 15: computed once per registry change, never per request."""
    _register(fine)
    first = definition_problems()
    assert definition_problems() is first
    computed: list[str] = []
    original = problems.function_problems

    def counting(name: str, fn_class: Any) -> list[problems.Problem]:
        computed.append(name)
        return original(name, fn_class)

    monkeypatch.setattr(problems, "function_problems", counting)
    for adapter in ("django", "fastapi"):
        assert _call(adapter, "fine", {"text": "x"}) == (200, b'{"result":"x"}')
    assert computed == []
    _register(untyped)
    assert len(definition_problems()) == 3
    assert computed == ["fine", "untyped"]


# --- "Function not found" names the function ---------------------------------------------------


@ADAPTERS
def test_unknown_function_is_named_in_details_and_logged(adapter: str, caplog: pytest.LogCaptureFixture) -> None:
    """ERR-3 keeps its code and message; issue 15 adds the name asked for in `details` and
    a log line with the usual causes. Both adapters answer the same bytes."""
    _register(fine)
    with caplog.at_level(logging.WARNING, logger="mizan"):
        answered = _call(adapter, "fien", {})
    assert answered == (
        404,
        b'{"error":{"code":"NOT_FOUND","details":{"function":"fien"},"message":"Function not found"}}',
    )
    (record,) = [r for r in caplog.records if r.name == "mizan"]
    assert record.levelno == logging.WARNING
    assert record.getMessage() == (
        "Mizan: no function named 'fien' is registered. Is it decorated with @client and defined in a module "
        'that is registered: a `clients` module (or package) of an installed app with "mizan" in '
        "INSTALLED_APPS (Django), or passed to register() (FastAPI)?"
    )
