"""Sitemaps for search engines: ``/sitemap.xml`` (an index) and ``/news-sitemap.xml``.

``/sitemap.xml`` is a sitemap index naming one sitemap per kind of page — front page,
stories, sections, tags, contributors — each split in pages of 50,000 URLs as the
protocol requires. ``lastmod`` is the story's public "updated" time (else its
publication time); for a list page, the latest such time of the live stories it lists.

``/news-sitemap.xml`` follows Google's News sitemap format: stories published in the
last two days, at most 1,000, newest first.
"""

from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db.models import F, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe
from taggit.models import Tag

from . import seo
from .models import Article, Contributor, Section

NEWS_WINDOW = timedelta(days=2)
NEWS_LIMIT = 1000
SITEMAP_MAX_AGE = 900

# The story's public "updated" time, else its publication time (see seo.date_modified).
LAST_CHANGE = Greatest(F("publish_at"), Coalesce(F("modified_at"), F("publish_at")))


def latest_change(**filters):
    """The last public change among the live stories matching ``filters``, as a subquery."""
    return Subquery(
        Article.objects.live()
        .filter(**filters)
        .annotate(changed=LAST_CHANGE)
        .order_by("-changed")
        .values("changed")[:1]
    )


class SiteSitemap(Sitemap):
    """URLs on ``SITE_URL`` when it is set, else on the host the request came to."""

    def get_protocol(self, protocol=None):
        if settings.SITE_URL:
            return urlsplit(settings.SITE_URL).scheme
        return super().get_protocol(protocol)

    def get_domain(self, site=None):
        if settings.SITE_URL:
            return urlsplit(settings.SITE_URL).netloc
        return super().get_domain(site)

    def lastmod(self, item):
        return seo.instant(item.last_change)


class FrontPageSitemap(SiteSitemap):
    changefreq = "hourly"

    def items(self):
        return ["articles:home"]

    def location(self, item):
        return reverse(item)

    def lastmod(self, item):
        return seo.instant(
            Article.objects.live()
            .annotate(changed=LAST_CHANGE)
            .order_by("-changed")
            .values_list("changed", flat=True)
            .first()
        )


class StorySitemap(SiteSitemap):
    def items(self):
        return (
            Article.objects.live()
            .only("slug", "publish_at", "first_published_at", "modified_at")
            .order_by("-publish_at", "-pk")
        )

    def lastmod(self, item):
        return seo.instant(seo.date_modified(item))

    def get_latest_lastmod(self):
        latest = (
            Article.objects.live()
            .annotate(changed=LAST_CHANGE)
            .order_by("-changed")
            .values_list("changed", flat=True)
            .first()
        )
        return seo.instant(latest)


class SectionSitemap(SiteSitemap):
    def items(self):
        return Section.objects.annotate(last_change=latest_change(section=OuterRef("pk")))


def _last_changes(model, through):
    """``model`` rows that live stories point to (through ``through``), each with
    ``last_change``: one grouped pass over the live stories, not a subquery per row
    (which SQLite answers by reading every live story once per tag)."""
    changes = dict(
        Article.objects.live()
        .order_by()
        .values_list(through)
        .annotate(last=Max(LAST_CHANGE))
        .values_list(through, "last")
    )
    items = list(model.objects.filter(pk__in=[pk for pk in changes if pk]).order_by("name"))
    for item in items:
        item.last_change = changes[item.pk]
    return items


class TagSitemap(SiteSitemap):
    def items(self):
        # Only tags that live stories carry: the others have no page for readers. Kept for
        # the request: the index asks for the items to count them and again for lastmod.
        if not hasattr(self, "_found"):
            self._found = _last_changes(Tag, "tags")
        return self._found

    def location(self, item):
        return seo.tag_url(item)


class ContributorSitemap(SiteSitemap):
    def items(self):
        if not hasattr(self, "_found"):
            self._found = _last_changes(Contributor, "bylines__contributor")
        return self._found

    def location(self, item):
        return seo.contributor_url(item)


SITEMAPS = {
    "pages": FrontPageSitemap,
    "stories": StorySitemap,
    "sections": SectionSitemap,
    "tags": TagSitemap,
    "contributors": ContributorSitemap,
}


def _xml(request, template, context, last_modified=None):
    response = TemplateResponse(request, template, context, content_type="application/xml")
    if last_modified:
        response.headers["Last-Modified"] = http_date(last_modified.timestamp())
    return response


@require_safe
@cache_control(public=True, max_age=SITEMAP_MAX_AGE)
def index(request):
    """``/sitemap.xml``: the sitemap index, one entry per sitemap page."""
    entries = []
    for section, sitemap_class in SITEMAPS.items():
        sitemap = sitemap_class()
        url = seo.absolute_url(request, reverse("articles:sitemap-section", args=[section]))
        lastmod = sitemap.get_latest_lastmod()
        entries.append({"location": url, "lastmod": lastmod})
        for page in range(2, sitemap.paginator.num_pages + 1):
            entries.append({"location": f"{url}?p={page}", "lastmod": lastmod})
    return _xml(request, "articles/sitemap_index.xml", {"sitemaps": entries})


@require_safe
@cache_control(public=True, max_age=SITEMAP_MAX_AGE)
def section(request, section):
    """One sitemap of the index, e.g. ``/sitemap-stories.xml`` (``?p=2`` for more)."""
    if section not in SITEMAPS:
        raise Http404("No such sitemap.")
    sitemap = SITEMAPS[section]()
    try:
        urls = sitemap.get_urls(
            page=request.GET.get("p", 1), site=_RequestSite(request), protocol=request.scheme
        )
    except (EmptyPage, PageNotAnInteger) as error:
        raise Http404("No such sitemap page.") from error
    dates = [url["lastmod"] for url in urls if url.get("lastmod")]
    return _xml(request, "articles/sitemap.xml", {"urlset": urls}, max(dates, default=None))


class _RequestSite:
    def __init__(self, request):
        self.domain = self.name = request.get_host()


@require_safe
@cache_control(public=True, max_age=SITEMAP_MAX_AGE)
def news(request):
    """``/news-sitemap.xml``: Google News sitemap of the last two days' stories."""
    stories = list(
        Article.objects.live()
        .filter(publish_at__gte=timezone.now() - NEWS_WINDOW)
        .only("headline", "slug", "publish_at", "first_published_at", "modified_at")
        .order_by("-publish_at", "-pk")[:NEWS_LIMIT]
    )
    entries = [
        {
            "location": seo.absolute_url(request, story.get_absolute_url()),
            "published": seo.iso8601(seo.date_published(story)),
            "title": story.headline,
        }
        for story in stories
    ]
    last = max((seo.date_modified(story) for story in stories), default=None)
    return _xml(
        request,
        "articles/news_sitemap.xml",
        {
            "entries": entries,
            "publication_name": settings.SITE_NAME,
            "language": seo.language_code(),
        },
        last,
    )
