"""Open311 GeoReport v2 (a subset, JSON only) at /open311/v2/, so a standard 311 client can submit an
appeal and follow it.

- GET  services.json            the categories (public, as the spec has it)
- GET  services/{code}.json     a category's attributes (region, IIN, language, kind, subject)
- POST requests.json            submit (form-encoded; api_key = an integration token with `intake`)
- GET  requests.json            list; public (see below), the full record with api_key (scope `read`)
- GET  requests/{id}.json       one request; service_request_id is the registration number

Reads are public, as GeoReport v2 has them. Without an api_key a caller sees only the requests that were
submitted through Open311 (the public reports of a problem, the way a city's 311 shows them), and of those
only the public fields: status, status notes, service, agency, dates. Never the applicant, the description,
the address, the coordinates or the photo, and never an appeal that reports a crime. An appeal that came by
post, e-mail or the JSON API is never shown without a key. With a valid key: the full record of the
token's agencies; a key that is not valid is a 403, never a silent public answer.

Status is `open` while the appeal runs against its deadline and `closed` once this body is done
with it (answered, redirected, left without consideration …); status_notes says which.
The description is stored as it came; where the problem is (address, coordinates, photo) is kept
in the appeal's Open311 details, not in its text.
Errors are Open311's: a list of {"code": <HTTP status>, "description": "…"}.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.choices import Region
from agencies.models import Category

from ..access.selectors import appeals_public_open311
from ..calendar import policy
from ..infra.replica import heavy_read
from ..lifecycle import ApplicantData
from ..models import Appeal, IntegrationScope
from ..models.choices import OPEN_STATUSES, AppealKind, ApplicantType, Channel, Language
from .authentication import IntegrationTokenAuthentication, Open311ApiKeyAuthentication, request_integration
from .exceptions import api_exception_handler
from .intake import IntakeData, appeal_intake, request_fingerprint
from .open311_serializers import (
    Open311CreatedSerializer,
    Open311PublicRequestSerializer,
    Open311RequestOutSerializer,
    Open311ServiceDefinitionSerializer,
    Open311ServiceSerializer,
    Open311SubmitSerializer,
)
from .parsers import CheckedFormParser, CheckedMultiPartParser, LimitedJSONParser
from .permissions import Open311ReadAccess, PublicAccess
from .schema import Open311ErrorSerializer
from .views import visible_appeals

MAX_RESULTS = 1000
DEFAULT_DAYS = 90
KAZAKH_LETTERS = frozenset("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
_ATTRIBUTES = ("region", "iin", "language", "kind", "subject")


def _errors(status_code: int, descriptions: list[str]) -> list[dict]:
    return [{"code": status_code, "description": d} for d in descriptions]


def open311_exception_handler(exc, context):
    """The API's error, reshaped as Open311 wants: [{"code", "description"}, …]."""
    response = api_exception_handler(exc, context)
    if response is None:
        return None
    error = response.data.get("error", {}) if isinstance(response.data, dict) else {}
    status_code = response.status_code
    if status_code == status.HTTP_401_UNAUTHORIZED:
        # GeoReport v2: "403 - api_key was not provided or is invalid".
        status_code = status.HTTP_403_FORBIDDEN
        descriptions = [_("api_key was not provided or is not valid.")]
    else:
        fields = error.get("fields") or {}
        descriptions = [f"{name}: {' '.join(messages)}" for name, messages in fields.items()]
        if not descriptions:
            descriptions = [error.get("message", "")]
    headers = {k: v for k, v in response.items() if k in {"Retry-After", "Allow"}}
    return Response(_errors(status_code, descriptions), status=status_code, headers=headers)


@csrf_exempt
def open311_not_found(request, *args, **kwargs):
    return JsonResponse(
        _errors(404, [_("There is no such Open311 resource. See services.json and requests.json.")]),
        status=404,
        safe=False,
    )


@csrf_exempt
def open311_xml_not_supported(request, *args, **kwargs):
    return JsonResponse(
        _errors(400, [_("This server speaks Open311 in JSON only: use the .json format of this resource.")]),
        status=400,
        safe=False,
    )


