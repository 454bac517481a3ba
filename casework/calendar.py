"""The one working-day calendar: Monday to Friday, less the bank holidays of England and Wales.

Working-day deadlines fall due at the end of their day (23:59:59 Europe/London); hour clocks are
real elapsed hours and are added in UTC, so 72 hours across a clock change is 72 hours.
"""

from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")
END_OF_DAY = time(23, 59, 59)


@lru_cache(maxsize=64)
def _bank_holidays(year):
    return holidays.country_holidays("GB", subdiv="ENG", years=year)


def is_bank_holiday(day: date) -> bool:
    return day in _bank_holidays(day.year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and not is_bank_holiday(day)


def local_date(moment: datetime) -> date:
    return moment.astimezone(LONDON).date()


def add_working_days(day: date, count: int) -> date:
    """The working day `count` working days after `day` (before it, for a negative count)."""
    step = 1 if count >= 0 else -1
    remaining = abs(count)
    current = day
    while remaining:
        current += timedelta(days=step)
        if is_working_day(current):
            remaining -= 1
    return current


def end_of_day(day: date) -> datetime:
    return datetime.combine(day, END_OF_DAY, tzinfo=LONDON)


def working_days_deadline(moment: datetime, count: int) -> datetime:
    """End of the working day that is `count` working days after the day of `moment`."""
    return end_of_day(add_working_days(local_date(moment), count))


def add_hours(moment: datetime, hours: float) -> datetime:
    """Real elapsed hours: added in UTC, because Python adds wall-clock time within one zone."""
    return moment.astimezone(timezone.utc) + timedelta(hours=hours)


def add_days(moment: datetime, days: int) -> datetime:
    """The same Europe/London wall-clock time `days` calendar days later (RULES.md "days" clocks)."""
    local = moment.astimezone(LONDON)
    shifted = datetime.combine(local.date() + timedelta(days=days), local.timetz().replace(tzinfo=None))
    return shifted.replace(tzinfo=LONDON).astimezone(moment.tzinfo or LONDON)


def working_time_between(start: datetime, end: datetime) -> timedelta:
    """Elapsed time between two moments, counting only the hours that fall on working days."""
    if end <= start:
        return timedelta(0)
    total = timedelta(0)
    cursor = start.astimezone(LONDON)
    end_local = end.astimezone(LONDON)
    while cursor < end_local:
        next_midnight = datetime.combine(cursor.date() + timedelta(days=1), time(0, 0), tzinfo=LONDON)
        segment_end = min(next_midnight, end_local)
        if is_working_day(cursor.date()):
            total += segment_end - cursor
        cursor = segment_end
    return total


def describe_span(delta: timedelta, *, day_word="day") -> str:
    """'2 days 3 hours', '5 hours 10 minutes', '4 minutes': the two largest units, for every
    countdown and age the screens show ('2 working days 3 hours' with day_word="working day")."""
    minutes = int(abs(delta).total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    units = [(days, day_word), (hours, "hour"), (minutes, "minute")]
    parts = [f"{n} {unit}{'' if n == 1 else 's'}" for n, unit in units if n]
    return " ".join(parts[:2]) or "less than a minute"


def describe_working_age(age: timedelta) -> str:
    """An age in working time, counted in working days of 24 hours (N5)."""
    return describe_span(age, day_word="working day")


def countdown(due_at, now):
    """What a clock says now: {'overdue': False, 'text': 'due in 1 day 17 hours'} or
    {'overdue': True, 'text': 'overdue by 3 hours'}. Every screen's countdown is this one."""
    remaining = due_at - now
    if remaining > timedelta(0):
        return {"overdue": False, "text": f"due in {describe_span(remaining)}"}
    return {"overdue": True, "text": f"overdue by {describe_span(remaining)}"}


def describe_moment(moment):
    """'Mon 02 Mar 2026 09:00' in Europe/London: how notices and messages name a time."""
    return moment.astimezone(LONDON).strftime("%a %d %b %Y %H:%M")


def weekly_moment_at_or_before(moment: datetime, weekday: int, at: time) -> datetime:
    """The latest `weekday` (0 = Monday) at `at` Europe/London at or before `moment`: one place for
    every weekly schedule's arithmetic (the actions digest, the Wednesday list)."""
    day = local_date(moment)
    day -= timedelta(days=(day.weekday() - weekday) % 7)
    latest = datetime.combine(day, at, tzinfo=LONDON)
    if latest > moment:
        latest = datetime.combine(day - timedelta(days=7), at, tzinfo=LONDON)
    return latest


def weekly_moment_after(moment: datetime, weekday: int, at: time) -> datetime:
    """The first `weekday` at `at` Europe/London strictly after `moment` (a week on from the latest,
    counted in calendar days so that the local time holds across a clock change)."""
    latest = weekly_moment_at_or_before(moment, weekday, at)
    return datetime.combine(local_date(latest) + timedelta(days=7), at, tzinfo=LONDON)
