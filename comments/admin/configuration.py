"""One-row settings: the site's comment rules, each person's notifications, digests sent."""

from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..models import CommentSettings, Digest, NotificationPreference


class SingletonAdmin(admin.ModelAdmin):
    """One row to edit: the list goes straight to it."""

    def get_row(self, request):
        raise NotImplementedError

    def changelist_view(self, request, extra_context=None):
        row = self.get_row(request)
        opts = self.model._meta
        if row.pk is None:
            return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
        return HttpResponseRedirect(
            reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[row.pk])
        )

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CommentSettings)
class CommentSettingsAdmin(SingletonAdmin):
    fieldsets = [
        (_("Who may comment"), {"fields": ["default_mode", "close_after_days"]}),
        (
            _("Checks"),
            {
                "fields": [
                    "hold_first_time",
                    "max_links",
                    "flood_seconds",
                    "held_words",
                    "rejected_words",
                    "report_threshold",
                ]
            },
        ),
        (_("Story pages"), {"fields": ["per_page"]}),
        (_("Digest"), {"fields": ["digest_recipients", "digest_minutes", "site_address"]}),
    ]

    def get_row(self, request):
        return (
            CommentSettings.objects.filter(pk=CommentSettings.SINGLETON_PK).first()
            or CommentSettings()
        )

    def has_add_permission(self, request):
        return (
            super().has_add_permission(request)
            and not CommentSettings.objects.filter(pk=CommentSettings.SINGLETON_PK).exists()
        )


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(SingletonAdmin):
    """Each person's own choice of emails about held comments."""

    fields = ["my_stories", "all_held"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(user=request.user)

    def get_row(self, request):
        return self.get_queryset(request).first() or NotificationPreference(user=request.user)

    def get_fields(self, request, obj=None):
        if request.user.has_perm("comments.can_moderate"):
            return self.fields
        return ["my_stories"]

    def has_add_permission(self, request):
        return (
            super().has_add_permission(request)
            and not NotificationPreference.objects.filter(user=request.user).exists()
        )

    def save_model(self, request, obj, form, change):
        obj.user = request.user
        super().save_model(request, obj, form, change)


@admin.register(Digest)
class DigestAdmin(admin.ModelAdmin):
    list_display = ["sent_at", "comment_count", "recipient_count"]
    date_hierarchy = "sent_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
