"""The national dataset generator (`seed_demo --national`): the tree, the staff, appeals that keep the
model's rules, re-runs, and clear refusals."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, Max, Sum

from agencies.models import Agency, Membership, User
from appeals.calendar.policy import due_date_for
from appeals.calendar.workdays import local_today
from appeals.dashboard.facts import local_bounds
from appeals.datasets import national
from appeals.models import (
    Appeal,
    AppealAssigneeRollup,
    AppealDailyRollup,
    AppealEvent,
    AppealResponse,
    RegistrationCounter,
)
from appeals.models.choices import OPEN_STATUSES, AppealStatus, EventKind

from ..factories import AppealFactory


def _seed(n, **kwargs):
    call_command("seed_demo", national=True, appeals=n, **kwargs)


def _check_dataset(n):
    agencies = Agency.objects.filter(code__startswith=national.CODE_PREFIX)
    assert 2900 <= agencies.count() <= 3100
    assert agencies.aggregate(depth=Max("depth"))["depth"] == 3  # four levels
    regions = set(agencies.exclude(region="").values_list("region", flat=True))
    assert len(regions) == 20
    assert 29_000 <= User.objects.filter(username__startswith=national.USER_PREFIX).count() <= 31_000
    assert User.objects.get(username=national.BENCH_EXECUTOR).check_password(national.NATIONAL_PASSWORD)
    assert Membership.objects.filter(user__username=national.BENCH_MINISTRY_SUPERVISOR, role="supervisor").exists()

    appeals = list(Appeal.objects.all())
    assert len(appeals) == n
    assert len({a.number for a in appeals}) == n
    assert {a.status for a in appeals} & OPEN_STATUSES and {a.status for a in appeals} - OPEN_STATUSES
    registered = dict(
        AppealEvent.objects.filter(kind=EventKind.REGISTERED).values_list("appeal_id").annotate(n=Count("id"))
    )
    for appeal in appeals:
        assert registered.get(appeal.pk) == 1, appeal.number
        assert appeal.original_due_date == due_date_for(kind=appeal.kind, registered_at=appeal.registered_at)
        if appeal.extension_count == 0:
            assert appeal.due_date == appeal.original_due_date
        else:
            assert appeal.due_date >= appeal.original_due_date
        if appeal.status in OPEN_STATUSES:
            assert appeal.resolved_at is None and appeal.outcome == ""
        else:
            assert appeal.resolved_at is not None and appeal.outcome, appeal.number
            assert appeal.registered_at <= appeal.resolved_at
        if appeal.status in (AppealStatus.IN_PROGRESS, AppealStatus.AWAITING_APPROVAL, AppealStatus.ANSWERED):
            assert appeal.assignee_id is not None
        assert appeal.version >= 1
    # An answered appeal has its sent answer; events never precede the registration.
    answered = [a.pk for a in appeals if a.status == AppealStatus.ANSWERED]
    if answered:
        assert AppealResponse.objects.filter(appeal_id__in=answered, status="sent").count() == len(answered)
    # The counters continue the numbering: the next registration gets a fresh number.
    for counter in RegistrationCounter.objects.all():
        agency = Agency.objects.get(pk=counter.agency_id)
        assert not Appeal.objects.filter(number=f"{agency.code.upper()}-{counter.year}-{counter.last_number + 1:06d}")


def test_national_dataset_on_sqlite_and_a_rerun_replaces_the_appeals(db):
    _seed(150)
    _check_dataset(150)
    users = User.objects.count()
    _seed(60)
    assert Appeal.objects.count() == 60
    assert User.objects.count() == users  # the tree and the staff are kept
    _check_dataset(60)
    # The dashboard's roll-ups count the new appeals only (today is read live, never rolled up).
    before_today = Appeal.objects.filter(registered_at__lt=local_bounds(local_today(), local_today())[0]).count()
    assert AppealDailyRollup.objects.aggregate(n=Sum("received"))["n"] == before_today
    assert AppealAssigneeRollup.objects.aggregate(n=Sum("received"))["n"] == before_today


def test_a_database_with_other_appeals_is_refused(db):
    AppealFactory()
    with pytest.raises(CommandError, match="database of its own"):
        _seed(10)
    assert not national.national_exists()


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite limit")
def test_a_million_on_sqlite_is_refused_with_a_clear_message(db):
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        _seed(1_000_000)
    assert not national.national_exists()


@pytest.mark.postgres
def test_national_dataset_on_postgresql_with_copy(db):
    _seed(400)
    _check_dataset(400)
    # The identity sequences were moved past the copied ids: the ORM inserts after them.
    last = Appeal.objects.aggregate(Max("id"))["id__max"]
    fresh = AppealFactory(agency=Agency.objects.get(code=f"{national.CODE_PREFIX}-a01"))
    assert fresh.pk > last
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM appeals_appeal WHERE search_document IS NOT NULL")
        assert cursor.fetchone()[0] == 401
