"""The pages: who may open each, creating and sending a campaign, answering and submitting by the
form, the review buttons, the result page and its PDF."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from siaga.assessments.choices import AssessmentStatus, CampaignStatus
from siaga.assessments.models import Campaign
from siaga.assessments.tests.conftest import ALL_YES
from siaga.core.testing import login

pytestmark = pytest.mark.django_db

CERT = {"cert_admin", "cert_lead", "cert_analyst"}


def _status(client, personas, name, url, method="get", data=None):
    client.logout()
    if name != "anonymous":
        login(client, personas.by_name(name))
    response = getattr(client, method)(url, data or {})
    return response.status_code


@pytest.mark.parametrize(
    ("page", "allowed"),
    [
        ("assessments:frameworks", CERT | {"coord_member", "auditor"}),
        ("assessments:framework-upload", {"cert_admin", "cert_lead"}),
        ("assessments:campaign-create", CERT),
        ("assessments:index", CERT | {"coord_member", "auditor", "constituent_admin",
                                      "constituent_reporter", "other_reporter"}),
    ],
)  # fmt: skip
def test_who_may_open_the_pages(client, personas, framework, page, allowed):
    url = reverse(page)
    for name in [*personas.NAMES, "anonymous"]:
        code = _status(client, personas, name, url)
        if name in allowed:
            assert code == 200, (name, code)
        else:
            assert code in (302, 403), (name, code)


def test_assessment_pages_by_persona(client, personas, submitted):
    answer = reverse("assessments:answer", args=[submitted.pk])
    review = reverse("assessments:review", args=[submitted.pk])
    result = reverse("assessments:result", args=[submitted.pk])
    sees = CERT | {"auditor", "constituent_admin", "constituent_reporter"}
    for name in personas.NAMES:
        expected = 200 if name in sees else 404
        assert _status(client, personas, name, answer) == expected, name
        assert _status(client, personas, name, result) == expected, name
        review_code = _status(client, personas, name, review)
        assert review_code == (200 if name in CERT else 403 if name in sees else 404), name


def test_create_and_send_a_campaign_by_kind(client, personas, framework):
    login(client, personas.cert_lead)
    deadline = timezone.localdate() + timezone.timedelta(days=14)
    response = client.post(
        reverse("assessments:campaign-create"),
        {"name": "Q3", "framework": framework.pk, "deadline": deadline.isoformat(),
         "kinds": ["hospital"]},
    )  # fmt: skip
    campaign = Campaign.objects.get(name="Q3")
    assert response.url == reverse("assessments:campaign", args=[campaign.pk])
    assert set(campaign.organizations.values_list("name", flat=True)) == {
        "Test Hospital",
        "Other Hospital",
    }
    client.post(reverse("assessments:campaign-send", args=[campaign.pk]))
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT and campaign.assessments.count() == 2


def test_create_without_constituents_is_refused(client, personas, framework):
    login(client, personas.cert_lead)
    response = client.post(
        reverse("assessments:campaign-create"),
        {"name": "Q3", "framework": framework.pk, "deadline": "2099-01-01"},
    )
    assert response.status_code == 200
    assert "Choose constituents by name, kind or province." in response.content.decode()
    assert not Campaign.objects.exists()


def _form_data(values):
    return {f"value_{qid}": value for qid, value in values.items()}


def test_answer_by_form_then_submit(client, personas, assessment):
    login(client, personas.constituent_admin)
    url = reverse("assessments:answer", args=[assessment.pk])
    client.post(url, {**_form_data({"A.1": "yes"}), "then": "submit"})
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.OPEN
    page = client.get(url).content.decode()
    assert "not answered yet" in page and "A.2" in page
    client.post(url, {**_form_data(ALL_YES), "comment_B.1": "Kept 1 year", "then": "submit"})
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED
    assert assessment.answers.get(question_id="B.1").comment == "Kept 1 year"
    # Read-only now: a post changes nothing.
    client.post(url, {**_form_data({"A.1": "no"}), "then": "draft"})
    assert assessment.answers.get(question_id="A.1").value == "yes"


def test_reporter_cannot_post_answers(client, personas, assessment):
    login(client, personas.constituent_reporter)
    url = reverse("assessments:answer", args=[assessment.pk])
    assert client.post(url, _form_data({"A.1": "yes"})).status_code == 403
    assert not assessment.answers.exists()


def test_review_accept_then_result_and_pdf(client, personas, submitted):
    login(client, personas.cert_lead)
    response = client.post(reverse("assessments:review-accept", args=[submitted.pk]))
    assert response.url == reverse("assessments:result", args=[submitted.pk])
    page = client.get(response.url).content.decode()
    assert "100.0%" in page and "High" in page and "<svg" in page
    pdf = client.get(reverse("assessments:result-pdf", args=[submitted.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_ask_for_changes_by_form(client, personas, submitted):
    login(client, personas.cert_analyst)
    client.post(reverse("assessments:review-return", args=[submitted.pk]), {"comment": "More."})
    submitted.refresh_from_db()
    assert submitted.status == AssessmentStatus.RETURNED
    login(client, personas.constituent_admin)
    page = client.get(reverse("assessments:answer", args=[submitted.pk])).content.decode()
    assert "More." in page
