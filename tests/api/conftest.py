"""Fixtures of the API tests: integrations with tokens, a routed category, a valid intake body."""

import base64

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from agencies.choices import Region
from appeals.access.integrations import integration_create
from appeals.models import IntegrationScope

from ..factories import CategoryRouteFactory, valid_bin, valid_iin

PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Throttle counters live in the cache: every test starts with a full budget."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _webhooks_to_localhost(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True


def make_integration(agency, scopes=("intake", "read"), name=None, **kwargs):
    integration, token = integration_create(
        name=name or f"Integration {agency.code} {'+'.join(scopes)}", agency=agency, scopes=list(scopes), **kwargs
    )
    return integration, token


def token_client(token: str, language: str = "en") -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def portal(ministry):
    """The citizens' portal: intake and read over the whole ministry subtree."""
    return make_integration(ministry, name="Citizens' portal")


@pytest.fixture
def portal_client(portal):
    return token_client(portal[1])


@pytest.fixture
def route(category, agency):
    """Roads in Astana go to the department (`agency`)."""
    return CategoryRouteFactory(category=category, region=Region.ASTANA, agency=agency)


@pytest.fixture
def staff_client():
    def login(user, language="en"):
        client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
        client.force_login(user)
        return client

    return login


def intake_body(n: int = 1, **overrides):
    body = {
        "external_id": f"portal-{n}",
        "kind": "complaint",
        "channel": "portal",
        "language": "ru",
        "applicant": {
            "type": "individual",
            "iin": valid_iin(n),
            "full_name": "Иванов Иван Иванович",
            "email": "ivanov@mail.kz",
            "phone": "+7 701 123 45 67",
            "address": "Астана, ул. Абая 1",
        },
        "region": "astana",
        "category": "roads",
        "subject": "Яма на дороге",
        "text": "Прошу отремонтировать дорогу у дома 1.",
        "received_at": "2026-02-02T09:30:00+05:00",
    }
    applicant = overrides.pop("applicant", None)
    if applicant is not None:
        body["applicant"] = {**body["applicant"], **applicant}
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


def legal_applicant(n: int = 1):
    return {"type": "legal", "iin": "", "bin": valid_bin(n), "full_name": "ТОО «Жол»"}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def assert_error(response, status: int, code: str, fields=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    if fields is not None:
        assert set(body["error"]["fields"]) == set(fields), body["error"]["fields"]
    return body["error"]


__all__ = ["PDF_BYTES", "IntegrationScope", "assert_error", "b64", "intake_body", "legal_applicant"]