class JurisdictionNotFound(exceptions.NotFound):
    default_code = "jurisdiction_not_found"


def _check_jurisdiction(request, *, status_code: int = 404) -> None:
    """jurisdiction_id is optional (this server serves one); a different one is an error."""
    value = request.query_params.get("jurisdiction_id")
    if value is None and request.method == "POST":
        value = request.data.get("jurisdiction_id")
    if value not in (None, "", settings.OPEN311_JURISDICTION_ID):
        message = _("jurisdiction_id “%(value)s” is not served here; this server serves “%(ours)s”.") % {
            "value": value,
            "ours": settings.OPEN311_JURISDICTION_ID,
        }
        if status_code == 400:
            raise serializers.ValidationError({"jurisdiction_id": [message]})
        raise JurisdictionNotFound(message)


# --- Views -----------------------------------------------------------------------------------------
JURISDICTION = OpenApiParameter(
    "jurisdiction_id", str, OpenApiParameter.QUERY, required=False, description="Optional: this server serves one."
)


class Open311View(APIView):
    authentication_classes = [Open311ApiKeyAuthentication, IntegrationTokenAuthentication]
    parser_classes = [CheckedFormParser, CheckedMultiPartParser, LimitedJSONParser]
    error_serializer = Open311ErrorSerializer
    error_is_list = True
    validates_query = True
    may_404 = True  # a jurisdiction_id not served here

    def get_exception_handler(self):
        return open311_exception_handler


class ServiceListView(Open311View):
    permission_classes = [PublicAccess]
    public_endpoint = True

    @extend_schema(
        operation_id="open311_services",
        summary="Open311: the services (categories)",
        tags=["open311"],
        parameters=[JURISDICTION],
        responses=Open311ServiceSerializer(many=True),
        auth=[],
    )
    def get(self, request):
        _check_jurisdiction(request)
        categories = Category.objects.filter(is_active=True).select_related("parent").order_by("code")
        body = [
            {
                "service_code": c.code,
                "service_name": c.name,
                "description": c.name,
                "metadata": True,
                "type": "realtime",
                "keywords": "",
                "group": c.parent.name if c.parent else "",
            }
            for c in categories
        ]
        return Response(body)


def _attributes() -> list[dict]:
    def values(choices):
        return [{"key": key, "name": str(label)} for key, label in choices]

    return [
        {
            "variable": True,
            "code": "region",
            "datatype": "singlevaluelist",
            "required": True,
            "datatype_description": _("The region where the problem is."),
            "order": 1,
            "description": _("Region"),
            "values": values(Region.choices),
        },
        {
            "variable": True,
            "code": "iin",
            "datatype": "string",
            "required": False,
            "datatype_description": _("12 digits."),
            "order": 2,
            "description": _("The applicant's IIN"),
            "values": [],
        },
        {
            "variable": True,
            "code": "language",
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": _("The language the answer is written in."),
            "order": 3,
            "description": _("Language"),
            "values": values(Language.choices),
        },
        {
            "variable": True,
            "code": "kind",
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": _("By default a report of a problem."),
            "order": 4,
            "description": _("Kind of appeal"),
            "values": values(AppealKind.choices),
        },
        {
            "variable": True,
            "code": "subject",
            "datatype": "string",
            "required": False,
            "datatype_description": _("One line; by default the service and the address."),
            "order": 5,
            "description": _("Subject"),
            "values": [],
        },
    ]


class ServiceDefinitionView(Open311View):
    permission_classes = [PublicAccess]
    public_endpoint = True

    @extend_schema(
        operation_id="open311_service_definition",
        summary="Open311: a service's attributes",
        tags=["open311"],
        parameters=[JURISDICTION],
        responses=Open311ServiceDefinitionSerializer,
        auth=[],
    )
    def get(self, request, code: str):
        _check_jurisdiction(request)
        category = get_object_or_404(Category, code=code, is_active=True)
        return Response({"service_code": category.code, "attributes": _attributes()})


