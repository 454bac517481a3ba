"""The education officer's screens: open cases with day counts, one case's checklist and exits."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render

from casework.audit import record_access_log

from casework.forms import form_errors_from_service
from ..child_picker import child_picker, initial_child
from . import services
from .forms import CloseCaseForm, EnquiryForm, OpenCaseForm, RemoveFromRollForm
from .permissions import can_open_case, can_work_case, education_teams_for
from .selectors import case_checklist, case_get_visible, case_progress, open_cases_with_progress


@login_required
def case_list(request):
    rows = open_cases_with_progress(request.user)
    record_access_log(request, [row["case"].child_id for row in rows])
    return render(request, "education/case_list.html", {"rows": rows, "may_open": can_open_case(request.user)})


@login_required
def case_open(request):
    if not can_open_case(request.user):
        raise PermissionDenied
    form = OpenCaseForm(
        request.POST or None,
        initial={} if request.method == "POST" else initial_child(request),
        user=request.user,
        teams=education_teams_for(request.user),
    )
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        try:
            case = services.education_case_open(actor=request.user, **fields)
        except ValidationError as error:
            form_errors_from_service(form, error)
        else:
            messages.success(request, "Missing education case opened.")
            return redirect("education:detail", case_id=case.pk)
    return render(
        request,
        "education/case_form.html",
        {"form": form, "title": "Open a missing education case", "picker": child_picker(request, form)},
    )


def _case_or_404(request, case_id):
    case = case_get_visible(request.user, case_id)
    if case is None:
        raise Http404
    return case


def _forms_for(case, data=None, which=None):
    done = {enquiry.item for enquiry in case.enquiries.all()}
    return {
        "enquiry_form": EnquiryForm(data if which == "enquiry" else None, done_items=done),
        "remove_form": RemoveFromRollForm(data if which == "remove" else None),
        "close_form": CloseCaseForm(data if which == "close" else None),
    }


@login_required
def case_detail(request, case_id):
    case = _case_or_404(request, case_id)
    record_access_log(request, [case.child_id])
    may_work = can_work_case(request.user, case)
    which = request.POST.get("action") if request.method == "POST" else None
    if which and not may_work:
        raise PermissionDenied
    forms = _forms_for(case, request.POST, which)
    form = forms.get(f"{which}_form")
    if form is not None and form.is_valid():
        perform = {
            "enquiry": services.education_enquiry_record,
            "remove": services.education_case_remove_from_roll,
            "close": services.education_case_close,
        }[which]
        try:
            perform(actor=request.user, case=case, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from_service(form, error)
        else:
            messages.success(request, "Saved.")
            return redirect("education:detail", case_id=case.pk)
    return render(
        request,
        "education/case_detail.html",
        {
            "case": case,
            "progress": case_progress(case),
            "checklist": case_checklist(case),
            "may_work": may_work and case.is_open,
            "form": form,
            **forms,
        },
    )
