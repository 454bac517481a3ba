"""RULES.md §2 as one pure function: the deadlines an episode should have, given the facts now.

No database access: callers pass the child, the episode, every episode of the child, the
protocol's numbers, the time, and when the strategy meeting (T2) was held. The services compare
the answer with the stored rows and create, move or cancel rows to match.

A notice's condition is "still missing" when it falls due: one whose child came back before its
due time is not wanted (its row is cancelled). A duty that applies once a time has passed (T4,
T2 through S3 or S6, the next T13 review) is wanted from that moment: the answer names the next
such moment (`recheck_at`), the services store it, and the sweep re-evaluates the episode then.
"""

import copy
from datetime import timedelta

from casework.calendar import add_days, add_hours, working_days_deadline
from casework.clocks.registry import DUTY, NOTICE, ClockRule, SubjectClocks, WantedDeadline

from ..models import LegalStatus
from ..rules import strategy_thresholds

_CSC, _POLICE, _EARLY_HELP = "childrens_social_care", "police", "early_help"

# RULES.md §2, one row per rule: who is told when a notice fires or a duty falls overdue (roles of
# NoticeRecipient; the child's allocated worker too when a duty is overdue), and who records a duty
# done by hand besides MASH coordinators and administrators: the agencies that do the work (002 §9,
# §10) and the allocated worker. T1 is completed by the return interview itself when it is recorded.
RULES = {
    rule.id: rule
    for rule in (
        ClockRule("T1", DUTY, ("senior_manager",), owner_may_complete=False, source="002 §9"),
        ClockRule("T2", DUTY, ("head_of_service",), completed_by=frozenset({_CSC, _POLICE}), source="002 §10, 001"),
        ClockRule("T3", DUTY, ("senior_manager",), completed_by=frozenset({_CSC, _EARLY_HELP}), source="002 §10"),
        ClockRule("T4", DUTY, ("head_of_service",), completed_by=frozenset({_CSC}), source="002 §10"),
        ClockRule("T5", DUTY, ("senior_manager",), completed_by=frozenset({_CSC, _POLICE}), source="002 §9"),
        ClockRule("T6", NOTICE, ("head_of_service",), source="002 §10"),
        ClockRule("T7", NOTICE, ("lead_member", "corporate_parenting_board"), source="002 §10"),
        ClockRule("T8", NOTICE, ("head_of_service",), source="002 §10"),
        ClockRule("T9", NOTICE, ("early_help_group_manager",), source="002 §10"),
        ClockRule("T10", DUTY, ("police_dci", "senior_manager"), completed_by=frozenset({_POLICE, _CSC}),
                  source="002 §10"),
        # The IRO clicks to acknowledge (002 §9: the "Acknowledge" link).
        ClockRule("T11", NOTICE, ("iro",), acknowledged=True, source="002 §9"),
        ClockRule("T12", DUTY, ("senior_manager",), completed_by=frozenset({_CSC}), source="002 §10"),
        ClockRule("T13", DUTY, ("senior_manager",), completed_by=frozenset({_CSC}), source="002 §10, §11"),
    )
}

# T2 counts from the moment its first threshold held: the report for S1, S2, S4 and S5.
REPORT_THRESHOLDS = {"S1", "S2", "S4", "S5"}


def _plural(count, unit):
    return f"{count} {unit}{'' if count == 1 else 's'}"


def _still_missing_at(episode, moment):
    """True unless the child was back before `moment` (a child back at hour 20 misses hour 24)."""
    return episode.returned_at is None or episode.returned_at >= moment


def _threshold_flips(episode, protocol):
    """When the thresholds that hold after a time first hold (S3 and S6 compare the elapsed time,
    missing.rules.strategy_thresholds), and the calendar moment T2 then counts from for S3."""
    start = episode.started_at
    return [
        start + timedelta(days=protocol.s3_not_traced_days),
        add_days(start, protocol.s3_not_traced_days),
        start + timedelta(hours=protocol.s6_missing_hours),
    ]


