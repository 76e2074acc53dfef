"""Generated registries (the IR property tests' strategies) through the generator: every
IR the writer produces for them becomes a module with one function per function, a handle
per context and a subscription per channel, which `tsc --strict` accepts."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings

from mizan.codegen.ir_reader import parse_ir
from mizan.codegen.typescript import generate
from mizan.core.ir import build_ir
from tests.codegen.conftest import needs_tsc, typecheck
from tests.property.test_ir_property import (
    channel_specs,
    fresh_registry,  # noqa: F401  (the fixture, used by name)
    function_specs,
    make_function,
    register_all,
    register_channels,
)


@needs_tsc
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=function_specs(), channels=channel_specs())
def test_generated_registries_give_modules_that_type_check(
    specs: list[dict[str, Any]],
    channels: list[tuple[str, tuple[Any, Any, Any]]],
    fresh_registry: None,  # noqa: F811
    tmp_path_factory: Any,
) -> None:
    register_all([(spec["name"], make_function(spec)) for spec in specs])
    register_channels(channels)
    ir = parse_ir(build_ir())
    module = generate(ir, "api.kdl")
    exported = set(re.findall(r"^export function (\w+)\(", module, flags=re.MULTILINE))
    expected = {fn.camel for fn in ir.functions}
    expected |= {f"{context.name}Context" for context in ir.contexts}
    expected |= {f"{channel.pascal[:1].lower()}{channel.pascal[1:]}Channel" for channel in ir.channels}
    # A name that is a reserved word gets a trailing `_` (camel names never end in one).
    assert {name.rstrip("_") for name in exported} - {"isMizanError"} == expected
    directory: Path = tmp_path_factory.mktemp("generated")
    (directory / "api.ts").write_text(module, encoding="utf-8")
    checked = typecheck(directory, ["api.ts"])
    assert checked.returncode == 0, checked.output + module
