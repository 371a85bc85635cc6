"""The editorial workflow: every change of a story's state goes through here.

The admin's buttons and bulk actions, the management commands and the tests
all call these functions, so the rules (who may do what, from which state,
respecting the embargo) hold whatever the path. Each transition is recorded in
the audit log (`ArticleEvent`) and keeps a revision. The rules themselves
(transitions, who may, what each refuses) are in ``workflow.py``.

States: draft → in review → published (now, or scheduled: a published story
whose ``publish_at`` is still ahead) → unpublished; any state → taken down.
"""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Article, ArticleEvent, Correction, Revision
from .notices import notify_sent_back
from .revisions import READER_FIELDS, REVISION_FIELDS, snapshot
from .workflow import (
    PUBLISH_PERMISSION,
    TRANSITIONS,
    System,
    Transition,
    allowed_transitions,
    can,
    can_edit,
    check,
    check_inputs,
    check_new,
    is_editor,
    is_own,
    is_unowned,
    state,
)

# The workflow's rules (workflow.py) are asked through here too, beside the changes.
__all__ = [
    "PUBLISH_PERMISSION",
    "READER_FIELDS",
    "TRANSITIONS",
    "System",
    "Transition",
    "allowed_transitions",
    "asks_kind_of_change",
    "can",
    "can_edit",
    "check",
    "check_inputs",
    "check_new",
    "claim",
    "create",
    "expiring",
    "extend_expiry",
    "is_editor",
    "is_own",
    "is_unowned",
    "log",
    "publish",
    "record_change",
    "record_revision",
    "restore_draft",
    "restore_revision",
    "schedule",
    "send_back",
    "snapshot",
    "state",
    "submit",
    "take_down",
    "transition",
    "unpublish",
    "update",
    "withdraw",
]

Status = Article.Status


def _who_name(by) -> str:
    """How a person or a system actor is named to people."""
    user, actor = _who(by)
    return actor or (user.get_full_name() or user.get_username() if user else "")


def _who(by):
    """(user, actor) to record: a person, or the name of a system actor."""
    if isinstance(by, System):
        return None, by.name
    return by, ""


def claim(article: Article, user) -> None:
    """A writer saving an unowned draft takes it on: it is theirs from now on."""
    if article.pk and not isinstance(user, System) and is_unowned(article):
        article.created_by = user


def log(article: Article, action: str, *, by, note: str = "", before: str | None = None):
    """An audit-log entry: what happened to the story, who (or which command) did it, and why."""
    user, actor = _who(by)
    return ArticleEvent.objects.create(
        article=article,
        action=action,
        from_status=article.status if before is None else before,
        to_status=article.status,
        by=user,
        actor=actor,
        note=note,
    )


def _apply(article, name, *, by, note="", **changes):
    """Change state, keep one revision and write the audit log, all or nothing."""
    transition = TRANSITIONS[name]
    with transaction.atomic():
        before = article.status
        for field, value in changes.items():
            setattr(article, field, value)
        article.status = transition.target
        article.full_clean(validate_unique=False)
        article.save()
        record_revision(article, by=by, kind=transition.kind, note=note or str(transition.label))
        log(article, name, by=by, note=note, before=before)
    return article


def submit(article: Article, *, by, note: str = "") -> Article:
    check(by, "submit", article)
    return _apply(article, "submit", by=by, note=note)


def withdraw(article: Article, *, by, note: str = "") -> Article:
    """The writer takes the story back from review to keep working on it."""
    check(by, "withdraw", article)
    return _apply(article, "withdraw", by=by, note=note)


def send_back(article: Article, *, by, note: str = "") -> Article:
    check(by, "send_back", article)
    article = _apply(article, "send_back", by=by, note=note)
    transaction.on_commit(lambda: notify_sent_back(article, note=note, who=_who_name(by)))
    return article


def publish(article: Article, *, by, note: str = "", at: datetime | None = None) -> Article:
    """Live now. ``at`` (system actors only: imported copy that was published elsewhere
    first) gives an earlier publication time."""
    check(by, "publish", article)
    now = timezone.now()
    if at is not None and not isinstance(by, System):
        raise PermissionDenied(_("Only imports may give a story an earlier publication time."))
    changes = {"publish_at": min(at, now) if at else now}
    if article.first_published_at is not None:
        # Republished: it keeps its first publication time; readers see it updated now.
        changes["modified_at"] = now
    return _apply(article, "publish", by=by, note=note, **changes)


