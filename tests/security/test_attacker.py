"""Tried as an attacker would from a signed-in executor account: other agencies' numbers, forged form posts,
oversized and malformed input, <script> in every text field. Nothing leaks, nothing errors, nothing is lost."""

import base64
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from appeals import lifecycle
from appeals.desk import saved_views
from appeals.models import Appeal, AppealEvent, Attachment, SavedView
from appeals.models.choices import AppealStatus, EventKind

from ..api.conftest import PDF_BYTES, intake_body, make_integration, token_client
from ..factories import CategoryRouteFactory, valid_iin
from ..web.conftest import make

pytestmark = pytest.mark.django_db

SCRIPT = '<script>alert("x")</script>'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 200
    + b"This program cannot be run in DOS mode"
)


@pytest.fixture(autouse=True)
def _setup(settings, tmp_path):
    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def attacker(client, executor):
    client.force_login(executor)
    return client


@pytest.fixture
def targets(sibling, other_region, district, ministry):
    """Other agencies' appeals, with personal data worth stealing."""
    return [
        make(AppealStatus.IN_PROGRESS, agency=where, applicant_iin=valid_iin(90 + i), subject=f"Secret {i}")
        for i, where in enumerate((sibling, other_region, district, ministry))
    ]


def no_server_error(response):
    assert response.status_code < 500, response.status_code
    return response


def test_other_agencies_numbers_answer_404_everywhere(attacker, targets, agency):
    own = make(agency=agency)
    pks = [a.pk for a in [*targets, own]]
    for pk in range(max(1, min(pks) - 3), max(pks) + 4):  # every number around theirs, guessed in turn
        expected = 200 if pk == own.pk else 404
        for url in (f"/appeals/{pk}/", f"/appeals/{pk}/receipt/", f"/api/v1/appeals/{pk}/"):
            assert no_server_error(attacker.get(url)).status_code == expected, url
        assert attacker.post(f"/appeals/{pk}/reveal/").status_code == (302 if pk == own.pk else 404)
    for target in targets:
        # Nor by number, search, IIN, link, export or the API list.
        for url in (
            f"/appeals/?queue=all&q={target.number}",
            f"/api/v1/appeals/?q={target.number}",
            f"/api/v1/responses/?appeal={target.pk}",
        ):
            page = no_server_error(attacker.get(url)).content.decode()
            assert target.subject not in page and f"/appeals/{target.pk}/" not in page  # the search echoes the number
        found = attacker.post(reverse("appeals:find"), {"identifier": target.applicant_iin}, follow=True)
        assert target.number not in found.content.decode() and target.subject not in found.content.decode()
        csv = b"".join(attacker.get("/appeals/export.csv?queue=all&q=Secret").streaming_content).decode()
        assert "Secret" not in csv
        linked = attacker.post(
            reverse("appeals:link", kwargs={"pk": own.pk}),
            {"version": own.version, "number": target.number, "kind": "related"},
        )
        assert linked.status_code == 422 and "No appeal with this number that you can see" in linked.content.decode()
    assert not AppealEvent.objects.filter(appeal__in=targets).exists()


def test_other_agencies_attachments_saved_views_and_canned_responses(attacker, targets, outsider, sibling):
    attachment = lifecycle.appeal_add_attachment(
        appeal=targets[0], actor=None, upload=SimpleUploadedFile("secret.pdf", PDF_BYTES, "application/pdf")
    )
    assert attacker.get(f"/appeals/{targets[0].pk}/attachments/{attachment.pk}/").status_code == 404
    # The file's own path is not served from anywhere.
    assert attacker.get(f"/attachments/{attachment.file.name}").status_code == 404
    assert attacker.get(f"/media/{attachment.file.name}").status_code == 404
    view = saved_views.saved_view_create(owner=outsider, name="Theirs", query="queue=all")
    assert attacker.post(reverse("appeals:saved_view_delete", kwargs={"pk": view.pk})).status_code == 302
    assert SavedView.objects.filter(pk=view.pk).exists()
    assert "Theirs" not in attacker.get(f"/appeals/?view={view.pk}").content.decode()
    # Switching the desk to an agency one does not belong to changes nothing.
    attacker.post(reverse("appeals:switch_agency"), {"agency": sibling.pk})
    assert targets[0].number not in attacker.get("/appeals/?queue=all").content.decode()
    # Bulk actions on invisible appeals are ignored.
    no_server_error(attacker.post(reverse("appeals:bulk"), {"action": "assign", "ids": [t.pk for t in targets]}))
    assert all(Appeal.objects.get(pk=t.pk).version == t.version for t in targets)


