"""Who sees what: role × object × action through the API, and the predicates of missing.permissions alone.

One child is involved with exactly these people: its lead agency (a health agency), its allocated
worker, and an agency it was shared with explicitly (django-guardian). Everyone else sees nothing.
"""

from datetime import timedelta

import pytest
from django.core.exceptions import EmptyResultSet
from guardian.shortcuts import assign_perm
from rest_framework.test import APIRequestFactory

from casework.models import AgencyKind, Role, User
from missing import permissions
from missing.models import Child, MissingEpisode, PoliceNotification
from missing.services import notification_triage

from ..factories import AgencyFactory, ChildFactory, EpisodeFactory, LocalAuthorityFactory, NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = [
    "mash",
    "police",
    "health_lead",
    "health_other",
    "shared_agency",
    "allocated_worker",
    "admin",
    "other_authority",
    "no_agency",
]
SEES_CHILD = {"mash", "health_lead", "shared_agency", "allocated_worker", "admin"}
CHANGES_CHILD = {"mash", "admin"}
SEES_NOTIFICATION = {"mash", "police", "admin"}
TRIAGES = {"mash", "admin"}


@pytest.fixture
def world(authority, agencies, mash, police, admin_user):
    other_health = AgencyFactory(authority=authority, name="Second Health Trust", kind=AgencyKind.HEALTH)
    voluntary = agencies[AgencyKind.VOLUNTARY]
    elsewhere = LocalAuthorityFactory(name="Another Council")
    users = {
        "mash": mash,
        "police": police,
        "health_lead": UserFactory(agency=agencies[AgencyKind.HEALTH]),
        "health_other": UserFactory(agency=other_health),
        "shared_agency": UserFactory(agency=voluntary),
        "allocated_worker": UserFactory(agency=agencies[AgencyKind.EARLY_HELP]),
        "admin": admin_user,
        "other_authority": UserFactory(
            agency=AgencyFactory(authority=elsewhere, kind=AgencyKind.CHILDRENS_SOCIAL_CARE),
            roles=[Role.MASH_COORDINATOR],
        ),
        "no_agency": UserFactory(agency=None, roles=[Role.MASH_COORDINATOR]),
    }
    child = ChildFactory(
        authority=authority,
        given_name="Quinn",
        lead_agency=agencies[AgencyKind.HEALTH],
        allocated_worker=users["allocated_worker"],
    )
    assign_perm("view_child", voluntary.group, child)
    started = child.created_at - timedelta(days=3)
    episode = EpisodeFactory(
        child=child, started_at=started, reported_at=started, returned_at=started + timedelta(hours=5)
    )
    notification = NotificationFactory(authority=authority, sent_by=police)
    return {"users": users, "child": child, "episode": episode, "notification": notification}


def expected(role, allowed, *, visible):
    if role in allowed:
        return "allowed"
    return "forbidden" if role in visible else "not_found"


@pytest.mark.parametrize("role", ROLES)
def test_child_list_and_search(api, world, role):
    client = api(world["users"][role])
    child_id = str(world["child"].pk)
    listed = [c["id"] for c in client.get("/api/v1/children/").json()["results"]]
    searched = [c["id"] for c in client.get("/api/v1/children/", {"q": "Quinn"}).json()["results"]]
    assert (child_id in listed) is (role in SEES_CHILD)
    assert (child_id in searched) is (role in SEES_CHILD)


@pytest.mark.parametrize("role", ROLES)
def test_child_detail(api, world, role):
    client = api(world["users"][role])
    response = client.get(f"/api/v1/children/{world['child'].pk}/")
    assert response.status_code == (200 if role in SEES_CHILD else 404)
    if role not in SEES_CHILD:  # the answer for a hidden child is the answer for no child at all
        nobody = client.get("/api/v1/children/8b0c6a4e-3f21-4d0e-9a57-0d5c2f1e9b11/")
        assert (response.status_code, response.json()) == (nobody.status_code, nobody.json())


@pytest.mark.parametrize("role", ROLES)
def test_child_change(api, world, role):
    response = api(world["users"][role]).patch(
        f"/api/v1/children/{world['child'].pk}/", {"school": "Riverside School"}, format="json"
    )
    outcome = expected(role, CHANGES_CHILD, visible=SEES_CHILD)
    assert response.status_code == {"allowed": 200, "forbidden": 403, "not_found": 404}[outcome]
    world["child"].refresh_from_db()
    assert (world["child"].school == "Riverside School") is (outcome == "allowed")


@pytest.mark.parametrize("role", ROLES)
def test_episode_list_and_detail(api, world, role):
    client = api(world["users"][role])
    listed = client.get(f"/api/v1/children/{world['child'].pk}/episodes/")
    detail = client.get(f"/api/v1/episodes/{world['episode'].pk}/")
    if role in SEES_CHILD:
        assert [e["id"] for e in listed.json()["results"]] == [str(world["episode"].pk)]
        assert detail.status_code == 200
    else:
        assert (listed.status_code, detail.status_code) == (404, 404)


