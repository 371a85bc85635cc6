import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Comment, Report


def comment_id(value) -> int | None:
    """A comment id from a form or query string; None for anything else."""
    value = str(value or "").strip()
    if re.fullmatch(r"[0-9]{1,18}", value) and int(value) > 0:
        return int(value)
    return None


# What a reader types, as a ModelForm would build it from the comment's fields (their
# lengths, the email check), with the site's wording.
_TYPED = forms.fields_for_model(
    Comment,
    fields=["name", "email", "body"],
    labels={"name": _("Name"), "email": _("Email"), "body": _("Comment")},
    help_texts={"email": _("Never shown on the site.")},
    widgets={
        "name": forms.TextInput(attrs={"autocomplete": "name"}),
        "email": forms.EmailInput(attrs={"autocomplete": "email"}),
        "body": forms.Textarea(attrs={"rows": 6}),
    },
    error_messages={
        "name": {
            "required": _("Please give a name to show with your comment."),
            "max_length": _("Please shorten your name to %(limit_value)d characters."),
        },
        "email": {
            "required": _("Please give your email address; it is never shown."),
            "invalid": _("That email address does not look right, e.g. name@example.com."),
            "max_length": _("That email address is too long."),
        },
        "body": {
            "required": _("Please write your comment."),
            "max_length": _(
                "Your comment is %(show_value)d characters long; the limit is %(limit_value)d."
            ),
        },
    },
)
# Django's form fields strip surrounding whitespace by default; a comment is stored
# exactly as typed (indented first lines, trailing blank lines and all).
_TYPED["body"].strip = False


class CommentForm(forms.Form):
    """The reader's "Post Comment" form; ``comments.moderation.post`` stores what it cleans.

    Besides what the reader types it carries the comment being answered
    (``parent``) and a honeypot field that people never see and robots fill in.
    The signed form token is not a field: it is issued fresh on every render.

    A plain form of the comment's own fields rather than a ModelForm: the ModelForm's
    second pass over a comment it never saves (building one, validating every field
    again, the table's constraints) cost each post 0.25 ms of CPU here (415 µs against
    163 µs), a twentieth of the post.
    """

    name = _TYPED["name"]
    email = _TYPED["email"]
    body = _TYPED["body"]
    parent = forms.CharField(required=False, widget=forms.HiddenInput)
    leave_empty = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    @property
    def reader_fields(self):
        """The fields a reader fills in, in order."""
        return [self["name"], self["email"], self["body"]]

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError(
                _("Please give a name to show with your comment."), code="required"
            )
        return name

    def clean_body(self):
        # Keep the text exactly as typed, but refuse one made only of spaces.
        body = self.cleaned_data["body"]
        if not body.strip():
            raise ValidationError(_("Please write your comment."), code="required")
        return body

    def clean_parent(self):
        """The id of the comment answered, or None: a bad value never blocks a comment."""
        return comment_id(self.cleaned_data["parent"])


class ReportForm(forms.Form):
    """A reader's report. No reason is chosen in advance: a report that names
    a reason the reader never picked would mislead the moderators."""

    reason = forms.ChoiceField(
        label=_("Why should moderators look at this comment?"),
        choices=Report.Why,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Please choose a reason."),
            "invalid_choice": _("Please choose one of the reasons listed."),
        },
    )
