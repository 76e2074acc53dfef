"""`@client`, option normalisation and signatures (PROTOCOL §1.1-§1.4)."""

from __future__ import annotations

import asyncio
import enum
import sys
from typing import Any, Literal

import pydantic
import pytest

from mizan import GlobalContext, ReactContext, ServerFunction, client
from mizan.core.client import FunctionServerFunction
from mizan.core.errors import MizanRegistrationError, ValidationError
from mizan.core.signature import set_framework_response_base

User = ReactContext("user")


class Item(pydantic.BaseModel):
    id: int


class FakeResponse:
    """Stands in for a framework response base (SIG-10 allows several at once)."""


set_framework_response_base(FakeResponse)


class FakeRedirect(FakeResponse):
    pass


def test_dec1_bare_and_called_forms_return_server_function_subclasses() -> None:
    @client
    def bare(request: Any, x: int) -> int:
        return x

    @client()
    def called(request: Any) -> str:
        return "ok"

    for fn in (bare, called):
        assert isinstance(fn, type) and issubclass(fn, ServerFunction)
        assert fn is not ServerFunction
    assert bare.__name__ == "bare" and bare.__module__ == __name__
    # The wrapped function stays reachable for tests (DEC-1).
    assert bare.fn(None, x=3) == 3
    assert bare.__wrapped__(None, 4) == 4


def test_dec2_meta_storage_rules() -> None:
    @client
    def plain(request: Any) -> None: ...

    assert plain._meta == {}

    @client(
        affects=[User, "user", User],
        auth=True,
        websocket=True,
        route="/hook/",
        methods=["post", "PUT", "post"],
        rev=2,
        cache=60,
    )
    def full(request: Any) -> None: ...

    assert full._meta == {
        "affects": [{"type": "context", "name": "user"}, {"type": "name", "name": "user"}],
        "auth": "required",
        "websocket": True,
        "route": "/hook/",
        "methods": ["POST", "PUT"],
        "rev": 2,
        "cache": 60,
    }

    @client(context="user", cache=False, auth="staff")
    def ctx(request: Any) -> None: ...

    assert ctx._meta == {"context": "user", "cache": False, "auth": "staff"}

    @client(merge=[User, "items", "user"], auth=None, private=False, rev=0, cache=True)
    def merger(request: Any) -> None: ...

    assert merger._meta == {"merge": ["user", "items"]}


def test_dec2_meta_is_a_fresh_dict_per_class() -> None:
    @client(context="a")
    def one(request: Any) -> None: ...

    @client(context="b")
    def two(request: Any) -> None: ...

    assert one._meta is not two._meta
    one._meta["x"] = 1
    assert "x" not in two._meta and "x" not in ServerFunction._meta


def test_dec2_auth_forms() -> None:
    def guard(request: Any) -> bool:
        return True

    assert client(auth="required")(lambda request: None)._meta["auth"] == "required"
    assert client(auth="superuser")(lambda request: None)._meta["auth"] == "superuser"
    assert client(auth=guard)(lambda request: None)._meta["auth"] is guard
    assert "auth" not in client(auth=False)(lambda request: None)._meta


def test_dec4_function_reference_in_affects() -> None:
    @client(context="user")
    def user_profile(request: Any, user_id: int) -> None: ...

    @client(affects=user_profile)
    def update(request: Any, user_id: int) -> None: ...

    assert update._meta["affects"] == [{"type": "function", "ref": user_profile}]


@pytest.mark.parametrize(
    "options, fragment",
    [
        ({"bogus": 1}, "unknown @client option"),
        ({"affects_params": lambda r: {}}, "DEC-7"),
        ({"auth": "admin"}, "auth="),
        ({"auth": 1}, "auth="),
        ({"rev": -1}, "rev="),
        ({"rev": True}, "rev="),
        ({"rev": 1.0}, "rev="),
        ({"cache": 0}, "cache="),
        ({"cache": -5}, "cache="),
        ({"cache": "yes"}, "cache="),
        ({"route": "no-slash"}, "route="),
        ({"route": 5}, "route="),
        ({"methods": ["GET"]}, "needs route="),
        ({"route": "/x/", "methods": ["FETCH"]}, "methods="),
        ({"route": "/x/", "methods": []}, "methods="),
        ({"context": "user", "affects": "user"}, "context functions are reads"),
        ({"context": "user", "merge": "user"}, "context functions are reads"),
        ({"context": "user", "private": True}, "private=True"),
        ({"context": "bad name"}, "CTX-3"),
        ({"context": "a:b"}, "CTX-3"),
        ({"context": 5}, "context="),
        ({"merge": "x;y"}, "CTX-3"),
        ({"affects": "a b"}, "neither a context nor a function"),
        ({"affects": 3}, "affects="),
        ({"websocket": "yes"}, "websocket="),
        ({"private": 1}, "private="),
    ],
)
def test_dec5_registration_errors(options: dict[str, Any], fragment: str) -> None:
    with pytest.raises(MizanRegistrationError, match=fragment.replace("(", r"\(").replace(")", r"\)")):

        @client(**options)
        def fn(request: Any) -> None: ...


