"""The CERT's pages: the assessments home, frameworks (list, upload) and campaigns."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from siaga.assessments import actions
from siaga.assessments.forms import CampaignForm, FrameworkUploadForm
from siaga.assessments.scoring import Definition, pick
from siaga.assessments.views.common import has, language, report_errors, require
from siaga.core.forms import add_validation_error


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Campaigns for the CERT (and auditors); a constituent's own assessments for everyone else."""
    require(request, "campaign.view", "assessment.view", "framework.view")
    campaigns = (
        actions.visible_campaigns(request.user).order_by("-created_at")[:100]
        if has(request, "campaign.view")
        else []
    )
    mine = []
    if not has(request, "campaign.view"):
        mine = list(actions.visible_assessments(request.user).order_by("-campaign__sent_at")[:100])
    context = {
        "campaigns": campaigns,
        "mine": mine,
        "can_create": has(request, "campaign.add"),
        "sees_frameworks": has(request, "framework.view"),
    }
    return render(request, "assessments/index.html", context)


@login_required
@require_GET
def framework_list(request: HttpRequest) -> HttpResponse:
    require(request, "framework.view")
    actions.ensure_builtins_once()
    lang = language()
    frameworks = [
        (framework, framework.name(lang)) for framework in actions.visible_frameworks(request.user)
    ]
    context = {"frameworks": frameworks, "can_add": has(request, "framework.add")}
    return render(request, "assessments/frameworks.html", context)


@login_required
@require_GET
def framework_detail(request: HttpRequest, pk: int) -> HttpResponse:
    framework = actions.access_framework(request.user, pk)
    definition = Definition.from_dict(framework.definition)
    lang = language()
    areas = [
        (pick(area.name, lang), [(q.id, pick(q.text, lang), q.weight) for q in area.questions])
        for area in definition.areas
    ]
    context = {
        "framework": framework,
        "name": framework.name(lang),
        "areas": areas,
        "scale": [(item.value, pick(item.label, lang), item.points) for item in definition.scale],
        "levels": [(pick(level.label, lang), level.threshold) for level in definition.levels],
    }
    return render(request, "assessments/framework_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def framework_upload(request: HttpRequest) -> HttpResponse:
    require(request, "framework.add")
    form = FrameworkUploadForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            framework, created = actions.check_load_framework(request.user, upload.read())
        except ValidationError as exc:
            errors = exc.messages
        else:
            if created:
                messages.success(request, _("The framework version was loaded."))
            else:
                messages.info(request, _("This framework version was already loaded."))
            return redirect("assessments:framework", framework.pk)
    return render(request, "assessments/framework_upload.html", {"form": form, "errors": errors})


@login_required
@require_http_methods(["GET", "POST"])
def campaign_create(request: HttpRequest) -> HttpResponse:
    require(request, "campaign.add")
    actions.ensure_builtins_once()
    form = CampaignForm(
        request.POST or None,
        frameworks=actions.visible_frameworks(request.user),
        constituents=actions.constituents().order_by("name"),
    )
    if form.is_bound and form.is_valid():
        data = dict(form.cleaned_data, organizations=form.cleaned_data["chosen"])
        try:
            campaign = actions.check_create_campaign(request.user, data)
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, _("The campaign was created. Check it, then send it."))
            return redirect("assessments:campaign", campaign.pk)
    return render(request, "assessments/campaign_form.html", {"form": form})


@login_required
@require_GET
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = actions.access_campaign(request.user, pk)
    context = {
        "campaign": campaign,
        "framework_name": campaign.framework.name(language()),
        "organizations": campaign.organizations.order_by("name"),
        "assessments": campaign.assessments.select_related("organization").order_by(
            "organization__name"
        ),
        "can_change": has(request, "campaign.change"),
        "can_review": has(request, "assessment.review"),
    }
    return render(request, "assessments/campaign_detail.html", context)


@login_required
@require_POST
def campaign_send(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = actions.access_campaign(request.user, pk, "change")
    try:
        actions.check_send(request.user, campaign)
    except ValidationError as exc:
        report_errors(request, exc)
    else:
        messages.success(request, _("The campaign was sent to its constituents."))
    return redirect("assessments:campaign", campaign.pk)


@login_required
@require_POST
def campaign_close(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = actions.access_campaign(request.user, pk, "change")
    try:
        actions.check_close(request.user, campaign)
    except ValidationError as exc:
        report_errors(request, exc)
    else:
        messages.success(request, _("The campaign was closed."))
    return redirect("assessments:campaign", campaign.pk)
