"""The register's pages for each persona (allowed, refused with 403/404), the create and edit forms
(bad input: the errors shown, nothing saved), the CSV export and the heat map."""

from __future__ import annotations

import csv
import io

import pytest

from siaga.audit.models import AuditEntry
from siaga.core.testing import login
from siaga.risks.models import Risk

pytestmark = pytest.mark.django_db

CERT = ("cert_admin", "cert_lead", "cert_analyst")
READERS_OF_ALL = (*CERT, "coord_member", "auditor")


def form_data(**overrides):
    data = {
        "organization": "",
        "title": "Leakage of patient records through vendors",
        "category": "third_party",
        "inherent_likelihood": "3",
        "inherent_impact": "5",
        "residual_likelihood": "2",
        "residual_impact": "4",
        "treatment": "mitigate",
        "status": "open",
        "review_cycle_days": "90",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("persona", "status"),
    [*((p, 200) for p in READERS_OF_ALL), ("constituent_admin", 200), ("outsider", 403)],
)
def test_the_list_export_and_heat_map(client, personas, sector_risk, persona, status):
    login(client, personas.by_name(persona))
    for url in ("/risks/", "/risks/export.csv", "/risks/heat-map/"):
        assert client.get(url).status_code == status, url


def test_anonymous_visitors_are_sent_to_sign_in(client, sector_risk):
    response = client.get("/risks/")
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize(
    ("persona", "sector", "hospital"),
    [
        ("cert_analyst", 200, 200),
        ("coord_member", 200, 200),
        ("auditor", 200, 200),
        ("constituent_admin", 404, 200),
        ("constituent_reporter", 404, 200),
        ("other_reporter", 404, 404),
        ("outsider", 404, 404),
    ],
)
def test_the_risk_page(client, personas, sector_risk, hospital_risk, persona, sector, hospital):
    login(client, personas.by_name(persona))
    assert client.get(f"/risks/{sector_risk.pk}/").status_code == sector
    assert client.get(f"/risks/{hospital_risk.pk}/").status_code == hospital


@pytest.mark.parametrize(
    ("persona", "sector", "hospital"),
    [
        ("cert_lead", 200, 200),
        ("coord_member", 403, 403),
        ("auditor", 403, 403),
        ("constituent_admin", 404, 200),
        ("constituent_reporter", 404, 403),
        ("other_reporter", 404, 404),
    ],
)
def test_the_edit_and_review_pages(
    client, personas, sector_risk, hospital_risk, persona, sector, hospital
):
    login(client, personas.by_name(persona))
    for suffix in ("edit/", "review/"):
        assert client.get(f"/risks/{sector_risk.pk}/{suffix}").status_code == sector
        assert client.get(f"/risks/{hospital_risk.pk}/{suffix}").status_code == hospital


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("cert_analyst", 200),
        ("constituent_admin", 200),
        ("constituent_reporter", 403),
        ("coord_member", 403),
        ("auditor", 403),
        ("outsider", 403),
    ],
)
def test_the_create_page(client, personas, persona, status):
    login(client, personas.by_name(persona))
    assert client.get("/risks/new/").status_code == status


def test_creating_a_sector_risk(client, personas):
    login(client, personas.cert_analyst)
    response = client.post("/risks/new/", form_data(owner=str(personas.coord_member.pk)))
    risk = Risk.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/risks/{risk.pk}/"
    assert (risk.organization, risk.owner, risk.residual_score) == (None, personas.coord_member, 8)


