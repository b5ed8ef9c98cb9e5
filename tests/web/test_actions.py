"""Every action of the workspace through its view: allowed, wrong role, wrong agency, wrong status, bad input."""

import pytest
from django.core import mail
from django.urls import reverse

from appeals.calendar.workdays import get_calendar
from appeals.models import AppealEvent, AppealResponse
from appeals.models.choices import AppealStatus, EventKind, ResponseStatus

from .conftest import make, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def _later(appeal, days=3):
    return get_calendar().add_working_days(appeal.due_date, days).isoformat()


# slug: (status it works from, persona allowed, persona with the wrong role or None, a status it is refused in,
#        data builder, the event it writes, the status after)
CASES = {
    "take": (
        AppealStatus.REGISTERED,
        "executor",
        "supervisor",
        AppealStatus.IN_PROGRESS,
        lambda a, f: {},
        EventKind.TAKEN,
    ),
    "assign": (
        AppealStatus.REGISTERED,
        "supervisor",
        "executor",
        AppealStatus.ANSWERED,
        lambda a, f: {"executor": f["executor2"].pk},
        EventKind.ASSIGNED,
    ),
    "redirect": (
        AppealStatus.REGISTERED,
        "supervisor",
        "executor",
        AppealStatus.ANSWERED,
        lambda a, f: {"to_agency": f["sibling"].pk, "reason": "Вопрос компетенции Алматы"},
        EventKind.REDIRECTED,
    ),
    "request_extension": (
        AppealStatus.IN_PROGRESS,
        "executor",
        "executor2",
        AppealStatus.ANSWERED,
        lambda a, f: {"until": _later(a), "reason": "Нужна экспертиза"},
        EventKind.EXTENSION_REQUESTED,
    ),
    "grant_extension": (
        AppealStatus.IN_PROGRESS,
        "supervisor",
        "executor",
        AppealStatus.ANSWERED,
        lambda a, f: {"until": _later(a), "reason": "Выезд на место"},
        EventKind.EXTENSION_GRANTED,
    ),
    "note": (
        AppealStatus.IN_PROGRESS,
        "executor2",
        None,
        None,
        lambda a, f: {"text": "Позвонила заявителю"},
        EventKind.NOTE_ADDED,
    ),
    "draft": (
        AppealStatus.IN_PROGRESS,
        "executor",
        "executor2",
        AppealStatus.AWAITING_APPROVAL,
        lambda a, f: {"text": "Ответ по существу", "language": "ru", "outcome": "explained"},
        EventKind.RESPONSE_SAVED,
    ),
    "submit": (
        AppealStatus.IN_PROGRESS,
        "executor",
        "executor2",
        AppealStatus.REGISTERED,
        lambda a, f: {},
        EventKind.SUBMITTED,
    ),
    "return": (
        AppealStatus.AWAITING_APPROVAL,
        "supervisor",
        "executor",
        AppealStatus.IN_PROGRESS,
        lambda a, f: {"comment": "Сошлитесь на закон"},
        EventKind.RETURNED,
    ),
    "approve": (
        AppealStatus.AWAITING_APPROVAL,
        "supervisor",
        "executor",
        AppealStatus.IN_PROGRESS,
        lambda a, f: {"outcome": "satisfied"},
        EventKind.APPROVED,
    ),
    "leave": (
        AppealStatus.IN_PROGRESS,
        "supervisor",
        "executor",
        AppealStatus.ANSWERED,
        lambda a, f: {"reason": "no_substance"},
        EventKind.LEFT_WITHOUT_CONSIDERATION,
    ),
    "terminate": (
        AppealStatus.IN_PROGRESS,
        "supervisor",
        "executor",
        AppealStatus.ANSWERED,
        lambda a, f: {"reason": "applicant_deceased"},
        EventKind.TERMINATED,
    ),
    "close": (
        AppealStatus.ANSWERED,
        "executor",
        "executor2",
        AppealStatus.IN_PROGRESS,
        lambda a, f: {},
        EventKind.CLOSED,
    ),
    "reopen": (
        AppealStatus.ANSWERED,
        "supervisor",
        "executor",
        AppealStatus.IN_PROGRESS,
        lambda a, f: {"reason": "Ответ обжалован"},
        EventKind.REOPENED,
    ),
    "escalate": (
        AppealStatus.IN_PROGRESS,
        "supervisor",
        "executor",
        AppealStatus.ANSWERED,
        lambda a, f: {},
        EventKind.ESCALATED,
    ),
    "link": (
        AppealStatus.IN_PROGRESS,
        "executor2",
        None,
        None,
        lambda a, f: {"number": make(agency=a.agency).number, "kind": "related"},
        EventKind.LINKED,
    ),
}


