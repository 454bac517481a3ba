"""The child's missing-child updates: the list and the form to add one (whoever may see the child)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render

from casework.audit import record_access_log
from casework.forms import form_errors_from_service

from ..selectors import child_get_visible
from .forms import MissingUpdateForm
from .selectors import updates_of_child
from .services import missing_update_create


@login_required
def child_updates(request, child_id):
    child = child_get_visible(request.user, child_id)
    if child is None:
        raise Http404
    record_access_log(request, [child])
    form = MissingUpdateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            missing_update_create(actor=request.user, child=child, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from_service(form, error)
        else:
            messages.success(request, "Update recorded.")
            return redirect("missing:child_detail", child.pk)
    context = {
        "child": child,
        "form": form,
        "updates": updates_of_child(child),
        "missing_now": any(e.returned_at is None for e in child.episodes.all()),
    }
    return render(request, "updates/child_updates.html", context, status=400 if form.errors else 200)
