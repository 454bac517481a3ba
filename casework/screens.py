"""The core's own screens: the home page first in the navigation, the two-factor page among the
account links, and the administrators' panel on the home page."""

from django.db.models import Count as Counted
from django.db.models import Q
from django.urls import reverse

from .home import Count, register_home_panel
from .models import OutgoingEmail, OutgoingEmailStatus
from .navigation import ACCOUNT, Section, register_section
from .permissions import is_administrator


def _manages_the_service(user):
    """Administrators who may open the Django admin, where people, agencies and the protocol are kept."""
    return is_administrator(user) and user.is_staff


def administration_panel(user, now):
    """Emails the product has not managed to send yet: a mail server that refuses them delays
    notices to people outside the product, and only an administrator can see why."""
    waiting = OutgoingEmail.objects.filter(status=OutgoingEmailStatus.PENDING).aggregate(
        pending=Counted("pk"), failing=Counted("pk", filter=Q(attempts__gt=0))
    )
    emails = reverse("admin:casework_outgoingemail_changelist")
    return {
        "counts": [
            Count(waiting["failing"], "email failing to send", "emails failing to send",
                  f"{emails}?status__exact={OutgoingEmailStatus.PENDING}&attempts__gt=0"),
            Count(waiting["pending"], "email waiting to be sent", "emails waiting to be sent",
                  f"{emails}?status__exact={OutgoingEmailStatus.PENDING}"),
        ],
        "admin_url": reverse("admin:index"),
    }


def register_core_screens():
    register_section(Section("home", "Home", "home", order=0))
    register_section(
        Section("two_factor", "Two-factor sign-in", "two_factor_setup", order=900, area=ACCOUNT, pages=("two_factor",))
    )
    register_home_panel(
        "administration", title="Administration", order=800, shows=_manages_the_service,
        build=administration_panel, template="casework/home/administration.html", live=True,
    )
