"""`@client` options: checked and normalised once into a frozen `FunctionOptions` (DEC-2..7).

Every layer reads this one object; `_meta` (the dict the spec describes) is derived from it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from mizan.core.contexts import GLOBAL_NAME, ReactContext, is_valid_context_name
from mizan.core.errors import MizanRegistrationError

HTTP_METHODS: Final = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
OPTION_NAMES: Final = (
    "context",
    "affects",
    "merge",
    "auth",
    "websocket",
    "private",
    "route",
    "methods",
    "rev",
    "cache",
)
AUTH_LEVELS: Final = ("required", "staff", "superuser")
FUNCTION_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")

AuthRequirement = Literal["required", "staff", "superuser"] | Callable[..., Any] | None


@dataclass(frozen=True)
class AffectsTarget:
    """One normalised `affects=` entry (DEC-4).

    `kind` is "context" (a ReactContext), "function" (a ServerFunction reference, `ref`)
    or "name" (a plain string, resolved by `validate_registry()`, REG-9).
    """

    kind: Literal["context", "function", "name"]
    name: str | None = None
    ref: Any = None

    def meta(self) -> dict[str, Any]:
        if self.kind == "function":
            return {"type": "function", "ref": self.ref}
        return {"type": self.kind, "name": self.name}


@dataclass(frozen=True)
class FunctionOptions:
    """The declared options of one server function, validated."""

    context: str | None = None
    affects: tuple[AffectsTarget, ...] = ()
    merge: tuple[str, ...] = ()
    auth: AuthRequirement = None
    websocket: bool = False
    private: bool = False
    route: str | None = None
    methods: tuple[str, ...] | None = None  # only when given explicitly
    rev: int = 0
    cache: bool | int = True
    extra_meta: Mapping[str, Any] = field(default_factory=dict)

    def meta(self) -> dict[str, Any]:
        """A fresh `_meta` dict with the storage rules of DEC-2."""
        meta: dict[str, Any] = {}
        if self.context is not None:
            meta["context"] = self.context
        if self.affects:
            meta["affects"] = [t.meta() for t in self.affects]
        if self.merge:
            meta["merge"] = list(self.merge)
        if self.auth is not None:
            meta["auth"] = self.auth
        if self.websocket:
            meta["websocket"] = True
        if self.private:
            meta["private"] = True
        if self.route is not None:
            meta["route"] = self.route
        if self.methods is not None:
            meta["methods"] = list(self.methods)
        if self.rev:
            meta["rev"] = self.rev
        if self.cache is not True:
            meta["cache"] = self.cache
        meta.update(self.extra_meta)
        return meta


def _context_name(value: object, option: str) -> str:
    if isinstance(value, ReactContext):
        name = value.name
    elif isinstance(value, str):
        name = value
    else:
        raise MizanRegistrationError(f"{option}= takes a context name or a ReactContext, not {value!r}")
    if not is_valid_context_name(name):
        raise MizanRegistrationError(f"{option}={name!r} is not a valid context name (CTX-3)")
    return name


def _as_list(value: object) -> list[object]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _affects(value: object) -> tuple[AffectsTarget, ...]:
    from mizan.core.client import ServerFunction  # the class that `@client` returns

    targets: list[AffectsTarget] = []
    for item in _as_list(value):
        if isinstance(item, ReactContext):
            target = AffectsTarget("context", name=_context_name(item, "affects"))
        elif isinstance(item, type) and issubclass(item, ServerFunction):
            target = AffectsTarget("function", ref=item)
        elif isinstance(item, str):
            if not (is_valid_context_name(item) or FUNCTION_NAME.fullmatch(item)):
                raise MizanRegistrationError(f"affects={item!r} is neither a context nor a function name")
            target = AffectsTarget("name", name=item)
        else:
            raise MizanRegistrationError(
                f"affects= takes context names, ReactContext or server functions, not {item!r}"
            )
        if target not in targets:
            targets.append(target)
    return tuple(targets)


def _merge(value: object) -> tuple[str, ...]:
    from mizan.core.client import ServerFunction

    names: list[str] = []
    for item in _as_list(value):
        if isinstance(item, type) and issubclass(item, ServerFunction):
            raise MizanRegistrationError("merge= names contexts; a function reference is not allowed (DEC-5)")
        name = _context_name(item, "merge")
        if name not in names:
            names.append(name)
    return tuple(names)


def _auth(value: object) -> AuthRequirement:
    if value is None or value is False:
        return None
    if value is True or value == "required":
        return "required"
    if value == "staff" or value == "superuser":
        return value
    if callable(value) and not isinstance(value, str):
        return value
    raise MizanRegistrationError(f"auth={value!r}: use True, 'required', 'staff', 'superuser' or a callable")


def _methods(value: object) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not value:
        raise MizanRegistrationError("methods= takes a non-empty list of HTTP method names")
    methods: list[str] = []
    for item in value:
        method = item.upper() if isinstance(item, str) else None
        if method not in HTTP_METHODS:
            raise MizanRegistrationError(f"methods= contains {item!r}; allowed: {', '.join(HTTP_METHODS)}")
        if method not in methods:
            methods.append(method)
    return tuple(methods)


def normalize_options(raw: Mapping[str, Any]) -> FunctionOptions:
    """Check `@client(**raw)` and return the frozen options (DEC-2, DEC-5, DEC-7, CTX-2/3).

    Raises:
        MizanRegistrationError: for every refused declaration.
    """
    unknown = sorted(set(raw) - set(OPTION_NAMES))
    if unknown:
        hint = " (removed: automatic scoping replaced it, DEC-7)" if "affects_params" in unknown else ""
        raise MizanRegistrationError(f"unknown @client option(s): {', '.join(unknown)}{hint}")
    context = None if raw.get("context") is None else _context_name(raw["context"], "context")
    affects = _affects(raw["affects"]) if raw.get("affects") is not None else ()
    merge = _merge(raw["merge"]) if raw.get("merge") is not None else ()
    rev = raw.get("rev", 0)
    if type(rev) is not int or rev < 0:
        raise MizanRegistrationError(f"rev={rev!r} must be a non-negative int")
    cache = raw.get("cache", True)
    if not (cache is True or cache is False or (type(cache) is int and cache > 0)):
        raise MizanRegistrationError(f"cache={cache!r} must be True, False or a positive number of seconds")
    route = raw.get("route")
    if route is not None and not (isinstance(route, str) and route.startswith("/")):
        raise MizanRegistrationError(f"route={route!r} must be a string starting with '/'")
    methods = None
    if raw.get("methods") is not None:
        if route is None:
            raise MizanRegistrationError("methods= needs route= (DEC-5)")
        methods = _methods(raw["methods"])
    websocket = raw.get("websocket", False)
    private = raw.get("private", False)
    for option, flag in (("websocket", websocket), ("private", private)):
        if not isinstance(flag, bool):
            raise MizanRegistrationError(f"{option}= must be a bool")
    if context is not None and (affects or merge):
        raise MizanRegistrationError("context functions are reads: context= cannot be combined with affects=/merge=")
    if context is not None and private:
        raise MizanRegistrationError("private=True cannot be combined with context= (DEC-5)")
    return FunctionOptions(
        context=context,
        affects=affects,
        merge=merge,
        auth=_auth(raw.get("auth")),
        websocket=websocket,
        private=private,
        route=route,
        methods=methods,
        rev=rev,
        cache=cache,
    )


def is_global(context: str | None) -> bool:
    return context == GLOBAL_NAME
