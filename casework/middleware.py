"""Session idle timeout and the administrators' two-factor requirement."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

LAST_SEEN_KEY = "casework_last_seen"
POLL_HEADER = "HTTP_X_CASEWORK_POLL"


class IdleTimeoutMiddleware:
    """Signs out a browser session that has been idle for SESSION_IDLE_TIMEOUT.

    Background polling (the triage queue refreshing itself) carries the X-Casework-Poll header and
    does not count as activity, so an unattended screen still times out.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session") and "HTTP_AUTHORIZATION" not in request.META:
            now = timezone.now().timestamp()
            last_seen = request.session.get(LAST_SEEN_KEY)
            if last_seen is not None and now - last_seen > settings.SESSION_IDLE_TIMEOUT.total_seconds():
                logout(request)
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                messages.info(request, "You were signed out because you had been inactive.")
                response = redirect(f"{reverse('login')}?next={request.path}")
                if request.headers.get("HX-Request"):
                    response["HX-Redirect"] = reverse("login")
                return response
            if POLL_HEADER not in request.META:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)


class AdministratorTwoFactorMiddleware:
    """Administrators must complete a TOTP step before any page; other users may opt in."""

    EXEMPT_PREFIXES = ("/accounts/", "/static/", "/api/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(self.EXEMPT_PREFIXES)
            and "HTTP_AUTHORIZATION" not in request.META
            and not user.is_verified()
            and (user.is_administrator or request.session.get("casework_otp_pending"))
        ):
            return redirect(f"{reverse('two_factor')}?next={request.path}")
        return self.get_response(request)
