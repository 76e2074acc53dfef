"""`import mizan` and `import mizan.core` work without Django (STYLE B3, DEP-4)."""

from __future__ import annotations

import os
import subprocess
import sys

SCRIPT = """
import sys
sys.modules["django"] = None  # any `import django...` now fails
import mizan, mizan.core
from mizan.core import registry
from mizan.core.executor import call_pipeline, run_sync
from mizan.core.settings import MizanSettings

@mizan.client
def echo(request, text: str) -> dict:
    return {"message": "echo: " + text}

registry.register(echo, "echo")
response = run_sync(call_pipeline(None, b'{"fn":"echo","args":{"text":"hi"}}', MizanSettings()), None)
assert response.body == b'{"result":{"message":"echo: hi"}}', response
assert not any(name == "django" or name.startswith("django.") for name, mod in sys.modules.items() if mod)
print("ok")
"""


def test_core_imports_and_runs_without_django() -> None:
    env = dict(os.environ)
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, cwd=os.getcwd())
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
