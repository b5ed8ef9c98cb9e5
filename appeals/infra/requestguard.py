"""One gate for what no view should ever see: a NUL character, or a body over the size limits.

PostgreSQL refuses the NUL character (U+0000) in text, so a NUL that reached a query would answer
500. `RequestGuardMiddleware` refuses it with a 400 that names the field, before any view runs, in
the address, every query parameter, every header and every field (and file name) of a form post;
the API's parsers (appeals/api/parsers.py) do the same for the bodies of /api/ and /open311/, with
`nul_field_in` (DRF reads those bodies itself).
It also answers 413 for a body over DATA_UPLOAD_MAX_MEMORY_SIZE (= API_MAX_BODY_BYTES) instead of
Django's RequestDataTooBig. Errors come in the shape of the part of the site that was called: the
API's {"error": …}, Open311's [{"code", "description"}], or a short HTML page for staff.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

NUL = "\x00"
API_PREFIX = "/api/"
OPEN311_PREFIX = "/open311/"
DRF_PREFIXES = (API_PREFIX, OPEN311_PREFIX)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def nul_field_in(data, *, max_depth: int | None = None, prefix: str = "") -> tuple[str | None, bool]:
    """(the dotted path of the first string holding a NUL, whether nesting exceeds `max_depth`).

    Walks without recursion, so that a body nested as deep as the JSON parser allows cannot
    exhaust the stack here. A NUL in a key names the key itself.
    """
    stack: list[tuple[str, object, int]] = [(prefix, data, 1)]
    while stack:
        path, value, depth = stack.pop()
        if isinstance(value, str):
            if NUL in value:
                return path, False
            continue
        if not isinstance(value, dict | list):
            continue
        if max_depth is not None and depth > max_depth:
            return None, True
        items: Iterable[tuple[object, object]] = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            child = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and NUL in key:
                return child, False
            stack.append((child, item, depth + 1))
    return None, False


def _printable(name: str) -> str:
    return name.replace(NUL, "\\0")


def error_response(request: HttpRequest, *, status: int, code: str, message: str, field: str = "") -> HttpResponse:
    """The error in the shape of the API, Open311 or the staff pages, after the path called."""
    path = request.path_info
    if path.startswith(API_PREFIX):
        body = {"error": {"code": code, "message": message, "fields": {field: [message]} if field else {}}}
        return JsonResponse(body, status=status)
    if path.startswith(OPEN311_PREFIX):
        description = f"{field}: {message}" if field else message
        return JsonResponse([{"code": status, "description": description}], status=status, safe=False)
    title = _("The request is too large") if status == 413 else _("The request cannot be handled")
    html = render_to_string("request_refused.html", {"title": title, "message": message, "status": status})
    return HttpResponse(html, status=status)


def _too_large(request: HttpRequest) -> HttpResponse:
    limit = int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    message = _("The request body is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)}
    return error_response(request, status=413, code="request_too_large", message=message)


def _nul(request: HttpRequest, field: str) -> HttpResponse:
    message = _("“%(field)s” contains a NUL character (\\0), which is not allowed.") % {"field": _printable(field)}
    return error_response(request, status=400, code="invalid", message=message, field=_printable(field))


def _first_nul(pairs: Iterable[tuple[str, list]]) -> str | None:
    for key, values in pairs:
        if NUL in key or any(isinstance(v, str) and NUL in v for v in values):
            return key
    return None


class RequestGuardMiddleware:
    """Refuses NUL characters anywhere in a request (400) and bodies over the limit (413)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refused = self.refusal(request)
        if refused is not None:
            return refused
        return self.get_response(request)

    def refusal(self, request: HttpRequest) -> HttpResponse | None:
        if NUL in request.path_info:
            return _nul(request, "path")  # the address itself
        for name, value in request.META.items():
            if name.startswith("HTTP_") and isinstance(value, str) and NUL in value:
                return _nul(request, name[5:].replace("_", "-").title())
        try:
            field = _first_nul(request.GET.lists())
        except SuspiciousOperation:  # too many parameters
            return error_response(
                request, status=400, code="invalid", message=_("The address carries too many parameters.")
            )
        if field is not None:
            return _nul(request, field)

        content_type = request.content_type or ""
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length > int(limit) and content_type != "multipart/form-data":
            return _too_large(request)  # before anything reads it (uploaded files are bounded by the views)
        # The API and Open311 parse their own bodies (DRF): their parsers check them (appeals/api/parsers.py).
        if request.method == "POST" and content_type in FORM_TYPES and not request.path_info.startswith(DRF_PREFIXES):
            try:
                field = _first_nul(request.POST.lists())
                if field is None:
                    field = next(
                        (key for key, files in request.FILES.lists() for f in files if NUL in (f.name or "")), None
                    )
            except RequestDataTooBig:
                return _too_large(request)
            except (SuspiciousOperation, MultiPartParserError):
                return error_response(
                    request, status=400, code="invalid", message=_("The form data could not be read.")
                )
            if field is not None:
                return _nul(request, field)
        return None
