"""Serializers of the intake (POST /api/v1/appeals/, its batch, /suggest/): what an integration sends, checked for
shape, and the receipts it gets back. The services register; these only read the input and draw the answer.

Input serializers reject unknown fields (a typo in a field name is an error, not silently lost).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agencies.choices import Region
from agencies.models import Agency, Category

from ..calendar import policy
from ..lifecycle import AppealError, validate_upload
from ..models.choices import AppealKind, ApplicantType, Channel, Language
from ..models.validators import validate_bin, validate_iin
from .serializers import PHONE_RE, AppealCreatedSerializer, StrictSerializer


# --- Appeals: intake --------------------------------------------------------------------------------
class ApplicantInSerializer(StrictSerializer):
    type = serializers.ChoiceField(
        choices=[
            (ApplicantType.INDIVIDUAL, ApplicantType.INDIVIDUAL.label),
            (ApplicantType.LEGAL, ApplicantType.LEGAL.label),
        ],
        error_messages={"invalid_choice": _("The applicant is “individual” or “legal”.")},
    )
    full_name = serializers.CharField(
        max_length=255, help_text=_("The individual's full name, or the organisation's name.")
    )
    iin = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=12,
        validators=[validate_iin],
        help_text=_("An individual's IIN (12 digits, a valid check digit)."),
    )
    bin = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=12,
        validators=[validate_bin],
        help_text=_("A legal entity's BIN (12 digits, a valid check digit)."),
    )
    email = serializers.EmailField(required=False, allow_blank=True, max_length=254)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=32)
    address = serializers.CharField(
        required=False, allow_blank=True, max_length=500, help_text=_("The postal address.")
    )

    def validate_phone(self, value: str) -> str:
        if value and not PHONE_RE.match(value):
            raise serializers.ValidationError(_("Write the phone number with digits, e.g. +7 701 123 45 67."))
        return value

    def validate(self, attrs):
        errors: dict[str, list[str]] = {}
        iin, bin_ = attrs.get("iin", "").strip(), attrs.get("bin", "").strip()
        if attrs["type"] == ApplicantType.INDIVIDUAL:
            if bin_:
                errors["bin"] = [_("An individual has an IIN, not a BIN.")]
            if not iin:
                errors["iin"] = [_("Give the individual's IIN.")]
        else:
            if iin:
                errors["iin"] = [_("A legal entity has a BIN, not an IIN.")]
            if not bin_:
                errors["bin"] = [_("Give the organisation's BIN.")]
        if errors:
            raise serializers.ValidationError(errors)
        attrs["iin"], attrs["bin"] = iin, bin_
        return attrs


class AttachmentInSerializer(StrictSerializer):
    name = serializers.CharField(max_length=255, help_text=_("The file name, with its extension (.pdf, .jpg …)."))
    content = serializers.CharField(help_text=_("The file's bytes, base64-encoded."))

    def validate(self, attrs):
        max_bytes = int(policy.policy("ATTACHMENT_MAX_BYTES"))
        encoded = "".join(attrs["content"].split())
        if len(encoded) > (max_bytes // 3 + 1) * 4:
            raise serializers.ValidationError(
                {"content": [_("A file may be at most %(mb)s MB.") % {"mb": max_bytes // (1024 * 1024)}]}
            )
        try:
            raw = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise serializers.ValidationError({"content": [_("The content is not valid base64.")]}) from None
        upload = SimpleUploadedFile(attrs["name"], raw)
        try:
            content_type = validate_upload(upload)
        except AppealError as exc:
            raise serializers.ValidationError({"content": exc.messages}) from None
        attrs["upload"] = upload
        attrs["content_type"] = content_type
        return attrs


def _region_field(**kwargs):
    return serializers.ChoiceField(
        choices=Region.choices,
        error_messages={"invalid_choice": _("“{input}” is not a region code (see RegionEnum in the API docs).")},
        **kwargs,
    )


class CodeField(serializers.SlugRelatedField):
    """An object by its code. A batch reads the codes of all its items at once (`prefetch_codes`) and
    puts the map in the serializer's context under `lookup`; a single request looks the code up here."""

    def __init__(self, *, lookup: str, **kwargs):
        self.lookup = lookup
        super().__init__(slug_field="code", **kwargs)

    def to_internal_value(self, data):
        known = self.context.get(self.lookup)
        if known is None:
            return super().to_internal_value(data)
        if not isinstance(data, str):
            self.fail("invalid")
        if data not in known:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data)
        return known[data]


def prefetch_codes(serializer: serializers.Serializer, items) -> dict[str, dict]:
    """For each CodeField of `serializer`, the objects named in `items` (raw dicts), in one query a field."""
    context: dict[str, dict] = {}
    for name, field in serializer.fields.items():
        if isinstance(field, CodeField):
            codes = {item.get(name) for item in items if isinstance(item, Mapping) and isinstance(item.get(name), str)}
            context[field.lookup] = {obj.code: obj for obj in field.get_queryset().filter(code__in=codes)}
    return context


def _category_field(**kwargs):
    return CodeField(
        lookup="categories",
        queryset=Category.objects.filter(is_active=True),
        error_messages={
            "does_not_exist": _("There is no category with the code “{value}” (see /api/v1/categories/)."),
            "invalid": _("Give the category's code."),
        },
        **kwargs,
    )


def agency_field(**kwargs):
    return CodeField(
        lookup="agencies",
        queryset=Agency.objects.filter(is_active=True),
        error_messages={
            "does_not_exist": _("There is no agency with the code “{value}” (see /api/v1/agencies/)."),
            "invalid": _("Give the agency's code."),
        },
        **kwargs,
    )


