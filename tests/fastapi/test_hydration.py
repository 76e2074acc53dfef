"""`mizan_fastapi.hydration.context_props` (SSR-4 on FastAPI): a page's hydration data is
the `/ctx/` bundles of the contexts it names, for the page's own identity, keyed by
member name; a context that fails is left out, an unknown name is the route's mistake."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI, Request

from mizan_fastapi.hydration import context_props
from tests.fastapi.conftest import MizanClient

pytestmark = pytest.mark.capability("SSR helper", "fastapi")


@pytest.fixture
def app(app: FastAPI) -> FastAPI:
    @app.get("/page/{user_id}")
    async def page(request: Request, user_id: str) -> dict[str, Any]:
        return await context_props(request, "user", "items", user_id=user_id, category="books")

    @app.get("/unknown")
    async def unknown(request: Request) -> dict[str, str]:
        with pytest.raises(LookupError, match="no context named 'nope'"):
            await context_props(request, "nope")
        return {"raised": "LookupError"}

    return app


def test_ssr4_props_are_the_ctx_bundles_keyed_by_member(api: MizanClient) -> None:
    page = api.request("GET", "/page/5")
    assert page.status_code == 200
    user = api.ctx("user", "user_id=5").json()
    items = api.ctx("items", "category=books").json()
    assert page.json() == {**user, **items}
    assert set(page.json()) == {"user_profile", "user_orders", "items_list", "items_total"}


def test_ssr4_a_failing_context_is_left_out(api: MizanClient) -> None:
    # `user_id` does not validate for the `user` context: 422 there, so only `items` is kept.
    assert api.ctx("user", "user_id=x").status_code == 422
    assert set(api.request("GET", "/page/x").json()) == {"items_list", "items_total"}


def test_ssr4_a_refused_token_hydrates_nothing(api: MizanClient) -> None:
    page = api.request("GET", "/page/5", headers={"X-Mizan-Token": "not-a-token"})
    assert (page.status_code, page.json()) == (200, {})


def test_ssr4_unknown_context_raises(api: MizanClient) -> None:
    assert api.request("GET", "/unknown").json() == {"raised": "LookupError"}
