"""Pages of the feeds app: the reports received and their processing, handing one in, the feeds.

Views parse input, call ``actions`` and render. The CERT's staff see every report and hand them in;
the auditor reads; the CERT's leads and administrators configure the feeds.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from siaga.core.forms import add_validation_error
from siaga.feeds import actions
from siaga.feeds.choices import FeedReportStatus, ReportSource
from siaga.feeds.forms import FeedForm, QuarantineRetryForm, ReportFilterForm, ReportUploadForm
from siaga.feeds.models import SCHEDULED_COLLECTORS, Feed, FeedReport
from siaga.feeds.quarantine import MAX_ROWS_PER_TRY, check_retry_quarantined
from siaga.jobs.models import Job

REPORTS_PER_PAGE = 50
QUARANTINE_PER_PAGE = 50
# Reports in these states have a job waiting or running: their list row shows its progress.
UNFINISHED = (FeedReportStatus.RECEIVED, FeedReportStatus.PROCESSING)


# --- Reports ------------------------------------------------------------------------------------------


@login_required
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    actions.require(request.user, "feedreport.view")
    filters = ReportFilterForm(request.GET or None, feeds=actions.visible_feeds(request.user))
    reports = actions.visible_reports(request.user).filter(**filters.filters())
    page = Paginator(reports, REPORTS_PER_PAGE).get_page(request.GET.get("page"))
    unfinished = [report for report in page.object_list if report.status in UNFINISHED]
    jobs = actions.latest_jobs(unfinished)
    context = {
        "page": page,
        "rows": [(report, jobs.get(report.pk)) for report in page.object_list],
        "filters": filters,
        "can_add": actions.may(request.user, "feedreport.add"),
    }
    return render(request, "feeds/report_list.html", context)


@login_required
@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = actions.access_report(request.user, pk)
    quarantine = actions.visible_quarantine(request.user, report)
    page = Paginator(quarantine, QUARANTINE_PER_PAGE).get_page(request.GET.get("page"))
    jobs = list(actions.report_jobs(report).select_related("created_by"))
    seen = set(
        Job.objects.restrict(request.user, "view")
        .filter(pk__in=[job.pk for job in jobs])
        .values_list("pk", flat=True)
    )
    context = {
        "report": report,
        "page": page,
        "jobs": [(job, job.pk in seen) for job in jobs],
        "can_reprocess": actions.may(request.user, "feedreport.add")
        and report.status != FeedReportStatus.PROCESSING,
        "can_retry": actions.may(request.user, "feedreport.add")
        and report.status != FeedReportStatus.PROCESSING,
    }
    return render(request, "feeds/report_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def report_upload(request: HttpRequest) -> HttpResponse:
    actions.require(request.user, "feedreport.add")
    feeds = actions.visible_feeds(request.user).filter(is_active=True)
    posted = request.method == "POST"
    form = ReportUploadForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        feeds=feeds,
        initial={"feed": request.GET.get("feed")} if request.GET.get("feed") else None,
    )
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report, created = actions.check_receive_report(
                request.user,
                form.cleaned_data["feed"],
                upload.chunks(),
                upload.name or "",
                source=ReportSource.UPLOAD,
            )
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            _say_received(request, report, created)
            return redirect("feeds:report-detail", pk=report.pk)
    return render(
        request,
        "feeds/report_upload.html",
        {"form": form, "max_mb": actions.max_report_bytes() // 2**20},
    )


def _say_received(request: HttpRequest, report: FeedReport, created: bool) -> None:
    if created:
        messages.success(
            request,
            _("%(name)s was received and is being processed.") % {"name": report.file_name},
        )
        return
    messages.info(
        request,
        _("This file was received before, on %(date)s, as %(name)s: here is that report.")
        % {
            "date": formats.date_format(report.received_at, "DATETIME_FORMAT"),
            "name": report.file_name,
        },
    )


@login_required
@require_POST
def report_reprocess(request: HttpRequest, pk: int) -> HttpResponse:
    report = actions.access_report(request.user, pk)
    try:
        actions.check_reprocess_report(request.user, report)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(name)s will be processed again; the parts stored already are skipped.")
            % {"name": report.file_name},
        )
    return redirect("feeds:report-detail", pk=report.pk)


@login_required
@require_http_methods(["GET", "POST"])
def quarantine_retry(request: HttpRequest, pk: int, row: int) -> HttpResponse:
    """Try one quarantined row again, as it was or as corrected in the form."""
    report = actions.access_report(request.user, pk)
    entry = get_object_or_404(actions.visible_quarantine(request.user, report), row=row)
    actions.require(request.user, "feedreport.add")
    form = QuarantineRetryForm(
        request.POST if request.method == "POST" else None, initial={"text": entry.raw}
    )
    if form.is_bound and form.is_valid():
        text = form.cleaned_data["text"]
        corrections = {row: text} if text != entry.raw else {}
        try:
            outcome = check_retry_quarantined(request.user, report, [row], corrections=corrections)
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            if outcome.stored:
                messages.success(request, _("Row %(row)d is stored as events now.") % {"row": row})
                return redirect("feeds:report-detail", pk=report.pk)
            form.add_error("text", outcome.still_quarantined.get(row, ""))
    context = {"report": report, "entry": entry, "form": form}
    return render(request, "feeds/quarantine_retry.html", context)


@login_required
@require_POST
def quarantine_retry_all(request: HttpRequest, pk: int) -> HttpResponse:
    """Try the report's quarantined rows again as they are (after a parser learned better)."""
    report = actions.access_report(request.user, pk)
    rows = list(
        actions.visible_quarantine(request.user, report).values_list("row", flat=True)[
            :MAX_ROWS_PER_TRY
        ]
    )
    try:
        outcome = check_retry_quarantined(request.user, report, rows)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(stored)d of %(tried)d rows are stored as events now.")
            % {"stored": len(outcome.stored), "tried": len(rows)},
        )
    return redirect("feeds:report-detail", pk=report.pk)


