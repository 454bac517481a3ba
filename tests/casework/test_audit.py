"""Audit: an event for every change, in its transaction; a record-access log; both append-only."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from casework import services as casework_services
from casework.models import AgencyKind, AuditEvent, RecordAccess, Role
from missing import services as missing_services
from missing.models import Child, MissingEpisode, PoliceNotification

from ..factories import (
    AgencyFactory,
    ChildFactory,
    EpisodeFactory,
    LocalAuthorityFactory,
    NotificationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def events(verb):
    return list(AuditEvent.objects.filter(verb=verb))


def test_every_api_change_is_one_audit_event_naming_who_and_what(api, mash, police, admin_user, authority):
    now = timezone.now()
    agency = api(admin_user).post("/api/v1/agencies/", {"name": "Harbour Housing", "kind": "housing"}, format="json").json()
    user = api(admin_user).post(
        "/api/v1/users/", {"username": "hh1", "password": "long-enough-secret-41", "agency": agency["id"]}, format="json"
    ).json()
    child = api(mash).post(
        "/api/v1/children/",
        {"given_name": "Ari", "family_name": "Audittrail", "date_of_birth": "2013-04-04", "legal_status": "none"},
        format="json",
    ).json()
    api(mash).patch(f"/api/v1/children/{child['id']}/", {"school": "Eastgate School"}, format="json")
    episode = api(mash).post(
        f"/api/v1/children/{child['id']}/episodes/",
        {
            "category": "missing",
            "started_at": (now - timedelta(days=2)).isoformat(),
            "reported_at": (now - timedelta(days=2)).isoformat(),
            "risk_level": "low",
            "location_type": "home",
        },
        format="json",
    ).json()
    api(mash).patch(f"/api/v1/episodes/{episode['id']}/", {"returned_at": (now - timedelta(days=1)).isoformat()}, format="json")
    notification = api(police).post(
        "/api/v1/notifications/",
        {
            "source_ref": "AUD-1",
            "kind": "absent",
            "received_at": now.isoformat(),
            "occurred_at": (now - timedelta(hours=1)).isoformat(),
            "child": {"given_name": "Ari", "family_name": "Audittrail", "date_of_birth": "2013-04-04"},
        },
        format="json",
    ).json()
    api(mash).post(f"/api/v1/notifications/{notification['id']}/triage/", {"child": child["id"]}, format="json")

    expected = [
        ("agency.created", admin_user, agency["id"], None),
        ("user.created", admin_user, user["id"], None),
        ("child.created", mash, child["id"], child["id"]),
        ("child.updated", mash, child["id"], child["id"]),
        ("episode.created", mash, episode["id"], child["id"]),
        ("episode.updated", mash, episode["id"], child["id"]),
        ("notification.received", police, notification["id"], None),
        ("notification.triaged", mash, notification["id"], child["id"]),
    ]
    for verb, actor, object_id, child_id in expected:
        (event,) = events(verb) if verb != "episode.created" else [e for e in events(verb) if e.object_id == object_id]
        assert (event.actor, event.object_id) == (actor, object_id), verb
        assert (str(event.child_id) if event.child_id else None) == child_id, verb
    assert events("child.updated")[0].data == {"fields": ["school"]}


def test_a_refused_request_writes_no_audit_event(api, mash, authority):
    child = ChildFactory(authority=authority)
    before = AuditEvent.objects.count()
    api(mash).post("/api/v1/children/", {"given_name": "x"}, format="json")
    api(mash).patch(f"/api/v1/children/{child.pk}/", {"date_of_birth": "2099-01-01"}, format="json")
    api(mash).post(f"/api/v1/children/{child.pk}/episodes/", {"category": "missing"}, format="json")
    assert AuditEvent.objects.count() == before


def test_the_audit_row_and_the_change_share_one_transaction(mash, authority, monkeypatch):
    """If the audit row cannot be written, the change it records is not kept either."""

    def refuse(**kwargs):
        raise DatabaseError("audit log unavailable")

    monkeypatch.setattr(missing_services, "audit_event_record", refuse)
    monkeypatch.setattr(casework_services, "audit_event_record", refuse)
    with pytest.raises(DatabaseError):
        missing_services.child_create(
            actor=mash, authority=authority, given_name="Ola", family_name="Rollback", date_of_birth=ChildFactory.build().date_of_birth
        )
    assert not Child.objects.filter(family_name="Rollback").exists()
    notification = NotificationFactory(authority=authority)
    with pytest.raises(DatabaseError):
        missing_services.notification_triage(actor=mash, notification=notification, child=None)
    notification.refresh_from_db()
    assert notification.status == "pending"
    assert not MissingEpisode.objects.exists()
    with pytest.raises(DatabaseError):
        casework_services.agency_create(actor=mash, name="Never Kept", kind=AgencyKind.OTHER)
    assert not authority.agencies.filter(name="Never Kept").exists()
    assert PoliceNotification.objects.count() == 1


def test_opening_a_child_by_api_is_logged(api, mash, authority):
    child = ChildFactory(authority=authority)
    response = api(mash).get(f"/api/v1/children/{child.pk}/")
    assert response.status_code == 200
    (access,) = RecordAccess.objects.all()
    assert (access.user, access.child_id, access.channel, access.path) == (mash, child.pk, "api", f"/api/v1/children/{child.pk}/")


def test_a_child_the_caller_may_not_see_is_not_logged_as_opened(api, health_worker, mash):
    hidden = ChildFactory(authority=LocalAuthorityFactory(name="Another Council"))
    assert api(health_worker).get(f"/api/v1/children/{hidden.pk}/").status_code == 404
    assert api(mash).get(f"/api/v1/children/{hidden.pk}/").status_code == 404
    assert not RecordAccess.objects.exists()


def test_record_access_log_page_is_for_administrators(signed_in, admin_user, mash, authority, client):
    child = ChildFactory(authority=authority)
    RecordAccess.objects.create(user=mash, child_id=child.pk, channel="api", path=f"/api/v1/children/{child.pk}/")
    response = signed_in(admin_user).get("/audit/record-access/")
    assert response.status_code == 200
    assert str(child.pk) in response.content.decode()
    assert "mash" in response.content.decode()


def test_record_access_log_shows_an_administrator_only_their_own_councils_children(signed_in, mash, authority):
    ours = ChildFactory(authority=authority)
    theirs_authority = LocalAuthorityFactory(name="Another Council")
    theirs = ChildFactory(authority=theirs_authority)
    their_admin = UserFactory(
        username="other-admin", agency=AgencyFactory(authority=theirs_authority), roles=[Role.ADMINISTRATOR]
    )
    RecordAccess.objects.create(user=mash, child_id=ours.pk, channel="api", path=f"/api/v1/children/{ours.pk}/")
    RecordAccess.objects.create(
        user=their_admin, child_id=theirs.pk, channel="page", path=f"/missing/children/{theirs.pk}/"
    )
    response = signed_in(their_admin).get("/audit/record-access/")
    assert response.status_code == 200
    assert [access.child_id for access in response.context["page"]] == [theirs.pk]
    assert str(ours.pk) not in response.content.decode()


def test_record_access_log_shows_a_superuser_every_council(signed_in, admin_user, mash):
    elsewhere = ChildFactory(authority=LocalAuthorityFactory(name="Another Council"))
    RecordAccess.objects.create(user=mash, child_id=elsewhere.pk, channel="api", path="/api/v1/children/")
    response = signed_in(admin_user).get("/audit/record-access/")
    assert [access.child_id for access in response.context["page"]] == [elsewhere.pk]


def test_record_access_log_page_is_refused_to_everyone_else(signed_in, client, mash, police, health_worker):
    assert client.get("/audit/record-access/").status_code == 302  # to the sign-in page
    for user in (mash, police, health_worker):
        assert signed_in(user).get("/audit/record-access/").status_code == 403


@pytest.mark.parametrize("table", ["casework_auditevent", "casework_recordaccess"])
@pytest.mark.parametrize("statement", ["UPDATE {table} SET path = path", "DELETE FROM {table}"])
def test_the_database_refuses_to_change_the_audit_tables(mash, authority, table, statement):
    child = ChildFactory(authority=authority)
    AuditEvent.objects.create(actor=mash, verb="test.event", object_type="missing.Child", object_id=str(child.pk))
    RecordAccess.objects.create(user=mash, child_id=child.pk, channel="page", path="/")
    sql = statement.format(table=table)
    if table == "casework_auditevent":
        sql = sql.replace("path = path", "verb = verb")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert (AuditEvent.objects.count(), RecordAccess.objects.count()) == (1, 1)


def test_the_orm_cannot_edit_or_delete_an_audit_row(mash, authority):
    event = AuditEvent.objects.create(actor=mash, verb="test.event", object_type="x", object_id="1")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(verb="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        event.delete()
    event.refresh_from_db()
    assert event.verb == "test.event"


def test_field_history_records_who_changed_an_episode(api, mash, authority):
    episode = EpisodeFactory(child=ChildFactory(authority=authority))
    api(mash).patch(f"/api/v1/episodes/{episode.pk}/", {"risk_level": "high"}, format="json")
    latest = episode.history.latest()
    assert (latest.risk_level, latest.history_user, latest.history_type) == ("high", mash, "~")
    assert episode.history.earliest().risk_level == "medium"
