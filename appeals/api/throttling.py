"""Rate limits: per integration token, per member of staff, per address without credentials.

Counts live in the default cache (locmem per process by default; set CACHE_URL to Redis so that
several web processes share them). An exceeded limit is a 429 with Retry-After.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from .authentication import request_integration


class IntegrationRateThrottle(SimpleRateThrottle):
    """One budget per integration: its own rate (admin) or API_RATE_LIMIT."""

    scope = "integration"

    def __init__(self):
        pass  # the rate is the integration's, known only with the request

    def allow_request(self, request, view):
        integration = request_integration(request)
        if integration is None:
            return True
        self.rate = (
            integration.rate_limit
            or api_settings.DEFAULT_THROTTLE_RATES.get("integration")
            or (settings.API_RATE_LIMIT)
        )
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        integration = request_integration(request)
        return self.cache_format % {"scope": self.scope, "ident": integration.pk}


class _SettingsRate:
    def get_rate(self):
        # Read at every request (not once at import), so that a changed setting takes effect.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class StaffRateThrottle(_SettingsRate, SimpleRateThrottle):
    scope = "staff"

    def get_cache_key(self, request, view):
        if request_integration(request) is not None or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class AnonymousRateThrottle(_SettingsRate, SimpleRateThrottle):
    scope = "anonymous"

    def get_cache_key(self, request, view):
        if request_integration(request) is not None or request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
