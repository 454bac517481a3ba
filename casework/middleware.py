"""Session idle timeout, the two-factor step (required for administrators, optional for others), and
responses kept out of caches."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django_otp import user_has_device

LAST_SEEN_KEY = "casework_last_seen"
IDLE_SIGNED_OUT_KEY = "casework_idle_signed_out"
POLL_HEADER = "HTTP_X_CASEWORK_POLL"
# Activity is recorded to the minute: writing the session on every request made every page view a
# database write (issue 13). A session may so time out up to this much before the full idle period.
ACTIVITY_RESOLUTION = 60


def _uses_api_token(request):
    """API clients that send a token have no browser session to time out or to verify.

    Only the API reads the header (DRF answers a bad token 401); pages ignore it, so on a page
    it must not excuse anyone from the idle timeout or the second factor.
    """
    return request.path.startswith("/api/") and request.META.get("HTTP_AUTHORIZATION", "").startswith("Token ")


def with_next(url_name, next_path):
    return f"{reverse(url_name)}?{urlencode({'next': next_path})}"


def needs_second_factor(user):
    """Administrators always; anyone else once they have set up an authenticator app."""
    return user.is_administrator or user_has_device(user, confirmed=True)


class IdleTimeoutMiddleware:
    """Signs out a browser session that has been idle for SESSION_IDLE_TIMEOUT.

    Background polling (the triage queue refreshing itself) carries the X-Casework-Poll header and
    does not count as activity, so an unattended screen still times out. Activity is stored at most
    once a minute (ACTIVITY_RESOLUTION), so a plain page view does not write the session each time. The sign-in page says why
    (it reads IDLE_SIGNED_OUT_KEY: the messages middleware runs after this one).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session") and not _uses_api_token(request):
            now = timezone.now().timestamp()
            last_seen = request.session.get(LAST_SEEN_KEY)
            if last_seen is not None and now - last_seen > settings.SESSION_IDLE_TIMEOUT.total_seconds():
                logout(request)
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                request.session[IDLE_SIGNED_OUT_KEY] = True
                if request.headers.get("HX-Request"):
                    response = redirect("login")
                    response["HX-Redirect"] = reverse("login")
                    return response
                return redirect(with_next("login", request.get_full_path()))
            if POLL_HEADER not in request.META and (last_seen is None or now - last_seen >= ACTIVITY_RESOLUTION):
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)


class AdministratorTwoFactorMiddleware:
    """Whoever needs a second factor must give it before any page or session API call."""

    EXEMPT_PREFIXES = ("/accounts/", "/static/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(self.EXEMPT_PREFIXES)
            and not _uses_api_token(request)
            and not user.is_verified()
            and needs_second_factor(user)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": "Complete two-factor sign-in before using the API."}, status=403)
            return redirect(with_next("two_factor", request.get_full_path()))
        return self.get_response(request)


class NoStoreMiddleware:
    """Every response but a static file is `Cache-Control: no-store, private`.

    Pages, API answers and letters carry children's data: no browser cache, shared computer's
    history or proxy on the way may keep a copy. Static files (served by WhiteNoise before this
    middleware is reached, or under STATIC_URL) keep their long-lived caching.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(settings.STATIC_URL):
            patch_cache_control(response, no_store=True, private=True)
        return response
