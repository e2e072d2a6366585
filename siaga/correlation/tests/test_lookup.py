"""Looking up a value: holders grouped by kind, only those the user may see; incident observables
are recorded and forgotten as analysts add, delete and merge them."""

import pytest
from django.core.exceptions import ValidationError

from siaga.correlation.actions import Occurrence, correlations_for, record_occurrences
from siaga.correlation.choices import OccurrenceKind
from siaga.correlation.models import Occurrence as StoredOccurrence
from siaga.incidents.actions.casework import (
    check_add_observable,
    check_add_pasted_observables,
    check_delete_observable,
    check_merge,
)
from siaga.intel.models import Indicator
from siaga.sharing.choices import TLP, Distribution

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_hospitals(personas, make_incident):
    """The same address in an incident of each hospital."""
    ours = make_incident("Ours", personas.orgs.hospital)
    theirs = make_incident("Theirs", personas.orgs.other_hospital)
    for incident in (ours, theirs):
        check_add_observable(personas.cert_analyst, incident, type="ip", value="198.51.100.7")
    return ours, theirs


def incidents_seen(user, type="ip", value="198.51.100.7"):
    found = correlations_for(user, type, value)
    return sorted(h.label.split(" — ")[1] for g in found.groups for h in g.holders)


def test_the_cert_sees_every_holder_grouped_by_kind(personas, two_hospitals):
    found = correlations_for(personas.cert_analyst, "ip", "198.51.100[.]7")
    assert found.value == "198.51.100.7" and found.occurrence_count == 2 and not found.capped
    assert [g.kind for g in found.groups] == [OccurrenceKind.OBSERVABLE]
    assert incidents_seen(personas.cert_analyst) == ["Ours", "Theirs"]
    ours = two_hospitals[0]
    assert f"/incidents/{ours.pk}/" in {h.url for h in found.groups[0].holders}


def test_a_hospital_does_not_learn_of_another_hospitals_incident(personas, two_hospitals):
    assert incidents_seen(personas.constituent_reporter) == ["Ours"]
    assert incidents_seen(personas.other_reporter) == ["Theirs"]
    assert incidents_seen(personas.outsider) == []
    # Nor through the networks: a network only their incident holds is not shown.
    theirs = two_hospitals[1]
    check_add_observable(personas.cert_analyst, theirs, type="cidr", value="198.51.100.0/24")
    assert correlations_for(personas.constituent_reporter, "ip", "198.51.100.7").networks == []
    seen = correlations_for(personas.other_reporter, "ip", "198.51.100.7").networks
    assert [n.value for n in seen] == ["198.51.100.0/24"]
    inside = correlations_for(personas.constituent_reporter, "cidr", "198.51.100.0/24")
    assert [a.value for a in inside.addresses] == ["198.51.100.7"]
    assert [h.label for h in inside.addresses[0].holders] == [
        f"{two_hospitals[0].reference} — Ours"
    ]
    assert incidents_seen(personas.constituent_reporter, "cidr", "198.51.100.0/24") == []


def test_networks_containing_an_address_and_addresses_inside_a_network_v6(personas, make_incident):
    incident = make_incident("IPv6", personas.orgs.hospital)
    text = "2001:db8:1::5\n2001:db8:2::9\n2001:db8::/32\n2001:db8:1::/48\n2001:db9::/32"
    check_add_pasted_observables(personas.cert_analyst, incident, text)
    networks = correlations_for(personas.cert_analyst, "ip", "2001:DB8:1:0::5").networks
    assert [n.value for n in networks] == ["2001:db8::/32", "2001:db8:1::/48"]
    inside = correlations_for(personas.cert_analyst, "cidr", "2001:db8::/32").addresses
    assert [a.value for a in inside] == ["2001:db8:1::5", "2001:db8:2::9"]


def test_indicators_are_scoped_by_their_sharing_labels(personas):
    hospital = personas.orgs.hospital
    shared = Indicator.objects.create(
        type="domain",
        value="evil.example",
        value_key="k1",
        organization=personas.orgs.cert,
        tlp=TLP.CLEAR,
        distribution=Distribution.PUBLIC,
    )
    private = Indicator.objects.create(
        type="domain",
        value="evil.example",
        value_key="k2",
        organization=hospital,
        tlp=TLP.AMBER_STRICT,
        distribution=Distribution.ORGANIZATION,
    )
    record_occurrences(
        OccurrenceKind.INDICATOR,
        [Occurrence(i.type, i.value, i.pk, i.organization_id) for i in (shared, private)],
    )

    def ids(user):
        found = correlations_for(user, "domain", "evil.example")
        return sorted(h.object_id for g in found.groups for h in g.holders)

    assert ids(personas.constituent_reporter) == sorted([shared.pk, private.pk])
    assert ids(personas.other_reporter) == [shared.pk]
    assert correlations_for(personas.other_reporter, "domain", "evil.example").occurrence_count == 2


def test_kinds_without_a_resolver_show_nothing(personas):
    record_occurrences(OccurrenceKind.FEED_EVENT, [Occurrence("md5", "b" * 32, 1)])
    found = correlations_for(personas.cert_admin, "md5", "B" * 32)
    assert found.occurrence_count == 1 and found.groups == []


def test_malformed_lookups_name_the_problem(personas):
    with pytest.raises(ValidationError) as error:
        correlations_for(personas.cert_analyst, "ip", "not an address")
    assert "value" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        correlations_for(personas.cert_analyst, "colour", "red")
    assert "type" in error.value.message_dict


def test_deleting_and_merging_forget_what_the_incident_no_longer_holds(personas, make_incident):
    analyst = personas.cert_analyst
    a = make_incident("A", personas.orgs.hospital)
    b = make_incident("B", personas.orgs.hospital)
    kept = check_add_observable(analyst, a, type="domain", value="kept.example")
    gone = check_add_observable(analyst, a, type="domain", value="gone.example")
    check_add_observable(analyst, b, type="domain", value="kept.example")
    check_add_observable(analyst, b, type="domain", value="moved.example")
    check_delete_observable(analyst, gone)
    assert correlations_for(analyst, "domain", "gone.example").occurrence_count == 0
    check_merge(analyst, b, a.pk)
    # B's kept.example stayed behind on the merged incident: only A holds it now.
    found = correlations_for(analyst, "domain", "kept.example")
    assert found.occurrence_count == 1
    assert [h.object_id for h in found.groups[0].holders] == [kept.pk]
    moved = correlations_for(analyst, "domain", "moved.example").groups[0].holders
    assert [h.label for h in moved] == [f"{a.reference} — A"]
    assert StoredOccurrence.objects.filter(kind=OccurrenceKind.OBSERVABLE).count() == 2
