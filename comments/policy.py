"""Whether a story takes comments now, and the signed token its comment form carries.

Neither decides anything about a comment: the story page reads them to draw its form,
and ``comments.moderation.post`` reads them before it decides.
"""

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core import signing
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from articles.models import Article, CommentMode

from .models import CommentSettings

FORM_TOKEN_SALT = "comments.form-token"
# Story pages are cached whole, so a token is as old as the cached page: be generous.
TOKEN_MAX_AGE = 12 * 60 * 60


# Story settings ---------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    """Whether a story takes comments now, and how."""

    mode: str
    closed_because: str = ""
    closes_at: datetime | None = None

    @property
    def is_open(self):
        return self.mode != CommentMode.CLOSED

    @property
    def is_premoderated(self):
        return self.mode == CommentMode.PREMODERATED


def policy_for(article: Article, *, site: CommentSettings | None = None, now=None) -> Policy:
    """The story's own setting, else its section's, else the site's; then automatic closing.

    Automatic closing applies to stories that inherit their setting: an editor
    reopens an old story by setting it to Open (or reviewed first) on the story.
    """
    site = site or CommentSettings.load()
    now = now or timezone.now()
    section_mode = article.section.comment_mode if article.section_id else CommentMode.INHERIT
    own = article.comment_mode != CommentMode.INHERIT
    mode = next(
        m
        for m in (article.comment_mode, section_mode, site.default_mode)
        if m != CommentMode.INHERIT
    )
    if mode == CommentMode.CLOSED:
        return Policy(mode, _("Comments are closed on this story."))
    if own or not site.close_after_days or article.publish_at is None:
        return Policy(mode)
    closes_at = article.publish_at + timedelta(days=site.close_after_days)
    if now >= closes_at:
        message = ngettext(
            "Comments close %(days)d day after a story is published; this story's comments are closed.",
            "Comments close %(days)d days after a story is published; this story's comments are closed.",
            site.close_after_days,
        ) % {"days": site.close_after_days}
        return Policy(CommentMode.CLOSED, message, closes_at)
    return Policy(mode, closes_at=closes_at)


# The form token -----------------------------------------------------------------


def issue_form_token(article_id: int, *, at: float | None = None) -> str:
    """A signed note of when the form for this story was shown (the same for every reader)."""
    issued = int(time.time() if at is None else at)
    return signing.Signer(salt=FORM_TOKEN_SALT).sign(f"{article_id}:{issued}")


def form_token_age(token: str, *, article_id: int, now: float | None = None) -> float:
    """Seconds since the form was shown; refuses missing, forged and stale tokens."""
    now = time.time() if now is None else now
    try:
        value = signing.Signer(salt=FORM_TOKEN_SALT).unsign(token or "")
        token_article, issued = (int(part) for part in value.split(":"))
    except (signing.BadSignature, ValueError):
        token_article, issued = None, None
    if token_article != article_id or issued is None or now - issued > TOKEN_MAX_AGE:
        raise ValidationError(
            _(
                "This page was open for a long time, so we could not accept the form as it "
                "was. Your comment is kept below: please send it again."
            ),
            code="stale_form",
        )
    return max(0.0, now - issued)
