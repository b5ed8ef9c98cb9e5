"""The text classifier: features, training and the held-out evaluation. No Django here.

Features are hashed (`HashingVectorizer`): no vocabulary pass, no vocabulary in memory or in the
stored model, and any slice of the history can be turned into features on its own — in parallel
chunks, by `ROUTER_TRAIN_JOBS` processes. Three streams, each TF-IDF weighted (sublinear tf) and
normalised on its own:
- character n-grams 2–5 within word boundaries of the normalised text (survive inflection in both
  languages and typos),
- the same over the Kazakh-folded text (ә→а, қ→к…: text typed with Russian look-alikes),
- words and word pairs of the normalised text.

Two ways to learn, by the size of the history:
- up to `EXACT_MAX` appeals (a deployment's first months, the corpus): all features in memory, a
  linear SVM ranks and `CalibratedClassifierCV` (sigmoid, fitted on 3-fold cross-validated
  margins, one final SVM) turns its margins into probabilities, so "87 %" on the registrar's screen
  means about that;
- beyond it: one streamed pass of averaged stochastic gradient descent on the logistic loss, chunk
  by chunk as the worker processes produce the features, memory bounded by a few chunks whatever the
  history (a million appeals in a few minutes; the document frequencies come from an even sample).
Either way the weights are stored sparse and column-major, so one suggestion costs a few ms.
"""

from __future__ import annotations

import io
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import joblib
import numpy as np
import scipy.sparse as sp
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.preprocessing import normalize
from sklearn.svm import LinearSVC

from .text import fold_normalised, normalise

N_FEATURES = 2**18  # per stream
CHARS = {"analyzer": "char_wb", "ngram_range": (2, 5)}  # of the normalised text, and of the folded one
WORDS = {"analyzer": "word", "ngram_range": (1, 2)}  # of the normalised text
STREAMS = ("chars", "folded", "words")
SVM_C = 0.5  # chosen by cross-validation on the training part of the corpus (BENCHMARKS.md)
EXACT_MAX = 50_000  # up to this many appeals: the calibrated SVM; beyond: streamed SGD
CHUNK = 10_000  # appeals a worker turns into features at once
IDF_SAMPLE = 50_000  # appeals the document frequencies are counted on (an even sample)
PRUNE = 0.02  # streamed SGD: weights under this share of the class's largest are dropped
MAX_CHARS = 3_000  # an appeal's first characters are enough to route it


def _vectorizer(options: dict) -> HashingVectorizer:
    return HashingVectorizer(
        n_features=N_FEATURES, alternate_sign=False, norm=None, lowercase=False, dtype=np.float32, **options
    )


def _counts(texts: list[str]) -> list[sp.csr_matrix]:
    """The hashed term counts of each stream (sublinear: 1 + log tf).

    Each text is normalised once. The folded stream is hashed again only for the texts folding changes (those
    with Kazakh letters): for the others (Russian, or Kazakh typed with look-alikes) it is the chars stream's row.
    """
    normalised = [normalise(text[:MAX_CHARS]) for text in texts]
    chars_vectorizer = _vectorizer(CHARS)
    chars = chars_vectorizer.transform(normalised).tocsr()
    changed = [i for i, text in enumerate(normalised) if fold_normalised(text) != text]
    if not changed:
        folded = chars.copy()
    elif len(changed) == len(normalised):
        folded = chars_vectorizer.transform([fold_normalised(text) for text in normalised]).tocsr()
    else:
        kept = np.setdiff1d(np.arange(len(normalised)), changed)
        refolded = chars_vectorizer.transform([fold_normalised(normalised[i]) for i in changed])
        stacked = sp.vstack([chars[kept], refolded], format="csr")
        folded = stacked[np.argsort(np.concatenate([kept, changed]))]
    words = _vectorizer(WORDS).transform(normalised).tocsr()
    matrices = [chars, folded, words]
    for counts in matrices:
        counts.data = 1 + np.log(counts.data)
    return matrices


def _chunks(items: list) -> list[list]:
    return [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]


class Features:
    """The hashed TF-IDF streams: stateless hashing, and the inverse document frequencies learnt."""

    def __init__(self) -> None:
        self.idf: list[np.ndarray] = []

    def fit(self, texts: list[str], n_jobs: int = 1) -> Features:
        document_frequency = [np.zeros(N_FEATURES) for _stream in STREAMS]
        for matrices in _parallel(_counts, _chunks(texts), n_jobs):
            for df, matrix in zip(document_frequency, matrices, strict=True):
                df += np.bincount(matrix.indices, minlength=N_FEATURES)
        n = len(texts)
        self.idf = [(np.log((1 + n) / (1 + df)) + 1).astype(np.float32) for df in document_frequency]
        return self

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        streams = _counts(texts)
        for matrix, idf in zip(streams, self.idf, strict=True):
            matrix.data *= idf[matrix.indices]  # TF-IDF, without building a diagonal matrix for each call
        return sp.hstack([normalize(matrix) for matrix in streams], format="csr", dtype=np.float64)

    def transform_many(self, texts: list[str], n_jobs: int = 1) -> sp.csr_matrix:
        if len(texts) <= CHUNK:
            return self.transform(texts)
        return sp.vstack(list(_parallel(self.transform, _chunks(texts), n_jobs)), format="csr")