# --- Feeds --------------------------------------------------------------------------------------------


@login_required
@require_GET
def feed_list(request: HttpRequest) -> HttpResponse:
    actions.require(request.user, "feed.view")
    context = {
        "feeds": actions.visible_feeds(request.user).order_by("name"),
        "can_add": actions.may(request.user, "feed.add"),
        "can_change": actions.may(request.user, "feed.change"),
        "can_upload": actions.may(request.user, "feedreport.add"),
    }
    return render(request, "feeds/feed_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def feed_create(request: HttpRequest) -> HttpResponse:
    actions.require(request.user, "feed.add")
    form = FeedForm(request.POST if request.method == "POST" else None)
    return _save_feed(request, form, None)


@login_required
@require_http_methods(["GET", "POST"])
def feed_edit(request: HttpRequest, pk: int) -> HttpResponse:
    feed = actions.access_feed(request.user, pk)
    actions.require(request.user, "feed.change")
    form = FeedForm(request.POST if request.method == "POST" else None, instance=feed)
    return _save_feed(request, form, feed)


def _save_feed(request: HttpRequest, form: FeedForm, feed: Feed | None) -> HttpResponse:
    if form.is_bound and form.is_valid():
        try:
            saved = actions.check_save_feed(request.user, form.changes(), feed)
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, _("Feed %(name)s saved.") % {"name": saved.name})
            if request.POST.get("collect_now"):
                _collect_soon(request, saved)
            return redirect("feeds:feed-list")
    context = {
        "form": form,
        "feed": feed,
        "scheduled": feed is not None and feed.collector in SCHEDULED_COLLECTORS,
    }
    return render(request, "feeds/feed_form.html", context)


def _collect_soon(request: HttpRequest, feed: Feed) -> None:
    try:
        actions.check_collect_soon(request.user, feed)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.info(
            request,
            _("%(name)s will be collected within a minute; its page shows the outcome.")
            % {"name": feed.name},
        )
