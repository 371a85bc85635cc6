import time

from comments.models import Comment, CommentSettings
from comments.policy import issue_form_token


def make_comment(article, *, parent=None, **overrides):
    """A stored comment (pending unless overrides say otherwise); a reply when given a parent."""
    fields = {
        "article": article,
        "name": "A Reader",
        "email": "reader@example.com",
        "body": "A comment.",
        "status": Comment.Status.PENDING,
    } | overrides
    created_at = fields.pop("created_at", None)
    if parent is not None:
        fields |= {"parent": parent, "root": parent.root or parent, "depth": parent.depth + 1}
    comment = Comment.objects.create(**fields)
    if created_at is not None:  # auto_now_add ignores a value given to create()
        Comment.objects.filter(pk=comment.pk).update(created_at=created_at)
        comment.created_at = created_at
    return comment


def make_settings(**fields):
    """Saved site settings for comments (defaults for anything not given)."""
    settings = CommentSettings(**fields)
    settings.save()
    return settings


def form_data(article, *, age=60, **overrides):
    """What the story's form sends: reader's input plus a token shown ``age`` seconds ago."""
    return {
        "name": "Ada Reader",
        "email": "ada@example.com",
        "body": "Good reporting.\nThanks!",
        "token": issue_form_token(article.pk, at=time.time() - age),
        "leave_empty": "",
    } | overrides