def schedule(article: Article, *, by, at: datetime, note: str = "") -> Article:
    check(by, "schedule", article, at=at)
    note = note or _("Scheduled for %(at)s") % {
        "at": timezone.localtime(at).strftime("%Y-%m-%d %H:%M %Z")
    }
    return _apply(article, "schedule", by=by, note=note, publish_at=at)


def unpublish(article: Article, *, by, note: str = "") -> Article:
    check(by, "unpublish", article)
    return _apply(article, "unpublish", by=by, note=note)


def take_down(article: Article, *, by, reason: str) -> Article:
    check(by, "take_down", article, reason=reason)
    return _apply(article, "take_down", by=by, note=reason.strip(), takedown_reason=reason.strip())


def restore_draft(article: Article, *, by, note: str = "") -> Article:
    check(by, "restore_draft", article)
    return _apply(article, "restore_draft", by=by, note=note, takedown_reason="")


def transition(name: str, article: Article, *, by, note: str = "", at=None) -> Article:
    """Take transition ``name`` with the inputs a form collected (``note`` is the reason
    of a take-down, ``at`` the time of a schedule)."""
    if name == "take_down":
        return take_down(article, by=by, reason=note)
    if name == "schedule":
        return schedule(article, by=by, at=at, note=note)
    return globals()[name](article, by=by, note=note)


def create(article: Article, *, by, tags=(), contributors=(), note: str = "") -> Article:
    """A new story's first save, from a command or an ingest: the draft, its tags and
    byline, its first revision ("created") and the audit entry, all or nothing."""
    from .models import Byline

    user, _actor = _who(by)
    with transaction.atomic():
        article.status = Status.DRAFT
        if user is not None and article.created_by_id is None:
            article.created_by = user
        article.full_clean()
        article.save()
        if tags:
            article.tags.set(tags)
        for position, contributor in enumerate(contributors):
            Byline.objects.create(article=article, contributor=contributor, position=position)
        record_revision(article, by=by, kind=Revision.Kind.CREATED, note=note or _("Created"))
        log(article, "create", by=by, note=note)
    return article


def update(article: Article, *, by, note: str = "", **changes) -> Article:
    """Change a story's words or fields outside a transition (an ingest bringing the
    partner's new version of a draft): validated, saved, one revision, all or nothing."""
    with transaction.atomic():
        for field, value in changes.items():
            setattr(article, field, value)
        article.full_clean(validate_unique=False)
        article.save()
        record_revision(article, by=by, kind=Revision.Kind.EDIT, note=note)
        log(article, "edit", by=by, note=note)
    return article


def expiring(*, within, now=None):
    """Published stories that leave the site within ``within`` (a timedelta), soonest
    first: the desk's "expiring soon"."""
    now = now or timezone.now()
    return Article.objects.filter(
        status=Status.PUBLISHED, expire_at__gt=now, expire_at__lte=now + within
    ).order_by("expire_at", "pk")


def extend_expiry(article: Article, *, by, until: datetime | None, note: str) -> Article:
    """Keep a story on the site longer (``until`` None: with no end), saying why.

    Editors only; the note is required and goes in the audit log with the old and new
    times. A story whose time had run out comes back the moment it is extended.
    """
    if not isinstance(by, System) and not is_editor(by):
        raise PermissionDenied(_("Only editors may extend how long a story stays on the site."))
    note = (note or "").strip()
    if not note:
        raise ValidationError(
            {"note": _("Say why the story may stay longer (e.g. the partner's agreement).")},
            code="note_required",
        )
    now = timezone.now()
    if until is not None and until <= now:
        raise ValidationError({"until": _("The new end must be in the future.")}, code="past")
    if until is not None and article.expire_at is not None and until <= article.expire_at:
        raise ValidationError(
            {
                "until": _("The new end must be later than the current one (%(at)s).")
                % {"at": timezone.localtime(article.expire_at).strftime("%Y-%m-%d %H:%M")}
            },
            code="not_later",
        )
    before = article.expire_at
    with transaction.atomic():
        article.expire_at = until
        article.full_clean(validate_unique=False)
        article.save()

        def shown(value):
            return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else _("no end")

        detail = _("Expiry moved from %(before)s to %(after)s: %(note)s") % {
            "before": shown(before),
            "after": shown(until),
            "note": note,
        }
        record_revision(article, by=by, kind=Revision.Kind.EDIT, note=detail)
        log(article, "extend_expiry", by=by, note=detail)
    return article


