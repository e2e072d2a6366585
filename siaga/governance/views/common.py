"""What the governance pages share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from siaga.core.forms import add_validation_error


def save_or_none(form: forms.BaseForm, save: Callable[[dict[str, Any]], Any]) -> Any:
    """Validate the form and call the action; its ValidationError lands on the form (nothing saved)."""
    if not (form.is_bound and form.is_valid()):
        return None
    try:
        return save(form.cleaned_data)
    except ValidationError as exc:
        add_validation_error(form, exc)
        return None


def back_with_error(
    request: HttpRequest, to: str, exc: ValidationError, *args: Any
) -> HttpResponse:
    from django.contrib import messages

    for message in exc.messages:
        messages.error(request, message)
    return redirect(to, *args)