@pytest.mark.parametrize("role", ROLES)
def test_episode_change(api, world, role):
    response = api(world["users"][role]).patch(
        f"/api/v1/episodes/{world['episode'].pk}/", {"found_location": "Town centre"}, format="json"
    )
    outcome = expected(role, CHANGES_CHILD, visible=SEES_CHILD)
    assert response.status_code == {"allowed": 200, "forbidden": 403, "not_found": 404}[outcome]
    world["episode"].refresh_from_db()
    assert (world["episode"].found_location == "Town centre") is (outcome == "allowed")


@pytest.mark.parametrize("role", ROLES)
def test_episode_create(api, world, role):
    now = world["child"].created_at
    body = {
        "category": "missing",
        "started_at": (now - timedelta(hours=2)).isoformat(),
        "reported_at": (now - timedelta(hours=1)).isoformat(),
        "risk_level": "low",
        "location_type": "home",
    }
    response = api(world["users"][role]).post(f"/api/v1/children/{world['child'].pk}/episodes/", body, format="json")
    outcome = expected(role, CHANGES_CHILD, visible=SEES_CHILD)
    assert response.status_code == {"allowed": 201, "forbidden": 403, "not_found": 404}[outcome]
    assert MissingEpisode.objects.count() == (2 if outcome == "allowed" else 1)


@pytest.mark.parametrize("role", ROLES)
def test_notification_list_and_detail(api, world, role):
    client = api(world["users"][role])
    notification_id = str(world["notification"].pk)
    listed = [n["id"] for n in client.get("/api/v1/notifications/").json()["results"]]
    queue = [n["id"] for n in client.get("/api/v1/notifications/?status=pending").json()["results"]]
    assert (notification_id in listed) is (role in SEES_NOTIFICATION)
    assert (notification_id in queue) is (role in SEES_NOTIFICATION)
    detail = client.get(f"/api/v1/notifications/{notification_id}/")
    assert detail.status_code == (200 if role in SEES_NOTIFICATION else 404)


@pytest.mark.parametrize("role", ROLES)
def test_triage(api, world, role):
    response = api(world["users"][role]).post(
        f"/api/v1/notifications/{world['notification'].pk}/triage/", {"child": str(world["child"].pk)}, format="json"
    )
    outcome = expected(role, TRIAGES, visible=SEES_NOTIFICATION)
    assert response.status_code == {"allowed": 200, "forbidden": 403, "not_found": 404}[outcome]
    world["notification"].refresh_from_db()
    assert (world["notification"].status == "linked") is (outcome == "allowed")


# The predicates on their own -------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_visibility_predicates_agree_with_each_other(world, role):
    user = world["users"][role]
    child, episode, notification = world["child"], world["episode"], world["notification"]
    sees = role in SEES_CHILD
    assert permissions.children_visible_to(user).filter(pk=child.pk).exists() is sees
    assert permissions.child_is_visible(user, child) is sees
    assert permissions.episodes_visible_to(user).filter(pk=episode.pk).exists() is sees
    assert permissions.notifications_visible_to(user).filter(pk=notification.pk).exists() is (role in SEES_NOTIFICATION)
    assert permissions.can_change_child(user, child) is (role in CHANGES_CHILD)
    assert permissions.can_triage(user) is (role in TRIAGES or role in {"other_authority", "no_agency"})


def test_nobody_signed_in_sees_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    anonymous = AnonymousUser()
    assert not permissions.children_visible_to(anonymous).exists()
    assert not permissions.episodes_visible_to(anonymous).exists()
    assert not permissions.notifications_visible_to(anonymous).exists()
    assert not permissions.children_visible_to(None).exists()


def test_share_with_an_agency_of_another_authority_reveals_nothing(world):
    stranger = world["users"]["other_authority"]
    assign_perm("view_child", stranger.agency.group, world["child"])
    assert not permissions.child_is_visible(stranger, world["child"])


def test_a_share_of_another_permission_is_not_a_view_share(world, agencies):
    housing = UserFactory(agency=agencies[AgencyKind.HOUSING])
    assign_perm("share_child", housing.agency.group, world["child"])
    assert not permissions.child_is_visible(housing, world["child"])


def test_mash_coordinator_sees_every_child_of_the_authority_and_no_other(world, authority, mash):
    elsewhere = ChildFactory(authority=LocalAuthorityFactory(name="Another Council"))
    unrelated = ChildFactory(authority=authority)
    visible = set(permissions.children_visible_to(mash).values_list("pk", flat=True))
    assert visible == {world["child"].pk, unrelated.pk}
    assert elsewhere.pk not in visible
    assert Child.objects.count() == 3


def test_police_see_only_what_their_own_agency_sent(world, authority, police):
    other_force = UserFactory(agency=AgencyFactory(authority=authority, kind=AgencyKind.POLICE, name="Second Force"))
    theirs = NotificationFactory(authority=authority, sent_by=other_force)
    unsent = NotificationFactory(authority=authority)
    visible = set(permissions.notifications_visible_to(police).values_list("pk", flat=True))
    assert visible == {world["notification"].pk}
    assert {theirs.pk, unsent.pk}.isdisjoint(visible)
    assert PoliceNotification.objects.count() == 3


