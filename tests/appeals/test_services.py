"""The appeal lifecycle: every action from every status, by every role; one audit event per change."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from agencies.choices import Role
from appeals import lifecycle
from appeals.calendar import policy
from appeals.calendar.workdays import get_calendar, local_today
from appeals.lifecycle import (
    ACTION_RULES,
    AppealConflictError,
    AppealError,
    AppealPermissionError,
    AppealTransitionError,
    ApplicantData,
)
from appeals.models import Appeal, AppealEvent, AppealResponse
from appeals.models.choices import (
    ALLOWED_TRANSITIONS,
    AppealAction,
    AppealStatus,
    ApplicantType,
    EventKind,
    LeaveReason,
    Outcome,
    ResponseKind,
    ResponseStatus,
    TerminateReason,
)

from ..conftest import member
from ..factories import AppealFactory, CategoryRouteFactory, valid_bin, valid_iin

pytestmark = pytest.mark.django_db


def _later_working_day(appeal, days=5):
    return get_calendar().add_working_days(appeal.due_date, days)


def perform(action, appeal, actor, *, executor=None, to_agency=None):
    """Do `action` with valid arguments, so only the status and the role decide the result."""
    if action == AppealAction.TAKE:
        return lifecycle.appeal_take(appeal=appeal, actor=actor)
    if action == AppealAction.ASSIGN:
        return lifecycle.appeal_assign(appeal=appeal, executor=executor, actor=actor)
    if action == AppealAction.REDIRECT:
        return lifecycle.appeal_redirect(appeal=appeal, to_agency=to_agency, actor=actor, reason="Not ours")
    if action == AppealAction.REQUEST_EXTENSION:
        return lifecycle.appeal_request_extension(
            appeal=appeal, actor=actor, until=_later_working_day(appeal), reason="Expert opinion needed"
        )
    if action == AppealAction.GRANT_EXTENSION:
        return lifecycle.appeal_grant_extension(
            appeal=appeal, actor=actor, until=_later_working_day(appeal), reason="Site inspection"
        )
    if action == AppealAction.NOTE:
        return lifecycle.appeal_add_note(appeal=appeal, actor=actor, text="Called the applicant")
    if action == AppealAction.DRAFT:
        return lifecycle.appeal_save_response(appeal=appeal, actor=actor, text="Ответ по существу", outcome="explained")
    if action == AppealAction.SUBMIT:
        return lifecycle.appeal_submit(appeal=appeal, actor=actor)
    if action == AppealAction.RETURN:
        return lifecycle.appeal_return(appeal=appeal, actor=actor, comment="Cite the law")
    if action == AppealAction.APPROVE:
        return lifecycle.appeal_approve(appeal=appeal, actor=actor, outcome=Outcome.SATISFIED)
    if action == AppealAction.LEAVE:
        return lifecycle.appeal_leave_without_consideration(appeal=appeal, actor=actor, reason=LeaveReason.NO_SUBSTANCE)
    if action == AppealAction.TERMINATE:
        return lifecycle.appeal_terminate(appeal=appeal, actor=actor, reason=TerminateReason.APPLICANT_DECEASED)
    if action == AppealAction.CLOSE:
        return lifecycle.appeal_close(appeal=appeal, actor=actor)
    if action == AppealAction.REOPEN:
        return lifecycle.appeal_reopen(appeal=appeal, actor=actor, reason="Answer challenged")
    if action == AppealAction.ESCALATE:
        return lifecycle.appeal_escalate(appeal=appeal, actor=actor)
    if action == AppealAction.LINK:
        other = AppealFactory(agency=appeal.agency)
        return lifecycle.appeal_link(appeal=appeal, other=other, actor=actor)
    if action == AppealAction.MERGE:
        into = AppealFactory(agency=appeal.agency, applicant_iin=appeal.applicant_iin)
        return lifecycle.appeal_merge(appeal=appeal, into=into, actor=actor)
    raise AssertionError(action)


def make_appeal(status, *, agency, assignee):
    """An appeal in `status`, with what that status implies (an executor, an answer in the works)."""
    registered = timezone.now() - timedelta(days=40)  # overdue, so escalation is possible
    needs_assignee = status not in {AppealStatus.REGISTERED}
    appeal = AppealFactory(
        agency=agency,
        status=status,
        registered_at=registered,
        assignee=assignee if needs_assignee else None,
    )
    if status == AppealStatus.AWAITING_APPROVAL:
        AppealResponse.objects.create(
            appeal=appeal,
            text="Ответ",
            language="ru",
            outcome="explained",
            author=assignee,
            status=ResponseStatus.SUBMITTED,
        )
    if status == AppealStatus.IN_PROGRESS:
        AppealResponse.objects.create(appeal=appeal, text="Черновик", language="ru", author=assignee)
    return appeal


# --- Who may do what, from which status: written out by hand (DOMAIN.md "The people and their day"),
# never read from ACTION_RULES, so a wrong rule in the code fails here. On an appeal of `agency`
# assigned to `executor` (a registered appeal has no assignee yet).
REG, INP, AWA = AppealStatus.REGISTERED, AppealStatus.IN_PROGRESS, AppealStatus.AWAITING_APPROVAL
ANS, LEFT, RED = AppealStatus.ANSWERED, AppealStatus.LEFT_WITHOUT_CONSIDERATION, AppealStatus.REDIRECTED
TER, CLO = AppealStatus.TERMINATED, AppealStatus.CLOSED
OPEN = {REG, INP, AWA}
EVERY_STATUS = {REG, INP, AWA, ANS, LEFT, RED, TER, CLO}
# The head of the department and the head of the ministry above it (who heads its whole subtree).
HEADS = {"supervisor", "ministry_supervisor"}
STAFF_OF_THE_AGENCY = {"registrar", "executor", "executor2"} | HEADS

# action: (the statuses it works from, the personas who may do it, the status it leads to: None = unchanged)
WHO_MAY = {
    AppealAction.TAKE: ({REG}, {"executor", "executor2"}, INP),  # executors only, and anyone of them
    AppealAction.ASSIGN: ({REG, INP}, HEADS, INP),
    AppealAction.REDIRECT: ({REG, INP}, {"registrar"} | HEADS, RED),
    AppealAction.REQUEST_EXTENSION: ({INP}, {"executor"}, None),  # the assignee asks; heads grant
    AppealAction.GRANT_EXTENSION: (OPEN, HEADS, None),  # only the head or a deputy (the law)
    AppealAction.NOTE: (EVERY_STATUS, STAFF_OF_THE_AGENCY, None),
    AppealAction.DRAFT: ({INP}, {"executor"} | HEADS, None),  # not a colleague who is not the assignee
    AppealAction.SUBMIT: ({INP}, {"executor"} | HEADS, AWA),
    AppealAction.RETURN: ({AWA}, HEADS, INP),
    AppealAction.APPROVE: ({AWA}, HEADS, ANS),  # an executor never approves, not even their own answer
    AppealAction.LEAVE: (OPEN, HEADS, LEFT),
    AppealAction.TERMINATE: ({REG, INP}, HEADS, TER),
    AppealAction.CLOSE: ({ANS}, {"executor"} | HEADS, CLO),
    AppealAction.REOPEN: ({ANS, LEFT, TER, CLO}, HEADS, INP),
    AppealAction.ESCALATE: (OPEN, HEADS, None),
    AppealAction.LINK: (EVERY_STATUS, STAFF_OF_THE_AGENCY, None),
    AppealAction.MERGE: ({REG, INP}, HEADS, TER),
}
ACTIONS = sorted(WHO_MAY)
STATUSES = sorted(EVERY_STATUS)
PERSONAS = [
    "registrar",
    "executor",  # the assignee
    "executor2",  # a colleague in the same agency, not the assignee
    "supervisor",
    "ministry_supervisor",  # supervisor of the parent: the whole subtree
    "outsider",  # an executor of a sibling department
    "foreigner",  # a supervisor of an agency elsewhere
]


def expected_allowed(action, persona, status):
    statuses, personas, _to = WHO_MAY[action]
    return status in statuses and persona in personas


def test_the_table_covers_every_action():
    assert set(WHO_MAY) == set(AppealAction.values)
    assert set(ACTION_RULES) == set(AppealAction.values)


def actor_allowed_from_the_table(action, *, executor, supervisor, registrar):
    personas = WHO_MAY[action][1]
    if "supervisor" in personas:
        return supervisor
    if "executor" in personas:
        return executor
    return registrar


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", ACTIONS)
def test_every_action_from_every_status(action, status, agency, sibling, executor, executor2, supervisor, registrar):
    appeal = make_appeal(status, agency=agency, assignee=executor)
    actor = actor_allowed_from_the_table(action, executor=executor, supervisor=supervisor, registrar=registrar)
    events_before = AppealEvent.objects.filter(appeal=appeal).count()
    statuses, _personas, to_status = WHO_MAY[action]
    if status in statuses:
        perform(action, appeal, actor, executor=executor2, to_agency=sibling)
        appeal.refresh_from_db()
        assert AppealEvent.objects.filter(appeal=appeal).count() == events_before + 1
        event = AppealEvent.objects.filter(appeal=appeal).latest("id")
        assert event.actor == actor
        assert appeal.status == (to_status or status)
        if to_status and to_status != status:
            assert (event.from_status, event.to_status) == (status, to_status)
    else:
        with pytest.raises(AppealTransitionError):
            perform(action, appeal, actor, executor=executor2, to_agency=sibling)
        appeal.refresh_from_db()
        assert appeal.status == status
        assert AppealEvent.objects.filter(appeal=appeal).count() == events_before


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("action", ACTIONS)
def test_every_action_by_every_role(action, persona, request, agency, sibling, executor, executor2):
    # Take the first status the action works from (by the table), so only the role decides.
    status = next(s for s in STATUSES if s in WHO_MAY[action][0])
    appeal = make_appeal(status, agency=agency, assignee=executor)
    actor = request.getfixturevalue(persona)
    events_before = AppealEvent.objects.filter(appeal=appeal).count()
    allowed = expected_allowed(action, persona, status)
    assert lifecycle.appeal_can(user=actor, appeal=appeal, action=action) is allowed
    if allowed:
        perform(action, appeal, actor, executor=executor2, to_agency=sibling)
        assert AppealEvent.objects.filter(appeal=appeal).count() == events_before + 1
    else:
        with pytest.raises(AppealPermissionError):
            perform(action, appeal, actor, executor=executor2, to_agency=sibling)
        assert AppealEvent.objects.filter(appeal=appeal).count() == events_before


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("status", STATUSES)
def test_the_actions_offered_are_those_of_the_table(status, persona, request, agency, executor):
    """The buttons and the API's `actions`: role × status × action, the whole matrix at once."""
    appeal = make_appeal(status, agency=agency, assignee=executor)
    actor = request.getfixturevalue(persona)
    expected = {str(action) for action in ACTIONS if expected_allowed(action, persona, status)}
    assert {str(a) for a in lifecycle.appeal_available_actions(user=actor, appeal=appeal)} == expected


