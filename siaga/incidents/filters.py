"""Filters of the incident and report lists; one ``filter_incidents`` serves the page and the API.

Full-text search runs on PostgreSQL with its text search, using the ``simple`` configuration:
the text mixes Indonesian and English, and no stemmer knows both, so words are matched as written
(lower-cased), each word of the query as a prefix. Migration 0004 stores each row's search
document in a generated column with a GIN index. SQLite (development, tests) falls back to
``icontains``.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.db import connection
from django.db.models import BooleanField, Exists, Model, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from siaga.core.forms import FastSelect, use_fast_selects
from siaga.incidents.actions import cert_staff_users
from siaga.incidents.actions.deadlines import with_sla_state
from siaga.incidents.choices import (
    PAP,
    TLP,
    Channel,
    ClockStatus,
    IncidentStatus,
    PersonalDataInvolved,
    Priority,
    RejectionReason,
    ReportStatus,
)
from siaga.incidents.models import Comment, Incident, LegalClock, Report
from siaga.incidents.slas import SlaState
from siaga.incidents.taxonomy import HealthTag, RsitClass, RsitType
from siaga.organizations.choices import OrganizationKind
from siaga.organizations.models import Organization

SEARCH_CONFIG = "simple"
WORD = re.compile(r"\w+")
MAX_SEARCH_WORDS = 20
REFERENCE_LIKE = re.compile(r"[\w-]*\d[\w-]*")  # one token with a digit: SIAGA-INC-2026-000045
# Searched: reference, title and description of incidents, and comments, through the stored
# documents of migration 0004 (PostgreSQL).
YES_NO = [("", _("Either")), ("yes", _("Yes")), ("no", _("No"))]
SLA_STATES = [
    ("", _("Any SLA state")),
    (SlaState.BREACHED.value, _("SLA breached")),
    (SlaState.WARNING.value, _("SLA due soon")),
]


def uses_full_text_search() -> bool:
    return connection.vendor == "postgresql"


def prefix_terms(text: str) -> str:
    """Every word of the text, joined with AND: "rans enkrip" → "rans:* & enkrip:*".

    Built from word characters only, so nothing the user types can be read as query syntax.
    """
    words = WORD.findall(text.lower())[:MAX_SEARCH_WORDS]
    return " & ".join(_prefix(word) for word in words)


def _prefix(word: str) -> str:
    """A word as typed is a prefix ("rans" finds "ransomware"); a word with a digit in it (a
    number, a reference, a version, a hash) is matched whole, as an identifier is.

    PostgreSQL's parser reads the number after a hyphen as signed: SIAGA-INC-2026-000045 holds the
    word "-000045", which "000045" must find too.
    """
    if word.isdigit():
        return f"({word} | -{word})"
    return word if any(ch.isdigit() for ch in word) else f"{word}:*"


def prefix_query(text: str) -> str | None:
    """ "rans enkrip" finds "ransomware terenkripsi"; None when the text has no word at all."""
    return prefix_terms(text) or None


def document_matches(terms: str) -> RawSQL:
    """Rows whose stored search document (migration 0004, PostgreSQL) matches the prefix terms.

    Unqualified: Django aliases tables inside subqueries, and the queries this is used in read one
    table each (incidents, or comments).
    """
    # Only constants are spliced in; the terms are a parameter, built from word characters only.
    return RawSQL(  # noqa: S611
        f"search_document @@ to_tsquery('{SEARCH_CONFIG}', %s)",
        [terms],
        output_field=BooleanField(),
    )


def search_incidents(queryset: QuerySet[Incident], text: str, user: Any) -> QuerySet[Incident]:
    """Incidents whose reference, title, description or a comment the user may read match.

    Comments are searched only among those the user may see: a constituent must not find an
    incident by a word of the CERT's internal notes. Without a user, comments are not searched.
    """
    comments = (
        Comment.objects.restrict(user, "view") if user is not None else Comment.objects.none()
    )
    # A partial reference ("000045") is not a word the text search knows ("-000045").
    by_reference = REFERENCE_LIKE.fullmatch(text) is not None
    if not uses_full_text_search():
        reference = Q(reference__icontains=text) if by_reference else Q(pk__in=[])
        return queryset.filter(
            reference
            | Q(title__icontains=text)
            | Q(description__icontains=text)
            | Q(pk__in=comments.filter(body__icontains=text).values("incident_id"))
        )
    query = prefix_query(text)
    if query is None and not by_reference:  # nothing but punctuation
        return queryset.none()
    table = Incident._meta.db_table
    # A whole reference through its unique index; its parts ("2026", "000045") are words of the
    # search document. A LIKE on every row would cost more than the rest of the search together.
    conditions = Q(reference=text.strip().upper()) if by_reference else Q(pk__in=[])
    if query is not None:
        # The incident's own document is tested on its row: the list, newest first, then stops
        # after a page of matches instead of gathering them all. Matching comments are gathered
        # once into an array (``= ANY(ARRAY(...))``) rather than tested per incident.
        conditions |= Q(
            raw_condition(
                f'"{table}"."search_document" @@ to_tsquery(%s, %s)', [SEARCH_CONFIG, query]
            )
        )
        in_comments = comments.filter(document_matches(query)).values("incident_id").order_by()
        sql, params = in_comments.query.sql_with_params()
        conditions |= Q(raw_condition(f'"{table}"."id" = ANY(ARRAY({sql}))', list(params)))
    return queryset.filter(conditions)


def raw_condition(sql: str, params: list[Any]) -> RawSQL:
    """A WHERE condition in SQL; only Django's own SQL and constants are spliced into ``sql``."""
    return RawSQL(sql, params, output_field=BooleanField())  # noqa: S611


