"""`manage.py export_edge_manifest` (PROTOCOL §7, MAN-10) against the Django test project:
the base URL read from where the URLconf mounts `mizan.urls`, `--view-urls`, `--indent`
and `-o/--output`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError
from django.test import override_settings
from django.urls import include, path

from mizan import client
from mizan.core import registry
from mizan.export import generate_edge_manifest, generate_edge_manifest_json

ROOT = Path(__file__).resolve().parents[2]
COMMAND = "export_edge_manifest"
VIEW_URLS = {"user": ["/u/<int:user_id>/", "/profile/<int:user_id>/"], "profile": ["/über/<int:user_id>/"]}


def run_command(*args: str) -> tuple[str, str]:
    """`call_command` with captured stdout and stderr."""
    out, err = StringIO(), StringIO()
    call_command(COMMAND, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_manage(*args: str, settings: str = "tests.django.project.settings") -> subprocess.CompletedProcess[bytes]:
    """`python -m django export_edge_manifest ...` in a fresh process on the test project."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings}
    return subprocess.run(
        [sys.executable, "-m", "django", COMMAND, *args], cwd=ROOT, env=env, capture_output=True, timeout=120
    )


class MountedAtRoot:
    """A URLconf that mounts `mizan.urls` at the site root (`/call/`, `/ctx/<name>/`)."""

    urlpatterns = [path("", include("mizan.urls"))]


class NotMounted:
    """A URLconf without Mizan's endpoints (only the `route=` views)."""

    urlpatterns = [path("", include("mizan.routes"))]


def write_view_urls(tmp_path: Path, content: str) -> str:
    path = tmp_path / "view_urls.json"
    path.write_text(content, encoding="utf-8")
    return str(path)


# --- call_command ----------------------------------------------------------------------------


def test_man10_prints_exactly_the_manifest() -> None:
    """MAN-10: stdout is exactly `generate_edge_manifest_json()`, nothing on stderr."""
    out, err = run_command()
    assert out == generate_edge_manifest_json()
    assert err == ""
    assert json.loads(out)["version"] == 1


def test_man3_man8_project_entries() -> None:
    """MAN-3, MAN-7, MAN-8: the project's view-path route member, private webhook and
    route mutations, written out; the token built-ins (no affects, no context) are absent."""
    manifest = json.loads(run_command()[0])
    assert manifest["contexts"]["profile"] == {
        "endpoints": ["/api/mizan/ctx/profile/"],
        "functions": [{"methods": ["GET"], "name": "profile_page", "path": "view", "route": "/profile/<int:user_id>/"}],
        "page_routes": ["/profile/<int:user_id>/"],
        "params": ["user_id"],
        "render_strategy": "dynamic_cached",
        "user_scoped": True,
    }
    assert manifest["mutations"]["stripe_webhook"] == {
        "affects": ["account"],
        "methods": ["POST"],
        "private": True,
        "route": "/webhooks/stripe/",
    }
    assert manifest["mutations"]["data_route"] == {
        "affects": ["user"],
        "auto_scoped_params": ["user_id"],
        "methods": ["POST", "PUT"],
        "route": "/profile/<int:user_id>/data/",
    }
    assert {"mwt_obtain", "jwt_obtain", "jwt_refresh"} <= set(registry.get_all_functions())
    members = {f["name"] for c in manifest["contexts"].values() for f in c["functions"]}
    assert not {"mwt_obtain", "jwt_obtain", "jwt_refresh"} & (members | set(manifest["mutations"]))


def test_man4_base_url_option() -> None:
    """MAN-4, MAN-10: `--base-url` changes the endpoints."""
    out, err = run_command("--base-url", "https://edge.example/api")
    assert (out, err) == (generate_edge_manifest_json("https://edge.example/api"), "")
    assert json.loads(out)["contexts"]["user"]["endpoints"] == ["https://edge.example/api/ctx/user/"]


def test_man7_view_urls_option(tmp_path: Path) -> None:
    """MAN-7, MAN-10: `--view-urls FILE` is merged into page_routes (sorted, deduplicated)."""
    path = write_view_urls(tmp_path, json.dumps(VIEW_URLS))
    out, err = run_command("--view-urls", path)
    assert (out, err) == (generate_edge_manifest_json(view_urls=VIEW_URLS), "")
    contexts = json.loads(out)["contexts"]
    assert contexts["user"]["page_routes"] == ["/profile/<int:user_id>/", "/u/<int:user_id>/"]
    assert contexts["profile"]["page_routes"] == ["/profile/<int:user_id>/", "/über/<int:user_id>/"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read view URLs file"),
        ("{oops", "is not valid JSON"),
        ('{"user": "/u/"}', "'user' must map to a list of URL patterns, got str"),
    ],
    ids=["missing", "not-json", "wrong-shape"],
)
def test_man10_bad_view_urls_file_is_command_error(tmp_path: Path, content: str | None, message: str) -> None:
    """MAN-10: a bad `--view-urls` file is a CommandError naming the file and the problem."""
    path = str(tmp_path / "view_urls.json") if content is None else write_view_urls(tmp_path, content)
    with pytest.raises(CommandError) as caught:
        run_command("--view-urls", path)
    assert path in str(caught.value)
    assert message in str(caught.value)


