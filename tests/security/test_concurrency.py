"""Two people acting on the same appeal at the same moment, through the browser and the API, with real threads
on PostgreSQL: one wins, the other is told clearly why (409, a message in their language), nothing is overwritten
and exactly one event is written."""

import contextlib
import threading
from pathlib import Path

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from appeals.lifecycle import rules
from appeals.models import Appeal, AppealEvent
from appeals.models.choices import AppealStatus, EventKind

from ..web.conftest import make

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CONFLICT_WORDS = ("Someone else has just changed this appeal", "is not possible while the appeal is")


@pytest.fixture(autouse=True)
def _english(settings, tmp_path):
    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _both_read_before_either_writes(monkeypatch):
    """Make the race certain: each request has loaded the appeal and passed the rule check before either
    writes (without this, one thread may finish before the other starts, which is no race at all)."""
    gate = threading.Barrier(2)
    seen = threading.local()
    original = rules.action_check

    def check(actor, appeal, action):
        rule = original(actor, appeal, action)
        if not getattr(seen, "waited", False):
            seen.waited = True
            with contextlib.suppress(threading.BrokenBarrierError):
                gate.wait(timeout=5)
        return rule

    monkeypatch.setattr(rules, "action_check", check)


def race(callables):
    """Run each callable in its own thread, released at the same instant; returns their results in order."""
    barrier = threading.Barrier(len(callables))
    results: list = [None] * len(callables)

    def run(i, fn):
        try:
            barrier.wait()
            results[i] = fn()
        except Exception as exc:  # noqa: BLE001 - asserted by the caller
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(callables)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def _browser(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _api(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _winner_and_loser(responses, ok: int):
    codes = sorted(r.status_code for r in responses)
    assert codes == sorted([ok, 409]), codes
    winner = next(r for r in responses if r.status_code == ok)
    loser = next(r for r in responses if r.status_code == 409)
    return winner, loser


def test_two_executors_take_the_same_appeal_in_the_browser(agency, executor, executor2):
    appeal = make(agency=agency)
    url = reverse("appeals:take", kwargs={"pk": appeal.pk})
    browsers = {executor.pk: _browser(executor), executor2.pk: _browser(executor2)}
    data = {"version": appeal.version}
    responses = race([lambda c=c: c.post(url, data) for c in browsers.values()])
    _winner, loser = _winner_and_loser(responses, 302)
    assert any(words in loser.content.decode() for words in CONFLICT_WORDS)
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.IN_PROGRESS and appeal.assignee_id in browsers
    assert AppealEvent.objects.filter(appeal=appeal, kind=EventKind.TAKEN).count() == 1
    assert appeal.version == 2


def test_two_supervisors_assign_different_executors_through_the_api(
    agency, supervisor, ministry_supervisor, executor, executor2
):
    appeal = make(agency=agency)
    url = f"/api/v1/appeals/{appeal.pk}/assign/"
    # Each asks for a different executor: the loser's choice must not overwrite the winner's.
    calls = [
        lambda: _api(supervisor).post(url, {"executor": executor.pk}, format="json"),
        lambda: _api(ministry_supervisor).post(url, {"executor": executor2.pk}, format="json"),
    ]
    responses = race(calls)
    winner, loser = _winner_and_loser(responses, 200)
    error = loser.json()["error"]
    assert error["code"] == "conflict"
    assert "Someone else has just changed this appeal" in error["message"]
    appeal.refresh_from_db()
    assert appeal.assignee_id == winner.json()["assignee"]["id"]
    events = AppealEvent.objects.filter(appeal=appeal, kind=EventKind.ASSIGNED)
    assert events.count() == 1 and events.get().payload["assignee"] == appeal.assignee_id


def test_two_supervisors_approve_the_same_answer_once(agency, supervisor, ministry_supervisor, executor):
    appeal = make(AppealStatus.AWAITING_APPROVAL, agency=agency, assignee=executor)
    url = reverse("appeals:approve", kwargs={"pk": appeal.pk})
    data = {"version": appeal.version, "outcome": "satisfied"}
    mail.outbox.clear()
    responses = race([lambda u=u: _browser(u).post(url, data) for u in (supervisor, ministry_supervisor)])
    _winner, loser = _winner_and_loser(responses, 302)
    assert any(words in loser.content.decode() for words in CONFLICT_WORDS)
    appeal = Appeal.objects.get(pk=appeal.pk)
    assert appeal.status == AppealStatus.ANSWERED
    assert AppealEvent.objects.filter(appeal=appeal, kind=EventKind.APPROVED).count() == 1
    answers = [m for m in mail.outbox if appeal.applicant_email in m.to]
    assert len(answers) <= 1  # the answer goes out once (or later, through the outbox), never twice


def test_the_conflict_message_is_translatable():
    po = (Path(__file__).resolve().parents[2] / "locale/ru/LC_MESSAGES/django.po").read_text(encoding="utf-8")
    assert 'msgid "Someone else has just changed this appeal. Reload it and try again."' in po
