"""The wire desk in the admin: sources and their feeds, the Incoming queue, and the
"Source" part of every story's form."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from articles import desk, diffs
from articles.admin import ArticleAdmin
from articles.models import Article

from . import ingest
from .models import Feed, IncomingStory, Provenance, Source
from .storyform import SourceFields


def _when(value):
    return date_format(timezone.localtime(value), "j M Y, H:i") if value else "—"


def partner_diff(provenance):
    """The partner's latest version against the one before it, as the revisions'
    word diff shows it: rows of (field, diff)."""
    return diffs.compare(provenance.previous_partner_copy or {}, provenance.partner_copy or {})


def partner_changes_html(provenance):
    """On the story's form: what the partner changed, and for a published story the
    alert that it was not applied, with a button to mark it seen."""
    if provenance.partner_changed_at:
        return format_html(
            '<div class="partner-changed" role="alert"><p><strong>{}</strong></p>{}<p>'
            '<button type="submit" class="button" formaction="{}" formnovalidate>{}</button>'
            "</p></div>",
            _(
                "%(source)s changed this story on %(when)s after it was published here. "
                "Ours was not changed: compare and edit it if needed."
            )
            % {"source": provenance.source, "when": _when(provenance.partner_changed_at)},
            render_diff(provenance),
            reverse("admin:wire_incomingstory_seen", args=[provenance.pk]),
            _("Mark the partner's change as seen"),
        )
    if provenance.previous_partner_copy:
        return format_html(
            '<div class="partner-updated"><p>{}</p>{}</div>',
            _("%(source)s updated its story on %(when)s; this draft was updated with it:")
            % {"source": provenance.source, "when": _when(provenance.partner_updated_at)},
            render_diff(provenance),
        )
    if provenance.received_at:
        return _("None since it arrived (%(when)s).") % {"when": _when(provenance.received_at)}
    return "—"


def render_diff(provenance):
    rows = partner_diff(provenance)
    if not rows:
        return ""
    return format_html(
        '<dl class="partner-diff">{}</dl>',
        format_html_join("", "<dt>{}</dt><dd>{}</dd>", rows),
    )


class FeedInline(admin.TabularInline):
    model = Feed
    extra = 0
    fields = ["url", "active", "status", "checked_at", "succeeded_at", "summary"]
    readonly_fields = ["status", "checked_at", "succeeded_at", "summary"]

    @admin.display(description=_("last poll"))
    def status(self, feed):
        if feed.outcome == Feed.Outcome.FAILED:
            return format_html(
                '<strong class="feed-failed">{}</strong> {}<br><span class="feed-error">{}</span>',
                _("Failed"),
                ngettext("(%(n)d time in a row)", "(%(n)d times in a row)", feed.failures)
                % {"n": feed.failures},
                feed.error,
            )
        return feed.get_outcome_display() or _("not polled yet")


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "site_url",
        "rights",
        "canonical_to_original",
        "feed_health",
        "story_count",
    ]
    search_fields = ["name", "domain", "site_url"]
    inlines = [FeedInline]
    fields = ["name", "site_url", "licence", "rights_days", "canonical_to_original"]
    actions = ["poll_now"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("feeds")

    @admin.display(description=_("rights window"))
    def rights(self, source):
        if source.rights_days is None:
            return _("no limit")
        return ngettext("%(n)d day", "%(n)d days", source.rights_days) % {"n": source.rights_days}

    @admin.display(description=_("feeds"))
    def feed_health(self, source):
        feeds = list(source.feeds.all())
        if not feeds:
            return "—"
        failing = [feed for feed in feeds if feed.outcome == Feed.Outcome.FAILED]
        if failing:
            return format_html(
                '<strong class="feed-failed">{}</strong>',
                ngettext("%(n)d of %(total)d failing", "%(n)d of %(total)d failing", len(failing))
                % {"n": len(failing), "total": len(feeds)},
            )
        return ngettext("%(n)d feed, all well", "%(n)d feeds, all well", len(feeds)) % {
            "n": len(feeds)
        }

    @admin.display(description=_("stories"))
    def story_count(self, source):
        return source.stories.count()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        source = self.get_object(request, object_id)
        if source is not None and request.method == "GET":
            for feed in source.feeds.filter(outcome=Feed.Outcome.FAILED):
                messages.warning(
                    request,
                    _("The feed %(url)s failed when last polled (%(when)s): %(error)s")
                    % {"url": feed.url, "when": _when(feed.checked_at), "error": feed.error},
                )
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description=_("Poll the selected sources' feeds now"), permissions=["change"])
    def poll_now(self, request, queryset):
        from .polling import poll

        for feed in Feed.objects.filter(source__in=queryset, active=True).select_related("source"):
            result = poll(feed)
            level = messages.ERROR if result.error else messages.SUCCESS
            messages.add_message(request, level, f"{feed.url}: {result}")


ArticleAdmin.add_form_extension(SourceFields())


class IncomingStateFilter(admin.SimpleListFilter):
    title = _("what to do")
    parameter_name = "todo"

    def lookups(self, request, model_admin):
        return [
            ("new", _("Not reviewed yet (draft)")),
            ("review", _("In review")),
            ("changed", _("Changed by the partner after publication")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "new":
            return queryset.filter(status=Article.Status.DRAFT)
        if value == "review":
            return queryset.filter(status=Article.Status.REVIEW)
        if value == "changed":
            return queryset.filter(provenance__partner_changed_at__isnull=False)
        return queryset


@admin.register(IncomingStory)
class IncomingStoryAdmin(admin.ModelAdmin):
    """Partner copy waiting for an editor. Each row opens the story's own form, where
    it is reviewed, rewritten and published through the normal workflow."""

    list_display = ["title", "source", "received", "partner_updated", "state", "original"]
    list_display_links = None
    list_filter = [IncomingStateFilter, "provenance__source"]
    search_fields = ["headline", "summary", "provenance__guid", "provenance__original_url"]
    ordering = ["-provenance__received_at", "-pk"]

    def get_queryset(self, request):
        return (
            IncomingStory.objects.incoming()
            .select_related("provenance__source", "provenance__feed")
            .defer("body")
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # the story's own form is where it changes

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("wire.view_incomingstory") or request.user.has_perm(
            "articles.change_article"
        )

    def get_urls(self):
        from django.urls import path

        return [
            path(
                "<int:pk>/seen/",
                self.admin_site.admin_view(self.seen_view),
                name="wire_incomingstory_seen",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "title": _("Incoming: partner copy to review"),
        }
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        from django.shortcuts import redirect

        return redirect("admin:articles_article_change", object_id)

    def seen_view(self, request, pk):
        from django.http import HttpResponseNotAllowed
        from django.shortcuts import get_object_or_404, redirect

        provenance = get_object_or_404(Provenance, pk=pk)
        if not request.user.has_perm("articles.change_article"):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        ingest.acknowledge(provenance, by=request.user)
        messages.success(
            request,
            _("The partner's change to “%(story)s” is marked as seen.")
            % {"story": provenance.article},
        )
        return redirect("admin:articles_article_change", provenance.article_id)

    @admin.display(description=_("story"), ordering="headline")
    def title(self, story):
        change = reverse("admin:articles_article_change", args=[story.pk])
        provenance = story.provenance
        flag = ""
        if provenance.partner_changed_at:
            flag = format_html(
                ' <strong class="partner-changed">{}</strong>', _("changed by the partner")
            )
        elif provenance.previous_partner_copy:
            flag = format_html(
                ' <span class="partner-updated">{}</span>', _("updated by the partner")
            )
        return format_html('<a href="{}">{}</a>{}', change, story.headline, flag)

    @admin.display(description=_("source"), ordering="provenance__source__name")
    def source(self, story):
        return story.provenance.source

    @admin.display(description=_("received"), ordering="provenance__received_at")
    def received(self, story):
        return _when(story.provenance.received_at)

    @admin.display(description=_("partner's last change"))
    def partner_updated(self, story):
        return _when(story.provenance.partner_updated_at)

    @admin.display(description=_("state"))
    def state(self, story):
        return ArticleAdmin.state(None, story)

    @admin.display(description=_("original"))
    def original(self, story):
        url = story.provenance.original_url
        return (
            format_html('<a href="{}" rel="noopener" target="_blank">{}</a>', url, _("open"))
            if url
            else "—"
        )


def incoming_panel(user):
    """The desk's "Incoming" panel: partner copy waiting, newest first."""
    from articles.desk import DeskItem, DeskPanel

    if not user.has_perm("articles.change_article"):
        return None
    waiting = IncomingStory.objects.incoming().select_related("provenance__source")
    stories = list(waiting.order_by("-provenance__received_at", "-pk")[:DESK_LIMIT])
    items = []
    for story in stories:
        provenance = story.provenance
        note = f"{provenance.source}, {_when(provenance.received_at)}"
        if provenance.partner_changed_at:
            note += " — " + str(_("changed by the partner"))
        items.append(
            DeskItem(
                story.headline, reverse("admin:articles_article_change", args=[story.pk]), note
            )
        )
    return DeskPanel(
        title=str(_("Incoming")),
        items=items,
        more_url=reverse("admin:wire_incomingstory_changelist"),
        more_label=str(_("All incoming partner copy")),
        empty=str(_("No partner copy waiting")),
    )


DESK_LIMIT = 10
desk.register(incoming_panel)
