"""Site models: trained on the site's own moderator decisions, and measured on them.

Each kind of score gets its own pipeline: TF-IDF over words (and word pairs) and
over character n-grams within words (which catch misspellings like "id1ot"),
then a logistic regression. Abuse learns rejected against the rest, spam learns
spam against the rest. The decisions arrive as (text, label) pairs, so this
module knows nothing about where comments are stored.
"""

import io
import math
import re
from collections import Counter
from dataclasses import dataclass, field

import joblib
import numpy as np
import sklearn
from django.db import transaction
from django.utils.translation import gettext as _
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import FeatureUnion, Pipeline

from .explain import Explanation, top
from .fast import FastUnion
from .models import Kind, TrainedModel

APPROVED, REJECTED, SPAM = "approved", "rejected", "spam"
LABELS = (APPROVED, REJECTED, SPAM)
# The label each kind of model learns to find.
POSITIVE = {Kind.ABUSE: REJECTED, Kind.SPAM: SPAM}

MIN_DECISIONS = 200
MIN_PER_CLASS = 30
HELD_OUT = 0.25
SEED = 2026
# Older models kept per kind, to compare or go back to.
KEEP = 3


class NotEnoughDecisions(Exception):
    pass


def build_pipeline() -> Pipeline:
    features = FeatureUnion(
        [
            (
                "words",
                TfidfVectorizer(
                    ngram_range=(1, 2), min_df=2, max_features=50_000, sublinear_tf=True
                ),
            ),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(3, 5),
                    min_df=2,
                    max_features=100_000,
                    sublinear_tf=True,
                ),
            ),
        ]
    )
    model = LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000)
    return Pipeline([("features", features), ("model", model)])


class SiteModel:
    """A trained pipeline ready to score one text at a time, with explanations."""

    def __init__(self, pipeline: Pipeline, *, label: str, pk: int | None = None):
        self.pipeline = pipeline
        self.label = label
        self.pk = pk
        features = pipeline.named_steps["features"]
        words, chars = (t for _, t in features.transformer_list)
        self.word_names = words.get_feature_names_out()
        self.char_names = chars.get_feature_names_out()
        self.model = pipeline.named_steps["model"]
        self.coef = self.model.coef_[0]
        self.intercept = float(self.model.intercept_[0])
        self.tfidf = FastUnion([words, chars])

    def probabilities(self, texts) -> list[float]:
        return [float(p) for p in self.pipeline.predict_proba(list(texts))[:, 1]]

    def score(self, text: str) -> tuple[float, Explanation]:
        words, chars = self.tfidf.parts
        # char_wb n-grams never cross a space: a text's n-grams are its words' n-grams,
        # so each word is analysed once, for the weights and for the explanation.
        by_token = {token: chars.analyze(token) for token in set(text.split())}
        word_columns, word_weights = words.transform(text)
        char_columns, char_weights = chars.weigh(
            [gram for token in text.split() for gram in by_token[token]]
        )
        columns = np.concatenate([word_columns, char_columns])
        contributions = np.concatenate([word_weights, char_weights]) * self.coef[columns]
        raw = self.intercept + float(contributions.sum())
        probability = 1.0 / (1.0 + _exp(-raw))
        return probability, top(self._by_word(by_token, columns, contributions))

    def _by_word(self, by_token, columns, contributions):
        """Word features as themselves; each character n-gram shared among the words holding it."""
        n_words = len(self.word_names)
        holders = {}
        for token, grams in by_token.items():
            shown = re.sub(r"^\W+|\W+$", "", token.lower())
            if shown:
                for gram in grams:
                    holders.setdefault(gram, set()).add(shown)
        for column, value in zip(columns.tolist(), contributions.tolist(), strict=True):
            if column < n_words:
                yield str(self.word_names[column]), value
                continue
            words = holders.get(self.char_names[column - n_words], ())
            for shown in words:
                yield shown, value / len(words)


def _exp(value):
    return math.exp(max(-700.0, min(700.0, value)))


def clean_pairs(pairs):
    """The usable (text, label) pairs, as two lists."""
    texts, labels = [], []
    for text, label in pairs:
        if label in LABELS and text and text.strip():
            texts.append(text)
            labels.append(label)
    return texts, labels


def _trainable(labels) -> list[str]:
    counts = Counter(labels)
    return [
        kind
        for kind, positive in POSITIVE.items()
        if counts[positive] >= MIN_PER_CLASS and len(labels) - counts[positive] >= MIN_PER_CLASS
    ]


