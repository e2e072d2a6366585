"""Observables: adding one, pasted lists with errors, removal, and correlation by visibility."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siaga.core.testing import api_client_for, login
from siaga.incidents.actions.casework import (
    check_add_observable,
    check_add_pasted_observables,
    check_delete_observable,
    correlated_incidents,
    observables_with_correlations,
)
from siaga.incidents.models import Observable

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def incident(personas, make_incident):
    return make_incident(title="Ours", affected_constituents=[personas.orgs.hospital])


def test_values_are_stored_canonical_and_once(personas, incident):
    analyst = personas.cert_analyst
    first = check_add_observable(analyst, incident, type="domain", value="EVIL[.]Example.")
    assert first.value == "evil.example" and first.created_by == analyst
    with pytest.raises(ValidationError) as error:
        check_add_observable(analyst, incident, type="domain", value="evil.example")
    assert "value" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        check_add_observable(analyst, incident, type="ip", value="999.1.1.1")
    assert "value" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        check_add_observable(analyst, incident, type="colour", value="red")
    assert "type" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        check_add_observable(analyst, incident, type="ip", value="192.0.2.1", description="x" * 501)
    assert "description" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        check_add_observable(personas.constituent_admin, incident, type="ip", value="192.0.2.1")


def test_a_pasted_list_adds_what_it_can_and_names_the_bad_lines(personas, incident):
    check_add_observable(personas.cert_analyst, incident, type="ip", value="192.0.2.1")
    text = "192.0.2.1\n\nhxxps://evil[.]example/login\nnot a value at all\n" + "a" * 64 + "\n"
    result = check_add_pasted_observables(personas.cert_analyst, incident, text)
    assert sorted((o.type, o.value) for o in result.added) == [
        ("sha256", "a" * 64),
        ("url", "https://evil.example/login"),
    ]
    assert result.already_recorded == 1
    assert len(result.problems) == 1 and "4" in result.problems[0]  # the real line number
    fixed = check_add_pasted_observables(
        personas.cert_analyst, incident, "192.0.2.0/24\n10.0.0.1/8", type="cidr"
    )
    assert [o.value for o in fixed.added] == ["192.0.2.0/24"]
    assert "2" in fixed.problems[0]
    with pytest.raises(ValidationError):
        check_add_pasted_observables(personas.cert_analyst, incident, "\n \n")
    with pytest.raises(ValidationError):
        check_add_pasted_observables(personas.cert_analyst, incident, "x", type="colour")


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=300))
def test_any_pasted_text_is_added_or_explained(personas, incident, text):
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        with pytest.raises(ValidationError):
            check_add_pasted_observables(personas.cert_analyst, incident, text)
        return
    result = check_add_pasted_observables(personas.cert_analyst, incident, text)
    assert len(result.added) + result.already_recorded + len(result.problems) == len(lines)
    for observable in result.added:
        observable.full_clean()  # what was stored is valid


def test_delete(personas, incident):
    observable = check_add_observable(personas.cert_analyst, incident, type="ip", value="192.0.2.9")
    with pytest.raises(PermissionDenied):
        check_delete_observable(personas.constituent_admin, observable)
    check_delete_observable(personas.cert_lead, observable)
    assert not Observable.objects.exists()


def test_correlation_shows_only_incidents_the_user_may_see(personas, make_incident, incident):
    orgs, analyst = personas.orgs, personas.cert_analyst
    theirs = make_incident(title="Theirs", affected_constituents=[orgs.other_hospital])
    shared = make_incident(title="Also ours", affected_constituents=[orgs.hospital])
    network = make_incident(title="Network", affected_constituents=[orgs.hospital])
    ours = check_add_observable(analyst, incident, type="ip", value="198.51.100.7")
    check_add_observable(analyst, theirs, type="ip", value="198.51.100.7")
    check_add_observable(analyst, shared, type="ip", value="198.51.100.7")
    check_add_observable(analyst, network, type="cidr", value="198.51.100.0/24")
    check_add_observable(analyst, shared, type="cidr", value="198.51.100.0/25")  # counted once
    assert {i.title for i in correlated_incidents(analyst, ours)} == {
        "Theirs",
        "Also ours",
        "Network",
    }
    reporter = personas.constituent_reporter
    assert {i.title for i in correlated_incidents(reporter, ours)} == {"Also ours", "Network"}
    counts = {o.value: o.correlated for o in observables_with_correlations(analyst, incident)}
    assert counts == {"198.51.100.7": 3}
    counts = {o.value: o.correlated for o in observables_with_correlations(reporter, incident)}
    assert counts == {"198.51.100.7": 2}


def test_correlation_page(client, personas, make_incident, incident):
    theirs = make_incident(
        title="Other hospital's", affected_constituents=[personas.orgs.other_hospital]
    )
    ours = check_add_observable(
        personas.cert_analyst, incident, type="domain", value="evil.example"
    )
    check_add_observable(personas.cert_analyst, theirs, type="domain", value="evil.example")
    url = reverse("incidents:observable-correlations", args=[ours.pk])
    login(client, personas.cert_analyst)
    assert theirs.reference in client.get(url).content.decode()
    login(client, personas.constituent_reporter)
    response = client.get(url)
    assert response.status_code == 200
    assert theirs.reference not in response.content.decode()
    assert "Other hospital" not in response.content.decode()
    login(client, personas.other_reporter)
    assert client.get(url).status_code == 404


def test_pages_add_paste_and_delete(client, personas, incident):
    login(client, personas.cert_analyst)
    add = reverse("incidents:observable-add", args=[incident.pk])
    assert client.post(add, {"type": "ip", "value": "192.0.2.1"}).status_code == 302
    response = client.post(add, {"type": "ip", "value": "nope"})
    assert response.status_code == 400 and "value" in response.context["observable_form"].errors
    paste = reverse("incidents:observable-paste", args=[incident.pk])
    response = client.post(paste, {"text": "evil.example\n???", "type": ""})
    assert response.status_code == 400
    assert "Line 2" in str(response.context["paste_form"].non_field_errors())
    assert "1 observable added." in response.content.decode()
    assert client.post(paste, {"text": "good.example", "type": "domain"}).status_code == 302
    observable = Observable.objects.get(value="good.example")
    delete = reverse("incidents:observable-delete", args=[observable.pk])
    login(client, personas.constituent_admin)
    assert client.post(add, {"type": "ip", "value": "192.0.2.2"}).status_code == 403
    assert client.post(delete).status_code == 403
    login(client, personas.other_reporter)
    assert client.post(delete).status_code == 404
    login(client, personas.cert_lead)
    assert client.post(delete).status_code == 302
    assert Observable.objects.count() == 2


def test_api_observables(personas, make_incident, incident):
    analyst = api_client_for(personas.cert_analyst)
    url = f"/api/v1/incidents/{incident.pk}/observables"
    created = analyst.post(url, {"type": "url", "value": "hxxp://x[.]example"}, content_type=JSON)
    assert created.status_code == 201 and created.json()["value"] == "http://x.example/"
    bad = analyst.post(url, {"type": "ip", "value": "x"}, content_type=JSON)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "value"
    bulk = analyst.post(f"{url}/bulk", {"text": "192.0.2.1\nwhat?"}, content_type=JSON)
    assert bulk.status_code == 201
    assert len(bulk.json()["added"]) == 1 and len(bulk.json()["problems"]) == 1
    assert analyst.get(url).json()["count"] == 2
    reporter = api_client_for(personas.constituent_reporter)
    assert reporter.get(url).json()["count"] == 2
    assert (
        reporter.post(url, {"type": "ip", "value": "192.0.2.3"}, content_type=JSON).status_code
        == 403
    )
    oid = created.json()["id"]
    theirs = make_incident(title="Theirs", affected_constituents=[personas.orgs.other_hospital])
    check_add_observable(personas.cert_analyst, theirs, type="url", value="http://x.example/")
    correlations = f"/api/v1/observables/{oid}/correlations"
    assert analyst.get(correlations).json()["results"][0]["reference"] == theirs.reference
    assert reporter.get(correlations).json()["count"] == 0
    assert api_client_for(personas.other_reporter).get(correlations).status_code == 404
    assert reporter.delete(f"/api/v1/observables/{oid}").status_code == 403
    assert analyst.delete(f"/api/v1/observables/{oid}").status_code == 204
    assert analyst.delete(f"/api/v1/observables/{oid}").status_code == 404
