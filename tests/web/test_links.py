"""Link and merge: related appeals, and a duplicate merged into the same applicant's appeal; both directions show."""

import pytest
from django.core import mail
from django.urls import reverse

from appeals.models import AppealEvent, AppealLink
from appeals.models.choices import AppealStatus, EventKind, LinkKind, Outcome

from ..factories import valid_iin
from .conftest import make, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def link(client, appeal, number, kind="related", **extra):
    return client.post(
        reverse("appeals:link", kwargs={"pk": appeal.pk}),
        {"version": appeal.version, "number": number, "kind": kind, **extra},
        follow=True,
    )


def test_related_appeals_show_on_both_workspaces(client, agency, executor):
    first = make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor)
    second = make(agency=agency)
    client.force_login(executor)
    response = link(client, first, second.number.lower(), comment="Один дом")
    assert "The appeals are linked." in text_of(response)
    assert AppealLink.objects.get().kind == LinkKind.RELATED
    for this, that in ((first, second), (second, first)):
        page = text_of(client.get(this.get_absolute_url()))
        assert that.number in page
        assert "Один дом" in page
        assert AppealEvent.objects.filter(appeal=this, kind=EventKind.LINKED).count() == 1


def test_link_to_an_unknown_or_invisible_number_is_refused(client, agency, sibling, executor):
    appeal = make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor)
    theirs = make(agency=sibling)
    client.force_login(executor)
    for number in ("NOPE-2026-1", theirs.number):
        response = link(client, appeal, number)
        assert "No appeal with this number that you can see." in text_of(response)
    assert not AppealLink.objects.exists()


def test_linking_twice_is_refused(client, agency, executor):
    first = make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor)
    second = make(agency=agency)
    client.force_login(executor)
    link(client, first, second.number)
    second.refresh_from_db()
    response = link(client, second, first.number)
    assert "already linked" in text_of(response)


def test_merge_a_duplicate_keeps_both_numbers_and_tells_the_applicant(
    client, agency, supervisor, executor, django_capture_on_commit_callbacks
):
    iin = valid_iin(51)
    main = make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor, applicant_iin=iin)
    duplicate = make(agency=agency, applicant_iin=iin)
    client.force_login(supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        response = link(client, duplicate, main.number, kind="duplicate", comment="Тот же вопрос")
    assert response.status_code == 200
    duplicate.refresh_from_db()
    main.refresh_from_db()
    assert duplicate.status == AppealStatus.TERMINATED and duplicate.outcome == Outcome.TERMINATED
    assert main.status == AppealStatus.IN_PROGRESS
    assert AppealLink.objects.get().kind == LinkKind.DUPLICATE
    merged = AppealEvent.objects.get(appeal=duplicate, kind=EventKind.MERGED)
    assert (merged.from_status, merged.to_status, merged.payload["reason"]) == (
        AppealStatus.REGISTERED,
        AppealStatus.TERMINATED,
        "merged",
    )
    assert AppealEvent.objects.filter(appeal=main, kind=EventKind.MERGED).count() == 1
    assert mail.outbox[-1].to == [duplicate.applicant_email]
    assert duplicate.number in mail.outbox[-1].subject
    assert main.number in mail.outbox[-1].body
    main_page = text_of(client.get(main.get_absolute_url()))
    assert duplicate.number in main_page and "Duplicates merged into this appeal" in main_page
    dup_page = text_of(client.get(duplicate.get_absolute_url()))
    assert main.number in dup_page and "Merged as a duplicate into" in dup_page


def test_merge_needs_the_same_applicant(client, agency, supervisor):
    main = make(agency=agency, applicant_iin=valid_iin(52))
    other = make(agency=agency, applicant_iin=valid_iin(53))
    client.force_login(supervisor)
    response = link(client, other, main.number, kind="duplicate")
    assert "Only appeals of the same applicant" in text_of(response)
    other.refresh_from_db()
    assert other.status == AppealStatus.REGISTERED
    assert not AppealLink.objects.exists()


def test_an_executor_may_link_but_not_merge(client, agency, executor):
    iin = valid_iin(54)
    main = make(agency=agency, applicant_iin=iin)
    duplicate = make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor, applicant_iin=iin)
    client.force_login(executor)
    page = text_of(client.get(duplicate.get_absolute_url()))
    assert 'value="duplicate"' not in page
    response = link(client, duplicate, main.number, kind="duplicate")
    assert "You may not" in text_of(response)
    duplicate.refresh_from_db()
    assert duplicate.status == AppealStatus.IN_PROGRESS


def test_redirects_repeats_and_escalations_show_both_ways(client, agency, district, supervisor):
    original = make(AppealStatus.REDIRECTED, agency=agency)
    received = make(agency=district, redirected_from=original)
    repeat = make(agency=agency, repeat_of=original, is_repeated=True)
    client.force_login(supervisor)
    page = text_of(client.get(original.get_absolute_url()))
    assert received.number in page and "Redirected to" in page
    assert repeat.number in page and "Repeated later by" in page
    page = text_of(client.get(received.get_absolute_url()))
    assert original.number in page and "Redirected here from" in page