def test_man10_invalid_registry_is_command_error() -> None:
    """MAN-10, REG-9: validation failure is a CommandError listing every problem."""

    @client(affects=["nowhere", "nobody"])
    def broken(request: object) -> None:
        return None

    registry.register(broken, "broken")
    out = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command(COMMAND, stdout=out)
    assert str(caught.value) == (
        "Mizan registry is invalid:\n"
        "  - broken: affects 'nowhere', which is neither a context nor a function\n"
        "  - broken: affects 'nobody', which is neither a context nor a function"
    )
    assert out.getvalue() == ""


def test_man10_invalid_registry_with_system_checks() -> None:
    """MAN-10, REG-9 (b): run with system checks (as manage.py does), mizan.E001 stops
    the command before anything is written."""

    @client(affects="nowhere")
    def broken(request: object) -> None:
        return None

    registry.register(broken, "broken")
    out = StringIO()
    with pytest.raises(SystemCheckError, match=r"mizan\.E001.*broken: affects 'nowhere'"):
        call_command(COMMAND, stdout=out, stderr=StringIO(), skip_checks=False)
    assert out.getvalue() == ""


# --- the base URL, --indent, -o ----------------------------------------------------------------


@override_settings(ROOT_URLCONF="tests.django.project.urls_prefixed")
def test_man4_base_url_is_where_the_urlconf_mounts_mizan_urls() -> None:
    """MAN-4: without `--base-url` the endpoints are where `mizan.urls` is mounted
    (`edge/rpc/` in this URLconf), not the protocol's default; `--base-url` still wins."""
    out, err = run_command()
    assert (out, err) == (generate_edge_manifest_json("/edge/rpc"), "")
    assert json.loads(out)["contexts"]["user"]["endpoints"] == ["/edge/rpc/ctx/user/"]
    assert run_command("--base-url", "/api/mizan")[0] == generate_edge_manifest_json()


@override_settings(ROOT_URLCONF=MountedAtRoot)
def test_man4_mizan_urls_mounted_at_the_root() -> None:
    """MAN-4: a mount at the site root gives endpoints `/ctx/<name>/` (base URL "")."""
    out, _ = run_command()
    assert out == generate_edge_manifest_json("")
    assert json.loads(out)["contexts"]["user"]["endpoints"] == ["/ctx/user/"]


@override_settings(ROOT_URLCONF=NotMounted)
def test_man4_unmounted_mizan_urls_is_command_error() -> None:
    """MAN-4: without `mizan.urls` in the URLconf there is no base URL to read: a
    CommandError saying how to mount it, nothing written; `--base-url` needs no mount."""
    out = StringIO()
    with pytest.raises(CommandError, match=r"mizan\.urls is not mounted in the URLconf.*--base-url"):
        call_command(COMMAND, stdout=out)
    assert out.getvalue() == ""
    assert run_command("--base-url", "/x")[0] == generate_edge_manifest_json("/x")


def test_man9_indent_option() -> None:
    """MAN-9: the default is the canonical 2-space layout; `--indent 0` writes one line of
    canonical JSON, `--indent 4` four spaces per level; the content never changes."""
    default, _ = run_command()
    assert run_command("--indent", "2")[0] == default == generate_edge_manifest_json()
    compact, _ = run_command("--indent", "0")
    assert compact == generate_edge_manifest_json(indent=0)
    assert compact.count("\n") == 1 and compact.endswith("}\n") and ", " not in compact
    wide, _ = run_command("--indent", "4")
    assert wide.startswith('{\n    "contexts": {\n        "')
    assert json.loads(compact) == json.loads(default) == json.loads(wide)
    with pytest.raises(CommandError, match="--indent"):
        run_command("--indent", "-3")


def test_man10_output_option_writes_the_file(tmp_path: Path) -> None:
    """MAN-10: `-o FILE` writes exactly the bytes stdout would carry (UTF-8), prints
    nothing, replaces an existing file whole and leaves no temporary file behind."""
    target = tmp_path / "manifest.json"
    target.write_text("old content that is longer than nothing", encoding="utf-8")
    path = write_view_urls(tmp_path, json.dumps(VIEW_URLS))
    out, err = run_command("-o", str(target), "--view-urls", path, "--indent", "0")
    assert (out, err) == ("", "")
    assert target.read_bytes() == generate_edge_manifest_json(view_urls=VIEW_URLS, indent=0).encode("utf-8")
    assert "/über/".encode() in target.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json", "view_urls.json"]
    run_command("--output", str(target))
    assert target.read_bytes() == generate_edge_manifest_json().encode("utf-8")


