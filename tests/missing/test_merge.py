"""N3: merging two records of one child moves everything, reconciles the clocks and leaves a pointer."""

from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from guardian.shortcuts import assign_perm

from actions.models import Action
from actions.services import action_create
from casework.calendar import LONDON
from casework.clocks.services import clock_reconcile
from casework.errors import ConflictError
from casework.models import AgencyKind, AuditEvent, Deadline, RecordAccess
from missing.clocks.kind import EPISODE
from casework.retention import retention_due, retention_policy_for
from missing.child_data import child_data_parts
from missing import merge
from missing.interviews.services import return_interview_accept
from missing.merge import child_merge, child_relations, duplicate_dismiss
from missing.retention import CHILD_RECORD, child_record_dispose
from missing.models import (
    Child,
    ChildGroupObjectPermission,
    DuplicateDismissal,
    InterviewState,
    MissingEpisode,
    NotificationKind,
    PoliceNotification,
    ReturnInterview,
)
from missing.services import episode_create, episode_update, notification_receive
from panels.models import PanelListEntry
from panels.services import meeting_create, meeting_list_child, panel_create
from tests.factories import ChildFactory, UserFactory

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=LONDON)
DOB = date(2012, 4, 9)


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


def episode(actor, child, *, days_ago, returned_after=None):
    started = NOW - timedelta(days=days_ago)
    made = episode_create(actor=actor, child=child, category="missing", started_at=started,
                          reported_at=started + timedelta(hours=1), risk_level="medium", location_type="home")
    if returned_after is not None:
        made = episode_update(actor=actor, episode=made, returned_at=started + returned_after)
    return made


@pytest.fixture
def pair(now, mash, agencies, authority):
    """Two records of one child: the survivor missing now, the other with two returns this month, a
    notification, an action, a place on a panel's list (as the survivor has) and shares."""
    csc, health, education = (agencies[k] for k in (AgencyKind.CHILDRENS_SOCIAL_CARE, AgencyKind.HEALTH,
                                                     AgencyKind.EDUCATION))
    survivor = ChildFactory(authority=authority, given_name="Jayden", family_name="Okafor", date_of_birth=DOB,
                            lead_agency=csc)
    other = ChildFactory(authority=authority, given_name="Jaden", family_name="Okafor", date_of_birth=DOB,
                         police_person_id="PP-77", lead_agency=csc)
    episode(mash, survivor, days_ago=0.2)
    moved = [episode(mash, other, days_ago=20, returned_after=timedelta(hours=6)),
             episode(mash, other, days_ago=10, returned_after=timedelta(hours=8))]
    PoliceNotification.objects.create(
        authority=authority, source_ref="MPS-1", kind=NotificationKind.MISSING, received_at=NOW - timedelta(days=10),
        occurred_at=NOW - timedelta(days=10), child_given_name="Jaden", child_family_name="Okafor",
        child_date_of_birth=DOB, status="linked", child=other, episode=moved[1],
    )
    owner = UserFactory(agency=health)
    action_create(actor=mash, child=other, owner_agency=health, owner=owner, description="Health check",
                  success_measure="Seen by the school nurse", due_date=date(2026, 3, 20))
    chair = UserFactory(agency=csc)
    panel = panel_create(actor=chair, authority=authority, name="MEOG", frequency="monthly",
                         member_agencies=[csc, health])
    for child in (survivor, other):
        PanelListEntry.objects.create(panel=panel, child=child, added_at=NOW - timedelta(days=3))
        assign_perm("missing.view_child", health.group, child)
    assign_perm("missing.view_child", education.group, other)
    return {"survivor": survivor, "other": other, "moved": moved, "panel": panel, "health": health,
            "education": education}


def _deadline_rows():
    return sorted(
        (str(d.subject_id), d.rule, d.key, d.status, d.due_at, d.child_id)
        for d in Deadline.objects.all()
    )


