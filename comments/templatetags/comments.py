from django import template

from ..forms import CommentForm
from ..models import Comment

register = template.Library()

POSTED_MESSAGES = {
    Comment.Status.PENDING: "Thank you. Your comment is awaiting moderation and will appear "
    "here once a moderator approves it.",
    Comment.Status.APPROVED: "Thank you. Your comment is live.",
}


@register.inclusion_tag("comments/_thread.html")
def comment_thread(article):
    """The approved comments under a story, oldest first."""
    return {"article": article, "comments": list(Comment.objects.public().for_article(article))}


@register.inclusion_tag("comments/_form.html", takes_context=True)
def comment_form(context, article):
    """The "Post Comment" form; re-shows the reader's input after an error."""
    request = context.get("request")
    posted = request.GET.get("comment") if request is not None else None
    return {
        "article": article,
        "form": context.get("comment_form") or CommentForm(),
        "posted_message": POSTED_MESSAGES.get(posted),
    }
