"""The OpenAPI schema: every operation documents its error answers in the one error shape, the
auth schemes are described, and the long description comes from docs.md next to this file."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

from ..notices.webhooks import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER

DOCS = Path(__file__).with_name("docs.md")


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable and machine-readable: invalid, not_found, throttled …")
    message = serializers.CharField(help_text="For people, in the language of Accept-Language (kk, ru, en).")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text='Each wrong field (a dotted path: "applicant.iin", "attachments.0.content") and its messages.',
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


class Open311ErrorSerializer(serializers.Serializer):
    code = serializers.IntegerField(help_text="The HTTP status.")
    description = serializers.CharField()


ERROR_DESCRIPTIONS = {
    "400": "Invalid input: `fields` names each wrong field.",
    "401": "No credentials, or a token that is not valid.",
    "403": "Not allowed: a missing scope, a role that may not do this, a failed CSRF check.",
    "404": "Not found, or outside the agencies the caller may see (for a list: a page past the last one).",
    "409": "Not possible from the appeal's current status, or someone changed it meanwhile.",
    "413": "The body is too large.",
    "415": "The body is not in a supported format.",
    "422": "The Idempotency-Key was already used for a different request.",
    "429": "Too many requests for this token: wait Retry-After seconds.",
}
RETRY_AFTER = {
    "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before the next request."}
}


class ApiAutoSchema(AutoSchema):
    """Adds the error answers each operation can give, in the error shape of its API."""

    def _error_codes(self) -> list[str]:
        view = self.view
        method = self.method.upper()
        public = getattr(view, "public_endpoint", False)
        codes = []
        has_body = method in {"POST", "PUT", "PATCH"}
        if has_body or self._is_list_view() or self.get_filter_backends() or getattr(view, "validates_query", False):
            codes.append("400")
        if not public:
            codes += ["401", "403"]
        if "{" in self.path or getattr(view, "may_404", False) or (self._is_list_view() and self._get_paginator()):
            codes.append("404")  # no such object, or a page past the last one
        if has_body and getattr(view, "basename", "") == "appeal" and "{" in self.path:
            codes.append("409")
        if has_body:
            codes += ["413", "415"]
        if has_body and getattr(view, "action", None) == "create" and getattr(view, "basename", "") == "appeal":
            codes.append("422")
        codes.append("429")
        return codes

    def _error_schema(self, direction: str) -> dict:
        serializer = getattr(self.view, "error_serializer", ErrorSerializer)
        component = self.resolve_serializer(serializer(), direction)
        ref = component.ref
        if getattr(self.view, "error_is_list", False):
            return {"type": "array", "items": ref}
        return ref

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        schema = self._error_schema(direction)
        for code in self._error_codes():
            if code in responses:
                continue
            response = {
                "description": ERROR_DESCRIPTIONS[code],
                "content": {"application/json": {"schema": schema}},
            }
            if code == "429":
                response["headers"] = RETRY_AFTER
            responses[code] = response
        return responses


class StrictSerializerExtension(OpenApiSerializerExtension):
    """Input serializers refuse unknown fields: say so in the schema (additionalProperties: false)."""

    target_class = "appeals.api.serializers.StrictSerializer"
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        if direction == "request":
            schema["additionalProperties"] = False
        return schema


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "appeals.api.authentication.IntegrationTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An integration's token: `Authorization: Bearer otn_…` (issued once by an administrator).",
        }


class SessionCookieScheme(OpenApiAuthenticationExtension):
    target_class = "appeals.api.authentication.CsrfSessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": "Staff signed in to Otinish Desk; writes need the X-CSRFToken header.",
        }


class Open311ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "appeals.api.authentication.Open311ApiKeyAuthentication"
    name = "open311ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "query",
            "name": "api_key",
            "description": "Open311's api_key: the integration's token (also accepted as a form field of a POST).",
        }


def add_api_description(result, generator, request, public):
    """Postprocessing hook: the integrator's guide (docs.md) becomes the schema's description."""
    text = DOCS.read_text(encoding="utf-8")
    text = (
        text.replace("{{SIGNATURE_HEADER}}", SIGNATURE_HEADER)
        .replace("{{EVENT_HEADER}}", EVENT_HEADER)
        .replace("{{DELIVERY_HEADER}}", DELIVERY_HEADER)
        .replace("{{JURISDICTION}}", settings.OPEN311_JURISDICTION_ID)
    )
    result["info"]["description"] = text
    return result
