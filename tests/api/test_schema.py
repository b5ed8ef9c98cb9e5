"""The OpenAPI schema: valid, complete, and honest — schemathesis calls every operation with generated
data (as an integration and as a member of staff) and checks that nothing answers 5xx and every answer
conforms to the schema (status codes, content types, bodies, headers)."""

import json
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.middleware.csrf import _get_new_csrf_string
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from agencies.choices import Role

from ..conftest import member
from ..factories import AppealFactory, UserFactory
from .conftest import make_integration

# Bounded so that the run stays around a minute in CI; SCHEMATHESIS_MAX_EXAMPLES=200 for a deeper run by hand.
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "12"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]

_application = get_wsgi_application()


def test_the_schema_is_served_as_openapi_3_and_documents_every_endpoint(db):
    response = APIClient().get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = set(schema["paths"])
    for path in [
        "/api/v1/appeals/",
        "/api/v1/appeals/{id}/",
        "/api/v1/appeals/{id}/timeline/",
        "/api/v1/appeals/{id}/take/",
        "/api/v1/appeals/{id}/assign/",
        "/api/v1/appeals/{id}/redirect/",
        "/api/v1/appeals/{id}/extend/",
        "/api/v1/appeals/{id}/respond/",
        "/api/v1/appeals/{id}/approve/",
        "/api/v1/appeals/{id}/close/",
        "/api/v1/responses/",
        "/api/v1/agencies/",
        "/api/v1/categories/",
        "/api/v1/webhooks/",
        "/api/v1/me/",
        "/open311/v2/services.json",
        "/open311/v2/requests.json",
        "/open311/v2/requests/{number}.json",
    ]:
        assert path in paths, path
    intake = schema["paths"]["/api/v1/appeals/"]["post"]
    assert set(intake["responses"]) >= {"200", "201", "400", "401", "403", "422", "429"}
    assert intake["responses"]["429"]["headers"]["Retry-After"]
    request_schema = schema["components"]["schemas"]["AppealIntakeRequest"]
    assert request_schema["additionalProperties"] is False
    assert set(request_schema["required"]) >= {"external_id", "kind", "channel", "language", "applicant", "region"}
    assert set(schema["components"]["securitySchemes"]) == {"bearerAuth", "cookieAuth", "open311ApiKey"}
    description = schema["info"]["description"]
    for words in ("X-Otinish-Signature", "HMAC-SHA256", "curl", "Idempotency-Key", "Open311", "Retry-After"):
        assert words in description


@pytest.fixture
def _keep_the_test_connection():
    """Django closes a connection whose autocommit differs from the settings at the start and end of
    each request — always so inside the test's transaction on PostgreSQL. The test client switches
    that off; the raw WSGI calls made here must too."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(db, settings, ministry, agency, district, category, _keep_the_test_connection):
    """Some data to find, generous rate limits, and both kinds of caller."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"integration": "100000/min", "staff": "100000/min", "anonymous": "100000/min"},
    }
    from .conftest import CategoryRouteFactory

    CategoryRouteFactory(category=category, region="", agency=agency)
    AppealFactory.create_batch(3, agency=agency, category=category)
    _integration, token = make_integration(ministry, name="Schemathesis")
    boss = member(agency, Role.SUPERVISOR, username="fuzz-boss")
    member(agency, Role.EXECUTOR, username="fuzz-executor")
    UserFactory(username="nobody")
    return {"token": token, "supervisor": boss}


def _load_schema(mode="positive"):
    """The schema as /api/schema/ serves it, generated without a request (no database at collection)."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    document = json.loads(OpenApiJsonRenderer().render(generated, renderer_context={}))
    config = SchemathesisConfig.from_dict(
        {
            "generation": {"max-examples": MAX_EXAMPLES, "database": "none", "mode": mode},
            "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
        }
    )
    loaded = schemathesis.openapi.from_dict(document, config=config)
    loaded.app = _application  # calls go through the real WSGI application, in the test's transaction
    return loaded


schema = _load_schema()
# Data the schema forbids (a string for an integer, 0 for an id of minimum 1, a page_size of -5) in the
# query of the reads: the server must refuse it with a 4xx. Catches a schema looser than the server's
# checks. (Bodies are checked by the serializers, which the schema is generated from.)
negative_schema = _load_schema(mode="negative").include(method="GET")


def _settings():
    return hypothesis_settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=MAX_EXAMPLES <= 12,  # the CI run is the same every time
    )


@schema.parametrize()
@_settings()
def test_as_an_integration_nothing_fails_and_every_answer_matches_the_schema(case, world):
    case.call_and_validate(headers={"Authorization": f"Bearer {world['token']}"}, checks=CHECKS, excluded_checks=[])


@schema.parametrize()
@_settings()
def test_as_staff_nothing_fails_and_every_answer_matches_the_schema(case, world, client):
    client.force_login(world["supervisor"])
    secret = _get_new_csrf_string()
    cookies = {"sessionid": client.cookies["sessionid"].value, "csrftoken": secret}
    case.call_and_validate(headers={"X-CSRFToken": secret}, cookies=cookies, checks=CHECKS, excluded_checks=[])


@negative_schema.parametrize()
@_settings()
def test_what_the_schema_forbids_is_refused_with_a_4xx_and_never_a_5xx(case, world):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {world['token']}"},
        checks=[not_a_server_error, negative_data_rejection],
        excluded_checks=[],
    )