def _thresholds_so_far(*, child, episode, episodes, protocol, now):
    """S1-S6 as they stand at the return (or now, while missing), with the moment each first held;
    and the moments after `now` at which one may start to hold."""
    as_of = min(now, episode.returned_at) if episode.returned_at else now
    while_missing = copy.copy(episode)
    while_missing.returned_at = None
    reasons = strategy_thresholds(child=child, episode=while_missing, episodes=episodes, now=as_of, protocol=protocol)
    moments = {
        "S3": add_days(episode.started_at, protocol.s3_not_traced_days),
        "S6": add_hours(episode.started_at, protocol.s6_missing_hours),
    }
    held = [(rule, text, episode.reported_at if rule in REPORT_THRESHOLDS else moments[rule]) for rule, text in reasons]
    ahead = [m for m in _threshold_flips(episode, protocol)
             if m > now and (episode.returned_at is None or m <= episode.returned_at)]
    return held, ahead


def _t2(*, child, episode, episodes, protocol, now, ahead):
    held, later = _thresholds_so_far(child=child, episode=episode, episodes=episodes, protocol=protocol, now=now)
    ahead.extend(later)
    if not held:
        return []
    first_rule, _, first_moment = min(held, key=lambda item: (item[2], item[0]))
    hours = protocol.t2_strategy_meeting_hours
    warn = protocol.t2_strategy_meeting_warn_hours
    return [
        WantedDeadline(
            rule="T2",
            key="",
            kind=DUTY,
            title="Missing strategy meeting held",
            counts_from=first_moment,
            due_at=add_hours(first_moment, hours),
            warn_at=add_hours(first_moment, warn),
            basis=f"{_plural(hours, 'hour')} from when {first_rule} first held ({warn} preferred)",
            source="002 §10, 001",
            params={"hours": hours, "warn_hours": warn, "thresholds": [rule for rule, _, _ in held]},
            reason="; ".join(f"{rule}: {text}" for rule, text, _ in held),
        )
    ]


def _t13(*, episode, episodes, protocol, now, strategy_meeting_at, reviews_done, ahead):
    """Monthly plan reviews after the strategy meeting, while the child keeps going missing."""
    if strategy_meeting_at is None:
        return []
    continuing = episode.returned_at is None or episode.returned_at > strategy_meeting_at
    repeated = any(e.pk != episode.pk and e.started_at > strategy_meeting_at for e in episodes)
    if not (continuing or repeated):
        return []
    period = protocol.t13_plan_review_days
    elapsed = (now - strategy_meeting_at).days // period + 1 if now >= strategy_meeting_at else 0
    ahead.append(strategy_meeting_at + timedelta(days=elapsed * period))
    wanted = []
    for number in range(1, max(reviews_done + 1, elapsed) + 1):
        wanted.append(
            WantedDeadline(
                rule="T13",
                key=str(number),
                kind=DUTY,
                title=f"Plan reviewed (review {number})",
                counts_from=strategy_meeting_at,
                due_at=add_days(strategy_meeting_at, number * period),
                basis=f"every {_plural(period, 'day')} after the strategy meeting",
                source="002 §10, §11",
                params={"days": period, "review": number},
            )
        )
    return wanted