def test_the_action_table_agrees_with_the_workflow():
    for action, rule in ACTION_RULES.items():
        if rule.to_status is None:
            continue
        for status in rule.from_statuses:
            if status != rule.to_status:
                assert rule.to_status in ALLOWED_TRANSITIONS[status], (action, status)


# --- Registration --------------------------------------------------------------------------------------
def register(registrar, agency, **overrides):
    kwargs = {
        "actor": registrar,
        "agency": agency,
        "kind": "application",
        "channel": "post",
        "language": "kk",
        "region": "astana",
        "subject": "Жол жөндеу",
        "text": "Көшедегі жолды жөндеуді сұраймын.",
        "applicant": ApplicantData(name="Сейтқали Айгерім", iin=valid_iin(3), email="aigerim@mail.kz"),
    }
    kwargs.update(overrides)
    return lifecycle.appeal_register(**kwargs)


def test_registration_gives_a_number_a_due_date_an_event_and_a_receipt(
    registrar, agency, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        appeal = register(registrar, agency)
    year = timezone.localdate().year
    assert appeal.number == f"DEP-{year}-000001"
    assert appeal.status == AppealStatus.REGISTERED
    assert appeal.due_date == get_calendar().add_working_days(get_calendar().working_day_on_or_after(local_today()), 15)
    assert appeal.registered_by == registrar
    event = appeal.events.get()
    assert (event.kind, event.actor, event.to_status) == (
        EventKind.REGISTERED,
        registrar,
        AppealStatus.REGISTERED,
    )
    assert len(mail.outbox) == 1
    assert appeal.number in mail.outbox[0].subject
    assert mail.outbox[0].to == ["aigerim@mail.kz"]
    second = register(registrar, agency)
    assert second.number == f"DEP-{year}-000002"


def test_numbers_run_per_agency(registrar, agency, sibling):
    member_of_sibling = member(sibling, Role.REGISTRAR, username="sibreg")
    register(registrar, agency)
    other = register(member_of_sibling, sibling)
    assert other.number.endswith("-000001")


def test_only_a_registrar_of_the_agency_registers(executor, agency, sibling, registrar):
    with pytest.raises(AppealPermissionError):
        register(executor, agency)
    with pytest.raises(AppealPermissionError):
        register(registrar, sibling)
    assert not Appeal.objects.exists()


def test_an_integration_registers_without_an_actor_and_routes_by_category(agency, category):
    CategoryRouteFactory(category=category, region="astana", agency=agency)
    appeal = register(None, None, category=category)
    assert appeal.agency == agency
    assert appeal.registered_by is None


def test_without_a_route_the_agency_must_be_chosen(category):
    with pytest.raises(AppealError) as exc:
        register(None, None, category=category)
    assert "agency" in exc.value.message_dict


@pytest.mark.parametrize(
    ("applicant", "field"),
    [
        (ApplicantData(name="A", iin="123456789012"), "applicant_iin"),
        (ApplicantData(name="A", iin="12345"), "applicant_iin"),
        (ApplicantData(type="legal", name="ТОО Жол", bin="123456789012"), "applicant_bin"),
        (ApplicantData(type="legal", name="ТОО Жол", iin=valid_iin(1)), "applicant_iin"),
        (ApplicantData(type="individual", name=""), "applicant_name"),
        (ApplicantData(type="anonymous", name="Someone"), "applicant_type"),
    ],
)
def test_bad_applicant_data_is_refused_field_by_field(registrar, agency, applicant, field):
    with pytest.raises(AppealError) as exc:
        register(registrar, agency, applicant=applicant)
    assert field in exc.value.message_dict
    assert not Appeal.objects.exists()
    assert not AppealEvent.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": "petition"}, "kind"),
        ({"language": "en"}, "language"),
        ({"region": "atlantis"}, "region"),
        ({"subject": "  "}, "subject"),
        ({"text": "x" * 20001}, "text"),
        ({"channel": "pigeon"}, "channel"),
    ],
)
def test_bad_fields_are_refused(registrar, agency, overrides, field):
    with pytest.raises(AppealError) as exc:
        register(registrar, agency, **overrides)
    assert field in exc.value.message_dict


