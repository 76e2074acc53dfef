"""Django forms as server functions (FORM-1..5): `<name>.schema`, `<name>.validate`,
`<name>.submit`, and the formset variants. See docs/forms.md.

```python
from django import forms
from mizan.forms import MizanFormMeta, MizanFormMixin


class ContactForm(MizanFormMixin, forms.Form):
    mizan = MizanFormMeta(name="contact", title="Contact us", affects="messages")
    email = forms.EmailField()

    def on_submit_success(self, request):
        return {"sent": True}
```
"""

from __future__ import annotations

from mizan.core.forms import get_forms, register_pydantic_form
from mizan.forms.registration import MizanFormMeta, MizanFormMixin, register_form, register_formset

__all__ = [
    "MizanFormMeta",
    "MizanFormMixin",
    "get_forms",
    "register_form",
    "register_formset",
    "register_pydantic_form",
]
