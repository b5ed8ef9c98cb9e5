"""The API's JSON parser: refuses bodies over API_MAX_BODY_BYTES before reading them whole (413), bodies
nested deeper than MAX_JSON_DEPTH (400, where Python's parser would hit its recursion limit), and any
string or key holding a NUL character (400 naming the field: PostgreSQL cannot store it)."""

from __future__ import annotations

import json

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser

from ..infra.requestguard import nul_field_in

# No body of this API nests half as deep; Python's json module stops near 1 000 with RecursionError.
MAX_JSON_DEPTH = 32


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "request_too_large"


def _too_large(limit: int) -> RequestTooLarge:
    return RequestTooLarge(_("The request body is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)})


def _refuse_nul(field: str | None) -> None:
    if field is not None:
        name = field.replace("\x00", "\\0") or "body"
        raise exceptions.ValidationError({name: [_("The NUL character (\\0) is not allowed in text.")]}, code="invalid")


def _refuse_nul_in_form(data, files=None) -> None:
    for key, values in data.lists():
        if "\x00" in key or any(isinstance(value, str) and "\x00" in value for value in values):
            _refuse_nul(key)
    for key, uploads in files.lists() if files is not None else []:
        if any("\x00" in (upload.name or "") for upload in uploads):
            _refuse_nul(key)


class CheckedFormParser(FormParser):
    """DRF's form parser, refusing a NUL in any field (Open311 posts forms)."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        _refuse_nul_in_form(data)
        return data


class CheckedMultiPartParser(MultiPartParser):
    """DRF's multipart parser, refusing a NUL in any field or file name."""

    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        _refuse_nul_in_form(parsed.data, parsed.files)
        return parsed


class LimitedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = int(settings.API_MAX_BODY_BYTES)
        request = (parser_context or {}).get("request")
        length = request.META.get("CONTENT_LENGTH") if request is not None else None
        if length and length.isdigit() and int(length) > limit:
            raise _too_large(limit)
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise _too_large(limit)
        if not raw:
            return {}
        too_deep = exceptions.ParseError(
            _("The body is nested too deeply (more than %(max)s levels).") % {"max": MAX_JSON_DEPTH}
        )
        try:
            data = json.loads(raw.decode("utf-8"))
        except RecursionError:
            raise too_deep from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise exceptions.ParseError(_("The body is not valid JSON: %(error)s") % {"error": exc}) from None
        field, deep = nul_field_in(data, max_depth=MAX_JSON_DEPTH)
        if deep:
            raise too_deep
        _refuse_nul(field)
        return data
