from django import forms
from django.contrib import admin
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from taggit.forms import TagWidget

from .models import Article, Byline, Contributor, Section


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Contributor)
class ContributorAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "user"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["user"]


class BylineInline(admin.TabularInline):
    model = Byline
    autocomplete_fields = ["contributor"]
    extra = 1
    verbose_name = _("contributor")
    verbose_name_plural = _("byline")


class TagInput(TagWidget):
    """Taggit's comma-separated input, with suggestions of existing tags."""

    class Media:
        js = ["articles/tag-autocomplete.js"]

    def get_context(self, name, value, attrs):
        attrs = {**(attrs or {}), "autocomplete": "off"}
        attrs["data-tag-autocomplete"] = reverse("admin:autocomplete")
        return super().get_context(name, value, attrs)


class ArticleAdminForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = ["tags"]  # the admin adds the rest from its fieldsets
        widgets = {"tags": TagInput(attrs={"size": 60})}


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    inlines = [BylineInline]
    list_display = ["headline", "section", "status", "publish_at", "is_live", "byline"]
    list_filter = ["status", "section", ("tags", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["section"]
    search_fields = ["headline", "summary", "body", "slug"]
    date_hierarchy = "publish_at"
    prepopulated_fields = {"slug": ["headline"]}
    autocomplete_fields = ["section"]
    fieldsets = [
        (None, {"fields": ["headline", "slug", "summary", "body"]}),
        (_("Filing"), {"fields": ["section", "tags"]}),
        (
            _("Lead image"),
            {"fields": ["lead_image", "lead_image_alt", "lead_image_caption", "lead_image_credit"]},
        ),
        (_("Attribution"), {"fields": ["source_name", "source_url"]}),
        (_("Publishing"), {"fields": ["status", "publish_at", "expire_at"]}),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch("bylines", queryset=Byline.objects.select_related("contributor"))
            )
        )

    def get_readonly_fields(self, request, obj=None):
        if request.user.has_perm("articles.publish_article"):
            return []
        return ["status", "publish_at", "expire_at"]

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if not allowed or obj is None or request.user.has_perm("articles.publish_article"):
            return allowed
        # Writers edit their own drafts only.
        return obj.status == Article.Status.DRAFT and self.is_own(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        if obj is not None and obj.status == Article.Status.PUBLISHED:
            return allowed and request.user.has_perm("articles.publish_article")
        return allowed

    @staticmethod
    def is_own(user, article):
        return (
            article.created_by_id == user.pk
            or article.bylines.filter(Q(contributor__user=user)).exists()
        )

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(boolean=True, description=_("live"))
    def is_live(self, obj):
        return obj.is_live

    @admin.display(description=_("byline"))
    def byline(self, obj):
        return ", ".join(c.name for c in obj.byline_contributors)
