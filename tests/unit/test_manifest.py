"""The edge manifest from a hand-built registry (PROTOCOL §7, MAN-1..MAN-10)."""

from __future__ import annotations

import itertools
import os
import random
import subprocess
import sys
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from mizan import client
from mizan.core import registry
from mizan.core.errors import ConfigError, MizanRegistryError
from mizan.core.manifest import load_view_urls
from mizan.export import generate_edge_manifest, generate_edge_manifest_json
from tests.unit import manifest_fixture
from tests.unit.manifest_fixture import FUNCTIONS, VIEW_URLS, register_all

pytestmark = pytest.mark.usefixtures("clean_registry")

ROOT = Path(__file__).resolve().parents[2]

# The whole document for `register_all()` with the default arguments, written out by hand.
EXPECTED: dict[str, Any] = {
    "version": 1,
    "contexts": {
        "account": {
            "functions": [{"name": "account_status", "path": "rpc"}],
            "endpoints": ["/api/mizan/ctx/account/"],
            "params": ["account_id"],
            "user_scoped": True,
            "render_strategy": "dynamic_cached",
        },
        "catalog": {
            "functions": [
                {"name": "catalog_count", "path": "rpc"},
                {"name": "catalog_featured", "path": "rpc"},
                {"name": "catalog_html", "path": "view"},
                {
                    "name": "catalog_items",
                    "path": "rpc",
                    "route": "/catalog/<slug:category>/",
                    "methods": ["GET", "POST"],
                },
            ],
            "endpoints": ["/api/mizan/ctx/catalog/"],
            "params": ["category", "featured_only", "page"],
            "user_scoped": False,
            "render_strategy": "psr",
            "page_routes": ["/catalog/<slug:category>/"],
        },
        "global": {
            "functions": [{"name": "site_settings", "path": "rpc", "cache": False}],
            "endpoints": ["/api/mizan/ctx/global/"],
            "params": ["locale"],
            "user_scoped": False,
            "render_strategy": "psr",
        },
        "team": {
            "functions": [{"name": "team_members", "path": "rpc"}],
            "endpoints": ["/api/mizan/ctx/team/"],
            "params": ["owner_id"],
            "user_scoped": True,
            "render_strategy": "dynamic_cached",
        },
        "user": {
            "functions": [
                {"name": "profile_page", "path": "view", "route": "/profile/<int:user_id>/", "methods": ["GET"]},
                {"name": "user_orders", "path": "rpc", "cache": 60},
                {"name": "user_profile", "path": "rpc", "rev": 2},
            ],
            "endpoints": ["/api/mizan/ctx/user/"],
            "params": ["limit", "user_id"],
            "user_scoped": True,
            "render_strategy": "dynamic_cached",
            "page_routes": ["/profile/<int:user_id>/"],
        },
        "viewer": {
            "functions": [{"name": "viewer", "path": "rpc"}],
            "endpoints": ["/api/mizan/ctx/viewer/"],
            "params": ["user"],
            "user_scoped": True,
            "render_strategy": "dynamic_cached",
        },
    },
    "mutations": {
        "leave_team": {
            "affects": ["team"],
            "auto_scoped_params": ["owner_id"],
            "route": "/teams/<int:owner_id>/leave/",
            "methods": ["DELETE", "POST"],
        },
        "place_order": {"affects": ["account", "catalog", "user"], "auto_scoped_params": ["category", "user_id"]},
        "rename": {"affects": ["user"]},
        "stripe_webhook": {"affects": ["account"], "private": True, "route": "/webhooks/stripe/", "methods": ["POST"]},
        "update_and_merge": {"affects": ["user"], "auto_scoped_params": ["user_id"]},
        "update_profile": {"affects": ["user"], "auto_scoped_params": ["user_id"]},
    },
}

SUBSET = ["user_profile", "profile_page", "account_status", "stripe_webhook", "update_profile", "site_settings"]

