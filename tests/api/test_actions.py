"""Lifecycle actions as POST endpoints on an appeal: they call the services, 409 from a wrong status."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from appeals.calendar.workdays import get_calendar
from appeals.models import Appeal, AppealEvent, AppealResponse, Attachment
from appeals.models.choices import AppealStatus, EventKind

from ..factories import AppealFactory
from .conftest import PDF_BYTES, assert_error, intake_body, make_integration, token_client


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def url(appeal, action):
    return f"/api/v1/appeals/{appeal.pk}/{action}/"


def test_an_answer_goes_through_the_whole_workflow(staff_client, supervisor, executor, appeal):
    boss, worker = staff_client(supervisor), staff_client(executor)

    body = boss.post(url(appeal, "assign"), {"executor": executor.pk}, format="json").json()
    assert body["status"] == "in_progress" and body["assignee"]["id"] == executor.pk
    assert "respond" not in body["available_actions"]  # the supervisor's view

    draft = worker.post(url(appeal, "respond"), {"text": "Отремонтируем.", "outcome": "satisfied"}, format="json")
    assert draft.status_code == 200 and draft.json()["status"] == "draft" and draft.json()["language"] == "ru"

    assert worker.post(url(appeal, "submit"), {}, format="json").json()["status"] == "awaiting_approval"
    returned = boss.post(url(appeal, "return"), {"comment": "Укажите сроки."}, format="json").json()
    assert returned["status"] == "in_progress"
    worker.post(url(appeal, "respond"), {"text": "Отремонтируем до 1 мая."}, format="json")
    worker.post(url(appeal, "submit"), {}, format="json")
    approved = boss.post(url(appeal, "approve"), {"outcome": "satisfied"}, format="json").json()
    assert approved["status"] == "answered" and approved["outcome"] == "satisfied"
    assert worker.post(url(appeal, "close"), {}, format="json").json()["status"] == "closed"
    reopened = boss.post(url(appeal, "reopen"), {"reason": "Ответ обжалован"}, format="json").json()
    assert reopened["status"] == "in_progress"

    kinds = list(AppealEvent.objects.filter(appeal=appeal).values_list("kind", flat=True))
    assert kinds == [
        EventKind.ASSIGNED,
        EventKind.RESPONSE_SAVED,
        EventKind.SUBMITTED,
        EventKind.RETURNED,
        EventKind.RESPONSE_SAVED,
        EventKind.SUBMITTED,
        EventKind.APPROVED,
        EventKind.CLOSED,
        EventKind.REOPENED,
    ]
    assert AppealResponse.objects.get(appeal=appeal).status == "sent"


def test_an_executor_takes_an_unassigned_appeal(staff_client, executor, appeal):
    body = staff_client(executor).post(url(appeal, "take"), {}, format="json").json()
    assert body["status"] == "in_progress" and body["assignee"]["id"] == executor.pk
    assert "submit" in body["available_actions"]


def test_a_supervisor_redirects_the_appeal(staff_client, supervisor, appeal, sibling):
    body = (
        staff_client(supervisor)
        .post(url(appeal, "redirect"), {"to_agency": "sib", "reason": "Не наша компетенция"}, format="json")
        .json()
    )
    assert body["status"] == "redirected"
    new = Appeal.objects.get(redirected_from=appeal)
    assert body["redirected_to"][0]["number"] == new.number and new.agency == sibling


def test_a_partial_redirect_keeps_the_appeal_open_here(staff_client, supervisor, appeal, sibling):
    body = (
        staff_client(supervisor)
        .post(
            url(appeal, "redirect"),
            {"to_agency": "sib", "reason": "Часть не наша", "part_text": "Про освещение"},
            format="json",
        )
        .json()
    )
    assert body["status"] == "registered" and len(body["redirected_to"]) == 1


def test_extension_is_asked_for_and_granted(staff_client, supervisor, executor, appeal):
    staff_client(supervisor).post(url(appeal, "assign"), {"executor": executor.pk}, format="json")
    appeal.refresh_from_db()
    until = get_calendar().add_working_days(appeal.due_date, 5)
    asked = staff_client(executor).post(
        url(appeal, "request-extension"), {"until": until.isoformat(), "reason": "Нужна экспертиза"}, format="json"
    )
    assert asked.status_code == 200, asked.content
    granted = (
        staff_client(supervisor)
        .post(url(appeal, "extend"), {"until": until.isoformat(), "reason": "Нужна экспертиза"}, format="json")
        .json()
    )
    assert granted["due_date"] == until.isoformat() and granted["extension_count"] == 1


def test_an_extension_beyond_two_months_is_a_field_error(staff_client, supervisor, appeal):
    response = staff_client(supervisor).post(
        url(appeal, "extend"), {"until": "2099-01-05", "reason": "Долго"}, format="json"
    )
    error = assert_error(response, 400, "invalid", ["until"])
    assert "2 months" in error["fields"]["until"][0]


def test_a_note_is_added(staff_client, executor, appeal):
    response = staff_client(executor).post(url(appeal, "notes"), {"text": "Позвонить"}, format="json")
    assert response.status_code == 201
    assert response.json()["kind"] == "note_added" and response.json()["payload"] == {"text": "Позвонить"}


@pytest.mark.parametrize(
    ("action", "data", "status", "outcome"),
    [
        (
            "leave",
            {"reason": "withdrawn", "comment": "Отозвано"},
            "left_without_consideration",
            "left_without_consideration",
        ),
        ("terminate", {"reason": "applicant_deceased"}, "terminated", "terminated"),
    ],
)
def test_a_supervisor_ends_handling(staff_client, supervisor, appeal, action, data, status, outcome):
    body = staff_client(supervisor).post(url(appeal, action), data, format="json").json()
    assert (body["status"], body["outcome"]) == (status, outcome)


def test_an_overdue_appeal_is_escalated(staff_client, supervisor, agency):
    late = AppealFactory(agency=agency, overdue=True)
    response = staff_client(supervisor).post(url(late, "escalate"), {}, format="json")
    assert response.status_code == 200
    assert AppealEvent.objects.get(appeal=late).kind == EventKind.ESCALATED


# --- 409, 400, 403 -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("action", "data"),
    [("approve", {}), ("submit", {}), ("close", {}), ("return", {"comment": "x"}), ("reopen", {"reason": "x"})],
)
def test_an_action_not_allowed_from_the_current_status_is_a_409(staff_client, supervisor, appeal, action, data):
    response = staff_client(supervisor).post(url(appeal, action), data, format="json")
    error = assert_error(response, 409, "transition_not_allowed")
    assert "Registered" in error["message"]
    assert not AppealEvent.objects.filter(appeal=appeal).exists()


def test_taking_an_appeal_twice_is_a_409(staff_client, executor, executor2, appeal):
    staff_client(executor).post(url(appeal, "take"), {}, format="json")
    assert_error(staff_client(executor2).post(url(appeal, "take"), {}, format="json"), 409, "transition_not_allowed")


def test_a_concurrent_change_is_a_409_conflict(staff_client, supervisor, executor, appeal, monkeypatch):
    """The appeal changes between the moment the view loads it and the moment the service writes it."""
    from appeals.api import views

    original = views.AppealViewSet._appeal

    def load_then_someone_else_writes(self, pk):
        loaded = original(self, pk)
        Appeal.objects.filter(pk=pk).update(version=loaded.version + 1)
        return loaded

    monkeypatch.setattr(views.AppealViewSet, "_appeal", load_then_someone_else_writes)
    response = staff_client(supervisor).post(url(appeal, "assign"), {"executor": executor.pk}, format="json")
    assert_error(response, 409, "conflict")


def test_a_role_that_may_not_act_is_a_403(staff_client, executor, appeal):
    response = staff_client(executor).post(url(appeal, "terminate"), {"reason": "other", "comment": "x"}, format="json")
    assert_error(response, 403, "permission_denied")


@pytest.mark.parametrize(
    ("action", "data", "field"),
    [
        ("assign", {}, "executor"),
        ("assign", {"executor": 999999}, "executor"),
        ("redirect", {"to_agency": "nope", "reason": "x"}, "to_agency"),
        ("redirect", {"to_agency": "dep", "reason": "x"}, "to_agency"),
        ("redirect", {"to_agency": "sib"}, "reason"),
        ("extend", {"until": "someday", "reason": "x"}, "until"),
        ("leave", {"reason": "bored"}, "reason"),
        ("terminate", {"reason": "other"}, "comment"),
        ("notes", {"text": ""}, "text"),
        ("notes", {"text": "x", "extra": 1}, "extra"),
        ("take", {"force": True}, "force"),
    ],
)
def test_bad_action_input_is_a_field_level_400(staff_client, supervisor, appeal, sibling, action, data, field):
    response = staff_client(supervisor).post(url(appeal, action), data, format="json")
    assert_error(response, 400, "invalid", [field])
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.REGISTERED


def test_assigning_someone_who_is_not_an_executor_here_is_a_field_error(staff_client, supervisor, outsider, appeal):
    response = staff_client(supervisor).post(url(appeal, "assign"), {"executor": outsider.pk}, format="json")
    assert_error(response, 400, "invalid", ["executor"])


def test_integration_tokens_cannot_use_lifecycle_actions(portal_client, appeal):
    for action in ("take", "assign", "approve", "close"):
        assert_error(portal_client.post(url(appeal, action), {}, format="json"), 403, "staff_only")


def test_session_writes_need_the_csrf_token(supervisor, executor, appeal):
    client = APIClient(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(supervisor)
    refused = client.post(url(appeal, "assign"), {"executor": executor.pk}, format="json")
    assert_error(refused, 403, "csrf_failed")
    client.get("/api/v1/me/")  # any page sets the cookie once the token is used; take it from a fresh one
    from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret

    secret = _get_new_csrf_string()
    client.cookies["csrftoken"] = secret
    accepted = client.post(
        url(appeal, "assign"), {"executor": executor.pk}, format="json", HTTP_X_CSRFTOKEN=_mask_cipher_secret(secret)
    )
    assert accepted.status_code == 200, accepted.content


def test_reads_by_session_need_no_csrf_token(supervisor, appeal):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(supervisor)
    assert client.get(f"/api/v1/appeals/{appeal.pk}/").status_code == 200


# --- Attachments ---------------------------------------------------------------------------------------------
def test_staff_attach_a_file(staff_client, executor, appeal):
    upload = SimpleUploadedFile("scan.pdf", PDF_BYTES, content_type="application/pdf")
    response = staff_client(executor).post(url(appeal, "attachments"), {"file": upload}, format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "name", "content_type", "size", "created_at"}
    assert (body["name"], body["content_type"], body["size"]) == ("scan.pdf", "application/pdf", len(PDF_BYTES))
    assert Attachment.objects.get().uploaded_by == executor


def test_a_file_whose_content_does_not_match_its_name_is_refused(staff_client, executor, appeal):
    upload = SimpleUploadedFile("scan.pdf", b"MZ\x90\x00 an executable", content_type="application/pdf")
    response = staff_client(executor).post(url(appeal, "attachments"), {"file": upload}, format="multipart")
    assert_error(response, 400, "invalid", ["file"])
    assert not Attachment.objects.exists()


def test_an_integration_attaches_files_to_its_own_appeals_only(portal, portal_client, route, appeal):
    own = portal_client.post("/api/v1/appeals/", intake_body(), format="json").json()["id"]
    upload = SimpleUploadedFile("scan.pdf", PDF_BYTES)
    assert (
        portal_client.post(f"/api/v1/appeals/{own}/attachments/", {"file": upload}, format="multipart").status_code
        == 201
    )
    upload = SimpleUploadedFile("scan.pdf", PDF_BYTES)
    response = portal_client.post(url(appeal, "attachments"), {"file": upload}, format="multipart")
    assert_error(response, 403, "permission_denied")


def test_a_read_only_token_cannot_attach(ministry, appeal):
    _integration, token = make_integration(ministry, scopes=("read",))
    upload = SimpleUploadedFile("scan.pdf", PDF_BYTES)
    response = token_client(token).post(url(appeal, "attachments"), {"file": upload}, format="multipart")
    assert_error(response, 403, "scope_missing")
