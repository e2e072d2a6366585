"""The organization list: each persona sees the organizations in their scope, filtered and paged."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from siaga.accounts.roles import Role
from siaga.core.testing import login, make_user
from siaga.organizations.choices import ConstituentType, OrganizationKind
from siaga.organizations.models import Organization

ALL = {"Test CERT", "Test Agency", "Test Hospital", "Other Hospital"}


def listed(client, **params) -> set[str]:
    response = client.get(reverse("organizations:list"), params)
    assert response.status_code == 200
    return {org.name for org in response.context["page"].object_list}


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("cert_admin", ALL),
        ("cert_lead", ALL),
        ("cert_analyst", ALL),
        ("coord_member", ALL),
        ("auditor", ALL),
        ("constituent_admin", {"Test Hospital"}),
        ("constituent_reporter", {"Test Hospital"}),
        ("other_reporter", {"Other Hospital"}),
        ("outsider", set()),
    ],
)
def test_each_persona_sees_only_its_scope(client, personas, persona, expected):
    login(client, personas.by_name(persona))
    assert listed(client) == expected


def test_anonymous_is_sent_to_sign_in(client, db):
    response = client.get(reverse("organizations:list"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_filters_by_kind_type_text_and_status(client, personas):
    Organization.objects.create(
        name="Klinik Pratama",
        kind=OrganizationKind.CONSTITUENT,
        constituent_type=ConstituentType.CLINIC,
        is_active=False,
    )
    login(client, personas.cert_analyst)
    assert listed(client, kind="cert") == {"Test CERT"}
    assert listed(client, constituent_type="clinic") == {"Klinik Pratama"}
    assert listed(client, q="other") == {"Other Hospital"}
    assert listed(client, active="no") == {"Klinik Pratama"}
    assert "Klinik Pratama" not in listed(client, active="yes")


def test_bad_filter_value_is_reported_not_fatal(client, personas):
    login(client, personas.cert_analyst)
    response = client.get(reverse("organizations:list"), {"kind": "spaceship"})
    assert response.status_code == 200
    assert response.context["filters"].errors["kind"]


def test_member_counts_come_from_one_query(client, personas, django_assert_max_num_queries):
    login(client, personas.cert_admin)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("organizations:list"))
    for number in range(30):
        org = Organization.objects.create(
            name=f"Puskesmas {number:02d}",
            kind=OrganizationKind.CONSTITUENT,
            constituent_type=ConstituentType.CLINIC,
        )
        make_user(f"staff{number}@pkm.test", org, Role.CONSTITUENT_REPORTER)
    with django_assert_max_num_queries(len(few)):
        response = client.get(reverse("organizations:list"))
    rows = {org.name: org.member_count for org in response.context["page"].object_list}
    assert rows["Puskesmas 00"] == 1
    assert rows["Other Hospital"] == 1


def test_pages_of_twenty_five(client, personas):
    for number in range(30):
        Organization.objects.create(name=f"Lab {number:02d}", kind=OrganizationKind.MEMBER_AGENCY)
    login(client, personas.cert_admin)
    first = client.get(reverse("organizations:list"))
    assert len(first.context["page"].object_list) == 25
    assert 'rel="next"' in first.content.decode()
    second = client.get(reverse("organizations:list"), {"page": 2})
    assert len(second.context["page"].object_list) == 34 - 25
