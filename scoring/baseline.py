"""The models that score comments before the site has trained its own.

Abuse: the linear model shipped inside ``alt-profanity-check`` (TF-IDF words →
five calibrated linear SVMs). Its arithmetic is repeated here with numpy — the
same probabilities as ``profanity_check.predict_prob`` — so that each word's
share of the raw score can be read off: TF-IDF weight × the averaged coefficient.

Spam: a handful of features a moderator recognises (links, spam phrases, money,
phone numbers, shouting), each with a fixed weight added to a raw score (log-odds)
turned into 0..1 by the logistic function. A feature's weight is its explanation.
"""

import math
import re
import threading

import numpy as np

from .explain import Explanation, top
from .fast import FastTfidf

BASELINE = "baseline"


class BaselineAbuse:
    """profanity_check's shipped vectorizer and model, read once per process."""

    def __init__(self):
        # Importing profanity_check loads its two joblib files (about a second).
        from profanity_check import profanity_check

        self.vectorizer = profanity_check.vectorizer
        self.tfidf = FastTfidf(self.vectorizer)
        ensemble = profanity_check.model.calibrated_classifiers_
        self.coef = np.vstack([c.estimator.coef_[0] for c in ensemble])
        self.intercept = np.array([c.estimator.intercept_[0] for c in ensemble])
        self.a = np.array([c.calibrators[0].a_ for c in ensemble])
        self.b = np.array([c.calibrators[0].b_ for c in ensemble])
        self.mean_coef = self.coef.mean(axis=0)
        self.words = self.vectorizer.get_feature_names_out()

    def score(self, text: str) -> tuple[float, Explanation]:
        columns, weights = self.tfidf.transform(text)
        margins = self.coef[:, columns] @ weights + self.intercept
        probability = float(np.mean(1.0 / (1.0 + np.exp(self.a * margins + self.b))))
        contributions = weights * self.mean_coef[columns]
        return probability, top(
            (str(self.words[c]), float(v)) for c, v in zip(columns, contributions, strict=True)
        )


_abuse = None
_abuse_lock = threading.Lock()


def abuse_model() -> BaselineAbuse:
    global _abuse
    if _abuse is None:
        with _abuse_lock:
            if _abuse is None:
                _abuse = BaselineAbuse()
    return _abuse


# Spam ----------------------------------------------------------------------------

# Raw score of a comment with no spam feature: about 4% spam.
SPAM_BIAS = -3.2

SPAM_PHRASES = [
    "buy now",
    "click here",
    "order now",
    "act now",
    "limited time",
    "limited offer",
    "special offer",
    "free money",
    "free gift",
    "100% free",
    "risk free",
    "work from home",
    "make money",
    "earn money",
    "extra income",
    "passive income",
    "cash prize",
    "you have won",
    "congratulations you",
    "cheap",
    "discount",
    "best price",
    "lowest price",
    "viagra",
    "cialis",
    "casino",
    "betting",
    "loan",
    "weight loss",
    "seo services",
    "backlinks",
    "check out my",
    "visit my",
    "my website",
    "dm me",
    "whatsapp",
    "telegram",
    "guaranteed",
    "unsubscribe",
]
_PHRASE = re.compile(
    r"(?<!\w)(" + "|".join(re.escape(p) for p in SPAM_PHRASES) + r")(?!\w)", re.IGNORECASE
)
_LINK = re.compile(
    r"https?://\S+|\bwww\.\S+|\b[\w-]+\.(?:com|net|org|info|biz|ru|xyz|top|io|shop)\b(?:/\S*)?",
    re.IGNORECASE,
)
_MONEY = re.compile(
    r"[$€£]\s?\d|\d\s?(?:usd|eur|dollars?|euros?|pounds?)\b|\b\d+k?\s?(?:per|a|/)\s?(?:day|week|hour|month)\b",
    re.IGNORECASE,
)
_CRYPTO = re.compile(
    r"\b(?:bitcoin|btc|crypto\w*|ethereum|eth|usdt|nft|forex|binary options|airdrop)\b",
    re.IGNORECASE,
)
_PHONE = re.compile(r"(?<![\w.])\+?\d[\d ().-]{7,}\d(?![\w.])")
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")
_REPEATED = re.compile(r"(.)\1{4,}")

# Each feature: the raw-score weight it adds (per item where it counts items).
W_LINK = 1.3
MAX_LINKS_COUNTED = 4
W_PHRASE = 1.6
MAX_PHRASES_COUNTED = 3
W_MONEY = 1.0
W_CRYPTO = 1.3
W_PHONE = 1.4
W_EMAIL = 0.9
W_REPEATED = 0.6
W_SHOUTING = 0.8
W_LINK_ONLY = 1.0
W_NAME = 1.5


def _shouting(text):
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 12 and sum(c.isupper() for c in letters) / len(letters) > 0.6


def spam_features(text: str, *, name: str = "", email: str = "", links: int | None = None):
    """[(feature a moderator can read, weight it adds)] for the features present."""
    found = []
    links = len(_LINK.findall(text)) if links is None else links
    if links:
        label = "1 link" if links == 1 else f"{links} links"
        found.append((label, W_LINK * min(links, MAX_LINKS_COUNTED)))
    phrases = sorted({m.group().lower() for m in _PHRASE.finditer(text)})
    for phrase in phrases[:MAX_PHRASES_COUNTED]:
        found.append((f"“{phrase}”", W_PHRASE))
    if _MONEY.search(text):
        found.append(("money amounts", W_MONEY))
    if _CRYPTO.search(text):
        found.append(("crypto", W_CRYPTO))
    if _PHONE.search(text):
        found.append(("phone number", W_PHONE))
    if _EMAIL.search(text):
        found.append(("email address in the text", W_EMAIL))
    if _REPEATED.search(text):
        found.append(("repeated characters", W_REPEATED))
    if _shouting(text):
        found.append(("ALL CAPS", W_SHOUTING))
    if links and len(text.split()) < 8:
        found.append(("little text beside the links", W_LINK_ONLY))
    mailbox = re.sub(r"[._+-]", " ", email.partition("@")[0])
    if _LINK.search(name) or _PHRASE.search(name) or _PHONE.search(name) or _PHRASE.search(mailbox):
        found.append(("advert or link in the name or email", W_NAME))
    return found


def spam_score(text: str, *, name: str = "", email: str = "", links: int | None = None):
    found = spam_features(text, name=name, email=email, links=links)
    raw = SPAM_BIAS + sum(weight for _, weight in found)
    return 1.0 / (1.0 + math.exp(-raw)), top(found)
