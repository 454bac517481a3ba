"""The pure rules of missing.rules, named by their RULES.md ids: N6, F1, S1-S6."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from casework.protocol import DEFAULT_PROTOCOL
from missing import rules

NOW = datetime(2026, 7, 15, 12, 0, tzinfo=UTC)


def child(date_of_birth=date(2010, 1, 1), legal_status="none", vulnerabilities=()):
    return SimpleNamespace(date_of_birth=date_of_birth, legal_status=legal_status, vulnerabilities=list(vulnerabilities))


def episode(started_at, *, returned_after=None, category="missing", significant_harm=False):
    returned_at = started_at + returned_after if returned_after is not None else None
    return SimpleNamespace(
        started_at=started_at, returned_at=returned_at, category=category, significant_harm=significant_harm
    )


def thresholds(the_child, the_episode, episodes=None, now=NOW, protocol=DEFAULT_PROTOCOL):
    found = rules.strategy_thresholds(
        child=the_child, episode=the_episode, episodes=episodes or [the_episode], now=now, protocol=protocol
    )
    return [rule for rule, _ in found]


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (date(2012, 5, 17), date(2026, 5, 16), 13),
        (date(2012, 5, 17), date(2026, 5, 17), 14),
        (date(2012, 2, 29), date(2026, 2, 28), 13),
        (date(2012, 2, 29), date(2026, 3, 1), 14),
    ],
)
def test_age_on(born, on, age):
    assert rules.age_on(born, on) == age


@pytest.mark.parametrize(
    ("years", "legal_status", "send", "in_scope"),
    [
        (17, "none", False, True),
        (18, "none", False, False),
        (20, "care_leaver", False, True),
        (24, "none", True, True),
        (25, "care_leaver", False, False),
    ],
)
def test_n6_scope(years, legal_status, send, in_scope):
    today = date(2026, 7, 15)
    born = date(today.year - years, today.month, today.day)
    assert rules.in_scope(date_of_birth=born, legal_status=legal_status, send=send, today=today, protocol=DEFAULT_PROTOCOL) is in_scope


def test_n6_a_date_of_birth_after_today_is_out_of_scope():
    assert not rules.in_scope(
        date_of_birth=date(2026, 7, 16), legal_status="none", send=False, today=date(2026, 7, 15), protocol=DEFAULT_PROTOCOL
    )


def test_window_includes_its_end_and_excludes_its_start():
    at_end = episode(NOW)
    at_start = episode(NOW - timedelta(days=90))
    inside = episode(NOW - timedelta(days=89, hours=23))
    assert rules.episodes_in_window([at_end, at_start, inside], end=NOW, days=90) == [at_end, inside]


def test_f1_three_episodes_in_90_days():
    two = [episode(NOW - timedelta(days=d), returned_after=timedelta(hours=2)) for d in (10, 80)]
    assert not rules.frequent_missing(two, now=NOW, protocol=DEFAULT_PROTOCOL)
    three = two + [episode(NOW - timedelta(days=89))]
    assert rules.frequent_missing(three, now=NOW, protocol=DEFAULT_PROTOCOL)
    assert not rules.frequent_missing(three, now=NOW + timedelta(days=2), protocol=DEFAULT_PROTOCOL)


def test_f1_numbers_come_from_the_protocol():
    two = [episode(NOW - timedelta(days=d), returned_after=timedelta(hours=2)) for d in (10, 40)]
    assert rules.frequent_missing(two, now=NOW, protocol=replace(DEFAULT_PROTOCOL, f1_episodes=2))
    assert not rules.frequent_missing(two, now=NOW, protocol=replace(DEFAULT_PROTOCOL, f1_window_days=30))


def test_s1_counts_missing_and_absent_in_the_30_days_up_to_this_episode():
    current = episode(NOW - timedelta(hours=1))
    earlier = [
        episode(NOW - timedelta(days=20), returned_after=timedelta(hours=1)),
        episode(NOW - timedelta(days=12), returned_after=timedelta(hours=1), category="absent"),
    ]
    away = episode(NOW - timedelta(days=5), returned_after=timedelta(hours=1), category="away_without_authorisation")
    assert thresholds(child(), current, [current, away, earlier[0]]) == []
    assert thresholds(child(), current, [current, *earlier]) == ["S1"]
    old = episode(NOW - timedelta(days=31), returned_after=timedelta(hours=1))
    assert thresholds(child(), current, [current, earlier[0], old]) == []


def test_s1_does_not_hold_for_an_away_episode_itself():
    current = episode(NOW - timedelta(hours=1), category="away_without_authorisation")
    earlier = [episode(NOW - timedelta(days=d), returned_after=timedelta(hours=1)) for d in (3, 6)]
    assert thresholds(child(), current, [current, *earlier]) == []


def test_s2_significant_harm():
    found = rules.strategy_thresholds(
        child=child(), episode=episode(NOW, significant_harm=True), episodes=[], now=NOW, protocol=DEFAULT_PROTOCOL
    )
    assert found == [("S2", "judged at risk of significant harm")]


def test_s3_not_traced_within_5_days_only_while_missing():
    open_episode = episode(NOW - timedelta(days=5))
    assert "S3" in thresholds(child(), open_episode)
    assert "S3" not in thresholds(child(), episode(NOW - timedelta(days=4, hours=23)))
    assert "S3" not in thresholds(child(), episode(NOW - timedelta(days=6), returned_after=timedelta(days=5, hours=1)))


@pytest.mark.parametrize(
    ("born", "started_at", "s4"),
    [
        (date(2013, 7, 16), NOW, True),  # twelve, thirteen tomorrow
        (date(2013, 7, 15), NOW, False),  # thirteen today
        # 23:30 UTC on 14 July is 00:30 on 15 July in London (BST): already thirteen there
        (date(2013, 7, 15), datetime(2026, 7, 14, 23, 30, tzinfo=UTC), False),
        (date(2013, 7, 15), datetime(2026, 7, 14, 22, 30, tzinfo=UTC), True),
    ],
)
def test_s4_age_at_the_start_in_london(born, started_at, s4):
    assert ("S4" in thresholds(child(date_of_birth=born), episode(started_at))) is s4


def test_s4_age_comes_from_the_protocol():
    ten = child(date_of_birth=date(2015, 1, 1))
    assert "S4" in thresholds(ten, episode(NOW))
    assert "S4" not in thresholds(ten, episode(NOW), protocol=replace(DEFAULT_PROTOCOL, s4_young_age=10))


@pytest.mark.parametrize(
    ("vulnerabilities", "legal_status", "reason"),
    [
        (["cse", "gangs"], "none", "additional vulnerability: child sexual exploitation"),
        (["self_harm", "cce"], "none", "additional vulnerability: child criminal exploitation, self-harm"),
        ([], "early_help", "additional vulnerability: Early Help"),
        (["cse"], "child_in_need", "additional vulnerability: child sexual exploitation, Child in need"),
        (["gangs", "trafficking"], "looked_after", None),
    ],
)
def test_s5_additional_vulnerability(vulnerabilities, legal_status, reason):
    found = dict(
        rules.strategy_thresholds(
            child=child(vulnerabilities=vulnerabilities, legal_status=legal_status),
            episode=episode(NOW),
            episodes=[],
            now=NOW,
            protocol=DEFAULT_PROTOCOL,
        )
    )
    assert found.get("S5") == reason


def test_s6_missing_48_hours_or_longer_even_after_return():
    assert "S6" not in thresholds(child(), episode(NOW - timedelta(hours=47, minutes=59)))
    assert "S6" in thresholds(child(), episode(NOW - timedelta(hours=48)))
    returned = episode(NOW - timedelta(days=4), returned_after=timedelta(hours=50))
    assert thresholds(child(), returned) == ["S6"]


def test_current_episode_is_the_open_one_else_the_latest_in_the_s1_window():
    closed_recent = episode(NOW - timedelta(days=3), returned_after=timedelta(hours=2))
    closed_older = episode(NOW - timedelta(days=10), returned_after=timedelta(hours=2))
    open_one = episode(NOW - timedelta(days=20))
    assert rules.current_episode([closed_recent, open_one], now=NOW, protocol=DEFAULT_PROTOCOL) is open_one
    assert rules.current_episode([closed_older, closed_recent], now=NOW, protocol=DEFAULT_PROTOCOL) is closed_recent
    stale = episode(NOW - timedelta(days=31), returned_after=timedelta(hours=2))
    assert rules.current_episode([stale], now=NOW, protocol=DEFAULT_PROTOCOL) is None