@pytest.fixture
def personas(request, executor, executor2, supervisor, registrar, sibling, outsider):
    return {
        "executor": executor,
        "executor2": executor2,
        "supervisor": supervisor,
        "registrar": registrar,
        "outsider": outsider,
        "sibling": sibling,
    }


def _appeal(status, agency, personas):
    return make(status, agency=agency, assignee=personas["executor"], overdue=True)


def _post(client, slug, appeal, data, **extra):
    return client.post(
        reverse(f"appeals:{slug}", kwargs={"pk": appeal.pk}), {"version": appeal.version, **data}, **extra
    )


@pytest.mark.parametrize("slug", sorted(CASES))
def test_each_action_works_for_the_allowed_role(client, slug, agency, personas, django_capture_on_commit_callbacks):
    status, allowed, _wrong, _bad_status, data, event_kind = CASES[slug]
    appeal = _appeal(status, agency, personas)
    if slug == "take":
        appeal.assignee = None
        appeal.save()
    client.force_login(personas[allowed])
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, slug, appeal, data(appeal, personas))
    assert response.status_code == 302, text_of(response)[:3000]
    # Back to the appeal (after an approval with ?after=approve, which offers the next one of the queue).
    assert response.url.split("?")[0] == appeal.get_absolute_url()
    event = AppealEvent.objects.filter(appeal=appeal).latest("id")
    assert (event.kind, event.actor) == (event_kind, personas[allowed])
    page = client.get(response.url)
    assert page.status_code == 200
    assert 'class="success"' in text_of(page)


@pytest.mark.parametrize("slug", sorted(s for s, case in CASES.items() if case[2]))
def test_each_action_is_refused_to_the_wrong_role(client, slug, agency, personas):
    status, _allowed, wrong, _bad_status, data, _kind = CASES[slug]
    appeal = _appeal(status, agency, personas)
    before = AppealEvent.objects.filter(appeal=appeal).count()
    client.force_login(personas[wrong])
    response = _post(client, slug, appeal, data(appeal, personas))
    assert response.status_code == 403
    assert "You may not" in text_of(response)
    assert AppealEvent.objects.filter(appeal=appeal).count() == before
    appeal.refresh_from_db()
    assert appeal.status == status


@pytest.mark.parametrize("slug", sorted(CASES))
def test_each_action_on_another_agencys_appeal_is_a_404(client, slug, agency, personas):
    status, _allowed, _wrong, _bad_status, data, _kind = CASES[slug]
    appeal = _appeal(status, agency, personas)
    before = AppealEvent.objects.count()
    client.force_login(personas["outsider"])
    response = _post(client, slug, appeal, data(appeal, personas))
    assert response.status_code == 404
    assert AppealEvent.objects.count() == before


@pytest.mark.parametrize("slug", sorted(s for s, case in CASES.items() if case[3]))
def test_each_action_is_refused_in_the_wrong_status(client, slug, agency, personas):
    _status, allowed, _wrong, bad_status, data, _kind = CASES[slug]
    appeal = _appeal(bad_status, agency, personas)
    before = AppealEvent.objects.filter(appeal=appeal).count()
    client.force_login(personas[allowed])
    response = _post(client, slug, appeal, data(appeal, personas))
    assert response.status_code == 409
    assert "is not possible while the appeal is" in text_of(response)
    assert AppealEvent.objects.filter(appeal=appeal).count() == before


def test_a_missing_field_is_shown_next_to_it(client, agency, supervisor, executor):
    appeal = make(AppealStatus.AWAITING_APPROVAL, agency=agency, assignee=executor)
    client.force_login(supervisor)
    response = _post(client, "return", appeal, {"comment": ""})
    assert response.status_code == 422
    page = text_of(response)
    assert 'id="id_return_comment_error"' in page
    assert 'aria-invalid="true"' in page
    assert AppealEvent.objects.filter(appeal=appeal).count() == 0


def test_a_service_rule_is_shown_next_to_the_field(client, agency, supervisor, executor):
    appeal = make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor)
    client.force_login(supervisor)
    too_late = get_calendar().add_working_days(appeal.due_date, 200).isoformat()
    response = _post(client, "grant_extension", appeal, {"until": too_late, "reason": "Экспертиза"})
    assert response.status_code == 422
    page = text_of(response)
    assert "may not exceed" in page
    assert 'id="action-grant_extension" open' in page
    assert "Экспертиза" in page  # what the user typed is kept


