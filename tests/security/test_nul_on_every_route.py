"""A NUL character (U+0000), which PostgreSQL refuses in text, answers 400 naming where it was on every
route of the URL conf: in a query parameter, in the address, in a form field; never 500.

The routes are read from the URL conf itself (django.urls.get_resolver), so a route added later is probed
too. Run it on PostgreSQL as well (the `postgres` mark of the other tests: DATABASE_URL=postgres://…),
where a NUL that reached a query would fail."""

from __future__ import annotations

import itertools
import re

import pytest
from django.urls import Resolver404, URLResolver, get_resolver, resolve

from agencies.choices import Role

from ..conftest import member
from ..factories import AppealFactory

# Values tried for each parameter of a route until the address resolves (ids, codes, admin app labels).
CANDIDATES = ["1", "x", "appeals", "agencies", "auth", "1.json", "DEP-2026-000001"]
PROBE = "%00"


def _paths(resolver: URLResolver, prefix: str = ""):
    """The format strings (with their parameter names) of every route under `resolver`."""
    for key in resolver.reverse_dict:
        for possibilities, _pattern, _defaults, _converters in resolver.reverse_dict.getlist(key):
            for fmt, params in possibilities:
                yield prefix + fmt, tuple(params)
    for _namespace, (ns_prefix, sub) in resolver.namespace_dict.items():
        yield from _paths(sub, prefix + ns_prefix)


def every_route() -> list[tuple[str, str]]:
    """(a concrete address of each route, the route's format) — one address per distinct route."""
    found: dict[str, str] = {}
    unresolved = []
    for fmt, params in sorted(set(_paths(get_resolver()))):
        for values in itertools.product(CANDIDATES, repeat=len(params)):
            path = "/" + fmt % dict(zip(params, values, strict=True))
            try:
                resolve(path)
            except Resolver404:
                continue
            found.setdefault(fmt, path)
            break
        else:
            unresolved.append(fmt)
    assert not unresolved, f"routes the probe could not reach: {unresolved}"
    return sorted(found.items())


ROUTES = every_route()


def test_the_walk_reaches_every_part_of_the_site():
    paths = [path for _fmt, path in ROUTES]
    assert len(paths) > 100  # the admin alone has dozens
    for prefix in ("/api/v1/appeals/", "/open311/v2/", "/agencies/search/", "/admin/", "/appeals/1/", "/account/"):
        assert any(path.startswith(prefix) for path in paths), prefix


@pytest.fixture
def signed_in(client, agency):
    """A supervisor who may open every staff page (the admin too)."""
    boss = member(agency, Role.SUPERVISOR, username="nul-boss", is_staff=True, is_superuser=True)
    client.force_login(boss)
    return client


def _is_api(path: str) -> bool:
    return path.startswith(("/api/", "/open311/"))


def _assert_refused(response, path: str, field: str) -> None:
    assert response.status_code == 400, (path, response.status_code)
    if path.startswith("/open311/"):
        assert response.json()[0]["description"].startswith(f"{field}: ")
    elif path.startswith("/api/"):
        assert list(response.json()["error"]["fields"]) == [field]
    else:
        # The field is named in quotes: “…” in English and Kazakh, «…» in Russian.
        assert re.search(rf"[“«]{re.escape(field)}[”»]", response.content.decode())


@pytest.mark.django_db
def test_a_nul_in_a_query_parameter_answers_400_on_every_route(signed_in):
    for _fmt, path in ROUTES:
        response = signed_in.get(f"{path}?agency_q={PROBE}&x=ok", HTTP_ACCEPT="text/html")
        _assert_refused(response, path, "agency_q")
        response = signed_in.get(f"{path}?x{PROBE}=1")
        _assert_refused(response, path, "x\\0")


@pytest.mark.django_db
def test_a_nul_in_the_address_answers_400_on_every_route(signed_in):
    for _fmt, path in ROUTES:
        response = signed_in.get(f"{path}{PROBE}")
        _assert_refused(response, path, "path")


@pytest.mark.django_db
def test_a_nul_in_a_posted_body_answers_400_on_every_route(signed_in, ministry, agency):
    """Staff pages: refused before the view. The API and Open311 (called with an integration's token) read
    their bodies with DRF: a view that reads this body refuses the NUL naming the field; the others answer
    400 (for another reason, e.g. the .xml format), 401, 403, 404, 405 or 415 as they would for any body."""
    from ..api.conftest import make_integration, token_client

    _integration, token = make_integration(ministry, scopes=("intake", "read"))
    api = token_client(token)
    refused_by_a_parser = []
    for _fmt, path in ROUTES:
        if not _is_api(path):
            _assert_refused(signed_in.post(path, {"subject": "ok", "agency_q": "a\x00b"}), path, "agency_q")
            continue
        url = f"{path}?api_key={token}" if path.startswith("/open311/") else path
        for response in (
            api.post(url, {"subject": "ok", "agency_q": "a\x00b"}, format="multipart"),
            api.post(url, {"subject": "ok", "agency_q": "a\x00b"}, format="json"),
        ):
            assert response.status_code in (400, 401, 403, 404, 405, 415), (path, response.status_code)
            if response.status_code == 400 and "agency_q" in response.content.decode():
                _assert_refused(response, path, "agency_q")
                refused_by_a_parser.append(path)
    assert {"/api/v1/appeals/", "/api/v1/appeals/batch/", "/open311/v2/requests.json"} <= set(refused_by_a_parser)


@pytest.mark.django_db
def test_a_nul_in_an_uploaded_file_name_is_dropped_not_stored(signed_in, agency):
    """Django's multipart parser keeps only printable characters of a file name: stored without the NUL."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from appeals.models import Attachment

    upload = SimpleUploadedFile("scan\x00.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    appeal = AppealFactory(agency=agency)
    response = signed_in.post(f"/appeals/{appeal.pk}/attachments/", {"file": upload})
    assert response.status_code == 302
    assert Attachment.objects.get(appeal=appeal).original_name == "scan.pdf"
