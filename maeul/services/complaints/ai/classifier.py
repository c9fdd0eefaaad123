"""Complaint text -> category and department: kiwipiepy content morphemes and character n-grams, TF-IDF,
a linear SVM with sigmoid-calibrated probabilities (Platt scaling over 3 folds; logistic regression when a label
has a single example); below a confidence threshold a person triages.

``train_classifier`` (training.py) takes every labelled example the municipality has (imported history plus staff
corrections, which may weigh more) and returns a new :class:`Classifier` with its version and metrics; the
service stores ``to_bytes()`` and loads it with ``Classifier.from_bytes``.

Trust boundary: a serialised classifier is a pickle, and unpickling runs code. Load only bytes this
installation wrote itself (its own database); never a model uploaded by a user or fetched from elsewhere. With
``key`` the bytes carry an HMAC-SHA256 that ``from_bytes`` checks before unpickling.
"""

from __future__ import annotations

import hashlib
import hmac
import pickle
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import sklearn
from scipy.sparse import spmatrix
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

from maeul.services.complaints.ai.morphemes import morpheme_ngrams, normalise
from maeul.services.complaints.ai.records import AiInputError, LabelledExample, Prediction

MAGIC = b"MAEUL-COMPLAINTS-CLASSIFIER/1\n"
DEFAULT_THRESHOLD = 0.5
MAX_TEXT = 10_000  # characters of one complaint the models look at


@dataclass(frozen=True, slots=True)
class ClassifierMetrics:
    """How a classifier was trained and how well it did by cross-validation (``folds`` 0: not evaluated)."""

    examples: int
    categories: int
    departments: int
    train_seconds: float
    folds: int = 0
    category_macro_f1: float | None = None
    department_macro_f1: float | None = None
    category_accuracy: float | None = None
    auto_share: float | None = None  # share of held-out predictions at or above the threshold
    auto_accuracy: float | None = None  # how many of those had category and department right
    per_category_f1: dict[str, float] = field(default_factory=dict)
    note: str = ""


class _Constant:
    """A "model" for a label that has a single value in the data (probability 1)."""

    def __init__(self, label: str) -> None:
        self.classes_ = np.array([label])

    def predict_proba(self, x: Any) -> np.ndarray:
        return np.ones((x.shape[0], 1))


def _features() -> FeatureUnion:
    return FeatureUnion(
        [
            ("words", TfidfVectorizer(analyzer=morpheme_ngrams, sublinear_tf=True, lowercase=False)),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 4), preprocessor=normalise, sublinear_tf=True, min_df=2
                ),
            ),
        ]
    )


def _linear_model(labels: Sequence[str], x: spmatrix, weights: np.ndarray, seed: int) -> Any:
    counts = Counter(labels)
    if len(counts) == 1:
        return _Constant(next(iter(counts)))
    folds = min(3, min(counts.values()))
    if folds < 2:  # a label seen once: no calibration folds possible, logistic regression's own probabilities
        return LogisticRegression(C=10.0, max_iter=3000).fit(x, labels, sample_weight=weights)
    base = LinearSVC(C=0.5)
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return CalibratedClassifierCV(base, method="sigmoid", cv=cv).fit(x, labels, sample_weight=weights)


def _clip(text: str) -> str:
    return text[:MAX_TEXT]


