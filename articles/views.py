"""The reader's site: lists of live stories, the story page, search and the error pages.

Every list starts from ``Article.objects.live()``; templates get everything they show
fetched up front (see the ``assertNumQueries`` tests in ``articles/tests/test_pages.py``).
"""

import datetime
from functools import partial

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Q, Subquery
from django.http import Http404, HttpResponse, HttpResponseServerError
from django.template import loader
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.dates import MONTHS
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe
from django.views.generic import (
    DayArchiveView,
    DetailView,
    ListView,
    MonthArchiveView,
    YearArchiveView,
)
from taggit.models import Tag

from newsroom.prepared import PreparedQuery

from . import attribution, lists, seo
from . import search as story_search
from .frontpage import FrontPagePaginator
from .models import Article, Contributor, Correction, Section
from .pagination import StoryPaginationMixin

STORIES_PER_PAGE = 20
SECTION_BLOCK_SIZE = 4


class LiveArticleListView(StoryPaginationMixin, ListView):
    """A list of live stories, newest first, in uncounted pages (see ``pagination``)."""

    paginate_by = STORIES_PER_PAGE
    context_object_name = "articles"
    # A page that lists nothing at all is a 404 (a tag used only by drafts must not
    # reveal itself); decided from page 1 being empty, so it costs no extra query.
    empty_is_404 = False

    def get_queryset(self):
        return lists.StoryList(lists.NEWEST)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = context.get("page_obj")
        if self.empty_is_404 and page is not None and not page.object_list:
            raise Http404("Nothing published here.")
        return context


class HomeView(LiveArticleListView):
    """The front page: the lead story, the top stories, the latest, then a block per
    section (page 1). Editors pin the lead and the top stories (``frontpage``); without
    pins the newest story leads. Later pages list the older stories, newest first."""

    template_name = "articles/home.html"
    paginator_class = FrontPagePaginator

    def get_context_data(self, **kwargs):
        context = super().get_context_data(
            meta_title=settings.SITE_NAME,
            meta_description=f"The latest news from {settings.SITE_NAME}.",
            **kwargs,
        )
        page = context["page_obj"]
        context["section_blocks"] = section_blocks() if page.number == 1 else []
        context["top_stories"] = getattr(page, "top_stories", [])
        context["latest"] = getattr(page, "latest", [])
        context["front_page"] = getattr(page, "front_page", None)
        return context


def section_blocks(size=SECTION_BLOCK_SIZE):
    """The newest ``size`` live stories of every section, in navigation order: one query.

    Each section's stories come from its own LIMITed, index-ordered query, so the cost is
    ``size`` rows per section whatever the size of the archive (no window over the table).
    PostgreSQL runs them as one ``UNION ALL``; SQLite cannot LIMIT the parts of a compound
    query, so there they are ``pk IN (…)`` subqueries OR-ed together (each a rowid lookup).
    """
    sections = Section.cached_navigation()
    if not sections:
        return []
    stories = _blocks_query(tuple(s.pk for s in sections), size).rows(now=timezone.now())
    by_section = {}
    for story in stories:
        by_section.setdefault(story.section_id, []).append(story)
    blocks = []
    for section in sections:
        articles = sorted(
            by_section.get(section.pk, ()), key=lambda a: (a.publish_at, a.pk), reverse=True
        )
        if articles:
            for article in articles:
                article.section = section
            blocks.append({"section": section, "articles": articles})
    return blocks


# Building those querysets costs several times what the database spends running them, and
# only "now" changes from one request to the next: each process compiles the query once
# per navigation and size (newsroom.prepared).
_compiled_blocks = {}


def _blocks_query(section_ids, size):
    key = (section_ids, size)
    query = _compiled_blocks.get(key)
    if query is None:
        if len(_compiled_blocks) > 64:
            _compiled_blocks.clear()
        query = _compiled_blocks[key] = PreparedQuery(
            partial(_newest_of_sections, section_ids, size),
            now=Article._meta.get_field("publish_at"),
        )
    return query


