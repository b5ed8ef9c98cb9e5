"""Models of the appeals app, one module per concern (NetBox style); import them from here."""

from .appeal import Appeal, AppealEvent, AppealResponse, Attachment, RegistrationCounter
from .calendar import CalendarOverride
from .integration import (
    DeliveryStatus,
    IdempotencyKey,
    Integration,
    IntegrationScope,
    Open311Details,
    WebhookDelivery,
    WebhookEndpoint,
)

__all__ = [
    "Appeal",
    "AppealEvent",
    "AppealResponse",
    "Attachment",
    "CalendarOverride",
    "DeliveryStatus",
    "IdempotencyKey",
    "Integration",
    "IntegrationScope",
    "Open311Details",
    "RegistrationCounter",
    "WebhookDelivery",
    "WebhookEndpoint",
]
