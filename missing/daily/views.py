"""The daily risk management meeting's page, for the MASH (others: 404, as for what they may not see)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from casework.audit import record_access_log
from casework.calendar import local_date
from casework.forms import form_errors_from_service
from casework.permissions import is_mash_coordinator
from casework.services import authority_for

from .forms import DiscussionForm, MeetingDayForm
from .selectors import daily_meeting_agenda
from .services import daily_discussion_record


@login_required
def daily_meeting(request):
    if not is_mash_coordinator(request.user):
        raise Http404
    authority = authority_for(request.user)
    today = local_date(timezone.now())
    day_form = MeetingDayForm(request.GET or None)
    held_on = today
    if day_form.is_valid() and day_form.cleaned_data["date"]:
        held_on = min(day_form.cleaned_data["date"], today)
    agenda = daily_meeting_agenda(authority.pk, held_on)
    candidates = {str(child.pk): child for child in agenda["candidates"]}
    form = DiscussionForm(request.POST if request.method == "POST" else None, candidates=candidates.values())
    if request.method == "POST" and form.is_valid():
        try:
            daily_discussion_record(
                actor=request.user, authority=authority, held_on=held_on, child=candidates[form.cleaned_data["child"]],
                outcome=form.cleaned_data["outcome"], decision=form.cleaned_data["decision"],
            )
        except ValidationError as error:
            form_errors_from_service(form, error)
        else:
            messages.success(request, "Discussion recorded.")
            return redirect(f"{reverse('daily:meeting')}?date={held_on.isoformat()}")
    shown = list(candidates.values()) + [d.child for d in agenda["discussions"]]
    record_access_log(request, shown)
    context = {**agenda, "form": form, "day_form": day_form, "is_today": held_on == today}
    return render(request, "daily/meeting.html", context, status=400 if form.errors else 200)
