"""The missing app's screens in the core's service navigation, each for the roles that use it."""

from casework.models import AgencyKind, Role
from casework.navigation import Section, register_section
from casework.permissions import holds_role, is_administrator, works_on_cases

from .interviews.services import INTERVIEWER_AGENCY_KINDS


def works_in_mash(user):
    return holds_role(user, Role.MASH_COORDINATOR)


def _agency_staff_of(user, kinds):
    return holds_role(user, Role.AGENCY_STAFF) and user.agency_kind in kinds


def holds_interviews(user):
    """Staff of the agencies a child may choose to hold their return home interview."""
    return _agency_staff_of(user, INTERVIEWER_AGENCY_KINDS)


def _interviews(user):
    return works_in_mash(user) or holds_interviews(user)


def _timeliness(user):
    return holds_role(user, Role.MASH_COORDINATOR, Role.STRATEGIC_READER)


def _education(user):
    return works_in_mash(user) or _agency_staff_of(user, {AgencyKind.EDUCATION})


def register():
    register_section(Section("triage", "Triage queue", "missing:triage_queue", order=100, shows=works_in_mash))
    register_section(
        Section("upload", "Upload notifications", "missing:notification_upload", order=110, shows=works_in_mash,
                pages=("missing:notification_upload_report",))
    )
    register_section(
        Section("daily_risk", "Daily risk meeting", "daily:meeting", order=120, shows=works_in_mash)
    )
    register_section(
        Section("children", "Children", "missing:child_list", order=200, shows=works_on_cases,
                pages=("missing:episode_create", "missing:episode_edit"))
    )
    register_section(
        Section("duplicates", "Possible duplicates", "missing:possible_duplicates", order=210, shows=works_in_mash,
                pages=("missing:child_merge",))
    )
    register_section(Section("interviews", "My interviews due", "interviews:due", order=300, shows=_interviews))
    register_section(
        Section("timeliness", "Interview timeliness", "interview_reports:timeliness", order=310, shows=_timeliness)
    )
    register_section(Section("education", "Missing education", "education:case_list", order=400, shows=_education))
    register_section(
        Section("record_access", "Record access log", "audit:record_access_log", order=800, shows=is_administrator)
    )
