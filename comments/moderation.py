"""The one pipeline for comments: posting, reports and every moderation decision.

Views, admin actions and management commands call these functions; nothing else
changes a comment's status. Posting runs: story settings → form token → resubmission
→ flood interval → checks → decision with reasons → save → notify.

Some requests are *refused* rather than decided (comments closed, a form too old
to trust, posting too fast): nothing is stored, a ``ValidationError`` with a
``code`` tells the view, and the reader gets the form back with the text kept.
Everything else is stored, whatever the decision, with the reasons for it.
"""

import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, NotSupportedError, connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from articles.models import Article, CommentMode

from . import threads
from .checks import CHECKS, Finding, Submission, decide
from .digest import send_digest
from .models import MAX_DEPTH, Ban, Comment, CommentSettings, Digest, Reason, Report
from .signals import comments_changed

logger = logging.getLogger(__name__)

__all__ = [
    "Policy",
    "approve",
    "ban",
    "ban_commenters",
    "feature",
    "form_token_age",
    "issue_form_token",
    "mark_spam",
    "policy_for",
    "post",
    "reject",
    "report",
    "send_digest",
    "unban",
    "unban_commenters",
    "unfeature",
]

FORM_TOKEN_SALT = "comments.form-token"
# Story pages are cached whole, so a token is as old as the cached page: be generous.
TOKEN_MAX_AGE = 12 * 60 * 60
# The same person sending the same words to the same story again (a double click,
# a reload) gets the first comment's outcome; nothing new is stored.
RESUBMISSION_WINDOW = timedelta(days=1)


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


# Posting ------------------------------------------------------------------------


def _place_reply(article, parent_id):
    """The comment a reply hangs under, and a note when it cannot hang where asked."""
    if parent_id is None:
        return None, None
    parent = Comment.objects.public().for_article(article).filter(pk=parent_id).first()
    if parent is None:
        note = _("the comment it answers is not shown; posted as a new comment")
        return None, Finding(Reason.REPLY_MOVED, None, note)
    if parent.depth >= MAX_DEPTH - 1:
        note = _("replies nest %(depth)d deep; placed beside the comment it answers") % {
            "depth": MAX_DEPTH
        }
        return parent.parent, Finding(Reason.REPLY_MOVED, None, note)
    return parent, None


def _check_flood(*, email, ip_address, site, now):
    if not site.flood_seconds:
        return
    since = now - timedelta(seconds=site.flood_seconds)
    last = (
        Comment.objects.by_commenter(email=email, ip_address=ip_address)
        .filter(created_at__gt=since)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if last is not None:
        wait = max(1, int((last - since).total_seconds() + 0.999))
        raise ValidationError(
            _(
                "You are commenting too fast. Please wait %(wait)d seconds, then send your "
                "comment again; it is kept below."
            ),
            code="flood",
            params={"wait": wait},
        )


def _lock_commenter(*, email, ip_address):
    """Hold, until the current transaction ends, a lock per key of this commenter.

    The lock lives in the database, so it holds across workers and hosts. On
    PostgreSQL: transaction-level advisory locks, one per key, taken in a fixed
    order so two posters sharing a key cannot deadlock. On SQLite the project's
    ``transaction_mode=IMMEDIATE`` makes every transaction take the database's
    write lock when it begins, which already serialises posters.
    """
    keys = sorted(
        f"comment-poster:{kind}:{value}"
        for kind, value in (("email", email), ("ip", ip_address))
        if value
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for key in keys:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_id(key)])
    elif connection.vendor == "sqlite":
        if connection.transaction_mode != "IMMEDIATE":
            raise NotSupportedError(
                "Posting comments on SQLite needs OPTIONS transaction_mode=IMMEDIATE."
            )
    else:
        raise NotSupportedError(f"No commenter lock for {connection.vendor}.")


