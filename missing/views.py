"""Pages for MASH coordinators and agency staff. They call the same selectors and services as the API."""

import hashlib
from functools import partial
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.views.decorators.cache import never_cache

from casework.audit import record_access_log
from casework.clocks.permissions import can_complete_deadline
from casework.clocks.selectors import deadlines_of_child, deadlines_with_facts
from casework.errors import ApplicationError
from casework.forms import form_errors_from_service
from casework.keyset import keyset_page
from casework.links import url_maker
from casework.paginator import CappedPaginator, WindowPaginator
from casework.models import Agency, AgencyKind, RecordAccess
from casework.permissions import is_administrator, is_mash_coordinator
from casework.protocol_store import protocol_for
from casework.services import authority_for

from . import services
from .child_page import child_links
from .csv_import import csv_template
from .duplicates import child_duplicates, child_merged_into
from .education.permissions import can_open_case
from .exports import can_export_child, exports_of_child, subject_access_export_downloaded, subject_access_export_request
from .forms import ChildForm, EpisodeForm, NotificationUploadForm, TriageForm
from .models import NotificationKind, SubjectAccessExport, Vulnerability
from .permissions import can_change_child, children_visible_to, episodes_visible_to, notifications_visible_to
from .selectors import (
    candidates_for_notifications,
    candidates_shown,
    child_flags,
    child_get_visible,
    children_search,
    children_search_first_ids,
    children_with_missing_status,
    notification_uploads_for,
    notification_working_age,
    triage_queue,
)
from .placements.selectors import child_placements
from .placements.forms import placement_form_for
from .updates.forms import MissingUpdateForm
from .updates.selectors import latest_missing_updates
from .uploads import notification_upload_create

# Each card shows the notification and up to five likely children, each with a link button: 20 cards
# are some ten screens to work down, oldest and riskiest first. A page of 50 was 460 KB of HTML
# (nearly half a second on a slow connection) and took three times as long to make (issue 13).
TRIAGE_PAGE_SIZE = 20
MISSING_NOW = "now"  # the child list's ?missing=now: only children missing now
TRIAGE_DONE_KEY = "casework_triage_done"


def _posted(request, *, files=False):
    """A form's data: bound on POST even when nothing was sent, so an empty submission shows its errors."""
    if request.method != "POST":
        return ()
    return (request.POST, request.FILES) if files else (request.POST,)


def _mash_only(user):
    """The MASH pages do not exist for anyone else (404, as for any object they may not see)."""
    if not is_mash_coordinator(user):
        raise Http404


# Triage queue ----------------------------------------------------------------------------------


