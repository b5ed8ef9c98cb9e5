"""Access to the API. Which appeals a caller sees is decided by the querysets (appeals_visible_to and
appeals_visible_to_integration); this decides who may call an endpoint at all.

- Staff signed in (session) may call every endpoint meant for staff; the services then check
  their role for each action, and anything outside their agencies is a 404.
- An integration token may call the endpoints whose view names a scope for the action
  (`integration_scope`), and only with that scope: "intake" to submit, "read" to read.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.permissions import BasePermission

from .authentication import request_integration

ANY_SCOPE = "*"


class ScopeMissing(exceptions.PermissionDenied):
    default_code = "scope_missing"


class StaffOnly(exceptions.PermissionDenied):
    default_code = "staff_only"


class IntegrationOnly(exceptions.PermissionDenied):
    default_code = "integration_only"


def required_scope(view) -> str | None:
    getter = getattr(view, "get_integration_scope", None)
    return getter() if getter else getattr(view, "integration_scope", None)


class ApiAccess(BasePermission):
    def has_permission(self, request, view) -> bool:
        if not hasattr(view, request.method.lower()):
            return True  # the view answers 405 Method Not Allowed, whoever asks
        integration = request_integration(request)
        if integration is not None:
            scope = required_scope(view)
            if scope is None:
                raise StaffOnly(_("This endpoint is for staff signed in to Otinish Desk, not for integration tokens."))
            if scope != ANY_SCOPE and not integration.has_scope(scope):
                raise ScopeMissing(_("The token lacks the “%(scope)s” scope for this endpoint.") % {"scope": scope})
            return True
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False  # 401 with WWW-Authenticate
        if not getattr(view, "staff_allowed", True):
            raise IntegrationOnly(_("This endpoint is for integration tokens."))
        return True


class PublicAccess(BasePermission):
    """Open to anyone (Open311's service list): nothing personal is shown."""

    def has_permission(self, request, view) -> bool:
        return True


class Open311ReadAccess(ApiAccess):
    """Open311 requests: reads are public, as GeoReport v2 has them (the view then shows only the public
    requests and fields, see appeals/api/open311.py); a write needs a token with its scope. A key that is
    not valid never reaches here: authentication refuses it (403)."""

    def has_permission(self, request, view) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS") and request_integration(request) is None:
            return True
        return super().has_permission(request, view)