def _guess_language(text: str) -> str:
    return Language.KAZAKH if any(ch in KAZAKH_LETTERS for ch in text) else Language.RUSSIAN


def _parse_w3(request, name: str) -> datetime | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        value = parse_datetime(raw.replace(" ", "+")) if "T" in raw.upper() else None
        if value is not None and timezone.is_aware(value):
            value = value.astimezone(UTC)  # a date past year 9999 in UTC is refused here, not in the query
    except (ValueError, OverflowError):  # well-formed but not a date (2026-02-30), or out of range
        value = None
    if value is None or timezone.is_naive(value):
        raise serializers.ValidationError(
            {name: [_("Use a w3 date-time with a time zone, e.g. 2026-01-31T09:00:00+05:00.")]}
        )
    return value


def _comma_list(request, name: str) -> list[str]:
    return [item.strip() for item in request.query_params.get(name, "").split(",") if item.strip()]


def _is_public(request) -> bool:
    """A read without an api_key (a key that is not valid never gets here: it is a 403)."""
    return request_integration(request) is None


def _readable(request) -> QuerySet[Appeal]:
    """The requests the caller may read: the token's agencies with a key, the public ones without."""
    queryset = appeals_public_open311() if _is_public(request) else visible_appeals(request)
    return queryset.select_related("agency", "category", "open311")


def _represent(request, appeals) -> list:
    serializer = Open311PublicRequestSerializer if _is_public(request) else Open311RequestOutSerializer
    return serializer(appeals, many=True).data


_READ_DESCRIPTION = (
    " Public: without api_key only requests submitted through Open311 are shown, with the public fields "
    "(no description, address, lat/long, media_url, nor anything about the applicant). With api_key (scope "
    "`read`): the full record of the token's agencies."
)


