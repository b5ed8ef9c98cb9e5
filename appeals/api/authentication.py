"""Who is calling: an integration with a bearer token, or a member of staff signed in (session + CSRF)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication, get_authorization_header

from ..access.integrations import integration_by_token
from ..models import Integration


class CsrfFailed(exceptions.PermissionDenied):
    default_code = "csrf_failed"


def request_integration(request) -> Integration | None:
    """The integration behind the request's token, or None for staff and anonymous callers."""
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, Integration) else None


def _authenticate_token(token: str):
    integration = integration_by_token(token)
    if integration is None:
        raise exceptions.AuthenticationFailed(_("The token is not valid, or its integration is disabled."))
    # An integration is not a member of staff: request.user stays anonymous, request.auth is the integration.
    return AnonymousUser(), integration


class IntegrationTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer otn_…` — the token issued for an integration (shown once)."""

    keyword = b"bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Send the token as: Authorization: Bearer <token>."))
        try:
            token = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(
                _("The token is not valid, or its integration is disabled.")
            ) from None
        return _authenticate_token(token)

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class CsrfSessionAuthentication(SessionAuthentication):
    """The browser's session; every write must carry the CSRF token (header X-CSRFToken)."""

    def enforce_csrf(self, request):
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied:
            raise CsrfFailed(
                _("The CSRF check failed: send the value of the csrftoken cookie in the X-CSRFToken header.")
            ) from None


class Open311ApiKeyAuthentication(BaseAuthentication):
    """Open311's `api_key` (query string or form field) — the integration's token; Bearer works too."""

    def authenticate(self, request):
        key = request.query_params.get("api_key")
        if (
            not key
            and request.method == "POST"
            and request.content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))
        ):
            key = request.data.get("api_key")
        if not key:
            return None
        return _authenticate_token(str(key))

    def authenticate_header(self, request):
        return 'api_key realm="open311"'
