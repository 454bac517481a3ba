"""The strategic board's quarterly report (R3): what it holds, the PDF, and its generation.

Asked for on a page (and generated in the background, its progress committed as it goes so the
page can show it) or through the API (served from the newest generated copy, or generated there
and then when there is none). Every figure in it is an aggregate, and counts of 1 to 4 read
"fewer than 5": the board reads no child's name or identifier.
"""

import logging
from datetime import datetime, time, timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import TruncDate
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from weasyprint import HTML

from actions.models import Action, ActionStatus
from actions.selectors import stuck_filter
from casework.audit import audit_event_record
from casework.calendar import LONDON, local_date
from missing.interviews.selectors import interview_timeliness
from missing.models import InterviewState, MissingEpisode
from panels.models import Meeting, MeetingChild, MeetingStatus, Rating

from .charts import charts_for
from .figures import (
    REPEAT_BANDS,
    count_shown,
    dashboard_figures,
    interviews_with_t1,
    quarter_period,
    section,
)
from .models import QuarterlyReport, ReportStatus

logger = logging.getLogger(__name__)

GENERATE_TASK = "reporting.generate_quarterly_report"
RESUME_TASK = "reporting.resume_quarterly_reports"


# What the report holds --------------------------------------------------------------------------


def summary(authority, period):
    """The headline figures of one period, in four queries."""
    episodes = MissingEpisode.objects.filter(authority=authority)
    in_period = episodes.filter(started_at__gte=period.start, started_at__lt=period.end)
    totals = in_period.aggregate(
        episodes=Count("pk"),
        children=Count("child_id", distinct=True),
        missing=Count("pk", filter=Q(category="missing")),
        high_risk=Count("pk", filter=Q(risk_level="high")),
    )
    per_child = in_period.order_by().values("child_id").annotate(n=Count("pk"))
    repeat = per_child.filter(n__gte=2).count()
    end = period.end
    totals["missing_at_end"] = episodes.filter(
        Q(started_at__lt=end) & (Q(returned_at__isnull=True) | Q(returned_at__gte=end))
    ).values("child_id").distinct().count()
    interviews = interviews_with_t1(authority).filter(offered_at__gte=period.start, offered_at__lt=period.end)
    totals.update(interviews.aggregate(
        interviews_offered=Count("pk", distinct=True),
        interviews_completed=Count("pk", filter=Q(state=InterviewState.COMPLETED), distinct=True),
        interviews_within=Count("pk", filter=Q(state=InterviewState.COMPLETED, held_at__lte=F("t1_due_at")),
                                distinct=True),
    ))
    totals["repeat_children"] = repeat
    return totals


SUMMARY_ROWS = [
    ("episodes", "Episodes"),
    ("children", "Individual children"),
    ("missing", "Episodes recorded as missing (not absent or away)"),
    ("high_risk", "Episodes graded high risk by the police"),
    ("repeat_children", "Children missing twice or more"),
    ("missing_at_end", "Children missing at the end of the quarter"),
    ("interviews_offered", "Return interviews offered"),
    ("interviews_completed", "Return interviews completed"),
    ("interviews_within", "Return interviews completed within 72 hours"),
]


def repeat_cohort(authority, period):
    """Children missing twice or more this quarter, and how many of them were last quarter too."""
    episodes = MissingEpisode.objects.filter(authority=authority)

    def repeaters(p):
        return (episodes.filter(started_at__gte=p.start, started_at__lt=p.end).order_by()
                .values("child_id").annotate(n=Count("pk")).filter(n__gte=2).values("child_id"))

    now_ids = repeaters(period)
    return {
        "children": now_ids.count(),
        "also_last_quarter": episodes.filter(child_id__in=now_ids).values("child_id").filter(
            child_id__in=repeaters(period.shifted(-3))).distinct().count(),
    }


def panel_activity(panel, period, now):
    """Meetings held, children heard, ratings that moved, the panel's actions done on time, stuck cases."""
    meetings = Meeting.objects.filter(panel=panel, starts_at__gte=period.start, starts_at__lt=period.end).exclude(
        status=MeetingStatus.SCHEDULED)
    heard = MeetingChild.objects.filter(meeting__in=meetings).values("child_id").distinct().count()
    previous = Rating.objects.filter(child_id=OuterRef("child_id"), recorded_at__lt=OuterRef("recorded_at")) \
        .order_by("-recorded_at").values("rating")[:1]
    ratings = Rating.objects.filter(meeting__in=meetings).annotate(before=Subquery(previous)).aggregate(
        decided=Count("pk"),
        moved=Count("pk", filter=Q(before__isnull=False) & ~Q(before=F("rating"))),
        to_red=Count("pk", filter=Q(before__isnull=False, rating="red") & ~Q(before="red")),
        to_green=Count("pk", filter=Q(before__isnull=False, rating="green") & ~Q(before="green")),
    )
    panel_meetings = Meeting.objects.filter(panel=panel).values("pk")
    actions = Action.objects.filter(panel_meeting_id__in=panel_meetings)
    done = actions.filter(status=ActionStatus.DONE, completed_at__gte=period.start, completed_at__lt=period.end) \
        .annotate(done_on=TruncDate("completed_at", tzinfo=LONDON))
    figures = done.aggregate(completed=Count("pk"), on_time=Count("pk", filter=Q(done_on__lte=F("due_date"))))
    today = min(local_date(now), period.last_day)
    figures.update(
        meetings=meetings.count(),
        children_heard=heard,
        stuck=actions.filter(stuck_filter(today)).values("child_id").distinct().count(),
        **ratings,
    )
    return figures


