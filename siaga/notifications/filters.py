"""Filters of the delivery log."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from siaga.notifications.choices import DeliveryChannel, DeliveryStatus
from siaga.notifications.events import PING, event_kind_choices
from siaga.notifications.models import Delivery


def _event_choices() -> list[tuple[str, Any]]:
    return [("", _("Any event")), *event_kind_choices(), (PING, _("Test (ping)"))]


class DeliveryFilterForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Channel"),
        required=False,
        choices=[("", _("Any channel")), *DeliveryChannel.choices],
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *DeliveryStatus.choices]
    )
    event_kind = forms.ChoiceField(label=_("Event"), required=False, choices=_event_choices)

    def apply(self, queryset: QuerySet[Delivery]) -> QuerySet[Delivery]:
        """The rows that match; a field with a bad value is shown as an error and ignored."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        for name in ("channel", "status", "event_kind"):
            if data.get(name):
                queryset = queryset.filter(**{name: data[name]})
        return queryset
