"""Site models: trained on the site's own moderator decisions, and measured on them.

Each kind of score gets its own pipeline: TF-IDF over words (and word pairs) and
over character n-grams within words (which catch misspellings like "id1ot"),
then a logistic regression. Abuse learns rejected against the rest, spam learns
spam against the rest. The decisions arrive as (text, label) pairs, so this
module knows nothing about where comments are stored.

Only training and measuring import scikit-learn (this module, loaded by the
commands). A fitted pipeline is stored as numpy arrays (``linear.site_model_bytes``)
and served by ``linear.SiteModel``, which needs numpy alone.
"""

from collections import Counter
from dataclasses import dataclass, field

import sklearn
from django.db import transaction
from django.utils.translation import gettext as _
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import FeatureUnion, Pipeline

from . import linear
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


def serialise(pipeline: Pipeline) -> bytes:
    """A fitted ``build_pipeline()`` as the arrays ``TrainedModel.blob`` holds."""
    words, chars = (vectorizer for _name, vectorizer in pipeline["features"].transformer_list)
    model = pipeline["model"]
    return linear.site_model_bytes(words, chars, model.coef_[0], model.intercept_)


def site_model(pipeline: Pipeline, *, label: str = "") -> linear.SiteModel:
    """The fitted pipeline as it will be served: stored, then read back."""
    return linear.SiteModel.from_bytes(serialise(pipeline), label=label)


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
        metrics = {
            "counts": dict(counts),
            "held_out": held_out[kind],
            "scikit_learn": sklearn.__version__,
            "format": linear.FORMAT,
        }
        rows.append((kind, metrics, serialise(pipeline)))
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
            model = site_model(pipeline)
            probabilities = [model.score(text)[0] for text in test_texts]
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
