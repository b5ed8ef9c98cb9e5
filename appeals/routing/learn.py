"""The text classifier: features, training and the held-out evaluation. No Django here.

Features are hashed (`HashingVectorizer`): no vocabulary is held in memory or in the stored model,
so a million appeals train in minutes and the pickled model stays a few megabytes whatever the
history. Three streams, each TF-IDF weighted (sublinear tf):
- character n-grams 2–5 within word boundaries of the normalised text (survive inflection in both
  languages and typos),
- the same over the Kazakh-folded text (ә→а, қ→к…: text typed with Russian look-alikes),
- words and word pairs of the normalised text.
A linear SVM gives the ranking; `CalibratedClassifierCV` (sigmoid, fitted on 3-fold
cross-validated margins, one final SVM, its weights stored sparse) turns its margins into
probabilities, so "87 %" on the registrar's screen means about that.
"""

from __future__ import annotations

import io
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import joblib
import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from .text import fold, normalise

N_FEATURES = 2**18


def _hashed(**kwargs) -> Pipeline:
    return Pipeline(
        [
            ("hash", HashingVectorizer(n_features=N_FEATURES, alternate_sign=False, norm=None, **kwargs)),
            ("tfidf", TfidfTransformer(sublinear_tf=True)),
        ]
    )


def build_pipeline() -> Pipeline:
    features = FeatureUnion(
        [
            ("chars", _hashed(analyzer="char_wb", ngram_range=(2, 5), preprocessor=normalise)),
            ("folded", _hashed(analyzer="char_wb", ngram_range=(2, 5), preprocessor=fold)),
            ("words", _hashed(analyzer="word", ngram_range=(1, 2), preprocessor=normalise)),
        ]
    )
    classifier = CalibratedClassifierCV(LinearSVC(C=0.5, random_state=0), method="sigmoid", cv=3, ensemble=False)
    return Pipeline([("features", features), ("classifier", classifier)])


@dataclass
class Router:
    """A fitted pipeline and what it was trained on; what the database row stores pickled."""

    pipeline: Pipeline
    labels: list[str]

    def top(self, text: str, k: int = 3) -> list[tuple[str, float]]:
        """The k most probable labels with their probabilities, most probable first."""
        probabilities = self.pipeline.predict_proba([text])[0]
        order = np.argsort(-probabilities)[:k]
        return [(self.labels[i], float(probabilities[i])) for i in order]

    def top_many(self, texts: list[str], k: int = 3) -> list[list[str]]:
        probabilities = self.pipeline.predict_proba(texts)
        order = np.argsort(-probabilities, axis=1)[:, :k]
        return [[self.labels[i] for i in row] for row in order]

    def dumps(self) -> bytes:
        buffer = io.BytesIO()
        joblib.dump(self, buffer, compress=3)
        return buffer.getvalue()

    @staticmethod
    def loads(data: bytes) -> Router:
        return joblib.load(io.BytesIO(bytes(data)))


def fit(texts: list[str], labels: list[str]) -> Router:
    """Train on the texts; labels are category codes. Needs at least two labels with three texts each."""
    counts = Counter(labels)
    if len([label for label, n in counts.items() if n >= 3]) < 2:
        raise ValueError("at least two categories with three appeals each are needed")
    keep = [i for i, label in enumerate(labels) if counts[label] >= 3]  # calibration folds need 3 a class
    pipeline = build_pipeline()
    pipeline.fit([texts[i] for i in keep], [labels[i] for i in keep])
    for calibrated in pipeline.named_steps["classifier"].calibrated_classifiers_:
        # Weights of hashed features never seen are zero: keep them sparse, column-major, so that the
        # product with one appeal's features (X @ coef.T) needs no conversion: about 5 ms a suggestion.
        calibrated.estimator.sparsify()
        calibrated.estimator.coef_ = calibrated.estimator.coef_.tocsc()
    classes = [str(c) for c in pipeline.classes_]
    return Router(pipeline=pipeline, labels=classes)


@dataclass
class Evaluation:
    size: int
    top1: float
    top3: float
    confusion: dict[str, Counter] = field(default_factory=dict)
    seconds: float = 0.0

    def table(self) -> str:
        """The confusion table as text: a row per true category, a column per predicted one."""
        labels = sorted(set(self.confusion) | {p for row in self.confusion.values() for p in row})
        width = max([len(label) for label in labels] + [5])
        lines = [" " * width + " " + " ".join(f"{label[:5]:>5}" for label in labels)]
        for true in labels:
            row = self.confusion.get(true, Counter())
            lines.append(f"{true:<{width}} " + " ".join(f"{row.get(p, 0):>5}" for p in labels))
        return "\n".join(lines)


def evaluate(router: Router, texts: list[str], labels: list[str]) -> Evaluation:
    """Top-1 and top-3 accuracy and the confusion (true → predicted first) on held-out texts."""
    started = time.perf_counter()
    tops = router.top_many(texts, k=3) if texts else []
    confusion: dict[str, Counter] = defaultdict(Counter)
    top1 = top3 = 0
    for predicted, true in zip(tops, labels, strict=True):
        confusion[true][predicted[0]] += 1
        top1 += predicted[0] == true
        top3 += true in predicted
    n = len(labels)
    return Evaluation(
        size=n,
        top1=top1 / n if n else 0.0,
        top3=top3 / n if n else 0.0,
        confusion=dict(confusion),
        seconds=time.perf_counter() - started,
    )
