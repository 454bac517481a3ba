from .clocks.heartbeat import clock_watch
from .navigation import ACCOUNT, SECTION, navigation_for
from .permissions import is_mash_coordinator


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "account_items": []}
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match else ""
    return {
        "nav_items": navigation_for(user, request.path, area=SECTION, view_name=view_name),
        "account_items": navigation_for(user, request.path, area=ACCOUNT, view_name=view_name),
    }


def clock_banner(request):
    """Administrators and MASH coordinators see, on every page, that the clock has stopped."""
    user = getattr(request, "user", None)
    if not is_mash_coordinator(user):
        return {}
    status = clock_watch()
    return {"clock_late": status} if status.late else {}