def test_registered_involvement_reveals_the_child(world, agencies, monkeypatch):
    education = UserFactory(agency=agencies[AgencyKind.EDUCATION])
    assert not permissions.child_is_visible(education, world["child"])
    monkeypatch.setattr(permissions, "_involvement_clauses", [])
    from django.db.models import Q

    permissions.register_involvement(
        lambda user: Q(pk=world["child"].pk) if user.agency.kind == AgencyKind.EDUCATION else None
    )
    assert permissions.child_is_visible(education, world["child"])
    assert not permissions.child_is_visible(world["users"]["health_other"], world["child"])


@pytest.mark.parametrize(("role", "method", "allowed"), [
    ("mash", "PATCH", True),
    ("health_lead", "PATCH", False),
    ("health_lead", "GET", True),
    ("admin", "DELETE", True),
])
def test_can_change_child_record_permission(world, role, method, allowed):
    request = APIRequestFactory().generic(method, "/")
    request.user = world["users"][role]
    permission = permissions.CanChangeChildRecord()
    assert permission.has_object_permission(request, None, world["child"]) is allowed
    assert permission.has_object_permission(request, None, world["episode"]) is allowed


def test_police_see_the_children_their_agency_reported_and_no_others(api, world, authority, police, mash):
    reported = ChildFactory(authority=authority, given_name="Reported")
    notification = NotificationFactory(authority=authority, sent_by=police, child_given_name="Reported",
                                       child_family_name=reported.family_name,
                                       child_date_of_birth=reported.date_of_birth)
    client = api(police)
    assert client.get(f"/api/v1/children/{reported.pk}/").status_code == 404
    notification_triage(actor=mash, notification=notification, child=reported)
    assert client.get(f"/api/v1/children/{reported.pk}/").status_code == 200
    assert client.get(f"/api/v1/children/{world['child'].pk}/").status_code == 404
    assert client.patch(f"/api/v1/children/{reported.pk}/", {"school": "X"}, format="json").status_code == 403


# Involvement comes only from a certain or a person's link, and only to the agency it is for ------


def test_a_police_person_id_alone_does_not_open_a_childs_record(api, world, authority, police):
    """The red-team finding: an id matching another child linked the notification and opened the record."""
    child = world["child"]
    child.police_person_id = "PID-VICTIM"
    child.save()
    body = {
        "source_ref": "ATTACK-1", "kind": "missing",
        "received_at": "2026-03-01T10:00:00Z", "occurred_at": "2026-03-01T09:00:00Z",
        "child": {"given_name": "Made", "family_name": "Up", "date_of_birth": "2013-01-01",
                  "police_person_id": "PID-VICTIM"},
    }
    client = api(police)
    response = client.post("/api/v1/notifications/", body, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["status"], response.json()["child"]) == ("pending", None)
    assert client.get(f"/api/v1/children/{child.pk}/").status_code == 404
    assert client.get(f"/api/v1/return-interviews/?child={child.pk}").json()["count"] == 0
    assert client.get("/api/v1/no-such-endpoint/").json() == {"detail": "Not found."}


def test_a_notification_keyed_in_by_the_mash_does_not_involve_the_mash_agency(
    authority, agencies, mash, world
):
    """A panel chair in the coordinator's agency (children's social care) sees nothing through it."""
    chair = UserFactory(agency=mash.agency, roles=[Role.PANEL_CHAIR])
    reported = ChildFactory(authority=authority, given_name="Keyed")
    notification = NotificationFactory(authority=authority, sent_by=mash, child_given_name="Keyed",
                                       child_family_name=reported.family_name,
                                       child_date_of_birth=reported.date_of_birth)
    notification_triage(actor=mash, notification=notification, child=reported)
    assert not permissions.child_is_visible(chair, reported)
    assert permissions.child_is_visible(mash, reported)


def test_an_education_case_involves_the_education_team_not_the_coordinators_agency(
    api, authority, agencies, mash, world
):
    chair = UserFactory(agency=mash.agency, roles=[Role.PANEL_CHAIR])
    officer = UserFactory(agency=agencies[AgencyKind.EDUCATION], roles=[Role.AGENCY_STAFF])
    child = ChildFactory(authority=authority, given_name="Schooled")
    body = {"child": str(child.pk), "kind": "cme", "school": "Demo School", "first_day": "2026-03-02"}
    response = api(mash).post("/api/v1/education-cases/", body, format="json")
    assert response.status_code == 201, response.content
    assert not permissions.child_is_visible(chair, child)
    assert permissions.child_is_visible(officer, child)
    assert api(officer).get(f"/api/v1/children/{child.pk}/").status_code == 200
    assert api(chair).get(f"/api/v1/children/{child.pk}/").status_code == 404


def test_a_mash_coordinator_names_the_education_team_when_there_are_several(api, authority, agencies, mash):
    second = AgencyFactory(authority=authority, name="Second Education Team", kind=AgencyKind.EDUCATION)
    elsewhere = AgencyFactory(authority=LocalAuthorityFactory(name="Far Council"), kind=AgencyKind.EDUCATION)
    child = ChildFactory(authority=authority)
    body = {"child": str(child.pk), "kind": "cme", "school": "Demo School", "first_day": "2026-03-02"}
    missing_team = api(mash).post("/api/v1/education-cases/", body, format="json")
    assert missing_team.status_code == 400 and "agency" in missing_team.json()
    foreign = api(mash).post("/api/v1/education-cases/", {**body, "agency": str(elsewhere.pk)}, format="json")
    assert foreign.status_code == 400 and "agency" in foreign.json()
    named = api(mash).post("/api/v1/education-cases/", {**body, "agency": str(second.pk)}, format="json")
    assert named.status_code == 201, named.content
    assert UserFactory(agency=second).pk and permissions.child_is_visible(UserFactory(agency=second), child)


