"""The correlation page: who else holds a value, as far as the visitor may see."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from siaga.core.forms import add_validation_error
from siaga.correlation.actions import correlations_for
from siaga.correlation.forms import LookupForm


@login_required
@require_GET
def value(request: HttpRequest) -> HttpResponse:
    form = LookupForm(request.GET or None)
    correlations = None
    if form.is_bound and form.is_valid():
        try:
            correlations = correlations_for(
                request.user, form.cleaned_data["type"], form.cleaned_data["value"]
            )
        except ValidationError as error:
            add_validation_error(form, error)
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "correlation/value.html",
        {"form": form, "correlations": correlations},
        status=status,
    )
