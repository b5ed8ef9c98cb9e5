"""Serializers of /api/v1/: they check the shape of input and render output; the services do the rest.

Input serializers reject unknown fields (a typo in a field name is an error, not silently lost).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from datetime import timedelta

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from agencies.choices import Region
from agencies.models import Agency, Category

from ..access.personal_data import mask_address, mask_phone
from ..calendar import policy
from ..lifecycle import AppealError, validate_upload
from ..models import Appeal
from ..models.choices import (
    ANSWER_OUTCOMES,
    AppealAction,
    AppealKind,
    AppealStatus,
    ApplicantType,
    Channel,
    Language,
    Outcome,
)
from ..models.validators import mask_identifier, validate_bin, validate_iin

ANSWER_OUTCOME_CHOICES = [(o, Outcome(o).label) for o in Outcome.values if o in ANSWER_OUTCOMES]
PHONE_RE = re.compile(r"^\+?[0-9 ()\-]{5,32}$")


class StrictSerializer(serializers.Serializer):
    """A serializer that answers "Unknown field." for every key it does not define, and refuses a
    number, a boolean or an object where the schema says text (DRF would store 0 as "0")."""

    def to_internal_value(self, data):
        unknown = {}
        if isinstance(data, Mapping):
            writable = {name for name, f in self.fields.items() if not f.read_only}
            unknown = {key: [_("Unknown field.")] for key in data if key not in writable}
            for name in writable & set(data):
                field, value = self.fields[name], data[name]
                if isinstance(field, serializers.CharField) and value is not None and not isinstance(value, str):
                    unknown[name] = [_("Must be text (a JSON string).")]
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if unknown and isinstance(exc.detail, dict):
                raise serializers.ValidationError({**unknown, **exc.detail}) from None
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


# --- References ------------------------------------------------------------------------------------
class AgencyRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True, help_text=_("In Kazakh or Russian, after Accept-Language."))


class CategoryRefSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="display_name", read_only=True)


class AppealRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True)
    agency = AgencyRefSerializer(read_only=True)


# --- Appeals: output --------------------------------------------------------------------------------
class ApplicantOutSerializer(serializers.Serializer):
    type = serializers.ChoiceField(source="applicant_type", choices=ApplicantType.choices, read_only=True)
    full_name = serializers.CharField(source="applicant_name", read_only=True)
    iin = serializers.SerializerMethodField(help_text=_("Masked: only the last four digits are shown."))
    bin = serializers.SerializerMethodField(help_text=_("Masked: only the last four digits are shown."))
    email = serializers.CharField(source="applicant_email", read_only=True)
    phone = serializers.SerializerMethodField(help_text=_("Masked: only the last two digits are shown."))
    address = serializers.SerializerMethodField(help_text=_("Masked: only the settlement is shown."))

    def get_phone(self, appeal) -> str:
        return mask_phone(appeal.applicant_phone)

    def get_address(self, appeal) -> str:
        return mask_address(appeal.applicant_address)

    def get_iin(self, appeal) -> str:
        return mask_identifier(appeal.applicant_iin)

    def get_bin(self, appeal) -> str:
        return mask_identifier(appeal.applicant_bin)


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="original_name", read_only=True)
    content_type = serializers.CharField(read_only=True)
    size = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class AppealSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True, help_text=_("The registration number on the receipt."))
    external_id = serializers.CharField(read_only=True, help_text=_("The integration's own id of the appeal."))
    status = serializers.ChoiceField(choices=AppealStatus.choices, read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    outcome = serializers.ChoiceField(choices=Outcome.choices, allow_blank=True, read_only=True)
    kind = serializers.ChoiceField(choices=AppealKind.choices, read_only=True)
    channel = serializers.ChoiceField(choices=Channel.choices, read_only=True)
    language = serializers.ChoiceField(choices=Language.choices, read_only=True)
    region = serializers.ChoiceField(choices=Region.choices, read_only=True)
    category = CategoryRefSerializer(read_only=True, allow_null=True)
    agency = AgencyRefSerializer(read_only=True)
    subject = serializers.CharField(read_only=True)
    text = serializers.CharField(read_only=True)
    applicant = ApplicantOutSerializer(source="*", read_only=True)
    registered_at = serializers.DateTimeField(read_only=True)
    received_at = serializers.DateTimeField(read_only=True, allow_null=True)
    due_date = serializers.DateField(read_only=True)
    original_due_date = serializers.DateField(read_only=True, help_text=_("The statutory due date."))
    extension_count = serializers.IntegerField(read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)
    resolved_at = serializers.DateTimeField(read_only=True, allow_null=True)
    assignee = UserRefSerializer(read_only=True, allow_null=True)
    redirected_from = serializers.IntegerField(source="redirected_from_id", read_only=True, allow_null=True)
    redirected_to = AppealRefSerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)
    available_actions = serializers.SerializerMethodField(
        help_text=_("What the signed-in user may do now (always empty for integrations).")
    )

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=AppealAction.choices)))
    def get_available_actions(self, appeal) -> list[str]:
        from ..lifecycle import ACTION_RULES, appeal_available_actions

        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return []
        memo = self.__dict__.setdefault("_actions_memo", {})  # one serializer draws every appeal of a list
        allowed = appeal_available_actions(user=user, appeal=appeal, memo=memo)
        return [str(action) for action in ACTION_RULES if action in allowed]

    def to_representation(self, appeal):
        """The fields above, read directly: the same JSON as DRF's field-by-field walk (tests/api checks
        it), without its per-field overhead, which was most of the time of a list of 50 to 200 appeals."""
        f = _FAST_FIELDS
        status_labels = self.__dict__.get("_status_labels")
        if status_labels is None:  # get_status_display's words, looked up once per response
            status_labels = {value: str(label) for value, label in Appeal._meta.get_field("status").flatchoices}
            self.__dict__["_status_labels"] = status_labels
        tz = self.__dict__.get("_tz", _UNSET)
        if tz is _UNSET:  # DateTimeField.default_timezone, looked up once per response
            tz = self.__dict__["_tz"] = timezone.get_current_timezone() if settings.USE_TZ else None
        category = appeal.category
        assignee = appeal.assignee
        # A list gives the page's redirects and attachments in its context (views.appeal_links_for_api).
        redirected_to = self.context.get("redirected_to")
        redirected_to = appeal.redirected_to.all() if redirected_to is None else redirected_to.get(appeal.pk, ())
        attachments = self.context.get("attachments")
        attachments = appeal.attachments.all() if attachments is None else attachments.get(appeal.pk, ())
        return {
            "id": appeal.pk,
            "number": _text(appeal.number),
            "external_id": _text(appeal.external_id),
            "status": _choice(f["status"], appeal.status),
            "status_label": status_labels.get(appeal.status, appeal.status),
            "outcome": _choice(f["outcome"], appeal.outcome),
            "kind": _choice(f["kind"], appeal.kind),
            "channel": _choice(f["channel"], appeal.channel),
            "language": _choice(f["language"], appeal.language),
            "region": _choice(f["region"], appeal.region),
            "category": None if category is None else {"code": _text(category.code), "name": _text(category.name)},
            "agency": _agency_ref(appeal.agency),
            "subject": _text(appeal.subject),
            "text": _text(appeal.text),
            "applicant": {
                "type": _choice(f["applicant_type"], appeal.applicant_type),
                "full_name": _text(appeal.applicant_name),
                "iin": mask_identifier(appeal.applicant_iin),
                "bin": mask_identifier(appeal.applicant_bin),
                "email": _text(appeal.applicant_email),
                "phone": mask_phone(appeal.applicant_phone),
                "address": mask_address(appeal.applicant_address),
            },
            "registered_at": _datetime(appeal.registered_at, tz),
            "received_at": _datetime(appeal.received_at, tz),
            "due_date": _or_none(f["date"], appeal.due_date),
            "original_due_date": _or_none(f["date"], appeal.original_due_date),
            "extension_count": None if appeal.extension_count is None else int(appeal.extension_count),
            "is_overdue": bool(appeal.is_overdue),
            "resolved_at": _datetime(appeal.resolved_at, tz),
            "assignee": None if assignee is None else {"id": assignee.pk, "name": _text(assignee.display_name)},
            "redirected_from": appeal.redirected_from_id,
            "redirected_to": [
                {"id": other.pk, "number": _text(other.number), "agency": _agency_ref(other.agency)}
                for other in redirected_to
            ],
            "attachments": [
                {
                    "id": item.pk,
                    "name": _text(item.original_name),
                    "content_type": _text(item.content_type),
                    "size": None if item.size is None else int(item.size),
                    "created_at": _datetime(item.created_at, tz),
                }
                for item in attachments
            ],
            "available_actions": self.get_available_actions(appeal),
        }


# Unbound fields that convert values as AppealSerializer's own fields do (binding them per serializer
# would deep-copy every declared field for each response).
_FAST_FIELDS = {
    "status": serializers.ChoiceField(choices=AppealStatus.choices),
    "outcome": serializers.ChoiceField(choices=Outcome.choices, allow_blank=True),
    "kind": serializers.ChoiceField(choices=AppealKind.choices),
    "channel": serializers.ChoiceField(choices=Channel.choices),
    "language": serializers.ChoiceField(choices=Language.choices),
    "region": serializers.ChoiceField(choices=Region.choices),
    "applicant_type": serializers.ChoiceField(choices=ApplicantType.choices),
    "datetime": serializers.DateTimeField(),
    "date": serializers.DateField(),
}


_UNSET = object()


def _datetime(value, tz):
    """DateTimeField.to_representation of an aware time in `tz` with the ISO 8601 format of the API's settings,
    without the field's per-call lookups of the time zone and the format; anything else goes through the field."""
    if value is None:
        return None
    if tz is None or not timezone.is_aware(value) or api_settings.DATETIME_FORMAT.lower() != ISO_8601:
        return _FAST_FIELDS["datetime"].to_representation(value)
    text = value.astimezone(tz).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _text(value):
    return None if value is None else str(value)