def test_dec5_function_reference_in_merge_is_refused() -> None:
    @client(context="items")
    def items(request: Any) -> list[Item]:
        return []

    with pytest.raises(MizanRegistrationError, match="merge="):
        client(merge=items)


def test_ctx1_react_context_value_semantics() -> None:
    assert ReactContext("user") == ReactContext("user")
    assert hash(ReactContext("user")) == hash(ReactContext("user"))
    assert ReactContext("user") != ReactContext("other")
    assert ReactContext("user") != "user"
    with pytest.raises(AttributeError):
        ReactContext("user").name = "x"  # type: ignore[misc]
    assert GlobalContext.name == "global"


def test_ctx2_global_context_spellings_are_equivalent() -> None:
    a = client(context="global")(lambda request: None)
    b = client(context=ReactContext("global"))(lambda request: None)
    c = client(context=GlobalContext)(lambda request: None)
    assert a._meta == b._meta == c._meta == {"context": "global"}


def test_ctx2_global_functions_cannot_require_parameters() -> None:
    with pytest.raises(MizanRegistrationError, match="CTX-2"):

        @client(context=GlobalContext)
        def needs(request: Any, user_id: int) -> None: ...

    @client(context=GlobalContext)
    def optional(request: Any, theme: str = "dark") -> None: ...

    assert optional.Input is not None


def test_sig1_request_parameter_is_required() -> None:
    with pytest.raises(MizanRegistrationError, match="SIG-1"):
        client(lambda: None)

    with pytest.raises(MizanRegistrationError, match="SIG-1"):

        @client
        def kw_only(*, request: Any) -> None: ...


@pytest.mark.parametrize(
    "source",
    [
        "def f(request, *args): pass",
        "def f(request, **kwargs): pass",
        "def f(request, x, /, y): pass",
        "def f(request, _private): pass",
    ],
)
def test_sig3_unmappable_parameters(source: str) -> None:
    namespace: dict[str, Any] = {}
    exec(source, namespace)
    with pytest.raises(MizanRegistrationError, match="SIG-3"):
        client(namespace["f"])


def test_sig2_input_model_fields_follow_parameters() -> None:
    @client
    def update_profile(request: Any, user_id: int, name: str = "anon", extra=None) -> dict[str, Any]:  # type: ignore[no-untyped-def]
        return {}

    model = update_profile.Input
    assert model is not None and issubclass(model, pydantic.BaseModel)
    assert model.__name__ == "UpdateProfileInput"
    assert list(model.model_fields) == ["user_id", "name", "extra"]
    assert model.model_fields["user_id"].is_required()
    assert model.model_fields["name"].default == "anon"
    assert model.model_fields["extra"].annotation is Any
    assert update_profile.Output == dict[str, Any]


def test_sig4_no_parameters_no_input() -> None:
    @client
    def ping(request: Any):  # type: ignore[no-untyped-def]
        return "pong"

    assert ping.Input is None
    assert ping.Output is Any
    assert ping.bind({"ignored": 1}) == ({}, ())


def test_sig5_values_are_validated_attributes() -> None:
    class Color(enum.Enum):
        RED = "red"

    seen: dict[str, Any] = {}

    @client
    def f(request: Any, item: Item, color: Color, n: int, mode: Literal["a", "b"] = "a") -> None:
        seen.update(item=item, color=color, n=n, mode=mode)

    bound, supplied = f.bind({"item": {"id": "7"}, "color": "red", "n": "5", "zzz": 1})
    assert supplied == ("item", "color", "n")
    f(None).run(bound)
    assert seen == {"item": Item(id=7), "color": Color.RED, "n": 5, "mode": "a"}
    assert isinstance(seen["item"], Item)


def test_sig5_validation_errors_are_structured() -> None:
    @client
    def f(request: Any, a: int, tags: list[int], item: Item | None = None) -> None: ...

    with pytest.raises(ValidationError) as info:
        f.bind({"tags": [1, "x"], "item": {"id": "nope"}})
    assert info.value.details == {
        "fields": {
            "a": ["Field required"],
            "tags.1": ["Input should be a valid integer, unable to parse string as an integer"],
            "item.id": ["Input should be a valid integer, unable to parse string as an integer"],
        }
    }
    assert info.value.path == ("a",)


def test_sig9_async_functions() -> None:
    @client
    async def f(request: Any, x: int) -> int:
        return x * 2

    assert f._signature.is_async
    instance = f(None)
    bound, _ = f.bind({"x": 4})
    assert asyncio.run(instance.run(bound)) == 8
    assert asyncio.run(instance.acall(f.Input(x=5))) == 10  # type: ignore[misc]


