"""Scoring a comment: abuse and spam in 0..1, what pushed each up, and which model said so.

The public API for the comment pipeline::

    scores = score(body, name=name, email=email, links=count)
    findings = decide(scores, ScoringSettings.load())

Models are loaded once per process, lazily, on the first score. The site's own
models (``train_comment_model``) take over from the baselines as soon as a process
notices them: at most once a minute ``score`` asks the database for the newest
model ids (one small query) and loads a model only when its id changed. Every
other score runs without a query.

Scoring needs numpy only: models are stored as plain arrays (``linear``), and
scikit-learn is imported by training alone, never by a process serving comments.
"""

import logging
import threading
import time
from dataclasses import dataclass

from django.utils.translation import gettext as _

from . import baseline
from .explain import Explanation
from .linear import SiteModel, UnknownFormat
from .models import Kind, ScoringSettings, TrainedModel

logger = logging.getLogger(__name__)

__all__ = ["Decision", "Scores", "decide", "reload", "score", "warm"]

# How often a process looks for a newer site model.
CHECK_SECONDS = 60

# The statuses a decision can ask for, spelt as the comment pipeline spells them.
HOLD, REJECT, SPAM = "pending", "rejected", "spam"


@dataclass(frozen=True)
class Scores:
    abuse: float
    spam: float
    abuse_reasons: Explanation
    spam_reasons: Explanation
    abuse_model: str
    spam_model: str

    def as_dict(self) -> dict:
        """JSON-serialisable, to be stored with the comment's decision."""
        return {
            "abuse": {
                "score": round(self.abuse, 3),
                "reasons": [[label, weight] for label, weight in self.abuse_reasons],
                "model": self.abuse_model,
            },
            "spam": {
                "score": round(self.spam, 3),
                "reasons": [[label, weight] for label, weight in self.spam_reasons],
                "model": self.spam_model,
            },
        }


# Site models, per process ------------------------------------------------------------


class _SiteModels:
    def __init__(self):
        self.lock = threading.Lock()
        self.loaded: dict[str, SiteModel] = {}
        self.checked_at: float | None = None

    def current(self, kind) -> SiteModel | None:
        now = time.time()
        if self.checked_at is None or not 0 <= now - self.checked_at < CHECK_SECONDS:
            with self.lock:
                self._refresh(now)
        return self.loaded.get(kind)

    def _refresh(self, now):
        newest = TrainedModel.objects.newest_ids()
        loaded = dict(self.loaded)
        for kind in Kind.values:
            pk = newest.get(kind)
            if pk is None:
                loaded.pop(kind, None)
            elif kind not in loaded or loaded[kind].pk != pk:
                model = self._load(pk)
                if model is not None:
                    loaded[kind] = model
        self.loaded = loaded
        self.checked_at = now

    def _load(self, pk):
        row = TrainedModel.objects.filter(pk=pk).first()
        if row is None:
            return None
        try:
            return SiteModel.from_bytes(bytes(row.blob), label=row.label, pk=row.pk)
        except UnknownFormat as error:
            # E.g. a pickled pipeline from before models were stored as arrays: never unpickled.
            logger.error(
                "Could not load %s model %s (%s); the baseline scores instead", row.kind, pk, error
            )
            return None
        except Exception:  # noqa: BLE001 - a model that cannot load must not stop comments
            logger.exception(
                "Could not load %s model %s; the baseline scores instead", row.kind, pk
            )
            return None

    def forget(self):
        with self.lock:
            self.loaded = {}
            self.checked_at = None


_site = _SiteModels()


def reload():
    """Look for the newest site models on the next score (after training in this process)."""
    _site.forget()


def warm():
    """Load every model now rather than on the first comment (e.g. in a worker at start)."""
    baseline.abuse_model()
    _site.current(Kind.ABUSE)


# Scoring ------------------------------------------------------------------------------


def baseline_score(kind, text, *, name="", email="", links=None) -> float:
    if kind == Kind.ABUSE:
        return baseline.abuse_model().score(text)[0]
    return baseline.spam_score(text, name=name, email=email, links=links)[0]


def score(text: str, *, name: str = "", email: str = "", links: int | None = None) -> Scores:
    """Abuse and spam scores for a comment, with what pushed each up.

    ``links``: how many links the comment has, when the caller counted them; else
    they are counted in the text.
    """
    abuse_model = _site.current(Kind.ABUSE)
    if abuse_model is not None:
        abuse, abuse_reasons = abuse_model.score(text)
        abuse_label = abuse_model.label
    else:
        model = baseline.abuse_model()
        abuse, abuse_reasons = model.score(text)
        abuse_label = getattr(model, "label", baseline.BASELINE)
    spam_model = _site.current(Kind.SPAM)
    if spam_model is not None:
        spam, spam_reasons = spam_model.score(text)
        spam_label = spam_model.label
    else:
        spam, spam_reasons = baseline.spam_score(text, name=name, email=email, links=links)
        spam_label = baseline.BASELINE
    return Scores(abuse, spam, abuse_reasons, spam_reasons, abuse_label, spam_label)


# Deciding -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """A finding for the comment pipeline: the status it asks for and why.

    The same fields as ``comments.checks.Finding``; ``as_reason()`` gives the
    dict stored in ``Comment.reasons``.
    """

    code: str
    verdict: str | None
    text: str

    def as_reason(self):
        return {"code": self.code, "verdict": self.verdict or "", "text": self.text}


def _why(reasons):
    return ", ".join(label for label, _weight in reasons[:3])


def decide(scores: Scores, settings: ScoringSettings | None = None) -> list[Decision]:
    """What the scores ask for: nothing, a hold for review, or (only when the site
    allows deciding by score alone) rejection or spam."""
    settings = settings or ScoringSettings.load()
    decisions = []
    checks = [
        (
            "abuse_score",
            _("abuse score"),
            scores.abuse,
            scores.abuse_reasons,
            settings.hold_abuse_above,
            settings.reject_abuse_above,
            REJECT,
            _("looks abusive"),
        ),
        (
            "spam_score",
            _("spam score"),
            scores.spam,
            scores.spam_reasons,
            settings.hold_spam_above,
            settings.spam_above,
            SPAM,
            _("looks like spam"),
        ),
    ]
    for code, name, value, reasons, hold_above, refuse_above, refusal, looks in checks:
        params = {
            "name": name,
            "score": value,
            "why": _why(reasons) or "—",
        }
        if value > refuse_above and settings.reject_by_score:
            params["threshold"] = refuse_above
            text = _("%(name)s %(score).2f above %(threshold).2f (%(why)s): %(outcome)s") % (
                params | {"outcome": _("refused by score alone")}
            )
            decisions.append(Decision(code, refusal, text))
        elif value > refuse_above:
            params["threshold"] = refuse_above
            text = _("%(name)s %(score).2f above %(threshold).2f (%(why)s): %(outcome)s") % (
                params | {"outcome": _("%(looks)s, held for review") % {"looks": looks}}
            )
            decisions.append(Decision(code, HOLD, text))
        elif value > hold_above:
            params["threshold"] = hold_above
            text = _("%(name)s %(score).2f above %(threshold).2f (%(why)s): %(outcome)s") % (
                params | {"outcome": _("held for review")}
            )
            decisions.append(Decision(code, HOLD, text))
    return decisions
