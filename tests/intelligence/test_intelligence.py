"""Panel intelligence (issue 12 part 1, RULES.md §6): places with the episodes children were found
there, adults of concern, graded associations, disruption; seen only by the panel's members."""

import re
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casework.models import AgencyKind, AuditEvent, RecordAccess
from intelligence import services
from intelligence.graph import lay_out
from intelligence.models import Association, Disruption, EndType, Place
from intelligence.models import Person
from intelligence.selectors import (
    child_reference,
    match_key,
    place_network,
    places_with_episode_counts,
    with_ends,
)
from missing.models import Child
from missing.child_data import INTELLIGENCE, child_data_parts
from panels import services as panel_services
from panels.models import Meeting, PanelListEntry
from tests.factories import ChildFactory, LocalAuthorityFactory

pytestmark = pytest.mark.django_db

GRADE = {"source_evaluation": "1", "intelligence_evaluation": "A", "handling": "P"}


def counts(panel):
    return {p.name: p.episode_count for p in places_with_episode_counts(Place.objects.filter(panel=panel))}


# Places and their episode counts -------------------------------------------------------------------


def test_match_key_drops_case_spaces_and_punctuation():
    assert match_key("14 Station Rd., dm1-4qt") == "14STATIONRDDM14QT"
    assert match_key("  ") is None


def test_a_place_counts_episodes_found_there_by_postcode_interview_and_link_in_one_query(
    world, panel, people, django_assert_num_queries
):
    with django_assert_num_queries(1):
        found = counts(panel)
    # The first episode's found location gives the postcode; the interview of the second the address.
    assert found == {"Station Road hotel": 2, "Riverside park": 0}
    services.place_link_episode(actor=people["officer"], place=world["other_place"], episode=world["episodes"][2])
    services.place_link_episode(actor=people["officer"], place=world["other_place"], episode=world["episodes"][2])
    assert counts(panel) == {"Station Road hotel": 2, "Riverside park": 1}
    assert AuditEvent.objects.filter(verb="intelligence.episode_linked").count() == 1


def test_a_place_counts_only_its_authoritys_episodes(world, panel, mash):
    stranger = ChildFactory(authority=LocalAuthorityFactory(name="Elsewhere Council"))
    stranger.episodes.create(category="missing", risk_level="low", location_type="home",
                             started_at=world["episodes"][0].started_at, reported_at=world["episodes"][0].reported_at,
                             found_location="DM1 4QT")
    assert counts(panel)["Station Road hotel"] == 2


def test_place_input_is_checked_and_nothing_is_saved(panel, people):
    with pytest.raises(ValidationError) as error:
        services.place_create(actor=people["chair"], panel=panel, name=" ", kind="castle", postcode="NOT A CODE")
    assert set(error.value.message_dict) == {"name", "kind", "postcode"}
    assert not Place.objects.exists()


# Associations and disruption ---------------------------------------------------------------------------


def test_each_pair_is_stored_one_way_with_its_kind_and_grade(world):
    links = world["links"]
    assert links["child_adult"].child == world["seen"] and links["child_adult"].other_person == world["adult"]
    assert {name: link.kind for name, link in links.items()} == {
        "child_adult": "child-adult", "child_child": "child-child", "child_place": "child-place",
        "adult_place": "adult-place"}
    assert links["child_adult"].grade == "2BP"


