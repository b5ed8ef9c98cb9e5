"""Every error of /api/ in one JSON shape: 400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 500."""

import pytest
from rest_framework.test import APIClient

from appeals.access.integrations import integration_rotate_token

from .conftest import assert_error, intake_body, make_integration, token_client


def test_no_credentials_is_a_401_with_www_authenticate():
    response = APIClient().get("/api/v1/appeals/")
    error = assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "Bearer" in error["message"]


@pytest.mark.parametrize(
    "header",
    ["Bearer otn_not-a-real-token", "Bearer", "Bearer a b", "Bearer not-our-prefix"],
)
def test_a_bad_token_is_a_401(db, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert_error(client.get("/api/v1/appeals/"), 401, "authentication_failed")


def test_a_disabled_integration_or_an_old_token_is_a_401(portal):
    integration, token = portal
    new_token = integration_rotate_token(integration=integration)
    assert_error(token_client(token).get("/api/v1/me/"), 401, "authentication_failed")
    assert token_client(new_token).get("/api/v1/me/").status_code == 200
    integration.is_active = False
    integration.save()
    assert_error(token_client(new_token).get("/api/v1/me/"), 401, "authentication_failed")


def test_an_unknown_url_under_the_api_is_a_json_404(db):
    assert_error(APIClient().get("/api/v1/nothing-here/"), 404, "not_found")
    assert_error(APIClient().post("/api/v2/appeals/"), 404, "not_found")


def test_a_wrong_method_is_a_405(portal_client, appeal):
    response = portal_client.delete(f"/api/v1/appeals/{appeal.pk}/")
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


@pytest.mark.parametrize(
    ("language", "message"),
    [("en", 'Method "DELETE" not allowed.'), ("ru", 'Метод "DELETE" не разрешен.')],
)
def test_messages_are_translated(portal, appeal, language, message):
    response = token_client(portal[1], language=language).delete(f"/api/v1/appeals/{appeal.pk}/")
    assert assert_error(response, 405, "method_not_allowed")["message"] == message


def test_the_rate_limit_is_per_token_and_answers_429_with_retry_after(ministry, agency):
    _limited, token = make_integration(ministry, name="Slow", rate_limit="3/min")
    _other, other_token = make_integration(ministry, name="Other")
    client = token_client(token)
    assert [client.get("/api/v1/me/").status_code for _ in range(3)] == [200, 200, 200]
    response = client.get("/api/v1/me/")
    error = assert_error(response, 429, "throttled")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response["Retry-After"] in error["message"]
    assert token_client(other_token).get("/api/v1/me/").status_code == 200


def test_the_default_rate_comes_from_the_settings(ministry, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "integration": "2/min"},
    }
    _integration, token = make_integration(ministry)
    client = token_client(token)
    assert [client.get("/api/v1/me/").status_code for _ in range(3)] == [200, 200, 429]


def test_an_unexpected_failure_is_a_500_in_the_same_shape(portal_client, monkeypatch, caplog):
    from appeals.api import directory

    def explode(self, request):
        raise RuntimeError("boom")

    monkeypatch.setattr(directory.MeView, "get", explode)
    response = portal_client.get("/api/v1/me/")
    error = assert_error(response, 500, "server_error")
    assert "boom" not in error["message"]
    assert "boom" in caplog.text


def test_an_invalid_id_in_the_url_is_a_404(portal_client):
    assert_error(portal_client.get("/api/v1/appeals/abc/"), 404, "not_found")


def test_intake_errors_roll_back_with_the_shape(portal_client, route):
    response = portal_client.post("/api/v1/appeals/", intake_body(region="mars"), format="json")
    assert_error(response, 400, "invalid", ["region"])
