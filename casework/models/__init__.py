from .audit import AuditEvent, RecordAccess
from .clocks import (
    Deadline,
    DeadlineKind,
    DeadlineStatus,
    Escalation,
    EscalationStep,
    InboxItem,
    LocalProtocol,
    NoticeRecipient,
    NoticeRole,
)
from .outbox import OutgoingEmail, OutgoingEmailStatus
from .people import Agency, AgencyKind, LocalAuthority, Role, User

__all__ = [
    "Agency",
    "AgencyKind",
    "AuditEvent",
    "Deadline",
    "DeadlineKind",
    "DeadlineStatus",
    "Escalation",
    "EscalationStep",
    "InboxItem",
    "LocalAuthority",
    "LocalProtocol",
    "NoticeRecipient",
    "NoticeRole",
    "OutgoingEmail",
    "OutgoingEmailStatus",
    "RecordAccess",
    "Role",
    "User",
]
