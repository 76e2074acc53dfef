"""The `mizan.E001` system check (REG-9 (b)) and `clients.py` discovery (DISC-1..3, DISC-4)."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core import checks
from django.core.checks import Error
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from mizan import ServerFunction, client
from mizan.apps import MizanConfig
from mizan.checks import check_registry
from mizan.core import registry
from mizan.core.builtins import mwt_obtain
from mizan.core.errors import MizanRegistrationError
from mizan.setup import autodiscover, mizan_clients, mizan_module
from mizan.token_functions import jwt_obtain, jwt_refresh
from tests.django.conftest import STARTUP_REGISTRY, MizanClient, assert_json, ctx_url
from tests.django.project.shop import clients as shop_clients
from tests.django.project.shop.clients import orders as shop_orders
from tests.django.project.shop.clients.billing import invoices as shop_invoices
from tests.django.project.testapp import clients as testapp

# Registered by the app itself, not by discovery (MWT-6, JWT-2).
TOKEN_BUILTINS = {"mwt_obtain": mwt_obtain, "jwt_obtain": jwt_obtain, "jwt_refresh": jwt_refresh}

TESTAPP = "tests.django.project.testapp"
CLIENTS = f"{TESTAPP}.clients"
ROOT = Path(__file__).resolve().parents[2]
HINT = "Declare the context or register the function that affects=/merge= names."
SHOP = "tests.django.project.shop"
SHOP_MODULES = (shop_clients, shop_invoices, shop_orders)  # the package, then its modules in name order


def _testapp_functions(*modules: Any) -> dict[str, type]:
    """Every ServerFunction class the project's `clients` modules (or `modules`) define,
    by attribute name; shop's `clients` is a package of modules (issue 15)."""
    from tests.django.project.mutations import clients as mutations

    return {
        name: value
        for module in modules or (testapp, mutations, *SHOP_MODULES)
        for name, value in vars(module).items()
        if isinstance(value, type)
        and issubclass(value, ServerFunction)
        and value.__module__ == module.__name__
        and not name.startswith("_")
    }


def _register_invalid() -> None:
    @client(affects="no_such_context")
    def bad_affects(request: Any) -> None:
        return None

    @client(merge="no_such_merge_target")
    def bad_merge(request: Any) -> None:
        return None

    registry.register(bad_affects, "bad_affects")
    registry.register(bad_merge, "bad_merge")


# --- REG-9 (b): the system check ----------------------------------------------------------


# The test project declares two merges that cannot resolve, on purpose (tests/django/test_merge.py).
STARTUP_W003 = ["ambiguous_merge: merge='twins'", "unmatched_merge: merge='notifications'"]


def _errors() -> list[checks.CheckMessage]:
    return [m for m in checks.run_checks(tags=["mizan"]) if m.id != "mizan.W003"]


def test_reg9_check_passes_for_valid_registry() -> None:
    """REG-9: a valid registry produces no `mizan` errors (only the project's W003 warnings)."""
    assert _errors() == []
    assert check_registry(None) == []
    w003 = [m.msg for m in checks.run_checks(tags=["mizan"]) if m.id == "mizan.W003"]
    assert [msg.split(" matches")[0] for msg in w003] == STARTUP_W003


def test_reg9_check_reports_e001_per_problem() -> None:
    """REG-9/STYLE B7: an invalid registry yields one `mizan.E001` Error per problem."""
    _register_invalid()
    found = _errors()
    assert found == check_registry(None)
    assert [m.id for m in found] == ["mizan.E001", "mizan.E001"]
    assert all(isinstance(m, Error) and m.hint == HINT for m in found)
    assert "bad_affects" in found[0].msg and "no_such_context" in found[0].msg
    assert "bad_merge" in found[1].msg and "no_such_merge_target" in found[1].msg


def test_reg9_check_registered_under_mizan_tag() -> None:
    """REG-9: the check is registered with Django under the tag `mizan`."""
    assert "mizan" in checks.registry.registry.tags_available()


def test_reg9_check_fails_manage_py_check() -> None:
    """REG-9: `manage.py check` refuses to pass with an invalid registry."""
    _register_invalid()
    with pytest.raises(SystemCheckError, match="mizan.E001"):
        call_command("check", tags=["mizan"])


def test_reg9_check_with_override_settings_still_reports() -> None:
    """STYLE B7: checks tested under override_settings (a settings change does not hide E001)."""
    _register_invalid()
    with override_settings(MIZAN_APPS_ROOT="tests.django.project"):
        assert [m.id for m in check_registry(None)] == ["mizan.E001", "mizan.E001"]


def test_reg9_check_clear_after_fix() -> None:
    """REG-9: once the missing context exists, the check passes again."""

    @client(affects="later_context")
    def later_affects(request: Any) -> None:
        return None

    registry.register(later_affects, "later_affects")
    assert [m.id for m in check_registry(None)] == ["mizan.E001"]

    @client(context="later_context")
    def later_member(request: Any) -> int:
        return 1

    registry.register(later_member, "later_member")
    assert check_registry(None) == []


def test_mrg2_unresolvable_merge_is_warning_w003() -> None:
    """MRG-2 / IR.md planning resolution Q2: a merge= that matches no single member is a
    warning (it is dropped at run time and left out of the IR), not an error."""

    @client(context="shelf")
    def shelf_count(request: Any) -> int:
        return 0

    @client(context="shelf")
    def shelf_total(request: Any) -> int:
        return 0

    @client(merge="shelf")
    def add_to_shelf(request: Any) -> int:  # both members return int: ambiguous
        return 1

    for fn_class in (shelf_count, shelf_total, add_to_shelf):
        registry.register(fn_class, fn_class.__name__)
    found = [m for m in checks.run_checks(tags=["mizan"]) if "shelf" in m.msg]
    assert [(m.id, type(m)) for m in found] == [("mizan.W003", checks.Warning)]
    assert "add_to_shelf: merge='shelf' matches no single member" in found[0].msg
    call_command("check", tags=["mizan"])  # a warning does not fail the check

    @client(context="shelf")
    def shelf_items(request: Any) -> list[str]:
        return []

    @client(merge="shelf")
    def add_label(request: Any) -> str:  # one list[str] member: resolves, upsert
        return "x"

    registry.register(shelf_items, "shelf_items")
    registry.register(add_label, "add_label")
    assert [m.msg.split(":")[0] for m in checks.run_checks(tags=["mizan"]) if "shelf" in m.msg] == ["add_to_shelf"]


# --- DISC-1/2: startup autodiscovery ---------------------------------------------------------


def test_disc1_app_config_is_mizan_config() -> None:
    """DISC-4: `mizan` in INSTALLED_APPS uses the autodiscovering MizanConfig by default."""
    assert type(apps.get_app_config("mizan")) is MizanConfig


def test_disc2_testapp_registered_at_startup_under_attribute_names() -> None:
    """DISC-1/DISC-2: `MizanConfig.ready()` imported testapp's `clients.py` and registered
    every ServerFunction it defines under its attribute name, and nothing else besides the
    built-in token functions (MWT-6, JWT-2)."""
    defined = _testapp_functions()
    assert "echo" in defined and "user_orders" in defined
    assert STARTUP_REGISTRY == {**defined, **TOKEN_BUILTINS}


def test_disc2_startup_registered_classes_are_the_module_objects() -> None:
    """DISC-2: the registered class is the object `@client` returned (DEC-1)."""
    assert STARTUP_REGISTRY["echo"] is testapp.echo
    assert registry.get_function("echo") is testapp.echo


def test_disc2_imported_class_not_registered() -> None:
    """DISC-2: `clients.py` imports `shared_ping` (as `imported_ping`); it is registered
    under neither name."""
    assert testapp.imported_ping is testapp.shared_ping
    assert "imported_ping" not in STARTUP_REGISTRY
    assert "shared_ping" not in STARTUP_REGISTRY
    assert registry.name_of(testapp.shared_ping) is None


def test_disc2_imported_class_not_callable(mizan: MizanClient) -> None:
    """DISC-2: and so it is not reachable over `/call/`."""
    body = b'{"error":{"code":"NOT_FOUND","details":{"function":"imported_ping"},"message":"Function not found"}}'
    assert_json(mizan.call("imported_ping"), 404, body)


def test_disc2_rediscovery_registers_nothing_twice() -> None:
    """DISC-2: discovering again skips classes already registered (no error, no duplicates)."""
    assert mizan_module(CLIENTS) == []
    assert autodiscover() == []
    assert registry.get_all_functions() == STARTUP_REGISTRY


# --- DISC-1..3: mizan_clients / mizan_module -----------------------------------------------