def test_a_stale_page_gets_a_clear_conflict_and_keeps_the_text(client, agency, executor):
    appeal = make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor)
    client.force_login(executor)
    seen = appeal.version
    _post(client, "note", appeal, {"text": "Первая заметка"})
    response = client.post(
        reverse("appeals:draft", kwargs={"pk": appeal.pk}),
        {"version": seen, "text": "Мой новый текст ответа", "language": "ru", "outcome": ""},
    )
    assert response.status_code == 409
    page = text_of(response)
    assert "Someone else has just changed this appeal" in page
    assert "Мой новый текст ответа" in page
    assert not AppealEvent.objects.filter(appeal=appeal, kind=EventKind.RESPONSE_SAVED).exists()


def test_take_after_a_colleague_took_it_says_so(client, agency, executor, executor2):
    appeal = make(agency=agency)
    client.force_login(executor2)
    _post(client, "take", appeal, {})
    client.force_login(executor)
    response = _post(client, "take", appeal, {})
    assert response.status_code == 409
    assert "is not possible while the appeal is" in text_of(response)


def test_htmx_action_returns_the_workspace_only(client, agency, executor):
    appeal = make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor)
    client.force_login(executor)
    response = _post(
        client, "note", appeal, {"text": "Заметка"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="workspace", follow=True
    )
    page = text_of(response)
    assert page.lstrip().startswith('<div id="workspace"')
    assert "Заметка" in page


def test_submit_without_a_draft_explains_why(client, agency, executor):
    appeal = make(AppealStatus.IN_PROGRESS, agency=agency)
    appeal.assignee = executor
    appeal.save()
    client.force_login(executor)
    response = _post(client, "submit", appeal, {})
    assert response.status_code == 422
    assert "Draft the answer before submitting it" in text_of(response)


def test_approve_sends_the_answer_with_the_challenge_block(
    client, agency, supervisor, executor, django_capture_on_commit_callbacks
):
    appeal = make(AppealStatus.AWAITING_APPROVAL, agency=agency, assignee=executor)
    client.force_login(supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, "approve", appeal, {"outcome": "explained"})
    answer = AppealResponse.objects.get(appeal=appeal, kind="answer")
    assert answer.status == ResponseStatus.SENT
    assert mail.outbox and mail.outbox[-1].to == [appeal.applicant_email]
    # The challenge block, in the appeal's language (Russian here).
    assert "Вы вправе обжаловать данное решение" in answer.text and "в течение трех месяцев" in answer.text


def test_buttons_are_only_what_the_user_may_do_now(client, agency, executor, supervisor):
    registered = make(agency=agency)
    waiting = make(AppealStatus.AWAITING_APPROVAL, agency=agency, assignee=executor)
    client.force_login(executor)
    page = text_of(client.get(registered.get_absolute_url()))
    assert reverse("appeals:take", kwargs={"pk": registered.pk}) in page
    assert reverse("appeals:approve", kwargs={"pk": registered.pk}) not in page
    page = text_of(client.get(waiting.get_absolute_url()))
    assert reverse("appeals:draft", kwargs={"pk": waiting.pk}) not in page
    assert reverse("appeals:approve", kwargs={"pk": waiting.pk}) not in page
    client.force_login(supervisor)
    page = text_of(client.get(waiting.get_absolute_url()))
    assert reverse("appeals:approve", kwargs={"pk": waiting.pk}) in page
    assert reverse("appeals:return", kwargs={"pk": waiting.pk}) in page
    assert reverse("appeals:take", kwargs={"pk": waiting.pk}) not in page


def test_a_get_on_an_action_is_not_allowed(client, agency, executor):
    appeal = make(agency=agency)
    client.force_login(executor)
    assert client.get(reverse("appeals:take", kwargs={"pk": appeal.pk})).status_code == 405


def test_redirect_picker_searches_agencies_without_javascript(client, agency, sibling, supervisor):
    appeal = make(agency=agency)
    client.force_login(supervisor)
    page = text_of(client.get(appeal.get_absolute_url(), {"agency_q": "алматы"}))
    assert f'value="{sibling.pk}"' in page
    assert 'id="action-redirect" open' in page
    fragment = text_of(client.get(reverse("appeals:agency_search"), {"agency_q": "Алматы", "exclude": agency.pk}))
    assert "Департамент Алматы" in fragment