class AppealIntakeSerializer(StrictSerializer):
    external_id = serializers.CharField(
        max_length=128,
        help_text=_(
            "Your system's id of the appeal. Sending the same external_id again returns the first appeal (200)."
        ),
    )
    kind = serializers.ChoiceField(choices=AppealKind.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    language = serializers.ChoiceField(
        choices=Language.choices,
        error_messages={"invalid_choice": _("An appeal is in Kazakh (kk) or Russian (ru).")},
    )
    applicant = ApplicantInSerializer()
    region = _region_field()
    category = _category_field(
        required=False,
        help_text=_(
            "The category's code (GET /api/v1/categories/). May be left out only by an integration that opted "
            "in to automatic routing from the text."
        ),
    )
    subject = serializers.CharField(max_length=int(policy.policy("SUBJECT_MAX_LENGTH")))
    text = serializers.CharField(max_length=int(policy.policy("TEXT_MAX_LENGTH")))
    agency = agency_field(
        required=False,
        allow_null=True,
        help_text=_("The agency's code; without it the appeal is routed by its category and region."),
    )
    received_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text=_("When the citizen sent it (ISO 8601 with a time zone).")
    )
    attachments = AttachmentInSerializer(
        many=True, required=False, max_length=int(policy.policy("ATTACHMENT_MAX_COUNT"))
    )

    def validate_external_id(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError(_("Give your system's id of the appeal."))
        return value

    def validate_received_at(self, value):
        if value is not None and value > timezone.now() + timedelta(minutes=5):
            raise serializers.ValidationError(_("The appeal cannot be received in the future."))
        return value


class AppealBatchItemSerializer(AppealIntakeSerializer):
    attachments = None

    def to_internal_value(self, data):
        if isinstance(data, Mapping) and "attachments" in data:
            raise serializers.ValidationError(
                {
                    "attachments": [
                        _("A batch carries no attachments: send such an appeal alone (POST /api/v1/appeals/).")
                    ]
                }
            )
        return super().to_internal_value(data)


class AppealBatchIntakeSerializer(StrictSerializer):
    appeals = AppealBatchItemSerializer(
        many=True,
        allow_empty=False,
        max_length=int(policy.policy("INTAKE_BATCH_MAX")),
        help_text=_("The appeals, each as for POST /api/v1/appeals/ but without attachments."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        items = self.initial_data.get("appeals") if isinstance(getattr(self, "initial_data", None), Mapping) else None
        if isinstance(items, list) and len(items) <= int(policy.policy("INTAKE_BATCH_MAX")):
            self.context.update(prefetch_codes(self.fields["appeals"].child, items))

    def validate_appeals(self, items):
        seen: set[str] = set()
        errors: list[dict] = []
        for item in items:
            repeated = item["external_id"] in seen
            seen.add(item["external_id"])
            errors.append({"external_id": [_("This external_id appears twice in the batch.")]} if repeated else {})
        if any(errors):
            raise serializers.ValidationError(errors)
        return items


class AppealBatchCreatedSerializer(AppealCreatedSerializer):
    created = serializers.SerializerMethodField(
        help_text=_("False when this external_id was sent before: the answer is the first appeal.")
    )

    def get_created(self, appeal) -> bool:
        return appeal.pk in self.context["created"]

    def to_representation(self, appeal):
        return {**super().to_representation(appeal), "created": self.get_created(appeal)}


class AppealBatchAnswerSerializer(serializers.Serializer):
    appeals = AppealBatchCreatedSerializer(many=True, read_only=True, help_text=_("The receipts, in the order sent."))


# --- Routing from the text (appeals.routing) -------------------------------------------------------------------------
class SuggestRequestSerializer(serializers.Serializer):
    subject = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    text = serializers.CharField(required=False, allow_blank=True, default="", max_length=20000)
    region = serializers.ChoiceField(
        choices=Region.choices, required=False, allow_blank=True, default="", help_text=_("For the competent body.")
    )

    def validate(self, attrs):
        if not (attrs["subject"].strip() or attrs["text"].strip()):
            raise serializers.ValidationError({"text": [_("Send the subject or the text of the appeal.")]})
        return attrs


class SuggestionSerializer(serializers.Serializer):
    category = serializers.CharField(source="category.code", help_text=_("Category code, as intake takes it."))
    category_name = serializers.CharField(source="category.name")
    probability = serializers.FloatField(help_text=_("Calibrated probability, 0 to 1."))
    agency = serializers.SerializerMethodField(help_text=_("The body the category routes to in the region."))

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_agency(self, suggestion) -> dict | None:
        agency = suggestion.agency
        return None if agency is None else {"id": agency.pk, "code": agency.code, "name": agency.name}


class SuggestAnswerSerializer(serializers.Serializer):
    model_version = serializers.IntegerField(allow_null=True, help_text=_("Null: no model is trained yet."))
    suggestions = SuggestionSerializer(many=True)


class IntakeOptionsSerializer(serializers.Serializer):
    """The query parameters of a single intake (others are ignored, as before there were any)."""

    route_suggestions = serializers.BooleanField(required=False, default=False)


class AppealIntakeCreatedSerializer(AppealCreatedSerializer):
    """The answer to a single intake: the receipt, and what the routing model reads in the text when asked."""

    route_suggestions = serializers.SerializerMethodField(
        help_text=_("What the routing model reads in the text; null unless asked for with ?route_suggestions=true.")
    )

    @extend_schema_field(SuggestAnswerSerializer(allow_null=True))
    def get_route_suggestions(self, appeal) -> dict | None:
        suggested = self.context.get("route_suggestions")
        if suggested is None:
            return None
        version, suggestions = suggested
        return SuggestAnswerSerializer({"model_version": version, "suggestions": suggestions}).data

    def to_representation(self, appeal):
        return {**super().to_representation(appeal), "route_suggestions": self.get_route_suggestions(appeal)}
