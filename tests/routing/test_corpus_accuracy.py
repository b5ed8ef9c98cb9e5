"""The honest evaluation of the routing model on the corpus (appeals/routing/corpus), two ways:

- new appeals: trained on the whole corpus, measured on `new_appeals.txt` (written separately: other
  citizens' words about the kinds of matters the history holds) — the everyday case;
- unseen matters: trained on three quarters of the situations, measured on the rest — matters the model
  never saw in any words, the hard case.
Nothing was tuned on either test side. The figures are printed (`pytest -s`) with the confusion tables;
BENCHMARKS.md records them.
"""

import pytest

from appeals.routing import learn
from appeals.routing.corpus import corpus, new_appeals


@pytest.fixture(scope="module")
def split():
    items = corpus()
    train = [i for i in items if i.split == "train"]
    test = [i for i in items if i.split == "test"]
    router = learn.fit([i.text for i in train], [i.category for i in train])
    return router, train, test


@pytest.fixture(scope="module")
def whole():
    items = corpus()
    return learn.fit([i.text for i in items], [i.category for i in items])


def _measure(router, items, title):
    evaluation = learn.evaluate(router, [i.text for i in items], [i.category for i in items])
    print(f"\n{title}, {evaluation.size} texts: top-1 {evaluation.top1:.1%}, top-3 {evaluation.top3:.1%}")
    for language in ("ru", "kk"):
        part = [i for i in items if i.language == language]
        e = learn.evaluate(router, [i.text for i in part], [i.category for i in part])
        print(f"  {language}: {e.size} texts, top-1 {e.top1:.1%}, top-3 {e.top3:.1%}")
    print(evaluation.table())
    return evaluation


def test_new_appeals_meet_the_goal_of_the_issue(whole):
    # The goal of the issue: top-1 ≥ 85 %, top-3 ≥ 95 % (reached: 86.6 % / 97.1 %, BENCHMARKS.md).
    evaluation = _measure(whole, new_appeals(), "new appeals")
    assert evaluation.top1 >= 0.85
    assert evaluation.top3 >= 0.95


def test_the_corpus_is_what_the_issue_asks_for():
    items = corpus()
    assert len(items) >= 600
    assert len(new_appeals()) >= 300
    kazakh = sum(i.language == "kk" for i in items) / len(items)
    assert 0.35 <= kazakh <= 0.45
    assert len({i.category for i in items}) == 10
    assert sum(bool(i.also) for i in items) >= 20  # some are ambiguous between two categories
    # no situation is on both sides of the split
    assert not {i.situation for i in items if i.split == "train"} & {i.situation for i in items if i.split == "test"}


def test_unseen_matters_are_routed_well_above_chance(split):
    router, _train, test = split
    evaluation = _measure(router, test, "unseen matters")
    # Ten categories: chance is 10 % top-1, 30 % top-3. The floor is what the model reaches today (63.0 % /
    # 83.3 %) minus a margin.
    assert evaluation.top1 >= 0.58
    assert evaluation.top3 >= 0.78


def test_a_leaking_roof_is_a_housing_matter_in_both_languages(whole):
    router = whole
    for text in ("течёт крыша, после дождя мокрый потолок", "шатыр ағып тұр, төбеден су тамады"):
        assert router.top(text, k=3)[0][0] == "housing", text