def _newest_of_sections(section_ids, size, now):
    live = Article.objects.live(at=now)

    def newest(section_id):
        return live.filter(section_id=section_id).order_by("-publish_at", "-pk")

    fields = ("headline", "slug", "publish_at", "section")
    if connection.features.supports_slicing_ordering_in_compound:
        parts = [newest(section_id).only(*fields)[:size] for section_id in section_ids]
        return parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    wanted = Q()
    for section_id in section_ids:
        wanted |= Q(pk__in=Subquery(newest(section_id).values("pk")[:size]))
    return Article.objects.filter(wanted).only(*fields).order_by()


class SectionView(LiveArticleListView):
    template_name = "articles/section.html"

    def get_queryset(self):
        self.section = lists.by_slug_or_404(Section, self.kwargs["slug"])
        return lists.StoryList(lists.IN_SECTION, section=self.section.pk)

    def get_context_data(self, **kwargs):
        section = self.section
        return super().get_context_data(
            section=section,
            current_section_slug=section.slug,
            meta_title=f"{section.name} — {settings.SITE_NAME}",
            meta_description=section.description
            or f"The latest {section.name} stories from {settings.SITE_NAME}.",
            **kwargs,
        )


class TagView(LiveArticleListView):
    template_name = "articles/tag.html"
    empty_is_404 = True

    def get_queryset(self):
        self.tag = lists.by_slug_or_404(Tag, self.kwargs["slug"])
        stories = ContentType.objects.get_for_model(Article)
        return lists.tagged(self.tag.pk, stories.pk)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            tag=self.tag,
            meta_title=f"Stories tagged “{self.tag.name}” — {settings.SITE_NAME}",
            meta_description=f"Stories tagged “{self.tag.name}” from {settings.SITE_NAME}.",
            **kwargs,
        )


class ContributorView(LiveArticleListView):
    """A contributor's page: name, bio and their live stories (404 until they have one)."""

    template_name = "articles/contributor.html"
    empty_is_404 = True

    def get_queryset(self):
        self.contributor = lists.by_slug_or_404(Contributor, self.kwargs["slug"])
        return lists.by_contributor(self.contributor.pk)

    def get_context_data(self, **kwargs):
        contributor = self.contributor
        return super().get_context_data(
            contributor=contributor,
            meta_title=f"{contributor.name} — {settings.SITE_NAME}",
            meta_description=Truncator(contributor.bio).chars(300)
            or f"Stories by {contributor.name} for {settings.SITE_NAME}.",
            **kwargs,
        )


class SearchView(ListView):
    """``/search/?q=``: full-text search on PostgreSQL, a plain fallback on SQLite.

    Search keeps Django's counting paginator: it counts the ranked matches (at most
    ``search.MAX_RESULTS``), not the archive.
    """

    template_name = "articles/search.html"
    paginate_by = STORIES_PER_PAGE
    context_object_name = "articles"

    def get_queryset(self):
        self.query = story_search.clean_query(self.request.GET.get("q"))
        return story_search.results(self.query)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(
            query=self.query,
            full_text=story_search.full_text_available(),
            max_results=story_search.MAX_RESULTS,
            **kwargs,
        )
        for article in context["articles"]:
            article.snippet = story_search.snippet(article, self.query)
        return context


