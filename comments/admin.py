from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import moderation
from .models import Comment

BOTH = [ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["excerpt", "name", "article", "status", "created_at", "held_because"]
    list_display_links = ["excerpt"]
    list_filter = ["status", "created_at"]
    list_select_related = ["article"]
    search_fields = ["name", "email", "body", "article__headline"]
    date_hierarchy = "created_at"
    actions = ["approve", "reject", "mark_spam"]
    fields = [
        "article",
        "name",
        "email",
        "body",
        "status",
        "reasons",
        "ip_address",
        "user_agent",
        "created_at",
        "moderated_by",
        "moderated_at",
    ]
    # Moderators decide; they never rewrite what a reader wrote.
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_moderate_permission(self, request):
        return request.user.has_perm("comments.can_moderate")

    @admin.display(description=_("comment"))
    def excerpt(self, obj):
        return Truncator(obj.body).chars(80)

    @admin.display(description=_("reasons"))
    def held_because(self, obj):
        return "; ".join(obj.reasons)

    def _report(self, request, count, done):
        self.message_user(
            request,
            ngettext("%(count)d comment %(done)s.", "%(count)d comments %(done)s.", count)
            % {"count": count, "done": done},
            messages.SUCCESS if count else messages.WARNING,
        )

    @admin.action(description=_("Approve"), permissions=["moderate"], location=BOTH)
    def approve(self, request, queryset):
        self._report(request, moderation.approve(queryset, by=request.user), _("approved"))

    @admin.action(description=_("Reject"), permissions=["moderate"], location=BOTH)
    def reject(self, request, queryset):
        self._report(request, moderation.reject(queryset, by=request.user), _("rejected"))

    @admin.action(description=_("Mark as spam"), permissions=["moderate"], location=BOTH)
    def mark_spam(self, request, queryset):
        self._report(request, moderation.mark_spam(queryset, by=request.user), _("marked as spam"))