def test_forged_posts_without_a_csrf_token_are_refused(executor, agency):
    appeal = make(agency=agency)
    forger = Client(enforce_csrf_checks=True)
    forger.force_login(executor)
    for slug, data in (("take", {}), ("note", {"text": "forged"})):
        response = forger.post(
            reverse(f"appeals:{slug}", kwargs={"pk": appeal.pk}), {"version": appeal.version, **data}
        )
        assert response.status_code == 403
    assert forger.post(reverse("appeals:reveal", kwargs={"pk": appeal.pk})).status_code == 403
    api = forger.post(f"/api/v1/appeals/{appeal.pk}/take/", {}, content_type="application/json")
    assert api.status_code == 403
    # A token from another form, or from another session, does not help either.
    forger.cookies["csrftoken"] = "a" * 32
    response = forger.post(
        reverse("appeals:take", kwargs={"pk": appeal.pk}), {"version": appeal.version, "csrfmiddlewaretoken": "b" * 32}
    )
    assert response.status_code == 403
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.REGISTERED and not AppealEvent.objects.filter(appeal=appeal).exists()


def test_malformed_input_is_a_clear_answer_never_a_500(attacker, agency, executor):
    appeal = make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor)
    gets = [
        "/appeals/?page=abc&per_page=-5",
        "/appeals/?page=999999999999999999999",
        "/appeals/?ordering=;drop table",
        "/appeals/?status=nonsense&kind=%00&registered_after=yesterday&due_before=31.02.2026",
        "/appeals/?agency=abc&category=-1&assignee=1e9",
        "/appeals/?view=abc",
        "/appeals/?queue=../../etc",
        "/appeals/?q=" + "x" * 5000,
        "/api/v1/appeals/?page=-1&status=zzz&ordering=password",
        "/api/v1/appeals/?due_before=not-a-date",
        "/open311/v2/requests.json?start_date=garbage",
        f"/appeals/{appeal.pk}/?canned=abc&agency_q=" + "%" * 10,
        "/agencies/search/?agency_q=" + "%25" * 100,
        "/appeals/99999999999999999999999/",
    ]
    for url in gets:
        no_server_error(attacker.get(url))
    # (url, data, the one answer expected): 422 re-shows the form with the error; the list and menu
    # actions (bulk, find, saved view, switch) redirect back with the error as a message.
    posts = [
        (reverse("appeals:note", kwargs={"pk": appeal.pk}), {"version": "abc", "text": ""}, 422),
        (reverse("appeals:note", kwargs={"pk": appeal.pk}), {"version": appeal.version, "text": "x" * 100_000}, 422),
        (reverse("appeals:request_extension", kwargs={"pk": appeal.pk}), {"until": "2026-02-31", "reason": "x"}, 422),
        (reverse("appeals:draft", kwargs={"pk": appeal.pk}), {"text": "x", "language": "xx", "outcome": "evil"}, 422),
        (reverse("appeals:link", kwargs={"pk": appeal.pk}), {"number": "' OR 1=1 --", "kind": "duplicate"}, 422),
        (reverse("appeals:bulk"), {"action": "assign", "ids": ["abc", "-1"], "executor": "x"}, 302),
        (reverse("appeals:find"), {"identifier": "1" * 5000}, 302),
        (reverse("appeals:saved_view_create"), {"name": "x" * 1000, "query": "a=b&" * 1000}, 302),
        (reverse("appeals:switch_agency"), {"agency": "abc"}, 302),
        (reverse("appeals:attachment_upload", kwargs={"pk": appeal.pk}), {"file": "not a file"}, 422),
    ]
    got = [(url, no_server_error(attacker.post(url, data)).status_code) for url, data, _want in posts]
    assert got == [(url, want) for url, _data, want in posts]
    assert not SavedView.objects.exists() and not AppealEvent.objects.filter(appeal=appeal).exists()
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.IN_PROGRESS
    # The API: broken JSON, wrong types, huge bodies.
    api = f"/api/v1/appeals/{appeal.pk}/notes/"
    assert attacker.post(api, "{not json", content_type="application/json").status_code == 400
    assert attacker.post(api, json.dumps({"text": ["a"]}), content_type="application/json").status_code == 400
    assert attacker.post(api, json.dumps({"text": "x" * 10_000}), content_type="application/json").status_code == 400
    assert attacker.post(api, json.dumps([1, 2]), content_type="application/json").status_code == 400


