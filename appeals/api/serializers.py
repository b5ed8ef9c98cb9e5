"""Serializers of /api/v1/: they check the shape of input and render output; the services do the rest.

Input serializers reject unknown fields (a typo in a field name is an error, not silently lost).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from agencies.choices import Region

from ..access.personal_data import mask_address, mask_phone
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
from ..models.validators import mask_identifier

ANSWER_OUTCOME_CHOICES = [(o, Outcome(o).label) for o in Outcome.values if o in ANSWER_OUTCOMES]
PHONE_RE = re.compile(r"^\+?[0-9 ()\-]{5,32}$")


class StrictSerializer(serializers.Serializer):
    """A serializer that answers "Unknown field." for every key it does not define, and refuses a
    number, a boolean or an object where the schema says text (DRF would store 0 as "0")."""

    def get_fields(self):
        """The declared fields, each a shallow copy of its declaration (a nested serializer: DRF's deep copy).

        DRF deep-copies each declared field for every serializer instance by running its __init__ again (choices
        flattened, validators and error messages built anew): half the time of validating an intake. A declaration
        is never bound or changed itself; `bind()` gives each copy its own name and parent, and what the copies
        share (choices, validators, error messages, the queryset a code is looked up in) is only read. A mutable
        default would be shared too, so such a field is deep-copied as DRF does.
        """
        return {name: _fresh_copy(field) for name, field in self._declared_fields.items()}

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


def _fresh_copy(field: serializers.Field) -> serializers.Field:
    if isinstance(field, serializers.BaseSerializer) or isinstance(field.default, list | dict | set):
        return copy.deepcopy(field)
    return copy.copy(field)


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

    def to_representation(self, appeal):
        """The fields above, read directly as AppealSerializer does: every intake answers with a receipt, and DRF's
        walk deep-copies the declared fields for each one (tests/api/test_representation.py checks the JSON)."""
        f = _FAST_FIELDS
        return {
            "id": appeal.pk,
            "number": _text(appeal.number),
            "external_id": _text(appeal.external_id),
            "status": _choice(f["status"], appeal.status),
            "agency": _agency_ref(appeal.agency),
            "registered_at": _or_none(f["datetime"], appeal.registered_at),
            "due_date": _or_none(f["date"], appeal.due_date),
            "url": self.get_url(appeal),
        }
