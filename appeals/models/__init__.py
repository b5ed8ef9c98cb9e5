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
from .rollup import (
    ROLLUP_COUNTERS,
    ROLLUP_MODELS,
    AppealAssigneeDurationRollup,
    AppealAssigneeRollup,
    AppealDailyRollup,
    AppealDurationRollup,
    AppealMonthlyDurationRollup,
    AppealMonthlyRollup,
    RollupDay,
)
from .router import RouterModel
from .saved_view import SavedView

__all__ = [
    "ROLLUP_COUNTERS",
    "ROLLUP_MODELS",
    "Appeal",
    "AppealAssigneeDurationRollup",
    "AppealAssigneeRollup",
    "AppealDailyRollup",
    "AppealDurationRollup",
    "AppealMonthlyDurationRollup",
    "AppealMonthlyRollup",
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
    "RollupDay",
    "RouterModel",
    "SavedView",
    "WebhookDelivery",
    "WebhookEndpoint",
]
