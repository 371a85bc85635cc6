"""The "Front page" in the admin: editors pin the lead and the top stories, order them,
give them an end time, and unpin them.

Every save goes through ``articles/frontpage.py``: the form asks its rules first, so a
refusal shows on the form with everything typed kept, and the audit log records each
change. The story picker offers live stories only.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .. import frontpage
from ..models import FrontPagePin
from ..publishing import is_editor

Slot = FrontPagePin.Slot


class LiveStoryAutocomplete(AutocompleteJsonView):
    """The story search of the pin form: live stories only, nothing else can be pinned."""

    def get_queryset(self):
        return super().get_queryset().live()


class LiveStorySelect(AutocompleteSelect):
    def get_url(self):
        return reverse(f"{self.admin_site.name}:articles_frontpagepin_stories")


class FrontPagePinForm(forms.ModelForm):
    position = forms.IntegerField(
        label=_("Position"),
        min_value=0,
        max_value=32767,
        required=False,
        help_text=_("Order of the top stories: lower numbers come first. Empty: after the others."),
    )

    class Meta:
        model = FrontPagePin
        fields = ["article", "slot", "position", "ends_at"]

    def clean(self):
        cleaned = super().clean()
        stored = self.instance if self.instance.pk else None
        slot = cleaned.get("slot", stored.slot if stored else None)
        if cleaned.get("position") is None and "position" in self.fields:
            cleaned["position"] = (
                stored.position if stored else 0 if slot == Slot.LEAD else frontpage.next_position()
            )
        if self.errors:
            return cleaned
        try:
            frontpage.validate(
                article=cleaned.get("article"),
                slot=slot,
                ends_at=cleaned.get("ends_at", stored.ends_at if stored else None),
                pin=stored,
            )
        except ValidationError as error:
            self.add_error(None, error)
        return cleaned

    def validate_unique(self):
        # "Already pinned" and "one lead" are frontpage.validate's, with their reasons (a pin
        # no longer shown is replaced, not in the way); the database holds them regardless.
        pass

    def validate_constraints(self):
        pass


class FrontPageChangelistForm(forms.ModelForm):
    """A row of the list: its position, to put the top stories in order."""

    class Meta:
        model = FrontPagePin
        fields = ["position"]


@admin.register(FrontPagePin)
class FrontPagePinAdmin(admin.ModelAdmin):
    """The front page for editors: the lead first, then the top stories in order."""

    form = FrontPagePinForm
    list_display = ["article", "slot", "position", "ends_at", "shown", "created_by"]
    list_display_links = ["article"]
    list_editable = ["position"]
    list_select_related = ["article", "created_by"]
    actions = ["unpin_selected"]
    fields = ["article", "slot", "position", "ends_at"]

    # Only editors arrange the front page (the rule of frontpage.py, asked here too, so no
    # one is offered a page whose saves would be refused).
    def has_module_permission(self, request):
        return is_editor(request.user)

    def has_view_permission(self, request, obj=None):
        return is_editor(request.user)

    def has_add_permission(self, request):
        return is_editor(request.user)

    has_change_permission = has_delete_permission = has_view_permission

    def get_urls(self):
        stories = self.admin_site.admin_view(
            LiveStoryAutocomplete.as_view(admin_site=self.admin_site)
        )
        return [
            path("stories/", stories, name="articles_frontpagepin_stories"),
            *super().get_urls(),
        ]

    def get_readonly_fields(self, request, obj=None):
        # Another story is another pin: unpin this one, pin that one.
        return ["article"] if obj is not None else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "article":
            kwargs["widget"] = LiveStorySelect(db_field, self.admin_site)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changelist_form(self, request, **kwargs):
        return FrontPageChangelistForm

    def get_actions(self, request, action_location=admin.ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location=action_location)
        actions.pop("delete_selected", None)  # "unpin", audited, instead
        return actions

    def changelist_view(self, request, extra_context=None):
        extra_context = {"title": _("Front page: the lead story, then the top stories")} | (
            extra_context or {}
        )
        return super().changelist_view(request, extra_context)

    @admin.display(boolean=True, description=_("on the page now"))
    def shown(self, pin):
        return pin.is_active() and pin.article.is_live

    def save_model(self, request, obj, form, change):
        if change:
            changes = {
                name: form.cleaned_data[name]
                for name in ("slot", "position", "ends_at")
                if name in form.changed_data
            }
            frontpage.change(obj, by=request.user, **changes)
            return
        pinned = frontpage.pin(
            obj.article,
            by=request.user,
            slot=obj.slot,
            position=obj.position,
            ends_at=obj.ends_at,
        )
        # The admin goes on with ``obj`` (its message, its link, its history entry).
        for field in FrontPagePin._meta.concrete_fields:
            setattr(obj, field.attname, getattr(pinned, field.attname))
        obj._state.adding = False

    def delete_model(self, request, obj):
        frontpage.unpin(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for pin in queryset.select_related("article"):
            frontpage.unpin(pin, by=request.user)

    @admin.action(description=_("Unpin the selected stories"))
    def unpin_selected(self, request, queryset):
        pins = list(queryset.select_related("article"))
        for pin in pins:
            frontpage.unpin(pin, by=request.user)
        self.message_user(
            request,
            ngettext(
                "%(count)d story left the front page.",
                "%(count)d stories left the front page.",
                len(pins),
            )
            % {"count": len(pins)},
            messages.SUCCESS,
        )
