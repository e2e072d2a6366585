"""The CERT's review of a submitted assessment: comments, asking for changes, accepting."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from siaga.assessments import notify
from siaga.assessments.actions.answering import definition_of, values_of, visible_assessments
from siaga.assessments.choices import AssessmentStatus
from siaga.assessments.models import Assessment, ReviewComment
from siaga.assessments.scoring import score
from siaga.audit.actions import do_record_event
from siaga.audit.choices import AuditAction

MAX_COMMENT = 5000


def may_review(user: Any, assessment: Assessment) -> bool:
    return visible_assessments(user, "review").filter(pk=assessment.pk).exists()


def _check_reviewer(user: Any, assessment: Assessment) -> None:
    if not may_review(user, assessment):
        raise PermissionDenied(_("You may not review assessments."))


def _clean_comment(text: str, *, required: bool) -> str:
    text = (text or "").strip()
    if required and not text:
        raise ValidationError({"comment": _("Say what should change.")})
    if len(text) > MAX_COMMENT or "\x00" in text:
        raise ValidationError({"comment": _("The comment is too long (at most 5000 characters).")})
    return text


def check_comment(
    user: Any, assessment: Assessment, text: str, question_id: str = ""
) -> ReviewComment:
    """A remark on one question or on the whole assessment (blank ``question_id``)."""
    _check_reviewer(user, assessment)
    text = _clean_comment(text, required=True)
    if question_id and question_id not in {q.id for q in definition_of(assessment).questions()}:
        raise ValidationError({"question_id": _("There is no such question.")})
    return ReviewComment.objects.create(
        assessment=assessment, question_id=question_id, text=text, author=user
    )


def _locked_submitted(assessment: Assessment) -> Assessment:
    locked = (
        Assessment.objects.select_for_update()
        .select_related("campaign__framework", "organization")
        .get(pk=assessment.pk)
    )
    if locked.status != AssessmentStatus.SUBMITTED:
        raise ValidationError({"status": _("Only a submitted assessment can be reviewed.")})
    return locked


def check_return(user: Any, assessment: Assessment, comment: str) -> Assessment:
    """Ask for changes: back to the constituent with the comment, notified."""
    _check_reviewer(user, assessment)
    comment = _clean_comment(comment, required=True)
    with transaction.atomic():
        locked = _locked_submitted(assessment)
        ReviewComment.objects.create(assessment=locked, text=comment, author=user)
        locked.status = AssessmentStatus.RETURNED
        locked.save(update_fields=["status", "updated_at"])
        do_record_event(
            AuditAction.UPDATE,
            locked,
            changes={"status": "returned", "comment": comment},
            actor=user,
        )
        notify.notify_constituent(locked, notify.RETURNED, comment=comment)
    return locked


def check_accept(user: Any, assessment: Assessment, comment: str = "") -> Assessment:
    """Accept the answers: the score is kept with the assessment (``accepted_at``)."""
    _check_reviewer(user, assessment)
    comment = _clean_comment(comment, required=False)
    with transaction.atomic():
        locked = _locked_submitted(assessment)
        if comment:
            ReviewComment.objects.create(assessment=locked, text=comment, author=user)
        result = score(definition_of(locked), values_of(locked))
        locked.status = AssessmentStatus.ACCEPTED
        locked.accepted_at = timezone.now()
        locked.score_percent = result.percent
        locked.save(update_fields=["status", "accepted_at", "score_percent", "updated_at"])
        do_record_event(
            AuditAction.UPDATE,
            locked,
            changes={"status": "accepted", "score_percent": result.percent},
            actor=user,
        )
    return locked