def test_a_non_police_sender_gains_nothing_by_sending(authority, agencies):
    """The 'reported it' reason is a police force's; a health user who sends one sees nothing."""
    health = UserFactory(agency=agencies[AgencyKind.HEALTH])
    child = ChildFactory(authority=authority, lead_agency=None)
    NotificationFactory(authority=authority, sent_by=health, child=child, status="linked")
    assert not permissions.child_is_visible(health, child)


def test_the_rule_is_built_once_per_user_and_again_when_the_user_changes(world, authority):
    """children_visible_to keeps the rule it built per user and what it reads from them (issue 13):
    each call still answers a fresh queryset, a second request's fresh user object gets the same
    rule, the rows it asks about are read afresh, and a change of roles, agency or the agency's kind
    is seen at once."""
    user = world["users"]["health_other"]
    other = ChildFactory(authority=authority, given_name="Other")
    first = permissions.children_visible_to(user)
    assert list(first) == []
    second = permissions.children_visible_to(user)
    assert second is not first and second._result_cache is None
    assert permissions.children_visible_to(user) is not second
    again = User.objects.select_related("agency").get(pk=user.pk)
    key = permissions._rule_key(again, False)
    assert key == permissions._rule_key(user, False) and key in permissions._BUILT_RULES
    assert list(permissions.children_visible_to(again)) == []
    other.lead_agency = user.agency
    other.save(update_fields=["lead_agency"])
    assert list(permissions.children_visible_to(again)) == [other]
    user.roles = [Role.MASH_COORDINATOR]
    assert set(permissions.children_visible_to(user)) == {world["child"], other}
    user.roles, user.agency = [], world["child"].lead_agency
    assert list(permissions.children_visible_to(user)) == [world["child"]]


def test_a_change_of_the_agencys_kind_builds_the_rule_again(authority):
    """The police reason depends on the agency's kind, so the kept rule is keyed by it."""
    force = AgencyFactory(authority=authority, kind=AgencyKind.HEALTH)
    officer = UserFactory(agency=force, roles=[])
    child = ChildFactory(authority=authority, lead_agency=None)
    NotificationFactory(authority=authority, sent_by=officer, child=child, status="linked")
    assert not permissions.child_is_visible(officer, child)
    force.kind = AgencyKind.POLICE
    force.save(update_fields=["kind"])
    officer = User.objects.select_related("agency").get(pk=officer.pk)
    assert permissions.child_is_visible(officer, child)


def test_the_kept_rule_is_unchanged_by_its_uses_and_the_store_is_bounded(world, authority, monkeypatch):
    """Callers get copies: using one as a subquery, in Exists, in a union (listing) or counting it
    leaves the kept rule's statement as it was. Past the bound the least recently used rule goes."""
    from django.db.models import Exists, OuterRef

    user = world["users"]["health_other"]
    for listing in (False, True, permissions.WALKED):
        permissions.children_visible_to(user, listing=listing)
        kept = permissions._BUILT_RULES[permissions._rule_key(user, listing)]
        before = str(kept.query)
        rule = permissions.children_visible_to(user, listing=listing)
        MissingEpisode.objects.filter(child__in=rule.values("pk")).count()
        MissingEpisode.objects.filter(Exists(permissions.children_visible_to(user, listing=listing)
                                             .filter(pk=OuterRef("child_id")))).exists()
        permissions.children_visible_to(user, listing=listing).filter(given_name="X").count()
        assert str(kept.query) == before
    monkeypatch.setattr(permissions, "_BUILT_RULES_MAX", 2)
    others = [UserFactory(agency=world["users"]["health_other"].agency, roles=[]) for _ in range(3)]
    for other in others:
        permissions.children_visible_to(other)
    assert len(permissions._BUILT_RULES) == 2
    assert permissions._rule_key(others[0], False) not in permissions._BUILT_RULES
    assert permissions._rule_key(others[2], False) in permissions._BUILT_RULES


@pytest.mark.parametrize("few", [500, 0])
@pytest.mark.parametrize("role", ROLES)
def test_rows_of_visible_children_agree_whether_the_children_are_few_or_many(world, authority, role, few, monkeypatch):
    """Anyone who sees few children has their rows found by naming the children; past the limit, by
    asking about each row's child, or (walked, for whoever sees one in ten of the authority's first
    children: here one of two) each row's child asked on its own. The rows are the same."""
    monkeypatch.setattr(permissions, "FEW_CHILDREN", few)
    user = world["users"][role]
    unseen = EpisodeFactory(child=ChildFactory(authority=authority, given_name="Unseen", lead_agency=None))
    # None: the list's own filter serves (someone who sees few children, or a small share).
    walked = permissions.rows_of_visible_children_walked(user)
    if walked is None:
        walked = permissions.rows_of_visible_children_listed(user)
    for rule in (*(permissions.rows_of_visible_children(user, listing=listing) for listing in (True, False)), walked):
        rows = MissingEpisode.objects.filter(rule)
        assert rows.filter(pk=world["episode"].pk).exists() is (role in SEES_CHILD)
        assert rows.filter(pk=unseen.pk).exists() is (role in {"mash", "admin"})
    walks = few == 0 and role in SEES_CHILD - {"mash", "admin"}
    try:
        sql = str(MissingEpisode.objects.filter(walked).query)
    except EmptyResultSet:  # a rule naming no child (few, and none of them)
        sql = ""
    assert ("LIMIT 1) IS NOT NULL" in sql) is walks


