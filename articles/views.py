from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_cache_control
from django.views.generic import DetailView, ListView
from taggit.models import Tag

from .models import Article, Section


class LiveArticleListView(ListView):
    paginate_by = 20
    context_object_name = "articles"

    def get_queryset(self):
        return Article.objects.live().for_listing()


class HomeView(LiveArticleListView):
    template_name = "articles/home.html"


class SectionView(LiveArticleListView):
    template_name = "articles/section.html"

    def get_queryset(self):
        self.section = get_object_or_404(Section, slug=self.kwargs["slug"])
        return super().get_queryset().in_section(self.section)

    def get_context_data(self, **kwargs):
        return super().get_context_data(section=self.section, **kwargs)


class TagView(LiveArticleListView):
    template_name = "articles/tag.html"

    def get_queryset(self):
        self.tag = get_object_or_404(Tag, slug=self.kwargs["slug"])
        return super().get_queryset().filter(tags=self.tag)

    def get_context_data(self, **kwargs):
        return super().get_context_data(tag=self.tag, **kwargs)


class ArticleDetailView(DetailView):
    """A live story for everyone; any other story only for staff, as a preview.

    The session is consulted only when the story is not live, so a live story
    page served to an anonymous reader carries nothing per visitor.
    """

    context_object_name = "article"

    def get_object(self, queryset=None):
        slug = self.kwargs["slug"]
        article = Article.objects.live().for_display().filter(slug=slug).first()
        if article is not None:
            self.preview = False
            return article
        user = self.request.user
        if user.is_active and user.is_staff and user.has_perm("articles.view_article"):
            article = Article.objects.for_display().filter(slug=slug).first()
            if article is not None:
                self.preview = True
                return article
        raise Http404("No story at this address.")

    def get_context_data(self, **kwargs):
        return super().get_context_data(preview=self.preview, **kwargs)

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if self.preview:
            patch_cache_control(response, private=True, no_cache=True, no_store=True, max_age=0)
        return response


def preview(request, token):
    """An unpublished story, through a signed preview link an editor shared."""
    from django.shortcuts import render

    from . import publishing

    article = publishing.article_for_preview(token)
    if article is None:
        raise Http404("This preview link is not valid: it has expired or was revoked.")
    article = Article.objects.for_display().get(pk=article.pk)
    response = render(
        request, "articles/article_detail.html", {"article": article, "preview": True}
    )
    patch_cache_control(response, private=True, no_cache=True, no_store=True, max_age=0)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
