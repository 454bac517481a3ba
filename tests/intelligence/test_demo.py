"""The demo data has a panel's intelligence: places where its children are found, adults of
concern, associations of each kind, and disruption planned and done."""

import pytest
from django.core.management import call_command

from intelligence.models import Association, Disruption, Person, Place
from intelligence.selectors import places_with_episode_counts

pytestmark = pytest.mark.django_db


def test_seed_demo_makes_the_panels_intelligence():
    call_command("seed_demo", children=40, notifications=3, seed=7, stdout=open("/dev/null", "w"))
    counts = {p.name: p.episode_count for p in places_with_episode_counts(Place.objects.all())}
    assert set(counts) == {"Riverside retail park", "Town centre bus station", "Station Road hotel",
                           "Market Street chicken shop"}
    assert counts["Riverside retail park"] > 0 and counts["Town centre bus station"] > 0
    assert Person.objects.count() == 2
    kinds = {association.kind for association in Association.objects.all()}
    assert {"child-child", "child-adult", "child-place", "adult-adult", "adult-place"} <= kinds
    assert set(Disruption.objects.values_list("status", flat=True)) == {"planned", "done"}
