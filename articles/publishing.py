"""The editorial workflow: every change of a story's state goes through here.

The admin's buttons and bulk actions, the management commands and the tests
all call these functions, so the rules (who may do what, from which state,
respecting the embargo) hold whatever the path. Each transition is recorded in
the audit log (`ArticleEvent`) and keeps a revision.

States: draft → in review → published (now, or scheduled: a published story
whose ``publish_at`` is still ahead) → unpublished; any state → taken down.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Article, ArticleEvent, Correction, PreviewLink, Revision

Status = Article.Status

PUBLISH_PERMISSION = "articles.publish_article"
PREVIEW_SALT = "articles.preview-link"
PREVIEW_MAX_AGE = timedelta(days=30)


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset
    target: str
    editors_only: bool = True


TRANSITIONS = {
    t.name: t
    for t in [
        Transition(
            "submit",
            gettext_lazy("Submit for review"),
            frozenset({Status.DRAFT}),
            Status.REVIEW,
            editors_only=False,
        ),
        Transition(
            "send_back",
            gettext_lazy("Send back to draft"),
            frozenset({Status.REVIEW}),
            Status.DRAFT,
        ),
        Transition(
            "publish",
            gettext_lazy("Publish now"),
            frozenset({Status.DRAFT, Status.REVIEW, Status.UNPUBLISHED, Status.PUBLISHED}),
            Status.PUBLISHED,
        ),
        Transition(
            "schedule",
            gettext_lazy("Schedule"),
            frozenset({Status.DRAFT, Status.REVIEW, Status.UNPUBLISHED, Status.PUBLISHED}),
            Status.PUBLISHED,
        ),
        Transition(
            "unpublish",
            gettext_lazy("Unpublish"),
            frozenset({Status.PUBLISHED}),
            Status.UNPUBLISHED,
        ),
        Transition(
            "take_down",
            gettext_lazy("Take down"),
            frozenset(set(Status) - {Status.TAKEN_DOWN}),
            Status.TAKEN_DOWN,
        ),
        Transition(
            "restore_draft",
            gettext_lazy("Return to draft"),
            frozenset({Status.UNPUBLISHED, Status.TAKEN_DOWN}),
            Status.DRAFT,
        ),
    ]
}


def state(article: Article, *, now: datetime | None = None) -> str:
    """The state people talk about: like ``status``, plus "scheduled"."""
    now = now or timezone.now()
    if article.status == Status.PUBLISHED and article.publish_at and article.publish_at > now:
        return "scheduled"
    return article.status


def is_editor(user) -> bool:
    return bool(user and user.is_active and user.has_perm(PUBLISH_PERMISSION))


def is_own(user, article: Article) -> bool:
    if not (user and user.is_authenticated) or article.pk is None:
        return False
    return (
        article.created_by_id == user.pk or article.bylines.filter(contributor__user=user).exists()
    )


def can_edit(user, article: Article) -> bool:
    """Editors edit any story; writers their own drafts (and stories sent back to them)."""
    if not (user and user.is_active and user.has_perm("articles.change_article")):
        return False
    if is_editor(user):
        return True
    return article.status == Status.DRAFT and is_own(user, article)


def can(user, name: str, article: Article) -> bool:
    """May this user take this transition on this story now?"""
    transition = TRANSITIONS[name]
    if article.status not in transition.sources:
        return False
    if name in {"publish", "schedule"} and article.is_live:
        return False
    if transition.editors_only:
        return is_editor(user)
    return can_edit(user, article)


def allowed_transitions(user, article: Article) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if can(user, t.name, article)]


def _check(user, name: str, article: Article):
    if not can(user, name, article):
        transition = TRANSITIONS[name]
        if article.status not in transition.sources:
            raise ValidationError(
                _("“%(action)s” is not possible for a story that is %(state)s.")
                % {"action": transition.label, "state": article.get_status_display().lower()},
                code="invalid_transition",
            )
        raise PermissionDenied(
            _("You may not “%(action)s” this story.") % {"action": transition.label}
        )


def _check_embargo(article: Article, at: datetime):
    if article.embargo_until and at < article.embargo_until:
        raise ValidationError(
            _(
                "This story is under embargo until %(until)s; it cannot go live before then. "
                "Schedule it for that time or later."
            )
            % {"until": timezone.localtime(article.embargo_until).strftime("%Y-%m-%d %H:%M %Z")},
            code="embargoed",
        )


def log(article: Article, action: str, *, by, note: str = "", before: str | None = None):
    """An audit-log entry: what happened to the story, who did it, and why."""
    return ArticleEvent.objects.create(
        article=article,
        action=action,
        from_status=article.status if before is None else before,
        to_status=article.status,
        by=by,
        note=note,
    )


def _apply(article, name, *, by, note="", **changes):
    """Change state, keep a revision and write the audit log, all or nothing."""
    transition = TRANSITIONS[name]
    with transaction.atomic():
        before = article.status
        for field, value in changes.items():
            setattr(article, field, value)
        article.status = transition.target
        article.full_clean(exclude=["lead_image"], validate_unique=False)
        article.save()
        record_revision(article, by=by, note=note or str(transition.label))
        log(article, name, by=by, note=note, before=before)
    return article


def submit(article: Article, *, by, note: str = "") -> Article:
    _check(by, "submit", article)
    return _apply(article, "submit", by=by, note=note)


def send_back(article: Article, *, by, note: str = "") -> Article:
    _check(by, "send_back", article)
    return _apply(article, "send_back", by=by, note=note)


def publish(article: Article, *, by, note: str = "") -> Article:
    _check(by, "publish", article)
    now = timezone.now()
    _check_embargo(article, now)
    return _apply(article, "publish", by=by, note=note, publish_at=now)


def schedule(article: Article, *, by, at: datetime, note: str = "") -> Article:
    _check(by, "schedule", article)
    if at <= timezone.now():
        raise ValidationError(
            _("Choose a time in the future to schedule the story, or publish it now."),
            code="schedule_in_past",
        )
    _check_embargo(article, at)
    note = note or _("Scheduled for %(at)s") % {
        "at": timezone.localtime(at).strftime("%Y-%m-%d %H:%M %Z")
    }
    return _apply(article, "schedule", by=by, note=note, publish_at=at)


def unpublish(article: Article, *, by, note: str = "") -> Article:
    _check(by, "unpublish", article)
    return _apply(article, "unpublish", by=by, note=note)


def take_down(article: Article, *, by, reason: str) -> Article:
    _check(by, "take_down", article)
    if not reason or not reason.strip():
        raise ValidationError(
            _("Say why the story is being taken down; the audit log keeps the reason."),
            code="reason_required",
        )
    return _apply(article, "take_down", by=by, note=reason.strip(), takedown_reason=reason.strip())


def restore_draft(article: Article, *, by, note: str = "") -> Article:
    _check(by, "restore_draft", article)
    return _apply(article, "restore_draft", by=by, note=note, takedown_reason="")


# Revisions -----------------------------------------------------------------

REVISION_FIELDS = [
    "headline",
    "slug",
    "summary",
    "body",
    "source_name",
    "source_url",
    "lead_image_alt",
    "lead_image_caption",
    "lead_image_credit",
]


def snapshot(article: Article) -> dict:
    """What a revision keeps: the words, the filing and the state."""
    data = {field: getattr(article, field) for field in REVISION_FIELDS}
    data["lead_image"] = article.lead_image.name if article.lead_image else ""
    data["section"] = article.section.name if article.section_id else ""
    data["section_id"] = article.section_id
    data["tags"] = sorted(tag.name for tag in article.tags.all())
    data["byline"] = [b.contributor.name for b in article.bylines.select_related("contributor")]
    data["byline_ids"] = [b.contributor_id for b in article.bylines.all()]
    data["status"] = article.status
    for field in ("publish_at", "expire_at", "embargo_until"):
        value = getattr(article, field)
        data[field] = value.isoformat() if value else None
    return data


def record_revision(article: Article, *, by, kind: str = Revision.Kind.EDIT, note: str = ""):
    """Keep a copy of the story as it is now; skip it when nothing changed."""
    data = snapshot(article)
    last = article.revisions.order_by("-number").first()
    if last is not None and last.data == data and kind == Revision.Kind.EDIT:
        return last
    number = (article.revisions.aggregate(n=Max("number"))["n"] or 0) + 1
    return Revision.objects.create(
        article=article, number=number, created_by=by, kind=kind, note=note, data=data
    )


def record_change(article: Article, *, by, kind: str, note: str = "") -> Revision:
    """After an edit: keep the revision and, for a published story, the public note.

    ``kind`` is what the editor said the change was. A typo fix leaves no public
    trace; an update, correction or clarification adds a dated public note and
    moves the story's public "Updated" time.
    """
    with transaction.atomic():
        if kind in Correction.Kind.values and article.status == Status.PUBLISHED:
            now = timezone.now()
            Correction.objects.create(
                article=article, kind=kind, note=note, created_by=by, created_at=now
            )
            Article.objects.filter(pk=article.pk).update(modified_at=now)
            article.modified_at = now
            log(article, kind, by=by, note=note)
        return record_revision(article, by=by, kind=kind, note=note)


def restore_revision(article: Article, revision: Revision, *, by) -> Article:
    """Bring back an earlier revision's words as a new draft (history is kept)."""
    if not can_edit(by, article) and not is_editor(by):
        raise PermissionDenied(_("You may not restore revisions of this story."))
    from .models import Byline, Section

    data = revision.data
    with transaction.atomic():
        before = article.status
        for field in REVISION_FIELDS:
            if field in data:
                setattr(article, field, data[field])
        article.section = Section.objects.filter(pk=data.get("section_id")).first()
        if before != Status.TAKEN_DOWN:
            article.status = Status.DRAFT
        article.save()
        article.tags.set(data.get("tags", []))
        article.bylines.all().delete()
        for position, contributor_id in enumerate(data.get("byline_ids", [])):
            Byline.objects.create(article=article, contributor_id=contributor_id, position=position)
        note = _("Restored revision %(number)d") % {"number": revision.number}
        record_revision(article, by=by, kind=Revision.Kind.RESTORE, note=note)
        log(article, "restore_revision", by=by, note=note, before=before)
    return article


