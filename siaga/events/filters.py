"""Filters of the event list; one ``filter_events`` serves the page, the export and the API.

The search box takes three kinds of input, told apart by their shape:

- an IP address (``192.0.2.7``, ``2001:db8::7``): events whose ``source.ip`` is that address;
- a network in CIDR notation (``192.0.2.0/24``, ``2001:db8::/64``): events whose ``source.ip`` lies
  inside it, through the ``inside`` lookup (``siaga.events.lookups``). PostgreSQL answers any size
  from its index; SQLite, where the column is text, takes networks of at most 65,536 addresses
  (a /16 of IPv4) and a wider one is a form error that says so;
- anything else: a part of ``source.fqdn``, ``source.reverse_dns`` or ``source.url``.

Text that looks like an address or a network but is not one (``10.0.0.300``, ``10.0.0.0/33``) is an
error, not a text search that would quietly find nothing.

The classification filter offers the RSIT types (``siaga.incidents.taxonomy``): listing the distinct
types present would read the whole table, which holds tens of millions of rows.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any, Literal

from django import forms
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from siaga.accounts.roles import principal_for
from siaga.core.forms import use_fast_selects
from siaga.events import lookups
from siaga.events.choices import Severity
from siaga.incidents.taxonomy import RsitType
from siaga.organizations.choices import OrganizationKind
from siaga.organizations.models import Organization

MAX_SEARCH_LENGTH = 2048
MAX_FEED_LENGTH = 200
FILTER_NAMES = (
    "q",
    "constituent",
    "classification_type",
    "feed",
    "severity",
    "time_from",
    "time_to",
    "intel_matched",
)
# An attempt at an address: only the characters of one, and the dots of IPv4 or a colon of IPv6.
_ADDRESS_CHARACTERS = re.compile(r"^[0-9A-Fa-f.:]+$")
_IPV4_SHAPE = re.compile(r"^\d+\.\d+\.\d+\.\d+$")


@dataclass(frozen=True)
class Search:
    """What the search box asked for: one address, a network, or a piece of text."""

    kind: Literal["ip", "network", "text"]
    value: str  # the address or network in canonical form, or the text as typed (stripped)


def _looks_like_address(text: str) -> bool:
    if not _ADDRESS_CHARACTERS.match(text):
        return False
    return ":" in text or bool(_IPV4_SHAPE.match(text))


def parse_search(text: str, *, vendor: str | None = None) -> Search | None:
    """Read the search box (``None`` when empty); a malformed address or network, or a network too
    wide for this database, raises ``ValidationError``."""
    text = text.strip()
    if not text:
        return None
    address, slash, _prefix = text.partition("/")
    if slash and _looks_like_address(address):
        return Search("network", str(_network(text, vendor or connection.vendor)))
    if _looks_like_address(text):
        try:
            return Search("ip", str(ipaddress.ip_address(text)))
        except ValueError:
            raise ValidationError(
                _("%(value)s is not a valid IP address."), params={"value": text}, code="ip"
            ) from None
    return Search("text", text)


def _network(text: str, vendor: str) -> lookups.IPNetwork:
    try:
        network = lookups.as_network(text)
    except ValueError:
        raise ValidationError(
            _("%(value)s is not a valid network; write it as 192.0.2.0/24 or 2001:db8::/64."),
            params={"value": text},
            code="network",
        ) from None
    if not lookups.fits_this_database(network, vendor):
        raise ValidationError(
            _(
                "%(network)s is too wide to search on this installation's database (SQLite): "
                "use a network of at most %(max)s addresses (a /16 of IPv4, a /112 of IPv6)."
            ),
            params={"network": str(network), "max": f"{lookups.SQLITE_MAX_ADDRESSES:,}"},
            code="network_too_wide",
        )
    return network


def filter_events(queryset: QuerySet, data: dict[str, Any]) -> QuerySet:
    """Narrow ``queryset`` (already restricted to the user) by the filters in ``data``: q (a
    ``Search`` or the text of one), constituent (an organization or its id), classification_type,
    feed, severity (the least), time_from and time_to (days, on ``time.observation``),
    intel_matched (true: only events whose values are indicators; false: only the others). Missing
    or empty keys are ignored; invalid values raise ``ValidationError`` naming the key."""
    search = data.get("q")
    if isinstance(search, str):
        search = _field_error("q", parse_search, search)
    if search is not None:
        queryset = queryset.filter(_search_q(search))
    constituent = data.get("constituent")
    if constituent not in (None, ""):
        queryset = queryset.filter(constituent_id=getattr(constituent, "pk", constituent))
    if data.get("classification_type"):
        queryset = queryset.filter(classification_type=data["classification_type"])
    if data.get("feed"):
        queryset = queryset.filter(feed_name__icontains=str(data["feed"]).strip())
    if data.get("severity") not in (None, ""):
        queryset = queryset.filter(severity__gte=int(data["severity"]))
    matched = _yes_or_no(data.get("intel_matched"))
    if matched is not None:
        queryset = queryset.filter(intel_matched=matched)
    since, until = observed_range(data.get("time_from"), data.get("time_to"))
    if since is not None:
        queryset = queryset.filter(time_observation__gte=since)
    if until is not None:
        queryset = queryset.filter(time_observation__lte=until)
    return queryset


def _yes_or_no(value: Any) -> bool | None:
    """A boolean filter as the form, the API or a link gives it; None (no filter) when absent."""
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "1", "on"):
        return True
    if text in ("false", "no", "0", "off"):
        return False
    raise ValidationError({"intel_matched": _("Enter true or false.")})


def _search_q(search: Search) -> Q:
    if search.kind == "ip":
        return Q(source_ip=search.value)
    if search.kind == "network":
        return Q(source_ip__inside=search.value)
    return (
        Q(source_fqdn__icontains=search.value)
        | Q(source_reverse_dns__icontains=search.value)
        | Q(source_url__icontains=search.value)
    )


def _field_error(name: str, function: Any, *args: Any) -> Any:
    """Call ``function``; its ValidationError is re-raised as an error of field ``name``."""
    try:
        return function(*args)
    except ValidationError as exc:
        raise ValidationError({name: exc.error_list}) from None


def observed_range(
    since: date | None, until: date | None
) -> tuple[datetime | None, datetime | None]:
    """The first and last moments of the days given, in the current time zone, as UTC.

    Raises ``ValidationError`` for a day whose moments fall outside what a datetime can hold once
    moved to UTC (1 January of year 1 east of Greenwich), and for an end before the start."""
    start = _field_error("time_from", _moment, since, time.min)
    end = _field_error("time_to", _moment, until, time.max)
    if start is not None and end is not None and end < start:
        raise ValidationError({"time_to": _("The end is before the start.")})
    return start, end


def _moment(day: date | None, at: time) -> datetime | None:
    if day is None:
        return None
    try:
        return timezone.make_aware(datetime.combine(day, at)).astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValidationError(_("This date is out of range."), code="date_range") from None


class EventFilterForm(forms.Form):
    """The list page's filters (GET); ``apply`` runs ``filter_events`` with them.

    The constituent select is there only for users who see every constituent's events."""

    q = forms.CharField(
        label=_("Address, network or host"),
        required=False,
        max_length=MAX_SEARCH_LENGTH,
        help_text=_(
            "An IP address, a network such as 192.0.2.0/24, or part of a host name or URL."
        ),
    )
    constituent = forms.ModelChoiceField(
        label=_("Constituent"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("Any"),
    )
    classification_type = forms.ChoiceField(
        label=_("Classification type"),
        choices=[("", _("Any type")), *RsitType.choices],
        required=False,
    )
    feed = forms.CharField(label=_("Feed"), required=False, max_length=MAX_FEED_LENGTH)
    severity = forms.TypedChoiceField(
        label=_("Severity at least"),
        choices=[("", _("Any")), *Severity.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    time_from = forms.DateField(
        label=_("Observed from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    time_to = forms.DateField(
        label=_("Observed until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    intel_matched = forms.BooleanField(
        label=_("Only values known to the intelligence store"),
        required=False,
        help_text=_("Events whose address, host or URL is an active indicator."),
    )

    def __init__(self, data: Any, *, user: Any) -> None:
        super().__init__(data or None)
        if principal_for(user).scopes("event.view").all:
            self.fields["constituent"].queryset = Organization.objects.filter(  # type: ignore[attr-defined]
                kind=OrganizationKind.CONSTITUENT
            ).order_by("name")
        else:
            del self.fields["constituent"]
        use_fast_selects(self)

    def clean_intel_matched(self) -> bool | None:
        # An unticked box means "any event", not "only events without a match".
        return True if self.cleaned_data.get("intel_matched") else None

    def clean_q(self) -> Search | None:
        return parse_search(self.cleaned_data.get("q") or "")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        try:
            observed_range(cleaned.get("time_from"), cleaned.get("time_to"))
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                if name not in self.errors:
                    self.add_error(name, errors)
        return cleaned

    @property
    def is_filtered(self) -> bool:
        return self.is_bound and any(
            self.data.get(name) for name in FILTER_NAMES if name in self.fields
        )

    def active_filters(self) -> dict[str, str]:
        """The filters as they were given (for links and the audit trail), empty ones left out."""
        if not self.is_bound:
            return {}
        return {
            name: str(self.data[name])
            for name in FILTER_NAMES
            if name in self.fields and self.data.get(name)
        }

    def apply(self, queryset: QuerySet) -> QuerySet:
        if not self.is_bound:
            return queryset
        if not self.is_valid():
            return queryset.none()  # the errors are shown next to the fields
        return filter_events(queryset, self.cleaned_data)


MAX_STATISTICS_DAYS = 366


def check_period(first: date, last: date) -> None:
    """A statistics period is at most ``MAX_STATISTICS_DAYS`` days, ending on or after its start."""
    if last < first:
        raise ValidationError({"time_to": _("The end is before the start.")})
    if (last - first).days + 1 > MAX_STATISTICS_DAYS:
        raise ValidationError(
            {
                "time_to": _("Choose a period of at most %(days)s days.")
                % {"days": MAX_STATISTICS_DAYS}
            }
        )


class StatisticsPeriodForm(forms.Form):
    """The statistics page's period (GET): the days from and to, the last 30 days by default."""

    time_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    time_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, data: Any, *, default: tuple[date, date]) -> None:
        super().__init__(data or None)
        self.default = default

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        first, last = self._chosen(cleaned)
        try:
            check_period(first, last)
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                self.add_error(name, errors)
        return cleaned

    def _chosen(self, cleaned: dict[str, Any]) -> tuple[date, date]:
        first = cleaned.get("time_from") or self.default[0]
        last = cleaned.get("time_to") or self.default[1]
        if cleaned.get("time_from") and not cleaned.get("time_to"):
            last = max(last, first)
        return first, last

    def period(self) -> tuple[date, date]:
        """The chosen days (the default where one is missing or the form is invalid)."""
        if not self.is_bound or not self.is_valid():
            return self.default
        return self._chosen(self.cleaned_data)
