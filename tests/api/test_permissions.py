"""The permission matrix: role × the caller's agency relative to the appeal's × endpoint.

The appeal lives in the department (`agency`). The caller belongs to that agency (own), to its
district (child), to the ministry above it (parent), to another department of the ministry
(sibling), or to an akimat of another region (other). Staff see their own agency's appeals, and a
supervisor sees the whole subtree; an integration token sees its agency's subtree. Anything not
visible is a 404 — for reads and for actions alike; a visible appeal the role may not act on is a 403.
"""

import pytest
from rest_framework.test import APIClient

from agencies.choices import Role
from appeals.models import AppealEvent

from ..conftest import member
from ..factories import AppealFactory
from .conftest import assert_error, make_integration, token_client

RELATIONS = ["own", "child", "parent", "sibling", "other"]
ROLES = [Role.REGISTRAR, Role.EXECUTOR, Role.SUPERVISOR]
READS = ["retrieve", "timeline", "list", "responses"]
ACTIONS = ["take", "assign", "redirect", "notes", "approve"]


@pytest.fixture
def tree(ministry, agency, district, sibling, other_region):
    return {"own": agency, "child": district, "parent": ministry, "sibling": sibling, "other": other_region}


def staff_sees(role, relation):
    return relation == "own" or (role == Role.SUPERVISOR and relation == "parent")


def staff_may(role, action):
    if action in READS:
        return True
    return {
        "take": role == Role.EXECUTOR,
        "assign": role == Role.SUPERVISOR,
        "redirect": role in {Role.REGISTRAR, Role.SUPERVISOR},
        "notes": True,
        "approve": False,  # the appeal is registered: approving is a 409 (the status is checked first)
    }[action]


def call(client, endpoint, appeal, ctx):
    base = f"/api/v1/appeals/{appeal.pk}/"
    if endpoint == "retrieve":
        return client.get(base)
    if endpoint == "timeline":
        return client.get(base + "timeline/")
    if endpoint == "list":
        return client.get("/api/v1/appeals/")
    if endpoint == "responses":
        return client.get(f"/api/v1/responses/?appeal={appeal.pk}")
    data = {
        "take": {},
        "assign": {"executor": ctx["executor"].pk},
        "redirect": {"to_agency": "oth", "reason": "Компетенция акимата"},
        "notes": {"text": "Заметка"},
        "approve": {},
    }[endpoint]
    return client.post(base + f"{endpoint}/", data, format="json")


def expected_status(sees: bool, may: bool, endpoint: str, role=None) -> int:
    if endpoint in READS:
        return 200 if (sees or endpoint in {"list", "responses"}) else 404
    if not sees:
        return 404
    if endpoint == "approve":
        return 409
    if endpoint == "notes":
        return 201
    return 200 if may else 403


@pytest.mark.parametrize("endpoint", READS + ACTIONS)
@pytest.mark.parametrize("relation", RELATIONS)
@pytest.mark.parametrize("role", ROLES)
def test_staff(tree, agency, category, role, relation, endpoint):
    appeal = AppealFactory(agency=agency, category=category)
    ctx = {"executor": member(agency, Role.EXECUTOR, username="assignee")}
    user = member(tree[relation], role, username=f"{role}-{relation}")
    client = APIClient()
    client.force_login(user)
    sees = staff_sees(role, relation)

    response = call(client, endpoint, appeal, ctx)

    assert response.status_code == expected_status(sees, staff_may(role, endpoint), endpoint, role), response.content
    if endpoint == "list":
        assert (appeal.pk in [a["id"] for a in response.json()["results"]]) is sees
    if endpoint == "responses":
        assert response.json()["count"] == 0
    if response.status_code >= 400:
        assert set(response.json()) == {"error"}
        assert not AppealEvent.objects.filter(appeal=appeal).exists()


@pytest.mark.parametrize("endpoint", READS + ACTIONS)
@pytest.mark.parametrize("relation", RELATIONS)
@pytest.mark.parametrize("scope", ["read", "intake"])
def test_integration(tree, agency, category, scope, relation, endpoint):
    appeal = AppealFactory(agency=agency, category=category)
    ctx = {"executor": member(agency, Role.EXECUTOR, username="assignee")}
    _integration, token = make_integration(tree[relation], scopes=(scope,))
    client = token_client(token)
    sees = relation in {"own", "parent"}

    response = call(client, endpoint, appeal, ctx)

    if endpoint in ACTIONS:
        assert response.status_code == 403 and response.json()["error"]["code"] == "staff_only"
    elif scope != "read":
        assert response.status_code == 403 and response.json()["error"]["code"] == "scope_missing"
    else:
        assert response.status_code == expected_status(sees, True, endpoint), response.content
        if endpoint == "list":
            assert (appeal.pk in [a["id"] for a in response.json()["results"]]) is sees


@pytest.mark.parametrize("endpoint", READS + ACTIONS)
def test_anonymous(agency, category, endpoint):
    appeal = AppealFactory(agency=agency, category=category)
    response = call(APIClient(), endpoint, appeal, {"executor": appeal.registered_by or member(agency, Role.EXECUTOR)})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_superuser_sees_and_acts_everywhere(agency, category, other_region):
    from ..factories import UserFactory

    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    appeal = AppealFactory(agency=other_region, category=category)
    client = APIClient()
    client.force_login(root)
    body = client.get(f"/api/v1/appeals/{appeal.pk}/").json()
    assert body["number"] == appeal.number
    # ...and acts there: takes a note on an appeal of an agency it is no member of.
    response = client.post(f"/api/v1/appeals/{appeal.pk}/notes/", {"text": "Checked"}, format="json")
    assert response.status_code == 201
    assert AppealEvent.objects.filter(appeal=appeal, actor=root).count() == 1


def test_an_inactive_user_is_refused(agency, appeal):
    user = member(agency, Role.SUPERVISOR, username="gone")
    client = APIClient()
    client.force_login(user)
    user.is_active = False
    user.save()
    assert_error(client.get(f"/api/v1/appeals/{appeal.pk}/"), 401, "not_authenticated")


def test_webhook_endpoints_are_for_integrations_only(staff_client, supervisor):
    response = staff_client(supervisor).get("/api/v1/webhooks/")
    assert response.status_code == 403 and response.json()["error"]["code"] == "integration_only"