# The exact text for SUBSET with base_url="/edge" and view_urls={"global": ["/café/", "/"]}.
SUBSET_TEXT = """\
{
  "contexts": {
    "account": {
      "endpoints": [
        "/edge/ctx/account/"
      ],
      "functions": [
        {
          "name": "account_status",
          "path": "rpc"
        }
      ],
      "params": [
        "account_id"
      ],
      "render_strategy": "dynamic_cached",
      "user_scoped": true
    },
    "global": {
      "endpoints": [
        "/edge/ctx/global/"
      ],
      "functions": [
        {
          "cache": false,
          "name": "site_settings",
          "path": "rpc"
        }
      ],
      "page_routes": [
        "/",
        "/café/"
      ],
      "params": [
        "locale"
      ],
      "render_strategy": "psr",
      "user_scoped": false
    },
    "user": {
      "endpoints": [
        "/edge/ctx/user/"
      ],
      "functions": [
        {
          "methods": [
            "GET"
          ],
          "name": "profile_page",
          "path": "view",
          "route": "/profile/<int:user_id>/"
        },
        {
          "name": "user_profile",
          "path": "rpc",
          "rev": 2
        }
      ],
      "page_routes": [
        "/profile/<int:user_id>/"
      ],
      "params": [
        "user_id"
      ],
      "render_strategy": "dynamic_cached",
      "user_scoped": true
    }
  },
  "mutations": {
    "stripe_webhook": {
      "affects": [
        "account"
      ],
      "methods": [
        "POST"
      ],
      "private": true,
      "route": "/webhooks/stripe/"
    },
    "update_profile": {
      "affects": [
        "user"
      ],
      "auto_scoped_params": [
        "user_id"
      ]
    }
  },
  "version": 1
}
"""


def _reregister(order: list[str]) -> None:
    registry.clear_registry()
    register_all(order)


# --- the document ---------------------------------------------------------------------------


def test_man1_whole_document() -> None:
    """MAN-1, MAN-3..MAN-8: every context (global included), member, param, page route and
    mutation of the fixture registry, compared as a whole."""
    register_all()
    assert generate_edge_manifest() == EXPECTED


def test_man2_version_and_empty_registry_text() -> None:
    """MAN-2, MAN-9: an empty registry still carries `version: 1`, with exact text."""
    assert generate_edge_manifest() == {"version": 1, "contexts": {}, "mutations": {}}
    assert generate_edge_manifest_json() == '{\n  "contexts": {},\n  "mutations": {},\n  "version": 1\n}\n'


def test_man9_json_text_byte_for_byte() -> None:
    """MAN-9: sorted keys, 2-space indent, non-ASCII literal, trailing newline; MAN-4 base
    URL; MAN-7 view URLs merged and sorted."""
    register_all(SUBSET)
    text = generate_edge_manifest_json("/edge", {"global": ["/café/", "/"]})
    assert text == SUBSET_TEXT
    assert text.encode("utf-8") == SUBSET_TEXT.encode("utf-8")


def test_man3_member_entries() -> None:
    """MAN-3: `path` view/rpc; `route`+`methods` only with `route=` (declared methods
    uppercased, sorted, de-duplicated; default GET); `rev` only when non-zero (an explicit
    `rev=0` is absent); `cache` only when not True (explicit `cache=True` is absent)."""
    register_all()
    contexts = generate_edge_manifest()["contexts"]
    assert contexts["catalog"]["functions"] == [
        {"name": "catalog_count", "path": "rpc"},
        {"name": "catalog_featured", "path": "rpc"},
        {"name": "catalog_html", "path": "view"},
        {"name": "catalog_items", "path": "rpc", "route": "/catalog/<slug:category>/", "methods": ["GET", "POST"]},
    ]
    assert contexts["user"]["functions"] == [
        {"name": "profile_page", "path": "view", "route": "/profile/<int:user_id>/", "methods": ["GET"]},
        {"name": "user_orders", "path": "rpc", "cache": 60},
        {"name": "user_profile", "path": "rpc", "rev": 2},
    ]
    assert contexts["global"]["functions"] == [{"name": "site_settings", "path": "rpc", "cache": False}]


def test_man4_base_url_changes_only_endpoints() -> None:
    """MAN-4: `endpoints` = base_url + "/ctx/<name>/"; nothing else depends on base_url."""
    register_all()
    manifest = generate_edge_manifest(base_url="https://cdn.example/mizan")
    assert {name: entry["endpoints"] for name, entry in manifest["contexts"].items()} == {
        "account": ["https://cdn.example/mizan/ctx/account/"],
        "catalog": ["https://cdn.example/mizan/ctx/catalog/"],
        "global": ["https://cdn.example/mizan/ctx/global/"],
        "team": ["https://cdn.example/mizan/ctx/team/"],
        "user": ["https://cdn.example/mizan/ctx/user/"],
        "viewer": ["https://cdn.example/mizan/ctx/viewer/"],
    }
    for entry in manifest["contexts"].values():
        del entry["endpoints"]
    expected = {
        **EXPECTED,
        "contexts": {
            name: {k: v for k, v in entry.items() if k != "endpoints"} for name, entry in EXPECTED["contexts"].items()
        },
    }
    assert manifest == expected


