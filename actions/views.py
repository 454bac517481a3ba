"""Pages: My actions, an action with its timeline, the tracker (with its CSV), and a child's
meetings with the form that records one and its PDF. They call the same selectors and services as
the API; what the user may not see is a 404, what they see but may not change a 403."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from casework.audit import record_access_log
from casework.calendar import local_date
from casework.forms import form_errors_from_service
from casework.links import url_maker
from casework.models import Escalation
from casework.services import authority_for
from missing.selectors import child_get_visible

from . import services
from .api import evidence_response, meeting_pdf_response
from .clocks import ACTION
from .forms import AGENDA, ActionForm, ActionUpdateForm, MeetingForm, TrackerFilterForm
from .models import ActionStatus, MeetingKind
from .permissions import can_change_action, can_create_action, can_read_tracker, can_record_meeting
from .selectors import (
    ROW_JOINS,
    TrackerFilters,
    action_get_visible,
    actions_mine,
    actions_tracker,
    actions_listed,
    escalation_steps,
    evidence_get_visible,
    meeting_get_visible,
    meetings_of_child,
    tracker_csv,
    tracker_summary,
)


def _action_or_404(request, action_id):
    action = action_get_visible(request.user, action_id)
    if action is None:
        raise Http404
    return action


def _due_tag(action):
    """The status tag's colour and words: done, cancelled, overdue by how long, or open."""
    if action.status == ActionStatus.DONE:
        return "green", "Done"
    if action.status == ActionStatus.CANCELLED:
        return "grey", "Cancelled"
    if action.days_late:
        return "red", f"Overdue by {action.days_late} day{'' if action.days_late == 1 else 's'}"
    return "blue", "Open"


def _with_lateness(actions, today):
    """How late each open action is, its status tag, and its links: each address pattern is reversed
    once per list, and the tag worked out here rather than by a template included per row (issue 13)."""
    child_url, action_url = url_maker("missing:child_detail"), url_maker("actions:detail")
    for action in actions:
        action.days_late = max((today - action.due_date).days, 0) if action.is_open else 0
        action.tag_colour, action.tag_text = _due_tag(action)
        action.due_text = f"{action.due_date.day} {action.due_date:%b %Y}"  # "5 Jan 2026", as |date:"j M Y"
        action.child_url, action.url = child_url(action.child_id), action_url(action.pk)
    return actions


@login_required
def my_actions(request):
    today = local_date(timezone.now())
    actions = _with_lateness(list(actions_mine(request.user)), today)
    record_access_log(request, [a.child_id for a in actions])
    return render(
        request,
        "actions/mine.html",
        {"actions": actions, "overdue_count": sum(1 for a in actions if a.days_late), "today": today},
    )


def _detail(request, action, form=None, status=200):
    record_access_log(request, [action.child_id])
    _with_lateness([action], local_date(timezone.now()))
    escalations = Escalation.objects.filter(deadline__subject_type=ACTION, deadline__subject_id=action.pk).order_by(
        "fired_at"
    )
    may_change = can_change_action(request.user, action)
    context = {
        "action": action,
        "updates": list(action.updates.all()),
        "loose_evidence": [item for item in action.evidence.all() if item.update_id is None],
        "escalations": escalations,
        "may_change": may_change,
        "form": form or (ActionUpdateForm() if may_change else None),
    }
    return render(request, "actions/detail.html", context, status=status)


@login_required
def action_detail(request, action_id):
    return _detail(request, _action_or_404(request, action_id))


@login_required
@require_POST
def action_update(request, action_id):
    """Update, complete or cancel, from the action's page or in place from My actions."""
    action = _action_or_404(request, action_id)
    if not can_change_action(request.user, action):
        raise PermissionDenied
    form = ActionUpdateForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.action_update(
                actor=request.user, action=action, status=form.cleaned_data["status"],
                text=form.cleaned_data["update"], evidence=form.cleaned_data["evidence"],
            )
        except ValidationError as error:
            form_errors_from_service(form, error)
        else:
            status = form.cleaned_data["status"]
            messages.success(
                request,
                {ActionStatus.DONE: "The action is recorded as done.", ActionStatus.CANCELLED: "The action is cancelled."}
                .get(status, "Your update is saved."),
            )
            if request.POST.get("next") == "mine":
                return redirect("actions:mine")
            return redirect("actions:detail", action_id=action.pk)
    return _detail(request, _action_or_404(request, action_id), form=form, status=400)


@login_required
def evidence_download(request, action_id, evidence_id):
    evidence = evidence_get_visible(request.user, action_id, evidence_id)
    if evidence is None:
        raise Http404
    return evidence_response(request, evidence)


# The tracker ------------------------------------------------------------------------------------


def _tracker_filters(form):
    data = form.cleaned_data if form.is_valid() else {}
    return TrackerFilters(
        agency=data.get("agency"),
        status=data.get("status", ""),
        overdue={"yes": True, "no": False}.get(data.get("overdue")),
        child=data.get("child"),
        meeting=data.get("meeting"),
    )


