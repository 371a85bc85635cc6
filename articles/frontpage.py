"""The front page as the editors arrange it: a pinned lead story and ordered top stories.

Every pin, change and unpin goes through these functions (the admin's "Front page" calls
them too), so the rules hold whatever the path: only editors arrange the front page, only
a live story can be pinned, there is one lead, an end time lies ahead. Each change is
written to the story's audit log ("pinned" / "unpinned").

The home page asks ``current()``. A pin is shown while its story is live
(``Article.objects.live()``) and its end time has not come; otherwise the home page
falls back to the newest stories, with no job to run. Pins change page 1 only: it holds
the pinned stories *and* the newest ``per_page`` ones, so "older stories" starts where
it always did (``FrontPagePaginator``).
"""

from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from newsroom.prepared import PreparedQuery

from .lists import prefetch_for_cards
from .models import Article, FrontPagePin
from .pagination import StoryPage, StoryPaginator
from .publishing import is_editor, log

Slot = FrontPagePin.Slot

# ``change()``'s "leave this as it is".
KEEP = object()


@dataclass
class FrontPage:
    """What the editors' pins put on the home page at one instant.

    ``newest``: the newest live stories, newest first, when ``current()`` was asked for
    them (pinned ones included: they are fetched in the same query).
    """

    lead: Article | None = None
    top: list[Article] = field(default_factory=list)
    newest: list[Article] = field(default_factory=list)

    @property
    def pinned(self):
        return [self.lead, *self.top] if self.lead else list(self.top)

    @property
    def until(self) -> datetime | None:
        """When the first of the shown pins ends (the page changes then), or None."""
        ends = [a.front_page_pin.ends_at for a in self.pinned if a.front_page_pin.ends_at]
        return min(ends, default=None)


def _pin_of(article):
    """The pin fetched with ``article`` (``select_related``), or None."""
    try:
        return article.front_page_pin
    except FrontPagePin.DoesNotExist:
        return None


def current(now: datetime | None = None, *, newest: int = 0) -> FrontPage:
    """The pinned lead and top stories (in order) that readers see at ``now``.

    With ``newest``, the same query also brings that many of the newest live stories:
    the home page costs no query more for its pins. Their union is read through indexes
    either way: PostgreSQL runs ``id IN (newest … LIMIT n UNION ALL pinned ids)``;
    SQLite cannot LIMIT a part of a compound query, so there it is two ``IN`` subqueries
    OR-ed together (each a rowid lookup), as in ``views.section_blocks``.
    """
    now = now or timezone.now()
    query = _shown_stories.get(newest)
    if query is None:
        query = _shown_stories[newest] = PreparedQuery(
            partial(_shown_stories_at, newest=newest), now=Article._meta.get_field("publish_at")
        )
    stories = query.rows(now=now)
    # The cards' bylines and pictures, as ``for_listing()`` would prefetch them.
    prefetch_for_cards(stories)
    shown = [a for a in stories if _pin_of(a) is not None and a.front_page_pin.is_active(at=now)]
    lead = next((a for a in shown if a.front_page_pin.slot == Slot.LEAD), None)
    top = sorted(
        (a for a in shown if a.front_page_pin.slot == Slot.TOP),
        key=lambda a: (a.front_page_pin.position, a.front_page_pin.pk),
    )
    # Every one of the newest ``newest`` is in ``stories``, so they are its first rows.
    return FrontPage(lead=lead, top=top, newest=stories[:newest])


def _shown_stories_at(now, *, newest):
    live = Article.objects.live(at=now)
    # The pins whose story is live, each story looked up by its key.
    pinned = (
        FrontPagePin.objects.active(at=now)
        .filter(Exists(live.filter(pk=OuterRef("article_id"))))
        .order_by()
        .values("article_id")
    )
    wanted = Q(pk__in=pinned)
    if newest:
        latest = live.order_by("-publish_at", "-pk").values("pk")[:newest]
        if connection.features.supports_slicing_ordering_in_compound:
            wanted = Q(pk__in=latest.union(pinned, all=True))
        else:
            wanted |= Q(pk__in=latest)
    # Both parts are live stories already. Filtered by live() once more, the outer query
    # let SQLite's planner (without statistics, as a site's database is) walk the index
    # of every live story in the page's order and test each against the two lists:
    # 1.5 ms at 10,000 stories, growing with the archive, against 0.03 ms by the keys.
    return (
        Article.objects.for_listing()
        .prefetch_related(None)
        .filter(wanted)
        .select_related("front_page_pin")
    )