def test_legal_entities_and_anonymous_appeals_register(registrar, agency):
    legal = register(registrar, agency, applicant=ApplicantData(type="legal", name="ТОО Жол", bin=valid_bin(2)))
    assert legal.applicant_bin
    anonymous = register(registrar, agency, applicant=ApplicantData(type=ApplicantType.ANONYMOUS))
    assert anonymous.is_anonymous


def test_a_repeated_appeal_is_flagged_and_linked(registrar, agency, appeal):
    repeat = register(registrar, agency, repeat_of=appeal)
    assert repeat.is_repeated and repeat.repeat_of == appeal


# --- Individual actions ------------------------------------------------------------------------------------
def test_assign_needs_an_executor_of_the_agency(supervisor, appeal, outsider, executor):
    with pytest.raises(AppealError):
        lifecycle.appeal_assign(appeal=appeal, executor=outsider, actor=supervisor)
    lifecycle.appeal_assign(appeal=appeal, executor=executor, actor=supervisor)
    assert appeal.assignee == executor and appeal.status == AppealStatus.IN_PROGRESS


def test_redirect_opens_the_appeal_in_the_target_with_its_own_term(
    registrar, appeal, sibling, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        new = lifecycle.appeal_redirect(appeal=appeal, to_agency=sibling, actor=registrar, reason="Алматы")
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.REDIRECTED and appeal.outcome == Outcome.REDIRECTED
    assert new.agency == sibling and new.redirected_from == appeal and new.status == AppealStatus.REGISTERED
    assert new.due_date == policy.due_date_for(kind=new.kind, registered_at=new.registered_at)
    event = appeal.events.get(kind=EventKind.REDIRECTED)
    assert event.payload["late"] is False and event.payload["to_number"] == new.number
    assert new.events.get().payload["redirected_from"] == appeal.number
    assert appeal.responses.get().kind == ResponseKind.REDIRECT_NOTICE
    assert any(new.number in m.body for m in mail.outbox)


def test_a_late_redirect_goes_through_and_is_recorded_as_late(registrar, agency, sibling):
    appeal = AppealFactory(agency=agency, registered_at=timezone.now() - timedelta(days=10))
    lifecycle.appeal_redirect(appeal=appeal, to_agency=sibling, actor=registrar, reason="Not ours")
    assert appeal.events.get(kind=EventKind.REDIRECTED).payload["late"] is True


def test_a_partial_redirect_leaves_the_appeal_open_here(supervisor, appeal, sibling):
    new = lifecycle.appeal_redirect(
        appeal=appeal, to_agency=sibling, actor=supervisor, reason="Part is theirs", part_text="О тарифах"
    )
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.REGISTERED
    assert new.text == "О тарифах"
    assert appeal.events.get(kind=EventKind.PART_REDIRECTED)


def test_redirect_to_the_same_agency_is_refused(registrar, appeal, agency):
    with pytest.raises(AppealError):
        lifecycle.appeal_redirect(appeal=appeal, to_agency=agency, actor=registrar, reason="x")


def test_extension_is_limited_to_two_months_from_registration(supervisor, appeal):
    limit = policy.extension_limit(appeal.registered_at)
    with pytest.raises(AppealError) as exc:
        lifecycle.appeal_grant_extension(
            appeal=appeal, actor=supervisor, until=limit + timedelta(days=7), reason="More facts"
        )
    assert "until" in exc.value.message_dict
    with pytest.raises(AppealError):
        lifecycle.appeal_grant_extension(appeal=appeal, actor=supervisor, until=appeal.due_date, reason="x")
    with pytest.raises(AppealError) as exc:
        lifecycle.appeal_grant_extension(appeal=appeal, actor=supervisor, until=_later_working_day(appeal), reason=" ")
    assert "reason" in exc.value.message_dict


def test_extension_moves_the_due_date_and_tells_the_applicant(supervisor, appeal, django_capture_on_commit_callbacks):
    old = appeal.due_date
    until = _later_working_day(appeal)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.appeal_grant_extension(appeal=appeal, actor=supervisor, until=until, reason="Site inspection")
    appeal.refresh_from_db()
    assert appeal.due_date == until and appeal.original_due_date == old and appeal.extension_count == 1
    event = appeal.events.get(kind=EventKind.EXTENSION_GRANTED)
    assert event.payload["from_due_date"] == old.isoformat()
    assert len(mail.outbox) == 1 and "Site inspection" in mail.outbox[0].body


def test_the_answer_round_trip(executor, supervisor, appeal, django_capture_on_commit_callbacks):
    lifecycle.appeal_take(appeal=appeal, actor=executor)
    assert appeal.first_action_at is not None
    with pytest.raises(AppealError):
        lifecycle.appeal_submit(appeal=appeal, actor=executor)  # nothing drafted yet
    lifecycle.appeal_save_response(appeal=appeal, actor=executor, text="Дорога будет отремонтирована.")
    lifecycle.appeal_submit(appeal=appeal, actor=executor)
    lifecycle.appeal_return(appeal=appeal, actor=supervisor, comment="Укажите сроки")
    assert appeal.status == AppealStatus.IN_PROGRESS
    assert appeal.responses.get().status == ResponseStatus.RETURNED
    lifecycle.appeal_save_response(appeal=appeal, actor=executor, text="Дорога будет отремонтирована до 1 июля.")
    lifecycle.appeal_submit(appeal=appeal, actor=executor)
    with django_capture_on_commit_callbacks(execute=True):
        response = lifecycle.appeal_approve(appeal=appeal, actor=supervisor, outcome=Outcome.SATISFIED)
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.ANSWERED and appeal.resolved_at and appeal.outcome == Outcome.SATISFIED
    assert response.status == ResponseStatus.SENT and response.return_count == 1
    assert "Вы вправе обжаловать данное решение" in response.text and "в течение трех месяцев" in response.text
    assert [m.to for m in mail.outbox] == [[appeal.applicant_email]]
    assert "до 1 июля" in mail.outbox[0].body
    kinds = list(appeal.events.values_list("kind", flat=True))
    assert kinds == [
        "taken",
        "response_saved",
        "submitted",
        "returned",
        "response_saved",
        "submitted",
        "approved",
    ]


def test_anonymous_crime_reports_are_never_left_without_consideration(supervisor, agency):
    appeal = AppealFactory(
        agency=agency, applicant_type="anonymous", applicant_name="", applicant_iin="", reports_crime=True
    )
    with pytest.raises(AppealError):
        lifecycle.appeal_leave_without_consideration(appeal=appeal, actor=supervisor, reason=LeaveReason.ANONYMOUS)


def test_leaving_without_consideration_tells_the_applicant_the_reason(
    supervisor, appeal, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.appeal_leave_without_consideration(appeal=appeal, actor=supervisor, reason=LeaveReason.WITHDRAWN)
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.LEFT_WITHOUT_CONSIDERATION
    assert appeal.responses.get().kind == ResponseKind.REFUSAL
    assert len(mail.outbox) == 1


def test_reopen_gives_a_new_term_and_returns_to_the_unassigned_queue_when_nobody_had_it(supervisor, agency):
    appeal = AppealFactory(
        agency=agency,
        status=AppealStatus.LEFT_WITHOUT_CONSIDERATION,
        registered_at=timezone.now() - timedelta(days=60),
    )
    lifecycle.appeal_reopen(appeal=appeal, actor=supervisor, reason="Court ordered")
    assert appeal.status == AppealStatus.REGISTERED
    assert appeal.due_date > local_today()


def test_escalation_is_once_and_only_when_overdue(agency, executor):
    on_time = AppealFactory(agency=agency)
    with pytest.raises(AppealTransitionError):
        lifecycle.appeal_escalate(appeal=on_time)
    late = AppealFactory(agency=agency, overdue=True, assignee=executor, status=AppealStatus.IN_PROGRESS)
    lifecycle.appeal_escalate(appeal=late)
    event = late.events.get()
    assert event.actor is None and event.kind == EventKind.ESCALATED
    with pytest.raises(AppealTransitionError):
        lifecycle.appeal_escalate(appeal=late)


def test_a_stale_copy_cannot_overwrite_a_newer_change(supervisor, executor, executor2, appeal):
    stale = Appeal.objects.get(pk=appeal.pk)
    lifecycle.appeal_assign(appeal=appeal, executor=executor, actor=supervisor)
    with pytest.raises(AppealConflictError):
        lifecycle.appeal_assign(appeal=stale, executor=executor2, actor=supervisor)
    appeal.refresh_from_db()
    assert appeal.assignee == executor
    assert appeal.events.count() == 1


def test_errors_are_translated(registrar, agency):
    from django.utils import translation

    with translation.override("ru"), pytest.raises(AppealError) as exc:
        register(registrar, agency, subject="")
    assert exc.value.message_dict["subject"] == ["Укажите тему обращения."]
    with translation.override("kk"), pytest.raises(AppealError) as exc:
        register(registrar, agency, subject="")
    assert exc.value.message_dict["subject"] == ["Өтініштің тақырыбын жазыңыз."]
