"""The sector statistics page and API: numbers from the roll-ups, the period, who may see them,
and a query count that does not grow with the data."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from siaga.constituents.choices import Province
from siaga.constituents.models import ConstituentProfile
from siaga.core.testing import api_client_for, login
from siaga.events.choices import Severity
from siaga.events.rollups import default_period, record_rollup
from siaga.events.tests.test_rollups import findings
from siaga.organizations.choices import ConstituentType, OrganizationKind
from siaga.organizations.models import Organization

pytestmark = pytest.mark.django_db

PAGE = reverse("events:statistics")
API = "/api/v1/events/statistics"


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 3, 0, tzinfo=UTC)  # 10:00 in Jakarta


@pytest.fixture
def stored(orgs: Any) -> dict[str, Any]:
    """Roll-ups of a few chunks: the hospital (Jakarta), the other hospital (no profile), and
    unattributed events; one chunk from before the default period."""
    ConstituentProfile.objects.create(organization=orgs.hospital, province=Province.DKI_JAKARTA)
    today = timezone.localdate()
    hospital, other = orgs.hospital.pk, orgs.other_hospital.pk
    record_rollup(
        findings(
            {"constituent": hospital, "count": 3, "time.observation": at(today)},
            {"constituent": hospital, "time.observation": at(today - timedelta(days=1))},
            {
                "constituent": other,
                "classification.taxonomy": "malicious-code",
                "classification.type": "infected-system",
                "count": 5,
                "time.observation": at(today),
            },
            {"constituent": None, "time.observation": at(today - timedelta(days=2))},
        ),
        merged={2},
    )
    record_rollup(
        findings({"constituent": hospital, "time.observation": at(today - timedelta(days=40))})
    )
    return {"today": today}


def test_the_page_shows_the_numbers_of_the_last_30_days(client, personas, stored):
    login(client, personas.cert_analyst)
    response = client.get(PAGE)
    assert response.status_code == 200
    stats = response.context["stats"]
    assert (stats.first, stats.last) == default_period()
    assert (stats.events, stats.findings) == (3, 10)
    # Most findings first; as many findings: most events first.
    assert [(row.key, row.events, row.findings) for row in stats.by_type] == [
        ("vulnerable-system", 2, 5),
        ("infected-system", 1, 5),
    ]
    assert {(row.key, row.events, row.findings) for row in stats.by_constituent_type} == {
        (ConstituentType.HOSPITAL, 2, 9),
        (None, 1, 1),
    }
    assert {(row.key, row.events, row.findings) for row in stats.by_province} == {
        (None, 2, 6),  # the other hospital has no profile; one unattributed event
        (Province.DKI_JAKARTA, 1, 4),
    }
    assert [(row.label, row.findings) for row in stats.top_constituents] == [
        ("Other Hospital", 5),
        ("Test Hospital", 4),
    ]
    assert len(stats.days) == 30
    assert [(day.events, day.findings) for day in stats.days[-3:]] == [(1, 1), (0, 1), (2, 8)]
    page = response.content.decode()
    assert "<svg" in page and page.count("<rect") == 30
    assert "DKI Jakarta" in page


def test_a_chosen_period_and_an_invalid_one(client, personas, stored):
    login(client, personas.cert_lead)
    long_ago = stored["today"] - timedelta(days=40)
    response = client.get(
        PAGE, {"time_from": long_ago.isoformat(), "time_to": long_ago.isoformat()}
    )
    assert (response.context["stats"].events, response.context["stats"].findings) == (1, 1)
    response = client.get(PAGE, {"time_from": "2026-02-01", "time_to": "2026-01-01"})
    assert response.status_code == 400
    assert "The end is before the start." in response.content.decode()
    response = client.get(PAGE, {"time_from": "2020-01-01", "time_to": "2026-01-01"})
    assert response.status_code == 400


def test_the_api_gives_the_pages_numbers(client, personas, stored):
    login(client, personas.cert_analyst)
    stats = client.get(PAGE).context["stats"]
    body = api_client_for(personas.cert_analyst).get(API).json()
    assert (body["events"], body["findings"]) == (stats.events, stats.findings)
    assert body["time_from"] == stats.first.isoformat()
    assert [(r["key"], r["events"], r["findings"]) for r in body["by_type"]] == [
        (r.key, r.events, r.findings) for r in stats.by_type
    ]
    assert [(r["key"], r["findings"]) for r in body["top_constituents"]] == [
        (str(r.key), r.findings) for r in stats.top_constituents
    ]
    assert len(body["days"]) == 30
    assert body["days"][-1] == {
        "key": stored["today"].isoformat(),
        "label": stored["today"].isoformat(),
        "events": 2,
        "findings": 8,
    }


def test_the_api_refuses_an_invalid_period(personas):
    api = api_client_for(personas.cert_analyst)
    response = api.get(API, {"time_from": "2026-02-01", "time_to": "2026-01-01"})
    assert response.status_code == 422


@pytest.mark.parametrize("persona", ["cert_admin", "cert_lead", "cert_analyst", "auditor"])
def test_the_cert_and_its_auditors_see_the_statistics(client, personas, persona):
    login(client, personas.by_name(persona))
    assert client.get(PAGE).status_code == 200
    assert api_client_for(personas.by_name(persona)).get(API).status_code == 200


@pytest.mark.parametrize(
    "persona", ["constituent_admin", "constituent_reporter", "coord_member", "outsider"]
)
def test_others_are_refused(client, personas, persona):
    login(client, personas.by_name(persona))
    assert client.get(PAGE).status_code == 403
    assert api_client_for(personas.by_name(persona)).get(API).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert "login" in response["Location"]
    assert client.get(API).status_code == 401


def _queries(client: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(PAGE).status_code == 200
    return len(queries)


def test_the_page_costs_the_same_queries_whatever_the_data(client, personas, stored):
    login(client, personas.cert_analyst)
    few = _queries(client)
    today = stored["today"]
    for n in range(25):
        organization = Organization.objects.create(
            name=f"Clinic {n}", kind=OrganizationKind.CONSTITUENT, constituent_type="clinic"
        )
        ConstituentProfile.objects.create(organization=organization, province=Province.BALI)
        record_rollup(
            findings(
                *(
                    {
                        "constituent": organization.pk,
                        "feed.name": f"Feed {n}",
                        "time.observation": at(today - timedelta(days=day)),
                        "severity": int(Severity.HIGH),
                    }
                    for day in range(10)
                )
            )
        )
    assert _queries(client) == few


def test_frames_of_the_rollup_helper_match_the_pipelines_columns():
    # The helper builds what store_events hands over; keep it honest about the column names.
    assert {"feed.name", "classification.type", "constituent", "severity", "count"} <= set(
        findings({}).columns
    )
    assert findings({}).schema["time.observation"] == pl.Datetime("us", "UTC")
