"""/api/v1/notification-preferences: the caller's own e-mail choices."""

from __future__ import annotations

import pytest

from siaga.core.testing import api_client_for

pytestmark = pytest.mark.django_db
URL = "/api/v1/notification-preferences"


def as_dict(response):
    assert response.status_code == 200, response.content
    return {row["event_kind"]: row["email_enabled"] for row in response.json()}


def test_defaults_for_someone_who_never_chose(personas):
    prefs = as_dict(api_client_for(personas.outsider).get(URL))
    # The incident desk's seven, the advisories' two for staff, and one each for an assessment
    # submitted, a risk review due, an action item due soon and overdue, a sector report's draft.
    assert len(prefs) == 14
    assert all(prefs.values())


def test_put_changes_only_the_kinds_given_and_only_for_the_caller(personas):
    body = {"preferences": [{"event_kind": "sla_warning", "email_enabled": False}]}
    prefs = as_dict(
        api_client_for(personas.cert_analyst).put(URL, body, content_type="application/json")
    )
    assert prefs["sla_warning"] is False
    assert prefs["sla_breach"] is True
    assert as_dict(api_client_for(personas.cert_lead).get(URL))["sla_warning"] is True


def test_an_unknown_kind_is_a_422_naming_it(personas):
    body = {"preferences": [{"event_kind": "nonsense", "email_enabled": False}]}
    response = api_client_for(personas.cert_analyst).put(URL, body, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "nonsense"


def test_a_read_only_token_may_not_change_them(personas):
    body = {"preferences": []}
    response = api_client_for(personas.cert_analyst, "read").put(
        URL, body, content_type="application/json"
    )
    assert response.status_code == 403
