"""The corpus through the history import (appeals.listening.imports): finished appeals in the database,
`train_router` learns from them, the new appeals measure the stored model."""

import pytest
from django.core.management import call_command

from agencies.choices import Region
from appeals.models import Appeal, RouterModel
from appeals.routing import learn
from appeals.routing.corpus import corpus, new_appeals
from appeals.routing.selectors import router_current

from ..factories import CategoryFactory, CategoryRouteFactory

pytestmark = pytest.mark.django_db


def test_a_model_trained_from_the_imported_history_routes_new_appeals(agency, capsys):
    from appeals.listening.imports import import_rows

    items = corpus()
    for code in sorted({i.category for i in items}):
        CategoryRouteFactory(category=CategoryFactory(code=code), region=Region.ASTANA, agency=agency)
    rows = [
        {
            "external_id": f"corpus-{n}",
            "kind": "application",
            "channel": "portal",
            "language": item.language,
            "applicant": {"type": "individual", "full_name": f"Заявитель {n}"},
            "region": "astana",
            "category": item.category,
            "subject": " ".join(item.text.split()[:6]),
            "text": item.text,
            "registered_at": "2026-03-02T10:00:00+05:00",
            "status": "closed",
            "closed_at": "2026-03-10T10:00:00+05:00",
        }
        for n, item in enumerate(items)
    ]
    report = import_rows(rows, match=False, rebuild_rollups=False)
    assert (report.created, report.refused) == (len(items), [])
    assert Appeal.objects.count() == len(items)

    call_command("train_router", limit=0)
    out = capsys.readouterr().out
    model = RouterModel.objects.get()
    assert model.history_size == len(items) and "held-out top-1" in out

    _version, router = router_current()
    tests = new_appeals()
    evaluation = learn.evaluate(router, [i.text for i in tests], [i.category for i in tests])
    print(f"\nimported history, new appeals: top-1 {evaluation.top1:.1%}, top-3 {evaluation.top3:.1%}")
    print(evaluation.table())
    # trained on four fifths of the corpus (train_router holds one fifth out for its own figures)
    assert evaluation.top1 >= FLOOR_TOP1
    assert evaluation.top3 >= FLOOR_TOP3


# What the stored model reaches today (84.3 % / 97.1 %, BENCHMARKS.md) less a small margin. It learns from four
# fifths of the corpus only: the goal itself (≥ 85 % / ≥ 95 %) is asserted on the whole corpus's model
# (test_corpus_accuracy.py).
FLOOR_TOP1 = 0.81
FLOOR_TOP3 = 0.95