def test_man10_output_option_failures_leave_the_file_alone(tmp_path: Path) -> None:
    """MAN-10: an unwritable FILE is a CommandError naming it; a failing export (invalid
    registry) writes nothing, so the previous manifest stays as it was."""
    with pytest.raises(CommandError, match="cannot write .*missing"):
        run_command("-o", str(tmp_path / "missing" / "manifest.json"))
    target = tmp_path / "manifest.json"
    target.write_bytes(b"previous")

    @client(affects="nowhere")
    def broken(request: object) -> None:
        return None

    registry.register(broken, "broken")
    with pytest.raises(CommandError, match="Mizan registry is invalid"):
        run_command("-o", str(target))
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]


# --- a real process ---------------------------------------------------------------------------


def stderr_besides_project_warnings(stderr: bytes) -> list[str]:
    """Lines of `stderr` other than Django's report of the test project's two deliberate
    unresolvable merges (mizan.W003; tests/django/test_merge.py)."""
    expected = ("System check identified some issues:", "", "WARNINGS:", "\tHINT: ")
    return [
        line
        for line in stderr.decode("utf-8").splitlines()
        if not (line.startswith(expected[3]) or line in expected[:3] or "(mizan.W003) " in line)
    ]


def test_man10_subprocess_output_is_byte_identical(tmp_path: Path) -> None:
    """MAN-9, MAN-10: a fresh `python -m django export_edge_manifest` prints exactly the
    manifest bytes (UTF-8, non-ASCII literal), exits 0 and writes nothing to stderr."""
    done = run_manage()
    assert (done.returncode, stderr_besides_project_warnings(done.stderr)) == (0, [])
    assert done.stdout == generate_edge_manifest_json().encode("utf-8")
    path = write_view_urls(tmp_path, json.dumps(VIEW_URLS))
    done = run_manage("--base-url", "/edge", "--view-urls", path)
    assert (done.returncode, stderr_besides_project_warnings(done.stderr)) == (0, [])
    assert done.stdout == generate_edge_manifest_json("/edge", VIEW_URLS).encode("utf-8")
    assert "/über/<int:user_id>/".encode() in done.stdout
    assert generate_edge_manifest("/edge", VIEW_URLS) == json.loads(done.stdout)


@pytest.mark.parametrize("content", [None, "[1, 2]"], ids=["missing", "wrong-shape"])
def test_man10_subprocess_bad_view_urls_exits_1(tmp_path: Path, content: str | None) -> None:
    """MAN-10: a bad view URLs file exits 1 with the message on stderr and no stdout."""
    path = str(tmp_path / "view_urls.json") if content is None else write_view_urls(tmp_path, content)
    done = run_manage("--view-urls", path)
    assert (done.returncode, done.stdout) == (1, b"")
    (message,) = stderr_besides_project_warnings(done.stderr)
    assert message.startswith("CommandError: ") and path in message, message


@pytest.mark.parametrize("args", [["--bogus"], ["--base-url"]], ids=["unknown-option", "missing-value"])
def test_man10_subprocess_usage_error_exits_2(args: list[str]) -> None:
    """MAN-10: a usage error exits 2 (argparse) with no stdout."""
    done = run_manage(*args)
    assert (done.returncode, done.stdout) == (2, b"")
    assert b"usage:" in done.stderr


def test_man4_subprocess_reads_the_mount_under_the_script_prefix(tmp_path: Path) -> None:
    """MAN-4: in a real `manage.py` process, the base URL is where the URLconf mounts
    `mizan.urls` (`edge/rpc/`) under `FORCE_SCRIPT_NAME` (`/site`), as `reverse()` gives it;
    `-o` writes the same bytes to the file."""
    settings = "tests.django.project.settings_prefixed"
    done = run_manage(settings=settings)
    assert (done.returncode, stderr_besides_project_warnings(done.stderr)) == (0, [])
    assert done.stdout == generate_edge_manifest_json("/site/edge/rpc").encode("utf-8")
    target = tmp_path / "edge" / "manifest.json"
    target.parent.mkdir()
    done = run_manage("-o", str(target), "--indent", "0", settings=settings)
    assert (done.returncode, done.stdout) == (0, b""), done.stderr
    assert target.read_bytes() == generate_edge_manifest_json("/site/edge/rpc", indent=0).encode("utf-8")


@pytest.mark.parametrize("value", ["-1", "x", "17"])
def test_man10_subprocess_bad_indent_exits_2(value: str) -> None:
    """MAN-10: an `--indent` that is not 0..16 is a usage error (exit 2), nothing printed."""
    done = run_manage("--indent", value)
    assert (done.returncode, done.stdout) == (2, b"")
    assert b"--indent" in done.stderr and b"expected an integer from 0 to 16" in done.stderr
