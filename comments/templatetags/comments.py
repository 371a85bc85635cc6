"""Comments on a story page: ``{% load comments %}``, then the tags below.

The story page is cached whole for anonymous readers, so nothing here touches
the session or the user: what a tag shows depends on the story and the query
string only.
"""

import functools
import time
from html import escape

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from articles import seo
from pagecache.hints import stale_at

from .. import text, threads
from ..checks import TOKEN_MIN_AGE
from ..forms import CommentForm, comment_id
from ..models import Comment, CommentSettings
from ..policy import issue_form_token, policy_for

register = template.Library()

FIELDS_TEMPLATE = "comments/_form_fields.html"

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
        "reported": query.get("reported"),
    }


# A story page shows a page of threads, each with its replies: built here in one
# pass rather than by a template included once per comment, which cost several
# times more than the rest of the page. This is the whole of a comment's markup.
COMMENT_HTML = """<li id="comment-{pk}" class="comment{featured_class}">
  <p class="comment-meta"><strong>{name}</strong> · <a class="permalink" href="#comment-{pk}"><time datetime="{datetime}">{date}</time></a>{badge}</p>
  <div class="comment-body">{body}</div>{edited}
  <div class="comment-actions">{reply}
    <a class="comment-report" href="{report_url}" rel="nofollow">Report<span class="visually-hidden"> this comment</span></a>
  </div>{replies}
</li>"""
REPLY_HTML = (
    '<a href="?{page}reply_to={pk}#comment-form">'
    'Reply<span class="visually-hidden"> to {name}</span></a>'
)
REPLIES_HTML = '\n  <ol class="comment-replies">\n{}\n  </ol>'
FEATURED_BADGE = ' · <span class="badge">Featured</span>'
EDITED_NOTE = '\n  <p class="comment-edited">Edited by a moderator</p>'


class _Dates:
    """A comment's time as the ``date`` filter writes "j F Y, H:i", in the site's time zone.

    Month names are translated once per list, not once per comment; the instant is the
    one ``articles.seo`` gives every ``<time datetime>``.
    """

    def __init__(self):
        self.months = {number: str(name) for number, name in MONTHS.items()}
        self.zone = timezone.get_current_timezone()

    def __call__(self, value):
        local = seo.instant(value, self.zone)
        shown = f"{local.day} {self.months[local.month]} {local.year:04d}, {local:%H:%M}"
        return local.isoformat(), shown


def _report_url_maker():
    # One reverse() for the whole list instead of one per comment.
    marker = "2147483647"
    before, _, after = reverse("comments:report", args=[marker]).partition(marker)
    return lambda pk: f"{before}{pk}{after}"


@register.simple_tag
def comment_list(page, policy) -> SafeString:
    """``{% comment_list page policy %}``: the page's threads as ``<li>`` items, nested.

    Everything a reader typed is escaped (names here, text by ``text.render``).
    """
    report_url = _report_url_maker()
    dates = _Dates()
    page_query = f"cpage={page.number}&amp;" if page.number > 1 else ""
    replies_open = policy.is_open

    def render(comment):
        name = escape(comment.name)
        children = getattr(comment, "children", ())
        replies = REPLIES_HTML.format("\n".join(map(render, children))) if children else ""
        reply = ""
        if replies_open and comment.can_have_replies:
            reply = REPLY_HTML.format(page=page_query, pk=comment.pk, name=name)
        datetime, date = dates(comment.created_at)
        return COMMENT_HTML.format(
            pk=comment.pk,
            featured_class=" featured" if comment.featured else "",
            name=name,
            datetime=datetime,
            date=date,
            badge=FEATURED_BADGE if comment.featured else "",
            body=text.render(comment.body or ""),
            edited=EDITED_NOTE if comment.redacted_at else "",
            reply=reply,
            report_url=report_url(comment.pk),
            replies=replies,
        )

    # Safe: the markup above is fixed, ids and dates are ours, names are escaped here
    # and texts by text.render.
    return mark_safe("\n".join(map(render, page.comments)))  # noqa: S308


@register.inclusion_tag("comments/_form.html", takes_context=True)
def comment_form(context, article):
    """The "Post Comment" form, or the notice that comments are closed.

    After an error the form comes back with what the reader typed and a token
    dated as if shown a moment ago, so sending again is not "too fast".
    """
    query = _query(context)
    # A form sent back with what the reader typed and its errors; else the empty fields.
    form = context.get("comment_form")
    bound = form is not None and form.is_bound
    policy = policy_for(article)
    parent_id = comment_id(form.data.get("parent") if bound else query.get("reply_to"))
    parent = None
    if policy.is_open and parent_id:
        parent = Comment.objects.public().for_article(article).filter(pk=parent_id).first()
    issued_at = time.time() - TOKEN_MIN_AGE if bound else None
    if policy.is_open:
        # A cached story page must not offer the form after comments close.
        stale_at(context.get("request"), policy.closes_at)
    return {
        "article": article,
        "form": form,
        "blank_fields": None if bound else _blank_fields(),
        "policy": policy,
        "parent": parent,
        "token": issue_form_token(article.pk, at=issued_at),
        "posted_message": POSTED_MESSAGES.get(query.get("comment")),
        "cpage": query.get("cpage"),
    }


def _blank_fields() -> SafeString:
    """The empty form's fields as HTML: the same on every story page, so made once.

    Django draws each widget through its own templates, which cost more than the rest
    of the form; an empty form's fields depend only on the code. With DEBUG on they
    are drawn every time, so edits to the templates show at once.
    """
    if settings.DEBUG:
        return render_to_string(FIELDS_TEMPLATE, {"form": CommentForm()})
    return _blank_fields_once()


@functools.cache
def _blank_fields_once() -> SafeString:
    return render_to_string(FIELDS_TEMPLATE, {"form": CommentForm()})


@register.simple_tag
def comment_counts(articles):
    """``{% comment_counts articles as counts %}``: approved comments per story, one query at most."""
    return threads.comment_counts(articles)


@register.simple_tag
def comment_count(article, counts):
    """``{% comment_count article counts %}``: "3 comments", linked to the story's comments.

    Nothing when there are none. Once per story in every list, so no template of its own.
    """
    count = counts.get(article.pk, 0)
    if not count:
        return ""
    return format_html(
        '<a class="comment-count" href="{}#comments">{} comment{}</a>',
        article.get_absolute_url(),
        count,
        "" if count == 1 else "s",
    )


@register.filter
def held_because(comment):
    """The reasons that decided a comment's status, as one line."""
    return comment.reasons_text(deciding_only=True)
