"""Pages for the clocks: "Due and overdue", recording a duty done, and the inbox."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from casework.audit import record_access_log
from casework.errors import ApplicationError
from casework.forms import DateTimeLocalInput, GovUKForm, form_errors_from_service
from casework.links import url_maker
from casework.paginator import WindowPaginator
from casework.models import Agency
from casework.services import authority_for
from casework.views import safe_next_url

from .permissions import can_complete_deadline
from .registry import all_rules
from .selectors import (
    DUTIES_DUE_TODAY,
    OVERDUE_DUTIES,
    deadline_describe,
    deadlines_due_for,
    deadlines_visible_to,
    deadlines_with_facts,
    inbox_for,
)
from .services import deadline_complete, inbox_item_acknowledge, inbox_item_read, row_facts


class DueFilterForm(GovUKForm):
    scope = forms.ChoiceField(
        label="Whose", choices=[("team", "Everything I can see"), ("mine", "Children allocated to me")], required=False
    )
    rule = forms.ChoiceField(label="Rule", choices=(), required=False)
    agency = forms.ModelChoiceField(label="Lead agency", queryset=Agency.objects.none(), required=False,
                                    empty_label="All agencies")
    when = forms.ChoiceField(
        label="Show",
        choices=[("", "Everything still running"), (OVERDUE_DUTIES, "Duties overdue"),
                 (DUTIES_DUE_TODAY, "Duties due later today")],
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = [("", "All rules")] + [(rule, rule) for rule in all_rules()]
        self.fields["agency"].queryset = Agency.objects.filter(authority=authority_for(user)).order_by("name")


class CompleteForm(GovUKForm):
    note = forms.CharField(label="What was done", widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
    completed_at = forms.DateTimeField(
        label="When it was done",
        help_text="Leave blank for now.",
        required=False,
        widget=DateTimeLocalInput(),
    )


@login_required
def due_list(request):
    form = DueFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    now = timezone.now()
    deadlines = deadlines_due_for(
        request.user,
        mine=filters.get("scope") == "mine",
        rule=filters.get("rule", ""),
        agency=filters.get("agency"),
        when=filters.get("when", ""),
        now=now,
    )
    # Live rows only: the page carries its own count (one statement, not two).
    page = WindowPaginator(deadlines, 50).get_page(request.GET.get("page"))
    page.object_list = deadlines_with_facts(page.object_list)
    record_access_log(request, [deadline.child_id for deadline in page])
    complete_url = url_maker("clocks:deadline_complete")
    for deadline in page:
        deadline_describe(deadline, now)
        deadline.can_complete = can_complete_deadline(request.user, deadline, deadline.facts)
        deadline.complete_url = complete_url(deadline.pk)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "clocks/due_list.html", {"form": form, "page": page, "query_string": query.urlencode()})


@login_required
def deadline_complete_page(request, deadline_id):
    deadline = deadlines_visible_to(request.user).filter(pk=deadline_id).first()
    if deadline is None:
        raise Http404
    record_access_log(request, [deadline.child_id])
    deadline_describe(deadline)
    deadline.facts = row_facts([deadline])[deadline.pk]
    if not can_complete_deadline(request.user, deadline, deadline.facts) or not deadline.is_live or deadline.kind != "duty":
        return render(request, "clocks/cannot_complete.html", {"deadline": deadline}, status=403)
    form = CompleteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            deadline_complete(deadline=deadline, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from_service(form, error)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            done = f"{deadline.rule} {deadline.title} for {deadline.facts.label} is recorded as done."
            messages.success(request, done)
            return redirect(safe_next_url(request, default="clocks:due_list"))
    return render(request, "clocks/complete.html", {"deadline": deadline, "form": form})


@login_required
def inbox(request):
    page = WindowPaginator(inbox_for(request.user), 50).get_page(request.GET.get("page"))
    record_access_log(request, [item.escalation.deadline.child_id for item in page if item.escalation_id])
    return render(request, "clocks/inbox.html", {"page": page})


def _own_item(request, item_id):
    item = inbox_for(request.user).filter(pk=item_id).first()
    if item is None:
        raise Http404
    return item


@login_required
@require_POST
def inbox_read(request, item_id):
    inbox_item_read(item=_own_item(request, item_id))
    return redirect("clocks:inbox")


@login_required
@require_POST
def inbox_acknowledge(request, item_id):
    item = _own_item(request, item_id)
    try:
        inbox_item_acknowledge(item=item, user=request.user)
    except ApplicationError as error:
        messages.info(request, error.message)
    else:
        messages.success(request, f"Acknowledged: {item.subject}")
    return redirect("clocks:inbox")
