"""The story admin's own pages: history (revisions, audit log, diffs) and restoring a
revision, taking a story back from review, preview links, and the body editor's
picture picker."""

import functools

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from images import renditions
from images.models import Picture

from .. import diffs, previews, publishing
from ..models import Article, PreviewLink, Revision
from . import expiry
from .forms import RestoreForm


class StoryViews:
    """Mixed into ``ArticleAdmin``."""

    def picture_picker_view(self, request):
        """The body editor's "Browse…": the newest library pictures, or those matching a
        search; choosing one inserts it as a figure (articles/picture-picker.js)."""
        if not self.has_change_permission(request) and not self.has_add_permission(request):
            raise PermissionDenied
        query = request.GET.get("q", "").strip()
        found = Picture.objects.all()
        if query:
            found = found.filter(
                Q(title__icontains=query)
                | Q(alt_text__icontains=query)
                | Q(caption__icontains=query)
            )
        pictures = renditions.prefetch(found[:60])
        context = {
            **self.admin_site.each_context(request),
            "is_popup": True,
            "callback": request.GET.get("CKEditorFuncNum", ""),
            "query": query,
            "pictures": [
                {"picture": p, "url": renditions.sources(p).get("fallback") or p.file.url}
                for p in pictures
            ],
        }
        return TemplateResponse(request, "admin/articles/article/picture_picker.html", context)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "picture-picker/",
                view(self.picture_picker_view),
                name="articles_article_picture_picker",
            ),
            path(
                "<path:object_id>/revisions/",
                view(self.revisions_view),
                name="articles_article_revisions",
            ),
            path(
                "<path:object_id>/revisions/<int:number>/restore/",
                view(self.restore_view),
                name="articles_article_restore",
            ),
            path(
                "<path:object_id>/extend/",
                view(functools.partial(expiry.extend_view, self)),
                name="articles_article_extend",
            ),
            path(
                "<path:object_id>/withdraw/",
                view(self.withdraw_view),
                name="articles_article_withdraw",
            ),
            path(
                "<path:object_id>/preview-links/",
                view(self.preview_links_view),
                name="articles_article_preview_links",
            ),
            *super().get_urls(),
        ]

    def _article_or_404(self, request, object_id):
        article = get_object_or_404(Article, pk=object_id)
        if not self.has_view_permission(request, article):
            raise PermissionDenied
        return article

    def revisions_view(self, request, object_id):
        """History: every revision, the audit log, and a diff of any two revisions."""
        article = self._article_or_404(request, object_id)
        revisions = list(article.revisions.select_related("created_by"))
        by_number = {r.number: r for r in revisions}
        comparison = None
        try:
            a, b = int(request.GET.get("a", 0)), int(request.GET.get("b", 0))
        except ValueError:
            a = b = 0
        if a in by_number and b in by_number:
            old, new = sorted([by_number[a], by_number[b]], key=lambda r: r.number)
            comparison = {"old": old, "new": new, "changes": diffs.compare(old.data, new.data)}
        elif len(revisions) >= 2:
            a, b = revisions[1].number, revisions[0].number
        return TemplateResponse(
            request,
            "admin/articles/article/revisions.html",
            {
                **self.admin_site.each_context(request),
                "title": _("History of “%(story)s”") % {"story": article},
                "opts": self.model._meta,
                "original": article,
                "revisions": revisions,
                "events": article.events.select_related("by"),
                "comparison": comparison,
                "a": a,
                "b": b,
                "can_restore": publishing.can_edit(request.user, article),
            },
        )

    def restore_view(self, request, object_id, number):
        article = self._article_or_404(request, object_id)
        revision = get_object_or_404(Revision, article=article, number=number)
        if not publishing.can_edit(request.user, article):
            raise PermissionDenied
        # A live story stays live: restoring is an edit readers see, so it says what kind.
        form = None
        if article.is_live:
            form = RestoreForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and (form is None or form.is_valid()):
            data = form.cleaned_data if form else {}
            publishing.restore_revision(
                article,
                revision,
                by=request.user,
                kind=data.get("change_kind", ""),
                note=data.get("change_note", ""),
            )
            self.message_user(
                request,
                _("Revision %(number)d restored; the story is now %(state)s.")
                % {"number": number, "state": self.state(article)},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))
        return TemplateResponse(
            request,
            "admin/articles/article/restore_confirmation.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Restore revision %(number)d?") % {"number": number},
                "opts": self.model._meta,
                "original": article,
                "revision": revision,
                "changes": diffs.compare(publishing.snapshot(article), revision.data),
                "is_live": article.is_live,
                "form": form,
            },
        )

    def withdraw_view(self, request, object_id):
        """POST: the writer takes their story back from review (they cannot edit it there)."""
        article = self._article_or_404(request, object_id)
        change_url = reverse("admin:articles_article_change", args=[article.pk])
        if request.method != "POST":
            return HttpResponseRedirect(change_url)
        try:
            publishing.withdraw(article, by=request.user)
        except (ValidationError, PermissionDenied) as error:
            text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            self.message_user(request, text or _("You may not do that."), messages.ERROR)
        else:
            self.message_user(
                request,
                _("“%(story)s” is back in your drafts.") % {"story": article},
                messages.SUCCESS,
            )
        return HttpResponseRedirect(change_url)

    def preview_links_view(self, request, object_id):
        """POST: create a preview link, or revoke one (``revoke=<id>``)."""
        article = self._article_or_404(request, object_id)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))
        change_url = reverse("admin:articles_article_change", args=[article.pk])
        try:
            if request.POST.get("revoke"):
                link = get_object_or_404(PreviewLink, pk=request.POST["revoke"], article=article)
                previews.revoke_preview_link(link, by=request.user)
                self.message_user(request, _("The preview link no longer works."), messages.SUCCESS)
            else:
                try:
                    hours = int(request.POST.get("hours", 48))
                except ValueError:
                    hours = 0
                link = previews.create_preview_link(
                    article, by=request.user, valid_for=timezone.timedelta(hours=hours)
                )
                url = request.build_absolute_uri(previews.preview_url(link))
                self.message_user(
                    request,
                    format_html(
                        '{} <a href="{}">{}</a>',
                        _("Preview link (valid until %(until)s):")
                        % {"until": timezone.localtime(link.expires_at).strftime("%Y-%m-%d %H:%M")},
                        url,
                        url,
                    ),
                    messages.SUCCESS,
                )
        except (ValidationError, PermissionDenied) as error:
            text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            self.message_user(request, text or _("You may not do that."), messages.ERROR)
        return HttpResponseRedirect(change_url)
