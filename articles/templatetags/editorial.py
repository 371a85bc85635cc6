"""The editors' dashboard on the admin index."""

from datetime import timedelta

from django import template
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from articles import desk, publishing
from articles.models import Article, ArticleEvent, Correction

register = template.Library()

LIMIT = 10
# How far ahead the desk lists stories about to leave the site.
EXPIRING_WITHIN = timedelta(days=7)


@register.simple_tag(takes_context=True)
def editorial_dashboard(context):
    user = context["request"].user
    if not user.has_perm("articles.change_article"):
        return None
    now = timezone.now()
    stories = Article.objects.select_related("section").order_by("-updated_at")
    events = ArticleEvent.objects.filter(article=OuterRef("pk")).order_by("-at", "-pk")
    last = events.values("action", "note")[:1]
    drafts = stories.drafts().owned_by(user)
    # A draft sent back shows the editor's note on its writer's desk.
    drafts = drafts.annotate(
        last_action=Subquery(events.values("action")[:1]),
        last_note=Subquery(last.values("note")),
    )
    in_review = (
        stories.awaiting_review()
        .select_related("created_by")
        .annotate(
            submitted_at=Subquery(events.filter(action="submit").values("at")[:1]),
        )
        .order_by("-submitted_at", "-pk")
    )
    return {
        "my_drafts": list(drafts[:LIMIT]),
        "in_review": list(in_review[:LIMIT]),
        "scheduled": list(stories.scheduled(at=now).order_by("publish_at")[:LIMIT]),
        "recently_published": list(
            Article.objects.live(at=now)
            .filter(publish_at__gte=now - timedelta(days=7))
            .order_by("-publish_at")[:LIMIT]
        ),
        "expiring": list(publishing.expiring(within=EXPIRING_WITHIN, now=now)[:LIMIT])
        if publishing.is_editor(user)
        else None,
        "more": desk.panels_for(user),
        "recently_corrected": list(
            Correction.objects.select_related("article").order_by("-created_at")[:LIMIT]
        ),
    }
