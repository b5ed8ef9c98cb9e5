"""Flags that must not open anything: `is_staff` is not `is_superuser`, a switched-off integration's token
and a deactivated user reach nothing.

No other test had a member of staff with `is_staff=True` (the admin flag) who is not a superuser, so code
that asked `is_staff` where it meant `is_superuser` would have shown every appeal to them unnoticed.
"""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from agencies.choices import Role
from agencies.models import User
from agencies.selectors import agencies_visible_to, user_roles_for
from appeals import lifecycle
from appeals.access.selectors import appeals_visible_to

from ..api.conftest import assert_error, make_integration, token_client
from ..conftest import member
from ..web.conftest import make
from .test_access_matrix import ENDPOINTS, _call, _prepare, body, expected, world  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db


# --- is_staff without is_superuser ----------------------------------------------------------------------
@pytest.fixture
def staff_executor(agency):
    """An executor of the department who may also open the Django admin (is_staff), not a superuser."""
    return member(agency, Role.EXECUTOR, username="staff-executor", is_staff=True, is_superuser=False)


def test_a_staff_flag_sees_only_its_own_agency(staff_executor, agency, district, sibling, other_region):
    own = make(agency=agency)
    elsewhere = [make(agency=node) for node in (district, sibling, other_region)]
    assert list(appeals_visible_to(staff_executor)) == [own]
    assert set(agencies_visible_to(staff_executor)) == {agency}
    assert user_roles_for(staff_executor, sibling) == frozenset()
    for appeal in elsewhere:
        assert not lifecycle.appeal_available_actions(user=staff_executor, appeal=appeal)


def test_a_staff_flag_gets_404_for_other_agencies_on_pages_and_the_api(client, staff_executor, agency, sibling):
    own, foreign = make(agency=agency), make(agency=sibling)
    client.force_login(staff_executor)
    assert client.get(f"/appeals/{own.pk}/").status_code == 200
    assert client.get(f"/appeals/{foreign.pk}/").status_code == 404
    listing = client.get("/appeals/?queue=all").content.decode()
    assert own.number in listing and foreign.number not in listing
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_login(staff_executor)
    assert api.get(f"/api/v1/appeals/{own.pk}/").status_code == 200
    assert_error(api.get(f"/api/v1/appeals/{foreign.pk}/"), 404, "not_found")
    numbers = [row["number"] for row in api.get("/api/v1/appeals/").json()["results"]]
    assert numbers == [own.number]


def test_a_staff_flag_grants_no_role(staff_executor, agency):
    """An executor with the admin flag still may not approve: that is the supervisor's."""
    appeal = make("awaiting_approval", agency=agency, assignee=staff_executor)
    assert not lifecycle.appeal_can(user=staff_executor, appeal=appeal, action="approve")
    with pytest.raises(lifecycle.AppealPermissionError):
        lifecycle.appeal_approve(appeal=appeal, actor=staff_executor, outcome="satisfied")


@pytest.mark.parametrize("relation", ["own", "child", "sibling"])
@pytest.mark.parametrize("role", ["registrar", "executor", "supervisor"])
def test_the_access_matrix_is_the_same_with_the_staff_flag(role, relation, agency, request):
    """tests/security/test_access_matrix.py's table, for members of staff who also hold is_staff."""
    user = member(agency, {"registrar": Role.REGISTRAR, "executor": Role.EXECUTOR, "supervisor": Role.SUPERVISOR}[role],
                  username=f"caller-{role}", is_staff=True)  # fmt: skip
    tree_and_workers = request.getfixturevalue("world")
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    mismatches = []
    for ep in ENDPOINTS:
        appeal, ctx = _prepare(ep, user, relation, tree_and_workers)
        response = _call(client, ep, appeal, ctx)
        want = expected(role, relation, ep)
        if response.status_code != want:
            mismatches.append(f"{ep.name}: expected {want}, got {response.status_code}")
        elif ep.lists and want == 200:
            shown = appeal.number.encode() in body(response)
            sees = relation == "own" or (role == "supervisor" and relation == "child")
            if shown != (sees and not ep.public_read):  # Open311's keyless reads list only its own requests
                mismatches.append(f"{ep.name}: the appeal is {'shown' if shown else 'missing'}")
    if mismatches:
        pytest.fail("\n".join(mismatches), pytrace=False)


