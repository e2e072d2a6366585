"""The warninglist pages: list, entries, enable/disable, upload and the check form."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from siaga.core.testing import login
from siaga.warninglists.loader import load_warninglist
from siaga.warninglists.models import Warninglist
from siaga.warninglists.tests.conftest import make_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolvers() -> Warninglist:
    return load_warninglist(
        make_list(
            name="Public resolvers",
            type="cidr",
            values=["8.8.8.8", "8.8.4.4", "1.1.1.1"] + [f"192.0.2.{n}" for n in range(60)],
            matching_attributes=["ip-src", "ip-dst"],
        )
    )


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("cert_analyst", 200),
        ("coord_member", 200),
        ("constituent_reporter", 200),
        ("auditor", 200),
        ("outsider", 403),
    ],
)
def test_who_sees_the_lists(client, personas, resolvers, persona, status):
    login(client, personas.by_name(persona))
    assert client.get(reverse("warninglists:list")).status_code == status
    detail = client.get(reverse("warninglists:detail", args=[resolvers.pk]))
    assert detail.status_code == (200 if status == 200 else 404)


def test_list_and_detail_show_entries_paginated_and_searchable(client, personas, resolvers):
    login(client, personas.constituent_reporter)
    page = client.get(reverse("warninglists:list")).content.decode()
    assert "Public resolvers" in page and "63" in page
    detail = client.get(reverse("warninglists:detail", args=[resolvers.pk]))
    assert len(detail.context["page"].object_list) == 50
    assert detail.context["page"].paginator.count == 63
    assert "Disable" not in detail.content.decode()  # may not toggle
    found = client.get(reverse("warninglists:detail", args=[resolvers.pk]), {"q": "8.8.4"})
    assert [e.value for e in found.context["page"].object_list] == ["8.8.4.4"]


def test_cert_staff_toggle_and_the_matcher_follows(
    client, personas, resolvers, django_capture_on_commit_callbacks
):
    login(client, personas.cert_lead)
    url = reverse("warninglists:check")
    assert client.get(url, {"type": "ip", "value": "8.8.8.8"}).context["result"][2] == [
        "Public resolvers"
    ]
    with django_capture_on_commit_callbacks(execute=True):  # the commit tells the matchers
        response = client.post(
            reverse("warninglists:toggle", args=[resolvers.pk]), {"enabled": "0"}
        )
    assert response.status_code == 302
    resolvers.refresh_from_db()
    assert resolvers.is_enabled is False
    assert client.get(url, {"type": "ip", "value": "8.8.8.8"}).context["result"][2] == []
    client.post(reverse("warninglists:toggle", args=[resolvers.pk]), {"enabled": "1"})
    resolvers.refresh_from_db()
    assert resolvers.is_enabled is True


def test_others_may_not_toggle(client, personas, resolvers):
    login(client, personas.constituent_admin)
    response = client.post(reverse("warninglists:toggle", args=[resolvers.pk]), {"enabled": "0"})
    assert response.status_code == 403
    resolvers.refresh_from_db()
    assert resolvers.is_enabled is True
    assert client.get(reverse("warninglists:toggle", args=[resolvers.pk])).status_code == 405


def _upload(data: object, name: str = "list.json") -> SimpleUploadedFile:
    content = data if isinstance(data, bytes) else json.dumps(data).encode()
    return SimpleUploadedFile(name, content, content_type="application/json")


def test_cert_staff_upload_a_list(client, personas):
    login(client, personas.cert_analyst)
    data = make_list(name="Uploaded", type="hostname", values=["cdn.example"])
    response = client.post(reverse("warninglists:upload"), {"file": _upload(data)})
    listed = Warninglist.objects.get(name="Uploaded")
    assert response.status_code == 302
    assert response["Location"] == reverse("warninglists:detail", args=[listed.pk])
    assert listed.uploaded_by == personas.cert_analyst
    assert listed.source == "upload:list.json"
    check = client.get(reverse("warninglists:check"), {"type": "domain", "value": "a.cdn.example"})
    assert check.context["result"][2] == ["Uploaded"]


def test_a_bad_upload_shows_the_error_and_saves_nothing(client, personas):
    login(client, personas.cert_admin)
    response = client.post(
        reverse("warninglists:upload"), {"file": _upload(b'{"name": "x",\n "list": [}')}
    )
    assert response.status_code == 200
    assert "Malformed JSON at line 2, column" in response.content.decode()
    response = client.post(
        reverse("warninglists:upload"), {"file": _upload(make_list(type="cidr", values=["x"]))}
    )
    assert "list[0]: x is not an IP address or network." in response.content.decode()
    assert not Warninglist.objects.exists()


def test_only_cert_staff_upload(client, personas):
    login(client, personas.coord_member)
    assert client.get(reverse("warninglists:upload")).status_code == 403
    response = client.post(reverse("warninglists:upload"), {"file": _upload(make_list())})
    assert response.status_code == 403
    assert not Warninglist.objects.exists()


def test_the_check_form_normalizes_and_explains(client, personas, resolvers):
    login(client, personas.constituent_reporter)
    url = reverse("warninglists:check")
    response = client.get(url, {"type": "url", "value": "hxxp://8.8.8[.]8/x"})
    assert response.context["result"][1] == "http://8.8.8.8/x"
    assert "Public resolvers" in response.content.decode()
    response = client.get(url, {"type": "ip", "value": "not an ip"})
    assert response.context["form"].errors["value"]
    response = client.get(url, {"type": "ip", "value": "192.0.2.200"})
    assert "Not on any enabled warninglist." in response.content.decode()
