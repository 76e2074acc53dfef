"""Forms as server functions (PROTOCOL §10.3): framework-neutral wire shapes and functions.

`register_pydantic_form` serves a Pydantic model as a form; `mizan.forms` (Django) and
`mizan_fastapi.forms` build on the same functions. See docs/forms.md.
"""

from __future__ import annotations

from mizan.core.forms.adapter import Checked, CheckedSet, FormAdapter, FormsetAdapter, InstanceArgument
from mizan.core.forms.functions import (
    FormDefinition,
    FormFunction,
    FormOptions,
    Handler,
    get_forms,
    register_form_functions,
)
from mizan.core.forms.pydantic_forms import PydanticForm, register_pydantic_form
from mizan.core.forms.wire import TYPES, field_schema, jsonable, pretty_name

__all__ = [
    "TYPES",
    "Checked",
    "CheckedSet",
    "FormAdapter",
    "FormDefinition",
    "FormFunction",
    "FormOptions",
    "FormsetAdapter",
    "Handler",
    "InstanceArgument",
    "PydanticForm",
    "field_schema",
    "get_forms",
    "jsonable",
    "pretty_name",
    "register_form_functions",
    "register_pydantic_form",
]
