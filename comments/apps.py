from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_migrate, post_save
from django.utils.translation import gettext_lazy as _


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = _("Comments")

    def warm(self):
        """What a worker's first comment would compile, in gunicorn's master before it
        forks (newsroom/warmup.py): Django compiles a validator's regular expressions
        on first use, and the email address's (its domain part's) took 30 ms here,
        paid by each worker's first poster, and again by every worker gunicorn starts
        in place of one it retired. Files only: no connection.
        """
        from django.core.validators import validate_email

        validate_email("reader@example.com")

    def ready(self):
        post_migrate.connect(create_groups, sender=self)
        from .signals import comments_changed

        # Comments shown under a story changed: its cached page is retired, nothing
        # else (lists' comment counts may lag a minute: articles/cachekeys.py).
        comments_changed.connect(_retire_story_pages, dispatch_uid="pages-comments")
        # The comment rules shape every story page's form.
        post_save.connect(
            _retire_all_pages, sender=self.get_model("CommentSettings"), dispatch_uid="pages-rules"
        )
        # Who hears of held comments may have changed: the digest looks again.
        from django.contrib.auth import get_user_model

        from .digest import forget_nobody_told

        for sender in (self.get_model("CommentSettings"), self.get_model("NotificationPreference")):
            post_save.connect(forget_nobody_told, sender=sender, dispatch_uid="digest-recipients")
        m2m_changed.connect(
            forget_nobody_told,
            sender=get_user_model().groups.through,
            dispatch_uid="digest-recipients",
        )


def _retire_story_pages(sender=None, article_ids=(), **kwargs):
    from articles import cachekeys

    cachekeys.invalidate_stories(article_ids)


def _retire_all_pages(sender=None, instance=None, created=False, raw=False, **kwargs):
    from pagecache.invalidation import invalidate

    if raw or (created and _only_defaults(instance)):
        # Pages were rendered with the defaults while there was no row: nothing changed.
        return
    invalidate({"site"})


def _only_defaults(instance):
    fresh = type(instance)()
    return all(
        field.value_from_object(instance) == field.value_from_object(fresh)
        for field in instance._meta.concrete_fields
        if not field.primary_key
    )


MODERATORS = "Moderators"

NOTIFICATIONS = [
    "comments.add_notificationpreference",
    "comments.change_notificationpreference",
    "comments.view_notificationpreference",
]
MODERATION = [
    "comments.can_moderate",
    "comments.view_comment",
    "comments.change_comment",
    "comments.view_report",
    "comments.add_ban",
    "comments.change_ban",
    "comments.view_ban",
    "comments.add_commenternote",
    "comments.change_commenternote",
    "comments.view_commenternote",
    "comments.add_commentsettings",
    "comments.change_commentsettings",
    "comments.view_commentsettings",
    "comments.view_digest",
    *NOTIFICATIONS,
    "articles.view_article",
]


def create_groups(**kwargs):
    from articles.roles import EDITORS, WRITERS, grant

    grant(MODERATORS, MODERATION)
    # Editors may moderate too.
    grant(EDITORS, MODERATION)
    # Writers may ask to hear about held comments on their own stories.
    grant(WRITERS, NOTIFICATIONS)
