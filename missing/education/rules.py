"""The §12 timetable as pure functions: day 1 the school contacts the parents, then the reasonable
enquiries, and no removal from the school roll before the end of four weeks. The numbers are the
local protocol's (`cme_enquiry_last_day`, `cme_roll_removal_after_days`, both 28 by default)."""

from datetime import timedelta


def day_number(first_day, today):
    """Day 1 is the first day the child did not attend."""
    return (today - first_day).days + 1


def earliest_roll_removal(first_day, protocol):
    """The first day after the end of four weeks."""
    return first_day + timedelta(days=protocol.cme_roll_removal_after_days)


def stage(first_day, today, protocol):
    day = day_number(first_day, today)
    if day <= 1:
        return "Day 1: the school contacts the parents or carers"
    if day <= protocol.cme_enquiry_last_day:
        return f"Days 2 to {protocol.cme_enquiry_last_day}: reasonable enquiries"
    return "Beyond four weeks: may be removed from the roll"
