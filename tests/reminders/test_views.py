"""What people see: their notification settings, the notices of an appeal, the outbox in the admin."""

from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from appeals.access.selectors import appeal_notices
from appeals.models import Notice
from appeals.models.choices import NoticeKind, NoticeState

from ..factories import AppealFactory, UserFactory

pytestmark = pytest.mark.django_db


# --- The notification settings page ----------------------------------------------------------------------
def test_a_user_switches_the_digest_off_and_on(client, supervisor):
    client.force_login(supervisor)
    url = reverse("agencies:notification_settings")
    assert url == "/account/notifications/"
    page = client.get(url)
    assert page.status_code == 200
    assert b'name="receive_digest"' in page.content and b"checked" in page.content
    response = client.post(url, {}, follow=True)  # the box unticked
    supervisor.refresh_from_db()
    assert supervisor.receive_digest is False
    assert "Overdue notices will still be sent" in response.content.decode()
    assert b"checked" not in response.content.split(b'name="receive_digest"')[1].split(b">")[0]
    client.post(url, {"receive_digest": "on"})
    supervisor.refresh_from_db()
    assert supervisor.receive_digest is True


def test_the_page_says_what_cannot_be_switched_off(client, executor):
    client.force_login(executor)
    content = client.get(reverse("agencies:notification_settings")).content.decode()
    assert "cannot be switched off" in content and "3, 1 working days before the due date" in content


def test_the_settings_page_needs_a_login(client):
    response = client.get(reverse("agencies:notification_settings"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_settings_change_only_the_signed_in_user(client, supervisor, ministry_supervisor):
    client.force_login(supervisor)
    client.post(reverse("agencies:notification_settings"), {"user": ministry_supervisor.pk})
    ministry_supervisor.refresh_from_db()
    assert ministry_supervisor.receive_digest is True


def test_the_settings_page_issues_a_constant_number_of_queries(client, supervisor, django_assert_max_num_queries):
    client.force_login(supervisor)
    with django_assert_max_num_queries(4):
        assert client.get(reverse("agencies:notification_settings")).status_code == 200


# --- The notices of an appeal (the workspace's fragment) ---------------------------------------------------
def notices_for(appeal, executor, n):
    for i in range(n):
        Notice.objects.create(
            appeal=appeal,
            kind=NoticeKind.OVERDUE_REMINDER,
            user=executor,
            email=executor.email,
            due_date=appeal.due_date,
            days_left=-(i + 1),
            state=NoticeState.SENT,
            sent_at=timezone.now(),
        )


def test_the_fragment_lists_the_notices_sent_for_an_appeal(appeal, executor):
    notices_for(appeal, executor, 2)
    Notice.objects.create(
        appeal=appeal,
        kind=NoticeKind.RECEIPT,
        email=appeal.applicant_email,
        due_date=appeal.due_date,
        state=NoticeState.PENDING,
        last_error="SMTPServerDisconnected: Connection unexpectedly closed",
    )
    html = render_to_string("appeals/includes/notices.html", {"notices": appeal_notices(appeal)})
    assert html.count("<tr>") == 4  # the header and three notices
    assert executor.display_name in html and appeal.applicant_email in html
    assert "Connection unexpectedly closed" in html
    assert "deadline-ok" in html and "deadline-soon" in html
    empty = AppealFactory(agency=appeal.agency)
    assert "No notices" in render_to_string("appeals/includes/notices.html", {"notices": appeal_notices(empty)})


@pytest.mark.parametrize("n", [1, 30])
def test_the_fragment_renders_in_one_query_whatever_the_number_of_notices(
    appeal, executor, n, django_assert_num_queries
):
    notices_for(appeal, executor, n)
    with django_assert_num_queries(1):
        render_to_string("appeals/includes/notices.html", {"notices": appeal_notices(appeal)})


# --- The outbox in the admin -------------------------------------------------------------------------------
@pytest.fixture
def admin_client_logged(client, db):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


@pytest.mark.parametrize("n", [1, 30])
def test_the_outbox_filters_by_state_and_kind_and_finds_an_appeal(
    admin_client_logged, appeal, executor, n, django_assert_max_num_queries
):
    notices_for(appeal, executor, n)
    failed = Notice.objects.create(
        appeal=appeal,
        kind=NoticeKind.RECEIPT,
        email=appeal.applicant_email,
        due_date=appeal.due_date,
        state=NoticeState.FAILED,
        last_error="SMTPRecipientsRefused: 550 5.1.1 No such mailbox",
    )
    url = reverse("admin:appeals_notice_changelist")
    with django_assert_max_num_queries(12):
        page = admin_client_logged.get(url, {"state": "failed"})
    content = page.content.decode()
    assert page.status_code == 200
    assert "550 5.1.1 No such mailbox" in content and f"/admin/appeals/notice/{failed.pk}/change/" in content
    assert (
        content.count("/admin/appeals/notice/") - content.count("/admin/appeals/notice/?") == 1 + 1
    )  # row + title link
    by_kind = admin_client_logged.get(url, {"kind": "overdue_reminder", "q": appeal.number})
    assert by_kind.status_code == 200 and f"/admin/appeals/notice/{failed.pk}/change/" not in by_kind.content.decode()


def test_retry_now_in_the_admin_sends_a_failed_notice_through_the_service(
    admin_client_logged, appeal, django_capture_on_commit_callbacks
):
    failed = Notice.objects.create(
        appeal=appeal,
        kind=NoticeKind.RECEIPT,
        email=appeal.applicant_email,
        due_date=appeal.due_date,
        state=NoticeState.FAILED,
        last_error="SMTPRecipientsRefused: 550",
        next_attempt_at=timezone.now() - timedelta(days=1),
    )
    sent = Notice.objects.create(
        appeal=appeal, kind=NoticeKind.ANSWER, email=appeal.applicant_email, due_date=appeal.due_date, state="sent"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_logged.post(
            reverse("admin:appeals_notice_changelist"),
            {"action": "retry_now", ACTION_CHECKBOX_NAME: [failed.pk, sent.pk]},
            follow=True,
        )
    content = response.content.decode()
    assert "1 notice queued to be sent again." in content
    assert "1 notice was left alone" in content
    failed.refresh_from_db()
    assert failed.state == NoticeState.SENT and failed.last_error == ""
    assert [m.to for m in mail.outbox] == [[appeal.applicant_email]]


def test_the_outbox_is_read_only_in_the_admin(admin_client_logged, appeal):
    notice = Notice.objects.create(
        appeal=appeal, kind=NoticeKind.RECEIPT, email=appeal.applicant_email, due_date=appeal.due_date
    )
    assert admin_client_logged.get(reverse("admin:appeals_notice_add")).status_code == 403
    change = admin_client_logged.post(reverse("admin:appeals_notice_change", args=[notice.pk]), {"state": "sent"})
    notice.refresh_from_db()
    # Every field is read-only: the form "saves" nothing and goes back to the list.
    assert notice.state == NoticeState.PENDING and change.status_code == 302
