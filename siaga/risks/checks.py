"""A system check of ``SIAGA_RISK_SCALE`` (stable id ``siaga.risks.E001``), so that a bad scale
stops ``siaga check`` and start-up with the setting's problem named, not a page later on."""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from siaga.risks.scale import get_scale


@register()
def check_risk_scale(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    try:
        get_scale()
    except ImproperlyConfigured as exc:
        return [
            Error(
                str(exc),
                hint="See siaga/risks/scale.py for the shape of the setting, or remove it to use "
                "the 5 x 5 default.",
                id="siaga.risks.E001",
            )
        ]
    return []
