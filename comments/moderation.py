"""The one pipeline for comments: posting, reports and every moderation decision.

Views, admin actions and management commands call these functions; nothing else
changes a comment's status. Posting runs: story settings → form token → resubmission
→ flood interval → checks → decision with reasons → save → notify.

Some requests are *refused* rather than decided (comments closed, a form too old
to trust, posting too fast): nothing is stored, a ``ValidationError`` with a
``code`` tells the view, and the reader gets the form back with the text kept.
Everything else is stored, whatever the decision, with the reasons for it.

Bans (``comments.bans``) are decisions about commenters rather than comments; the
moderators' ban and unban actions are found here too.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from articles.models import Article
from newsroom import writers
from newsroom.singletons import load_together
from scoring.models import ScoringSettings

from . import digest, posting, threads
from .bans import (
    ban,
    ban_commenters,
    other_commenters_on,
    pks_of,
    unban,
    unban_commenters,
)
from .checks import CHECKS, Finding, Submission, check_scores, decide
from .digest import checked_recently, send_digest
from .models import (
    Comment,
    CommentSettings,
    Reason,
    Redaction,
    Report,
)
from .policy import Policy, form_token_age, issue_form_token, policy_for
from .signals import comments_changed

logger = logging.getLogger(__name__)

__all__ = [
    "Decision",
    "Policy",
    "Undone",
    "approve",
    "ban",
    "ban_commenters",
    "feature",
    "form_token_age",
    "issue_form_token",
    "last_decision",
    "mark_spam",
    "other_commenters_on",
    "policy_for",
    "post",
    "redact",
    "reject",
    "report",
    "send_digest",
    "unban",
    "unban_commenters",
    "undo",
    "unfeature",
]

# The same person sending the same words to the same story again (a double click,
# a reload) gets the first comment's outcome; nothing new is stored.
RESUBMISSION_WINDOW = timedelta(days=1)


# Posting ------------------------------------------------------------------------


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
    (site, scoring), cached = load_together(
        CommentSettings, ScoringSettings, keys=[digest.CHECKED_KEY]
    )
    policy = policy_for(article, site=site, now=now)
    if not policy.is_open:
        raise ValidationError(policy.closed_because, code="closed")
    age = form_token_age(token, article_id=article.pk, now=now.timestamp())
    email = email.strip().lower()
    # The checks only read, so they run before the write transaction: on SQLite that
    # transaction holds the database's write lock, and every poster waits for it.
    parent_comment, placement = posting.place_reply(article, parent)
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
        scoring=scoring,
        now=now,
    )
    findings = [finding for check in CHECKS if (finding := check(submission))]
    # The site's own abuse and spam models score every comment (scoring/).
    findings += check_scores(submission)
    if placement:
        findings.append(placement)
    status = decide(findings)
    if status == Comment.Status.APPROVED:
        findings.insert(
            0, Finding(Reason.PASSED, Comment.Status.APPROVED, str(Reason.PASSED.label))
        )
    # Resubmission and flood checks read earlier comments, then insert: two requests
    # from one commenter at once (a double click, a script) must not both pass. In a
    # storm, posters wait in line for SQLite's lock rather than sleep (newsroom.writers).
    with writers.queued(), transaction.atomic():
        posting.lock_commenter(email=email, ip_address=ip_address)
        earlier = posting.SAME_COMMENT.first(
            article=article.pk, email=email, body=body, since=now - RESUBMISSION_WINDOW
        )
        if earlier is not None:
            return earlier
        posting.check_flood(email=email, ip_address=ip_address, site=site, now=now)
        comment = posting.NEW_COMMENT.insert(
            Comment(
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
        )
        logger.info("Comment %s on story %s: %s", comment.pk, article.pk, status)
    # Committed, and out of the writers' line: what follows (the story's page rendered
    # anew for its readers, a digest) must not hold up the next poster.
    if status == Comment.Status.APPROVED:
        _shown_comments_changed([article.pk])
    elif status == Comment.Status.PENDING:
        checked = cached[digest.CHECKED_KEY]
        transaction.on_commit(lambda: send_digest_if_due(site, checked=checked))
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


def _decide(comments, status, *, by, action) -> int:
    """Give comments a moderator's decision; return how many changed.

    A comment already in that state still counts when readers reported it: the
    decision answers their reports.
    """
    now = timezone.now()
    open_reports = Report.objects.unresolved().filter(comment=OuterRef("pk"))
    with transaction.atomic():
        changing = list(
            Comment.objects.filter(pk__in=pks_of(comments))
            .filter(~Q(status=status) | Q(Exists(open_reports)))
            .select_for_update()
        )
        decision = uuid.uuid4().hex
        for comment in changing:
            # What undo() needs to put the comment back as it was.
            was = {
                "status": comment.status,
                "moderated_by": comment.moderated_by_id,
                "moderated_at": comment.moderated_at.isoformat() if comment.moderated_at else None,
            }
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
                    "decision": decision,
                    "by": by.pk,
                    "was": was,
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


# Undoing a decision ----------------------------------------------------------------

# Long enough to notice a slip from the message that confirms it; short enough that
# nobody undoes a decision others have since seen and relied on.
UNDO_WINDOW = timedelta(minutes=10)


@dataclass(frozen=True)
class Decision:
    """One moderator's approve/reject/spam decision, as recorded in the comments' reasons."""

    id: str
    verdict: str
    at: datetime
    comments: tuple[Comment, ...]


@dataclass(frozen=True)
class Undone:
    """What undo() did: comments put back, and comments left alone as changed since."""

    restored: tuple[Comment, ...]
    left_alone: tuple[Comment, ...]


def _decision_entry(comment, decision):
    """The index and entry of ``decision`` in the comment's reasons, else (None, None)."""
    for index, entry in enumerate(comment.reasons):
        if isinstance(entry, dict) and entry.get("decision") == decision:
            return index, entry
    return None, None


