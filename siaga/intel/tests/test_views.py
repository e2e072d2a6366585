"""The indicator pages: who sees what, adding, editing, deleting, sightings, bulk add."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from siaga.core.testing import login
from siaga.intel.models import Indicator, Sighting
from siaga.sharing.models import SharingGroup, SharingGroupMember

pytestmark = pytest.mark.django_db


def listed(client: Any, user: Any, **params: Any) -> set[str]:
    login(client, user)
    response = client.get(reverse("intel:indicator-list"), params)
    assert response.status_code == 200
    return {indicator.value for indicator in response.context["page"].object_list}


def test_hospital_amber_stays_in_the_hospital(
    client: Any, personas: Any, make_indicator: Any
) -> None:
    own = make_indicator(
        "203.0.113.50", organization=personas.orgs.hospital, created_by=personas.constituent_admin
    )
    assert listed(client, personas.constituent_reporter) == {"203.0.113.50"}
    assert listed(client, personas.other_reporter) == set()
    assert listed(client, personas.cert_analyst) == set()  # AMBER, own organization only
    login(client, personas.other_reporter)
    detail = reverse("intel:indicator-detail", args=[own.pk])
    assert client.get(detail).status_code == 404


def test_green_to_constituents_is_seen_by_members_only(
    client: Any, personas: Any, make_indicator: Any
) -> None:
    make_indicator("evil.example", "domain", tlp="green", distribution="constituents")
    assert listed(client, personas.other_reporter) == {"evil.example"}
    assert listed(client, personas.coord_member) == {"evil.example"}
    assert listed(client, personas.outsider) == set()


def test_red_only_to_named_recipients(client: Any, personas: Any, make_indicator: Any) -> None:
    red = make_indicator(
        "192.0.2.66",
        tlp="red",
        created_by=personas.cert_analyst,
        recipients=[personas.coord_member],
    )
    assert listed(client, personas.cert_analyst) == {"192.0.2.66"}
    assert listed(client, personas.coord_member) == {"192.0.2.66"}
    assert listed(client, personas.cert_lead) == set()  # same organization, not named
    login(client, personas.coord_member)
    response = client.get(reverse("intel:indicator-detail", args=[red.pk]))
    assert b"TLP:RED" in response.content


def test_sharing_group_members_see_it(client: Any, personas: Any, make_indicator: Any) -> None:
    group = SharingGroup.objects.create(name="Hospitals", owner=personas.orgs.cert)
    SharingGroupMember.objects.create(sharing_group=group, organization=personas.orgs.hospital)
    make_indicator("192.0.2.70", distribution="sharing_group", sharing_group=group)
    assert listed(client, personas.constituent_reporter) == {"192.0.2.70"}
    assert listed(client, personas.other_reporter) == set()


def test_list_filters(client: Any, personas: Any, make_indicator: Any) -> None:
    make_indicator("192.0.2.1", tags=["botnet"], tlp="green", distribution="constituents")
    make_indicator("evil.example", "domain", attack_techniques=["T1566"])
    user = personas.cert_analyst
    assert listed(client, user, type="domain") == {"evil.example"}
    assert listed(client, user, value="evil[.]EXAMPLE") == {"evil.example"}
    assert listed(client, user, value="evil", value_match="contains") == {"evil.example"}
    assert listed(client, user, tag="botnet") == {"192.0.2.1"}
    assert listed(client, user, technique="t1566") == {"evil.example"}
    assert listed(client, user, tlp="green") == {"192.0.2.1"}
    assert listed(client, user, on_warninglist="yes") == set()
    assert listed(client, user, alerting="yes") == {"192.0.2.1", "evil.example"}
    assert listed(client, user, active="on") == {"192.0.2.1", "evil.example"}


def test_list_query_count_does_not_grow(
    client: Any, personas: Any, make_indicator: Any, django_assert_max_num_queries: Any
) -> None:
    for i in range(30):
        make_indicator(f"192.0.2.{i}", tlp="green", distribution="constituents")
    login(client, personas.other_reporter)
    client.get(reverse("intel:indicator-list"))
    with django_assert_max_num_queries(15):
        client.get(reverse("intel:indicator-list"))


def test_add_an_indicator(client: Any, personas: Any) -> None:
    login(client, personas.constituent_admin)
    response = client.post(
        reverse("intel:indicator-create"),
        {
            "type": "url",
            "value": "hxxps://phish[.]example/login",
            "tlp": "amber",
            "distribution": "organization",
            "confidence": 70,
            "tags": "phishing, credential",
        },
    )
    indicator = Indicator.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("intel:indicator-detail", args=[indicator.pk])
    assert indicator.value == "https://phish.example/login"
    assert indicator.organization == personas.orgs.hospital
    assert indicator.tags == ["phishing", "credential"]
    assert indicator.created_by == personas.constituent_admin


def test_add_form_names_the_bad_field(client: Any, personas: Any) -> None:
    login(client, personas.cert_analyst)
    response = client.post(
        reverse("intel:indicator-create"),
        {
            "type": "ip",
            "value": "999.1.1.1",
            "tlp": "amber",
            "distribution": "public",
            "confidence": 50,
        },
    )
    assert response.status_code == 200
    assert "distribution" in response.context["form"].errors
    response = client.post(
        reverse("intel:indicator-create"),
        {
            "type": "ip",
            "value": "999.1.1.1",
            "tlp": "amber",
            "distribution": "organization",
            "confidence": 50,
        },
    )
    assert "IPv4 or IPv6" in str(response.context["form"].errors["value"])
    assert not Indicator.objects.exists()


def test_reporter_may_not_add(client: Any, personas: Any) -> None:
    login(client, personas.constituent_reporter)
    assert client.get(reverse("intel:indicator-create")).status_code == 403


def test_edit_and_delete(client: Any, personas: Any, make_indicator: Any) -> None:
    indicator = make_indicator("192.0.2.5", tlp="green", distribution="constituents")
    login(client, personas.other_reporter)  # sees it, may not change it
    assert client.get(reverse("intel:indicator-edit", args=[indicator.pk])).status_code == 403
    assert client.post(reverse("intel:indicator-delete", args=[indicator.pk])).status_code == 403
    login(client, personas.cert_lead)
    response = client.post(
        reverse("intel:indicator-edit", args=[indicator.pk]),
        {
            "confidence": 90,
            "first_seen": "2026-11-01T10:00",
            "last_seen": "2026-11-02T10:00",
            "tlp": "clear",
            "distribution": "public",
            "tags": "scanner",
            "alerting": "on",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    indicator.refresh_from_db()
    assert (indicator.confidence, indicator.tlp, indicator.tags) == (90, "clear", ["scanner"])
    assert client.post(reverse("intel:indicator-delete", args=[indicator.pk])).status_code == 302
    assert not Indicator.objects.exists()


def test_sighting_bumps_the_indicator(client: Any, personas: Any, make_indicator: Any) -> None:
    indicator = make_indicator("192.0.2.9", tlp="green", distribution="constituents")
    login(client, personas.other_reporter)
    url = reverse("intel:sighting-create", args=[indicator.pk])
    assert client.post(url, {"count": 3, "where": "firewall"}).status_code == 302
    sighting = Sighting.objects.get()
    assert sighting.organization == personas.orgs.other_hospital
    assert (sighting.tlp, sighting.distribution) == ("green", "constituents")
    indicator.refresh_from_db()
    assert indicator.sighting_count == 1 and indicator.alerting
    # Only the source organization may turn alerting off.
    client.post(url, {"count": 1, "is_false_positive": "on", "disable_alerting": "on"})
    indicator.refresh_from_db()
    assert indicator.alerting and indicator.false_positive_count == 0
    login(client, personas.cert_analyst)
    client.post(url, {"count": 1, "is_false_positive": "on", "disable_alerting": "on"})
    indicator.refresh_from_db()
    assert not indicator.alerting and indicator.false_positive_count == 1
    response = client.get(reverse("intel:indicator-detail", args=[indicator.pk]))
    assert b"firewall" in response.content


def test_bulk_add_names_each_problem_line(client: Any, personas: Any) -> None:
    login(client, personas.cert_analyst)
    values = (
        "192.0.2.1\n\nevil[.]example\nnot a value at all\n" + "d41d8cd98f00b204e9800998ecf8427e\n"
    )
    response = client.post(
        reverse("intel:bulk-add"),
        {"values": values, "tlp": "green", "distribution": "constituents", "confidence": 60},
    )
    assert response.status_code == 200
    assert response.context["result"].created == 3
    problems = response.context["problems"]
    assert [(p.line, p.value) for p in problems] == [(4, "not a value at all")]
    assert b"not a value at all" in response.content
    assert set(Indicator.objects.values_list("type", flat=True)) == {"ip", "domain", "md5"}


def test_bulk_add_with_a_chosen_type_reports_bad_lines(client: Any, personas: Any) -> None:
    login(client, personas.cert_analyst)
    response = client.post(
        reverse("intel:bulk-add"),
        {
            "values": "192.0.2.1\nevil.example",
            "type": "ip",
            "tlp": "amber",
            "distribution": "organization",
            "confidence": 60,
        },
    )
    (problem,) = response.context["problems"]
    assert problem.line == 2 and "IPv4" in problem.message


def test_a_sighting_shared_wider_than_its_indicator_does_not_reveal_it(
    personas: Any,
) -> None:
    from siaga.core.observables import value_key
    from siaga.intel.models import Indicator, Sighting
    from siaga.sharing.choices import TLP, Distribution

    hidden = Indicator.objects.create(
        type="domain",
        value="hidden.example",
        value_key=value_key("domain", "hidden.example"),
        tlp=TLP.AMBER,
        distribution=Distribution.ORGANIZATION,
        organization=personas.orgs.hospital,
    )
    # Written around the actions, as a careless importer might: a community-wide sighting.
    Sighting.objects.create(
        indicator=hidden,
        organization=personas.orgs.hospital,
        tlp=TLP.GREEN,
        distribution=Distribution.CONSTITUENTS,
    )
    assert Sighting.objects.restrict(personas.constituent_reporter, "view").count() == 1
    assert not Sighting.objects.restrict(personas.other_reporter, "view").exists()
    assert not Sighting.objects.restrict(personas.cert_analyst, "view").exists()
