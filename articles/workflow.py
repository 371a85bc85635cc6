"""The editorial workflow's rules: its states and transitions, who may take which,
and what each refuses (the embargo, a story's end, missing inputs).

``publishing`` applies them: every change of a story's state goes through it, and
it asks these rules first. Nothing here changes a story.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Article, Revision

Status = Article.Status

PUBLISH_PERMISSION = "articles.publish_article"


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset
    target: str
    kind: str  # of the revision it records
    editors_only: bool = True


@dataclass(frozen=True)
class System:
    """A command, an ingest or a job acting on stories in its own name (``import_story``).

    It holds no person's permissions — "who may do this" is not asked of it — but
    everything else applies: the states a transition starts from, the embargo, the
    model's constraints, one revision per change, and the audit log, which names it.
    """

    name: str

    def __str__(self):
        return self.name


TRANSITIONS = {
    t.name: t
    for t in [
        Transition(
            "submit",
            gettext_lazy("Submit for review"),
            frozenset({Status.DRAFT}),
            Status.REVIEW,
            Revision.Kind.SUBMITTED,
            editors_only=False,
        ),
        Transition(
            "withdraw",
            gettext_lazy("Withdraw from review"),
            frozenset({Status.REVIEW}),
            Status.DRAFT,
            Revision.Kind.WITHDRAWN,
            editors_only=False,
        ),
        Transition(
            "send_back",
            gettext_lazy("Send back to draft"),
            frozenset({Status.REVIEW}),
            Status.DRAFT,
            Revision.Kind.SENT_BACK,
        ),
        Transition(
            "publish",
            gettext_lazy("Publish now"),
            frozenset({Status.DRAFT, Status.REVIEW, Status.UNPUBLISHED, Status.PUBLISHED}),
            Status.PUBLISHED,
            Revision.Kind.PUBLISHED,
        ),
        Transition(
            "schedule",
            gettext_lazy("Schedule"),
            frozenset({Status.DRAFT, Status.REVIEW, Status.UNPUBLISHED, Status.PUBLISHED}),
            Status.PUBLISHED,
            Revision.Kind.SCHEDULED,
        ),
        Transition(
            "unpublish",
            gettext_lazy("Unpublish"),
            frozenset({Status.PUBLISHED}),
            Status.UNPUBLISHED,
            Revision.Kind.UNPUBLISHED,
        ),
        Transition(
            "take_down",
            gettext_lazy("Take down"),
            frozenset(set(Status) - {Status.TAKEN_DOWN}),
            Status.TAKEN_DOWN,
            Revision.Kind.TAKEN_DOWN,
        ),
        Transition(
            "restore_draft",
            gettext_lazy("Return to draft"),
            frozenset({Status.UNPUBLISHED, Status.TAKEN_DOWN}),
            Status.DRAFT,
            Revision.Kind.RETURNED,
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
    if isinstance(user, System):
        return False
    return bool(user and user.is_active and user.has_perm(PUBLISH_PERMISSION))


def is_own(user, article: Article) -> bool:
    if isinstance(user, System) or not (user and user.is_authenticated) or article.pk is None:
        return False
    return (
        article.created_by_id == user.pk or article.bylines.filter(contributor__user=user).exists()
    )


def can_edit(user, article: Article) -> bool:
    """Editors edit any story; writers their own drafts (and stories sent back to them),
    and drafts nobody owns yet — copy a command or a feed brought in, which the first
    writer to save takes on (``claim``)."""
    if isinstance(user, System):
        return False
    if not (user and user.is_active and user.has_perm("articles.change_article")):
        return False
    if is_editor(user):
        return True
    if article.status != Status.DRAFT:
        return False
    return is_own(user, article) or is_unowned(article)


def is_unowned(article: Article) -> bool:
    """A story no person has created or is credited on (an import's, a feed's)."""
    return article.created_by_id is None and not article.bylines.exists()


def can(user, name: str, article: Article) -> bool:
    """May this user take this transition on this story now?"""
    transition = TRANSITIONS[name]
    if article.status not in transition.sources:
        return False
    if name in {"publish", "schedule"} and article.is_live:
        return False
    if isinstance(user, System):
        return True
    if transition.editors_only:
        return is_editor(user)
    if name == "withdraw":
        # The writer takes their own story back while it waits for an editor.
        return is_editor(user) or (
            bool(user and user.is_active and user.has_perm("articles.change_article"))
            and is_own(user, article)
        )
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


def _check_embargo(article: Article, at: datetime, field: str | None = None):
    if article.embargo_until and at < article.embargo_until:
        message = _(
            "This story is under embargo until %(until)s; it cannot go live before then. "
            "Schedule it for that time or later."
        ) % {"until": timezone.localtime(article.embargo_until).strftime("%Y-%m-%d %H:%M %Z")}
        error = ValidationError(message, code="embargoed")
        raise ValidationError({field: error}) if field else error


def _check_expiry(article: Article, at: datetime, field: str | None = None):
    """A story cannot go live at or after its end (a partner's rights window, an
    editor's expiry): say so, and how to go on, rather than fail on the constraint."""
    if article.expire_at and at >= article.expire_at:
        message = _(
            "This story's time on the site ends %(until)s, so it cannot go live then. "
            "Extend it first (its rights or expiry), or change “expire at”."
        ) % {"until": timezone.localtime(article.expire_at).strftime("%Y-%m-%d %H:%M %Z")}
        error = ValidationError(message, code="expired")
        raise ValidationError({field: error}) if field else error


def check_inputs(name: str, *, at: datetime | None = None, reason: str = "", now=None):
    """The transition's own inputs, checked before anything is saved.

    The one place these rules live: the story form, the bulk actions and the
    transition functions all ask it. Errors name the input they are about
    (``at``, ``reason``), so a form can show each beside its field.
    """
    now = now or timezone.now()
    if name == "schedule":
        if at is None:
            raise ValidationError(
                {"at": ValidationError(_("Choose when the story should go live."), code="required")}
            )
        if at <= now:
            raise ValidationError(
                {
                    "at": ValidationError(
                        _("Choose a time in the future to schedule the story, or publish it now."),
                        code="schedule_in_past",
                    )
                }
            )
    if name == "take_down" and not (reason or "").strip():
        raise ValidationError(
            {
                "reason": ValidationError(
                    _("Say why the story is being taken down; the audit log keeps the reason."),
                    code="reason_required",
                )
            }
        )


def check_new(name: str, article: Article, *, at: datetime | None = None, reason: str = ""):
    """``check`` for a story not saved yet: its inputs and embargo (who may and from which
    state are asked once it exists)."""
    check_inputs(name, at=at, reason=reason)
    if name == "publish":
        _check_embargo(article, timezone.now())
        _check_expiry(article, timezone.now())
    elif name == "schedule":
        _check_embargo(article, at, field="at")
        _check_expiry(article, at, field="at")


def check(user, name: str, article: Article, *, at: datetime | None = None, reason: str = ""):
    """Everything ``name`` would refuse for this story and these inputs, before any saving:
    the inputs, who may, the state, the embargo. Raises ValidationError or PermissionDenied."""
    check_inputs(name, at=at, reason=reason)
    _check(user, name, article)
    if name == "publish":
        _check_embargo(article, timezone.now())
        _check_expiry(article, timezone.now())
    elif name == "schedule":
        _check_embargo(article, at, field="at")
        _check_expiry(article, at, field="at")