class Classifier:
    """A trained category and department classifier; see the module's notes on serialising it."""

    def __init__(
        self,
        features: FeatureUnion,
        category_model: Any,
        department_model: Any,
        *,
        threshold: float,
        version: int,
        trained_at: datetime,
        metrics: ClassifierMetrics,
    ) -> None:
        self._features = features
        self._category_model = category_model
        self._department_model = department_model
        self.threshold = threshold
        self.version = version
        self.trained_at = trained_at
        self.metrics = metrics

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(str(c) for c in self._category_model.classes_)

    @property
    def departments(self) -> tuple[str, ...]:
        return tuple(str(d) for d in self._department_model.classes_)

    def vectors(self, texts: Sequence[str]) -> spmatrix:
        """TF-IDF vectors of ``texts`` (rows L2-normalised per part), e.g. for text similarity."""
        return self._features.transform([_clip(t) for t in texts])

    def predict(self, text: str) -> Prediction:
        """The most likely category and department of one complaint text."""
        return self.predict_many([text])[0]

    def predict_many(self, texts: Sequence[str]) -> list[Prediction]:
        if not texts:
            return []
        x = self.vectors(texts)
        category_p = self._category_model.predict_proba(x)
        department_p = self._department_model.predict_proba(x)
        categories, departments = self.categories, self.departments
        out: list[Prediction] = []
        for i, text in enumerate(texts):
            order = np.argsort(-category_p[i], kind="stable")
            d = int(np.argmax(department_p[i]))
            c_conf, d_conf = float(category_p[i][order[0]]), float(department_p[i][d])
            confidence = min(c_conf, d_conf) if normalise(text) else 0.0
            out.append(
                Prediction(
                    category=categories[order[0]],
                    department=departments[d],
                    confidence=confidence,
                    needs_triage=confidence < self.threshold,
                    category_confidence=c_conf,
                    department_confidence=d_conf,
                    alternatives=tuple((categories[j], float(category_p[i][j])) for j in order[:3]),
                )
            )
        return out

    def to_bytes(self, key: bytes | None = None) -> bytes:
        """The classifier as bytes: a header, the scikit-learn version, then a pickle (signed when ``key``)."""
        body = pickle.dumps({"sklearn": sklearn.__version__, "classifier": self}, protocol=pickle.HIGHEST_PROTOCOL)
        tag = hmac.new(key, body, hashlib.sha256).hexdigest().encode() if key else b"-"
        return MAGIC + tag + b"\n" + body

    @classmethod
    def from_bytes(cls, data: bytes, key: bytes | None = None) -> Classifier:
        """A classifier from :meth:`to_bytes` output written by this installation (see the trust boundary)."""
        if not data.startswith(MAGIC):
            raise AiInputError("분류 모델 파일이 아닙니다", "not a serialised complaints classifier")
        tag, _, body = data[len(MAGIC) :].partition(b"\n")
        if key is not None:
            expected = hmac.new(key, body, hashlib.sha256).hexdigest().encode()
            if not hmac.compare_digest(tag, expected):
                raise AiInputError("분류 모델의 서명이 맞지 않습니다", "the classifier's signature does not match")
        loaded = pickle.loads(body)  # trusted bytes only: see the module docstring
        if not isinstance(loaded, dict) or not isinstance(loaded.get("classifier"), Classifier):
            raise AiInputError("분류 모델 내용이 올바르지 않습니다", "the classifier's content is not valid")
        if str(loaded.get("sklearn", "")).split(".")[:2] != sklearn.__version__.split(".")[:2]:
            raise AiInputError(
                "다른 scikit-learn 버전으로 학습한 모델입니다. 다시 학습해 주십시오",
                f"trained with scikit-learn {loaded.get('sklearn')}, this is {sklearn.__version__}: retrain",
            )
        classifier: Classifier = loaded["classifier"]
        return classifier


def check_examples(examples: Sequence[LabelledExample]) -> None:
    if not examples:
        raise AiInputError("학습할 예시가 없습니다", "no labelled examples to train on")
    for index, example in enumerate(examples, start=1):
        if not normalise(example.text):
            raise AiInputError(f"{index}번째 예시의 본문이 비어 있습니다", f"example {index} has an empty text")
        if not example.category.strip() or not example.department.strip():
            raise AiInputError(
                f"{index}번째 예시에 분류나 부서가 없습니다", f"example {index} lacks a category or a department"
            )
        if not example.weight > 0:
            raise AiInputError(f"{index}번째 예시의 가중치는 0보다 커야 합니다", f"example {index}: weight must be > 0")
    if len({example.category for example in examples}) < 2:
        raise AiInputError("분류가 두 가지 이상 있어야 학습할 수 있습니다", "training needs at least two categories")


def fit_models(examples: Sequence[LabelledExample], seed: int = 0) -> tuple[FeatureUnion, Any, Any]:
    """The fitted feature extractor and the category and department models (no evaluation)."""
    check_examples(examples)
    features = _features()
    x = features.fit_transform([_clip(e.text) for e in examples])
    weights = np.array([e.weight for e in examples], dtype=float)
    category_model = _linear_model([e.category for e in examples], x, weights, seed)
    department_model = _linear_model([e.department for e in examples], x, weights, seed)
    return features, category_model, department_model