def last_decision(comments, *, by) -> Decision | None:
    """The newest decision ``by`` made on any of these comments, with the comments it changed.

    The admin calls it right after deciding, to offer the decision's undo.
    """
    newest = {}
    for comment in Comment.objects.filter(pk__in=pks_of(comments)).order_by("pk"):
        entry = comment.reasons[-1] if comment.reasons else None
        if isinstance(entry, dict) and entry.get("decision") and entry.get("by") == by.pk:
            newest.setdefault(entry["decision"], (entry, []))[1].append(comment)
    if not newest:
        return None
    entry, changed = max(newest.values(), key=lambda found: found[0]["at"])
    return Decision(
        id=entry["decision"],
        verdict=entry["verdict"],
        at=datetime.fromisoformat(entry["at"]),
        comments=tuple(changed),
    )


def undo(comments, *, decision: str, by, now: datetime | None = None) -> Undone:
    """Put these comments back as they were before ``decision``; recorded in their reasons.

    Each comment gets back its status, who moderated it and when, the reasons it
    had (the decision's entry moves into a note saying who undid it, so the
    history keeps both), and the readers' reports the decision answered. Only a
    moderator may undo, only within UNDO_WINDOW. A comment changed since (decided
    again, reported back into the queue) is left alone: undoing would overrule
    what happened after.
    """
    if not by.has_perm("comments.can_moderate"):
        raise PermissionDenied(_("Only moderators can undo a decision."))
    now = now or timezone.now()
    restored, left_alone, articles = [], [], set()
    with transaction.atomic():
        candidates = Comment.objects.filter(pk__in=pks_of(comments)).select_for_update()
        found = [
            (comment, *_decision_entry(comment, decision)) for comment in candidates.order_by("pk")
        ]
        found = [(comment, index, entry) for comment, index, entry in found if entry]
        if not found:
            raise ValidationError(
                _("That decision is not recorded on these comments."), code="unknown_decision"
            )
        decided_at = datetime.fromisoformat(found[0][2]["at"])
        if now - decided_at > UNDO_WINDOW:
            raise ValidationError(
                ngettext(
                    "A decision can be undone for %(minutes)d minute after it is made; "
                    "this one is older. Decide again instead.",
                    "A decision can be undone for %(minutes)d minutes after it is made; "
                    "this one is older. Decide again instead.",
                    UNDO_WINDOW.seconds // 60,
                )
                % {"minutes": UNDO_WINDOW.seconds // 60},
                code="undo_expired",
            )
        users = get_user_model().objects
        for comment, index, entry in found:
            if index != len(comment.reasons) - 1 or comment.status != entry["verdict"]:
                left_alone.append(comment)
                continue
            was = entry["was"]
            comment.status = was["status"]
            comment.moderated_by_id = (
                was["moderated_by"] if users.filter(pk=was["moderated_by"]).exists() else None
            )
            comment.moderated_at = (
                datetime.fromisoformat(was["moderated_at"]) if was["moderated_at"] else None
            )
            comment.reasons = [
                *comment.reasons[:index],
                {
                    "code": Reason.MODERATOR,
                    "verdict": "",
                    "text": f"{entry['text']}, undone by {by.get_username()}",
                    "at": now.isoformat(),
                    "undoes": decision,
                    "by": by.pk,
                    "undone": entry,
                },
            ]
            comment.save(update_fields=["status", "moderated_by", "moderated_at", "reasons"])
            # The reports the decision answered are open again, except where the same
            # reader has reported the comment since (one open report per address).
            reporting_now = comment.reports.unresolved().exclude(ip_address=None)
            Report.objects.filter(
                comment=comment, resolved_at=decided_at, resolved_by_id=entry.get("by")
            ).exclude(ip_address__in=reporting_now.values("ip_address")).update(
                resolved_at=None, resolved_by=None
            )
            restored.append(comment)
            articles.add(comment.article_id)
        _shown_comments_changed(articles)
    return Undone(restored=tuple(restored), left_alone=tuple(left_alone))


def feature(comments, *, by) -> int:
    """Highlight approved comments on their story."""
    return _set_featured(comments, True)


def unfeature(comments, *, by) -> int:
    return _set_featured(comments, False)


def _set_featured(comments, featured):
    changing = Comment.objects.filter(pk__in=pks_of(comments)).exclude(featured=featured)
    if featured:
        changing = changing.filter(status=Comment.Status.APPROVED)
    articles = set(changing.values_list("article_id", flat=True))
    count = changing.update(featured=featured)
    _shown_comments_changed(articles)
    return count


def redact(comment: Comment, *, text: str, reason: str, by) -> Redaction:
    """Replace a comment's text (a phone number, an address); the original is kept.

    Readers see the new text at once, with a note that a moderator edited it.
    Raises ValidationError (per field: "text", "reason") when the text is empty,
    unchanged or too long, or no reason is given.
    """
    text = (text or "").replace("\r\n", "\n").strip()
    reason = (reason or "").strip()
    errors = {}
    limit = Comment._meta.get_field("body").max_length
    if not text:
        errors["text"] = ValidationError(
            _("The comment cannot be empty: reject it instead."), code="empty_text"
        )
    elif len(text) > limit:
        errors["text"] = ValidationError(
            _("Keep the text to %(limit)d characters."), code="too_long", params={"limit": limit}
        )
    if not reason:
        errors["reason"] = ValidationError(
            _("Say why the text is edited: it is kept with the original."), code="no_reason"
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        if text == comment.body.replace("\r\n", "\n").strip():
            raise ValidationError(
                {"text": ValidationError(_("The text is unchanged."), code="unchanged")}
            )
        redaction = Redaction.objects.create(
            comment=comment, original=comment.body, text=text, reason=reason, created_by=by
        )
        comment.body = text
        comment.redacted_at = redaction.created_at
        comment.save(update_fields=["body", "redacted_at"])
        logger.info("Comment %s redacted by %s", comment.pk, by.get_username())
        _shown_comments_changed([comment.article_id])
    return redaction


# Side effects ------------------------------------------------------------------


def send_digest_if_due(site: CommentSettings | None = None, checked: float | None = None):
    """Tell moderators about held comments, unless a digest went out recently.

    Runs after a held comment is committed; a failure is logged, never shown to
    the reader who posted.
    """
    try:
        # One read first: while the last digest is recent (nearly every held comment),
        # skip send_digest's locked transaction, which would serialise every poster.
        # send_digest() checks again under its lock when a digest may be due.
        interval = timedelta(minutes=(site or CommentSettings.load()).digest_minutes)
        if checked_recently(timezone.now(), interval, checked):
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