def _choice(field: serializers.ChoiceField, value):
    return None if value is None else field.to_representation(value)


def _or_none(field: serializers.Field, value):
    return None if value is None else field.to_representation(value)


def _agency_ref(agency) -> dict:
    return {"id": agency.pk, "code": _text(agency.code), "name": _text(agency.name)}


class AppealCreatedSerializer(serializers.Serializer):
    """The answer to an intake: enough to print the receipt and follow the appeal."""

    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True)
    external_id = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=AppealStatus.choices, read_only=True)
    agency = AgencyRefSerializer(read_only=True)
    registered_at = serializers.DateTimeField(read_only=True)
    due_date = serializers.DateField(read_only=True)
    url = serializers.SerializerMethodField()

    def get_url(self, appeal) -> str:
        from django.urls import reverse

        path = reverse("api:appeal-detail", kwargs={"pk": appeal.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


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


class AppealIntakeCreatedSerializer(AppealCreatedSerializer):
    """The answer to a single intake: the receipt, and what the routing model reads in the text."""

    route_suggestions = serializers.SerializerMethodField()

    @extend_schema_field(SuggestAnswerSerializer)
    def get_route_suggestions(self, appeal) -> dict:
        version, suggestions = self.context.get("route_suggestions") or (None, [])
        return SuggestAnswerSerializer({"model_version": version, "suggestions": suggestions}).data
