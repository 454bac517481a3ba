"""Sign-in lockout on top of django-axes, for the sign-in page and the token API alike.

axes locks a username only as tried from one address (AXES_LOCKOUT_PARAMETERS), so an anonymous
caller who mistypes someone's username on purpose locks nobody but themselves. On its own that
would let one address try a few passwords on every account, so an address is also refused once it
has failed AXES_ADDRESS_FAILURE_LIMIT times, whatever the usernames, within the cool-off time.
"""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models import Sum


def client_ip_address(request):
    """The caller's address as the outermost of the TRUSTED_PROXY_COUNT proxies saw it.

    Each proxy appends the address it was called from to X-Forwarded-For, so the caller's is that
    many entries from the right; anything further left is whatever the caller chose to send. With
    no proxy, or a request that did not come through them all, it is the connection's address.
    """
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        forwarded = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [hop for hop in forwarded if hop]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")


def address_failures(request):
    """Failed sign-ins from the request's address within the cool-off time, for any username."""
    attempts = AccessAttempt.objects.filter(
        ip_address=request.axes_ip_address, attempt_time__gte=get_cool_off_threshold(request)
    )
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


def address_is_locked(request):
    return address_failures(request) >= settings.AXES_ADDRESS_FAILURE_LIMIT


class AddressLimitedHandler(AxesDatabaseHandler):
    """axes' database handler that also refuses an address past AXES_ADDRESS_FAILURE_LIMIT."""

    def is_locked(self, request, credentials=None):
        return super().is_locked(request, credentials) or address_is_locked(request)

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        """Once the failure is recorded, the address limit answers with the lockout, as axes' own does."""
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        if request is None or request.axes_locked_out or not address_is_locked(request):
            return
        request.axes_locked_out = True
        request.axes_credentials = credentials
        user_locked_out.send(
            "axes",
            request=request,
            username=get_client_username(request, credentials),
            ip_address=request.axes_ip_address,
        )
