"""do_upsert_indicators: normalization, merging, chunking, problems."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from siaga.audit.models import AuditEntry
from siaga.core.observables import value_key
from siaga.intel import actions
from siaga.intel.actions import IndicatorInput, do_upsert_indicators
from siaga.intel.models import Indicator
from siaga.sharing.choices import TLP, Distribution

pytestmark = pytest.mark.django_db


def upsert(org: Any, inputs: list[IndicatorInput], **kwargs: Any) -> actions.UpsertResult:
    kwargs.setdefault("tlp", TLP.GREEN)
    kwargs.setdefault("distribution", Distribution.CONSTITUENTS)
    kwargs.setdefault("source_kind", "feed")
    return do_upsert_indicators(inputs, organization=org, **kwargs)


def test_values_are_stored_in_canonical_form(orgs: Any) -> None:
    result = upsert(
        orgs.cert,
        [
            IndicatorInput("url", "hxxp://Evil[.]Example:80/a"),
            IndicatorInput("domain", "Bad.EXAMPLE."),
            IndicatorInput("sha256", "A" * 64),
        ],
    )
    assert (result.created, result.updated, result.problems) == (3, 0, [])
    values = set(Indicator.objects.values_list("value", flat=True))
    assert values == {"http://evil.example/a", "bad.example", "a" * 64}
    url = Indicator.objects.get(type="url")
    assert url.value_key == value_key("url", "http://evil.example/a")
    assert url.tlp == TLP.GREEN and url.organization == orgs.cert and url.source_kind == "feed"


def test_upsert_is_idempotent_and_merges(orgs: Any) -> None:
    now = timezone.now()
    first = IndicatorInput(
        "ip",
        "192.0.2.10",
        first_seen=now - timedelta(days=5),
        last_seen=now - timedelta(days=4),
        confidence=40,
        tags=["botnet"],
    )
    upsert(orgs.cert, [first])
    again = upsert(orgs.cert, [first])
    assert (again.created, again.updated) == (0, 1)
    later = IndicatorInput(
        "ip",
        "192.0.2.10",
        first_seen=now - timedelta(days=9),
        last_seen=now - timedelta(days=1),
        confidence=70,
        tags=["botnet", "c2"],
        attack_techniques=["t1071"],
    )
    upsert(orgs.cert, [later])
    indicator = Indicator.objects.get()
    assert indicator.first_seen == now - timedelta(days=9)
    assert indicator.last_seen == now - timedelta(days=1)
    assert indicator.confidence == 70
    assert indicator.tags == ["botnet", "c2"]
    assert indicator.attack_techniques == ["T1071"]
    # A lower confidence does not lower it.
    upsert(orgs.cert, [IndicatorInput("ip", "192.0.2.10", confidence=10)])
    assert Indicator.objects.get().confidence == 70


def test_known_indicator_keeps_its_labels(orgs: Any) -> None:
    upsert(
        orgs.cert, [IndicatorInput("ip", "192.0.2.11")], tlp=TLP.AMBER, distribution="organization"
    )
    upsert(orgs.cert, [IndicatorInput("ip", "192.0.2.11")], tlp=TLP.CLEAR, distribution="public")
    assert Indicator.objects.get().tlp == TLP.AMBER


def test_same_value_twice_in_one_call_is_one_indicator(orgs: Any) -> None:
    result = upsert(
        orgs.cert,
        [
            IndicatorInput("domain", "a.example", tags=["x"]),
            IndicatorInput("domain", "A.example.", tags=["y"]),
        ],
    )
    assert result.created == 1
    assert result.ids[0] == result.ids[1]
    assert Indicator.objects.get().tags == ["x", "y"]


def test_each_organization_has_its_own_indicator(orgs: Any) -> None:
    upsert(orgs.cert, [IndicatorInput("ip", "192.0.2.12")])
    upsert(orgs.hospital, [IndicatorInput("ip", "192.0.2.12")])
    assert Indicator.objects.count() == 2


def test_invalid_rows_are_reported_and_valid_rows_saved(orgs: Any) -> None:
    now = timezone.now()
    result = upsert(
        orgs.cert,
        [
            IndicatorInput("ip", "192.0.2.1"),
            IndicatorInput("ip", "not an ip"),
            IndicatorInput("colour", "red"),
            IndicatorInput("md5", "abc"),
            IndicatorInput("domain", "ok.example", confidence=101),
            IndicatorInput("domain", "ok2.example", attack_techniques=["phishing"]),
            IndicatorInput(
                "domain", "ok3.example", first_seen=now, last_seen=now - timedelta(days=1)
            ),
            IndicatorInput("domain", "ok4.example", description="a\x00b"),
            IndicatorInput("domain", "fine.example"),
        ],
    )
    assert result.created == 2
    indexes = [index for index, _message in result.problems]
    assert indexes == [1, 2, 3, 4, 5, 6, 7]
    messages = dict(result.problems)
    assert "IPv4 or IPv6" in messages[1]
    assert "Unknown observable type colour" in messages[2]
    assert "32 hexadecimal" in messages[3]
    assert "0 to 100" in messages[4]
    assert "phishing" in messages[5]
    assert "after last seen" in messages[6]
    assert "NUL" in messages[7]


def test_chunks_cross_the_chunk_size_with_one_select_each(
    orgs: Any, django_assert_max_num_queries: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(actions, "CHUNK_SIZE", 10)
    inputs = [IndicatorInput("ip", f"10.0.{i // 256}.{i % 256}") for i in range(35)]
    result = upsert(orgs.cert, inputs)
    assert result.created == 35 and Indicator.objects.count() == 35
    # Four chunks: SELECT + INSERT each, plus the transaction and the audit entry.
    with django_assert_max_num_queries(4 * 3 + 8):
        again = upsert(orgs.cert, inputs)
    assert again.updated == 35


def test_a_bulk_upsert_records_one_audit_entry(orgs: Any) -> None:
    before = AuditEntry.objects.count()
    upsert(orgs.cert, [IndicatorInput("ip", f"192.0.2.{i}") for i in range(1, 20)])
    entries = AuditEntry.objects.order_by("-seq")[: AuditEntry.objects.count() - before]
    assert len(entries) == 1
    assert entries[0].changes["created"] == 19


def test_contradicting_labels_are_refused(orgs: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        upsert(orgs.cert, [IndicatorInput("ip", "192.0.2.1")], tlp=TLP.AMBER, distribution="public")
    assert "distribution" in caught.value.message_dict
    assert not Indicator.objects.exists()


def test_warninglist_hits_keep_values_out_of_alerting(orgs: Any) -> None:
    def fake(pairs: list[tuple[str, str]]) -> list[list[str]]:
        return [["Top domains"] if value == "google.com" else [] for _kind, value in pairs]

    with mock.patch.object(actions, "warninglist_hits", fake):
        upsert(
            orgs.cert,
            [IndicatorInput("domain", "google.com"), IndicatorInput("domain", "x.example")],
        )
    listed = Indicator.objects.get(value="google.com")
    assert listed.warninglists == ["Top domains"] and listed.alerting is False
    assert Indicator.objects.get(value="x.example").alerting is True


def test_correlation_is_told_of_new_indicators(orgs: Any) -> None:
    with mock.patch.object(actions, "record_correlation") as record:
        upsert(orgs.cert, [IndicatorInput("ip", "192.0.2.99")])
    (saved,) = record.call_args.args[0]
    assert saved.value == "192.0.2.99" and saved.pk is not None
