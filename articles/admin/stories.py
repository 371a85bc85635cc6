"""The story admin: editing and the workflow's buttons; its list actions are in
``bulk.py``, its own pages (history, previews, the picture picker) in ``story_views.py``."""

import copy

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from newsroom.storage import StorageUnavailable

from .. import previews, publishing
from ..models import (
    Article,
    Byline,
    Contributor,
    Revision,
)
from . import extensions
from .bulk import BulkTransitions
from .forms import (
    ArticleAdminForm,
    LeadPictureSelect,
    MediaStorageFailed,
)
from .story_views import StoryViews


class BylineInline(admin.TabularInline):
    model = Byline
    autocomplete_fields = ["contributor"]
    extra = 1
    verbose_name = _("contributor")
    verbose_name_plural = _("byline")

    def initial_for_new_story(self, request):
        """The byline a new story starts with: whoever writes it, if they have a byline name.

        Only prefilled in the form (the extra row): nothing is saved until the writer
        saves the story, and they can remove themselves first.
        """
        own = Contributor.objects.filter(user=request.user).values_list("pk", flat=True)
        return [{"contributor": pk} for pk in own[:1]]


class StateFilter(admin.SimpleListFilter):
    """The states people talk about, scheduled among them (``publishing.state``)."""

    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("draft", _("Draft")),
            ("review", _("In review")),
            ("scheduled", _("Scheduled")),
            ("live", _("Live")),
            ("unpublished", _("Unpublished")),
            ("taken_down", _("Taken down")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        value = self.value()
        if value == "scheduled":
            return queryset.scheduled(at=now)
        if value == "live":
            return queryset.live(at=now)
        if value in {"draft", "review", "unpublished", "taken_down"}:
            return queryset.filter(status=value)
        return queryset


@admin.register(Article)
class ArticleAdmin(BulkTransitions, StoryViews, admin.ModelAdmin):
    form = ArticleAdminForm
    inlines = [BylineInline]
    change_form_template = "admin/articles/article/change_form.html"
    list_display = ["headline", "section", "state", "embargo", "publish_at", "byline"]
    list_filter = [
        StateFilter,
        "section",
        ("tags", admin.RelatedOnlyFieldListFilter),
        ("embargo_until", admin.EmptyFieldListFilter),
    ]
    list_select_related = ["section"]
    ordering = ["-created_at", "-pk"]  # newest first
    search_fields = ["headline", "summary", "body", "slug"]
    date_hierarchy = "publish_at"
    prepopulated_fields = {"slug": ["headline"]}
    autocomplete_fields = ["section", "lead_picture"]
    actions = [
        "submit_for_review",
        "withdraw_from_review",
        "send_back_to_draft",
        "publish_now",
        "schedule",
        "unpublish",
        "take_down",
        "return_to_draft",
    ]

    # Fields other apps add to the story form (wire: where the story came from);
    # articles imports none of them (admin/extensions.py).
    form_extensions = []

    @classmethod
    def add_form_extension(cls, extension):
        if extension not in cls.form_extensions:
            cls.form_extensions.append(extension)

    def extensions_for(self, request):
        editor = publishing.is_editor(request.user)
        return [ext for ext in self.form_extensions if editor or not ext.editors_only]

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (None, {"fields": ["headline", "slug", "summary", "body"]}),
            (_("Filing"), {"fields": ["section", "tags", "comment_mode"]}),
            (
                _("Lead picture"),
                {
                    "fields": [
                        "lead_picture",
                        "new_lead_picture",
                        "new_lead_picture_alt",
                        "new_lead_picture_caption",
                        "new_lead_picture_credit",
                    ]
                },
            ),
            *(
                (
                    extension.title,
                    {
                        "fields": list(extension.fields()),
                        # kind-of-change.js: a change here is one readers see.
                        "classes": ["reader-visible"] if extension.reader_visible else [],
                    },
                )
                for extension in self.extensions_for(request)
                if obj is None or self.has_change_permission(request, obj)
            ),
            (_("Workflow"), {"fields": self.workflow_fields(request)}),
        ]
        if obj is not None and not self.has_change_permission(request, obj):
            # Read-only: the body as readers see it, not its HTML; what other apps add,
            # as they describe it.
            fieldsets[0][1]["fields"] = ["headline", "slug", "summary", "formatted_body"]
            if self.extensions_for(request):
                fieldsets.insert(-1, (None, {"fields": ["extensions_summary"]}))
        elif obj is not None and obj.is_live:
            # Asked only when the save changes what readers see (ArticleAdminForm.clean).
            fieldsets.insert(
                1,
                (
                    _("If this save changes what readers see: what kind of change is it?"),
                    {"fields": ["change_kind", "change_note"], "classes": ["kind-of-change"]},
                ),
            )
        return fieldsets

    def workflow_fields(self, request):
        """Writers are shown only what they can use: no schedule, embargo or expiry."""
        if publishing.is_editor(request.user):
            return [
                "state_display",
                "publish_at",
                "embargo_until",
                "expire_at",
                "schedule_for",
                "transition_note",
                "expected_version",
                "opened_revision",
            ]
        return ["state_display", "transition_note", "expected_version", "opened_revision"]

    def get_readonly_fields(self, request, obj=None):
        readonly = ["state_display", "publish_at", "formatted_body", "extensions_summary"]
        if not publishing.is_editor(request.user):
            readonly += ["embargo_until", "expire_at"]
        return readonly

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch("bylines", queryset=Byline.objects.select_related("contributor"))
            )
        )

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if not allowed or obj is None:
            return allowed
        return publishing.can_edit(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        # Stories are taken down, not deleted, once they have been seen.
        allowed = super().has_delete_permission(request, obj)
        if obj is not None and obj.status != Article.Status.DRAFT:
            return False
        return allowed

    def get_actions(self, request, action_location=admin.ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location=action_location)
        # Stories are taken down, not deleted in bulk; drafts can be deleted one by one.
        actions.pop("delete_selected", None)
        return actions

    def has_publish_permission(self, request):
        return publishing.is_editor(request.user)

    # Saving -----------------------------------------------------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except StorageUnavailable as error:
            # Media storage failed while the picture was checked or stored. The database
            # work was rolled back; show the form again, everything typed kept, with why.
            request._media_storage_error = error
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs.setdefault("form", extensions.form_with(self.form, self.extensions_for(request)))
        form = super().get_form(request, obj, change, **kwargs)
        if getattr(request, "_media_storage_error", None) is not None:
            form = type(form.__name__, (MediaStorageFailed, form), {})
        # Publishing's checks of the button's transition need to know who asks.
        form = type(form.__name__, (form,), {"user": request.user})
        if not publishing.is_editor(request.user) and "transition_note" in form.base_fields:
            # Writers cannot take a story down: their note is for the editor.
            note = copy.copy(form.base_fields["transition_note"])
            note.label = _("Note for the editor")
            note.help_text = _("Sent with “Save and submit for review”; kept in the audit log.")
            form.base_fields = {**form.base_fields, "transition_note": note}
        return form

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        # Only on the empty add form: posted rows compared with an initial value
        # would count as unchanged, and an unchanged extra row is not saved.
        if isinstance(inline, BylineInline) and obj.pk is None and request.method != "POST":
            kwargs["initial"] = inline.initial_for_new_story(request)
        return kwargs

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "lead_picture":
            kwargs["widget"] = LeadPictureSelect(db_field, self.admin_site)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        elif not publishing.is_editor(request.user):
            publishing.claim(obj, request.user)
        form.accept_new_picture(by=request.user)
        request._article_form_data = form.cleaned_data
        request._article_form = form
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        for extension in self.extensions_for(request):
            if extension.posted(form):
                extension.save(form.instance, form, by=request.user)
        if request.POST.get("_transition") in publishing.TRANSITIONS:
            # Save and move on: the transition records this save's one revision.
            return
        self._record_save(request, form, change)

    def _record_save(self, request, form, change):
        article = form.instance
        if not change:
            publishing.record_revision(
                article, by=request.user, kind=Revision.Kind.CREATED, note=_("Created")
            )
            return
        kind = form.cleaned_data.get("change_kind") or Revision.Kind.EDIT
        note = form.cleaned_data.get("change_note", "").strip()
        publishing.record_change(article, by=request.user, kind=kind, note=note)

    def response_add(self, request, obj, post_url_continue=None):
        self._run_form_transition(request, obj, change=False)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        self._run_form_transition(request, obj, change=True)
        return super().response_change(request, obj)

    def _run_form_transition(self, request, obj, *, change):
        """After a save from a workflow button, take that transition (the form asked
        publishing.py beforehand whether it would go through)."""
        name = request.POST.get("_transition")
        data = getattr(request, "_article_form_data", None)
        if name not in publishing.TRANSITIONS or data is None:
            return
        obj.refresh_from_db()
        try:
            publishing.transition(
                name,
                obj,
                by=request.user,
                note=data.get("transition_note", "").strip(),
                at=data.get("schedule_for"),
            )
        except (ValidationError, PermissionDenied) as error:
            # Refused after all (someone moved it meanwhile): the save still gets its revision.
            self._record_save(request, request._article_form, change)
            text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            self.message_user(
                request, _("Saved, but not moved on: %(why)s") % {"why": text}, messages.ERROR
            )
        else:
            self.message_user(
                request,
                _("“%(story)s” is now %(state)s.") % {"story": obj, "state": self.state(obj)},
                messages.SUCCESS,
            )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["transitions"] = (
            publishing.allowed_transitions(request.user, obj)
            if obj is not None
            else [
                t
                for t in publishing.TRANSITIONS.values()
                if t.name in {"submit", "publish", "schedule"}
                and (publishing.is_editor(request.user) or not t.editors_only)
            ]
        )
        if obj is not None:
            context["preview_links"] = [
                (link, request.build_absolute_uri(previews.preview_url(link)))
                for link in obj.preview_links.all()[:10]
            ]
            context["corrections"] = obj.corrections.all()
            self._show_send_back_note(request, obj)
        context["can_share_previews"] = publishing.is_editor(request.user)
        context["can_withdraw"] = obj is not None and publishing.can(request.user, "withdraw", obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _show_send_back_note(self, request, obj):
        """A draft an editor sent back opens with the editor's note at the top."""
        if obj.status != Article.Status.DRAFT or request.method != "GET":
            return
        last = obj.events.select_related("by").first()
        if last is None or last.action != "send_back":
            return
        self.message_user(
            request,
            _("Sent back by %(who)s on %(when)s: %(note)s")
            % {
                "who": last.done_by or _("an editor"),
                "when": date_format(timezone.localtime(last.at), "j F Y, H:i"),
                "note": last.note or _("no note given"),
            },
            messages.WARNING,
        )

    # Display ----------------------------------------------------------------

    @admin.display(description=_("state"), ordering="status")
    def state(self, obj):
        current = publishing.state(obj)
        if current == "scheduled":
            return _("Scheduled for %(at)s") % {
                "at": timezone.localtime(obj.publish_at).strftime("%Y-%m-%d %H:%M")
            }
        if current == Article.Status.PUBLISHED and not obj.is_live:
            return _("Expired")
        return obj.get_status_display()

    @admin.display(description=_("state"))
    def state_display(self, obj):
        return self.state(obj) if obj and obj.pk else _("New draft")

    @admin.display(description=_("more"))
    def extensions_summary(self, obj):
        parts = [
            format_html("<p><strong>{}:</strong> {}</p>", extension.title, extension.describe(obj))
            for extension in self.form_extensions
        ]
        return mark_safe("".join(parts))  # noqa: S308 - each part is escaped

    @admin.display(description=_("body"))
    def formatted_body(self, obj):
        # Sanitised on every save (Article.save): safe to show as the formatted text.
        return mark_safe(obj.body)  # noqa: S308

    @admin.display(description=_("embargo"), ordering="embargo_until")
    def embargo(self, obj):
        if obj.embargo_until and obj.embargo_until > timezone.now():
            return format_html(
                '<span class="embargo-badge" title="{}">EMBARGO {}</span>',
                _("Cannot go live before this time"),
                timezone.localtime(obj.embargo_until).strftime("%Y-%m-%d %H:%M"),
            )
        return ""

    @admin.display(description=_("byline"))
    def byline(self, obj):
        return ", ".join(c.name for c in obj.byline_contributors)