class RequestListView(Open311View):
    integration_scope = IntegrationScope.READ
    permission_classes = [Open311ReadAccess]

    def get_integration_scope(self):
        return IntegrationScope.INTAKE if self.request.method == "POST" else IntegrationScope.READ

    def get_queryset(self) -> QuerySet[Appeal]:
        return _readable(self.request)

    @extend_schema(
        operation_id="open311_requests_list",
        summary="Open311: list service requests",
        description=(
            "The appeals of the token's agencies. Without service_request_id or dates: the last 90 days. "
            f"At most {MAX_RESULTS}, newest first." + _READ_DESCRIPTION
        ),
        tags=["open311"],
        parameters=[
            JURISDICTION,
            OpenApiParameter("service_request_id", str, description="Comma-separated registration numbers."),
            OpenApiParameter("service_code", str, description="Comma-separated service codes."),
            OpenApiParameter("start_date", OpenApiTypes.DATETIME, description="w3 date-time: requested on or after."),
            OpenApiParameter("end_date", OpenApiTypes.DATETIME, description="w3 date-time: requested on or before."),
            OpenApiParameter("status", str, description="open, closed, or both comma-separated."),
        ],
        responses=Open311RequestOutSerializer(many=True),
    )
    @heavy_read
    def get(self, request):
        _check_jurisdiction(request)
        queryset = self.get_queryset()
        numbers = _comma_list(request, "service_request_id")
        codes = _comma_list(request, "service_code")
        statuses = _comma_list(request, "status")
        bad = sorted(set(statuses) - {"open", "closed"})
        if bad:
            raise serializers.ValidationError({"status": [_("status is open, closed, or both.")]})
        start, end = _parse_w3(request, "start_date"), _parse_w3(request, "end_date")
        if numbers:
            queryset = queryset.filter(number__in=numbers[:MAX_RESULTS])
        if codes:
            queryset = queryset.filter(category__code__in=codes)
        if set(statuses) == {"open"}:
            queryset = queryset.filter(status__in=sorted(OPEN_STATUSES))
        elif set(statuses) == {"closed"}:
            queryset = queryset.exclude(status__in=sorted(OPEN_STATUSES))
        if start is None and end is None and not numbers:
            start = timezone.now() - timedelta(days=DEFAULT_DAYS)
        if start is not None:
            queryset = queryset.filter(registered_at__gte=start)
        if end is not None:
            queryset = queryset.filter(registered_at__lte=end)
        appeals = queryset.order_by("-registered_at", "-id")[:MAX_RESULTS]
        return Response(_represent(request, appeals))

    @extend_schema(
        operation_id="open311_requests_create",
        summary="Open311: submit a service request",
        description=(
            "Form-encoded, as GeoReport v2. `api_key` is an integration token with the `intake` scope. A location "
            "(lat and long, address_string or address_id) and attribute[region] are required; without first_name "
            "and last_name the appeal is anonymous. The answer's service_request_id is the registration number. "
            "An Idempotency-Key header makes a retry return the first request."
        ),
        tags=["open311"],
        request={
            "application/x-www-form-urlencoded": Open311SubmitSerializer,
            "multipart/form-data": Open311SubmitSerializer,
        },
        responses={
            201: OpenApiResponse(Open311CreatedSerializer(many=True), description="Registered."),
            200: OpenApiResponse(Open311CreatedSerializer(many=True), description="A retry (same Idempotency-Key)."),
        },
    )
    def post(self, request):
        _check_jurisdiction(request, status_code=400)
        serializer = Open311SubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        category: Category = data["service_code"]
        description = data.get("description", "")
        language = data.get("attribute[language]") or _guess_language(description)
        name = " ".join(p for p in (data.get("last_name", "").strip(), data.get("first_name", "").strip()) if p)
        applicant = ApplicantData(
            type=ApplicantType.INDIVIDUAL if name else ApplicantType.ANONYMOUS,
            name=name,
            iin=data.get("attribute[iin]", "").strip(),
            email=data.get("email", ""),
            phone=data.get("phone", ""),
        )
        with translation.override(language):
            subject = data.get("attribute[subject]", "").strip() or " — ".join(
                p for p in (category.name, data.get("address_string", "").strip()) if p
            )
        subject = subject[: int(policy.policy("SUBJECT_MAX_LENGTH"))]
        key = request.headers.get("Idempotency-Key", "").strip()[:255]
        fingerprint_data = {k: v for k, v in request.data.items() if k != "api_key"}
        appeal, created = appeal_intake(
            integration=request_integration(request),
            user=None,
            data=IntakeData(
                kind=data.get("attribute[kind]") or AppealKind.REPORT,
                channel=Channel.PORTAL,
                language=language,
                region=data["attribute[region]"],
                subject=subject,
                text=description,  # the location goes to its own fields (Open311Details), shown beside the text
                applicant=applicant,
                category=category,
                open311={
                    "address": data.get("address_string", "").strip(),
                    "lat": round(data["lat"], 6) if data.get("lat") is not None else None,
                    "long": round(data["long"], 6) if data.get("long") is not None else None,
                    "media_url": data.get("media_url", ""),
                    "device_id": data.get("device_id", ""),
                    "account_id": data.get("account_id", ""),
                },
            ),
            idempotency_key=key,
            fingerprint=request_fingerprint(fingerprint_data),
        )
        notice = _("Registered under number %(number)s; the answer is due by %(due)s.") % {
            "number": appeal.number,
            "due": appeal.due_date.strftime("%d.%m.%Y"),
        }
        body = [
            {
                "service_request_id": appeal.number,
                "service_notice": notice,
                "account_id": data.get("account_id") or None,
            }
        ]
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class RequestDetailView(Open311View):
    integration_scope = IntegrationScope.READ
    permission_classes = [Open311ReadAccess]

    @extend_schema(
        operation_id="open311_request",
        summary="Open311: one service request",
        description="An appeal outside what the caller may read is a 404." + _READ_DESCRIPTION,
        tags=["open311"],
        parameters=[JURISDICTION],
        responses=Open311RequestOutSerializer(many=True),
    )
    def get(self, request, number: str):
        _check_jurisdiction(request)
        appeal = get_object_or_404(_readable(request), number=number)
        return Response(_represent(request, [appeal]))