ACTIVITY_ROWS = [
    ("meetings", "Meetings held"),
    ("children_heard", "Children heard"),
    ("decided", "Ratings decided"),
    ("moved", "Ratings that moved from the child's previous rating"),
    ("to_red", "of which moved to red"),
    ("to_green", "of which moved to green"),
    ("completed", "Actions completed"),
    ("on_time", "Actions completed by their due date"),
    ("stuck", "Stuck cases (children with an action overdue after both escalations)"),
]


def report_content(panel, quarter, *, now, gaps="", progress=None):
    """Everything the PDF shows; `progress(per_cent, stage)` is told as each part is done."""
    progress = progress or (lambda per_cent, stage: None)
    authority = panel.authority
    period = quarter_period(quarter)
    periods = [("This quarter", period), ("Previous quarter", period.shifted(-3)),
               ("Same quarter last year", period.shifted(-12))]
    progress(10, "Summary figures")
    summaries = [summary(authority, p) for _, p in periods]
    summary_rows = [
        {"label": label, "values": [count_shown(s[key], suppress=True) for s in summaries]}
        for key, label in SUMMARY_ROWS
    ]
    progress(30, "Breakdowns and trends")
    sections = dashboard_figures(authority, period, now=now)
    progress(60, "Charts")
    shown = []
    for breakdown in sections:
        rows = [{**row, "episodes_shown": count_shown(row["episodes"], suppress=True),
                 "children_shown": count_shown(row["children"], suppress=True),
                 "trend_shown": [count_shown(v, suppress=True) for v in row["trend"]] if row["trend"] else None}
                for row in breakdown.rows]
        shown.append({"breakdown": breakdown, "rows": rows, **charts_for(breakdown, suppress=True),
                      "has_episodes": bool(rows) and rows[0]["episodes"] is not None,
                      "has_trend": any(row["trend"] for row in rows)})
    progress(70, "Return interviews and panel activity")
    timeliness = interview_timeliness(authority, period.start, period.end, now=now)["overall"]
    cohort = repeat_cohort(authority, period)
    activity = panel_activity(panel, period, now)
    repeats = section(sections, "repeats")
    return {
        "panel": panel,
        "authority": authority,
        "quarter": quarter,
        "period": period,
        "periods": [label for label, _ in periods],
        "period_labels": [p.label for _, p in periods],
        "summary_rows": summary_rows,
        "sections": shown,
        "cohort": {
            "children": count_shown(cohort["children"], suppress=True),
            "also_last_quarter": count_shown(cohort["also_last_quarter"], suppress=True),
            "bands": [(label, count_shown(row["children"], suppress=True))
                      for (key, label, *_), row in zip(REPEAT_BANDS, repeats.rows)],
        },
        "timeliness": {
            "interviews": count_shown(timeliness.interviews, suppress=True),
            "offered_within": count_shown(timeliness.offered_within, suppress=True),
            "completed_within": count_shown(timeliness.completed_within, suppress=True),
            "offered_share": timeliness.offered_share,
            "completed_share": timeliness.completed_share,
        },
        "themes": [s for s in shown if s["breakdown"].key in ("push_factors", "pull_factors")],
        "hotspots": section(sections, "found"),
        "hotspot_rows": next(s["rows"] for s in shown if s["breakdown"].key == "found"),
        "activity": [(label, count_shown(activity[key], suppress=True)) for key, label in ACTIVITY_ROWS],
        "gaps": gaps,
        "generated_at": now,
    }


def css_string(text):
    """Text as a CSS string for the page's running header: quotes and backslashes escaped, and "<"
    written as a CSS escape so that no name can close the <style> element."""
    text = " ".join(str(text).split()).replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ")
    return mark_safe(f'"{text}"')


def render_pdf(content):
    title = css_string(f"{content['panel'].name}: quarterly report {content['quarter']}")
    html = render_to_string("reporting/quarterly_pdf.html", {**content, "running_title": title})
    return HTML(string=html).write_pdf()


# Generation ---------------------------------------------------------------------------------------


@transaction.atomic
def quarterly_report_request(*, actor, panel, quarter, gaps=""):
    """Store the request and send it to a worker once the transaction commits."""
    quarter_period(quarter)  # ValueError for a quarter that is not YYYY-Qn
    report = QuarterlyReport(panel=panel, quarter=quarter, gaps=gaps.strip(), requested_by=actor,
                             requested_at=timezone.now())
    report.full_clean()
    report.save()
    audit_event_record(actor=actor, verb="quarterly_report.requested", obj=report, data={"quarter": quarter})
    transaction.on_commit(lambda: quarterly_report_dispatch(report_id=report.pk))
    return report