def test_the_ends_of_associations_of_every_kind_are_read_in_one_statement(world, panel, people):
    adult = world["adult"]
    other_adult = services.person_create(actor=people["officer"], panel=panel, name="Lee Sample", role="posing_risk")
    services.association_create(
        actor=people["officer"], panel=panel, first=(EndType.PERSON, adult), second=(EndType.PERSON, other_adult),
        nature="drives for", source="Police intelligence", source_date=date.today(),
        source_evaluation="3", intelligence_evaluation="C", handling="P")
    rows = list(Association.objects.filter(panel=panel).order_by("pk"))
    assert {row.kind for row in rows} == {"child-adult", "child-child", "child-place", "adult-place", "adult-adult"}
    with CaptureQueriesContext(connection) as read:
        with_ends(rows)
    assert len(read) == 1
    models = {EndType.CHILD: Child, EndType.PERSON: Person, EndType.PLACE: Place}
    with CaptureQueriesContext(connection) as used:  # the ends' names are in hand: no query
        shown = [(kind, end, end.full_name if kind == EndType.CHILD else end.name)
                 for row in rows for kind, end in (row.first_end, row.second_end)]
    assert len(used) == 0
    for kind, end, label in shown:
        assert type(end) is models[kind]
        stored = models[kind].objects.get(pk=end.pk)
        assert label == (stored.full_name if kind == EndType.CHILD else stored.name)
    child_end = next(row.child for row in rows if row.child_id)
    assert child_end.get_deferred_fields() >= {"date_of_birth", "authority_id"}  # only its names were read
    assert child_end.date_of_birth == Child.objects.get(pk=child_end.pk).date_of_birth  # the rest loads on use
    with CaptureQueriesContext(connection) as none:
        assert with_ends([]) == []
    assert len(none) == 0


@pytest.mark.parametrize("case, field", [
    ("place_place", "to"), ("same_child", "to"), ("other_authority", "to"), ("future", "source_date"),
    ("bad_grade", "source_evaluation"),
])
def test_a_bad_association_is_refused_and_nothing_saved(world, panel, people, case, field):
    stranger = ChildFactory(authority=LocalAuthorityFactory(name="Elsewhere Council"))
    ends = {
        "place_place": ((EndType.PLACE, world["place"]), (EndType.PLACE, world["other_place"])),
        "same_child": ((EndType.CHILD, world["seen"]), (EndType.CHILD, world["seen"])),
        "other_authority": ((EndType.CHILD, world["seen"]), (EndType.CHILD, stranger)),
    }.get(case, ((EndType.CHILD, world["seen"]), (EndType.PERSON, world["adult"])))
    fields = {"nature": "seen together", "source": "Police log", "source_date": date.today(), **GRADE}
    if case == "future":
        fields["source_date"] = date.today() + timedelta(days=2)
    if case == "bad_grade":
        fields["source_evaluation"] = "9"
    before = Association.objects.count()
    with pytest.raises(ValidationError) as error:
        services.association_create(actor=people["officer"], panel=panel, first=ends[0], second=ends[1], **fields)
    assert field in error.value.message_dict
    assert Association.objects.count() == before


def test_disruption_is_done_only_with_a_date_and_an_outcome(world, people):
    disruption = world["disruption"]
    with pytest.raises(ValidationError) as error:
        services.disruption_update(actor=people["officer"], disruption=disruption, status="done")
    assert set(error.value.message_dict) == {"done_on", "outcome"}
    services.disruption_update(actor=people["officer"], disruption=disruption, status="done", done_on=date.today(),
                               outcome="Manager briefed; two bookings refused.")
    assert Disruption.objects.get(pk=disruption.pk).status == "done"


def test_every_change_is_audited_without_naming_a_child(world):
    verbs = set(AuditEvent.objects.filter(verb__startswith="intelligence.").values_list("verb", flat=True))
    assert verbs == {"intelligence.place_created", "intelligence.person_created", "intelligence.association_created",
                     "intelligence.disruption_created"}
    assert not AuditEvent.objects.filter(verb__startswith="intelligence.", child_id__isnull=False).exists()


# The network -------------------------------------------------------------------------------------------


