"""factory_boy factories for every app's models. Synthetic people only."""

from datetime import date, timedelta

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from casework.models import Agency, AgencyKind, LocalAuthority, Role, User
from missing.duplicates import duplicate_pairs_refresh
from missing.models import Child, LegalStatus, MissingEpisode, NotificationKind, PoliceNotification

PASSWORD = "correct-horse-battery-9"


class LocalAuthorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LocalAuthority
        django_get_or_create = ("name",)

    name = "Demo Borough Council"


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    authority = factory.SubFactory(LocalAuthorityFactory)
    name = factory.Sequence(lambda n: f"Agency {n}")
    kind = AgencyKind.CHILDRENS_SOCIAL_CARE
    group = factory.LazyAttribute(lambda o: Group.objects.create(name=f"agency:{o.name}:{o.authority.name}"))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.test")
    agency = factory.SubFactory(AgencyFactory)
    roles = factory.LazyFunction(lambda: [Role.AGENCY_STAFF])

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save()
            if obj.agency_id:
                obj.groups.add(obj.agency.group)


class ChildFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Child

    authority = factory.SubFactory(LocalAuthorityFactory)
    given_name = factory.Sequence(lambda n: f"Kit{n}")
    family_name = factory.Sequence(lambda n: f"Testchild{n}")
    date_of_birth = factory.LazyFunction(lambda: date.today() - timedelta(days=365 * 14 + 30))
    legal_status = LegalStatus.NONE
    vulnerabilities = factory.LazyFunction(list)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """Saved straight, as a test's record; its likely pairs (N3) are stored as child_create does."""
        child = super()._create(model_class, *args, **kwargs)
        duplicate_pairs_refresh(child.pk)
        return child


class EpisodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MissingEpisode

    child = factory.SubFactory(ChildFactory)
    category = "missing"
    risk_level = "medium"
    location_type = "home"
    started_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=5))
    reported_at = factory.LazyAttribute(lambda o: o.started_at + timedelta(hours=1))


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PoliceNotification

    authority = factory.SubFactory(LocalAuthorityFactory)
    source_ref = factory.Sequence(lambda n: f"MPS-{n:06d}")
    kind = NotificationKind.MISSING
    received_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=2))
    occurred_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=3))
    child_given_name = factory.Sequence(lambda n: f"Ash{n}")
    child_family_name = factory.Sequence(lambda n: f"Sample{n}")
    child_date_of_birth = date(2012, 5, 17)
    risk_level = "medium"
    sent_by = None
    sender_agency = factory.LazyAttribute(lambda o: o.sent_by.agency if o.sent_by else None)


def notification_fields(now, **overrides):
    """What a police notification of a missing child says, as notification_receive takes it (and the
    batch API's rows): one synthetic child, received an hour before `now`."""
    fields = {
        "source_ref": "SVC-1",
        "kind": "missing",
        "received_at": now - timedelta(hours=1),
        "occurred_at": now - timedelta(hours=2),
        "child_given_name": "Eden",
        "child_family_name": "Servicecase",
        "child_date_of_birth": date(2012, 8, 8),
    }
    fields.update(overrides)
    return fields
