"""The models that score comments before the site has trained its own.

Abuse: the linear model shipped inside ``alt-profanity-check`` (TF-IDF words →
five calibrated linear SVMs). Its arithmetic is repeated with numpy
(``linear.CalibratedEnsemble``) — the same probabilities as
``profanity_check.predict_prob`` — so that each word's share of the raw score can
be read off: TF-IDF weight × the averaged coefficient. Its shipped pickles are
converted once, by a separate short-lived process, into an npz under
``VAR_DIR/scoring/`` named after the package's version; web processes read only
that file, so scikit-learn never enters them.

Spam: a handful of features a moderator recognises (links, spam phrases, money,
phone numbers, shouting), each with a fixed weight added to a raw score (log-odds)
turned into 0..1 by the logistic function. A feature's weight is its explanation.
"""

import fcntl
import functools
import logging
import math
import re
import subprocess
import sys
import threading
import time
from importlib import metadata
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from . import linear
from .explain import Explanation, top

logger = logging.getLogger(__name__)

BASELINE = "baseline"
UNAVAILABLE = "abuse model unavailable"

# A failed conversion is tried again after this long, not on every comment.
RETRY_SECONDS = 600
CONVERT_TIMEOUT = 300


@functools.cache
def _version() -> str:
    return metadata.version("alt-profanity-check")


def abuse_path() -> Path:
    """Where the converted baseline lives: one file per profanity_check version."""
    return Path(settings.VAR_DIR) / "scoring" / f"profanity-check-{_version()}.npz"


def convert(path: Path) -> None:
    """Write ``path`` from profanity_check's pickles in a subprocess (this one stays
    free of scikit-learn); workers starting together convert once between them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.parent / ".convert.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.exists():
            return
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "scoring.convert_baseline", str(path)],
            cwd=Path(__file__).resolve().parent.parent,
            capture_output=True,
            text=True,
            timeout=CONVERT_TIMEOUT,
            check=False,
        )
        if done.returncode:
            raise RuntimeError(
                f"converting profanity_check's model exited with {done.returncode}: "
                f"{done.stderr.strip()[-2000:]}"
            )
        logger.info(
            "Converted profanity_check's model to %s in %.1f s", path, time.monotonic() - started
        )


class Unavailable:
    """Stands in when the baseline cannot be read: every comment scores 0, and says why."""

    label = UNAVAILABLE

    def score(self, text: str) -> tuple[float, Explanation]:
        return 0.0, [(_("abuse model unavailable"), 0.0)]


def load_abuse(path: Path) -> linear.CalibratedEnsemble:
    if not path.exists():
        convert(path)
    meta, arrays = linear.loads(path)
    return linear.CalibratedEnsemble(meta, arrays)


_abuse = None  # (path, model or Unavailable(), when it failed or None)
_abuse_lock = threading.Lock()


def abuse_model() -> linear.CalibratedEnsemble | Unavailable:
    """The baseline abuse model, read once per process (converted first if need be)."""
    try:
        path = abuse_path()
    except metadata.PackageNotFoundError:
        path = None
    current = _abuse
    if current is None or current[0] != path or _retry_due(current[2]):
        with _abuse_lock:
            current = _abuse
            if current is None or current[0] != path or _retry_due(current[2]):
                current = _load(path)
    return current[1]


def _retry_due(failed_at):
    return failed_at is not None and not 0 <= time.time() - failed_at < RETRY_SECONDS


def _load(path):
    global _abuse
    try:
        if path is None:
            raise RuntimeError("alt-profanity-check is not installed")
        _abuse = (path, load_abuse(path), None)
    except Exception:  # noqa: BLE001 - comments are posted even without an abuse score
        logger.exception("Abuse model unavailable; abuse scores 0 until it loads")
        _abuse = (path, Unavailable(), time.time())
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
