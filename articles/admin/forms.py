"""Forms and widgets of the story admin."""

from django import forms
from django.contrib.admin import widgets
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from taggit.forms import TagWidget

from ..models import (
    Article,
    Revision,
)


class TagInput(TagWidget):
    """Taggit's comma-separated input, with suggestions of existing tags."""

    class Media:
        js = ["articles/tag-autocomplete.js"]

    def get_context(self, name, value, attrs):
        attrs = {**(attrs or {}), "autocomplete": "off"}
        attrs["data-tag-autocomplete"] = reverse("admin:autocomplete")
        return super().get_context(name, value, attrs)


CHANGE_KINDS = [
    ("", _("— choose —")),
    (Revision.Kind.TYPO, _("Typo fix: no public note")),
    (Revision.Kind.UPDATE, _("Update: readers are told the story was updated")),
    (Revision.Kind.CORRECTION, _("Correction: a public correction note")),
    (Revision.Kind.CLARIFICATION, _("Clarification: a public clarification note")),
]
PUBLIC_KINDS = {Revision.Kind.UPDATE, Revision.Kind.CORRECTION, Revision.Kind.CLARIFICATION}


class ArticleAdminForm(forms.ModelForm):
    """The story form, plus what the workflow needs to know about this save."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    change_kind = forms.ChoiceField(
        label=_("Kind of change"),
        choices=CHANGE_KINDS,
        required=False,
        help_text=_("The story is published: say what this change is."),
    )
    change_note = forms.CharField(
        label=_("Public note"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_(
            "Shown on the story and on the corrections page for an update, "
            "correction or clarification."
        ),
    )
    schedule_for = forms.SplitDateTimeField(
        label=_("Schedule for"),
        widget=widgets.AdminSplitDateTime,
        required=False,
        help_text=_("For “Save and schedule”: when the story goes live."),
    )
    transition_note = forms.CharField(
        label=_("Note or reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_(
            "Kept in the audit log. Required to take a story down; "
            "tells the writer why when sending back to draft."
        ),
    )

    class Meta:
        model = Article
        fields = ["tags"]  # the admin adds the rest from its fieldsets
        widgets = {"tags": TagInput(attrs={"size": 60})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.fields["expected_version"].initial = self.instance.version

    @property
    def transition(self):
        return self.data.get("_transition", "")

    def clean(self):
        cleaned = super().clean()
        self._check_version(cleaned)
        if self.instance.pk and self.instance.status == Article.Status.PUBLISHED:
            kind = cleaned.get("change_kind")
            if not kind:
                self.add_error(
                    "change_kind",
                    ValidationError(
                        _(
                            "This story is published: say whether this is a typo fix, an update, "
                            "a correction or a clarification."
                        ),
                        code="change_kind_required",
                    ),
                )
            elif kind in PUBLIC_KINDS and not cleaned.get("change_note", "").strip():
                self.add_error(
                    "change_note",
                    ValidationError(
                        _("Write the note readers will see with this %(kind)s.")
                        % {"kind": Revision.Kind(kind).label.lower()},
                        code="change_note_required",
                    ),
                )
        if self.transition == "take_down" and not cleaned.get("transition_note", "").strip():
            self.add_error(
                "transition_note",
                ValidationError(
                    _("Say why the story is being taken down."), code="reason_required"
                ),
            )
        if self.transition == "schedule":
            at = cleaned.get("schedule_for")
            if at is None:
                self.add_error(
                    "schedule_for",
                    ValidationError(_("Choose when the story should go live."), code="required"),
                )
            elif at <= timezone.now():
                self.add_error(
                    "schedule_for",
                    ValidationError(
                        _("Choose a time in the future, or use “Save and publish now”."),
                        code="schedule_in_past",
                    ),
                )
        return cleaned

    def _check_version(self, cleaned):
        """Refuse to overwrite a save someone else made after this form was opened."""
        expected = cleaned.get("expected_version")
        if not self.instance.pk or expected is None:
            return
        current = (
            Article.objects.select_for_update()
            .filter(pk=self.instance.pk)
            .values("version")
            .first()
        )
        if current and current["version"] != expected:
            last = self.instance.revisions.select_related("created_by").first()
            who = last.created_by.get_username() if last and last.created_by else _("someone else")
            when = timezone.localtime(last.created_at).strftime("%H:%M") if last else ""
            raise ValidationError(
                _(
                    "%(who)s saved this story at %(when)s, after you opened it. Nothing of yours "
                    "was saved, and your text is still in the form below: copy what you need, "
                    "reload the page to see their version, and merge your changes into it."
                )
                % {"who": who, "when": when},
                code="edit_conflict",
            )


class MediaStorageFailed:
    """Mixed into the story form after media storage failed during a save: the form
    comes back with the reason, everything typed kept, and nothing is saved."""

    def clean(self):
        cleaned = super().clean()
        self.add_error(
            "lead_image" if "lead_image" in self.fields else None,
            ValidationError(
                _(
                    "Media storage, where pictures are kept, is not answering just now, so "
                    "the picture could not be checked or stored. Nothing was saved and your "
                    "text is kept below: try saving again in a minute (choose the picture "
                    "again if you were adding one)."
                ),
                code="storage_unavailable",
            ),
        )
        return cleaned


class TransitionForm(forms.Form):
    """The extra input some bulk transitions need."""

    note = forms.CharField(
        label=_("Note or reason"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    at = forms.SplitDateTimeField(
        label=_("Go live at"), widget=widgets.AdminSplitDateTime, required=False
    )
