"""One JSON shape for every error of /api/v1/:

    {"error": {"code": "invalid", "message": "…", "fields": {"applicant.iin": ["…"]}}}

`code` is stable and machine-readable, `message` is for people (in the language of
Accept-Language: kk, ru or en), `fields` maps each wrong field (dotted path for nested ones,
`attachments.0.content` for list items) to its messages and is empty when no field is at fault.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig, ValidationError
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from ..lifecycle import (
    AppealConflictError,
    AppealError,
    AppealPermissionError,
    AppealTransitionError,
    RegistrationBatchError,
)
from .intake import IdempotencyKeyReusedError
from .parsers import RequestTooLarge

logger = logging.getLogger(__name__)

# Field names of the services → the names the API uses for them.
SERVICE_FIELD_NAMES = {
    "applicant_type": "applicant.type",
    "applicant_name": "applicant.full_name",
    "applicant_iin": "applicant.iin",
    "applicant_bin": "applicant.bin",
    "applicant_email": "applicant.email",
    "applicant_phone": "applicant.phone",
    "applicant_address": "applicant.address",
}


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict:
    return {"error": {"code": code, "message": str(message), "fields": fields or {}}}


def flatten_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail → {"a.b.0.c": ["message", …]}."""
    fields: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = "" if key in ("non_field_errors", NON_FIELD_ERRORS) else str(key)
            path = f"{prefix}.{name}" if prefix and name else (prefix or name)
            for sub_path, messages in flatten_errors(value, path).items():
                fields.setdefault(sub_path, []).extend(messages)
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            fields.setdefault(prefix, []).extend(str(item) for item in detail)
        else:
            for index, item in enumerate(detail):
                if item in ({}, [], None):
                    continue
                path = f"{prefix}.{index}" if prefix else str(index)
                for sub_path, messages in flatten_errors(item, path).items():
                    fields.setdefault(sub_path, []).extend(messages)
    else:
        fields.setdefault(prefix, []).append(str(detail))
    return fields


def _first_code(detail) -> str | None:
    codes = detail.get_codes() if hasattr(detail, "get_codes") else None
    while isinstance(codes, dict | list) and codes:
        codes = next(iter(codes.values())) if isinstance(codes, dict) else codes[0]
    return codes if isinstance(codes, str) else None


def _service_error_fields(exc: ValidationError, field_names: dict[str, str]) -> tuple[str, dict[str, list[str]]]:
    if hasattr(exc, "error_dict"):
        fields: dict[str, list[str]] = {}
        general: list[str] = []
        for key, messages in exc.message_dict.items():
            if key == NON_FIELD_ERRORS:
                general.extend(messages)
                continue
            fields.setdefault(field_names.get(key, SERVICE_FIELD_NAMES.get(key, key)), []).extend(messages)
        message = " ".join(general) or _("Some fields are not valid.")
        return message, fields
    return " ".join(exc.messages), {}


def api_exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every error as {"error": {code, message, fields}}."""
    view = context.get("view")
    field_names = getattr(view, "service_field_names", {}) if view is not None else {}

    response = _domain_error_response(exc, field_names)
    if response is not None:
        return response

    if isinstance(exc, RequestDataTooBig):
        # A body over DATA_UPLOAD_MAX_MEMORY_SIZE that RequestGuardMiddleware could not see coming (multipart).
        limit = int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        exc = RequestTooLarge(_("The request body is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)})
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found, or outside the agencies you may see."))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    if isinstance(exc, exceptions.APIException):
        return _api_exception_response(exc)

    # Anything else is a defect: log it with its traceback and answer in the same shape.
    logger.error("API error in %s", view.__class__.__name__ if view else "?", exc_info=exc)
    set_rollback()
    return Response(
        error_body("server_error", _("Something went wrong on our side. The error is logged; try again later.")),
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )


def _domain_error_response(exc, field_names: dict) -> Response | None:
    """The answer to an error the lifecycle or the intake raised (None for any other exception)."""
    if isinstance(exc, IdempotencyKeyReusedError):
        set_rollback()
        return Response(
            error_body("idempotency_key_reused", " ".join(exc.messages)),
            status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    if isinstance(exc, AppealPermissionError):
        set_rollback()
        return Response(error_body("permission_denied", " ".join(exc.messages)), status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, AppealConflictError):
        set_rollback()
        return Response(error_body("conflict", " ".join(exc.messages)), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, AppealTransitionError):
        set_rollback()
        return Response(error_body("transition_not_allowed", " ".join(exc.messages)), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, RegistrationBatchError):
        set_rollback()
        fields = {}
        for index, error in sorted(exc.errors.items()):
            general, item_fields = _service_error_fields(error, field_names)
            if not item_fields:
                item_fields = {"": [general]}
            for name, messages in item_fields.items():
                fields.setdefault(f"appeals.{index}.{name}".rstrip("."), []).extend(messages)
        return Response(
            error_body("invalid", _("Some appeals of the batch are not valid; none was registered."), fields),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, AppealError | ValidationError):
        set_rollback()
        message, fields = _service_error_fields(exc, field_names)
        return Response(error_body("invalid", message, fields), status=status.HTTP_400_BAD_REQUEST)
    return None


def _api_exception_response(exc: exceptions.APIException) -> Response:
    """The answer to one of DRF's own errors (authentication, throttling, validation, 404, 405…)."""
    headers: dict[str, str] = {}
    set_rollback()
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if isinstance(exc, exceptions.Throttled):
        wait = int(exc.wait or 1) if exc.wait is not None else 1
        headers["Retry-After"] = str(max(1, wait))
        body = error_body(
            "throttled",
            _("Too many requests. Try again in %(seconds)s seconds.") % {"seconds": max(1, wait)},
        )
        return Response(body, status=exc.status_code, headers=headers)
    if isinstance(exc, exceptions.ValidationError):
        fields = flatten_errors(exc.detail)
        general = fields.pop("", [])
        message = " ".join(general) or _("Some fields are not valid.")
        return Response(error_body("invalid", message, fields), status=exc.status_code, headers=headers)
    if isinstance(exc, exceptions.NotAuthenticated):
        message = _("Authenticate: send Authorization: Bearer <token> (integrations) or sign in (staff).")
        return Response(error_body("not_authenticated", message), status=exc.status_code, headers=headers)
    detail = exc.detail
    if isinstance(detail, dict | list):
        fields = flatten_errors(detail)
        message = " ".join(fields.pop("", [])) or str(exc.default_detail)
    else:
        message = str(detail)
    code = _first_code(detail) or getattr(exc, "default_code", "error")
    if isinstance(exc, exceptions.MethodNotAllowed):
        code = "method_not_allowed"
    return Response(error_body(code, message), status=exc.status_code, headers=headers)


@csrf_exempt
def api_not_found(request, *args, **kwargs):
    """Any unknown URL under /api/: the JSON 404 of the error shape (not Django's HTML page)."""
    return JsonResponse(
        error_body("not_found", _("There is no such endpoint. The API is described at /api/docs/.")), status=404
    )