# --- A deactivated user -----------------------------------------------------------------------------------
def test_a_deactivated_member_sees_nothing_and_may_do_nothing(agency, supervisor):
    appeal = make(agency=agency)
    assert list(appeals_visible_to(supervisor)) == [appeal]
    supervisor.is_active = False
    supervisor.save()
    fresh = User.objects.get(pk=supervisor.pk)  # as the next request or task loads it
    assert not appeals_visible_to(fresh).exists()
    assert not agencies_visible_to(fresh).exists()
    assert not lifecycle.appeal_available_actions(user=fresh, appeal=appeal)


# --- A switched-off integration ---------------------------------------------------------------------------
def _entry_points():
    """Every operation of the OpenAPI schema that takes a token (the schema lists them all)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    points = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            schemes = {name for requirement in operation.get("security") or [] for name in requirement}
            if schemes & {"bearerAuth", "open311ApiKey"}:
                points.append((method, path))
    return points


ENTRY_POINTS = _entry_points()


def test_the_entry_points_include_intake_reads_actions_webhooks_and_open311():
    paths = {path for _method, path in ENTRY_POINTS}
    assert {"/api/v1/appeals/", "/api/v1/appeals/batch/", "/api/v1/me/", "/api/v1/webhooks/"} <= paths
    assert {"/open311/v2/requests.json", "/open311/v2/requests/{number}.json"} <= paths
    assert len(ENTRY_POINTS) >= 30


@pytest.fixture
def switched_off(agency):
    """An integration with every scope whose token worked until an administrator switched it off."""
    integration, token = make_integration(agency, scopes=("intake", "read"))
    assert token_client(token).get("/api/v1/me/").status_code == 200  # the token itself is good
    integration.is_active = False
    integration.save(update_fields=["is_active"])
    return integration, token


def _url(path, appeal):
    return path.replace("{id}", str(appeal.pk)).replace("{number}", appeal.number).replace("{code}", "roads")


def assert_refused(response, path):
    """The API answers 401 in its error shape; Open311 answers 403 as GeoReport v2 says ("api_key was not
    provided or is invalid"), in its own shape."""
    if path.startswith("/open311/"):
        assert response.status_code == 403, response.content
        assert [error["code"] for error in response.json()] == [403]
    else:
        assert_error(response, 401, "authentication_failed")


@pytest.mark.parametrize(("method", "path"), ENTRY_POINTS)
def test_a_switched_off_integrations_token_is_refused_everywhere(method, path, switched_off, agency, category):
    _integration, token = switched_off
    appeal = make(agency=agency, category=category)
    response = getattr(token_client(token), method)(_url(path, appeal), {}, format="json")
    assert_refused(response, path)


def test_a_switched_off_integrations_open311_api_key_is_refused(switched_off, agency, category):
    _integration, token = switched_off
    appeal = make(agency=agency, category=category)
    client = APIClient()
    for url in ("/open311/v2/requests.json", f"/open311/v2/requests/{appeal.number}.json"):
        assert_refused(client.get(url, {"api_key": token}), url)
    form = {"api_key": token, "service_code": "roads", "description": "Яма", "first_name": "Иван"}
    assert_refused(client.post("/open311/v2/requests.json", form), "/open311/")


def test_an_integration_of_a_closed_agency_is_refused(agency):
    _integration, token = make_integration(agency, scopes=("intake", "read"))
    agency.is_active = False
    agency.save(update_fields=["is_active"])
    assert_error(token_client(token).get("/api/v1/appeals/"), 401, "authentication_failed")
