"""The adapters' SSR through the packaged worker (node + React), as a project runs it:
skipped, with the reason, where Node.js or the worker's npm packages are not installed."""

from __future__ import annotations

import html
import shutil
from pathlib import Path

import pytest

from mizan.core.ssr import PACKAGED_WORKER, default_command
from tests.ssr.sites import HERE, SITES, serve

REACT = HERE / "node_modules" / "react"
MISSING = [
    reason
    for reason, absent in (
        ("Node.js is not installed", shutil.which("node") is None),
        (f"the packaged worker {PACKAGED_WORKER} is not in this checkout", not Path(PACKAGED_WORKER).is_file()),
        (f"the worker's npm packages are not installed ({REACT})", not REACT.is_dir()),
    )
    if absent
]
pytestmark = [pytest.mark.django_db, pytest.mark.skipif(bool(MISSING), reason="; ".join(MISSING) or "ready")]


@pytest.mark.parametrize(
    "site_kind",
    [
        pytest.param(site, marks=pytest.mark.capability("SSR helper", "django" if site == "django" else "fastapi"))
        for site in SITES
    ],
)
def test_real_worker_renders_a_component(site_kind: str) -> None:
    props = {"name": "</script> Wörld \u2028", "items": ["a", "b & c"]}
    with serve(site_kind, default_command(), dirs=[str(HERE / "real_components")]) as site:
        body = site.render("Greeting.jsx", props)
    markup = body[: body.index("</div><script>")]
    assert markup.startswith('<div id="mizan-root"><section><h1>')
    assert html.escape("</script> Wörld \u2028", quote=False) in markup
    assert "<li>a</li><li>b &amp; c</li>" in markup
    assert body.endswith('{"items":["a","b \\u0026 c"],"name":"\\u003c/script\\u003e Wörld \\u2028"}</script>')
