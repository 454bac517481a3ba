"""Pages of this app's child-level reports: R1 (children missing now, with its CSV) and the
returns page (the 903 missing table and the inspection lists, as CSV downloads)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone

from casework.audit import record_access_log
from casework.calendar import local_date

from .api import csv_response
from .currently_missing import missing_now_csv, missing_now_for_user
from .forms import InspectionForm, Ssda903Form
from .inspection import inspection_csv, inspection_episodes, parse_period
from .permissions import can_read_currently_missing, can_read_inspection_lists, can_read_ssda903
from .ssda903 import missing_table, missing_table_csv, parse_year


@login_required
def currently_missing(request):
    if not can_read_currently_missing(request.user):
        raise PermissionDenied
    now = timezone.now()
    rows = missing_now_for_user(request.user, now)
    record_access_log(request, [row.child for row in rows])
    if request.GET.get("format") == "csv":
        return csv_response(missing_now_csv(rows), f"children-missing-{local_date(now).isoformat()}.csv")
    return render(request, "reporting/currently_missing.html", {"rows": rows, "now": now})


def _returns_page(request, ssda903_form=None, inspection_form=None, status=200):
    user = request.user
    context = {
        "ssda903_form": ssda903_form or (Ssda903Form() if can_read_ssda903(user) else None),
        "inspection_form": inspection_form or (InspectionForm() if can_read_inspection_lists(user) else None),
    }
    return render(request, "reporting/returns.html", context, status=status)


@login_required
def returns(request):
    if not (can_read_ssda903(request.user) or can_read_inspection_lists(request.user)):
        raise PermissionDenied
    return _returns_page(request)


@login_required
def ssda903_download(request):
    if not can_read_ssda903(request.user):
        raise PermissionDenied
    form = Ssda903Form(request.GET)
    year, error = parse_year(request.GET.get("year"), local_date(timezone.now()))
    if form.is_valid() and error:
        form.add_error("year", error)
    if not form.is_valid() or not request.user.authority_id:
        if form.is_valid():
            form.add_error("year", "Your account belongs to no local authority, so it has no return.")
        return _returns_page(request, ssda903_form=form, status=400)
    table = missing_table(authority_id=request.user.authority_id, year=year)
    record_access_log(request, table.child_ids)
    return csv_response(missing_table_csv(table), f"ssda903-missing-{year}-{str(year + 1)[2:]}.csv")


@login_required
def inspection_download(request):
    if not can_read_inspection_lists(request.user):
        raise PermissionDenied
    form = InspectionForm(request.GET)
    if form.is_valid():
        first, last, errors = parse_period(
            form.cleaned_data["period_from"].isoformat(), form.cleaned_data["period_to"].isoformat()
        )
        for message in errors.get("to", []):
            form.add_error("period_to", message)
    if not form.is_valid() or not request.user.authority_id:
        if form.is_valid():
            form.add_error(None, "Your account belongs to no local authority.")
        return _returns_page(request, inspection_form=form, status=400)
    episodes = list(inspection_episodes(authority_id=request.user.authority_id, first=first, last=last))
    record_access_log(request, [episode.child_id for episode in episodes])
    text = inspection_csv(episodes, first, last, timezone.now())
    return csv_response(text, f"missing-children-{first.isoformat()}-to-{last.isoformat()}.csv")
