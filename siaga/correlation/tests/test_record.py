"""Recording and forgetting occurrences: idempotency, the per-value cap, the counts."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siaga.core.observables import ObservableType, value_key
from siaga.correlation.actions import (
    Occurrence,
    forget_occurrences,
    max_per_value,
    occurrences_of,
    record_occurrences,
)
from siaga.correlation.choices import OccurrenceKind
from siaga.correlation.models import CorrelatedValue
from siaga.correlation.models import Occurrence as StoredOccurrence

pytestmark = pytest.mark.django_db
IND = OccurrenceKind.INDICATOR


def summary(type, value):
    return CorrelatedValue.objects.get(value_key=value_key(type, value))


def test_values_are_stored_canonical_with_their_range_and_owner():
    stored = record_occurrences(
        IND,
        [
            Occurrence("ip", "192.0.2[.]1", 1, organization_id=7),
            Occurrence("domain", "EVIL.example.", 1),
            Occurrence("cidr", "2001:db8::/32", 2),
        ],
    )
    assert stored == 3
    ip = StoredOccurrence.objects.get(type="ip")
    assert (ip.value, ip.organization_id, ip.kind) == ("192.0.2.1", 7, IND)
    assert ip.range_start == ip.range_end == "00000000000000000000ffffc0000201"
    network = StoredOccurrence.objects.get(type="cidr")
    assert network.range_start == "20010db8000000000000000000000000"
    assert network.range_end == "20010db8ffffffffffffffffffffffff"
    domain = StoredOccurrence.objects.get(type="domain")
    assert domain.value == "evil.example" and domain.range_start is None
    assert domain.value_key == value_key("domain", "evil.example")


def test_the_same_holder_and_value_twice_is_one_occurrence():
    items = [Occurrence("ip", "192.0.2.1", 1), Occurrence("ip", "192.0.2.1", 1)]
    assert record_occurrences(IND, items) == 1
    assert record_occurrences(IND, items) == 0
    assert record_occurrences(OccurrenceKind.OBSERVABLE, items) == 1  # another kind of holder
    assert StoredOccurrence.objects.count() == 2
    assert summary("ip", "192.0.2.1").occurrence_count == 2


def test_beyond_the_cap_occurrences_are_counted_not_stored(small_cap):
    assert max_per_value() == 3
    first = [Occurrence("domain", "common.example", pk) for pk in range(1, 3)]
    assert record_occurrences(IND, first) == 2
    more = [Occurrence("domain", "common.example", pk) for pk in range(3, 8)]
    assert record_occurrences(IND, more) == 1  # only one place left
    value = summary("domain", "common.example")
    assert (value.occurrence_count, value.stored_count, value.capped) == (7, 3, True)
    assert [pk for _kind, pk in occurrences_of(value.value_key, 10)] == [1, 2, 3]
    # The values under the cap are not affected by the common one.
    assert record_occurrences(IND, [Occurrence("domain", "rare.example", 1)]) == 1
    assert not summary("domain", "rare.example").capped


def test_the_cap_holds_within_one_batch(small_cap):
    items = [Occurrence("md5", "a" * 32, pk) for pk in range(10)]
    assert record_occurrences(IND, items) == 3
    value = summary("md5", "a" * 32)
    assert (value.occurrence_count, value.stored_count, value.capped) == (10, 3, True)


def test_forgetting_lowers_the_counts_and_drops_values_no_one_holds(small_cap):
    record_occurrences(IND, [Occurrence("ip", "192.0.2.1", pk) for pk in range(1, 6)])
    record_occurrences(IND, [Occurrence("ip", "192.0.2.9", 1)])
    assert forget_occurrences(IND, [1, 2]) == 3  # 1 held both values
    value = summary("ip", "192.0.2.1")
    assert (value.occurrence_count, value.stored_count, value.capped) == (3, 1, True)
    assert not CorrelatedValue.objects.filter(value_key=value_key("ip", "192.0.2.9")).exists()
    assert forget_occurrences(IND, [99]) == 0
    # A freed place is used by the next new holder.
    assert record_occurrences(IND, [Occurrence("ip", "192.0.2.1", 6)]) == 1


def test_a_bad_value_records_nothing_and_says_which():
    items = [Occurrence("ip", "192.0.2.1", 1), Occurrence("ip", "999.0.0.1", 2)]
    with pytest.raises(ValidationError) as error:
        record_occurrences(IND, items)
    assert "999.0.0.1" in error.value.messages[0]
    assert not StoredOccurrence.objects.exists() and not CorrelatedValue.objects.exists()
    with pytest.raises(ValidationError):
        record_occurrences("event", [Occurrence("ip", "192.0.2.1", 1)])
    with pytest.raises(ValidationError):
        forget_occurrences("event", [1])


def test_a_bad_cap_setting_is_a_clear_error(settings):
    settings.SIAGA_CORRELATION_MAX_PER_VALUE = 0
    with pytest.raises(ValueError, match="SIAGA_CORRELATION_MAX_PER_VALUE"):
        record_occurrences(IND, [Occurrence("ip", "192.0.2.1", 1)])


def test_long_values_are_kept_whole_in_the_key_and_cut_for_display():
    url = "https://example.org/" + "a" * 1500
    record_occurrences(IND, [Occurrence("url", url, 1)])
    row = StoredOccurrence.objects.get()
    assert len(row.value) == 512 and row.value_key == value_key("url", url)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kind=st.sampled_from(ObservableType.values),
    value=st.text(max_size=80),
    object_id=st.integers(min_value=1, max_value=2**62),
)
def test_any_input_is_stored_or_refused_clearly(kind, value, object_id):
    try:
        stored = record_occurrences(IND, [Occurrence(kind, value, object_id)])
    except ValidationError as error:
        messages = error.messages
    else:
        assert stored in (0, 1)
        return
    assert messages and messages[0].startswith("Cannot correlate")
