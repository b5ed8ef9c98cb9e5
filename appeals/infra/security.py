"""Middleware of issue 8: idle sessions end, a second factor is asked for when the user set one up,
and one log line per request without its query string or any personal data.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

LAST_SEEN_KEY = "last_seen"
OTP_REQUIRED_KEY = "otp_required"
# The last-seen time is written at most this often (a session write per request would be wasteful).
LAST_SEEN_RESOLUTION_SECONDS = 60

request_log = logging.getLogger("otinish.request")


class IdleSessionMiddleware:
    """Signs out a user who made no request for SESSION_IDLE_SECONDS (0: never)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        idle = int(getattr(settings, "SESSION_IDLE_SECONDS", 0) or 0)
        user = getattr(request, "user", None)
        if idle and user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            last = request.session.get(LAST_SEEN_KEY)
            if isinstance(last, int) and now - last > idle:
                logout(request)
                if request.path.startswith(("/api/", "/open311/")):
                    return JsonResponse(
                        {"error": {"code": "session_expired", "message": _("Your session has expired."), "fields": {}}},
                        status=401,
                    )
                messages.info(request, _("You were signed out after a period of inactivity. Please sign in again."))
                return redirect(f"{reverse('login')}?{urlencode({'next': request.path})}")
            if not isinstance(last, int) or now - last >= LAST_SEEN_RESOLUTION_SECONDS:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)


def otp_required(request: HttpRequest) -> bool:
    """Whether this signed-in session still owes its second factor."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not hasattr(request, "session"):
        return False
    if not request.session.get(OTP_REQUIRED_KEY):
        return False
    verified = getattr(user, "is_verified", None)
    return not (verified and verified())


@receiver(user_logged_in)
def _remember_whether_a_second_factor_is_due(sender, request, user, **kwargs):
    """Read once at sign-in (one query), so that every later request knows without asking the database."""
    if request is None or not hasattr(request, "session"):
        return
    from django_otp import user_has_device

    request.session[OTP_REQUIRED_KEY] = user_has_device(user, confirmed=True)
    # The idle clock starts now (and the first request does not have to write the session).
    request.session[LAST_SEEN_KEY] = int(time.time())


class SecondFactorMiddleware:
    """A user with a confirmed TOTP device must enter a code before anything else (the admin included)."""

    OPEN_PREFIXES = ("/static/", "/i18n/", "/healthz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if otp_required(request):
            allowed = {reverse("otp_verify"), reverse("logout")}
            if request.path not in allowed and not request.path.startswith(self.OPEN_PREFIXES):
                if request.path.startswith(("/api/", "/open311/")):
                    return JsonResponse(
                        {
                            "error": {
                                "code": "second_factor_required",
                                "message": _("Enter the code from your authenticator app first."),
                                "fields": {},
                            }
                        },
                        status=403,
                    )
                return redirect(f"{reverse('otp_verify')}?{urlencode({'next': request.path})}")
        return self.get_response(request)


class RequestLogMiddleware:
    """One line per request: method, path (never the query string), status, duration, user id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.monotonic()
        response = self.get_response(request)
        user = getattr(request, "user", None)
        route = getattr(getattr(request, "resolver_match", None), "route", "") or ""
        request_log.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "route": route,
                "status": response.status_code,
                "duration_ms": round((time.monotonic() - started) * 1000, 1),
                "user_id": user.pk if user is not None and user.is_authenticated else None,
            },
        )
        return response
