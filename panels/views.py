"""The panel screens: panels, the chair's agenda (attendance, confidentiality, part 1, part 2 with
ratings and decisions recorded in place), the minutes, and referrals."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html_join
from django.views.decorators.http import require_POST

from casework.audit import record_access_log
from casework.errors import ApplicationError
from casework.forms import form_errors_from_service, posted_id, posted_text
from casework.fragments import Stamp, placeholder
from casework.links import url_maker
from casework.models import Agency, User
from casework.permissions import is_mash_coordinator
from casework.services import authority_for
from missing.child_picker import child_picker, initial_child
from missing.permissions import live_children
from referrals import services as referral_services
from referrals.models import Referral, ReferralStatus

from . import services
from actions.services import action_create

from .forms import ActionForm, AgencyUpdateForm, MeetingForm, PanelForm, RatingForm, ReferralForm, RemoveForm
from .models import MeetingStatus, Panel, PanelMember
from .pdf import meeting_pdf_response
from .permissions import (
    PANEL_ROLES,
    agreed_confidentiality,
    can_coordinate_referrals,
    can_create_panels,
    chairs,
    meetings_visible_to,
    panels_visible_to,
)
from .selectors import agenda, agenda_signature, deadline_rows, suggested_page
from .services import list_eligibility


def _panel(request, panel_id):
    """A panel the user is a member of; the MASH coordinator of its authority also opens its page
    (the suggested list and the referrals are theirs to coordinate, seed 000), not its meetings."""
    panel = panels_visible_to(request.user).filter(pk=panel_id).first()
    if panel is None:
        candidate = Panel.objects.filter(pk=panel_id).first()
        if candidate is not None and can_coordinate_referrals(request.user, candidate):
            return candidate
        raise Http404
    return panel


def _meeting(request, meeting_id):
    meeting = meetings_visible_to(request.user).select_related("panel", "panel__chair").filter(pk=meeting_id).first()
    if meeting is None:
        raise Http404
    return meeting


def _child_of(meeting, child_id):
    child = live_children().filter(pk=child_id, authority_id=meeting.panel.authority_id).first()
    if child is None:
        raise Http404
    return child


def _service_error(request, error):
    if isinstance(error, ValidationError):
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.error(request, error.message)


@login_required
def panel_list(request):
    panels = panels_visible_to(request.user).select_related("chair")
    return render(request, "panels/panel_list.html", {
        "panels": panels, "may_create": can_create_panels(request.user),
    })


@login_required
def panel_create(request):
    if not can_create_panels(request.user):
        raise PermissionDenied
    authority = authority_for(request.user)
    form = PanelForm(request.POST or None, agencies=Agency.objects.filter(authority=authority).order_by("name"))
    if request.method == "POST" and form.is_valid():
        try:
            panel = services.panel_create(actor=request.user, authority=authority, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from_service(form, error)
        else:
            messages.success(request, f"Panel {panel.name} created.")
            return redirect("panels:panel_detail", panel_id=panel.pk)
    return render(request, "panels/form.html", {"form": form, "title": "Create a panel", "button": "Create the panel"},
                  status=400 if form.errors else 200)


@login_required
def panel_detail(request, panel_id):
    panel = _panel(request, panel_id)
    is_chair = chairs(request.user, panel)
    form = MeetingForm(request.POST or None)
    if request.method == "POST":
        if not is_chair:
            raise PermissionDenied
        if form.is_valid():
            try:
                meeting = services.meeting_create(actor=request.user, panel=panel, **form.cleaned_data)
            except ValidationError as error:
                form_errors_from_service(form, error)
            else:
                messages.success(request, "Meeting scheduled.")
                return redirect("panels:agenda", meeting_id=meeting.pk)
    entries = list(panel.list_entries.filter(removed_at__isnull=True).select_related("child"))
    eligibility = list_eligibility(panel, [e.child_id for e in entries])
    record_access_log(request, [e.child_id for e in entries])
    # Each row's form and link addresses from a pattern reversed once per list (casework.links).
    remove_url = url_maker("panels:list_remove", panel.pk)
    for entry in entries:
        entry.remove_url = remove_url(entry.child_id)
    meetings = list(panel.meetings.order_by("-starts_at")[:20])
    agenda_url, minutes_url = url_maker("panels:agenda"), url_maker("panels:minutes")
    for meeting in meetings:
        meeting.agenda_url, meeting.minutes_url = agenda_url(meeting.pk), minutes_url(meeting.pk)
    return render(request, "panels/panel_detail.html", {
        "panel": panel,
        "meetings": meetings,
        "members": PanelMember.objects.filter(panel=panel).select_related("agency", "representative"),
        "entries": [(e, eligibility.get(e.child_id)) for e in entries],
        "is_chair": is_chair,
        "coordinator": can_coordinate_referrals(request.user, panel),
        "form": form,
        "remove_form": RemoveForm(),
    }, status=400 if form.errors else 200)


SUGGESTED_PAGE_SIZE = 20


@login_required
def panel_suggested(request, panel_id):
    """The coordinator's suggested list, a page at a time: ranking the window's episodes is the
    costly part, and it is done for this page only, not on every view of the panel (issue 13)."""
    panel = _panel(request, panel_id)
    if not can_coordinate_referrals(request.user, panel):
        raise PermissionDenied
    try:  # past the end is the last page; nonsense is the first (and no offset overflows the database)
        number = min(max(int(request.GET.get("page", 1)), 1), 100_000)
    except ValueError:
        number = 1
    suggested, total = suggested_page(panel, limit=SUGGESTED_PAGE_SIZE, offset=(number - 1) * SUGGESTED_PAGE_SIZE)
    if not suggested and number > 1:  # past the end (the list shrank): the last page
        total = suggested_page(panel, limit=1)[1]
        number = max((total + SUGGESTED_PAGE_SIZE - 1) // SUGGESTED_PAGE_SIZE, 1)
        suggested, total = suggested_page(panel, limit=SUGGESTED_PAGE_SIZE, offset=(number - 1) * SUGGESTED_PAGE_SIZE)
    page = Paginator(range(total), SUGGESTED_PAGE_SIZE).get_page(number)
    record_access_log(request, [item["child"].pk for item in suggested])
    list_url = url_maker("panels:suggested_list", panel.pk)
    for item in suggested:
        item["list_url"] = list_url(item["child"].pk)
    return render(request, "panels/suggested.html", {"panel": panel, "suggested": suggested, "page": page,
                                                     "total": total})


@login_required
@require_POST
def suggested_list(request, panel_id, child_id):
    """One click from the suggested list: a referral made and accepted onto the next meeting."""
    panel = _panel(request, panel_id)
    if not can_coordinate_referrals(request.user, panel):
        raise PermissionDenied
    child = live_children().filter(pk=child_id, authority_id=panel.authority_id).first()
    if child is None:
        raise Http404
    try:
        referral = referral_services.referral_create(
            actor=request.user, child=child, panel=panel, suggested=True,
            reason="Meets the panel's criteria (suggested by the MASH coordinator).",
        )
        referral_services.referral_decide(actor=request.user, referral=referral, decision="accept")
    except (ValidationError, ApplicationError) as error:
        _service_error(request, error)
    else:
        messages.success(request, f"{child.full_name} is listed for the meeting on {referral.meeting.starts_at:%d %b %Y}.")
    return redirect("panels:suggested", panel_id=panel.pk)


@login_required
@require_POST
def list_remove(request, panel_id, child_id):
    panel = _panel(request, panel_id)
    child = live_children().filter(pk=child_id, authority_id=panel.authority_id).first()
    if child is None:
        raise Http404
    try:
        services.list_remove(actor=request.user, panel=panel, child=child, reason=posted_text(request, "reason"))
    except (ValidationError, ApplicationError) as error:
        _service_error(request, error)
    else:
        messages.success(request, f"{child.full_name} has left the panel's list.")
    return redirect("panels:panel_detail", panel_id=panel.pk)


_CHILD_LINKS = ("rate", "add_action", "decide", "agency_update")


def _child_link_makers(meeting):
    """{form: function of a child's id answering its address}: each pattern reversed once."""
    return {name: url_maker(f"panels:{name}", meeting.pk) for name in _CHILD_LINKS}


def _add_child_links(meeting, rows):
    """Each listed child's form addresses, reversed once per kind rather than once per child in the
    template (the agenda lists up to 40 children, each with four forms)."""
    makers = _child_link_makers(meeting)
    for row in rows:
        row["cid"] = str(row["child"].pk)
        row["urls"] = {name: make(row["cid"]) for name, make in makers.items()}


def _agenda_context(request, meeting):
    data = agenda(meeting)
    # Read from the rows the agenda already holds: the user's attendance (P7) and the member agencies.
    agreed = agreed_confidentiality(request.user, meeting, attendance=data["attendance"]["rows"])
    is_chair = chairs(request.user, meeting.panel)
    if agreed:
        record_access_log(request, [row["child"].pk for row in data["part2"]])
    _add_child_links(meeting, data["part2"])
    member_agencies = list(meeting.panel.member_agencies.order_by("name"))
    members = User.objects.filter(
        agency_id__in=[agency.pk for agency in member_agencies], is_active=True
    ).select_related("agency").order_by("agency__name", "last_name")
    members = [m for m in members if PANEL_ROLES & set(m.roles or []) or m.pk in (meeting.panel.chair_id,
                                                                                   meeting.panel.co_chair_id)]
    return {
        **data,
        "agreed": agreed,
        "is_chair": is_chair,
        "ended": meeting.status == MeetingStatus.ENDED,
        "members": members,
        "deadlines": sorted(deadline_rows(meeting).values(), key=lambda d: d.due_at),
        "rating_choices": list(RatingForm().fields["rating"].choices),
        "agency_options": format_html_join("", '<option value="{}">{}</option>',
                                           ((agency.pk, agency.name) for agency in member_agencies)),
        "my_agency_member": bool(request.user.agency_id) and any(
            agency.pk == request.user.agency_id for agency in member_agencies),
    }


def _add_chair_forms(request, context):
    """The chair's forms for each listed child: rendered once and stamped per child (the agenda
    lists up to 40 children, each with the same three forms)."""
    if not context["is_chair"] or context["ended"] or not context["agreed"]:
        return
    meeting = context["meeting"]
    urls = {name: make(placeholder("cid")) for name, make in _child_link_makers(meeting).items()}
    stamp = Stamp.render("panels/_agenda_chair_forms.html", {**context, "urls": urls}, request,
                         fields=("cid", "name", "decisions"))
    for row in context["part2"]:
        row["chair_forms"] = stamp(cid=row["cid"], name=row["child"].full_name, decisions=row["entry"].decisions)


@login_required
def agenda_page(request, meeting_id):
    meeting = _meeting(request, meeting_id)
    context = _agenda_context(request, meeting)
    _add_chair_forms(request, context)
    return render(request, "panels/agenda.html", context)


@login_required
def agenda_part2(request, meeting_id):
    """What the open agenda screens poll: 204 when nothing changed since `shown`."""
    meeting = _meeting(request, meeting_id)
    shown = request.GET.get("shown")
    if shown and shown == agenda_signature(meeting):  # a screen that shows nothing yet needs no comparison
        return HttpResponse(status=204)
    return render(request, "panels/_agenda_status.html", _agenda_context(request, meeting))


def _back(request, meeting):
    if request.headers.get("HX-Request"):
        return render(request, "panels/_agenda_status.html", _agenda_context(request, meeting))
    return redirect("panels:agenda", meeting_id=meeting.pk)


@login_required
@require_POST
def attendance(request, meeting_id):
    meeting = _meeting(request, meeting_id)
    user = User.objects.filter(pk=posted_id(request, "user"), agency__authority_id=meeting.panel.authority_id).first()
    present = request.POST.get("present", "yes") == "yes"
    try:
        services.attendance_record(actor=request.user, meeting=meeting, user=user, present=present,
                                   apology_update=posted_text(request, "apology_update"))
    except (ValidationError, ApplicationError) as error:
        _service_error(request, error)
    return _back(request, meeting)


@login_required
@require_POST
def agree(request, meeting_id):
    meeting = _meeting(request, meeting_id)
    try:
        services.attendance_record(actor=request.user, meeting=meeting, user=request.user, present=True,
                                   confidentiality_agreed=True)
    except (ValidationError, ApplicationError) as error:
        _service_error(request, error)
    return redirect("panels:agenda", meeting_id=meeting.pk)


def _needs_agreement(request, meeting):
    if not agreed_confidentiality(request.user, meeting):
        raise PermissionDenied


@login_required
@require_POST
def rate(request, meeting_id, child_id):
    meeting = _meeting(request, meeting_id)
    _needs_agreement(request, meeting)
    child = _child_of(meeting, child_id)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            services.rating_record(actor=request.user, meeting=meeting, child=child, **form.cleaned_data)
        except (ValidationError, ApplicationError) as error:
            _service_error(request, error)
    else:
        messages.error(request, f"Rating for {child.full_name}: choose red, amber or green and give the reason.")
    return _back(request, meeting)


@login_required
@require_POST
def add_action(request, meeting_id, child_id):
    """A SMART action (P10) agreed at the meeting, recorded without leaving the agenda."""
    meeting = _meeting(request, meeting_id)
    _needs_agreement(request, meeting)
    child = _child_of(meeting, child_id)
    if not chairs(request.user, meeting.panel):
        raise PermissionDenied
    form = ActionForm(request.POST, agencies=meeting.panel.member_agencies.all())
    if not form.is_valid():
        messages.error(request, f"Action for {child.full_name}: " + "; ".join(
            f"{form.fields[name].label}: {' '.join(errors)}" for name, errors in form.errors.items()))
        return _back(request, meeting)
    try:
        action_create(actor=request.user, child=child, panel_meeting_id=meeting.pk, **form.cleaned_data)
    except (ValidationError, ApplicationError) as error:
        _service_error(request, error)
    return _back(request, meeting)


@login_required
@require_POST
def decide(request, meeting_id, child_id):
    meeting = _meeting(request, meeting_id)
    _needs_agreement(request, meeting)
    child = _child_of(meeting, child_id)
    try:
        services.decisions_record(actor=request.user, meeting=meeting, child=child,
                                  decisions=posted_text(request, "decisions"))
    except (ValidationError, ApplicationError) as error:
        _service_error(request, error)
    return _back(request, meeting)


@login_required
def agency_update(request, meeting_id, child_id):
    meeting = _meeting(request, meeting_id)
    child = _child_of(meeting, child_id)
    form = AgencyUpdateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.agency_update_record(actor=request.user, meeting=meeting, child=child, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from_service(form, error)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Update on {child.full_name} saved.")
            return redirect("panels:agenda", meeting_id=meeting.pk)
    record_access_log(request, [child])
    return render(request, "panels/form.html", {
        "form": form, "title": f"Your agency's update on {child.full_name}", "button": "Save the update",
        "back": meeting,
    }, status=400 if form.errors else 200)


@login_required
@require_POST
def publish(request, meeting_id):
    meeting = _meeting(request, meeting_id)
    if not chairs(request.user, meeting.panel):
        raise PermissionDenied
    services.meeting_publish_list(actor=request.user, meeting=meeting)
    messages.success(request, "The part 2 list is published to members.")
    return redirect("panels:agenda", meeting_id=meeting.pk)


@login_required
@require_POST
def end(request, meeting_id):
    meeting = _meeting(request, meeting_id)
    try:
        services.meeting_end(actor=request.user, meeting=meeting)
    except ApplicationError as error:
        _service_error(request, error)
        return redirect("panels:agenda", meeting_id=meeting.pk)
    messages.success(request, "The meeting has ended. The minutes below are built from what was recorded.")
    return redirect("panels:minutes", meeting_id=meeting.pk)


@login_required
def minutes_page(request, meeting_id):
    meeting = _meeting(request, meeting_id)
    data = agenda(meeting)
    record_access_log(request, [row["child"].pk for row in data["part2"]])
    deadlines = deadline_rows(meeting)
    plan_sent_url = url_maker("panels:plan_sent", meeting.pk)
    for row in data["part2"]:
        key = str(row["child"].pk)
        # P13 and P14 of this child, looked up once here rather than searched for in the template.
        row["after"] = [(rule, deadlines.get((rule, key))) for rule in ("P13", "P14")]
        row["plan_sent_url"] = plan_sent_url(key)
    return render(request, "panels/minutes.html", {**data, "is_chair": chairs(request.user, meeting.panel)})


@login_required
@require_POST
def plan_sent(request, meeting_id, child_id):
    """P13 / P14 recorded as done for one child."""
    meeting = _meeting(request, meeting_id)
    child = _child_of(meeting, child_id)
    try:
        services.child_plan_sent(actor=request.user, meeting=meeting, child=child, rule=request.POST.get("rule", ""))
    except (ValidationError, ApplicationError) as error:
        _service_error(request, error)
    else:
        messages.success(request, f"Recorded as sent for {child.full_name}.")
    return redirect("panels:minutes", meeting_id=meeting.pk)


@login_required
def minutes_pdf_page(request, meeting_id):
    return meeting_pdf_response(request, _meeting(request, meeting_id), "minutes")


@login_required
def papers_pdf_page(request, meeting_id):
    """P5: the papers pack (agenda, part 1 figures, each listed child's summary) for the members."""
    return meeting_pdf_response(request, _meeting(request, meeting_id), "papers")


@login_required
@require_POST
def papers_sent(request, meeting_id):
    meeting = _meeting(request, meeting_id)
    if not chairs(request.user, meeting.panel):
        raise PermissionDenied
    services.meeting_papers_sent(actor=request.user, meeting=meeting)
    messages.success(request, "The papers pack is recorded as sent to members (P5).")
    return redirect("panels:agenda", meeting_id=meeting.pk)


@login_required
@require_POST
def approve(request, meeting_id):
    meeting = _meeting(request, meeting_id)
    try:
        services.minutes_approve(actor=request.user, meeting=meeting)
    except (ValidationError, ApplicationError) as error:
        _service_error(request, error)
    else:
        messages.success(request, "Minutes approved and circulated to the members.")
    return redirect("panels:minutes", meeting_id=meeting.pk)


@login_required
def referral_create(request):
    authority = authority_for(request.user)
    form = ReferralForm(request.POST or None,
                        initial={} if request.method == "POST" else initial_child(request),
                        user=request.user,
                        panels=Panel.objects.filter(authority=authority).order_by("name"))
    if request.method == "POST" and form.is_valid():
        try:
            referral = referral_services.referral_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from_service(form, error)
        else:
            when = referral.meeting.starts_at.strftime("%d %b %Y")
            late = " It missed the nearest meeting's referral deadline, so it goes to the next." if referral.late else ""
            messages.success(request, f"Referral sent for the meeting on {when}.{late}")
            return redirect("missing:child_detail", referral.child_id)
    return render(request, "panels/referral_form.html", {"form": form, "picker": child_picker(request, form)},
                  status=400 if form.errors else 200)


@login_required
def referral_queue(request):
    panels = [p for p in panels_visible_to(request.user) if can_coordinate_referrals(request.user, p)]
    if is_mash_coordinator(request.user) and request.user.agency_id:
        panels = list(Panel.objects.filter(authority_id=request.user.agency.authority_id))
    if not panels:
        raise PermissionDenied
    pending = list(Referral.objects.filter(panel__in=panels, status=ReferralStatus.PENDING)
                   .select_related("child", "panel", "meeting", "referred_by").order_by("meeting__starts_at"))
    record_access_log(request, [r.child_id for r in pending])
    return render(request, "panels/referral_queue.html", {"pending": pending})


@login_required
@require_POST
def referral_decide(request, referral_id):
    referral = Referral.objects.select_related("panel").filter(pk=referral_id).first()
    if referral is None or not can_coordinate_referrals(request.user, referral.panel):
        raise Http404
    try:
        referral_services.referral_decide(actor=request.user, referral=referral,
                                          decision=request.POST.get("decision", ""),
                                          reason=posted_text(request, "reason"))
    except (ValidationError, ApplicationError) as error:
        _service_error(request, error)
    else:
        messages.success(request, "Decision recorded; the referrer is told.")
    return redirect("panels:referral_queue")
