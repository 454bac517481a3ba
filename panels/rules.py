"""RULES.md §5 as pure functions: a meeting's dates (P2-P5, P12-P14), which meeting a referral goes
to, quorum (P8) and who may leave the list (F3). No database access."""

from dataclasses import dataclass, replace

from casework.calendar import add_days, add_hours, add_working_days, end_of_day, local_date, working_days_deadline
from casework.clocks.registry import DUTY, NOTICE, ClockRule, SubjectClocks, WantedDeadline

PANEL_NUMBERS = (
    "p2_referral_working_days",
    "p3_listing_days",
    "p4_updates_working_days",
    "p5_papers_days",
    "p12_minutes_working_days",
    "p13_action_plan_hours",
    "p14_feedback_working_days",
)


def panel_protocol(panel, protocol):
    """The authority's Protocol with the panel's own numbers where it has them."""
    own = {name: getattr(panel, name) for name in PANEL_NUMBERS if getattr(panel, name) is not None}
    return replace(protocol, **own) if own else protocol


@dataclass(frozen=True)
class MeetingDates:
    referral_deadline: object  # P2: end of the working day N working days before the meeting
    list_published_by: object  # P3
    updates_due: object  # P4
    papers_due: object  # P5


def meeting_dates(starts_at, protocol):
    meeting_day = local_date(starts_at)
    return MeetingDates(
        referral_deadline=end_of_day(add_working_days(meeting_day, -protocol.p2_referral_working_days)),
        list_published_by=add_days(starts_at, -protocol.p3_listing_days),
        updates_due=end_of_day(add_working_days(meeting_day, -protocol.p4_updates_working_days)),
        papers_due=add_days(starts_at, -protocol.p5_papers_days),
    )


def meeting_for_referral(meetings, *, now, protocol):
    """P2: the earliest upcoming meeting whose referral deadline has not passed, and whether the
    referral is late (it missed the nearest upcoming meeting's deadline). `meetings` are the panel's
    meetings not yet started, soonest first. Answers (meeting or None, late)."""
    upcoming = [m for m in meetings if m.starts_at > now]
    for position, meeting in enumerate(upcoming):
        if meeting_dates(meeting.starts_at, protocol).referral_deadline >= now:
            return meeting, position > 0
    return None, bool(upcoming)


def quorate(present_kinds, required_kinds):
    """P8: every required agency kind has someone present."""
    return set(required_kinds) <= set(present_kinds)


def may_leave_list(*, open_actions, episodes_since_listed):
    """F3: every action complete and no episode since."""
    return open_actions == 0 and episodes_since_listed == 0


_CSC = "childrens_social_care"

RULES = {
    rule.id: rule
    for rule in (
        ClockRule("P2", NOTICE, (), tell_owner=False, source="001"),
        ClockRule("P3", DUTY, (), source="003"),
        ClockRule("P4", NOTICE, (), tell_owner=False, source="001"),
        ClockRule("P5", DUTY, (), source="000"),
        ClockRule("P12", DUTY, (), source="001, 003"),
        ClockRule("P13", DUTY, (), completed_by=frozenset({_CSC}), source="003"),
        ClockRule("P14", DUTY, (), completed_by=frozenset({_CSC}), source="004"),
    )
}


def _plural(count, unit):
    return f"{count} {unit}{'' if count == 1 else 's'}"


def meeting_deadlines(meeting, *, child_ids, protocol, authority_id, now):
    """Every P-deadline a meeting wants now: before it (P2-P5) and, once ended, after it (P12 for
    the minutes; P13 and P14 for each child discussed)."""
    p = protocol
    dates = meeting_dates(meeting.starts_at, p)
    created = meeting.created_at or now
    wanted = []
    if meeting.ended_at is None:
        wanted += [
            WantedDeadline("P2", "", NOTICE, "Referrals close for this meeting", created, dates.referral_deadline,
                           f"{_plural(p.p2_referral_working_days, 'working day')} before the meeting", "001"),
            WantedDeadline("P3", "", DUTY, "Part 2 list published", created, dates.list_published_by,
                           f"{_plural(p.p3_listing_days, 'day')} before the meeting", "003"),
            WantedDeadline("P4", "", NOTICE, "Agency updates due on each listed child", created, dates.updates_due,
                           f"{_plural(p.p4_updates_working_days, 'working day')} before the meeting", "001"),
            WantedDeadline("P5", "", DUTY, "Papers sent to members", created, dates.papers_due,
                           f"{_plural(p.p5_papers_days, 'day')} before the meeting", "000"),
        ]
    else:
        ended = meeting.ended_at
        wanted.append(
            WantedDeadline("P12", "", DUTY, "Minutes and action summary circulated", ended,
                           working_days_deadline(ended, p.p12_minutes_working_days),
                           f"{_plural(p.p12_minutes_working_days, 'working day')} after the meeting", "001, 003")
        )
        for child_id in child_ids:
            wanted.append(
                WantedDeadline("P13", str(child_id), DUTY, "Written action plan sent to the lead professional",
                               ended, add_hours(ended, p.p13_action_plan_hours),
                               f"{_plural(p.p13_action_plan_hours, 'hour')} after the meeting", "003")
            )
            wanted.append(
                WantedDeadline("P14", str(child_id), DUTY, "Feedback to the professionals working with the child",
                               ended, working_days_deadline(ended, p.p14_feedback_working_days),
                               f"{_plural(p.p14_feedback_working_days, 'working day')} after the meeting", "004")
            )
    return SubjectClocks(authority_id=authority_id, child_id=None, deadlines=wanted, recheck_at=None)