def test_man5_man6_params_and_user_scoping() -> None:
    """MAN-5: params are the sorted union of the members' input fields (function and
    class-based members); MAN-6: each identity name (user_id, user, owner_id, account_id)
    makes a context user-scoped / dynamic_cached, other params (category, locale) psr."""
    register_all()
    contexts = generate_edge_manifest()["contexts"]
    assert {name: (c["params"], c["user_scoped"], c["render_strategy"]) for name, c in contexts.items()} == {
        "account": (["account_id"], True, "dynamic_cached"),
        "catalog": (["category", "featured_only", "page"], False, "psr"),
        "global": (["locale"], False, "psr"),
        "team": (["owner_id"], True, "dynamic_cached"),
        "user": (["limit", "user_id"], True, "dynamic_cached"),
        "viewer": (["user"], True, "dynamic_cached"),
    }


def test_man7_page_routes_merged_with_view_urls() -> None:
    """MAN-7: member routes plus `view_urls`, sorted and de-duplicated; absent when empty
    (an empty list supplied for a context adds nothing); a context nobody declares is ignored."""
    register_all()
    contexts = generate_edge_manifest(view_urls=VIEW_URLS)["contexts"]
    assert {name: c.get("page_routes") for name, c in contexts.items()} == {
        "account": None,
        "catalog": ["/catalog/<slug:category>/"],
        "global": ["/", "/café/"],
        "team": None,
        "user": ["/profile/<int:user_id>/", "/u/<int:user_id>/orders/"],
        "viewer": None,
    }
    assert "page_routes" not in contexts["account"]
    assert "no_such_context" not in contexts


def test_man7_view_urls_tuples_and_mapping_types() -> None:
    """MAN-7: any Mapping of Sequences is accepted, not just dict/list."""
    register_all(SUBSET)
    manifest = generate_edge_manifest(view_urls=MappingProxyType({"user": ("/b/", "/a/", "/b/")}))
    assert manifest["contexts"]["user"]["page_routes"] == ["/a/", "/b/", "/profile/<int:user_id>/"]


@pytest.mark.parametrize(
    "view_urls",
    [["user"], {"user": "/profile/"}, {"user": [1]}, {1: ["/x/"]}, {"user": None}],
    ids=["list", "str-value", "int-pattern", "int-key", "none-value"],
)
def test_man7_view_urls_wrong_shape_is_type_error(view_urls: Any) -> None:
    """MAN-7: `view_urls` must be {context: [pattern, ...]}; anything else is refused."""
    register_all(SUBSET)
    with pytest.raises(TypeError, match="^view_urls: "):
        generate_edge_manifest(view_urls=view_urls)


def test_man8_mutation_entries() -> None:
    """MAN-8: one entry per function with affects (merge-only, plain and private functions
    without affects are not listed; private and view-path mutations are); function targets
    contribute their parent context; auto_scoped_params only when non-empty; private only
    when true; route+methods (declared, else POST) only with `route=`."""
    register_all()
    mutations = generate_edge_manifest()["mutations"]
    assert mutations == EXPECTED["mutations"]
    assert not {"merge_only", "plain", "cron"} & set(mutations)
    assert mutations["rename"] == {"affects": ["user"]}  # "user_profile" -> user, deduplicated with "user"
    assert mutations["place_order"]["affects"] == ["account", "catalog", "user"]  # user_orders -> user


# --- determinism ----------------------------------------------------------------------------


def test_man9_registration_order_does_not_matter() -> None:
    """MAN-9, REG-8: shuffled, reversed and rotated registration orders give identical text."""
    names = list(FUNCTIONS)
    register_all(names)
    reference = generate_edge_manifest_json(view_urls=VIEW_URLS)
    rng = random.Random(20240607)
    orders = [list(reversed(names)), names[7:] + names[:7], sorted(names)]
    for _ in range(5):
        shuffled = names[:]
        rng.shuffle(shuffled)
        orders.append(shuffled)
    for order in orders:
        _reregister(order)
        assert generate_edge_manifest_json(view_urls=VIEW_URLS) == reference, order


