"""Point 11 of issue 16: the menu in htmx answers, the next appeal after approving, the status once, `make run PORT`."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from appeals.models.choices import AppealStatus

from .conftest import make, text_of

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def _approve(client, appeal, **extra):
    return client.post(
        reverse("appeals:approve", kwargs={"pk": appeal.pk}),
        {"version": appeal.version, "outcome": "explained"},
        **extra,
    )


def test_an_htmx_answer_carries_the_side_menu_out_of_band(client, supervisor, agency, executor):
    appeal = make(AppealStatus.AWAITING_APPROVAL, agency=agency, assignee=executor)
    client.force_login(supervisor)
    page = text_of(client.get(appeal.get_absolute_url(), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="workspace"))
    assert 'id="workspace"' in page
    assert 'id="menu"' in page and 'hx-swap-oob="true"' in page


def test_after_approving_the_next_appeal_of_the_queue_is_offered(client, supervisor, agency, executor):
    first = make(AppealStatus.AWAITING_APPROVAL, agency=agency, assignee=executor)
    second = make(AppealStatus.AWAITING_APPROVAL, agency=agency, assignee=executor)
    client.force_login(supervisor)
    response = _approve(client, first)
    assert response.status_code == 302
    page = text_of(client.get(response.url))
    assert f'href="{second.get_absolute_url()}"' in page and second.number in page


def test_after_the_last_approval_the_queue_says_it_is_empty(client, supervisor, agency, executor):
    only = make(AppealStatus.AWAITING_APPROVAL, agency=agency, assignee=executor)
    client.force_login(supervisor)
    page = text_of(client.get(_approve(client, only).url))
    assert "next-appeal-link" not in page and "queue=approval" in page


def test_the_status_of_a_finished_appeal_is_shown_once(client, executor, agency):
    appeal = make(AppealStatus.CLOSED, agency=agency, assignee=executor)
    client.force_login(executor)
    page = text_of(client.get(appeal.get_absolute_url()))
    head = page.split('class="ws-number"', 1)[1].split("</p>", 1)[0]
    assert head.count(str(AppealStatus.CLOSED.label)) == 1


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_run_takes_a_port():
    dry = subprocess.run(  # noqa: S603 - fixed arguments
        [shutil.which("make"), "-n", "-W", "pyproject.toml", "run", "PORT=8080"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    assert "rundev 127.0.0.1:8080" in dry