# The home page asks on every request, and building the query cost more than running it
# (newsroom.prepared): compiled once per process for each ``newest``.
_shown_stories = {}


def next_position() -> int:
    """The position after the last top story."""
    last = FrontPagePin.objects.filter(slot=Slot.TOP).aggregate(last=Max("position"))["last"]
    return 1 if last is None else last + 1


# Rules -------------------------------------------------------------------------


def _is_shown(pin, now):
    return pin.is_active(at=now) and Article.objects.live(at=now).filter(pk=pin.article_id).exists()


def _when(at):
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M %Z")


def validate(
    *, article=None, slot, ends_at, pin: FrontPagePin | None = None, now: datetime | None = None
):
    """Raise ``ValidationError`` (by field) if ``article`` may not be pinned so, or ``pin``
    (as stored) not changed to ``slot`` and ``ends_at``.

    A pin that is no longer shown (ended, or its story not live) is in nobody's way: it is
    replaced (see ``pin()``).
    """
    now = now or timezone.now()
    errors = {}
    if pin is None:
        if article is None:
            errors["article"] = ValidationError(
                _("Choose the story to put on the front page."), code="required"
            )
        elif not Article.objects.live(at=now).filter(pk=article.pk).exists():
            errors["article"] = ValidationError(
                _("Only a live story can go on the front page: “%(story)s” is %(state)s.")
                % {"story": article, "state": _describe(article, now)},
                code="not_live",
            )
        else:
            existing = FrontPagePin.objects.filter(article=article).first()
            if existing is not None and _is_shown(existing, now):
                errors["article"] = ValidationError(
                    _("“%(story)s” is already on the front page (%(place)s).")
                    % {"story": article, "place": _place(existing)},
                    code="already_pinned",
                )
    changed_end = pin is None or ends_at != pin.ends_at
    if ends_at is not None and changed_end and ends_at <= now:
        errors["ends_at"] = ValidationError(
            _("The end time has passed: choose a time in the future, or leave it empty."),
            code="ends_in_past",
        )
    if slot == Slot.LEAD and (pin is None or pin.slot != Slot.LEAD):
        lead = FrontPagePin.objects.filter(slot=Slot.LEAD).select_related("article").first()
        if lead is not None and _is_shown(lead, now):
            errors["slot"] = ValidationError(
                _(
                    "“%(story)s” is the lead story already. Unpin it or make it a top story "
                    "first: the front page has one lead."
                )
                % {"story": lead.article},
                code="second_lead",
            )
    if errors:
        raise ValidationError(errors)


def _describe(article, now):
    if article.status == Article.Status.DRAFT:
        return _("a draft")
    if article.status == Article.Status.PUBLISHED:
        if article.publish_at and article.publish_at > now:
            return _("scheduled, not yet live")
        return _("expired")
    return article.get_status_display().lower()


def _place(pin):
    if pin.slot == Slot.LEAD:
        place = _("the lead story")
    else:
        place = _("top story %(position)d") % {"position": pin.position}
    if pin.ends_at:
        place = _("%(place)s until %(until)s") % {"place": place, "until": _when(pin.ends_at)}
    return place


def _check_editor(user):
    if not is_editor(user):
        raise PermissionDenied(_("Only editors can arrange the front page."))


def _clear_stale(pins, *, by, now):
    """Remove pins no longer shown that stand in the way of a new one (audited)."""
    for stale in pins:
        if stale is not None and not _is_shown(stale, now):
            log(
                stale.article,
                "unpinned",
                by=by,
                note=_("Replaced: was %(place)s, no longer shown") % {"place": _place(stale)},
            )
            stale.delete()


def _saved(pin):
    """Save ``pin``; a race the checks could not see (a second lead) is a ValidationError."""
    try:
        with transaction.atomic():
            pin.save()
    except IntegrityError:
        raise ValidationError(
            _("Someone else changed the front page at the same moment; look again and retry."),
            code="conflict",
        ) from None
    return pin


# Changes -----------------------------------------------------------------------


