"""The readers' story lists (newest, a section's, a tag's, a contributor's) and the story
page's story, as queries compiled once per process (``newsroom.prepared``).

Building a list's queryset (``live()``, ``for_listing()``, its filter) and compiling it
cost a list page more CPU than the database spent answering it; here each list is built
once with markers, and a page only puts in the moment, the section (tag, contributor)
and its window. Each page is still ``for_listing()``: the same columns, the same
prefetched bylines and pictures, the same order.
"""

from collections import defaultdict

from django.db.models import prefetch_related_objects
from django.http import Http404
from django.utils import timezone
from taggit.models import Tag, TaggedItem

from newsroom.prepared import PreparedQuery

from .models import Article, Byline, Contributor, Section
from .querysets import lead_renditions

_moment = Article._meta.get_field("publish_at")


def _listed(now):
    return Article.objects.live(at=now).for_listing().prefetch_related(None)


NEWEST = PreparedQuery(_listed, now=_moment)
IN_SECTION = PreparedQuery(
    lambda now, section: _listed(now).in_section(section),
    now=_moment,
    section=Article._meta.get_field("section"),
)
# The content type is a value too: a test database's may be renumbered when it is flushed.
TAGGED = PreparedQuery(
    lambda now, tag, content_type: _listed(now).tagged(tag, content_type=content_type),
    now=_moment,
    tag=TaggedItem._meta.get_field("tag"),
    content_type=TaggedItem._meta.get_field("content_type"),
)
BY_CONTRIBUTOR = PreparedQuery(
    lambda now, contributor: _listed(now).filter(bylines__contributor=contributor),
    now=_moment,
    contributor=Byline._meta.get_field("contributor"),
)


def _bylines_of(count):
    names = [f"story{n}" for n in range(count)]
    key = Byline._meta.get_field("article")
    return PreparedQuery(
        lambda **stories: Byline.objects.select_related("contributor").filter(
            article__in=[stories[name] for name in names]
        ),
        **dict.fromkeys(names, key),
    )


# One compiled query per number of stories a page shows (twenty or so, a few more with
# front-page pins): the ``IN`` list has one place per story.
_BYLINES = {}


def prefetch_bylines(stories):
    """Each story's bylines with their contributors, in byline order, as
    ``prefetch_related("bylines")`` would leave them (``article.bylines.all()`` asks
    nothing more): one query, compiled once per number of stories."""
    stories = [
        story
        for story in stories
        if "bylines" not in getattr(story, "_prefetched_objects_cache", {})
    ]
    if not stories:
        return
    ids = sorted({story.pk for story in stories})
    query = _BYLINES.get(len(ids))
    if query is None:
        if len(_BYLINES) > 100:
            _BYLINES.clear()
        query = _BYLINES[len(ids)] = _bylines_of(len(ids))
    by_story = defaultdict(list)
    for byline in query.rows(**{f"story{n}": pk for n, pk in enumerate(ids)}):
        by_story[byline.article_id].append(byline)
    for story in stories:
        found = by_story.get(story.pk, [])
        for byline in found:
            byline._state.fields_cache["article"] = story
        # What Django's prefetching stores: a queryset whose rows are already read.
        bylines = Byline.objects.all()
        bylines._result_cache = found
        bylines._prefetch_done = True
        story.__dict__.setdefault("_prefetched_objects_cache", {})["bylines"] = bylines


def prefetch_for_cards(stories):
    """What a story card shows besides its row (``for_listing()``'s prefetches)."""
    prefetch_bylines(stories)
    prefetch_related_objects(stories, lead_renditions())


def prefetch_for_page(stories):
    """What a story page shows besides its row (``for_display()``'s prefetches)."""
    prefetch_bylines(stories)
    prefetch_related_objects(stories, "tags", lead_renditions())


class StoryList:
    """A list of live stories at one moment, newest first, for ``StoryPaginator``: each
    slice it takes is one prepared query, then the cards' prefetches."""

    model = Article

    def __init__(self, query, **values):
        self.query = query
        self.values = values
        self.now = timezone.now()

    def __getitem__(self, window):
        if not isinstance(window, slice) or window.step is not None or window.stop is None:
            raise TypeError("A story list is read a page at a time: list[start:stop].")
        stories = self.query.rows(
            window=(window.start or 0, window.stop), now=self.now, **self.values
        )
        prefetch_for_cards(stories)
        return stories


def _by_slug(model):
    return PreparedQuery(
        lambda slug: model.objects.filter(slug=slug)[:1], slug=model._meta.get_field("slug")
    )


_BY_SLUG = {model: _by_slug(model) for model in (Section, Tag, Contributor)}


def by_slug_or_404(model, slug):
    """The section, tag or contributor a list's address names (``get_object_or_404``)."""
    found = _BY_SLUG[model].first(slug=slug)
    if found is None:
        raise Http404(f"No {model._meta.verbose_name} is called that.")
    return found


LIVE_BY_SLUG = PreparedQuery(
    lambda now, slug: (
        Article.objects.live(at=now)
        .for_display()
        .prefetch_related(None)
        .filter(slug=slug)
        .order_by("pk")[:1]
    ),
    now=_moment,
    slug=Article._meta.get_field("slug"),
)


def live_story(slug):
    """The live story at this address, with what its page shows (``for_display()``)."""
    stories = LIVE_BY_SLUG.rows(now=timezone.now(), slug=slug)
    prefetch_for_page(stories)
    return stories[0] if stories else None
