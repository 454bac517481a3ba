"""Sign-in (password, then TOTP where set up or required), the home page, and the error pages."""

import base64
import io

import django_otp
import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp.plugins.otp_totp.models import TOTPDevice

from .api import request_too_large_detail
from .audit import record_access_log
from .forms import GovUKForm, form_errors_from_service
from .home import POLL_SECONDS, children_shown, home_panels_for, live_signature
from .middleware import IDLE_SIGNED_OUT_KEY, LAST_SEEN_KEY, with_next
from .models import Disposal
from .permissions import is_administrator
from .retention import retention_dispose, retention_due, retention_policy_for, retention_policy_update
from .services import two_factor_device_confirm


class LoginForm(AuthenticationForm, GovUKForm):
    widths = {"username": "govuk-!-width-one-half", "password": "govuk-!-width-one-half"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "spellcheck": "false"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


def lockout_policy():
    """The numbers the sign-in pages tell people, read from the settings that enforce them."""
    return {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True
    extra_context = {"lockout": lockout_policy}

    def get(self, request, *args, **kwargs):
        if request.session.pop(IDLE_SIGNED_OUT_KEY, False):
            messages.info(request, "You were signed out because you had been inactive.")
        return super().get(request, *args, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        self.request.session[LAST_SEEN_KEY] = timezone.now().timestamp()
        user = form.get_user()
        if TOTPDevice.objects.devices_for_user(user, confirmed=True).exists():
            return redirect(with_next("two_factor", self.get_success_url()))
        if user.is_administrator:
            messages.info(self.request, "Administrators must set up two-factor sign-in before going on.")
            return redirect(with_next("two_factor_setup", self.get_success_url()))
        return response


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer once a username at an address, or an address, is locked (casework.lockout):
    JSON for the API, the GOV.UK page for people."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": "Too many failed attempts to sign in from here: sign-in is locked for now."},
            status=settings.AXES_HTTP_RESPONSE_CODE,
        )
    return render(
        request, settings.AXES_LOCKOUT_TEMPLATE, {"lockout": lockout_policy()}, status=settings.AXES_HTTP_RESPONSE_CODE
    )


class TokenForm(GovUKForm):
    token = forms.CharField(
        label="Security code",
        help_text="The 6-digit code from your authenticator app.",
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}),
    )
    widths = {"token": "govuk-input--width-5"}


def safe_next_url(request, default="home"):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse(default)


@login_required
def two_factor(request):
    """The second step of sign-in, for anyone with a confirmed authenticator."""
    if not TOTPDevice.objects.devices_for_user(request.user, confirmed=True).exists():
        return redirect(with_next("two_factor_setup", safe_next_url(request)))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = django_otp.match_token(request.user, form.cleaned_data["token"].strip())
        if device is not None:
            django_otp.login(request, device)
            return redirect(safe_next_url(request))
        form.add_error("token", "The security code is not correct or has expired.")
    return render(request, "registration/two_factor.html", {"form": form, "next": safe_next_url(request)})


def _qr_svg(uri):
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return base64.b64encode(buffer.getvalue()).decode()


@login_required
def two_factor_setup(request):
    """Add an authenticator app. Required for administrators; open to everyone."""
    confirmed = TOTPDevice.objects.devices_for_user(request.user, confirmed=True).exists()
    if confirmed and not request.user.is_verified():
        return redirect(with_next("two_factor", safe_next_url(request)))
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None and not confirmed:
        device = TOTPDevice.objects.create(user=request.user, name="Authenticator app", confirmed=False)
    form = TokenForm(request.POST or None)
    if device is not None and request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"].strip()):
            two_factor_device_confirm(user=request.user, device=device)
            django_otp.login(request, device)
            messages.success(request, "Two-factor sign-in is set up.")
            return redirect(safe_next_url(request))
        form.add_error("token", "The security code is not correct or has expired.")
    context = {"form": form, "confirmed": confirmed, "next": safe_next_url(request)}
    if device is not None:
        secret = base64.b32encode(device.bin_key).decode().rstrip("=")
        context.update({"secret": secret, "qr_svg": _qr_svg(device.config_url)})
    return render(request, "registration/two_factor_setup.html", context)


@login_required
def home(request):
    """What needs the signed-in person today: the panels their roles use."""
    panels = home_panels_for(request.user, timezone.now())
    record_access_log(request, children_shown(panels))
    context = {
        "panels": panels,
        "live": any(panel.panel.live for panel in panels),
        "signature": live_signature(panels),
        "poll_seconds": POLL_SECONDS,
    }
    return render(request, "casework/home.html", context)


