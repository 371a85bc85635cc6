"""Comments on a story page: ``{% load comments %}``, then the tags below.

The story page is cached whole for anonymous readers, so nothing here touches
the session or the user: what a tag shows depends on the story and the query
string only.
"""

import time

from django import template

from .. import text, threads
from ..checks import TOKEN_MIN_AGE
from ..forms import CommentForm, comment_id
from ..models import Comment, CommentSettings, Report
from ..moderation import issue_form_token, policy_for

register = template.Library()

POSTED_MESSAGES = {
    "pending": "Thank you. Your comment is awaiting moderation and will appear here once "
    "a moderator approves it.",
    "approved": "Thank you. Your comment is live.",
    "rejected": "Your comment was not published: it did not pass our checks. It has been "
    "kept, and a moderator can review it.",
}


def _query(context):
    request = context.get("request")
    return request.GET if request is not None else {}


@register.filter
def comment_text(body):
    """A comment's text as HTML: escaped, line breaks kept, bare URLs linked (nofollow ugc)."""
    return text.render(body or "")


@register.inclusion_tag("comments/_thread.html", takes_context=True)
def comment_thread(context, article):
    """The approved comments under a story, oldest first, a page at a time (``?cpage=``)."""
    query = _query(context)
    site = CommentSettings.load()
    page = threads.thread_page(
        article, threads.page_number(query.get("cpage")), per_page=site.per_page
    )
    return {
        "article": article,
        "page": page,
        "policy": policy_for(article, site=site),
        "report_reasons": Report.Why.choices,
        "reported": query.get("reported"),
    }


@register.inclusion_tag("comments/_form.html", takes_context=True)
def comment_form(context, article):
    """The "Post Comment" form, or the notice that comments are closed.

    After an error the form comes back with what the reader typed and a token
    dated as if shown a moment ago, so sending again is not "too fast".
    """
    query = _query(context)
    form = context.get("comment_form") or CommentForm()
    policy = policy_for(article)
    parent_id = comment_id(form.data.get("parent") if form.is_bound else query.get("reply_to"))
    parent = None
    if policy.is_open and parent_id:
        parent = Comment.objects.public().for_article(article).filter(pk=parent_id).first()
        if parent is not None and not form.is_bound:
            form = CommentForm(initial={"parent": parent.pk})
    issued_at = time.time() - TOKEN_MIN_AGE if form.is_bound else None
    return {
        "article": article,
        "form": form,
        "policy": policy,
        "parent": parent,
        "token": issue_form_token(article.pk, at=issued_at),
        "posted_message": POSTED_MESSAGES.get(query.get("comment")),
        "cpage": query.get("cpage"),
    }


@register.simple_tag
def comment_counts(articles):
    """``{% comment_counts articles as counts %}``: approved comments per story, one query at most."""
    return threads.comment_counts(articles)


@register.inclusion_tag("comments/_count.html")
def comment_count(article, counts):
    """``{% comment_count article counts %}``: "3 comments", linked to the story's comments."""
    return {"article": article, "count": counts.get(article.pk, 0)}


@register.filter
def held_because(comment):
    """The reasons that decided a comment's status, as one line."""
    return comment.reasons_text(deciding_only=True)
