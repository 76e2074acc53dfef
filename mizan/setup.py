"""Registration API for Django projects (PROTOCOL §0.6): the registry plus discovery."""

from __future__ import annotations

from mizan.core.discovery import mizan_layer, mizan_module
from mizan.core.registry import (
    clear_registry,
    get_all_functions,
    get_context_groups,
    get_contexts,
    get_function,
    register,
    register_extension,
    validate_registry,
)


def _discover(apps_root: str | None, layer: str) -> list[str]:
    from django.apps import apps
    from django.utils.module_loading import module_has_submodule

    registered: list[str] = []
    for config in apps.get_app_configs():
        if apps_root is not None and config.name != apps_root and not config.name.startswith(apps_root + "."):
            continue
        # module_has_submodule: a single-module app (no __path__) simply has no layer.
        if module_has_submodule(config.module, layer):
            registered += mizan_layer(f"{config.name}.{layer}")
    return registered


def mizan_clients(apps_root: str, layer: str = "clients") -> list[str]:
    """Import `<app>.<layer>` for installed apps named `apps_root` or under `apps_root.`
    and register what they define (DISC-1); a `<layer>` package contributes every module
    under it (`mizan_layer`). A missing module is skipped; an ImportError raised inside an
    existing one propagates."""
    return _discover(apps_root, layer)


def autodiscover(layer: str = "clients") -> list[str]:
    """Like `mizan_clients`, for every installed app (what `MizanConfig.ready()` runs),
    the way the admin autodiscovers `admin` modules."""
    return _discover(None, layer)


__all__ = [
    "autodiscover",
    "clear_registry",
    "get_all_functions",
    "get_context_groups",
    "get_contexts",
    "get_function",
    "mizan_clients",
    "mizan_module",
    "register",
    "register_extension",
    "validate_registry",
]
