"""The extension form: the allowed range shown up front, dd.mm.yyyy, one pending request at a time (issue 16, 8)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from appeals import lifecycle
from appeals.calendar.workdays import get_calendar
from appeals.models.choices import AppealStatus

from .conftest import make, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def appeal(agency, executor):
    # Registered on Tuesday 1 December 2026 (a working day): the limit is two months on, 01.02.2027.
    registered = timezone.make_aware(timezone.datetime(2026, 12, 1, 10, 0))
    return make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor, registered_at=registered)


def _post(client, appeal, until, reason="Нужна экспертиза"):
    return client.post(
        reverse("appeals:request_extension", kwargs={"pk": appeal.pk}),
        {"version": appeal.version, "until": until, "reason": reason},
    )


def test_the_form_shows_the_allowed_range_before_submitting(client, executor, appeal):
    client.force_login(executor)
    page = text_of(client.get(appeal.get_absolute_url()))
    assert appeal.due_date.strftime("%d.%m.%Y") in page
    assert "01.02.2027" in page  # by hand: 01.12.2026 + 2 months
    assert 'name="until"' in page and 'type="date"' not in page


def test_a_date_typed_as_dd_mm_yyyy_is_accepted(client, executor, appeal):
    client.force_login(executor)
    wanted = get_calendar().add_working_days(appeal.due_date, 3)
    response = _post(client, appeal, wanted.strftime("%d.%m.%Y"))
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.extension_requested_until == wanted


def test_a_date_past_the_limit_is_refused_with_the_limit_in_dd_mm_yyyy(client, executor, appeal):
    client.force_login(executor)
    response = _post(client, appeal, "15.02.2027")
    page = text_of(response)
    assert response.status_code in (200, 422)
    assert "01.02.2027" in page and "2027-02-01" not in page
    appeal.refresh_from_db()
    assert appeal.extension_requested_until is None


def test_a_garbled_date_gets_a_clear_error(client, executor, appeal):
    client.force_login(executor)
    response = _post(client, appeal, "31/31/2026")
    assert response.status_code in (200, 422)
    assert "dd.mm.yyyy" in text_of(response) or "дд.мм.гггг" in text_of(response)


def test_the_request_button_goes_once_a_request_is_pending(client, executor, appeal):
    client.force_login(executor)
    assert 'id="action-request_extension"' in text_of(client.get(appeal.get_absolute_url()))
    lifecycle.appeal_request_extension(
        appeal=appeal, actor=executor, until=get_calendar().add_working_days(appeal.due_date, 3), reason="Экспертиза"
    )
    assert 'id="action-request_extension"' not in text_of(client.get(appeal.get_absolute_url()))


def test_a_second_request_while_one_is_pending_is_refused(executor, appeal):
    until = get_calendar().add_working_days(appeal.due_date, 3)
    lifecycle.appeal_request_extension(appeal=appeal, actor=executor, until=until, reason="Экспертиза")
    with pytest.raises(lifecycle.AppealError):
        lifecycle.appeal_request_extension(
            appeal=appeal, actor=executor, until=until + timedelta(days=1), reason="Ещё экспертиза"
        )
