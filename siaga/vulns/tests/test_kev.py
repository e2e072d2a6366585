"""The CISA KEV catalog import: the real catalog, repeats, changes, delisting and bad documents."""

from __future__ import annotations

import json
import time
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siaga.vulns.choices import ImportSource, KnownRansomware
from siaga.vulns.importers.kev import import_kev
from siaga.vulns.models import Vulnerability
from siaga.vulns.tests.conftest import KEV_FILE, kev_catalog, kev_record, needs_shared

pytestmark = pytest.mark.django_db


@needs_shared
def test_the_real_catalog_imports_whole_and_a_second_import_changes_nothing() -> None:
    document = json.loads(KEV_FILE.read_bytes())
    started = time.perf_counter()
    first = import_kev(KEV_FILE)
    seconds = time.perf_counter() - started

    assert first.ok, first.errors
    assert (first.created, first.updated, first.skipped) == (document["count"], 0, 0)
    assert Vulnerability.objects.filter(in_kev=True).count() == document["count"]
    assert seconds < 5, f"the KEV catalog took {seconds:.1f} s"
    sample = document["vulnerabilities"][0]
    row = Vulnerability.objects.get(cve_id=sample["cveID"])
    assert row.kev_vendor_project == sample["vendorProject"]
    assert row.kev_due_date == date.fromisoformat(sample["dueDate"])
    assert row.kev_known_ransomware == sample["knownRansomwareCampaignUse"].lower()
    assert row.cwe_ids == sample["cwes"]
    assert row.title == sample["vulnerabilityName"]
    assert row.last_source == ImportSource.KEV
    known = sum(r["knownRansomwareCampaignUse"] == "Known" for r in document["vulnerabilities"])
    assert Vulnerability.objects.filter(kev_known_ransomware=KnownRansomware.KNOWN).count() == known

    stamps = dict(Vulnerability.objects.values_list("cve_id", "updated_at"))
    second = import_kev(KEV_FILE)
    assert (second.created, second.updated, second.unchanged) == (0, 0, document["count"])
    assert second.delisted == 0
    assert dict(Vulnerability.objects.values_list("cve_id", "updated_at")) == stamps


def test_a_changed_record_updates_only_that_vulnerability() -> None:
    one, two = kev_record("CVE-2024-0001"), kev_record("CVE-2024-0002")
    import_kev(kev_catalog(one, two))
    changed = dict(two, dueDate="2025-02-28", knownRansomwareCampaignUse="Known")

    result = import_kev(kev_catalog(one, changed))

    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    row = Vulnerability.objects.get(cve_id="CVE-2024-0002")
    assert row.kev_due_date == date(2025, 2, 28)
    assert row.kev_known_ransomware == KnownRansomware.KNOWN


def test_kev_words_do_not_overwrite_what_the_cve_record_said() -> None:
    Vulnerability.objects.create(
        cve_id="CVE-2024-0001", title="From the CVE record", description="CNA text"
    )
    result = import_kev(kev_catalog(kev_record("CVE-2024-0001")))
    row = Vulnerability.objects.get(cve_id="CVE-2024-0001")
    assert result.updated == 1
    assert (row.title, row.description, row.in_kev) == ("From the CVE record", "CNA text", True)
    assert row.cwe_ids == ["CWE-78"]  # it was empty


def test_a_vulnerability_that_left_the_catalog_is_no_longer_in_kev() -> None:
    import_kev(kev_catalog(kev_record("CVE-2024-0001"), kev_record("CVE-2024-0002")))

    result = import_kev(kev_catalog(kev_record("CVE-2024-0001")))

    assert (result.delisted, result.unchanged) == (1, 1)
    gone = Vulnerability.objects.get(cve_id="CVE-2024-0002")
    assert not gone.in_kev
    assert gone.kev_date_added == date(2025, 1, 10)  # kept as history
    assert import_kev(kev_catalog(kev_record("CVE-2024-0001"))).delisted == 0


def test_a_record_with_a_bad_field_is_skipped_named_and_still_counts_as_listed() -> None:
    import_kev(kev_catalog(kev_record("CVE-2024-0001"), kev_record("CVE-2024-0002")))
    bad = kev_record("CVE-2024-0002", dueDate="2025-13-40")
    worse = kev_record("CVE-2024-0003", knownRansomwareCampaignUse="Maybe")
    del worse["product"]

    result = import_kev(kev_catalog(kev_record("CVE-2024-0001"), bad, worse))

    assert result.ok
    assert (result.skipped, result.unchanged, result.delisted) == (2, 1, 0)
    problems = {(p.record, p.field) for p in result.problems}
    assert ("CVE-2024-0002 (record 1)", "dueDate") in problems
    assert ("CVE-2024-0003 (record 2)", "product") in problems
    assert Vulnerability.objects.get(cve_id="CVE-2024-0002").in_kev
    assert not Vulnerability.objects.filter(cve_id="CVE-2024-0003").exists()


def test_per_record_checks_name_the_record_and_field() -> None:
    result = import_kev(
        kev_catalog(
            kev_record("CVE-2024-0001", knownRansomwareCampaignUse="Maybe"),
            kev_record("CVE-2024-0002", cwes=["CWE-79", "XSS"]),
            kev_record("CVE-2024-0003", vendorProject="x" * 300),
            kev_record("CVE-2024-0004"),
            kev_record("CVE-2024-0004"),
        )
    )
    fields = [(p.record.split()[0], p.field) for p in result.problems]
    assert fields == [
        ("CVE-2024-0001", "knownRansomwareCampaignUse"),
        ("CVE-2024-0002", "cwes.1"),
        ("CVE-2024-0003", "kev_vendor_project"),
        ("CVE-2024-0004", "cveID"),
    ]
    assert (result.created, result.skipped) == (1, 4)


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (b"{not json", "not JSON"),
        (b"[]", "document"),
        (json.dumps({"vulnerabilities": []}).encode(), "catalogVersion"),
        (json.dumps(dict(kev_catalog(kev_record()), count=1404)).encode(), "truncated"),
        (json.dumps(dict(kev_catalog(), vulnerabilities={})).encode(), "vulnerabilities"),
    ],
)
def test_a_malformed_document_is_refused_and_changes_nothing(
    document: bytes, expected: str
) -> None:
    import_kev(kev_catalog(kev_record("CVE-2024-0009")))
    result = import_kev(document)
    assert not result.ok
    assert expected in " ".join(result.errors)
    assert Vulnerability.objects.get().in_kev  # not delisted by a refused document


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
_fields = st.sampled_from(sorted(kev_record()))


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(document=_json)
def test_random_json_never_raises(document: Any) -> None:
    result = import_kev(json.dumps(document).encode())
    assert not result.ok or result.created + result.skipped >= 0
    assert Vulnerability.objects.count() == 0


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(mutations=st.lists(st.tuples(st.integers(0, 2), _fields, _json), min_size=1, max_size=4))
def test_mutated_records_are_stored_or_skipped_never_half(
    mutations: list[tuple[int, str, Any]],
) -> None:
    records = [kev_record(f"CVE-2024-100{n}") for n in range(3)]
    for index, name, value in mutations:
        records[index][name] = value
    Vulnerability.objects.all().delete()

    result = import_kev(kev_catalog(*records))

    assert result.ok, result.errors  # record errors never refuse the whole catalog
    assert result.created + result.skipped == 3
    assert Vulnerability.objects.count() == result.created
    skipped = {p.record for p in result.problems}
    assert len(skipped) == result.skipped