def pin(
    article: Article,
    *,
    by,
    slot: str = Slot.TOP,
    position: int | None = None,
    ends_at: datetime | None = None,
) -> FrontPagePin:
    """Put a live story on the front page as its lead or as a top story (at ``position``,
    by default after the others), until ``ends_at`` if given."""
    _check_editor(by)
    now = timezone.now()
    with transaction.atomic():
        validate(article=article, slot=slot, ends_at=ends_at, now=now)
        blocking = [FrontPagePin.objects.select_related("article").filter(article=article).first()]
        if slot == Slot.LEAD:
            blocking.append(
                FrontPagePin.objects.select_related("article").filter(slot=Slot.LEAD).first()
            )
        _clear_stale({p.pk: p for p in blocking if p}.values(), by=by, now=now)
        if slot == Slot.LEAD:
            position = 0
        elif position is None:
            position = next_position()
        new = _saved(
            FrontPagePin(
                article=article, slot=slot, position=position, ends_at=ends_at, created_by=by
            )
        )
        log(article, "pinned", by=by, note=_("Pinned as %(place)s") % {"place": _place(new)})
    return new


def change(pin: FrontPagePin, *, by, slot=KEEP, position=KEEP, ends_at=KEEP) -> FrontPagePin:
    """Move a pin (lead ↔ top story, another position) or change its end time."""
    _check_editor(by)
    now = timezone.now()
    with transaction.atomic():
        stored = FrontPagePin.objects.select_for_update().select_related("article").get(pk=pin.pk)
        slot = stored.slot if slot is KEEP else slot
        position = stored.position if position is KEEP else position
        ends_at = stored.ends_at if ends_at is KEEP else ends_at
        validate(slot=slot, ends_at=ends_at, pin=stored, now=now)
        if slot == Slot.LEAD and stored.slot != Slot.LEAD:
            _clear_stale(
                [FrontPagePin.objects.select_related("article").filter(slot=Slot.LEAD).first()],
                by=by,
                now=now,
            )
            position = 0
        elif slot == Slot.TOP and stored.slot == Slot.LEAD and position == stored.position:
            position = next_position()
        if (slot, position, ends_at) == (stored.slot, stored.position, stored.ends_at):
            return stored
        pin.slot, pin.position, pin.ends_at = slot, position, ends_at
        pin.article = stored.article
        _saved(pin)
        log(
            stored.article,
            "pinned",
            by=by,
            note=_("Moved from %(before)s to %(after)s")
            % {"before": _place(stored), "after": _place(pin)},
        )
    return pin


def reorder(pins, *, by) -> list[FrontPagePin]:
    """Number these top stories 1, 2, 3… in the order given (each move audited)."""
    _check_editor(by)
    pins = list(pins)
    if any(p.slot != Slot.TOP for p in pins):
        raise ValidationError(_("Only top stories are put in order."), code="not_top_story")
    with transaction.atomic():
        return [change(p, by=by, position=n) for n, p in enumerate(pins, 1)]


def unpin(pin: FrontPagePin, *, by) -> None:
    """Take a story off the front page (it stays where newest-first puts it)."""
    _check_editor(by)
    with transaction.atomic():
        log(pin.article, "unpinned", by=by, note=_("Was %(place)s") % {"place": _place(pin)})
        pin.delete()


# The home page's pages ---------------------------------------------------------


class FrontPagePaginator(StoryPaginator):
    """Page 1 as the editors arranged it; later pages newest first, as on every list.

    Page 1: the pinned lead (else the newest story), the pinned top stories in order, then
    the rest of the ``per_page`` newest without repeating a pinned one. Its stories carry
    ``lead``, ``top_stories``, ``latest`` and ``front_page`` for the template and the page
    cache (``cachekeys``: a pin's end bounds how long the page is kept).
    """

    def page(self, number):
        number = self.validate_number(number)
        if number != 1:
            return super().page(number)
        front = current(newest=self.per_page + 1)
        pinned = {a.pk for a in front.pinned}
        latest = [a for a in front.newest[: self.per_page] if a.pk not in pinned]
        top = list(front.top)
        lead = front.lead or (latest.pop(0) if latest else top.pop(0) if top else None)
        stories = [lead, *top, *latest] if lead else []
        page = StoryPage(stories, 1, self, has_next=len(front.newest) > self.per_page)
        page.lead, page.top_stories, page.latest, page.front_page = lead, top, latest, front
        return page
