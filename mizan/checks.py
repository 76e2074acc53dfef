"""Django system checks for Mizan (tag "mizan")."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning

from mizan.conf import jwt_config
from mizan.core import jwt_keys
from mizan.core.channels import get_channels
from mizan.core.problems import definition_problems
from mizan.core.registry import registry_problems
from mizan.core.rules import unresolved_merges

E001_ID = "mizan.E001"
E002_ID = "mizan.E002"
W001_ID = "mizan.W001"
W002_ID = "mizan.W002"
W003_ID = "mizan.W003"
# Declaration mistakes (mizan.core.problems), one id per kind.
DEFINITION_IDS = {
    "request": "mizan.E010",
    "param-type": "mizan.E011",
    "return-type": "mizan.E012",
    "context-param": "mizan.E013",
    "annotation": "mizan.W010",
}
MIN_SECRET_BYTES = 32
# The bearer JWT's key (issue 15): one id per way MIZAN_JWT_SECRET/_ALGORITHM/_PUBLIC_KEY
# can be wrong; the messages come from mizan.core.jwt_keys, which refuses the same at run time.
E003_ID = "mizan.E003"  # MIZAN_JWT_ALGORITHM is not HS256, RS256, ES256 or EdDSA
E004_ID = "mizan.E004"  # a PEM key that does not parse
E005_ID = "mizan.E005"  # a key type that does not fit the algorithm
E006_ID = "mizan.E006"  # an EC key not on P-256
E007_ID = "mizan.E007"  # a PEM key without the `cryptography` package
E008_ID = "mizan.E008"  # MIZAN_JWT_PUBLIC_KEY is not the private key's
E014_ID = "mizan.E014"  # a MIZAN_WS_* bound that is not a positive integer
W011_ID = "mizan.W011"  # channels are registered but no Channels layer carries their pushes
# Shapes (mizan.shapes): one id per kind of declaration mistake, reported at startup.
SHAPE_IDS = {
    "model": "mizan.E015",  # Shape[X] where X is not a concrete Django model
    "field": "mizan.E016",  # a field the model does not have, or a path that goes nowhere
    "nested": "mizan.E017",  # a nested Shape that does not fit its relation, or nests itself
}
E018_ID = "mizan.E018"  # Shapes are declared but django-readers (the `shapes` extra) is missing
WS_SETTINGS = (
    "MIZAN_WS_MAX_FRAME_BYTES",
    "MIZAN_WS_MAX_IN_FLIGHT",
    "MIZAN_WS_MAX_SUBSCRIPTIONS",
    "MIZAN_WS_SEND_QUEUE",
)
JWT_KEY_IDS = {
    jwt_keys.UNKNOWN_ALGORITHM: E003_ID,
    jwt_keys.UNPARSABLE_KEY: E004_ID,
    jwt_keys.KEY_TYPE: E005_ID,
    jwt_keys.CURVE: E006_ID,
    jwt_keys.NO_CRYPTOGRAPHY: E007_ID,
    jwt_keys.PUBLIC_KEY_MISMATCH: E008_ID,
}


def check_registry(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """mizan.E001: the registry fails `validate_registry()` (REG-9), one error per problem."""
    return [
        Error(
            problem,
            hint="Declare the context or register the function that affects=/merge= names.",
            id=E001_ID,
        )
        for problem in registry_problems()
    ]


def check_merges(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """mizan.W003: a merge= target that resolves to no single slot (MRG-2, IR.md Q2)."""
    return [
        Warning(
            problem,
            hint="Return the type of exactly one member of that context (or a list item of it), or drop merge=.",
            id=W003_ID,
        )
        for problem in unresolved_merges()
    ]


def _secrets() -> list[tuple[str, str, str]]:
    """Every configured secret as (purpose, label, value) (SEC-1)."""
    found: list[tuple[str, str, str]] = []

    def add(purpose: str, label: str, value: object) -> None:
        if value:
            found.append((purpose, label, str(value)))

    add("cache", "MIZAN_CACHE_SECRET", getattr(settings, "MIZAN_CACHE_SECRET", None))
    add("mwt", "MIZAN_MWT_SECRET", getattr(settings, "MIZAN_MWT_SECRET", None))
    for kid, secret in sorted((getattr(settings, "MIZAN_MWT_PREVIOUS_SECRETS", None) or {}).items()):
        add("mwt", f"MIZAN_MWT_PREVIOUS_SECRETS[{kid!r}]", secret)
    if getattr(settings, "MIZAN_JWT_ENABLED", True):
        jwt_secret = getattr(settings, "MIZAN_JWT_SECRET", None)
        add(
            "jwt",
            "MIZAN_JWT_SECRET" if jwt_secret else "SECRET_KEY (the JWT secret)",
            jwt_secret or settings.SECRET_KEY,
        )
    return found


def check_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """SEC-1 (E002): one secret used for two purposes; CACHE-1 (W001): caching half
    configured; SEC-2 (W002): a secret shorter than 32 bytes; and `check_jwt_keys`."""
    messages: list[CheckMessage] = []
    secrets = _secrets()
    for index, (purpose, label, value) in enumerate(secrets):
        for other_purpose, other_label, other_value in secrets[index + 1 :]:
            if purpose != other_purpose and _same_secret(value, other_value):
                messages.append(
                    Error(
                        f"{label} and {other_label} are the same value",
                        hint="Use separate secrets: a leaked cache key must not forge tokens (SEC-1).",
                        id=E002_ID,
                    )
                )
        if len(value.encode("utf-8")) < MIN_SECRET_BYTES:
            messages.append(
                Warning(f"{label} is shorter than 32 bytes", hint="Use at least 32 random bytes (SEC-2).", id=W002_ID)
            )
    secret = getattr(settings, "MIZAN_CACHE_SECRET", None)
    url = getattr(settings, "MIZAN_CACHE_REDIS_URL", None)
    if (secret is None) != (url is None):
        missing = "MIZAN_CACHE_SECRET" if secret is None else "MIZAN_CACHE_REDIS_URL"
        messages.append(
            Warning(f"the origin cache stays disabled: {missing} is not set", hint="Set both or neither.", id=W001_ID)
        )
    messages.extend(check_jwt_keys())
    messages.extend(check_websockets())
    return messages


def check_websockets() -> list[CheckMessage]:
    """E014: a WebSocket bound that is not a positive integer (CHAN-7); W011: channels are
    registered but CHANNEL_LAYERS has no default layer, so no push reaches a socket."""
    messages: list[CheckMessage] = []
    for name in WS_SETTINGS:
        value = getattr(settings, name, 1)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            messages.append(Error(f"{name} must be a positive integer, not {value!r}", id=E014_ID))
    if get_channels() and "default" not in (getattr(settings, "CHANNEL_LAYERS", None) or {}):
        messages.append(
            Warning(
                "channels are registered, but CHANNEL_LAYERS has no default layer: nothing can be pushed to sockets",
                hint="Set CHANNEL_LAYERS: channels_redis.core.RedisChannelLayer across processes, "
                "channels.layers.InMemoryChannelLayer for one development process.",
                id=W011_ID,
            )
        )
    return messages


def check_definitions(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """mizan.E010-E013, W010: declaration mistakes of the registered functions: a first
    parameter that is not the request (E010), a parameter type Mizan cannot validate
    (E011), a return type it cannot serialise (E012), context members typing a param
    differently (E013), a missing annotation (W010, it becomes any)."""
    return [
        (Error if problem.error else Warning)(problem.message, hint=problem.hint, id=DEFINITION_IDS[problem.kind])
        for problem in definition_problems()
    ]


def check_shapes(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """mizan.E015-E017: a declared Shape does not fit its Django model (E015 not a model,
    E016 a field it does not have, E017 a nested Shape of another model, of the wrong
    cardinality, or nesting itself); E018: Shapes without django-readers installed."""
    from mizan.shapes import registry as shapes

    declared = shapes.declared()
    if not declared:
        return []
    from mizan.shapes.binding import resolve

    messages: list[CheckMessage] = []
    try:
        import django_readers  # noqa: F401
    except ImportError:
        messages.append(
            Error(
                "Shapes are declared but django-readers is not installed",
                hint="pip install 'mizan[shapes]'",
                id=E018_ID,
            )
        )
    for shape in declared:
        _, problems = resolve(shape)
        messages.extend(Error(p.message, hint=p.hint, obj=shape, id=SHAPE_IDS[p.kind]) for p in problems)
    return messages


def _same_secret(value: str, other: str) -> bool:
    """SEC-1: equal text, or one PEM private key written twice (PKCS#1 and PKCS#8, ...)."""
    return value == other or jwt_keys.secret_material(value) == jwt_keys.secret_material(other)


def check_jwt_keys(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """mizan.E003..E008: the bearer JWT's key cannot sign or verify (issue 15); W002 (SEC-2)
    for an RSA key shorter than 2048 bits. Nothing while bearer JWTs are disabled."""
    if not getattr(settings, "MIZAN_JWT_ENABLED", True):
        return []
    keys = jwt_config().keys
    if isinstance(keys, jwt_keys.KeyProblem):
        check_id = JWT_KEY_IDS.get(keys.code)  # no id: no secret at all, Django's own check
        return [] if check_id is None else [Error(keys.message, hint=keys.hint, id=check_id)]
    weakness = keys.weakness
    if weakness is not None:
        return [Warning(f"{weakness}, shorter than 2048 bits", hint="Use at least 2048 bits (SEC-2).", id=W002_ID)]
    return []
