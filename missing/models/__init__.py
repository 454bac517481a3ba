from .children import Child, ChildGroupObjectPermission, ChildUserObjectPermission, Gender, LegalStatus, Vulnerability
from .episodes import Category, LocationType, MissingEpisode, RiskLevel
from .notifications import NotificationKind, NotificationStatus, NotificationUpload, PoliceNotification

__all__ = [
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
    "Vulnerability",
]