def _queue_page(request):
    """The page of pending notifications with their working age (N5), and a signature of what it shows."""
    page = WindowPaginator(triage_queue(request.user), TRIAGE_PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [{"notification": n, "age": notification_working_age(n, now)[1]} for n in page]
    shown = "|".join(f"{row['notification'].pk}:{row['age']}" for row in rows)
    signature = hashlib.sha256(f"{page.paginator.count}|{page.number}|{shown}".encode()).hexdigest()[:20]
    return page, rows, signature


def _queue_context(request, page, rows, signature):
    candidates = candidates_for_notifications(request.user, [row["notification"] for row in rows])
    # Work done once per page, not once per row of the template (issue 13): a child's address is
    # the address pattern with its id, and every button posts to the same address.
    child_url = url_maker("missing:child_detail")
    for row in rows:
        n = row["notification"]
        found = n.kind == NotificationKind.FOUND
        row["candidates"], row["more_candidates"] = candidates_shown(candidates.get(n.pk, []))
        row.update(is_found=found, received=_moment(n.received_at), occurred=_moment(n.occurred_at),
                   born=_day(n.child_date_of_birth),
                   search_url=f"{reverse('missing:child_list')}?{urlencode({'q': n.child_name})}")
        for candidate in row["candidates"]:
            child, episode = candidate["child"], candidate["open_episode"]
            candidate.update(
                url=child_url(child.pk),
                born=f"Born {_day(child.date_of_birth)}" + (f", police id {child.police_person_id}"
                                                           if child.police_person_id else ""),
                agrees=[capfirst(reason) for reason in candidate["reasons"]],
                differs=[capfirst(difference) for difference in candidate["differences"]],
                status=_candidate_status(episode, found),
                linkable=not found or episode is not None,
            )
    record_access_log(request, [c["child"] for row in rows for c in row["candidates"]])
    action = reverse("missing:triage_queue") + (f"?page={page.number}" if page.number > 1 else "")
    return {
        "page": page,
        "rows": rows,
        "count": page.paginator.count,
        "signature": signature,
        "found_kind": NotificationKind.FOUND,
        "triage_action": action,
    }


def _day(day):
    """A date as the pages show it ("3 Mar 2026", the |date:"j M Y" of the templates), without a
    template filter per row."""
    return f"{day.day} {day:%b %Y}" if day else ""


def _moment(moment):
    """A moment in local time as the pages show it ("3 Mar 2026 14:05")."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    return f"{local.day} {local:%b %Y %H:%M}"


def _candidate_status(episode, found):
    if episode is not None:
        text = f"{episode.get_category_display()} since {_moment(episode.started_at)}"
        return f"{text} ({episode.police_ref})" if episode.police_ref else text
    return "No open episode to close" if found else "Not missing now"


def _triage_done(request):
    """What the coordinator's last triage did, shown once after the redirect."""
    done = request.session.pop(TRIAGE_DONE_KEY, None)
    if not done:
        return None
    notification = (
        notifications_visible_to(request.user)
        .select_related("child", "episode")
        .filter(pk=done["notification"], child__isnull=False)
        .first()
    )
    if notification is None:
        return None
    record_access_log(request, [notification.child_id])
    return {"notification": notification, "new_child": done["new_child"]}


def _triage_page(request, *, form=None, status=200):
    page, rows, signature = _queue_page(request)
    context = _queue_context(request, page, rows, signature)
    context.update({"form": form, "done": _triage_done(request) if form is None else None})
    return render(request, "missing/triage_queue.html", context, status=status)


@login_required
def triage_queue_view(request):
    """The queue; its one-click buttons post back here, so errors show on the queue at the same address."""
    _mash_only(request.user)
    if request.method == "POST":
        return _triage(request)
    return _triage_page(request)


@login_required
def triage_queue_fragment(request):
    """What the open queue page polls. Answers 204 (htmx leaves the page alone) when nothing changed."""
    _mash_only(request.user)
    page, rows, signature = _queue_page(request)
    if request.GET.get("shown") == signature:
        return HttpResponse(status=204)
    return render(request, "missing/triage_queue_fragment.html", _queue_context(request, page, rows, signature))


def _triage(request):
    form = TriageForm(request.POST)
    if not form.is_valid():
        return _triage_page(request, form=form, status=400)
    notification = notifications_visible_to(request.user).filter(pk=form.cleaned_data["notification"]).first()
    if notification is None:
        raise Http404
    form.anchor = f"#notification-{notification.pk}"
    form.notification = notification
    child = None
    if form.cleaned_data["child"] is not None:
        child = children_visible_to(request.user).filter(pk=form.cleaned_data["child"]).first()
        if child is None:
            form.add_error("child", "No child with this id is on your records.")
            return _triage_page(request, form=form, status=400)
    try:
        services.notification_triage(actor=request.user, notification=notification, child=child)
    except ApplicationError as error:
        form.add_error(None, error.message)
        form.anchor = "#triage-queue"
        return _triage_page(request, form=form, status=error.status_code)
    except ValidationError as error:
        form_errors_from_service(form, error)
        return _triage_page(request, form=form, status=400)
    new_child = form.cleaned_data["child"] is None
    request.session[TRIAGE_DONE_KEY] = {"notification": str(notification.pk), "new_child": new_child}
    return redirect("missing:triage_queue")


# CSV upload ------------------------------------------------------------------------------------


@login_required
def notification_upload(request):
    """Upload a CSV of notifications. The rows are stored for the background task and the answer is
    the upload's progress page at once. upload.js posts the same form with XMLHttpRequest to show
    the file going up."""
    _mash_only(request.user)
    forces = Agency.objects.filter(authority=authority_for(request.user), kind=AgencyKind.POLICE).order_by("name")
    form = NotificationUploadForm(*_posted(request, files=True), forces=forces)
    if request.method == "POST" and form.is_valid():
        upload = notification_upload_create(
            actor=request.user, filename=request.FILES["file"].name, csv_file=form.cleaned_data["file"],
            sender_agency=form.cleaned_data.get("police_force"),
        )
        report = reverse("missing:notification_upload_report", args=[upload.pk])
        if request.headers.get("X-Requested-With") == "XMLHttpRequest":
            return JsonResponse({"report_url": report}, status=201)
        return redirect(report)
    context = {"form": form, "recent": notification_uploads_for(request.user).defer("row_errors")[:5]}
    return render(request, "missing/notification_upload.html", context, status=400 if form.errors else 200)


@login_required
def notification_upload_template(request):
    _mash_only(request.user)
    response = HttpResponse(csv_template(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="police-notifications-template.csv"'
    return response


def _visible_upload(request, upload_id, *, defer=()):
    _mash_only(request.user)
    upload = notification_uploads_for(request.user).defer(*defer).filter(pk=upload_id).first()
    if upload is None:
        raise Http404
    return upload


def _progress(upload):
    """What the progress page shows and its script polls: real counts from the upload's row."""
    done = f"{upload.rows_processed:,} of {upload.rows_total:,} rows processed"
    return {
        "status": upload.status,
        "finished": upload.finished,
        "rows_total": upload.rows_total,
        "rows_processed": upload.rows_processed,
        "rows_created": upload.rows_created,
        "rows_duplicate": upload.rows_duplicate,
        "rows_rejected": upload.rows_rejected,
        "percent": upload.percent_processed,
        "summary": done if upload.finished else f"{upload.get_status_display()}: {done}",
    }


@never_cache
@login_required
def notification_upload_report(request, upload_id):
    """The upload's progress while its rows are being stored, its report once they all are."""
    upload = _visible_upload(request, upload_id)
    return render(request, "missing/notification_upload_report.html", {"upload": upload, "progress": _progress(upload)})


@never_cache
@login_required
def notification_upload_progress(request, upload_id):
    """The progress page's poll: counts only, never the report's rows."""
    upload = _visible_upload(request, upload_id, defer=["row_errors"])
    return JsonResponse(_progress(upload))


# Children and episodes -------------------------------------------------------------------------


@login_required
def child_list(request):
    query = request.GET.get("q", "")[:200]
    missing_now = request.GET.get("missing") == MISSING_NOW
    children = children_search(request.user, query, capped=not missing_now)
    children = children_with_missing_status(children).select_related("lead_agency")
    if missing_now:
        children = children.filter(currently_missing=True)
    read_ids = None if missing_now else partial(children_search_first_ids, request.user, query)
    page = CappedPaginator(children, 50, read_ids=read_ids).get_page(request.GET.get("page"))
    record_access_log(request, page.object_list, query=query)
    filters = {key: value for key, value in (("q", query), ("missing", MISSING_NOW if missing_now else "")) if value}
    context = {
        "page": page,
        "q": query,
        "missing_now": missing_now,
        "query_string": urlencode(filters),
        "can_add": is_mash_coordinator(request.user),
    }
    return render(request, "missing/child_list.html", context)


@login_required
def child_detail(request, child_id):
    child = child_get_visible(request.user, child_id)
    if child is None:
        survivor = child_merged_into(request.user, child_id)
        if survivor is None:
            raise Http404
        messages.info(request, "The record you opened was merged into this one (N3).")
        return redirect("missing:child_detail", survivor)
    duplicates = child_duplicates(request.user, child)
    record_access_log(request, [child, *(item["child"] for item in duplicates)])
    flags = child_flags(child, protocol=protocol_for(child.authority_id))
    deadlines = deadlines_with_facts(deadlines_of_child(child.pk))
    for deadline in deadlines:
        deadline.can_complete = can_complete_deadline(request.user, deadline, deadline.facts)
    context = {
        "child": child,
        "deadlines": deadlines,
        "flags": flags,
        "vulnerabilities": [Vulnerability(v).label for v in child.vulnerabilities if v in Vulnerability.values],
        "episodes": child.episodes.all(),
        "can_change": can_change_child(request.user, child),
        "can_export": can_export_child(request.user, child),
        "links": child_links(child),
        "duplicates": duplicates,
        "can_merge": is_mash_coordinator(request.user) and can_change_child(request.user, child),
        "placements": child_placements(child),
        "placement_form": placement_form_for(child),
        "latest_update": latest_missing_updates([child.pk]).get(child.pk),
        "update_form": MissingUpdateForm() if flags["currently_missing"] else None,
        "may_open_education": can_open_case(request.user),
    }
    return render(request, "missing/child_detail.html", context)


def _changeable_child(request, child_id):
    child = child_get_visible(request.user, child_id)
    if child is None:
        raise Http404
    if not can_change_child(request.user, child):
        raise PermissionDenied
    record_access_log(request, [child])
    return child


def _form_page(request, template, form, context):
    return render(request, template, {"form": form, **context}, status=400 if form.errors else 200)


@login_required
def child_create(request):
    _mash_only(request.user)
    authority = authority_for(request.user)
    form = ChildForm(*_posted(request), authority=authority)
    if request.method == "POST" and form.is_valid():
        try:
            child = services.child_create(actor=request.user, authority=authority, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from_service(form, error)
        else:
            messages.success(request, f"Child record created for {child.full_name}.")
            return redirect("missing:child_detail", child.pk)
    return _form_page(request, "missing/child_form.html", form, {"child": None})


@login_required
def child_edit(request, child_id):
    child = _changeable_child(request, child_id)
    form = ChildForm(*_posted(request), authority=child.authority, initial=ChildForm.initial_from(child))
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            if changes:
                services.child_update(actor=request.user, child=child, **changes)
        except ValidationError as error:
            form_errors_from_service(form, error)
        else:
            messages.success(request, "Child record updated." if changes else "Nothing was changed.")
            return redirect("missing:child_detail", child.pk)
    return _form_page(request, "missing/child_form.html", form, {"child": child})


@login_required
def episode_create(request, child_id):
    child = _changeable_child(request, child_id)
    form = EpisodeForm(*_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.episode_create(actor=request.user, child=child, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from_service(form, error)
        else:
            messages.success(request, "Episode recorded.")
            return redirect("missing:child_detail", child.pk)
    return _form_page(request, "missing/episode_form.html", form, {"child": child, "episode": None})


@login_required
def episode_edit(request, episode_id):
    episode = episodes_visible_to(request.user).select_related("child").filter(pk=episode_id).first()
    if episode is None:
        raise Http404
    if not can_change_child(request.user, episode.child):
        raise PermissionDenied
    record_access_log(request, [episode.child_id])
    form = EpisodeForm(*_posted(request), initial=EpisodeForm.initial_from(episode))
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            services.episode_update(actor=request.user, episode=episode, **changes)
        except ValidationError as error:
            form_errors_from_service(form, error)
        else:
            messages.success(request, "Episode updated." if changes else "Nothing was changed.")
            return redirect("missing:child_detail", episode.child_id)
    return _form_page(request, "missing/episode_form.html", form, {"child": episode.child, "episode": episode})


@login_required
def record_access_page(request):
    """Who was shown which child's data, newest first: administrators, for the children they may see."""
    if not is_administrator(request.user):
        raise PermissionDenied
    visible = children_visible_to(request.user).values("pk")
    accesses = RecordAccess.objects.filter(child_id__in=visible).select_related("user")
    # The log grows with every page anyone opens: page by the last row shown, never counting it all.
    page = keyset_page(accesses, before=request.GET.get("before"), after=request.GET.get("after"), size=50)
    return render(request, "casework/record_access_log.html", {"page": page})


# Subject access exports ------------------------------------------------------------------------


def _exportable_child(request, child_id):
    """The child, for an administrator of its authority; 404 for everyone else."""
    child = child_get_visible(request.user, child_id)
    if child is None or not can_export_child(request.user, child):
        raise Http404
    return child


@login_required
def subject_access(request, child_id):
    """The child's exports and the button that asks for a new one (made in the background)."""
    child = _exportable_child(request, child_id)
    if request.method == "POST":
        subject_access_export_request(actor=request.user, child=child)
        messages.success(request, "The export is being produced. This page shows it when it is ready.")
        return redirect("missing:subject_access", child.pk)
    record_access_log(request, [child])
    return render(request, "missing/subject_access.html", {"child": child, "exports": exports_of_child(child)})


@login_required
def subject_access_download(request, export_id, what):
    """One export's PDF or zip, to an administrator of the child's authority; each download audited."""
    export = SubjectAccessExport.objects.select_related("child").filter(pk=export_id).first()
    if export is None or what not in ("pdf", "zip") or not export.is_ready:
        raise Http404
    _exportable_child(request, export.child_id)
    subject_access_export_downloaded(actor=request.user, export=export, what=what)
    record_access_log(request, [export.child_id])
    stored = export.pdf if what == "pdf" else export.archive
    return FileResponse(stored.open("rb"), as_attachment=True, filename=stored.name.rsplit("/", 1)[-1])
