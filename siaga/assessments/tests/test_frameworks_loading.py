"""Loading frameworks: versioned rows, the upload page, the command, first use."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from siaga.assessments import actions
from siaga.assessments.models import Framework
from siaga.assessments.tests.conftest import SMALL
from siaga.core.testing import login

pytestmark = pytest.mark.django_db


def test_same_version_again_is_a_no_op_but_changed_content_is_refused(personas):
    framework, created = actions.check_load_framework(personas.cert_lead, SMALL)
    assert created
    again, created_again = actions.check_load_framework(personas.cert_lead, SMALL.encode())
    assert again.pk == framework.pk and not created_again
    with pytest.raises(ValidationError, match="new version"):
        actions.check_load_framework(personas.cert_lead, SMALL.replace("Backups", "Copies"))
    _newer, created = actions.check_load_framework(
        personas.cert_lead, SMALL.replace('version: "1"', 'version: "2"')
    )
    assert created and Framework.objects.filter(slug="small-test").count() == 2


def test_analysts_may_not_add_frameworks(personas):
    with pytest.raises(PermissionDenied):
        actions.check_load_framework(personas.cert_analyst, SMALL)


def test_upload_page_shows_errors_with_lines(client, personas):
    login(client, personas.cert_admin)
    bad = SMALL.replace("points: 2", "points: lots")
    response = client.post(
        reverse("assessments:framework-upload"),
        {"file": SimpleUploadedFile("f.yaml", bad.encode())},
    )
    assert response.status_code == 200
    line = next(n for n, text in enumerate(bad.splitlines(), 1) if "lots" in text)
    assert f"line {line}:" in response.content.decode()
    assert not Framework.objects.exists()
    response = client.post(
        reverse("assessments:framework-upload"),
        {"file": SimpleUploadedFile("f.yaml", SMALL.encode())},
    )
    assert response.status_code == 302 and Framework.objects.filter(slug="small-test").exists()


def test_command_loads_builtins_and_reports_bad_files(tmp_path):
    out = io.StringIO()
    call_command("load_frameworks", stdout=out)
    assert set(Framework.objects.values_list("slug", flat=True)) == {
        "nist-csf",
        "hhs-405d-hicp",
        "indeks-keamanan-informasi",
    }
    bad = tmp_path / "bad.yaml"
    bad.write_text("slug: x\nversion: 1\n")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("load_frameworks", str(bad), stdout=out, stderr=err)
    assert f"{bad}:1:" in err.getvalue()


def test_builtins_load_on_first_use(client, personas):
    login(client, personas.auditor)
    assert client.get(reverse("assessments:frameworks")).status_code == 200
    assert Framework.objects.count() == 3
