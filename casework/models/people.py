"""Local authorities, the agencies of their partnership, and the people who work in them."""

import uuid

from django.contrib.auth.models import AbstractUser, Group
from django.db import models
from simple_history.models import HistoricalRecords


class LocalAuthority(models.Model):
    """A council: the tenant. Children, agencies and protocols belong to one."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200, unique=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "local authorities"
        ordering = ["name"]

    def __str__(self):
        return self.name


class AgencyKind(models.TextChoices):
    POLICE = "police", "Police"
    CHILDRENS_SOCIAL_CARE = "childrens_social_care", "Children's social care"
    HEALTH = "health", "Health"
    EDUCATION = "education", "Education"
    EARLY_HELP = "early_help", "Early Help"
    YOUTH_OFFENDING = "youth_offending", "Youth offending"
    RETURN_INTERVIEW_SERVICE = "return_interview_service", "Return interview service"
    VOLUNTARY = "voluntary", "Voluntary sector"
    HOUSING = "housing", "Housing"
    OTHER = "other", "Other"


class Agency(models.Model):
    """One partner agency. Its `group` is what object-level shares (django-guardian) are granted to."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    authority = models.ForeignKey(LocalAuthority, on_delete=models.PROTECT, related_name="agencies")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=40, choices=AgencyKind.choices)
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="agency", editable=False)
    designated_manager = models.ForeignKey(
        "User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Told when an action the agency owns without a named owner is overdue (P15).",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "agencies"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["authority", "name"], name="agency_unique_name_per_authority")]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    MASH_COORDINATOR = "mash_coordinator", "MASH coordinator"
    PANEL_CHAIR = "panel_chair", "Panel chair"
    PANEL_MEMBER = "panel_member", "Panel member"
    AGENCY_STAFF = "agency_staff", "Agency staff"
    STRATEGIC_READER = "strategic_reader", "Strategic reader"
    ADMINISTRATOR = "administrator", "Administrator"


def _no_roles():
    return []


class User(AbstractUser):
    """A person who signs in. Belongs to one agency and holds any number of roles."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="users", null=True, blank=True)
    roles = models.JSONField(default=_no_roles, blank=True)
    line_manager = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        help_text="Told when this person's action is overdue; their own line manager is told next (P15).",
    )
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    _password_disabled = False

    def set_unusable_password(self):
        super().set_unusable_password()
        self._password_disabled = True

    def save(self, *args, **kwargs):
        """A changed or disabled password revokes the user's API tokens, whichever path changed it.

        Every path (the admin's password pages, `changepassword`, Django's password forms) calls
        set_password() or set_unusable_password() and then save(). set_password() keeps the new
        password in `_password` until the save; Django clears it first when it only re-hashes a
        password at sign-in, so that is not counted as a change.
        """
        password_changed = not self._state.adding and (self._password is not None or self._password_disabled)
        super().save(*args, **kwargs)
        self._password_disabled = False
        if password_changed:
            self.api_tokens_revoke()

    def api_tokens_revoke(self):
        """End every API token of this user at once (the one place it is done)."""
        from knox.models import AuthToken  # here: knox's models point back at this model

        AuthToken.objects.filter(user=self).delete()

    def has_role(self, role):
        return role in (self.roles or [])

    @property
    def is_administrator(self):
        return self.is_superuser or self.has_role(Role.ADMINISTRATOR)

    @property
    def authority_id(self):
        return self.agency.authority_id if self.agency_id else None

    @property
    def agency_kind(self):
        return self.agency.kind if self.agency_id else None
