"""The profile's pages: read it (with the photo and the PDF), change it, confirm it reviewed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from casework.audit import record_access_log
from casework.files import safe_download_name
from casework.forms import form_errors_from_service
from casework.protocol_store import protocol_for

from . import services
from .forms import ProfileForm
from .pdf import profile_pdf
from .permissions import can_change_profile
from .photos import photo_open
from .selectors import profile_child_get, profile_document, profile_of


def _child(request, child_id):
    child = profile_child_get(request.user, child_id)
    if child is None:
        raise Http404
    return child


def _profile(child):
    profile = profile_of(child)
    if profile is None:
        raise Http404
    return profile


@login_required
def profile_detail(request, child_id):
    child = _child(request, child_id)
    record_access_log(request, [child])
    profile = profile_of(child)
    context = {"child": child, "can_change": can_change_profile(request.user, child)}
    if profile is not None:
        context.update(profile_document(child, profile, protocol=protocol_for(child.authority_id)))
    return render(request, "profiles/profile_detail.html", context)


@login_required
def profile_edit(request, child_id):
    child = _child(request, child_id)
    if not can_change_profile(request.user, child):
        raise PermissionDenied
    record_access_log(request, [child])
    profile = profile_of(child)
    data = (request.POST, request.FILES) if request.method == "POST" else ()
    form = ProfileForm(*data, initial=ProfileForm.initial_from(profile))
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "photo"}
        try:
            services.profile_save(actor=request.user, child=child, photo=form.cleaned_data["photo"], **fields)
        except ValidationError as error:
            form_errors_from_service(form, error)
        else:
            messages.success(request, "Missing person profile saved and marked as reviewed today.")
            return redirect("profiles:detail", child.pk)
    context = {"form": form, "child": child, "profile": profile}
    return render(request, "profiles/profile_form.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def profile_review(request, child_id):
    child = _child(request, child_id)
    profile = _profile(child)
    if not can_change_profile(request.user, child):
        raise PermissionDenied
    record_access_log(request, [child])
    services.profile_review(actor=request.user, profile=profile)
    messages.success(request, "Profile marked as reviewed today.")
    return redirect("profiles:detail", child.pk)


def photo_response(request, child):
    """The photo, to whoever may read the profile: in the access log and the audit log."""
    profile = _profile(child)
    if not profile.has_photo:
        raise Http404
    record_access_log(request, [child])
    services.profile_read_record(actor=request.user, profile=profile, what="photo")
    extension = profile.photo_stored_name.rpartition(".")[2]
    name = safe_download_name(f"{child.full_name} photo.{extension}", default="photo")
    response = FileResponse(photo_open(profile), filename=name, content_type=profile.photo_content_type)
    response["Cache-Control"] = "private, no-store"
    return response


def pdf_response(request, child):
    profile = _profile(child)
    pdf = profile_pdf(profile_document(child, profile, protocol=protocol_for(child.authority_id)))
    record_access_log(request, [child])
    services.profile_read_record(actor=request.user, profile=profile, what="pdf")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="missing-person-profile-{child.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def profile_photo(request, child_id):
    return photo_response(request, _child(request, child_id))


@login_required
def profile_pdf_view(request, child_id):
    return pdf_response(request, _child(request, child_id))