# Revisions -----------------------------------------------------------------


def record_revision(article: Article, *, by, kind: str = Revision.Kind.EDIT, note: str = ""):
    """Keep a copy of the story as it is now: exactly one revision for each save."""
    user, actor = _who(by)
    number = (article.revisions.aggregate(n=Max("number"))["n"] or 0) + 1
    return Revision.objects.create(
        article=article,
        number=number,
        created_by=user,
        actor=actor,
        kind=kind,
        note=note,
        data=snapshot(article),
    )


def asks_kind_of_change(article: Article, changed, *, transition: str = "") -> bool:
    """Whether a save must say what kind of change it is: only when it changes what
    readers see (``changed``: names of ``READER_FIELDS``) of a story that is live now;
    never for a take-down or an unpublish, nor for a story not live yet."""
    if transition in {"take_down", "unpublish"} or article.pk is None or not article.is_live:
        return False
    return bool(set(changed) & set(READER_FIELDS))


def record_change(article: Article, *, by, kind: str, note: str = "") -> Revision:
    """After an edit: keep the revision and, for a live story, the public note.

    ``kind`` is what the editor said the change was. A typo fix leaves no public
    trace; an update, correction or clarification adds a dated public note and
    moves the story's public "Updated" time. A note is only ever added to a story
    readers can see, so it never carries a date before the story's first publication.
    """
    with transaction.atomic():
        if kind in Correction.Kind.values:
            now = timezone.now()
            if not article.is_live or (
                article.first_published_at and article.first_published_at > now
            ):
                kind = Revision.Kind.EDIT
            else:
                Correction.objects.create(
                    article=article, kind=kind, note=note, created_by=_who(by)[0], created_at=now
                )
                Article.objects.filter(pk=article.pk).update(modified_at=now)
                article.modified_at = now
                log(article, kind, by=by, note=note)
        return record_revision(article, by=by, kind=kind, note=note)


def restore_revision(
    article: Article, revision: Revision, *, by, kind: str = "", note: str = ""
) -> Article:
    """Bring back an earlier revision's words, keeping the history.

    A live story stays live: the restored text is published as a new revision, and
    what kind of change that is (typo fix, update, correction…) is asked like any
    edit's. Any other story comes back as a draft (a taken-down one stays down).
    """
    if not can_edit(by, article) and not is_editor(by):
        raise PermissionDenied(_("You may not restore revisions of this story."))
    from images.models import Picture

    from .models import Byline, Section

    data = revision.data
    live = article.is_live
    if live and kind in Correction.Kind.values and not note.strip():
        raise ValidationError(
            {"note": _("Write the note readers will see with this change.")},
            code="change_note_required",
        )
    with transaction.atomic():
        before = article.status
        for field in REVISION_FIELDS:
            if field in data:
                setattr(article, field, data[field])
        article.section = Section.objects.filter(pk=data.get("section_id")).first()
        if "lead_picture_id" in data:
            # Revisions from before the library name none; a picture deleted since is gone.
            article.lead_picture = Picture.objects.filter(pk=data["lead_picture_id"]).first()
        if before != Status.TAKEN_DOWN and not live:
            article.status = Status.DRAFT
        article.save()
        article.tags.set(data.get("tags", []))
        article.bylines.all().delete()
        for position, contributor_id in enumerate(data.get("byline_ids", [])):
            Byline.objects.create(article=article, contributor_id=contributor_id, position=position)
        restored = _("Restored revision %(number)d") % {"number": revision.number}
        if live and kind in Correction.Kind.values:
            now = timezone.now()
            Correction.objects.create(
                article=article,
                kind=kind,
                note=note.strip(),
                created_by=_who(by)[0],
                created_at=now,
            )
            Article.objects.filter(pk=article.pk).update(modified_at=now)
            article.modified_at = now
            log(article, kind, by=by, note=note.strip())
        full_note = f"{restored}: {note.strip()}" if note.strip() else restored
        record_revision(article, by=by, kind=Revision.Kind.RESTORE, note=full_note)
        log(article, "restore_revision", by=by, note=full_note, before=before)
    return article
