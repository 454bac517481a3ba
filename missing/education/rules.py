"""The §12 timetable as pure functions: day 1 the school contacts the parents, days 2 to 28 the
reasonable enquiries, and no removal from the school roll before the end of four weeks."""

from datetime import timedelta

ENQUIRY_LAST_DAY = 28
ROLL_REMOVAL_AFTER_DAYS = 28


def day_number(first_day, today):
    """Day 1 is the first day the child did not attend."""
    return (today - first_day).days + 1


def earliest_roll_removal(first_day):
    """The first day after the end of four weeks."""
    return first_day + timedelta(days=ROLL_REMOVAL_AFTER_DAYS)


def stage(first_day, today):
    day = day_number(first_day, today)
    if day <= 1:
        return "Day 1: the school contacts the parents or carers"
    if day <= ENQUIRY_LAST_DAY:
        return f"Days 2 to {ENQUIRY_LAST_DAY}: reasonable enquiries"
    return "Beyond four weeks: may be removed from the roll"
