"""Forms for FastAPI (FORM-4): a Pydantic model served as `<name>.schema`,
`<name>.validate` and `<name>.submit`, with the wire shapes of Django's forms.

```python
from mizan_fastapi.forms import register_form


class Signup(BaseModel):
    email: str = Field(max_length=200, title="E-mail")
    plan: Literal["free", "pro"] = "free"


async def create_account(signup: Signup, request: Request) -> dict[str, int]:
    return {"id": await accounts.create(signup)}


register_form(Signup, "signup", create_account, affects="accounts")
```

The framework-neutral implementation is `mizan.core.forms` (see docs/forms.md).
"""

from __future__ import annotations

from mizan.core.forms import get_forms
from mizan.core.forms import register_pydantic_form as register_form

__all__ = ["get_forms", "register_form"]
