"""Integrations: issuing and checking tokens, webhook endpoints, and what an integration may see.

A token is `otn_` and 43 random URL-safe characters; only its SHA-256 hash is stored, so a token
is shown once (when issued) and cannot be read back. A lost token is replaced by a new one.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from agencies.models import Agency

from ..infra.prepared import PreparedQuery
from ..models import Appeal, Integration, IntegrationScope, WebhookEndpoint

TOKEN_PREFIX = "otn_"  # noqa: S105 - the visible prefix of every token, not a secret
RATE_LIMIT_RE = re.compile(r"^\d{1,7}/(s|sec|second|m|min|minute|h|hour|d|day)$")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def validate_scopes(scopes: list[str]) -> list[str]:
    unknown = sorted(set(scopes) - set(IntegrationScope.values))
    if unknown:
        raise ValidationError({"scopes": _("Unknown scopes: %(scopes)s.") % {"scopes": ", ".join(unknown)}})
    if not scopes:
        raise ValidationError({"scopes": _("Give the integration at least one scope.")})
    return [scope for scope in IntegrationScope.values if scope in scopes]


def validate_rate_limit(value: str) -> str:
    value = value.strip()
    if value and not RATE_LIMIT_RE.match(value):
        raise ValidationError({"rate_limit": _("Write the limit as a number of requests per period, e.g. 600/min.")})
    return value


@transaction.atomic
def integration_create(
    *, name: str, agency: Agency, scopes: list[str], rate_limit: str = ""
) -> tuple[Integration, str]:
    """Create an integration; returns it with its token, which is never shown again."""
    if not name.strip():
        raise ValidationError({"name": _("Name the integration.")})
    if Integration.objects.filter(name=name.strip()).exists():
        raise ValidationError({"name": _("An integration with this name already exists.")})
    token = _new_token()
    integration = Integration.objects.create(
        name=name.strip(),
        agency=agency,
        scopes=validate_scopes(scopes),
        rate_limit=validate_rate_limit(rate_limit),
        token_hash=token_hash(token),
        token_prefix=token[:12],
    )
    return integration, token


@transaction.atomic
def integration_rotate_token(*, integration: Integration) -> str:
    """Replace the token (the old one stops working at once); returns the new one, shown once."""
    token = _new_token()
    Integration.objects.filter(pk=integration.pk).update(token_hash=token_hash(token), token_prefix=token[:12])
    integration.token_hash = token_hash(token)
    integration.token_prefix = token[:12]
    return token


def _by_token(digest: str) -> QuerySet[Integration]:
    return (
        Integration.objects.select_related("agency")
        .annotate(has_webhooks=Exists(WebhookEndpoint.objects.filter(integration=OuterRef("pk"), is_active=True)))
        .filter(token_hash=digest, is_active=True, agency__is_active=True)
        .order_by("pk")[:1]
    )


# Every API request of an integration runs it: compiled once per process (appeals/infra/prepared.py).
_integration_by_token = PreparedQuery(_by_token)


def integration_by_token(token: str) -> Integration | None:
    """The active integration holding `token`, with its agency scope (one query), or None.

    It comes with `has_webhooks` (whether it has an active webhook endpoint), so that registering its appeals
    looks for endpoints only when there are some (appeals.notices.webhooks).
    """
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    return _integration_by_token.first(token_hash(token))


def appeals_visible_to_integration(integration: Integration) -> QuerySet[Appeal]:
    """The appeals of the integration's agency and of every agency under it (as for a supervisor there)."""
    if not integration.is_active:
        return Appeal.objects.none()
    return Appeal.objects.filter(agency__path__startswith=integration.agency.path)


def integration_may_submit_to(integration: Integration, agency: Agency) -> bool:
    return agency.path.startswith(integration.agency.path)


# --- Webhook endpoints -------------------------------------------------------------------------------
def validate_webhook_url(url: str) -> str:
    """A webhook URL must be https on a public host (plain http and private hosts only where allowed)."""
    url = url.strip()
    parts = urlsplit(url)
    allow_private = settings.WEBHOOK_ALLOW_PRIVATE_URLS
    if parts.scheme not in ({"https", "http"} if allow_private else {"https"}) or not parts.hostname:
        raise ValidationError({"url": _("The webhook URL must start with https:// and name a host.")})
    if parts.username or parts.password:
        raise ValidationError({"url": _("Do not put credentials in the URL; verify the signature instead.")})
    if not allow_private and host_is_private(parts.hostname):
        raise ValidationError({"url": _("The webhook URL must point to a public host.")})
    return url


def host_is_private(host: str) -> bool:
    """Whether a host name or address is this machine or a private network (no DNS lookup here)."""
    if host.lower() in {"localhost", "localhost.localdomain"} or host.lower().endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return not address.is_global


def _new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


@transaction.atomic
def webhook_endpoint_create(
    *, integration: Integration, url: str, description: str = ""
) -> tuple[WebhookEndpoint, str]:
    """Register a callback URL; returns the endpoint and its signing secret (shown once)."""
    url = validate_webhook_url(url)
    if not integration.has_scope(IntegrationScope.READ):
        raise ValidationError(_("Status webhooks need the “read” scope."))
    if WebhookEndpoint.objects.filter(integration=integration, url=url, is_active=True).exists():
        raise ValidationError({"url": _("This URL is already registered.")})
    secret = _new_secret()
    endpoint = WebhookEndpoint.objects.create(
        integration=integration, url=url, secret=secret, description=description.strip()[:200]
    )
    return endpoint, secret


@transaction.atomic
def webhook_endpoint_deactivate(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Stop deliveries to an endpoint; its delivery log stays."""
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False)
    endpoint.is_active = False
    return endpoint


def webhook_endpoints_of(integration: Integration) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(integration=integration, is_active=True).order_by("created_at", "id")
