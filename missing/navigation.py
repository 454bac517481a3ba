"""The missing app's screens in the core's service navigation, and where its users land."""

from casework.models import AgencyKind, Role
from casework.navigation import Landing, Section, register_landing, register_section
from casework.permissions import is_administrator, is_mash_coordinator

from .interviews.services import INTERVIEWER_AGENCY_KINDS


def _interviews(user):
    return is_mash_coordinator(user) or user.agency_kind in INTERVIEWER_AGENCY_KINDS


def _timeliness(user):
    return is_mash_coordinator(user) or user.has_role(Role.STRATEGIC_READER)


def _education(user):
    return is_mash_coordinator(user) or user.agency_kind == AgencyKind.EDUCATION


def register():
    register_section(Section("triage", "Triage queue", "missing:triage_queue", order=100, shows=is_mash_coordinator))
    register_section(
        Section("upload", "Upload notifications", "missing:notification_upload", order=110, shows=is_mash_coordinator)
    )
    register_section(Section("children", "Children", "missing:child_list", order=200))
    register_section(Section("interviews", "My interviews due", "interviews:due", order=300, shows=_interviews))
    register_section(
        Section("timeliness", "Interview timeliness", "interview_reports:timeliness", order=310, shows=_timeliness)
    )
    register_section(Section("education", "Missing education", "education:case_list", order=400, shows=_education))
    register_section(
        Section("record_access", "Record access log", "audit:record_access_log", order=800, shows=is_administrator)
    )
    register_landing(Landing("missing:triage_queue", priority=10, applies=is_mash_coordinator))
    register_landing(Landing("missing:child_list", priority=90, applies=lambda user: True))