def test_the_network_around_a_place_names_only_visible_children_and_is_laid_out_the_same_each_time(world, people):
    network = place_network(people["officer"], world["place"])
    by_key = {node.key: node for node in network.nodes}
    seen, unseen = by_key[f"child:{world['seen'].pk}"], by_key[f"child:{world['unseen'].pk}"]
    assert seen.label == "Robin Testwell" and seen.href == f"/missing/children/{world['seen'].pk}/"
    assert unseen.label == child_reference(world["unseen"]) == f"Child Q.S. (ref {str(world['unseen'].pk)[:8]})"
    assert unseen.href is None and "/intelligence/" in unseen.network_href
    assert f"person:{world['adult'].pk}" in by_key
    natures = sorted(link.nature for link in network.links)
    assert natures == ["Found here (1 episode)", "Found here (1 episode)", "books rooms at", "taken to"]
    first = [(node.key, node.x, node.y) for node in (lay_out(network) and network.nodes)]
    again = place_network(people["officer"], world["place"])
    lay_out(again)
    assert first == [(node.key, node.x, node.y) for node in again.nodes]
    assert network.nodes[0].x == 360 and network.nodes[0].y == 70  # twelve o'clock, children first


# Visibility: pages -------------------------------------------------------------------------------------


def pages(world, panel):
    return [f"/intelligence/panels/{panel.pk}/", f"/intelligence/places/{world['place'].pk}/",
            f"/intelligence/adults/{world['adult'].pk}/",
            f"/intelligence/panels/{panel.pk}/children/{world['seen'].pk}/",
            f"/intelligence/panels/{panel.pk}/associations/new/",
            f"/intelligence/associations/{world['links']['child_place'].pk}/change/",
            f"/intelligence/disruption/{world['disruption'].pk}/change/"]


@pytest.mark.parametrize("who", ["outsider", "staff", "reader", "mash"])
def test_intelligence_pages_are_not_found_for_anyone_outside_the_panel(world, panel, people, mash, signed_in, who):
    user = mash if who == "mash" else people[who]
    client = signed_in(user)
    for url in pages(world, panel):
        assert client.get(url).status_code == 404, url


def test_a_member_sees_the_network_of_a_place_and_reads_are_logged(world, panel, people, signed_in):
    client = signed_in(people["officer"])
    for url in pages(world, panel)[:5]:
        assert client.get(url).status_code == 200, url
    page = client.get(f"/intelligence/places/{world['place'].pk}/").content.decode()
    assert 'id="episode-count">2<' in page
    assert f'href="/missing/children/{world["seen"].pk}/"' in page
    assert f'href="/missing/children/{world["unseen"].pk}/"' not in page
    assert "Quinn" not in page and child_reference(world["unseen"]) in page
    assert "<svg" in page and 'id="links"' in page and "Hotel-watch visit" in page
    logged = set(RecordAccess.objects.filter(user=people["officer"], path=f"/intelligence/places/{world['place'].pk}/")
                 .values_list("child_id", flat=True))
    assert {world["seen"].pk, world["unseen"].pk} <= logged


def test_a_member_may_not_change_what_another_recorded_but_the_chair_may(world, people, signed_in):
    place = world["place"]
    body = {"name": "Station Road hotel", "kind": "hotel", "address": "14 Station Road", "postcode": "DM1 4QT",
            "notes": "Night porter helpful"}
    assert signed_in(people["nurse"]).post(f"/intelligence/places/{place.pk}/change/", body).status_code == 403
    response = signed_in(people["chair"]).post(f"/intelligence/places/{place.pk}/change/", body)
    assert response.status_code == 302
    assert Place.objects.get(pk=place.pk).notes == "Night porter helpful"


def test_the_association_form_records_a_link_and_a_bad_one_is_a_400(world, panel, people, signed_in):
    client = signed_in(people["nurse"])
    url = f"/intelligence/panels/{panel.pk}/associations/new/"
    body = {"from": f"child:{world['seen'].pk}", "to": f"place:{world['other_place'].pk}", "nature": "found at",
            "source": "Health visit", "source_date": date.today().isoformat(), **GRADE}
    response = client.post(url, body)
    assert response.status_code == 302 and response["Location"] == f"/intelligence/places/{world['other_place'].pk}/"
    bad = client.post(url, {**body, "to": f"place:{world['place'].pk}", "from": f"place:{world['other_place'].pk}"})
    assert bad.status_code == 400 and "govuk-error-summary" in bad.content.decode()
    assert Association.objects.filter(place=world["other_place"]).count() == 1