@pytest.mark.parametrize("root", ["tests.django.project", TESTAPP])
def test_disc1_mizan_clients_registers_apps_under_root(root: str) -> None:
    """DISC-1: `mizan_clients(root)` visits apps equal to or under `root` and registers."""
    registry.clear_registry()
    names = mizan_clients(root)
    discovered = {name: cls for name, cls in STARTUP_REGISTRY.items() if name not in TOKEN_BUILTINS}
    expected = discovered if root == "tests.django.project" else _testapp_functions(testapp)
    assert sorted(names) == sorted(expected)
    assert registry.get_all_functions() == expected


@pytest.mark.parametrize("root", ["tests.django.project.test", "tests.django.proj", "testapp", "django.contrib"])
def test_disc1_mizan_clients_root_is_a_dotted_prefix(root: str) -> None:
    """DISC-1: `root` matches whole dotted segments only; apps without `clients` are skipped."""
    registry.clear_registry()
    assert mizan_clients(root) == []
    assert registry.get_all_functions() == {}


def test_disc1_missing_clients_module_is_not_an_error() -> None:
    """DISC-1: an app without the layer module is skipped silently."""
    registry.clear_registry()
    assert mizan_clients("tests.django.project", layer="no_such_layer") == []
    assert mizan_clients("django.contrib.auth") == []


def test_disc1_import_error_inside_existing_module_propagates() -> None:
    """DISC-1: an ImportError raised inside an existing layer module propagates."""
    with pytest.raises(ImportError, match="mizan_tests_no_such_dependency"):
        mizan_clients("tests.django.project", layer="broken_layer")


def test_disc1_custom_layer_name() -> None:
    """DISC-1: `layer=` names another module (here `shared_functions`)."""
    names = mizan_clients("tests.django.project", layer="shared_functions")
    assert names == ["shared_ping"]
    assert registry.get_function("shared_ping") is testapp.shared_ping


def test_disc3_mizan_module_registers_one_module() -> None:
    """DISC-3: `mizan_module(path)` registers the classes that module defines."""
    assert mizan_module(f"{TESTAPP}.shared_functions") == ["shared_ping"]
    assert registry.get_function("shared_ping") is testapp.shared_ping


def test_disc3_mizan_module_after_clear_restores_testapp() -> None:
    """DISC-3: after `clear_registry()`, `mizan_module` on the (already imported) clients
    module registers everything it defines again."""
    registry.clear_registry()
    assert registry.get_all_functions() == {}
    assert sorted(mizan_module(CLIENTS)) == sorted(_testapp_functions(testapp))
    assert registry.get_all_functions() == _testapp_functions(testapp)


def test_disc2_explicit_register_in_module_is_kept() -> None:
    """DISC-2/REG-3: a class the module registers itself keeps its explicit name and is not
    registered again under its attribute name; non-ServerFunction classes are ignored."""
    module = f"{TESTAPP}.explicit_clients"
    sys.modules.pop(module, None)
    assert mizan_module(module) == ["discovered_fn"]
    explicit = sys.modules[module]
    assert registry.get_function("explicitly_named") is explicit.explicit_fn  # type: ignore[attr-defined]
    assert registry.get_function("explicit_fn") is None
    assert registry.get_function("_Hidden") is None


def test_disc_discovered_function_is_callable(mizan: MizanClient) -> None:
    """DISC-3 + RPC: a function registered by `mizan_module` at run time is callable."""
    mizan_module(f"{TESTAPP}.shared_functions")
    assert_json(mizan.call("shared_ping"), 200, b'{"result":"pong"}')


def test_reg3_reregistering_same_class_is_a_noop() -> None:
    """REG-3: registering the same class under the same name again changes nothing."""
    registry.register(testapp.echo, "echo")
    assert registry.get_all_functions() == STARTUP_REGISTRY


def test_disc1_single_module_app_does_not_break_startup() -> None:
    """DISC-1: an installed app that is a plain module (no package, so no `clients`
    submodule can exist) is skipped; Django starts and testapp is still discovered.
    Run in a subprocess because the failure happens inside `django.setup()`."""
    script = (
        "import django; django.setup()\n"
        "from mizan.core.registry import get_all_functions\n"
        "from mizan.setup import mizan_clients\n"
        "assert 'echo' in get_all_functions()\n"
        "assert mizan_clients('tests.django.project.plain_app') == []\n"
        "print('ok')\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.django.project.settings_plain_app"}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert (done.returncode, done.stdout) == (0, "ok\n"), done.stderr[-2000:]


