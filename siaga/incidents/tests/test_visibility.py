"""Who sees which incidents and reports; TLP:RED stays with the named organizations."""

import pytest

from siaga.incidents.models import Incident, Report

ALL = ("cert_admin", "cert_lead", "cert_analyst", "auditor")


def visible(user):
    return set(Incident.objects.restrict(user, "view").values_list("title", flat=True))


def test_incidents_per_persona(personas, make_incident):
    orgs = personas.orgs
    make_incident(title="hospital", affected_constituents=[orgs.hospital])
    make_incident(title="other", affected_constituents=[orgs.other_hospital])
    make_incident(title="shared", shared_with=[orgs.agency, orgs.hospital])
    make_incident(title="internal")
    everything = {"hospital", "other", "shared", "internal"}
    for name in ALL:
        assert visible(personas.by_name(name)) == everything, name
    assert visible(personas.constituent_reporter) == {"hospital", "shared"}
    assert visible(personas.constituent_admin) == {"hospital", "shared"}
    assert visible(personas.other_reporter) == {"other"}
    assert visible(personas.coord_member) == {"shared"}
    assert visible(personas.outsider) == set()


def test_an_incident_naming_an_org_twice_is_one_row(personas, make_incident):
    hospital = personas.orgs.hospital
    make_incident(affected_constituents=[hospital], shared_with=[hospital])
    assert Incident.objects.restrict(personas.constituent_reporter, "view").count() == 1


def test_tlp_red_is_seen_only_by_the_named_organizations(personas, make_incident):
    orgs = personas.orgs
    make_incident(title="red", tlp="red", affected_constituents=[orgs.hospital])
    assert "red" in visible(personas.constituent_reporter)
    assert "red" in visible(personas.cert_analyst)
    assert "red" not in visible(personas.other_reporter)
    assert "red" not in visible(personas.coord_member)


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("cert_analyst", {"mine", "theirs", "public"}),
        ("auditor", {"mine", "theirs", "public"}),
        ("constituent_admin", {"mine"}),
        ("constituent_reporter", {"mine"}),
        ("other_reporter", {"theirs"}),
        ("coord_member", set()),
        ("outsider", set()),
    ],
)
def test_reports_per_persona(personas, make_report, persona, expected):
    make_report(title="mine")
    make_report(personas.other_reporter, title="theirs")
    Report.objects.create(tracking_id="X-1", channel="public", title="public", description="d")
    user = personas.by_name(persona)
    assert set(Report.objects.restrict(user, "view").values_list("title", flat=True)) == expected