class LiveArchiveMixin(StoryPaginationMixin):
    """Date archives of live stories: ``/2026/``, ``/2026/11/``, ``/2026/11/25/``.

    Pages are uncounted like every story list: an archive's period may hold a great many.
    """

    date_field = "publish_at"
    month_format = "%m"
    day_format = "%d"
    paginate_by = STORIES_PER_PAGE
    context_object_name = "articles"
    ordering = ["-publish_at", "-pk"]
    # Empty periods are a 404, decided from page 1 being empty (see below) rather
    # than by Django's extra "exists" query.
    allow_empty = True
    allow_future = False

    def get(self, request, *args, **kwargs):
        # The period's end bounds the query: past /9999/12/31/ (or, in a time zone
        # ahead of UTC, before /0001/01/01/ in UTC) no date exists, and no story either.
        try:
            return super().get(request, *args, **kwargs)
        except OverflowError:
            raise Http404("No stories were published then.") from None

    # Neighbouring periods are never linked (an empty one would be a 404), and
    # working them out steps outside the calendar at /0001/01/01/: skip them.
    def get_next_day(self, date):
        return None

    get_previous_day = get_next_month = get_previous_month = get_next_day
    get_next_year = get_previous_year = get_next_day

    def get_queryset(self):
        return Article.objects.live().for_listing()

    def get_date_list(self, queryset, date_type=None, ordering="ASC"):
        # The months (or days) that have stories, from one probe each: Django's own list
        # reads every story of the period. Only year and month archives list periods.
        within = datetime.date(int(self.get_year()), int(self.kwargs.get("month", 1)), 1)
        return queryset.periods_with_stories(date_type or self.get_date_list_period(), within)

    template_name = "articles/archive.html"
    period_format = "Y"  # how the archive's period is named, in ``date`` filter format

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if not context["page_obj"].object_list:
            raise Http404("No stories were published then.")
        start = self.period_start(context)
        period = date_format(start, self.period_format)
        context.update(
            period=period,
            period_start=start,
            period_links=self.period_links(context.get("date_list") or ()),
            meta_title=f"Stories from {period} — {settings.SITE_NAME}",
            meta_description=f"Stories {settings.SITE_NAME} published in {period}.",
        )
        return context

    def period_links(self, dates):
        """The year's months or the month's days that have stories, as (address, name):
        "April" → /2026/04/, "4 April" → /2026/04/04/. Built here, with remembered reverse()
        (``seo.path``): a month's page lists up to 31, and through the template engine each
        cost a ``{% url %}`` and four ``date`` filters."""
        links = []
        for moment in dates:
            local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
            year, month = f"{local.year:04d}", f"{local.month:02d}"
            if self.archive == "year":
                links.append(
                    (seo.path("articles:archive-month", year, month), str(MONTHS[local.month]))
                )
            else:
                address = seo.path("articles:archive-day", year, month, f"{local.day:02d}")
                links.append((address, f"{local.day} {MONTHS[local.month]}"))
        return links


class YearArchiveView(LiveArchiveMixin, YearArchiveView):
    make_object_list = True
    archive = "year"

    def period_start(self, context):
        return context["year"]


class MonthArchiveView(LiveArchiveMixin, MonthArchiveView):
    period_format = "F Y"
    archive = "month"

    def period_start(self, context):
        return context["month"]


class DayArchiveView(LiveArchiveMixin, DayArchiveView):
    period_format = "j F Y"
    archive = "day"

    def period_start(self, context):
        return context["day"]


class ArticleDetailView(DetailView):
    """A live story for everyone; any other story only for staff, as a preview.

    The session is consulted only when the story is not live, so a live story
    page served to an anonymous reader carries nothing per visitor. A story that
    was taken down answers 410 Gone to everyone else.
    """

    context_object_name = "article"

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except StoryGone as error:
            return gone(request, expired_at=error.expired_at, based_on=error.based_on)

    def get_object(self, queryset=None):
        slug = self.kwargs["slug"]
        article = lists.live_story(slug)
        if article is not None:
            self.preview = False
            return article
        user = self.request.user
        if user.is_active and user.is_staff and user.has_perm("articles.view_article"):
            article = Article.objects.for_display().filter(slug=slug).first()
            if article is not None:
                self.preview = True
                return article
        found = Article.objects.select_related(*attribution.related()).filter(slug=slug).first()
        if found is not None:
            if found.status == Article.Status.TAKEN_DOWN:
                raise StoryGone
            expire_at = found.expire_at
            if (
                found.status == Article.Status.PUBLISHED
                and expire_at
                and expire_at <= timezone.now()
            ):
                # Its time ran out (a partner's rights window, an editor's expiry):
                # by the same rule as ``live()``, with no job.
                raise StoryGone(expired_at=expire_at, based_on=attribution.of(found))
        raise Http404("No story at this address.")

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | story_context(self.object, preview=self.preview)

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if self.preview:
            patch_cache_control(response, private=True, no_cache=True, no_store=True, max_age=0)
        return response


