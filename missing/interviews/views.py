"""Pages for the return-interview services, the MASH and the social workers. They call the same
selectors and services as the API; an interview the user may not see is a 404, one they may see
but not change is a 403."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from casework.audit import record_access_log
from casework.calendar import countdown
from casework.paginator import WindowPaginator
from casework.services import authority_for

from casework.forms import form_errors_from_service
from ..models import InterviewState
from ..permissions import episodes_visible_to
from . import services
from .forms import (
    AcceptForm,
    DeclineForm,
    NotPossibleForm,
    PeriodForm,
    RecordInterviewForm,
    SafeAndWellCheckForm,
)
from .letters import follow_up_letter_pdf
from .permissions import can_arrange_interview, can_read_timeliness, can_record_check, can_record_interview
from .selectors import (
    checks_for_interview,
    default_period,
    interview_content_labels,
    interview_due_at,
    interview_get_visible,
    interview_timeliness_for_days,
    interviews_awaiting_interviewer,
    interviews_owed,
    with_countdown,
)


def _interview_or_404(request, interview_id):
    interview = interview_get_visible(request.user, interview_id)
    if interview is None:
        raise Http404
    return interview


# Rows a page of each list of "my interviews due" shows: a caseload, or for a MASH coordinator the
# authority's offers, can grow past what one page should hold.
INTERVIEWS_PER_PAGE = 50


@login_required
def interviews_due(request):
    now = timezone.now()
    # Counted exactly (live work, not history): every row stays reachable. Each page carries its count.
    due = WindowPaginator(interviews_owed(request.user), INTERVIEWS_PER_PAGE).get_page(request.GET.get("page"))
    awaiting = WindowPaginator(interviews_awaiting_interviewer(request.user), INTERVIEWS_PER_PAGE).get_page(
        request.GET.get("offers")
    )
    due_rows, awaiting_rows = with_countdown(due.object_list, now), with_countdown(awaiting.object_list, now)
    record_access_log(request, [row["interview"].child_id for row in due_rows + awaiting_rows])
    return render(request, "interviews/due.html", {
        "due": due_rows, "due_page": due, "awaiting": awaiting_rows, "awaiting_page": awaiting,
        "due_query": urlencode({"offers": awaiting.number}) if awaiting.number > 1 else "",
        "awaiting_query": urlencode({"page": due.number}) if due.number > 1 else "",
    })


@login_required
def interview_detail(request, interview_id):
    interview = _interview_or_404(request, interview_id)
    record_access_log(request, [interview.child_id])
    due_at = interview_due_at(interview)
    episodes = sorted(interview.episodes.all(), key=lambda e: e.started_at)
    may_arrange = can_arrange_interview(request.user, interview)
    may_record = can_record_interview(request.user, interview)
    return render(
        request,
        "interviews/detail.html",
        {
            "interview": interview,
            "episodes": episodes,
            "due_at": due_at,
            "countdown": countdown(due_at, timezone.now()) if interview.is_owed and due_at else None,
            "checks": checks_for_interview(request.user, interview),
            "may_arrange": may_arrange,
            "may_record": may_record,
            "may_share": may_record
            and bool(interview.police_intelligence)
            and interview.state in (InterviewState.COMPLETED, InterviewState.DECLINED),
            "may_reoffer": may_arrange and interview.state in (InterviewState.DECLINED, InterviewState.NOT_POSSIBLE),
            **interview_content_labels(interview),
        },
    )


def _action(request, interview_id, *, form_class, may, perform, title, button, form_kwargs=None):
    """A form page for one state change of an interview."""
    interview = _interview_or_404(request, interview_id)
    if not may(request.user, interview):
        raise PermissionDenied
    form = form_class(request.POST or None, **(form_kwargs(interview) if form_kwargs else {}))
    if request.method == "POST" and form.is_valid():
        try:
            perform(interview, form.cleaned_data)
        except ValidationError as error:
            form_errors_from_service(form, error)
        else:
            messages.success(request, f"{title}: saved.")
            return redirect("interviews:detail", interview_id=interview.pk)
    record_access_log(request, [interview.child_id])  # the page names the child
    return render(
        request, "interviews/action.html", {"interview": interview, "form": form, "title": title, "button": button}
    )


@login_required
def interview_accept(request, interview_id):
    return _action(
        request,
        interview_id,
        form_class=AcceptForm,
        form_kwargs=lambda interview: {"authority": interview.child.authority},
        may=can_arrange_interview,
        perform=lambda interview, data: services.return_interview_accept(
            actor=request.user, interview=interview, **data
        ),
        title="Record the child's choice of interviewer",
        button="Save the interviewer",
    )


@login_required
def interview_record(request, interview_id):
    return _action(
        request,
        interview_id,
        form_class=RecordInterviewForm,
        may=can_record_interview,
        perform=lambda interview, data: services.return_interview_complete(
            actor=request.user, interview=interview, **data
        ),
        title="Record the return home interview",
        button="Save the interview",
    )


@login_required
def interview_decline(request, interview_id):
    return _action(
        request,
        interview_id,
        form_class=DeclineForm,
        may=can_record_interview,
        perform=lambda interview, data: services.return_interview_decline(
            actor=request.user, interview=interview, **data
        ),
        title="Record a refusal",
        button="Save the refusal",
    )


@login_required
def interview_not_possible(request, interview_id):
    return _action(
        request,
        interview_id,
        form_class=NotPossibleForm,
        may=can_record_interview,
        perform=lambda interview, data: services.return_interview_not_possible(
            actor=request.user, interview=interview, **data
        ),
        title="Record that the interview cannot take place",
        button="Save",
    )


def _button_action(request, interview_id, *, may, perform, done):
    interview = _interview_or_404(request, interview_id)
    if not may(request.user, interview):
        raise PermissionDenied
    try:
        perform(interview)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect("interviews:detail", interview_id=interview.pk)


@login_required
@require_POST
def interview_share_intelligence(request, interview_id):
    return _button_action(
        request,
        interview_id,
        may=can_record_interview,
        perform=lambda interview: services.return_interview_share_intelligence(actor=request.user, interview=interview),
        done="The intelligence was passed to the police, and the sharing logged.",
    )


@login_required
@require_POST
def interview_reoffer(request, interview_id):
    return _button_action(
        request,
        interview_id,
        may=can_arrange_interview,
        perform=lambda interview: services.return_interview_reoffer(actor=request.user, interview=interview),
        done="The interview is offered again.",
    )


@login_required
def interview_letter(request, interview_id):
    interview = _interview_or_404(request, interview_id)
    if not can_arrange_interview(request.user, interview):
        raise PermissionDenied
    try:
        services.return_interview_letter_record(actor=request.user, interview=interview)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("interviews:detail", interview_id=interview.pk)
    record_access_log(request, [interview.child_id])
    response = HttpResponse(follow_up_letter_pdf(interview), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="return-interview-letter-{interview.pk}.pdf"'
    return response


@login_required
def check_record(request, episode_id):
    episode = episodes_visible_to(request.user).select_related("child").filter(pk=episode_id).first()
    if episode is None:
        raise Http404
    if not can_record_check(request.user, episode.child):
        raise PermissionDenied
    record_access_log(request, [episode.child_id])
    form = SafeAndWellCheckForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.safe_and_well_check_record(actor=request.user, episode=episode, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from_service(form, error)
        else:
            messages.success(request, "Safe and well check recorded.")
            return redirect(reverse("missing:child_detail", args=[episode.child_id]))
    return render(request, "interviews/check_form.html", {"episode": episode, "form": form})


@login_required
def timeliness(request):
    if not can_read_timeliness(request.user):
        raise PermissionDenied
    start, end = default_period(timezone.now())
    form = PeriodForm(request.GET or {"start": start, "end": end})
    context = {"form": form, "report": None}
    if form.is_valid():
        report = interview_timeliness_for_days(
            authority_for(request.user), form.cleaned_data["start"], form.cleaned_data["end"]
        )
        context.update(
            report=report, overall_rows=[report["overall"]], placed_rows=[report["placed_by_other_authority"]]
        )
    return render(request, "interviews/timeliness.html", context)
