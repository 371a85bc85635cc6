"""The story list's actions: each moves the chosen stories through ``publishing``, one by
one, and says which it could not move and why. Those that need a note, a reason or
a time ask for it first."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .. import publishing
from .forms import TransitionForm


class BulkTransitions:
    """Mixed into ``ArticleAdmin``."""

    def _bulk(self, request, queryset, name, **kwargs):
        done, refused = 0, []
        for article in queryset:
            try:
                getattr(publishing, name)(article, by=request.user, **kwargs)
                done += 1
            except (ValidationError, PermissionDenied) as error:
                why = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
                refused.append(f"“{article}”: {why}")
        if done:
            self.message_user(
                request,
                ngettext("%(count)d story: %(action)s.", "%(count)d stories: %(action)s.", done)
                % {"count": done, "action": publishing.TRANSITIONS[name].label},
                messages.SUCCESS,
            )
        for line in refused:
            self.message_user(request, line, messages.WARNING)

    def _bulk_with_input(self, request, queryset, name, *, needs):
        """Ask for a note, reason or time first, then apply the transition."""
        form = TransitionForm(request.POST if "confirm" in request.POST else None)
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            try:
                # The inputs' rules are publishing's; each story's own (state, embargo) too.
                publishing.check_inputs(name, at=data["at"], reason=data["note"])
            except ValidationError as error:
                for key, errors in error.error_dict.items():
                    form.add_error("note" if key == "reason" else key, errors)
            else:
                kwargs = {"reason": data["note"]} if needs == "reason" else {"note": data["note"]}
                if needs == "at":
                    kwargs["at"] = data["at"]
                self._bulk(request, queryset, name, **kwargs)
                return None
        return TemplateResponse(
            request,
            "admin/articles/article/transition_confirmation.html",
            {
                **self.admin_site.each_context(request),
                "title": publishing.TRANSITIONS[name].label,
                "transition": publishing.TRANSITIONS[name],
                "queryset": queryset,
                "form": form,
                "needs": needs,
                "opts": self.model._meta,
                "action_name": request.POST.get("action"),
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "media": self.media + form.media,
            },
        )

    @admin.action(description=_("Submit for review"), permissions=["change"])
    def submit_for_review(self, request, queryset):
        self._bulk(request, queryset, "submit")

    @admin.action(description=_("Withdraw from review"), permissions=["view"])
    def withdraw_from_review(self, request, queryset):
        self._bulk(request, queryset, "withdraw")

    @admin.action(description=_("Send back to draft (with a note)"), permissions=["publish"])
    def send_back_to_draft(self, request, queryset):
        return self._bulk_with_input(request, queryset, "send_back", needs="note")

    @admin.action(description=_("Publish now"), permissions=["publish"])
    def publish_now(self, request, queryset):
        self._bulk(request, queryset, "publish")

    @admin.action(description=_("Schedule…"), permissions=["publish"])
    def schedule(self, request, queryset):
        return self._bulk_with_input(request, queryset, "schedule", needs="at")

    @admin.action(description=_("Unpublish"), permissions=["publish"])
    def unpublish(self, request, queryset):
        self._bulk(request, queryset, "unpublish")

    @admin.action(description=_("Take down (with a reason)…"), permissions=["publish"])
    def take_down(self, request, queryset):
        return self._bulk_with_input(request, queryset, "take_down", needs="reason")

    @admin.action(description=_("Return to draft"), permissions=["publish"])
    def return_to_draft(self, request, queryset):
        self._bulk(request, queryset, "restore_draft")
