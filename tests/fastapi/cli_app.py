"""An application module for the export commands (FA-6): importing it registers the test
functions, as an application's `main` module would. Imported only by subprocesses."""

from __future__ import annotations

import mizan_fastapi
from tests.fastapi.functions import FUNCTIONS

for _name, _fn_class in FUNCTIONS.items():
    mizan_fastapi.register(_fn_class, _name)

print("import-time output must not reach the document")