def story_context(article, *, preview, **extra):
    """Everything the story page shows besides the story itself, for every route that
    renders it: the story view, a preview link, a comment form sent back to the reader.

    ``article`` comes from ``Article.objects.for_display()``. Corrections and updates
    are public notes; a story carries them only once it has a public "updated" time,
    so most story pages need no query for them.
    """
    corrections = list(article.corrections.all()) if article.modified_at else []
    return {
        "article": article,
        "object": article,
        "preview": preview,
        "corrections": corrections,
        "attribution": attribution.of(article),
        **extra,
    }


class StoryGone(Exception):
    """The story at this address was taken down, or its time on the site ran out."""

    def __init__(self, expired_at=None, based_on=None):
        super().__init__()
        self.expired_at = expired_at
        self.based_on = based_on


def gone(request, *, expired_at=None, based_on=None):
    """410 Gone in the site's design: the story at this address was removed, or was
    only to be shown until ``expired_at`` (another organisation's story, ``based_on``)."""
    context = {"expired_at": expired_at, "attribution": based_on}
    return TemplateResponse(request, "410.html", context, status=410)


def server_error(request):
    """The 500 page in the site's design, rendered without touching the database."""
    try:
        body = loader.render_to_string("500.html", {"SITE_NAME": settings.SITE_NAME})
    except Exception:  # noqa: BLE001 - the error page itself must never fail
        body = "<!DOCTYPE html><title>Server error</title><h1>Something went wrong</h1>"
    return HttpResponseServerError(body)


@require_safe
@cache_control(public=True, max_age=3600)
def robots_txt(request):
    """Crawlers may read everything public; the sitemaps are named in full."""
    lines = [
        "User-agent: *",
        f"Disallow: {reverse('admin:index')}",
        f"Disallow: {reverse('articles:search')}",
        "Disallow: /comments/",
        "",
        f"Sitemap: {seo.absolute_url(request, reverse('articles:sitemap'))}",
        f"Sitemap: {seo.absolute_url(request, reverse('articles:news-sitemap'))}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


class CorrectionsView(ListView):
    """Every public update, correction and clarification, newest first."""

    template_name = "articles/corrections.html"
    context_object_name = "corrections"
    paginate_by = 50

    def get_queryset(self):
        return Correction.objects.public().select_related("article").order_by("-created_at", "-pk")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            meta_title=f"Corrections — {settings.SITE_NAME}",
            meta_description=f"Corrections, clarifications and updates to stories in {settings.SITE_NAME}.",
            **kwargs,
        )


def preview(request, token):
    """An unpublished story, through a signed preview link an editor shared."""
    from django.shortcuts import render

    from . import previews

    article, why = previews.open_preview(token)
    if why == "unknown":
        raise Http404("This preview link is not one this site made: check it was copied whole.")
    if article is None:
        # A real link that no longer opens: say why, and that it will not come back.
        response = render(request, "articles/preview_closed.html", {"why": why}, status=410)
        patch_cache_control(response, private=True, no_cache=True, no_store=True, max_age=0)
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response
    article = Article.objects.for_display().get(pk=article.pk)
    response = render(request, "articles/article_detail.html", story_context(article, preview=True))
    patch_cache_control(response, private=True, no_cache=True, no_store=True, max_age=0)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