def test_a_merge_moves_every_related_row_and_the_clocks_agree(pair, mash):
    survivor, other = pair["survivor"], pair["other"]
    assert not Deadline.objects.filter(child_id=survivor.pk, rule="T2").exists()

    merged = child_merge(actor=mash, child=survivor, other=other, keep={"police_person_id": "other"})

    assert merged.pk == survivor.pk and merged.police_person_id == "PP-77" and merged.given_name == "Jayden"
    other.refresh_from_db()
    assert other.merged_into_id == survivor.pk
    for model, field in child_relations():
        assert not model._base_manager.filter(**{field.name: other}).exists(), model._meta.label
    assert MissingEpisode.objects.filter(child=survivor).count() == 3
    assert PoliceNotification.objects.get(source_ref="MPS-1").child_id == survivor.pk
    assert Action.objects.get().child_id == survivor.pk
    # One open place on the panel's list: the other record's was closed, saying why, and moved as history.
    entries = PanelListEntry.objects.filter(panel=pair["panel"], child=survivor)
    assert entries.count() == 2 and entries.filter(removed_at__isnull=True).count() == 1
    assert "Merged into the record of Jayden Okafor" in entries.get(removed_at__isnull=False).removal_reason
    # The shares moved, each once.
    shares = ChildGroupObjectPermission.objects.filter(content_object=survivor)
    assert sorted(s.group_id for s in shares) == sorted([pair["health"].group_id, pair["education"].group_id])
    # One interview owed, covering both returns of the other record.
    owed = ReturnInterview.objects.get(child=survivor, state=InterviewState.OFFERED)
    assert set(owed.episodes.all()) == set(pair["moved"])
    assert owed.first_returned_at == min(e.returned_at for e in pair["moved"])
    # The clocks: every deadline of the moved episodes names the survivor; with three episodes in 30
    # days S1 now holds for the open one, and a fresh reconcile changes nothing.
    assert not Deadline.objects.filter(child_id=other.pk).exists()
    moved_rows = Deadline.objects.filter(subject_type=EPISODE, subject_id__in=[e.pk for e in pair["moved"]])
    assert moved_rows.exists() and set(moved_rows.values_list("child_id", flat=True)) == {survivor.pk}
    open_episode = MissingEpisode.objects.get(child=survivor, returned_at__isnull=True)
    t2 = Deadline.objects.get(subject_id=open_episode.pk, rule="T2")
    assert t2.status == "open" and "S1" in t2.reason
    before = _deadline_rows()
    for subject_type, subject_id in Deadline.objects.values_list("subject_type", "subject_id").distinct():
        clock_reconcile(subject_type=subject_type, subject_id=subject_id)
    assert _deadline_rows() == before
    # The merge record in the audit.
    event = AuditEvent.objects.get(verb="child.merged")
    assert event.actor == mash and event.child_id == survivor.pk
    assert event.data["merged"] == str(other.pk) and event.data["taken_from_merged"] == ["police_person_id"]
    assert event.data["chosen"] == {"given_name": "this", "police_person_id": "other"}
    assert event.data["moved"]["missing.MissingEpisode"] == 2 and event.data["moved"]["casework.Deadline"] >= 2
    assert AuditEvent.objects.filter(verb="child.merged_away", child_id=other.pk).exists()


def test_two_owed_interviews_fold_into_one_that_keeps_the_earliest_return(now, mash, authority):
    survivor, other = (ChildFactory(authority=authority, date_of_birth=DOB) for _ in range(2))
    later = episode(mash, survivor, days_ago=3, returned_after=timedelta(hours=5))
    earlier = episode(mash, other, days_ago=6, returned_after=timedelta(hours=4))
    kept = ReturnInterview.objects.get(child=survivor)
    folded = ReturnInterview.objects.get(child=other)

    child_merge(actor=mash, child=survivor, other=other, keep={})

    kept.refresh_from_db()
    folded.refresh_from_db()
    assert set(kept.episodes.all()) == {later, earlier}
    assert kept.first_returned_at == earlier.returned_at  # the interview is due from the first return
    assert folded.state == InterviewState.NOT_POSSIBLE and folded.first_returned_at is None


