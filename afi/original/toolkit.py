"""The original's `Toolkit` for `afi.fixture.register_fixture`, adapted where the original
cannot register the fixture as written (afi/original/README.md lists each case).

Everything else is the original's own: its `@client`, `ReactContext`, `GlobalContext`,
`BadRequest`, and the user its Django views put on `request.user`.
"""

from __future__ import annotations

import sys
import typing
from collections.abc import Callable
from typing import Any, Final, cast

from izana.client import GlobalContext, ReactContext, ServerFunction, client
from izana_core.executor import BadRequest

from afi.fixture import Toolkit

# Fixture functions whose `merge=` is not registered. The original's graph check rejects
# `bump_twins`'s `merge="twins"` (`izana.E001`: each primitive return gets its own generated
# output model, so no twin matches `bump_twins_Output`) and, since it runs before every
# request, would answer every request with Django's 500 page. Mizan drops the ambiguous entry
# at run time instead (MRG-2). Without it the rest of the fixture can be compared.
MERGE_DROPPED: Final = frozenset({"bump_twins"})


def _context_target(target: Any) -> Any:
    """A function reference becomes its parent context, the form the original accepts."""
    if isinstance(target, type) and issubclass(target, ServerFunction):
        return cast(Any, target)._meta["context"]
    return target


def _adapt(name: str, options: dict[str, Any]) -> dict[str, Any]:
    adapted = dict(options)
    affects = adapted.get("affects")
    if affects is not None:
        targets = affects if isinstance(affects, list | tuple) else [affects]
        adapted["affects"] = [_context_target(target) for target in targets]
    if name in MERGE_DROPPED:
        adapted.pop("merge", None)
    return adapted


def _resolve_local_annotations(fn: Callable[..., Any], localns: dict[str, Any]) -> None:
    """Evaluate the annotations of a function nested in `register_fixture` (the view-path
    functions return `response_class`, a parameter of it). The original resolves annotations
    with the module's globals only; Mizan's `@client` also reads the caller's locals."""
    if "<locals>" in fn.__qualname__:
        fn.__annotations__ = typing.get_type_hints(fn, localns=localns)


def original_client(fn: Callable[..., Any] | None = None, **options: Any) -> Any:
    """The original's `@client`, bare or with options, after `_adapt`."""
    localns = sys._getframe(1).f_locals

    def decorate(fn: Callable[..., Any]) -> Any:
        _resolve_local_annotations(fn, localns)
        return client(fn, **_adapt(fn.__name__, options))

    return decorate(fn) if fn is not None else decorate


def request_user(request: Any) -> Any:
    """The user the original's views authenticate (`request.user`, an `MWTUser` for a token)."""
    return getattr(request, "user", None)


ORIGINAL: Final = Toolkit(original_client, ReactContext, GlobalContext, request_user, BadRequest)
