"""The CERT's review of an assessment, and the result page and PDF of one constituent."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from siaga.assessments import actions
from siaga.assessments.exports import result_context, result_pdf
from siaga.assessments.forms import ReviewForm
from siaga.assessments.models import Assessment
from siaga.assessments.results import result_of
from siaga.assessments.scoring import pick
from siaga.assessments.views.common import language, report_errors


def _reviewable(request: HttpRequest, pk: int) -> Assessment:
    assessment = actions.access_assessment(request.user, pk)
    if not actions.may_review(request.user, assessment):
        raise PermissionDenied
    return assessment


@login_required
@require_GET
def review(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _reviewable(request, pk)
    lang = language()
    definition = actions.definition_of(assessment)
    answers = actions.answers_of(assessment)
    comments = list(assessment.review_comments.order_by("created_at"))
    groups = []
    for area in definition.areas:
        scale = {item.value: pick(item.label, lang) for item in definition.scale_of(area)}
        rows = []
        for question in area.questions:
            found = answers.get(question.id)
            rows.append(
                {
                    "question": question,
                    "text": pick(question.text, lang),
                    "answer": scale.get(found.value, "") if found else "",
                    "found": found,
                    "comments": [c for c in comments if c.question_id == question.id],
                }
            )
        groups.append((pick(area.name, lang), rows))
    context = {
        "assessment": assessment,
        "framework_name": assessment.campaign.framework.name(lang),
        "groups": groups,
        "overall_comments": [c for c in comments if not c.question_id],
        "form": ReviewForm(),
    }
    return render(request, "assessments/review.html", context)


def _form(request: HttpRequest) -> ReviewForm:
    form = ReviewForm(request.POST)
    form.is_valid()
    return form


@login_required
@require_POST
def review_comment(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _reviewable(request, pk)
    form = _form(request)
    data = getattr(form, "cleaned_data", {})
    try:
        actions.check_comment(
            request.user, assessment, data.get("comment", ""), data.get("question_id", "")
        )
    except ValidationError as exc:
        report_errors(request, exc)
    else:
        messages.success(request, _("Your comment was added."))
    return redirect("assessments:review", assessment.pk)


@login_required
@require_POST
def review_return(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _reviewable(request, pk)
    data = getattr(_form(request), "cleaned_data", {})
    try:
        actions.check_return(request.user, assessment, data.get("comment", ""))
    except ValidationError as exc:
        report_errors(request, exc)
    else:
        messages.success(request, _("The assessment was returned to the constituent."))
    return redirect("assessments:review", assessment.pk)


@login_required
@require_POST
def review_accept(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _reviewable(request, pk)
    data = getattr(_form(request), "cleaned_data", {})
    try:
        actions.check_accept(request.user, assessment, data.get("comment", ""))
    except ValidationError as exc:
        report_errors(request, exc)
        return redirect("assessments:review", assessment.pk)
    messages.success(request, _("The assessment was accepted."))
    return redirect("assessments:result", assessment.pk)


@login_required
@require_GET
def result(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = actions.access_assessment(request.user, pk)
    context = result_context(result_of(assessment, language()))
    context["can_review"] = actions.may_review(request.user, assessment)
    return render(request, "assessments/result.html", context)


@login_required
@require_GET
def result_download(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = actions.access_assessment(request.user, pk)
    data = result_pdf(result_of(assessment, language()))
    response = HttpResponse(data, content_type="application/pdf")
    filename = f"assessment-{assessment.pk}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