def quarterly_report_dispatch(*, report_id):
    """Send the report's id to a worker once; a broker that is down leaves it waiting (and says so)."""
    from celery import current_app

    try:
        current_app.send_task(GENERATE_TASK, args=[str(report_id)], ignore_result=True, retry=False)
    except Exception as error:  # the broker is down: the report waits, the page says so
        logger.warning("quarterly_report.not_sent", extra={"report": str(report_id), "error": str(error)})
        return False
    return True


WAITING_TOO_LONG = timedelta(minutes=2)
STALE_RUN = timedelta(minutes=30)


def quarterly_reports_resume(*, now=None):
    """The beat's sweep: send again the reports no worker took (asked for while the broker was down,
    or lost with it), and those whose run stopped moving (a worker that died). Answers their ids."""
    now = now or timezone.now()
    QuarterlyReport.objects.filter(status=ReportStatus.RUNNING, started_at__lt=now - STALE_RUN).update(
        status=ReportStatus.QUEUED, stage="Started again after the run stopped")
    waiting = list(QuarterlyReport.objects.filter(status=ReportStatus.QUEUED, requested_at__lt=now - WAITING_TOO_LONG)
                   .values_list("pk", flat=True))
    for report_id in waiting:
        quarterly_report_dispatch(report_id=report_id)
    return waiting


def _progress(report_id):
    def tell(per_cent, stage):
        QuarterlyReport.objects.filter(pk=report_id).update(progress=per_cent, stage=stage)

    return tell


def quarterly_report_generate(*, report_id, now=None):
    """Generate one report, committing its progress as it goes. Claims the report first, so two
    runs never generate it twice; answers the report, or None when there was nothing to do."""
    now = now or timezone.now()
    claimed = QuarterlyReport.objects.filter(pk=report_id, status=ReportStatus.QUEUED).update(
        status=ReportStatus.RUNNING, started_at=now, progress=5, stage="Starting")
    if not claimed:
        return None
    report = QuarterlyReport.objects.select_related("panel__authority").get(pk=report_id)
    try:
        content = report_content(report.panel, report.quarter, now=now, gaps=report.gaps,
                                 progress=_progress(report_id))
        _progress(report_id)(85, "Writing the PDF")
        pdf = render_pdf(content)
    except Exception as error:  # any failure: kept on the report, shown on its page
        logger.exception("quarterly_report.failed", extra={"report": str(report_id)})
        QuarterlyReport.objects.filter(pk=report_id).update(
            status=ReportStatus.FAILED, error=f"{type(error).__name__}: {error}"[:2000], stage="Failed")
        report.refresh_from_db()
        return report
    with transaction.atomic():
        report = QuarterlyReport.objects.select_for_update().get(pk=report_id)
        report.file.save(f"quarterly-{report.quarter}-{str(report.pk)[:8]}.pdf", ContentFile(pdf), save=False)
        report.status, report.progress, report.stage = ReportStatus.DONE, 100, "Ready"
        report.generated_at = timezone.now()
        report.save()
        audit_event_record(actor=None, verb="quarterly_report.generated", obj=report,
                           data={"quarter": report.quarter, "bytes": len(pdf)})
    return report


def newest_report(panel, quarter):
    return QuarterlyReport.objects.filter(panel=panel, quarter=quarter, status=ReportStatus.DONE) \
        .exclude(file="").order_by("-generated_at").first()


def quarterly_pdf_for(*, actor, panel, quarter):
    """The newest generated PDF of this panel and quarter, or one generated now when there is none."""
    report = newest_report(panel, quarter)
    if report is None:
        with transaction.atomic():
            report = QuarterlyReport.objects.create(panel=panel, quarter=quarter, requested_by=actor,
                                                    requested_at=timezone.now(), gaps=_latest_gaps(panel, quarter))
            audit_event_record(actor=actor, verb="quarterly_report.requested", obj=report, data={"quarter": quarter})
        report = quarterly_report_generate(report_id=report.pk)
        if report is None or report.status != ReportStatus.DONE:
            raise RuntimeError("The quarterly report could not be generated.")
    return report


def _latest_gaps(panel, quarter):
    """The chair's gaps text of the latest request for this quarter, carried into the next one."""
    latest = QuarterlyReport.objects.filter(panel=panel, quarter=quarter).exclude(gaps="").order_by(
        "-requested_at").first()
    return latest.gaps if latest else ""


def quarterly_report_downloaded(*, actor, report):
    audit_event_record(actor=actor, verb="quarterly_report.downloaded", obj=report, data={"quarter": report.quarter})


def reports_of(panels):
    return QuarterlyReport.objects.filter(panel__in=panels).select_related("panel", "requested_by")


def default_quarter(now):
    """The last complete quarter."""
    today = local_date(now)
    first = datetime.combine(today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1), time.min, tzinfo=LONDON)
    last = (first - timedelta(days=1)).date()
    return f"{last.year}-Q{(last.month - 1) // 3 + 1}"