def _start_of(day: date) -> datetime:
    """Midnight at the start of the day in the user's zone (the page's dates are theirs)."""
    return timezone.make_aware(datetime.combine(day, time.min))


def _date_range[M: Model](
    queryset: QuerySet[M], field: str, start: date | None, end: date | None
) -> QuerySet[M]:
    if start:
        queryset = queryset.filter(**{f"{field}__gte": _start_of(start)})
    if end:  # inclusive: up to the end of that day
        queryset = queryset.filter(**{f"{field}__lt": _start_of(end + timedelta(days=1))})
    return queryset


def _pk(value: Any) -> Any:
    return getattr(value, "pk", value)


def _yes(value: Any) -> bool | None:
    if value in (True, "yes"):
        return True
    if value in (False, "no"):
        return False
    return None


def filter_incidents(
    queryset: QuerySet[Incident],
    filters: dict[str, Any],
    *,
    user: Any = None,
    now: datetime | None = None,
) -> QuerySet[Incident]:
    """The incidents matching every given filter; empty values are ignored."""
    for name in ("status", "priority", "rsit_class", "rsit_type", "tlp", "pap"):
        if filters.get(name):
            queryset = queryset.filter(**{name: filters[name]})
    if filters.get("assignee"):
        queryset = queryset.filter(assignee_id=_pk(filters["assignee"]))
    if filters.get("affected_constituent"):
        through = Incident.affected_constituents.through.objects
        queryset = queryset.filter(
            Exists(
                through.filter(
                    incident_id=OuterRef("pk"), organization_id=_pk(filters["affected_constituent"])
                )
            )
        )
    if filters.get("health_tag"):
        # The JSON list as text holds each tag in quotes: this works on SQLite and PostgreSQL
        # alike (``contains`` on JSON is PostgreSQL-only), and tags never contain quotes.
        queryset = queryset.filter(health_tags__icontains=f'"{filters["health_tag"]}"')
    if (personal := _yes(filters.get("personal_data"))) is not None:
        queryset = queryset.filter(personal_data_involved=personal)
    if (running := _yes(filters.get("running_clock"))) is not None:
        clocks = LegalClock.objects.filter(incident_id=OuterRef("pk"), status=ClockStatus.RUNNING)
        queryset = queryset.filter(Exists(clocks) if running else ~Exists(clocks))
    if filters.get("sla"):
        queryset = with_sla_state(queryset, filters["sla"], now or timezone.now())
    queryset = _date_range(
        queryset, "created_at", filters.get("created_from"), filters.get("created_to")
    )
    queryset = _date_range(
        queryset, "detected_at", filters.get("detected_from"), filters.get("detected_to")
    )
    if text := (filters.get("q") or "").strip():
        queryset = search_incidents(queryset, text, user)
    return queryset


def _any(label: Any, choices: Any) -> list[tuple[str, Any]]:
    return [("", label), *choices]


DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class IncidentFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        help_text=_("Words of the reference, title, description or comments."),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=_any(_("Any status"), IncidentStatus.choices)
    )
    priority = forms.ChoiceField(
        label=_("Priority"), required=False, choices=_any(_("Any priority"), Priority.choices)
    )
    rsit_class = forms.ChoiceField(
        label=_("RSIT class"), required=False, choices=_any(_("Any class"), RsitClass.choices)
    )
    rsit_type = forms.ChoiceField(
        label=_("RSIT type"), required=False, choices=_any(_("Any type"), RsitType.choices)
    )
    tlp = forms.ChoiceField(label=_("TLP"), required=False, choices=_any(_("Any TLP"), TLP.choices))
    pap = forms.ChoiceField(label=_("PAP"), required=False, choices=_any(_("Any PAP"), PAP.choices))
    health_tag = forms.ChoiceField(
        label=_("Health tag"), required=False, choices=_any(_("Any tag"), HealthTag.choices)
    )
    assignee: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Assignee"),
        required=False,
        queryset=None,
        empty_label=_("Anyone"),
        widget=FastSelect,
    )
    affected_constituent: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Affected constituent"),
        required=False,
        queryset=None,
        empty_label=_("Any"),
        widget=FastSelect,
    )
    personal_data = forms.ChoiceField(
        label=_("Personal data involved"), required=False, choices=YES_NO
    )
    sla = forms.ChoiceField(label=_("SLA"), required=False, choices=SLA_STATES)
    running_clock = forms.ChoiceField(
        label=_("Legal clock running"), required=False, choices=YES_NO
    )
    created_from = forms.DateField(label=_("Opened from"), required=False, widget=DATE_WIDGET)
    created_to = forms.DateField(label=_("Opened until"), required=False, widget=DATE_WIDGET)
    detected_from = forms.DateField(label=_("Detected from"), required=False, widget=DATE_WIDGET)
    detected_to = forms.DateField(label=_("Detected until"), required=False, widget=DATE_WIDGET)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["assignee"].queryset = cert_staff_users()  # type: ignore[attr-defined]
        self.fields["affected_constituent"].queryset = Organization.objects.restrict(  # type: ignore[attr-defined]
            user, "view"
        ).filter(kind=OrganizationKind.CONSTITUENT)
        use_fast_selects(self)

    def apply(self, queryset: QuerySet[Incident]) -> QuerySet[Incident]:
        """The rows that match; a field with a bad value is shown as an error and ignored."""
        self.is_valid()
        return filter_incidents(queryset, getattr(self, "cleaned_data", {}), user=self.user)

    def query_string(self) -> str:
        """The filters given, as a query string without paging or unknown parameters."""
        kept = QueryDict(mutable=True)
        for name in self.fields:
            value = self.data.get(name, "") if self.is_bound else ""
            if value and name not in self.errors:
                kept[name] = value
        return kept.urlencode()

    @property
    def is_filtered(self) -> bool:
        return bool(self.query_string())


def filter_reports(queryset: QuerySet[Report], filters: dict[str, Any]) -> QuerySet[Report]:
    """The reports that match; one function for the triage queue page and the API."""
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    if filters.get("channel"):
        queryset = queryset.filter(channel=filters["channel"])
    if filters.get("organization"):
        queryset = queryset.filter(organization_id=_pk(filters["organization"]))
    if filters.get("personal_data_involved"):
        queryset = queryset.filter(personal_data_involved=filters["personal_data_involved"])
    if filters.get("suspected_class"):
        queryset = queryset.filter(suspected_class=filters["suspected_class"])
    if filters.get("rejection_reason"):
        queryset = queryset.filter(rejection_reason=filters["rejection_reason"])
    if filters.get("has_incident") in ("yes", "no"):
        queryset = queryset.filter(incident__isnull=filters["has_incident"] == "no")
    queryset = _date_range(
        queryset, "created_at", filters.get("received_from"), filters.get("received_to")
    )
    if text := (filters.get("q") or "").strip():
        queryset = queryset.filter(
            Q(tracking_id__icontains=text)
            | Q(title__icontains=text)
            | Q(description__icontains=text)
            | Q(reporter_name__icontains=text)
            | Q(reporter_email__icontains=text)
            | Q(reporter_organization_name__icontains=text)
        )
    return queryset


class ReportFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=_any(_("Any status"), ReportStatus.choices)
    )
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=_any(_("Any channel"), Channel.choices)
    )
    organization: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Organization"),
        required=False,
        queryset=None,
        empty_label=_("Any"),
        widget=FastSelect,
    )
    personal_data_involved = forms.ChoiceField(
        label=_("Personal data involved"),
        required=False,
        choices=_any(_("Either"), PersonalDataInvolved.choices),
    )
    suspected_class = forms.ChoiceField(
        label=_("Suspected class"), required=False, choices=_any(_("Any class"), RsitClass.choices)
    )
    rejection_reason = forms.ChoiceField(
        label=_("Rejected as"),
        required=False,
        choices=_any(_("Any reason"), RejectionReason.choices),
    )
    has_incident = forms.ChoiceField(label=_("Fed an incident"), required=False, choices=YES_NO)
    received_from = forms.DateField(label=_("Received from"), required=False, widget=DATE_WIDGET)
    received_to = forms.DateField(label=_("Received until"), required=False, widget=DATE_WIDGET)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.restrict(  # type: ignore[attr-defined]
            user, "view"
        ).order_by("name")
        use_fast_selects(self)

    def apply(self, queryset: QuerySet[Report]) -> QuerySet[Report]:
        """The rows that match; a field with a bad value is shown as an error and ignored."""
        self.is_valid()
        return filter_reports(queryset, getattr(self, "cleaned_data", {}))
