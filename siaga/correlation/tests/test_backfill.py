"""``siaga correlate_backfill`` records what existed before the correlation store."""

import pytest
from django.core.management import call_command

from siaga.correlation.actions import backfill, correlations_for
from siaga.correlation.choices import OccurrenceKind
from siaga.correlation.models import Occurrence as StoredOccurrence
from siaga.incidents.models import Observable
from siaga.intel.models import Indicator
from siaga.sharing.choices import TLP, Distribution

pytestmark = pytest.mark.django_db


def test_backfill_records_observables_and_indicators_once(personas, make_incident, capsys):
    incident = make_incident("Old", personas.orgs.hospital)
    # Rows written directly, as before the store existed (and one no longer valid today).
    Observable.objects.create(incident=incident, type="ip", value="192.0.2.44")
    Observable.objects.create(incident=incident, type="ip", value="not-an-ip")
    indicator = Indicator.objects.create(
        type="ip",
        value="192.0.2.44",
        value_key="x",
        organization=personas.orgs.cert,
        tlp=TLP.CLEAR,
        distribution=Distribution.PUBLIC,
    )
    assert not StoredOccurrence.objects.exists()
    assert backfill() == {OccurrenceKind.OBSERVABLE: 1, OccurrenceKind.INDICATOR: 1}
    found = correlations_for(personas.cert_analyst, "ip", "192.0.2.44")
    assert found.occurrence_count == 2
    assert {g.kind for g in found.groups} == {OccurrenceKind.OBSERVABLE, OccurrenceKind.INDICATOR}
    assert (
        StoredOccurrence.objects.get(kind="indicator").organization_id == indicator.organization_id
    )
    call_command("correlate_backfill")  # again: nothing new
    assert "observable: 0 new" in capsys.readouterr().out
    assert correlations_for(personas.cert_analyst, "ip", "192.0.2.44").occurrence_count == 2
