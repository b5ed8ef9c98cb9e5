"""Models of the appeals app, one module per concern (NetBox style); import them from here."""

from .appeal import Appeal, AppealEvent, AppealResponse, Attachment, RegistrationCounter
from .calendar import CalendarOverride

__all__ = [
    "Appeal",
    "AppealEvent",
    "AppealResponse",
    "Attachment",
    "CalendarOverride",
    "RegistrationCounter",
]
