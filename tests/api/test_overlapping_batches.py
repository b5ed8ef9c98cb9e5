"""Overlapping batch intakes on a real PostgreSQL (issue 14, point 5): 20 batches at once, each a different 3
of the same 8 external ids. Every batch answers 200/201 with the right appeal for each of its items, each
external id is registered exactly once, and the batch that registered it is the only one to say so."""

import itertools

import pytest

from appeals.models import Appeal

from .conftest import intake_body
from .test_concurrency import post_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 3
BATCHES = 20
IDS = 8
# 20 different 3-of-8 choices (of the 56), spread over all of them.
CHOICES = list(itertools.combinations(range(IDS), 3))[::2][:BATCHES]


def test_overlapping_batches_all_succeed_and_register_each_external_id_once(portal, route):
    assert len(set(CHOICES)) == BATCHES
    for round_ in range(ROUNDS):
        bodies = [
            {"appeals": [intake_body(n, external_id=f"r{round_}-item-{n}") for n in choice]} for choice in CHOICES
        ]

        results = post_at_once(portal[1], bodies, url="/api/v1/appeals/batch/")

        assert all(code in (200, 201) for code, _body in results), [r for r in results if r[0] not in (200, 201)]
        stored = dict(Appeal.objects.filter(external_id__startswith=f"r{round_}-").values_list("external_id", "id"))
        assert sorted(stored) == sorted(f"r{round_}-item-{n}" for n in range(IDS))
        created_by: dict[str, int] = {}
        for choice, (code, body) in zip(CHOICES, results, strict=True):
            answered = [(item["external_id"], item["id"]) for item in body["appeals"]]
            assert answered == [(f"r{round_}-item-{n}", stored[f"r{round_}-item-{n}"]) for n in choice]
            created = [item["external_id"] for item in body["appeals"] if item["created"]]
            assert code == (201 if created else 200)
            for external_id in created:
                created_by[external_id] = created_by.get(external_id, 0) + 1
        assert created_by == {external_id: 1 for external_id in stored}
    numbers = list(Appeal.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == ROUNDS * IDS
