"""Operations: /healthz, and logs as one JSON line per event without personal data."""

import io
import json
import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from appeals.models import Heartbeat
from appeals.reminders.scan import REMINDER_SCAN_HEARTBEAT
from appeals.tasks import reminders_scan_task
from config.logging import JsonFormatter, PersonalDataFilter, scrub

from ..factories import valid_iin
from ..web.conftest import make

pytestmark = pytest.mark.django_db


# --- /healthz ----------------------------------------------------------------------------------------------
def test_healthz_answers_without_sign_in_in_constant_queries(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        response = client.get("/healthz")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok" and body["broker"]["status"] == "ok"
    assert body["reminder_scan"]["status"] == "never"
    assert "no-cache" in response["Cache-Control"] and "max-age=0" in response["Cache-Control"]


def test_healthz_reports_the_age_of_the_last_reminder_scan(client, settings):
    reminders_scan_task()  # what beat runs
    body = client.get("/healthz").json()
    assert body["reminder_scan"]["status"] == "ok" and body["reminder_scan"]["age_seconds"] < 5
    Heartbeat.objects.filter(name=REMINDER_SCAN_HEARTBEAT).update(at=timezone.now() - timedelta(hours=2))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["reminder_scan"]["status"] == "stale"
    assert response.json()["reminder_scan"]["age_seconds"] >= 7200


def test_healthz_shows_no_personal_data(client, agency):
    appeal = make(agency=agency, applicant_iin=valid_iin(5))
    text = client.get("/healthz").content.decode()
    assert appeal.applicant_iin not in text and appeal.number not in text and "@" not in text


def test_healthz_says_503_when_the_database_fails(client, monkeypatch):
    from appeals.views import health

    def broken():
        return False, {"status": "down", "error": "OperationalError"}

    monkeypatch.setattr(health, "_database", broken)
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["database"]["status"] == "down"
    assert response.json()["reminder_scan"]["status"] == "unknown"


# --- Logs ----------------------------------------------------------------------------------------------------
def test_scrub_blots_out_personal_data():
    iin = valid_iin(3)
    line = f"GET /appeals/?q={iin}&x=1 HTTP/1.1 from aigerim@mail.kz, phone +7 701 123 45 67, IIN {iin}"
    cleaned = scrub(line)
    assert iin not in cleaned and "aigerim@mail.kz" not in cleaned and "123 45 67" not in cleaned
    assert "/appeals/?…" in cleaned and "[iin/bin]" in cleaned and "[phone]" in cleaned and "[email]" in cleaned
    assert scrub("appeal 42 took 12.5 ms") == "appeal 42 took 12.5 ms"


@pytest.fixture
def log_lines():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(PersonalDataFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(previous)


def test_each_request_is_one_json_line_without_its_query_string(client, executor, agency, log_lines):
    iin = valid_iin(4)
    client.force_login(executor)
    client.get(f"/appeals/?queue=all&q={iin}")  # moved out of the URL by a redirect, never logged
    client.get("/appeals/999999/?phone=87011234567")
    lines = log_lines()
    requests = [line for line in lines if line["logger"] == "otinish.request"]
    assert [(r["method"], r["path"], r["status"]) for r in requests][:2] == [
        ("GET", "/appeals/", 302),
        ("GET", "/appeals/999999/", 404),
    ]
    assert requests[0]["user_id"] == executor.pk and requests[0]["duration_ms"] >= 0
    whole = json.dumps(lines, ensure_ascii=False)
    assert iin not in whole and "87011234567" not in whole


def test_a_logged_exception_or_message_is_scrubbed_too(log_lines):
    iin = valid_iin(6)
    log = logging.getLogger("appeals.test")
    log.warning("applicant %s wrote from %s", iin, "citizen@mail.kz", extra={"note": f"IIN {iin}"})
    try:
        raise ValueError(f"bad IIN {iin}")
    except ValueError:
        log.exception("failed")
    lines = log_lines()
    assert len(lines) == 2 and all(isinstance(line, dict) for line in lines)
    whole = json.dumps(lines, ensure_ascii=False)
    assert iin not in whole and "citizen@mail.kz" not in whole
    assert lines[0]["level"] == "WARNING" and lines[1]["exception"].startswith("Traceback")


def test_settings_log_json_through_the_filter(settings):
    handler = settings.LOGGING["handlers"]["console"]
    assert handler["formatter"] == "json" and handler["filters"] == ["personal_data"]