def test_few_visible_children_are_exactly_those_seen_and_none_past_the_limit(world, authority, agencies, monkeypatch):
    lead = world["users"]["health_lead"]
    second = ChildFactory(authority=authority, lead_agency=agencies[AgencyKind.HEALTH])
    ChildFactory(authority=authority, lead_agency=agencies[AgencyKind.EDUCATION])
    # Reached through a reason but not seen: a child of another authority, a merged-away record.
    elsewhere = ChildFactory(authority=LocalAuthorityFactory(name="Far Council"), lead_agency=agencies[AgencyKind.HEALTH])
    merged_away = ChildFactory(authority=authority, lead_agency=agencies[AgencyKind.HEALTH], merged_into=second)
    for child in (elsewhere, merged_away):
        EpisodeFactory(child=child)
    assert sorted(permissions.few_visible_children(lead)) == sorted([world["child"].pk, second.pk])
    listed = MissingEpisode.objects.filter(permissions.rows_of_visible_children(lead, listing=True))
    assert not listed.filter(child__in=[elsewhere, merged_away]).exists() and listed.filter(child=world["child"]).exists()
    assert permissions.few_visible_children(world["users"]["health_other"]) == ()
    # A MASH coordinator and a superuser are not decided by reasons: they have no such list.
    assert permissions.few_visible_children(world["users"]["mash"]) is None
    assert permissions.few_visible_children(world["users"]["admin"]) is None
    # The statement is kept per user; the children it finds are read afresh each time.
    worker = world["users"]["allocated_worker"]
    newly = ChildFactory(authority=authority, allocated_worker=worker)
    assert sorted(permissions.few_visible_children(worker)) == sorted([world["child"].pk, newly.pk])
    Child.objects.filter(pk=newly.pk).update(allocated_worker=None)
    monkeypatch.setattr(permissions, "FEW_CHILDREN", 1)
    assert permissions.few_visible_children(lead) is None
    assert sorted(permissions.few_visible_children(world["users"]["allocated_worker"])) == [world["child"].pk]


