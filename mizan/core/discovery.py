"""Registering the server functions a module, or a package of modules, defines (DISC-2, DISC-3)."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from mizan.core import registry
from mizan.core.client import ServerFunction


def register_module(module: ModuleType) -> list[str]:
    """Register every ServerFunction subclass defined in `module` under its attribute name.

    Classes imported from elsewhere, the bases, and classes already registered (for
    example by an explicit `register()` in the module) are skipped (GAP-40). The
    functions defined for `module` that a class carries in `__mizan_functions__` (a form
    registered by `mizan.forms`: it registers itself when it is defined) are registered
    again under their names if the registry was cleared since.

    Returns:
        The names registered by this call.
    """
    added = []
    for attribute, value in vars(module).items():
        if _is_candidate(value, module, attribute):
            registry.register(value, attribute)
            added.append(attribute)
        for name, fn_class in _carried(value, module).items():
            if registry.name_of(fn_class) is None:
                registry.register(fn_class, name)
                added.append(name)
    return added


def _carried(value: object, module: ModuleType) -> dict[str, type[ServerFunction]]:
    """`{name: class}` of the functions defined in `module` that a class carries in
    `__mizan_functions__` (functions made in another module are that module's)."""
    carried = value.__dict__.get("__mizan_functions__") if isinstance(value, type) else None
    if not isinstance(carried, dict):
        return {}
    return {name: fn_class for name, fn_class in carried.items() if fn_class.__module__ == module.__name__}


def _is_candidate(value: object, module: ModuleType, attribute: str) -> bool:
    """A ServerFunction subclass defined in `module` itself and not yet registered."""
    return (
        isinstance(value, type)
        and issubclass(value, ServerFunction)
        and value.__module__ == module.__name__
        and registry.name_of(value) is None
        and not attribute.startswith("_")
    )


def mizan_module(module_path: str) -> list[str]:
    """Import `module_path` and register the server functions it defines (DISC-3)."""
    return register_module(importlib.import_module(module_path))


def mizan_layer(module_path: str) -> list[str]:
    """Like `mizan_module`, and when `module_path` is a package (`app/clients/__init__.py`),
    also every module under it, recursively: each package's own definitions first, then
    its modules in name order; names starting with `_` are skipped, as private helpers
    (DISC-1, issue 15). An ImportError raised inside any of them propagates.
    """
    module = importlib.import_module(module_path)
    added = register_module(module)
    for name in submodules(module):
        added += mizan_layer(name)
    return added


def submodules(package: ModuleType) -> list[str]:
    """The dotted names of a package's direct modules and sub-packages, sorted, without
    names starting with `_`; empty for a plain module."""
    path = getattr(package, "__path__", None)
    if path is None:
        return []
    names = {info.name for info in pkgutil.iter_modules(path) if not info.name.startswith("_")}
    return [f"{package.__name__}.{name}" for name in sorted(names)]
