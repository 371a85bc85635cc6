"""The editors' dashboard on the admin index."""

from datetime import timedelta

from django import template
from django.utils import timezone

from articles.models import Article, Correction

register = template.Library()

LIMIT = 10


@register.simple_tag(takes_context=True)
def editorial_dashboard(context):
    user = context["request"].user
    if not user.has_perm("articles.change_article"):
        return None
    now = timezone.now()
    stories = Article.objects.select_related("section").order_by("-updated_at")
    return {
        "my_drafts": list(stories.drafts().owned_by(user)[:LIMIT]),
        "in_review": list(stories.awaiting_review()[:LIMIT]),
        "scheduled": list(stories.scheduled(at=now).order_by("publish_at")[:LIMIT]),
        "recently_published": list(
            Article.objects.live(at=now)
            .filter(publish_at__gte=now - timedelta(days=7))
            .order_by("-publish_at")[:LIMIT]
        ),
        "recently_corrected": list(
            Correction.objects.select_related("article").order_by("-created_at")[:LIMIT]
        ),
    }
