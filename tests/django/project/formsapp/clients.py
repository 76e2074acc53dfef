"""A form that registers itself when discovery imports this module (FORM-1)."""

from __future__ import annotations

from typing import Any

from django import forms

from mizan.forms import MizanFormMeta, MizanFormMixin


class FeedbackForm(MizanFormMixin, forms.Form):
    mizan = MizanFormMeta(name="feedback", title="Feedback", submit_label="Send")

    message = forms.CharField(max_length=500, widget=forms.Textarea)
    rating = forms.TypedChoiceField(choices=[(1, "Poor"), (5, "Great")], coerce=int)

    def on_submit_success(self, request: Any) -> dict[str, Any]:
        return {"rating": self.cleaned_data["rating"]}
