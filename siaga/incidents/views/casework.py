"""Pages of incident case work: the sections of the incident page and the forms they post to.

Each form posts here; on success the user is sent back to the incident page, on a refused input
the incident page is shown again (status 400) with the form and its errors. The sections read
their context from ``casework_context``, which the incident page adds to its own.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from siaga.accounts.roles import principal_for
from siaga.core.forms import add_validation_error
from siaga.evidence.actions import (
    evidence_of_incident,
    evidence_of_report,
    may_add_to_incident,
    may_add_to_report,
)
from siaga.incidents.actions import access_incident, cert_staff_users
from siaga.incidents.actions import casework as actions
from siaga.incidents.forms.casework import (
    CommentForm,
    LinkForm,
    MergeForm,
    ObservableForm,
    PasteObservablesForm,
    PlaybookForm,
    TaskForm,
    TaskUpdateForm,
    TimelineEventForm,
)
from siaga.incidents.models import Incident, Report

FORMS_ATTRIBUTE = "_casework_forms"  # bound forms with errors, shown again by casework_context


# --- The sections of the incident page ---------------------------------------------------------------


def casework_context(request: HttpRequest, incident: Incident) -> dict[str, Any]:
    """What ``casework/_sections.html`` shows; a fixed number of queries whatever the rows."""
    user = request.user
    principal = principal_for(user)
    can_work = principal.has_perm("incident.change") and not incident.merged_into_id
    bound: dict[str, Any] = getattr(request, FORMS_ATTRIBUTE, {})
    observables = actions.observables_with_correlations(user, incident)
    links_out, links_in = (
        actions.visible_links(user, incident)
        if principal.has_perm("incidentlink.view")
        else ([], [])
    )
    context: dict[str, Any] = {
        "can_work": can_work,
        "can_see_tasks": principal.has_perm("task.view"),
        "can_see_links": principal.has_perm("incidentlink.view"),
        "can_see_internal": principal.has_perm("incident.view_internal"),
        "observables": observables,
        "timeline": actions.merged_timeline(user, incident),
        "comments": list(actions.visible_comments(user, incident)),
        "links_out": links_out,
        "links_in": links_in,
        "merged_into": incident.merged_into if incident.merged_into_id else None,
        "merges": list(actions.merge_records(incident))
        if principal.has_perm("incident.view_internal")
        else [],
        "comment_form": None,
        "comment_shared_only": not principal.is_cert_staff,
        "evidence_items": evidence_of_incident(user, incident),
        "evidence_upload_url": reverse("evidence:incident-upload", args=[incident.pk])
        if may_add_to_incident(user, incident)
        else "",
    }
    context["tasks"] = _tasks_with_forms(request, incident, can_work, bound)
    if not incident.merged_into_id:
        context["comment_form"] = bound.get("comment_form") or CommentForm(
            may_write_internal=principal.is_cert_staff
        )
    if can_work:
        context.update(_work_forms(request, incident, observables, bound))
    return context


def report_evidence_context(request: HttpRequest, report: Report) -> dict[str, Any]:
    """The evidence section of the report page."""
    return {
        "evidence_items": evidence_of_report(request.user, report),
        "evidence_upload_url": reverse("evidence:report-upload", args=[report.pk])
        if may_add_to_report(request.user, report)
        else "",
    }


def _tasks_with_forms(
    request: HttpRequest, incident: Incident, can_work: bool, bound: dict[str, Any]
) -> list[Any]:
    tasks: list[Any] = list(actions.visible_tasks(request.user, incident))
    now = timezone.now()
    for task in tasks:
        task.is_overdue = task.is_open and task.due_at is not None and task.due_at < now
    if not can_work:
        return tasks
    staff = _staff(request)
    for task in tasks:
        task.update_form = bound.get(f"task-{task.pk}") or TaskUpdateForm(
            prefix=f"task-{task.pk}",
            staff=staff,
            initial={"status": task.status, "owner": task.owner_id, "due_at": task.due_at},
        )
    return tasks


def _staff(request: HttpRequest) -> list[Any]:
    cached = getattr(request, "_casework_staff", None)
    if cached is None:
        cached = list(cert_staff_users())
        request._casework_staff = cached  # type: ignore[attr-defined]
    return cached


def _work_forms(
    request: HttpRequest, incident: Incident, observables: list[Any], bound: dict[str, Any]
) -> dict[str, Any]:
    return {
        "task_form": bound.get("task_form")
        or TaskForm(staff=_staff(request), auto_id="id_task_%s"),
        "playbook_form": bound.get("playbook_form") or PlaybookForm(incident=incident),
        "observable_form": bound.get("observable_form")
        or ObservableForm(auto_id="id_observable_%s"),
        "paste_form": bound.get("paste_form") or PasteObservablesForm(auto_id="id_paste_%s"),
        "timeline_form": bound.get("timeline_form")
        or TimelineEventForm(
            observables=observables,
            evidence=list(actions.linkable_evidence(incident)),
            auto_id="id_timeline_%s",
        ),
        "link_form": bound.get("link_form") or LinkForm(auto_id="id_link_%s"),
        "merge_form": bound.get("merge_form") or MergeForm(auto_id="id_merge_%s"),
    }


def _again(request: HttpRequest, incident: Incident, **forms: Any) -> HttpResponse:
    """The incident page again, with the refused form and its errors."""
    from siaga.incidents import views

    setattr(request, FORMS_ATTRIBUTE, forms)
    return views._render_incident(request, incident, status=400)


def _back(incident: Incident, anchor: str) -> HttpResponse:
    return redirect(reverse("incidents:detail", args=[incident.pk]) + f"#{anchor}")


def _incident_to_work_on(request: HttpRequest, pk: int) -> Incident:
    incident = access_incident(request.user, pk)
    if not principal_for(request.user).has_perm("incident.change"):
        raise PermissionDenied
    return incident


# --- Tasks and playbooks -----------------------------------------------------------------------------


@login_required
@require_POST
def task_add(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident_to_work_on(request, pk)
    form = TaskForm(request.POST, staff=_staff(request), auto_id="id_task_%s")
    if form.is_valid():
        try:
            actions.check_add_task(request.user, incident, form.cleaned_data)
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, _("Task added."))
            return _back(incident, "tasks-heading")
    return _again(request, incident, task_form=form)


@login_required
@require_POST
def task_update(request: HttpRequest, pk: int) -> HttpResponse:
    task = actions.access_task(request.user, pk)
    incident = _incident_to_work_on(request, task.incident_id)
    prefix = f"task-{task.pk}"
    form = TaskUpdateForm(request.POST, prefix=prefix, staff=_staff(request))
    if form.is_valid():
        try:
            actions.check_update_task(request.user, task, form.cleaned_data)
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, _("Task saved."))
            return _back(incident, "tasks-heading")
    return _again(request, incident, **{prefix: form})


@login_required
@require_POST
def playbook_apply(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident_to_work_on(request, pk)
    form = PlaybookForm(request.POST, incident=incident)
    if form.is_valid():
        try:
            tasks = actions.check_apply_playbook(
                request.user, incident, form.cleaned_data["playbook"]
            )
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(
                request,
                ngettext("%(count)d task added.", "%(count)d tasks added.", len(tasks))
                % {"count": len(tasks)},
            )
            return _back(incident, "tasks-heading")
    return _again(request, incident, playbook_form=form)


# --- Observables ---------------------------------------------------------------------------------------


@login_required
@require_POST
def observable_add(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident_to_work_on(request, pk)
    form = ObservableForm(request.POST, auto_id="id_observable_%s")
    if form.is_valid():
        try:
            actions.check_add_observable(request.user, incident, **form.cleaned_data)
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, _("Observable added."))
            return _back(incident, "observables-heading")
    return _again(request, incident, observable_form=form)


@login_required
@require_POST
def observable_paste(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident_to_work_on(request, pk)
    form = PasteObservablesForm(request.POST, auto_id="id_paste_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = actions.check_add_pasted_observables(
                request.user, incident, data["text"], type=data["type"]
            )
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            _report_paste(request, result)
            if not result.problems:
                return _back(incident, "observables-heading")
            # Keep the text on the page so the lines in error can be corrected.
            form.add_error(None, result.problems)
            return _again(request, incident, paste_form=form)
    return _again(request, incident, paste_form=form)


def _report_paste(request: HttpRequest, result: actions.PastedResult) -> None:
    added = len(result.added)
    text = ngettext("%(count)d observable added.", "%(count)d observables added.", added) % {
        "count": added
    }
    if result.already_recorded:
        text += " " + ngettext(
            "%(count)d was already recorded.",
            "%(count)d were already recorded.",
            result.already_recorded,
        ) % {"count": result.already_recorded}
    if result.problems:
        text += " " + ngettext(
            "%(count)d line could not be read.",
            "%(count)d lines could not be read.",
            len(result.problems),
        ) % {"count": len(result.problems)}
        messages.warning(request, text)
    else:
        messages.success(request, text)


@login_required
@require_POST
def observable_delete(request: HttpRequest, pk: int) -> HttpResponse:
    observable = actions.access_observable(request.user, pk)
    incident = _incident_to_work_on(request, observable.incident_id)
    try:
        actions.check_delete_observable(request.user, observable)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Observable removed."))
    return _back(incident, "observables-heading")


@login_required
@require_GET
def observable_correlations(request: HttpRequest, pk: int) -> HttpResponse:
    observable = actions.access_observable(request.user, pk)
    context = {
        "observable": observable,
        "incident": observable.incident,
        "incidents": list(actions.correlated_incidents(request.user, observable)),
        "limit": actions.CORRELATION_LIMIT,
    }
    return render(request, "incidents/casework/correlations.html", context)


# --- Timeline and comments ------------------------------------------------------------------------------


@login_required
@require_POST
def timeline_add(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident_to_work_on(request, pk)
    observables = list(incident.observables.all())
    form = TimelineEventForm(
        request.POST,
        observables=observables,
        evidence=list(actions.linkable_evidence(incident)),
        auto_id="id_timeline_%s",
    )
    if form.is_valid():
        try:
            actions.check_add_timeline_event(request.user, incident, form.cleaned_data)
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, _("Timeline entry added."))
            return _back(incident, "timeline-heading")
    return _again(request, incident, timeline_form=form)


@login_required
@require_POST
def comment_add(request: HttpRequest, pk: int) -> HttpResponse:
    incident = access_incident(request.user, pk)
    form = CommentForm(request.POST, may_write_internal=principal_for(request.user).is_cert_staff)
    if form.is_valid():
        try:
            actions.check_add_comment(
                request.user, incident, form.cleaned_data["body"], form.chosen_visibility()
            )
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, _("Comment added."))
            return _back(incident, "comments-heading")
    return _again(request, incident, comment_form=form)


# --- Links and merges -------------------------------------------------------------------------------------


@login_required
@require_POST
def link_add(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident_to_work_on(request, pk)
    form = LinkForm(request.POST, auto_id="id_link_%s")
    if form.is_valid():
        try:
            target = actions.find_incident(request.user, form.cleaned_data["target"])
            actions.check_link_incidents(
                request.user, incident, target.pk, form.cleaned_data["kind"]
            )
        except Http404:
            form.add_error("target", _("No incident you can see has this reference."))
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, _("Incidents linked."))
            return _back(incident, "links-heading")
    return _again(request, incident, link_form=form)


@login_required
@require_POST
def link_delete(request: HttpRequest, pk: int) -> HttpResponse:
    link = actions.access_link(request.user, pk)
    back_to = request.POST.get("incident")
    incident = link.target if back_to == str(link.target_id) else link.source
    _incident_to_work_on(request, link.source_id)
    actions.check_unlink(request.user, link)
    messages.success(request, _("Link removed."))
    return _back(incident, "links-heading")


@login_required
@require_POST
def merge(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident_to_work_on(request, pk)
    form = MergeForm(request.POST, auto_id="id_merge_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            into = actions.find_incident(request.user, data["into"])
            actions.check_merge(request.user, incident, into.pk, data["note"])
        except Http404:
            form.add_error("into", _("No incident you can see has this reference."))
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(
                request, _("Merged into %(reference)s.") % {"reference": into.reference}
            )
            return redirect("incidents:detail", pk=into.pk)
    return _again(request, incident, merge_form=form)
