"""RULES.md §2-§3 through the one pure function, deadlines_wanted (no database)."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from casework.clocks.sources import source_display
from missing.clocks.rules import deadlines_wanted
from casework.protocol import DEFAULT_PROTOCOL
from missing.models import Child, LegalStatus, MissingEpisode

LONDON = ZoneInfo("Europe/London")
# A Wednesday in June, far from bank holidays and clock changes.
START = datetime(2026, 6, 10, 9, 0, tzinfo=LONDON)


def child(status=LegalStatus.NONE, born=date(2011, 1, 1), vulnerabilities=()):
    return Child(given_name="Kit", family_name="Sample", date_of_birth=born, legal_status=status,
                 vulnerabilities=list(vulnerabilities))


def episode(start=START, reported=None, returned=None, category="missing", **flags):
    return MissingEpisode(category=category, risk_level="medium", location_type="home", started_at=start,
                          reported_at=reported or start + timedelta(hours=1), returned_at=returned, **flags)


def wanted(kid, ep, now, episodes=None, protocol=DEFAULT_PROTOCOL, **kwargs):
    rows = deadlines_wanted(child=kid, episode=ep, episodes=episodes or [ep], protocol=protocol, now=now, **kwargs)
    return {(w.rule, w.key): w for w in rows.deadlines}


def test_t1_72_hours_from_the_return_through_the_weekend():
    returned = datetime(2026, 6, 12, 14, 0, tzinfo=LONDON)  # a Friday
    rows = wanted(child(), episode(returned=returned), now=returned)
    t1 = rows[("T1", "")]
    assert t1.kind == "duty"
    assert t1.due_at == datetime(2026, 6, 15, 14, 0, tzinfo=LONDON)
    assert t1.counts_from == returned
    assert t1.params == {"hours": 72}
    assert t1.basis == "72 hours from the return"
    assert source_display(t1.source) == "Waltham Forest practice guidance §9"


def test_t1_is_72_real_hours_across_the_october_clock_change():
    returned = datetime(2026, 10, 24, 12, 0, tzinfo=LONDON)  # BST; clocks go back on Sunday 25 October
    t1 = wanted(child(), episode(start=returned - timedelta(hours=5), returned=returned), now=returned)[("T1", "")]
    assert t1.due_at.astimezone(UTC) - returned.astimezone(UTC) == timedelta(hours=72)
    assert t1.due_at.astimezone(LONDON).hour == 11


def test_no_t1_while_the_child_is_still_missing():
    assert ("T1", "") not in wanted(child(), episode(), now=START + timedelta(hours=3))


def test_t2_opens_on_s4_for_a_child_aged_12_on_the_day_of_the_episode():
    born = date(2013, 6, 11)  # 13th birthday is the day after the episode starts
    ep = episode()
    t2 = wanted(child(born=born), ep, now=START + timedelta(hours=2))[("T2", "")]
    assert t2.counts_from == ep.reported_at
    assert t2.due_at == ep.reported_at + timedelta(hours=48)
    assert t2.warn_at == ep.reported_at + timedelta(hours=24)
    assert t2.params["thresholds"] == ["S4"]
    assert t2.reason.startswith("S4: aged 12")


def test_no_t2_for_a_child_who_turned_13_on_the_day_of_the_episode():
    born = date(2013, 6, 10)
    assert ("T2", "") not in wanted(child(born=born), episode(), now=START + timedelta(hours=2))


def test_t2_opens_on_the_third_episode_within_30_days_s1():
    first = episode(start=START - timedelta(days=20), returned=START - timedelta(days=19))
    second = episode(start=START - timedelta(days=10), returned=START - timedelta(days=9))
    third = episode()
    now = START + timedelta(hours=2)
    assert ("T2", "") not in wanted(child(), second, now, episodes=[first, second])
    t2 = wanted(child(), third, now, episodes=[first, second, third])[("T2", "")]
    assert t2.params["thresholds"] == ["S1"]
    assert t2.counts_from == third.reported_at


def test_an_episode_outside_the_window_does_not_count_for_s1():
    old = episode(start=START - timedelta(days=31), returned=START - timedelta(days=30))
    second = episode(start=START - timedelta(days=10), returned=START - timedelta(days=9))
    third = episode()
    assert ("T2", "") not in wanted(child(), third, START, episodes=[old, second, third])


def test_t2_through_s6_counts_from_48_hours_missing_and_only_once_it_holds():
    ep = episode()
    assert ("T2", "") not in wanted(child(), ep, now=START + timedelta(hours=47))
    t2 = wanted(child(), ep, now=START + timedelta(hours=49))[("T2", "")]
    assert t2.counts_from == START + timedelta(hours=48)
    assert t2.params["thresholds"] == ["S6"]


def test_t2_still_wanted_after_the_return_of_a_child_missing_six_days():
    ep = episode(returned=START + timedelta(days=6))
    t2 = wanted(child(), ep, now=START + timedelta(days=7))[("T2", "")]
    assert t2.params["thresholds"] == ["S3", "S6"]
    assert t2.counts_from == START + timedelta(hours=48)


def test_t2_counts_from_the_report_when_significant_harm_is_judged():
    ep = episode(significant_harm=True)
    t2 = wanted(child(), ep, now=START + timedelta(hours=1))[("T2", "")]
    assert t2.counts_from == ep.reported_at
    assert "S2" in t2.reason


def test_t3_five_working_days_across_christmas_with_substitute_days():
    reported = datetime(2027, 12, 23, 15, 0, tzinfo=LONDON)  # Thursday; 25-28 December are holidays or weekend
    ep = episode(start=reported - timedelta(hours=2), reported=reported, additional_needs=True)
    t3 = wanted(child(), ep, now=reported)[("T3", "")]
    # Working days after Thu 23 Dec 2027: Fri 24, Wed 29, Thu 30, Fri 31, then Tue 4 Jan 2028
    # (Mon 27 and Tue 28 December stand in for Christmas and Boxing Day, Mon 3 January for New Year).
    assert t3.due_at == datetime(2028, 1, 4, 23, 59, 59, tzinfo=LONDON)


def test_no_t3_when_significant_harm_is_judged():
    ep = episode(additional_needs=True, significant_harm=True)
    assert ("T3", "") not in wanted(child(), ep, now=START)


def test_t4_for_a_child_protection_plan_missing_48_hours():
    kid = child(LegalStatus.CHILD_PROTECTION_PLAN)
    ep = episode()
    assert ("T4", "") not in wanted(kid, ep, now=START + timedelta(hours=47))
    t4 = wanted(kid, ep, now=START + timedelta(hours=48))[("T4", "")]
    assert t4.counts_from == START + timedelta(hours=48)
    # Friday 12 June plus 15 working days is Friday 3 July 2026.
    assert t4.due_at == datetime(2026, 7, 3, 23, 59, 59, tzinfo=LONDON)
    back_early = episode(returned=START + timedelta(hours=30))
    assert ("T4", "") not in wanted(kid, back_early, now=START + timedelta(days=3))


def test_looked_after_child_gets_t5_t6_t7_t11():
    ep = episode()
    rows = wanted(child(LegalStatus.LOOKED_AFTER), ep, now=START + timedelta(hours=2))
    assert rows[("T5", "")].due_at == ep.reported_at + timedelta(days=3)
    assert rows[("T6", "24h")].due_at == START + timedelta(hours=24)
    assert rows[("T6", "72h")].due_at == START + timedelta(hours=72)
    assert rows[("T6", "24h")].kind == rows[("T6", "72h")].kind == "notice"
    assert rows[("T7", "")].due_at == START + timedelta(days=7)
    assert rows[("T11", "")].due_at == ep.reported_at
    assert ("T8", "") not in rows and ("T9", "") not in rows


def test_a_child_back_at_hour_20_sets_off_no_t6_or_t7():
    ep = episode(returned=START + timedelta(hours=20))
    rows = wanted(child(LegalStatus.CHILD_PROTECTION_PLAN), ep, now=START + timedelta(hours=21))
    assert ("T6", "24h") not in rows and ("T6", "72h") not in rows and ("T7", "") not in rows


def test_a_child_back_at_hour_30_keeps_the_24_hour_notice_and_t7_but_not_the_update():
    ep = episode(returned=START + timedelta(hours=30))
    rows = wanted(child(LegalStatus.LOOKED_AFTER), ep, now=START + timedelta(hours=31))
    assert ("T6", "24h") in rows and ("T7", "") in rows
    assert ("T6", "72h") not in rows


def test_t8_child_in_need_and_t9_early_help_at_five_days():
    cin = wanted(child(LegalStatus.CHILD_IN_NEED), episode(), now=START)
    assert cin[("T8", "")].due_at == START + timedelta(days=5)
    early = wanted(child(LegalStatus.EARLY_HELP), episode(), now=START)
    assert early[("T9", "")].due_at == START + timedelta(days=5)
    assert ("T8", "") not in early


def test_t10_and_t12_for_any_child_still_missing():
    rows = wanted(child(), episode(), now=START)
    assert rows[("T10", "")].due_at == START + timedelta(days=28)
    assert rows[("T12", "")].due_at == START + timedelta(days=3)
    back = wanted(child(), episode(returned=START + timedelta(days=2)), now=START + timedelta(days=2))
    assert ("T10", "") not in back and ("T12", "") not in back


def test_days_clocks_keep_the_wall_clock_time_across_the_march_change():
    start = datetime(2026, 3, 27, 9, 0, tzinfo=LONDON)  # GMT; clocks go forward on Sunday 29 March
    t12 = wanted(child(), episode(start=start), now=start)[("T12", "")]
    assert t12.due_at == datetime(2026, 3, 30, 9, 0, tzinfo=LONDON)
    assert t12.due_at.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=71)


def test_t13_monthly_reviews_after_the_strategy_meeting_while_missing():
    ep = episode()
    meeting = START + timedelta(days=1)
    rows = wanted(child(), ep, now=meeting, strategy_meeting_at=meeting)
    assert rows[("T13", "1")].due_at == meeting + timedelta(days=30)
    assert ("T13", "2") not in rows
    later = wanted(child(), ep, now=meeting + timedelta(days=31), strategy_meeting_at=meeting)
    assert later[("T13", "2")].due_at == meeting + timedelta(days=60)
    after_first_done = wanted(child(), ep, now=meeting + timedelta(days=5), strategy_meeting_at=meeting, reviews_done=1)
    assert ("T13", "2") in after_first_done


def test_t13_needs_continuing_or_repeat_missing():
    meeting = START + timedelta(days=2)
    ep = episode(returned=START + timedelta(days=1))
    assert not [k for k in wanted(child(), ep, now=meeting, strategy_meeting_at=meeting) if k[0] == "T13"]
    repeat = episode(start=meeting + timedelta(days=3))
    rows = wanted(child(), ep, now=meeting + timedelta(days=4), episodes=[ep, repeat], strategy_meeting_at=meeting)
    assert ("T13", "1") in rows


def test_numbers_come_from_the_protocol():
    protocol = replace(DEFAULT_PROTOCOL, t1_return_interview_hours=48, s4_young_age=14)
    returned = START + timedelta(hours=5)
    rows = wanted(child(born=date(2012, 1, 1)), episode(returned=returned), now=returned, protocol=protocol)
    assert rows[("T1", "")].due_at == returned + timedelta(hours=48)
    assert rows[("T1", "")].basis == "48 hours from the return"
    assert "S4" in rows[("T2", "")].params["thresholds"]


@pytest.mark.parametrize(
    "source, text",
    [
        ("002 §10, 001", "Waltham Forest practice guidance §10; Lancashire missing from home panel protocol"),
        ("002 §10, §11", "Waltham Forest practice guidance §10, §11"),
    ],
)
def test_source_display_names_the_seed(source, text):
    assert source_display(source) == text


def clocks_at(kid, ep, now, **kwargs):
    return deadlines_wanted(child=kid, episode=ep, episodes=[ep], protocol=DEFAULT_PROTOCOL, now=now, **kwargs)


@pytest.mark.parametrize(
    ("status", "returned", "now", "meeting", "recheck"),
    [
        (LegalStatus.NONE, None, START + timedelta(hours=1), None, START + timedelta(hours=48)),  # S6
        (LegalStatus.NONE, None, START + timedelta(hours=48), None, START + timedelta(days=5)),  # S3
        (LegalStatus.CHILD_PROTECTION_PLAN, None, START + timedelta(hours=48), None, START + timedelta(days=5)),
        (LegalStatus.NONE, START + timedelta(days=9), START + timedelta(days=10), START + timedelta(days=3),
         START + timedelta(days=33)),  # T13's second review
    ],
)
def test_the_answer_changes_at_recheck_at_and_not_before(status, returned, now, meeting, recheck):
    kid, ep = child(status), episode(returned=returned)
    clocks = clocks_at(kid, ep, now, strategy_meeting_at=meeting)
    assert clocks.recheck_at == recheck
    assert clocks_at(kid, ep, recheck - timedelta(minutes=1), strategy_meeting_at=meeting).deadlines == clocks.deadlines
    assert clocks_at(kid, ep, recheck, strategy_meeting_at=meeting).deadlines != clocks.deadlines


def test_nothing_to_recheck_once_time_alone_can_change_nothing():
    back = episode(returned=START + timedelta(hours=20))
    assert clocks_at(child(), back, START + timedelta(hours=21)).recheck_at is None
    long_missing = episode()
    assert clocks_at(child(), long_missing, START + timedelta(days=6)).recheck_at is None
