"""Extending how long a story stays on the site: the desk's "Expiring soon" links here.

A story's ``expire_at`` (a partner's rights window, or an editor's choice) takes it off
every list, feed, sitemap and search at that moment and makes its address answer 410.
An editor may move it later, or remove it, with a note: ``publishing.extend_expiry``
keeps the old and new times and the note in the audit log.
"""

from django import forms
from django.contrib import messages
from django.contrib.admin import widgets
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .. import publishing


class ExtendExpiryForm(forms.Form):
    until = forms.SplitDateTimeField(
        label=_("Stays on the site until"), widget=widgets.AdminSplitDateTime, required=False
    )
    no_end = forms.BooleanField(
        label=_("No end: keep it on the site"),
        required=False,
        help_text=_("Only when the partner's terms allow it (e.g. a renewed agreement)."),
    )
    note = forms.CharField(
        label=_("Why (kept in the audit log)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("e.g. “Partner extended the licence by email, 3 December”."),
    )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("no_end") and not cleaned.get("until") and "until" not in self.errors:
            self.add_error("until", _("Give the new end, or choose “No end”."))
        return cleaned


def extend_view(model_admin, request, object_id):
    article = model_admin._article_or_404(request, object_id)
    if not publishing.is_editor(request.user):
        raise PermissionDenied
    change_url = reverse("admin:articles_article_change", args=[article.pk])
    form = ExtendExpiryForm(request.POST or None, initial={"until": article.expire_at})
    if request.method == "POST" and form.is_valid():
        until = None if form.cleaned_data["no_end"] else form.cleaned_data["until"]
        try:
            publishing.extend_expiry(
                article, by=request.user, until=until, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            model_admin.message_user(
                request,
                _("“%(story)s” stays on the site longer; the note is in its history.")
                % {"story": article},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(change_url)
    return TemplateResponse(
        request,
        "admin/articles/article/extend_expiry.html",
        {
            **model_admin.admin_site.each_context(request),
            "title": _("Keep “%(story)s” on the site longer") % {"story": article},
            "opts": model_admin.model._meta,
            "original": article,
            "form": form,
            "media": model_admin.media + form.media,
        },
    )
