"""Placement pages: establishments, a child's placements, children placed in and out, other
councils' contacts (administrators) and the board's letter of concern (a PDF)."""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from casework.audit import record_access_log
from casework.calendar import local_date
from casework.forms import form_errors_from_service
from casework.paginator import CountedPaginator, WindowPaginator
from casework.permissions import is_administrator
from casework.services import authority_for

from ..models import AuthorityContact, Placement
from ..permissions import can_change_child, children_visible_to
from . import services
from .forms import ContactForm, EndPlacementForm, LetterForm, ProviderForm, placement_form_for
from .pdf import letter_of_concern_response
from .selectors import (
    can_manage_providers,
    other_authorities,
    placed_in_or_out,
    placed_in_or_out_count,
    providers_visible_to,
    providers_with_counts,
)

PAGE_SIZE = 25


def _posted(request):
    return (request.POST,) if request.method == "POST" else ()


def _manager_only(user):
    """The pages for recording placements do not exist for anyone else (404)."""
    if not can_manage_providers(user):
        raise Http404


def _form_page(request, template, context):
    """A form page answers 400 while its form shows errors."""
    return render(request, template, context, status=400 if context["form"].errors else 200)


# Establishments ---------------------------------------------------------------------------------


@login_required
def provider_list(request):
    _manager_only(request.user)
    providers = providers_with_counts(providers_visible_to(request.user))
    page = WindowPaginator(providers, 50).get_page(request.GET.get("page"))
    return render(request, "placements/provider_list.html", {"page": page})


@login_required
def provider_create(request):
    _manager_only(request.user)
    form = ProviderForm(*_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            provider = services.provider_create(
                actor=request.user, authority=authority_for(request.user), **form.cleaned_data)
        except ValidationError as error:
            form_errors_from_service(form, error)
        else:
            messages.success(request, f"{provider.name} added.")
            return redirect("placements:provider_list")
    return _form_page(request, "placements/provider_form.html", {"form": form, "provider": None})


@login_required
def provider_edit(request, provider_id):
    _manager_only(request.user)
    provider = providers_visible_to(request.user).filter(pk=provider_id).first()
    if provider is None:
        raise Http404
    form = ProviderForm(*_posted(request), initial=ProviderForm.initial_from(provider))
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            services.provider_update(actor=request.user, provider=provider, **changes)
        except ValidationError as error:
            form_errors_from_service(form, error)
        else:
            messages.success(request, "Establishment updated." if changes else "Nothing was changed.")
            return redirect("placements:provider_list")
    return _form_page(request, "placements/provider_form.html", {"form": form, "provider": provider})


# A child's placements ---------------------------------------------------------------------------


def _changeable_child(request, child_id):
    child = children_visible_to(request.user).select_related("authority").filter(pk=child_id).first()
    if child is None:
        raise Http404
    if not can_change_child(request.user, child):
        raise PermissionDenied
    record_access_log(request, [child])
    return child


@login_required
def placement_add(request, child_id):
    child = _changeable_child(request, child_id)
    form = placement_form_for(child, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.placement_record(actor=request.user, child=child, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from_service(form, error)
        else:
            messages.success(request, "Placement recorded.")
            return redirect("missing:child_detail", child.pk)
    return _form_page(request, "placements/placement_form.html", {"form": form, "child": child})


@login_required
def placement_end(request, placement_id):
    placement = Placement.objects.filter(
        pk=placement_id, child__in=children_visible_to(request.user).values("pk")).select_related("child").first()
    if placement is None:
        raise Http404
    child = _changeable_child(request, placement.child_id)
    form = EndPlacementForm(*_posted(request), prefix="end")
    if request.method == "POST" and form.is_valid():
        try:
            services.placement_end(actor=request.user, placement=placement, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from_service(form, error)
        else:
            messages.success(request, "Placement ended.")
            return redirect("missing:child_detail", child.pk)
    return _form_page(request, "placements/placement_end.html", {"form": form, "child": child, "placement": placement})


# Children placed in and out ---------------------------------------------------------------------


@login_required
def placed(request):
    _manager_only(request.user)
    paginator = CountedPaginator(placed_in_or_out(request.user), PAGE_SIZE,
                                 count_of=partial(placed_in_or_out_count, request.user))
    page = paginator.get_page(request.GET.get("page"))
    record_access_log(request, page.object_list)
    counts = providers_with_counts(providers_visible_to(request.user)).filter(episode_count__gt=0)
    return render(request, "placements/placed.html", {
        "page": page, "counts": counts.order_by("-episode_count", "name")[:50],
    })


# Contacts of other councils (administrators) ----------------------------------------------------


def _administrator_only(user):
    if not is_administrator(user):
        raise Http404


@login_required
def contact_list(request):
    _administrator_only(request.user)
    authority = authority_for(request.user)
    form = ContactForm(*_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.contact_save(actor=request.user, authority=authority, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from_service(form, error)
        else:
            messages.success(request, f"Notices to {contact.other_authority} now go to {contact.email}.")
            return redirect("placements:contact_list")
    contacts = AuthorityContact.objects.filter(authority=authority)
    return _form_page(request, "placements/contact_list.html", {"form": form, "contacts": contacts})


@login_required
@require_POST
def contact_delete(request, contact_id):
    _administrator_only(request.user)
    contact = AuthorityContact.objects.filter(pk=contact_id, authority=authority_for(request.user)).first()
    if contact is None:
        raise Http404
    services.contact_delete(actor=request.user, contact=contact)
    messages.success(request, f"The contact for {contact.other_authority} was removed.")
    return redirect("placements:contact_list")


# The letter of concern --------------------------------------------------------------------------


@login_required
def letter(request):
    _manager_only(request.user)
    authorities = other_authorities(request.user)
    form = LetterForm(request.GET or None, authorities=authorities)
    if request.GET and form.is_valid():
        data = form.cleaned_data
        return letter_of_concern_response(request, to=data["authority"], start=data["start"], end=data["end"])
    today = local_date(timezone.now())
    if not request.GET:
        form.initial = {"start": today.replace(day=1), "end": today}
    return render(request, "placements/letter_form.html", {"form": form}, status=400 if form.errors else 200)
