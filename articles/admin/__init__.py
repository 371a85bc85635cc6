"""The newsroom's admin for stories, sections, contributors and the audit trail."""

from django.contrib import admin

from ..models import ArticleEvent, Contributor, Correction, Section
from .frontpage import FrontPagePinAdmin  # noqa: F401 - registers the "Front page"
from .stories import ArticleAdmin

__all__ = ["ArticleAdmin"]


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position", "comment_mode"]
    list_editable = ["position"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Contributor)
class ContributorAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "user"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["user"]


@admin.register(ArticleEvent)
class ArticleEventAdmin(admin.ModelAdmin):
    """The audit log: read-only."""

    list_display = ["at", "article", "action", "from_status", "to_status", "by", "note"]
    list_filter = ["action", "to_status"]
    list_select_related = ["article", "by"]
    search_fields = ["article__headline", "note", "by__username"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "article", "kind", "note"]
    list_filter = ["kind"]
    list_select_related = ["article"]
    search_fields = ["article__headline", "note"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        # Corrections are made by saving the story with a kind of change.
        return False