def test_a_member_counts_an_episode_at_a_place_from_its_page(world, panel, people, signed_in):
    client = signed_in(people["officer"])  # police lead for the seen child only
    url = f"/intelligence/places/{world['other_place'].pk}/episodes/"
    hidden = client.post(url, {"episode": str(world["episodes"][2].pk)})
    assert hidden.status_code == 400
    assert client.post(url, {"episode": str(world["episodes"][0].pk)}).status_code == 302
    assert counts(panel)["Riverside park"] == 1



@pytest.mark.parametrize("few", [500, 0])
def test_a_places_episode_choices_are_the_visible_uncounted_ones_whether_children_are_few_or_many(
        world, panel, people, signed_in, few, monkeypatch):
    """Few children: their episodes are read by child; many: the authority's, each asked whether it
    is visible. Either way the officer, who sees only the seen child, is offered its episode alone."""
    from missing import permissions

    monkeypatch.setattr(permissions, "FEW_CHILDREN", few)
    client = signed_in(people["officer"])
    with CaptureQueriesContext(connection) as captured:
        page = client.get(f"/intelligence/places/{world['other_place'].pk}/").content.decode()
    choices = [q["sql"] for q in captured if q["sql"].startswith('SELECT "missing_missingepisode"."id"')
               and "found_location" in q["sql"] and "LIMIT 100" in q["sql"]]
    # Few children: theirs by id; many: each of the authority's episodes asked of the rule.
    assert len(choices) == 1 and ('"missing_missingepisode"."child_id" IN (' in choices[0]) == bool(few)
    offered = set(re.findall(r'name="episode"[^>]*value="([0-9a-f-]{36})"', page)) | set(
        re.findall(r'<option value="([0-9a-f-]{36})"', page))
    assert offered == {str(world["episodes"][0].pk)}
    assert "Quinn" not in page and "Sampleford" not in page
    # At the place where the seen child's episode is already counted, nothing is left to offer.
    page = client.get(f"/intelligence/places/{world['place'].pk}/").content.decode()
    assert str(world["episodes"][0].pk) not in page and str(world["episodes"][2].pk) not in page

# Never on a child's pages or in other exports ------------------------------------------------------------


SECRETS = ("Station Road hotel", "Dale Example", "gets lifts from", "Hotel-watch visit", "/intelligence/")


def test_intelligence_is_absent_from_the_childs_pages_api_and_the_tracker_csv(world, mash, api, signed_in):
    client = signed_in(mash)
    child = world["seen"]
    for url in (f"/missing/children/{child.pk}/", f"/actions/children/{child.pk}/", "/actions/tracker/?format=csv"):
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        for secret in SECRETS:
            assert secret not in text, (url, secret)
    data = api(mash).get(f"/api/v1/children/{child.pk}/").content.decode()
    assert not any(secret in data for secret in SECRETS)


def test_the_subject_access_export_holds_it_as_intelligence_for_review_and_retention_erases_it(world):
    part = next(part for part in child_data_parts() if part.key == "intelligence")
    assert part.title == "Panel intelligence (review before disclosure)"
    records = part.collect(world["unseen"])
    assert len(records) == 2  # go missing together; taken to the hotel
    for record in records:
        assert set(record.review) == {name for name, _, _ in record.fields}
        assert set(record.review.values()) == {INTELLIGENCE}
    text = " ".join(str(value) for record in records for _, _, value in record.fields)
    assert "The child" in text and "Station Road hotel (place)" in text and child_reference(world["seen"]) in text
    part.erase(world["unseen"])
    assert not Association.objects.filter(child=world["unseen"]).exists()
    assert not Association.objects.filter(other_child=world["unseen"]).exists()
    assert not Association.history.filter(child=world["unseen"]).exists()


