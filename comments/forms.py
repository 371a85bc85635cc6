from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Comment


class CommentForm(forms.ModelForm):
    """The reader's "Post Comment" form. Returns an unsaved comment."""

    class Meta:
        model = Comment
        fields = ["name", "email", "body"]
        labels = {"name": _("Name"), "email": _("Email"), "body": _("Comment")}
        help_texts = {"email": _("Never shown on the site.")}
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "body": forms.Textarea(attrs={"rows": 6}),
        }
        error_messages = {
            "name": {"required": _("Please give a name to show with your comment.")},
            "email": {
                "required": _("Please give your email address; it is never shown."),
                "invalid": _("That email address does not look right, e.g. name@example.com."),
            },
            "body": {
                "required": _("Please write your comment."),
                "max_length": _(
                    "Your comment is %(show_value)d characters long; the limit is %(limit_value)d."
                ),
            },
        }

    def clean_body(self):
        # Keep the text exactly as typed, but refuse one made only of spaces.
        body = self.cleaned_data["body"]
        if not body.strip():
            raise forms.ValidationError(_("Please write your comment."), code="required")
        return body
