"""The comment queue: queues, one comment in context, decisions one at a time or in bulk."""

from collections import Counter
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.db.models import F, Func, IntegerField, OuterRef, StringAgg, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .. import moderation, text
from ..models import Ban, Comment, CommenterNote, Report
from . import undo
from .dashboard import dashboard_view
from .dialogs import DialogsMixin

BOTH = [ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM]
# Each queue's page says which queue it is, in its title and heading.
QUEUE_TITLES = {
    Comment.Status.PENDING: _("Pending comments"),
    "reported": _("Reported comments"),
    Comment.Status.APPROVED: _("Approved comments"),
    Comment.Status.REJECTED: _("Rejected comments"),
    Comment.Status.SPAM: _("Spam comments"),
}
HISTORY_LIMIT = 20


def _count(queryset):
    """A correlated subquery counting the rows of ``queryset``."""
    counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _joined(queryset, field, *, per):
    """A correlated subquery: ``field`` of the rows of ``queryset`` (one ``per``), joined by commas."""
    joined = (
        queryset.order_by()
        .values(per)
        .annotate(joined=StringAgg(field, Value(",")))
        .values("joined")
    )
    return Subquery(joined)


class QueueFilter(admin.SimpleListFilter):
    title = _("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [
            (Comment.Status.PENDING, _("Awaiting moderation")),
            ("reported", _("Reported by readers")),
            (Comment.Status.APPROVED, _("Approved")),
            (Comment.Status.REJECTED, _("Rejected")),
            (Comment.Status.SPAM, _("Spam")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "reported":
            return queryset.reported()
        if value in Comment.Status.values:
            return queryset.filter(status=value)
        return queryset


class ReportInline(admin.TabularInline):
    model = Report
    fields = ["reason", "created_at", "ip_address", "resolved_at", "resolved_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Comment)
class CommentAdmin(DialogsMixin, admin.ModelAdmin):
    list_display = [
        "comment",
        "commenter",
        "story",
        "status",
        "held_because",
        "reports",
        "featured",
        "created_at",
        "edit_text",
    ]
    list_display_links = ["comment"]
    list_filter = [QueueFilter, "featured", "created_at"]
    search_fields = ["name", "email", "body", "article__headline"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-pk"]
    list_per_page = 50
    actions = [
        "approve",
        "reject",
        "mark_spam",
        "feature",
        "unfeature",
        "ban_and_reject",
        "unban",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "story_link",
                    "thread",
                    "name",
                    "email",
                    "text",
                    "redactions",
                    "status",
                    "featured",
                ]
            },
        ),
        (_("Why it has this status"), {"fields": ["decision_reasons"]}),
        (_("The commenter"), {"fields": ["history", "notes", "bans"]}),
        (
            _("Details"),
            {
                "fields": [
                    "ip_address",
                    "user_agent",
                    "created_at",
                    "moderated_by",
                    "moderated_at",
                ],
                "classes": ["collapse"],
            },
        ),
    ]
    # Moderators decide; they rewrite what a reader wrote only through the redaction
    # page (dialogs.py), which keeps the original and why.
    readonly_fields = [
        "story_link",
        "thread",
        "name",
        "email",
        "text",
        "redactions",
        "status",
        "featured",
        "decision_reasons",
        "history",
        "notes",
        "bans",
        "ip_address",
        "user_agent",
        "created_at",
        "moderated_by",
        "moderated_at",
    ]
    inlines = [ReportInline]

    class Media:
        js = ["comments/queue.js"]
        css = {"all": ["comments/queue.css"]}

    def get_queryset(self, request):
        same_email = Comment.objects.filter(email=OuterRef("email")).exclude(pk=OuterRef("pk"))
        return (
            super()
            .get_queryset(request)
            .select_related("article", "parent")
            .annotate(
                open_reports=_count(Report.objects.unresolved().filter(comment=OuterRef("pk"))),
                open_report_reasons=_joined(
                    Report.objects.unresolved().filter(comment=OuterRef("pk")),
                    "reason",
                    per="comment",
                ),
                approved_before=_count(same_email.filter(status=Comment.Status.APPROVED)),
                refused_before=_count(
                    same_email.filter(status__in=[Comment.Status.REJECTED, Comment.Status.SPAM])
                ),
            )
        )

    def has_add_permission(self, request):
        return False

    def get_urls(self):
        undo_view = self.admin_site.admin_view(
            lambda request: undo.undo_view(request, model_admin=self)
        )
        return [
            path("undo/", undo_view, name="comments_comment_undo"),
            path(
                "dashboard/",
                self.admin_site.admin_view(dashboard_view(self)),
                name="comments_dashboard",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        title = QUEUE_TITLES.get(request.GET.get(QueueFilter.parameter_name))
        extra_context = ({"title": title} if title else {}) | (extra_context or {})
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Nothing here is editable: decisions are the actions above the comment.
        extra_context = {"show_save": False, "show_save_and_continue": False} | (
            extra_context or {}
        )
        return super().change_view(request, object_id, form_url, extra_context)

    def has_delete_permission(self, request, obj=None):
        # Kept for appeal, audit and training: reject or mark as spam instead.
        return False

    def has_moderate_permission(self, request):
        return request.user.has_perm("comments.can_moderate")

    # The queue's columns --------------------------------------------------------

    @admin.display(description=_("comment"))
    def comment(self, obj):
        excerpt = Truncator(obj.body).chars(120)
        if obj.parent_id:
            return format_html(
                '<span class="reply-to">↳ reply to {}</span><br>{}', obj.parent.name, excerpt
            )
        return excerpt

    @admin.display(description=_("commenter"))
    def commenter(self, obj):
        url = reverse("admin:comments_comment_changelist") + "?" + urlencode({"email": obj.email})
        return format_html(
            '{}<br><a href="{}" class="history">{} approved · {} refused before</a>',
            obj.name,
            url,
            obj.approved_before,
            obj.refused_before,
        )

    @admin.display(description=_("story"), ordering="article__headline")
    def story(self, obj):
        return format_html(
            '<a href="{}" title="{}">{}</a>',
            obj.article.get_absolute_url(),
            obj.article.headline,
            Truncator(obj.article.headline).chars(50),
        )

    @admin.display(description=_("why"))
    def held_because(self, obj):
        return obj.reasons_text(deciding_only=True)

    @admin.display(description=_("reports"), ordering="open_reports")
    def reports(self, obj):
        """How many readers reported the comment, and why (most given reason first)."""
        if not obj.open_reports:
            return ""
        reasons = Counter(
            str(Report.Why(code).label) if code in Report.Why.values else code
            for code in (obj.open_report_reasons or "").split(",")
            if code
        )
        return format_html(
            '<span class="report-count">{}</span><br><span class="report-reasons">{}</span>',
            ngettext("%(count)d report", "%(count)d reports", obj.open_reports)
            % {"count": obj.open_reports},
            ", ".join(
                f"{reason} ×{count}" if count > 1 else reason
                for reason, count in reasons.most_common()
            ),
        )

    # One comment in context -------------------------------------------------------

    @admin.display(description=_("story"))
    def story_link(self, obj):
        return format_html(
            '<a href="{}">{}</a> (<a href="{}">this comment on the site</a>)',
            obj.article.get_absolute_url(),
            obj.article.headline,
            obj.get_absolute_url(),
        )

    @admin.display(description=_("comment"))
    def text(self, obj):
        return format_html('<div class="comment-text">{}</div>', text.render(obj.body))

    @admin.display(description=_("thread"))
    def thread(self, obj):
        root = obj.root or obj
        comments = [root, *Comment.objects.in_threads([root.pk]).order_by("created_at", "pk")]
        if len(comments) == 1:
            return _("A first comment, with no replies.")
        return format_html(
            '<ol class="comment-thread">{}</ol>',
            format_html_join(
                "",
                '<li class="depth-{}{}"><a href="{}">{}</a> ({}): {}</li>',
                (
                    (
                        c.depth,
                        " current" if c.pk == obj.pk else "",
                        reverse("admin:comments_comment_change", args=[c.pk]),
                        c.name,
                        c.get_status_display(),
                        Truncator(c.body).chars(100),
                    )
                    for c in comments
                ),
            ),
        )

    @admin.display(description=_("reasons"))
    def decision_reasons(self, obj):
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{}{}</li>",
                (
                    (
                        r.get("text", "") if isinstance(r, dict) else r,
                        f" ({r['at'][:16].replace('T', ' ')})"
                        if isinstance(r, dict) and r.get("at")
                        else "",
                    )
                    for r in obj.reasons
                ),
            ),
        )

    @admin.display(description=_("history"))
    def history(self, obj):
        earlier = (
            Comment.objects.by_commenter(email=obj.email, ip_address=obj.ip_address)
            .exclude(pk=obj.pk)
            .select_related("article")
            .order_by("-created_at")[:HISTORY_LIMIT]
        )
        rows = [
            (
                c.created_at.strftime("%Y-%m-%d %H:%M"),
                reverse("admin:comments_comment_change", args=[c.pk]),
                Truncator(c.body).chars(80),
                c.article.headline,
                c.get_status_display(),
                " (same IP address)" if c.email != obj.email else "",
            )
            for c in earlier
        ]
        if not rows:
            return _("No earlier comments from this email or IP address.")
        return format_html(
            '<ul class="commenter-history">{}</ul>',
            format_html_join(
                "", '<li>{} <a href="{}">{}</a> on {}: <strong>{}</strong>{}</li>', rows
            ),
        )

    @admin.display(description=_("moderators' notes"))
    def notes(self, obj):
        notes = CommenterNote.objects.filter(email=obj.email).select_related("created_by")
        add_url = (
            reverse("admin:comments_commenternote_add") + "?" + urlencode({"email": obj.email})
        )
        return format_html(
            '<ul class="commenter-notes">{}</ul><a href="{}" class="addlink">{}</a>',
            format_html_join(
                "",
                "<li>{} — {}, {}</li>",
                ((n.note, n.created_by or "?", n.created_at.strftime("%Y-%m-%d")) for n in notes),
            ),
            add_url,
            _("Add a note about this commenter"),
        )

    @admin.display(description=_("bans"))
    def bans(self, obj):
        """Bans in force first, then earlier ones: what, why, by whom, until when."""
        bans = sorted(
            Ban.objects.matching(email=obj.email, ip_address=obj.ip_address).select_related(
                "created_by"
            ),
            key=lambda ban: not ban.is_active,
        )
        if not bans:
            return _("Not banned.")
        return format_html_join(
            "",
            '<p class="ban">{} {} ({}, {}) — {} {}, {}: {}</p>',
            (
                (
                    _("Banned:") if ban.is_active else _("Was banned:"),
                    ban,
                    ban.get_scope_display(),
                    _("lifted %s") % ban.lifted_at.strftime("%Y-%m-%d %H:%M")
                    if ban.lifted_at
                    else _("until %s") % ban.expires_at.strftime("%Y-%m-%d %H:%M")
                    if ban.expires_at
                    else _("until lifted"),
                    _("by"),
                    ban.created_by or "?",
                    ban.created_at.strftime("%Y-%m-%d"),
                    ban.reason or _("no reason given"),
                )
                for ban in bans
            ),
        )

    # Decisions ------------------------------------------------------------------

    def _report(self, request, count, done):
        self.message_user(
            request,
            ngettext("%(count)d comment %(done)s.", "%(count)d comments %(done)s.", count)
            % {"count": count, "done": done},
            messages.SUCCESS if count else messages.WARNING,
        )

    def _decided(self, request, queryset, decide, done):
        """Decide, then confirm naming the comments, with the decision's undo."""
        pks = list(queryset.values_list("pk", flat=True))
        count = decide(queryset, by=request.user)
        decided = Comment.objects.filter(pk__in=pks)
        decision = moderation.last_decision(decided, by=request.user) if count else None
        if decision is None:
            return self._report(request, count, done)
        self.message_user(
            request, undo.decision_message(request, decision, count, done), messages.SUCCESS
        )

    @admin.action(description=_("Approve"), permissions=["moderate"], location=BOTH)
    def approve(self, request, queryset):
        self._decided(request, queryset, moderation.approve, _("approved"))

    @admin.action(description=_("Reject"), permissions=["moderate"], location=BOTH)
    def reject(self, request, queryset):
        self._decided(request, queryset, moderation.reject, _("rejected"))

    @admin.action(description=_("Mark as spam"), permissions=["moderate"], location=BOTH)
    def mark_spam(self, request, queryset):
        self._decided(request, queryset, moderation.mark_spam, _("marked as spam"))

    @admin.action(description=_("Feature on the story"), permissions=["moderate"], location=BOTH)
    def feature(self, request, queryset):
        self._report(request, moderation.feature(queryset, by=request.user), _("featured"))

    @admin.action(description=_("Stop featuring"), permissions=["moderate"], location=BOTH)
    def unfeature(self, request, queryset):
        self._report(request, moderation.unfeature(queryset, by=request.user), _("unfeatured"))

    @admin.action(
        description=_("Ban commenter and reject…"),
        permissions=["moderate"],
        location=BOTH,
    )
    def ban_and_reject(self, request, queryset):
        # A page first: what to ban, why and for how long (dialogs.py).
        return self.ban_dialog(request, queryset)

    @admin.action(description=_("Lift bans on commenter"), permissions=["moderate"], location=BOTH)
    def unban(self, request, queryset):
        lifted = moderation.unban_commenters(queryset, by=request.user)
        self.message_user(
            request,
            ngettext("%(count)d ban lifted.", "%(count)d bans lifted.", lifted) % {"count": lifted},
            messages.SUCCESS if lifted else messages.WARNING,
        )
