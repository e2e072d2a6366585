"""The triage queue filters by every field, on the page and in the API, within the user's scope."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from siaga.core.testing import api_client_for, login
from siaga.incidents.actions import check_triage_report
from siaga.incidents.choices import Channel
from siaga.incidents.models import Report

pytestmark = pytest.mark.django_db


@pytest.fixture
def reports(personas, make_report):
    web = make_report(title="Ransom note on PACS", personal_data_involved="yes")
    other = make_report(personas.other_reporter, title="Defaced portal")
    spam = make_report(title="Cheap pills")
    check_triage_report(personas.cert_analyst, spam, "reject", reason="spam")
    triaged = make_report(
        title="VPN account misuse",
        suspected_class="intrusions",
        suspected_type="unprivileged-account-compromise",
    )
    check_triage_report(personas.cert_analyst, triaged, "new_incident")
    Report.objects.filter(pk=other.pk).update(created_at=timezone.now() - timedelta(days=10))
    Report.objects.filter(pk=web.pk).update(channel=Channel.EMAIL)
    return {"web": web, "other": other, "spam": spam, "triaged": triaged}


def titles_on_page(client, **params) -> set[str]:
    response = client.get(reverse("incidents:report-list"), params)
    assert response.status_code == 200
    return {report.title for report in response.context["page"].object_list}


def titles_in_api(user, **params) -> set[str]:
    response = api_client_for(user).get("/api/v1/reports", params)
    assert response.status_code == 200, response.content
    return {row["title"] for row in response.json()["results"]}


def test_each_field_filters_on_the_page_and_in_the_api(client, personas, reports):
    analyst = personas.cert_analyst
    login(client, analyst)
    today = timezone.localdate().isoformat()
    cases = [
        ({"channel": "email"}, {"Ransom note on PACS"}),
        ({"personal_data_involved": "yes"}, {"Ransom note on PACS"}),
        ({"rejection_reason": "spam"}, {"Cheap pills"}),
        ({"has_incident": "yes"}, {"VPN account misuse"}),
        ({"suspected_class": "intrusions"}, {"VPN account misuse"}),
        ({"q": "portal"}, {"Defaced portal"}),
        ({"received_from": today}, {"Ransom note on PACS", "Cheap pills", "VPN account misuse"}),
    ]
    for params, expected in cases:
        assert titles_on_page(client, **params) == expected, params
        assert titles_in_api(analyst, **params) == expected, params
    hospital = personas.orgs.other_hospital.pk
    assert titles_on_page(client, organization=hospital) == {"Defaced portal"}
    assert titles_in_api(analyst, organization_id=hospital) == {"Defaced portal"}


def test_filters_never_widen_a_constituents_scope(client, personas, reports):
    login(client, personas.constituent_reporter)
    assert "Defaced portal" not in titles_on_page(client)
    assert titles_on_page(client, q="portal") == set()
    assert titles_in_api(personas.constituent_reporter, q="portal") == set()


def test_a_bad_value_is_shown_and_ignored(client, personas, reports):
    login(client, personas.cert_analyst)
    response = client.get(reverse("incidents:report-list"), {"channel": "pigeon"})
    assert response.status_code == 200
    assert "channel" in response.context["filters"].errors
    assert (
        api_client_for(personas.cert_analyst).get("/api/v1/reports?channel=pigeon").status_code
        == 422
    )
