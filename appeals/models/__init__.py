"""Models of the appeals app, one module per concern (NetBox style); import them from here."""

from .appeal import Appeal, AppealEvent, AppealResponse, Attachment, RegistrationCounter
from .calendar import CalendarOverride
from .notice import Notice

__all__ = [
    "Appeal",
    "AppealEvent",
    "AppealResponse",
    "Attachment",
    "CalendarOverride",
    "Notice",
    "RegistrationCounter",
]
