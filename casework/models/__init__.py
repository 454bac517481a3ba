from .audit import AuditEvent, RecordAccess
from .people import Agency, AgencyKind, LocalAuthority, Role, User

__all__ = ["Agency", "AgencyKind", "AuditEvent", "LocalAuthority", "RecordAccess", "Role", "User"]
