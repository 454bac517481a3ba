from .children import Child, ChildGroupObjectPermission, ChildUserObjectPermission, Gender, LegalStatus, Vulnerability
from .duplicates import DuplicateDismissal
from .daily import DailyRiskDiscussion, DailyRiskMeeting, DailyRiskOutcome
from .education import EducationCase, EducationCaseKind, EducationEnquiry, EducationExit, Enquiry
from .exports import SubjectAccessExport
from .episodes import Category, EpisodeMonthFigure, LocationType, MissingEpisode, RiskLevel
from .interviews import (
    INTERVIEW_TRANSITIONS,
    OWED_STATES,
    DeclinedBy,
    ExploitationIndicator,
    HarmIndicator,
    InterviewerRole,
    InterviewState,
    PullFactor,
    PushFactor,
    ReturnInterview,
    SafeAndWellCheck,
)
from .profiles import MissingPersonProfile
from .placements import (
    AuthorityContact,
    Ethnicity,
    MissingChildUpdate,
    Placement,
    PlacementProvider,
    PlacementType,
    ProviderKind,
)
from .notifications import NotificationKind, NotificationStatus, NotificationUpload, PoliceNotification, UploadStatus

__all__ = [
    "AuthorityContact",
    "DuplicateDismissal",
    "EpisodeMonthFigure",
    "DailyRiskDiscussion",
    "DailyRiskMeeting",
    "DailyRiskOutcome",
    "MissingPersonProfile",
    "Ethnicity",
    "MissingChildUpdate",
    "Placement",
    "PlacementProvider",
    "PlacementType",
    "ProviderKind",
    "EducationCase",
    "EducationCaseKind",
    "EducationEnquiry",
    "EducationExit",
    "Enquiry",
    "INTERVIEW_TRANSITIONS",
    "OWED_STATES",
    "DeclinedBy",
    "ExploitationIndicator",
    "HarmIndicator",
    "InterviewerRole",
    "InterviewState",
    "PullFactor",
    "PushFactor",
    "ReturnInterview",
    "SafeAndWellCheck",
    "Category",
    "Child",
    "ChildGroupObjectPermission",
    "ChildUserObjectPermission",
    "Gender",
    "LegalStatus",
    "LocationType",
    "MissingEpisode",
    "NotificationKind",
    "NotificationStatus",
    "NotificationUpload",
    "PoliceNotification",
    "RiskLevel",
    "SubjectAccessExport",
    "UploadStatus",
    "Vulnerability",
]
