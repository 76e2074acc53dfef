"""What both adapters' `context_props` share (SSR-4): the query text of the params, the
context names checked against the registry, and how each bundle answer joins the props."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from mizan.core import registry
from mizan.core.contexts import ReactContext

logger = logging.getLogger("mizan.ssr")


def query_text(value: object) -> str:
    """A param as the client would put it in the `/ctx/` query string (`True` is `true`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def query_of(params: Mapping[str, object]) -> dict[str, str]:
    """The `/ctx/` query the params make."""
    return {key: query_text(value) for key, value in params.items()}


def context_names(contexts: tuple[ReactContext | str, ...]) -> list[str]:
    """The names of `contexts`.

    Raises:
        LookupError: a context of that name is not registered (a mistake in the view).
    """
    names = [context.name if isinstance(context, ReactContext) else context for context in contexts]
    for name in names:
        if registry.context_view(name) is None:
            raise LookupError(f"context_props: no context named {name!r} is registered")
    return names


def add_bundle(props: dict[str, Any], name: str, status: int, body: bytes) -> None:
    """Join a bundle answer to the props, keyed by member name; an error answer is left
    out and logged: the page's provider then fetches that context itself and shows the
    error as it would without SSR."""
    answer = json.loads(body)
    if status == 200:
        props.update(answer)
    else:
        failure = answer["error"]
        logger.info("SSR hydration left out context %r: %s %s", name, failure["code"], failure["message"])


def refused(error: Exception) -> dict[str, Any]:
    """The props of a request whose token was refused: none (the providers fetch, and meet
    the same refusal)."""
    logger.info("SSR hydration skipped: the request's token was refused (%s)", error)
    return {}
