"""Reads for people and agencies."""

from .models import User
from .permissions import is_administrator


def users_manageable_by(user):
    """The users an administrator may change: a superuser, anyone; another administrator, the users
    of their own authority's agencies. Everyone else, nobody."""
    if not is_administrator(user):
        return User.objects.none()
    if user.is_superuser:
        return User.objects.all()
    if not user.agency_id:
        return User.objects.none()
    return User.objects.filter(agency__authority_id=user.agency.authority_id)
