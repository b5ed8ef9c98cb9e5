"""The API's smaller shapes: an appeal's timeline and responses, the directory (agencies, categories), the staff's
lifecycle actions, webhook endpoints and deliveries, and who is calling. The appeal itself, the intake and the
routing suggestions are in serializers.py."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agencies.choices import AgencyKind, Region
from agencies.models import User

from ..calendar import policy
from ..models import DeliveryStatus, IntegrationScope
from ..models.choices import (
    AppealStatus,
    EventKind,
    Language,
    LeaveReason,
    Outcome,
    ResponseKind,
    ResponseStatus,
    TerminateReason,
)
from .intake_serializers import agency_field
from .serializers import ANSWER_OUTCOME_CHOICES, AgencyRefSerializer, StrictSerializer, UserRefSerializer


# --- Timeline and responses --------------------------------------------------------------------------
class AppealEventSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=EventKind.choices, read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    from_status = serializers.ChoiceField(choices=AppealStatus.choices, allow_blank=True, read_only=True)
    to_status = serializers.ChoiceField(choices=AppealStatus.choices, allow_blank=True, read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    actor = serializers.SerializerMethodField(help_text=_("Who did it (staff only; null for the system)."))
    payload = serializers.SerializerMethodField(help_text=_("Details of the action (staff only)."))

    @extend_schema_field(UserRefSerializer(allow_null=True))
    def get_actor(self, event):
        if self.context.get("public") or event.actor_id is None:
            return None
        return UserRefSerializer(event.actor).data

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_payload(self, event) -> dict:
        return {} if self.context.get("public") else event.payload


class AppealResponseSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    appeal = serializers.IntegerField(source="appeal_id", read_only=True)
    appeal_number = serializers.CharField(source="appeal.number", read_only=True)
    kind = serializers.ChoiceField(choices=ResponseKind.choices, read_only=True)
    status = serializers.ChoiceField(choices=ResponseStatus.choices, read_only=True)
    language = serializers.ChoiceField(choices=Language.choices, read_only=True)
    outcome = serializers.ChoiceField(choices=Outcome.choices, allow_blank=True, read_only=True)
    text = serializers.CharField(read_only=True)
    author = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(read_only=True)
    submitted_at = serializers.DateTimeField(read_only=True, allow_null=True)
    approved_at = serializers.DateTimeField(read_only=True, allow_null=True)
    sent_at = serializers.DateTimeField(read_only=True, allow_null=True)

    @extend_schema_field(UserRefSerializer(allow_null=True))
    def get_author(self, response):
        if self.context.get("public") or response.author_id is None:
            return None
        return UserRefSerializer(response.author).data


# --- Directory -----------------------------------------------------------------------------------------
class AgencySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    name_kk = serializers.CharField(read_only=True)
    name_ru = serializers.CharField(read_only=True)
    kind = serializers.ChoiceField(choices=AgencyKind.choices, read_only=True)
    region = serializers.ChoiceField(choices=Region.choices, allow_blank=True, read_only=True)
    parent = serializers.IntegerField(source="parent_id", read_only=True, allow_null=True)
    depth = serializers.IntegerField(read_only=True)


class CategorySerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    name_kk = serializers.CharField(read_only=True)
    name_ru = serializers.CharField(read_only=True)
    group = serializers.CharField(source="parent.code", read_only=True, allow_null=True, default=None)


# --- Lifecycle actions (staff) ----------------------------------------------------------------------------
class EmptySerializer(StrictSerializer):
    pass


class AssignSerializer(StrictSerializer):
    executor = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        error_messages={"does_not_exist": _("There is no active user with id {pk_value}.")},
    )


class RedirectSerializer(StrictSerializer):
    to_agency = agency_field(help_text=_("The competent agency's code."))
    reason = serializers.CharField(max_length=2000)
    part_text = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=int(policy.policy("TEXT_MAX_LENGTH")),
        help_text=_("For a partial redirect: the part of the appeal that goes; the rest stays here."),
    )


class ExtensionSerializer(StrictSerializer):
    until = serializers.DateField(help_text=_("The new due date (a working day)."))
    reason = serializers.CharField(max_length=2000)


class NoteSerializer(StrictSerializer):
    text = serializers.CharField(max_length=5000)


class RespondSerializer(StrictSerializer):
    text = serializers.CharField(max_length=int(policy.policy("TEXT_MAX_LENGTH")))
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    outcome = serializers.ChoiceField(
        choices=ANSWER_OUTCOME_CHOICES,
        required=False,
        allow_blank=True,
    )


class ReturnSerializer(StrictSerializer):
    comment = serializers.CharField(max_length=2000)


class ApproveSerializer(StrictSerializer):
    outcome = serializers.ChoiceField(
        choices=ANSWER_OUTCOME_CHOICES,
        required=False,
        allow_blank=True,
    )


class LeaveSerializer(StrictSerializer):
    reason = serializers.ChoiceField(choices=LeaveReason.choices)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class TerminateSerializer(StrictSerializer):
    reason = serializers.ChoiceField(choices=TerminateReason.choices)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class ReopenSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=2000)


class AttachmentUploadSerializer(StrictSerializer):
    file = serializers.FileField(help_text=_("PDF, PNG, JPEG, DOC, DOCX or plain text, at most 10 MB."))


# --- Webhooks ------------------------------------------------------------------------------------------------
class WebhookEndpointSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    url = serializers.URLField(read_only=True)
    description = serializers.CharField(read_only=True)
    is_active = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class WebhookEndpointCreateSerializer(StrictSerializer):
    url = serializers.URLField(max_length=500, help_text=_("Where to POST the events (https://)."))
    description = serializers.CharField(required=False, allow_blank=True, max_length=200)


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        read_only=True, help_text=_("The signing secret. Shown only now: store it to verify the signatures.")
    )


class WebhookDeliverySerializer(serializers.Serializer):
    id = serializers.UUIDField(source="uuid", read_only=True, help_text=_("Also sent as X-Otinish-Delivery."))
    event_type = serializers.CharField(read_only=True)
    appeal = serializers.IntegerField(source="appeal_id", read_only=True, allow_null=True)
    status = serializers.ChoiceField(choices=DeliveryStatus.choices, read_only=True)
    attempts = serializers.IntegerField(read_only=True)
    last_status_code = serializers.IntegerField(read_only=True, allow_null=True)
    last_error = serializers.CharField(read_only=True)
    next_attempt_at = serializers.DateTimeField(read_only=True, allow_null=True)
    delivered_at = serializers.DateTimeField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    payload = serializers.JSONField(read_only=True)


class WhoAmISerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[("integration", "integration"), ("staff", "staff")], read_only=True)
    name = serializers.CharField(read_only=True)
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=IntegrationScope.choices), read_only=True)
    agency = AgencyRefSerializer(read_only=True, allow_null=True)
