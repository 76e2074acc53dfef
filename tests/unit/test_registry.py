"""Registry rules REG-1..9, CTX-4..6 and module discovery DISC-2/3."""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest

from mizan import ReactContext, ServerFunction, client
from mizan.core import registry
from mizan.core.discovery import register_module
from mizan.core.errors import MizanRegistrationError, MizanRegistryError

pytestmark = pytest.mark.usefixtures("clean_registry")


def _fn(**options: Any) -> type[ServerFunction]:
    def body(request: Any, user_id: int = 0) -> None:
        return None

    result: type[ServerFunction] = client(**options)(body)
    return result


def test_reg1_only_server_function_subclasses() -> None:
    with pytest.raises(TypeError):
        registry.register(lambda request: None, "f")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        registry.register(ServerFunction, "base")


@pytest.mark.parametrize("name", ["contact.schema", "a", "_x", "a1.b_2.c"])
def test_reg2_valid_names(name: str) -> None:
    registry.register(_fn(), name)
    assert registry.get_function(name) is not None


@pytest.mark.parametrize("name", ["", "1a", "a-b", "a.", ".a", "a..b", "a b", 5])
def test_reg2_invalid_names(name: Any) -> None:
    with pytest.raises(MizanRegistrationError, match="REG-2"):
        registry.register(_fn(), name)


def test_reg3_same_class_is_a_noop_and_takeover_is_refused() -> None:
    first = _fn()
    registry.register(first, "f")
    registry.register(first, "f")
    with pytest.raises(MizanRegistrationError, match="REG-3"):
        registry.register(_fn(), "f")
    assert registry.get_function("f") is first


def test_reg3_refusal_names_both_modules() -> None:
    """REG-3/issue 15: the duplicate-name error names the registered class and the refused
    one by module and qualified name, so two `clients` modules can be told apart."""
    first = types.ModuleType("shop.clients.orders")
    second = types.ModuleType("shop.clients.billing")
    for module in (first, second):
        exec(
            "from typing import Any\nfrom mizan import client\n\n@client\ndef total(request: Any) -> int:\n"
            "    return 1\n",
            module.__dict__,
        )
    registry.register(first.total, "total")
    with pytest.raises(MizanRegistrationError) as raised:
        registry.register(second.total, "total")
    assert str(raised.value) == (
        "the name 'total' is already registered to shop.clients.orders.total; "
        "shop.clients.billing.total cannot take it (REG-3)"
    )


def test_reg3_class_wrapping_the_same_function_is_the_same() -> None:
    def body(request: Any) -> None: ...

    registry.register(client(body), "f")
    registry.register(client(body), "f")
    assert len(registry.get_all_functions()) == 1


def test_reg4_one_name_per_class() -> None:
    fn = _fn()
    registry.register(fn, "f")
    with pytest.raises(MizanRegistrationError, match="REG-4"):
        registry.register(fn, "g")
    assert registry.get_function("g") is None


def test_ctx4_groups_and_contexts() -> None:
    registry.register(_fn(context="user"), "user_profile")
    registry.register(_fn(context="feed"), "feed_items")
    registry.register(_fn(context="user"), "user_orders")
    registry.register(_fn(), "plain")
    assert registry.get_context_groups() == {"user": ["user_profile", "user_orders"], "feed": ["feed_items"]}
    assert registry.get_contexts() == ["feed", "user"]


def test_ctx5_context_params_are_the_union_of_member_fields() -> None:
    @client(context="user")
    def a(request: Any, user_id: int) -> None: ...

    @client(context="user")
    def b(request: Any, user_id: int, page: int = 1) -> None: ...

    registry.register(a, "a")
    registry.register(b, "b")
    view = registry.context_view("user")
    assert view is not None
    assert view.params == {"user_id", "page"}
    assert [name for name, _ in view.members] == ["a", "b"]
    assert registry.context_view("missing") is None


def test_ctx6_websocket_and_http_members_do_not_mix() -> None:
    registry.register(_fn(context="live", websocket=True), "a")
    with pytest.raises(MizanRegistrationError, match="CTX-6"):
        registry.register(_fn(context="live"), "b")
    registry.register(_fn(context="live", websocket=True), "c")


def test_reg6_clear_registry_clears_extensions() -> None:
    class Ext:
        cleared = 0

        def schema(self) -> dict[str, Any]:
            return {}

        def clear(self) -> None:
            Ext.cleared += 1

    registry.register_extension("channels", Ext())
    registry.register(_fn(), "f")
    registry.clear_registry()
    assert Ext.cleared == 1
    assert registry.get_all_functions() == {}
    assert registry.get_extensions() == {}


def test_reg9_valid_registry() -> None:
    user = ReactContext("user")
    profile = _fn(context=user)
    registry.register(profile, "user_profile")
    registry.register(_fn(affects=[user, "user", "user_profile", profile]), "update")
    registry.register(_fn(merge="user"), "merger")
    registry.validate_registry()
    assert registry.cached_registry_problems() == []


def test_reg9_lists_all_problems() -> None:
    plain = _fn()
    unregistered = _fn(context="user")
    registry.register(plain, "plain")
    registry.register(_fn(context="user"), "user_profile")
    registry.register(
        _fn(affects=[ReactContext("nowhere"), "ghost", "plain", plain, unregistered], merge=["nothing"]),
        "bad",
    )
    with pytest.raises(MizanRegistryError) as info:
        registry.validate_registry()
    problems = info.value.problems
    assert len(problems) == 6, problems
    assert any("'nowhere'" in p for p in problems)
    assert any("'ghost'" in p and "neither" in p for p in problems)
    assert sum("INV-7" in p for p in problems) == 2
    assert any("not registered" in p for p in problems)
    assert any("'nothing'" in p for p in problems)


def test_reg9_context_wins_over_a_function_of_the_same_name() -> None:
    registry.register(_fn(context="user"), "user")  # a function named like its context
    registry.register(_fn(affects="user"), "update")
    registry.validate_registry()


def test_reg9_cache_follows_registry_changes() -> None:
    registry.register(_fn(affects="later"), "update")
    assert registry.cached_registry_problems()
    registry.register(_fn(context="later"), "later_fn")
    assert registry.cached_registry_problems() == []


def test_disc2_register_module_by_attribute_name() -> None:
    module = types.ModuleType("mizan_test_clients")
    sys.modules[module.__name__] = module
    try:
        exec(
            "from typing import Any\n"
            "from mizan import client, ServerFunction\n"
            "from mizan.core.client import FunctionServerFunction\n"
            "@client\n"
            "def echo(request: Any, text: str) -> str:\n"
            "    return text\n"
            "alias = echo\n"
            "class Handwritten(ServerFunction):\n"
            "    def call(self, input: Any) -> int:\n"
            "        return 1\n"
            "@client\n"
            "def _hidden(request: Any) -> None: ...\n",
            module.__dict__,
        )
        module.__dict__["imported"] = _fn()  # defined elsewhere: skipped
        added = register_module(module)
        assert added == ["echo", "Handwritten"]
        assert registry.get_function("echo") is module.echo
        assert registry.get_function("alias") is None
        assert register_module(module) == []
    finally:
        del sys.modules[module.__name__]
