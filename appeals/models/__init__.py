"""Models of the appeals app, one module per concern (NetBox style); import them from here."""

from .appeal import Appeal, AppealEvent, AppealResponse, Attachment, RegistrationCounter
from .calendar import CalendarOverride
from .canned import CannedResponse
from .heartbeat import Heartbeat
from .integration import (
    DeliveryStatus,
    IdempotencyKey,
    Integration,
    IntegrationScope,
    Open311Details,
    WebhookDelivery,
    WebhookEndpoint,
)
from .link import AppealLink
from .notice import Notice
from .saved_view import SavedView

__all__ = [
    "Appeal",
    "AppealEvent",
    "AppealLink",
    "AppealResponse",
    "Attachment",
    "CalendarOverride",
    "CannedResponse",
    "DeliveryStatus",
    "Heartbeat",
    "IdempotencyKey",
    "Integration",
    "IntegrationScope",
    "Notice",
    "Open311Details",
    "RegistrationCounter",
    "SavedView",
    "WebhookDelivery",
    "WebhookEndpoint",
]