@login_required
def home_live(request):
    """What the open home page polls: its live panels again, or 204 (htmx leaves the page alone)
    when they say what the page already shows."""
    panels = home_panels_for(request.user, timezone.now(), live_only=True)
    signature = live_signature(panels)
    if not panels or request.GET.get("shown") == signature:
        return HttpResponse(status=204)
    record_access_log(request, children_shown(panels))
    return render(request, "casework/home_live.html", {"panels": panels, "signature": signature})


def _is_api(request):
    return request.path.startswith("/api/")


def bad_request(request, exception=None):
    """A request Django refused before any view answered it, e.g. a body over DATA_UPLOAD_MAX_MEMORY_SIZE
    (413): the API's JSON shapes on the API, a page for people."""
    too_large = isinstance(exception, RequestDataTooBig)
    status = 413 if too_large else 400
    if request.path.startswith("/api/"):
        body = request_too_large_detail() if too_large else {"non_field_errors": ["The request could not be read."]}
        return JsonResponse(body, status=status)
    return render(request, "400.html", {"too_large": too_large}, status=status)


def not_found(request, exception=None):
    """API callers get the API's JSON error; people get the GOV.UK page."""
    if _is_api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return render(request, "404.html", status=404)


def server_error(request):
    if _is_api(request):
        return JsonResponse({"detail": "Something went wrong on our side. Nothing was saved."}, status=500)
    return render(request, "500.html", status=500)


# Retention -------------------------------------------------------------------------------------


class RetentionPolicyForm(GovUKForm):
    keep_until_age = forms.IntegerField(label="Keep a child's record at least until they are this age",
                                        min_value=18, max_value=100)
    keep_years_after_last_activity = forms.IntegerField(
        label="And at least this many years after their last episode", min_value=0, max_value=100)
    audit_log_years = forms.IntegerField(label="Keep audit entries this many years", min_value=1, max_value=100)
    disposal = forms.ChoiceField(label="When a record is removed", choices=Disposal.choices,
                                 widget=forms.RadioSelect)
    widths = {name: "govuk-input--width-3" for name in ("keep_until_age", "keep_years_after_last_activity",
                                                          "audit_log_years")}


class RetentionConfirmForm(GovUKForm):
    records = forms.MultipleChoiceField(label="Records to remove", choices=(), widget=forms.CheckboxSelectMultiple,
                                        error_messages={"required": "Choose the records to remove."})
    confirm = forms.BooleanField(
        label="I confirm that the records I chose are to be removed as the policy says. This cannot be undone.",
        error_messages={"required": "Confirm that these records are to be removed."},
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["records"].choices = [(f"{c.kind}:{c.object_id}", c.label) for c in candidates]


def _retention_context(request, policy, *, policy_form=None, confirm_form=None):
    candidates = retention_due(policy)
    record_access_log(request, [candidate.child_id for candidate in candidates])  # the page names them
    return {
        "policy": policy,
        "candidates": candidates,
        "policy_form": policy_form or RetentionPolicyForm(initial={
            name: getattr(policy, name) for name in RetentionPolicyForm.base_fields
        }),
        "confirm_form": confirm_form or RetentionConfirmForm(candidates=candidates),
    }


@login_required
def retention_page(request):
    """The council's retention policy and the records it makes due for review. Removing any needs an
    administrator to tick them and confirm; looking removes nothing."""
    if not is_administrator(request.user) or request.user.authority_id is None:
        raise Http404
    policy = retention_policy_for(request.user.agency.authority)
    if request.method == "POST" and request.POST.get("action") == "policy":
        form = RetentionPolicyForm(request.POST)
        if form.is_valid():
            retention_policy_update(actor=request.user, policy=policy, **form.cleaned_data)
            messages.success(request, "The retention policy is saved.")
            return redirect("retention")
        return render(request, "casework/retention.html", _retention_context(request, policy, policy_form=form),
                      status=400)
    if request.method == "POST":
        form = RetentionConfirmForm(request.POST, candidates=retention_due(policy))
        if form.is_valid():
            chosen = {}
            for value in form.cleaned_data["records"]:
                kind, _, object_id = value.partition(":")
                chosen.setdefault(kind, []).append(object_id)
            try:
                with transaction.atomic():
                    removed = sum(
                        retention_dispose(actor=request.user, policy=policy, kind=kind, object_ids=ids, confirmed=True)
                        for kind, ids in chosen.items()
                    )
            except ValidationError as error:
                form_errors_from_service(form, error)
            else:
                messages.success(request, f"{removed} record{'s' if removed != 1 else ''} removed. The audit log says so.")
                return redirect("retention")
        return render(request, "casework/retention.html", _retention_context(request, policy, confirm_form=form),
                      status=400)
    return render(request, "casework/retention.html", _retention_context(request, policy))
