"""The one working-day calendar, property-tested: working days, bank holidays, clock changes."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casework.calendar import (
    add_days,
    add_hours,
    add_working_days,
    describe_span,
    describe_working_age,
    end_of_day,
    is_working_day,
    weekly_moment_after,
    weekly_moment_at_or_before,
    working_days_deadline,
)

LONDON = ZoneInfo("Europe/London")
days = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))
counts = st.integers(min_value=-40, max_value=40)
moments = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
)


def working_days_between(start, end):
    """Working days in (start, end], counted one calendar day at a time."""
    total, day = 0, start
    while day < end:
        day += timedelta(days=1)
        total += is_working_day(day)
    return total


@given(days, counts)
def test_add_working_days_lands_on_a_working_day_exactly_that_many_working_days_away(day, count):
    result = add_working_days(day, count)
    if count == 0:
        assert result == day
        return
    assert is_working_day(result)
    if count > 0:
        assert result > day and working_days_between(day, result) == count
    else:
        # Counting back visits [result, day): `-count` working days, the first of them `result`.
        assert result < day and working_days_between(result, day) - is_working_day(day) == -count - 1


@given(days, st.integers(min_value=1, max_value=40))
def test_counting_back_undoes_counting_forward_from_a_working_day(day, count):
    while not is_working_day(day):
        day += timedelta(days=1)
    assert add_working_days(add_working_days(day, count), -count) == day


@given(days, st.integers(min_value=0, max_value=40), st.integers(min_value=0, max_value=40))
def test_add_working_days_is_monotonic(day, a, b):
    low, high = sorted((a, b))
    assert add_working_days(day, low) <= add_working_days(day, high)


@given(moments, st.integers(min_value=0, max_value=30))
def test_working_day_deadlines_fall_due_at_the_end_of_a_working_day_in_london(moment, count):
    deadline = working_days_deadline(moment, count)
    local = deadline.astimezone(LONDON)
    assert local.time() == time(23, 59, 59)
    if count:
        assert is_working_day(local.date())


@given(moments, st.integers(min_value=1, max_value=24 * 40))
def test_hour_clocks_are_real_elapsed_hours(moment, hours):
    for zone in (UTC, LONDON):
        start = moment.astimezone(zone)
        assert add_hours(start, hours).astimezone(UTC) - moment == timedelta(hours=hours)


@given(moments, st.integers(min_value=1, max_value=60))
def test_day_clocks_keep_the_london_wall_clock_time(moment, count):
    start = moment.astimezone(LONDON)
    result = add_days(start, count).astimezone(LONDON)
    assert result.date() == start.date() + timedelta(days=count)
    if start.dst() == result.dst():
        assert result.time() == start.time()


@pytest.mark.parametrize(
    "start, count, expected",
    [
        # 2021: Christmas (Sat) and Boxing Day (Sun) are made up on Mon 27 and Tue 28 December,
        # New Year's Day 2022 (Sat) on Mon 3 January.
        (date(2021, 12, 24), 1, date(2021, 12, 29)),
        (date(2021, 12, 31), 1, date(2022, 1, 4)),
        (date(2021, 12, 23), 5, date(2022, 1, 4)),
        # 2026: Christmas Friday, Boxing Day Saturday made up on Monday 28 December.
        (date(2026, 12, 24), 1, date(2026, 12, 29)),
        (date(2026, 12, 31), 1, date(2027, 1, 4)),
        # Counting back over the same days.
        (date(2021, 12, 29), -1, date(2021, 12, 24)),
    ],
)
def test_bank_holidays_at_christmas_and_new_year_with_substitute_days(start, count, expected):
    assert add_working_days(start, count) == expected
    assert not is_working_day(date(2021, 12, 27)) and not is_working_day(date(2021, 12, 28))
    assert not is_working_day(date(2022, 1, 3))


@pytest.mark.parametrize(
    "start, local_due",
    [
        # Last Sunday of October 2026 (25th): clocks go back, so 72 hours later reads an hour earlier.
        (datetime(2026, 10, 24, 12, 0, tzinfo=LONDON), datetime(2026, 10, 27, 11, 0)),
        # Last Sunday of March 2026 (29th): clocks go forward, so it reads an hour later.
        (datetime(2026, 3, 28, 12, 0, tzinfo=LONDON), datetime(2026, 3, 31, 13, 0)),
    ],
)
def test_72_hours_across_the_clock_changes(start, local_due):
    due = add_hours(start, 72)
    assert due.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=72)
    assert due.astimezone(LONDON).replace(tzinfo=None) == local_due


def test_a_working_day_deadline_on_a_clock_change_week_ends_at_local_midnight():
    deadline = working_days_deadline(datetime(2026, 10, 23, 10, 0, tzinfo=LONDON), 1)
    assert deadline == end_of_day(date(2026, 10, 26))
    assert deadline.astimezone(UTC).hour == 23  # GMT again after Sunday's change


def test_spans_are_described_by_their_two_largest_units():
    assert describe_span(timedelta(days=2, hours=3, minutes=5)) == "2 days 3 hours"
    assert describe_span(timedelta(hours=1, minutes=1)) == "1 hour 1 minute"
    assert describe_span(-timedelta(minutes=4)) == "4 minutes"
    assert describe_span(timedelta(seconds=20)) == "less than a minute"
    assert describe_working_age(timedelta(days=1, hours=9)) == "1 working day 9 hours"


def test_weekly_moments_keep_their_local_time_across_a_clock_change():
    wednesday_nine = time(9, 0)
    before = datetime(2026, 3, 25, 9, 0, tzinfo=LONDON)  # a Wednesday, GMT
    assert weekly_moment_at_or_before(before, 2, wednesday_nine) == before
    assert weekly_moment_at_or_before(before - timedelta(seconds=1), 2, wednesday_nine) == datetime(
        2026, 3, 18, 9, 0, tzinfo=LONDON)
    after = weekly_moment_after(before, 2, wednesday_nine)
    assert after == datetime(2026, 4, 1, 9, 0, tzinfo=LONDON)
    assert after.astimezone(UTC).hour == 8  # BST
    assert weekly_moment_after(datetime(2026, 3, 30, 23, 0, tzinfo=LONDON), 0, time(8, 0)) == datetime(
        2026, 4, 6, 8, 0, tzinfo=LONDON)
