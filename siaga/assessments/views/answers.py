"""The constituent's pages: answering an assessment (drafts, evidence), submitting it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from siaga.assessments import actions
from siaga.assessments.forms import AnswersForm
from siaga.assessments.views.common import language, report_errors
from siaga.evidence.validation import sanitize_filename


@login_required
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    """The questions with the answers so far; editable by the administrator while open."""
    assessment = actions.access_assessment(request.user, pk)
    editable = actions.may_answer(request.user, assessment)
    if request.method == "POST" and not editable:
        # Refuse with the reason (read-only, closed) or 403 when the user may not answer at all.
        try:
            actions.check_save_answers(request.user, assessment, {})
        except ValidationError as exc:
            report_errors(request, exc)
        return redirect("assessments:answer", assessment.pk)
    form = AnswersForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        definition=actions.definition_of(assessment),
        language=language(),
        answers=actions.answers_of(assessment),
        disabled=not editable,
    )
    if form.is_bound and form.is_valid():
        try:
            actions.check_save_answers(
                request.user, assessment, form.entries(), form.files_by_question()
            )
        except ValidationError as exc:
            report_errors(request, exc)
        else:
            messages.success(request, _("Your answers were saved as a draft."))
            if request.POST.get("then") == "submit":
                return _submit(request, assessment.pk)
            return redirect("assessments:answer", assessment.pk)
    context = {
        "assessment": assessment,
        "framework_name": assessment.campaign.framework.name(language()),
        "form": form,
        "editable": editable,
        "comments": assessment.review_comments.order_by("created_at"),
    }
    return render(request, "assessments/answer.html", context)


def _submit(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = actions.access_assessment(request.user, pk)
    try:
        actions.check_submit(request.user, assessment)
    except ValidationError as exc:
        report_errors(request, exc)
    else:
        messages.success(request, _("Your assessment was submitted to the CERT."))
    return redirect("assessments:answer", assessment.pk)


@login_required
@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _submit(request, pk)


@login_required
@require_GET
def evidence(request: HttpRequest, pk: int, question_id: str) -> FileResponse:
    """An evidence file, always as an attachment (never shown inline)."""
    assessment = actions.access_assessment(request.user, pk)
    found = assessment.answers.filter(question_id=question_id).exclude(evidence="").first()
    if found is None:
        raise Http404
    response = FileResponse(
        found.evidence.open("rb"),
        as_attachment=True,
        filename=sanitize_filename(found.evidence_name or "evidence"),
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