def test_a_renamed_executable_and_an_oversized_file_are_refused_in_the_workspace(attacker, agency, executor, settings):
    appeal = make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor)
    url = reverse("appeals:attachment_upload", kwargs={"pk": appeal.pk})
    response = attacker.post(url, {"file": SimpleUploadedFile("invoice.pdf", EXE, "application/pdf")})
    assert response.status_code == 422 and "whose content matches the name" in response.content.decode()
    settings.APPEAL_POLICY = {**settings.APPEAL_POLICY, "ATTACHMENT_MAX_BYTES": 1024 * 1024}
    big = PDF_BYTES + b"0" * (1024 * 1024)
    response = attacker.post(url, {"file": SimpleUploadedFile("big.pdf", big, "application/pdf")})
    assert response.status_code == 422 and "at most 1 MB" in response.content.decode()
    assert not Attachment.objects.exists()
    # A genuine PDF goes in, and is stored outside the static root and served only through the check.
    ok = attacker.post(url, {"file": SimpleUploadedFile("scan.pdf", PDF_BYTES, "application/pdf")})
    assert ok.status_code == 302
    attachment = Attachment.objects.get()
    assert not str(attachment.file.path).startswith(str(settings.STATIC_ROOT))
    download = attacker.get(f"/appeals/{appeal.pk}/attachments/{attachment.pk}/")
    assert download.status_code == 200 and download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment")


def test_a_renamed_executable_and_an_oversized_file_are_refused_at_api_intake(ministry, category, agency, settings):
    from agencies.choices import Region

    CategoryRouteFactory(category=category, region=Region.ASTANA, agency=agency)
    _integration, token = make_integration(ministry, scopes=["intake", "read"])
    api = token_client(token)
    exe = intake_body(1, attachments=[{"name": "report.pdf", "content": base64.b64encode(EXE).decode()}])
    response = api.post("/api/v1/appeals/", exe, format="json")
    assert response.status_code == 400 and "attachments" in json.dumps(response.json()["error"]["fields"])
    settings.APPEAL_POLICY = {**settings.APPEAL_POLICY, "ATTACHMENT_MAX_BYTES": 1024}
    big = intake_body(2, attachments=[{"name": "big.pdf", "content": base64.b64encode(PDF_BYTES * 100).decode()}])
    response = api.post("/api/v1/appeals/", big, format="json")
    assert response.status_code in (400, 413, 422)
    assert not Appeal.objects.exists() and not Attachment.objects.exists()  # nothing half-saved