def test_navigation_shows_intelligence_to_panel_people_only(world, people, signed_in):
    assert 'href="/intelligence/"' in signed_in(people["officer"]).get("/").content.decode()
    for who in ("reader", "staff"):
        assert 'href="/intelligence/"' not in signed_in(people[who]).get("/").content.decode()


def test_the_network_of_a_child_the_panel_does_not_know_is_not_found(world, panel, people, authority, signed_in):
    client = signed_in(people["officer"])
    stranger = ChildFactory(authority=authority, given_name="Ari", family_name="Unlinked")
    assert client.get(f"/intelligence/panels/{panel.pk}/children/{stranger.pk}/").status_code == 404
    page = client.get(f"/intelligence/panels/{panel.pk}/children/{world['unseen'].pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert child_reference(world["unseen"]) in text and "Quinn" not in text
    assert "Found here (1 episode)" in text and "go missing together" in text


def test_the_association_form_offers_the_children_the_panel_knows_now_not_all_it_ever_met(
    world, panel, people, authority, agencies, signed_in
):
    """Children met at the panel within a year, listed or named in its intelligence are offered as
    ends; one met only longer ago is not (issue 13: ten years of meetings made a select of
    thousands, each logged as read). Names are escaped in the one-pass select."""
    chair = people["chair"]
    led = agencies[AgencyKind.CHILDRENS_SOCIAL_CARE]  # the chair's agency: the chair sees their names
    recent = ChildFactory(authority=authority, given_name="Recent<b>", family_name="Metchild", lead_agency=led)
    old = ChildFactory(authority=authority, given_name="Longago", family_name="Metchild", lead_agency=led)
    for child, days in ((recent, 40), (old, 400)):
        meeting = panel_services.meeting_create(actor=chair, panel=panel, starts_at=timezone.now() + timedelta(days=1 + days))
        panel_services.meeting_list_child(actor=chair, meeting=meeting, child=child)
        Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - timedelta(days=days))
    PanelListEntry.objects.filter(panel=panel, child=old).update(removed_at=timezone.now() - timedelta(days=390))
    page = signed_in(chair).get(f"/intelligence/panels/{panel.pk}/associations/new/")
    body = page.content.decode()
    assert page.status_code == 200, body
    assert f'<option value="child:{recent.pk}">' in body and "Recent&lt;b&gt;" in body and "Recent<b>" not in body
    assert f"child:{old.pk}" not in body and "Longago" not in body
    assert f'value="child:{world["seen"].pk}"' in body  # named in the panel's associations
    logged = set(RecordAccess.objects.filter(user=chair).values_list("child_id", flat=True))
    assert recent.pk in logged and old.pk not in logged
    # A child the panel knew longer ago is still an end when a link or the form names them.
    url = f"/intelligence/panels/{panel.pk}/associations/new/"
    network = signed_in(chair).get(f"/intelligence/panels/{panel.pk}/children/{old.pk}/").content.decode()
    assert f'href="{url}?from=child:{old.pk}"' in network
    linked = signed_in(chair).get(f"{url}?from=child:{old.pk}").content.decode()
    assert f'<option value="child:{old.pk}" selected>' in linked
    body = {"from": f"child:{old.pk}", "to": f"place:{world['place'].pk}", "nature": "seen at",
            "source": "Police report", "source_date": date.today().isoformat(), **GRADE}
    assert signed_in(chair).post(url, body).status_code == 302
    assert Association.objects.filter(child=old, place=world["place"]).exists()
    stranger = ChildFactory(authority=authority, lead_agency=led)  # never known to the panel
    refused = signed_in(chair).post(url, {**body, "from": f"child:{stranger.pk}"})
    assert refused.status_code == 400 and not Association.objects.filter(child=stranger).exists()
