"""Training at scale (appeals.routing.learn): the streamed path a large history takes, and features computed by
several processes. Shrunk here (a small EXACT_MAX and CHUNK) so that the corpus takes the large-history path."""

import numpy as np
import pytest

from appeals.routing import learn
from appeals.routing.corpus import corpus


@pytest.fixture
def small_limits(monkeypatch):
    monkeypatch.setattr(learn, "EXACT_MAX", 100)
    monkeypatch.setattr(learn, "CHUNK", 250)


@pytest.fixture(scope="module")
def items():
    return [i for i in corpus() if i.split == "train"]


def test_a_large_history_is_learnt_in_one_streamed_pass_and_routes(small_limits, items):
    texts, labels = [i.text for i in items] * 3, [i.category for i in items] * 3
    router = learn.fit(texts, labels, n_jobs=1)
    assert not hasattr(router.pipeline.classifier, "calibrated_classifiers_")  # the streamed SGD, not the SVM
    evaluation = learn.evaluate(router, [i.text for i in items], [i.category for i in items])
    assert evaluation.top1 >= 0.9  # what it learnt from (one pass of SGD: it must at least fit its history)
    ranked = router.top("шатыр ағып тұр, төбеден су тамады", k=3)
    assert abs(sum(p for _c, p in ranked) - 1) < 0.5 and ranked[0][1] >= ranked[1][1] >= ranked[2][1]
    # it survives the database: pickled and loaded, it answers the same
    assert learn.Router.loads(router.dumps()).top(items[0].text) == router.top(items[0].text)


def test_features_computed_by_two_processes_give_the_same_model_as_one(small_limits, items):
    texts, labels = [i.text for i in items], [i.category for i in items]
    one = learn.fit(texts, labels, n_jobs=1)
    two = learn.fit(texts, labels, n_jobs=2)
    probe = [i.text for i in items[:50]]
    assert np.allclose(one.pipeline.predict_proba(probe), two.pipeline.predict_proba(probe, n_jobs=2))
    assert learn.evaluate(two, probe, labels[:50], n_jobs=2).top1 == learn.evaluate(one, probe, labels[:50]).top1


def test_a_small_history_is_learnt_by_the_calibrated_svm(items):
    router = learn.fit([i.text for i in items], [i.category for i in items])
    assert hasattr(router.pipeline.classifier, "calibrated_classifiers_")
    probabilities = router.pipeline.predict_proba([items[0].text])[0]
    assert abs(probabilities.sum() - 1) < 1e-6