def test_script_in_every_text_field_comes_back_escaped(attacker, client, agency, executor, supervisor, ministry):
    # The citizen's side: every text of an appeal submitted through the API.
    from agencies.choices import Region

    CategoryRouteFactory(category__code="xss", region=Region.ASTANA, agency=agency)
    _integration, token = make_integration(ministry, scopes=["intake", "read"])
    body = intake_body(
        7,
        category="xss",
        subject=SCRIPT,
        text=SCRIPT,
        applicant={"full_name": SCRIPT, "address": SCRIPT, "phone": "+7 701 123 45 67"},
        external_id="xss-1",
    )
    assert token_client(token).post("/api/v1/appeals/", body, format="json").status_code == 201
    appeal = Appeal.objects.get(external_id="xss-1")
    lifecycle.appeal_assign(appeal=appeal, executor=executor, actor=supervisor)
    appeal.refresh_from_db()
    # The staff's side: every text field of the workspace.
    pk = appeal.pk
    posts = [
        ("note", {"text": SCRIPT}),
        ("draft", {"text": SCRIPT, "language": "ru", "outcome": "explained"}),
        ("request_extension", {"until": "2099-01-01", "reason": SCRIPT}),
    ]
    for slug, data in posts:
        appeal.refresh_from_db()
        no_server_error(
            attacker.post(reverse(f"appeals:{slug}", kwargs={"pk": pk}), {"version": appeal.version, **data})
        )
    attacker.post(reverse("appeals:saved_view_create"), {"name": SCRIPT, "query": "queue=all"})
    upload = SimpleUploadedFile(f"{SCRIPT}.pdf", PDF_BYTES, "application/pdf")
    attacker.post(reverse("appeals:attachment_upload", kwargs={"pk": pk}), {"file": upload})
    assert AppealEvent.objects.filter(appeal=appeal, kind=EventKind.NOTE_ADDED).exists()

    pages = [
        attacker.get(f"/appeals/{pk}/"),
        attacker.get("/appeals/?queue=all"),
        attacker.get("/appeals/?queue=mine"),
        attacker.get(f"/appeals/{pk}/receipt/"),
    ]
    client.force_login(supervisor)
    pages += [client.get(f"/appeals/{pk}/"), client.get("/reveals/")]
    for response in pages:
        html = response.content.decode()
        assert response.status_code == 200
        assert SCRIPT not in html, response.request["PATH_INFO"]
    assert ESCAPED in pages[0].content.decode()
    # JSON answers carry the text as data (the API is no HTML page), with a JSON content type.
    api = attacker.get(f"/api/v1/appeals/{pk}/")
    assert api["Content-Type"].startswith("application/json") and api.json()["subject"] == SCRIPT
    # An export made inert: a citizen's "=HYPERLINK(...)" is text, not a formula, in a spreadsheet.
    lifecycle.appeal_add_note(appeal=appeal, actor=executor, text="x")
    Appeal.objects.filter(pk=pk).update(subject='=HYPERLINK("http://evil.example","click")')
    csv = b"".join(attacker.get("/appeals/export.csv?queue=all").streaming_content).decode()
    assert "'=HYPERLINK" in csv and ',"=HYPERLINK' not in csv and ",=HYPERLINK" not in csv


def test_the_session_cookie_and_pages_are_not_cacheable_or_framable(attacker, agency, executor):
    appeal = make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor)
    response = attacker.get(f"/appeals/{appeal.pk}/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_the_agency_search_takes_wildcards_as_plain_text(attacker, agency, sibling):
    """The picker reads `agency_q`: a real name finds its agency, a run of % or _ finds nothing."""
    found = attacker.get("/agencies/search/", {"agency_q": "Алматы"}).content.decode()
    assert sibling.name_ru in found and agency.name_ru not in found
    for probe in ("%" * 100, "_" * 3, "%_%"):
        response = no_server_error(attacker.get("/agencies/search/", {"agency_q": probe}))
        assert response.status_code == 200
        page = response.content.decode()
        assert sibling.name_ru not in page and agency.name_ru not in page, probe