def test_a_list_and_its_count_read_the_few_children_once_per_request(world, api):
    """The children list pages and counts the children a health worker sees: one few-children
    statement for both, and again on the next request (nothing is kept between requests)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api(world["users"]["health_lead"])
    for _ in range(2):
        with CaptureQueriesContext(connection) as captured:
            body = client.get("/api/v1/children/").json()
        assert body["count"] == 1 and body["results"][0]["id"] == str(world["child"].pk)
        unions = [q["sql"] for q in captured.captured_queries if "UNION ALL" in q["sql"]]
        assert len(unions) == 1


# The children list's form of the rule for a police force (children_list_visible_to, issue 13) ----


SAMPLE = 'AS "seen" FROM "missing_child"'  # the statement of the walk's sample (permissions._walk_sample)


def _reported(authority, force_user, children):
    for child in children:
        NotificationFactory(authority=authority, sent_by=force_user, child=child, status="linked")


@pytest.mark.parametrize("role", ROLES)
def test_the_three_forms_of_the_rule_see_the_same_children(world, authority, role):
    """A lookup's OR, a list's union and the walked OR with the force asked child by child. The
    force sees the child it reported, not one another force reported, nor a merged-away record or
    a child of another authority that it reported."""
    user, police = world["users"][role], world["users"]["police"]
    reported = ChildFactory(authority=authority, given_name="Reported")
    second_force = UserFactory(agency=AgencyFactory(authority=authority, kind=AgencyKind.POLICE, name="Second Force"))
    theirs = ChildFactory(authority=authority, given_name="Theirs")
    merged_away = ChildFactory(authority=authority, given_name="Merged", merged_into=reported)
    far = LocalAuthorityFactory(name="Far Council")
    elsewhere = ChildFactory(authority=far, given_name="Elsewhere")
    _reported(authority, police, [reported, merged_away])
    _reported(authority, second_force, [theirs])
    _reported(far, police, [elsewhere])
    seen = [set(permissions.children_visible_to(user, listing=form))
            for form in (False, True, permissions.WALKED)]
    assert seen[0] == seen[1] == seen[2]
    if role == "police":
        assert seen[0] == {reported}
    assert (reported in seen[0]) is (role in {"mash", "police", "admin"})
    assert (world["child"] in seen[0]) is (role in SEES_CHILD)
    assert (theirs in seen[0]) is (role in {"mash", "admin"})
    assert merged_away not in seen[0] and (elsewhere in seen[0]) is (role == "admin")


def test_a_form_of_the_rule_is_one_of_three(world):
    with pytest.raises(ValueError):
        permissions.children_visible_to(world["users"]["police"], listing="walk")


def test_the_walked_form_asks_the_forces_notifications_child_by_child(world):
    """A scalar subquery, unordered, reading only the (sender, child) index's columns: PostgreSQL
    cannot hash it into a read of every notification the force sent."""
    police = world["users"]["police"]
    walked = str(permissions.children_visible_to(police, listing=permissions.WALKED).query)
    assert 'SELECT U0."child_id" AS "child_id" FROM "missing_policenotification" U0' in walked
    probe = walked.split("missing_policenotification")[1].split("IS NOT NULL")[0]
    assert probe.endswith("LIMIT 1) ") and "ORDER BY" not in probe
    assert "EXISTS(SELECT 1 AS \"a\" FROM \"missing_policenotification\"" in str(
        permissions.children_visible_to(police).query)


@pytest.fixture
def many_children(authority, monkeypatch):
    """Six children of the authority (first in name order, before the world's child) and no 'few
    children' shortcut, so the list's form is chosen."""
    monkeypatch.setattr(permissions, "FEW_CHILDREN", 0)
    return [ChildFactory(authority=authority, given_name=f"Kid{n}", family_name=f"Family{n}") for n in range(6)]


@pytest.mark.parametrize("reported_count, sample, form", [
    (3, 100, permissions.WALKED),  # three of the seven sampled children: at least a third
    (2, 100, True),  # two of seven: gathered first
    (2, 1, permissions.WALKED),  # the one sampled child (the first by name) reported
])
def test_a_force_that_reported_enough_of_the_first_children_has_them_walked(
    world, authority, many_children, reported_count, sample, form, monkeypatch
):
    """Either way the list holds exactly the children the force reported."""
    police = world["users"]["police"]
    monkeypatch.setattr(permissions, "WALK_SAMPLE", sample)
    _reported(authority, police, many_children[:reported_count])
    chosen = []
    built = permissions.children_visible_to
    monkeypatch.setattr(permissions, "children_visible_to",
                        lambda user, **kw: chosen.append(kw.get("listing", False)) or built(user, **kw))
    listed = set(permissions.children_list_visible_to(police))
    assert chosen == [permissions.WALKED, form]  # the sample asks the walked rule, then the list its form
    assert listed == set(many_children[:reported_count]) == set(built(police))


def test_the_sample_is_compiled_once_per_user_and_reads_the_children_afresh(world, authority, many_children, monkeypatch):
    police = world["users"]["police"]
    built = []
    build = permissions._sample_statement
    monkeypatch.setattr(permissions, "_sample_statement", lambda user: built.append(user) or build(user))
    assert permissions._walk_sample(police) == (7, 0)
    _reported(authority, police, many_children[:2])
    assert permissions._walk_sample(police) == (7, 2)
    monkeypatch.setattr(permissions, "WALK_SAMPLE", 3)  # a new statement: the first three children
    assert permissions._walk_sample(police) == (3, 2)
    assert built == [police, police]
    assert permissions._walk_sample(world["users"]["health_lead"]) == (3, 0)  # the world's child is not first


def test_the_children_list_and_its_searches_show_a_forces_children_in_either_form(
    client, world, authority, many_children, monkeypatch
):
    """The page samples, then reads its list in the form chosen (walked: the scalar probe; gathered:
    the union), showing exactly the force's children, in as many statements either way. The list
    of children missing now is not sampled."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    police = world["users"]["police"]
    client.force_login(police)
    client.get("/missing/children/")  # the session's first request
    link = "/missing/children/{}/".format
    statements = set()
    for reported_count, sample, walked in ((2, 100, False), (2, 1, True), (6, 100, True)):
        monkeypatch.setattr(permissions, "WALK_SAMPLE", sample)
        _reported(authority, police, many_children[:reported_count])
        for path in ("/missing/children/", "/missing/children/?q=Kid1"):
            with CaptureQueriesContext(connection) as captured:
                page = client.get(path).content.decode()
            sql = [query["sql"] for query in captured.captured_queries]
            assert sum(SAMPLE in one for one in sql) == 1  # the sample
            listed = next(one for one in sql if "LIMIT 1001" in one)
            assert ("LIMIT 1) IS NOT NULL" in listed, "UNION" in listed) == (walked, not walked)
            statements.add((path, len(sql)))
            shown = {child for child in [world["child"], *many_children] if link(child.pk) in page}
            if path.endswith("Kid1"):
                assert shown == {many_children[1]}
            else:
                assert shown == set(many_children[:reported_count])
    assert len(statements) == 2  # per path, gathered or walked, more children or fewer: as many statements
    with CaptureQueriesContext(connection) as captured:
        client.get("/missing/children/?missing=now")
    assert not any(SAMPLE in query["sql"] for query in captured.captured_queries)


def test_the_apis_plain_list_takes_the_forces_form_on_its_first_pages_only(api, world, authority, many_children):
    """GET children's first pages read the list in the form chosen for the force (the sample
    runs); its count and a later page keep the OR. A search with a word of three letters takes the
    force's form, count and all (its matches are few); one of short words only keeps the OR. The
    children are the same."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    police = world["users"]["police"]
    _reported(authority, police, many_children[:3])
    client = api(police)
    for path, sampled in (("/api/v1/children/", True), ("/api/v1/children/?q=Kid", True),
                          ("/api/v1/children/?q=ki", False), ("/api/v1/children/?page=21", False)):
        if path.endswith("21"):  # past the end: the answer is 404, after the count (the OR)
            with CaptureQueriesContext(connection) as captured:
                assert client.get(path).status_code == 404
            assert not any(SAMPLE in query["sql"] for query in captured.captured_queries)
            continue
        with CaptureQueriesContext(connection) as captured:
            body = client.get(path).json()
        assert {row["id"] for row in body["results"]} == {str(child.pk) for child in many_children[:3]}
        assert body["count"] == 3
        assert any(SAMPLE in query["sql"] for query in captured.captured_queries) is sampled


def test_a_forces_search_reads_the_matches_sorted_then_asks_each_in_turn(world, authority, many_children):
    """Walked, a force's search names the same children in the same order as its list's own
    statement would: by name, children of one name by id, one the force did not report left out,
    stopping at the limit. Anyone whose list is not walked, and a plain list, are left to it."""
    from missing.selectors import children_search, children_search_first_ids

    police = world["users"]["police"]
    namesakes = [ChildFactory(authority=authority, given_name="Sam", family_name="Ashby") for _ in range(5)]
    _reported(authority, police, [*many_children[:3], *namesakes[:2], *namesakes[3:]])
    assert permissions.children_list_walks(police)
    expected = list(children_search(police, "Ash", capped=True).values_list("pk", flat=True))
    assert expected == sorted(child.pk for child in namesakes if child != namesakes[2])
    for limit in (1, 3, 4, 10):
        assert children_search_first_ids(police, "Ash", limit) == expected[:limit]
    assert children_search_first_ids(police, "Kid ily1", 10) == [many_children[1].pk]
    assert children_search_first_ids(police, "", 10) is None
    for role in ("mash", "health_lead", "admin", "other_authority"):
        assert children_search_first_ids(world["users"][role], "Ash", 10) is None
    other_force = UserFactory(agency=AgencyFactory(authority=authority, kind=AgencyKind.POLICE, name="Other Force"))
    _reported(authority, other_force, namesakes[:1])  # one of the thirteen children: too few for a walk
    assert not permissions.children_list_walks(other_force)
    assert children_search_first_ids(other_force, "Ash", 10) is None


def test_a_forces_search_page_shows_namesakes_once_across_its_pages(client, world, authority, monkeypatch):
    """Fifty-five children of one name, all reported by the force: the search's two pages, read
    through the sorted-then-asked statement, hold each once, in the order of their ids."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr(permissions, "FEW_CHILDREN", 0)
    police = world["users"]["police"]
    namesakes = [ChildFactory(authority=authority, given_name="Alex", family_name="Ashworth") for _ in range(55)]
    _reported(authority, police, namesakes)
    client.force_login(police)
    shown = []
    for number in (1, 2):
        with CaptureQueriesContext(connection) as captured:
            page = client.get(f"/missing/children/?q=Ashworth&page={number}").content.decode()
        assert any(') "missing_child" WHERE' in query["sql"] for query in captured.captured_queries)
        shown.append([child.pk for child in sorted(namesakes, key=lambda c: page.find(str(c.pk)))
                      if str(child.pk) in page])
    assert [len(part) for part in shown] == [50, 5]
    assert shown[0] + shown[1] == sorted(child.pk for child in namesakes)


@pytest.mark.parametrize("role", ["mash", "police", "health_lead"])
def test_a_search_of_short_words_walks_the_names_in_order(client, world, authority, many_children, role):
    """Words of one or two letters hold no trigram: they are compared on the rows read, not looked
    up in the trigram index (which they would read whole), and the list walks the names in their
    order as the plain list does. Case is ignored; the police person id is still matched exactly;
    each word must match; what a user may not see stays hidden."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from missing.selectors import children_search, children_search_first_ids

    user = world["users"][role]
    _reported(authority, world["users"]["police"], many_children)
    Child.objects.filter(pk=many_children[1].pk).update(lead_agency=world["child"].lead_agency)
    ChildFactory(authority=authority, given_name="Ab", family_name="Zed", police_person_id="P9")
    visible = set(permissions.children_visible_to(user))

    def found(query):
        return list(children_search(user, query, capped=True))

    assert found("i") == [c for c in [*many_children, world["child"]] if c in visible and "i" in c.given_name.lower()]
    assert found("kI y1") == [c for c in [many_children[1]] if c in visible]
    assert [c.given_name for c in found("p9")] == (["Ab"] if role == "mash" else [])
    assert found("Kid 9") == []
    with CaptureQueriesContext(connection) as captured:
        found("ki")
    (statement,) = [q["sql"] for q in captured.captured_queries if "LIKE" in q["sql"]]
    assert 'UPPER("missing_child"."given_name"::text) LIKE' not in statement  # not the trigram index's form
    assert statement.endswith(
        'ORDER BY "missing_child"."family_name" ASC, "missing_child"."given_name" ASC, "missing_child"."id" ASC')
    with CaptureQueriesContext(connection) as captured:
        found("kid")
    assert 'UPPER("missing_child"."given_name"::text) LIKE' in next(
        q["sql"] for q in captured.captured_queries if "LIKE" in q["sql"])
    assert children_search_first_ids(user, "ki y1", 10) is None


def test_a_forces_search_ids_leave_out_every_child_it_may_not_see(world, authority, many_children):
    """Among the matches: a child of its name it did not report, one it reported in another
    authority, one it reported that was merged away; and one it sees only as the lead agency's
    child would be seen by health (not the force). The ids are the list's own, in its order."""
    from missing.selectors import children_search, children_search_first_ids

    police = world["users"]["police"]
    _reported(authority, police, many_children[:4])
    hidden = ChildFactory(authority=authority, given_name="Kid9", family_name="Family1")
    far = LocalAuthorityFactory(name="Far Council")
    elsewhere = ChildFactory(authority=far, given_name="Kid1", family_name="Family1")
    NotificationFactory(authority=far, sent_by=police, child=elsewhere, status="linked")
    merged = ChildFactory(authority=authority, given_name="Kid1", family_name="Family1", merged_into=many_children[1])
    NotificationFactory(authority=authority, sent_by=police, child=merged, status="linked")
    for query in ("Kid", "Family1", "Family", "Kid Family", "ily"):
        expected = list(children_search(police, query, capped=True).values_list("pk", flat=True))
        assert children_search_first_ids(police, query, 1001) == expected
        assert set(expected) == {child.pk for child in many_children[:4]} & set(
            children_search(police, query).values_list("pk", flat=True))
        assert not {hidden.pk, elsewhere.pk, merged.pk, world["child"].pk} & set(expected)


ODD_SEARCHES = ["%", "_", "\\", "'", '"', "Kid%", "ki%d", "x" * 200, "é ü 漢字", "Kid\x00", "%s", "%(a)s",
                "Kid1 " * 40, "aaa\\", "%%%", "O'B", "😀😀😀", "\u200b\u200b\u200b", "Kid0 Kid1"]


@pytest.mark.parametrize("query", ODD_SEARCHES)
def test_an_odd_search_is_answered_for_a_walking_force_and_others(client, api, world, authority, many_children, query):
    police = world["users"]["police"]
    _reported(authority, police, many_children)
    assert permissions.children_list_walks(police)
    for role in ("police", "mash", "health_lead"):
        user = world["users"][role]
        client.force_login(user)
        assert client.get("/missing/children/", {"q": query}).status_code == 200
        assert api(user).get("/api/v1/children/", {"q": query}).status_code in (200, 400)


def test_a_word_is_looked_up_in_the_trigram_index_only_with_three_letters_or_digits_in_a_row():
    from missing.selectors import _indexed

    assert [word for word in ("Ash", "ley", "P12", "Zoë", "ab", "%%%", "O'B", "a.b", "_a_", "A1_") if _indexed(word)] == [
        "Ash", "ley", "P12", "Zoë"]


@pytest.mark.parametrize("more, named", [(0, True), (1, False)])
def test_the_few_children_are_named_up_to_the_limit_and_not_past_it(world, authority, monkeypatch, more, named):
    """Three children through the lead agency: named with a limit of three, not with two."""
    lead = world["users"]["health_lead"]
    extra = [ChildFactory(authority=authority, lead_agency=world["child"].lead_agency) for _ in range(2)]
    monkeypatch.setattr(permissions, "FEW_CHILDREN", 3 - more)
    few = permissions.few_visible_children(lead)
    assert (sorted(few) if named else few) == (sorted([world["child"].pk, *(c.pk for c in extra)]) if named else None)


def test_each_user_of_a_force_has_a_sample_statement_of_their_own(world, authority, many_children):
    """The statement names the user (an interviewer's or allocated worker's reason is theirs)."""
    police = world["users"]["police"]
    colleague = UserFactory(agency=police.agency)
    Child.objects.filter(pk=many_children[0].pk).update(allocated_worker=colleague)
    assert permissions._walk_sample(police) == (7, 0)
    assert permissions._walk_sample(colleague) == (7, 1)


@pytest.mark.parametrize("page, first", [(None, True), ("1", True), ("20", True), ("21", False), ("0", False),
                                         ("last", False), ("x", False)])
def test_a_page_of_the_first_thousand_rows_is_told_apart(page, first):
    from rest_framework.request import Request

    from casework.api import reads_first_rows

    request = Request(APIRequestFactory().get("/api/v1/children/", {} if page is None else {"page": page}))
    assert reads_first_rows(request) is first


@pytest.mark.parametrize("others, walks", [(9, True), (10, False)])
def test_rows_are_asked_one_by_one_for_whoever_sees_one_in_ten_of_the_first_children(
    world, authority, others, walks, monkeypatch
):
    """The health lead sees the world's one child; with 9 others the sample is 1 of 10 (a walk), with
    10 it is 1 of 11 (None: the list's filter serves)."""
    monkeypatch.setattr(permissions, "FEW_CHILDREN", 0)
    for n in range(others):
        ChildFactory(authority=authority, given_name=f"Other{n}", lead_agency=None)
    assert permissions.live_children().filter(authority=authority).count() == others + 1
    walked = permissions.rows_of_visible_children_walked(world["users"]["health_lead"])
    assert (walked is not None) is walks