def test_man9_member_permutations_of_one_context() -> None:
    """MAN-9: every permutation of the members of one context gives the same text."""
    members = ["user_profile", "user_orders", "profile_page", "update_profile", "update_and_merge"]
    texts = set()
    for order in itertools.permutations(members):
        _reregister(list(order))
        texts.add(generate_edge_manifest_json())
    assert len(texts) == 1


def test_man9_view_urls_order_does_not_matter() -> None:
    """MAN-9: the order and duplicates of `view_urls` patterns and keys do not matter."""
    register_all()
    a = generate_edge_manifest_json(view_urls={"user": ["/b/", "/a/"], "global": ["/g/"]})
    b = generate_edge_manifest_json(view_urls={"global": ["/g/", "/g/"], "user": ["/a/", "/b/", "/a/"]})
    assert a == b


def test_man9_separate_process_gives_identical_bytes() -> None:
    """MAN-9: a fresh interpreter registering in reversed order prints the same bytes."""
    register_all()
    expected = generate_edge_manifest_json("/edge/mizan", VIEW_URLS).encode("utf-8")
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from tests.unit.manifest_fixture import main; main(sys.argv[1:])",
            "/edge/mizan",
        ],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    assert done.stdout == expected
    assert "café".encode() in done.stdout


# --- validation -------------------------------------------------------------------------------


def test_man10_validate_registry_failure_propagates() -> None:
    """MAN-10, REG-9: the registry is validated first; every problem is listed."""
    register_all(["update_profile", "rename", "plain"])
    with pytest.raises(MizanRegistryError) as caught:
        generate_edge_manifest()
    assert caught.value.problems == [
        "rename: affects 'user_profile', which is neither a context nor a function",
        "rename: affects 'user', which is neither a context nor a function",
        "update_profile: affects context 'user', which no function declares",
    ]
    with pytest.raises(MizanRegistryError):
        generate_edge_manifest_json()


def test_man10_non_context_function_target_fails_validation() -> None:
    """MAN-10, INV-7: a function target that is not a context function fails validation."""

    @client(affects=manifest_fixture.plain)
    def poke(request: Any) -> None:
        return None

    register_all(["plain"])
    registry.register(poke, "poke")
    with pytest.raises(MizanRegistryError) as caught:
        generate_edge_manifest()
    assert caught.value.problems == ["poke: affects function plain, which is not a context function (INV-7)"]


# --- the --view-urls file (MAN-10, GAP-60) ---------------------------------------------------


def test_man10_load_view_urls(tmp_path: Path) -> None:
    """MAN-10: the file is a UTF-8 JSON object {context: [pattern, ...]}."""
    path = tmp_path / "views.json"
    path.write_text('{"user": ["/b/", "/café/"], "global": []}', encoding="utf-8")
    assert load_view_urls(path) == {"user": ["/b/", "/café/"], "global": []}
    assert load_view_urls(str(path)) == {"user": ["/b/", "/café/"], "global": []}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read view URLs file"),
        ("{not json", "is not valid JSON"),
        ('["/x/"]', "expected an object mapping context names to lists of URL patterns, got list"),
        ('{"user": "/x/"}', "'user' must map to a list of URL patterns, got str"),
        ('{"user": {"a": "/x/"}}', "'user' must map to a list of URL patterns, got dict"),
        ('{"user": ["/x/", 3]}', "'user' lists 3, which is not a string"),
    ],
    ids=["missing", "not-json", "list", "str-value", "object-value", "int-pattern"],
)
def test_man10_bad_view_urls_file(tmp_path: Path, content: str | None, message: str) -> None:
    """MAN-10: a missing, non-JSON or wrongly shaped file is a ConfigError naming the file."""
    path = tmp_path / "views.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_view_urls(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


def test_man10_export_module_imports_without_django() -> None:
    """MAN-10, §0.6: `mizan.export` re-exports the producers and needs no Django."""
    script = (
        "import sys\n"
        "sys.modules['django'] = None\n"
        "from mizan.export import generate_edge_manifest, generate_edge_manifest_json\n"
        "from mizan.core import manifest\n"
        "assert generate_edge_manifest is manifest.generate_edge_manifest\n"
        "assert generate_edge_manifest_json is manifest.generate_edge_manifest_json\n"
        "assert not any(n == 'django' or n.startswith('django.') for n, m in sys.modules.items() if m)\n"
        "sys.stdout.write(generate_edge_manifest_json())\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == '{\n  "contexts": {},\n  "mutations": {},\n  "version": 1\n}\n'
