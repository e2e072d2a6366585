"""incidents:public-report: anyone reports; honeypot, timing token and rate limit stop robots."""

import time

from django.core import mail
from django.urls import reverse

from siaga.incidents import public
from siaga.incidents.models import Report

URL = "incidents:public-report"


def form_data(**extra):
    data = {
        "reporter_name": "Siti",
        "reporter_email": "siti@example.org",
        "reporter_phone": "+62 812",
        "reporter_organization_name": "Klinik Sehat",
        "language": "en",
        "title": "Our clinic website shows gambling ads",
        "description": "Since this morning.",
        "personal_data_involved": "no",
        "website": "",
        "form_token": public.issue_form_token(time.time() - 60),
    }
    data.update(extra)
    return data


def test_the_form_is_open_to_anyone(client, db):
    response = client.get(reverse(URL))
    assert response.status_code == 200
    assert response.context["form"].initial["form_token"]


def test_a_report_is_stored_and_acknowledged(client, db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse(URL), form_data(), REMOTE_ADDR="198.51.100.7")
    report = Report.objects.get()
    assert response.status_code == 200
    assert report.tracking_id in response.content.decode()
    assert report.channel == "public" and report.organization is None
    assert report.client_address == "198.51.100.7"
    assert report.reporter_organization_name == "Klinik Sehat"
    assert report.raw["reporter_email"] == "siti@example.org"
    assert mail.outbox[0].to == ["siti@example.org"]


def test_a_filled_honeypot_is_refused_with_a_message(client, db):
    response = client.post(reverse(URL), form_data(website="http://spam.example"))
    assert response.status_code == 400
    assert "meant to stay empty" in response.content.decode()
    assert not Report.objects.exists()


def test_a_too_fast_submission_is_refused(client, db, settings):
    settings.SIAGA_PUBLIC_REPORT_MIN_SECONDS = 5
    response = client.post(reverse(URL), form_data(form_token=public.issue_form_token()))
    assert response.status_code == 400
    assert "too quickly" in response.content.decode()
    assert not Report.objects.exists()


def test_old_or_forged_tokens_are_refused(client, db):
    old = public.issue_form_token(time.time() - 25 * 3600)
    assert "more than a day" in public.form_token_problem(old)
    response = client.post(reverse(URL), form_data(form_token="forged"))
    assert response.status_code == 400
    assert "could not be verified" in response.content.decode()
    assert not Report.objects.exists()


def test_the_email_address_is_required(client, db):
    response = client.post(reverse(URL), form_data(reporter_email=""))
    assert response.status_code == 400
    assert "reporter_email" in response.context["form"].errors


def test_the_rate_limit_answers_429(client, db, settings):
    # A cache of this process only: the shared file cache may be cleared by other test runs.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.SIAGA_PUBLIC_REPORT_LIMIT_PER_HOUR = 2
    for _ in range(2):
        assert client.post(reverse(URL), form_data(), REMOTE_ADDR="203.0.113.9").status_code == 200
    response = client.post(reverse(URL), form_data(), REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 429
    assert "Too many reports" in response.content.decode()
    assert Report.objects.count() == 2
    # another address is not held back
    assert client.post(reverse(URL), form_data(), REMOTE_ADDR="203.0.113.10").status_code == 200
