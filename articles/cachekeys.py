"""Which cached pages show what: the keys of readers' pages, and of each change.

Pages (``page_dependencies``, called by the page cache for every page it keeps):

- ``story:<pk>``: the story's own page (its text, corrections, tags, comments).
- list keys: ``home``, ``section:<slug>``, ``tag:<slug>``, ``contributor:<slug>``,
  ``archive:<yyyy>``, ``archive:<yyyy>-<mm>``, ``feed``, ``sitemap``, ``search``,
  ``corrections``: every page (and feed) of that list.
- display keys: ``person:<pk>`` on pages showing a contributor's byline,
  ``label:<pk>`` on story pages showing a tag's name.
- ``site`` is on every page (navigation): a section renamed retires all.

Changes (the receivers below): a story that is or was published retires its own
page and the lists it is or was on; a draft nobody can see retires nothing. An
approved comment retires its story's page only (``comments`` says so through
``invalidate_stories``), which the changing process renders anew first
(``pagecache.refresh``). Lists show comment counts, which may therefore lag:
list pages are kept at most ``PAGECACHE_LIST_SECONDS`` (a minute) — stated in
the README. Scheduled stories appear on time with no job: a list page is kept
no later than the next instant a story goes live or expires, a story page no
later than its own expiry. The editors' front-page pins (``frontpage``) retire
``home`` when made, moved or removed; the home page is kept no later than the
first shown pin's end.
"""

from datetime import datetime, timedelta
from urllib.parse import quote

from django.conf import settings
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.utils import timezone
from taggit.models import Tag, TaggedItem

from pagecache.invalidation import invalidate

from .models import Article, Byline, Contributor, Correction, FrontPagePin, Section

Status = Article.Status

LISTS_WITH_COUNTS = {
    "home",
    "section",
    "tag",
    "contributor",
    "search",
    "archive-year",
    "archive-month",
    "archive-day",
}


def _slug(slug):
    return quote(str(slug), safe="")


def story_key(pk):
    return f"story:{pk}"


def invalidate_stories(article_ids):
    """Retire the pages of these stories (their comments changed)."""
    invalidate((story_key(pk) for pk in article_ids), refresh=True)


# Pages ------------------------------------------------------------------------


def next_change(now):
    """The next instant a published story goes live or expires, or None (two indexed reads)."""
    published = Article.objects.filter(status=Status.PUBLISHED)
    instants = [
        published.filter(publish_at__gt=now)
        .order_by("publish_at")
        .values_list("publish_at", flat=True)[:1],
        published.filter(expire_at__gt=now)
        .order_by("expire_at")
        .values_list("expire_at", flat=True)[:1],
    ]
    return min((at for query in instants for at in query), default=None)


def _persons(articles):
    return {f"person:{c.pk}" for a in articles for c in a.byline_contributors}


def page_dependencies(request, response):
    """``(keys, until)`` of a page about to be cached: what it shows, and when it goes stale."""
    match = request.resolver_match
    name = match.url_name if match is not None and match.namespace == "articles" else None
    kwargs = match.kwargs if match is not None else {}
    context = getattr(response, "context_data", None) or {}
    now = timezone.now()
    if name == "detail" and context.get("article") is not None:
        article = context["article"]
        keys = {story_key(article.pk)} | _persons([article])
        keys |= {f"label:{tag.pk}" for tag in article.tags.all()}
        return keys, article.expire_at
    keys = set()
    if name == "home":
        keys.add("home")
    elif name in ("section", "section-feed", "section-feed-atom"):
        keys.add(f"section:{_slug(kwargs['slug'])}")
    elif name == "sitemap-section":
        keys.add(f"section:{_slug(kwargs['section'])}")
    elif name in ("tag", "tag-feed", "tag-feed-atom"):
        keys.add(f"tag:{_slug(kwargs['slug'])}")
    elif name == "contributor":
        keys.add(f"contributor:{_slug(kwargs['slug'])}")
    elif name in ("feed", "feed-atom"):
        keys.add("feed")
    elif name in ("sitemap", "news-sitemap"):
        keys.add("sitemap")
    elif name == "search":
        keys.add("search")
    elif name == "corrections":
        keys.add("corrections")
    elif name == "archive-year":
        keys.add(f"archive:{kwargs['year']}")
    elif name in ("archive-month", "archive-day"):
        keys.add(f"archive:{kwargs['year']}-{kwargs['month']}")
    else:
        return keys, None
    keys |= _persons(context.get("articles") or ())
    until = next_change(now)
    front_page = context.get("front_page")
    if front_page is not None and front_page.until:
        # The editors' pins: the page changes when the first shown one ends.
        until = min(until, front_page.until) if until else front_page.until
    if name in LISTS_WITH_COUNTS:
        lag = now + timedelta(seconds=settings.PAGECACHE_LIST_SECONDS)
        until = min(until, lag) if until else lag
    return keys, until


# Changes ----------------------------------------------------------------------


def lists_of(*, section_slug, publish_at, tag_slugs=(), contributor_slugs=()):
    """The list keys a published story with these traits appears on."""
    keys = {"home", "feed", "sitemap", "search"}
    if section_slug:
        keys.add(f"section:{_slug(section_slug)}")
    if isinstance(publish_at, datetime):
        local = timezone.localtime(publish_at)
        keys |= {f"archive:{local:%Y}", f"archive:{local:%Y-%m}"}
    keys |= {f"tag:{_slug(slug)}" for slug in tag_slugs}
    keys |= {f"contributor:{_slug(slug)}" for slug in contributor_slugs}
    return keys


