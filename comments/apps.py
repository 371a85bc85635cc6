from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = _("Comments")

    def ready(self):
        post_migrate.connect(create_groups, sender=self)


MODERATORS = "Moderators"


def create_groups(**kwargs):
    from articles.roles import EDITORS, grant

    moderation = [
        "comments.can_moderate",
        "comments.view_comment",
        "comments.change_comment",
        "articles.view_article",
    ]
    grant(MODERATORS, moderation)
    # Editors may moderate too.
    grant(EDITORS, moderation)