@login_required
def tracker(request):
    if not can_read_tracker(request.user):
        raise PermissionDenied
    now = timezone.now()
    today = local_date(now)
    form = TrackerFilterForm(request.GET or None, authority=authority_for(request.user))
    filters = _tracker_filters(form)
    actions = actions_tracker(request.user, filters, now)
    if request.GET.get("format") == "csv":
        record_access_log(request, actions.values_list("child_id", flat=True))
        response = HttpResponse(tracker_csv(actions, now), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="actions-{today.isoformat()}.csv"'
        return response
    summary = tracker_summary(actions, now)
    figures = summary.figures
    # The summary read every listed action once, in order: the page is a slice of its ids, and the
    # page's rows and the stuck ones are loaded by id in one query.
    page = Paginator(summary.ids, 50).get_page(request.GET.get("page"))
    shown = actions_listed([*page.object_list, *summary.stuck_ids])
    rows = _with_lateness([shown[pk] for pk in page.object_list if pk in shown], today)  # erased since: left out
    steps = escalation_steps(a.pk for a in rows)
    for action in rows:
        action.escalation_step = steps.get(action.pk, 0)
    stuck = _with_lateness([shown[pk] for pk in summary.stuck_ids if pk in shown], today)
    record_access_log(request, [a.child_id for a in rows + stuck])
    query = {key: value for key, value in request.GET.items() if key not in ("page", "format")}
    return render(
        request,
        "actions/tracker.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "figures": figures,
            "stuck": stuck,
            "count_caption": f"{page.paginator.count} action{'' if page.paginator.count == 1 else 's'}",
            "csv_query": urlencode({**query, "format": "csv"}),
            "page_query": urlencode(query),
        },
    )


# Child meetings ---------------------------------------------------------------------------------


def _child_or_404(request, child_id):
    child = child_get_visible(request.user, child_id)
    if child is None:
        raise Http404
    return child


@login_required
def child_meetings(request, child_id):
    child = _child_or_404(request, child_id)
    record_access_log(request, [child])
    today = local_date(timezone.now())
    actions = _with_lateness(
        list(actions_tracker(request.user, TrackerFilters(child=child.pk)).select_related(*ROW_JOINS)), today
    )
    return render(
        request,
        "actions/child_meetings.html",
        {
            "child": child,
            "meetings": meetings_of_child(child),
            "actions": actions,
            "may_record": any(can_record_meeting(request.user, child, kind) for kind in MeetingKind.values),
            "may_add_action": can_create_action(request.user, child),
        },
    )


@login_required
def meeting_create(request, child_id):
    child = _child_or_404(request, child_id)
    record_access_log(request, [child])
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if not can_record_meeting(request.user, child, data["kind"]):
            raise PermissionDenied
        try:
            meeting = services.meeting_record(actor=request.user, child=child, **data)
        except ValidationError as error:
            form_errors_from_service(form, error)
        else:
            done = len(meeting.completed_deadlines)
            messages.success(
                request,
                f"{meeting.get_kind_display()} recorded"
                + (f": deadline {meeting.rule} is done." if done else ".")
                + " Add the support plan's actions below.",
            )
            return redirect("actions:meeting_detail", meeting_id=meeting.pk)
    return render(
        request, "actions/meeting_form.html", {"child": child, "form": form, "agenda": AGENDA},
        status=400 if form.errors else 200,
    )


def _meeting_or_404(request, meeting_id):
    meeting = meeting_get_visible(request.user, meeting_id)
    if meeting is None:
        raise Http404
    return meeting


@login_required
def meeting_detail(request, meeting_id):
    meeting = _meeting_or_404(request, meeting_id)
    record_access_log(request, [meeting.child_id])
    today = local_date(timezone.now())
    return render(
        request,
        "actions/meeting_detail.html",
        {
            "meeting": meeting,
            "child": meeting.child,
            "actions": _with_lateness(
                list(meeting.actions.select_related("owner", "owner_agency").order_by("due_date")), today
            ),
            "may_add_action": can_create_action(request.user, meeting.child, meeting),
        },
    )


@login_required
def meeting_pdf(request, meeting_id):
    return meeting_pdf_response(request, _meeting_or_404(request, meeting_id))


@login_required
def action_create(request, child_id):
    child = _child_or_404(request, child_id)
    meeting = None
    if request.GET.get("meeting"):
        meeting = meeting_get_visible(request.user, request.GET["meeting"])
        if meeting is None or meeting.child_id != child.pk:
            raise Http404
    if not can_create_action(request.user, child, meeting):
        raise PermissionDenied
    record_access_log(request, [child])
    form = ActionForm(request.POST or None, authority=child.authority)
    if request.method == "POST" and form.is_valid():
        try:
            action = services.action_create(actor=request.user, child=child, meeting=meeting, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from_service(form, error)
        else:
            messages.success(request, "The action is agreed. Its owner agency can now see this child's record.")
            if meeting is not None:
                return redirect("actions:meeting_detail", meeting_id=meeting.pk)
            return redirect("actions:detail", action_id=action.pk)
    return render(
        request, "actions/action_form.html", {"child": child, "meeting": meeting, "form": form},
        status=400 if form.errors else 200,
    )
