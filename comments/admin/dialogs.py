"""The workbench's two dialogs: redacting a comment's text, and banning its author.

Both ask before they act (a reason is required for each) and keep what the
moderator typed when something is missing. The rules are in
``comments.moderation``; these views only ask, show and report.
"""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .. import bans, moderation
from ..models import Ban

DURATIONS = {
    "day": (_("A day"), timedelta(days=1)),
    "week": (_("A week"), timedelta(days=7)),
    "permanent": (_("Permanently (until lifted)"), None),
}


class RedactForm(forms.Form):
    # Not required here: moderation.redact() says what is wrong, in its own words.
    text = forms.CharField(
        label=_("Published text"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 10, "cols": 80}),
        help_text=_("Readers see this text, marked “Edited by a moderator”."),
    )
    reason = forms.CharField(
        label=_("Why (kept with the original)"),
        required=False,
        widget=forms.TextInput(attrs={"size": 80}),
        help_text=_("e.g. “Removed a phone number”."),
    )


class BanForm(forms.Form):
    scope = forms.ChoiceField(
        label=_("Ban"),
        choices=Ban.Scope.choices,
        initial=Ban.Scope.EMAIL,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason (kept in the commenter's history)"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        error_messages={"required": _("Say why: the reason is kept with the ban.")},
    )
    duration = forms.ChoiceField(
        label=_("For"),
        choices=[(key, label) for key, (label, _length) in DURATIONS.items()],
        initial="week",
        widget=forms.RadioSelect,
        help_text=_("An IP address may be shared: ban one permanently only when you mean to."),
    )


class DialogsMixin:
    """For CommentAdmin: the redaction page and the ban confirmation page."""

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/redact/",
                self.admin_site.admin_view(self.redact_view),
                name="{}_{}_redact".format(*info),
            ),
            *super().get_urls(),
        ]

    def redact_url(self, obj):
        return reverse("admin:comments_comment_redact", args=[obj.pk])

    def redact_view(self, request, object_id):
        if not self.has_moderate_permission(request):
            raise PermissionDenied
        comment = self.get_object(request, unquote(object_id))
        if comment is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        form = RedactForm(request.POST or None, initial={"text": comment.body})
        if form.is_bound and form.is_valid():
            try:
                moderation.redact(comment, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                for field, errors in error.error_dict.items():
                    form.add_error(field, errors)
            else:
                self.message_user(
                    request,
                    _("The comment's text was edited; the original is kept in its history."),
                    messages.SUCCESS,
                )
                return redirect("admin:comments_comment_change", comment.pk)
        return TemplateResponse(
            request,
            "admin/comments/comment/redact.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Edit the text of a comment"),
                "opts": self.opts,
                "original": comment,
                "comment": comment,
                "form": form,
                "redactions": comment.redactions.select_related("created_by"),
                "media": self.media + form.media,
            },
        )

    def ban_dialog(self, request, queryset):
        """Ask what to ban, why and for how long; then ban and reject the comments."""
        action_field = "CHANGE_FORM-action" if "CHANGE_FORM-action" in request.POST else "action"
        form = BanForm(request.POST if "confirm" in request.POST else None)
        comments = list(queryset.order_by("created_at", "pk"))
        if form.is_bound and form.is_valid():
            self._ban_and_reject(request, queryset, comments, form.cleaned_data)
            return None
        commenters = {}
        for comment in comments:
            commenters.setdefault((comment.email, comment.ip_address), comment.name)
        return TemplateResponse(
            request,
            "admin/comments/comment/ban_confirmation.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Ban commenters and reject their comments"),
                "opts": self.opts,
                "comments": comments,
                "commenters": [
                    {
                        "name": name,
                        "email": email,
                        "ip_address": ip_address,
                        "others": moderation.other_commenters_on(ip_address, email=email),
                    }
                    for (email, ip_address), name in commenters.items()
                ],
                "window_days": bans.SHARED_ADDRESS_WINDOW.days,
                "form": form,
                "action_field": action_field,
                "action_name": request.POST.get(action_field),
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "media": self.media + form.media,
            },
        )

    def _ban_and_reject(self, request, queryset, comments, data):
        duration = DURATIONS[data["duration"]][1]
        before, refused = Ban.objects.count(), []
        for email, ip_address in dict.fromkeys((c.email, c.ip_address) for c in comments):
            try:
                moderation.ban(
                    email=email,
                    ip_address=ip_address,
                    scope=data["scope"],
                    duration=duration,
                    reason=data["reason"],
                    by=request.user,
                )
            except ValidationError as error:
                refused.append(
                    _("Not banned: %(email)s (%(why)s)")
                    % {"email": email, "why": " ".join(error.messages)}
                )
        bans = Ban.objects.count() - before
        rejected = moderation.reject(queryset, by=request.user)
        self.message_user(
            request,
            ngettext("%(bans)d ban added", "%(bans)d bans added", bans) % {"bans": bans}
            + "; "
            + ngettext("%(count)d comment rejected.", "%(count)d comments rejected.", rejected)
            % {"count": rejected},
            messages.SUCCESS,
        )
        for line in refused:
            self.message_user(request, line, messages.WARNING)

    @admin.display(description=_("edited by moderators"))
    def redactions(self, obj):
        """The comment's earlier texts: who edited them, when and why."""
        link = format_html(
            '<a href="{}" class="redact-link">{}</a>', self.redact_url(obj), _("Edit the text…")
        )
        entries = obj.redactions.select_related("created_by")
        if not entries:
            return format_html("{}<p>{}</p>", _("Not edited."), link)
        return format_html(
            '<ol class="redactions">{}</ol><p>{}</p>',
            format_html_join(
                "",
                "<li><strong>{}</strong> {} {}: {}<blockquote>{}</blockquote></li>",
                (
                    (
                        r.created_at.strftime("%Y-%m-%d %H:%M"),
                        _("edited by"),
                        r.created_by or "?",
                        r.reason,
                        r.original,
                    )
                    for r in entries
                ),
            ),
            link,
        )

    @admin.display(description=_("edit"))
    def edit_text(self, obj):
        return format_html(
            '<a href="{}" class="redact-link">{}<span class="visually-hidden"> {}</span></a>',
            self.redact_url(obj),
            _("Edit text"),
            _("of this comment"),
        )