def _state(article):
    """What decides where a story shows: read from the database (the row as saved)."""
    row = (
        Article.objects.filter(pk=article.pk)
        .values("status", "publish_at", "section__slug")
        .first()
    )
    return row


def story_keys(article, before=None):
    """Keys retired by a change to ``article``: none while it was never published."""
    published_now = article.status == Status.PUBLISHED
    published_before = before is not None and before["status"] == Status.PUBLISHED
    if not (published_now or published_before):
        return set()
    tags = list(article.tags.values_list("slug", flat=True)) if article.pk else []
    contributors = list(
        Byline.objects.filter(article_id=article.pk).values_list("contributor__slug", flat=True)
    )
    keys = {story_key(article.pk)}
    keys |= lists_of(
        section_slug=article.section.slug if article.section_id else None,
        publish_at=article.publish_at,
        tag_slugs=tags,
        contributor_slugs=contributors,
    )
    if before is not None:
        keys |= lists_of(section_slug=before["section__slug"], publish_at=before["publish_at"])
    return keys


def _remember_before(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        instance._cache_before = None
    else:
        instance._cache_before = _state(instance)


def _article_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    invalidate(story_keys(instance, getattr(instance, "_cache_before", None)))


def _article_deleted(sender, instance, **kwargs):
    # Before the delete: its tags and bylines still say which lists it is on.
    invalidate(story_keys(instance, _state(instance)))


def _part_changed(sender, instance, raw=False, **kwargs):
    """A byline or correction changed: its story, if published, and its lists."""
    if raw:
        return
    article = Article.objects.filter(pk=instance.article_id).first()
    if article is None:
        return
    keys = story_keys(article)
    if keys and sender is Correction:
        keys.add("corrections")
    if keys and sender is Byline:
        slug = (
            Contributor.objects.filter(pk=instance.contributor_id)
            .values_list("slug", flat=True)
            .first()
        )
        if slug:
            keys.add(f"contributor:{_slug(slug)}")
    invalidate(keys)


def _tagging_changed(sender, instance, raw=False, **kwargs):
    if raw or instance.content_type.model_class() is not Article:
        return
    article = Article.objects.filter(pk=instance.object_id).first()
    if article is not None and article.status == Status.PUBLISHED:
        invalidate({story_key(article.pk), f"tag:{_slug(instance.tag.slug)}"})


def _tags_set(sender, instance, action, pk_set=None, **kwargs):
    """``article.tags.add/remove/set``: its page and the tags' lists."""
    if action not in ("pre_clear", "post_add", "post_remove") or not isinstance(instance, Article):
        return
    if instance.status != Status.PUBLISHED:
        return
    tags = Tag.objects.filter(pk__in=pk_set or ()) if action != "pre_clear" else instance.tags
    slugs = tags.values_list("slug", flat=True)
    invalidate({story_key(instance.pk)} | {f"tag:{_slug(slug)}" for slug in slugs})


def _remember_slug(sender, instance, raw=False, **kwargs):
    instance._cache_old_slug = (
        None
        if raw or instance.pk is None
        else sender.objects.filter(pk=instance.pk).values_list("slug", flat=True).first()
    )


def _named_changed(sender, instance, raw=False, **kwargs):
    """A contributor or tag edited: its list, and every page showing its name."""
    if raw:
        return
    prefix, display = ("contributor", "person") if sender is Contributor else ("tag", "label")
    slugs = {instance.slug, getattr(instance, "_cache_old_slug", None)}
    invalidate({f"{display}:{instance.pk}"} | {f"{prefix}:{_slug(s)}" for s in slugs if s})


def _section_changed(sender, instance, raw=False, **kwargs):
    """Sections are the navigation of every page."""
    if not raw:
        invalidate({"site"})


def _front_page_changed(sender, instance, raw=False, **kwargs):
    """A pin made, moved or removed: the home page (``articles/frontpage.py``)."""
    if not raw:
        invalidate({"home"})


def connect():
    pre_save.connect(_remember_before, sender=Article, dispatch_uid="pagecache-article-before")
    post_save.connect(_article_saved, sender=Article, dispatch_uid="pagecache-article")
    pre_delete.connect(_article_deleted, sender=Article, dispatch_uid="pagecache-article-del")
    for model in (Byline, Correction):
        post_save.connect(_part_changed, sender=model, dispatch_uid=f"pagecache-{model.__name__}")
        post_delete.connect(
            _part_changed, sender=model, dispatch_uid=f"pagecache-{model.__name__}-del"
        )
    post_save.connect(_tagging_changed, sender=TaggedItem, dispatch_uid="pagecache-tagged")
    post_delete.connect(_tagging_changed, sender=TaggedItem, dispatch_uid="pagecache-tagged-del")
    m2m_changed.connect(_tags_set, sender=Article.tags.through, dispatch_uid="pagecache-tags")
    for model in (Contributor, Tag):
        pre_save.connect(
            _remember_slug, sender=model, dispatch_uid=f"pagecache-{model.__name__}-slug"
        )
        post_save.connect(_named_changed, sender=model, dispatch_uid=f"pagecache-{model.__name__}")
        post_delete.connect(
            _named_changed, sender=model, dispatch_uid=f"pagecache-{model.__name__}-del"
        )
    post_save.connect(_section_changed, sender=Section, dispatch_uid="pagecache-section")
    post_delete.connect(_section_changed, sender=Section, dispatch_uid="pagecache-section-del")
    post_save.connect(_front_page_changed, sender=FrontPagePin, dispatch_uid="pagecache-pin")
    post_delete.connect(_front_page_changed, sender=FrontPagePin, dispatch_uid="pagecache-pin-del")