# Preview links -------------------------------------------------------------


def create_preview_link(article: Article, *, by, valid_for: timedelta = timedelta(days=2)):
    """A signed link to an unpublished story for someone without an account."""
    if not is_editor(by):
        raise PermissionDenied(_("Only editors can share preview links."))
    if valid_for <= timedelta(0) or valid_for > PREVIEW_MAX_AGE:
        raise ValidationError(
            _("A preview link can last at most %(days)d days.") % {"days": PREVIEW_MAX_AGE.days},
            code="preview_too_long",
        )
    link = PreviewLink.objects.create(
        article=article, created_by=by, expires_at=timezone.now() + valid_for
    )
    until = timezone.localtime(link.expires_at).strftime("%Y-%m-%d %H:%M %Z")
    log(
        article,
        "preview_link",
        by=by,
        note=_("Preview link valid until %(until)s") % {"until": until},
    )
    return link


def preview_url(link: PreviewLink) -> str:
    token = signing.dumps({"link": link.pk, "article": link.article_id}, salt=PREVIEW_SALT)
    return reverse("articles:preview", kwargs={"token": token})


def article_for_preview(token: str) -> Article | None:
    """The story a preview token opens, or None if it is forged, expired or revoked."""
    try:
        data = signing.loads(token, salt=PREVIEW_SALT, max_age=PREVIEW_MAX_AGE)
    except signing.BadSignature:
        return None
    link = (
        PreviewLink.objects.select_related("article")
        .filter(pk=data.get("link"), article_id=data.get("article"))
        .first()
    )
    if link is None or not link.is_valid or link.article.status == Status.TAKEN_DOWN:
        return None
    return link.article


def revoke_preview_link(link: PreviewLink, *, by) -> None:
    if not is_editor(by):
        raise PermissionDenied(_("Only editors can revoke preview links."))
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        log(link.article, "preview_link_revoked", by=by)
