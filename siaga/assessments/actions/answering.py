"""A constituent's administrator answers its assessment: drafts, evidence files, submission."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from siaga.assessments import notify
from siaga.assessments.choices import EDITABLE, AssessmentStatus, CampaignStatus
from siaga.assessments.models import Answer, Assessment
from siaga.assessments.scoring import Definition, missing_questions, pick
from siaga.audit.actions import do_record_event
from siaga.audit.choices import AuditAction
from siaga.evidence.validation import check_upload

MAX_COMMENT = 5000


@dataclass(frozen=True)
class Entry:
    """One question's input: the chosen value ("" = not answered yet) and the comment."""

    value: str = ""
    comment: str = ""


def visible_assessments(user: Any, action: str = "view") -> QuerySet[Assessment]:
    return Assessment.objects.restrict(user, action).select_related(
        "campaign__framework", "organization"
    )


def access_assessment(user: Any, pk: int, action: str = "view") -> Assessment:
    return get_object_or_404(visible_assessments(user, action), pk=pk)


def definition_of(assessment: Assessment) -> Definition:
    return Definition.from_dict(assessment.campaign.framework.definition)


def answers_of(assessment: Assessment) -> dict[str, Answer]:
    return {answer.question_id: answer for answer in assessment.answers.all()}


def values_of(assessment: Assessment) -> dict[str, str]:
    return dict(assessment.answers.values_list("question_id", "value"))


def may_answer(user: Any, assessment: Assessment) -> bool:
    return (
        visible_assessments(user, "change").filter(pk=assessment.pk).exists()
        and assessment.status in EDITABLE
        and assessment.campaign.status == CampaignStatus.SENT
    )


def _check_editable(user: Any, assessment: Assessment) -> None:
    if not visible_assessments(user, "change").filter(pk=assessment.pk).exists():
        raise PermissionDenied(_("You may not answer this assessment."))
    if assessment.campaign.status != CampaignStatus.SENT:
        raise ValidationError(_("This campaign is closed: answers can no longer change."))
    if assessment.status not in EDITABLE:
        raise ValidationError(
            _("This assessment was submitted: it is read-only until the CERT asks for changes.")
        )


def _check_entries(definition: Definition, entries: dict[str, Entry]) -> dict[str, str]:
    """Every error by question id; empty when the entries are all acceptable."""
    errors: dict[str, str] = {}
    scales = {
        q.id: {item.value for item in definition.scale_of(area)}
        for area in definition.areas
        for q in area.questions
    }
    for question_id, entry in entries.items():
        if question_id not in scales:
            errors[question_id] = _("There is no such question.")
        elif entry.value and entry.value not in scales[question_id]:
            errors[question_id] = _("Choose one of the answers offered.")
        elif len(entry.comment) > MAX_COMMENT or "\x00" in entry.comment:
            errors[question_id] = _("The comment is too long (at most 5000 characters).")
    return errors


def _check_files(files: dict[str, Any], known: set[str]) -> dict[str, Any]:
    checked = {}
    errors: dict[str, list[str]] = {}
    for question_id, upload in files.items():
        if question_id not in known:
            errors[question_id] = [_("There is no such question.")]
            continue
        try:
            checked[question_id] = check_upload(
                upload, name=upload.name or "evidence", declared_type=upload.content_type or ""
            )
        except ValidationError as exc:
            errors[question_id] = exc.messages
    if errors:
        raise ValidationError(errors)
    return checked


def check_save_answers(
    user: Any,
    assessment: Assessment,
    entries: dict[str, Entry],
    files: dict[str, Any] | None = None,
) -> Assessment:
    """Save a draft: the given questions only (partial is fine), all or nothing."""
    _check_editable(user, assessment)
    definition = definition_of(assessment)
    errors = _check_entries(definition, entries)
    if errors:
        raise ValidationError(errors)
    checked = _check_files(files or {}, {q.id for q in definition.questions()})
    with transaction.atomic():
        locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
        if locked.status not in EDITABLE:
            raise ValidationError(_("This assessment was submitted meanwhile."))
        existing = answers_of(locked)
        for question_id in sorted(set(entries) | set(checked)):
            entry = entries.get(question_id)
            blank = entry is None or not (entry.value or entry.comment.strip())
            if blank and question_id not in existing and question_id not in checked:
                continue  # nothing said about it yet: no row
            answer = existing.get(question_id) or Answer(assessment=locked, question_id=question_id)
            if entry is not None:
                answer.value, answer.comment = entry.value, entry.comment.strip()
            answer.answered_by = user
            if question_id in checked:
                facts = checked[question_id]
                answer.evidence.save(facts.safe_name, File(files[question_id]), save=False)  # type: ignore[index]
                answer.evidence_name = facts.original_name
                answer.evidence_type = facts.sniffed_type
            answer.save()
        locked.save(update_fields=["updated_at"])
    return locked


def check_submit(user: Any, assessment: Assessment) -> Assessment:
    """Submit when every question has an answer; otherwise say which are missing."""
    _check_editable(user, assessment)
    definition = definition_of(assessment)
    with transaction.atomic():
        locked = (
            Assessment.objects.select_for_update()
            .select_related("campaign__framework", "organization")
            .get(pk=assessment.pk)
        )
        missing = missing_questions(definition, values_of(locked))
        if missing:
            language = getattr(user, "language", "") or "id"
            raise ValidationError(
                {
                    "answers": [
                        _("%(count)s question(s) not answered yet:") % {"count": len(missing)}
                    ]
                    + [f"{q.id} — {pick(q.text, language)}" for q in missing]
                }
            )
        locked.status = AssessmentStatus.SUBMITTED
        locked.submitted_at = timezone.now()
        locked.submitted_by = user
        locked.save(update_fields=["status", "submitted_at", "submitted_by", "updated_at"])
        do_record_event(AuditAction.UPDATE, locked, changes={"status": "submitted"}, actor=user)
        notify.notify_submitted(locked, user)
    return locked
