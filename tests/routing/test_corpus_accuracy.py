"""The honest evaluation: train on the corpus's training situations, measure on situations never seen.

The corpus (appeals/routing/corpus) is split by situation: every held-out text describes a matter
the model was not trained on, in other words. The figures are printed (`pytest -s`) with the
confusion table, and BENCHMARKS.md records them.
"""

import pytest

from appeals.routing import learn
from appeals.routing.corpus import corpus


@pytest.fixture(scope="module")
def split():
    items = corpus()
    train = [i for i in items if i.split == "train"]
    test = [i for i in items if i.split == "test"]
    router = learn.fit([i.text for i in train], [i.category for i in train])
    return router, train, test


def test_the_corpus_is_what_the_issue_asks_for():
    items = corpus()
    assert len(items) >= 600
    kazakh = sum(i.language == "kk" for i in items) / len(items)
    assert 0.35 <= kazakh <= 0.45
    assert len({i.category for i in items}) == 10
    assert sum(bool(i.also) for i in items) >= 20  # some are ambiguous between two categories
    # no situation is on both sides of the split
    assert not {i.situation for i in items if i.split == "train"} & {i.situation for i in items if i.split == "test"}


def test_held_out_accuracy_is_well_above_chance(split):
    router, _train, test = split
    evaluation = learn.evaluate(router, [i.text for i in test], [i.category for i in test])
    print(f"\nheld-out {evaluation.size}: top-1 {evaluation.top1:.1%}, top-3 {evaluation.top3:.1%}")
    print(evaluation.table())
    # Ten categories: chance is 10 % top-1, 30 % top-3. The floor is what the model reaches today minus a margin.
    assert evaluation.top1 >= 0.35
    assert evaluation.top3 >= 0.58


@pytest.mark.xfail(
    reason="Not met: on matters never seen in training the model reaches about 41 % top-1 / 64 % top-3 "
    "(see BENCHMARKS.md); the corpus has one wording per matter, a deployment's history has thousands.",
    strict=True,
)
def test_held_out_accuracy_meets_the_goal_of_the_issue(split):
    router, _train, test = split
    evaluation = learn.evaluate(router, [i.text for i in test], [i.category for i in test])
    assert evaluation.top1 >= 0.85
    assert evaluation.top3 >= 0.95


def test_a_leaking_roof_is_a_housing_matter_in_both_languages(split):
    router, _train, _test = split
    for text in ("течёт крыша, после дождя мокрый потолок", "шатыр ағып тұр, төбеден су тамады"):
        assert router.top(text, k=3)[0][0] == "housing", text
