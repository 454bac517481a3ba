from .audit import AuditEvent, RecordAccess
from .clocks import (
    Deadline,
    DeadlineKind,
    DeadlineStatus,
    DeadlineTally,
    Escalation,
    EscalationStep,
    InboxItem,
    LocalProtocol,
    NoticeRecipient,
    NoticeRole,
)
from .ops import BackgroundJob, ClockHeartbeat, Disposal, JobStatus, RetentionPolicy
from .outbox import OutgoingEmail, OutgoingEmailStatus
from .people import Agency, AgencyKind, LocalAuthority, Role, User
from .tallies import RowTally

__all__ = [
    "Agency",
    "AgencyKind",
    "AuditEvent",
    "BackgroundJob",
    "ClockHeartbeat",
    "Deadline",
    "DeadlineKind",
    "DeadlineStatus",
    "DeadlineTally",
    "Disposal",
    "Escalation",
    "EscalationStep",
    "InboxItem",
    "JobStatus",
    "LocalAuthority",
    "LocalProtocol",
    "NoticeRecipient",
    "NoticeRole",
    "OutgoingEmail",
    "OutgoingEmailStatus",
    "RecordAccess",
    "RetentionPolicy",
    "Role",
    "RowTally",
    "User",
]
