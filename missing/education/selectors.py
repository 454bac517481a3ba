"""Reads: the education officer's open cases with their day counts, and one case's checklist."""

from django.db.models import Prefetch
from django.utils import timezone

from casework.calendar import local_date
from casework.protocol_store import protocol_for, protocol_lookup
from casework.selectors import prefetched

from ..models import Enquiry, MissingEpisode
from . import rules
from .permissions import cases_visible_to


def cases_for_detail(user):
    return cases_visible_to(user).select_related("child", "agency", "officer").prefetch_related("episodes", "enquiries")


def _episode_ids():
    """The case's episodes' ids, as the list `episode_rows` (a list attribute, not a manager per
    case: Django filters a queryset for each row to make those)."""
    return Prefetch("episodes", queryset=MissingEpisode.objects.only("id"), to_attr="episode_rows")


def _enquiries():
    return Prefetch("enquiries", to_attr="enquiry_rows")


def case_episodes(case):
    return prefetched(case, "episode_rows", "episodes")


def cases_for_api(user):
    """What the API shows of a case: its own row, the child's authority (for the timetable), its
    enquiries and its episodes' ids; not the agency and officer the page names (issue 13)."""
    return cases_visible_to(user).select_related("child").prefetch_related(_episode_ids(), _enquiries())


def case_get_visible(user, case_id):
    return cases_for_detail(user).filter(pk=case_id).first()


def cases_list(user, *, open_only=True, child=None, enquiries=False):
    """`enquiries`: with each case's enquiries (the API's list shows them)."""
    cases = cases_visible_to(user).select_related("child").prefetch_related(_episode_ids())
    if enquiries:
        cases = cases.prefetch_related(_enquiries())
    if open_only:
        cases = cases.filter(closed_at__isnull=True)
    if child is not None:
        cases = cases.filter(child_id=child)
    return cases.order_by("first_day", "created_at")


def case_progress(case, *, today=None, protocol=None):
    """Where the case is in the §12 timetable today, by the numbers of the child's authority."""
    today = today or local_date(timezone.now())
    protocol = protocol or protocol_for(case.child.authority_id)
    earliest = rules.earliest_roll_removal(case.first_day, protocol)
    return {
        "day": rules.day_number(case.first_day, today),
        "stage": rules.stage(case.first_day, today, protocol),
        "may_remove_from_roll_from": earliest,
        "may_remove_from_roll": today >= earliest,
    }


def case_checklist(case):
    """Every reasonable enquiry §12 lists, with the record of it where it was made."""
    done = {enquiry.item: enquiry for enquiry in prefetched(case, "enquiry_rows", "enquiries")}
    return [{"item": value, "label": label, "enquiry": done.get(value)} for value, label in Enquiry.choices]


def open_cases_with_progress(user, *, today=None):
    today = today or local_date(timezone.now())
    protocols = protocol_lookup()
    return [
        {"case": case, **case_progress(case, today=today, protocol=protocols(case.child.authority_id))}
        for case in cases_list(user)
    ]
