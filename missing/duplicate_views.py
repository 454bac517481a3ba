"""Pages of N3: the MASH list of possible duplicates, the merge screen and "not the same child"."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from casework.audit import record_access_log
from casework.errors import ApplicationError
from casework.forms import GovUKForm, form_errors_from_service
from casework.permissions import is_mash_coordinator

from .duplicates import child_duplicates, possible_duplicate_pairs
from . import merge
from .merge import OTHER, THIS, differing_fields, duplicate_dismiss
from .models import Child, Vulnerability
from .permissions import can_change_child, children_visible_to

PAIRS_PER_PAGE = 25


def _display(child, name):
    """A field's value as the merge screen shows it."""
    field = Child._meta.get_field(name)
    value = getattr(child, name)
    if name == "vulnerabilities":
        labels = [Vulnerability(v).label for v in value or [] if v in Vulnerability.values]
        return ", ".join(labels) or "None recorded"
    if field.choices and value:
        return getattr(child, f"get_{name}_display")()
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if name == "date_of_birth":
        return value.strftime("%-d %B %Y")
    if name == "allocated_worker" and value is not None:
        return value.get_full_name() or value.username
    return str(value) if value not in (None, "") else "Not recorded"


class MergeForm(GovUKForm):
    """One choice per differing fact: keep this record's value or the other's."""

    def __init__(self, *args, child, other, **kwargs):
        super().__init__(*args, **kwargs)
        for name in differing_fields(child, other):
            self.fields[name] = forms.ChoiceField(
                label=str(Child._meta.get_field(name).verbose_name).capitalize(),
                choices=[
                    (THIS, f"{_display(child, name)} (this record)"),
                    (OTHER, f"{_display(other, name)} (other record)"),
                ],
                widget=forms.RadioSelect,
                initial=THIS,
            )


class DismissForm(GovUKForm):
    reason = forms.CharField(
        label="Why they are not the same child (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _mergeable_pair(request, child_id, other_id):
    """Both records, visible (else 404) and changeable by a MASH coordinator (else 403)."""
    visible = children_visible_to(request.user).select_related("lead_agency", "allocated_worker", "provider")
    child, other = visible.filter(pk=child_id).first(), visible.filter(pk=other_id).first()
    if child is None or other is None or child.pk == other.pk:
        raise Http404
    may_change = can_change_child(request.user, child) and can_change_child(request.user, other)
    if not (is_mash_coordinator(request.user) and may_change):
        raise PermissionDenied
    return child, other


@login_required
def possible_duplicates(request):
    if not is_mash_coordinator(request.user):
        raise Http404
    page = Paginator(possible_duplicate_pairs(request.user), PAIRS_PER_PAGE).get_page(request.GET.get("page"))
    record_access_log(request, [child for pair in page.object_list for child in (pair["one"], pair["two"])])
    return render(request, "missing/possible_duplicates.html", {"page": page})


@login_required
def child_merge(request, child_id, other_id):
    child, other = _mergeable_pair(request, child_id, other_id)
    record_access_log(request, [child, other])
    form = MergeForm(request.POST if request.method == "POST" else None, child=child, other=other)
    if request.method == "POST" and form.is_valid():
        try:
            survivor = merge.child_merge(actor=request.user, child=child, other=other, keep=form.cleaned_data)
        except ValidationError as error:
            form_errors_from_service(form, error)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, "The two records were merged into this one. Everything of the other record is here now."
            )
            return redirect("missing:child_detail", survivor.pk)
    rows = [
        {"label": str(Child._meta.get_field(name).verbose_name).capitalize(), "this": _display(child, name),
         "other": _display(other, name), "differs": name in form.fields}
        for name in ("given_name", "family_name", "date_of_birth", "police_person_id", "gender", "legal_status",
                     "lead_agency", "allocated_worker", "placement_provider", "school")
    ]
    likely = child_duplicates(request.user, child)
    reasons = next((item["reasons"] for item in likely if item["child"].pk == other.pk), [])
    context = {
        "child": child, "other": other, "form": form, "rows": rows, "reasons": reasons,
        "dismiss_form": DismissForm(), "episodes": (child.episodes.count(), other.episodes.count()),
    }
    return render(request, "missing/child_merge.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def duplicate_dismiss_view(request, child_id, other_id):
    child, other = _mergeable_pair(request, child_id, other_id)
    form = DismissForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("missing:child_merge", child.pk, other.pk)
    duplicate_dismiss(actor=request.user, child=child, other=other, reason=form.cleaned_data["reason"])
    messages.success(request, f"Recorded: {other.full_name} is not the same child. The pair is offered no more.")
    return redirect("missing:child_detail", child.pk)
