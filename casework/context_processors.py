from .navigation import ACCOUNT, SECTION, navigation_for


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
