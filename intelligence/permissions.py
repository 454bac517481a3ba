"""Who sees and who changes panel intelligence: decided here, on top of the panels' own rule.

Intelligence is seen by exactly those who see its panel (panels.permissions.panels_visible_to: the
chairs, the member agencies' users who hold a panel role, administrators of the authority); anyone
else, a strategic reader included, gets 404. Seeing a child in the intelligence does not open the
child's case record: a child the user may not see is shown by initials and reference only.

Any of the panel's people may add intelligence; a record is corrected by whoever added it and by the
panel's chairs, a disruption also by its owner (others who see it get 403).
"""

from panels.permissions import PANEL_ROLES, chairs, panels_visible_to

from .models import Association, Disruption, Person, Place


def _of_visible_panels(model, user):
    return model.objects.filter(panel__in=panels_visible_to(user).values("pk"))


def places_visible_to(user):
    return _of_visible_panels(Place, user)


def persons_visible_to(user):
    return _of_visible_panels(Person, user)


def associations_visible_to(user):
    return _of_visible_panels(Association, user)


def disruptions_visible_to(user):
    return _of_visible_panels(Disruption, user)


def can_add_intelligence(user, panel):
    """`panel` must already be known visible to the user."""
    return chairs(user, panel) or bool(PANEL_ROLES & set(user.roles or []))


def can_change_intelligence(user, row):
    """Correct, update or remove a place, person, association or disruption already visible to the user."""
    return chairs(user, row.panel) or user.pk in (row.created_by_id, getattr(row, "owner_id", None))