def test_two_open_episodes_refuse_the_merge_and_nothing_changes(pair, mash, row_counts):
    episode(mash, pair["other"], days_ago=1)
    before = row_counts()
    with pytest.raises(ConflictError, match="Both records have an open missing episode"):
        child_merge(actor=mash, child=pair["survivor"], other=pair["other"], keep={})
    assert row_counts() == before
    assert Child.objects.get(pk=pair["other"].pk).merged_into_id is None


def test_two_arranged_interviews_refuse_the_merge(now, mash, authority, agencies):
    rhi = UserFactory(agency=agencies[AgencyKind.RETURN_INTERVIEW_SERVICE])
    one, two = (ChildFactory(authority=authority, date_of_birth=DOB) for _ in range(2))
    for child in (one, two):
        episode(mash, child, days_ago=2, returned_after=timedelta(hours=3))
        return_interview_accept(actor=mash, interview=ReturnInterview.objects.get(child=child),
                                interviewer=rhi, interviewer_role="rhi_service")
    with pytest.raises(ConflictError, match="return home interview arranged"):
        child_merge(actor=mash, child=one, other=two, keep={})


def test_a_merge_after_which_the_police_notification_links_itself(now, mash, police, authority):
    """Two identical records made a found notification wait (N2: not certain); once merged, the
    merged-away record is ignored and the notification marries up with the survivor's episode."""
    one, two = (ChildFactory(authority=authority, given_name="Robin", family_name="Testwell", date_of_birth=DOB)
                for _ in range(2))
    episode(mash, one, days_ago=0.5)
    child_merge(actor=mash, child=one, other=two, keep={})
    notification, _ = notification_receive(
        sender=police, authority=authority, source_ref="F-1", kind=NotificationKind.FOUND,
        received_at=NOW - timedelta(minutes=5), occurred_at=NOW - timedelta(minutes=10),
        child_given_name="Robin", child_family_name="Testwell", child_date_of_birth=DOB,
    )
    assert notification.status == "linked" and notification.child_id == one.pk


# API ----------------------------------------------------------------------------------------------


def merge_url(child):
    return f"/api/v1/children/{child.pk}/merge/"