def test_bad_input_shows_errors_and_saves_nothing(client, personas):
    login(client, personas.cert_analyst)
    response = client.post(
        "/risks/new/",
        form_data(title="", inherent_likelihood="9", residual_likelihood="5", residual_impact="5"),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "This field is required." in page
    assert "Select a valid choice." in page
    assert not Risk.objects.exists()
    # Valid fields, but a residual rating above the inherent one: the action's error, on its field.
    response = client.post("/risks/new/", form_data(residual_likelihood="5", residual_impact="5"))
    assert "cannot be higher than the inherent one" in response.content.decode()
    assert not Risk.objects.exists()


def test_the_hospital_admin_cannot_post_a_sector_risk(client, personas):
    login(client, personas.constituent_admin)
    response = client.post("/risks/new/", form_data(organization=""))
    assert response.status_code == 200
    assert "only the CERT keeps sector risks" in response.content.decode()
    response = client.post(
        "/risks/new/", form_data(organization=str(personas.orgs.other_hospital.pk))
    )
    assert "Select a valid choice." in response.content.decode()
    assert not Risk.objects.exists()
    client.post("/risks/new/", form_data(organization=str(personas.orgs.hospital.pk)))
    assert Risk.objects.get().organization == personas.orgs.hospital


def test_editing_and_linking_an_incident(client, personas, hospital_risk):
    from siaga.incidents.actions import check_create_incident

    incident = check_create_incident(
        personas.cert_analyst,
        {"title": "Ward PC infected", "affected_constituents": [personas.orgs.hospital.pk]},
    )
    login(client, personas.constituent_admin)
    edit = client.get(f"/risks/{hospital_risk.pk}/edit/")
    assert "Shared ward accounts" in edit.content.decode()
    data = form_data(
        title="Shared ward accounts",
        incidents=f"{incident.reference}",
        rating_reason="",
        inherent_likelihood="4",
        inherent_impact="5",
        residual_likelihood="3",
        residual_impact="4",
    )
    data.pop("organization")
    response = client.post(f"/risks/{hospital_risk.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(hospital_risk.incidents.all()) == [incident]
    assert incident.reference in client.get(f"/risks/{hospital_risk.pk}/").content.decode()
    bad = client.post(f"/risks/{hospital_risk.pk}/edit/", {**data, "incidents": "SIAGA-NOPE"})
    assert "No incident you may see has the reference SIAGA-NOPE." in bad.content.decode()
    changed = client.post(f"/risks/{hospital_risk.pk}/edit/", {**data, "inherent_impact": "4"})
    assert "Say why the rating changed." in changed.content.decode()
    hospital_risk.refresh_from_db()
    assert hospital_risk.inherent_impact == 5


def test_recording_a_review_on_the_page(client, personas, hospital_risk):
    login(client, personas.constituent_admin)
    response = client.post(f"/risks/{hospital_risk.pk}/review/", {"notes": "Controls checked"})
    assert response.status_code == 302
    assert hospital_risk.reviews.get().notes == "Controls checked"
    response = client.post(f"/risks/{hospital_risk.pk}/review/", {"next_review_date": "2000-01-01"})
    assert "The next review must be after today." in response.content.decode()
    assert hospital_risk.reviews.count() == 1


def test_the_export(client, personas, make_risk):
    make_risk(title='=HYPERLINK("http://evil")')
    make_risk(personas.orgs.hospital, title="Shared ward accounts")
    login(client, personas.constituent_reporter)
    response = client.get("/risks/export.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["id", "organization", "title"]
    assert [row[2] for row in rows[1:]] == ["Shared ward accounts"]
    assert AuditEntry.objects.filter(action="export", object_type="risks.risk").count() == 1
    login(client, personas.cert_analyst)
    rows = list(
        csv.reader(
            io.StringIO(
                b"".join(
                    client.get("/risks/export.csv?organization=sector").streaming_content
                ).decode()
            )
        )
    )
    assert [row[2] for row in rows[1:]] == ['\'=HYPERLINK("http://evil")']
    assert rows[1][1] == "Sector"


def test_list_filters(client, personas, make_risk):
    make_risk(
        title="Extreme one",
        inherent_likelihood=5,
        inherent_impact=5,
        residual_likelihood=5,
        residual_impact=4,
    )
    make_risk(
        title="Low one",
        inherent_likelihood=1,
        inherent_impact=2,
        residual_likelihood=1,
        residual_impact=1,
        category="people",
    )
    login(client, personas.cert_analyst)
    assert "Low one" not in client.get("/risks/?level=extreme").content.decode()
    assert "Extreme one" in client.get("/risks/?level=extreme").content.decode()
    page = client.get("/risks/?category=people").content.decode()
    assert "Low one" in page and "Extreme one" not in page
    assert "No risks." in client.get("/risks/?level=nonsense").content.decode()


def test_the_heat_map(client, personas, make_risk):
    make_risk(
        title="A",
        inherent_likelihood=5,
        inherent_impact=5,
        residual_likelihood=2,
        residual_impact=3,
    )
    login(client, personas.coord_member)
    page = client.get("/risks/heat-map/").content.decode()
    assert page.count('class="chart" role="img"') == 2
    assert "Inherent risk (before treatment)" in page and "Residual risk (after treatment)" in page
    assert "Almost certain" in page
