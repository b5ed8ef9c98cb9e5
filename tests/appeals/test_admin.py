"""The admin: read-only over the lifecycle, actions through the services, fast lists."""

from datetime import date

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from appeals.calendar.workdays import get_calendar
from appeals.models import AppealEvent, CalendarOverride
from appeals.models.choices import AppealStatus, EventKind

from ..factories import AppealFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("n", [1, 30])
def test_the_appeal_list_costs_the_same_for_1_and_30_rows(admin_client, agency, n, django_assert_max_num_queries):
    AppealFactory.create_batch(n, agency=agency)
    with django_assert_max_num_queries(12):
        response = admin_client.get(reverse("admin:appeals_appeal_changelist"))
    assert response.status_code == 200


def test_search_by_subject_and_number(admin_client, agency):
    a = AppealFactory(agency=agency, subject="Прорыв трубы")
    b = AppealFactory(agency=agency, subject="Освещение")
    response = admin_client.get(reverse("admin:appeals_appeal_changelist"), {"q": "трубы"})
    assert a.number in response.text and b.number not in response.text


def test_an_appeal_cannot_be_edited_added_or_deleted_in_the_admin(admin_client, appeal):
    url = reverse("admin:appeals_appeal_change", args=[appeal.pk])
    response = admin_client.get(url)
    assert response.status_code == 200
    assert 'name="status"' not in response.text
    admin_client.post(url, {"status": AppealStatus.CLOSED, "subject": "changed"})
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.REGISTERED and appeal.subject != "changed"
    assert admin_client.get(reverse("admin:appeals_appeal_add")).status_code == 403
    assert admin_client.get(reverse("admin:appeals_appeal_delete", args=[appeal.pk])).status_code == 403


def test_the_audit_trail_is_read_only(admin_client, appeal, supervisor, executor):
    from appeals import lifecycle

    lifecycle.appeal_assign(appeal=appeal, executor=executor, actor=supervisor)
    event = AppealEvent.objects.get()
    assert admin_client.get(reverse("admin:appeals_appealevent_delete", args=[event.pk])).status_code == 403
    response = admin_client.get(reverse("admin:appeals_appeal_change", args=[appeal.pk]))
    assert "Назначен исполнитель" in response.text  # the event, in the admin's Russian


def test_bulk_assign_goes_through_the_service_and_reports_failures(admin_client, agency, executor):
    ok = AppealFactory(agency=agency)
    done = AppealFactory(agency=agency, status=AppealStatus.ANSWERED, assignee=executor)
    url = reverse("admin:appeals_appeal_changelist")
    data = {"action": "bulk_assign", ACTION_CHECKBOX_NAME: [ok.pk, done.pk]}
    response = admin_client.post(url, data)
    assert response.status_code == 200 and "executor" in response.text  # the intermediate form
    response = admin_client.post(url, {**data, "apply": "1", "executor": executor.pk}, follow=True)
    ok.refresh_from_db()
    assert ok.assignee == executor and ok.status == AppealStatus.IN_PROGRESS
    assert ok.events.get().kind == EventKind.ASSIGNED
    assert not done.events.exists()
    assert done.number in response.text  # the refused one is named


def test_bulk_redirect_goes_through_the_service(admin_client, agency, sibling):
    appeal = AppealFactory(agency=agency)
    url = reverse("admin:appeals_appeal_changelist")
    admin_client.post(
        url,
        {
            "action": "bulk_redirect",
            ACTION_CHECKBOX_NAME: [appeal.pk],
            "apply": "1",
            "to_agency": sibling.pk,
            "reason": "Не наша компетенция",
        },
    )
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.REDIRECTED
    assert appeal.redirected_to.get().agency == sibling


def test_an_override_entered_in_the_admin_applies_at_once(admin_client):
    saturday = date(2026, 12, 19)
    assert not get_calendar().is_working_day(saturday)
    admin_client.post(
        reverse("admin:appeals_calendaroverride_add"),
        {"date": "2026-12-19", "is_working_day": "on", "note": "Рабочая суббота", "decree_reference": "ПП №1"},
    )
    assert CalendarOverride.objects.filter(date=saturday).exists()
    assert get_calendar().is_working_day(saturday)


def test_from_november_the_admin_warns_that_next_year_has_no_overrides(admin_client):
    with time_machine.travel(date(2026, 11, 2), tick=False):
        response = admin_client.get(reverse("admin:index"))
        assert "2027" in response.text
    with time_machine.travel(date(2026, 10, 2), tick=False):
        response = admin_client.get(reverse("admin:index"))
        assert "2027" not in response.text
