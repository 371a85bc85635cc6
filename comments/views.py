import logging

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from modern_csrf.decorators import csrf_protect as same_origin_required

from articles.models import Article
from articles.views import story_context
from newsroom.prepared import PreparedQuery

from . import moderation
from .forms import CommentForm, ReportForm
from .models import Comment

logger = logging.getLogger(__name__)

# The story a comment is posted to, compiled once (newsroom.prepared): on every post.
LIVE_STORY = PreparedQuery(
    lambda pk, now: Article.objects.live(at=now).select_related("section").filter(pk=pk)[:1],
    pk=Article._meta.get_field("id"),
    now=Article._meta.get_field("publish_at"),
)

# How a refusal is answered: nothing was stored, the form comes back with the text.
REFUSAL_STATUS = {"closed": 403, "flood": 429, "stale_form": 400}


def _client_ip(request):
    return request.META.get("REMOTE_ADDR") or None


def _story_with_form(request, article, form, *, status):
    # The story page's extras (bylines, tags), fetched only when the page is shown again.
    article = Article.objects.for_display().get(pk=article.pk)
    return TemplateResponse(
        request,
        "articles/article_detail.html",
        story_context(article, preview=False, comment_form=form),
        status=status,
    )


# The story page must hold no per-visitor secret (so it can be cached whole),
# so these forms carry no CSRF token: Django's token check is switched off
# here and a cross-site POST is refused by its Sec-Fetch-Site/Origin headers.
@csrf_exempt
@same_origin_required
@require_POST
def post_comment(request, article_id):
    # Deciding needs the story and its section's comment setting, nothing more.
    article = LIVE_STORY.first(pk=article_id, now=timezone.now())
    if article is None:
        raise Http404("No such story.")
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _story_with_form(request, article, form, status=400)
    try:
        comment = moderation.post(
            article=article,
            name=form.cleaned_data["name"],
            email=form.cleaned_data["email"],
            body=form.cleaned_data["body"],
            parent=form.cleaned_data["parent"],
            token=request.POST.get("token", ""),
            honeypot=form.cleaned_data["leave_empty"],
            ip_address=_client_ip(request),
            user_agent=request.headers.get("User-Agent", ""),
        )
    except ValidationError as refusal:
        logger.info("Comment on story %s refused: %s", article.pk, refusal.code)
        form.add_error(None, refusal)
        response = _story_with_form(request, article, form, status=REFUSAL_STATUS[refusal.code])
        if refusal.code == "flood":
            response["Retry-After"] = str(refusal.params["wait"])
        return response
    # Post/redirect/get: the story page then tells the reader what happened.
    return HttpResponseRedirect(_outcome_url(comment), status=303)


def _outcome_url(comment):
    story = comment.article.get_absolute_url()
    if comment.status == Comment.Status.APPROVED:
        number = comment.page_number()
        page = f"&cpage={number}" if number > 1 else ""
        return f"{story}?comment=approved{page}#comment-{comment.pk}"
    outcome = "pending" if comment.status == Comment.Status.PENDING else "rejected"
    return f"{story}?comment={outcome}#comment-status"


@csrf_exempt
@same_origin_required
# HEAD wherever GET works (link checkers, monitors, crawlers ask HEAD first).
@require_http_methods(["GET", "HEAD", "POST"])
def report_comment(request, comment_id):
    """A reader reports a published comment. GET shows the form on a page of its own."""
    comment = get_object_or_404(
        Comment.objects.public()
        .filter(article__in=Article.objects.live())
        .select_related("article"),
        pk=comment_id,
    )
    form = ReportForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        moderation.report(
            comment, reason=form.cleaned_data["reason"], ip_address=_client_ip(request)
        )
        number = comment.page_number()
        page = f"cpage={number}&" if number > 1 else ""
        return HttpResponseRedirect(
            f"{comment.article.get_absolute_url()}?{page}reported={comment.pk}#comments",
            status=303,
        )
    return TemplateResponse(
        request,
        "comments/report.html",
        {"comment": comment, "article": comment.article, "form": form},
        status=400 if form.is_bound else 200,
    )
