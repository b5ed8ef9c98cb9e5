"""Concurrent writers against a real PostgreSQL: numbers stay unique, one of two racing changes wins."""

import threading

import pytest
from django.db import connection

from appeals import lifecycle
from appeals.lifecycle import AppealConflictError, AppealTransitionError, ApplicantData
from appeals.models import Appeal, AppealEvent

from ..factories import AppealFactory, valid_iin

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_in_threads(n, target):
    barrier = threading.Barrier(n)
    results, errors = [], []

    def worker(i):
        try:
            barrier.wait()
            results.append(target(i))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


def test_registration_numbers_are_unique_under_concurrent_registration(registrar, agency):
    def register(i):
        return lifecycle.appeal_register(
            actor=registrar,
            agency=agency,
            kind="application",
            channel="portal",
            language="ru",
            region="astana",
            subject=f"Обращение {i}",
            applicant=ApplicantData(name="Иванов", iin=valid_iin(i)),
        ).number

    numbers, errors = run_in_threads(12, register)
    assert errors == []
    assert len(numbers) == len(set(numbers)) == 12
    assert sorted(int(n.rsplit("-", 1)[1]) for n in numbers) == list(range(1, 13))


def test_two_executors_taking_the_same_appeal_one_wins(agency, executor, executor2):
    appeal = AppealFactory(agency=agency)
    takers = [executor, executor2]

    def take(i):
        fresh = Appeal.objects.get(pk=appeal.pk)
        return lifecycle.appeal_take(appeal=fresh, actor=takers[i]).assignee_id

    winners, errors = run_in_threads(2, take)
    assert len(winners) == 1
    assert len(errors) == 1 and isinstance(errors[0], AppealConflictError | AppealTransitionError)
    appeal.refresh_from_db()
    assert appeal.assignee_id == winners[0]
    assert AppealEvent.objects.filter(appeal=appeal).count() == 1
