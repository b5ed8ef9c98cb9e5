"""Bulk actions on a queue: assign and redirect the selected appeals, each through its service, each audited."""

import pytest
from django.urls import reverse

from appeals.models import Appeal, AppealEvent
from appeals.models.choices import AppealStatus, EventKind

from .conftest import make, text_of

pytestmark = pytest.mark.django_db

BULK = reverse("appeals:bulk")


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def test_assign_the_selected_to_a_colleague(client, agency, supervisor, executor):
    appeals = [make(agency=agency) for _ in range(3)]
    client.force_login(supervisor)
    response = client.post(
        BULK,
        {"action": "assign", "executor": executor.pk, "ids": [a.pk for a in appeals], "back": "/appeals/?queue=tree"},
    )
    assert response.status_code == 302 and response.url == "/appeals/?queue=tree"
    for appeal in appeals:
        appeal.refresh_from_db()
        assert appeal.assignee == executor
        assert AppealEvent.objects.filter(appeal=appeal, kind=EventKind.ASSIGNED, actor=supervisor).count() == 1
    assert "3 appeals assigned" in text_of(client.get(response.url))


def test_bulk_assign_reports_each_failure(client, agency, supervisor, executor):
    ok = make(agency=agency)
    done = make(AppealStatus.ANSWERED, agency=agency, assignee=executor)
    client.force_login(supervisor)
    response = client.post(BULK, {"action": "assign", "executor": executor.pk, "ids": [ok.pk, done.pk]}, follow=True)
    page = text_of(response)
    assert "1 appeal assigned" in page
    assert done.number in page and "is not possible while the appeal is" in page


def test_an_executor_cannot_bulk_assign(client, agency, executor, executor2):
    appeal = make(agency=agency)
    client.force_login(executor)
    response = client.post(BULK, {"action": "assign", "executor": executor2.pk, "ids": [appeal.pk]}, follow=True)
    assert "You may not" in text_of(response)
    appeal.refresh_from_db()
    assert appeal.assignee is None


def test_appeals_the_user_cannot_see_are_ignored(client, agency, sibling, supervisor, executor):
    theirs = make(agency=sibling)
    client.force_login(supervisor)
    response = client.post(BULK, {"action": "assign", "executor": executor.pk, "ids": [theirs.pk]}, follow=True)
    theirs.refresh_from_db()
    assert theirs.assignee is None
    assert not AppealEvent.objects.filter(appeal=theirs).exists()
    assert response.status_code == 200


def test_redirect_the_selected_through_an_intermediate_page(client, agency, sibling, supervisor):
    appeals = [make(agency=agency) for _ in range(2)]
    ids = [a.pk for a in appeals]
    client.force_login(supervisor)
    page = client.post(BULK, {"action": "redirect", "ids": ids})
    assert page.status_code == 200
    assert all(a.number in text_of(page) for a in appeals)
    found = client.post(BULK, {"action": "redirect", "ids": ids, "agency_q": "Алматы", "find": "1"})
    assert f'value="{sibling.pk}"' in text_of(found)
    missing = client.post(BULK, {"action": "redirect", "ids": ids, "to_agency": sibling.pk, "confirm": "1"})
    assert missing.status_code == 422
    assert "Explain why" in text_of(missing)
    done = client.post(
        BULK,
        {"action": "redirect", "ids": ids, "to_agency": sibling.pk, "reason": "Не наша компетенция", "confirm": "1"},
    )
    assert done.status_code == 302
    for appeal in appeals:
        appeal.refresh_from_db()
        assert appeal.status == AppealStatus.REDIRECTED
        assert AppealEvent.objects.filter(appeal=appeal, kind=EventKind.REDIRECTED).count() == 1
    assert Appeal.objects.filter(agency=sibling, redirected_from__in=appeals).count() == 2


def test_nothing_selected_says_so(client, supervisor):
    client.force_login(supervisor)
    response = client.post(BULK, {"action": "assign"}, follow=True)
    assert "Select appeals in the list first." in text_of(response)


def test_the_bulk_bar_lists_an_executor_who_has_just_joined(client, agency, supervisor, executor):
    """The bar's executors are a roster kept for a minute (appeals/desk/rosters.py): a new colleague shows at once."""
    from ..conftest import member

    def bulk_select(page: str) -> str:
        start = page.index('<select id="bulk-executor"')
        return page[start : page.index("</select>", start)]

    make(agency=agency)
    client.force_login(supervisor)
    options = bulk_select(text_of(client.get("/appeals/?queue=tree")))
    assert f'<option value="{executor.pk}">' in options
    newcomer = member(agency, "executor", first_name="Айгерим", last_name="Жаңа")
    options = bulk_select(text_of(client.get("/appeals/?queue=tree")))
    assert f'<option value="{newcomer.pk}">' in options
    assert f'<option value="{executor.pk}">' in options
