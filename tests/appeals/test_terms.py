"""Every statutory term counts from the registration day (DOMAIN.md, "Time limits").

An appeal received on a day off is registered on the next working day, and Almaty's date decides the day
(00:30 in Almaty is still the previous day in UTC). Each expected date below was counted by hand on the
2026 calendar (weekends; 8-9 March; Nauryz 21-25 March with its carry-over; 1, 7, 11 May; Kurban Ait 27 May).
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from appeals import lifecycle
from appeals.calendar import policy
from appeals.calendar.workdays import get_calendar
from appeals.lifecycle import AppealError, ApplicantData
from appeals.models.choices import EventKind

pytestmark = pytest.mark.django_db

ALMATY = ZoneInfo("Asia/Almaty")
UTC = ZoneInfo("UTC")


def almaty(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ALMATY)


# (received, registration day, answer 15 wd, redirect 3 wd, extension limit 2 months,
#  complaint to the higher body 3 wd, complaint review 20 wd)
CASES = {
    # Saturday 31 Jan -> Monday 2 Feb. 15 wd from Tue 3 Feb: 3-6 (4), 9-13 (9), 16-20 (14), 23 (15).
    "saturday": (
        almaty(date(2026, 1, 31)),
        date(2026, 2, 2),
        date(2026, 2, 23),
        date(2026, 2, 5),
        date(2026, 4, 2),
        date(2026, 2, 5),
        date(2026, 3, 2),  # after 23 Feb: 24, 25, 26, 27 (19), Mon 2 Mar (20)
    ),
    # Nauryz, Monday 23 March (days off 21-25 March) -> Thursday 26 March.
    # 15 wd from Fri 27 Mar: 27 (1), 30-31 (3), 1-3 Apr (6), 6-10 (11), 13-16 (15).
    "nauryz": (
        almaty(date(2026, 3, 23)),
        date(2026, 3, 26),
        date(2026, 4, 16),
        date(2026, 3, 31),
        date(2026, 5, 26),
        date(2026, 3, 31),
        date(2026, 4, 23),  # after 16 Apr: 17 (16), 20-23 (20)
    ),
    # 00:30 on Tuesday 3 Feb in Almaty is Monday 2 Feb 19:30 UTC: registered Tuesday 3 Feb.
    # 15 wd from Wed 4 Feb: 4-6 (3), 9-13 (8), 16-20 (13), 23-24 (15).
    "half_past_midnight": (
        almaty(date(2026, 2, 3), 0, 30),
        date(2026, 2, 3),
        date(2026, 2, 24),
        date(2026, 2, 6),
        date(2026, 4, 3),
        date(2026, 2, 6),
        date(2026, 3, 3),  # after 24 Feb: 25-27 (18), 2-3 Mar (20)
    ),
}


def test_half_past_midnight_in_almaty_is_the_previous_day_in_utc():
    assert CASES["half_past_midnight"][0].astimezone(UTC).date() == date(2026, 2, 2)


@pytest.mark.parametrize("case", CASES)
def test_every_term_counts_from_the_registration_day(case):
    received, registered, answer, redirect, extension, forward, review = CASES[case]
    assert policy.registration_day(received) == registered
    assert policy.due_date_for(kind="application", registered_at=received) == answer
    assert policy.redirect_deadline(received) == redirect
    assert policy.extension_limit(received) == extension
    assert policy.complaint_forward_deadline(received) == forward
    assert policy.due_date_for(kind="complaint", registered_at=received) == review


def register(registrar, agency, kind="application"):
    return lifecycle.appeal_register(
        actor=registrar,
        agency=agency,
        kind=kind,
        channel="portal",
        language="ru",
        region="astana",
        subject="Ремонт дороги",
        applicant=ApplicantData(name="Сейтқали Айгерім"),
    )


@pytest.mark.parametrize("case", CASES)
def test_an_extension_up_to_two_months_from_the_registration_day_is_granted(case, registrar, supervisor, agency):
    received, _registered, answer, _redirect, extension, _forward, _review = CASES[case]
    with time_machine.travel(received, tick=False):
        appeal = register(registrar, agency)
    assert appeal.due_date == answer
    with time_machine.travel(almaty(answer), tick=False):
        with pytest.raises(AppealError) as refused:
            # A day after the limit is too late.
            lifecycle.appeal_grant_extension(
                appeal=appeal, actor=supervisor, until=extension + timedelta(days=1), reason="Facts"
            )
        assert "until" in refused.value.message_dict
        lifecycle.appeal_grant_extension(appeal=appeal, actor=supervisor, until=extension, reason="Site inspection")
    appeal.refresh_from_db()
    assert appeal.due_date == extension


def test_saturday_31_january_may_be_extended_to_2_april_not_only_to_31_march(registrar, supervisor, agency):
    with time_machine.travel(almaty(date(2026, 1, 31)), tick=False):
        appeal = register(registrar, agency)
    with time_machine.travel(almaty(date(2026, 2, 10)), tick=False):
        lifecycle.appeal_grant_extension(
            appeal=appeal, actor=supervisor, until=date(2026, 4, 2), reason="Expert opinion needed"
        )
    appeal.refresh_from_db()
    assert appeal.due_date == date(2026, 4, 2)


@pytest.mark.parametrize("case", CASES)
def test_a_redirect_is_on_time_on_its_last_day_and_late_the_next(case, registrar, agency, sibling):
    received, _registered, _answer, redirect, _extension, _forward, _review = CASES[case]
    with time_machine.travel(received, tick=False):
        on_time, late = register(registrar, agency), register(registrar, agency)
    with time_machine.travel(almaty(redirect, 17, 59), tick=False):
        lifecycle.appeal_redirect(appeal=on_time, to_agency=sibling, actor=registrar, reason="Not ours")
    next_day = get_calendar().next_working_day(redirect)
    with time_machine.travel(almaty(next_day, 9), tick=False):
        lifecycle.appeal_redirect(appeal=late, to_agency=sibling, actor=registrar, reason="Not ours")
    assert on_time.events.get(kind=EventKind.REDIRECTED).payload["late"] is False
    assert late.events.get(kind=EventKind.REDIRECTED).payload["late"] is True


def test_the_applicant_may_challenge_the_result_within_three_months_of_learning_of_it():
    assert policy.challenge_deadline(date(2026, 2, 23)) == date(2026, 5, 23)
    assert policy.challenge_deadline(date(2026, 11, 30)) == date(2027, 2, 28)
