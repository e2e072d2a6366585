"""RSIT classes and types, IntelMQ spellings, health tags."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from siaga.incidents.taxonomy import (
    RSIT_TYPES_BY_CLASS,
    HealthTag,
    RsitClass,
    RsitType,
    class_of_type,
    normalize_classification,
    validate_classification,
    validate_health_tags,
)


def test_every_class_has_types_and_every_type_one_class():
    assert set(RSIT_TYPES_BY_CLASS) == set(RsitClass.values)
    listed = [t for types in RSIT_TYPES_BY_CLASS.values() for t in types]
    assert sorted(listed) == sorted(RsitType.values)
    assert len(listed) == len(set(listed))
    assert class_of_type("ddos") == "availability"


def test_a_valid_pair_and_an_empty_pair_pass():
    validate_classification("intrusions", "system-compromise")
    validate_classification("", "")


@pytest.mark.parametrize(
    ("rsit_class", "rsit_type", "field"),
    [
        ("intrusions", "phishing", "rsit_type"),
        ("spaceship", "spam", "rsit_class"),
        ("fraud", "", "rsit_type"),
        ("", "phishing", "rsit_class"),
    ],
)
def test_a_wrong_pair_names_the_field(rsit_class, rsit_type, field):
    with pytest.raises(ValidationError) as caught:
        validate_classification(rsit_class, rsit_type)
    assert field in caught.value.message_dict


def test_intelmq_spellings_are_mapped():
    assert normalize_classification("fraud", "unauthorized-use-of-resources") == (
        "fraud",
        "unauthorised-use-of-resources",
    )
    assert normalize_classification("other", "malware") == ("malicious-code", "infected-system")
    for extra in ("blacklist", "dga-domain", "malware", "proxy", "tor"):
        validate_classification(*normalize_classification("other", extra))
    assert normalize_classification(" Fraud ", "PHISHING") == ("fraud", "phishing")


@given(st.text(max_size=60), st.text(max_size=60))
def test_outside_classifications_either_validate_or_fail_cleanly(rsit_class, rsit_type):
    normalized = normalize_classification(rsit_class, rsit_type)
    is_pair = normalized == ("", "") or (
        normalized[0] in RSIT_TYPES_BY_CLASS and normalized[1] in RSIT_TYPES_BY_CLASS[normalized[0]]
    )
    if is_pair:
        validate_classification(*normalized)
    else:
        with pytest.raises(ValidationError) as caught:
            validate_classification(*normalized)
        assert set(caught.value.message_dict) <= {"rsit_class", "rsit_type"}


def test_health_tags_are_checked_and_deduplicated():
    assert validate_health_tags(["ransomware", "medical_device", "ransomware"]) == [
        "medical_device",
        "ransomware",
    ]
    assert HealthTag.SATUSEHAT_SIMRS_INTEGRATION.label == "SATUSEHAT / SIMRS integration"
    for bad in (["dragons"], "ransomware", [1]):
        with pytest.raises(ValidationError):
            validate_health_tags(bad)


@given(st.lists(st.one_of(st.text(max_size=30), st.integers(), st.none()), max_size=6))
def test_any_tag_list_is_accepted_only_if_all_tags_are_known(tags):
    try:
        result = validate_health_tags(tags)
    except ValidationError:
        assert not all(isinstance(t, str) and t in HealthTag.values for t in tags)
    else:
        assert set(result) == set(tags) <= set(HealthTag.values)
