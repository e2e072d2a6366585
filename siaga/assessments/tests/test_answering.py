"""Answering: drafts (partial, all or nothing), evidence files, submission, read-only after."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from siaga.assessments import actions
from siaga.assessments.choices import AssessmentStatus
from siaga.assessments.tests.conftest import answer_all

pytestmark = pytest.mark.django_db


def test_partial_draft_is_saved(personas, assessment):
    actions.check_save_answers(
        personas.constituent_admin, assessment, {"A.1": actions.Entry("partly", "In progress")}
    )
    assert actions.values_of(assessment) == {"A.1": "partly"}
    assert assessment.answers.get().comment == "In progress"


def test_a_bad_value_saves_nothing(personas, assessment):
    with pytest.raises(ValidationError) as caught:
        actions.check_save_answers(
            personas.constituent_admin,
            assessment,
            {"A.1": actions.Entry("yes"), "A.2": actions.Entry("bogus"), "Z.9": actions.Entry("")},
        )
    assert set(caught.value.message_dict) == {"A.2", "Z.9"}
    assert not assessment.answers.exists()


@pytest.mark.parametrize(
    "name", ["constituent_reporter", "other_reporter", "cert_lead", "auditor", "coord_member"]
)
def test_only_the_constituents_admin_answers(personas, assessment, name):
    with pytest.raises((PermissionDenied, ValidationError)):
        actions.check_save_answers(
            personas.by_name(name), assessment, {"A.1": actions.Entry("yes")}
        )
    assert not assessment.answers.exists()


def test_submit_lists_what_is_missing(personas, assessment):
    actions.check_save_answers(
        personas.constituent_admin, assessment, {"A.1": actions.Entry("yes")}
    )
    with pytest.raises(ValidationError) as caught:
        actions.check_submit(personas.constituent_admin, assessment)
    text = " ".join(caught.value.messages)
    assert "2 question(s)" in text and "A.2" in text and "B.1" in text and "A.1 " not in text
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.OPEN


def test_submitted_is_read_only(personas, submitted):
    assert submitted.status == AssessmentStatus.SUBMITTED
    with pytest.raises(ValidationError, match="read-only"):
        answer_all(personas.constituent_admin, submitted, {"A.1": "no"})
    assert actions.values_of(submitted)["A.1"] == "yes"


def test_evidence_file_is_validated_and_stored(personas, assessment, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("policy.txt", b"Backup policy v2\n", content_type="text/plain")
    actions.check_save_answers(
        personas.constituent_admin, assessment, {"A.1": actions.Entry("yes")}, {"A.1": upload}
    )
    answer = assessment.answers.get()
    assert answer.evidence_name == "policy.txt"
    assert answer.evidence.read() == b"Backup policy v2\n"


def test_evidence_too_large_is_refused_and_nothing_saved(personas, assessment, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.SIAGA_EVIDENCE_MAX_MB = 1
    upload = SimpleUploadedFile("big.bin", b"x" * (1024 * 1024 + 1))
    with pytest.raises(ValidationError) as caught:
        actions.check_save_answers(
            personas.constituent_admin, assessment, {"A.1": actions.Entry("yes")}, {"A.1": upload}
        )
    assert "A.1" in caught.value.message_dict
    assert not assessment.answers.exists()


def test_closed_campaign_cannot_be_answered(personas, assessment):
    actions.check_close(personas.cert_lead, assessment.campaign)
    assessment.refresh_from_db()
    with pytest.raises(ValidationError, match="closed"):
        answer_all(personas.constituent_admin, assessment)