def _lock_id(key: str) -> int:
    """A stable signed 64-bit number for a lock key (Python's hash() changes per process)."""
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def post(
    *,
    article: Article,
    name: str,
    email: str,
    body: str,
    token: str,
    parent: int | None = None,
    honeypot: str = "",
    ip_address: str | None = None,
    user_agent: str = "",
    now: datetime | None = None,
) -> Comment:
    """Decide on a reader's comment and store it with its reasons.

    Returns the stored comment (or, for a resubmission, the one stored before).
    Raises ValidationError (code "closed", "stale_form" or "flood") when the
    comment is refused and nothing is stored.
    """
    now = now or timezone.now()
    site = CommentSettings.load()
    policy = policy_for(article, site=site, now=now)
    if not policy.is_open:
        raise ValidationError(policy.closed_because, code="closed")
    age = form_token_age(token, article_id=article.pk, now=now.timestamp())
    email = email.strip().lower()
    # Resubmission and flood checks read earlier comments, then insert: two requests
    # from one commenter at once (a double click, a script) must not both pass.
    with transaction.atomic():
        _lock_commenter(email=email, ip_address=ip_address)
        earlier = (
            Comment.objects.for_article(article)
            .filter(email=email, body=body, created_at__gte=now - RESUBMISSION_WINDOW)
            .order_by("-created_at")
            .first()
        )
        if earlier is not None:
            return earlier
        _check_flood(email=email, ip_address=ip_address, site=site, now=now)

        parent_comment, placement = _place_reply(article, parent)
        submission = Submission(
            article=article,
            name=name,
            email=email,
            body=body,
            honeypot=honeypot,
            ip_address=ip_address,
            token_age=age,
            premoderated=policy.is_premoderated,
            site=site,
            now=now,
        )
        findings = [finding for check in CHECKS if (finding := check(submission))]
        if placement:
            findings.append(placement)
        status = decide(findings)
        if status == Comment.Status.APPROVED:
            findings.insert(
                0, Finding(Reason.PASSED, Comment.Status.APPROVED, str(Reason.PASSED.label))
            )

        comment = Comment.objects.create(
            article=article,
            parent=parent_comment,
            root=(parent_comment.root or parent_comment) if parent_comment else None,
            depth=parent_comment.depth + 1 if parent_comment else 0,
            name=name,
            email=email,
            body=body,
            ip_address=ip_address,
            user_agent=user_agent[:500],
            status=status,
            reasons=[f.as_reason() for f in findings],
        )
        logger.info("Comment %s on story %s: %s", comment.pk, article.pk, status)
        if status == Comment.Status.APPROVED:
            _shown_comments_changed([article.pk])
        elif status == Comment.Status.PENDING:
            transaction.on_commit(lambda: send_digest_if_due(site))
    return comment


# Reports --------------------------------------------------------------------------


def report(comment: Comment, *, reason: str, ip_address: str | None = None) -> Report:
    """Record a reader's report; enough of them send a published comment back to the queue."""
    site = CommentSettings.load()
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        existing = (
            Report.objects.unresolved().filter(comment=comment, ip_address=ip_address).first()
            if ip_address
            else None
        )
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                new = Report.objects.create(comment=comment, reason=reason, ip_address=ip_address)
        except IntegrityError:  # the same reader, twice at once
            return Report.objects.unresolved().get(comment=comment, ip_address=ip_address)
        reports = comment.reports.unresolved().count()
        if comment.status == Comment.Status.APPROVED and reports >= site.report_threshold:
            comment.status = Comment.Status.PENDING
            comment.digested_at = None
            comment.reasons = [
                *comment.reasons,
                {
                    "code": Reason.REPORTED,
                    "verdict": Comment.Status.PENDING,
                    "text": ngettext(
                        "reported by %(count)d reader", "reported by %(count)d readers", reports
                    )
                    % {"count": reports},
                    "at": timezone.now().isoformat(),
                },
            ]
            comment.save(update_fields=["status", "digested_at", "reasons"])
            _shown_comments_changed([comment.article_id])
            transaction.on_commit(send_digest_if_due)
    return new


# Moderators' decisions ------------------------------------------------------------


def _pks(comments) -> list[int]:
    if isinstance(comments, Comment):
        return [comments.pk]
    if isinstance(comments, list | tuple | set):
        return [c.pk for c in comments]
    return list(comments.order_by().values_list("pk", flat=True))