def test_the_api_merges_and_the_merged_away_record_points_to_the_survivor(pair, api, mash, police):
    survivor, other = pair["survivor"], pair["other"]
    response = api(mash).post(merge_url(survivor), {"other": str(other.pk), "keep": {"given_name": "other"}},
                              format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["id"] == str(survivor.pk) and response.json()["given_name"] == "Jaden"
    assert response.json()["episode_count_90_days"] == 3
    gone = api(mash).get(f"/api/v1/children/{other.pk}/")
    assert gone.status_code == 404 and gone.json()["merged_into"] == str(survivor.pk)
    unseen = api(police).get(f"/api/v1/children/{other.pk}/")
    assert unseen.status_code == 404 and "merged_into" not in unseen.json()
    listed = api(mash).get("/api/v1/children/?q=Okafor").json()
    assert [row["id"] for row in listed["results"]] == [str(survivor.pk)]
    assert api(mash).get(f"/api/v1/children/{other.pk}/episodes/").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"keep": {}}, "other"),
        ({"other": "nonsense"}, "other"),
        ({"other": "00000000-0000-0000-0000-000000000000"}, "other"),
        ({"other": "SELF"}, "other"),
        ({"other": "OTHER", "keep": {"favourite_colour": "this"}}, "keep"),
        ({"other": "OTHER", "keep": {"given_name": "both"}}, "keep"),
        ({"other": "OTHER", "keep": ["given_name"]}, "keep"),
        ({"other": "OTHER", "keep": {"date_of_birth": "other"}, "_dob": date(2030, 1, 1)}, "date_of_birth"),
    ],
)
def test_bad_input_is_a_400_and_nothing_is_saved(pair, api, mash, row_counts, body, field):
    survivor, other = pair["survivor"], pair["other"]
    dob = body.pop("_dob", None)
    if dob:
        Child.objects.filter(pk=other.pk).update(date_of_birth=dob)
    ids = {"SELF": str(survivor.pk), "OTHER": str(other.pk)}
    if "other" in body:
        body["other"] = ids.get(body["other"], body["other"])
    before = row_counts()
    response = api(mash).post(merge_url(survivor), body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert row_counts() == before


def test_a_conflict_is_a_409_and_nothing_is_saved(pair, api, mash, row_counts):
    episode(mash, pair["other"], days_ago=1)
    before = row_counts()
    response = api(mash).post(merge_url(pair["survivor"]), {"other": str(pair["other"].pk)}, format="json")
    assert response.status_code == 409 and "open missing episode" in response.json()["detail"]
    assert row_counts() == before


def test_invisible_is_404_and_visible_unchangeable_is_403(pair, api, health_worker, police, row_counts, agencies):
    survivor, other = pair["survivor"], pair["other"]
    before = row_counts()
    assert api(police).post(merge_url(survivor), {"other": str(other.pk)}, format="json").status_code == 404
    # Health sees both records (they were shared with it) but does not change them.
    response = api(health_worker).post(merge_url(survivor), {"other": str(other.pk)}, format="json")
    assert response.status_code == 403
    assert row_counts() == before


def test_the_schema_documents_the_endpoints(api, mash):
    schema = api(mash).get("/api/v1/schema/?format=json").json()
    assert "post" in schema["paths"]["/api/v1/children/{child_id}/merge/"]
    assert "get" in schema["paths"]["/api/v1/children/{child_id}/duplicates/"]
    assert "post" in schema["paths"]["/api/v1/children/{child_id}/duplicates/dismiss/"]
    assert "get" in schema["paths"]["/api/v1/children/duplicates/"]
    merge_input = schema["components"]["schemas"]["MergeInputRequest"]
    assert set(merge_input["properties"]) == {"other", "keep"}


# Pages --------------------------------------------------------------------------------------------


def test_the_merge_screen_shows_both_records_and_merges_with_the_chosen_values(pair, signed_in, mash):
    survivor, other = pair["survivor"], pair["other"]
    client = signed_in(mash)
    url = reverse("missing:child_merge", args=[survivor.pk, other.pk])
    page = client.get(url)
    body = page.content.decode()
    assert page.status_code == 200
    assert "Jayden (this record)" in body and "Jaden (other record)" in body and "PP-77" in body
    assert set(RecordAccess.objects.filter(user=mash).values_list("child_id", flat=True)) == {survivor.pk, other.pk}
    response = client.post(url, {"given_name": "other", "police_person_id": "other"})
    assert response.status_code == 302 and response.url == reverse("missing:child_detail", args=[survivor.pk])
    survivor.refresh_from_db()
    assert (survivor.given_name, survivor.police_person_id) == ("Jaden", "PP-77")
    followed = client.get(reverse("missing:child_detail", args=[other.pk]))
    assert followed.status_code == 302 and followed.url == reverse("missing:child_detail", args=[survivor.pk])


def test_the_merge_screen_explains_a_refusal(pair, signed_in, mash):
    episode(mash, pair["other"], days_ago=1)
    client = signed_in(mash)
    url = reverse("missing:child_merge", args=[pair["survivor"].pk, pair["other"].pk])
    response = client.post(url, {"given_name": "this", "police_person_id": "this"})
    assert response.status_code == 400
    assert "Both records have an open missing episode" in response.content.decode()


def test_the_merge_screen_is_for_coordinators_who_see_both(pair, signed_in, client, health_worker, police):
    url = reverse("missing:child_merge", args=[pair["survivor"].pk, pair["other"].pk])
    assert signed_in(health_worker).get(url).status_code == 403
    client.logout()
    assert signed_in(police).get(url).status_code == 404


# The record's life after a merge ------------------------------------------------------------------


def test_a_merged_away_record_is_not_due_on_its_own_and_goes_with_the_survivor(now, mash, authority):
    survivor, other = (ChildFactory(authority=authority, given_name="Robin", family_name="Testwell",
                                    date_of_birth=date(1990, 1, 1)) for _ in range(2))
    child_merge(actor=mash, child=survivor, other=other, keep={})
    policy = retention_policy_for(authority)
    candidates = {c.object_id for c in retention_due(policy, today=date(2033, 1, 1)) if c.kind == CHILD_RECORD}
    assert str(survivor.pk) in candidates and str(other.pk) not in candidates
    child_record_dispose(str(survivor.pk), "anonymise")
    assert set(Child.objects.filter(pk__in=[survivor.pk, other.pk]).values_list("given_name", flat=True)) == {
        "Anonymised"
    }
    child_record_dispose(str(survivor.pk), "delete")
    assert not Child.objects.filter(pk__in=[survivor.pk, other.pk]).exists()


def test_the_subject_access_export_of_the_survivor_reads_the_merged_records_logs(pair, mash, api):
    other = pair["other"]
    api(mash).get(f"/api/v1/children/{other.pk}/")  # logged under the other record's id
    child_merge(actor=mash, child=pair["survivor"], other=other, keep={})
    parts = {part.key: part for part in child_data_parts()}
    accesses = parts["access_log"].collect(pair["survivor"])
    events = [record.title for record in parts["audit"].collect(pair["survivor"])]
    assert RecordAccess.objects.filter(child_id=other.pk).exists()
    assert len(accesses) == RecordAccess.objects.filter(child_id__in=[pair["survivor"].pk, other.pk]).count()
    assert any("child.merged_away" in title for title in events)
    assert any("child.merged" in title for title in events)


def test_both_records_listed_at_one_panel_meeting_refuse_the_merge_saying_why(pair, mash):
    chair = UserFactory(agency=pair["health"])
    meeting = meeting_create(actor=chair, panel=pair["panel"], starts_at=NOW + timedelta(days=7))
    for child in (pair["survivor"], pair["other"]):
        meeting_list_child(actor=chair, meeting=meeting, child=child)
    with pytest.raises(ConflictError, match="listed for the same panel meeting"):
        child_merge(actor=mash, child=pair["survivor"], other=pair["other"], keep={})


def test_a_merged_away_record_leaves_the_childrens_list_and_search(pair, mash, signed_in):
    child_merge(actor=mash, child=pair["survivor"], other=pair["other"], keep={})
    client = signed_in(mash)
    body = client.get(reverse("missing:child_list") + "?q=Okafor").content.decode()
    assert "Okafor, Jayden" in body and "Okafor, Jaden" not in body
    assert client.get(reverse("missing:possible_duplicates")).content.decode().count("Okafor") == 0


def test_a_row_linking_the_two_records_to_each_other_refuses_the_merge(now, mash, authority, monkeypatch):
    """An app's row with two ends that are children (as an association between two children) would
    link the child to themselves after the merge: a person removes it first."""
    one, two = (ChildFactory(authority=authority, date_of_birth=DOB) for _ in range(2))
    duplicate_dismiss(actor=mash, child=one, other=two)
    fields = DuplicateDismissal._meta
    monkeypatch.setattr(merge, "child_relations", lambda: [
        (DuplicateDismissal, fields.get_field("first")), (DuplicateDismissal, fields.get_field("second"))
    ])
    with pytest.raises(ConflictError, match="links the two records to each other"):
        child_merge(actor=mash, child=one, other=two, keep={})
    assert Child.objects.get(pk=two.pk).merged_into_id is None
