"""The checks a new comment goes through, each giving a verdict and a reason.

A check reads a ``Submission`` and returns a ``Finding`` or None. The pipeline in
``comments.moderation`` runs them all, keeps every finding on the comment, and
lets the strongest verdict decide: spam, then rejected, then held.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Value
from django.db.models.functions import MD5, Lower
from django.utils.translation import gettext as _

from articles.models import Article
from newsroom.prepared import PreparedQuery
from scoring.models import ScoringSettings

from . import text
from .models import Ban, Comment, CommentSettings, Reason

# The same words from someone else lately look like copy-and-paste spam.
DUPLICATE_WINDOW = timedelta(days=1)
DUPLICATE_MIN_LENGTH = 20
# Sooner than this after the form was shown, a human has not typed a comment.
TOKEN_MIN_AGE = 3


@dataclass(frozen=True)
class Finding:
    """One check's verdict: the status it asks for (None: a note only) and why."""

    code: str
    verdict: str | None
    text: str

    def as_reason(self):
        return {"code": self.code, "verdict": self.verdict or "", "text": self.text}


@dataclass(frozen=True)
class Submission:
    """What a reader sent, and what is known about the story and the form."""

    article: Article
    name: str
    email: str
    body: str
    honeypot: str
    ip_address: str | None
    token_age: float
    premoderated: bool
    site: CommentSettings
    now: datetime
    scoring: ScoringSettings | None = None  # the scoring models' thresholds


HOLD, REJECT, SPAM = Comment.Status.PENDING, Comment.Status.REJECTED, Comment.Status.SPAM
# The strongest verdict wins.
PRECEDENCE = [SPAM, REJECT, HOLD]


def _words_in(submission, words):
    if not words:
        return []
    pattern = re.compile(
        r"(?<!\w)(" + "|".join(re.escape(w) for w in words) + r")(?!\w)", re.IGNORECASE
    )
    haystack = "\n".join([submission.name, submission.email, submission.body])
    return sorted({m.group().lower() for m in pattern.finditer(haystack)})


def check_honeypot(s):
    if s.honeypot.strip():
        return Finding(Reason.HONEYPOT, SPAM, str(Reason.HONEYPOT.label))


def check_speed(s):
    if s.token_age < TOKEN_MIN_AGE:
        return Finding(
            Reason.TOO_FAST,
            HOLD,
            _("sent %(seconds)d s after the form was shown") % {"seconds": s.token_age},
        )


# The checks' queries run on every post: compiled once (newsroom.prepared).
_comment_field, _ban_field = Comment._meta.get_field, Ban._meta.get_field
BANS = PreparedQuery(
    lambda email, ip_address, now: Ban.objects.active(now=now).applying_to(
        email=email, ip_address=ip_address
    ),
    email=_ban_field("email"),
    ip_address=_ban_field("ip_address"),
    now=_ban_field("expires_at"),
)
SAME_WORDS = PreparedQuery(
    lambda body, since: (
        Comment.objects.filter(body_digest=MD5(Value(body)), body=body, created_at__gte=since)
        .order_by()
        .values_list("pk", flat=True)[:1]
    ),
    body=_comment_field("body"),
    since=_comment_field("created_at"),
)
# Names compared by the database's LOWER() on both sides: ``iexact`` escapes each
# value for LIKE, which a prepared query cannot replay.
KNOWN_COMMENTER = PreparedQuery(
    lambda email, name: (
        Comment.objects.alias(lowered=Lower("name"))
        .filter(email=email, lowered=Lower(Value(name)), status=Comment.Status.APPROVED)
        .order_by()
        .values_list("pk", flat=True)[:1]
    ),
    email=_comment_field("email"),
    name=_comment_field("name"),
)


def check_banned(s):
    """A ban on the commenter rejects; an IP ban aimed at someone else only holds."""
    bans = BANS.rows(email=s.email or None, ip_address=s.ip_address or None, now=s.now)
    refusing = next((ban for ban in bans if ban.refuses(email=s.email)), None)
    if refusing is not None:
        return Finding(Reason.BANNED, REJECT, _("banned commenter (%(ban)s)") % {"ban": refusing})
    if bans:
        return Finding(Reason.BANNED_ADDRESS, HOLD, str(Reason.BANNED_ADDRESS.label))


def check_rejected_words(s):
    if found := _words_in(s, s.site.rejected_word_list):
        return Finding(
            Reason.REJECTED_WORD, REJECT, _("uses rejected words: %s") % ", ".join(found)
        )


def check_held_words(s):
    if found := _words_in(s, s.site.held_word_list):
        return Finding(Reason.HELD_WORD, HOLD, _("uses held words: %s") % ", ".join(found))


def check_links(s):
    links = len(text.find_urls(s.body))
    if links > s.site.max_links:
        return Finding(
            Reason.LINKS,
            HOLD,
            _("%(links)d links (more than %(limit)d)")
            % {"links": links, "limit": s.site.max_links},
        )


def check_duplicate(s):
    if len(s.body.strip()) < DUPLICATE_MIN_LENGTH:
        return None
    if SAME_WORDS.rows(body=s.body, since=s.now - DUPLICATE_WINDOW):
        return Finding(Reason.DUPLICATE, HOLD, str(Reason.DUPLICATE.label))


def check_first_time(s):
    if not s.site.hold_first_time:
        return None
    if not KNOWN_COMMENTER.rows(email=s.email, name=s.name):
        return Finding(Reason.FIRST_TIME, HOLD, str(Reason.FIRST_TIME.label))


def check_premoderated(s):
    if s.premoderated:
        return Finding(Reason.PREMODERATED, HOLD, str(Reason.PREMODERATED.label))


def check_scores(s):
    """The abuse and spam models' verdicts (``scoring/``), each with what pushed its score
    up; below the site's thresholds a note only, so every comment keeps its scores."""
    from scoring import scorer

    scores = scorer.score(s.body, name=s.name, email=s.email)
    decided = [Finding(d.code, d.verdict, d.text) for d in scorer.decide(scores, s.scoring)]
    if decided:
        return decided
    return [
        Finding(
            Reason.SCORES,
            None,
            _("abuse %(abuse).2f (%(abuse_model)s), spam %(spam).2f (%(spam_model)s)")
            % {
                "abuse": scores.abuse,
                "spam": scores.spam,
                "abuse_model": scores.abuse_model,
                "spam_model": scores.spam_model,
            },
        )
    ]


CHECKS = [
    check_honeypot,
    check_speed,
    check_banned,
    check_rejected_words,
    check_held_words,
    check_links,
    check_duplicate,
    check_first_time,
    check_premoderated,
]


def decide(findings: list[Finding]) -> str:
    verdicts = {f.verdict for f in findings}
    return next((status for status in PRECEDENCE if status in verdicts), Comment.Status.APPROVED)
