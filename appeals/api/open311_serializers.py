"""The shapes of Open311 GeoReport v2 (JSON): what the schema documents, and the checks of a submitted request.

Used by appeals.api.open311 (the views)."""

from __future__ import annotations

from datetime import datetime, time

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from agencies.choices import Region
from agencies.models import Category

from ..calendar import policy
from ..models import Appeal
from ..models.choices import OPEN_STATUSES, AppealKind, Language
from ..models.validators import validate_iin
from .serializers import PHONE_RE


def w3(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def status_notes(appeal: Appeal) -> str:
    """The status, with the outcome when it says more ("Answered: Satisfied", not "Redirected: Redirected")."""
    notes = str(appeal.get_status_display())
    outcome = str(appeal.get_outcome_display()) if appeal.outcome else ""
    if outcome and outcome != notes:
        notes = f"{notes}: {outcome}"
    return notes


class Open311ServiceSerializer(serializers.Serializer):
    service_code = serializers.CharField()
    service_name = serializers.CharField()
    description = serializers.CharField()
    metadata = serializers.BooleanField()
    type = serializers.ChoiceField(choices=[("realtime", "realtime"), ("batch", "batch"), ("blackbox", "blackbox")])
    keywords = serializers.CharField()
    group = serializers.CharField()


class Open311ValueSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()


class Open311AttributeSerializer(serializers.Serializer):
    variable = serializers.BooleanField()
    code = serializers.CharField()
    datatype = serializers.ChoiceField(
        choices=[(v, v) for v in ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")]
    )
    required = serializers.BooleanField()
    datatype_description = serializers.CharField()
    order = serializers.IntegerField()
    description = serializers.CharField()
    values = Open311ValueSerializer(many=True)


class Open311ServiceDefinitionSerializer(serializers.Serializer):
    service_code = serializers.CharField()
    attributes = Open311AttributeSerializer(many=True)


class Open311CreatedSerializer(serializers.Serializer):
    service_request_id = serializers.CharField()
    service_notice = serializers.CharField()
    account_id = serializers.CharField(allow_null=True)


class Open311PublicRequestSerializer(serializers.Serializer):
    """What anyone may read of a request without an api_key: nothing about the person or the place."""

    service_request_id = serializers.CharField(source="number")
    status = serializers.SerializerMethodField()
    status_notes = serializers.SerializerMethodField()
    service_name = serializers.SerializerMethodField()
    service_code = serializers.SerializerMethodField()
    agency_responsible = serializers.CharField(source="agency.name")
    service_notice = serializers.SerializerMethodField()
    requested_datetime = serializers.SerializerMethodField()
    updated_datetime = serializers.SerializerMethodField()
    expected_datetime = serializers.SerializerMethodField()

    def get_status(self, appeal) -> str:
        return "open" if appeal.status in OPEN_STATUSES else "closed"

    def get_status_notes(self, appeal) -> str:
        return status_notes(appeal)

    def get_service_name(self, appeal) -> str:
        return appeal.category.name if appeal.category else ""

    def get_service_code(self, appeal) -> str:
        return appeal.category.code if appeal.category else ""

    def get_service_notice(self, appeal) -> str:
        return _("Registered under number %(number)s.") % {"number": appeal.number}

    def get_requested_datetime(self, appeal) -> str:
        return w3(appeal.received_at or appeal.registered_at)

    def get_updated_datetime(self, appeal) -> str:
        return w3(appeal.updated_at)

    def get_expected_datetime(self, appeal) -> str | None:
        if appeal.status not in OPEN_STATUSES:
            return None
        end_of_day = datetime.combine(appeal.due_date, time(23, 59, 59), tzinfo=timezone.get_current_timezone())
        return end_of_day.isoformat(timespec="seconds")


class Open311RequestOutSerializer(Open311PublicRequestSerializer):
    """The full record, for a caller with a valid api_key (scope `read`). The fields below are absent from
    a keyless answer."""

    description = serializers.CharField(source="text", required=False)
    address = serializers.SerializerMethodField()
    address_id = serializers.SerializerMethodField()
    zipcode = serializers.SerializerMethodField()
    lat = serializers.SerializerMethodField()
    long = serializers.SerializerMethodField()
    media_url = serializers.SerializerMethodField()

    def _details(self, appeal):
        try:
            return appeal.open311
        except Appeal.open311.RelatedObjectDoesNotExist:
            return None

    def get_address(self, appeal) -> str:
        details = self._details(appeal)
        return details.address if details else ""

    def get_address_id(self, appeal) -> str:
        return ""

    def get_zipcode(self, appeal) -> str:
        return ""

    def get_lat(self, appeal) -> float | None:
        details = self._details(appeal)
        return float(details.lat) if details and details.lat is not None else None

    def get_long(self, appeal) -> float | None:
        details = self._details(appeal)
        return float(details.long) if details and details.long is not None else None

    def get_media_url(self, appeal) -> str:
        details = self._details(appeal)
        return details.media_url if details else ""


class Open311SubmitSerializer(serializers.Serializer):
    """The form fields of POST requests.json (attribute[…] as the service definition lists them)."""

    api_key = serializers.CharField(required=False, help_text="The integration's token (scope `intake`).")
    jurisdiction_id = serializers.CharField(required=False, allow_blank=True, max_length=100)
    service_code = serializers.CharField(max_length=64)
    lat = serializers.FloatField(required=False, min_value=-90, max_value=90)
    long = serializers.FloatField(required=False, min_value=-180, max_value=180)
    address_string = serializers.CharField(required=False, allow_blank=True, max_length=500)
    address_id = serializers.CharField(required=False, allow_blank=True, max_length=100)
    email = serializers.EmailField(required=False, allow_blank=True, max_length=254)
    device_id = serializers.CharField(required=False, allow_blank=True, max_length=200)
    account_id = serializers.CharField(required=False, allow_blank=True, max_length=200)
    first_name = serializers.CharField(required=False, allow_blank=True, max_length=120)
    last_name = serializers.CharField(required=False, allow_blank=True, max_length=120)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=32)
    description = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,  # stored and read back exactly as sent
        max_length=int(policy.policy("TEXT_MAX_LENGTH")),
    )
    media_url = serializers.URLField(required=False, allow_blank=True, max_length=1000)

    def get_fields(self):
        fields = super().get_fields()
        fields["attribute[region]"] = serializers.ChoiceField(
            choices=Region.choices,
            help_text="The region's code (required).",
            error_messages={"invalid_choice": gettext_lazy("“{input}” is not a region code.")},
        )
        fields["attribute[iin]"] = serializers.CharField(
            required=False, allow_blank=True, max_length=12, help_text="The applicant's IIN."
        )
        fields["attribute[language]"] = serializers.ChoiceField(
            choices=Language.choices,
            required=False,
            help_text="kk or ru (else guessed from the description).",
            error_messages={"invalid_choice": gettext_lazy("An appeal is in Kazakh (kk) or Russian (ru).")},
        )
        fields["attribute[kind]"] = serializers.ChoiceField(
            choices=AppealKind.choices, required=False, help_text="The kind of appeal (default: report)."
        )
        fields["attribute[subject]"] = serializers.CharField(
            required=False, allow_blank=True, max_length=int(policy.policy("SUBJECT_MAX_LENGTH"))
        )
        return fields

    def validate_service_code(self, value: str) -> Category:
        category = Category.objects.filter(code=value, is_active=True).first()
        if category is None:
            raise serializers.ValidationError(_("There is no service with the code “%(code)s”.") % {"code": value})
        return category

    def validate_phone(self, value: str) -> str:
        if value and not PHONE_RE.match(value):
            raise serializers.ValidationError(_("Write the phone number with digits, e.g. +7 701 123 45 67."))
        return value

    def validate(self, attrs):
        errors: dict[str, list[str]] = {}
        has_point = attrs.get("lat") is not None and attrs.get("long") is not None
        if (attrs.get("lat") is None) != (attrs.get("long") is None):
            errors["lat"] = [_("Give both lat and long, or neither.")]
        if not (has_point or attrs.get("address_string", "").strip() or attrs.get("address_id", "").strip()):
            errors["address_string"] = [_("Give the location: lat and long, address_string or address_id.")]
        iin = attrs.get("attribute[iin]", "").strip()
        if iin:
            try:
                validate_iin(iin)
            except DjangoValidationError as exc:
                errors["attribute[iin]"] = exc.messages
        if iin and not (attrs.get("first_name", "").strip() or attrs.get("last_name", "").strip()):
            errors["last_name"] = [_("Give the applicant's name with the IIN.")]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs
