"""The registry list, a constituent's page, and its profile: scope, filters, paging, queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from siaga.audit.models import AuditEntry
from siaga.constituents import actions
from siaga.constituents.models import ConstituentProfile, Contact
from siaga.core.testing import login
from siaga.organizations.models import Organization

pytestmark = pytest.mark.django_db
BOTH = {"Test Hospital", "Other Hospital"}


def listed(client, **params):
    response = client.get(reverse("constituents:list"), params)
    assert response.status_code == 200
    return {org.name for org in response.context["page"].object_list}


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("cert_admin", BOTH),
        ("cert_analyst", BOTH),
        ("coord_member", BOTH),
        ("auditor", BOTH),
        ("constituent_admin", {"Test Hospital"}),
        ("constituent_reporter", {"Test Hospital"}),
        ("other_reporter", {"Other Hospital"}),
        ("outsider", set()),
    ],
)
def test_each_persona_sees_only_constituents_in_scope(client, personas, persona, expected):
    login(client, personas.by_name(persona))
    assert listed(client) == expected


def test_anonymous_is_sent_to_sign_in(client, db):
    assert client.get(reverse("constituents:list")).status_code == 302


def test_filters(client, personas):
    clinic = Organization.objects.create(
        name="Klinik Jaya", kind="constituent", constituent_type="clinic"
    )
    ConstituentProfile.objects.create(
        organization=clinic, province="31", city="Jakarta Timur", is_vital_infrastructure=True
    )
    ConstituentProfile.objects.create(
        organization=personas.orgs.hospital, province="32", holds_personal_health_data=True
    )
    login(client, personas.cert_analyst)
    assert listed(client, constituent_type="clinic") == {"Klinik Jaya"}
    assert listed(client, province="31") == {"Klinik Jaya"}
    assert listed(client, q="timur") == {"Klinik Jaya"}
    assert listed(client, iiv="yes") == {"Klinik Jaya"}
    assert listed(client, iiv="no") == BOTH  # no profile counts as not designated
    assert listed(client, health_data="yes") == {"Test Hospital"}
    assert listed(client, health_data="no") == {"Klinik Jaya", "Other Hospital"}
    response = client.get(reverse("constituents:list"), {"province": "99"})
    assert response.context["filters"].errors["province"]


def test_the_list_takes_a_constant_number_of_queries(
    client, personas, django_assert_max_num_queries
):
    login(client, personas.cert_admin)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("constituents:list"))
    for number in range(30):
        org = Organization.objects.create(
            name=f"Puskesmas {number:02d}", kind="constituent", constituent_type="clinic"
        )
        if number % 2:
            ConstituentProfile.objects.create(organization=org, province="35", city="Surabaya")
    with django_assert_max_num_queries(len(few)):
        response = client.get(reverse("constituents:list"))
    assert len(response.context["page"].object_list) == 25
    assert "Jawa Timur" in response.content.decode()


def test_the_detail_page_works_without_a_profile_and_audits_the_contact_list(client, personas):
    hospital = personas.orgs.hospital
    Contact.objects.create(organization=hospital, name="Sari", role="it_lead", email="sari@h.test")
    login(client, personas.coord_member)
    response = client.get(reverse("constituents:detail", args=[hospital.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "No profile yet." in page
    assert "sari@h.test" in page
    entry = AuditEntry.objects.get(
        action="view", object_type="organizations.organization", object_id=str(hospital.pk)
    )
    assert entry.actor_id == personas.coord_member.pk
    assert entry.changes["count"] == 1
    assert "Edit profile" not in page


@pytest.mark.parametrize(
    ("persona", "status"),
    [("constituent_reporter", 200), ("other_reporter", 404), ("outsider", 404), ("auditor", 200)],
)
def test_the_detail_page_is_scoped(client, personas, persona, status):
    login(client, personas.by_name(persona))
    response = client.get(reverse("constituents:detail", args=[personas.orgs.hospital.pk]))
    assert response.status_code == status


def test_a_non_constituent_has_no_registry_page(client, personas):
    login(client, personas.cert_admin)
    response = client.get(reverse("constituents:detail", args=[personas.orgs.cert.pk]))
    assert response.status_code == 404


def test_the_constituent_admin_creates_the_profile_on_first_edit(client, personas):
    hospital = personas.orgs.hospital
    login(client, personas.constituent_admin)
    url = reverse("constituents:profile-edit", args=[hospital.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "province": "31",
            "city": "Jakarta Pusat",
            "is_vital_infrastructure": "on",
            "health_records_estimate": "-5",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["health_records_estimate"]
    response = client.post(
        url,
        {
            "province": "31",
            "city": "Jakarta Pusat",
            "is_vital_infrastructure": "on",
            "health_records_estimate": "120000",
        },
    )
    assert response.status_code == 302
    profile = ConstituentProfile.objects.get(organization=hospital)
    assert (profile.province, profile.is_vital_infrastructure, profile.health_records_estimate) == (
        "31",
        True,
        120000,
    )
    assert AuditEntry.objects.filter(
        object_type="constituents.constituentprofile", action="create"
    ).exists()


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("cert_analyst", 200),
        ("constituent_reporter", 403),
        ("coord_member", 403),
        ("other_reporter", 404),
    ],
)
def test_who_may_edit_a_profile(client, personas, persona, status):
    login(client, personas.by_name(persona))
    url = reverse("constituents:profile-edit", args=[personas.orgs.hospital.pk])
    assert client.get(url).status_code == status


def test_the_profile_action_refuses_unknown_fields(personas):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        actions.check_update_profile(
            personas.cert_admin, personas.orgs.hospital, {"organization": 1}
        )


def test_the_detail_page_lists_assets_with_status_overlaps_and_actions(client, personas):
    from siaga.constituents.tests.conftest import make_asset

    hospital, other = personas.orgs.hospital, personas.orgs.other_hospital
    make_asset(hospital, "ip_range", "192.0.2.0/25")
    make_asset(other, "ip_range", "192.0.2.0/24", status="pending")
    login(client, personas.constituent_admin)
    response = client.get(reverse("constituents:detail", args=[hospital.pk]))
    page = response.content.decode()
    [asset] = response.context["assets"]
    # The hospital learns that its range overlaps, not whose range it overlaps.
    assert asset.overlap_count == 1
    assert asset.overlapping == []
    assert "Overlaps 1 other asset" in page
    assert "Other Hospital" not in page
    assert "Ask to remove" in page
    assert "Edit profile" in page
    assert "Review queue" not in page


def test_cert_staff_see_whose_asset_overlaps(client, personas):
    from siaga.constituents.tests.conftest import make_asset

    hospital, other = personas.orgs.hospital, personas.orgs.other_hospital
    make_asset(hospital, "domain", "lab.rsud.example")
    make_asset(other, "domain", "rsud.example")
    login(client, personas.cert_analyst)
    response = client.get(reverse("constituents:detail", args=[hospital.pk]))
    [asset] = response.context["assets"]
    assert [o.organization_id for o in asset.overlapping] == [other.pk]
    assert "rsud.example — Other Hospital" in response.content.decode()
