"""Bans and moderators' notes: what the newsroom knows about commenters."""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .. import bans, moderation
from ..models import Ban, CommenterNote


class ActiveBanFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "active"

    def lookups(self, request, model_admin):
        return [("yes", _("In force")), ("no", _("Lifted or expired"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.active()
        if self.value() == "no":
            return queryset.exclude(pk__in=Ban.objects.active())
        return queryset


@admin.register(Ban)
class BanAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "scope",
        "reason",
        "in_force",
        "expires_at",
        "created_by",
        "created_at",
        "lifted_at",
    ]
    list_filter = [ActiveBanFilter, "scope"]
    search_fields = ["email", "reason"]
    readonly_fields = ["created_by", "created_at", "lifted_by", "lifted_at"]
    actions = ["lift"]

    @admin.display(description=_("in force"), boolean=True)
    def in_force(self, obj):
        return obj.is_active

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return ["email", "ip_address", "scope", *self.readonly_fields]
        return self.readonly_fields

    def get_changeform_initial_data(self, request):
        # IP addresses are shared: a new ban lapses unless the moderator clears the date.
        return {
            "expires_at": timezone.now() + bans.IP_BAN_DEFAULT
        } | super().get_changeform_initial_data(request)

    def has_delete_permission(self, request, obj=None):
        return False  # lift a ban instead: the record stays

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Lift the selected bans"), permissions=["change"])
    def lift(self, request, queryset):
        lifted = sum(
            moderation.unban(email=ban.email, ip_address=ban.ip_address, by=request.user)
            for ban in queryset.active()
        )
        self.message_user(
            request,
            ngettext("%(count)d ban lifted.", "%(count)d bans lifted.", lifted) % {"count": lifted},
        )


@admin.register(CommenterNote)
class CommenterNoteAdmin(admin.ModelAdmin):
    list_display = ["email", "note", "created_by", "created_at"]
    search_fields = ["email", "note"]
    readonly_fields = ["created_by", "created_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        return False
