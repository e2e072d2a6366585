"""incidents:report-create: members file reports; the reporter gets an acknowledgement."""

import pytest
from django.core import mail
from django.urls import reverse

from siaga.core.testing import login
from siaga.incidents.models import Report

DATA = {"title": "Ransom note", "description": "Files encrypted.", "personal_data_involved": "yes"}


def test_a_reporter_files_for_their_hospital(client, personas, django_capture_on_commit_callbacks):
    login(client, personas.constituent_reporter)
    assert (
        "organization" not in client.get(reverse("incidents:report-create")).context["form"].fields
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("incidents:report-create"), DATA)
    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("incidents:report-detail", args=[report.pk])
    assert report.organization == personas.orgs.hospital
    assert report.reporter == personas.constituent_reporter
    assert report.channel == "web" and report.status == "new"
    assert report.raw["title"] == "Ransom note" and "csrfmiddlewaretoken" not in report.raw
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["reporter@hospital.test"]
    assert report.tracking_id in mail.outbox[0].subject
    assert report.tracking_id in mail.outbox[0].body


def test_the_acknowledgement_is_in_the_reporters_language(
    client, personas, monkeypatch, django_capture_on_commit_callbacks
):
    from django.template import loader
    from django.utils import translation

    languages = []
    real_render = loader.render_to_string

    def spy(*args, **kwargs):
        languages.append(translation.get_language())
        return real_render(*args, **kwargs)

    monkeypatch.setattr("siaga.incidents.actions.reports.render_to_string", spy)
    personas.constituent_reporter.language = "id"
    personas.constituent_reporter.save()
    login(client, personas.constituent_reporter)  # the page itself is read in English
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("incidents:report-create"), DATA)
    assert Report.objects.get().language == "id"
    assert languages == ["id", "id"]  # subject and body
    assert len(mail.outbox) == 1


def test_a_failing_mail_server_does_not_lose_the_report(
    client, personas, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr("siaga.incidents.actions.reports.send_mail", broken)
    login(client, personas.constituent_reporter)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("incidents:report-create"), DATA)
    assert response.status_code == 302
    assert Report.objects.count() == 1


def test_a_member_of_two_organizations_chooses(client, personas):
    from siaga.organizations.models import Membership

    Membership.objects.create(
        user=personas.constituent_reporter,
        organization=personas.orgs.other_hospital,
        role="constituent_reporter",
    )
    login(client, personas.constituent_reporter)
    response = client.post(reverse("incidents:report-create"), DATA)
    assert response.status_code == 200
    assert response.context["form"].errors["organization"]
    response = client.post(
        reverse("incidents:report-create"),
        {**DATA, "organization": personas.orgs.other_hospital.pk},
    )
    assert response.status_code == 302
    assert Report.objects.get().organization == personas.orgs.other_hospital


def test_missing_fields_and_bad_classification_are_per_field(client, personas):
    login(client, personas.constituent_reporter)
    response = client.post(
        reverse("incidents:report-create"),
        {**DATA, "title": "", "suspected_class": "fraud", "suspected_type": "ddos"},
    )
    errors = response.context["form"].errors
    assert "title" in errors
    response = client.post(
        reverse("incidents:report-create"),
        {**DATA, "suspected_class": "fraud", "suspected_type": "ddos"},
    )
    assert "suspected_type" in response.context["form"].errors
    assert not Report.objects.exists()


@pytest.mark.parametrize("persona", ["outsider"])
def test_those_without_report_add_are_refused(client, personas, persona):
    login(client, personas.by_name(persona))
    assert client.get(reverse("incidents:report-create")).status_code == 403