def _decide(comments, status, *, by, action) -> int:
    """Give comments a moderator's decision; return how many changed.

    A comment already in that state still counts when readers reported it: the
    decision answers their reports.
    """
    now = timezone.now()
    open_reports = Report.objects.unresolved().filter(comment=OuterRef("pk"))
    with transaction.atomic():
        changing = list(
            Comment.objects.filter(pk__in=_pks(comments))
            .filter(~Q(status=status) | Q(Exists(open_reports)))
            .select_for_update()
        )
        for comment in changing:
            comment.status = status
            comment.moderated_by = by
            comment.moderated_at = now
            comment.reasons = [
                *comment.reasons,
                {
                    "code": Reason.MODERATOR,
                    "verdict": status,
                    "text": f"{action} by {by.get_username()}",
                    "at": now.isoformat(),
                },
            ]
            comment.save(update_fields=["status", "moderated_by", "moderated_at", "reasons"])
        Report.objects.unresolved().filter(comment__in=changing).update(
            resolved_at=now, resolved_by=by
        )
        _shown_comments_changed({c.article_id for c in changing})
    return len(changing)


def approve(comments, *, by) -> int:
    return _decide(comments, Comment.Status.APPROVED, by=by, action="approved")


def reject(comments, *, by) -> int:
    return _decide(comments, Comment.Status.REJECTED, by=by, action="rejected")


def mark_spam(comments, *, by) -> int:
    return _decide(comments, Comment.Status.SPAM, by=by, action="marked as spam")


def feature(comments, *, by) -> int:
    """Highlight approved comments on their story."""
    return _set_featured(comments, True)


def unfeature(comments, *, by) -> int:
    return _set_featured(comments, False)


def _set_featured(comments, featured):
    changing = Comment.objects.filter(pk__in=_pks(comments)).exclude(featured=featured)
    if featured:
        changing = changing.filter(status=Comment.Status.APPROVED)
    articles = set(changing.values_list("article_id", flat=True))
    count = changing.update(featured=featured)
    _shown_comments_changed(articles)
    return count


def ban(*, email: str = "", ip_address: str | None = None, by, reason: str = "") -> Ban:
    """Refuse future comments from this email address and/or IP address."""
    email = (email or "").strip().lower()
    if not email and not ip_address:
        raise ValidationError(_("Give an email address, an IP address or both."), code="empty_ban")
    existing = Ban.objects.active().filter(email=email, ip_address=ip_address).first()
    if existing is not None:
        return existing
    return Ban.objects.create(email=email, ip_address=ip_address, reason=reason, created_by=by)


def ban_commenters(comments, *, by, reason: str = "") -> int:
    """Ban the email and IP address of each comment's author; return how many bans are new."""
    commenters = set(
        Comment.objects.filter(pk__in=_pks(comments)).values_list("email", "ip_address")
    )
    before = Ban.objects.active().count()
    for email, ip_address in commenters:
        ban(email=email, ip_address=ip_address, by=by, reason=reason)
    return Ban.objects.active().count() - before


def unban(*, email: str = "", ip_address: str | None = None, by) -> int:
    """Lift every active ban on this email address or IP address."""
    lifted = Ban.objects.active().matching(email=email, ip_address=ip_address)
    return lifted.update(lifted_at=timezone.now(), lifted_by=by)


def unban_commenters(comments, *, by) -> int:
    commenters = set(
        Comment.objects.filter(pk__in=_pks(comments)).values_list("email", "ip_address")
    )
    return sum(unban(email=email, ip_address=ip, by=by) for email, ip in commenters)


# Side effects ------------------------------------------------------------------


def send_digest_if_due(site: CommentSettings | None = None):
    """Tell moderators about held comments, unless a digest went out recently.

    Runs after a held comment is committed; a failure is logged, never shown to
    the reader who posted.
    """
    try:
        # One read first: while the last digest is recent (nearly every held comment),
        # skip send_digest's locked transaction, which would serialise every poster.
        # send_digest() checks again under its lock when a digest may be due.
        interval = timedelta(minutes=(site or CommentSettings.load()).digest_minutes)
        last = Digest.objects.order_by("-sent_at").values_list("sent_at", flat=True).first()
        if last is not None and last > timezone.now() - interval:
            return
        send_digest()
    except Exception:  # noqa: BLE001 - mail trouble must not break posting
        logger.exception("Could not send the comment digest")


def _shown_comments_changed(article_ids):
    """What readers see under these stories changed: once committed, forget cached
    counts and tell whoever caches the story pages."""
    article_ids = sorted(set(article_ids))
    if not article_ids:
        return

    def changed():
        threads.forget_counts(article_ids)
        comments_changed.send(sender=Comment, article_ids=article_ids)

    transaction.on_commit(changed)