def _parallel(function, chunks: list, n_jobs: int):
    """function(chunk) for each chunk, in order, computed by n_jobs processes (lazily: a generator)."""
    if n_jobs <= 1 or len(chunks) <= 1:
        return (function(chunk) for chunk in chunks)
    return joblib.Parallel(n_jobs=n_jobs, return_as="generator", pre_dispatch="2*n_jobs")(
        joblib.delayed(function)(chunk) for chunk in chunks
    )


class TextModel:
    """Features and a fitted linear classifier: texts in, class probabilities out."""

    def __init__(self, features: Features, classifier) -> None:
        self.features = features
        self.classifier = classifier

    @property
    def classes_(self) -> np.ndarray:
        return self.classifier.classes_

    def predict_proba(self, texts: list[str], n_jobs: int = 1) -> np.ndarray:
        if len(texts) <= CHUNK:
            return self.classifier.predict_proba(self.features.transform(texts))
        return np.vstack(
            [self.classifier.predict_proba(X) for X in _parallel(self.features.transform, _chunks(texts), n_jobs)]
        )


@dataclass
class Router:
    """A fitted model and the labels it ranks; what the database row stores pickled.

    `pipeline` is anything with `predict_proba(texts)`: a `TextModel` (models trained before it were
    scikit-learn `Pipeline`s, which load and answer the same way).
    """

    pipeline: object
    labels: list[str]

    def top(self, text: str, k: int = 3) -> list[tuple[str, float]]:
        """The k most probable labels with their probabilities, most probable first."""
        probabilities = self.pipeline.predict_proba([text])[0]
        order = np.argsort(-probabilities)[:k]
        return [(self.labels[i], float(probabilities[i])) for i in order]

    def top_many(self, texts: list[str], k: int = 3, n_jobs: int = 1) -> list[list[str]]:
        if isinstance(self.pipeline, TextModel):
            probabilities = self.pipeline.predict_proba(texts, n_jobs=n_jobs)
        else:
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


def _sparse_weights(estimator) -> None:
    # Weights of hashed features never seen are zero: keep them sparse, column-major, so that the
    # product with one appeal's features (X @ coef.T) needs no conversion: a few ms a suggestion.
    estimator.sparsify()
    estimator.coef_ = estimator.coef_.tocsc()


def _fit_exact(features: Features, texts: list[str], labels: list[str], n_jobs: int):
    X = features.transform_many(texts, n_jobs)
    classifier = CalibratedClassifierCV(LinearSVC(C=SVM_C, random_state=0), method="sigmoid", cv=3, ensemble=False)
    classifier.fit(X, labels)
    for calibrated in classifier.calibrated_classifiers_:
        _sparse_weights(calibrated.estimator)
    return classifier


def _fit_streamed(features: Features, texts: list[str], labels: list[str], n_jobs: int):
    """One pass of averaged SGD (logistic loss: probabilities without a calibration pass) over shuffled chunks.

    The regularisation follows the SVM's: alpha = 1 / (C n)."""
    order = list(range(len(texts)))
    random.Random(0).shuffle(order)  # noqa: S311 - an order, not a secret
    classes = np.array(sorted(set(labels)))
    classifier = SGDClassifier(
        loss="log_loss", alpha=1 / (SVM_C * len(texts)), average=True, random_state=0, learning_rate="optimal"
    )
    chunks = _chunks(order)
    for X, chunk in zip(
        _parallel(features.transform, [[texts[i] for i in chunk] for chunk in chunks], n_jobs), chunks, strict=True
    ):
        classifier.partial_fit(X, [labels[i] for i in chunk], classes=classes)
    # Averaged SGD leaves a small weight on almost every hashed feature seen once: dropping those under
    # PRUNE of the class's largest keeps the stored model tens of MB instead of a hundred, the ranking alike.
    coef = classifier.coef_
    coef[np.abs(coef) < PRUNE * np.abs(coef).max(axis=1, keepdims=True)] = 0
    _sparse_weights(classifier)
    for state in ("_standard_coef", "_average_coef", "_standard_intercept", "_average_intercept"):
        # what another partial_fit would continue from: dense, the size of the weights each; not stored
        setattr(classifier, state, None)
    return classifier


def fit(texts: list[str], labels: list[str], *, n_jobs: int = 1) -> Router:
    """Train on the texts; labels are category codes. Needs at least two labels with three texts each.

    `n_jobs` processes compute the features (the training's main cost) in parallel chunks."""
    counts = Counter(labels)
    if len([label for label, n in counts.items() if n >= 3]) < 2:
        raise ValueError("at least two categories with three appeals each are needed")
    keep = [i for i, label in enumerate(labels) if counts[label] >= 3]  # calibration folds need 3 a class
    if len(keep) < len(labels):
        texts, labels = [texts[i] for i in keep], [labels[i] for i in keep]
    step = max(1, len(texts) // IDF_SAMPLE)
    features = Features().fit(texts[::step], n_jobs=n_jobs)
    if len(texts) <= EXACT_MAX:
        classifier = _fit_exact(features, texts, labels, n_jobs)
    else:
        classifier = _fit_streamed(features, texts, labels, n_jobs)
    model = TextModel(features, classifier)
    return Router(pipeline=model, labels=[str(c) for c in model.classes_])


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


def evaluate(router: Router, texts: list[str], labels: list[str], *, n_jobs: int = 1) -> Evaluation:
    """Top-1 and top-3 accuracy and the confusion (true → predicted first) on held-out texts."""
    started = time.perf_counter()
    tops = router.top_many(texts, k=3, n_jobs=n_jobs) if texts else []
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