def test_sf2_acall_runs_sync_bodies_in_a_thread() -> None:
    import threading

    main = threading.get_ident()

    @client
    def where(request: Any) -> int:
        return threading.get_ident()

    assert asyncio.run(where(None).acall(None)) != main


def test_sf3_hand_written_server_function() -> None:
    class AdderInput(pydantic.BaseModel):
        a: int
        b: int = 2

    class Adder(ServerFunction):
        Input = AdderInput
        Output = int

        def call(self, input: Any) -> int:
            return int(input.a + input.b)

    bound, supplied = Adder.bind({"a": "3"})
    assert supplied == ("a",)
    assert Adder(None).run(bound) == 5
    with pytest.raises(ValidationError) as info:
        Adder.bind({})
    assert info.value.details == {"fields": {"a": ["Field required"]}}


def test_dec6_client_on_a_server_function_class() -> None:
    class Base(ServerFunction):
        Output = FakeRedirect

        def call(self, input: Any) -> Any:
            return None

    configured = client(context="forms", rev=3)(Base)
    assert configured is Base
    assert Base._meta == {"context": "forms", "rev": 3, "view_path": True}
    assert ServerFunction._meta == {}


def test_dec3_view_path_from_return_annotation() -> None:
    @client(route="/profile/<int:user_id>/")
    def page(request: Any, user_id: int) -> FakeRedirect:
        return FakeRedirect()

    @client
    def data(request: Any) -> dict[str, int]:
        return {}

    assert page._meta["view_path"] is True
    assert "view_path" not in data._meta


def test_unresolvable_annotation_is_a_registration_error() -> None:
    namespace: dict[str, Any] = {}
    exec("def f(request, x: 'Missing') -> None: pass", namespace)
    with pytest.raises(MizanRegistrationError, match="cannot resolve"):
        client(namespace["f"])


def test_mutable_defaults_are_copied_per_call() -> None:
    @client
    def f(request: Any, tags: list[str] = []) -> list[str]:  # noqa: B006 - the point of the test
        return tags

    first, _ = f.bind({})
    first["tags"].append("x")
    second, _ = f.bind({})
    assert second["tags"] == []


def test_field_defaults_with_constraints_are_enforced() -> None:
    @client
    def f(request: Any, n: int = pydantic.Field(3, ge=0)) -> int:
        return n

    assert f.bind({})[0] == {"n": 3}
    assert f.bind({"n": "4"})[0] == {"n": 4}
    with pytest.raises(ValidationError) as info:
        f.bind({"n": -1})
    assert info.value.details == {"fields": {"n": ["Input should be greater than or equal to 0"]}}


def test_function_server_function_call_takes_an_input_instance() -> None:
    @client
    def f(request: Any, a: int, b: str = "x") -> str:
        return f"{request}:{a}:{b}"

    assert issubclass(f, FunctionServerFunction)
    assert f("req").call(f.Input(a=1)) == "req:1:x"  # type: ignore[misc]


def test_public_import_surface() -> None:
    import importlib

    importlib.import_module("mizan.client")  # the §0.6 re-export module
    import mizan
    from mizan.core import client as core_client

    assert mizan.client is core_client  # the submodule never shadows the decorator
    assert importlib.import_module("mizan.client").__name__ == "mizan.client"
    assert sys.modules["mizan.client"].client is core_client


def test_field_default_factory_and_required_field() -> None:
    from typing import Annotated

    @client
    def f(
        request: Any,
        n: int = pydantic.Field(gt=0),
        tags: list[str] = pydantic.Field(default_factory=list),  # noqa: B008 - Pydantic style defaults
        score: Annotated[int, pydantic.Field(le=10)] = 5,
    ) -> None: ...

    with pytest.raises(ValidationError) as info:
        f.bind({"score": 11})
    assert info.value.details == {
        "fields": {"n": ["Field required"], "score": ["Input should be less than or equal to 10"]}
    }
    first, supplied = f.bind({"n": "2"})
    assert first == {"n": 2, "tags": [], "score": 5} and supplied == ("n",)
    assert f.bind({"n": 2})[0]["tags"] is not first["tags"]  # a fresh list per call


def test_dec6_global_class_with_required_fields_is_refused() -> None:
    class NeedsInput(pydantic.BaseModel):
        user_id: int

    class Handwritten(ServerFunction):
        Input = NeedsInput

    with pytest.raises(MizanRegistrationError, match="CTX-2"):
        client(context=GlobalContext)(Handwritten)


def test_react_context_repr_pickle_and_type_check() -> None:
    import pickle

    assert repr(ReactContext("user")) == "ReactContext('user')"
    assert pickle.loads(pickle.dumps(ReactContext("user"))) == ReactContext("user")
    with pytest.raises(TypeError):
        ReactContext(5)  # type: ignore[arg-type]
