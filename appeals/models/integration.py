"""Integrations (the citizens' portal, call-centres): API tokens, idempotent intake, status webhooks.

A token is shown once when it is issued; only its SHA-256 hash is stored. Webhook deliveries are a
transactional outbox: the row is written in the same transaction as the change it reports, and a
Celery task (or the periodic retry) sends it later.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IntegrationScope(models.TextChoices):
    INTAKE = "intake", _("Submit appeals")
    READ = "read", _("Read statuses and answers, receive status webhooks")


class Integration(models.Model):
    """A system that talks to the API with a bearer token, within one agency subtree."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("agency scope"),
        on_delete=models.PROTECT,
        related_name="integrations",
        help_text=_(
            "The integration submits and reads appeals of this agency and of every agency under it "
            "(choose the root of the tree for a national portal)."
        ),
    )
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    token_prefix = models.CharField(
        _("token starts with"), max_length=16, editable=False, help_text=_("To recognise a token in logs.")
    )
    rate_limit = models.CharField(
        _("rate limit"),
        max_length=32,
        blank=True,
        help_text=_("Requests per period, e.g. 600/min; empty: the default of the settings (API_RATE_LIMIT)."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    auto_route_threshold = models.FloatField(
        _("automatic routing from the text"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0.5), MaxValueValidator(1.0)],
        help_text=_(
            "Empty: off. A probability from 0.5 to 1: an appeal submitted without a category or an agency gets "
            "the category the routing model suggests, and goes to the body it routes to, when the model is at "
            "least this sure."
        ),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("integration")
        verbose_name_plural = _("integrations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])


class IdempotencyKey(models.Model):
    """An Idempotency-Key header already used for an intake: a retry with it returns the same appeal."""

    integration = models.ForeignKey(
        Integration, verbose_name=_("integration"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    key = models.CharField(_("key"), max_length=255)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    appeal = models.ForeignKey("appeals.Appeal", verbose_name=_("appeal"), on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "key"],
                condition=Q(integration__isnull=False),
                name="idempotency_integration_key",
            ),
            models.UniqueConstraint(
                fields=["user", "key"], condition=Q(user__isnull=False), name="idempotency_user_key"
            ),
            models.CheckConstraint(
                condition=Q(integration__isnull=False) | Q(user__isnull=False), name="idempotency_has_owner"
            ),
        ]

    def __str__(self) -> str:
        return self.key


class Open311Details(models.Model):
    """What an Open311 client sent beyond the appeal itself: where the problem is, a link to a photo."""

    appeal = models.OneToOneField(
        "appeals.Appeal", verbose_name=_("appeal"), on_delete=models.CASCADE, related_name="open311"
    )
    address = models.CharField(_("address of the problem"), max_length=500, blank=True)
    lat = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    long = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    media_url = models.URLField(_("media URL"), max_length=1000, blank=True)
    device_id = models.CharField(_("device"), max_length=200, blank=True)
    account_id = models.CharField(_("account"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("Open311 details")
        verbose_name_plural = _("Open311 details")

    def __str__(self) -> str:
        return self.address or f"{self.lat}, {self.long}"


class WebhookEndpoint(models.Model):
    """A URL of an integration that receives a signed POST on every status change of its appeals."""

    integration = models.ForeignKey(
        Integration, verbose_name=_("integration"), on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(
        _("signing secret"),
        max_length=80,
        editable=False,
        help_text=_("Shown once when the endpoint is created; the body of every delivery is signed with it."),
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["integration", "created_at", "id"]

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed: no more attempts")


class WebhookDelivery(models.Model):
    """One event to one endpoint: the outbox row, and the log of its attempts."""

    uuid = models.UUIDField(_("delivery id"), default=uuid.uuid4, unique=True, editable=False)
    endpoint = models.ForeignKey(
        WebhookEndpoint, verbose_name=_("endpoint"), on_delete=models.CASCADE, related_name="deliveries"
    )
    appeal = models.ForeignKey(
        "appeals.Appeal",
        verbose_name=_("appeal"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    event = models.ForeignKey(
        "appeals.AppealEvent",
        verbose_name=_("appeal event"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    event_type = models.CharField(_("event type"), max_length=64)
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True, default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One delivery per event and endpoint: a retried service call or hook never sends twice.
            models.UniqueConstraint(
                fields=["endpoint", "event"], condition=Q(event__isnull=False), name="webhook_delivery_once"
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["pending", "sending"]),
                name="webhook_delivery_due",
            ),
            models.Index(fields=["endpoint", "created_at"], name="webhook_delivery_endpoint"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint_id} ({self.get_status_display()})"