def deadlines_wanted(*, child, episode, episodes, protocol, now, strategy_meeting_at=None, reviews_done=0):
    """Every deadline RULES.md §2 gives this episode, as the facts stand at `now`, and when time
    alone may next change that answer (SubjectClocks, without authority and child: the kind adds them).

    `episodes` is every episode of the child (S1, T13); `strategy_meeting_at` is when its T2
    meeting was recorded held, and `reviews_done` how many T13 reviews are done since.
    """
    p = protocol
    start, reported = episode.started_at, episode.reported_at
    status = child.legal_status
    looked_after = status == LegalStatus.LOOKED_AFTER
    cared_for = looked_after or status == LegalStatus.CHILD_PROTECTION_PLAN
    wanted = []
    ahead = []

    def add(rule, kind, title, counts_from, due_at, basis, source, key="", **params):
        wanted.append(WantedDeadline(rule, key, kind, title, counts_from, due_at, basis, source, params))

    def notice_while_missing(rule, title, due_at, basis, key="", **params):
        if _still_missing_at(episode, due_at):
            add(rule, NOTICE, title, start, due_at, basis, "002 §10", key=key, **params)

    if episode.returned_at is not None:
        hours = p.t1_return_interview_hours
        add("T1", DUTY, "Return home interview offered and held", episode.returned_at,
            add_hours(episode.returned_at, hours), f"{_plural(hours, 'hour')} from the return", "002 §9", hours=hours)
    wanted += _t2(child=child, episode=episode, episodes=episodes, protocol=p, now=now, ahead=ahead)
    if episode.additional_needs and not episode.significant_harm:
        days = p.t3_multi_agency_meeting_working_days
        add("T3", DUTY, "Multi-agency meeting held", reported, working_days_deadline(reported, days),
            f"{_plural(days, 'working day')} from the report", "002 §10", working_days=days)
    if status == LegalStatus.CHILD_PROTECTION_PLAN:
        after = add_hours(start, p.t4_cp_missing_after_hours)
        if episode.returned_at is None and now < after:
            ahead.append(after)
        if (episode.returned_at or now) >= after:
            days = p.t4_review_conference_working_days
            add("T4", DUTY, "Review child protection conference held", after, working_days_deadline(after, days),
                f"{_plural(days, 'working day')} from {p.t4_cp_missing_after_hours} hours missing", "002 §10",
                working_days=days, missing_hours=p.t4_cp_missing_after_hours)
    if looked_after:
        days = p.t5_missing_from_care_meeting_days
        add("T5", DUTY, "Missing from care meeting or call held", reported, add_days(reported, days),
            f"{_plural(days, 'day')} from the report", "002 §9", days=days)
    if cared_for:
        first, update = p.t6_head_of_service_hours, p.t6_head_of_service_update_hours
        notice_while_missing("T6", "Head of Service told", add_hours(start, first),
                             f"{_plural(first, 'hour')} from the start", key="24h", hours=first)
        notice_while_missing("T6", "Head of Service updated", add_hours(start, update),
                             f"{_plural(update, 'hour')} from the start", key="72h", hours=update)
        if _still_missing_at(episode, add_hours(start, first)):
            days = p.t7_lead_member_days
            add("T7", NOTICE, "Lead Member and Corporate Parenting Board told", start, add_days(start, days),
                f"{_plural(days, 'day')} from the start (still missing at {first} hours)", "002 §10",
                days=days, missing_hours=first)
    if status == LegalStatus.CHILD_IN_NEED:
        days = p.t8_cin_head_of_service_days
        notice_while_missing("T8", "Head of Service told (child in need)", add_days(start, days),
                             f"{_plural(days, 'day')} from the start", days=days)
    if status == LegalStatus.EARLY_HELP:
        days = p.t9_early_help_days
        notice_while_missing("T9", "Early Help group managers told", add_days(start, days),
                             f"{_plural(days, 'day')} from the start", days=days)
    days = p.t10_dci_meeting_days
    if _still_missing_at(episode, add_days(start, days)):
        add("T10", DUTY, "Police DCI and senior managers meet", start, add_days(start, days),
            f"{_plural(days, 'day')} from the start", "002 §10", days=days)
    if looked_after:
        add("T11", NOTICE, "Independent Reviewing Officer told", reported, reported, "at once on the report",
            "002 §9")
    days = p.t12_assessment_days
    if _still_missing_at(episode, add_days(start, days)):
        add("T12", DUTY, "Case passed for assessment", start, add_days(start, days),
            f"{_plural(days, 'day')} from the start", "002 §10", days=days)
    wanted += _t13(episode=episode, episodes=episodes, protocol=p, now=now,
                   strategy_meeting_at=strategy_meeting_at, reviews_done=reviews_done, ahead=ahead)
    return SubjectClocks(authority_id=child.authority_id, child_id=child.pk, deadlines=wanted,
                         recheck_at=min(ahead, default=None))
