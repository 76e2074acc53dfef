"""`Outcome`: a function body's answer that is not simply the value it changed (FORM-5).

A body normally returns its result, and a successful call is a mutation that invalidates
and merges what it declares (§3, §4). Some bodies answer 200 without having changed
anything: a form submit whose data failed validation answers `{"success": false, ...}`.
Such a body returns an `Outcome`; the executor unwraps it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the executor answers and emits for one call.

    Attributes:
        result: the envelope's `result`.
        changed: False when the call wrote nothing: then it emits no invalidation, no merge
            and no purge (as INV-1 for a failure), although it answers 200.
        value: the value merge entries carry (MRG-4), e.g. a form handler's data inside a
            submit's `{"success": true, "data": ...}`; its type is the function's
            `MergeOutput` (see `mizan.core.rules.merge_output`).
    """

    result: Any
    changed: bool
    value: Any = None
