"""What starts a matching run: a constituent's inventory changing (its own run) and an import that
changed vulnerabilities (a full run); a contact changing starts none."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest

from siaga.constituents import actions as constituents
from siaga.constituents.choices import ContactRole, InventoryKind
from siaga.constituents.models import Contact
from siaga.exposures.tasks import JOB_KIND
from siaga.jobs.models import Job
from siaga.vulns.actions import do_import
from siaga.vulns.tests.conftest import kev_catalog, kev_record

pytestmark = pytest.mark.django_db


def match_jobs() -> list[dict[str, Any]]:
    return [job.params for job in Job.objects.filter(kind=JOB_KIND).order_by("pk")]


@pytest.fixture
def queued(django_capture_on_commit_callbacks: Any) -> Any:
    """Run the after-commit callbacks, without sending anything to a worker."""

    class Queued:
        def __enter__(self) -> None:
            self.patch = mock.patch("siaga.jobs.actions.dispatch")
            self.patch.start()
            self.capture = django_capture_on_commit_callbacks(execute=True)
            self.capture.__enter__()

        def __exit__(self, *exc: Any) -> None:
            self.capture.__exit__(*exc)
            self.patch.stop()

    return Queued()


def test_adding_changing_and_removing_an_item_match_its_constituent(personas, queued):
    hospital = personas.orgs.hospital
    admin = personas.constituent_admin
    data = {"kind": InventoryKind.MEDICAL_DEVICE, "vendor": "Contoso", "product": "Pump"}
    with queued:
        item = constituents.check_create_item(admin, hospital, data)
    assert match_jobs() == [{"organization": hospital.pk}]
    Job.objects.all().delete()
    with queued:
        constituents.check_update_item(admin, item, {"version": "2.0"})
    assert match_jobs() == [{"organization": hospital.pk}]
    Job.objects.all().delete()
    with queued:
        constituents.check_delete_item(admin, item)
    assert match_jobs() == [{"organization": hospital.pk}]


def test_an_inventory_import_that_changes_nothing_starts_no_run(personas, queued):
    hospital = personas.orgs.hospital
    csv = (
        b"kind,name,vendor,product,version,cpe,purl,criticality,internet_exposed,location,notes\n"
        b"medical_device,Pump,Contoso,Pump,1.0,,,high,false,ICU,\n"
    )
    with queued:
        constituents.check_import_inventory(personas.constituent_admin, hospital, csv)
    assert match_jobs() == [{"organization": hospital.pk}]
    Job.objects.all().delete()
    with queued:
        result = constituents.check_import_inventory(personas.constituent_admin, hospital, csv)
    assert result.unchanged == 1
    assert match_jobs() == []


def test_a_contact_change_starts_no_run(personas, queued):
    contact = Contact.objects.create(
        organization=personas.orgs.hospital,
        name="Duty officer",
        role=ContactRole.SECURITY_OFFICER,
        email="duty@hospital.test",
    )
    with queued:
        constituents.check_update_contact(personas.constituent_admin, contact, {"name": "Duty"})
    assert match_jobs() == []


def test_an_import_that_changed_vulnerabilities_starts_one_full_run(queued):
    import json

    document = json.dumps(kev_catalog(kev_record())).encode()
    with queued:
        do_import("kev", [("kev.json", document)])
        do_import("kev", [("kev.json", document)])  # unchanged: no second run
    assert match_jobs() == [{}]
