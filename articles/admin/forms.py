"""Forms and widgets of the story admin."""

import copy

from django import forms
from django.contrib.admin import widgets
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from taggit.forms import TagWidget

from images import renditions, uploads
from images.models import Picture

from .. import diffs, publishing
from ..models import (
    Article,
    Revision,
)
from ..richtext import sanitize_body


class TagInput(TagWidget):
    """Taggit's comma-separated input, with suggestions of existing tags."""

    class Media:
        js = ["articles/tag-autocomplete.js"]

    def get_context(self, name, value, attrs):
        attrs = {**(attrs or {}), "autocomplete": "off"}
        attrs["data-tag-autocomplete"] = reverse("admin:autocomplete")
        return super().get_context(name, value, attrs)


class LeadPictureSelect(widgets.AutocompleteSelect):
    """The library's autocomplete, with a thumbnail of the chosen picture (its smallest
    rendition, a few kilobytes) and its alt text, for those who cannot see it."""

    def render(self, name, value, attrs=None, renderer=None):
        html = super().render(name, value, attrs, renderer)
        picture = Picture.objects.filter(pk=value).first() if value else None
        if picture is None:
            return html
        found = renditions.sources(picture)
        return format_html(
            '<img class="picture-input-thumbnail" src="{}" alt="{}" loading="lazy">{}',
            found.get("fallback") or picture.file.url,
            picture.alt_text.strip() or _("The current picture"),
            html,
        )


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
    # The revision the form was opened on: what someone else changed since is shown
    # beside what this person typed when their save is refused.
    opened_revision = forms.IntegerField(widget=forms.HiddenInput, required=False)
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

    # A new lead picture uploaded with the story goes into the library (uploads.accept)
    # and becomes the story's lead picture.
    # A plain file field: images.uploads.validate is the one check of what a picture
    # may be (formats by content, caps, damaged and polyglot files), with its messages.
    new_lead_picture = forms.FileField(
        label=_("Or upload a new picture"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
        help_text=_("It goes into the picture library, with the description below."),
    )
    new_lead_picture_alt = forms.CharField(
        label=_("Alt text"),
        max_length=300,
        required=False,
        help_text=_("What the new picture shows, for readers who cannot see it."),
    )
    new_lead_picture_caption = forms.CharField(label=_("Caption"), max_length=500, required=False)
    new_lead_picture_credit = forms.CharField(label=_("Credit"), max_length=200, required=False)

    class Meta:
        model = Article
        fields = ["tags"]  # the admin adds the rest from its fieldsets
        widgets = {
            "tags": TagInput(attrs={"size": 60}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.fields["expected_version"].initial = self.instance.version
            last = self.instance.revisions.values_list("number", flat=True).first()
            self.fields["opened_revision"].initial = last

    @property
    def transition(self):
        return self.data.get("_transition", "")

    # Set by the admin for the request the form serves (ArticleAdmin.get_form).
    user = None

    # Fields of the form that readers see of a story (publishing.READER_FIELDS).
    READER_FORM_FIELDS = [
        "headline",
        "slug",
        "summary",
        "body",
        "section",
        "tags",
        "lead_picture",
        "new_lead_picture",
    ]

    def reader_changes(self):
        """The fields readers see that this save changes."""
        changed = set(self.changed_data) & set(self.READER_FORM_FIELDS)
        if "body" in changed:
            body = self.cleaned_data.get("body")
            if body is not None and sanitize_body(body) == sanitize_body(self.instance.body or ""):
                changed.discard("body")  # the editor's markup, the same story
        return changed

    @property
    def asks_kind_of_change(self):
        return publishing.asks_kind_of_change(
            self.instance, self.reader_changes(), transition=self.transition
        )

    def clean_new_lead_picture(self):
        upload = self.cleaned_data.get("new_lead_picture")
        if upload:
            uploads.validate(upload)
        return upload

    def clean(self):
        cleaned = super().clean()
        self._check_version(cleaned)
        self._check_new_picture(cleaned)
        kind = cleaned.get("change_kind")
        if self.instance.pk and self.asks_kind_of_change and not kind:
            self.add_error(
                "change_kind",
                ValidationError(
                    _(
                        "This story is live and this save changes what readers see: say "
                        "whether it is a typo fix, an update, a correction or a clarification."
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
        self._check_transition(cleaned)
        return cleaned

    # Where publishing's errors about a transition's inputs are shown.
    INPUT_FIELDS = {"at": "schedule_for", "reason": "transition_note"}

    def _check_transition(self, cleaned):
        """Ask publishing.py, before anything is saved, whether the button's transition
        would go through with these inputs: its message is shown on the form."""
        name = self.transition
        if name not in publishing.TRANSITIONS:
            return
        probe = copy.copy(self.instance)
        if "embargo_until" in cleaned:
            probe.embargo_until = cleaned["embargo_until"]
        if "expire_at" in cleaned:
            probe.expire_at = cleaned["expire_at"]
        inputs = {"at": cleaned.get("schedule_for"), "reason": cleaned.get("transition_note", "")}
        try:
            if self.instance.pk:
                publishing.check(self.user, name, probe, **inputs)
            else:
                publishing.check_new(name, probe, **inputs)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for key, errors in error.error_dict.items():
                    self.add_error(self.INPUT_FIELDS.get(key), errors)
            else:
                self.add_error(None, error)
        except PermissionDenied as error:
            self.add_error(None, str(error))

    def _check_new_picture(self, cleaned):
        if not cleaned.get("new_lead_picture"):
            return
        if not cleaned.get("new_lead_picture_alt", "").strip():
            self.add_error(
                "new_lead_picture_alt",
                ValidationError(
                    _("Describe the new picture for readers who cannot see it."),
                    code="alt_required",
                ),
            )
        if cleaned.get("lead_picture") and "lead_picture" in self.changed_data:
            self.add_error(
                "new_lead_picture",
                ValidationError(
                    _("Choose a picture from the library or upload a new one, not both."),
                    code="two_pictures",
                ),
            )

    def accept_new_picture(self, *, by):
        """Put the uploaded picture into the library and make it the lead picture
        (the same file uploaded before is the picture already there)."""
        upload = self.cleaned_data.get("new_lead_picture")
        if not upload:
            return
        upload.seek(0)
        self.instance.lead_picture = uploads.accept(
            upload,
            title=self.cleaned_data.get("headline") or self.instance.headline,
            alt_text=self.cleaned_data["new_lead_picture_alt"].strip(),
            caption=self.cleaned_data.get("new_lead_picture_caption", "").strip(),
            credit=self.cleaned_data.get("new_lead_picture_credit", "").strip(),
            by=by,
        )

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
            who = last.saved_by if last and last.saved_by else _("someone else")
            when = timezone.localtime(last.created_at).strftime("%H:%M") if last else ""
            message = _(
                "%(who)s saved this story at %(when)s, after you opened it. Nothing of yours "
                "was saved, and your text is still in the form below: copy what you need, "
                "reload the page to see their version, and merge your changes into it."
            ) % {"who": who, "when": when}
            raise ValidationError(
                format_html("{}{}", message, self._their_changes(cleaned, last)),
                code="edit_conflict",
            )

    def _their_changes(self, cleaned, last):
        """What the other person changed since this form was opened, field by field,
        beside what this person typed (a table in the refusal)."""
        opened = self.instance.revisions.filter(number=cleaned.get("opened_revision")).first()
        if opened is None or last is None or opened.number == last.number:
            return ""
        theirs = last.data
        rows = []
        for field, label in diffs.FIELDS:
            if field not in self.fields:
                continue
            before = diffs.as_text(field, opened.data.get(field))
            after = diffs.as_text(field, theirs.get(field))
            if before == after:
                continue
            typed = cleaned.get(field, "")
            if field == "tags" and not isinstance(typed, str):
                typed = ", ".join(sorted(str(t) for t in typed or []))
            rows.append(
                format_html(
                    "<tr><th scope='row'>{}</th><td>{}</td><td>{}</td></tr>",
                    label,
                    diffs.word_diff(before, after),
                    diffs.as_text(field, typed),
                )
            )
        if not rows:
            return ""
        return format_html(
            "<table class='conflict'><caption>{}</caption><thead><tr><th></th><th>{}</th>"
            "<th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _("What changed meanwhile, beside what you typed"),
            _("Their change"),
            _("What you typed"),
            mark_safe("".join(rows)),  # noqa: S308 - each row is built by format_html
        )


class MediaStorageFailed:
    """Mixed into the story form after media storage failed during a save: the form
    comes back with the reason, everything typed kept, and nothing is saved."""

    def clean(self):
        cleaned = super().clean()
        self.add_error(
            "new_lead_picture" if "new_lead_picture" in self.fields else None,
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


class RestoreForm(forms.Form):
    """What kind of change restoring an earlier text of a live story is, as for any edit."""

    change_kind = forms.ChoiceField(label=_("Kind of change"), choices=CHANGE_KINDS)
    change_note = forms.CharField(
        label=_("Public note"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("Shown on the story for an update, correction or clarification."),
    )

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("change_kind")
        if kind in PUBLIC_KINDS and not cleaned.get("change_note", "").strip():
            self.add_error(
                "change_note",
                ValidationError(
                    _("Write the note readers will see with this %(kind)s.")
                    % {"kind": Revision.Kind(kind).label.lower()},
                    code="change_note_required",
                ),
            )
        return cleaned
