"""Who reads and who changes a missing person profile.

Reading: whoever may see the child, and the police force of the child's authority, which is who
the profile is for when the child goes missing (a police user of another force never reads it).
Changing (and the photo): whoever may change the child (missing.permissions.can_change_child).
"""

from casework.models import AgencyKind

from ..models import Child
from ..permissions import can_change_child, children_visible_to, of_an_agency


def profile_children_visible_to(user):
    """The children whose profile `user` may read: one queryset for the pages, the API and the PDF."""
    visible = children_visible_to(user)
    if not of_an_agency(user):
        return visible
    if user.agency.kind != AgencyKind.POLICE:
        return visible
    # The children a user sees are all of their own authority, so these are the authority's children.
    # Written as the union of the two, PostgreSQL gathered every child the force sees (85,000 at
    # national size) and then read the whole table for one child (issue 13).
    return Child.objects.filter(authority_id=user.agency.authority_id)


def can_change_profile(user, child):
    return can_change_child(user, child)
