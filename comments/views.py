from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from modern_csrf.decorators import csrf_protect as same_origin_required

from articles.models import Article

from . import moderation
from .forms import CommentForm


# The story page must hold no per-visitor secret (so it can be cached whole),
# so this form carries no CSRF token: Django's token check is switched off
# here and a cross-site POST is refused by its Sec-Fetch-Site/Origin headers.
@csrf_exempt
@same_origin_required
@require_POST
def post_comment(request, article_id):
    article = get_object_or_404(Article.objects.live().for_display(), pk=article_id)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return TemplateResponse(
            request,
            "articles/article_detail.html",
            {"article": article, "preview": False, "comment_form": form},
            status=400,
        )
    comment = moderation.post(
        article=article,
        name=form.cleaned_data["name"],
        email=form.cleaned_data["email"],
        body=form.cleaned_data["body"],
        ip_address=request.META.get("REMOTE_ADDR") or None,
        user_agent=request.headers.get("User-Agent", ""),
    )
    # Post/redirect/get: the story page then tells the reader what happened.
    return HttpResponseRedirect(
        f"{article.get_absolute_url()}?comment={comment.status}#comment-status", status=303
    )
