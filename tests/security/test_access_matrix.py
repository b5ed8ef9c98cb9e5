"""The access matrix: every caller × every page and endpoint × where the appeal sits, with the exact status.

The caller belongs to the department (`agency`) as registrar, executor or supervisor; or is an
integration token of the department with a given scope; or is anonymous. The appeal sits in the
caller's own agency, a child of it (the district), its parent (the ministry), a sibling (another
department of the ministry) or an agency of another region.

The rules the table encodes:
- staff see the appeals of their own agency; a supervisor sees the whole subtree (own and child);
  a token sees its agency's subtree;
- anything not visible answers 404, whatever the method, never 403 (that would confirm it exists);
- a visible appeal the role may not act on answers 403;
- pages need a signed-in user (anonymous: redirect to sign in), the API answers 401 without credentials;
- tokens only reach the API endpoints their scope names, never the desk pages or the staff actions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from agencies.choices import Role
from appeals import lifecycle
from appeals.calendar.workdays import get_calendar
from appeals.models import AppealResponse
from appeals.models.choices import AppealStatus, ResponseStatus

from ..api.conftest import make_integration, token_client
from ..conftest import member
from ..web.conftest import make

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
RELATIONS = ("own", "child", "parent", "sibling", "other")
STAFF = ("registrar", "executor", "supervisor")
TOKENS = ("token:intake", "token:read", "token:intake+read")
CALLERS = (*STAFF, *TOKENS, "anonymous")
R, E, S = Role.REGISTRAR, Role.EXECUTOR, Role.SUPERVISOR
ANY_STAFF = frozenset({R, E, S})


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LANGUAGE_CODE = "en"


def _later(appeal, days=3) -> str:
    return get_calendar().add_working_days(appeal.due_date, days).isoformat()


@dataclass(frozen=True)
class Endpoint:
    name: str
    kind: str  # "page" (the desk, session only), "api" (staff or token), "staff-api" (staff only)
    status: str  # the appeal's status the endpoint works from
    method: str
    url: str  # formatted with {pk} and {att}
    data: Any = None  # a dict, or a callable (appeal, ctx) -> dict
    roles: frozenset = ANY_STAFF  # staff roles allowed on a visible appeal
    ok: int = 200  # the status of success for staff
    scope: str | None = None  # the token scope that opens it ("api" endpoints)
    token_ok: int = 200
    lists: bool = False  # a list: 200 for everyone allowed, the appeal shown only if visible
    # Open311 reads: public without an api_key, and then only the requests submitted through Open311 (these
    # appeals came otherwise): staff and anonymous callers get an empty list and a 404.
    public_read: bool = False


def _actions() -> list[Endpoint]:
    """Every workspace action (POST form) and its API twin: status, data, who may."""
    rows = [
        # slug, api path, status, web data, api data, roles
        ("take", "take", AppealStatus.REGISTERED, {}, {}, {E}),
        (
            "assign",
            "assign",
            AppealStatus.REGISTERED,
            lambda a, c: {"executor": c["colleague"].pk},
            lambda a, c: {"executor": c["colleague"].pk},
            {S},
        ),
        (
            "redirect",
            "redirect",
            AppealStatus.REGISTERED,
            lambda a, c: {"to_agency": c["target"].pk, "reason": "Not our competence"},
            lambda a, c: {"to_agency": c["target"].code, "reason": "Not our competence"},
            {R, S},
        ),
        (
            "request_extension",
            "request-extension",
            AppealStatus.IN_PROGRESS,
            lambda a, c: {"until": _later(a), "reason": "Expert opinion needed"},
            lambda a, c: {"until": _later(a), "reason": "Expert opinion needed"},
            {E},
        ),
        (
            "grant_extension",
            "extend",
            AppealStatus.IN_PROGRESS,
            lambda a, c: {"until": _later(a), "reason": "Site visit"},
            lambda a, c: {"until": _later(a), "reason": "Site visit"},
            {S},
        ),
        (
            "note",
            "notes",
            AppealStatus.IN_PROGRESS,
            {"text": "Called the applicant"},
            {"text": "Called"},
            ANY_STAFF,
            201,
        ),
        (
            "draft",
            "respond",
            AppealStatus.IN_PROGRESS,
            {"text": "The answer", "language": "ru", "outcome": "explained"},
            {"text": "The answer", "language": "ru", "outcome": "explained"},
            {E, S},  # the assignee's (not a colleague's); a supervisor may step in
        ),
        ("submit", "submit", AppealStatus.IN_PROGRESS, {}, {}, {E, S}),
        ("return", "return", AppealStatus.AWAITING_APPROVAL, {"comment": "Cite the law"}, {"comment": "Cite"}, {S}),
        ("approve", "approve", AppealStatus.AWAITING_APPROVAL, {"outcome": "satisfied"}, {"outcome": "satisfied"}, {S}),
        ("leave", "leave", AppealStatus.IN_PROGRESS, {"reason": "no_substance"}, {"reason": "no_substance"}, {S}),
        (
            "terminate",
            "terminate",
            AppealStatus.IN_PROGRESS,
            {"reason": "applicant_deceased"},
            {"reason": "applicant_deceased"},
            {S},
        ),
        ("close", "close", AppealStatus.ANSWERED, {}, {}, {E, S}),
        ("reopen", "reopen", AppealStatus.ANSWERED, {"reason": "Challenged"}, {"reason": "Challenged"}, {S}),
        ("escalate", "escalate", AppealStatus.IN_PROGRESS, {}, {}, {S}),
    ]
    endpoints = []
    for slug, api, status, web_data, api_data, roles, *created in rows:
        endpoints.append(
            Endpoint(f"web:{slug}", "page", status, "post", f"/appeals/{{pk}}/{slug}/", web_data, frozenset(roles), 302)
        )
        endpoints.append(
            Endpoint(
                f"api:{api}",
                "staff-api",
                status,
                "post",
                f"/api/v1/appeals/{{pk}}/{api}/",
                api_data,
                frozenset(roles),
                ok=created[0] if created else 200,
            )
        )
    endpoints.append(
        Endpoint(
            "web:link",
            "page",
            AppealStatus.IN_PROGRESS,
            "post",
            "/appeals/{pk}/link/",
            lambda a, c: {"number": make(agency=a.agency).number, "kind": "related"},
            ANY_STAFF,
            302,
        )
    )
    return endpoints


ENDPOINTS: list[Endpoint] = [
    # The desk's pages
    Endpoint("queue", "page", AppealStatus.REGISTERED, "get", "/appeals/?queue=all", lists=True),
    Endpoint("queue:tree", "page", AppealStatus.REGISTERED, "get", "/appeals/?queue=tree", lists=True),
    Endpoint("export.csv", "page", AppealStatus.REGISTERED, "get", "/appeals/export.csv?queue=all", lists=True),
    Endpoint("export.xlsx", "page", AppealStatus.REGISTERED, "get", "/appeals/export.xlsx?queue=all"),
    Endpoint("workspace", "page", AppealStatus.IN_PROGRESS, "get", "/appeals/{pk}/"),
    Endpoint("receipt", "page", AppealStatus.REGISTERED, "get", "/appeals/{pk}/receipt/"),
    Endpoint("reveal", "page", AppealStatus.IN_PROGRESS, "post", "/appeals/{pk}/reveal/", {}, ok=302),
    Endpoint("attachment:download", "page", AppealStatus.IN_PROGRESS, "get", "/appeals/{pk}/attachments/{att}/"),
    Endpoint(
        "attachment:upload",
        "page",
        AppealStatus.IN_PROGRESS,
        "post",
        "/appeals/{pk}/attachments/",
        lambda a, c: {"file": SimpleUploadedFile("scan.pdf", PDF, "application/pdf")},
        ok=302,
    ),
    # The API
    Endpoint("api:list", "api", AppealStatus.REGISTERED, "get", "/api/v1/appeals/", scope="read", lists=True),
    Endpoint("api:retrieve", "api", AppealStatus.REGISTERED, "get", "/api/v1/appeals/{pk}/", scope="read"),
    Endpoint("api:timeline", "api", AppealStatus.REGISTERED, "get", "/api/v1/appeals/{pk}/timeline/", scope="read"),
    Endpoint(
        "api:responses",
        "api",
        AppealStatus.REGISTERED,
        "get",
        "/api/v1/responses/?appeal={pk}",
        scope="read",
        lists=True,
    ),
    Endpoint(
        "api:attachments",
        "api",
        AppealStatus.IN_PROGRESS,
        "post",
        "/api/v1/appeals/{pk}/attachments/",
        lambda a, c: {"file": SimpleUploadedFile("scan.pdf", PDF, "application/pdf")},
        ok=201,
        scope="intake",
        token_ok=403,  # an integration attaches files only to the appeals it submitted itself
    ),
    # Open311 (tokens with the read scope; public without a key)
    Endpoint(
        "open311:requests",
        "api",
        AppealStatus.REGISTERED,
        "get",
        "/open311/v2/requests.json",
        scope="read",
        lists=True,
        public_read=True,
    ),  # fmt: skip
    Endpoint(
        "open311:request",
        "api",
        AppealStatus.REGISTERED,
        "get",
        "/open311/v2/requests/{number}.json",
        scope="read",
        public_read=True,
    ),  # fmt: skip
    *_actions(),
]


def visible(caller: str, relation: str) -> bool:
    if caller.startswith("token:") or caller == "supervisor":
        return relation in {"own", "child"}
    return relation == "own"


def expected(caller: str, relation: str, ep: Endpoint) -> int:
    """The table: the one status code the caller must get."""
    if ep.public_read and not caller.startswith("token:"):
        return 200 if ep.lists else 404
    if caller == "anonymous":
        return 302 if ep.kind == "page" else 401
    if caller.startswith("token:"):
        if ep.kind == "page":
            return 302  # a token is no session: the desk sends it to sign in
        if ep.kind == "staff-api":
            return 403  # staff only
        if ep.scope not in caller.removeprefix("token:").split("+"):
            return 403  # scope missing
        if ep.lists:
            return 200
        return ep.token_ok if visible(caller, relation) else 404
    if ep.lists or ep.name == "export.xlsx":
        return 200
    if not visible(caller, relation):
        return 404
    role = {"registrar": R, "executor": E, "supervisor": S}[caller]
    return ep.ok if role in ep.roles else 403


@pytest.fixture
def world(ministry, agency, district, sibling, other_region, category):
    tree = {"own": agency, "child": district, "parent": ministry, "sibling": sibling, "other": other_region}
    # An executor in every agency: the assignee of appeals there, and whom a supervisor assigns.
    workers = {key: member(node, Role.EXECUTOR, username=f"worker-{key}") for key, node in tree.items()}
    return tree, workers


def _client_for(caller: str, agency) -> tuple[Any, Any]:
    """(client, user or None)."""
    if caller == "anonymous":
        return APIClient(HTTP_ACCEPT_LANGUAGE="en"), None
    if caller.startswith("token:"):
        scopes = caller.removeprefix("token:").split("+")
        _integration, token = make_integration(agency, scopes=scopes)
        return token_client(token), None
    role = {"registrar": R, "executor": E, "supervisor": S}[caller]
    user = member(agency, role, username=f"caller-{caller}")
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client, user


def _prepare(ep: Endpoint, caller_user, relation: str, world) -> tuple[Any, dict]:
    tree, workers = world
    where = tree[relation]
    # Work in progress belongs to the caller when the caller is the executor of the appeal's agency,
    # so that "the assignee's own actions" are tested for the executor and refused to the others.
    assignee = None
    if ep.status != AppealStatus.REGISTERED:
        is_executor_here = caller_user is not None and relation == "own" and caller_user.username == "caller-executor"
        assignee = caller_user if is_executor_here else workers[relation]
    appeal = make(ep.status, agency=where, assignee=assignee, overdue=True)
    attachment = lifecycle.appeal_add_attachment(
        appeal=appeal, actor=None, upload=SimpleUploadedFile("scan.pdf", PDF, "application/pdf")
    )
    if ep.name == "api:responses":  # an answer that went out, the list's subject
        AppealResponse.objects.create(
            appeal=appeal, text="The answer", language="ru", outcome="explained", status=ResponseStatus.SENT
        )
    colleague = workers[relation]
    target = tree["other"] if relation != "other" else tree["sibling"]
    return appeal, {"colleague": colleague, "target": target, "attachment": attachment}


def body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def _call(client, ep: Endpoint, appeal, ctx):
    url = ep.url.format(pk=appeal.pk, att=ctx["attachment"].pk, number=appeal.number)
    if ep.method == "get":
        return client.get(url)
    data = ep.data(appeal, ctx) if callable(ep.data) else dict(ep.data or {})
    if ep.kind == "page":
        data.setdefault("version", appeal.version)
        return client.post(url, data)  # a form post (multipart)
    if any(isinstance(v, SimpleUploadedFile) for v in data.values()):
        return client.post(url, data, format="multipart")
    return client.post(url, data, format="json")


@pytest.mark.parametrize("relation", RELATIONS)
@pytest.mark.parametrize("caller", CALLERS)
def test_access_matrix(caller, relation, agency, world):
    client, user = _client_for(caller, agency)
    mismatches = []
    for ep in ENDPOINTS:
        appeal, ctx = _prepare(ep, user, relation, world)
        response = _call(client, ep, appeal, ctx)
        want = expected(caller, relation, ep)
        got = response.status_code
        content = body(response)
        if got != want:
            mismatches.append(f"{ep.name}: expected {want}, got {got} {content[:200]!r}")
            continue
        if got == 302 and caller in ("anonymous", *TOKENS):
            assert urlparse(response["Location"]).path == "/accounts/login/", ep.name
        if ep.lists and got == 200:
            shown = appeal.number.encode() in content
            keyless = ep.public_read and not caller.startswith("token:")
            if shown != (visible(caller, relation) and not keyless):
                mismatches.append(f"{ep.name}: the appeal is {'shown' if shown else 'missing'}")
        if got == 404:
            # Nothing about the appeal leaks in a refusal.
            assert appeal.number.encode() not in content, ep.name
            assert appeal.subject.encode() not in content, ep.name
    if mismatches:
        pytest.fail("\n".join(mismatches), pytrace=False)


def test_the_matrix_covers_every_workspace_action_and_api_action():
    from appeals.views.workspace_actions import ACTIONS

    names = {ep.name for ep in ENDPOINTS}
    assert {f"web:{slug}" for slug in ACTIONS} <= names
    api = {"take", "assign", "redirect", "request-extension", "extend", "notes", "respond", "submit", "return"}
    api |= {"approve", "leave", "terminate", "close", "reopen", "escalate"}
    assert {f"api:{name}" for name in api} <= names


def test_a_page_client_without_a_session_is_sent_to_sign_in(appeal):
    response = Client().get(f"/appeals/{appeal.pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