# --- issue 15: a `clients` package -------------------------------------------------------------

SHOP_NAMES = ["shop_status", "shop_invoice_total", "shop_orders", "place_shop_order"]


def test_disc_clients_package_modules_registered_at_startup() -> None:
    """Issue 15: an app whose `clients` is a package gets the package's own functions and
    every module under it registered (`clients/orders.py`, `clients/billing/invoices.py`);
    `_private.py` is skipped and never imported, imported classes are skipped (DISC-2)."""
    assert STARTUP_REGISTRY["shop_status"] is shop_clients.shop_status
    assert STARTUP_REGISTRY["shop_orders"] is shop_orders.shop_orders
    assert STARTUP_REGISTRY["place_shop_order"] is shop_orders.place_shop_order
    assert STARTUP_REGISTRY["shop_invoice_total"] is shop_invoices.shop_invoice_total
    assert "shop_hidden" not in STARTUP_REGISTRY and "imported_status" not in STARTUP_REGISTRY
    assert f"{SHOP}.clients._private" not in sys.modules


def test_disc_clients_package_order_is_deterministic() -> None:
    """Issue 15: the package first, then its modules and sub-packages in name order,
    depth first (`billing` before `orders`), whatever the file system lists."""
    registry.clear_registry()
    assert mizan_clients(SHOP) == SHOP_NAMES
    assert mizan_clients(SHOP) == []  # already registered
    registry.clear_registry()
    assert autodiscover() == [n for n in STARTUP_REGISTRY if n not in TOKEN_BUILTINS]


def test_disc_clients_package_functions_served(mizan: MizanClient) -> None:
    """Issue 15: functions of the package's modules answer on /call/ and /ctx/, and a
    mutation in one module invalidates the context its sibling module declares."""
    shop_clients.ORDERS.clear()
    assert_json(mizan.call("shop_status"), 200, b'{"result":"open"}')
    response = mizan.call("place_shop_order", {"customer_id": 7, "item": "tea"})
    invalidate = b'{"invalidate":[{"context":"shop_orders","params":{"customer_id":7}}],"result":1}'
    assert (response.status_code, response.content) == (200, invalidate)
    bundle = mizan.django.get(ctx_url("shop_orders"), {"customer_id": "7"})
    assert (bundle.status_code, bundle.content) == (200, b'{"shop_invoice_total":1,"shop_orders":["tea"]}')
    shop_clients.ORDERS.clear()


def test_disc_clients_package_in_the_ir_export() -> None:
    """Issue 15: `export_mizan_ir` (DISC-4, `mizan_clients(MIZAN_APPS_ROOT)`) exports the
    functions of every module of the package."""
    registry.clear_registry()
    out = StringIO()
    with override_settings(MIZAN_APPS_ROOT=SHOP):
        call_command("export_mizan_ir", stdout=out)
    document = out.getvalue()
    for name in SHOP_NAMES:
        assert f'function "{name}" {{' in document, name
    assert "shop_hidden" not in document
    assert 'context "shop_orders" {' in document and 'shared-by "shop_invoice_total"' in document
    assert sorted(registry.get_all_functions()) == sorted(SHOP_NAMES)


def test_disc_import_error_inside_a_package_module_propagates() -> None:
    """DISC-1: an ImportError raised by a module of a package layer propagates."""
    with pytest.raises(ImportError, match="mizan_tests_no_such_dependency_in_a_package"):
        mizan_clients("tests.django.project", layer="broken_package")


def test_reg3_duplicate_name_across_package_modules_names_both() -> None:
    """REG-3/issue 15: two modules of a package defining the same name: the second cannot
    take it, and the error names both modules."""
    layer = f"{TESTAPP}.duplicate_package"
    with pytest.raises(MizanRegistrationError) as raised:
        mizan_clients(TESTAPP, layer="duplicate_package")
    assert str(raised.value) == (
        f"the name 'same_name' is already registered to {layer}.first.same_name; "
        f"{layer}.second.same_name cannot take it (REG-3)"
    )
    assert registry.get_function("same_name") is sys.modules[f"{layer}.first"].same_name  # type: ignore[attr-defined]