def _refusal(labels):
    counts = Counter(labels)
    return _(
        "Not enough moderator decisions to train a site model: %(total)d decisions "
        "(%(approved)d approved, %(rejected)d rejected, %(spam)d spam). Training needs at "
        "least %(minimum)d, with at least %(per_class)d rejected (for the abuse model) or "
        "%(per_class)d marked as spam (for the spam model), and %(per_class)d of the rest. "
        "Comments are scored by the baseline models meanwhile."
    ) % {
        "total": len(labels),
        "approved": counts[APPROVED],
        "rejected": counts[REJECTED],
        "spam": counts[SPAM],
        "minimum": MIN_DECISIONS,
        "per_class": MIN_PER_CLASS,
    }


def check_enough(labels) -> list[str]:
    """The kinds that can be trained on these labels; refuses when none can."""
    kinds = _trainable(labels)
    if len(labels) < MIN_DECISIONS or not kinds:
        raise NotEnoughDecisions(_refusal(labels))
    return kinds


@dataclass
class Training:
    models: list[TrainedModel]
    skipped: dict[str, str] = field(default_factory=dict)


def train(pairs, *, now=None) -> Training:
    """Train and store a site model for each kind the decisions allow."""
    texts, labels = clean_pairs(pairs)
    kinds = check_enough(labels)
    counts = Counter(labels)
    held_out = measure(texts, labels, kinds=kinds)
    rows, skipped = [], {}
    for kind in Kind.values:
        if kind not in kinds:
            skipped[kind] = _("too few %(label)s decisions (%(count)d); baseline kept") % {
                "label": POSITIVE[kind],
                "count": counts[POSITIVE[kind]],
            }
            continue
        pipeline = build_pipeline().fit(texts, [label == POSITIVE[kind] for label in labels])
        buffer = io.BytesIO()
        joblib.dump(pipeline, buffer, compress=3)
        metrics = {
            "counts": dict(counts),
            "held_out": held_out[kind],
            "scikit_learn": sklearn.__version__,
        }
        rows.append((kind, metrics, buffer.getvalue()))
    with transaction.atomic():
        saved = []
        for kind, metrics, blob in rows:
            fields = {"kind": kind, "decisions": len(labels), "metrics": metrics, "blob": blob}
            if now is not None:
                fields["created_at"] = now
            saved.append(TrainedModel.objects.create(**fields))
            keep = TrainedModel.objects.filter(kind=kind).values_list("pk", flat=True)[:KEEP]
            TrainedModel.objects.filter(kind=kind).exclude(pk__in=list(keep)).delete()
    return Training(saved, skipped)


# Measuring -------------------------------------------------------------------------


def split(texts, labels, *, seed=SEED):
    """The same held-out share of each label every time (stratified, seeded)."""
    return train_test_split(texts, labels, test_size=HELD_OUT, stratify=labels, random_state=seed)


def precision_recall(scores, truth, threshold):
    flagged = [s > threshold for s in scores]
    hits = sum(f and t for f, t in zip(flagged, truth, strict=True))
    precision = hits / sum(flagged) if any(flagged) else None
    recall = hits / sum(truth) if any(truth) else None
    return {
        "threshold": threshold,
        "precision": precision,
        "recall": recall,
        "flagged": sum(flagged),
        "positives": sum(truth),
        "total": len(truth),
    }


def measure(texts, labels, *, kinds=None, thresholds=None, with_baseline=False):
    """Precision and recall on a held-out quarter, for a model trained on the rest.

    {kind: {"site": {...}, "baseline": {...}}} when with_baseline, else {kind: {...}}.
    """
    from . import scorer

    kinds = kinds if kinds is not None else Kind.values
    thresholds = thresholds or {kind: 0.5 for kind in Kind.values}
    train_texts, test_texts, train_labels, test_labels = split(texts, labels)
    results = {}
    for kind in kinds:
        positive = POSITIVE[kind]
        truth = [label == positive for label in test_labels]
        site = None
        if kind in _trainable(train_labels):
            pipeline = build_pipeline().fit(
                train_texts, [label == positive for label in train_labels]
            )
            probabilities = SiteModel(pipeline, label="").probabilities(test_texts)
            site = precision_recall(probabilities, truth, thresholds[kind])
        if not with_baseline:
            results[kind] = site
            continue
        baseline = [scorer.baseline_score(kind, text) for text in test_texts]
        results[kind] = {
            "baseline": precision_recall(baseline, truth, thresholds[kind]),
            "site": site,
        }
    return results
